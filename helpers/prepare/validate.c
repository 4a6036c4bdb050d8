/* Checks that a container root file system can be started the way the entry says, before
 * systemd-nspawn gets to fail on it with a less helpful message. Every path is resolved inside
 * the root (rootfs.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "conf-parser.h"
#include "log.h"
#include "macro.h"
#include "prepare.h"
#include "rootfs.h"
#include "strv.h"

/* nspawn 252 gives the payload this PATH unless [Exec] Environment= sets one. */
#define NSPAWN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* nspawn shifts a tree for private users to a base that is a multiple of 65536. */
#define PRIVATE_USERS_RANGE 65536u

static const char *const init_paths[] = {
        "/usr/lib/systemd/systemd",
        "/lib/systemd/systemd",
        "/sbin/init",
};

static int check_regular(int root_fd, const char *path, bool executable)
{
        _cleanup_close_ int fd = rootfs_open_in(root_fd, path, O_PATH);
        struct stat st;

        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        if (executable && !(st.st_mode & 0111))
                return -EACCES;
        return 0;
}

/* What check_regular() found, in words. */
static const char *lookup_error(int r)
{
        return r == -EINVAL   ? "not a regular file (a FIFO, socket or device)"
               : r == -EISDIR ? "a directory"
               : r == -ELOOP  ? "a symlink loop or a /proc magic link, not followed"
                              : strerror(-r);
}

/* The payload's PATH: nspawn's default, or the last PATH= of the [Exec] Environment= values in
 * effect (the loader resolves resets). */
static int container_path(const Entry *e, char **ret)
{
        _cleanup_free_ const Assignment **l = NULL;
        const char *path = NSPAWN_DEFAULT_PATH;

        if (entry_effective_assignments(e, "Exec", &l) < 0)
                return -ENOMEM;
        for (const Assignment **a = l; *a; a++) {
                if (!streq((*a)->key, "Environment"))
                        continue;
                const char *p = startswith((*a)->value, "PATH=");
                if (!p)
                        p = startswith((*a)->value, "\"PATH=");
                if (p)
                        path = p;
        }
        *ret = strndup(path, strcspn(path, "\" \t"));
        return *ret ? 0 : -ENOMEM;
}

static int check_command(const Context *c, int root_fd)
{
        const Entry *e = c->entry;
        const char *cmd = e->command ? e->command[0] : NULL;
        const Origin *o = &e->origins[CONTAINER_COMMAND];
        int r;

        if (!cmd)
                return log_event_errno(LOG_ERR, EINVAL, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s: Boot=no needs Command= (the program to run inside): add it to [Container].",
                        e->source);

        if (strchr(cmd, '/')) {
                r = check_regular(root_fd, cmd, true);
                if (r < 0)
                        return log_event_errno(LOG_ERR, r, BERTH_MESSAGE_ROOTFS_INVALID,
                                "%s:%u: Command=%s: %s is not an executable file inside the container's root %s (resolved inside it): %m. Install it there or fix Command=.",
                                strempty(o->file), o->line, cmd, cmd, c->directory);
                return 0;
        }

        _cleanup_free_ char *path = NULL;
        _cleanup_strv_free_ char **dirs = NULL;
        if (container_path(e, &path) < 0 || strv_split(path, ":", &dirs) < 0)
                return log_oom();
        STRV_FOREACH (d, dirs) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", *d, cmd) < 0)
                        return log_oom();
                if (check_regular(root_fd, p, true) >= 0)
                        return 0;
        }
        return log_event_errno(LOG_ERR, ENOENT, BERTH_MESSAGE_ROOTFS_INVALID,
                "%s:%u: Command=%s: no executable %s in the container's PATH (%s) inside %s. Install it there or give Command= an absolute path.",
                strempty(o->file), o->line, cmd, cmd, path, c->directory);
}

/* May nspawn run this container with a user namespace? The stock systemd-nspawn@.service passes
 * -U (--private-users=pick with --private-users-ownership=auto), which shifts a root-owned tree
 * to a range whose base is a multiple of 65536 where idmapped mounts are not available. So unless
 * the [Exec] PrivateUsers= in effect is a false boolean (the loader's words), a tree shifted like
 * that is fine. */
static bool private_users_possible(const Entry *e)
{
        _cleanup_free_ const Assignment **l = NULL;
        bool possible = true;

        if (e->private_users)
                return true;
        if (entry_effective_assignments(e, "Exec", &l) < 0)
                return true; /* out of memory: do not refuse a tree for it */
        for (const Assignment **a = l; *a; a++)
                if (streq((*a)->key, "PrivateUsers"))
                        possible = config_parse_boolean((*a)->value) != 0;
        return possible;
}

int validate_rootfs(const Context *c, int root_fd)
{
        const Entry *e = c->entry;
        struct stat st;
        int ret = 0, r;

        if (fstat(root_fd, &st) < 0)
                return log_error_errno(errno, "Failed to stat %s: %m", c->directory);
        if (!S_ISDIR(st.st_mode))
                return log_event_errno(LOG_ERR, ENOTDIR, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s is not a directory. Remove it, or point Directory= in %s at the root file system.",
                        c->directory, e->source);

        bool userns = private_users_possible(e);
        bool shifted = userns && st.st_uid == st.st_gid && st.st_uid % PRIVATE_USERS_RANGE == 0;
        if ((st.st_uid != 0 || st.st_gid != 0) && !shifted)
                ret = log_event_errno(LOG_ERR, EPERM, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s is owned by %u:%u. A container root must belong to root (0:0)%s. Fix: 'chown root:root %s'.",
                        c->directory, (unsigned) st.st_uid, (unsigned) st.st_gid,
                        userns ? ", or to the base of a user range nspawn shifted it to (uid = gid, a multiple of 65536)"
                               : "",
                        c->directory);
        else if (shifted && st.st_uid != 0)
                log_debug("%s is owned by %u:%u, shifted for private users.", c->directory,
                        (unsigned) st.st_uid, (unsigned) st.st_gid);

        if (st.st_mode & 022)
                ret = log_event_errno(LOG_ERR, EPERM, BERTH_MESSAGE_ROOTFS_INVALID,
                        "%s is writable by %s (mode %04o): anyone could plant files in the container. Fix: 'chmod go-w %s'.",
                        c->directory,
                        (st.st_mode & 020) && (st.st_mode & 002) ? "group and others"
                        : (st.st_mode & 020)                     ? "its group"
                                                                 : "others",
                        (unsigned) (st.st_mode & 07777), c->directory);

        int r_etc = check_regular(root_fd, "/etc/os-release", false);
        int r_usr = r_etc < 0 ? check_regular(root_fd, "/usr/lib/os-release", false) : 0;
        if (r_etc < 0 && r_usr < 0) {
                if (r_etc == -ENOENT && r_usr == -ENOENT)
                        ret = log_event_errno(LOG_ERR, ENOENT, BERTH_MESSAGE_ROOTFS_INVALID,
                                "%s holds neither /etc/os-release nor /usr/lib/os-release (looked up inside the container root); systemd-nspawn refuses such a tree. Fix: install the distribution's base files (base-files, or the package that provides os-release) into it.",
                                c->directory);
                else
                        /* Not simply missing (a loop, a directory, a FIFO, EACCES): say what it was. */
                        ret = log_event_errno(LOG_ERR, r_etc != -ENOENT ? r_etc : r_usr,
                                BERTH_MESSAGE_ROOTFS_INVALID,
                                "%s: no usable os-release inside the container root: /etc/os-release: %s; /usr/lib/os-release: %s. systemd-nspawn needs one of them as a regular file.",
                                c->directory, lookup_error(r_etc), lookup_error(r_usr));
        }

        if (e->boot) {
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(init_paths) && !found; i++)
                        found = check_regular(root_fd, init_paths[i], true) >= 0;
                if (!found)
                        ret = log_event_errno(LOG_ERR, ENOENT, BERTH_MESSAGE_ROOTFS_INVALID,
                                "%s has no init to boot: none of /usr/lib/systemd/systemd, /lib/systemd/systemd, /sbin/init is an executable file inside it. Fix: install systemd into the container, or set Boot=no and Command= in %s.",
                                c->directory, e->source);
        } else {
                r = check_command(c, root_fd);
                if (r < 0)
                        ret = r;
        }

        _cleanup_free_ char *mp = NULL;
        bool ro = false, noexec = false;
        r = mounts_find(c->directory, &mp, &ro, &noexec);
        if (r == -ELIBACC)
                ret = r; /* logged: the check needs libmount */
        else if (r < 0)
                log_warning_errno(r, "Cannot tell which mount %s is on, not checking its mount options: %m",
                        c->directory);
        else {
                if (noexec)
                        ret = log_event_errno(LOG_ERR, EPERM, BERTH_MESSAGE_ROOTFS_INVALID,
                                "%s is on %s, which is mounted noexec: nothing in the container could run. Fix: 'mount -o remount,exec %s' (and drop noexec from its /etc/fstab line).",
                                c->directory, mp, mp);
                if (ro && !e->read_only)
                        ret = log_event_errno(LOG_ERR, EROFS, BERTH_MESSAGE_ROOTFS_INVALID,
                                "%s is on %s, which is mounted read-only. Fix: set ReadOnly=yes in [Files] of %s, or 'mount -o remount,rw %s'.",
                                c->directory, mp, e->source, mp);
        }
        return ret;
}
