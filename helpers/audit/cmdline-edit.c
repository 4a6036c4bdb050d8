/* Text editors for 'berth-audit fix': audit=0 into GRUB defaults and /etc/kernel/cmdline. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmdline-edit.h"
#include "macro.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- errors ---- */

_printf_(3, 4) static int edit_error(EditError *err, unsigned line, const char *format, ...)
{
        va_list ap;

        if (err) {
                err->line = line;
                va_start(ap, format);
                vsnprintf(err->message, sizeof err->message, format, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

static unsigned line_of(const char *t, size_t pos)
{
        unsigned line = 1;
        for (size_t i = 0; i < pos; i++)
                if (t[i] == '\n')
                        line++;
        return line;
}

/* Both readers (the word editor and the command skipper) refuse a quote left open the same way. */
static int unclosed_quote(EditError *err, const char *t, size_t open)
{
        return edit_error(err, line_of(t, open),
                "the quote %c opened here is never closed, so the file is not valid shell", t[open]);
}

int text_check(const char *text, size_t size, EditError *err)
{
        for (size_t i = 0; i < size; i++) {
                unsigned char c = (unsigned char) text[i];
                if (c == '\0')
                        return edit_error(err, line_of(text, i),
                                "contains a NUL byte (offset %zu): not a text file", i);
                if (c < 0x20 && !strchr("\t\n\r\v\f", c))
                        return edit_error(err, line_of(text, i),
                                "contains the control character 0x%02x (offset %zu): not a text file", c, i);
        }
        return 0;
}

/* ---- kernel command line parameters ---- */

/* The kernel's own idea of white space between parameters (isspace() in lib/cmdline.c). */
static bool kernel_is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

typedef struct Param {
        size_t start, end; /* [start, end) in the decoded string */
        size_t eq; /* index of the first '=', or end when there is none */
} Param;

/* Finds the parameter at or after *pos, the way the kernel's next_arg() splits them: double quotes
 * group white space into one parameter. Returns false at the end. */
static bool kernel_next_param(const char *s, size_t n, size_t *pos, Param *ret)
{
        size_t i = *pos;
        bool in_quote = false;

        while (i < n && kernel_is_space(s[i]))
                i++;
        if (i >= n)
                return false;
        *ret = (Param){ .start = i, .eq = SIZE_MAX };
        for (; i < n; i++) {
                if (kernel_is_space(s[i]) && !in_quote)
                        break;
                if (s[i] == '=' && ret->eq == SIZE_MAX)
                        ret->eq = i;
                if (s[i] == '"')
                        in_quote = !in_quote;
        }
        ret->end = i;
        if (ret->eq == SIZE_MAX)
                ret->eq = i;
        *pos = i;
        return true;
}

static bool param_is_dashdash(const char *s, const Param *p)
{
        return p->end - p->start == 2 && s[p->start] == '-' && s[p->start + 1] == '-';
}

static bool param_has_name(const char *s, const Param *p, const char *name)
{
        size_t b = p->start, l = strlen(name);
        if (s[b] == '"') /* "audit=1" quoted as a whole */
                b++;
        return p->eq > b && p->eq - b == l && memcmp(s + b, name, l) == 0 && p->eq < p->end;
}

/* The value with the kernel's quotes removed. */
static char *param_value(const char *s, const Param *p)
{
        char *v = malloc(p->end - p->eq + 1), *o = v;
        if (!v)
                return NULL;
        for (size_t i = p->eq + 1; i < p->end; i++)
                if (s[i] != '"')
                        *o++ = s[i];
        *o = '\0';
        return v;
}

bool audit_value_is_off(const char *value)
{
        return streq(value, "0") || strcasecmp(value, "off") == 0;
}

int kernel_cmdline_get(const char *cmdline, const char *key, char **ret)
{
        size_t n = strlen(cmdline), pos = 0;
        Param p, last;
        bool found = false;

        while (kernel_next_param(cmdline, n, &pos, &p)) {
                if (param_is_dashdash(cmdline, &p))
                        break;
                if (param_has_name(cmdline, &p, key)) {
                        last = p;
                        found = true;
                }
        }
        if (!found) {
                *ret = NULL;
                return 0;
        }
        *ret = param_value(cmdline, &last);
        return *ret ? 1 : -ENOMEM;
}

/* ---- shell words ---- */

typedef enum SegmentKind {
        SEGMENT_UNQUOTED,
        SEGMENT_SINGLE, /* '...' */
        SEGMENT_DOUBLE, /* "..." */
} SegmentKind;

/* One shell word (an assignment's value), decoded as sh would read it, with the position in
 * the raw text of every decoded character, so edits of the decoded value map back to bytes. */
typedef struct Word {
        size_t start, end; /* raw [start, end) */
        char *chars; /* decoded, NUL-terminated */
        size_t n;
        size_t *raw_start, *raw_end; /* per decoded character */
        size_t *segment; /* per decoded character: index into the segment arrays */
        SegmentKind *segment_kind;
        size_t *segment_close; /* raw position of a quoted segment's closing quote */
        size_t n_segments;
        bool has_unquoted_backslash;
} Word;

static void word_done(Word *w)
{
        free(w->chars);
        free(w->raw_start);
        free(w->raw_end);
        free(w->segment);
        free(w->segment_kind);
        free(w->segment_close);
        *w = (Word){};
}

static bool shell_ends_word(char c)
{
        return strchr(" \t\n;&|<>()", c) != NULL;
}

static void word_add(Word *w, bool record, char c, size_t raw_start, size_t raw_end)
{
        if (record) {
                w->chars[w->n] = c;
                w->raw_start[w->n] = raw_start;
                w->raw_end[w->n] = raw_end;
                w->segment[w->n] = w->n_segments - 1;
        }
        w->n++;
}

static int word_segment(Word *w, bool record, SegmentKind kind)
{
        if (record)
                w->segment_kind[w->n_segments] = kind;
        w->n_segments++;
        return 0;
}

/* Reads the word at raw position start. Without record only its extent and sizes are found
 * (the first pass, which sizes the arrays of the second). Expansions that can contain white
 * space or quotes of their own ($(...), `...`, ${...}) are refused: the word could not be mapped
 * back safely. */
static int word_scan(const char *t, size_t size, size_t start, Word *w, bool record, EditError *err)
{
        size_t p = start;
        SegmentKind current = SEGMENT_UNQUOTED;
        bool in_unquoted_segment = false;

        w->start = start;
        w->n = w->n_segments = 0;
        w->has_unquoted_backslash = false;

        while (p < size) {
                char c = t[p];

                if (c == '\'' || c == '"') {
                        size_t open = p;
                        current = c == '\'' ? SEGMENT_SINGLE : SEGMENT_DOUBLE;
                        in_unquoted_segment = false;
                        word_segment(w, record, current);
                        for (p++;; p++) {
                                if (p >= size)
                                        return unclosed_quote(err, t, open);
                                if (t[p] == c)
                                        break;
                                if (current == SEGMENT_DOUBLE && t[p] == '\\' && p + 1 < size &&
                                        strchr("$`\"\\\n", t[p + 1])) {
                                        if (t[p + 1] != '\n') /* backslash-newline: a continuation */
                                                word_add(w, record, t[p + 1], p, p + 2);
                                        p++;
                                        continue;
                                }
                                if (current == SEGMENT_DOUBLE &&
                                        ((t[p] == '$' && p + 1 < size && strchr("({", t[p + 1])) ||
                                                t[p] == '`'))
                                        return edit_error(err, line_of(t, p),
                                                "the value uses $(...), ${...} or `...`, which berth-audit "
                                                "cannot edit safely; add audit=0 by hand");
                                word_add(w, record, t[p], p, p + 1);
                        }
                        if (record)
                                w->segment_close[w->n_segments - 1] = p;
                        p++;
                        continue;
                }

                if (shell_ends_word(c) || (c == '\r' && p + 1 < size && t[p + 1] == '\n'))
                        break;

                if ((c == '$' && p + 1 < size && strchr("({", t[p + 1])) || c == '`')
                        return edit_error(err, line_of(t, p),
                                "the value uses $(...), ${...} or `...`, which berth-audit cannot edit "
                                "safely; add audit=0 by hand");

                if (!in_unquoted_segment) {
                        current = SEGMENT_UNQUOTED;
                        in_unquoted_segment = true;
                        word_segment(w, record, current);
                        if (record)
                                w->segment_close[w->n_segments - 1] = SIZE_MAX;
                }
                if (c == '\\') {
                        w->has_unquoted_backslash = true;
                        if (p + 1 >= size)
                                return edit_error(err, line_of(t, p), "the file ends in a backslash");
                        if (t[p + 1] != '\n')
                                word_add(w, record, t[p + 1], p, p + 2);
                        p += 2;
                        continue;
                }
                word_add(w, record, c, p, p + 1);
                p++;
        }
        w->end = p;
        if (record)
                w->chars[w->n] = '\0';
        return 0;
}

static int word_read(const char *t, size_t size, size_t start, Word *ret, EditError *err)
{
        Word w = {};
        int r;

        r = word_scan(t, size, start, &w, false, err);
        if (r < 0)
                return r;
        size_t n = w.n, ns = w.n_segments;
        w.chars = malloc(n + 1);
        w.raw_start = calloc(n + 1, sizeof(size_t));
        w.raw_end = calloc(n + 1, sizeof(size_t));
        w.segment = calloc(n + 1, sizeof(size_t));
        w.segment_kind = calloc(ns + 1, sizeof(SegmentKind));
        w.segment_close = calloc(ns + 1, sizeof(size_t));
        if (!w.chars || !w.raw_start || !w.raw_end || !w.segment || !w.segment_kind || !w.segment_close) {
                word_done(&w);
                return -ENOMEM;
        }
        r = word_scan(t, size, start, &w, true, err);
        if (r < 0) {
                word_done(&w);
                return r;
        }
        *ret = w;
        return 0;
}

/* ---- edits: replace raw [pos, pos+len) with text ---- */

typedef struct Edit {
        size_t pos, len;
        char text[32];
} Edit;

typedef struct Edits {
        Edit *items;
        size_t n;
} Edits;

static int edits_add(Edits *e, size_t pos, size_t len, const char *text)
{
        Edit *items = realloc(e->items, (e->n + 1) * sizeof(Edit));
        if (!items)
                return -ENOMEM;
        e->items = items;
        e->items[e->n] = (Edit){ .pos = pos, .len = len };
        snprintf(e->items[e->n].text, sizeof e->items[e->n].text, "%s", text);
        e->n++;
        return 0;
}

static int edit_cmp(const void *a, const void *b)
{
        const Edit *x = a, *y = b;
        return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int edits_apply(Edits *e, const char *t, size_t size, const char *tail, char **ret, size_t *ret_size)
{
        size_t total = size + strlen(tail) + 1;
        char *out, *o;

        for (size_t i = 0; i < e->n; i++)
                total += strlen(e->items[i].text);
        out = o = malloc(total);
        if (!out)
                return -ENOMEM;
        if (e->n > 0)
                qsort(e->items, e->n, sizeof(Edit), edit_cmp);
        size_t p = 0;
        for (size_t i = 0; i < e->n; i++) {
                memcpy(o, t + p, e->items[i].pos - p);
                o += e->items[i].pos - p;
                o = stpcpy(o, e->items[i].text);
                p = e->items[i].pos + e->items[i].len;
        }
        memcpy(o, t + p, size - p);
        o += size - p;
        o = stpcpy(o, tail);
        *ret_size = o - out;
        *ret = out;
        return 0;
}

typedef enum AppendMode {
        APPEND_NEVER, /* GRUB_CMDLINE_LINUX_DEFAULT: only rewrite what is there */
        APPEND_SHELL_WORD, /* GRUB_CMDLINE_LINUX: append inside the word, keeping its quoting */
        APPEND_PLAIN, /* /etc/kernel/cmdline: after the last parameter */
} AppendMode;

/* Plans the edits that make w's last audit= parameter "off". Returns 1 when edits were added, 0
 * when it already is. */
static int word_plan_audit_off(
        const Word *w, const char *t, AppendMode mode, const char *what, Edits *edits, EditError *err)
{
        const char *s = w->chars;
        size_t pos = 0, quotes = 0;
        bool any_audit = false, dashdash = false, changed = false;
        Param p;
        int r;

        for (size_t i = 0; i < w->n; i++)
                if (s[i] == '"')
                        quotes++;

        while (kernel_next_param(s, w->n, &pos, &p)) {
                if (param_is_dashdash(s, &p)) {
                        dashdash = true;
                        break;
                }
                if (!param_has_name(s, &p, "audit"))
                        continue;
                any_audit = true;

                _cleanup_free_ char *value = param_value(s, &p);
                if (!value)
                        return -ENOMEM;
                if (audit_value_is_off(value))
                        continue;

                /* An odd number of kernel quotes before the value ("audit=1" quoted whole) means the
                 * value's end carries the closing quote: keep one. */
                size_t q = 0;
                for (size_t i = p.start; i <= p.eq; i++)
                        q += s[i] == '"';
                char text[8];
                if (q % 2 == 0)
                        strcpy(text, "0");
                else if (mode == APPEND_PLAIN || w->segment_kind[w->segment[p.eq]] == SEGMENT_SINGLE)
                        strcpy(text, "0\"");
                else
                        strcpy(text, "0\\\""); /* inside "..." or unquoted, the shell needs \" */

                if (p.eq + 1 == p.end) /* "audit=": the value goes right after '=' */
                        r = edits_add(edits, w->raw_end[p.eq], 0, text);
                else {
                        for (size_t i = p.eq + 1; i + 1 < p.end; i++)
                                if (w->segment[i] != w->segment[i + 1] ||
                                        w->raw_end[i] != w->raw_start[i + 1])
                                        return edit_error(err, line_of(t, w->raw_start[p.eq]),
                                                "the audit= value in %s is split by shell quoting or "
                                                "escapes; "
                                                "set it to audit=0 by hand",
                                                what);
                        if (q % 2 == 1 &&
                                w->segment_kind[w->segment[p.eq + 1]] != w->segment_kind[w->segment[p.eq]])
                                return edit_error(err, line_of(t, w->raw_start[p.eq]),
                                        "the audit= value in %s is split by shell quoting; set it to "
                                        "audit=0 by hand",
                                        what);
                        size_t b = w->raw_start[p.eq + 1], e = w->raw_end[p.end - 1];
                        r = edits_add(edits, b, e - b, text);
                }
                if (r < 0)
                        return r;
                changed = true;
        }

        if (changed || any_audit || mode == APPEND_NEVER)
                return changed;

        if (dashdash)
                return edit_error(err, w->n > 0 ? line_of(t, w->start) : 0,
                        "%s contains \"--\" (what follows goes to init, not the kernel); add audit=0 before "
                        "it by hand",
                        what);
        if (quotes % 2 == 1)
                return edit_error(err, line_of(t, w->start),
                        "%s has an unbalanced double quote; add audit=0 by hand", what);

        bool need_space = w->n > 0 && !kernel_is_space(s[w->n - 1]);
        const char *add = need_space ? " audit=0" : "audit=0";

        if (mode == APPEND_PLAIN) {
                /* After the last non-blank character, so a trailing newline stays last. */
                size_t i = w->n;
                while (i > 0 && kernel_is_space(s[i - 1]))
                        i--;
                return edits_add(edits, i > 0 ? w->raw_end[i - 1] : 0, 0, i > 0 ? " audit=0" : "audit=0")
                               ?: 1;
        }

        if (w->n_segments == 0) /* GRUB_CMDLINE_LINUX= */
                return edits_add(edits, w->start, 0, "\"audit=0\"") ?: 1;

        size_t last = w->n_segments - 1;
        if (w->segment_kind[last] != SEGMENT_UNQUOTED)
                return edits_add(edits, w->segment_close[last], 0, add) ?: 1;

        bool all_unquoted = true;
        for (size_t i = 0; i < w->n_segments; i++)
                all_unquoted = all_unquoted && w->segment_kind[i] == SEGMENT_UNQUOTED;
        if (all_unquoted && !w->has_unquoted_backslash) {
                /* GRUB_CMDLINE_LINUX=quiet → GRUB_CMDLINE_LINUX="quiet audit=0": the same value,
                 * since an assignment is not split into words or globbed. */
                char quoted_add[16];
                snprintf(quoted_add, sizeof quoted_add, "%s\"", add);
                r = edits_add(edits, w->start, 0, "\"");
                if (r < 0)
                        return r;
                return edits_add(edits, w->end, 0, quoted_add) ?: 1;
        }
        /* Backslashes mean something else inside double quotes: add a quoted piece instead. */
        return edits_add(edits, w->end, 0, need_space ? "\" audit=0\"" : "\"audit=0\"") ?: 1;
}

/* ---- GRUB defaults: a shell fragment ---- */

enum { VAR_LINUX, VAR_LINUX_DEFAULT, _VAR_MAX };
static const char *const var_names[_VAR_MAX] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };

typedef struct Scan {
        bool found[_VAR_MAX];
        size_t value_pos[_VAR_MAX]; /* of the last assignment */
        unsigned first_line; /* of the first assignment to GRUB_CMDLINE_LINUX */
} Scan;

static size_t skip_line(const char *t, size_t size, size_t p)
{
        while (p < size && t[p] != '\n')
                p++;
        return p < size ? p + 1 : p;
}

/* Skips the shell command that starts at p, up to and including the newline that ends it, reading
 * it as sh's lexer would: quotes ('...', "...", `...`) and backslash escapes can carry the command
 * over line ends, and '#' at the start of a word begins a comment. Lines we do not edit are kept
 * byte for byte, but they must be read this way: a quote left open on one of them changes what
 * sh makes of every line after it, and editing those lines as if it did not would not be
 * idempotent. A quote that is never closed is an error: the file is not valid shell, so
 * grub-mkconfig could not read it either. Known limit: here-document bodies are read as commands,
 * so an apostrophe in one is refused (GRUB defaults files have no here-documents). */
static int skip_command(const char *t, size_t size, size_t p, size_t *ret, EditError *err)
{
        bool word_start = true;

        while (p < size) {
                char c = t[p];

                if (c == '\n') {
                        *ret = p + 1;
                        return 0;
                }
                if (c == '#' && word_start) {
                        *ret = skip_line(t, size, p);
                        return 0;
                }
                if (c == '\\') {
                        p = MIN(p + 2, size);
                        word_start = false;
                        continue;
                }
                if (c == '\'' || c == '"' || c == '`') {
                        size_t open = p;
                        for (p++;; p++) {
                                if (p >= size)
                                        return unclosed_quote(err, t, open);
                                if (t[p] == c)
                                        break;
                                if (c != '\'' &&
                                        t[p] == '\\') /* in "..." and `...`, \ escapes the next byte */
                                        p++;
                        }
                        p++;
                        word_start = false;
                        continue;
                }
                word_start = strchr(" \t;&|<>()", c) != NULL;
                p++;
        }
        *ret = p;
        return 0;
}

static bool is_name_char(char c, bool first)
{
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               (!first && c >= '0' && c <= '9');
}

static int var_index(const char *t, size_t len)
{
        for (int i = 0; i < _VAR_MAX; i++)
                if (strlen(var_names[i]) == len && memcmp(t, var_names[i], len) == 0)
                        return i;
        return -1;
}

/* Finds the assignments that matter. What is an error, and what is not: a GRUB defaults file is
 * sourced by grub-mkconfig as sh, so every line that is not one of our two assignments (comments,
 * blank lines, other variables, 'export', 'if', '. FILE', even text without '=') is kept byte for
 * byte and not judged. Our variables must be plain NAME=VALUE assignments (optionally after
 * 'export', optionally followed by a comment or ';'); anything else naming them (NAME+=,
 * NAME = value, NAME value) is refused, since we cannot tell what the shell would make of it. */
static int grub_scan(const char *t, size_t size, Scan *ret, EditError *err)
{
        Scan s = {};
        size_t p = 0;
        int r;

        while (p < size) {
                while (p < size && (t[p] == ' ' || t[p] == '\t'))
                        p++;
                if (p >= size)
                        break;
                if (t[p] == '\n' || t[p] == '#') {
                        p = skip_line(t, size, p);
                        continue;
                }

                size_t q = p;
                bool exported = false;
                if (strneq(t + q, "export", MIN(6, size - q)) && size - q > 6 &&
                        (t[q + 6] == ' ' || t[q + 6] == '\t')) {
                        exported = true;
                        q += 6;
                        while (q < size && (t[q] == ' ' || t[q] == '\t'))
                                q++;
                }
                size_t l = 0;
                while (q + l < size && is_name_char(t[q + l], l == 0))
                        l++;
                int v = l > 0 ? var_index(t + q, l) : -1;

                if (l == 0 || q + l >= size || t[q + l] != '=') {
                        /* 'export GRUB_CMDLINE_LINUX' alone is harmless; other uses are not assignments
                         * we understand. */
                        if (v >= 0 && !(exported && (q + l >= size || strchr(" \t\n;#", t[q + l]))))
                                return edit_error(err, line_of(t, q),
                                        "%s is not assigned as %s=VALUE (no blanks around '=', no '+='); "
                                        "fix the line by hand",
                                        var_names[v], var_names[v]);
                        r = skip_command(t, size, p, &p, err);
                        if (r < 0)
                                return r;
                        continue;
                }

                if (v == VAR_LINUX && s.first_line == 0)
                        s.first_line = line_of(t, q);

                Word w = {};
                size_t value = q + l + 1;
                r = word_scan(t, size, value, &w, false, err);
                if (r < 0) {
                        if (v >= 0)
                                return r;
                        /* someone else's variable, say with $(...): not ours to edit, but where
                         * its command ends still matters */
                        r = skip_command(t, size, p, &p, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (v >= 0) {
                        s.found[v] = true;
                        s.value_pos[v] = value;
                }

                p = w.end;
                while (p < size && (t[p] == ' ' || t[p] == '\t'))
                        p++;
                if (p >= size)
                        break;
                if (t[p] == ';') {
                        p++;
                        continue;
                }
                if (t[p] == '\n' || t[p] == '#' || (t[p] == '\r' && p + 1 < size && t[p + 1] == '\n')) {
                        p = skip_line(t, size, p);
                        continue;
                }
                if (v >= 0)
                        return edit_error(err, line_of(t, p),
                                "unexpected text after the value of %s; accepted is %s=VALUE, optionally "
                                "followed by a comment",
                                var_names[v], var_names[v]);
                r = skip_command(t, size, p, &p, err);
                if (r < 0)
                        return r;
        }
        *ret = s;
        return 0;
}

unsigned grub_defaults_find_cmdline_assignment(const char *text, size_t size)
{
        Scan s = {};
        EditError err = {};

        if (grub_scan(text, size, &s, &err) < 0)
                return err.line > 0 ? err.line : 1;
        return s.first_line;
}

int grub_defaults_set_audit_off(const char *text, size_t size, char **ret, size_t *ret_size, EditError *err)
{
        Edits edits = {};
        Scan s;
        int r;

        r = text_check(text, size, err);
        if (r < 0)
                return r;
        r = grub_scan(text, size, &s, err);
        if (r < 0)
                return r;

        for (int v = 0; v < _VAR_MAX; v++) {
                Word w = {};
                if (!s.found[v])
                        continue;
                r = word_read(text, size, s.value_pos[v], &w, err);
                if (r >= 0)
                        r = word_plan_audit_off(&w, text, v == VAR_LINUX ? APPEND_SHELL_WORD : APPEND_NEVER,
                                var_names[v], &edits, err);
                word_done(&w);
                if (r < 0)
                        goto finish;
        }

        const char *tail = "";
        if (!s.found[VAR_LINUX]) {
                /* A last line ending in an unescaped backslash continues into whatever is appended:
                 * the shell would join our assignment to it. Refuse rather than guess. */
                size_t e = size > 0 && text[size - 1] == '\n' ? size - 1 : size, k = 0;
                while (k < e && text[e - 1 - k] == '\\')
                        k++;
                size_t b = e; /* start of the last line: a comment's backslash continues nothing */
                while (b > 0 && text[b - 1] != '\n')
                        b--;
                while (b < e && (text[b] == ' ' || text[b] == '\t'))
                        b++;
                if (k % 2 == 1 && text[b] != '#') {
                        unsigned lines = 1;
                        for (size_t i = 0; i < e; i++)
                                lines += text[i] == '\n';
                        r = edit_error(err, lines,
                                "the last line ends with a line continuation ('\\'), which would swallow an "
                                "added "
                                "GRUB_CMDLINE_LINUX= line; remove the backslash or end that line");
                        goto finish;
                }
                tail = size == 0 || text[size - 1] == '\n' ? "GRUB_CMDLINE_LINUX=\"audit=0\"\n"
                                                           : "\nGRUB_CMDLINE_LINUX=\"audit=0\"\n";
        }
        if (edits.n == 0 && !*tail) {
                r = 0;
                goto finish;
        }
        r = edits_apply(&edits, text, size, tail, ret, ret_size);
        if (r >= 0 && *tail) {
                /* The appended line must read as an assignment of its own, as sh would read it: a
                 * last line that only looks like a comment (it starts inside a quote opened on an
                 * earlier line) and ends in a backslash would swallow it. */
                Scan check = {};
                EditError ignored = {};
                if (grub_scan(*ret, *ret_size, &check, &ignored) < 0 || !check.found[VAR_LINUX]) {
                        unsigned lines = 1;
                        for (size_t i = 0; i < size; i++)
                                lines += text[i] == '\n';
                        free(*ret);
                        *ret = NULL;
                        *ret_size = 0;
                        r = edit_error(err, lines,
                                "the last line ends with a line continuation ('\\'), which would swallow an "
                                "added GRUB_CMDLINE_LINUX= line; remove the backslash or end that line");
                        goto finish;
                }
        }
        if (r >= 0)
                r = 1;
finish:
        free(edits.items);
        return r;
}

int kernel_cmdline_file_set_audit_off(
        const char *text, size_t size, char **ret, size_t *ret_size, EditError *err)
{
        Edits edits = {};
        Word w = {};
        int r;

        r = text_check(text, size, err);
        if (r < 0)
                return r;
        if (size == 0) {
                *ret = strdup("audit=0\n");
                *ret_size = 8;
                return *ret ? 1 : -ENOMEM;
        }

        /* The file is not shell: every byte is itself, in one unquoted piece. */
        w.chars = malloc(size + 1);
        w.raw_start = calloc(size, sizeof(size_t));
        w.raw_end = calloc(size, sizeof(size_t));
        w.segment = calloc(size, sizeof(size_t));
        w.segment_kind = calloc(1, sizeof(SegmentKind));
        w.segment_close = calloc(1, sizeof(size_t));
        if (!w.chars || !w.raw_start || !w.raw_end || !w.segment || !w.segment_kind || !w.segment_close) {
                r = -ENOMEM;
                goto finish;
        }
        memcpy(w.chars, text, size);
        w.chars[size] = '\0';
        w.n = size;
        w.end = size;
        w.n_segments = 1;
        for (size_t i = 0; i < size; i++) {
                w.raw_start[i] = i;
                w.raw_end[i] = i + 1;
        }

        r = word_plan_audit_off(&w, text, APPEND_PLAIN, "the kernel command line", &edits, err);
        if (r > 0) {
                r = edits_apply(&edits, text, size, "", ret, ret_size);
                if (r >= 0)
                        r = 1;
        }
finish:
        word_done(&w);
        free(edits.items);
        return r;
}

/* ---- unified diff ---- */

typedef struct Line {
        const char *p;
        size_t len; /* with the '\n', when there is one */
} Line;

static int split_lines(const char *t, size_t size, Line **ret, size_t *ret_n)
{
        size_t n = 0, cap = 16;
        Line *l = malloc(cap * sizeof(Line));

        if (!l)
                return -ENOMEM;
        for (size_t p = 0; p < size;) {
                const char *nl = memchr(t + p, '\n', size - p);
                size_t e = nl ? (size_t) (nl - t) + 1 : size;
                if (n == cap) {
                        Line *m = realloc(l, (cap *= 2) * sizeof(Line));
                        if (!m) {
                                free(l);
                                return -ENOMEM;
                        }
                        l = m;
                }
                l[n++] = (Line){ t + p, e - p };
                p = e;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static bool line_eq(const Line *a, size_t na, const Line *b, size_t nb, size_t i)
{
        return i < na && i < nb && a[i].len == b[i].len && memcmp(a[i].p, b[i].p, a[i].len) == 0;
}

static void print_line(FILE *out, char mark, const Line *l)
{
        fputc(mark, out);
        fwrite(l->p, 1, l->len, out);
        if (l->len == 0 || l->p[l->len - 1] != '\n')
                fputs("\n\\ No newline at end of file\n", out);
}

static void print_range(FILE *out, size_t start, size_t len)
{
        /* An empty range names the line before it, as diff -u does. */
        if (len == 1)
                fprintf(out, "%zu", start + 1);
        else
                fprintf(out, "%zu,%zu", len == 0 ? start : start + 1, len);
}

int unified_diff(FILE *out, const char *label_a, const char *label_b, const char *a, size_t a_size,
        const char *b, size_t b_size)
{
        enum { CONTEXT = 3 };
        _cleanup_free_ Line *la = NULL;
        _cleanup_free_ Line *lb = NULL;
        size_t na, nb, n;
        bool header = false;
        int r;

        r = split_lines(a, a_size, &la, &na);
        if (r < 0)
                return r;
        r = split_lines(b, b_size, &lb, &nb);
        if (r < 0)
                return r;
        n = MAX(na, nb);

        for (size_t i = 0; i < n;) {
                if (line_eq(la, na, lb, nb, i)) {
                        i++;
                        continue;
                }
                /* A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change
                 * that is at most 2*CONTEXT equal lines away from the previous one. */
                size_t start = i > CONTEXT ? i - CONTEXT : 0, last = i;
                for (size_t j = i + 1; j < n && j <= last + 2 * CONTEXT + 1; j++)
                        if (!line_eq(la, na, lb, nb, j))
                                last = j;
                size_t end = MIN(n, last + 1 + CONTEXT);
                size_t ea = MIN(end, na), eb = MIN(end, nb);
                size_t len_a = ea > start ? ea - start : 0, len_b = eb > start ? eb - start : 0;

                if (!header) {
                        fprintf(out, "--- %s\n+++ %s\n", label_a, label_b);
                        header = true;
                }
                fputs("@@ -", out);
                print_range(out, start, len_a);
                fputs(" +", out);
                print_range(out, start, len_b);
                fputs(" @@\n", out);

                for (size_t j = start; j < end;) {
                        if (line_eq(la, na, lb, nb, j)) {
                                print_line(out, ' ', &la[j]);
                                j++;
                                continue;
                        }
                        size_t k = j;
                        while (k < end && !line_eq(la, na, lb, nb, k))
                                k++;
                        for (size_t m = j; m < k && m < na; m++)
                                print_line(out, '-', &la[m]);
                        for (size_t m = j; m < k && m < nb; m++)
                                print_line(out, '+', &lb[m]);
                        j = k;
                }
                i = end;
        }
        return 0;
}
