/* libmount, loaded with dlopen() on first use, and what berth-prepare asks of it: fstab and mountinfo. */
#pragma once

#include <libmount.h>
#include <stdbool.h>

#include "macro.h"

#define LIBMOUNT_SONAME "libmount.so.1"

/* The functions of libmount used, resolved by dlopen_libmount(); typed by libmount's own header. */
extern typeof(mnt_new_table) *sym_mnt_new_table;
extern typeof(mnt_unref_table) *sym_mnt_unref_table;
extern typeof(mnt_table_parse_fstab) *sym_mnt_table_parse_fstab;
extern typeof(mnt_table_parse_file) *sym_mnt_table_parse_file;
extern typeof(mnt_new_iter) *sym_mnt_new_iter;
extern typeof(mnt_free_iter) *sym_mnt_free_iter;
extern typeof(mnt_table_next_fs) *sym_mnt_table_next_fs;
extern typeof(mnt_table_find_target) *sym_mnt_table_find_target;
extern typeof(mnt_table_find_mountpoint) *sym_mnt_table_find_mountpoint;
extern typeof(mnt_fs_get_target) *sym_mnt_fs_get_target;
extern typeof(mnt_fs_streq_target) *sym_mnt_fs_streq_target;
extern typeof(mnt_fs_get_source) *sym_mnt_fs_get_source;
extern typeof(mnt_fs_get_fstype) *sym_mnt_fs_get_fstype;
extern typeof(mnt_fs_get_vfs_options) *sym_mnt_fs_get_vfs_options;
extern typeof(mnt_fs_is_swaparea) *sym_mnt_fs_is_swaparea;
extern typeof(mnt_optstr_get_option) *sym_mnt_optstr_get_option;

/* Loads libmount and resolves the sym_mnt_* pointers, once per process (the library stays loaded).
 * 0, or -ELIBACC with an error logged (only the first time) that names the library and its package. */
int dlopen_libmount(void);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_table *, sym_mnt_unref_table);
#define _cleanup_mnt_table_ _cleanup_(sym_mnt_unref_tablep)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_iter *, sym_mnt_free_iter);
#define _cleanup_mnt_iter_ _cleanup_(sym_mnt_free_iterp)

/* The last line of the fstab(5) file at path whose mount point is target (trailing slashes aside),
 * swap lines left out, as mount(8) would pick it: 1 with its source and type (either may be NULL), 0
 * when no line names it, -errno when the file cannot be read. Malformed lines are skipped, as by
 * mount(8). */
int fstab_find_mount_point(const char *path, const char *target, char **ret_source, char **ret_fstype);

/* Whether the mountinfo file (proc(5), "/proc/self/mountinfo") lists path, an absolute canonical path,
 * as a mount point: 1 or 0, -errno when it cannot be read. */
int mountinfo_is_mount_point(const char *mountinfo, const char *path);

/* The mount that holds path (absolute, canonical, existing) in the mountinfo file: the one whose mount
 * point is the longest prefix of path, the last listed of those (the one on top); its mount point
 * and whether its per-mount options say ro / noexec. -ENOENT when none. */
int mountinfo_find(
        const char *mountinfo, const char *path, char **ret_target, bool *ret_read_only, bool *ret_noexec);
