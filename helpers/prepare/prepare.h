/* What the steps of berth-prepare share: the entry being prepared and where things are. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "entry.h"

typedef struct Context {
        const char *name;
        const char *root; /* --root=DIR or NULL: berth's own paths are put under it */
        bool dry_run;
        const Entry *entry;

        char *directory; /* the container's root fs on this host (under --root) */
        char *parent; /* the directory that holds it: where temporary siblings go */
        char *run_dir; /* /run (under --root) */
        char *lock_path; /* /run/berth/NAME.lock */
        char *run_settings_path; /* /run/systemd/nspawn/NAME.nspawn */
        char *etc_settings_path; /* /etc/systemd/nspawn/NAME.nspawn */
        char *fstab_path; /* /etc/fstab */
} Context;

/* root-open.c */
/* A directory walked from "/" (or --root) without following symlinks, every directory on the way
 * and the last one root-owned and not writable by group or others. */
typedef struct TrustedWalk {
        const char *root; /* --root=DIR or NULL */
        const char *path; /* absolute, below root */
        bool create; /* make missing directories, with create_mode */
        mode_t create_mode;
        const char *what; /* for messages: "the container root /var/lib/machines/web" */
        const char *fix; /* appended to the message about an untrusted directory: ", or ..." */
        const char *link_fix; /* appended to the message about a symlink: ". Set ..." */
} TrustedWalk;
/* -ENOENT (not logged) when a directory is missing and create is false. */
int trusted_dir_open(const TrustedWalk *w, int *ret_fd);
/* Opens the directory that holds the container root, walking Directory= from "/" (or --root)
 * without following symlinks and refusing a directory on the way that anyone but root could
 * change; with create, missing directories are made. -ENOENT (not logged) when one is missing. */
int root_open_parent(const Context *c, bool create, int *ret_fd);
/* The root's own name in its parent. */
const char *root_name(const Context *c);
/* lstat of the root in parent_fd: -ENOENT (not logged) when missing; a symlink is refused. */
int root_stat(const Context *c, int parent_fd, struct stat *ret_st);
/* Opens the root itself: a directory, not a symlink, not the host's "/". */
int root_open(const Context *c, int parent_fd, int *ret_fd);

/* bootstrap.c: Provision=debootstrap's command line; mmdebstrap (its path, or NULL) is used where it
 * is installed with its merged-/usr hook, else debootstrap. */
int bootstrap_argv(char *const *args, size_t n, const char *target, const char *mmdebstrap, char ***ret);

/* provision.c */
/* Removes .#NAME.berth-XXXXXX leftovers of an earlier, killed run in dir (dir_fd) (under the lock
 * of NAME). */
int provision_remove_stale_in(const Context *c, int dir_fd, const char *dir, const char *name);
/* The same for the container's own temporary siblings. */
int provision_remove_stale(const Context *c);
/* Makes the missing root: a clone of the entry's image (image.c), provisioned first when missing,
 * or of the Provision=copy source; in a fresh sibling, renamed into place complete. parent_fd: the
 * directory that holds the root (-1 in a dry run where it does not exist yet). */
int provision_run(const Context *c, int parent_fd);
/* The command line the provisioner would run for target (for --dry-run and the log). */
int provision_argv(const Entry *e, const char *target, char ***ret);
/* Whether the entry's provisioner makes its target directory itself (it must not exist before). */
bool provision_makes_target(const Entry *e);

/* One run of the entry's provisioner into target. */
typedef struct ProvisionRun {
        const char *what; /* for messages: "image debootstrap-bookworm-3f2a9c1d07aa" */
        const char *target; /* the directory to fill */
        int watch_fd; /* a directory whose growth counts as progress (holds target) */
        void (*on_progress)(void *userdata); /* called at each report that saw progress */
        void *userdata;
        char **argv; /* NULL: the entry's provisioner; else this command (a clone's copy) */
        char argv0[64]; /* set by provision_fill(): the provisioner's name, for later messages */
} ProvisionRun;
/* Runs the provisioner, with progress reports and start-timeout extensions; logs why it failed. */
int provision_fill(const Context *c, ProvisionRun *run);
/* Checks a tree a provisioner made, before it takes its place (validate_rootfs()); scan_devices:
 * also refuses a tree with a device node a container must not have (tree_find_device_node()). */
int provision_check_tree(
        const Context *c, const ProvisionRun *run, int tree_fd, const char *tree, bool scan_devices);
/* --dry-run: says what provisioning what (into target) would run. */
int provision_dry_run(const Context *c, const char *what, const char *target);
/* The PATH provisioners run with, and where their programs are looked up. */
#define PROVISION_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* The path of program name in PROVISION_PATH (name itself when it has a "/"); -ENOENT when none. */
int find_program(const char *name, char **ret);
/* cp's command line that copies the directory source (itself, not into it) to target. */
int copy_argv(const char *source, const char *target, char ***ret);
void format_bytes(uint64_t b, char *buf, size_t size);
/* How often a provisioner's progress is reported (10 s; $BERTH_PREPARE_PROGRESS_USEC in tests), and
 * how often a start waiting for an image's provisioner looks at its progress. */
usec_t provision_progress_interval(void);

/* image.c: the image cache (src/shared/image-cache.h) */
typedef struct Image {
        char *name, *source;
        char *dir; /* the images directory, under --root */
        char *path; /* dir/NAME */
        char *tree; /* dir/NAME/tree: what a clone copies */
        char *lock_path;
        int dir_fd, lock_fd;
        uint64_t counter; /* progress reports so far, published in the lock file */
        char holder[256]; /* the container whose start provisions the image */
} Image;
int image_init(const Context *c, Image *ret);
void image_done(Image *im);
/* Makes sure the image exists, provisioning it under its lock (or waiting for the start that
 * does); returns its tree, opened. In a dry run, says what would be done and returns -ENOENT
 * when the image is missing. */
int image_get(const Context *c, Image *im, int *ret_tree_fd);
/* berth image refresh: provisions the image anew and swaps it in. */
int image_refresh(const Context *c);
/* Notes in the image that c's root was made from it (for berth image list). */
int image_record_clone(const Context *c, const Image *im);
void image_progress(void *userdata);

/* identity.c */
/* SSH host keys made ahead, while a clone is copied. */
typedef struct IdentityKeys {
        pid_t pid; /* the process making them, -1 when none (or done) */
        char *dir; /* berth's private directory they are made in, NULL when none */
        int dir_fd;
} IdentityKeys;
/* Starts making new SSH host keys of the types the image (src_fd) holds, in the background; never
 * fails the start: when it cannot, identity_reset() makes them itself. */
void identity_keys_start(const Context *c, int src_fd, IdentityKeys *ret);
void identity_keys_wait(IdentityKeys *k);
/* Waits for the process if it still runs and removes the directory. */
void identity_keys_done(IdentityKeys *k);
/* In a new clone (tree_fd: its root; tree: its path, for messages) that nothing has run in yet,
 * before it takes its place: resets the per-machine identity the image held. ahead: the keys
 * identity_keys_start() made, or NULL. */
int identity_reset(const Context *c, int tree_fd, const char *tree, IdentityKeys *ahead);

/* network.c */
/* In a new tree that berth provisioned (tree_fd, at path tree), before it takes its place: enables
 * systemd-networkd unless the tree has its own network set-up, and gives it name servers it can
 * reach; only for ManageNetwork=yes and a veth, zone or bridge link. */
int network_setup_new_root(const Context *c, int tree_fd, const char *tree);
/* Reads what of the host needs capabilities that berth-prepare drops (the firewall's FORWARD
 * policy): call before caps_drop_all_but_kept(). */
void network_probe_host(const Context *c);
/* Logs network_check()'s warnings for the container (root_fd: its root, or -1). */
int network_warn(const Context *c, int root_fd);

/* mounts.c (libmount by dlopen(): -ELIBACC, logged, when it cannot be loaded) */
/* When directory is listed in fstab as a mount point and is not mounted: -ENXIO, logged. */
int mounts_check_fstab(const Context *c, bool *ret_listed);
/* The mount that contains path: whether it is read-only / noexec and, when it is either, its mount
 * point (else *ret_target is NULL: the mount table is read only when there is something to say). */
int mounts_find(const char *path, char **ret_target, bool *ret_read_only, bool *ret_noexec);
/* 1 when path is a mount point, 0 when not (or unknown), -ELIBACC. */
int mounts_is_mount_point(const char *path);

/* validate.c */
int validate_rootfs(const Context *c, int root_fd);

/* shadow.c */
int shadow_apply_root_password(const Context *c, int root_fd);
/* Removes /etc/.#shadow.HEX that a start killed between writing and renaming left (under the lock). */
int shadow_remove_stale(const Context *c, int root_fd);

/* nspawn-settings.c */
int nspawn_settings_format(const Entry *e, char **ret);
int nspawn_settings_write(const Context *c);

/* machined.c */
int machined_clear_stale(const Context *c);
/* Removes /run/systemd/nspawn/unix-export/NAME that a killed systemd-nspawn (256+) left behind. */
int nspawn_clear_stale_unix_export(const Context *c);

/* pull.c: Provision=pull, by systemd-pull (pull.c says why not through systemd-importd) */
#define PULL_PACKAGE "systemd-container"
/* The systemd-pull program: the first of /usr/lib/systemd, /lib/systemd that has it. */
const char *pull_program(void);
/* systemd-pull's command line that fills target (existing or not) with the entry's image. */
int pull_argv(const Entry *e, const char *target, char ***ret);
/* After systemd-pull failed: what to check, and how to fix the entry. */
void pull_explain_failure(const Entry *e);
/* A raw disk image's second step: copies the tree out of the image systemd-pull left in the
 * temporary image directory wrapper_fd (path wrapper) into target. run: the download's run (its
 * progress callback is reused). */
int pull_raw_unpack(
        const Context *c, const ProvisionRun *run, int wrapper_fd, const char *wrapper, const char *target);
/* --dry-run: the second step's command line, for a raw disk image. */
void pull_raw_dry_run(const Entry *e, const char *target);

/* caps.c */
int caps_check(void);
int caps_drop_effective(void);
int caps_drop_all_but_kept(void);
/* umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) with cap_sys_admin raised for that call only (it stays
 * in the permitted set until caps_drop_all_but_kept()). */
int caps_umount_detach(const char *path);
