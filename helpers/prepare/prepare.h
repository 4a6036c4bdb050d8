/* What the steps of berth-prepare share: the entry being prepared and where things are. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

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

/* provision.c */
/* Removes .#NAME.berth-* leftovers of an earlier, killed run (under the lock). */
int provision_remove_stale(const Context *c);
/* Fills a fresh sibling of c->directory with the entry's Provision= and renames it into place. */
int provision_run(const Context *c);
/* The command line the provisioner would run for target (for --dry-run and the log). */
int provision_argv(const Entry *e, const char *target, char ***ret);

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

/* caps.c */
int caps_check(void);
int caps_drop_effective(void);
int caps_drop_all_but_kept(void);
/* umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) with cap_sys_admin raised for that call only (it stays
 * in the permitted set until caps_drop_all_but_kept()). */
int caps_umount_detach(const char *path);
