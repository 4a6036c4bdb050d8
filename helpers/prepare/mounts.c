/* What the mount table and /etc/fstab say about the container's root fs (libmount). */
#include <errno.h>
#include <libmount.h>
#include <limits.h>
#include <stdlib.h>

#include "log.h"
#include "macro.h"
#include "prepare.h"

static void mnt_unref_tablep(struct libmnt_table **t)
{
        if (*t)
                mnt_unref_table(*t);
}
#define _cleanup_mnt_table_ _cleanup_(mnt_unref_tablep)

static void mnt_free_iterp(struct libmnt_iter **i)
{
        if (*i)
                mnt_free_iter(*i);
}

static struct libmnt_table *mountinfo_table(void)
{
        return mnt_new_table_from_file("/proc/self/mountinfo");
}

static bool same_path(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        while (la > 1 && a[la - 1] == '/')
                la--;
        while (lb > 1 && b[lb - 1] == '/')
                lb--;
        return la == lb && memcmp(a, b, la) == 0;
}

bool mounts_is_mount_point(const char *path)
{
        _cleanup_mnt_table_ struct libmnt_table *t = mountinfo_table();
        if (!t)
                return false;

        char resolved[PATH_MAX];
        const char *p = realpath(path, resolved) ? resolved : path;

        _cleanup_(mnt_free_iterp) struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
        struct libmnt_fs *fs;
        if (!it)
                return false;
        while (mnt_table_next_fs(t, it, &fs) == 0) {
                const char *target = mnt_fs_get_target(fs);
                if (target && same_path(target, p))
                        return true;
        }
        return false;
}

int mounts_check_fstab(const Context *c, bool *ret_listed)
{
        *ret_listed = false;
        if (access(c->fstab_path, F_OK) < 0)
                return 0; /* no fstab: nothing is promised */

        _cleanup_mnt_table_ struct libmnt_table *t = mnt_new_table_from_file(c->fstab_path);
        if (!t) {
                log_warning("Failed to parse %s, not checking whether %s should be a mount point.",
                        c->fstab_path, c->entry->directory);
                return 0;
        }

        _cleanup_(mnt_free_iterp) struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
        struct libmnt_fs *fs;
        if (!it)
                return log_error_errno(ENOMEM, "Out of memory.");
        while (mnt_table_next_fs(t, it, &fs) == 0) {
                const char *target = mnt_fs_get_target(fs);
                if (!target || mnt_fs_is_swaparea(fs) || !same_path(target, c->entry->directory))
                        continue;

                *ret_listed = true;
                if (mounts_is_mount_point(c->directory))
                        return 0;
                return log_error_errno(ENXIO,
                        "%s is missing or empty, and %s says it is the mount point of %s (%s), which is "
                        "not mounted. Mount it ('mount %s') or fix %s; berth does not provision into an "
                        "unmounted mount point.",
                        c->directory, c->fstab_path, strempty(mnt_fs_get_source(fs)),
                        strempty(mnt_fs_get_fstype(fs)), c->entry->directory, c->fstab_path);
        }
        return 0;
}

int mounts_find(const char *path, char **ret_target, bool *ret_read_only, bool *ret_noexec)
{
        char resolved[PATH_MAX];
        if (!realpath(path, resolved))
                return -errno;

        _cleanup_mnt_table_ struct libmnt_table *t = mountinfo_table();
        if (!t)
                return -errno ? -errno : -EIO;

        struct libmnt_fs *fs = mnt_table_find_mountpoint(t, resolved, MNT_ITER_BACKWARD);
        if (!fs)
                return -ENOENT;

        const char *opts = mnt_fs_get_vfs_options(fs);
        *ret_read_only = opts && mnt_optstr_get_option(opts, "ro", NULL, NULL) == 0;
        *ret_noexec = opts && mnt_optstr_get_option(opts, "noexec", NULL, NULL) == 0;
        if (ret_target) {
                *ret_target = strdup(strempty(mnt_fs_get_target(fs)));
                if (!*ret_target)
                        return -ENOMEM;
        }
        return 0;
}
