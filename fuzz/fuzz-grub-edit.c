/* Fuzzes the text editors behind 'berth-audit fix' (helpers/audit/cmdline-edit.c) on arbitrary
 * GRUB defaults files and /etc/kernel/cmdline contents. Beyond not crashing: every edit must be
 * idempotent (editing its own output changes nothing and is not refused: edit(edit(x)) ==
 * edit(x), as 'fix' promises), an edited kernel command line must read back as audit off, and a
 * refusal must say why. Files that are not valid shell (an unterminated quote) are refused, not
 * edited, so idempotence holds for every input. For GRUB files, what sourcing gives is checked
 * too: after an accepted edit (and whenever it says "nothing to change"), the effective command
 * line ($GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT, as grub_defaults_effective() reads
 * it) has audit off, and an edit keeps every other parameter, in order. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline-edit.h"
#include "fuzz.h"

static FILE *devnull;

static void check_error(int r, const EditError *err)
{
        if (r == -EBADMSG) {
                FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message));
                FUZZ_CHECK(err->message[0] != '\0');
        } else
                FUZZ_CHECK(r == 0 || r == 1 || r == -ENOMEM);
}

typedef int (*Editor)(const char *text, size_t size, char **ret, size_t *ret_size, EditError *err);

/* Runs an editor; returns its output when it edited (caller frees), NULL otherwise. */
static char *edit(Editor f, const char *text, size_t size, size_t *ret_size)
{
        EditError err = { 0 };
        char *out = NULL, *again = NULL;
        size_t n = 0, n2 = 0;
        int r;

        r = f(text, size, &out, &n, &err);
        check_error(r, &err);
        if (r != 1) {
                FUZZ_CHECK(r != 0 || !out);
                return NULL;
        }
        FUZZ_CHECK(out && out[n] == '\0');

        memset(&err, 0, sizeof err);
        r = f(out, n, &again, &n2, &err);
        if (r != 0) {
                fprintf(stderr, "editing the edited text again gives %d (%s), not 0:\n%s\n", r, err.message,
                        out);
                abort();
        }
        free(again);

        FUZZ_CHECK(unified_diff(devnull, "a", "b", text, size, out, n) >= 0);
        *ret_size = n;
        return out;
}

/* The parameters other than audit=, one space apart, split as the kernel splits them (double
 * quotes group blanks into one parameter). */
static char *kept_params(const char *cmdline)
{
        size_t n = strlen(cmdline), i = 0;
        char *out = calloc(n + 1, 1), *o = out;

        FUZZ_CHECK(out);
        while (i < n) {
                bool in_quote = false;
                while (i < n && strchr(" \t\n\r\v\f", cmdline[i]))
                        i++;
                size_t start = i;
                for (; i < n && (in_quote || !strchr(" \t\n\r\v\f", cmdline[i])); i++)
                        if (cmdline[i] == '"')
                                in_quote = !in_quote;
                if (i == start)
                        break;
                const char *w = cmdline + start + (cmdline[start] == '"');
                if (strncmp(w, "audit=", 6) == 0)
                        continue;
                if (o > out)
                        *o++ = ' ';
                memcpy(o, cmdline + start, i - start);
                o += i - start;
        }
        return out;
}

static void check_grub_effective(const char *text, size_t size, const char *out, size_t n)
{
        EditError err = { 0 };
        char *before = NULL, *after = NULL, *value = NULL, *ignored = NULL;
        size_t ignored_size = 0;
        int r;

        if (!out) {
                /* refused, or nothing to change: then audit must already be off */
                r = grub_defaults_set_audit_off(text, size, &ignored, &ignored_size, &err);
                free(ignored);
                if (r != 0)
                        return;
                FUZZ_CHECK(grub_defaults_effective(text, size, &before, &err) == 0);
                r = kernel_cmdline_get(before, "audit", &value);
                if (r != 1 || !audit_value_is_off(value)) {
                        fprintf(stderr, "'nothing to change', yet sourcing gives '%s' for:\n%.*s\n", before,
                                (int) size, text);
                        abort();
                }
                free(value);
                free(before);
                return;
        }

        r = grub_defaults_effective(out, n, &after, &err);
        if (r != 0) {
                fprintf(stderr, "the edited file does not read back (%s):\n%s\n", err.message, out);
                abort();
        }
        r = kernel_cmdline_get(after, "audit", &value);
        if (r != 1 || !audit_value_is_off(value)) {
                fprintf(stderr, "after the edit, sourcing gives '%s' for:\n%s\n", after, out);
                abort();
        }
        free(value);
        if (grub_defaults_effective(text, size, &before, &err) == 0) {
                char *a = kept_params(before), *b = kept_params(after);
                if (strcmp(a, b) != 0) {
                        fprintf(stderr, "the edit changed other parameters: '%s' -> '%s'\n", before, after);
                        abort();
                }
                free(a);
                free(b);
                free(before);
        }
        free(after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        EditError err = { 0 };
        char *text, *out, *value = NULL;
        size_t n = 0;
        int r;

        if (size > 65536)
                return 0;
        if (!devnull) {
                devnull = fopen("/dev/null", "we");
                FUZZ_CHECK(devnull);
        }
        fuzz_quiet_logging();

        /* The editors take (text, size) and must not read past size: give them an exact-size copy
         * without a terminating NUL, so ASan sees any overread. */
        text = malloc(size ? size : 1);
        if (!text)
                return 0;
        memcpy(text, data, size);

        r = text_check(text, size, &err);
        check_error(r, &err);
        (void) grub_defaults_find_cmdline_assignment(text, size);

        out = edit(grub_defaults_set_audit_off, text, size, &n);
        check_grub_effective(text, size, out, n);
        free(out);

        out = edit(kernel_cmdline_file_set_audit_off, text, size, &n);
        if (out) {
                r = kernel_cmdline_get(out, "audit", &value);
                if (r != 1 || !audit_value_is_off(value)) {
                        fprintf(stderr, "after the edit, audit= reads %s in:\n%s\n",
                                r == 1 ? value : "(absent)", out);
                        abort();
                }
                free(value);
                free(out);
        }
        free(text);

        /* kernel_cmdline_get() reads a NUL-terminated /proc/cmdline. */
        text = fuzz_strndup(data, size);
        if (text) {
                value = NULL;
                r = kernel_cmdline_get(text, "audit", &value);
                FUZZ_CHECK(r == 0 || r == 1 || r == -ENOMEM);
                if (r == 1) {
                        FUZZ_CHECK(value);
                        (void) audit_value_is_off(value);
                }
                free(value);
                free(text);
        }
        return 0;
}
