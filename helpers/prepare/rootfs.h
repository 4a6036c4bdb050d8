/* Safe access to paths inside an untrusted container root file system: every lookup stays inside
 * the root, whatever symlinks, "..", or /proc magic links the container planted. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Files we read from a container (shadow, group, os-release) are small; anything bigger is refused
 * instead of read, so a planted 1 GB /etc/shadow cannot exhaust memory. */
#define ROOTFS_READ_MAX (4u * 1024u * 1024u)

/* Opens path (absolute or relative, always taken relative to the root) inside root_fd, resolving
 * every symlink as if root_fd were "/" (openat2() RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS, or a
 * component-by-component walk with O_NOFOLLOW where openat2() is missing). flags are open(2)
 * flags; O_CREAT is not allowed (create with rootfs_open_parent() + openat()). With O_NOFOLLOW
 * the last component is not followed (a symlink there gives -ELOOP). Returns the fd or -errno. */
int rootfs_open_in(int root_fd, const char *path, int flags);

/* Opens the directory that contains path, inside the root, and returns the last component in
 * *ret_name (allocated; never "", "." or ".."). For writes: act on (dirfd, name) with *at()
 * calls and O_NOFOLLOW. */
int rootfs_open_parent(int root_fd, const char *path, int *ret_dirfd, char **ret_name);

/* Reads a regular file inside the root (following in-root symlinks) of at most max bytes; a FIFO,
 * device or socket gives -EINVAL without blocking, a larger file -EFBIG. The file's stat is
 * returned in *ret_st when not NULL. */
int rootfs_read_file(
        int root_fd, const char *path, size_t max, char **ret, size_t *ret_size, struct stat *ret_st);

/* Removes dirfd/name recursively. Never follows a symlink (symlinks are unlinked, not entered) and
 * never crosses into another mount: a mount point below is left alone and reported as -EBUSY
 * after everything else was removed. A missing name is not an error. */
int rm_rf_at(int dirfd, const char *name);

/* Counts bytes (allocated blocks) and inodes below dirfd, without following symlinks or crossing
 * mounts. Used to tell whether a provisioner makes progress. */
int tree_usage_at(int dirfd, uint64_t *ret_bytes, uint64_t *ret_inodes);

/* Looks below dirfd (not following symlinks, not crossing mounts) for a device node a container
 * must not be given: any block device, any character device but the pseudo devices null, zero,
 * full, random, urandom, tty, console and ptmx. 1 and the first one's path relative to dirfd (in
 * path, at most size bytes), its device number and whether it is a block device; 0 when there is
 * none; a negative errno when the tree cannot be read. */
int tree_find_device_node(int dirfd, char *path, size_t size, dev_t *ret_rdev, bool *ret_block);

/* For tests: force the fallback walk even where openat2() exists ($BERTH_ROOTFS_NO_OPENAT2=1). */
void rootfs_set_force_walk(bool b);
