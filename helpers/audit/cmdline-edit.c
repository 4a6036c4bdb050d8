/* Text editors for 'berth-audit fix': audit=0 into GRUB defaults and /etc/kernel/cmdline. */
#include <assert.h>
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

/* A value whose text is not its value: the kernel command line would be whatever the expansion
 * gives at boot-menu time (a variable can carry audit=1, or "--"), so it is not edited. */
static int expansion_error(EditError *err, const char *name, const char *t, size_t p)
{
        return edit_error(err, line_of(t, p),
                "the value of %s uses an expansion (%c: a variable such as $VAR or ${VAR}, $(...) or `...`), whose value berth-audit cannot see; write the value out, or add audit=0 by hand",
                name, t[p]);
}

/* Reads the word at raw position start. Without record only its extent and sizes are found
 * (the first pass, which sizes the arrays of the second). Expansions that can contain white
 * space or quotes of their own ($(...), `...`, ${...}) are refused: the word could not be mapped
 * back safely. */
static int word_scan(
        const char *t, size_t size, size_t start, const char *name, Word *w, bool record, EditError *err)
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
                                if (current == SEGMENT_DOUBLE && (t[p] == '$' || t[p] == '`'))
                                        return expansion_error(err, name, t, p);
                                word_add(w, record, t[p], p, p + 1);
                        }
                        if (record)
                                w->segment_close[w->n_segments - 1] = p;
                        p++;
                        continue;
                }

                if (shell_ends_word(c) || (c == '\r' && p + 1 < size && t[p + 1] == '\n'))
                        break;

                if (c == '$' || c == '`')
                        return expansion_error(err, name, t, p);
                /* an assignment expands an unquoted ~ at the start and after each ':' */
                if (c == '~' && (p == start || t[p - 1] == ':'))
                        return edit_error(err, line_of(t, p),
                                "the value of %s has an unquoted '~' (a home directory, in an assignment), which berth-audit cannot see through; quote it, or add audit=0 by hand",
                                name);

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

static int word_read(const char *t, size_t size, size_t start, const char *name, Word *ret, EditError *err)
{
        Word w = {};
        int r;

        r = word_scan(t, size, start, name, &w, false, err);
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
        r = word_scan(t, size, start, name, &w, true, err);
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

        /* An unbalanced kernel quote runs to the end of the command line: whatever follows it,
         * audit=0 included, would be part of one parameter. */
        if (quotes % 2 == 1)
                return edit_error(err, line_of(t, w->start),
                        "%s has an unbalanced double quote; add audit=0 by hand", what);

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
                                                "the audit= value in %s is split by shell quoting or escapes; set it to audit=0 by hand",
                                                what);
                        if (q % 2 == 1 &&
                                w->segment_kind[w->segment[p.eq + 1]] != w->segment_kind[w->segment[p.eq]])
                                return edit_error(err, line_of(t, w->raw_start[p.eq]),
                                        "the audit= value in %s is split by shell quoting; set it to audit=0 by hand",
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
                        "%s contains \"--\" (what follows goes to init, not the kernel); add audit=0 before it by hand",
                        what);
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
        size_t hidden_pos; /* the last '.', 'source' or 'eval' outside a function, SIZE_MAX: none */
        char hidden_word[8];
} Scan;

/* What 'fix' accepts is decided here. grub-mkconfig sources the file with sh, and the value that
 * counts is whatever sh ends up with, so the file is read as sh's lexer and parser would read it
 * (quotes, $(...), here-documents, 'if', 'case', loops, '{ }', '( )', functions, '&&', '|'),
 * and every mention of our two variables must be one of:
 *   - a plain assignment NAME=VALUE (or 'export NAME=VALUE') that is a command of its own, at the
 *     top level: in no block, function, subshell or here-document, not joined by '&&', '||', '|'
 *     or '&', without redirections or other words, so it certainly runs, in this shell;
 *   - 'export NAME' (which changes no value), or a read as $NAME or ${NAME}.
 * Anything else naming them is refused with the line and the construct. Lines that do not name
 * them are not judged, except what could change them unseen or stop the file being read: '.',
 * 'source' and 'eval' (code we cannot see) are accepted only before the last plain assignment of
 * both variables, which overrides whatever they did; 'exit', 'return' and 'exec' outside a
 * function are refused. A quote, $(...), block or here-document left open is refused too: the
 * file is not valid shell, and editing it would not be idempotent. Known limit: a name put
 * together at run time ('read "$name"', 'declare "${x}LINUX=..."') is not seen. */

typedef enum BlockKind {
        BLOCK_IF,
        BLOCK_LOOP,
        BLOCK_CASE,
        BLOCK_BRACE,
        BLOCK_SUBSHELL,
} BlockKind;

typedef struct Block {
        BlockKind kind;
        bool function; /* the body of a function definition */
        unsigned line;
} Block;

typedef struct HereDoc {
        size_t delim_start, delim_end; /* the delimiter word, raw */
        bool strip_tabs; /* <<- */
} HereDoc;

typedef enum TokenKind {
        TOKEN_EOF,
        TOKEN_NEWLINE,
        TOKEN_WORD,
        TOKEN_OP,
} TokenKind;

typedef struct Token {
        TokenKind kind;
        size_t start, end;
} Token;

typedef struct CmdWord {
        size_t start, end;
        bool redirect_target;
} CmdWord;

typedef enum Joint {
        JOINT_NONE, /* start, ';', newline, '&' before it */
        JOINT_AND, /* '&&' */
        JOINT_OR, /* '||' */
        JOINT_PIPE, /* '|' */
} Joint;

typedef struct Reader {
        const char *t;
        size_t size, p;
        EditError *err;
        HereDoc heredocs[16];
        size_t n_heredocs;
        unsigned nesting; /* of quotes and expansions being read, for the stack's sake */

        Block blocks[64];
        size_t n_blocks;

        CmdWord *words;
        size_t n_words, cap_words;
        bool has_redirect, negated;
        Joint joint; /* what joins the current command to the one before */
        bool at_start; /* the next word is in command position */
        bool redirect_next; /* the next word is a redirection's target */
        int heredoc_next; /* 0, or 1/2 for '<<'/'<<-': the next word is a delimiter */
        bool function_pending; /* after "NAME()" or "function NAME": a body comes next */
        bool function_keyword; /* after "function": its name comes next */
        int case_state; /* 0; 1: the word after 'case'; 2: 'in' expected; 3: a pattern */
        bool for_header; /* between 'for' and 'do' */

        Scan scan;
} Reader;

static bool is_name_char(char c, bool first)
{
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               (!first && c >= '0' && c <= '9');
}

static bool raw_is(const Reader *R, size_t start, size_t end, const char *s)
{
        return end - start == strlen(s) && memcmp(R->t + start, s, end - start) == 0;
}

static const char *block_name(const Block *b)
{
        if (b->function)
                return "a function body";
        switch (b->kind) {
        case BLOCK_IF:
                return "an 'if' block";
        case BLOCK_LOOP:
                return "a 'while', 'until' or 'for' loop";
        case BLOCK_CASE:
                return "a 'case' block";
        case BLOCK_BRACE:
                return "a '{ ... }' group";
        default:
                return "a '( ... )' subshell";
        }
}

static int not_valid_shell(Reader *R, size_t pos, const char *what)
{
        return edit_error(R->err, line_of(R->t, pos), "%s, so the file is not valid shell", what);
}

static int never_closed(Reader *R, size_t open, const char *what)
{
        return edit_error(R->err, line_of(R->t, open),
                "the %s opened here is never closed, so the file is not valid shell", what);
}

/* ---- the lexer: words with their quotes and expansions, operators, here-documents ---- */

static int lex_quoted(Reader *R, size_t *p);

static int lex_single(Reader *R, size_t *p)
{
        size_t open = *p;
        const char *e = memchr(R->t + open + 1, '\'', R->size - open - 1);
        if (!e)
                return unclosed_quote(R->err, R->t, open);
        *p = e - R->t + 1;
        return 0;
}

static int lex_backtick(Reader *R, size_t *p)
{
        size_t open = *p;
        for (size_t i = open + 1; i < R->size; i++) {
                if (R->t[i] == '\\') {
                        i++;
                        continue;
                }
                if (R->t[i] == '`') {
                        *p = i + 1;
                        return 0;
                }
        }
        return unclosed_quote(R->err, R->t, open);
}

/* $( ... ) and $(( ... )): a command list of its own, read for its extent only; whatever it does
 * happens in a subshell. 'case' (whose patterns end in an unmatched ')') and here-documents
 * inside are refused rather than guessed at. */
static int lex_command_substitution(Reader *R, size_t *p)
{
        size_t open = *p, i = *p + 2;
        unsigned depth = 1;
        bool word_start = true, arithmetic = i < R->size && R->t[i] == '('; /* $(( ... )): no commands */
        int r;

        while (i < R->size) {
                char c = R->t[i];
                if (c == '#' && word_start) {
                        while (i < R->size && R->t[i] != '\n')
                                i++;
                        continue;
                }
                if (!arithmetic && word_start && R->size - i >= 5 && memcmp(R->t + i, "case", 4) == 0 &&
                        R->t[i + 4] != '\0' && strchr(" \t\n", R->t[i + 4]))
                        return edit_error(R->err, line_of(R->t, i),
                                "'case' inside $(...), which berth-audit does not read; add audit=0 by hand");
                if (!arithmetic && c == '<' && i + 1 < R->size && R->t[i + 1] == '<')
                        return edit_error(R->err, line_of(R->t, i),
                                "a here-document inside $(...), which berth-audit does not read; add audit=0 by hand");
                if (c == '\\') {
                        i += 2;
                        word_start = false;
                        continue;
                }
                if (c == '\'' || c == '"' || c == '`' || c == '$') {
                        r = lex_quoted(R, &i);
                        if (r < 0)
                                return r;
                        word_start = false;
                        continue;
                }
                if (c == '(')
                        depth++;
                else if (c == ')' && --depth == 0) {
                        *p = i + 1;
                        return 0;
                }
                word_start = strchr(" \t\n;&|<>()", c) != NULL;
                i++;
        }
        return never_closed(R, open, "$(");
}

/* Scans from i to the first unescaped close, lexing on the way the quotes and expansions whose opening
 * character is in quotes: 1 with *ret_end just past close, 0 when the text ends first (the caller
 * says what was never closed), or a negative error from a nested quote or expansion. */
static int lex_until(Reader *R, size_t i, char close, const char *quotes, size_t *ret_end)
{
        while (i < R->size) {
                char c = R->t[i];
                if (c == close) {
                        *ret_end = i + 1;
                        return 1;
                }
                if (c == '\\') {
                        i += 2;
                        continue;
                }
                if (c != '\0' && strchr(quotes, c)) {
                        int r = lex_quoted(R, &i);
                        if (r < 0)
                                return r;
                        continue;
                }
                i++;
        }
        return 0;
}

static int lex_braced(Reader *R, size_t *p)
{
        int r = lex_until(R, *p + 2, '}', "'\"`$", p);
        return r == 0 ? never_closed(R, *p, "${") : MIN(r, 0);
}

static int lex_double_inner(Reader *R, size_t *p)
{
        /* Inside double quotes only backquotes and $ expand. */
        int r = lex_until(R, *p + 1, '"', "`$", p);
        return r == 0 ? unclosed_quote(R->err, R->t, *p) : MIN(r, 0);
}

#define LEX_NESTING_MAX 256

/* Runs lex on the quote or expansion at *p one nesting level deeper. Every recursion of the lexer
 * passes here, so that nesting a hostile file deep ends in an error, not in a stack overflow. */
static int lex_nested(Reader *R, size_t *p, int (*lex)(Reader *R, size_t *p))
{
        if (R->nesting >= LEX_NESTING_MAX)
                return edit_error(R->err, line_of(R->t, *p),
                        "quotes and expansions are nested more than %u deep; berth-audit does not read this file",
                        LEX_NESTING_MAX);
        R->nesting++;
        int r = lex(R, p);
        R->nesting--;
        return r;
}

static int lex_dollar(Reader *R, size_t *p)
{
        if (*p + 1 >= R->size || !strchr("({", R->t[*p + 1])) {
                (*p)++;
                return 0;
        }
        return lex_nested(R, p, R->t[*p + 1] == '(' ? lex_command_substitution : lex_braced);
}

/* The quote or expansion that starts at *p (', ", ` or $): *p moves past its end. */
static int lex_quoted(Reader *R, size_t *p)
{
        switch (R->t[*p]) {
        case '\'':
                return lex_single(R, p);
        case '"':
                return lex_nested(R, p, lex_double_inner);
        case '`':
                return lex_backtick(R, p);
        default:
                return lex_dollar(R, p);
        }
}

static bool is_meta(const Reader *R, size_t i)
{
        /* strchr() finds the terminating NUL too: a NUL byte is a word character here */
        return (R->t[i] != '\0' && strchr(" \t\n;&|<>()", R->t[i])) ||
               (R->t[i] == '\r' && i + 1 < R->size && R->t[i + 1] == '\n');
}

static int lex_word(Reader *R, size_t *p)
{
        int r;

        while (*p < R->size && !is_meta(R, *p)) {
                char c = R->t[*p];
                if (c == '\\') {
                        *p = MIN(*p + 2, R->size);
                        continue;
                }
                if (c == '\'' || c == '"' || c == '`' || c == '$') {
                        r = lex_quoted(R, p);
                        if (r < 0)
                                return r;
                        continue;
                }
                (*p)++;
        }
        return 0;
}

static int check_heredoc_mentions(Reader *R, size_t start, size_t end, size_t body_start);
static int check_spelled_mention(Reader *R, size_t start, size_t end);

/* Reads the bodies of the here-documents started on the line that just ended. */
static int lex_heredoc_bodies(Reader *R)
{
        for (size_t h = 0; h < R->n_heredocs; h++) {
                const HereDoc *d = &R->heredocs[h];
                char delim[256];
                size_t n = 0, body = R->p;

                /* The delimiter is the word with its quotes removed. */
                for (size_t i = d->delim_start; i < d->delim_end && n + 1 < sizeof delim; i++) {
                        char c = R->t[i];
                        if (c == '\'' || c == '"')
                                continue;
                        if (c == '\\' && i + 1 < d->delim_end)
                                c = R->t[++i];
                        delim[n++] = c;
                }
                delim[n] = '\0';

                for (;;) {
                        if (R->p >= R->size)
                                return never_closed(R, d->delim_start, "here-document");
                        size_t b = R->p, e = b;
                        while (e < R->size && R->t[e] != '\n')
                                e++;
                        R->p = e < R->size ? e + 1 : e;
                        if (d->strip_tabs)
                                while (b < e && R->t[b] == '\t')
                                        b++;
                        if (e > b && R->t[e - 1] == '\r')
                                e--;
                        if (e - b == n && memcmp(R->t + b, delim, n) == 0) {
                                int r = check_heredoc_mentions(R, body, b, d->delim_start);
                                if (r < 0)
                                        return r;
                                break;
                        }
                }
        }
        R->n_heredocs = 0;
        return 0;
}

static int lex_next(Reader *R, Token *ret)
{
        static const char *const ops[] = { "<<-", ";;&", "&&", "||", ";;", ";&", "<<", ">>", "<&", ">&",
                "<>", ">|", "|&", ";", "&", "|", "(", ")", "<", ">" };
        int r;

        for (;;) {
                while (R->p < R->size && (R->t[R->p] == ' ' || R->t[R->p] == '\t'))
                        R->p++;
                if (R->p + 1 < R->size && R->t[R->p] == '\\' && R->t[R->p + 1] == '\n') {
                        R->p += 2;
                        continue;
                }
                if (R->p + 1 < R->size && R->t[R->p] == '\r' && R->t[R->p + 1] == '\n') {
                        R->p++;
                        continue;
                }
                if (R->p < R->size && R->t[R->p] == '#') {
                        while (R->p < R->size && R->t[R->p] != '\n')
                                R->p++;
                        continue;
                }
                break;
        }
        *ret = (Token){ .start = R->p, .end = R->p };
        if (R->p >= R->size) {
                ret->kind = TOKEN_EOF;
                return 0;
        }
        if (R->t[R->p] == '\n') {
                R->p++;
                ret->kind = TOKEN_NEWLINE;
                ret->end = R->p;
                return lex_heredoc_bodies(R);
        }
        for (size_t i = 0; i < ELEMENTSOF(ops); i++) {
                size_t l = strlen(ops[i]);
                if (R->size - R->p >= l && memcmp(R->t + R->p, ops[i], l) == 0) {
                        R->p += l;
                        ret->kind = TOKEN_OP;
                        ret->end = R->p;
                        return 0;
                }
        }
        r = lex_word(R, &R->p);
        if (r < 0)
                return r;
        assert(R->p > ret->start); /* every byte is a blank, '#', an operator, or in a word */
        ret->kind = TOKEN_WORD;
        ret->end = R->p;
        return 0;
}

/* ---- mentions of our variables ---- */

/* The variable named at raw position i (whole name: no name character on either side), or -1. */
static int mention_at(const char *t, size_t size, size_t i)
{
        if (i > 0 && is_name_char(t[i - 1], false))
                return -1;
        for (int v = _VAR_MAX - 1; v >= 0; v--) {
                size_t l = strlen(var_names[v]);
                if (size - i >= l && memcmp(t + i, var_names[v], l) == 0 &&
                        (i + l >= size || !is_name_char(t[i + l], false)))
                        return v;
        }
        return -1;
}

/* $NAME or ${NAME}: reads the value, changes nothing. */
static bool mention_is_read(const char *t, size_t size, size_t i, int v)
{
        size_t l = strlen(var_names[v]);
        if (i >= 1 && t[i - 1] == '$')
                return true;
        return i >= 2 && t[i - 2] == '$' && t[i - 1] == '{' && i + l < size && t[i + l] == '}';
}

static int check_heredoc_mentions(Reader *R, size_t start, size_t end, size_t delim)
{
        int r = check_spelled_mention(R, start, end); /* a body without quotes: continuations */
        if (r < 0)
                return r;
        for (size_t i = start; i < end; i++) {
                int v = mention_at(R->t, R->size, i);
                if (v >= 0)
                        return edit_error(R->err, line_of(R->t, i),
                                "%s appears in the body of a here-document (started on line %u), which berth-audit does not read as shell; add audit=0 by hand",
                                var_names[v], line_of(R->t, delim));
        }
        return 0;
}

/* The word as sh sees it after quote removal: quotes, escaping backslashes and line continuations
 * (backslash-newline) removed, cut to size - 1 bytes. *ret_dynamic tells whether it holds an
 * expansion ($ or ` outside single quotes), i.e. is computed when the shell runs. */
static void word_unquote(const char *t, size_t start, size_t end, char *buf, size_t size, bool *ret_dynamic)
{
        size_t n = 0;
        char quote = 0;
        bool dynamic = false;

        for (size_t i = start; i < end; i++) {
                char c = t[i];
                if (quote == '\'') {
                        if (c == '\'') {
                                quote = 0;
                                continue;
                        }
                } else if (c == '\\' && i + 1 < end) {
                        c = t[++i];
                        if (c == '\n')
                                continue;
                        if (quote == '"' && !strchr("$`\"\\", c) && n + 1 < size)
                                buf[n++] = '\\'; /* in "...", a backslash escapes only these */
                } else if (c == '\'' && !quote) {
                        quote = c;
                        continue;
                } else if (c == '"') {
                        quote = quote ? 0 : c;
                        continue;
                } else if (c == '$' || c == '`')
                        dynamic = true;
                if (n + 1 < size)
                        buf[n++] = c;
        }
        buf[n] = '\0';
        if (ret_dynamic)
                *ret_dynamic = dynamic;
}

static void count_mentions(const char *s, size_t n, unsigned counts[_VAR_MAX])
{
        for (size_t i = 0; i < n; i++) {
                int v = mention_at(s, n, i);
                if (v >= 0) {
                        counts[v]++;
                        i += strlen(var_names[v]) - 1;
                }
        }
}

/* Our name spelled so that only sh sees it (GRUB_CMDLINE_"LINUX", G\<newline>RUB_...): what sh
 * makes of such a word cannot be judged from its text. */
static int check_spelled_mention(Reader *R, size_t start, size_t end)
{
        unsigned raw[_VAR_MAX] = {}, plain[_VAR_MAX] = {};
        _cleanup_free_ char *buf = malloc(end - start + 1);

        if (!buf)
                return -ENOMEM;
        count_mentions(R->t + start, end - start, raw);
        word_unquote(R->t, start, end, buf, end - start + 1, NULL);
        count_mentions(buf, strlen(buf), plain);
        for (int v = 0; v < _VAR_MAX; v++)
                if (plain[v] > raw[v])
                        return edit_error(R->err, line_of(R->t, start),
                                "%s is spelled with quotes, backslashes or a line continuation here, which berth-audit does not read; write the name plainly, or add audit=0 by hand",
                                var_names[v]);
        return 0;
}

/* Why a command is not a plain top-level command, for messages; NULL when it is. */
static const char *command_context(const Reader *R, Joint next, char *buf, size_t size)
{
        if (R->n_blocks > 0) {
                const Block *b = &R->blocks[R->n_blocks - 1];
                snprintf(buf, size, "inside %s (opened on line %u)", block_name(b), b->line);
                return buf;
        }
        if (R->joint == JOINT_AND || R->joint == JOINT_OR)
                return R->joint == JOINT_AND ? "after '&&'" : "after '||'";
        if (R->joint == JOINT_PIPE || next == JOINT_PIPE)
                return "in a pipeline ('|'), which runs it in a subshell";
        if (next == JOINT_AND || next == JOINT_OR)
                return next == JOINT_AND ? "before '&&'" : "before '||'";
        if (R->negated)
                return "after '!'";
        return NULL;
}

static bool inside_function(const Reader *R)
{
        for (size_t i = 0; i < R->n_blocks; i++)
                if (R->blocks[i].function)
                        return true;
        return false;
}

/* Judges the simple command just read. next: what joins it to the following one; background:
 * it ends in '&'. */
static int command_finish(Reader *R, Joint next, bool background)
{
        char ctx_buf[128];
        const char *ctx = command_context(R, next, ctx_buf, sizeof ctx_buf);
        size_t n = 0, first = SIZE_MAX, cmd = SIZE_MAX; /* words; the first; the command word */
        int r = 0;

        if (!ctx && background)
                ctx = "in a background command ('&'), which runs it in a subshell";

        for (size_t i = 0; i < R->n_words; i++) {
                const CmdWord *w = &R->words[i];
                if (w->redirect_target)
                        continue;
                if (first == SIZE_MAX)
                        first = i;
                n++;
                if (cmd == SIZE_MAX) {
                        size_t l = 0;
                        while (w->start + l < w->end && is_name_char(R->t[w->start + l], l == 0))
                                l++;
                        if (l == 0 || w->start + l >= w->end || R->t[w->start + l] != '=')
                                cmd = i;
                }
        }
        bool exported = first != SIZE_MAX && raw_is(R, R->words[first].start, R->words[first].end, "export");

        for (size_t i = 0; i < R->n_words; i++) {
                const CmdWord *w = &R->words[i];
                r = check_spelled_mention(R, w->start, w->end);
                if (r < 0)
                        return r;
                for (size_t k = w->start; k < w->end; k++) {
                        int v = mention_at(R->t, R->size, k);
                        if (v < 0)
                                continue;
                        const char *name = var_names[v];
                        size_t l = strlen(name), line = line_of(R->t, k);
                        bool whole = k == w->start && k + l == w->end;
                        bool assignment = k == w->start && k + l < w->end && R->t[k + l] == '=';

                        if (mention_is_read(R->t, R->size, k, v)) {
                                k += l - 1;
                                continue;
                        }
                        if (whole && exported && i != first && !w->redirect_target) {
                                k += l - 1;
                                continue; /* export NAME: the value stays what it is */
                        }
                        if (assignment && !w->redirect_target &&
                                (i == first || (exported && i == first + 1 && n == 2))) {
                                if (ctx)
                                        return edit_error(R->err, line,
                                                "%s is assigned %s; berth-audit edits only a plain %s=VALUE line outside any block, list or pipeline: add audit=0 by hand",
                                                name, ctx, name);
                                if (R->has_redirect)
                                        return edit_error(R->err, line,
                                                "%s is assigned with a redirection; berth-audit edits only a plain %s=VALUE line: add audit=0 by hand",
                                                name, name);
                                if (n > (exported ? 2u : 1u))
                                        return edit_error(R->err, line,
                                                "unexpected text after the value of %s; accepted is %s=VALUE, optionally followed by a comment",
                                                name, name);
                                R->scan.found[v] = true;
                                R->scan.value_pos[v] = k + l + 1;
                                if (v == VAR_LINUX && R->scan.first_line == 0)
                                        R->scan.first_line = line;
                                k += l;
                                continue;
                        }
                        if (k == w->start && i == first && !w->redirect_target)
                                return edit_error(R->err, line,
                                        "%s is not assigned as %s=VALUE (no blanks around '=', no '+='); fix the line by hand",
                                        name, name);
                        if (cmd != SIZE_MAX) {
                                char word[16];
                                const CmdWord *c = &R->words[cmd];
                                snprintf(word, sizeof word, "%.*s", (int) MIN(c->end - c->start, 15),
                                        R->t + c->start);
                                return edit_error(R->err, line,
                                        "%s is used by the command '%s'%s%s, which berth-audit does not understand (it edits only plain %s=VALUE lines and reads only $%s and ${%s}); add audit=0 by hand",
                                        name, word, ctx ? ", " : "", strempty(ctx), name, name, name);
                        }
                        return edit_error(R->err, line,
                                "%s is used in a way berth-audit does not understand%s%s (it edits only plain %s=VALUE lines and reads only $%s and ${%s}); add audit=0 by hand",
                                name, ctx ? ", " : "", strempty(ctx), name, name, name);
                }
        }

        if (cmd != SIZE_MAX) {
                static const char *const hidden[] = { ".", "source", "eval" };
                char name[32];
                bool dynamic;
                size_t at = R->words[cmd].start;

                /* The command as sh finds it: "exit", e\<newline>xit and 'command exit' are exit. */
                word_unquote(R->t, at, R->words[cmd].end, name, sizeof name, &dynamic);
                if (!dynamic && (streq(name, "command") || streq(name, "builtin")))
                        for (size_t i = cmd + 1; i < R->n_words; i++)
                                if (!R->words[i].redirect_target) {
                                        at = R->words[i].start;
                                        word_unquote(R->t, at, R->words[i].end, name, sizeof name, &dynamic);
                                        break;
                                }
                if (dynamic)
                        return edit_error(R->err, line_of(R->t, at),
                                "the name of this command is computed when the shell runs ($ or `), so berth-audit cannot tell what it does; add audit=0 by hand");
                for (size_t i = 0; i < ELEMENTSOF(hidden); i++)
                        if (streq(name, hidden[i])) {
                                if (inside_function(R))
                                        return edit_error(R->err, line_of(R->t, at),
                                                "'%s' in a function runs code berth-audit cannot read, whenever the function is called; add audit=0 by hand",
                                                hidden[i]);
                                R->scan.hidden_pos = at;
                                snprintf(R->scan.hidden_word, sizeof R->scan.hidden_word, "%s", hidden[i]);
                        }
                /* exit and exec stop the shell wherever they run (a function can be called before
                 * the assignment); return only outside a function. */
                if (streq(name, "exit") || streq(name, "exec") ||
                        (streq(name, "return") && !inside_function(R)))
                        return edit_error(R->err, line_of(R->t, at),
                                "'%s' can stop the shell before the end of the file, so berth-audit cannot tell which assignment takes effect; add audit=0 by hand",
                                name);
                if (streq(name, "alias"))
                        return edit_error(R->err, line_of(R->t, at),
                                "'alias' can change what any later command means, so berth-audit cannot read the rest of the file; add audit=0 by hand");
        }

        R->n_words = 0;
        R->has_redirect = R->negated = false;
        return r;
}

static int word_push(Reader *R, const Token *tok, bool redirect_target)
{
        if (R->n_words == R->cap_words) {
                size_t cap = R->cap_words ? R->cap_words * 2 : 8;
                CmdWord *w = realloc(R->words, cap * sizeof(CmdWord));
                if (!w)
                        return -ENOMEM;
                R->words = w;
                R->cap_words = cap;
        }
        R->words[R->n_words++] = (CmdWord){ tok->start, tok->end, redirect_target };
        return 0;
}

static int block_push(Reader *R, BlockKind kind, size_t pos)
{
        if (R->n_blocks >= ELEMENTSOF(R->blocks))
                return edit_error(R->err, line_of(R->t, pos),
                        "blocks are nested more than %zu deep; berth-audit does not read this file",
                        ELEMENTSOF(R->blocks));
        R->blocks[R->n_blocks++] = (Block){ kind, R->function_pending, line_of(R->t, pos) };
        R->function_pending = false;
        R->at_start = true;
        R->joint = JOINT_NONE;
        return 0;
}

static int block_pop(Reader *R, BlockKind kind, const Token *tok)
{
        if (R->n_blocks == 0 || R->blocks[R->n_blocks - 1].kind != kind) {
                char what[64];
                snprintf(what, sizeof what, "'%.*s' closes no open block",
                        (int) MIN(tok->end - tok->start, 8), R->t + tok->start);
                return not_valid_shell(R, tok->start, what);
        }
        R->n_blocks--;
        R->at_start = false; /* a block may be followed by redirections and operators only */
        return 0;
}

/* A word in command position that is a reserved word: 1 when handled. */
static int reserved_word(Reader *R, const Token *tok)
{
        static const struct {
                const char *word;
                int action; /* 0: push, 1: pop, 2: continue a block */
                BlockKind kind;
        } table[] = {
                { "if", 0, BLOCK_IF },
                { "then", 2, BLOCK_IF },
                { "elif", 2, BLOCK_IF },
                { "else", 2, BLOCK_IF },
                { "fi", 1, BLOCK_IF },
                { "while", 0, BLOCK_LOOP },
                { "until", 0, BLOCK_LOOP },
                { "for", 0, BLOCK_LOOP },
                { "do", 2, BLOCK_LOOP },
                { "done", 1, BLOCK_LOOP },
                { "case", 0, BLOCK_CASE },
                { "esac", 1, BLOCK_CASE },
                { "{", 0, BLOCK_BRACE },
                { "}", 1, BLOCK_BRACE },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                if (!raw_is(R, tok->start, tok->end, table[i].word))
                        continue;
                switch (table[i].action) {
                case 0: {
                        int r = block_push(R, table[i].kind, tok->start);
                        if (r < 0)
                                return r;
                        if (table[i].kind == BLOCK_CASE)
                                R->case_state = 1;
                        if (streq(table[i].word, "for"))
                                R->for_header = true;
                        return 1;
                }
                case 1:
                        return block_pop(R, table[i].kind, tok) ?: 1;
                default:
                        if (R->n_blocks == 0 || R->blocks[R->n_blocks - 1].kind != table[i].kind) {
                                char what[64];
                                snprintf(what, sizeof what, "'%s' outside the block it belongs to",
                                        table[i].word);
                                return not_valid_shell(R, tok->start, what);
                        }
                        R->at_start = true;
                        R->joint = JOINT_NONE;
                        return 1;
                }
        }
        if (raw_is(R, tok->start, tok->end, "!")) {
                R->negated = true;
                return 1;
        }
        if (raw_is(R, tok->start, tok->end, "function")) {
                R->function_keyword = true;
                return 1;
        }
        return 0;
}

/* A word of a 'for' header or a 'case' subject or pattern: not a command, but it may still name
 * our variables ('for GRUB_CMDLINE_LINUX in ...'). */
static int check_plain_word(Reader *R, const Token *tok)
{
        int r = check_spelled_mention(R, tok->start, tok->end);
        if (r < 0)
                return r;
        for (size_t k = tok->start; k < tok->end; k++) {
                int v = mention_at(R->t, R->size, k);
                if (v >= 0 && !mention_is_read(R->t, R->size, k, v)) {
                        char ctx[128];
                        return edit_error(R->err, line_of(R->t, k),
                                "%s is used in a way berth-audit does not understand, %s (it edits only plain %s=VALUE lines and reads only $%s and ${%s}); add audit=0 by hand",
                                var_names[v], command_context(R, JOINT_NONE, ctx, sizeof ctx), var_names[v],
                                var_names[v], var_names[v]);
                }
        }
        return 0;
}

static int reader_word(Reader *R, const Token *tok)
{
        int r;

        if (R->heredoc_next) {
                if (R->n_heredocs >= ELEMENTSOF(R->heredocs))
                        return edit_error(R->err, line_of(R->t, tok->start),
                                "more than %zu here-documents on one line; berth-audit does not read this file",
                                ELEMENTSOF(R->heredocs));
                R->heredocs[R->n_heredocs++] = (HereDoc){ tok->start, tok->end, R->heredoc_next == 2 };
                R->heredoc_next = 0;
                return word_push(R, tok, true);
        }
        if (R->redirect_next) {
                R->redirect_next = false;
                return word_push(R, tok, true);
        }
        if (R->case_state == 1) {
                R->case_state = 2;
                return check_plain_word(R, tok);
        }
        if (R->case_state == 2) {
                if (!raw_is(R, tok->start, tok->end, "in"))
                        return not_valid_shell(R, tok->start, "'case WORD' is not followed by 'in'");
                R->case_state = 3;
                return 0;
        }
        if (R->case_state == 3) {
                if (raw_is(R, tok->start, tok->end, "esac")) {
                        R->case_state = 0;
                        return block_pop(R, BLOCK_CASE, tok);
                }
                return check_plain_word(R, tok);
        }
        if (R->for_header) {
                if (raw_is(R, tok->start, tok->end, "do")) {
                        R->for_header = false;
                        R->at_start = true;
                        R->joint = JOINT_NONE;
                        return 0;
                }
                return check_plain_word(R, tok);
        }
        if (R->function_keyword) {
                R->function_keyword = false;
                R->function_pending = true;
                R->at_start = true;
                return check_plain_word(R, tok);
        }
        if (R->at_start && R->n_words == 0) {
                r = reserved_word(R, tok);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        if (R->function_pending)
                return not_valid_shell(R, tok->start, "a function definition without a body");
        R->at_start = false;
        return word_push(R, tok, false);
}

static int reader_op(Reader *R, const Token *tok)
{
        const char *o = R->t + tok->start;
        size_t l = tok->end - tok->start;
        int r;

#define OP_IS(s) (l == strlen(s) && memcmp(o, s, l) == 0)
        if (R->case_state == 3) {
                if (OP_IS("(") || OP_IS("|"))
                        return 0;
                if (OP_IS(")")) {
                        R->case_state = 0;
                        R->at_start = true;
                        R->joint = JOINT_NONE;
                        return 0;
                }
                return not_valid_shell(R, tok->start, "an unexpected operator in a 'case' pattern");
        }
        if (R->for_header && OP_IS(";"))
                return 0; /* for NAME in WORDS; do */
        if (R->case_state != 0 || R->for_header || R->heredoc_next || R->redirect_next ||
                (R->function_pending && !OP_IS("(")))
                return not_valid_shell(R, tok->start, "an operator where a word belongs");

        if (OP_IS("(")) {
                if (R->n_words == 1 && !R->words[0].redirect_target && !R->has_redirect) {
                        /* NAME ( ) COMPOUND: a function definition */
                        Token close;
                        r = lex_next(R, &close);
                        if (r < 0)
                                return r;
                        if (close.kind != TOKEN_OP || !raw_is(R, close.start, close.end, ")"))
                                return not_valid_shell(R, tok->start, "'(' after a command word");
                        Token name = { TOKEN_WORD, R->words[0].start, R->words[0].end };
                        R->n_words = 0;
                        r = check_plain_word(R, &name);
                        if (r < 0)
                                return r;
                        R->function_pending = true;
                        R->at_start = true;
                        return 0;
                }
                if (R->function_pending && R->n_words == 0) {
                        /* "function NAME ( ) { ...; }", or "function NAME ( ... )" */
                        size_t saved = R->p;
                        Token close;
                        r = lex_next(R, &close);
                        if (r < 0)
                                return r;
                        if (close.kind == TOKEN_OP && raw_is(R, close.start, close.end, ")"))
                                return 0;
                        R->p = saved;
                        return block_push(R, BLOCK_SUBSHELL, tok->start);
                }
                if (!R->at_start || R->n_words > 0)
                        return not_valid_shell(R, tok->start, "'(' after a command word");
                return block_push(R, BLOCK_SUBSHELL, tok->start);
        }
        if (OP_IS(")")) {
                r = command_finish(R, JOINT_NONE, false);
                if (r < 0)
                        return r;
                return block_pop(R, BLOCK_SUBSHELL, tok);
        }
        if (OP_IS(";;") || OP_IS(";&") || OP_IS(";;&")) {
                r = command_finish(R, JOINT_NONE, false);
                if (r < 0)
                        return r;
                if (R->n_blocks == 0 || R->blocks[R->n_blocks - 1].kind != BLOCK_CASE)
                        return not_valid_shell(R, tok->start, "';;' outside 'case'");
                R->case_state = 3;
                return 0;
        }
        if (OP_IS(";") || OP_IS("&")) {
                r = command_finish(R, JOINT_NONE, OP_IS("&"));
                R->at_start = true;
                R->joint = JOINT_NONE;
                return r;
        }
        if (OP_IS("&&") || OP_IS("||") || OP_IS("|") || OP_IS("|&")) {
                Joint j = OP_IS("&&") ? JOINT_AND : OP_IS("||") ? JOINT_OR : JOINT_PIPE;
                r = command_finish(R, j, false);
                R->at_start = true;
                R->joint = j;
                return r;
        }
        /* redirections */
        R->has_redirect = true;
        if (OP_IS("<<") || OP_IS("<<-"))
                R->heredoc_next = OP_IS("<<") ? 1 : 2;
        else
                R->redirect_next = true;
        return 0;
#undef OP_IS
}

static int grub_scan(const char *t, size_t size, Scan *ret, EditError *err)
{
        Reader R = { .t = t, .size = size, .err = err, .at_start = true };
        Token tok;
        int r;

        R.scan.hidden_pos = SIZE_MAX;
        for (;;) {
                r = lex_next(&R, &tok);
                if (r < 0)
                        goto finish;
                if (tok.kind == TOKEN_EOF)
                        break;
                if (tok.kind == TOKEN_WORD)
                        r = reader_word(&R, &tok);
                else if (tok.kind == TOKEN_OP)
                        r = reader_op(&R, &tok);
                else if (R.case_state != 0 || R.for_header || R.function_pending || R.function_keyword ||
                         (R.at_start && R.n_words == 0 && R.joint != JOINT_NONE))
                        r = 0; /* a newline where the command goes on */
                else if (R.heredoc_next || R.redirect_next)
                        r = not_valid_shell(&R, tok.start, "a redirection without a target");
                else {
                        r = command_finish(&R, JOINT_NONE, false);
                        R.at_start = true;
                        R.joint = JOINT_NONE;
                }
                if (r < 0)
                        goto finish;
        }
        if (R.heredoc_next || R.redirect_next) {
                r = not_valid_shell(&R, size > 0 && t[size - 1] == '\n' ? size - 1 : size,
                        "the file ends in a redirection without a target");
                goto finish;
        }
        if (R.n_heredocs > 0) {
                r = never_closed(&R, R.heredocs[0].delim_start, "here-document");
                goto finish;
        }
        if (R.n_blocks > 0) {
                char what[96];
                snprintf(what, sizeof what, "%s", block_name(&R.blocks[R.n_blocks - 1]));
                r = edit_error(err, R.blocks[R.n_blocks - 1].line,
                        "%s opened here is never closed, so the file is not valid shell", what);
                goto finish;
        }
        if (R.case_state != 0 || R.for_header || R.function_pending || R.function_keyword ||
                (R.at_start && R.n_words == 0 && R.joint != JOINT_NONE)) {
                r = not_valid_shell(&R, size > 0 && t[size - 1] == '\n' ? size - 1 : size,
                        "the file ends in the middle of a command (after '&&', '||', '|' or a keyword)");
                goto finish;
        }
        r = command_finish(&R, JOINT_NONE, false);
        if (r < 0)
                goto finish;

        /* Code we cannot see must come before the last assignment of both variables, which then
         * override whatever it set. */
        if (R.scan.hidden_pos != SIZE_MAX)
                for (int v = 0; v < _VAR_MAX; v++)
                        if (!R.scan.found[v] || R.scan.value_pos[v] < R.scan.hidden_pos) {
                                r = edit_error(err, line_of(t, R.scan.hidden_pos),
                                        "'%s' runs code berth-audit cannot read, and no plain %s=VALUE line follows to override what it may set; add audit=0 by hand, or assign %s and %s after this line",
                                        R.scan.hidden_word, var_names[v], var_names[VAR_LINUX],
                                        var_names[VAR_LINUX_DEFAULT]);
                                goto finish;
                        }
        *ret = R.scan;
        r = 0;
finish:
        free(R.words);
        return r;
}

unsigned grub_defaults_find_cmdline_assignment(const char *text, size_t size)
{
        Scan s = {};
        EditError err = {};

        if (grub_scan(text, size, &s, &err) < 0)
                return err.line > 0 ? err.line : 1;
        return s.first_line;
}

int grub_defaults_effective(const char *text, size_t size, char **ret, EditError *err)
{
        char *values[_VAR_MAX] = {};
        Scan s = {};
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
                        continue; /* unset: empty (grub-mkconfig's environment does not set them) */
                r = word_read(text, size, s.value_pos[v], var_names[v], &w, err);
                if (r < 0)
                        goto finish;
                values[v] = TAKE_PTR(w.chars);
                word_done(&w);
        }
        /* GRUB writes "linux ... ${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}". */
        r = asprintf(ret, "%s %s", strempty(values[VAR_LINUX]), strempty(values[VAR_LINUX_DEFAULT])) < 0
                    ? -ENOMEM
                    : 0;
finish:
        for (int v = 0; v < _VAR_MAX; v++)
                free(values[v]);
        return r;
}

/* The parameters of a kernel command line other than audit=, one space apart: what an edit must
 * keep. */
static char *params_but_audit(const char *s)
{
        size_t n = strlen(s), pos = 0;
        char *out = malloc(n + 1), *o = out;
        Param p;

        if (!out)
                return NULL;
        while (kernel_next_param(s, n, &pos, &p)) {
                if (param_has_name(s, &p, "audit"))
                        continue;
                if (o > out)
                        *o++ = ' ';
                memcpy(o, s + p.start, p.end - p.start);
                o += p.end - p.start;
        }
        *o = '\0';
        return out;
}

/* 1 when the command line's last audit= (before "--") is off. */
static int cmdline_audit_is_off(const char *cmdline)
{
        _cleanup_free_ char *value = NULL;
        int r = kernel_cmdline_get(cmdline, "audit", &value);
        if (r <= 0)
                return r;
        return audit_value_is_off(value);
}

/* The promise, checked on the result rather than assumed from the edit: sourcing the new file
 * gives audit off, and every other parameter the old file gave, in order. */
static int grub_check_result(
        const char *old, size_t old_size, const char *new, size_t new_size, EditError *err)
{
        _cleanup_free_ char *before = NULL, *after = NULL, *kept_before = NULL, *kept_after = NULL;
        EditError ignored = {};
        int r;

        r = grub_defaults_effective(old, old_size, &before, &ignored);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                r = grub_defaults_effective(new, new_size, &after, &ignored);
                if (r == -ENOMEM)
                        return r;
        }
        if (r >= 0) {
                kept_before = params_but_audit(before);
                kept_after = params_but_audit(after);
                if (!kept_before || !kept_after)
                        return -ENOMEM;
                r = cmdline_audit_is_off(after);
                if (r < 0)
                        return r;
        }
        if (r <= 0 || !streq(kept_before, kept_after))
                return edit_error(err, 0,
                        "the edited file would not read back as audit=0 with every other parameter kept (a bug in berth-audit); add audit=0 by hand");
        return 0;
}

int grub_defaults_set_audit_off(const char *text, size_t size, char **ret, size_t *ret_size, EditError *err)
{
        Edits edits = {};
        Scan s = {};
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
                r = word_read(text, size, s.value_pos[v], var_names[v], &w, err);
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
                                "the last line ends with a line continuation ('\\'), which would swallow an added GRUB_CMDLINE_LINUX= line; remove the backslash or end that line");
                        goto finish;
                }
                tail = size == 0 || text[size - 1] == '\n' ? "GRUB_CMDLINE_LINUX=\"audit=0\"\n"
                                                           : "\nGRUB_CMDLINE_LINUX=\"audit=0\"\n";
        }
        if (edits.n == 0 && !*tail) {
                /* "already set" only when sourcing the file really gives audit off */
                _cleanup_free_ char *cmdline = NULL;
                r = grub_defaults_effective(text, size, &cmdline, err);
                if (r >= 0)
                        r = cmdline_audit_is_off(cmdline);
                if (r == 0)
                        r = edit_error(err, 0,
                                "audit=0 is not in effect, yet berth-audit found nothing to edit (a bug in berth-audit); add audit=0 by hand");
                if (r > 0)
                        r = 0;
                goto finish;
        }
        char *out = NULL;
        size_t out_size = 0;
        r = edits_apply(&edits, text, size, tail, &out, &out_size);
        if (r >= 0)
                r = grub_check_result(text, size, out, out_size, err);
        if (r == -EBADMSG && *tail) {
                /* The appended line must read as an assignment of its own, as sh would read it: a
                 * last line that only looks like a comment (it starts inside a quote opened on an
                 * earlier line) and ends in a backslash would swallow it. */
                unsigned lines = 1;
                for (size_t i = 0; i < size; i++)
                        lines += text[i] == '\n';
                r = edit_error(err, lines,
                        "the last line ends with a line continuation ('\\'), which would swallow an added GRUB_CMDLINE_LINUX= line; remove the backslash or end that line");
        }
        if (r < 0) {
                free(out);
                goto finish;
        }
        *ret = out;
        *ret_size = out_size;
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
