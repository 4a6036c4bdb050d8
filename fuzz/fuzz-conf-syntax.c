/* Fuzzes the unit-file syntax reader (src/shared/conf-parser.c) that every containers.d file goes
 * through, with the real section table. Beyond not crashing: every assignment it reports has a
 * trimmed, non-empty key without "=" in a section it accepts, values are trimmed, line numbers
 * exist in the text and never go backwards, every error has a message, and a file gives at most
 * the documented number of errors (plus the "too many errors" line). No error message quotes text
 * that holds a crypt(3) "$ID$" marker: a password hash is never echoed (SPEC section 11). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "config-tables.h"
#include "fuzz.h"

typedef struct State {
        unsigned n_lines; /* lines in the text: the largest line number that may be reported */
        unsigned last_line;
        unsigned n_errors;
        unsigned n_assignments;
} State;

static bool is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool section_is_known(const char *section, void *userdata)
{
        (void) userdata;
        return config_section_is_known(section);
}

static int on_assignment(
        const char *section, const char *key, const char *value, unsigned line, void *userdata)
{
        State *st = userdata;
        size_t kl = strlen(key), vl = strlen(value);

        FUZZ_CHECK(section && config_section_is_known(section));
        FUZZ_CHECK(kl > 0 && !strchr(key, '=') && !is_ws(key[0]) && !is_ws(key[kl - 1]));
        FUZZ_CHECK(strncmp(key, "X-", 2) != 0);
        FUZZ_CHECK(vl == 0 || (!is_ws(value[0]) && !is_ws(value[vl - 1])));
        FUZZ_CHECK(line >= 1 && line <= st->n_lines);
        FUZZ_CHECK(line >= st->last_line);
        st->last_line = line;
        st->n_assignments++;
        return 0;
}

/* The oracle, written independently of config_text_may_hold_secret(): "$", 1-3 of [a-z0-9], "$". */
static bool has_crypt_marker(const char *s)
{
        for (; *s; s++) {
                if (*s != '$')
                        continue;
                size_t n = 0;
                while (n < 4 && s[1 + n] && strchr("abcdefghijklmnopqrstuvwxyz0123456789", s[1 + n]))
                        n++;
                if (n >= 1 && n <= 3 && s[1 + n] == '$')
                        return true;
        }
        return false;
}

static int on_error(unsigned line, const char *message, void *userdata)
{
        State *st = userdata;

        FUZZ_CHECK(message && message[0] != '\0');
        FUZZ_CHECK(!has_crypt_marker(message));
        FUZZ_CHECK(line <= st->n_lines);
        st->n_errors++;
        FUZZ_CHECK(st->n_errors <= CONFIG_ERRORS_PER_FILE_MAX + 1);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const ConfigParseCallbacks cb = {
                .section_is_known = section_is_known,
                .unknown_section_hint =
                        "[Container], [Exec], [Files], [Network], [Unit], [Service], [Install]",
                .assignment = on_assignment,
                .error = on_error,
        };
        State st = { .n_lines = 1 };
        char *text;
        int r;

        if (size > CONFIG_FILE_SIZE_MAX)
                return 0;
        fuzz_quiet_logging();
        for (size_t i = 0; i < size; i++)
                if (data[i] == '\n')
                        st.n_lines++;

        /* An exact-size copy without a NUL after it: the reader takes (text, size). */
        text = malloc(size ? size : 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        r = config_parse_text(text, size, &cb, &st);
        FUZZ_CHECK(r == 0 || r == -ENOMEM);

        /* The helpers it is built from, on the same bytes. */
        (void) utf8_is_valid_n(text, size);
        free(text);

        text = fuzz_strndup(data, size);
        if (text) {
                char *s = strstrip(text);
                size_t l = strlen(s);
                FUZZ_CHECK(l == 0 || (!is_ws(s[0]) && !is_ws(s[l - 1])));
                free(text);
        }
        return 0;
}
