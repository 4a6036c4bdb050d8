/* SHA-256 against the FIPS 180-4 / NIST example vectors. */
#include <string.h>

#include "sha256.h"
#include "tests.h"

static void test_sha256_vectors(void)
{
        char hex[65];

        sha256_hex("", 0, hex);
        ASSERT_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        sha256_hex("abc", 3, hex);
        ASSERT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        sha256_hex(two, strlen(two), hex);
        ASSERT_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        const char *four =
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
        sha256_hex(four, strlen(four), hex);
        ASSERT_STREQ(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256_million_a(void)
{
        /* One million 'a', fed in uneven pieces to exercise the buffering. */
        char block[1000];
        Sha256 s;
        uint8_t d[SHA256_DIGEST_SIZE];
        char hex[65];
        size_t fed = 0, piece = 1;

        memset(block, 'a', sizeof block);
        sha256_init(&s);
        while (fed < 1000000) {
                size_t n = piece < 1000000 - fed ? piece : 1000000 - fed;
                if (n > sizeof block)
                        n = sizeof block;
                sha256_update(&s, block, n);
                fed += n;
                piece = piece * 7 % 997 + 1;
        }
        sha256_final(&s, d);
        sha256_to_hex(d, hex);
        ASSERT_STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256_padding_edges(void)
{
        /* Lengths around the 55/56/63/64-byte padding boundaries, one-shot vs. byte by byte. */
        char buf[130];
        memset(buf, 'x', sizeof buf);
        for (size_t len = 50; len < sizeof buf; len++) {
                char a[65], b[65];
                Sha256 s;
                uint8_t d[SHA256_DIGEST_SIZE];

                sha256_hex(buf, len, a);
                sha256_init(&s);
                for (size_t i = 0; i < len; i++)
                        sha256_update(&s, buf + i, 1);
                sha256_final(&s, d);
                sha256_to_hex(d, b);
                ASSERT_STREQ(a, b);
        }
        /* 64 bytes of 'x' computed independently (Python hashlib). */
        char hex[65];
        sha256_hex(buf, 64, hex);
        ASSERT_STREQ(hex, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

/* The SHA-NI compression (where the CPU has it) against the portable one, on 4 KiB of varied
 * bytes at every length from 0 to 300 and a few large ones. Where the CPU lacks SHA-NI (or under
 * valgrind, which hides it) both runs take the portable code and this only checks determinism:
 * the TAP comment says which. */
static void test_sha256_accelerated_matches_generic(void)
{
        static uint8_t data[4096];
        uint32_t x = 2463534242u;

        printf("# SHA-NI %s\n", sha256_accelerated() ? "used" : "not available: portable code only");
        for (size_t i = 0; i < sizeof data; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
                data[i] = (uint8_t) x;
        }
        for (size_t len = 0; len <= sizeof data; len = len < 300 ? len + 1 : len * 2 + 17) {
                char fast[65], slow[65];

                sha256_force_generic(false);
                sha256_hex(data, len, fast);
                sha256_force_generic(true);
                sha256_hex(data, len, slow);
                sha256_force_generic(false);
                if (strcmp(fast, slow) != 0)
                        printf("# length %zu: %s (accelerated) != %s (portable)\n", len, fast, slow);
                ASSERT_STREQ(fast, slow);
        }
}

TESTS_MAIN(TEST_CASE(test_sha256_vectors), TEST_CASE(test_sha256_million_a),
        TEST_CASE(test_sha256_padding_edges), TEST_CASE(test_sha256_accelerated_matches_generic))
