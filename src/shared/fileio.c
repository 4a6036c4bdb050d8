/* Reading whole files and writing files atomically. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "path-util.h"

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_size)
{
        struct stat st;
        size_t n = 0, allocated = 0;
        _cleanup_free_ char *buf = NULL;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;

        for (;;) {
                if (allocated - n < 4096) {
                        size_t want = allocated ? allocated * 2 : (size_t) st.st_size + 4097;
                        if (want > max + 4097)
                                want = max + 4097;
                        if (want <= allocated)
                                return -EFBIG;
                        char *b = realloc(buf, want);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        allocated = want;
                }
                ssize_t k = read(fd, buf + n, allocated - n - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += k;
                if (n > max)
                        return -EFBIG;
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = n;
        return 0;
}

int read_full_file(const char *path, size_t max, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, max, ret, ret_size);
}

static int tempname(const char *name, char *buf, size_t size)
{
        uint64_t rnd;
        if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
                rnd = (uint64_t) getpid() * 2654435761u ^ (uint64_t) (uintptr_t) buf;
        if ((size_t) snprintf(buf, size, ".#%s.%016llx", name, (unsigned long long) rnd) >= size)
                return -ENAMETOOLONG;
        return 0;
}

int write_all(int fd, const void *p, size_t n)
{
        const char *c = p;
        while (n > 0) {
                ssize_t k = write(fd, c, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                c += k;
                n -= k;
        }
        return 0;
}

int write_file_atomicat(
        int dirfd, const char *name, const void *content, size_t size, mode_t mode, unsigned flags)
{
        char tmp[NAME_MAX + 1];
        int r;

        r = tempname(name, tmp, sizeof tmp);
        if (r < 0)
                return r;
        _cleanup_close_ int fd =
                openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        r = write_all(fd, content, size);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && (flags & WRITE_ATOMIC_FSYNC) && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (flags & WRITE_ATOMIC_FSYNC)
                (void) fsync(dirfd == AT_FDCWD ? fd : dirfd);
        return 0;
}

int write_file_atomic(const char *path, const void *content, size_t size, mode_t mode, unsigned flags)
{
        _cleanup_free_ char *dir = NULL;
        const char *base;
        int r;

        r = path_split(path, &dir, &base);
        if (r < 0)
                return r;
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        return write_file_atomicat(dfd, base, content, size, mode, flags);
}

int symlink_atomic(const char *target, const char *linkpath)
{
        _cleanup_free_ char *dir = NULL;
        const char *base;
        char tmp[NAME_MAX + 1];
        int r;

        r = path_split(linkpath, &dir, &base);
        if (r < 0)
                return r;
        r = tempname(base, tmp, sizeof tmp);
        if (r < 0)
                return r;
        _cleanup_free_ char *tmppath = path_join(dir, tmp);
        if (!tmppath)
                return -ENOMEM;
        if (symlink(target, tmppath) < 0)
                return -errno;
        if (rename(tmppath, linkpath) < 0) {
                r = -errno;
                (void) unlink(tmppath);
                return r;
        }
        return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = c;
                if (c == '\0')
                        break;
        }
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
