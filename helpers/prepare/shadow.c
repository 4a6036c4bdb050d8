/* RootPasswordHash=/RootPasswordHashFile=: root's password in the container's /etc/shadow.
 *
 * Only field 2 of root's line changes; every other byte of the file stays as it was, and the file
 * keeps its owner and mode (it is replaced by a temporary file in the same directory plus
 * renameat(), never edited in place). A missing /etc/shadow is created the way Debian ships it:
 * owner root, group "shadow" (looked up in the container's own /etc/group, since its gid differs
 * between distributions), mode 0640; without a "shadow" group, root:root 0600. In a tree shifted
 * for private users, "root" is the tree's base uid (the owner of the root directory). The hash is
 * never logged. */
#include <ctype.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config-tables.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "prepare.h"
#include "rootfs.h"

#define HASH_FILE_MAX 4096u

static int read_hash_file(const char *path, char **ret)
{
        if (path[0] != '/')
                return log_error_errno(EINVAL, "RootPasswordHashFile=%s: not an absolute path.", path);

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return log_error_errno(errno,
                        "RootPasswordHashFile=%s cannot be opened: %m. Create it (one line: the crypt(3) hash, e.g. from 'mkpasswd -m yescrypt'), mode 0600.",
                        path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to stat %s: %m", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(EINVAL, "RootPasswordHashFile=%s is not a regular file.", path);
        if (st.st_mode & 044)
                return log_error_errno(EPERM,
                        "RootPasswordHashFile=%s is readable by group or others (mode %04o): a password hash must stay secret. Fix: 'chmod 600 %s'.",
                        path, (unsigned) (st.st_mode & 07777), path);

        _cleanup_free_ char *buf = NULL;
        int r = read_full_fd(fd, HASH_FILE_MAX, &buf, NULL);
        if (r == -EFBIG)
                return log_error_errno(r,
                        "RootPasswordHashFile=%s is larger than %u bytes; it must hold one line, the hash.",
                        path, HASH_FILE_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);

        buf[strcspn(buf, "\n")] = '\0';
        char *s = buf;
        while (isspace((unsigned char) *s))
                s++;
        size_t l = strlen(s);
        while (l > 0 && isspace((unsigned char) s[l - 1]))
                s[--l] = '\0';
        if (l == 0)
                return log_error_errno(
                        EINVAL, "RootPasswordHashFile=%s is empty; its first line must be the hash.", path);
        *ret = strdup(s);
        return *ret ? 0 : log_oom();
}

/* gid of the container's "shadow" group, from its /etc/group, or -ENOENT. */
static int container_shadow_gid(int root_fd, gid_t *ret)
{
        _cleanup_free_ char *buf = NULL;
        int r = rootfs_read_file(root_fd, "/etc/group", ROOTFS_READ_MAX, &buf, NULL, NULL);
        if (r < 0)
                return r;
        for (char *line = buf; line && *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (startswith(line, "shadow:")) {
                        char *f = strchr(line + 7, ':');
                        if (f) {
                                char *end;
                                unsigned long g = strtoul(f + 1, &end, 10);
                                if (end != f + 1 && (*end == ':' || *end == '\0') && g < 65536) {
                                        *ret = (gid_t) g;
                                        return 0;
                                }
                        }
                }
                line = next;
        }
        return -ENOENT;
}

int shadow_remove_stale(const Context *c, int root_fd)
{
        if (c->dry_run)
                return 0;
        _cleanup_close_ int etc_fd = rootfs_open_in(root_fd, "/etc", O_RDONLY | O_DIRECTORY);
        if (etc_fd < 0)
                return 0; /* no /etc: nothing left there; the password step says what it needs */
        int r = remove_stale_temporaries(etc_fd, "shadow");
        if (r < 0)
                return log_error_errno(r,
                        "Failed to remove the temporary copies of /etc/shadow that an interrupted start left in %s/etc: %m. Remove %s/etc/.#shadow.* by hand.",
                        c->directory, c->directory);
        if (r > 0)
                log_notice(
                        "Removed %d temporary cop%s of /etc/shadow in %s/etc that an interrupted start left.",
                        r, r == 1 ? "y" : "ies", c->directory);
        return 0;
}

/* The hash to set and, for messages, where it came from; 0 with *ret NULL when none is set. */
static int root_hash_get(const Entry *e, char **ret, const char **ret_from)
{
        _cleanup_free_ char *hash = NULL;
        const char *why;
        int r;

        assert(e);
        assert(ret);
        assert(ret_from);

        *ret = NULL;
        if (e->root_password_hash) {
                hash = strdup(e->root_password_hash);
                if (!hash)
                        return log_oom();
                *ret_from = "RootPasswordHash=";
        } else if (e->root_password_hash_file) {
                r = read_hash_file(e->root_password_hash_file, &hash);
                if (r < 0)
                        return r;
                *ret_from = e->root_password_hash_file;
        } else
                return 0;
        assert(hash); /* strdup() checked, read_hash_file() sets it on success */

        /* The loader's rule, for a hash from a file as for one in the entry (one policy). */
        if (!password_hash_is_valid(hash, &why))
                return log_error_errno(EINVAL,
                        "The root password hash from %s is refused: %s. Accepted: a crypt(3) hash ($y$, $gy$, $7$, $2b$, $2y$, $2a$, $6$, $5$), or ! or * (locked).",
                        *ret_from, why);
        *ret = TAKE_PTR(hash);
        return 0;
}

/* Reads the container's /etc/shadow (etc_fd/name) when it exists: it must be a regular file of a
 * sane size without NUL bytes. *ret stays NULL (and *ret_exists false) when there is none. */
static int shadow_read(const Context *c, int etc_fd, const char *name, char **ret, size_t *ret_size,
        struct stat *ret_st, bool *ret_exists)
{
        _cleanup_free_ char *old = NULL;
        struct stat st;
        int r;

        *ret_exists = false;
        if (fstatat(etc_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return log_error_errno(errno, "Failed to stat /etc/shadow in %s: %m", c->directory);
                return 0;
        }
        if (S_ISLNK(st.st_mode))
                return log_error_errno(ELOOP,
                        "/etc/shadow in %s is a symlink; refusing to follow it. Fix: replace it with a regular file (mode 0640).",
                        c->directory);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(EINVAL,
                        "/etc/shadow in %s is not a regular file (a %s); refusing it. Fix: replace it with a regular file (mode 0640).",
                        c->directory,
                        S_ISFIFO(st.st_mode)   ? "FIFO"
                        : S_ISDIR(st.st_mode)  ? "directory"
                        : S_ISSOCK(st.st_mode) ? "socket"
                                               : "device node");

        /* Opened without following and without blocking, then checked again: it may have been
         * swapped since the fstatat(). */
        _cleanup_close_ int fd =
                openat(etc_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open /etc/shadow in %s: %m", c->directory);
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to stat /etc/shadow in %s: %m", c->directory);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(
                        EINVAL, "/etc/shadow in %s is not a regular file; refusing it.", c->directory);
        if ((uint64_t) st.st_size > ROOTFS_READ_MAX)
                return log_error_errno(EFBIG,
                        "/etc/shadow in %s is %llu bytes, more than any real shadow file (limit %u); refusing to read it. Fix: inspect and repair the container's /etc/shadow.",
                        c->directory, (unsigned long long) st.st_size, ROOTFS_READ_MAX);
        r = read_full_fd(fd, ROOTFS_READ_MAX, &old, ret_size);
        if (r < 0)
                return log_error_errno(r, "Failed to read /etc/shadow in %s: %m", c->directory);
        if (memchr(old, '\0', *ret_size))
                return log_error_errno(EBADMSG,
                        "/etc/shadow in %s contains a NUL byte; refusing to edit it.", c->directory);
        *ret = TAKE_PTR(old);
        *ret_st = st;
        *ret_exists = true;
        return 0;
}

/* old (NULL: no file) with root's second field set to hash, every other byte kept, or with a root
 * line put in front when there is none, as shadow's own tools would write it. *ret is NULL when
 * root's hash already is hash. */
static int shadow_with_root_hash(const char *old, size_t old_size, const char *hash, char **ret)
{
        const char *line = NULL;
        size_t hl = strlen(hash);

        /* Root's line: at the start of the file or after a newline. */
        for (const char *p = old; p && p < old + old_size;) {
                if (startswith(p, "root:")) {
                        line = p;
                        break;
                }
                const char *nl = memchr(p, '\n', old + old_size - p);
                p = nl ? nl + 1 : NULL;
        }

        if (!line) {
                long days = (long) (time(NULL) / 86400);
                return asprintf(ret, "root:%s:%ld:0:99999:7:::\n%.*s", hash, days, (int) old_size,
                               strempty(old)) < 0
                               ? -ENOMEM
                               : 0;
        }

        const char *f2 = line + 5;
        size_t l2 = strcspn(f2, ":\n");
        if (l2 == hl && memcmp(f2, hash, l2) == 0) {
                *ret = NULL;
                return 0;
        }
        size_t before = (size_t) (f2 - old), after = old_size - before - l2;
        char *content = malloc(before + hl + after + 1);
        if (!content)
                return -ENOMEM;
        memcpy(content, old, before);
        memcpy(content + before, hash, hl);
        memcpy(content + before + hl, f2 + l2, after);
        content[before + hl + after] = '\0';
        *ret = content;
        return 0;
}

/* Owner and mode of the new /etc/shadow: those of the file it replaces, its mode narrowed to at most
 * 0640 (a world-readable or set-id mode the tree came with is not kept for a file holding the hash
 * berth wrote; CentOS's 0000 stays); for a new file the container's root (shifted for private users
 * where the tree is) and its shadow group with 0640, or 0600 without such a group. */
static int shadow_owner(const Context *c, int root_fd, const struct stat *old, uid_t *ret_uid,
        gid_t *ret_gid, mode_t *ret_mode)
{
        if (old) {
                *ret_uid = old->st_uid;
                *ret_gid = old->st_gid;
                *ret_mode = old->st_mode & 0640;
                if (*ret_mode != (old->st_mode & 07777))
                        log_notice("/etc/shadow in %s had mode %04o; writing it with %04o.", c->directory,
                                (unsigned) (old->st_mode & 07777), (unsigned) *ret_mode);
                return 0;
        }

        struct stat rst;
        gid_t sg;
        if (fstat(root_fd, &rst) < 0)
                return log_error_errno(errno, "Failed to stat %s: %m", c->directory);
        uid_t base = rst.st_uid == rst.st_gid && rst.st_uid % 65536u == 0 ? rst.st_uid : 0;
        bool has_group = container_shadow_gid(root_fd, &sg) >= 0;
        *ret_uid = base;
        *ret_gid = base + (has_group ? sg : 0);
        *ret_mode = has_group ? 0640 : 0600;
        return 0;
}

int shadow_apply_root_password(const Context *c, int root_fd)
{
        _cleanup_free_ char *hash = NULL, *old = NULL, *name = NULL, *content = NULL;
        _cleanup_close_ int etc_fd = -1;
        const char *from = NULL;
        size_t old_size = 0;
        struct stat st;
        bool exists;
        uid_t uid = 0;
        gid_t gid = 0;
        mode_t mode = 0600;
        int r;

        assert(c);
        assert(root_fd >= 0);

        r = root_hash_get(c->entry, &hash, &from);
        if (r < 0 || !hash)
                return r;

        r = rootfs_open_parent(root_fd, "/etc/shadow", &etc_fd, &name);
        if (r < 0)
                return log_error_errno(r,
                        "Failed to open /etc inside %s: %m. The container needs an /etc directory.",
                        c->directory);
        r = shadow_read(c, etc_fd, name, &old, &old_size, &st, &exists);
        if (r < 0)
                return r;
        r = shadow_with_root_hash(old, old_size, hash, &content);
        if (r < 0)
                return log_oom();
        if (!content) {
                log_debug("Root password in /etc/shadow is already the one from %s.", from);
                return 0;
        }
        r = shadow_owner(c, root_fd, exists ? &st : NULL, &uid, &gid, &mode);
        if (r < 0)
                return r;

        if (c->dry_run) {
                log_info("Would set root's password (from %s) in %s/etc/shadow%s.", from, c->directory,
                        exists ? "" : ", creating it");
                return 0;
        }
        r = write_file_atomicat_owned(
                etc_fd, name, content, strlen(content), mode, uid, gid, WRITE_ATOMIC_FSYNC);
        explicit_bzero(content, strlen(content));
        if (r < 0)
                return log_error_errno(r, "Failed to write /etc/shadow in %s: %m", c->directory);

        log_event(LOG_NOTICE, BERTH_MESSAGE_PASSWORD_SET,
                "Set root's password (from %s) in %s/etc/shadow%s.", from, c->directory,
                exists ? "" : " (created it)");
        return 0;
}
