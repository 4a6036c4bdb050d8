/* What the mount table and /etc/fstab say about the container's root fs (mount-table.c reads them). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "mount-table.h"
#include "prepare.h"

static int table_load(const char *path, bool mountinfo, MountTable *ret)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        return mountinfo ? mount_table_parse_mountinfo(f, ret) : mount_table_parse_fstab(f, ret);
}

bool mounts_is_mount_point(const char *path)
{
        _cleanup_(mount_table_done) MountTable t = {};
        if (table_load("/proc/self/mountinfo", true, &t) < 0)
                return false;

        char resolved[PATH_MAX];
        const char *p = realpath(path, resolved) ? resolved : path;

        for (size_t i = 0; i < t.n; i++)
                if (mount_path_equal(t.entries[i].target, p))
                        return true;
        return false;
}

int mounts_check_fstab(const Context *c, bool *ret_listed)
{
        *ret_listed = false;
        if (access(c->fstab_path, F_OK) < 0)
                return 0; /* no fstab: nothing is promised */

        _cleanup_(mount_table_done) MountTable t = {};
        if (table_load(c->fstab_path, false, &t) < 0) {
                log_warning("Failed to parse %s, not checking whether %s should be a mount point.",
                        c->fstab_path, c->entry->directory);
                return 0;
        }

        /* From the end: when several lines name the directory, mount(8) would use the last one. */
        for (size_t i = t.n; i > 0; i--) {
                const MountEntry *e = &t.entries[i - 1];
                if (streq(e->fstype, "swap") || !mount_path_equal(e->target, c->entry->directory))
                        continue;

                *ret_listed = true;
                if (mounts_is_mount_point(c->directory))
                        return 0;
                return log_error_errno(ENXIO,
                        "%s is missing or empty, and %s says it is the mount point of %s (%s), which is "
                        "not mounted. Mount it ('mount %s') or fix %s; berth does not provision into an "
                        "unmounted mount point.",
                        c->directory, c->fstab_path, e->source, e->fstype, c->entry->directory,
                        c->fstab_path);
        }
        return 0;
}

int mounts_find(const char *path, char **ret_target, bool *ret_read_only, bool *ret_noexec)
{
        char resolved[PATH_MAX];
        if (!realpath(path, resolved))
                return -errno;

        _cleanup_(mount_table_done) MountTable t = {};
        int r = table_load("/proc/self/mountinfo", true, &t);
        if (r < 0)
                return r;

        const MountEntry *e = mount_table_find_mountpoint(&t, resolved);
        if (!e)
                return -ENOENT;

        *ret_read_only = mount_options_has(e->options, "ro");
        *ret_noexec = mount_options_has(e->options, "noexec");
        if (ret_target) {
                *ret_target = strdup(e->target);
                if (!*ret_target)
                        return -ENOMEM;
        }
        return 0;
}
