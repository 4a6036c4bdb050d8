/* SHA-256 (FIPS 180-4), for the digest of an entry's effective configuration. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

typedef struct Sha256 {
        uint32_t state[8];
        uint64_t length; /* bytes hashed so far */
        uint8_t buffer[64];
        size_t n_buffer;
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t size);
void sha256_final(Sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE]);
/* One-shot: the lower-case hex digest of data into ret (65 bytes with the NUL). */
void sha256_hex(const void *data, size_t size, char ret[2 * SHA256_DIGEST_SIZE + 1]);
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char ret[2 * SHA256_DIGEST_SIZE + 1]);
/* Whether the CPU's SHA extensions are used (x86-64 with SHA-NI), and a switch to the portable
 * code, so that tests can check one against the other. */
bool sha256_accelerated(void);
void sha256_force_generic(bool generic);
