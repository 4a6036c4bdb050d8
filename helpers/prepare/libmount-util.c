/* libmount for berth-prepare, loaded with dlopen() the first time a check needs it.
 *
 * Why not linked: libmount.so.1 brings libblkid, libselinux and libpcre2-8 with it, and loading those
 * (relocations, libselinux's constructor) cost more than all of berth-prepare's work on a provisioned
 * container, which does not need libmount at all (mounts.c asks statvfs() first). Loaded only when
 * fstab or the mount table must really be read, the way systemd now loads it (its libmount-util.c).
 * The dependency is declared in an ELF note (.note.dlopen, below) so that packaging tools
 * see it, and debian/control names libmount1 as well. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlopen-util.h"
#include "libmount-util.h"
#include "log.h"

#define LIBMOUNT_NOTE_JSON                                                                                                                                                                \
        "[{\"feature\":\"mount\",\"description\":\"Reading /etc/fstab and the mount table of the container's root file system\",\"priority\":\"required\",\"soname\":[\"" LIBMOUNT_SONAME \
        "\"]}]"
DLOPEN_NOTE(libmount_dlopen_note, LIBMOUNT_NOTE_JSON);

typeof(mnt_new_table) *sym_mnt_new_table;
typeof(mnt_unref_table) *sym_mnt_unref_table;
typeof(mnt_table_parse_fstab) *sym_mnt_table_parse_fstab;
typeof(mnt_table_parse_file) *sym_mnt_table_parse_file;
typeof(mnt_new_iter) *sym_mnt_new_iter;
typeof(mnt_free_iter) *sym_mnt_free_iter;
typeof(mnt_table_next_fs) *sym_mnt_table_next_fs;
typeof(mnt_table_find_target) *sym_mnt_table_find_target;
typeof(mnt_table_find_mountpoint) *sym_mnt_table_find_mountpoint;
typeof(mnt_fs_get_target) *sym_mnt_fs_get_target;
typeof(mnt_fs_streq_target) *sym_mnt_fs_streq_target;
typeof(mnt_fs_get_source) *sym_mnt_fs_get_source;
typeof(mnt_fs_get_fstype) *sym_mnt_fs_get_fstype;
typeof(mnt_fs_get_vfs_options) *sym_mnt_fs_get_vfs_options;
typeof(mnt_fs_is_swaparea) *sym_mnt_fs_is_swaparea;
typeof(mnt_optstr_get_option) *sym_mnt_optstr_get_option;

int dlopen_libmount(void)
{
        static int cached = 1; /* 1: not tried yet */
        const DlopenSymbol symbols[] = {
                { "mnt_new_table", (void **) &sym_mnt_new_table },
                { "mnt_unref_table", (void **) &sym_mnt_unref_table },
                { "mnt_table_parse_fstab", (void **) &sym_mnt_table_parse_fstab },
                { "mnt_table_parse_file", (void **) &sym_mnt_table_parse_file },
                { "mnt_new_iter", (void **) &sym_mnt_new_iter },
                { "mnt_free_iter", (void **) &sym_mnt_free_iter },
                { "mnt_table_next_fs", (void **) &sym_mnt_table_next_fs },
                { "mnt_table_find_target", (void **) &sym_mnt_table_find_target },
                { "mnt_table_find_mountpoint", (void **) &sym_mnt_table_find_mountpoint },
                { "mnt_fs_get_target", (void **) &sym_mnt_fs_get_target },
                { "mnt_fs_streq_target", (void **) &sym_mnt_fs_streq_target },
                { "mnt_fs_get_source", (void **) &sym_mnt_fs_get_source },
                { "mnt_fs_get_fstype", (void **) &sym_mnt_fs_get_fstype },
                { "mnt_fs_get_vfs_options", (void **) &sym_mnt_fs_get_vfs_options },
                { "mnt_fs_is_swaparea", (void **) &sym_mnt_fs_is_swaparea },
                { "mnt_optstr_get_option", (void **) &sym_mnt_optstr_get_option },
        };

        if (cached <= 0)
                return cached;
        return (cached = dlopen_symbols(LIBMOUNT_SONAME, symbols, ELEMENTSOF(symbols), LOG_ERR,
                        ", which berth-prepare needs to read /etc/fstab and the mount table. Install the libmount1 package.",
                        ", which berth-prepare needs to read /etc/fstab and the mount table. Reinstall the libmount1 package."));
}

/* A new table holding the file at path, parsed as fstab(5) or, with !fstab, in the format its lines
 * have (mountinfo). Lines libmount cannot parse are skipped (its default without an error callback). */
static int table_load(const char *path, bool fstab, struct libmnt_table **ret)
{
        int r = dlopen_libmount();
        if (r < 0)
                return r;

        _cleanup_mnt_table_ struct libmnt_table *t = sym_mnt_new_table();
        if (!t)
                return -ENOMEM;
        r = fstab ? sym_mnt_table_parse_fstab(t, path) : sym_mnt_table_parse_file(t, path);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

static int strdup_or_null(const char *s, char **ret)
{
        *ret = NULL;
        if (s && !(*ret = strdup(s)))
                return -ENOMEM;
        return 0;
}

int fstab_find_mount_point(const char *path, const char *target, char **ret_source, char **ret_fstype)
{
        _cleanup_mnt_table_ struct libmnt_table *t = NULL;
        int r = table_load(path, true, &t);
        if (r < 0)
                return r;

        _cleanup_mnt_iter_ struct libmnt_iter *iter = sym_mnt_new_iter(MNT_ITER_BACKWARD);
        if (!iter)
                return -ENOMEM;
        struct libmnt_fs *fs, *found = NULL;
        while (!found && sym_mnt_table_next_fs(t, iter, &fs) == 0)
                if (!sym_mnt_fs_is_swaparea(fs) && sym_mnt_fs_streq_target(fs, target))
                        found = fs;
        if (!found)
                return 0;

        const char *source = sym_mnt_fs_get_source(found), *fstype = sym_mnt_fs_get_fstype(found);
        char *s = source ? strdup(source) : NULL, *f = fstype ? strdup(fstype) : NULL;
        if ((source && !s) || (fstype && !f)) {
                free(s);
                free(f);
                return -ENOMEM;
        }
        *ret_source = s;
        *ret_fstype = f;
        return 1;
}

int mountinfo_is_mount_point(const char *mountinfo, const char *path)
{
        _cleanup_mnt_table_ struct libmnt_table *t = NULL;
        int r = table_load(mountinfo, false, &t);
        if (r < 0)
                return r;
        /* The table has no path cache: targets are compared as written, trailing slashes aside. */
        return sym_mnt_table_find_target(t, path, MNT_ITER_BACKWARD) != NULL;
}

int mountinfo_find(
        const char *mountinfo, const char *path, char **ret_target, bool *ret_read_only, bool *ret_noexec)
{
        _cleanup_mnt_table_ struct libmnt_table *t = NULL;
        int r = table_load(mountinfo, false, &t);
        if (r < 0)
                return r;

        /* From path up to "/", the first mount point listed; of several on one path, the last listed. */
        struct libmnt_fs *fs = sym_mnt_table_find_mountpoint(t, path, MNT_ITER_BACKWARD);
        if (!fs)
                return -ENOENT;

        const char *options = sym_mnt_fs_get_vfs_options(fs);
        *ret_read_only = options && sym_mnt_optstr_get_option(options, "ro", NULL, NULL) == 0;
        *ret_noexec = options && sym_mnt_optstr_get_option(options, "noexec", NULL, NULL) == 0;
        return ret_target ? strdup_or_null(sym_mnt_fs_get_target(fs), ret_target) : 0;
}
