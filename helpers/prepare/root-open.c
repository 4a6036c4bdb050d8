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
#include <assert.h>
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
#include "path-util.h"
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

static int refuse_ancestor(const TrustedWalk *w, const char *path, const struct stat *st, const char *why)
{
        return log_event_errno(LOG_ERR, EPERM, BERTH_MESSAGE_ROOTFS_INVALID,
                "%s, on the way to %s, is %s (owner UID %u, mode %04o): whoever can write it could replace what is below it with a symlink to the host's / before berth writes there. Make it root-owned and not writable by others (chown root: %s; chmod go-w %s)%s.",
                path, w->what, why, (unsigned) st->st_uid, (unsigned) (st->st_mode & 07777), path, path,
                strempty(w->fix));
}

/* Why openat(fd, name) on the way failed: -ENOENT is returned as is (the caller says what a missing
 * directory means), a symlink is refused, anything else logged. Always negative. */
static int refuse_open(const TrustedWalk *w, int fd, const char *name, const char *walked, int r)
{
        struct stat st;

        if (r == -ENOENT)
                return r;
        if ((r == -ENOTDIR || r == -ELOOP) && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                S_ISLNK(st.st_mode))
                return log_event_errno(LOG_ERR, ELOOP, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s, on the way to %s, is a symbolic link: berth follows no symlink there (whoever can change the link could point it at the host's /)%s.",
                        walked, w->what, strempty(w->link_fix));
        return log_error_errno(r, "Failed to open %s, on the way to %s: %m", walked, w->what);
}

int trusted_dir_open(const TrustedWalk *w, int *ret_fd)
{
        assert(w && w->path && w->path[0] == '/' && ret_fd);
        _cleanup_free_ char *walked = strdup(w->root ? w->root : "");
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (!walked)
                return log_oom();

        /* --root=DIR is the test's own directory: trusted as given, like "/" is. */
        fd = open(w->root ? w->root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return -ENOENT; /* a --root=DIR that does not exist yet: everything below is missing */
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", w->root ? w->root : "/");
        if (!w->root) {
                if (fstat(fd, &st) < 0)
                        return log_error_errno(errno, "Failed to stat /: %m");
                const char *why = untrusted_reason(&st);
                if (why)
                        return refuse_ancestor(w, "/", &st, why);
        }

        for (const char *p = w->path;;) {
                p += strspn(p, "/");
                size_t n = strcspn(p, "/");
                if (n == 0)
                        break;
                char name[NAME_MAX + 1];
                if (n > NAME_MAX)
                        return log_error_errno(ENAMETOOLONG, "%s: a path component is too long.", w->what);
                memcpy(name, p, n);
                name[n] = '\0';
                p += n;

                _cleanup_free_ char *next = NULL;
                if (asprintf(&next, "%s/%s", walked, name) < 0)
                        return log_oom();
                free(walked);
                walked = TAKE_PTR(next);

                int nfd = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0 && errno == ENOENT && w->create) {
                        if (mkdirat(fd, name, w->create_mode) < 0 && errno != EEXIST)
                                return log_error_errno(errno, "Failed to create %s: %m", walked);
                        nfd = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (nfd < 0)
                        return refuse_open(w, fd, name, walked, -errno);
                close(fd);
                fd = nfd;
                if (fstat(fd, &st) < 0)
                        return log_error_errno(errno, "Failed to stat %s: %m", walked);
                const char *why = untrusted_reason(&st);
                if (why)
                        return refuse_ancestor(w, walked, &st, why);
        }

        /* An O_PATH fd cannot be read (readdir) or written through: reopen it for real. */
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", walked);
        *ret_fd = dfd;
        return 0;
}

int root_open_parent(const Context *c, bool create, int *ret_fd)
{
        _cleanup_free_ char *what = NULL, *fix = NULL, *link_fix = NULL, *parent = NULL;
        const char *base;

        assert(c && ret_fd);
        /* Directory= is absolute, simplified, without ".." (the loader's rule). */
        if (path_split(c->entry->directory, &parent, &base) < 0 ||
                asprintf(&what, "the container root %s", c->directory) < 0 ||
                asprintf(&fix, ", or set Directory= in %s to a path under root-owned directories",
                        c->entry->source) < 0 ||
                asprintf(&link_fix, ". Set Directory= in %s to the real path", c->entry->source) < 0)
                return log_oom();
        TrustedWalk w = {
                .root = c->root,
                .path = parent,
                .create = create,
                /* Made as root, 0700 for the machines directory (as systemd-container's tmpfiles
                 * makes it), 0755 elsewhere. */
                .create_mode = c->entry->is_directory_default ? 0700 : 0755,
                .what = what,
                .fix = fix,
                .link_fix = link_fix,
        };
        return trusted_dir_open(&w, ret_fd);
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
