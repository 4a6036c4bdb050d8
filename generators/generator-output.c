/* Writing berth-generator's files: one writer for unit files, one for symlinks (see the header). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "fileio.h"
#include "generator-output.h"
#include "log.h"
#include "macro.h"

/* Opens dir below the output directory, creating it. Generator directories are fresh at every
 * boot and daemon-reload; an existing one is from a rerun over the same directory. */
static int open_subdir(GeneratorOutput *o, const char *dir)
{
        int fd;

        if (mkdirat(o->dir_fd, dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s in the generator directory: %m", dir);
        fd = openat(o->dir_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s in the generator directory: %m", dir);
        return fd;
}

static void print_dry_run_path(GeneratorOutput *o, const char *dir, const char *name)
{
        fprintf(o->dry_run, "--- %s/", o->dry_run_dir);
        if (dir)
                fprintf(o->dry_run, "%s/", dir);
        fputs(name, o->dry_run);
}

int output_write_file(GeneratorOutput *o, const char *dir, const char *name, const char *content, size_t size)
{
        int r;

        if (o->dry_run) {
                print_dry_run_path(o, dir, name);
                fputs(" ---\n", o->dry_run);
                fwrite(content, 1, size, o->dry_run);
                return 0;
        }

        _cleanup_close_ int fd = -1;
        if (dir) {
                fd = open_subdir(o, dir);
                if (fd < 0)
                        return fd;
        }
        r = write_file_atomicat(dir ? fd : o->dir_fd, name, content, size, 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s%s%s in the generator directory: %m", strempty(dir),
                        dir ? "/" : "", name);
        return 0;
}

/* Reads the link at dirfd/name; true when it already points at target. */
static bool symlink_is(int dirfd, const char *name, const char *target)
{
        char buf[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);
        if (n < 0)
                return false;
        buf[n] = '\0';
        return streq(buf, target);
}

int add_symlink(GeneratorOutput *o, const char *dir, const char *name, const char *target)
{
        char tmp[NAME_MAX + 1];
        uint64_t rnd;

        if (o->dry_run) {
                print_dry_run_path(o, dir, name);
                fprintf(o->dry_run, " -> %s ---\n", target);
                return 0;
        }

        _cleanup_close_ int subdir_fd = -1;
        int fd = o->dir_fd;
        if (dir) {
                fd = subdir_fd = open_subdir(o, dir);
                if (fd < 0)
                        return fd;
        }

        if (symlinkat(target, fd, name) >= 0)
                return 0;
        if (errno != EEXIST)
                return log_error_errno(errno, "Failed to create symlink %s/%s: %m", strempty(dir), name);

        /* A rerun over the same directory: keep a correct link, replace anything else atomically. */
        if (symlink_is(fd, name, target))
                return 0;
        if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
                rnd = (uint64_t) getpid() << 32 ^ (uint64_t) (uintptr_t) tmp;
        if ((size_t) snprintf(tmp, sizeof tmp, ".#%s.%016llx", name, (unsigned long long) rnd) >= sizeof tmp)
                return log_error_errno(ENAMETOOLONG, "Failed to create symlink %s/%s: %m", strempty(dir), name);
        if (symlinkat(target, fd, tmp) < 0)
                return log_error_errno(errno, "Failed to create symlink %s/%s: %m", strempty(dir), name);
        if (renameat(fd, tmp, fd, name) < 0) {
                int r = -errno;
                (void) unlinkat(fd, tmp, 0);
                return log_error_errno(r, "Failed to replace %s/%s: %m", strempty(dir), name);
        }
        return 0;
}
