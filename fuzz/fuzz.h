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
#define FUZZ_CHECK(expr)                                                                          \
        do {                                                                                      \
                if (!(expr)) {                                                                    \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                                  \
                }                                                                                 \
        } while (0)
