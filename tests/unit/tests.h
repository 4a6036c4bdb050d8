/* A minimal test framework for berth's C unit tests: TEST() functions, ASSERT macros, TAP output.
 * Under 'meson test --setup=valgrind' (BERTH_VALGRIND=1) a test binary re-runs itself in valgrind. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct TestCase {
        const char *name;
        void (*func)(void);
} TestCase;

extern int test_failures_;

#define ASSERT_TRUE(expr)                                                                                   \
        do {                                                                                                \
                if (!(expr)) {                                                                              \
                        printf("# %s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr);               \
                        test_failures_++;                                                                   \
                        return;                                                                             \
                }                                                                                           \
        } while (0)
#define ASSERT_EQ_INT(a, b)                                                                                 \
        do {                                                                                                \
                long long a_ = (long long) (a), b_ = (long long) (b);                                       \
                if (a_ != b_) {                                                                             \
                        printf("# %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, a_,    \
                                #b, b_);                                                                    \
                        test_failures_++;                                                                   \
                        return;                                                                             \
                }                                                                                           \
        } while (0)
#define ASSERT_STREQ(a, b)                                                                                  \
        do {                                                                                                \
                const char *a_ = (a), *b_ = (b);                                                            \
                if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                    \
                        printf("# %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,          \
                                a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                    \
                        test_failures_++;                                                                   \
                        return;                                                                             \
                }                                                                                           \
        } while (0)

/* Runs every case as TAP; re-executes under valgrind when asked. */
static inline int tests_run(int argc, char **argv, const TestCase *cases, size_t n)
{
        (void) argc;
        if (getenv("BERTH_VALGRIND") && !getenv("BERTH_UNDER_VALGRIND")) {
                setenv("BERTH_UNDER_VALGRIND", "1", 1);
                execlp("valgrind", "valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                        "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
                        argv[0], (char *) NULL);
                perror("valgrind");
                return 99;
        }
        printf("1..%zu\n", n);
        for (size_t i = 0; i < n; i++) {
                int before = test_failures_;
                cases[i].func();
                printf("%s %zu - %s\n", test_failures_ == before ? "ok" : "not ok", i + 1, cases[i].name);
        }
        return test_failures_ ? 1 : 0;
}

#define TESTS_MAIN(...)                                                                                     \
        int test_failures_;                                                                                 \
        int main(int argc, char **argv)                                                                     \
        {                                                                                                   \
                static const TestCase cases_[] = { __VA_ARGS__ };                                           \
                return tests_run(argc, argv, cases_, sizeof cases_ / sizeof cases_[0]);                     \
        }
#define TEST_CASE(f)                                                                                        \
        {                                                                                                   \
#f, f                                                                                       \
        }
