/* Helpers shared by the fuzz targets (see fuzz.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"

char *fuzz_strndup(const uint8_t *data, size_t size)
{
        return strndup((const char *) data, size);
}

void fuzz_quiet_logging(void)
{
        static int done;

        if (done)
                return;
        done = 1;
        log_setup("fuzz", LOG_TARGET_STDERR);
        if (!getenv("BERTH_FUZZ_VERBOSE"))
                log_set_max_level(LOG_CRIT);
}

static int unlink_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) st;
        if (ftw->level == 0)
                return 0;
        if (flag == FTW_DP) {
                /* The tree may have made a directory unwritable: make it writable to empty it. */
                (void) chmod(path, 0700);
                return rmdir(path) < 0 ? -1 : 0;
        }
        return unlink(path) < 0 ? -1 : 0;
}

int fuzz_empty_dir(const char *path)
{
        /* FTW_PHYS: never follow a symlink the fuzzed tree planted; FTW_DEPTH: children first. */
        if (nftw(path, unlink_cb, 16, FTW_PHYS | FTW_DEPTH | FTW_MOUNT) < 0)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

static char scratch[4096];

static void scratch_remove(void)
{
        if (scratch[0]) {
                (void) fuzz_empty_dir(scratch);
                (void) rmdir(scratch);
        }
}

const char *fuzz_scratch_dir(void)
{
        if (!scratch[0]) {
                const char *tmp = getenv("TMPDIR");

                if (!tmp || tmp[0] != '/')
                        tmp = "/tmp";
                if (snprintf(scratch, sizeof scratch, "%s/berth-fuzz.XXXXXX", tmp) >= (int) sizeof scratch ||
                        !mkdtemp(scratch)) {
                        perror("mkdtemp");
                        abort();
                }
                atexit(scratch_remove);
                return scratch;
        }
        if (fuzz_empty_dir(scratch) < 0) {
                perror("emptying the scratch directory");
                abort();
        }
        return scratch;
}

/* Opens the directory that will hold the last component of path, below dirfd, making missing
 * directories and never following a symlink. Returns the fd and the last component in *ret_name
 * (pointing into path, which is modified), -EINVAL for a path the tree must not hold. */
static int open_parent_nofollow(int dirfd, char *path, const char **ret_name)
{
        int fd = dup(dirfd);
        char *p = path, *slash;
        unsigned depth = 0;

        if (fd < 0)
                return -errno;
        while (*p == '/')
                p++;
        for (;;) {
                slash = strchr(p, '/');
                if (!slash)
                        break;
                *slash = '\0';
                if (*p != '\0' && strcmp(p, ".") != 0) {
                        int nfd;

                        if (strcmp(p, "..") == 0 || ++depth > 32) {
                                close(fd);
                                return -EINVAL;
                        }
                        (void) mkdirat(fd, p, 0755);
                        nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        close(fd);
                        if (nfd < 0)
                                return -EINVAL; /* a symlink, a file, a FIFO in the way */
                        fd = nfd;
                }
                p = slash + 1;
                while (*p == '/')
                        p++;
        }
        if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0 || strlen(p) > 255) {
                close(fd);
                return -EINVAL;
        }
        *ret_name = p;
        return fd;
}

/* Whether a relative symlink target, placed in the directory of link (relative to the tree),
 * stays inside the tree when read lexically. */
static int relative_target_stays_inside(const char *link, const char *target)
{
        int depth = 0;

        /* The directory of link: its components before the last one, "." and "" not counted. */
        for (const char *s = link; *s;) {
                size_t n = strcspn(s, "/");
                if (s[n] == '\0')
                        break;
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return 0;
                if (n > 0 && !(n == 1 && s[0] == '.'))
                        depth++;
                s += n;
                while (*s == '/')
                        s++;
        }
        for (const char *s = target; *s;) {
                size_t n = strcspn(s, "/");
                if (n == 2 && s[0] == '.' && s[1] == '.') {
                        if (--depth < 0)
                                return 0;
                } else if (n > 0 && !(n == 1 && s[0] == '.'))
                        depth++;
                s += n;
                while (*s == '/')
                        s++;
        }
        return 1;
}

void fuzz_tree_done(FuzzTree *t)
{
        for (unsigned i = 0; i < t->n_lookups; i++)
                free(t->lookups[i]);
        t->n_lookups = 0;
}

int fuzz_make_tree(const char *dir, const uint8_t *data, size_t size, unsigned flags, FuzzTree *ret)
{
        const char *p = (const char *) data, *end = p + size;
        unsigned records = 0;
        int dirfd, r = 0;

        if (ret)
                ret->n_lookups = 0;
        if (!data || size == 0) /* an empty tree */
                return 0;
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;

        /* Anything before the first "@" line is ignored. */
        while (p < end && records < FUZZ_TREE_RECORDS_MAX) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *line_end = nl ? nl : end;
                char type, *line, *arg, *path;
                const char *name = NULL;
                int pfd;

                if (line_end - p < 3 || p[0] != '@' || p[2] != ' ') {
                        p = nl ? nl + 1 : end;
                        continue;
                }
                type = p[1];
                line = strndup(p + 3, (size_t) (line_end - p - 3));
                p = nl ? nl + 1 : end;
                if (!line) {
                        r = -ENOMEM;
                        break;
                }
                records++;

                if (type == 'o') {
                        if (ret && ret->n_lookups < FUZZ_TREE_LOOKUPS_MAX)
                                ret->lookups[ret->n_lookups++] = line;
                        else
                                free(line);
                        continue;
                }

                /* PATH ends at the first space for types that take an argument. */
                arg = NULL;
                if (type == 'l' || type == 'x') {
                        arg = strchr(line, ' ');
                        if (!arg) {
                                free(line);
                                continue;
                        }
                        *arg++ = '\0';
                }
                path = strdup(line);
                if (!path) {
                        free(line);
                        r = -ENOMEM;
                        break;
                }
                pfd = open_parent_nofollow(dirfd, path, &name);
                if (pfd >= 0 && !name) { /* cannot happen; says so to the static analyzers */
                        close(pfd);
                        pfd = -EINVAL;
                }
                if (pfd < 0) {
                        free(path);
                        free(line);
                        if (pfd != -EINVAL) {
                                r = pfd;
                                break;
                        }
                        continue;
                }

                switch (type) {
                case 'f': {
                        /* Content: every following line up to the next "@X " line, newlines kept. */
                        const char *c = p;
                        while (p < end) {
                                if (end - p >= 3 && p[0] == '@' && p[2] == ' ')
                                        break;
                                const char *n2 = memchr(p, '\n', (size_t) (end - p));
                                p = n2 ? n2 + 1 : end;
                        }
                        int fd = openat(pfd, name,
                                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
                        if (fd >= 0) {
                                struct stat st;
                                /* Only ever write into a regular file the tree made. */
                                if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && p > c)
                                        (void) !write(fd, c, (size_t) (p - c));
                                close(fd);
                        }
                        break;
                }
                case 'd':
                        (void) mkdirat(pfd, name, 0755);
                        break;
                case 'l': {
                        const char *target = arg;
                        char *rewritten = NULL;

                        if (*target == '\0')
                                break;
                        if (!(flags & FUZZ_TREE_HOSTILE_LINKS)) {
                                if (target[0] == '/' && strcmp(target, "/dev/null") != 0) {
                                        if (asprintf(&rewritten, "%s%s", dir, target) < 0) {
                                                r = -ENOMEM;
                                                break;
                                        }
                                        target = rewritten;
                                } else if (target[0] != '/' && !relative_target_stays_inside(line, target))
                                        break;
                        }
                        /* Failing (an existing name) is part of what the input can say. */
                        if (symlinkat(target, pfd, name) < 0)
                                errno = 0;
                        free(rewritten);
                        break;
                }
                case 'p':
                        (void) mkfifoat(pfd, name, 0644);
                        break;
                case 'x': {
                        unsigned long mode = strtoul(arg, NULL, 8);
                        if (fchmodat(pfd, name, (mode_t) (mode & 07777), AT_SYMLINK_NOFOLLOW) < 0)
                                errno = 0;
                        break;
                }
                default:
                        break;
                }
                close(pfd);
                free(path);
                free(line);
                if (r < 0)
                        break;
        }
        close(dirfd);
        if (r < 0 && ret)
                fuzz_tree_done(ret);
        return r;
}
