/* Reading whole files and writing files atomically (temporary file + rename). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Reads a regular file of at most max bytes; a NUL is appended (not counted in *ret_size).
 * -EFBIG when larger, -EINVAL when it is not a regular file. */
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_size);
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_size);

/* write() until all of p is written (EINTR retried). */
int write_all(int fd, const void *p, size_t n);

enum {
        WRITE_ATOMIC_FSYNC = 1 << 0, /* fsync the file and its directory (durable state, not /run) */
};

/* Writes content into dirfd/name through a temporary ".#name.XXXXXX" in the same directory and
 * renameat(); the temporary file is removed on any failure. */
int write_file_atomicat(
        int dirfd, const char *name, const void *content, size_t size, mode_t mode, unsigned flags);
int write_file_atomic(const char *path, const void *content, size_t size, mode_t mode, unsigned flags);

/* Replaces linkpath with a symlink to target atomically. */
int symlink_atomic(const char *target, const char *linkpath);

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);
