/* What every fuzz target shares: the libFuzzer entry point, NUL-terminated copies of the input,
 * quiet logging, and a scratch directory that is emptied between inputs. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (an embedded NUL ends the string early, as in a C caller).
 * NULL on -ENOMEM. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Logs only at LOG_CRIT or above, unless $BERTH_FUZZ_VERBOSE is set: messages for bad input are
 * expected by the thousand and would only slow the fuzzer down. Call at the start of each input. */
void fuzz_quiet_logging(void);

/* A private scratch directory under $TMPDIR (or /tmp), created on first use and emptied on each
 * call, removed at exit. Returns its path; aborts when it cannot be made (nothing can be tested). */
const char *fuzz_scratch_dir(void);

/* rm -rf of everything below path (not path itself), never following symlinks; 0 or -errno. */
int fuzz_empty_dir(const char *path);

/* An invariant of the code under test: abort (a crash libFuzzer reports) when it does not hold.
 * Not assert(): that would vanish under -DNDEBUG. */
#define FUZZ_CHECK(expr)                                                                                    \
        do {                                                                                                \
                if (!(expr)) {                                                                              \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr);            \
                        abort();                                                                            \
                }                                                                                           \
        } while (0)

/* Builds a small file tree under dir from a text description, so that libFuzzer can mutate trees:
 *   @f PATH            a regular file; the lines after it, up to the next "@" line, are its
 *                      content (raw bytes: NUL, CR, invalid UTF-8 all allowed)
 *   @d PATH            a directory
 *   @l PATH TARGET     a symlink (TARGET is the rest of the line)
 *   @p PATH            a FIFO (device nodes are not made: mknod of real devices is not
 *                      something a fuzzer should do; the bad-input tests cover /dev/null, /dev/zero)
 *   @x PATH MODE       chmod (octal) of an existing path, never following a symlink
 *   @o PATH            not built: a path for the target to look up (returned through lookups)
 * PATH is relative to dir; missing parents are made; a record whose PATH has a ".." component, or
 * runs through a symlink, is skipped, so the tree never reaches outside dir while it is built.
 * Without FUZZ_TREE_HOSTILE_LINKS a symlink TARGET must stay inside dir too (absolute targets
 * other than /dev/null are put under dir): the loader reads what links point at, and a fuzzer must
 * not make it open /dev/watchdog. With it, any TARGET is made: for the in-root resolver, which
 * must never leave the root whatever the links say. Returns 0 or -errno for a failure of the
 * machine (not of the input). */
enum {
        FUZZ_TREE_HOSTILE_LINKS = 1 << 0,
};
#define FUZZ_TREE_RECORDS_MAX 64
#define FUZZ_TREE_LOOKUPS_MAX 16
typedef struct FuzzTree {
        char *lookups[FUZZ_TREE_LOOKUPS_MAX];
        unsigned n_lookups;
} FuzzTree;
int fuzz_make_tree(const char *dir, const uint8_t *data, size_t size, unsigned flags, FuzzTree *ret);
void fuzz_tree_done(FuzzTree *t);
