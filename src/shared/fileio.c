/* Reading whole files and writing files atomically. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* An unnamed file in dirfd (O_TMPFILE): nothing of the content is ever visible under a name
 * until it is complete, owned and moded. -EOPNOTSUPP where the file system cannot. */
static int open_tmpfile(int dirfd)
{
        int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0)
                return fd;
        /* EISDIR: a kernel that predates O_TMPFILE reads it as O_DIRECTORY. */
        return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ? -EOPNOTSUPP : -errno;
}

static int link_tmpfile(int fd, int dirfd, const char *name)
{
        /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH on older kernels; /proc/self/fd needs none. */
        if (linkat(fd, "", dirfd, name, AT_EMPTY_PATH) >= 0)
                return 0;
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

int write_file_atomicat_owned(int dirfd, const char *name, const void *content, size_t size, mode_t mode,
        uid_t uid, gid_t gid, unsigned flags)
{
        char tmp[NAME_MAX + 1];
        bool named = false;
        int r;

        r = tempname(name, tmp, sizeof tmp);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = open_tmpfile(dirfd);
        if (fd == -EOPNOTSUPP) {
                /* Created 0600 and given its owner and mode only when complete, so that the content
                 * is never readable by anyone else while it is written. */
                fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return -errno;
                named = true;
        } else if (fd < 0)
                return fd;

        r = write_all(fd, content, size);
        /* fchown() before fchmod(): chown clears set-id bits. */
        if (r >= 0 && (uid != (uid_t) -1 || gid != (gid_t) -1) && fchown(fd, uid, gid) < 0)
                r = -errno;
        if (r >= 0 && fchmod(fd, mode & 07777) < 0)
                r = -errno;
        if (r >= 0 && (flags & WRITE_ATOMIC_FSYNC) && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && !named) {
                r = link_tmpfile(fd, dirfd, tmp);
                named = r >= 0;
        }
        /* A kill between the link and the rename leaves .#NAME.HEX, complete and with its final
         * owner and mode: remove_stale_temporaries() clears it on the next run. */
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                if (named)
                        (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (flags & WRITE_ATOMIC_FSYNC)
                (void) fsync(dirfd == AT_FDCWD ? fd : dirfd);
        return 0;
}

int write_file_atomicat(
        int dirfd, const char *name, const void *content, size_t size, mode_t mode, unsigned flags)
{
        return write_file_atomicat_owned(dirfd, name, content, size, mode, (uid_t) -1, (gid_t) -1, flags);
}

static bool is_temporary_of(const char *entry, const char *name)
{
        /* Exactly what tempname() makes: ".#" NAME "." and 16 hex digits. */
        size_t n = strlen(name);
        if (!startswith(entry, ".#") || strncmp(entry + 2, name, n) != 0 || entry[2 + n] != '.')
                return false;
        const char *hex = entry + 3 + n;
        return strlen(hex) == 16 && strspn(hex, "0123456789abcdef") == 16;
}

DIR *opendir_at(int fd)
{
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return NULL;
        DIR *d = fdopendir(dfd);
        if (!d) {
                int saved = errno;
                close(dfd);
                errno = saved;
        }
        return d;
}

int remove_stale_temporaries(int dirfd, const char *name)
{
        _cleanup_closedir_ DIR *d = opendir_at(dirfd);
        if (!d)
                return negative_errno();
        int removed = 0, ret = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                struct stat st;
                if (!is_temporary_of(de->d_name, name))
                        continue;
                /* Only regular files: never a directory, and a symlink is removed, not followed. */
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
                        continue;
                if (unlinkat(dirfd, de->d_name, 0) < 0) {
                        if (errno != ENOENT && ret >= 0)
                                ret = -errno;
                        continue;
                }
                removed++;
        }
        if (errno != 0 && ret >= 0)
                ret = -errno;
        return ret < 0 ? ret : removed;
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
