/* The image cache (the layout is in src/shared/image-cache.h): an entry's image is provisioned
 * once, under its lock, and every container of that image is a clone of it (provision.c).
 *
 * One provisioner per image: the first start of any container of the image takes
 * /run/berth/images/NAME.lock and provisions; every other start waits for that lock. A waiting
 * start extends its own start timeout only while the provisioner makes progress: the lock file
 * holds a counter that the provisioner raises at each progress report (the same reports that
 * extend its own timeout, provision.c), and the state of its attempt. A provisioner that hangs is
 * killed at its start timeout; its lock goes with it, and the waiters, which stopped extending,
 * time out too, or take the lock and find no image. When the attempt they waited for failed, they
 * fail with it rather than run the same failing provisioner one after the other; the next start
 * tries again.
 *
 * An image is provisioned into .#NAME.berth-XXXXXX/tree (a btrfs subvolume where the images
 * directory is on btrfs, so that clones are snapshots), checked as a container root, written to
 * disk, described in .#NAME.berth-XXXXXX/info, and renamed to NAME complete: a killed or failed
 * provisioning never leaves a half image under NAME. A refresh swaps a new image in
 * (renameat2(RENAME_EXCHANGE)) and removes the old one; containers made from it keep their
 * roots. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "image-cache.h"
#include "config-tables.h"
#include "log.h"
#include "macro.h"
#include "notify.h"
#include "path-util.h"
#include "prepare.h"
#include "rootfs.h"
#include "time-util.h"

#define LOCK_POLL_USEC (100 * USEC_PER_MSEC)
#define LOCK_STATE_SIZE 512

typedef enum AttemptState {
        ATTEMPT_BUSY = 'b',
        ATTEMPT_DONE = 'd',
        ATTEMPT_FAILED = 'f',
} AttemptState;

void image_done(Image *im)
{
        free(im->name);
        free(im->source);
        free(im->dir);
        free(im->path);
        free(im->tree);
        free(im->lock_path);
        if (im->dir_fd >= 0)
                close(im->dir_fd);
        if (im->lock_fd >= 0)
                close(im->lock_fd);
        *im = (Image){ .dir_fd = -1, .lock_fd = -1 };
}

int image_init(const Context *c, Image *ret)
{
        assert(c && ret && entry_uses_image(c->entry));
        *ret = (Image){ .dir_fd = -1, .lock_fd = -1 };
        if (image_name(c->entry, &ret->name) < 0 || image_source(c->entry, &ret->source) < 0 ||
                image_paths(c->root, ret->name, &ret->dir, &ret->lock_path) < 0 ||
                !(ret->path = path_join(ret->dir, ret->name)) ||
                !(ret->tree = path_join(ret->path, IMAGE_TREE))) {
                image_done(ret);
                return log_oom();
        }
        return 0;
}

/* The images directory, walked like a container root's parent: root-owned all the way, no
 * symlink. Made (0700) when create is set. -ENOENT (not logged) when missing. */
static int images_dir_open(const Context *c, Image *im, bool create)
{
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "the image cache %s (image %s)", im->dir, im->name) < 0)
                return log_oom();
        TrustedWalk w = {
                .root = c->root,
                .path = IMAGES_DIR,
                .create = create,
                .create_mode = 0700,
                .what = what,
                .link_fix =
                        ". Remove the link (berth makes the directory itself), or make it the real directory",
        };
        if (im->dir_fd >= 0)
                return 0;
        return trusted_dir_open(&w, &im->dir_fd);
}

static int lock_state_read(int fd, uint64_t *ret_counter, char *ret_state, char *holder, size_t size)
{
        char buf[LOCK_STATE_SIZE];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';

        /* "COUNTER STATE HOLDER", as lock_state_write() makes it. */
        char *end;
        errno = 0;
        unsigned long long counter = strtoull(buf, &end, 10);
        if (errno != 0 || end == buf || end[0] != ' ' || end[1] == '\0' || (end[2] != ' ' && end[2] != '\0'))
                return -ENODATA;
        *ret_counter = counter;
        *ret_state = end[1];
        snprintf(holder, size, "%s", end[2] == ' ' ? end + 3 : "");
        return 0;
}

static void lock_state_write(const Image *im, uint64_t counter, AttemptState state, const char *holder)
{
        char buf[LOCK_STATE_SIZE];
        int n = snprintf(
                buf, sizeof buf, "%020llu %c %s\n", (unsigned long long) counter, (char) state, holder);
        /* Same length every time (the holder does not change within an attempt): no truncate needed
         * between writes, and readers never see a mix of two lengths. */
        if (pwrite(im->lock_fd, buf, (size_t) n, 0) != n || ftruncate(im->lock_fd, n) < 0)
                log_debug_errno(errno, "Failed to write the state of image %s to %s, ignoring: %m", im->name,
                        im->lock_path);
}

void image_progress(void *userdata)
{
        Image *im = userdata;
        lock_state_write(im, ++im->counter, ATTEMPT_BUSY, im->holder);
}

/* Lets the next start that waits for the image's lock have it (the file stays open: image_done()
 * closes it). */
static void image_unlock(Image *im)
{
        if (im->lock_fd >= 0 && flock(im->lock_fd, LOCK_UN) < 0)
                log_debug_errno(errno, "Failed to unlock %s, ignoring: %m", im->lock_path);
}

/* Takes the image's lock; waits for another start that holds it, extending our own start timeout
 * while that one makes progress. *ret_waited: whether someone else held it. */
static int image_lock(const Context *c, Image *im, bool *ret_waited)
{
        _cleanup_free_ char *dir = NULL;
        const char *base;

        *ret_waited = false;
        if (path_split(im->lock_path, &dir, &base) < 0)
                return log_oom();
        int r = mkdir_p(dir, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);
        im->lock_fd = open(im->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (im->lock_fd < 0)
                return log_error_errno(errno, "Failed to open the lock %s: %m", im->lock_path);
        if (flock(im->lock_fd, LOCK_EX | LOCK_NB) >= 0)
                return 0;
        if (errno != EWOULDBLOCK)
                return log_error_errno(errno, "Failed to lock %s: %m", im->lock_path);

        uint64_t last = 0;
        char state = 0, holder[NAME_MAX + 1] = "";
        (void) lock_state_read(im->lock_fd, &last, &state, holder, sizeof holder);
        log_info(
                "Image %s is being provisioned by the start of %s; waiting for it, and extending the start timeout while it makes progress.",
                im->name, holder[0] ? holder : "another container");
        *ret_waited = true;

        usec_t interval = provision_progress_interval(), next = now_usec(CLOCK_MONOTONIC) + interval;
        for (;;) {
                struct timespec ts = { .tv_nsec = (long) (LOCK_POLL_USEC * 1000) };
                (void) nanosleep(&ts, NULL);
                if (flock(im->lock_fd, LOCK_EX | LOCK_NB) >= 0)
                        return 0;
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return log_error_errno(errno, "Failed to lock %s: %m", im->lock_path);
                if (now_usec(CLOCK_MONOTONIC) < next)
                        continue;
                uint64_t counter = last;
                (void) lock_state_read(im->lock_fd, &counter, &state, holder, sizeof holder);
                if (counter != last) {
                        char msg[64];
                        snprintf(msg, sizeof msg, "EXTEND_TIMEOUT_USEC=%llu",
                                (unsigned long long) interval * 3);
                        int q = notify_send(msg);
                        if (q < 0)
                                log_debug_errno(q, "Failed to send %s to $NOTIFY_SOCKET, ignoring: %m", msg);
                        log_info("Still waiting for image %s: its provisioning made progress.", im->name);
                } else
                        log_info(
                                "Still waiting for image %s: its provisioning made no progress since the last report.",
                                im->name);
                last = counter;
                next += interval;
        }
}

static int provision_dry_run_image(const Context *c, const Image *im)
{
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "image %s", im->name) < 0)
                return log_oom();
        return provision_dry_run(c, what, im->tree);
}

/* Opens NAME/tree in the images directory: 0 and the fd, -ENOENT (not logged) when missing. */
static int image_tree_open(const Image *im, int *ret_fd)
{
        _cleanup_close_ int fd =
                openat(im->dir_fd, im->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ENOENT
                                       : log_error_errno(errno, "Failed to open image %s: %m", im->path);
        int tfd = openat(fd, IMAGE_TREE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0)
                return log_error_errno(errno,
                        "Image %s is incomplete (%s: %m). Remove it with 'berth image remove %s'; the next start provisions it again.",
                        im->name, im->tree, im->name);
        *ret_fd = tfd;
        return 0;
}

/* The directory a provisioner fills: a btrfs subvolume when the images directory is on btrfs (a
 * clone is then a snapshot of it), else a plain directory. Not made for pull, whose provisioner
 * makes it. */
static int image_make_tree(const Context *c, int wrapper_fd)
{
        if (provision_makes_target(c->entry))
                return 0;
        struct statfs sfs;
        if (fstatfs(wrapper_fd, &sfs) >= 0 && sfs.f_type == BTRFS_SUPER_MAGIC) {
                struct btrfs_ioctl_vol_args args = {};
                snprintf(args.name, sizeof args.name, "%s", IMAGE_TREE);
                if (ioctl(wrapper_fd, BTRFS_IOC_SUBVOL_CREATE, &args) >= 0)
                        return fchmodat(wrapper_fd, IMAGE_TREE, 0755, 0) < 0 ? -errno : 0;
                log_debug_errno(
                        errno, "Failed to make a btrfs subvolume for the image, using a directory: %m");
        }
        return mkdirat(wrapper_fd, IMAGE_TREE, 0755) < 0 ? -errno : 0;
}

/* Removes everything in the wrapper but the tree (what a provisioner such as systemd-pull leaves
 * beside it). */
static int image_clean_wrapper(int wrapper_fd)
{
        _cleanup_closedir_ DIR *d = opendir_at(wrapper_fd);
        if (!d)
                return -errno;
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && !streq(de->d_name, IMAGE_TREE)) {
                        int r = rm_rf_at(wrapper_fd, de->d_name);
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* Provisions the image into a fresh .#NAME.berth-XXXXXX and renames (or, for a refresh, swaps) it
 * into place. Under the image's lock. */
static int image_provision(const Context *c, Image *im, bool replace)
{
        _cleanup_free_ char *tmp = NULL, *target = NULL, *info_text = NULL, *what = NULL;
        _cleanup_close_ int wfd = -1, tfd = -1;
        char prefix[NAME_MAX + 1];
        ProvisionRun run = { .on_progress = image_progress, .userdata = im };
        ImageInfo info = { .source = im->source };
        usec_t start;
        int r;

        snprintf(prefix, sizeof prefix, ".#%s.berth-", im->name);
        if (asprintf(&tmp, "%s/%sXXXXXX", im->dir, prefix) < 0)
                return log_oom();
        if (!mkdtemp(tmp))
                return log_event_errno(LOG_ERR, errno, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning image %s failed at step 'create a temporary directory' in %s: %m",
                        im->name, im->dir);
        const char *tmpname = strrchr(tmp, '/') + 1;
        if (!(target = path_join(tmp, IMAGE_TREE))) {
                r = log_oom();
                goto fail;
        }

        /* From here on, every failure removes the partial image. */
        wfd = openat(im->dir_fd, tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (wfd < 0) {
                r = log_error_errno(errno, "Failed to open %s: %m", tmp);
                goto fail;
        }
        r = image_make_tree(c, wfd);
        if (r < 0) {
                log_error_errno(r, "Failed to create %s: %m", target);
                goto fail;
        }

        snprintf(im->holder, sizeof im->holder, "%s", c->name);
        lock_state_write(im, im->counter, ATTEMPT_BUSY, im->holder);
        start = now_usec(CLOCK_MONOTONIC);
        if (asprintf(&what, "image %s", im->name) < 0) {
                r = log_oom();
                goto fail;
        }
        run.what = what;
        run.target = target;
        run.watch_fd = wfd;
        r = provision_fill(c, &run);
        if (r < 0)
                goto fail;
        if (c->entry->provision == PROVISION_PULL && pull_url_is_raw(c->entry->provision_args[0])) {
                r = pull_raw_unpack(c, &run, wfd, tmp, target);
                if (r < 0)
                        goto fail;
        }

        r = image_clean_wrapper(wfd);
        if (r < 0) {
                log_error_errno(r, "Failed to tidy %s: %m", tmp);
                goto fail;
        }
        tfd = openat(wfd, IMAGE_TREE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0) {
                r = log_event_errno(LOG_ERR, errno, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning image %s failed at step 'check the new tree': %s succeeded but left no directory %s: %m",
                        im->name, run.argv0, target);
                goto fail;
        }
        r = provision_check_tree(c, &run, tfd, target, true);
        if (r < 0)
                goto fail;

        /* On disk before it takes its place (provisioners leave their data in the page cache, and
         * mmdebstrap runs dpkg with force-unsafe-io): a power cut after the rename must not leave an
         * image of half-written files that every later container is cloned from. */
        if (syncfs(tfd) < 0) {
                r = log_event_errno(LOG_ERR, errno, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning image %s failed at step 'write the new tree to disk': %m", im->name);
                goto fail;
        }

        info.created = now_usec(CLOCK_REALTIME);
        (void) tree_usage_at(tfd, &info.bytes, &info.files);
        if (image_info_format(&info, &info_text) < 0) {
                r = log_oom();
                goto fail;
        }
        r = write_file_atomicat(wfd, IMAGE_INFO, info_text, strlen(info_text), 0644, WRITE_ATOMIC_FSYNC);
        if (r < 0) {
                log_error_errno(r, "Failed to write %s/%s: %m", tmp, IMAGE_INFO);
                goto fail;
        }

        if (replace && renameat2(im->dir_fd, tmpname, im->dir_fd, im->name, RENAME_EXCHANGE) >= 0) {
                /* The old image now has the temporary name: it goes, the new one stays. */
                (void) fsync(im->dir_fd);
                r = rm_rf_at(im->dir_fd, tmpname);
                if (r < 0)
                        log_warning_errno(
                                r, "Failed to remove the previous image %s: %m. Remove it by hand.", tmp);
        } else if (renameat2(im->dir_fd, tmpname, im->dir_fd, im->name, RENAME_NOREPLACE) < 0) {
                r = log_event_errno(LOG_ERR, errno, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning image %s failed at step 'rename into place': renaming %s to %s: %m",
                        im->name, tmp, im->path);
                goto fail;
        } else
                (void) fsync(im->dir_fd);

        char sz[32];
        format_bytes(info.bytes, sz, sizeof sz);
        log_event(LOG_INFO, BERTH_MESSAGE_PROVISION_DONE,
                "Provisioned image %s with %s: %s in %llu files, %llu s.", im->name, run.argv0, sz,
                (unsigned long long) info.files,
                (unsigned long long) ((now_usec(CLOCK_MONOTONIC) - start) / USEC_PER_SEC));
        lock_state_write(im, im->counter, ATTEMPT_DONE, im->holder);
        return 0;

fail : {
        lock_state_write(im, im->counter, ATTEMPT_FAILED, c->name);
        int k = rm_rf_at(im->dir_fd, tmpname);
        if (k < 0)
                log_error_errno(
                        k, "Failed to remove the partial image %s: %m. The next start removes it.", tmp);
}
        return r < 0 ? r : -EIO;
}

int image_get(const Context *c, Image *im, int *ret_tree_fd)
{
        bool waited;
        int r;

        assert(c && im && ret_tree_fd);
        r = images_dir_open(c, im, !c->dry_run);
        if (r == -ENOENT && c->dry_run) {
                log_info("Would provision image %s (%s) in %s, then clone it.", im->name, im->source,
                        im->dir);
                return provision_dry_run_image(c, im);
        }
        if (r < 0)
                return r;

        /* Present: no lock needed to clone it (an image is only ever replaced whole, by a rename). */
        r = image_tree_open(im, ret_tree_fd);
        if (r != -ENOENT || c->dry_run) {
                if (r == -ENOENT) {
                        log_info("Would provision image %s (%s) in %s, then clone it.", im->name, im->source,
                                im->dir);
                        return provision_dry_run_image(c, im);
                }
                return r;
        }

        r = image_lock(c, im, &waited);
        if (r < 0)
                return r;
        r = image_tree_open(im, ret_tree_fd);
        if (r != -ENOENT) {
                /* Made by the start we waited for. Cloning needs no lock (above), and holding it
                 * would make the other waiters clone one after the other. */
                image_unlock(im);
                return r;
        }

        uint64_t counter = 0;
        char state = 0, holder[NAME_MAX + 1] = "";
        if (waited && lock_state_read(im->lock_fd, &counter, &state, holder, sizeof holder) >= 0 &&
                state == ATTEMPT_FAILED)
                return log_event_errno(LOG_ERR, EIO, BERTH_MESSAGE_PROVISION_FAILED,
                        "Image %s was being provisioned by the start of %s, which failed (see 'journalctl -u systemd-nspawn@%s.service'). Not trying again in this start: fix the cause, then start the container again.",
                        im->name, holder, holder);
        im->counter = counter;

        r = provision_remove_stale_in(c, im->dir_fd, im->dir, im->name);
        if (r < 0)
                return r;
        r = image_provision(c, im, false);
        if (r < 0)
                return r;
        /* The waiters clone while we do. */
        image_unlock(im);
        return image_tree_open(im, ret_tree_fd);
}

int image_refresh(const Context *c)
{
        _cleanup_(image_done) Image im = { .dir_fd = -1, .lock_fd = -1 };
        bool waited;
        int r;

        if (!entry_uses_image(c->entry))
                return log_error_errno(EINVAL,
                        "%s makes its root with Provision=%s, which keeps no image: nothing to refresh.",
                        c->name, provision_kind_to_string(c->entry->provision));
        r = image_init(c, &im);
        if (r < 0)
                return r;
        r = images_dir_open(c, &im, !c->dry_run);
        if (r == -ENOENT && c->dry_run) {
                log_info("Would provision image %s (%s) in %s.", im.name, im.source, im.dir);
                return provision_dry_run_image(c, &im);
        }
        if (r < 0)
                return r;
        if (c->dry_run) {
                log_info(
                        "Would provision image %s (%s) anew and put it in place of the current one; containers made from it keep their roots.",
                        im.name, im.source);
                return provision_dry_run_image(c, &im);
        }
        r = image_lock(c, &im, &waited);
        if (r < 0)
                return r;
        r = provision_remove_stale_in(c, im.dir_fd, im.dir, im.name);
        if (r < 0)
                return r;
        log_info("Refreshing image %s (%s); containers made from it keep their roots.", im.name, im.source);
        return image_provision(c, &im, true);
}

int image_record_clone(const Context *c, const Image *im)
{
        _cleanup_close_ int fd =
                openat(im->dir_fd, im->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_warning_errno(
                        errno, "Failed to record %s as made from image %s, ignoring: %m", c->name, im->name);
        if (mkdirat(fd, IMAGE_CLONES, 0700) < 0 && errno != EEXIST)
                return log_warning_errno(
                        errno, "Failed to record %s as made from image %s, ignoring: %m", c->name, im->name);
        _cleanup_close_ int cfd = openat(fd, IMAGE_CLONES, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0)
                return log_warning_errno(
                        errno, "Failed to record %s as made from image %s, ignoring: %m", c->name, im->name);
        _cleanup_free_ char *line = NULL;
        if (asprintf(&line, "%s\n", c->entry->directory) < 0)
                return log_oom();
        int r = write_file_atomicat(cfd, c->name, line, strlen(line), 0644, 0);
        if (r < 0)
                return log_warning_errno(
                        r, "Failed to record %s as made from image %s, ignoring: %m", c->name, im->name);
        return 0;
}
