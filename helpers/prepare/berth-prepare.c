/* berth-prepare NAME: makes a container ready to start, as ExecStartPre= of
 * systemd-nspawn@NAME.service: checks the entry, provisions a missing root fs, validates it, sets
 * root's password, and writes the trusted nspawn settings file.
 *
 * Privilege model.
 *   It runs as root, started by systemd with the full capability set of a system service.
 *   - At start it checks that it holds cap_chown, cap_dac_override, cap_dac_read_search,
 *     cap_fowner (what it needs itself, see caps.c) and cap_setpcap (to drop the rest), naming a
 *     missing one, and narrows its *effective* set to those. The permitted and bounding sets stay
 *     until provisioning is over: provisioners (debootstrap, dnf, tar, cp) are exec'ed as root
 *     and get the full set back from the kernel, which they need (chroot, mknod, mount, setuid in
 *     maintainer scripts). They run in a clean environment, in their own process group, and die
 *     with us (provision.c).
 *   - cap_sys_admin is raised into the effective set for one call only: detaching the file system
 *     that a killed systemd-nspawn (256+) left mounted at /run/systemd/nspawn/unix-export/NAME, which
 *     would make the start fail (machined.c); it is checked to be gone again after it.
 *   - Once no provisioner is left to run, and before the container root is opened, it drops
 *     everything but the four capabilities above from the bounding, permitted, effective,
 *     inheritable and ambient sets and sets no_new_privs. Every change is read back and checked.
 *   - It trusts the entry files (root-owned configuration) and the host's own paths. It never
 *     trusts the container's tree: every path in it is resolved inside the root (rootfs.c), files
 *     are replaced (never written in place) keeping owner and mode, reads are size-limited and
 *     refuse FIFOs and devices. It never trusts anything a provisioner leaves: a new tree is
 *     validated before it is renamed into place.
 *
 * Paths under --root=DIR: the entry search path (unless $BERTH_CONFIG_PATH is set),
 * /var/lib/machines and a non-default Directory=, /run (the lock, /run/systemd/nspawn),
 * /etc/systemd/nspawn and /etc/fstab. What an entry names itself (Provision= sources and
 * programs, RootPasswordHashFile=) is used as written. systemd-machined is not asked under --root
 * unless $DBUS_SYSTEM_BUS_ADDRESS names a bus. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "entry.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "prepare.h"
#include "rootfs.h"
#include "strv.h"

static const char *arg_root;
static bool arg_dry_run;
static bool arg_refresh_image;
static const char *arg_name;

static void help(void)
{
        printf("berth-prepare [OPTIONS] NAME\n\n"
               "Prepares container NAME (from /etc/containers.d/NAME.conf) to start: provisions a missing\n"
               "root file system, validates it, sets root's password and writes\n"
               "/run/systemd/nspawn/NAME.nspawn. Run by systemd-nspawn@NAME.service as ExecStartPre=.\n\n"
               "  -h --help       Show this help\n"
               "     --version    Show the version\n"
               "     --root=DIR   Put berth's own paths (entries, /var/lib/machines, /run, /etc) under DIR\n"
               "     --dry-run    Say what would be done, change nothing\n"
               "     --refresh-image\n"
               "                  Provision NAME's image anew and put it in place of the cached one\n"
               "                  (what 'berth image refresh' runs); NAME itself is not touched\n");
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_VERSION = 0x100, ARG_ROOT, ARG_DRY_RUN, ARG_REFRESH_IMAGE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "root", required_argument, NULL, ARG_ROOT },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "refresh-image", no_argument, NULL, ARG_REFRESH_IMAGE },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("berth-prepare %s\n", BERTH_VERSION);
                        return 0;
                case ARG_ROOT:
                        if (optarg[0] != '/') {
                                fprintf(stderr, "berth-prepare: --root=%s: not an absolute path.\n", optarg);
                                return -EINVAL;
                        }
                        arg_root = optarg;
                        break;
                case ARG_DRY_RUN:
                        arg_dry_run = true;
                        break;
                case ARG_REFRESH_IMAGE:
                        arg_refresh_image = true;
                        break;
                case ':':
                        fprintf(stderr, "berth-prepare: option '%s' needs an argument.\n", argv[optind - 1]);
                        return -EINVAL;
                default:
                        fprintf(stderr, "berth-prepare: unknown option '%s'. See 'berth-prepare --help'.\n",
                                argv[optind - 1]);
                        return -EINVAL;
                }

        if (optind >= argc) {
                fprintf(stderr, "berth-prepare: missing the container NAME. See 'berth-prepare --help'.\n");
                return -EINVAL;
        }
        if (optind + 1 < argc) {
                fprintf(stderr, "berth-prepare: unexpected argument '%s': give one container NAME.\n",
                        argv[optind + 1]);
                return -EINVAL;
        }
        arg_name = argv[optind];
        if (!machine_name_is_valid(arg_name)) {
                fprintf(stderr,
                        "berth-prepare: '%s' is not a valid container name: a name is " MACHINE_NAME_RULE
                        ".\n",
                        arg_name);
                return -EINVAL;
        }
        return 1;
}

static char *rooted(const char *path)
{
        return arg_root ? path_join(arg_root, path) : strdup(path);
}

static void context_done(Context *c)
{
        free(c->directory);
        free(c->parent);
        free(c->run_dir);
        free(c->lock_path);
        free(c->run_settings_path);
        free(c->etc_settings_path);
        free(c->fstab_path);
}

static int context_paths(Context *c)
{
        _cleanup_free_ char *lock = NULL, *run_nspawn = NULL, *etc_nspawn = NULL;
        const char *base;

        if (asprintf(&lock, "/run/berth/%s.lock", c->name) < 0 ||
                asprintf(&run_nspawn, "/run/systemd/nspawn/%s.nspawn", c->name) < 0 ||
                asprintf(&etc_nspawn, "/etc/systemd/nspawn/%s.nspawn", c->name) < 0)
                return -ENOMEM;
        c->directory = rooted(c->entry->directory);
        c->run_dir = rooted("/run");
        c->lock_path = rooted(lock);
        c->run_settings_path = rooted(run_nspawn);
        c->etc_settings_path = rooted(etc_nspawn);
        c->fstab_path = rooted("/etc/fstab");
        if (!c->directory || !c->run_dir || !c->lock_path || !c->run_settings_path ||
                !c->etc_settings_path || !c->fstab_path)
                return -ENOMEM;
        return path_split(c->directory, &c->parent, &base);
}

/* Why there is no entry NAME to prepare: masked, or no NAME.conf (with the errors about that file,
 * e.g. a directory of that name). Always negative. */
static int refuse_missing_entry(const EntrySet *set)
{
        _cleanup_free_ char *path = strv_join(set->search_path, ", ");
        if (entry_set_is_masked(set, arg_name))
                return log_event_errno(LOG_ERR, ENOENT, BERTH_MESSAGE_ENTRY_INVALID,
                        "Entry %s is masked (an empty %s.conf or a symlink to /dev/null in %s): not preparing it. Remove the mask, or stop starting systemd-nspawn@%s.service.",
                        arg_name, arg_name, strempty(path), arg_name);
        for (size_t i = 0; i < set->n_errors; i++)
                if (entry_error_is_about(&set->errors[i], arg_name)) {
                        _cleanup_free_ char *m = entry_error_format(&set->errors[i]);
                        log_error("%s", m ? m : "Out of memory.");
                }
        return log_event_errno(LOG_ERR, ENOENT, BERTH_MESSAGE_ENTRY_INVALID,
                "No entry %s: there is no %s.conf in %s. Create /etc/containers.d/%s.conf, or start systemd-nspawn@%s.service without berth (remove the berth drop-in).",
                arg_name, arg_name, strempty(path), arg_name, arg_name);
}

static int load_entry(EntrySet **ret_set, const Entry **ret)
{
        _cleanup_entry_set_free_ EntrySet *set = NULL;
        LoadOptions options = { .root = arg_root };
        int r;

        /* The whole set, as the generator loads it: errors that involve other entries (a missing
         * DependsOn= target, a cycle) must fail this start just as they were reported at boot. */
        r = entry_set_load(&options, &set);
        if (r < 0)
                return log_error_errno(r, "Failed to load the container entries: %m");

        const Entry *e = entry_set_find(set, arg_name);
        if (!e)
                return refuse_missing_entry(set);

        if (e->n_errors > 0) {
                for (size_t i = 0; i < e->n_errors; i++) {
                        _cleanup_free_ char *m = entry_error_format(&e->errors[i]);
                        if (!m)
                                return log_oom();
                        log_error("%s", m);
                }
                return log_event_errno(LOG_ERR, EINVAL, BERTH_MESSAGE_ENTRY_INVALID,
                        "Entry %s has %zu error%s (above): fix %s, then run 'systemctl daemon-reload'.",
                        arg_name, e->n_errors, e->n_errors == 1 ? "" : "s", e->source);
        }

        const char *digest = getenv("BERTH_DIGEST");
        if (digest && !streq(digest, e->digest))
                return log_event_errno(LOG_ERR, ESTALE, BERTH_MESSAGE_CONFIG_CHANGED,
                        "configuration of %s changed since units were generated; run 'systemctl daemon-reload'",
                        arg_name);

        *ret = e;
        *ret_set = TAKE_PTR(set);
        return 0;
}

static int take_lock(const Context *c, int *ret_fd)
{
        _cleanup_free_ char *dir = NULL;
        const char *base;
        int r;

        r = path_split(c->lock_path, &dir, &base);
        if (r < 0)
                return log_oom();
        if (mkdir(c->run_dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", c->run_dir);
        /* /run/berth is normally made by tmpfiles (0700); make it the same way if it is not. */
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", dir);

        _cleanup_close_ int fd =
                open(c->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open the lock %s: %m", c->lock_path);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK)
                        return log_error_errno(errno, "Failed to lock %s: %m", c->lock_path);
                log_info("Another berth-prepare is preparing %s; waiting for it to finish.", c->name);
                while (flock(fd, LOCK_EX) < 0)
                        if (errno != EINTR)
                                return log_error_errno(errno, "Failed to lock %s: %m", c->lock_path);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Is the directory parent_fd/name empty? */
static int dir_is_empty_at(int parent_fd, const char *name)
{
        int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return 0;
        return errno ? -errno : 1;
}

/* Provisions the root when it is missing (or an empty directory). parent_fd is -1 in a dry run
 * whose parent directory does not exist yet. */
static int ensure_rootfs(const Context *c, int parent_fd)
{
        struct stat st;
        bool listed;
        int r;

        r = parent_fd >= 0 ? root_stat(c, parent_fd, &st) : -ENOENT;
        if (r >= 0) {
                if (!S_ISDIR(st.st_mode))
                        return 0; /* root_open() says what is wrong with it */
                r = dir_is_empty_at(parent_fd, root_name(c));
                if (r <= 0)
                        return r == -EACCES ? log_error_errno(r, "Failed to read %s: %m", c->directory) : 0;
                r = mounts_check_fstab(c, &listed);
                if (r < 0)
                        return r;
                r = mounts_is_mount_point(c->directory);
                if (r < 0)
                        return r;
                if (r > 0)
                        return log_error_errno(EBUSY,
                                "%s is an empty mount point. berth provisions into a temporary sibling and renames it into place, which cannot cross into another file system: fill the mounted file system yourself, or unmount it and let berth provision the directory.",
                                c->directory);
                log_info("%s is an empty directory: provisioning it.", c->directory);
        } else {
                if (r != -ENOENT)
                        return r;
                r = mounts_check_fstab(c, &listed);
                if (r < 0)
                        return r;
        }
        return provision_run(c, parent_fd);
}

static int run(Context *c)
{
        _cleanup_entry_set_free_ EntrySet *set = NULL;
        _cleanup_close_ int lock_fd = -1, parent_fd = -1, root_fd = -1;
        struct stat st;
        int r;

        if (!arg_dry_run) {
                r = caps_check();
                if (r < 0)
                        return r;
                r = caps_drop_effective();
                if (r < 0)
                        return r;
        }

        r = load_entry(&set, &c->entry);
        if (r < 0)
                return r;
        assert(c->entry);
        r = context_paths(c);
        if (r < 0)
                return log_oom();

        /* The image alone, under its own lock: the container (running or not) is not touched. */
        if (arg_refresh_image)
                return image_refresh(c);

        if (!arg_dry_run) {
                r = take_lock(c, &lock_fd);
                if (r < 0)
                        return r;
        } else
                log_info("Would take the lock %s.", c->lock_path);

        r = machined_clear_stale(c);
        if (r < 0)
                return r;
        r = nspawn_clear_stale_unix_export(c);
        if (r < 0)
                return r;

        /* The directory that holds the root, walked without following symlinks. A missing one means
         * the root is missing too; it is made only when there is something to provision into it. */
        r = root_open_parent(c, false, &parent_fd);
        if (r == -ENOENT && !arg_dry_run && c->entry->provision != PROVISION_NONE)
                r = root_open_parent(c, true, &parent_fd);
        if (r < 0 && r != -ENOENT)
                return r;

        r = provision_remove_stale(c);
        if (r < 0)
                return r;
        r = ensure_rootfs(c, parent_fd);
        if (r < 0)
                return r;

        /* Reading the firewall needs CAP_NET_ADMIN, which goes now. */
        network_probe_host(c);
        if (!arg_dry_run) {
                r = caps_drop_all_but_kept();
                if (r < 0)
                        return r;
        }

        r = parent_fd >= 0 ? root_stat(c, parent_fd, &st) : -ENOENT;
        if (r == -ENOENT && arg_dry_run)
                log_info("Would validate %s and set its root password after provisioning.", c->directory);
        else if (r < 0)
                return r == -ENOENT ? log_error_errno(r, "%s is missing after provisioning.", c->directory)
                                    : r;
        else {
                r = root_open(c, parent_fd, &root_fd);
                if (r < 0)
                        return r;
                r = validate_rootfs(c, root_fd);
                if (r < 0)
                        return r;
                r = shadow_remove_stale(c, root_fd);
                if (r < 0)
                        return r;
                r = shadow_apply_root_password(c, root_fd);
                if (r < 0)
                        return r;
                /* Why the network would not work: warnings, the start goes on. */
                r = network_warn(c, root_fd);
                if (r < 0)
                        return r;
        }

        r = nspawn_settings_write(c);
        if (r < 0)
                return r;

        if (arg_dry_run)
                log_info("Dry run: nothing was changed.");
        else
                log_event(LOG_INFO, BERTH_MESSAGE_PREPARED, "Prepared container %s (root %s, settings %s).",
                        c->name, c->directory, c->run_settings_path);
        return 0;
}

int main(int argc, char *argv[])
{
        int r;

        log_setup("berth-prepare", LOG_TARGET_AUTO);
        log_parse_environment();

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        _cleanup_free_ char *prefix = NULL;
        if (asprintf(&prefix, "%s: ", arg_name) < 0)
                return 1;
        log_set_prefix(prefix);
        log_set_container(arg_name);

        Context c = { .name = arg_name, .root = arg_root, .dry_run = arg_dry_run };
        r = run(&c);
        context_done(&c);
        if (r < 0)
                log_event(LOG_ERR, BERTH_MESSAGE_PREPARE_FAILED,
                        "Not starting container %s: preparing it failed (see above).", arg_name);
        log_set_prefix(NULL);
        log_set_container(NULL);
        return r < 0 ? 1 : 0;
}
