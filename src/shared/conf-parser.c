/* The unit-file syntax reader and small value parsers. It knows nothing about berth's keys: the
 * key tables (config-tables.c) and the loader (entry.c) sit on top of it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf-parser.h"
#include "macro.h"
#include "strv.h"
#include "text-buffer.h"

#define WHITESPACE " \t\r\n"

static bool is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *strstrip(char *s)
{
        char *e;

        while (is_ws(*s))
                s++;
        e = s + strlen(s);
        while (e > s && is_ws(e[-1]))
                *--e = '\0';
        return s;
}

int config_parse_boolean(const char *s)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

bool utf8_is_valid_n(const char *str, size_t n)
{
        const unsigned char *s = (const unsigned char *) str, *end = s + n;

        while (s < end) {
                unsigned c;
                size_t len;
                uint32_t cp, min;

                /* Runs of ASCII, the common case, eight bytes at a time. */
                while (end - s >= 8) {
                        uint64_t w;
                        memcpy(&w, s, sizeof w);
                        if (w & UINT64_C(0x8080808080808080))
                                break;
                        s += 8;
                }
                if (s == end)
                        break;
                c = *s;
                if (c < 0x80) {
                        s++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0)
                        len = 2, cp = c & 0x1f, min = 0x80;
                else if ((c & 0xf0) == 0xe0)
                        len = 3, cp = c & 0x0f, min = 0x800;
                else if ((c & 0xf8) == 0xf0)
                        len = 4, cp = c & 0x07, min = 0x10000;
                else
                        return false;
                if ((size_t) (end - s) < len)
                        return false;
                for (size_t i = 1; i < len; i++) {
                        if ((s[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                s += len;
        }
        return true;
}

/* A line ends in a continuation when it ends in an odd number of backslashes, as in systemd:
 * "\\" at the end is an escaped backslash, kept as written. */
static bool ends_in_continuation(const char *p, size_t n)
{
        size_t k = 0;

        while (k < n && p[n - 1 - k] == '\\')
                k++;
        return k % 2 == 1;
}

/* How many bytes of s to print so that at most max bytes are shown and no UTF-8 character is
 * cut in half (messages quote what was read, and must stay valid text). */
static int cut(const char *s, size_t max)
{
        size_t n = strnlen(s, max + 1);
        if (n <= max)
                return (int) n;
        n = max;
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
                n--;
        return (int) n;
}

bool config_text_may_hold_secret(const char *s)
{
        for (const char *p = s; *p; p++) {
                /* A crypt(3) hash starts "$ID$" (ID: 1-3 lower-case letters or digits: "$y$", "$6$",
                 * "$2b$", "$gy$"), whatever key it was written under. */
                if (*p == '$') {
                        size_t n = 0;
                        while (n < 4 && ((p[1 + n] >= 'a' && p[1 + n] <= 'z') ||
                                                (p[1 + n] >= '0' && p[1 + n] <= '9')))
                                n++;
                        if (n >= 1 && n <= 3 && p[1 + n] == '$')
                                return true;
                }
                /* The secret keys (RootPasswordHash=, RootPasswordHashFile=), also misspelled or
                 * before their '=' is found. */
                if (strncasecmp(p, "pass", 4) == 0)
                        return true;
        }
        return false;
}

typedef struct Parser {
        const ConfigParseCallbacks *cb;
        void *userdata;
        char *section; /* NULL: before any section header; else section_buf or malloc()ed */
        char section_buf[32]; /* every section berth knows fits: no malloc() per header */
        bool skip_section; /* inside an [X-…] or unknown section: keys are ignored */
        unsigned n_errors;
} Parser;

static int parser_report(Parser *p, unsigned line, const char *message)
{
        /* At most CONFIG_ERRORS_PER_FILE_MAX, then parser_too_many() says so once: one line can
         * hold more than one error, and a line that is refused whole (a lone CR) is not parsed. */
        if (p->n_errors >= CONFIG_ERRORS_PER_FILE_MAX)
                return 0;
        p->n_errors++;
        return p->cb->error(line, message, p->userdata);
}

static int parser_too_many(Parser *p, unsigned line)
{
        p->n_errors++;
        return p->cb->error(line, "Too many errors, ignoring the rest of the file", p->userdata);
}

/* Formats into a buffer on the stack: messages are short, and quoted input is cut (see cut()). */
#define parser_error(p, line, ...)                                                                          \
        ({                                                                                                  \
                char _msg_[512];                                                                            \
                snprintf(_msg_, sizeof _msg_, __VA_ARGS__);                                                 \
                parser_report((p), (line), _msg_);                                                          \
        })

/* One logical line, continuation already joined, not yet trimmed. */
static int parse_line(Parser *p, char *l, unsigned line)
{
        l = strstrip(l);
        if (*l == '\0' || *l == '#' || *l == ';')
                return 0;

        if (*l == '[') {
                size_t n = strlen(l);
                if (n < 3 || l[n - 1] != ']') {
                        if (config_text_may_hold_secret(l))
                                return parser_error(p, line,
                                        "Invalid section header (not shown: the line may hold a password hash): expected '[NAME]'");
                        return parser_error(p, line, "Invalid section header '%.*s%s': expected '[NAME]'",
                                cut(l, 80), l, strlen(l) > 80 ? "…" : "");
                }
                l[n - 1] = '\0';
                if (p->section != p->section_buf)
                        free(p->section);
                if (n - 2 < sizeof p->section_buf)
                        p->section = memcpy(p->section_buf, l + 1, n - 1);
                else if (!(p->section = strdup(l + 1)))
                        return -ENOMEM;
                p->skip_section = false;
                if (startswith(p->section, "X-"))
                        p->skip_section = true;
                else if (!p->cb->section_is_known(p->section, p->userdata)) {
                        p->skip_section = true;
                        if (config_text_may_hold_secret(p->section))
                                return parser_error(p, line,
                                        "Unknown section (its name is not shown: it may hold a password hash)%s%s",
                                        p->cb->unknown_section_hint ? "; accepted: " : "",
                                        strempty(p->cb->unknown_section_hint));
                        return parser_error(p, line, "Unknown section [%.*s]%s%s", cut(p->section, 80),
                                p->section, p->cb->unknown_section_hint ? "; accepted: " : "",
                                strempty(p->cb->unknown_section_hint));
                }
                return 0;
        }

        /* These two quote the line they refuse, so that the admin finds it; never a line that may
         * hold a secret (SPEC section 11): its key is not known yet, so the text itself decides. */
        char *eq = strchr(l, '=');
        bool secret = (!eq || !p->section) && config_text_may_hold_secret(l);
        if (!eq && secret)
                return parser_error(p, line,
                        "Missing '=' in a line that is not shown (it may hold a password hash): expected KEY=VALUE");
        if (!eq)
                return parser_error(p, line, "Missing '=' in '%.*s%s': expected KEY=VALUE", cut(l, 80), l,
                        strlen(l) > 80 ? "…" : "");
        if (!p->section && secret)
                return parser_error(p, line,
                        "Assignment outside of any section, in a line that is not shown (it may hold a password hash); put it under a [SECTION] header such as [Container]");
        if (!p->section)
                return parser_error(p, line,
                        "Assignment outside of any section: '%.*s%s'; put it under a [SECTION] header such as [Container]",
                        cut(l, 80), l, strlen(l) > 80 ? "…" : "");
        if (p->skip_section)
                return 0;

        *eq = '\0';
        char *key = strstrip(l), *value = strstrip(eq + 1);
        if (*key == '\0')
                return parser_error(p, line, "Missing key before '=': expected KEY=VALUE");
        if (startswith(key, "X-"))
                return 0;
        return p->cb->assignment(p->section, key, value, line, p->userdata);
}

int config_parse_text(const char *text, size_t size, const ConfigParseCallbacks *cb, void *userdata)
{
        Parser p = { .cb = cb, .userdata = userdata };
        TextBuffer b = {}; /* one logical line, continuations joined */
        const char *s = text, *end = text + size;
        unsigned line = 0, first_line = 0;
        bool continuing = false, skipping = false;
        int r = 0;

        /* One allocation for every line of the file (a logical line is at most the file). */
        b.allocated = (size < CONFIG_LINE_MAX ? size : CONFIG_LINE_MAX) + 2;
        b.data = malloc(b.allocated);
        if (!b.data)
                return -ENOMEM;

        /* A UTF-8 byte order mark is skipped, as systemd does. */
        if (size >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
                s += 3;

        while (s < end) {
                const char *nl = memchr(s, '\n', (size_t) (end - s));
                size_t n = nl ? (size_t) (nl - s) : (size_t) (end - s);
                const char *next = nl ? nl + 1 : end;

                line++;
                /* Binary content stops the file: one error, not one per line. */
                if (memchr(s, '\0', n)) {
                        r = parser_error(&p, line, "File contains a NUL byte: not a text file");
                        break;
                }
                if (!utf8_is_valid_n(s, n)) {
                        r = parser_error(&p, line, "Line is not valid UTF-8: the file must be UTF-8 text");
                        break;
                }
                if (n > 0 && s[n - 1] == '\r') /* CRLF line ends */
                        n--;
                /* systemd also ends a unit-file line at a lone CR: "Environment=A=1<CR>ExecStartPost=…"
                 * would be two settings to systemd and one to berth. Refuse the line. */
                if (memchr(s, '\r', n)) {
                        r = parser_error(&p, line,
                                "Line holds a carriage return (CR) inside it, which systemd reads as the end of a line; save the file with LF (or CRLF) line endings");
                        if (r < 0)
                                break;
                        if (p.n_errors >= CONFIG_ERRORS_PER_FILE_MAX) {
                                r = parser_too_many(&p, line);
                                break;
                        }
                        s = next;
                        continue;
                }

                if (continuing) {
                        /* Comment lines inside a continuation are dropped, as systemd does. */
                        const char *c = s;
                        while (c < s + n && is_ws(*c))
                                c++;
                        if (c < s + n && (*c == '#' || *c == ';')) {
                                s = next;
                                continue;
                        }
                } else
                        first_line = line;

                /* Trailing white space does not hide a continuation backslash. */
                size_t m = n;
                while (m > 0 && is_ws(s[m - 1]))
                        m--;
                bool cont = m > 0 && ends_in_continuation(s, m);

                if (skipping || b.size + n > CONFIG_LINE_MAX) {
                        if (!skipping) {
                                r = parser_error(&p, first_line, "Line is longer than %zu KiB",
                                        CONFIG_LINE_MAX / 1024);
                                if (r < 0)
                                        break;
                                if (p.n_errors >= CONFIG_ERRORS_PER_FILE_MAX) {
                                        r = parser_too_many(&p, first_line);
                                        break;
                                }
                        }
                        /* Skip the rest of this logical line. */
                        text_reset(&b);
                        continuing = skipping = cont;
                        s = next;
                        continue;
                }

                if (cont) {
                        text_append(&b, s, m - 1);
                        text_putc(&b, ' ');
                } else
                        text_append(&b, s, n);
                if (b.oom) {
                        r = -ENOMEM;
                        break;
                }
                s = next;
                if (cont && s < end) {
                        continuing = true;
                        continue;
                }

                continuing = false;
                r = parse_line(&p, b.data, first_line);
                text_reset(&b);
                if (r < 0)
                        break;
                if (p.n_errors >= CONFIG_ERRORS_PER_FILE_MAX) {
                        r = parser_too_many(&p, line);
                        break;
                }
        }

        text_buffer_done(&b);
        if (p.section != p.section_buf)
                free(p.section);
        return r < 0 ? r : 0;
}

/* Appends one C escape at *p (just after the backslash) to the word. */
static int unescape_one(const char **p, char *out, size_t *n_out)
{
        const char *s = *p;
        static const char map[][2] = { { 'a', '\a' }, { 'b', '\b' }, { 'f', '\f' }, { 'n', '\n' },
                { 'r', '\r' }, { 't', '\t' }, { 'v', '\v' }, { '\\', '\\' }, { '"', '"' }, { '\'', '\'' },
                { 's', ' ' } };

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (*s == map[i][0]) {
                        out[(*n_out)++] = map[i][1];
                        *p = s + 1;
                        return 0;
                }

        if (*s == 'x' && strchr("0123456789abcdefABCDEF", s[1]) && s[1] &&
                strchr("0123456789abcdefABCDEF", s[2]) && s[2]) {
                char hex[3] = { s[1], s[2], 0 };
                unsigned v = (unsigned) strtoul(hex, NULL, 16);
                if (v != 0) { /* \x00 would cut the word: kept as written instead */
                        out[(*n_out)++] = (char) v;
                        *p = s + 3;
                        return 0;
                }
        }
        if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
                unsigned v =
                        (unsigned) (s[0] - '0') * 64 + (unsigned) (s[1] - '0') * 8 + (unsigned) (s[2] - '0');
                if (v != 0) {
                        out[(*n_out)++] = (char) v;
                        *p = s + 3;
                        return 0;
                }
        }
        /* Unknown escape: kept as written (systemd's "relaxed" unescaping for ExecStart=). */
        out[(*n_out)++] = '\\';
        out[(*n_out)++] = *s;
        *p = s + 1;
        return 0;
}

int split_command_line(const char *s, char ***ret, const char **ret_error)
{
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        _cleanup_free_ char *word = malloc(strlen(s) * 2 + 1);
        const char *err = NULL;

        if (!l || !word)
                return -ENOMEM;

        for (;;) {
                size_t n = 0;
                char quote = 0;
                bool in_word = false;

                while (is_ws(*s))
                        s++;
                if (*s == '\0')
                        break;

                for (;;) {
                        char c = *s;
                        if (c == '\0') {
                                if (quote) {
                                        err = quote == '"' ? "unbalanced double quote (\")"
                                                           : "unbalanced single quote (')";
                                        goto fail;
                                }
                                break;
                        }
                        if (!quote && is_ws(c))
                                break;
                        s++;
                        in_word = true;
                        if (quote && c == quote) {
                                quote = 0;
                                continue;
                        }
                        if (!quote && (c == '"' || c == '\'')) {
                                quote = c;
                                continue;
                        }
                        if (c == '\\') {
                                if (*s == '\0') {
                                        err = "trailing backslash";
                                        goto fail;
                                }
                                unescape_one(&s, word, &n);
                                continue;
                        }
                        word[n++] = c;
                }
                if (in_word) {
                        word[n] = '\0';
                        if (strv_extend(&l, word) < 0)
                                return -ENOMEM;
                }
        }

        *ret = TAKE_PTR(l);
        if (ret_error)
                *ret_error = NULL;
        return 0;

fail:
        if (ret_error)
                *ret_error = err;
        return -EINVAL;
}
