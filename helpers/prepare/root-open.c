/* Finding the container root on the host without being led astray: the one place where
 * berth-prepare turns Directory= (a host path) into file descriptors.
 *
 * Everything after this step works on the fds it returns, never on the path again. The path
 * itself is walked one component at a time from a trusted start ("/", or --root=DIR in tests) with
 * O_NOFOLLOW, and every directory on the way must be owned by root and writable by nobody else:
 * otherwise whoever can write it (an unprivileged user, or the root user of another container
 * whose tree holds this one) could swap the next component for a symlink to the host's "/" between
 * our checks and our writes, and have berth set root's password in the host's /etc/shadow. The
 * last component is never followed either, and a root that is the host's "/" itself (a bind
 * mount of it) is refused. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "prepare.h"

/* Why a directory on the way may not be trusted, or NULL when it may. */
static const char *untrusted_reason(const struct stat *st)
{
        if (st->st_uid != 0)
                return "owned by a user other than root";
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return "writable by group or others";
        return NULL;
}

static int refuse_ancestor(const Context *c, const char *path, const struct stat *st, const char *why)
{
        return log_event_errno(LOG_ERR, EPERM, BERTH_MESSAGE_ROOTFS_INVALID,
                "%s, on the way to the container root %s, is %s (owner UID %u, mode %04o): whoever can write it could replace the root with a symlink to the host's / before berth writes to it. Make it root-owned and not writable by others (chown root: %s; chmod go-w %s), or set Directory= in %s to a path under root-owned directories.",
                path, c->directory, why, (unsigned) st->st_uid, (unsigned) (st->st_mode & 07777), path, path,
                c->entry->source);
}

/* Why openat(fd, name) on the way to the root failed: -ENOENT is returned as is (the caller says
 * what a missing parent means), a symlink is refused, anything else logged. Always negative. */
static int refuse_open(const Context *c, int fd, const char *name, const char *walked, int r)
{
        struct stat st;

        if (r == -ENOENT)
                return r;
        if ((r == -ENOTDIR || r == -ELOOP) && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                S_ISLNK(st.st_mode))
                return log_event_errno(LOG_ERR, ELOOP, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s, on the way to the container root %s, is a symbolic link: berth follows no symlink to a container root (whoever can change the link could point it at the host's /). Set Directory= in %s to the real path.",
                        walked, c->directory, c->entry->source);
        return log_error_errno(
                r, "Failed to open %s, on the way to the container root %s: %m", walked, c->directory);
}

int root_open_parent(const Context *c, bool create, int *ret_fd)
{
        const char *rel = c->entry->directory; /* absolute, simplified, no ".." (the loader's rule) */
        _cleanup_free_ char *walked = strdup(c->root ? c->root : "");
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (!walked)
                return log_oom();

        /* --root=DIR is the test's own directory: trusted as given, like "/" is. */
        fd = open(c->root ? c->root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return -ENOENT; /* a --root=DIR that does not exist yet: everything below is missing */
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", c->root ? c->root : "/");
        if (!c->root) {
                if (fstat(fd, &st) < 0)
                        return log_error_errno(errno, "Failed to stat /: %m");
                const char *why = untrusted_reason(&st);
                if (why)
                        return refuse_ancestor(c, "/", &st, why);
        }

        /* Every component but the last: the directories that hold the root. */
        const char *p = rel;
        for (;;) {
                p += strspn(p, "/");
                size_t n = strcspn(p, "/");
                if (p[n] == '\0')
                        break; /* p is the last component, the root itself */
                char name[NAME_MAX + 1];
                if (n > NAME_MAX)
                        return log_error_errno(
                                ENAMETOOLONG, "%s: a path component is too long.", c->directory);
                memcpy(name, p, n);
                name[n] = '\0';
                p += n;

                _cleanup_free_ char *next = NULL;
                if (asprintf(&next, "%s/%s", walked, name) < 0)
                        return log_oom();
                free(walked);
                walked = TAKE_PTR(next);

                int nfd = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0 && errno == ENOENT && create) {
                        /* Made here as root, 0700 for the machines directory (as systemd-container's
                         * tmpfiles makes it), 0755 elsewhere. */
                        if (mkdirat(fd, name, c->entry->is_directory_default ? 0700 : 0755) < 0 &&
                                errno != EEXIST)
                                return log_error_errno(errno, "Failed to create %s: %m", walked);
                        nfd = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (nfd < 0)
                        return refuse_open(c, fd, name, walked, -errno);
                close(fd);
                fd = nfd;
                if (fstat(fd, &st) < 0)
                        return log_error_errno(errno, "Failed to stat %s: %m", walked);
                const char *why = untrusted_reason(&st);
                if (why)
                        return refuse_ancestor(c, walked, &st, why);
        }

        /* An O_PATH fd cannot be read (readdir) or written through: reopen it for real. */
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", c->parent);
        *ret_fd = dfd;
        return 0;
}

const char *root_name(const Context *c)
{
        const char *slash = strrchr(c->directory, '/');
        return slash ? slash + 1 : c->directory;
}

int root_stat(const Context *c, int parent_fd, struct stat *ret_st)
{
        if (fstatat(parent_fd, root_name(c), ret_st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? -ENOENT
                                       : log_error_errno(errno, "Failed to stat %s: %m", c->directory);
        if (S_ISLNK(ret_st->st_mode)) {
                char target[PATH_MAX];
                ssize_t k = readlinkat(parent_fd, root_name(c), target, sizeof target - 1);
                target[k < 0 ? 0 : k] = '\0';
                return log_event_errno(LOG_ERR, ELOOP, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s is a symbolic link (to '%.200s'): berth never follows a symlink to a container root, since whoever can change the link could point it at the host's / and have berth write its /etc/shadow. Replace the link with the directory itself, or set Directory= in %s to the real path.",
                        c->directory, target, c->entry->source);
        }
        return 0;
}

int root_open(const Context *c, int parent_fd, int *ret_fd)
{
        struct stat st, host_root;
        int r;

        r = root_stat(c, parent_fd, &st);
        if (r < 0)
                return r;
        if (!S_ISDIR(st.st_mode))
                return log_event_errno(LOG_ERR, ENOTDIR, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s is not a directory. Remove it, or point Directory= in %s at the root file system.",
                        c->directory, c->entry->source);

        /* O_NOFOLLOW: a symlink swapped in since root_stat() fails here instead of being followed. */
        _cleanup_close_ int fd =
                openat(parent_fd, root_name(c), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ELOOP || errno == ENOTDIR)
                        return log_event_errno(LOG_ERR, errno, BERTH_MESSAGE_ROOTFS_INVALID,
                                "%s changed while being prepared (it is no longer a directory): refusing it.",
                                c->directory);
                return log_error_errno(errno, "Failed to open %s: %m", c->directory);
        }
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to stat %s: %m", c->directory);
        if (stat("/", &host_root) < 0)
                return log_error_errno(errno, "Failed to stat /: %m");
        if (st.st_dev == host_root.st_dev && st.st_ino == host_root.st_ino)
                return log_event_errno(LOG_ERR, EPERM, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s is the host's root directory (the same directory as /, e.g. a bind mount of it): refusing to prepare it as a container root. Point Directory= in %s at the container's own tree.",
                        c->directory, c->entry->source);
        *ret_fd = TAKE_FD(fd);
        return 0;
}
