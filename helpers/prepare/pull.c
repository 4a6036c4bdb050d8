/* Provision=pull URL VERIFY: the command line that downloads, verifies and unpacks a tar image with
 * systemd-pull, the program that systemd-importd runs for "machinectl pull-tar".
 *
 * Why systemd-pull itself, not importd's D-Bus API (org.freedesktop.import1 PullTar): importd is
 * only a queue in front of systemd-pull. For every transfer it forks the same systemd-pull binary
 * with "--verify=MODE URL NAME", and the download, the SHA256SUMS and gpg checks (against the same
 * /etc/systemd/import-pubring.gpg, else /usr/lib/systemd/import-pubring.gpg) and the unpacking all
 * happen in it. What importd adds does not fit a berth image: it always writes under
 * /var/lib/machines/NAME (a machine image that "machinectl list-images" shows and anyone could
 * start, and whose name may collide with an admin's), not into berth's temporary image directory;
 * berth-prepare would have to wait on D-Bus signals for the transfer's end and its progress, cancel
 * it at the start timeout, and depend on dbus and importd being up while machines.target starts
 * at boot; and under --root (the tests) it would still write to the real /var/lib/machines.
 * Running systemd-pull directly keeps one provisioner process (killed with its process group like
 * every other provisioner), writes only into the directory berth gives it, and verifies exactly as
 * machinectl does.
 *
 * The options, all in systemd 252 (Debian 12) and 257 (Debian 13):
 *   --direct            unpack straight into the target (an existing empty directory is fine:
 *                       systemd-pull then only fills it), with no second copy: without it,
 *                       systemd-pull unpacks into IMAGE-ROOT/.tar-URL (kept as a download cache)
 *                       and then copies the whole tree to NAME, which costs the image's size twice
 *                       on file systems without reflinks (measured here, ext4, a 206 MB Debian
 *                       tar from 127.0.0.1: 1.2-1.4 s and 202 MB with --direct, 2.2-2.4 s and
 *                       404 MB without), and it marks that cache immutable (chattr +i), so that
 *                       removing the temporary directory on failure or after success fails with
 *                       EPERM. --direct also turns off the download of an IMAGE.nspawn
 *                       settings file beside the image (berth writes the container's settings
 *                       itself; an image must not bring its own).
 *   --verify=MODE       signature or checksum; the loader never lets "no" through. The archive is
 *                       unpacked while it downloads and checked when it is complete (as in
 *                       machinectl); on a mismatch systemd-pull fails, and berth removes the
 *                       whole temporary image directory, so nothing unverified is kept or used.
 *   --image-root=DIR    the directory that holds the target; NAME is the target's last component.
 * Not given: --force (nothing to replace: the target is new), --keep-download (257 only).
 *
 * A raw disk image (systemd-pull raw: .raw, .img, .qcow2, .bin, also compressed) takes a second
 * step, because berth's images are directory trees that it clones, checks and edits (identity,
 * network) before a container uses them. systemd-pull downloads and verifies the image into the
 * temporary image directory as PULL_RAW_FILE, then
 *
 *   unshare --mount --propagation private -- sh -c 'systemd-dissect --mount --read-only -- "$1" "$2"
 *           && shift 2 && exec "$@"' berth-unpack-raw RAW MNT cp --archive ... -- MNT TREE
 *
 * mounts the image read-only (systemd-dissect: loop device, partition table per the Discoverable
 * Partitions Specification or a bare file system) in a mount namespace of its own, and copies its
 * tree out with the same cp as a clone: owners, modes, file capabilities, ACLs and all xattrs kept.
 * "systemd-dissect --copy-from IMAGE / TREE" was tried first (252): it dropped
 * security.capability (ping's cap_net_raw) and ACLs. When the step ends, however it ends (the
 * start timeout kills the process group too), the namespace goes with its last process, so the
 * mount never reaches the host's mount table, and the loop device is detached (systemd-dissect
 * sets it to clear itself on the last close). The download is removed with the rest of the
 * temporary directory; the image keeps only the tree.
 *
 * That step puts the image's file system in front of the host's kernel, so the loader accepts a
 * raw image only with VERIFY signature: a file system from a key the admin trusts, not only one
 * that matches a SHA256SUMS from the same server. It needs loop devices (the stock
 * systemd-nspawn@.service allows them, for --image=), which containers, such as the nspawn test
 * hosts, and some virtual machines do not have: there it fails with systemd-dissect's error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-tables.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "prepare.h"
#include "strv.h"

/* Where systemd-container installs it: /usr/lib/systemd (Debian 13, and Debian 12 with its merged
 * /usr), /lib/systemd (Debian 12's package name for it). */
/* A raw image's download, and the directory its file system is mounted on, beside the tree. */
#define PULL_RAW_FILE "download.raw"
#define PULL_RAW_MOUNT "mnt"

static const char *const pull_programs[] = { "/usr/lib/systemd/systemd-pull", "/lib/systemd/systemd-pull" };

const char *pull_program(void)
{
        for (size_t i = 0; i < ELEMENTSOF(pull_programs); i++)
                if (access(pull_programs[i], X_OK) == 0)
                        return pull_programs[i];
        /* Missing: the caller's program check names the package (PULL_PACKAGE). */
        return pull_programs[0];
}

int pull_argv(const Entry *e, const char *target, char ***ret)
{
        _cleanup_strv_free_ char **a = NULL;
        _cleanup_free_ char *dir = NULL, *verify = NULL, *root = NULL;
        const char *name;

        if (strv_length(e->provision_args) != 2)
                return -EINVAL;
        if (path_split(target, &dir, &name) < 0)
                return -ENOMEM;
        if (asprintf(&verify, "--verify=%s", e->provision_args[1]) < 0 ||
                asprintf(&root, "--image-root=%s", dir) < 0)
                return -ENOMEM;

        bool raw = pull_url_is_raw(e->provision_args[0]);
        const char *const words[] = { pull_program(), raw ? "raw" : "tar", "--direct", verify, root, "--",
                e->provision_args[0], raw ? PULL_RAW_FILE : name };
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strv_extend(&a, words[i]) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(a);
        return 0;
}

void pull_explain_failure(const Entry *e)
{
        const char *url = e->provision_args[0], *verify = e->provision_args[1];

        if (streq(verify, "signature"))
                log_error(
                        "Provision=pull %s: systemd-pull could not download or verify the image (see its messages above; berth never uses an image it could not verify). Check that the URL is reachable from this host, that SHA256SUMS beside it lists the image's SHA-256, and that SHA256SUMS.gpg is a signature by a key in /etc/systemd/import-pubring.gpg (the keyring of machinectl pull-tar; without that file, /usr/lib/systemd/import-pubring.gpg); or, where the server is trusted, set 'Provision=pull %s checksum' in %s.",
                        url, url, e->source);
        else
                log_error(
                        "Provision=pull %s: systemd-pull could not download or verify the image (see its messages above; berth never uses an image it could not verify). Check that the URL is reachable from this host and that SHA256SUMS beside it lists the image's current SHA-256 ('sha256sum IMAGE > SHA256SUMS' where the image is published), then start again.",
                        url);
}

/* The second step's command line (see the top of this file). */
static int raw_unpack_argv(const char *raw, const char *mnt, const char *target, char ***ret)
{
        _cleanup_strv_free_ char **a = NULL, **copy = NULL;
        const char *const words[] = { "unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "systemd-dissect --mount --read-only -- \"$1\" \"$2\" && shift 2 && exec \"$@\"",
                "berth-unpack-raw", raw, mnt };
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strv_extend(&a, words[i]) < 0)
                        return -ENOMEM;
        if (copy_argv(mnt, target, &copy) < 0)
                return -ENOMEM;
        STRV_FOREACH (w, copy)
                if (strv_extend(&a, *w) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(a);
        return 0;
}

static int raw_paths(const char *wrapper, char **ret_raw, char **ret_mnt)
{
        *ret_raw = path_join(wrapper, PULL_RAW_FILE);
        *ret_mnt = path_join(wrapper, PULL_RAW_MOUNT);
        return *ret_raw && *ret_mnt ? 0 : -ENOMEM;
}

void pull_raw_dry_run(const Entry *e, const char *target)
{
        _cleanup_free_ char *wrapper = NULL, *raw = NULL, *mnt = NULL, *cmdline = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        const char *name;

        if (path_split(target, &wrapper, &name) < 0 || raw_paths(wrapper, &raw, &mnt) < 0 ||
                raw_unpack_argv(raw, mnt, target, &argv) < 0 || !(cmdline = strv_join(argv, " "))) {
                log_oom();
                return;
        }
        log_info(
                "Would then copy the tree out of the raw disk image %s (read-only, in a mount namespace of its own) with: %s",
                e->provision_args[0], cmdline);
}

int pull_raw_unpack(
        const Context *c, const ProvisionRun *run, int wrapper_fd, const char *wrapper, const char *target)
{
        _cleanup_free_ char *raw = NULL, *mnt = NULL, *dissect = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        const char *url = c->entry->provision_args[0];

        if (raw_paths(wrapper, &raw, &mnt) < 0 || raw_unpack_argv(raw, mnt, target, &argv) < 0)
                return log_oom();
        if (find_program("systemd-dissect", &dissect) < 0)
                return log_event_errno(LOG_ERR, ENOENT, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provision=pull %s: a raw disk image needs systemd-dissect, which is not installed (PATH=%s). Install it ('apt install " PULL_PACKAGE
                        "'), or publish the image as a tar archive.",
                        url, PROVISION_PATH);
        if (mkdirat(wrapper_fd, PULL_RAW_MOUNT, 0700) < 0)
                return log_error_errno(errno, "Failed to create %s: %m", mnt);

        ProvisionRun unpack = { .what = run->what,
                .target = target,
                .watch_fd = wrapper_fd,
                .on_progress = run->on_progress,
                .userdata = run->userdata,
                .argv = argv };
        int r = provision_fill(c, &unpack);
        if (r < 0)
                log_event(LOG_ERR, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provision=pull %s: the image was downloaded and verified, but its tree could not be copied out of it (see above). systemd-dissect mounts a raw disk image with a loop device (/dev/loop-control) and the host kernel's driver for its file system; a host without loop devices (a container, some virtual machines) cannot use raw images: publish the image as a tar archive.",
                        url);
        return r;
}
