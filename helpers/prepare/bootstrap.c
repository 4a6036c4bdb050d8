/* Provision=debootstrap SUITE [MIRROR]: the command line of the Debian bootstrapper: mmdebstrap
 * where it is installed (with its merged-/usr hook, on a host whose apt is set up), else
 * debootstrap. Both install the same package set: debootstrap's default (Priority required and
 * important) plus systemd and dbus, and their dependencies. mmdebstrap, resolving with apt and
 * without an fsync per file, is about three times faster (figures in containers.d(5)).
 *
 * mmdebstrap's options, each to make what debootstrap makes:
 *   --mode=root                  as root, chrooting into the target (not a user namespace)
 *   --format=directory           a directory tree, whatever the target's name looks like
 *   --variant=debootstrap        debootstrap's default package set
 *   --include=systemd,dbus       what debootstrap gets
 *   --hook-dir=…/merged-usr      a merged /usr made the way debootstrap makes it, marked by the
 *                                usr-is-merged package: without it, apt satisfies
 *                                init-system-helpers' "usrmerge | usr-is-merged" with usrmerge,
 *                                which pulls in perl (8 packages, 171 instead of debootstrap's 163)
 *   --setup-hook, --customize-hook
 *                                dpkg's force-unsafe-io while the tree is made (no fsync per
 *                                unpacked file: the tree is thrown away if anything fails, and
 *                                berth-prepare syncs it before it takes its place), gone from the
 *                                finished tree (--dpkgopt would leave it in the container's
 *                                /etc/dpkg/dpkg.cfg.d for good)
 *   --                           mmdebstrap (Getopt::Long) takes options after the positional
 *                                arguments too, debootstrap does not: nothing in SUITE or MIRROR is
 *                                read as an option
 * MIRROR, when given, is the only mirror, as for debootstrap. Without one, each tool takes its own
 * default: deb.debian.org for debootstrap; for mmdebstrap also the suite's -updates and -security
 * for a Debian (or Ubuntu) stable release, so the same packages come in their newest versions. */
#include <errno.h>
#include <unistd.h>

#include "macro.h"
#include "prepare.h"
#include "strv.h"

#define MMDEBSTRAP_MERGED_USR_HOOK "/usr/share/mmdebstrap/hooks/merged-usr"
#define APT_TRUSTED_PARTS "/etc/apt/trusted.gpg.d"
/* mmdebstrap runs a hook with shell syntax under sh, the tree's path in $1. */
#define UNSAFE_IO_FILE "\"$1/etc/dpkg/dpkg.cfg.d/99berth-unsafe-io\""
#define UNSAFE_IO_ON "mkdir -p \"$1/etc/dpkg/dpkg.cfg.d\" && echo force-unsafe-io > " UNSAFE_IO_FILE
#define UNSAFE_IO_OFF "rm " UNSAFE_IO_FILE

static bool uses_mmdebstrap(const char *mmdebstrap)
{
        /* The hook directory ships with mmdebstrap; without it the package set would differ.
         * mmdebstrap checks the archive's signatures with the keys this host's apt trusts: when
         * the directory of those is missing (apt not set up here), it does not fall back to the
         * distribution's keyring and fails, where debootstrap uses the keyring its suite script
         * names. */
        return mmdebstrap && access(MMDEBSTRAP_MERGED_USR_HOOK, R_OK | X_OK) == 0 &&
               access(APT_TRUSTED_PARTS, X_OK) == 0;
}

int bootstrap_argv(char *const *args, size_t n, const char *target, const char *mmdebstrap, char ***ret)
{
        _cleanup_strv_free_ char **a = NULL;

        if (n < 1 || n > 2)
                return -EINVAL;
        if (uses_mmdebstrap(mmdebstrap)) {
                if (strv_extend(&a, "mmdebstrap") < 0 || strv_extend(&a, "--mode=root") < 0 ||
                        strv_extend(&a, "--format=directory") < 0 ||
                        strv_extend(&a, "--variant=debootstrap") < 0 ||
                        strv_extend(&a, "--include=systemd,dbus") < 0 ||
                        strv_extend(&a, "--hook-dir=" MMDEBSTRAP_MERGED_USR_HOOK) < 0 ||
                        strv_extend(&a, "--setup-hook=" UNSAFE_IO_ON) < 0 ||
                        strv_extend(&a, "--customize-hook=" UNSAFE_IO_OFF) < 0 || strv_extend(&a, "--") < 0)
                        return -ENOMEM;
        } else if (strv_extend(&a, "debootstrap") < 0 || strv_extend(&a, "--include=systemd,dbus") < 0)
                return -ENOMEM;
        if (strv_extend(&a, args[0]) < 0 || strv_extend(&a, target) < 0 ||
                (n == 2 && strv_extend(&a, args[1]) < 0))
                return -ENOMEM;
        *ret = TAKE_PTR(a);
        return 0;
}
