/* bench-run: runs commands N times each, interleaved, and prints median wall time, median CPU time
 * (user+sys) and peak RSS per command, so that a 1-entry timing is not swamped by a shell's
 * fork/exec overhead and machine-load drift hits every command alike. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"

extern char **environ;

#define REPS_MAX 1000

typedef struct Command {
        const char *label;
        char **envp; /* environ plus the command's own VAR=VALUE words */
        char **argv; /* points into the runner's argv */
        double wall_ms[REPS_MAX];
        double cpu_ms[REPS_MAX];
        long max_rss_kb;
} Command;

static unsigned arg_reps = 5;
static unsigned arg_warmup = 1;
static const char *arg_fresh = NULL;
static const char *arg_log = "/dev/null";
static const char *arg_before = NULL;
static int arg_expect_status = 0;

static void help(void)
{
        printf("Usage: bench-run [OPTIONS] --cmd LABEL [VAR=VALUE...] PROGRAM [ARG...] [--cmd LABEL ...]\n\n"
               "Runs every command --reps times (after --warmup untimed runs), interleaved, and prints\n"
               "one line per command:  LABEL REPS WALL_MS CPU_MS MAX_RSS_KB WALL_MIN_MS\n"
               "(medians; CPU is user+sys of the child; RSS is the largest over all runs).\n\n"
               "  --reps=N            timed runs per command (default 5)\n"
               "  --warmup=N          untimed runs per command first (default 1)\n"
               "  --fresh=DIR         remove DIR and create it empty before every run (not timed)\n"
               "  --before=COMMAND    run COMMAND with /bin/sh -c before every run (not timed)\n"
               "  --log=FILE          append the commands' stdout and stderr to FILE (default /dev/null)\n"
               "  --expect-status=N   fail unless every run exits N (default 0)\n");
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) st;
        (void) ftw;
        if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0)
                return errno ? -errno : -EIO;
        return 0;
}

/* A fresh, empty output directory for each run, as systemd gives its generators. */
static int make_fresh(const char *dir)
{
        int r = nftw(dir, rm_one, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
        if (r != 0 && errno != ENOENT) {
                fprintf(stderr, "bench-run: Failed to remove %s: %m\n", dir);
                return -errno;
        }
        if (mkdir(dir, 0755) < 0) {
                fprintf(stderr, "bench-run: Failed to create %s: %m\n", dir);
                return -errno;
        }
        return 0;
}

static double timespec_ms(const struct timespec *a, const struct timespec *b)
{
        return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

static double timeval_ms(const struct timeval *t)
{
        return t->tv_sec * 1e3 + t->tv_usec / 1e3;
}

static int run_once(Command *c, int log_fd, double *ret_wall, double *ret_cpu)
{
        posix_spawn_file_actions_t fa;
        struct timespec t0, t1;
        struct rusage ru;
        pid_t pid;
        int status, r;

        if (arg_fresh && make_fresh(arg_fresh) < 0)
                return -1;
        if (arg_before) {
                /* --before is a shell command by design (drop caches, reset state): the user's own */
                r = system(arg_before); // NOLINT(cert-env33-c)
                if (r != 0) {
                        fprintf(stderr, "bench-run: --before command '%s' failed (%s %d)\n", arg_before,
                                r > 0 && WIFEXITED(r) ? "exit status" : "status",
                                r > 0 && WIFEXITED(r) ? WEXITSTATUS(r) : r);
                        return -1;
                }
        }

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, log_fd, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, log_fd, STDERR_FILENO);

        clock_gettime(CLOCK_MONOTONIC, &t0);
        r = posix_spawn(&pid, c->argv[0], &fa, NULL, c->argv, c->envp);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                fprintf(stderr, "bench-run: Failed to run %s: %s\n", c->argv[0], strerror(r));
                return -1;
        }
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR) {
                        fprintf(stderr, "bench-run: Failed to wait for %s: %m\n", c->argv[0]);
                        posix_spawn_file_actions_destroy(&fa);
                        return -1;
                }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        posix_spawn_file_actions_destroy(&fa);

        if (!WIFEXITED(status) || WEXITSTATUS(status) != arg_expect_status) {
                fprintf(stderr, "bench-run: %s (%s) %s %d, expected exit status %d (output in %s)\n",
                        c->label, c->argv[0], WIFEXITED(status) ? "exited with status" : "killed by signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), arg_expect_status,
                        arg_log);
                return -1;
        }

        *ret_wall = timespec_ms(&t0, &t1);
        *ret_cpu = timeval_ms(&ru.ru_utime) + timeval_ms(&ru.ru_stime);
        if (ru.ru_maxrss > c->max_rss_kb)
                c->max_rss_kb = ru.ru_maxrss;
        return 0;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
        qsort(v, n, sizeof *v, cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool is_assignment(const char *s)
{
        const char *eq = strchr(s, '=');
        return eq && eq != s && s[0] != '/' && s[0] != '.';
}

/* Splits "--cmd LABEL [VAR=VALUE...] PROGRAM [ARG...]" groups. Each command's argv ends where the
 * next "--cmd" begins: that slot is overwritten with NULL (the runner's argv is ours to change). */
static int parse_commands(int argc, char **argv, Command **ret, size_t *ret_n)
{
        _cleanup_free_ Command *cmds = NULL;
        size_t n = 0, n_environ = 0;

        while (environ[n_environ])
                n_environ++;

        if (argc == 0 || !streq(argv[0], "--cmd")) {
                fprintf(stderr, "bench-run: expected '--cmd LABEL PROGRAM...', got '%s'\n",
                        argc > 0 ? argv[0] : "nothing");
                return -EINVAL;
        }

        for (int i = 0; i < argc;) {
                /* Here argv[i] is a "--cmd" marker (possibly already replaced by NULL). */
                if (i + 1 >= argc) {
                        fprintf(stderr, "bench-run: '--cmd' without LABEL\n");
                        return -EINVAL;
                }
                Command *c = realloc(cmds, (n + 1) * sizeof *cmds);
                if (!c)
                        return -ENOMEM;
                cmds = c;
                c = &cmds[n++];
                memset(c, 0, sizeof *c);
                c->label = argv[i + 1];
                i += 2;

                int first = i;
                while (i < argc && is_assignment(argv[i]))
                        i++;
                if (i >= argc || streq(argv[i], "--cmd")) {
                        fprintf(stderr, "bench-run: command '%s' has no program\n", c->label);
                        return -EINVAL;
                }
                c->envp = calloc(n_environ + (i - first) + 1, sizeof(char *));
                if (!c->envp)
                        return -ENOMEM;
                /* The command's own assignments first: getenv() returns the first match. */
                size_t k = 0;
                for (int j = first; j < i; j++)
                        c->envp[k++] = argv[j];
                for (size_t j = 0; j < n_environ; j++)
                        c->envp[k++] = environ[j];

                c->argv = &argv[i];
                while (i < argc && !streq(argv[i], "--cmd"))
                        i++;
                if (i < argc)
                        argv[i] = NULL; /* ends this argv; the next group starts here */
        }
        *ret = TAKE_PTR(cmds);
        *ret_n = n;
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option options[] = { { "help", no_argument, NULL, 'h' },
                { "reps", required_argument, NULL, 'r' }, { "warmup", required_argument, NULL, 'w' },
                { "fresh", required_argument, NULL, 'f' }, { "log", required_argument, NULL, 'l' },
                { "before", required_argument, NULL, 'b' },
                { "expect-status", required_argument, NULL, 'e' }, {} };
        int c;

        /* Options end at the first "--cmd": what follows belongs to the commands. */
        while (optind < argc && !streq(argv[optind], "--cmd") &&
                (c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'r':
                case 'w': {
                        char *end;
                        errno = 0;
                        unsigned long v = strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg || v > REPS_MAX || (c == 'r' && v == 0)) {
                                fprintf(stderr, "bench-run: invalid --%s=%s: expected 1-%d\n",
                                        c == 'r' ? "reps" : "warmup", optarg, REPS_MAX);
                                return 2;
                        }
                        *(c == 'r' ? &arg_reps : &arg_warmup) = v;
                        break;
                }
                case 'f':
                        arg_fresh = optarg;
                        break;
                case 'l':
                        arg_log = optarg;
                        break;
                case 'b':
                        arg_before = optarg;
                        break;
                case 'e': {
                        char *end;
                        errno = 0;
                        long v = strtol(optarg, &end, 10);
                        if (errno || *end || end == optarg || v < 0 || v > 255) {
                                fprintf(stderr, "bench-run: invalid --expect-status=%s: expected 0-255\n",
                                        optarg);
                                return 2;
                        }
                        arg_expect_status = (int) v;
                        break;
                }
                default:
                        return 2;
                }

        if (optind >= argc) {
                fprintf(stderr, "bench-run: no command given (see --help)\n");
                return 2;
        }

        _cleanup_free_ Command *cmds = NULL;
        size_t n_cmds;
        if (parse_commands(argc - optind, argv + optind, &cmds, &n_cmds) < 0)
                return 2;

        _cleanup_close_ int log_fd = open(arg_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
                fprintf(stderr, "bench-run: Failed to open %s: %m\n", arg_log);
                return 1;
        }

        for (unsigned rep = 0; rep < arg_warmup + arg_reps; rep++)
                for (size_t i = 0; i < n_cmds; i++) {
                        double wall, cpu;
                        if (run_once(&cmds[i], log_fd, &wall, &cpu) < 0)
                                return 1;
                        if (rep >= arg_warmup) {
                                cmds[i].wall_ms[rep - arg_warmup] = wall;
                                cmds[i].cpu_ms[rep - arg_warmup] = cpu;
                        }
                }

        for (size_t i = 0; i < n_cmds; i++) {
                Command *cmd = &cmds[i];
                double wall = median(cmd->wall_ms, arg_reps);
                double wall_min = cmd->wall_ms[0]; /* sorted by median() */
                printf("%s %u %.3f %.3f %ld %.3f\n", cmd->label, arg_reps, wall,
                        median(cmd->cpu_ms, arg_reps), cmd->max_rss_kb, wall_min);
                free(cmd->envp);
        }
        return 0;
}
