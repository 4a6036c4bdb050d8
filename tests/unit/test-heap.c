/* heap_expect(): the heap grows from a huge page boundary, marked for transparent huge pages, and
 * stays an ordinary, working heap. Real kernel, real glibc malloc(); under valgrind and ASan
 * malloc() is not glibc's and heap_expect() must do nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "tests.h"

/* The VMA of /proc/self/smaps that contains addr: whether it is THP eligible (kernel 5.x+ shows
 * "THPeligible:"), and its start. Returns false when addr is in no mapping. */
static bool smaps_of(uintptr_t addr, uintptr_t *ret_start, int *ret_eligible)
{
        FILE *f = fopen("/proc/self/smaps", "re");
        char line[512];
        bool in = false, found = false;

        *ret_eligible = -1;
        if (!f)
                return false;
        while (fgets(line, sizeof line, f)) {
                unsigned long a, b;
                if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
                        in = addr >= a && addr < b;
                        if (in) {
                                found = true;
                                *ret_start = a;
                        }
                        continue;
                }
                int v;
                if (in && sscanf(line, "THPeligible: %d", &v) == 1)
                        *ret_eligible = v;
        }
        fclose(f);
        return found;
}

static bool thp_never(void)
{
        char buf[128] = "";
        FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
        if (!f)
                return true; /* no THP in this kernel */
        if (!fgets(buf, sizeof buf, f))
                buf[0] = '\0';
        fclose(f);
        return strstr(buf, "[never]") != NULL;
}

static bool malloc_is_glibc(void)
{
#if defined(__SANITIZE_ADDRESS__)
        return false;
#else
        return !getenv("BERTH_UNDER_VALGRIND");
#endif
}

static void test_heap_expect(void)
{
        enum { N = 40000, SIZE = 100 }; /* 4 MB of small blocks, like a large entry set */
        char **blocks = calloc(N, sizeof(char *));
        ASSERT_TRUE(blocks);

        bool r = heap_expect((size_t) N * (SIZE + 16));
        if (!malloc_is_glibc()) {
                ASSERT_TRUE(!r);
                free(blocks);
                return;
        }
        /* THP "never" makes madvise() succeed or fail depending on the kernel; either is fine. */
        if (!thp_never())
                ASSERT_TRUE(r);

        for (size_t i = 0; i < N; i++) {
                blocks[i] = malloc(SIZE);
                ASSERT_TRUE(blocks[i]);
                memset(blocks[i], (int) (i & 0xff), SIZE);
        }
        /* The heap still works: every block kept what was written to it. */
        for (size_t i = 0; i < N; i++)
                ASSERT_TRUE(blocks[i][0] == (char) (i & 0xff) && blocks[i][SIZE - 1] == (char) (i & 0xff));

        if (r) {
                /* Most blocks are in the part of the heap from the boundary on, which is THP eligible. */
                uintptr_t start = 0;
                int eligible = -1;
                ASSERT_TRUE(smaps_of((uintptr_t) blocks[N - 1], &start, &eligible));
                ASSERT_EQ_INT((int) (start & (((uintptr_t) 2 << 20) - 1)), 0);
                ASSERT_EQ_INT(eligible, 1);
        }
        for (size_t i = 0; i < N; i++)
                free(blocks[i]);
        free(blocks);
}

TESTS_MAIN(TEST_CASE(test_heap_expect))
