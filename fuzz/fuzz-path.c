/* Fuzzes the path string helpers every program uses on Directory= and on names in containers.d:
 * path_simplify_absolute() must give a canonical absolute path (idempotent, no "//", no "." or ".."
 * component, no trailing "/"), and the name checks must agree with their documented rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "path-util.h"

static void check_simplified(const char *p)
{
        size_t n = strlen(p);

        FUZZ_CHECK(p[0] == '/');
        FUZZ_CHECK(!strstr(p, "//"));
        FUZZ_CHECK(!strstr(p, "/./"));
        FUZZ_CHECK(!strstr(p, "/../"));
        FUZZ_CHECK(n == 1 || p[n - 1] != '/');
        FUZZ_CHECK(!(n >= 2 && strcmp(p + n - 2, "/.") == 0));
        FUZZ_CHECK(!(n >= 3 && strcmp(p + n - 3, "/..") == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s, *again;
        int r;

        if (size > 65536)
                return 0;
        s = fuzz_strndup(data, size);
        if (!s)
                return 0;

        /* A machine name is also a valid file name component. */
        if (machine_name_is_valid(s)) {
                FUZZ_CHECK(filename_is_valid(s));
                FUZZ_CHECK(strlen(s) >= 1 && strlen(s) <= 64);
                FUZZ_CHECK(s[0] != '.' && s[0] != '-');
                FUZZ_CHECK(!strstr(s, ".."));
        }
        if (filename_is_valid(s))
                FUZZ_CHECK(!strchr(s, '/') && strlen(s) <= 255);

        r = path_simplify_absolute(s);
        if (r == 0) {
                check_simplified(s);
                again = strdup(s);
                if (again) {
                        FUZZ_CHECK(path_simplify_absolute(again) == 0);
                        FUZZ_CHECK(strcmp(again, s) == 0);
                        free(again);
                }
        } else
                FUZZ_CHECK(r == -EINVAL || r == -EBADMSG);

        free(s);
        return 0;
}
