/* Fuzzes the text editors behind 'berth-audit fix' (helpers/audit/cmdline-edit.c) on arbitrary
 * GRUB defaults files and /etc/kernel/cmdline contents. Beyond not crashing: every edit must be
 * idempotent (editing its own output changes nothing and is not refused: edit(edit(x)) ==
 * edit(x), as 'fix' promises), an edited kernel command line must read back as audit off, and a
 * refusal must say why. Files that are not valid shell (an unterminated quote) are refused, not
 * edited, so idempotence holds for every input. */
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
