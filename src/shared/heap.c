/* Transparent huge pages for the heap of a large entry set.
 *
 * Loading 1 000 entries keeps some 2 MB of heap alive until the units are written; each 4 KiB page
 * of it costs a page fault on first touch, and on virtual machines (where generators run at boot
 * as much as anywhere) a page fault costs 10-25 µs: 500 of them were a seventh of the generator's
 * run. A transparent huge page is one fault for 2 MiB. glibc 2.36's malloc() has no switch for
 * this but the GLIBC_TUNABLES variable (glibc.malloc.hugetlb=1), which systemd does not pass to
 * generators, so heap_expect() does what that tunable does, once, from outside malloc():
 *
 *   1. it moves the program break to a little below a 2 MiB boundary with an sbrk() of its own.
 *      glibc copes with a foreign sbrk() (it counts the gap as not its own and starts its next
 *      extension at the new break); the gap is never touched, so it costs no memory;
 *   2. it makes malloc() extend the heap now, by the expected size (M_TOP_PAD), with a request
 *      larger than all free space together (so it fits in no free chunk): the new heap starts
 *      at the new break, and what malloc() writes (the request's header and the next one's)
 *      stays below the boundary;
 *   3. it marks the new heap from the boundary on MADV_HUGEPAGE before anything there is
 *      touched, so each of its 2 MiB blocks is one huge page at its first touch.
 *
 * Only worth it for large sets: below a few hundred entries a 2 MiB page (zeroed by the kernel)
 * costs more than the faults it saves, so the loader calls this only above a threshold. Where THP
 * is "never" or not built in, madvise() fails or does nothing and the heap is an ordinary one.
 * Under valgrind or ASan malloc() is not glibc's (mallinfo2() reports no heap) and nothing is
 * done. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heap.h"

#define HUGE_PAGE_SIZE ((uintptr_t) 2 << 20)

static uintptr_t current_break(void)
{
        void *p = sbrk(0);
        return p == (void *) -1 ? 0 : (uintptr_t) p;
}

bool heap_expect(size_t bytes)
{
        uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE), brk0, start, boundary, end;
        struct mallinfo2 mi = mallinfo2();

        if (mi.arena == 0) {
                /* Nothing allocated yet: glibc makes its heap at the first malloc(). */
                void *volatile first = malloc(1);
                free(first);
                mi = mallinfo2();
        }
        /* No brk heap of glibc's (valgrind, ASan): leave it alone. */
        if (mi.arena == 0 || bytes > (size_t) INT32_MAX - HUGE_PAGE_SIZE)
                return false;

        /* M_TOP_PAD stays: malloc() also keeps that much when it trims the heap after a free(),
         * instead of giving the huge pages back and growing again without them. mallopt() merges
         * the small free chunks, so the free space is measured after it. */
        (void) mallopt(M_TOP_PAD, (int) (bytes + HUGE_PAGE_SIZE));
        mi = mallinfo2();

        /* A request larger than all free space together fits in no free chunk: malloc() must
         * extend the heap for it. It must stay below the mmap threshold (128 KiB by default), so
         * a large rest at the top of a young heap is taken out of the count first. */
        void *rest = NULL;
        if (mi.fordblks > 64 * 1024 && mi.keepcost > 4096) {
                rest = malloc(mi.keepcost - 4096);
                mi = mallinfo2();
        }
        size_t request = mi.fordblks + 64;
        if (request > 96 * 1024) {
                free(rest);
                return false;
        }

        /* 1. The break to where the new heap leaves room below a huge page boundary for the request
         * and the header of what follows it: all that malloc() writes. */
        uintptr_t below = ((request + 256 + page - 1) & ~(page - 1)) + page;
        brk0 = current_break();
        if (brk0 == 0)
                return false;
        boundary = (brk0 + below + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
        start = boundary - below;
        if (start > brk0 && sbrk((intptr_t) (start - brk0)) == (void *) -1) {
                free(rest);
                return false;
        }

        /* 2. The heap extended by request + M_TOP_PAD, the request at its start. */
        char *p = malloc(request);
        bool placed = p && (uintptr_t) p >= start && (uintptr_t) p + request + 64 <= boundary;
        free(p);
        free(rest);
        end = current_break();
        if (!placed || end < boundary + HUGE_PAGE_SIZE)
                return false;

        /* 3. Nothing from the boundary on was touched yet. */
        return madvise((void *) boundary, end - boundary, MADV_HUGEPAGE) >= 0;
}
