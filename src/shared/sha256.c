/* SHA-256 as specified in FIPS 180-4, section 6.2: small, portable, no dependency; on x86-64
 * CPUs with the SHA extensions the compression function runs on them (chosen at run time). */
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI 1
#else
#define HAVE_SHA_NI 0
#endif

#include "sha256.h"

/* The first 32 bits of the fractional parts of the cube roots of the first 64 primes (4.2.2). */
static const uint32_t K[64] = {
        0x428a2f98,
        0x71374491,
        0xb5c0fbcf,
        0xe9b5dba5,
        0x3956c25b,
        0x59f111f1,
        0x923f82a4,
        0xab1c5ed5,
        0xd807aa98,
        0x12835b01,
        0x243185be,
        0x550c7dc3,
        0x72be5d74,
        0x80deb1fe,
        0x9bdc06a7,
        0xc19bf174,
        0xe49b69c1,
        0xefbe4786,
        0x0fc19dc6,
        0x240ca1cc,
        0x2de92c6f,
        0x4a7484aa,
        0x5cb0a9dc,
        0x76f988da,
        0x983e5152,
        0xa831c66d,
        0xb00327c8,
        0xbf597fc7,
        0xc6e00bf3,
        0xd5a79147,
        0x06ca6351,
        0x14292967,
        0x27b70a85,
        0x2e1b2138,
        0x4d2c6dfc,
        0x53380d13,
        0x650a7354,
        0x766a0abb,
        0x81c2c92e,
        0x92722c85,
        0xa2bfe8a1,
        0xa81a664b,
        0xc24b8b70,
        0xc76c51a3,
        0xd192e819,
        0xd6990624,
        0xf40e3585,
        0x106aa070,
        0x19a4c116,
        0x1e376c08,
        0x2748774c,
        0x34b0bcb5,
        0x391c0cb3,
        0x4ed8aa4a,
        0x5b9cca4f,
        0x682e6ff3,
        0x748f82ee,
        0x78a5636f,
        0x84c87814,
        0x8cc70208,
        0x90befffa,
        0xa4506ceb,
        0xbef9a3f7,
        0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n)
{
        return (x >> n) | (x << (32 - n));
}

static void sha256_block_generic(Sha256 *s, const uint8_t *p)
{
        uint32_t w[64], a, b, c, d, e, f, g, h;

        for (size_t t = 0; t < 16; t++)
                w[t] = (uint32_t) p[4 * t] << 24 | (uint32_t) p[4 * t + 1] << 16 |
                       (uint32_t) p[4 * t + 2] << 8 | (uint32_t) p[4 * t + 3];
        for (unsigned t = 16; t < 64; t++) {
                uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
                uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
                w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        a = s->state[0], b = s->state[1], c = s->state[2], d = s->state[3];
        e = s->state[4], f = s->state[5], g = s->state[6], h = s->state[7];
        for (unsigned t = 0; t < 64; t++) {
                uint32_t t1 =
                        h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
                uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
                h = g, g = f, f = e, e = d + t1;
                d = c, c = b, b = a, a = t1 + t2;
        }
        s->state[0] += a, s->state[1] += b, s->state[2] += c, s->state[3] += d;
        s->state[4] += e, s->state[5] += f, s->state[6] += g, s->state[7] += h;
}

#if HAVE_SHA_NI
/* The same compression with the SHA extensions (SHA256RNDS2 does two rounds, SHA256MSG1/2 the
 * message schedule, four words at a time). The instructions keep the state as two vectors,
 * ABEF and CDGH, so it is rearranged on the way in and out. */
__attribute__((target("sha,sse4.1,ssse3"))) static void sha256_block_shani(Sha256 *s, const uint8_t *p)
{
        const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
        __m128i dcba = _mm_loadu_si128((const __m128i *) &s->state[0]);
        __m128i hgfe = _mm_loadu_si128((const __m128i *) &s->state[4]);
        __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
        __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
        __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
        __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);
        __m128i abef0 = abef, cdgh0 = cdgh, w[4];

        for (unsigned g = 0; g < 16; g++) {
                __m128i m;

                if (g < 4)
                        w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (p + 16 * g)), bswap);
                else
                        /* W[t..t+3] from W[t-16..t-13], W[t-12..t-9], W[t-7..t-4] and W[t-4..t-1]. */
                        w[g % 4] = _mm_sha256msg2_epu32(
                                _mm_add_epi32(_mm_sha256msg1_epu32(w[g % 4], w[(g + 1) % 4]),
                                        _mm_alignr_epi8(w[(g + 3) % 4], w[(g + 2) % 4], 4)),
                                w[(g + 3) % 4]);
                m = _mm_add_epi32(w[g % 4], _mm_loadu_si128((const __m128i *) &K[4 * g]));
                cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
                abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0e));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);

        __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
        __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
        _mm_storeu_si128((__m128i *) &s->state[0], _mm_blend_epi16(feba, dchg, 0xf0));
        _mm_storeu_si128((__m128i *) &s->state[4], _mm_alignr_epi8(dchg, feba, 8));
}

static bool cpu_has_sha_ni(void)
{
        unsigned a, b, c, d;

        if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
                return false;
        return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

/* Set by sha256_force_generic() (tests compare both implementations). */
static bool force_generic;

void sha256_force_generic(bool generic)
{
        force_generic = generic;
}

static void sha256_block(Sha256 *s, const uint8_t *p)
{
#if HAVE_SHA_NI
        static int shani = -1;

        if (shani < 0)
                shani = cpu_has_sha_ni();
        if (shani && !force_generic) {
                sha256_block_shani(s, p);
                return;
        }
#endif
        sha256_block_generic(s, p);
}

bool sha256_accelerated(void)
{
#if HAVE_SHA_NI
        return cpu_has_sha_ni();
#else
        return false;
#endif
}

void sha256_init(Sha256 *s)
{
        /* The first 32 bits of the fractional parts of the square roots of the first 8 primes (5.3.3). */
        static const uint32_t H0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
                0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
        memcpy(s->state, H0, sizeof H0);
        s->length = 0;
        s->n_buffer = 0;
}

void sha256_update(Sha256 *s, const void *data, size_t size)
{
        const uint8_t *p = data;

        s->length += size;
        if (s->n_buffer > 0) {
                size_t k = 64 - s->n_buffer < size ? 64 - s->n_buffer : size;
                memcpy(s->buffer + s->n_buffer, p, k);
                s->n_buffer += k;
                p += k;
                size -= k;
                if (s->n_buffer < 64)
                        return;
                sha256_block(s, s->buffer);
                s->n_buffer = 0;
        }
        for (; size >= 64; p += 64, size -= 64)
                sha256_block(s, p);
        memcpy(s->buffer, p, size);
        s->n_buffer = size;
}

void sha256_final(Sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE])
{
        /* Padding (5.1.1): a 1 bit, zeros up to 56 bytes mod 64, then the length in bits, big-endian. */
        uint64_t bits = s->length * 8;
        uint8_t pad[72] = { 0x80 };
        size_t n_pad = (s->n_buffer < 56 ? 56 : 120) - s->n_buffer;

        for (unsigned i = 0; i < 8; i++)
                pad[n_pad + i] = (uint8_t) (bits >> (56 - 8 * i));
        sha256_update(s, pad, n_pad + 8);

        for (size_t i = 0; i < 8; i++) {
                ret[4 * i] = (uint8_t) (s->state[i] >> 24);
                ret[4 * i + 1] = (uint8_t) (s->state[i] >> 16);
                ret[4 * i + 2] = (uint8_t) (s->state[i] >> 8);
                ret[4 * i + 3] = (uint8_t) s->state[i];
        }
}

void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char ret[2 * SHA256_DIGEST_SIZE + 1])
{
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
                ret[2 * i] = hex[digest[i] >> 4];
                ret[2 * i + 1] = hex[digest[i] & 15];
        }
        ret[(size_t) 2 * SHA256_DIGEST_SIZE] = '\0';
}

void sha256_hex(const void *data, size_t size, char ret[2 * SHA256_DIGEST_SIZE + 1])
{
        Sha256 s;
        uint8_t d[SHA256_DIGEST_SIZE];

        sha256_init(&s);
        sha256_update(&s, data, size);
        sha256_final(&s, d);
        sha256_to_hex(d, ret);
}
