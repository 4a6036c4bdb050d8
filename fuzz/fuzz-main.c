/* Replays fuzz inputs without libFuzzer, so every compiler and 'meson test --setup=valgrind' run the
 * checked-in corpora (and every crash that became a regression input) through the real targets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int replay_file(const char *path, unsigned *n)
{
        uint8_t *buf = NULL;
        size_t size = 0, allocated = 0;
        FILE *f;

        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        for (;;) {
                if (size == allocated) {
                        size_t na = allocated ? allocated * 2 : 4096;
                        uint8_t *nb = realloc(buf, na);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return -ENOMEM;
                        }
                        buf = nb;
                        allocated = na;
                }
                size_t k = fread(buf + size, 1, allocated - size, f);
                size += k;
                if (k == 0)
                        break;
        }
        fclose(f);

        (void) LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        printf("ok %u - %s\n", ++*n, path);
        fflush(stdout);
        return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay(const char *path, unsigned *n)
{
        struct dirent **names = NULL;
        struct stat st;
        int r = 0, k;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        if (!S_ISDIR(st.st_mode))
                return replay_file(path, n);

        k = scandir(path, &names, NULL, name_cmp);
        if (k < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        for (int i = 0; i < k; i++) {
                if (names[i]->d_name[0] != '.') {
                        char *p;
                        if (asprintf(&p, "%s/%s", path, names[i]->d_name) < 0)
                                r = -ENOMEM;
                        else {
                                if (replay(p, n) < 0)
                                        r = -EIO;
                                free(p);
                        }
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv)
{
        unsigned n = 0;
        int r = 0;

        /* Same valgrind options as tests/unit/tests.h, so a leak or an invalid access fails the run. */
        if (getenv("BERTH_VALGRIND") && !getenv("BERTH_UNDER_VALGRIND")) {
                static const char *const vg[] = { "valgrind", "--quiet", "--error-exitcode=99",
                        "--leak-check=full", "--show-leak-kinds=definite,indirect",
                        "--errors-for-leak-kinds=definite,indirect" };
                size_t nvg = sizeof vg / sizeof vg[0];
                char **args = calloc(nvg + (size_t) argc + 1, sizeof(char *));
                if (!args)
                        return 99;
                for (size_t i = 0; i < nvg; i++)
                        args[i] = (char *) vg[i];
                for (int i = 0; i < argc; i++)
                        args[nvg + (size_t) i] = argv[i];
                setenv("BERTH_UNDER_VALGRIND", "1", 1);
                execvp("valgrind", args);
                perror("valgrind");
                free(args);
                return 99;
        }

        if (argc < 2) {
                fprintf(stderr, "Usage: %s FILE|DIRECTORY...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                if (replay(argv[i], &n) < 0)
                        r = 1;
        if (n == 0) {
                fprintf(stderr, "No inputs found.\n");
                return 1;
        }
        printf("1..%u\n", n);
        return r;
}
