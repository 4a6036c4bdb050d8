/* A clone is a new machine: resets, in each container's new root, the per-machine identity that the
 * image (or the Provision=copy source) held, so that no two containers share it.
 *
 * What, and how each is regenerated:
 *
 *   /etc/machine-id          holding an ID: replaced by a new random one (128 bits, lowercase hex, a
 *                            version 4 UUID's bits as systemd makes them), owner and mode kept. Missing,
 *                            empty or "uninitialized": left so (the image maker chose when the ID is
 *                            made; it holds none to share). Not emptied: machine-id(5) recommends an
 *                            empty file for images, but this tree is a machine now, not an image: with
 *                            Boot=no nothing would ever write an ID, a root that boots read-only would
 *                            get a new one at every boot, and nspawn and machined know the ID from the
 *                            first start. Not "uninitialized": that starts first-boot semantics
 *                            (machine-id(5)), in which systemd presets every unit (Debian 12 ships
 *                            90-systemd.preset: networkd, resolved, timesyncd enabled behind the
 *                            image's and berth's back) and runs systemd-firstboot.service, which
 *                            prompts on the console. A new ID is what systemd-firstboot(1)
 *                            --setup-machine-id does to a mounted, not booted tree.
 *   /var/lib/dbus/machine-id a regular file: removed. systemd takes the D-Bus ID when /etc/machine-id is
 *                            empty or missing (machine-id(5)) and dbus reads this file first, so a
 *                            copy here would bring the image's ID back; dbus's tmpfiles line makes it a
 *                            link to /etc/machine-id again at boot. A symlink (Debian's layout) is kept.
 *   /var/lib/systemd/random-seed
 *                            removed: systemd-random-seed(8) says to remove it from images replicated
 *                            to several systems (each would start from the same seed); the service
 *                            writes a new one (it does not run in containers on 252/257 anyway).
 *   /var/lib/systemd/credential.secret
 *                            removed: the host key of systemd-creds(1), which makes a new one when it
 *                            is needed; shared, one container could decrypt another's credentials.
 *   /var/lib/NetworkManager/secret_key
 *                            removed: NetworkManager's per-machine secret (stable-privacy IPv6
 *                            addresses, generated MAC addresses), made anew when missing.
 *   /etc/hostname            removed: systemd would set the image's name at every boot over the one
 *                            nspawn set (Hostname=, else the machine name); without the file systemd
 *                            keeps nspawn's (debootstrap copies the host's own /etc/hostname).
 *   /etc/ssh/ssh_host_TYPE_key and .pub (TYPE rsa, ecdsa, ed25519, dsa)
 *                            replaced by new keys of the same types, made by the host's ssh-keygen
 *                            (openssh-client) in a private directory under /run/berth and copied in;
 *                            ECDSA keeps its curve, RSA gets ssh-keygen's default size. Owner and mode
 *                            of the old files are kept (mode at most 0640 / 0644). Removed: keys of
 *                            other types, keys ssh-keygen cannot make (DSA where OpenSSH dropped it),
 *                            and the host certificates of the old keys (ssh_host_*_key-cert.pub, which
 *                            must be reissued). Not left to the container: Debian 12's ssh.service runs
 *                            'sshd -t' first, which fails without keys, and Debian 13's
 *                            sshd-keygen.service runs 'ssh-keygen -A' only on a first boot. Without
 *                            ssh-keygen on the host the keys are removed, with a warning.
 *
 * Not reset (the image maker's, or harmless): /etc/machine-info, /etc/hosts, the image's journal
 * (under the old ID's directory), DHCP leases, TLS keys such as Debian's ssl-cert snakeoil pair,
 * systemd-homed's signing keys.
 *
 * The tree is untrusted (a tar image can hold "etc/ssh -> /etc/ssh"): directories are opened inside
 * it with the rootfs resolver (symlinks resolved as if the tree were "/", so exactly what the
 * container will see), and the files above are acted on in that directory, never followed:
 * replaced with renameat() (write_file_atomicat_owned()) or unlinked. A symlink in place of one of
 * them is replaced or removed, not its target. Nothing outside the tree is ever opened for writing
 * but berth's own private directory for the new keys. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "prepare.h"
#include "rootfs.h"
#include "strv.h"

#define SSH_DIR "/etc/ssh"
#define SSH_KEY_MAX (64u * 1024u)
#define KEYGEN_PATH "/usr/local/bin:/usr/bin:/bin"

/* Removed where they are, when they are regular files or symlinks (see the top of this file). */
static const struct {
        const char *dir, *name;
} removed_files[] = {
        { "/var/lib/systemd", "random-seed" },
        { "/var/lib/systemd", "credential.secret" },
        { "/var/lib/NetworkManager", "secret_key" },
        { "/etc", "hostname" },
};

/* Host key types that are replaced; any other ssh_host_*_key is removed. */
static const char *const ssh_key_types[] = { "rsa", "ecdsa", "ed25519", "dsa" };

typedef struct Summary {
        char **done; /* what was (or would be) reset, for the one log line */
} Summary;

static void summary_done(Summary *s)
{
        strv_free(s->done);
}

static int summary_add(Summary *s, const char *what)
{
        return strv_extend(&s->done, what) < 0 ? log_oom() : 0;
}

/* Opens dir inside the tree; 0 with *ret_fd -1 when the container has nothing there (missing, not a
 * directory, a symlink loop: it would find nothing there either). */
static int tree_dir_open(int tree_fd, const char *tree, const char *dir, int *ret_fd)
{
        int fd = rootfs_open_in(tree_fd, dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0) {
                *ret_fd = -1;
                if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
                        return 0;
                return log_error_errno(fd, "Failed to open %s in the new root %s: %m", dir, tree);
        }
        *ret_fd = fd;
        return 0;
}

/* 1 when dir_fd/name is a regular file or symlink (which is unlinked, not followed), 0 when missing;
 * a directory or other file there is left alone with a warning (-EISDIR, not an error). */
static int remove_file(int dir_fd, const char *dir, const char *name, const char *tree, bool dry_run)
{
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(
                        errno, "Failed to stat %s/%s in the new root %s: %m", dir, name, tree);
        }
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
                log_warning("%s/%s in the new root %s is not a file: left as it is.", dir, name, tree);
                return -EISDIR;
        }
        if (!dry_run && unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
                return log_error_errno(
                        errno, "Failed to remove %s/%s in the new root %s: %m", dir, name, tree);
        return 1;
}

static void new_machine_id(char ret[33])
{
        unsigned char id[16];
        size_t got = 0;

        while (got < sizeof id) {
                ssize_t k = getrandom(id + got, sizeof id - got, 0);
                if (k > 0)
                        got += (size_t) k;
                else if (k < 0 && errno != EINTR)
                        abort(); /* getrandom() without flags blocks until it can answer; it does not fail */
        }
        /* machine-id(5): newly generated IDs are version 4, variant 1 UUIDs. */
        id[6] = (id[6] & 0x0F) | 0x40;
        id[8] = (id[8] & 0x3F) | 0x80;
        for (size_t i = 0; i < sizeof id; i++)
                snprintf(ret + 2 * i, 3, "%02x", id[i]);
}

/* Whether the file's content names no machine (empty, or the first-boot marker). */
static bool machine_id_is_unset(const char *content, size_t size)
{
        while (size > 0 && (content[size - 1] == '\n' || content[size - 1] == ' '))
                size--;
        return size == 0 || (size == 13 && memcmp(content, "uninitialized", 13) == 0);
}

static int reset_machine_id(const Context *c, int tree_fd, const char *tree, Summary *s)
{
        _cleanup_close_ int etc_fd = -1;
        struct stat st, dst;
        uid_t uid;
        gid_t gid;
        mode_t mode = 0444;
        int r;

        r = tree_dir_open(tree_fd, tree, "/etc", &etc_fd);
        if (r < 0 || etc_fd < 0)
                return r;
        if (fstatat(etc_fd, "machine-id", &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0; /* made at first boot, as the image wants */
                return log_error_errno(errno, "Failed to stat /etc/machine-id in the new root %s: %m", tree);
        }
        if (S_ISDIR(st.st_mode))
                return log_error_errno(EISDIR,
                        "/etc/machine-id in the new root %s is a directory; an image holds a file there (empty, \"uninitialized\" or an ID) or nothing. Fix the image (Provision= source).",
                        tree);
        if (S_ISREG(st.st_mode)) {
                _cleanup_close_ int fd = openat(
                        etc_fd, "machine-id", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                _cleanup_free_ char *content = NULL;
                size_t size = 0;
                if (fd < 0)
                        return log_error_errno(
                                errno, "Failed to open /etc/machine-id in the new root %s: %m", tree);
                r = read_full_fd(fd, 4096, &content, &size);
                if (r < 0 && r != -EFBIG)
                        return log_error_errno(
                                r, "Failed to read /etc/machine-id in the new root %s: %m", tree);
                if (r >= 0 && machine_id_is_unset(content, size))
                        return 0;
                uid = st.st_uid;
                gid = st.st_gid;
                mode = st.st_mode & 0644;
        } else {
                /* A symlink (or a FIFO, a device...): replaced by a file, never followed or opened. */
                if (fstat(etc_fd, &dst) < 0)
                        return log_error_errno(errno, "Failed to stat /etc in the new root %s: %m", tree);
                uid = dst.st_uid;
                gid = dst.st_gid;
                log_notice("/etc/machine-id in the new root %s is %s: %s a regular file with a new ID.",
                        tree, S_ISLNK(st.st_mode) ? "a symlink" : "not a regular file",
                        c->dry_run ? "it would be replaced by" : "replacing it with");
        }

        if (!c->dry_run) {
                char id[34];
                new_machine_id(id);
                id[32] = '\n';
                id[33] = '\0';
                r = write_file_atomicat_owned(etc_fd, "machine-id", id, 33, mode, uid, gid, 0);
                if (r < 0)
                        return log_error_errno(
                                r, "Failed to write a new /etc/machine-id in the new root %s: %m", tree);
        }
        return summary_add(s, "/etc/machine-id (a new ID)");
}

static int remove_dbus_machine_id(const Context *c, int tree_fd, const char *tree, Summary *s)
{
        _cleanup_close_ int dir_fd = -1;
        struct stat st;
        int r;

        r = tree_dir_open(tree_fd, tree, "/var/lib/dbus", &dir_fd);
        if (r < 0 || dir_fd < 0)
                return r;
        if (fstatat(dir_fd, "machine-id", &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(
                        errno, "Failed to stat /var/lib/dbus/machine-id in the new root %s: %m", tree);
        }
        if (!S_ISREG(st.st_mode))
                return 0; /* a link (to /etc/machine-id) holds no ID of its own */
        r = remove_file(dir_fd, "/var/lib/dbus", "machine-id", tree, c->dry_run);
        if (r <= 0)
                return r == -EISDIR ? 0 : r;
        return summary_add(s, "/var/lib/dbus/machine-id (removed)");
}

static int remove_listed_files(const Context *c, int tree_fd, const char *tree, Summary *s)
{
        for (size_t i = 0; i < ELEMENTSOF(removed_files); i++) {
                _cleanup_close_ int dir_fd = -1;
                _cleanup_free_ char *what = NULL;
                int r;

                r = tree_dir_open(tree_fd, tree, removed_files[i].dir, &dir_fd);
                if (r < 0)
                        return r;
                if (dir_fd < 0)
                        continue;
                r = remove_file(dir_fd, removed_files[i].dir, removed_files[i].name, tree, c->dry_run);
                if (r == -EISDIR || r == 0)
                        continue;
                if (r < 0)
                        return r;
                if (asprintf(&what, "%s/%s (removed)", removed_files[i].dir, removed_files[i].name) < 0)
                        return log_oom();
                r = summary_add(s, what);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- SSH host keys ---- */

typedef struct HostKey {
        char *type; /* from the file name: ssh_host_TYPE_key */
        bool has_key, has_pub;
        struct stat key_st, pub_st; /* lstat of each, when present */
} HostKey;

static void host_keys_free(HostKey *keys, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(keys[i].type);
        free(keys);
}

static bool is_known_type(const char *type)
{
        for (size_t i = 0; i < ELEMENTSOF(ssh_key_types); i++)
                if (streq(type, ssh_key_types[i]))
                        return true;
        return false;
}

static int host_key_compare(const void *a, const void *b)
{
        return strcmp(((const HostKey *) a)->type, ((const HostKey *) b)->type);
}

/* The host key files in /etc/ssh, by type; certificates of the old keys are removed on the way. */
static int host_keys_find(
        const Context *c, int ssh_fd, const char *tree, Summary *s, HostKey **ret, size_t *ret_n)
{
        HostKey *keys = NULL;
        size_t n = 0;
        int r = 0;

        int dfd = openat(ssh_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(errno, "Failed to open " SSH_DIR " in the new root %s: %m", tree);
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return log_error_errno(errno, "Failed to read " SSH_DIR " in the new root %s: %m", tree);
        }

        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                const char *rest = startswith(de->d_name, "ssh_host_");
                _cleanup_free_ char *type = NULL;
                bool pub = false;
                struct stat st;

                if (!rest)
                        continue;
                if (endswith(rest, "_key-cert.pub") || streq(rest, "key-cert.pub")) {
                        r = remove_file(ssh_fd, SSH_DIR, de->d_name, tree, c->dry_run);
                        if (r > 0) {
                                _cleanup_free_ char *what = NULL;
                                log_notice(
                                        "Host certificate " SSH_DIR
                                        "/%s certified a key of the image: %s. Have the container's new key certified.",
                                        de->d_name, c->dry_run ? "it would be removed" : "removed it");
                                if (asprintf(&what, SSH_DIR "/%s (removed)", de->d_name) < 0 ||
                                        strv_extend(&s->done, what) < 0)
                                        r = log_oom();
                        }
                        if (r < 0 && r != -EISDIR)
                                goto fail;
                        continue;
                }
                const char *end = endswith(rest, "_key.pub");
                if (end)
                        pub = true;
                else
                        end = endswith(rest, "_key");
                if (end)
                        type = strndup(rest, (size_t) (end - rest));
                else if (streq(rest, "key") || streq(rest, "key.pub")) {
                        /* SSH protocol 1's RSA key: no sshd reads it any more. */
                        type = strdup("rsa1");
                        pub = streq(rest, "key.pub");
                } else
                        continue;
                if (!type) {
                        r = log_oom();
                        goto fail;
                }
                if (isempty(type))
                        continue;
                if (fstatat(ssh_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = log_error_errno(errno, "Failed to stat " SSH_DIR "/%s in the new root %s: %m",
                                de->d_name, tree);
                        goto fail;
                }
                if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
                        log_warning(SSH_DIR "/%s in the new root %s is not a file: left as it is.",
                                de->d_name, tree);
                        continue;
                }

                size_t i;
                for (i = 0; i < n; i++)
                        if (streq(keys[i].type, type))
                                break;
                if (i == n) {
                        HostKey *grown = realloc(keys, (n + 1) * sizeof *keys);
                        if (!grown) {
                                r = log_oom();
                                goto fail;
                        }
                        keys = grown;
                        keys[n++] = (HostKey){ .type = TAKE_PTR(type) };
                }
                if (pub) {
                        keys[i].has_pub = true;
                        keys[i].pub_st = st;
                } else {
                        keys[i].has_key = true;
                        keys[i].key_st = st;
                }
        }
        if (errno != 0) {
                r = log_error_errno(errno, "Failed to read " SSH_DIR " in the new root %s: %m", tree);
                goto fail;
        }
        /* In a stable order, for the log. */
        if (n > 1)
                qsort(keys, n, sizeof *keys, host_key_compare);
        *ret = keys;
        *ret_n = n;
        return 0;
fail:
        host_keys_free(keys, n);
        return r;
}

static int key_file_names(const HostKey *k, char **ret_key, char **ret_pub)
{
        char *key = NULL, *pub = NULL;

        if (streq(k->type, "rsa1")) {
                key = strdup("ssh_host_key");
                pub = strdup("ssh_host_key.pub");
        } else if (asprintf(&key, "ssh_host_%s_key", k->type) < 0)
                key = NULL;
        else if (asprintf(&pub, "ssh_host_%s_key.pub", k->type) < 0)
                pub = NULL;
        if (!key || !pub) {
                free(key);
                free(pub);
                return -ENOMEM;
        }
        *ret_key = key;
        *ret_pub = pub;
        return 0;
}

static int host_key_remove(const Context *c, int ssh_fd, const char *tree, const HostKey *k)
{
        _cleanup_free_ char *key = NULL, *pub = NULL;
        int r;

        if (key_file_names(k, &key, &pub) < 0)
                return log_oom();
        r = remove_file(ssh_fd, SSH_DIR, key, tree, c->dry_run);
        if (r < 0 && r != -EISDIR)
                return r;
        r = remove_file(ssh_fd, SSH_DIR, pub, tree, c->dry_run);
        return r < 0 && r != -EISDIR ? r : 0;
}

/* The host's ssh-keygen, or NULL. */
static char *find_ssh_keygen(void)
{
        _cleanup_strv_free_ char **dirs = NULL;

        if (strv_split(KEYGEN_PATH, ":", &dirs) < 0)
                return NULL;
        STRV_FOREACH (d, dirs) {
                char *p = path_join(*d, "ssh-keygen");
                struct stat st;
                if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

/* ECDSA keeps its curve: the .pub's first word names it (ecdsa-sha2-nistp384). */
static const char *ecdsa_bits(int ssh_fd, const HostKey *k)
{
        _cleanup_free_ char *text = NULL;

        if (!k->has_pub || !S_ISREG(k->pub_st.st_mode))
                return NULL;
        _cleanup_close_ int fd = openat(
                ssh_fd, "ssh_host_ecdsa_key.pub", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, SSH_KEY_MAX, &text, NULL) < 0)
                return NULL;
        if (startswith(text, "ecdsa-sha2-nistp384 "))
                return "384";
        if (startswith(text, "ecdsa-sha2-nistp521 "))
                return "521";
        return NULL;
}

/* Runs ssh-keygen -q -t TYPE [-b BITS] -N '' -C COMMENT -f PATH with a clean environment; 0 or -EIO. */
static int run_ssh_keygen(
        const char *keygen, const char *type, const char *bits, const char *comment, const char *path)
{
        int status;
        pid_t pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0) {
                const char *argv[16];
                size_t i = 0;
                argv[i++] = "ssh-keygen";
                argv[i++] = "-q";
                argv[i++] = "-t";
                argv[i++] = type;
                if (bits) {
                        argv[i++] = "-b";
                        argv[i++] = bits;
                }
                argv[i++] = "-N";
                argv[i++] = "";
                argv[i++] = "-C";
                argv[i++] = comment;
                argv[i++] = "-f";
                argv[i++] = path;
                argv[i] = NULL;
                char *const envp[] = { (char *) "PATH=" KEYGEN_PATH, (char *) "LANG=C.UTF-8", NULL };
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
                        _exit(127);
                execve(keygen, (char *const *) argv, envp);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for ssh-keygen: %m");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* Reads a file ssh-keygen made in our private directory. */
static int read_new_key(int dir_fd, const char *name, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, SSH_KEY_MAX, ret, ret_size);
}

/* Owner and mode for the new file: those of the old one (mode narrowed to at most max), else those
 * of its partner (the key for the .pub and back) with def, else the directory's owner with def. */
static void new_key_owner(const struct stat *old, const struct stat *partner, const struct stat *dir,
        mode_t max, mode_t def, uid_t *ret_uid, gid_t *ret_gid, mode_t *ret_mode)
{
        const struct stat *from = old && S_ISREG(old->st_mode)           ? old
                                  : partner && S_ISREG(partner->st_mode) ? partner
                                                                         : dir;
        *ret_uid = from->st_uid;
        *ret_gid = from->st_gid;
        *ret_mode = from == old ? (old->st_mode & max) | (def & 0400) : def;
}

/* Makes a new key of k's type in tmp (tmp_fd) and puts it in place of the old one. 1 when done, 0
 * when ssh-keygen could not make that type (the caller removes it). */
static int host_key_replace(const Context *c, int ssh_fd, const char *tree, const char *keygen, int tmp_fd,
        const char *tmp, const HostKey *k)
{
        _cleanup_free_ char *key = NULL, *pub = NULL, *path = NULL, *comment = NULL;
        _cleanup_free_ char *key_data = NULL, *pub_data = NULL;
        size_t key_size = 0, pub_size = 0;
        struct stat dst;
        uid_t uid;
        gid_t gid;
        mode_t mode;
        int r;

        if (!is_known_type(k->type))
                return 0;
        if (key_file_names(k, &key, &pub) < 0 || !(path = path_join(tmp, key)))
                return log_oom();
        if (asprintf(&comment, "root@%s", c->entry->hostname ? c->entry->hostname : c->name) < 0)
                return log_oom();
        if (fstat(ssh_fd, &dst) < 0)
                return log_error_errno(errno, "Failed to stat " SSH_DIR " in the new root %s: %m", tree);

        /* Made ahead, while the clone was copied (identity_keys_start()), when the image had it. */
        if (faccessat(tmp_fd, key, F_OK, AT_SYMLINK_NOFOLLOW) >= 0 &&
                faccessat(tmp_fd, pub, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                r = 0;
        else
                r = run_ssh_keygen(keygen, k->type, streq(k->type, "ecdsa") ? ecdsa_bits(ssh_fd, k) : NULL,
                        comment, path);
        if (r == -EIO)
                return 0;
        if (r < 0)
                return r;
        r = read_new_key(tmp_fd, key, &key_data, &key_size);
        if (r >= 0)
                r = read_new_key(tmp_fd, pub, &pub_data, &pub_size);
        (void) unlinkat(tmp_fd, key, 0);
        (void) unlinkat(tmp_fd, pub, 0);
        if (r < 0) {
                if (key_data)
                        explicit_bzero(key_data, key_size);
                return log_error_errno(r, "Failed to read the key ssh-keygen made in %s: %m", tmp);
        }

        /* The private key first: a .pub never names a key that is not there. */
        new_key_owner(k->has_key ? &k->key_st : NULL, k->has_pub ? &k->pub_st : NULL, &dst, 0640, 0600, &uid,
                &gid, &mode);
        r = key_data ? write_file_atomicat_owned(ssh_fd, key, key_data, key_size, mode, uid, gid, 0) : -EIO;
        if (key_data)
                explicit_bzero(key_data, key_size);
        if (r < 0)
                return log_error_errno(
                        r, "Failed to write " SSH_DIR "/%s in the new root %s: %m", key, tree);
        new_key_owner(k->has_pub ? &k->pub_st : NULL, k->has_key ? &k->key_st : NULL, &dst, 0644, 0644, &uid,
                &gid, &mode);
        r = write_file_atomicat_owned(ssh_fd, pub, pub_data, pub_size, mode, uid, gid, 0);
        if (r < 0)
                return log_error_errno(
                        r, "Failed to write " SSH_DIR "/%s in the new root %s: %m", pub, tree);
        return 1;
}

/* berth's private directory for new keys: /run/berth (0700, root's), tmpfs, so private keys never
 * reach a disk outside the tree. A directory left by a killed start is removed first. */
static int keys_dir_make(const Context *c, char **ret_path, int *ret_fd)
{
        _cleanup_free_ char *run_berth = NULL, *path = NULL, *prefix = NULL;
        const char *base;
        int r;

        r = path_split(c->lock_path, &run_berth, &base);
        if (r < 0)
                return log_oom();
        if (asprintf(&prefix, ".#%s.ssh-keys-", c->name) < 0 ||
                asprintf(&path, "%s/%sXXXXXX", run_berth, prefix) < 0)
                return log_oom();

        _cleanup_close_ int run_fd = open(run_berth, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (run_fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", run_berth);
        int dfd = fcntl(run_fd, F_DUPFD_CLOEXEC, 3);
        _cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d && dfd >= 0)
                close(dfd);
        for (struct dirent *de; d && (de = readdir(d));)
                if (startswith(de->d_name, prefix))
                        (void) rm_rf_at(run_fd, de->d_name);

        if (!mkdtemp(path))
                return log_error_errno(errno,
                        "Failed to make a private directory for new SSH host keys in %s: %m", run_berth);
        *ret_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (*ret_fd < 0) {
                r = log_error_errno(errno, "Failed to open %s: %m", path);
                (void) rmdir(path);
                return r;
        }
        *ret_path = TAKE_PTR(path);
        return 0;
}

static int reset_ssh_host_keys(
        const Context *c, int tree_fd, const char *tree, IdentityKeys *ahead, Summary *s)
{
        _cleanup_close_ int ssh_fd = -1, tmp_fd = -1;
        _cleanup_free_ char *keygen = NULL, *tmp = NULL, *made = NULL;
        _cleanup_strv_free_ char **removed = NULL;
        HostKey *keys = NULL;
        size_t n = 0;
        int r;

        r = tree_dir_open(tree_fd, tree, SSH_DIR, &ssh_fd);
        if (r < 0 || ssh_fd < 0)
                return r;
        r = host_keys_find(c, ssh_fd, tree, s, &keys, &n);
        if (r < 0 || n == 0)
                goto finish;

        keygen = find_ssh_keygen();
        if (!keygen)
                log_warning(
                        "ssh-keygen is not installed on this host (looked in " KEYGEN_PATH
                        "): the SSH host keys of the image %s removed from the new root %s without new ones, so its sshd will not start until it has some. Install openssh-client on the host, or run 'ssh-keygen -A' in the container.",
                        c->dry_run ? "would be" : "are", tree);
        else if (!c->dry_run && ahead && ahead->dir) {
                /* The keys made ahead: once ssh-keygen is done, the directory is ours to use. */
                identity_keys_wait(ahead);
                tmp = strdup(ahead->dir);
                tmp_fd = fcntl(ahead->dir_fd, F_DUPFD_CLOEXEC, 3);
                if (!tmp || tmp_fd < 0) {
                        r = log_oom();
                        goto finish;
                }
        } else if (!c->dry_run) {
                r = keys_dir_make(c, &tmp, &tmp_fd);
                if (r < 0)
                        goto finish;
        }

        for (size_t i = 0; i < n; i++) {
                int done = 0;
                if (keygen && is_known_type(keys[i].type) && c->dry_run)
                        done = 1;
                else if (keygen) {
                        done = host_key_replace(c, ssh_fd, tree, keygen, tmp_fd, tmp, &keys[i]);
                        if (done < 0) {
                                r = done;
                                goto finish;
                        }
                }
                if (done) {
                        char *joined = NULL;
                        if (asprintf(&joined, "%s%s%s", strempty(made), made ? ", " : "", keys[i].type) <
                                0) {
                                r = log_oom();
                                goto finish;
                        }
                        free(made);
                        made = joined;
                        continue;
                }
                if (keygen)
                        log_warning(
                                "ssh-keygen cannot make a host key of type '%s' (see above): the image's %s removed from the new root %s.",
                                keys[i].type, c->dry_run ? "would be" : "is", tree);
                r = host_key_remove(c, ssh_fd, tree, &keys[i]);
                if (r < 0)
                        goto finish;
                if (strv_extend(&removed, keys[i].type) < 0) {
                        r = log_oom();
                        goto finish;
                }
        }
        if (made || removed) {
                _cleanup_free_ char *what = NULL, *gone = removed ? strv_join(removed, ", ") : NULL;
                if ((removed && !gone) || asprintf(&what, "SSH host keys (%s%s%s%s%s)", made ? "new " : "",
                                                  strempty(made), made && gone ? "; " : "", strempty(gone),
                                                  gone ? " removed, none made" : "") < 0) {
                        r = log_oom();
                        goto finish;
                }
                r = summary_add(s, what);
        }

finish:
        host_keys_free(keys, n);
        if (tmp) {
                tmp_fd = -1;
                const char *slash = strrchr(tmp, '/');
                _cleanup_free_ char *dir = strndup(tmp, (size_t) (slash - tmp));
                _cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
                if (dfd < 0 || rm_rf_at(dfd, slash + 1) < 0)
                        log_warning(
                                "Failed to remove %s: remove it by hand (it held new SSH host keys).", tmp);
        }
        return r;
}

/* The key types the image holds (ssh_host_TYPE_key files of a type ssh-keygen makes), read
 * without changing anything there: the image is not the clone. */
static int image_key_types(int ssh_fd, char ***ret)
{
        _cleanup_strv_free_ char **types = NULL;
        _cleanup_closedir_ DIR *d = opendir_at(ssh_fd);
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                const char *rest = startswith(de->d_name, "ssh_host_");
                size_t n = rest ? strlen(rest) : 0;
                if (n <= 4 || !streq(rest + n - 4, "_key"))
                        continue;
                _cleanup_free_ char *type = strndup(rest, n - 4);
                if (!type)
                        return -ENOMEM;
                if (is_known_type(type) && !strv_contains(types, type) && strv_extend(&types, type) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(types);
        return 0;
}

void identity_keys_start(const Context *c, int src_fd, IdentityKeys *ret)
{
        _cleanup_strv_free_ char **types = NULL;
        _cleanup_free_ char *keygen = NULL, *comment = NULL;

        *ret = (IdentityKeys){ .pid = -1, .dir_fd = -1 };
        if (c->dry_run)
                return;
        _cleanup_close_ int ssh_fd = rootfs_open_in(src_fd, SSH_DIR, O_RDONLY | O_DIRECTORY);
        if (ssh_fd < 0 || image_key_types(ssh_fd, &types) < 0 || !types)
                return;
        keygen = find_ssh_keygen();
        if (!keygen || asprintf(&comment, "root@%s", c->entry->hostname ? c->entry->hostname : c->name) < 0)
                return;
        if (keys_dir_make(c, &ret->dir, &ret->dir_fd) < 0)
                return; /* logged; identity_reset() tries again */

        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                log_debug_errno(errno, "Failed to fork to make SSH host keys ahead, ignoring: %m");
                return;
        }
        if (pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(1);
                STRV_FOREACH (t, types) {
                        HostKey k = { .type = *t, .has_pub = true };
                        _cleanup_free_ char *key = NULL, *pub = NULL, *path = NULL;
                        k.has_pub = fstatat(ssh_fd, "ssh_host_ecdsa_key.pub", &k.pub_st,
                                            AT_SYMLINK_NOFOLLOW) >= 0;
                        if (key_file_names(&k, &key, &pub) < 0 || !(path = path_join(ret->dir, key)))
                                _exit(1);
                        /* A type it cannot make is left to identity_reset(), which says so. */
                        (void) run_ssh_keygen(keygen, *t, streq(*t, "ecdsa") ? ecdsa_bits(ssh_fd, &k) : NULL,
                                comment, path);
                }
                _exit(0);
        }
        ret->pid = pid;
}

void identity_keys_wait(IdentityKeys *k)
{
        while (k->pid > 0 && waitpid(k->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        k->pid = -1;
}

void identity_keys_done(IdentityKeys *k)
{
        /* Waited for, not killed: killing it would leave the ssh-keygen it runs writing into the
         * directory while it is removed (a directory left in /run/berth, seen under ASan). It is
         * done within seconds. */
        identity_keys_wait(k);
        if (k->dir) {
                const char *slash = strrchr(k->dir, '/');
                _cleanup_free_ char *dir = strndup(k->dir, (size_t) (slash - k->dir));
                _cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
                int r = dfd >= 0 ? rm_rf_at(dfd, slash + 1) : -ENOMEM;
                if (r < 0 && r != -ENOENT)
                        log_warning("Failed to remove %s: remove it by hand (it held new SSH host keys).",
                                k->dir);
                free(k->dir);
        }
        if (k->dir_fd >= 0)
                close(k->dir_fd);
        *k = (IdentityKeys){ .pid = -1, .dir_fd = -1 };
}

int identity_reset(const Context *c, int tree_fd, const char *tree, IdentityKeys *ahead)
{
        _cleanup_(summary_done) Summary s = {};
        _cleanup_free_ char *list = NULL;
        int r;

        if (tree_fd < 0) {
                /* A dry run with no tree yet: what would be looked at. */
                log_info(
                        "Would reset the per-machine identity in the new root: a new /etc/machine-id where the image holds an ID, new SSH host keys of the image's types (by the host's ssh-keygen), and remove /var/lib/dbus/machine-id (a file), /var/lib/systemd/random-seed, /var/lib/systemd/credential.secret, /var/lib/NetworkManager/secret_key, /etc/hostname.");
                return 0;
        }

        r = reset_machine_id(c, tree_fd, tree, &s);
        if (r >= 0)
                r = remove_dbus_machine_id(c, tree_fd, tree, &s);
        if (r >= 0)
                r = remove_listed_files(c, tree_fd, tree, &s);
        if (r >= 0)
                r = reset_ssh_host_keys(c, tree_fd, tree, ahead, &s);
        if (r < 0)
                return r;

        if (!s.done) {
                log_info("The new root %s held no per-machine identity to reset.", tree);
                return 0;
        }
        list = strv_join(s.done, ", ");
        if (!list)
                return log_oom();
        log_info("%s the machine identity of the image in the new root %s: %s.",
                c->dry_run ? "Would reset" : "Reset", tree, list);
        return 0;
}
