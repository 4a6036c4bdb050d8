/* Temporary directory trees for the loader tests: created under mkdtemp(), removed afterwards. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char test_tree_root[256];

static inline void tree_mkdir_p(const char *path)
{
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        (void) mkdir(buf, 0755);
                        *p = '/';
                }
        (void) mkdir(buf, 0755);
}

static inline void tree_free(void);

/* A new empty tree (the previous one is removed; the last one at exit); returns its root. */
static inline const char *tree_new(void)
{
        static int registered;
        tree_free();
        if (!registered) {
                atexit(tree_free);
                registered = 1;
        }
        snprintf(test_tree_root, sizeof test_tree_root, "/tmp/berth-unit-XXXXXX");
        if (!mkdtemp(test_tree_root)) {
                perror("mkdtemp");
                abort();
        }
        return test_tree_root;
}

/* TREE/rel, for messages. Returns a static buffer (rotating, 8 slots). */
static inline const char *tree_path(const char *rel)
{
        static char bufs[8][1024];
        static unsigned i;
        char *b = bufs[i++ % 8];
        snprintf(b, 1024, "%s/%s", test_tree_root, rel);
        return b;
}

/* Writes content (may be binary with size) to TREE/rel, creating directories, with mode. */
static inline void tree_write_n(const char *rel, const void *content, size_t size, mode_t mode)
{
        char path[1024], dir[1024];
        snprintf(path, sizeof path, "%s/%s", test_tree_root, rel);
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = '\0';
        tree_mkdir_p(dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || write(fd, content, size) != (ssize_t) size) {
                perror(path);
                abort();
        }
        (void) fchmod(fd, mode);
        close(fd);
}

static inline void tree_write(const char *rel, const char *content)
{
        tree_write_n(rel, content, strlen(content), 0600);
}

static inline void tree_symlink(const char *target, const char *rel)
{
        char path[1024], dir[1024];
        snprintf(path, sizeof path, "%s/%s", test_tree_root, rel);
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = '\0';
        tree_mkdir_p(dir);
        if (symlink(target, path) < 0) {
                perror(path);
                abort();
        }
}

static inline int tree_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) st;
        (void) ftw;
        if (flag == FTW_DP)
                rmdir(p);
        else
                unlink(p);
        return 0;
}

static inline void tree_free(void)
{
        if (test_tree_root[0])
                nftw(test_tree_root, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
        test_tree_root[0] = '\0';
}
