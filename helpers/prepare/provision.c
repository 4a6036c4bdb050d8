/* Provision=: creating a missing root file system in a temporary sibling directory, with progress
 * reports and start-timeout extensions while the provisioner works, renamed into place only when
 * everything succeeded.
 *
 * Provisioners are external programs (cp, tar, debootstrap, dnf, or the admin's own), run with:
 *   - a clean environment: PATH (fixed, below), LANG=C.UTF-8, and the proxy variables
 *     (http_proxy, https_proxy, ftp_proxy, no_proxy, all_proxy and their upper-case forms) when
 *     berth-prepare has them: debootstrap's wget and dnf need them behind a proxy, and an admin
 *     sets them for the unit ([Service] Environment=) or for all of systemd (DefaultEnvironment=).
 *     Nothing else of ours leaks into them (no NOTIFY_SOCKET: progress is reported by us);
 *   - stdin from /dev/null, stdout and stderr to our stderr (the journal);
 *   - their own process group, and PR_SET_PDEATHSIG=SIGKILL: when berth-prepare dies, the
 *     provisioner does too; when it is stopped (SIGTERM from systemd at the start timeout, or
 *     SIGINT/SIGHUP), it kills the whole group and removes the partial tree before exiting. A
 *     tree left by SIGKILL is removed by the next start, under the lock.
 *   - the full capabilities of root (berth-prepare narrows only its own effective set before
 *     this; see berth-prepare.c).
 *
 * "Makes progress" means, since the previous report: the tree being filled grew (allocated bytes
 * or inode count), or the provisioner's process tree used CPU time (at least 1% of the interval,
 * and at least 50 ms, so that a hung program waking up now and then does not count). The CPU time
 * counts because debootstrap and dnf resolve dependencies for a minute or more without writing a
 * byte. Only on progress is the start timeout extended, by three report intervals, so a
 * provisioner that hangs (a stalled download: no writes, no CPU) is still killed by systemd when
 * the extension runs out, and one that works is never killed.
 *
 * The CPU time of the process tree is read from /proc/PID/stat: for every live process whose
 * parent chain leads to the provisioner, utime + stime (its own) + cutime + cstime (its reaped
 * children's), so a process's time is counted once, by itself while it lives, then by the parent
 * that reaped it. Not seen: processes that left the tree by daemonizing (reparented to init), which
 * no provisioner berth runs needs to do. The unit's cgroup would see them, but its cpu.stat also
 * counts berth-prepare itself and is only there when CPU accounting is on. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config-tables.h"
#include "fileio.h"
#include "image-cache.h"
#include "log.h"
#include "macro.h"
#include "notify.h"
#include "path-util.h"
#include "prepare.h"
#include "rootfs.h"
#include "strv.h"
#include "time-util.h"

#define PROGRESS_INTERVAL_DEFAULT (10 * USEC_PER_SEC)
#define KILL_WAIT_USEC (5 * USEC_PER_SEC)

static const char *const proxy_vars[] = {
        "http_proxy",
        "https_proxy",
        "ftp_proxy",
        "no_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "FTP_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
};

static int build_env(char ***ret)
{
        _cleanup_strv_free_ char **env = NULL;

        if (strv_extend(&env, "PATH=" PROVISION_PATH) < 0 || strv_extend(&env, "LANG=C.UTF-8") < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(proxy_vars); i++) {
                const char *v = getenv(proxy_vars[i]);
                if (!v)
                        continue;
                char *s;
                if (asprintf(&s, "%s=%s", proxy_vars[i], v) < 0)
                        return -ENOMEM;
                if (strv_push(&env, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

/* Looks a program up in the provisioners' PATH (not ours: they run with the clean one). */
int find_program(const char *name, char **ret)
{
        if (strchr(name, '/')) {
                if (access(name, X_OK) < 0)
                        return -errno;
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }

        _cleanup_strv_free_ char **dirs = NULL;
        if (strv_split(PROVISION_PATH, ":", &dirs) < 0)
                return -ENOMEM;
        STRV_FOREACH (d, dirs) {
                _cleanup_free_ char *p = path_join(*d, name);
                struct stat st;
                if (!p)
                        return -ENOMEM;
                if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }
        return -ENOENT;
}

/* "%r" is the directory to fill, "%%" a literal "%"; anything else after "%" is kept as written. */
static char *expand_r(const char *arg, const char *target)
{
        size_t n = 1;
        for (const char *p = arg; *p; p++)
                n += (p[0] == '%' && p[1] == 'r') ? strlen(target) : 1;
        char *s = malloc(n), *o = s;
        if (!s)
                return NULL;
        for (const char *p = arg; *p; p++) {
                if (p[0] == '%' && p[1] == 'r') {
                        o = stpcpy(o, target);
                        p++;
                } else if (p[0] == '%' && p[1] == '%') {
                        *o++ = '%';
                        p++;
                } else
                        *o++ = *p;
        }
        *o = '\0';
        return s;
}

/* The copy that Provision=copy makes, and that clones an image where no snapshot can: coreutils cp
 * does everything asked for (owners, modes, xattrs, ACLs, device nodes, hard links, sparse files,
 * reflinks where the file system has them) and has for decades; -T copies the source directory's
 * own owner and mode onto the target directory too. */
int copy_argv(const char *source, const char *target, char ***ret)
{
        const char *const words[] = { "cp", "--archive", "--preserve=all", "--reflink=auto", "--sparse=auto",
                "--no-target-directory", "--", source, target };
        _cleanup_strv_free_ char **a = NULL;
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strv_extend(&a, words[i]) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(a);
        return 0;
}

bool provision_makes_target(const Entry *e)
{
        (void) e;
        return false;
}

int provision_argv(const Entry *e, const char *target, char ***ret)
{
        _cleanup_strv_free_ char **a = NULL;
        char **args = e->provision_args;
        size_t n = strv_length(args);
        int r = 0;

#define ADD(s)                                                                                              \
        do {                                                                                                \
                if (strv_extend(&a, (s)) < 0)                                                               \
                        return -ENOMEM;                                                                     \
        } while (0)

        switch (e->provision) {
        case PROVISION_COPY:
                if (n != 1)
                        return -EINVAL;
                return copy_argv(args[0], target, ret);
        case PROVISION_TAR: {
                if (n != 1)
                        return -EINVAL;
                const char *z = tar_option_from_name(args[0]);
                if (!z)
                        return -EPROTONOSUPPORT;
                _cleanup_free_ char *file = NULL, *dir = NULL;
                if (asprintf(&file, "--file=%s", args[0]) < 0 ||
                        asprintf(&dir, "--directory=%s", target) < 0)
                        return -ENOMEM;
                /* GNU tar, by default, strips leading "/" and skips members with ".." (so nothing
                 * lands outside the target), and creates symlinks that point outside as
                 * placeholders until the end (so no member is written through one). */
                ADD("tar");
                ADD("--extract");
                ADD(file);
                ADD(dir);
                ADD("--numeric-owner");
                ADD("--xattrs");
                ADD("--xattrs-include=*");
                ADD("--acls");
                ADD("--same-owner");
                ADD("--same-permissions");
                if (!isempty(z))
                        ADD(z);
                break;
        }
        case PROVISION_DEBOOTSTRAP: {
                _cleanup_free_ char *mmdebstrap = NULL;
                r = find_program("mmdebstrap", &mmdebstrap);
                if (r == -ENOMEM)
                        return r;
                r = bootstrap_argv(args, n, target, mmdebstrap, &a);
                if (r < 0)
                        return r;
                break;
        }
        case PROVISION_DNF: {
                if (n < 2)
                        return -EINVAL;
                _cleanup_free_ char *dnf = NULL, *rel = NULL, *root = NULL;
                /* The seed's recipe used yum; dnf replaced it (and provides a "yum" itself). */
                r = find_program("dnf", &dnf);
                ADD(r >= 0 ? "dnf" : "yum");
                ADD("-y");
                if (asprintf(&rel, "--releasever=%s", args[0]) < 0 ||
                        asprintf(&root, "--installroot=%s", target) < 0)
                        return -ENOMEM;
                ADD(rel);
                ADD(root);
                ADD("install");
                STRV_FOREACH (p, args + 1)
                        ADD(*p);
                break;
        }
        case PROVISION_COMMAND:
                if (n < 1)
                        return -EINVAL;
                STRV_FOREACH (p, args) {
                        char *s = expand_r(*p, target);
                        if (!s || strv_push(&a, s) < 0)
                                return -ENOMEM;
                }
                break;
        case PROVISION_PULL:
                return pull_argv(e, target, ret);
        default:
                return -EINVAL;
        }
#undef ADD
        *ret = TAKE_PTR(a);
        return 0;
}

int provision_remove_stale_in(const Context *c, int dir_fd, const char *dir, const char *name)
{
        char prefix[NAME_MAX + 1];
        snprintf(prefix, sizeof prefix, ".#%s.berth-", name);

        _cleanup_closedir_ DIR *d = opendir_at(dir_fd);
        if (!d)
                return log_error_errno(errno, "Failed to read %s: %m", dir);

        int ret = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *suffix = startswith(de->d_name, prefix);
                if (!suffix || strlen(suffix) != 6)
                        continue;
                if (c->dry_run) {
                        log_info("Would remove %s/%s, left over by an interrupted provisioning.", dir,
                                de->d_name);
                        continue;
                }
                log_notice("Removing %s/%s, left over by an interrupted provisioning.", dir, de->d_name);
                int r = rm_rf_at(dir_fd, de->d_name);
                if (r < 0 && ret >= 0)
                        ret = log_error_errno(
                                r, "Failed to remove %s/%s: %m. Remove it by hand.", dir, de->d_name);
        }
        return ret;
}

int provision_remove_stale(const Context *c)
{
        _cleanup_close_ int pfd = open(c->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "Failed to open %s: %m", c->parent);
        return provision_remove_stale_in(c, pfd, c->parent, c->name);
}

usec_t provision_progress_interval(void)
{
        /* For tests only: a shorter interval, so that progress can be seen without waiting. */
        const char *e = getenv("BERTH_PREPARE_PROGRESS_USEC");
        if (e) {
                char *end;
                unsigned long long v = strtoull(e, &end, 10);
                if (*end == '\0' && v >= 1000)
                        return v;
        }
        return PROGRESS_INTERVAL_DEFAULT;
}

typedef struct ProcCpu {
        pid_t pid, ppid;
        uint64_t ticks; /* utime + stime + cutime + cstime */
} ProcCpu;

/* Parses /proc/PID/stat (dirfd is /proc). -ENOENT/-ESRCH when the process went away meanwhile. */
static int read_proc_cpu(int proc_fd, const char *pid, ProcCpu *ret)
{
        char path[PATH_MAX], buf[1024];
        snprintf(path, sizeof path, "%s/stat", pid);
        _cleanup_close_ int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';

        /* Field 2, the command name in parentheses, may hold spaces and ')' itself: the fields after
         * it start after the last ')'. Then: 3 state, 4 ppid, 5 … 13 (skipped), 14 utime, 15 stime,
         * 16 cutime, 17 cstime. */
        const char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ' || !p[2])
                return -EBADMSG;
        p += 3; /* past ") " and the state character */
        long long f[15] = { 0 };
        for (size_t i = 1; i < ELEMENTSOF(f); i++) {
                char *end;
                errno = 0;
                f[i] = strtoll(p, &end, 10);
                if (end == p || errno != 0)
                        return -EBADMSG;
                p = end;
        }
        if (f[1] < 0 || f[11] < 0 || f[12] < 0 || f[13] < 0 || f[14] < 0)
                return -EBADMSG;
        ret->ppid = (pid_t) f[1];
        ret->ticks = (uint64_t) f[11] + (uint64_t) f[12] + (uint64_t) f[13] + (uint64_t) f[14];
        return 0;
}

static bool pid_in(const pid_t *pids, size_t n, pid_t pid)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* The CPU time used so far by the process tree under root (see the top of this file). */
static int tree_cpu_usec(pid_t root, usec_t *ret)
{
        _cleanup_free_ ProcCpu *all = NULL;
        _cleanup_free_ pid_t *tree = NULL;
        size_t n = 0, cap = 0, n_tree = 0;

        _cleanup_closedir_ DIR *d = opendir("/proc");
        if (!d)
                return -errno;
        struct dirent *de;
        while ((de = readdir(d))) {
                char *end;
                errno = 0;
                unsigned long pid = strtoul(de->d_name, &end, 10);
                if (*end != '\0' || end == de->d_name || errno != 0 || pid == 0 || pid > INT_MAX)
                        continue;
                ProcCpu pc = { .pid = (pid_t) pid };
                if (read_proc_cpu(dirfd(d), de->d_name, &pc) < 0)
                        continue; /* gone meanwhile, or unreadable: not ours to count */
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 256;
                        ProcCpu *a = reallocarray(all, ncap, sizeof *a);
                        if (!a)
                                return -ENOMEM;
                        all = a;
                        cap = ncap;
                }
                all[n++] = pc;
        }

        /* Descendants of root: PIDs wrap, so a child may have a smaller PID than its parent;
         * repeat until no process joins. Trees are small (tens of processes). */
        tree = calloc(n + 1, sizeof *tree);
        if (!tree)
                return -ENOMEM;
        tree[n_tree++] = root;
        uint64_t ticks = 0;
        bool root_seen = false;
        _cleanup_free_ bool *counted = calloc(n + 1, sizeof *counted);
        if (!counted)
                return -ENOMEM;
        for (bool changed = true; changed;) {
                changed = false;
                for (size_t i = 0; i < n; i++) {
                        if (counted[i])
                                continue;
                        if (all[i].pid == root)
                                root_seen = true;
                        else if (!pid_in(tree, n_tree, all[i].ppid))
                                continue;
                        else
                                tree[n_tree++] = all[i].pid;
                        counted[i] = true;
                        ticks += all[i].ticks;
                        changed = true;
                }
        }
        if (!root_seen)
                return -ESRCH;

        long hz = sysconf(_SC_CLK_TCK);
        *ret = ticks * USEC_PER_SEC / (uint64_t) (hz > 0 ? hz : 100);
        return 0;
}

void format_bytes(uint64_t b, char *buf, size_t size)
{
        if (b >= 1024ull * 1024 * 1024)
                snprintf(buf, size, "%.1f GiB", (double) b / (1024.0 * 1024 * 1024));
        else if (b >= 1024ull * 1024)
                snprintf(buf, size, "%.1f MiB", (double) b / (1024.0 * 1024));
        else
                snprintf(buf, size, "%.1f KiB", (double) b / 1024.0);
}

static int pidfd_open_(pid_t pid)
{
        return (int) syscall(SYS_pidfd_open, pid, 0);
}

_noreturn_ static void run_child(
        const char *path, char **argv, char **env, const sigset_t *old_mask, pid_t parent)
{
        /* Die with berth-prepare, even when it is SIGKILLed. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(126);
        (void) setpgid(0, 0);
        (void) sigprocmask(SIG_SETMASK, old_mask, NULL);
        for (int s = 1; s < _NSIG; s++)
                (void) signal(s, SIG_DFL);

        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
                _exit(126);
        (void) syscall(SYS_close_range, 3, ~0U, 0);
        /* Provisioners need a working directory that is not inside anything we might remove. */
        if (chdir("/") < 0)
                _exit(126);

        execve(path, argv, env);
        fprintf(stderr, "berth-prepare: failed to execute %s: %s\n", path, strerror(errno));
        _exit(127);
}

/* What the progress reports compare with: the previous report's readings. */
typedef struct Progress {
        usec_t interval, start;
        uint64_t bytes, inodes; /* the watched directory's size at the previous report */
        usec_t cpu; /* the provisioner's process tree's CPU time by then */
} Progress;

/* One progress report: logs what grew or worked since the previous one and, when anything did,
 * extends the start timeout (three intervals) and tells run->on_progress. */
static void report_progress(const ProvisionRun *run, Progress *p, pid_t pid, usec_t now)
{
        usec_t cpu_min = p->interval / 100 > 50 * USEC_PER_MSEC ? p->interval / 100 : 50 * USEC_PER_MSEC;
        uint64_t bytes = 0, inodes = 0;
        char sz[32], what[96];

        (void) tree_usage_at(run->watch_fd, &bytes, &inodes);
        format_bytes(bytes, sz, sizeof sz);
        bool grew = bytes != p->bytes || inodes != p->inodes;
        /* Without a reading (/proc not mounted?), only growth counts. */
        usec_t cpu = p->cpu;
        (void) tree_cpu_usec(pid, &cpu);
        usec_t used = cpu > p->cpu ? cpu - p->cpu : 0;
        bool busy = used >= cpu_min;
        if (grew && busy)
                snprintf(what, sizeof what, "progress: the tree grew, %.1f s of CPU time",
                        (double) used / USEC_PER_SEC);
        else if (grew)
                snprintf(what, sizeof what, "progress: the tree grew");
        else if (busy)
                snprintf(what, sizeof what, "progress: %.1f s of CPU time, the tree did not grow",
                        (double) used / USEC_PER_SEC);
        else
                snprintf(what, sizeof what,
                        "no progress since the last report: the tree did not grow, no CPU time used");
        log_event(LOG_INFO, BERTH_MESSAGE_PROVISION_PROGRESS,
                "Provisioning %s: %s in %llu files so far, %llu s elapsed; %s.", run->what, sz,
                (unsigned long long) inodes, (unsigned long long) ((now - p->start) / USEC_PER_SEC), what);
        if (grew || busy) {
                if (run->on_progress)
                        run->on_progress(run->userdata);
                char msg[64];
                snprintf(msg, sizeof msg, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long) p->interval * 3);
                int q = notify_send(msg);
                if (q < 0)
                        log_debug_errno(q, "Failed to send %s to $NOTIFY_SOCKET, ignoring: %m", msg);
        }
        p->bytes = bytes;
        p->inodes = inodes;
        /* A reaped orphan's time leaves the sum: never let the baseline go down. */
        if (cpu > p->cpu)
                p->cpu = cpu;
}

/* Runs argv, reporting progress on run->watch_fd (report_progress()); returns 0 on success with the
 * wait status in *ret_status, or a negative errno: our own failure, or -EINTR when stopped by a
 * signal (*ret_stopped). */
static int run_provisioner(const Context *c, const ProvisionRun *run, const char *path, char **argv,
        int *ret_status, bool *ret_stopped)
{
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_close_ int pidfd = -1;
        sigset_t mask, old;
        int r;

        *ret_stopped = false;
        r = build_env(&env);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, &old) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                r = log_error_errno(errno, "Failed to watch signals: %m");
                goto restore;
        }

        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                r = log_error_errno(errno, "Failed to fork: %m");
                goto restore;
        }
        if (pid == 0)
                run_child(path, argv, env, &old, parent);
        (void) setpgid(pid, pid); /* also here: whichever runs first, the group exists before we kill it */

        pidfd = pidfd_open_(pid);
        Progress progress = { .interval = provision_progress_interval(),
                .start = now_usec(CLOCK_MONOTONIC) };
        usec_t next = progress.start + progress.interval;
        /* Growth counts from what was there at the start (the directory itself, and beside it). */
        (void) tree_usage_at(run->watch_fd, &progress.bytes, &progress.inodes);

        for (;;) {
                usec_t now = now_usec(CLOCK_MONOTONIC);
                int timeout = now >= next ? 0 : (int) ((next - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
                struct pollfd p[2] = {
                        { .fd = pidfd, .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                };
                /* Without a pidfd (kernel < 5.3), poll for the child every 100 ms. */
                if (pidfd < 0 && (timeout < 0 || timeout > 100))
                        timeout = 100;
                int k = poll(p, 2, timeout);
                if (k < 0 && errno != EINTR) {
                        r = log_error_errno(errno, "Failed to wait for the provisioner: %m");
                        break;
                }

                int status;
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid) {
                        *ret_status = status;
                        r = 0;
                        goto restore;
                }

                if (k > 0 && (p[1].revents & POLLIN)) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof si) == (ssize_t) sizeof si) {
                                log_error(
                                        "Received %s while provisioning: stopping the provisioner and removing the partial tree.",
                                        strsignal((int) si.ssi_signo));
                                *ret_stopped = true;
                                break;
                        }
                }

                now = now_usec(CLOCK_MONOTONIC);
                if (now >= next) {
                        report_progress(run, &progress, pid, now);
                        next = now + progress.interval;
                }
        }

        /* Stopped, or our own failure: the provisioner and everything it started goes. */
        (void) kill(-pid, SIGKILL);
        (void) kill(pid, SIGKILL);
        for (;;) {
                int status;
                if (waitpid(pid, &status, 0) >= 0 || errno != EINTR)
                        break;
        }
        if (*ret_stopped)
                r = -EINTR;

restore:
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

static void describe_status(int status, char *buf, size_t size)
{
        if (WIFEXITED(status))
                snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                snprintf(buf, size, "was killed by signal %s", sigabbrev_np(WTERMSIG(status)) ?: "?");
        else
                snprintf(buf, size, "ended with wait status 0x%x", status);
}

/* The provisioner's command line for run->target (or run->argv as given), its program found, its
 * source checked: every error here names what to fix. */
static int provision_command(const Context *c, const char *target, char ***ret_argv, char **ret_program)
{
        const Entry *e = c->entry;
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        r = provision_argv(e, target, &argv);
        if (r == -EPROTONOSUPPORT)
                return log_error_errno(r,
                        "%s:%u: Provision=tar: cannot tell the compression of %s from its name; accepted: " TAR_SUFFIXES_ACCEPTED
                        ".",
                        strempty(e->origins[CONTAINER_PROVISION].file), e->origins[CONTAINER_PROVISION].line,
                        e->provision_args[0]);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s:%u: Provision=%s: wrong number of arguments.",
                        strempty(e->origins[CONTAINER_PROVISION].file), e->origins[CONTAINER_PROVISION].line,
                        provision_kind_to_string(e->provision));

        if (e->provision == PROVISION_COPY || e->provision == PROVISION_TAR) {
                struct stat st;
                if (stat(e->provision_args[0], &st) < 0)
                        return log_error_errno(errno,
                                "Provision=%s %s: the source cannot be read: %m. Fix the path in %s.",
                                provision_kind_to_string(e->provision), e->provision_args[0], e->source);
                if (e->provision == PROVISION_COPY && !S_ISDIR(st.st_mode))
                        return log_error_errno(ENOTDIR,
                                "Provision=copy %s: not a directory. Fix the path in %s.",
                                e->provision_args[0], e->source);
                if (e->provision == PROVISION_TAR && !S_ISREG(st.st_mode))
                        return log_error_errno(EINVAL,
                                "Provision=tar %s: not a regular file. Fix the path in %s.",
                                e->provision_args[0], e->source);
        }

        r = find_program(argv[0], ret_program);
        if (r < 0)
                return log_error_errno(r,
                        "Provision=%s needs %s, which is not %s (PATH=%s): %m. Install it%s.",
                        provision_kind_to_string(e->provision), argv[0],
                        strchr(argv[0], '/') ? "executable" : "installed", PROVISION_PATH,
                        e->provision == PROVISION_DEBOOTSTRAP ? " ('apt install debootstrap')"
                        : e->provision == PROVISION_PULL      ? " ('apt install " PULL_PACKAGE "')"
                        : e->provision == PROVISION_DNF       ? " (dnf or yum)"
                                                              : "");
        *ret_argv = TAKE_PTR(argv);
        return 0;
}

static bool network_set_up_in_new_root(const Entry *e)
{
        return e->manage_network &&
               (e->network_link == NETWORK_LINK_VETH || e->network_link == NETWORK_LINK_ZONE ||
                       e->network_link == NETWORK_LINK_BRIDGE);
}

int provision_dry_run(const Context *c, const char *what, const char *target)
{
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *program = NULL, *cmdline = NULL;

        int r = provision_command(c, target, &argv, &program);
        if (r < 0)
                return r;
        if (!(cmdline = strv_join(argv, " ")))
                return log_oom();
        log_info("Would provision %s with: %s (in a temporary directory, renamed into place on success).",
                what, cmdline);
        if (c->entry->provision == PROVISION_PULL && pull_url_is_raw(c->entry->provision_args[0]))
                pull_raw_dry_run(c->entry, target);
        return 0;
}

int provision_fill(const Context *c, ProvisionRun *run)
{
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *program = NULL, *cmdline = NULL;
        int r;

        assert(c && run && run->target);
        if (run->argv) {
                if (!(argv = strv_copy(run->argv)))
                        return log_oom();
                r = find_program(argv[0], &program);
                if (r < 0)
                        return log_error_errno(
                                r, "%s is not installed (PATH=%s): %m.", argv[0], PROVISION_PATH);
        } else {
                r = provision_command(c, run->target, &argv, &program);
                if (r < 0)
                        return r;
        }
        if (!argv || !argv[0])
                return log_error_errno(EINVAL, "Provisioning %s: no command to run.", run->what);
        if (!(cmdline = strv_join(argv, " ")))
                return log_oom();
        snprintf(run->argv0, sizeof run->argv0, "%s", argv[0]);

        log_event(LOG_INFO, BERTH_MESSAGE_PROVISION_STARTED, "Provisioning %s: %s", run->what, cmdline);
        int status = 0;
        bool stopped;
        r = run_provisioner(c, run, program, argv, &status, &stopped);
        if (r < 0) {
                if (stopped)
                        log_event(LOG_ERR, BERTH_MESSAGE_PROVISION_FAILED,
                                "Provisioning failed at step '%s': stopped by a signal (the unit's start timeout?). Nothing was left behind; the next start provisions again.",
                                argv[0]);
                return r;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                char how[64];
                describe_status(status, how, sizeof how);
                if (c->entry->provision == PROVISION_PULL && !run->argv)
                        pull_explain_failure(c->entry);
                return log_event_errno(LOG_ERR, EIO, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step '%s': %s %s. Its output is in the log above; the partial tree is removed now. Fix the cause (Provision= in %s) and start again. (This was the provisioning of %s.)",
                        argv[0], program, how, c->entry->source, run->what);
        }
        return 0;
}

int provision_check_tree(
        const Context *c, const ProvisionRun *run, int tree_fd, const char *tree, bool scan_devices)
{
        /* A provisioner that "succeeded" but made no bootable tree must not leave an unusable root
         * fs (or image) behind for good. */
        Context check = *c;
        check.directory = (char *) tree;
        int r = validate_rootfs(&check, tree_fd);
        if (r < 0) {
                log_event(LOG_ERR, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step 'check the new tree': %s succeeded, but what it made is not a usable root file system (see above). The partial tree is removed now.",
                        run->argv0);
                return r;
        }
        if (!scan_devices)
                return 0;

        /* A device node in the tree is one the container can open: its root is not mounted nodev,
         * and the stock systemd-nspawn@.service allows block-loop, block-blkext (which includes
         * NVMe partitions) and block-device-mapper (LVM, dm-crypt) for nspawn's --image=. An image
         * from elsewhere could thus bring a node of the host's own disk. */
        char path[PATH_MAX];
        dev_t rdev = 0;
        bool block = false;
        r = tree_find_device_node(tree_fd, path, sizeof path, &rdev, &block);
        if (r < 0)
                return log_event_errno(LOG_ERR, r, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step 'check the new tree': cannot read %s: %m", tree);
        if (r > 0)
                return log_event_errno(LOG_ERR, EPERM, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step 'check the new tree': %s made the %s device node %s (%u:%u). A container can open the device nodes of its root (the stock systemd-nspawn@.service allows loop, blkext and device-mapper devices, among them the host's NVMe partitions and LVM volumes), so berth provisions no tree with a device node other than null, zero, full, random, urandom, tty, console and ptmx. Remove it where the tree or image is made (Provision= in %s). The partial tree is removed now.",
                        run->argv0, block ? "block" : "character", path, major(rdev), minor(rdev),
                        c->entry->source);
        return 0;
}

static double seconds(usec_t u)
{
        return (double) u / USEC_PER_SEC;
}

/* A btrfs snapshot of the subvolume src_fd as parent_fd/name, which must not exist. -ENOTTY,
 * -EXDEV, -EINVAL …: not possible here (not btrfs, not a subvolume, another file system). */
static int snapshot_at(int src_fd, int parent_fd, const char *name)
{
        struct statfs sfs;
        struct stat st;
        if (fstatfs(src_fd, &sfs) < 0 || sfs.f_type != BTRFS_SUPER_MAGIC || fstat(src_fd, &st) < 0 ||
                st.st_ino != 256 /* BTRFS_FIRST_FREE_OBJECTID: a subvolume's root */)
                return -ENOTTY;
        struct btrfs_ioctl_vol_args_v2 args = { .fd = src_fd };
        snprintf(args.name, sizeof args.name, "%s", name);
        return ioctl(parent_fd, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0 ? -errno : 0;
}

/* Makes the container root from src (the image's tree, or the Provision=copy source): a snapshot
 * or a copy in a fresh sibling, given its own machine identity, checked, its network set up,
 * written to disk, renamed into place. im: the image (NULL for Provision=copy). */
static int clone_into_place(const Context *c, int pfd, int src_fd, const char *src, const Image *im)
{
        _cleanup_(identity_keys_done) IdentityKeys keys = { .pid = -1, .dir_fd = -1 };
        _cleanup_strv_free_ char **copy = NULL;
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int tfd = -1, dfd = -1;
        const char *how, *step;
        int r;
        /* How long each step took, for the log: on a file system without reflinks the copy and
         * its write-out are most of a second container's start, and an admin asking why a start
         * was slow should see which. */
        usec_t t_copy, t_identity, t_check, t_sync;

        if (asprintf(&tmp, "%s/.#%s.berth-XXXXXX", c->parent, c->name) < 0)
                return log_oom();
        if (!mkdtemp(tmp))
                return log_event_errno(LOG_ERR, errno, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step 'create a temporary directory' in %s: %m", c->parent);
        const char *tmpname = strrchr(tmp, '/') + 1;
        usec_t start = now_usec(CLOCK_MONOTONIC);

        /* From here on, every failure removes the partial tree. */
        if (unlinkat(pfd, tmpname, AT_REMOVEDIR) >= 0 && snapshot_at(src_fd, pfd, tmpname) >= 0) {
                how = "a btrfs snapshot";
                step = "snapshot";
                log_event(LOG_INFO, BERTH_MESSAGE_PROVISION_STARTED,
                        "Provisioning %s: a btrfs snapshot of %s", c->directory, src);
        } else {
                if (mkdirat(pfd, tmpname, 0700) < 0 && errno != EEXIST) {
                        r = log_error_errno(errno, "Failed to create %s: %m", tmp);
                        goto fail;
                }
                tfd = openat(pfd, tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (tfd < 0 || fchmod(tfd, 0755) < 0) {
                        r = log_error_errno(errno, "Failed to set up %s: %m", tmp);
                        goto fail;
                }
                if (im && copy_argv(src, tmp, &copy) < 0) {
                        r = log_oom();
                        goto fail;
                }
                /* The new SSH host keys (an RSA key takes a second or more) are made while cp runs. */
                identity_keys_start(c, src_fd, &keys);
                ProvisionRun run = { .what = c->directory, .target = tmp, .watch_fd = tfd, .argv = copy };
                r = provision_fill(c, &run);
                if (r < 0)
                        goto fail;
                how = "cp";
                step = "copy";
        }

        t_copy = now_usec(CLOCK_MONOTONIC);
        /* Again: the snapshot is a new directory, and cp replaced the owner and mode of the old one. */
        if (tfd >= 0)
                close(tfd);
        tfd = openat(pfd, tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0) {
                r = log_error_errno(errno, "Failed to open %s: %m", tmp);
                goto fail;
        }

        r = identity_reset(c, tfd, tmp, &keys);
        if (r < 0) {
                log_event(LOG_ERR, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step 'reset the machine identity in the new tree' (see above). The partial tree is removed now.");
                goto fail;
        }
        t_identity = now_usec(CLOCK_MONOTONIC);

        ProvisionRun check = { .what = c->directory };
        snprintf(check.argv0, sizeof check.argv0, "%s", im ? im->name : "cp");
        /* An image's clone is the image, whose tree was checked for device nodes when it was made;
         * a Provision=copy source was not. */
        r = provision_check_tree(c, &check, tfd, tmp, !im);
        if (r < 0)
                goto fail;

        /* The guest side of the container's network, in the tree that nothing uses yet: a failure
         * here leaves nothing behind either. */
        r = network_setup_new_root(c, tfd, tmp);
        if (r < 0) {
                log_event(LOG_ERR, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step 'set up the network in the new tree' (see above). The partial tree is removed now.");
                goto fail;
        }
        t_check = now_usec(CLOCK_MONOTONIC);

        /* On disk before it takes its place: a power cut after the rename must not leave a tree
         * of half-written files where berth never provisions again. Provisioners leave their data
         * in the page cache, so this is where most of the write-out happens. */
        if (syncfs(tfd) < 0) {
                r = log_event_errno(LOG_ERR, errno, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step 'write the new tree to disk': %m");
                goto fail;
        }
        t_sync = now_usec(CLOCK_MONOTONIC);

        const char *final = strrchr(c->directory, '/') + 1;
        /* rename() also replaces an empty directory left in place (by tmpfiles or an admin). */
        if (renameat(pfd, tmpname, pfd, final) < 0) {
                r = log_event_errno(LOG_ERR, errno, BERTH_MESSAGE_PROVISION_FAILED,
                        "Provisioning failed at step 'rename into place': renaming %s to %s: %m", tmp,
                        c->directory);
                goto fail;
        }
        (void) fsync(pfd);
        if (im)
                (void) image_record_clone(c, im);

        uint64_t bytes = 0, inodes = 0;
        char sz[32];
        dfd = openat(pfd, final, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd >= 0)
                (void) tree_usage_at(dfd, &bytes, &inodes);
        format_bytes(bytes, sz, sizeof sz);
        log_event(LOG_INFO, BERTH_MESSAGE_PROVISION_DONE,
                "Provisioned %s with %s%s%s: %s in %llu files, %.1f s (%s %.1f s, new identity %.1f s, check and network %.1f s, write to disk %.1f s).",
                c->directory, how, im ? " of image " : "", im ? im->name : "", sz,
                (unsigned long long) inodes, seconds(now_usec(CLOCK_MONOTONIC) - start), step,
                seconds(t_copy - start), seconds(t_identity - t_copy), seconds(t_check - t_identity),
                seconds(t_sync - t_check));
        return 0;

fail : {
        int k = rm_rf_at(pfd, tmpname);
        if (k < 0)
                log_error_errno(
                        k, "Failed to remove the partial tree %s: %m. The next start removes it.", tmp);
}
        return r < 0 ? r : -EIO;
}

int provision_run(const Context *c, int parent_fd)
{
        const Entry *e = c->entry;
        int r;

        if (e->provision == PROVISION_NONE)
                return log_event_errno(LOG_ERR, ENOENT, BERTH_MESSAGE_PREPARE_FAILED,
                        "Root file system %s does not exist and %s sets no Provision=. Create it (for example 'debootstrap --include=systemd,dbus bookworm %s'), or set Provision= in [Container] (debootstrap SUITE, dnf RELEASEVER PACKAGE..., tar PATH, copy PATH, command PROGRAM).",
                        c->directory, e->source, c->directory);

        if (!entry_uses_image(e)) {
                _cleanup_free_ char *tmp = NULL;
                if (asprintf(&tmp, "%s/.#%s.berth-XXXXXX", c->parent, c->name) < 0)
                        return log_oom();
                if (c->dry_run) {
                        r = provision_dry_run(c, c->directory, tmp);
                        if (r >= 0)
                                (void) identity_reset(c, -1, NULL, NULL);
                        if (r >= 0 && network_set_up_in_new_root(e))
                                log_info(
                                        "Would then enable systemd-networkd in the new tree (unless it has none or enables another network manager), and give it the host's name servers if it has none it could reach.");
                        return r;
                }
                /* The source is checked (and the copy's command line made) before anything is
                 * created. */
                _cleanup_strv_free_ char **argv = NULL;
                _cleanup_free_ char *program = NULL;
                r = provision_command(c, tmp, &argv, &program);
                if (r < 0)
                        return r;
                _cleanup_close_ int src_fd = open(e->provision_args[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (src_fd < 0)
                        return log_error_errno(errno,
                                "Provision=copy %s: the source cannot be read: %m. Fix the path in %s.",
                                e->provision_args[0], e->source);
                return clone_into_place(c, parent_fd, src_fd, e->provision_args[0], NULL);
        }

        _cleanup_(image_done) Image im = { .dir_fd = -1, .lock_fd = -1 };
        _cleanup_close_ int tree_fd = -1;
        r = image_init(c, &im);
        if (r < 0)
                return r;
        r = image_get(c, &im, &tree_fd);
        if (r < 0)
                return r;
        if (c->dry_run) {
                log_info("Would clone image %s to %s.", im.name, c->directory);
                (void) identity_reset(c, -1, NULL, NULL);
                if (network_set_up_in_new_root(e))
                        log_info(
                                "Would then enable systemd-networkd in the new tree (unless it has none or enables another network manager), and give it the host's name servers if it has none it could reach.");
                return 0;
        }
        return clone_into_place(c, parent_fd, tree_fd, im.tree, &im);
}
