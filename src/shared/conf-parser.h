/* The unit-file syntax shared by every containers.d file: sections, Key=Value lines, comments,
 * continuation lines; plus the value helpers (booleans, ExecStart=-style word splitting). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A file larger than this is refused as a whole, before it is parsed. */
#define CONFIG_FILE_SIZE_MAX ((size_t) 1024 * 1024)
/* A logical line (continuations joined) longer than this is an error. */
#define CONFIG_LINE_MAX ((size_t) 64 * 1024)
/* After this many syntax errors in one file the rest of it is skipped (random bytes). */
#define CONFIG_ERRORS_PER_FILE_MAX 20u

typedef struct ConfigParseCallbacks {
        /* Whether a section is known; "[X-…]" sections never reach it (they are ignored). */
        bool (*section_is_known)(const char *section, void *userdata);
        /* Message for an unknown section (what is accepted), appended to "Unknown section [S]". */
        const char *unknown_section_hint;
        /* One assignment. key and value are trimmed; X- keys never reach it. Negative: abort. */
        int (*assignment)(
                const char *section, const char *key, const char *value, unsigned line, void *userdata);
        /* One syntax error; line 0 for the file as a whole. Negative: abort. */
        int (*error)(unsigned line, const char *message, void *userdata);
} ConfigParseCallbacks;

/* Parses text (size bytes; a NUL may follow but is not needed) in unit-file syntax. Returns
 * 0 when the text was read to its end (syntax errors are reported through the callback, not
 * the return value), or the first negative value a callback returned, or -ENOMEM. */
int config_parse_text(const char *text, size_t size, const ConfigParseCallbacks *cb, void *userdata);

/* Whether a piece of an entry file may hold a secret, before (or without) knowing its key: it
 * holds a crypt(3) "$ID$" marker, or "pass" in any case (RootPasswordHash=, misspelled or not).
 * Messages that would quote such text say that it is not shown instead (SPEC section 11). */
bool config_text_may_hold_secret(const char *s);

/* yes/no/true/false/on/off/1/0 (case-insensitive, like systemd): 1, 0, or -EINVAL. */
int config_parse_boolean(const char *s);

/* Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF). */
bool utf8_is_valid_n(const char *s, size_t n);

/* Splits a command line the way systemd splits ExecStart=: words separated by white space,
 * "double" and 'single' quotes (quoted parts may join a word), C-style backslash escapes
 * (\n \t \\ \" \' \s \xNN \NNN; an unknown escape is kept as written). -EINVAL for unbalanced
 * quotes or a trailing backslash (*ret_error says which); *ret is NULL-terminated, maybe empty. */
int split_command_line(const char *s, char ***ret, const char **ret_error);

/* Trims white space (space, tab, CR, LF) from both ends, in place; returns s. */
char *strstrip(char *s);
