/* bench-floor: the least work a generator over containers.d can do — read every entry file (no
 * parsing) and create the same directories, files and symlinks berth-generator creates — as the
 * floor that berth-generator's time is compared with. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

/*
 * Usage: BERTH_CONFIG_PATH=DIR[:DIR...] bench-floor MANIFEST OUTDIR
 *
 * Input: like berth-generator, every directory of $BERTH_CONFIG_PATH is listed, and every
 * "*.conf" file in it, in "defaults.d/" and in each "NAME.conf.d/" is opened and read to the end.
 * Nothing is parsed, merged or validated.
 *
 * Output: MANIFEST lists what berth-generator wrote, as produced (outside the timing) by
 *   find OUT -mindepth 1 -printf '%y %P %s %l\n'
 * after one real run: "d PATH ...", "f PATH SIZE ...", "l PATH SIZE TARGET". Directories are made
 * with mkdirat(), files get SIZE bytes written through a temporary name and renameat() (the
 * write protocol SPEC section 3 requires of berth-generator), symlinks are made with symlinkat().
 */

static char buf[64 * 1024];

static int read_file_at(int dfd, const char *name)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k = read(fd, buf, sizeof buf);
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return 0;
        }
}

static int is_conf(const char *name)
{
        return name[0] != '.' && endswith(name, ".conf");
}

/* Reads every *.conf of DIR (relative to dfd); a missing directory is fine, as for berth. */
static int read_dir(int dfd, const char *path, int depth)
{
        _cleanup_close_ int fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        DIR *d = fdopendir(fd);
        if (!d)
                return -errno;
        /* owned by d now; closep() reads it, which clang 14's analyzer does not know */
        fd = -1; // NOLINT(clang-analyzer-deadcode.DeadStores)
        _cleanup_closedir_ DIR *dir = d;

        struct dirent *de;
        int r = 0;
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.')
                        continue;
                if (de->d_type == DT_DIR) {
                        if (depth == 0 &&
                                (streq(de->d_name, "defaults.d") || endswith(de->d_name, ".conf.d"))) {
                                r = read_dir(dirfd(dir), de->d_name, depth + 1);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                if (!is_conf(de->d_name))
                        continue;
                r = read_file_at(dirfd(dir), de->d_name);
                if (r < 0) {
                        fprintf(stderr, "bench-floor: Failed to read %s/%s: %s\n", path, de->d_name,
                                strerror(-r));
                        return r;
                }
        }
        return 0;
}

static int write_file_at(int dfd, const char *path, size_t size, unsigned serial)
{
        char tmp[PATH_MAX];
        const char *slash = strrchr(path, '/');
        int dlen = slash ? (int) (slash - path + 1) : 0;

        if ((size_t) snprintf(tmp, sizeof tmp, "%.*s.#%s.%08x", dlen, path, slash ? slash + 1 : path,
                    serial) >= sizeof tmp)
                return -ENAMETOOLONG;
        _cleanup_close_ int fd =
                openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        static char filler[64 * 1024];
        while (size > 0) {
                size_t n = size < sizeof filler ? size : sizeof filler;
                ssize_t k = write(fd, filler, n);
                if (k < 0)
                        return -errno;
                size -= k;
        }
        if (renameat(dfd, tmp, dfd, path) < 0)
                return -errno;
        return 0;
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "Usage: BERTH_CONFIG_PATH=DIR[:DIR...] %s MANIFEST OUTDIR\n", argv[0]);
                return 2;
        }
        const char *search = getenv("BERTH_CONFIG_PATH");
        if (isempty(search)) {
                fprintf(stderr, "bench-floor: BERTH_CONFIG_PATH is not set\n");
                return 2;
        }

        _cleanup_free_ char *path = strdup(search);
        if (!path)
                return 1;
        for (char *p = path, *next; p; p = next) {
                next = strchr(p, ':');
                if (next)
                        *next++ = '\0';
                if (*p && read_dir(AT_FDCWD, p, 0) < 0) {
                        fprintf(stderr, "bench-floor: Failed to read %s\n", p);
                        return 1;
                }
        }

        _cleanup_free_ char *manifest = NULL;
        {
                _cleanup_fclose_ FILE *f = fopen(argv[1], "re");
                if (!f) {
                        fprintf(stderr, "bench-floor: Failed to open %s: %m\n", argv[1]);
                        return 1;
                }
                size_t allocated = 0, n = 0;
                for (;;) {
                        if (allocated - n < 65536) {
                                char *m = realloc(manifest, allocated = allocated * 2 + 65536);
                                if (!m)
                                        return 1;
                                manifest = m;
                        }
                        size_t k = fread(manifest + n, 1, allocated - n - 1, f);
                        n += k;
                        if (k == 0)
                                break;
                }
                manifest[n] = '\0';
        }

        _cleanup_close_ int out = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (out < 0) {
                fprintf(stderr, "bench-floor: Failed to open %s: %m\n", argv[2]);
                return 1;
        }

        unsigned serial = 0, lineno = 0;
        for (char *line = manifest, *next; *line; line = next) {
                next = strchrnul(line, '\n');
                if (*next)
                        *next++ = '\0';
                lineno++;

                char type = line[0];
                char *p = line + 2, *sp = strchr(p, ' ');
                if (line[1] != ' ' || !sp) {
                        fprintf(stderr, "bench-floor: %s:%u: malformed line\n", argv[1], lineno);
                        return 1;
                }
                *sp = '\0';
                char *rest = sp + 1;
                int r = 0;
                switch (type) {
                case 'd':
                        r = mkdirat(out, p, 0755) < 0 ? -errno : 0;
                        break;
                case 'f':
                        r = write_file_at(out, p, strtoul(rest, NULL, 10), serial++);
                        break;
                case 'l': {
                        char *target = strchr(rest, ' '); /* after the size */
                        if (!target) {
                                fprintf(stderr, "bench-floor: %s:%u: symlink without target\n", argv[1],
                                        lineno);
                                return 1;
                        }
                        r = symlinkat(target + 1, out, p) < 0 ? -errno : 0;
                        break;
                }
                default:
                        fprintf(stderr, "bench-floor: %s:%u: unknown type '%c'\n", argv[1], lineno, type);
                        return 1;
                }
                if (r < 0) {
                        fprintf(stderr, "bench-floor: Failed to create %s: %s\n", p, strerror(-r));
                        return 1;
                }
        }
        return 0;
}
