/* Path strings. */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "path-util.h"

char *path_join(const char *a, const char *b)
{
        size_t la = strlen(a);
        while (la > 0 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        size_t lb = strlen(b);
        char *r = malloc(la + 1 + lb + 1);
        if (!r)
                return NULL;
        memcpy(r, a, la);
        r[la] = '/';
        memcpy(r + la + 1, b, lb + 1);
        return r;
}

int path_split(const char *path, char **ret_dir, const char **ret_base)
{
        const char *slash = strrchr(path, '/');
        char *dir;

        if (!slash)
                dir = strdup(".");
        else if (slash == path)
                dir = strdup("/");
        else
                dir = strndup(path, slash - path);
        if (!dir)
                return -ENOMEM;
        if (isempty(slash ? slash + 1 : path)) {
                free(dir);
                return -EINVAL;
        }
        *ret_dir = dir;
        *ret_base = slash ? slash + 1 : path;
        return 0;
}

int path_simplify_absolute(char *path)
{
        char *out = path;
        const char *p = path;

        if (path[0] != '/')
                return -EINVAL;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t n = strcspn(p, "/");
                if (n == 1 && p[0] == '.') {
                        p += n;
                        continue;
                }
                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return -EBADMSG;
                *out++ = '/';
                memmove(out, p, n);
                out += n;
                p += n;
        }
        if (out == path)
                *out++ = '/';
        *out = '\0';
        return 0;
}

bool filename_is_valid(const char *s)
{
        if (isempty(s) || streq(s, ".") || streq(s, ".."))
                return false;
        if (strchr(s, '/'))
                return false;
        return strlen(s) <= 255;
}

bool machine_name_is_valid(const char *s)
{
        size_t n;

        if (isempty(s))
                return false;
        n = strlen(s);
        if (n > 64 || s[0] == '.' || s[0] == '-' || strstr(s, ".."))
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                            *c == '-' || *c == '_' || *c == '.'))
                        return false;
        return true;
}
