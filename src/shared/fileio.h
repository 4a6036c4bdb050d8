/* Reading whole files and writing files atomically (temporary file + rename). */
#pragma once

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

/* Reads a regular file of at most max bytes; a NUL is appended (not counted in *ret_size).
 * -EFBIG when larger, -EINVAL when it is not a regular file. */
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_size);
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_size);

/* A directory stream of its own on the directory fd, which stays the caller's: a new open file
 * description (openat(fd, ".")), not a dup(), which would share the directory offset, so that a second
 * walk of the same fd would start at the end and see nothing. NULL with errno set on failure. */
DIR *opendir_at(int fd);

/* write() until all of p is written (EINTR retried). */
int write_all(int fd, const void *p, size_t n);

enum {
        WRITE_ATOMIC_FSYNC = 1 << 0, /* fsync the file and its directory (durable state, not /run) */
};

/* Writes content into dirfd/name atomically and gives it mode and (unless -1) uid/gid: the
 * content goes into an unnamed O_TMPFILE in the same directory (a named ".#name.HEX" created 0600
 * where the file system has no O_TMPFILE), which gets its owner and mode only once complete, is
 * linked as ".#name.HEX" and renamed over name. Nothing is left on failure; a kill between the link
 * and the rename leaves ".#name.HEX", which remove_stale_temporaries() removes on the next run. */
int write_file_atomicat_owned(int dirfd, const char *name, const void *content, size_t size, mode_t mode,
        uid_t uid, gid_t gid, unsigned flags);
/* The same, keeping the writer's own uid and gid. */
int write_file_atomicat(
        int dirfd, const char *name, const void *content, size_t size, mode_t mode, unsigned flags);
/* Removes the ".#name.HEX" files an interrupted write of dirfd/name left (symlinks are unlinked,
 * never followed; directories are left alone). Returns how many it removed, or -errno. */
int remove_stale_temporaries(int dirfd, const char *name);
int write_file_atomic(const char *path, const void *content, size_t size, mode_t mode, unsigned flags);

/* Replaces linkpath with a symlink to target atomically. */
int symlink_atomic(const char *target, const char *linkpath);

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);
