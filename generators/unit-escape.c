/* Escaping for what berth-generator writes into unit files (see unit-escape.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "unit-escape.h"

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

void text_put_unit_text(TextBuffer *b, const char *s)
{
        if (!strpbrk(s, "%\r\n")) {
                text_puts(b, s);
                return;
        }
        for (; *s; s++) {
                if (*s == '%')
                        text_putc(b, '%');
                /* systemd ends a line at CR as well as LF: neither may end ours early. */
                text_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
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

static void text_put_word(TextBuffer *b, const char *s, bool is_exec)
{
        static const char hex[] = "0123456789abcdef";
        bool quote = word_needs_quotes(s);

        if (!quote && !strpbrk(s, "%$")) {
                text_puts(b, s);
                return;
        }
        if (quote)
                text_putc(b, '"');
        for (; *s; s++) {
                unsigned char c = *s;
                if (c == '%' || (is_exec && c == '$'))
                        text_putc(b, (char) c); /* doubled */
                if (c == '"' || c == '\\')
                        text_putc(b, '\\');
                if (is_exec && c < ' ' && c != '\t') {
                        const char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
                        text_append(b, esc, sizeof esc);
                } else
                        text_putc(b, (char) c);
        }
        if (quote)
                text_putc(b, '"');
}

void text_put_exec_word(TextBuffer *b, const char *s)
{
        text_put_word(b, s, true);
}

void text_put_path_word(TextBuffer *b, const char *s)
{
        text_put_word(b, s, false);
}
