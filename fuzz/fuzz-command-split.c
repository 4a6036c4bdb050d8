/* Fuzzes Command= splitting (split_command_line() in src/shared/conf-parser.c, split like systemd's
 * ExecStart=). Beyond not crashing: a failure names its reason, a success gives a NULL-terminated
 * vector, and quoting each word back (in double quotes, with \\ and \" escaped) and splitting
 * again gives the same words: what berth writes into Parameters= must mean what the admin wrote. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "fuzz.h"
#include "strv.h"

static char *quote_words(char **words)
{
        size_t n = 1;
        char *out, *o;

        STRV_FOREACH (w, words)
                n += 2 * strlen(*w) + 3;
        out = o = malloc(n);
        if (!out)
                return NULL;
        STRV_FOREACH (w, words) {
                if (o != out)
                        *o++ = ' ';
                *o++ = '"';
                for (const char *c = *w; *c; c++) {
                        if (*c == '"' || *c == '\\')
                                *o++ = '\\';
                        *o++ = *c;
                }
                *o++ = '"';
        }
        *o = '\0';
        return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s, **words = NULL, **again = NULL, *quoted;
        const char *error = NULL;
        int r;

        if (size > 65536)
                return 0;
        fuzz_quiet_logging();
        s = fuzz_strndup(data, size);
        if (!s)
                return 0;

        r = split_command_line(s, &words, &error);
        if (r == -EINVAL) {
                FUZZ_CHECK(error && error[0] != '\0');
                free(s);
                return 0;
        }
        if (r < 0) {
                FUZZ_CHECK(r == -ENOMEM);
                free(s);
                return 0;
        }
        FUZZ_CHECK(words);
        STRV_FOREACH (w, words)
                FUZZ_CHECK(*w);

        quoted = quote_words(words);
        if (quoted) {
                error = NULL;
                r = split_command_line(quoted, &again, &error);
                if (r < 0) {
                        fprintf(stderr, "re-splitting the quoted words failed (%d, %s): %s\n", r,
                                strempty(error), quoted);
                        abort();
                }
                FUZZ_CHECK(strv_length(again) == strv_length(words));
                for (size_t i = 0; words[i]; i++)
                        if (strcmp(words[i], again[i]) != 0) {
                                fprintf(stderr, "word %zu: \"%s\" came back as \"%s\" from %s\n", i,
                                        words[i], again[i], quoted);
                                abort();
                        }
                strv_free(again);
                free(quoted);
        }
        strv_free(words);
        free(s);
        return 0;
}
