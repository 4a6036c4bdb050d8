/* 'berth-audit fix': audit=0 into the boot loader configuration, atomically, with a backup.
 *
 * Where it looks: /etc/default/grub (what grub-mkconfig reads; /etc/sysconfig/grub is used when
 * that is missing — on CentOS/RHEL it is a symlink to it), and /etc/kernel/cmdline (kernel-install,
 * systemd-boot). Symlinks are followed to the real file, which is edited; the symlink stays.
 * Every path is resolved inside the root ("/", or --root=DIR) with rootfs_open_in(), and every
 * write happens relative to the directory fd found there, so no symlink leads out of DIR.
 * Every file is read and edited in memory first; nothing is written unless all of them could be
 * edited. Each write keeps a copy of the previous content in FILE.berth-bak and replaces the file
 * through a temporary file in the same directory plus rename() (write_file_atomicat_owned(), the
 * shared writer), keeping owner and mode, so a failure at any point leaves the original as it was. It never
 * runs the boot loader tools: it prints the command that regenerates the boot menu for the distribution it
 * finds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "cmdline-edit.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "rootfs.h"
#include "strv.h"

#define BACKUP_SUFFIX ".berth-bak"

typedef enum TargetKind {
        TARGET_GRUB,
        TARGET_KERNEL_INSTALL,
} TargetKind;

/* The tree 'fix' works on: "/" or --root=DIR. Every path is resolved inside it, as if it were "/"
 * (rootfs_open_in(): symlinks, absolute or relative, and ".." never lead out), and every write
 * happens relative to a directory fd obtained that way. */
typedef struct Root {
        int fd;
        const char *path; /* --root as given, NULL for "/": for messages */
        char real[PATH_MAX]; /* where fd is, as /proc/self/fd tells: to turn a file's fd back into a path */
} Root;

static void root_done(Root *r)
{
        closep(&r->fd);
}

typedef struct Target {
        TargetKind kind;
        char *found; /* the path looked at, e.g. DIR/etc/sysconfig/grub (for messages) */
        char *real; /* the file edited, symlinks resolved (for messages) */
        int dir_fd; /* the directory of the file edited, opened inside the root */
        char *name; /* its name in dir_fd */
        struct stat st;
        char *old, *new;
        size_t old_size, new_size;
        bool changed;
} Target;

static void target_done(Target *t)
{
        free(t->found);
        free(t->real);
        closep(&t->dir_fd);
        free(t->name);
        free(t->old);
        free(t->new);
}

/* The files 'fix' edits: at most one GRUB file and /etc/kernel/cmdline, plus room for both GRUB
 * paths while they are being looked for. A cleanup frees them on every return. */
typedef struct Targets {
        Target items[3];
        size_t n;
} Targets;

static void targets_done(Targets *t)
{
        for (size_t i = 0; i < t->n; i++)
                target_done(&t->items[i]);
        t->n = 0;
}

char *root_path(const char *root, const char *path)
{
        if (!root)
                return strdup(path);
        return path_join(root, path);
}

/* The path of fd, as the kernel tells in /proc/self/fd; -ENOENT when it is not a path. */
static int fd_real_path(int fd, char ret[static PATH_MAX])
{
        char proc[64];
        ssize_t n;

        snprintf(proc, sizeof proc, "/proc/self/fd/%i", fd);
        n = readlink(proc, ret, PATH_MAX - 1);
        if (n < 0)
                return negative_errno();
        if (n == 0 || ret[0] != '/')
                return -ENOENT; /* "(deleted)", an anonymous inode, ...: not a path */
        ret[n] = '\0';
        return 0;
}

static int root_open(const char *path, Root *ret)
{
        int r;

        ret->path = path;
        ret->fd = open(path ?: "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ret->fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", path ?: "/");
        r = fd_real_path(ret->fd, ret->real);
        if (r < 0)
                return log_error_errno(r, "Failed to find where %s is (is /proc mounted?): %m", path ?: "/");
        return 0;
}

/* path (absolute, inside the root) of a file opened inside the root. */
static int root_relative_path(const Root *root, int fd, char **ret)
{
        char real[PATH_MAX];
        int r;

        r = fd_real_path(fd, real);
        if (r < 0)
                return r;
        const char *rest = streq(root->real, "/") ? real : startswith(real, root->real);
        if (!rest || rest[0] != '/')
                return -EXDEV; /* cannot be: rootfs_open_in() stays inside */
        *ret = strdup(rest);
        return *ret ? 0 : -ENOMEM;
}

/* Finds path inside the root, following symlinks there as that system would. Returns 1 when the
 * file was added, 0 when it does not exist (or is the same file as one added already). */
static int target_add(Targets *ts, TargetKind kind, const Root *root, const char *path)
{
        _cleanup_free_ char *found = root_path(root->path, path);
        _cleanup_free_ char *in_root = NULL, *real = NULL, *name = NULL;
        _cleanup_close_ int fd = -EBADF, dir_fd = -EBADF;
        struct stat st, st_dir;
        int r;

        if (!found)
                return log_oom();
        fd = rootfs_open_in(root->fd, path, O_PATH);
        if (fd == -ENOENT) {
                _cleanup_close_ int link = rootfs_open_in(root->fd, path, O_PATH | O_NOFOLLOW);
                if (link >= 0) /* a symlink to nothing: say so rather than skip it */
                        return log_error_errno(fd,
                                "%s is a symlink to a file that does not exist%s; fix the symlink", found,
                                root->path ? " (symlinks are resolved inside the --root directory)" : "");
                return 0;
        }
        if (fd == -ELOOP)
                return log_error_errno(fd, "%s: too many levels of symbolic links%s; fix the symlink", found,
                        root->path ? ", with symlinks resolved inside the --root directory as on that system"
                                   : "");
        if (fd < 0)
                return log_error_errno(fd, "Failed to open %s: %m", found);
        if (fstat(fd, &st) < 0)
                return log_error_errno(negative_errno(), "Failed to stat %s: %m", found);

        r = root_relative_path(root, fd, &in_root);
        if (r < 0)
                return log_error_errno(r, "Failed to find where %s leads: %m", found);
        real = root_path(root->path, in_root);
        if (!real)
                return log_oom();
        if (!S_ISREG(st.st_mode))
                return log_error_errno(
                        EINVAL, "%s is not a regular file; berth-audit edits only regular files", real);

        /* The directory to write in, again inside the root; it must hold the very file found. */
        r = rootfs_open_parent(root->fd, in_root, &dir_fd, &name);
        if (r < 0)
                return log_error_errno(r, "Failed to open the directory of %s: %m", real);
        if (fstatat(dir_fd, name, &st_dir, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(negative_errno(), "Failed to stat %s: %m", real);
        if (st_dir.st_dev != st.st_dev || st_dir.st_ino != st.st_ino)
                return log_error_errno(EBUSY, "%s changed while berth-audit looked at it; try again", real);

        for (size_t i = 0; i < ts->n; i++)
                if (ts->items[i].st.st_dev == st.st_dev && ts->items[i].st.st_ino == st.st_ino)
                        return 0;
        ts->items[ts->n++] = (Target){
                .kind = kind,
                .found = TAKE_PTR(found),
                .real = TAKE_PTR(real),
                .dir_fd = TAKE_FD(dir_fd),
                .name = TAKE_PTR(name),
                .st = st,
        };
        return 1;
}

static int target_read_and_edit(Target *t)
{
        EditError err = {};
        struct stat st;
        int r;

        _cleanup_close_ int fd =
                openat(t->dir_fd, t->name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", t->real);
        if (fstat(fd, &st) < 0)
                return log_error_errno(negative_errno(), "Failed to stat %s: %m", t->real);
        if (st.st_dev != t->st.st_dev || st.st_ino != t->st.st_ino || !S_ISREG(st.st_mode))
                return log_error_errno(
                        EBUSY, "%s changed while berth-audit looked at it; try again", t->real);
        t->st = st;
        if (t->st.st_size > CMDLINE_FILE_MAX)
                return log_error_errno(EFBIG,
                        "%s is %lld bytes, more than the %d a boot loader configuration file can sensibly be; not touching it",
                        t->real, (long long) t->st.st_size, CMDLINE_FILE_MAX);
        r = read_full_fd(fd, CMDLINE_FILE_MAX, &t->old, &t->old_size);
        if (r == -EFBIG)
                return log_error_errno(
                        r, "%s is larger than %d bytes; not touching it", t->real, CMDLINE_FILE_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", t->real);

        if (t->kind == TARGET_GRUB)
                r = grub_defaults_set_audit_off(t->old, t->old_size, &t->new, &t->new_size, &err);
        else
                r = kernel_cmdline_file_set_audit_off(t->old, t->old_size, &t->new, &t->new_size, &err);
        if (r == -EBADMSG) {
                if (err.line > 0)
                        return log_error_errno(
                                r, "%s:%u: %s; the file was not changed", t->real, err.line, err.message);
                return log_error_errno(r, "%s: %s; the file was not changed", t->real, err.message);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to edit %s: %m", t->real);
        t->changed = r > 0;
        return 0;
}

/* Writes dir/name with the shared atomic writer (O_TMPFILE in dir, linked and renamed over name), with
 * st's owner and mode, fsynced: the bootloader configuration must survive a crash right after. */
static int write_replacing(
        int dfd, const char *name, const char *content, size_t size, const struct stat *st)
{
        return write_file_atomicat_owned(
                dfd, name, content, size, st->st_mode, st->st_uid, st->st_gid, WRITE_ATOMIC_FSYNC);
}

static int target_write(const Target *t, char **ret_backup)
{
        _cleanup_free_ char *backup_name = NULL, *backup = NULL;
        int r;

        if (asprintf(&backup_name, "%s" BACKUP_SUFFIX, t->name) < 0 ||
                asprintf(&backup, "%s" BACKUP_SUFFIX, t->real) < 0)
                return log_oom();

        r = write_replacing(t->dir_fd, backup_name, t->old, t->old_size, &t->st);
        if (r < 0)
                return log_error_errno(
                        r, "Failed to write the backup %s: %m; %s was not changed", backup, t->real);
        r = write_replacing(t->dir_fd, t->name, t->new, t->new_size, &t->st);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m; it was not changed", t->real);
        *ret_backup = TAKE_PTR(backup);
        return 0;
}

/* ---- which command regenerates the boot menu ---- */

typedef struct OsRelease {
        char *id;
        char **like; /* ID and ID_LIKE words */
} OsRelease;

static void os_release_done(OsRelease *o)
{
        free(o->id);
        strv_free(o->like);
}

static char *unquote(char *v)
{
        size_t l = strlen(v);
        if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
                v[l - 1] = '\0';
                return v + 1;
        }
        return v;
}

static int os_release_read(const Root *root, OsRelease *ret)
{
        static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
        _cleanup_free_ char *text = NULL;
        int r = -ENOENT;

        for (size_t i = 0; i < ELEMENTSOF(paths) && r < 0; i++)
                r = rootfs_read_file(root->fd, paths[i], 64 * 1024, &text, NULL, NULL);
        if (r < 0)
                return 0; /* no os-release: decide from the files alone */

        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                const char *v;
                if ((v = startswith(l, "ID="))) {
                        free(ret->id);
                        ret->id = strdup(unquote((char *) v));
                        if (!ret->id || strv_extend(&ret->like, ret->id) < 0)
                                return -ENOMEM;
                } else if ((v = startswith(l, "ID_LIKE="))) {
                        _cleanup_strv_free_ char **words = NULL;
                        if (strv_split(unquote((char *) v), " \t", &words) < 0)
                                return -ENOMEM;
                        STRV_FOREACH (w, words)
                                if (strv_extend(&ret->like, *w) < 0)
                                        return -ENOMEM;
                }
        }
        return 0;
}

static bool os_is(const OsRelease *o, const char *const *names)
{
        for (; *names; names++)
                if (strv_contains(o->like, *names))
                        return true;
        return false;
}

static bool exists_in(const Root *root, const char *path)
{
        _cleanup_close_ int fd = rootfs_open_in(root->fd, path, O_PATH);
        return fd >= 0;
}

static const char *const debian_like[] = { "debian", "ubuntu", NULL };
static const char *const redhat_like[] = { "rhel", "fedora", "centos", "suse", "opensuse", "sles", NULL };

static int grub_regenerate_command(const Root *root, const OsRelease *os, char **ret)
{
        if (os_is(os, debian_like))
                return (*ret = strdup("update-grub")) ? 0 : -ENOMEM;

        if (os_is(os, redhat_like) || exists_in(root, "/boot/grub2")) {
                /* Before RHEL 9 / Fedora 34, UEFI machines booted a full grub.cfg on the ESP; since
                 * then that file is a stub that loads /boot/grub2/grub.cfg ("configfile"). */
                const char *cfg = "/boot/grub2/grub.cfg";
                _cleanup_free_ char *efi_cfg = NULL;
                _cleanup_free_ char *efi_text = NULL;
                if (os->id && asprintf(&efi_cfg, "/boot/efi/EFI/%s/grub.cfg", os->id) < 0)
                        return -ENOMEM;
                if (efi_cfg &&
                        rootfs_read_file(root->fd, efi_cfg, CMDLINE_FILE_MAX, &efi_text, NULL, NULL) >= 0 &&
                        !strstr(efi_text, "configfile"))
                        cfg = efi_cfg;
                bool bls = exists_in(root, "/boot/loader/entries");
                return asprintf(ret, "grub2-mkconfig -o %s%s", cfg,
                               bls ? "\n  and, for the existing boot entries (BLS): grubby --update-kernel=ALL --args=audit=0"
                                   : "") < 0
                               ? -ENOMEM
                               : 0;
        }
        if (exists_in(root, "/usr/sbin/update-grub"))
                return (*ret = strdup("update-grub")) ? 0 : -ENOMEM;
        return (*ret = strdup("grub-mkconfig -o /boot/grub/grub.cfg")) ? 0 : -ENOMEM;
}

static int kernel_install_command(const OsRelease *os, char **ret)
{
        /* Fedora-like systems keep the kernel image in /lib/modules/KVER, Debian-like ones in /boot. */
        const char *image =
                os_is(os, debian_like) ? "/boot/vmlinuz-$(uname -r)" : "/lib/modules/$(uname -r)/vmlinuz";
        return asprintf(ret, "kernel-install add \"$(uname -r)\" \"%s\"   (or reinstall the kernel package)",
                       image) < 0
                       ? -ENOMEM
                       : 0;
}

/* GRUB reads /etc/default/grub.d/NAME.cfg after /etc/default/grub (Debian, Ubuntu): an assignment
 * there can drop our audit=0. Warn; do not edit files we were not asked about. */
static void grub_dropins_warn(const Root *root)
{
        _cleanup_free_ char *dir = root_path(root->path, "/etc/default/grub.d");
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int fd;

        if (!dir)
                return;
        fd = rootfs_open_in(root->fd, "/etc/default/grub.d", O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return;
        }
        for (struct dirent *de; (de = readdir(d));)
                if (endswith(de->d_name, ".cfg") && de->d_name[0] != '.' &&
                        strv_extend(&names, de->d_name) < 0)
                        return;
        strv_sort(names);
        STRV_FOREACH (name, names) {
                _cleanup_free_ char *p = path_join(dir, *name);
                _cleanup_free_ char *in_root = path_join("/etc/default/grub.d", *name);
                _cleanup_free_ char *text = NULL;
                size_t size;
                if (!p || !in_root ||
                        rootfs_read_file(root->fd, in_root, CMDLINE_FILE_MAX, &text, &size, NULL) < 0 ||
                        memchr(text, '\0', size))
                        continue;
                unsigned line = grub_defaults_find_cmdline_assignment(text, size);
                if (line > 0)
                        log_warning(
                                "%s:%u sets GRUB_CMDLINE_LINUX, and GRUB reads it after /etc/default/grub: make sure it keeps audit=0.",
                                p, line);
                else if (strstr(text, "audit="))
                        log_warning(
                                "%s mentions audit=, and GRUB reads it after /etc/default/grub: make sure it does not turn audit back on.",
                                p);
        }
}

int audit_fix(const AuditOptions *o)
{
        _cleanup_(os_release_done) OsRelease os = {};
        _cleanup_(targets_done) Targets ts = {};
        _cleanup_(root_done) Root root = { .fd = -1 };
        Target *targets = ts.items;
        int r;

        /* Returns the exit status: 1 on any failure (already logged), 0 on success. */

        if (root_open(o->root, &root) < 0)
                return 1;

        /* /etc/default/grub is what grub-mkconfig reads; /etc/sysconfig/grub only when it is missing. */
        r = target_add(&ts, TARGET_GRUB, &root, "/etc/default/grub");
        if (r == 0)
                r = target_add(&ts, TARGET_GRUB, &root, "/etc/sysconfig/grub");
        if (r >= 0)
                r = target_add(&ts, TARGET_KERNEL_INSTALL, &root, "/etc/kernel/cmdline");
        if (r < 0)
                return 1;

        if (ts.n == 0) {
                _cleanup_free_ char *a = root_path(o->root, "/etc/default/grub");
                _cleanup_free_ char *b = root_path(o->root, "/etc/sysconfig/grub");
                _cleanup_free_ char *c = root_path(o->root, "/etc/kernel/cmdline");
                log_error(
                        "No boot loader configuration found: looked for %s and %s (GRUB) and %s (kernel-install, systemd-boot). Add audit=0 to the kernel command line by hand; for systemd-boot, create %s from /proc/cmdline with audit=0 added.",
                        strempty(a), strempty(b), strempty(c), strempty(c));
                return 1;
        }

        for (size_t i = 0; i < ts.n; i++)
                if (target_read_and_edit(&targets[i]) < 0)
                        return 1;

        bool any_changed = false;
        for (size_t i = 0; i < ts.n; i++) {
                const Target *t = &targets[i];
                if (!streq(t->found, t->real))
                        printf("%s is a symlink to %s: editing %s.\n", t->found, t->real, t->real);
                if (!t->changed) {
                        printf("%s: audit=0 is already set, nothing to change.\n", t->real);
                        continue;
                }
                any_changed = true;
                r = unified_diff(stdout, t->real, t->real, t->old, t->old_size, t->new, t->new_size);
                if (r < 0) {
                        log_error_errno(r, "Failed to print the diff: %m");
                        return 1;
                }
        }

        if (any_changed && o->dry_run)
                printf("Dry run: nothing was written.\n");
        else if (any_changed)
                for (size_t i = 0; i < ts.n; i++) {
                        _cleanup_free_ char *backup = NULL;
                        if (!targets[i].changed)
                                continue;
                        if (target_write(&targets[i], &backup) < 0)
                                return 1;
                        printf("Wrote %s (the previous version is in %s).\n", targets[i].real,
                                strempty(backup));
                }

        if (targets[0].kind == TARGET_GRUB)
                grub_dropins_warn(&root);

        r = os_release_read(&root, &os);
        if (r < 0) {
                log_oom();
                return 1;
        }
        printf("%s the boot menu (berth-audit does not run this), then reboot:\n",
                any_changed && o->dry_run ? "After 'berth-audit fix', regenerate"
                : any_changed             ? "Now regenerate"
                              : "If the boot menu was not regenerated since audit=0 was added, regenerate");
        for (size_t i = 0; i < ts.n; i++) {
                _cleanup_free_ char *cmd = NULL;
                r = targets[i].kind == TARGET_GRUB ? grub_regenerate_command(&root, &os, &cmd)
                                                   : kernel_install_command(&os, &cmd);
                if (r < 0) {
                        log_oom();
                        return 1;
                }
                printf("  %s\n", cmd);
        }
        return 0;
}
