/* What the mount table and /etc/fstab say about the container's root fs (libmount, see libmount-util.c). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "libmount-util.h"
#include "log.h"
#include "macro.h"
#include "prepare.h"

#define MOUNTINFO "/proc/self/mountinfo"

int mounts_is_mount_point(const char *path)
{
        char resolved[PATH_MAX];
        const char *p = realpath(path, resolved) ? resolved : path;

        int r = mountinfo_is_mount_point(MOUNTINFO, p);
        if (r == -ELIBACC)
                return r; /* logged */
        return r > 0;
}

int mounts_check_fstab(const Context *c, bool *ret_listed)
{
        *ret_listed = false;
        if (access(c->fstab_path, F_OK) < 0)
                return 0; /* no fstab: nothing is promised */

        _cleanup_free_ char *source = NULL, *fstype = NULL;
        int r = fstab_find_mount_point(c->fstab_path, c->entry->directory, &source, &fstype);
        if (r == -ELIBACC)
                return r; /* logged */
        if (r < 0) {
                log_warning("Failed to parse %s, not checking whether %s should be a mount point.",
                        c->fstab_path, c->entry->directory);
                return 0;
        }
        if (r == 0)
                return 0;

        *ret_listed = true;
        r = mounts_is_mount_point(c->directory);
        if (r != 0)
                return r < 0 ? r : 0;
        return log_error_errno(ENXIO,
                "%s is missing or empty, and %s says it is the mount point of %s (%s), which is not mounted. Mount it ('mount %s') or fix %s; berth does not provision into an unmounted mount point.",
                c->directory, c->fstab_path, strempty(source), strempty(fstype), c->entry->directory,
                c->fstab_path);
}

int mounts_find(const char *path, char **ret_target, bool *ret_read_only, bool *ret_noexec)
{
        char resolved[PATH_MAX];
        if (!realpath(path, resolved))
                return -errno;

        /* statvfs()'s flags are the mount's own and its file system's: when neither says read-only or
         * noexec, the per-mount options in the mount table cannot either, and libmount is not loaded
         * (nor the table read) on an ordinary start. */
        struct statvfs st;
        if (statvfs(resolved, &st) >= 0 && !(st.f_flag & (ST_RDONLY | ST_NOEXEC))) {
                *ret_read_only = *ret_noexec = false;
                if (ret_target)
                        *ret_target = NULL;
                return 0;
        }
        return mountinfo_find(MOUNTINFO, resolved, ret_target, ret_read_only, ret_noexec);
}
