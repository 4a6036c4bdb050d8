/* Helpers shared by the fuzz targets (see fuzz.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"

char *fuzz_strndup(const uint8_t *data, size_t size)
{
        return strndup((const char *) data, size);
}

void fuzz_quiet_logging(void)
{
        static int done;

        if (done)
                return;
        done = 1;
        log_setup("fuzz", LOG_TARGET_STDERR);
        if (!getenv("BERTH_FUZZ_VERBOSE"))
                log_set_max_level(LOG_CRIT);
}

static int unlink_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) st;
        if (ftw->level == 0)
                return 0;
        if (flag == FTW_DP) {
                /* The tree may have made a directory unwritable: make it writable to empty it. */
                (void) chmod(path, 0700);
                return rmdir(path) < 0 ? -1 : 0;
        }
        return unlink(path) < 0 ? -1 : 0;
}

int fuzz_empty_dir(const char *path)
{
        /* FTW_PHYS: never follow a symlink the fuzzed tree planted; FTW_DEPTH: children first. */
        if (nftw(path, unlink_cb, 16, FTW_PHYS | FTW_DEPTH | FTW_MOUNT) < 0)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

static char scratch[4096];

static void scratch_remove(void)
{
        if (scratch[0]) {
                (void) fuzz_empty_dir(scratch);
                (void) rmdir(scratch);
        }
}

const char *fuzz_scratch_dir(void)
{
        if (!scratch[0]) {
                const char *tmp = getenv("TMPDIR");

                if (!tmp || tmp[0] != '/')
                        tmp = "/tmp";
                if (snprintf(scratch, sizeof scratch, "%s/berth-fuzz.XXXXXX", tmp) >= (int) sizeof scratch ||
                        !mkdtemp(scratch)) {
                        perror("mkdtemp");
                        abort();
                }
                atexit(scratch_remove);
                return scratch;
        }
        if (fuzz_empty_dir(scratch) < 0) {
                perror("emptying the scratch directory");
                abort();
        }
        return scratch;
}
