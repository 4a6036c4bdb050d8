/* Transparent huge pages for the heap of a large entry set (see heap.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* About bytes more heap will be needed: grows the heap by that much now, starting at a huge page
 * boundary, and asks the kernel to back it with transparent huge pages. Returns false when it did
 * nothing (not glibc's malloc, no THP in the kernel, or the heap not in a state it can use); the
 * heap then grows as usual. Call it early, before the heap holds much. */
bool heap_expect(size_t bytes);
