/* Safe access to paths inside an untrusted container root file system.
 *
 * The container's tree is written by whatever runs inside it, so any path in it may be a symlink
 * to the host's /etc/shadow, a ".." chain, or (when a procfs is mounted there) a /proc/self/root
 * magic link. Every lookup therefore resolves relative to an fd of the root, as if it were "/":
 * openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) where the kernel has it (5.6+), else a walk that
 * opens one component at a time with O_NOFOLLOW, reads symlinks itself and clamps ".." at the
 * root. RESOLVE_NO_XDEV is not used: mounts below the root are made by the host's admin (a
 * stopped container cannot mount anything into the host's namespace), so crossing them is
 * legitimate (a separate /var) and cannot lead outside; "..", the only way out, is clamped. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "rootfs.h"

#define SYMLINK_MAX_FOLLOW 40 /* as the kernel's MAXSYMLINKS */
/* Deeper than any path openat2() accepts (PATH_MAX is 4096 bytes, so at most 2048 components):
 * the two resolvers give the same answer for every path the kernel takes. */
#define WALK_MAX_DEPTH 4096

static int force_walk = -1; /* -1: not decided yet (look at the environment) */
static bool openat2_missing;

void rootfs_set_force_walk(bool b)
{
        force_walk = b;
}

static bool use_walk(void)
{
        if (force_walk < 0) {
                const char *e = getenv("BERTH_ROOTFS_NO_OPENAT2");
                force_walk = e && streq(e, "1");
        }
        return force_walk || openat2_missing;
}

static void close_stack(int *stack, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (stack[i] >= 0)
                        close(stack[i]);
        free(stack);
}

/* The fallback walk. stack[0] is a dup of the root; ".." pops, but never below it. */
static int walk_open(int root_fd, const char *path, int flags)
{
        int *stack = NULL; /* freed by close_stack() */
        size_t depth = 0, allocated = 16;
        unsigned follows = 0;
        int r;

        if (isempty(path))
                return -ENOENT; /* as openat2() */

        _cleanup_free_ char *todo = strdup(path);
        if (!todo)
                return -ENOMEM;
        stack = malloc(allocated * sizeof(int));
        if (!stack)
                return -ENOMEM;

        stack[depth] = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (stack[depth] < 0) {
                free(stack);
                return -errno;
        }
        depth++;

        char *p = todo;
        for (;;) {
                while (*p == '/')
                        p++;
                if (*p == '\0') {
                        /* The path named a directory we are in (the root itself, or "x/"). */
                        int fd = openat(stack[depth - 1], ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
                        r = fd < 0 ? -errno : fd;
                        goto finish;
                }
                size_t n = strcspn(p, "/");
                char *rest = p + n;
                bool last = strspn(rest, "/") == strlen(rest);
                char name[NAME_MAX + 1];
                if (n > NAME_MAX) {
                        r = -ENAMETOOLONG;
                        goto finish;
                }
                memcpy(name, p, n);
                name[n] = '\0';
                p = rest;

                if (streq(name, "."))
                        continue;
                if (streq(name, "..")) {
                        if (depth > 1)
                                close(stack[--depth]);
                        continue;
                }

                int fd = openat(stack[depth - 1], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        r = -errno;
                        goto finish;
                }
                struct stat st;
                if (fstat(fd, &st) < 0) {
                        r = -errno;
                        close(fd);
                        goto finish;
                }

                /* O_NOFOLLOW spares only a last component without a trailing "/": "link/" names
                 * the directory the link points to, as for the kernel. */
                if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW) && *rest != '/')) {
                        char target[PATH_MAX];
                        ssize_t k = readlinkat(fd, "", target, sizeof target - 1);
                        close(fd);
                        if (k < 0) {
                                r = -errno;
                                goto finish;
                        }
                        target[k] = '\0';
                        if (++follows > SYMLINK_MAX_FOLLOW) {
                                r = -ELOOP;
                                goto finish;
                        }
                        if (target[0] == '/')
                                /* Absolute: from the container's root, which is ours. */
                                while (depth > 1)
                                        close(stack[--depth]);
                        /* The rest of the path goes after the link's target. */
                        size_t tl = strlen(target), rl = strlen(p);
                        /* p is "" or starts with "/": the link's target plus p is the path left. */
                        char *next = malloc(tl + rl + 1);
                        if (!next) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        memcpy(next, target, tl);
                        memcpy(next + tl, p, rl + 1);
                        free(todo);
                        todo = next;
                        p = todo;
                        continue;
                }

                if (last) {
                        close(fd);
                        if (S_ISLNK(st.st_mode) && !(flags & O_PATH)) {
                                r = -ELOOP;
                                goto finish;
                        }
                        /* As the kernel: "file/" must be a directory. */
                        if (*rest == '/' && !S_ISDIR(st.st_mode)) {
                                r = -ENOTDIR;
                                goto finish;
                        }
                        /* Reopen for real; O_NOFOLLOW so that a symlink swapped in meanwhile fails. */
                        int final = openat(stack[depth - 1], name, flags | O_NOFOLLOW | O_CLOEXEC);
                        r = final < 0 ? -errno : final;
                        goto finish;
                }
                if (!S_ISDIR(st.st_mode)) {
                        close(fd);
                        r = -ENOTDIR;
                        goto finish;
                }
                if (depth >= WALK_MAX_DEPTH) {
                        close(fd);
                        r = -ENAMETOOLONG;
                        goto finish;
                }
                if (depth == allocated) {
                        int *grown = realloc(stack, 2 * allocated * sizeof(int));
                        if (!grown) {
                                close(fd);
                                r = -ENOMEM;
                                goto finish;
                        }
                        stack = grown;
                        allocated *= 2;
                }
                stack[depth++] = fd;
        }

finish:
        close_stack(stack, depth);
        return r;
}

int rootfs_open_in(int root_fd, const char *path, int flags)
{
        if (flags & O_CREAT)
                return -EINVAL;

        if (!use_walk()) {
                struct open_how how = {
                        .flags = (uint64_t) (flags | O_CLOEXEC),
                        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
                };
                for (int attempt = 0; attempt < 8; attempt++) {
                        long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof how);
                        if (fd >= 0)
                                return (int) fd;
                        if (errno == EAGAIN) /* a concurrent rename somewhere: the kernel asks to retry */
                                continue;
                        if (errno == ENOSYS) { /* kernel before 5.6 (or a seccomp filter that hides it) */
                                openat2_missing = true;
                                break;
                        }
                        return -errno;
                }
                if (!openat2_missing)
                        return -EAGAIN;
        }
        return walk_open(root_fd, path, flags);
}

int rootfs_open_parent(int root_fd, const char *path, int *ret_dirfd, char **ret_name)
{
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;

        size_t l = strlen(copy);
        while (l > 0 && copy[l - 1] == '/')
                copy[--l] = '\0';
        char *slash = strrchr(copy, '/');
        const char *base = slash ? slash + 1 : copy;
        if (isempty(base) || streq(base, ".") || streq(base, ".."))
                return -EINVAL;

        _cleanup_free_ char *name = strdup(base);
        if (!name)
                return -ENOMEM;
        if (slash)
                slash[1] = '\0';
        else
                copy[0] = '\0';

        int fd = rootfs_open_in(root_fd, isempty(copy) ? "/" : copy, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return fd;
        *ret_dirfd = fd;
        *ret_name = TAKE_PTR(name);
        return 0;
}

int rootfs_read_file(
        int root_fd, const char *path, size_t max, char **ret, size_t *ret_size, struct stat *ret_st)
{
        /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
        _cleanup_close_ int fd = rootfs_open_in(root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return fd;

        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;
        int r = read_full_fd(fd, max, ret, ret_size);
        if (r < 0)
                return r;
        if (ret_st)
                *ret_st = st;
        return 0;
}

/* The mount an fd is on: name_to_handle_at() gives the mount id even where the file system has
 * no handles (-EOVERFLOW with a too small buffer still fills it). */
static int fd_mount_id(int fd, const char *name, int *ret)
{
        struct {
                struct file_handle h;
                unsigned char buf[MAX_HANDLE_SZ];
        } fh = { .h.handle_bytes = MAX_HANDLE_SZ };
        int mnt_id = -1;

        if (name_to_handle_at(fd, name, &fh.h, &mnt_id, isempty(name) ? AT_EMPTY_PATH : 0) < 0 &&
                errno != EOVERFLOW)
                return -errno;
        if (mnt_id < 0)
                return -EOPNOTSUPP;
        *ret = mnt_id;
        return 0;
}

/* True when dirfd/name (a directory) is on another mount than its parent dirfd. */
static bool is_mount_point(int dirfd, const struct stat *parent, int child_fd, const struct stat *child)
{
        if (parent->st_dev != child->st_dev)
                return true;
        int a = -1, b = -1;
        if (fd_mount_id(dirfd, "", &a) < 0 || fd_mount_id(child_fd, "", &b) < 0)
                return false; /* st_dev equal and no mount ids: the same mount as far as we can tell */
        return a != b;
}

static int rm_rf_children(int fd, const struct stat *st_self, unsigned depth);

static int rm_rf_entry(int dirfd, const struct stat *st_parent, const char *name, unsigned depth)
{
        struct stat st;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;

        if (depth > 4096)
                return -ELOOP;
        _cleanup_close_ int fd =
                openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (is_mount_point(dirfd, st_parent, fd, &st))
                return -EBUSY; /* someone mounted something here: not ours to remove */

        int r = rm_rf_children(fd, &st, depth + 1);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r >= 0)
                r = -errno;
        return r;
}

static int rm_rf_children(int fd, const struct stat *st_self, unsigned depth)
{
        DIR *d = opendir_at(fd);
        if (!d)
                return negative_errno();

        int ret = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                int r = rm_rf_entry(fd, st_self, de->d_name, depth);
                if (r < 0 && ret >= 0)
                        ret = r; /* keep going: remove as much as possible */
        }
        if (errno != 0 && ret >= 0)
                ret = -errno;
        closedir(d);
        return ret;
}

int rm_rf_at(int dirfd, const char *name)
{
        struct stat st;
        if (fstat(dirfd, &st) < 0)
                return -errno;
        return rm_rf_entry(dirfd, &st, name, 0);
}

static int usage_children(int fd, dev_t dev, unsigned depth, uint64_t *bytes, uint64_t *inodes)
{
        DIR *d = opendir_at(fd);
        if (!d)
                return negative_errno();
        struct dirent *de;
        while ((de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* removed meanwhile: the provisioner is at work */
                *bytes += (uint64_t) st.st_blocks * 512u;
                *inodes += 1;
                if (S_ISDIR(st.st_mode) && st.st_dev == dev && depth < 4096) {
                        int cfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd >= 0) {
                                (void) usage_children(cfd, dev, depth + 1, bytes, inodes);
                                close(cfd);
                        }
                }
        }
        closedir(d);
        return 0;
}

int tree_usage_at(int dirfd, uint64_t *ret_bytes, uint64_t *ret_inodes)
{
        struct stat st;
        uint64_t bytes = 0, inodes = 0;

        if (fstat(dirfd, &st) < 0)
                return -errno;
        int r = usage_children(dirfd, st.st_dev, 0, &bytes, &inodes);
        if (r < 0)
                return r;
        *ret_bytes = bytes;
        *ret_inodes = inodes;
        return 0;
}

/* The character devices a tree may hold (debootstrap and mmdebstrap make these in its /dev, which
 * nspawn mounts over anyway): nothing a container could reach the host's hardware through. */
static bool device_node_is_harmless(const struct stat *st)
{
        static const unsigned pseudo[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, { 5, 0 },
                { 5, 1 }, { 5, 2 } };
        if (!S_ISCHR(st->st_mode))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(pseudo); i++)
                if (major(st->st_rdev) == pseudo[i][0] && minor(st->st_rdev) == pseudo[i][1])
                        return true;
        return false;
}

static int find_device_children(int fd, dev_t dev, unsigned depth, char *path, size_t size, size_t len,
        dev_t *ret_rdev, bool *ret_block)
{
        DIR *d = opendir_at(fd);
        if (!d)
                return negative_errno();
        int r = 0;
        struct dirent *de;
        while (r == 0 && (errno = 0, de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                int n = snprintf(path + len, size - len, "/%s", de->d_name);
                size_t sub = n < 0 || (size_t) n >= size - len ? size - 1 : len + (size_t) n;
                if ((S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) && !device_node_is_harmless(&st)) {
                        *ret_rdev = st.st_rdev;
                        *ret_block = S_ISBLK(st.st_mode);
                        r = 1;
                } else if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
                        if (depth >= 4096) {
                                r = -ELOOP;
                                break;
                        }
                        int cfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0) {
                                r = -errno;
                                break;
                        }
                        r = find_device_children(cfd, dev, depth + 1, path, size, sub, ret_rdev, ret_block);
                        close(cfd);
                }
                if (r == 0)
                        path[len] = '\0';
        }
        if (r == 0 && errno != 0)
                r = -errno;
        closedir(d);
        return r;
}

int tree_find_device_node(int dirfd, char *path, size_t size, dev_t *ret_rdev, bool *ret_block)
{
        struct stat st;
        if (size < 2 || fstat(dirfd, &st) < 0)
                return size < 2 ? -EINVAL : -errno;
        path[0] = '\0';
        int r = find_device_children(dirfd, st.st_dev, 0, path, size, 0, ret_rdev, ret_block);
        if (r <= 0)
                path[0] = '\0';
        return r;
}
