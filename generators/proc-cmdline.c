/* The kernel command line, read the way systemd reads it (see proc-cmdline.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "proc-cmdline.h"
#include "strv.h"

#define CMDLINE_MAX (64u * 1024u)

int cmdline_split(const char *line, char ***ret)
{
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ char *word = NULL;
        size_t n = strlen(line);
        int r;

        word = malloc(n + 1);
        if (!word)
                return -ENOMEM;

        for (const char *p = line;;) {
                size_t l = 0;
                char quote = 0;

                p += strspn(p, " \t\n\r");
                if (!*p)
                        break;
                for (; *p; p++) {
                        if (quote) {
                                if (*p == quote)
                                        quote = 0;
                                else
                                        word[l++] = *p;
                        } else if (*p == '"' || *p == '\'')
                                quote = *p;
                        else if (strchr(" \t\n\r", *p))
                                break;
                        else
                                word[l++] = *p;
                }
                /* An unterminated quote runs to the end of the line (systemd's "relaxed" mode). */
                word[l] = '\0';
                r = strv_extend(&words, word);
                if (r < 0)
                        return r;
        }
        if (!words) {
                words = calloc(1, sizeof(char *));
                if (!words)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(words);
        return 0;
}

static bool running_in_container(void)
{
        /* PID 1 writes this in a container; a generator is not PID 1, so it cannot look at its own
         * $container. */
        return access("/run/systemd/container", F_OK) >= 0;
}

int proc_cmdline_read(char **ret)
{
        const char *e = getenv("SYSTEMD_PROC_CMDLINE");
        char *s;
        size_t n;
        int r;

        if (e) {
                s = strdup(e);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }

        if (running_in_container()) {
                /* NUL-separated arguments; the first is the program itself, harmless as a word. */
                r = read_full_file("/proc/1/cmdline", CMDLINE_MAX, &s, &n);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++)
                        if (s[i] == '\0')
                                s[i] = ' ';
                *ret = s;
                return 0;
        }

        return read_full_file("/proc/cmdline", CMDLINE_MAX, ret, NULL);
}

int parse_boolean(const char *v)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int cmdline_get_bool(char **words, const char *key, bool *ret)
{
        size_t kl = strlen(key);
        int found = 0;

        STRV_FOREACH (w, words) {
                const char *v;
                int b;

                if (!strneq(*w, key, kl))
                        continue;
                v = *w + kl;
                if (*v == '\0') {
                        *ret = true;
                        found = 1;
                        continue;
                }
                if (*v != '=')
                        continue;
                b = parse_boolean(v + 1);
                if (b < 0) {
                        log_warning(
                                "Failed to parse %s on the kernel command line (accepted: yes/no/true/false/on/off/1/0), ignoring.",
                                *w);
                        continue;
                }
                *ret = b;
                found = 1;
        }
        return found;
}
