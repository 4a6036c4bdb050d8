/* Escaping for what berth-generator writes into unit files (see unit-escape.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "unit-escape.h"

#define UNIT_NAME_MAX 255

static bool char_is_unit_safe(char c)
{
        /* systemd keeps these in an escaped name as they are; everything else becomes \xNN. */
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
               c == '_' || c == '.';
}

int unit_name_from_path(const char *path, const char *suffix, char **ret)
{
        static const char hex[] = "0123456789abcdef";
        size_t n = strlen(path), sl = strlen(suffix);
        char *buf, *o;
        bool first = true;

        if (path[0] != '/')
                return -EINVAL;

        /* Worst case every byte becomes \xNN. */
        buf = malloc(n * 4 + sl + 2);
        if (!buf)
                return -ENOMEM;
        o = buf;

        /* Walk the components: "//" and "/./" collapse, leading and trailing "/" go, ".." is refused
         * (systemd refuses to make a unit name for a path that is not normalized). */
        for (const char *p = path; *p;) {
                const char *e;
                size_t l;

                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                e = strchrnul(p, '/');
                l = e - p;
                if (l == 1 && p[0] == '.') {
                        p = e;
                        continue;
                }
                if (l == 2 && p[0] == '.' && p[1] == '.') {
                        free(buf);
                        return -EINVAL;
                }
                if (!first)
                        *o++ = '-';
                for (size_t i = 0; i < l; i++) {
                        char c = p[i];
                        /* A leading "." would make a hidden-looking name: escaped, as systemd does. */
                        if (char_is_unit_safe(c) && !(first && i == 0 && c == '.'))
                                *o++ = c;
                        else {
                                *o++ = '\\';
                                *o++ = 'x';
                                *o++ = hex[(unsigned char) c >> 4];
                                *o++ = hex[(unsigned char) c & 15];
                        }
                }
                first = false;
                p = e;
        }
        if (first) /* the root directory */
                *o++ = '-';
        memcpy(o, suffix, sl + 1);
        *ret = buf;
        return 0;
}

bool unit_name_is_valid(const char *name)
{
        static const char *const suffixes[] = { ".service", ".socket", ".target", ".device", ".mount",
                ".automount", ".swap", ".timer", ".path", ".slice", ".scope" };
        size_t n = strlen(name);
        const char *at, *dot;
        bool has_suffix = false;

        if (n == 0 || n > UNIT_NAME_MAX)
                return false;
        for (const char *c = name; *c; c++)
                if (!char_is_unit_safe(*c) && *c != '-' && *c != '@' && *c != '\\')
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (endswith(name, suffixes[i]))
                        has_suffix = true;
        if (!has_suffix)
                return false;
        dot = strrchr(name, '.');
        if (dot == name)
                return false;
        at = strchr(name, '@');
        if (at && (at == name || strchr(at + 1, '@')))
                return false;
        return true;
}

void fputs_unit_text(FILE *f, const char *s)
{
        if (!strpbrk(s, "%\r\n")) {
                fputs(s, f);
                return;
        }
        for (; *s; s++) {
                if (*s == '%')
                        fputc('%', f);
                /* systemd ends a line at CR as well as LF: neither may end ours early. */
                fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
        }
}

static bool word_needs_quotes(const char *s)
{
        if (!*s)
                return true;
        for (; *s; s++) {
                char c = *s;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            strchr("/._:=+,@-%$", c)))
                        return true;
        }
        return false;
}

static void fputs_word(FILE *f, const char *s, bool is_exec)
{
        bool quote = word_needs_quotes(s);

        if (!quote && !strpbrk(s, "%$")) {
                fputs(s, f);
                return;
        }
        if (quote)
                fputc('"', f);
        for (; *s; s++) {
                unsigned char c = *s;
                if (c == '%' || (is_exec && c == '$'))
                        fputc(c, f); /* doubled */
                if (c == '"' || c == '\\')
                        fputc('\\', f);
                if (is_exec && c < ' ' && c != '\t')
                        fprintf(f, "\\x%02x", c);
                else
                        fputc(c, f);
        }
        if (quote)
                fputc('"', f);
}

void fputs_exec_word(FILE *f, const char *s)
{
        fputs_word(f, s, true);
}

void fputs_path_word(FILE *f, const char *s)
{
        fputs_word(f, s, false);
}
