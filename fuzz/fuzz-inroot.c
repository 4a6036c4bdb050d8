/* Fuzzes berth-prepare's in-root path resolver (helpers/prepare/rootfs.c) against a generated
 * hostile container tree: absolute symlinks, "../" chains, links to /proc/self/root, loops, FIFOs.
 * Every path it resolves must stay inside the root (checked on the opened fd itself, through
 * /proc/self/fd), with openat2() and with the fallback walk, and both must find the same file.
 * A sentinel directory next to the root is what an escape would reach. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "rootfs.h"

static char root_path[PATH_MAX];

static void check_inside(int fd, const char *lookup)
{
        char link[64], target[PATH_MAX];
        size_t rl = strlen(root_path);
        ssize_t n;

        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof target - 1);
        FUZZ_CHECK(n > 0);
        target[n] = '\0';
        if (!(strncmp(target, root_path, rl) == 0 && (target[rl] == '\0' || target[rl] == '/'))) {
                fprintf(stderr, "lookup \"%s\" escaped the root %s: opened %s\n", lookup, root_path, target);
                abort();
        }
}

/* Looks path up in one mode; returns the fd (checked to be inside) or -errno. */
static int lookup(int root_fd, const char *path, int flags, bool walk)
{
        int fd;

        rootfs_set_force_walk(walk);
        fd = rootfs_open_in(root_fd, path, flags);
        if (fd >= 0)
                check_inside(fd, path);
        else
                FUZZ_CHECK(fd != -EFAULT && fd != -EBADF);
        return fd;
}

static void lookup_both(int root_fd, const char *path, int flags)
{
        int a = lookup(root_fd, path, flags, false);
        int b = lookup(root_fd, path, flags, true);

        /* Both resolvers must agree on whether the file exists inside the root, and on which it is
         * (also for "" and a trailing "/" on a non-directory: ENOENT and ENOTDIR from both). */
        if ((a >= 0) != (b >= 0)) {
                fprintf(stderr, "lookup \"%s\" (flags 0%o): openat2 gives %d, the walk %d\n", path, flags, a,
                        b);
                abort();
        }
        if (a >= 0 && b >= 0) {
                struct stat sa, sb;
                FUZZ_CHECK(fstat(a, &sa) == 0 && fstat(b, &sb) == 0);
                FUZZ_CHECK(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
        }
        if (a >= 0)
                close(a);
        if (b >= 0)
                close(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *scratch;
        char sentinel[PATH_MAX];
        FuzzTree tree = { 0 };
        int root_fd;

        if (size > 16384)
                return 0;
        fuzz_quiet_logging();
        scratch = fuzz_scratch_dir();

        /* scratch/root is the container; scratch/outside/secret is what an escape would find. */
        FUZZ_CHECK(snprintf(root_path, sizeof root_path, "%s/root", scratch) < (int) sizeof root_path);
        FUZZ_CHECK(snprintf(sentinel, sizeof sentinel, "%s/outside", scratch) < (int) sizeof sentinel);
        FUZZ_CHECK(mkdir(root_path, 0755) == 0);
        FUZZ_CHECK(mkdir(sentinel, 0755) == 0);
        FUZZ_CHECK(fuzz_make_tree(sentinel, (const uint8_t *) "@f secret\nhost secret\n", 23, 0, NULL) == 0);

        if (fuzz_make_tree(root_path, data, size, FUZZ_TREE_HOSTILE_LINKS, &tree) < 0)
                return 0;

        root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        FUZZ_CHECK(root_fd >= 0);

        for (unsigned i = 0; i < tree.n_lookups; i++) {
                const char *path = tree.lookups[i];
                char *name = NULL;
                int dfd, fd;

                lookup_both(root_fd, path, O_PATH | O_CLOEXEC);
                lookup_both(root_fd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                /* O_DIRECTORY is refused by the kernel before any driver's open(): safe even if a
                 * resolver bug pointed it at a device. */
                lookup_both(root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                for (int walk = 0; walk <= 1; walk++) {
                        rootfs_set_force_walk(walk);
                        dfd = -1;
                        if (rootfs_open_parent(root_fd, path, &dfd, &name) >= 0) {
                                check_inside(dfd, path);
                                FUZZ_CHECK(name && name[0] && strcmp(name, ".") != 0 &&
                                           strcmp(name, "..") != 0 && !strchr(name, '/'));
                                close(dfd);
                                free(name);
                                name = NULL;
                        }
                }

                /* Reading only where the O_PATH lookup stayed inside (it aborts otherwise): FIFOs
                 * planted by the tree must be refused without blocking. */
                fd = lookup(root_fd, path, O_PATH | O_CLOEXEC, false);
                if (fd >= 0) {
                        char *content = NULL;
                        size_t n = 0;
                        struct stat st;
                        int r;

                        close(fd);
                        r = rootfs_read_file(root_fd, path, 4096, &content, &n, &st);
                        if (r >= 0) {
                                FUZZ_CHECK(S_ISREG(st.st_mode) && n <= 4096 && content);
                                free(content);
                        }
                }
        }

        close(root_fd);
        fuzz_tree_done(&tree);
        return 0;
}
