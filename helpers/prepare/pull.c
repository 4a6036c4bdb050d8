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
 * Raw disk images (systemd-pull raw) are refused by the loader: berth's images are directory
 * trees that it clones, checks and edits (identity, network) before a container uses them, and a
 * tree comes out of a disk image only by attaching it to a loop device and mounting its file
 * systems. Tried here as a second step, "systemd-dissect --copy-from IMAGE.raw / TREE" (systemd
 * 252): it works where there are loop devices, but a host without them (the nspawn test hosts,
 * many containers and virtual machines) cannot do it, it puts the image's file system in front of
 * the host's kernel, and its copy is not faithful: an ext4 image's file capabilities
 * (security.capability, e.g. ping's cap_net_raw) and ACLs were gone in the copy, only user.*
 * xattrs kept (copy_directory_fd() without COPY_ALL_XATTRS). A tar archive carries all of that
 * and needs none of it; publishers of raw images can publish a tar beside them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "prepare.h"
#include "strv.h"

/* Where systemd-container installs it: /usr/lib/systemd (Debian 13, and Debian 12 with its merged
 * /usr), /lib/systemd (Debian 12's package name for it). */
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

        const char *const words[] = { pull_program(), "tar", "--direct", verify, root, "--",
                e->provision_args[0], name };
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
