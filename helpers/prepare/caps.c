/* berth-prepare's capabilities: checked at start, narrowed before the container root is touched.
 * The model is described at the top of berth-prepare.c. */
#include <errno.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>

#include "log.h"
#include "macro.h"
#include "prepare.h"

/* What berth-prepare itself needs once the root fs exists:
 *   CAP_CHOWN           give a replaced /etc/shadow the owner of the file it replaces (a uid of a
 *                       shifted range under PrivateUsers=);
 *   CAP_DAC_OVERRIDE    write into the container's /etc when it belongs to such a shifted uid;
 *   CAP_DAC_READ_SEARCH read and walk the container's files whatever their modes;
 *   CAP_FOWNER          fchmod() and rename over files owned by that shifted uid, and remove
 *                       left-over trees with sticky directories. */
static const cap_value_t kept[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER };

static void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}
#define _cleanup_cap_free_ _cleanup_(cap_freep)

static const char *cap_name(cap_value_t v)
{
        switch (v) {
        case CAP_CHOWN:
                return "cap_chown";
        case CAP_DAC_OVERRIDE:
                return "cap_dac_override";
        case CAP_DAC_READ_SEARCH:
                return "cap_dac_read_search";
        case CAP_FOWNER:
                return "cap_fowner";
        case CAP_SETPCAP:
                return "cap_setpcap";
        default:
                return "?";
        }
}

static bool has(cap_t c, cap_value_t v, cap_flag_t set)
{
        cap_flag_value_t f = CAP_CLEAR;
        return cap_get_flag(c, v, set, &f) == 0 && f == CAP_SET;
}

int caps_check(void)
{
        _cleanup_cap_free_ cap_t c = cap_get_proc();
        if (!c)
                return log_error_errno(errno, "Failed to read our capabilities: %m");

        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                if (!has(c, kept[i], CAP_EFFECTIVE) || !has(c, kept[i], CAP_PERMITTED))
                        return log_error_errno(EPERM,
                                "berth-prepare needs capability %s, which it does not have: run it as root from systemd-nspawn@.service without a CapabilityBoundingSet= that removes it.",
                                cap_name(kept[i]));
        /* Needed to narrow the bounding set later. */
        if (!has(c, CAP_SETPCAP, CAP_EFFECTIVE) || !has(c, CAP_SETPCAP, CAP_PERMITTED))
                return log_error_errno(EPERM,
                        "berth-prepare needs capability cap_setpcap (to drop the capabilities it does not need), which it does not have.");
        return 0;
}

static int set_proc(const cap_value_t *values, size_t n, bool permitted_too)
{
        _cleanup_cap_free_ cap_t c = cap_get_proc();
        if (!c)
                return -errno;
        if (cap_clear_flag(c, CAP_EFFECTIVE) < 0 || cap_clear_flag(c, CAP_INHERITABLE) < 0)
                return -errno;
        if (permitted_too && cap_clear_flag(c, CAP_PERMITTED) < 0)
                return -errno;
        if (cap_set_flag(c, CAP_EFFECTIVE, (int) n, values, CAP_SET) < 0)
                return -errno;
        if (permitted_too && cap_set_flag(c, CAP_PERMITTED, (int) n, values, CAP_SET) < 0)
                return -errno;
        if (cap_set_proc(c) < 0)
                return -errno;
        return 0;
}

/* Check what we asked for is what we got: every privilege change is verified. */
static int verify(const cap_value_t *values, size_t n, bool permitted_too)
{
        _cleanup_cap_free_ cap_t c = cap_get_proc();
        if (!c)
                return -errno;
        for (cap_value_t v = 0; v < (cap_value_t) cap_max_bits(); v++) {
                bool want = false;
                for (size_t i = 0; i < n; i++)
                        want = want || values[i] == v;
                if (has(c, v, CAP_EFFECTIVE) != want)
                        return -EPERM;
                if (permitted_too && has(c, v, CAP_PERMITTED) != want)
                        return -EPERM;
        }
        return 0;
}

int caps_drop_effective(void)
{
        /* The permitted set stays: provisioners exec'ed as root get the full set back (within
         * the bounding set), which debootstrap and dnf need (chroot, mknod, mount, setuid). */
        cap_value_t v[ELEMENTSOF(kept) + 1];
        memcpy(v, kept, sizeof kept);
        v[ELEMENTSOF(kept)] = CAP_SETPCAP;

        int r = set_proc(v, ELEMENTSOF(v), false);
        if (r >= 0)
                r = verify(v, ELEMENTSOF(v), false);
        if (r < 0)
                return log_error_errno(r, "Failed to narrow the effective capabilities: %m");
        return 0;
}

int caps_drop_all_but_kept(void)
{
        int r;

        for (cap_value_t v = 0; v < (cap_value_t) cap_max_bits(); v++) {
                bool keep = false;
                for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                        keep = keep || kept[i] == v;
                if (keep || CAP_IS_SUPPORTED(v) == 0)
                        continue;
                if (cap_drop_bound(v) < 0 && errno != EINVAL)
                        return log_error_errno(
                                errno, "Failed to drop capability %d from the bounding set: %m", v);
                if (cap_get_bound(v) > 0)
                        return log_error_errno(
                                EPERM, "Capability %d is still in the bounding set after dropping it.", v);
        }
        if (cap_reset_ambient() < 0 && errno != EINVAL)
                return log_error_errno(errno, "Failed to clear the ambient capabilities: %m");

        r = set_proc(kept, ELEMENTSOF(kept), true);
        if (r >= 0)
                r = verify(kept, ELEMENTSOF(kept), true);
        if (r < 0)
                return log_error_errno(r, "Failed to drop capabilities: %m");
        /* Nothing is exec'ed from here on; make sure nothing could gain privileges again. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to set no_new_privs: %m");
        log_debug("Capabilities narrowed to cap_chown, cap_dac_override, cap_dac_read_search, cap_fowner.");
        return 0;
}

int caps_umount_detach(const char *path)
{
        _cleanup_cap_free_ cap_t c = cap_get_proc();
        cap_value_t v = CAP_SYS_ADMIN;
        int r;

        if (!c)
                return -errno;
        if (!has(c, CAP_SYS_ADMIN, CAP_PERMITTED))
                return -EPERM;
        /* Raised for this one call only, and checked to be gone again after it. */
        if (cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0 || cap_set_proc(c) < 0)
                return -errno;
        r = umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 ? -errno : 0;
        if (cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) < 0 || cap_set_proc(c) < 0)
                return log_error_errno(errno, "Failed to drop cap_sys_admin again: %m");
        _cleanup_cap_free_ cap_t after = cap_get_proc();
        if (!after || has(after, CAP_SYS_ADMIN, CAP_EFFECTIVE))
                return log_error_errno(EPERM, "cap_sys_admin is still effective after the unmount.");
        return r;
}
