/* The trusted settings file /run/systemd/nspawn/NAME.nspawn that the stock
 * systemd-nspawn@.service reads (--settings=override: its values win over the command line).
 *
 * [Exec] gets Boot= and, from Command=, Parameters=; Hostname= when set; then the [Exec], [Files]
 * and [Network] assignments in effect (entry_effective_assignments(): a scalar's last value, a
 * list's values after its last reset), in the order applied, grouped by section. Resets ("Key=")
 * themselves are not written: systemd-nspawn does not read every empty assignment as one (an empty
 * Bind= or Port= is an error there). Nothing from [Container] other than those three is written:
 * no password hash ever lands here. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "prepare.h"

static const char *const sections[] = { "Exec", "Files", "Network" };

/* One word of Parameters=. nspawn 252 splits it with quotes but keeps backslashes as written
 * (EXTRACT_UNQUOTE|EXTRACT_RETAIN_ESCAPE), so a word can be written bare, in '…' or in "…", but a
 * backslash cannot hide a quote and a word with both kinds of quote cannot be written at all. */
static int quote_word(FILE *f, const char *w)
{
        bool needs = isempty(w) || strpbrk(w, " \t\n'\"\\") != NULL;

        if (!needs) {
                fputs(w, f);
                return 0;
        }
        if (!strchr(w, '\'') && !strchr(w, '\\'))
                fprintf(f, "'%s'", w);
        else if (!strchr(w, '"') && !strchr(w, '\\'))
                fprintf(f, "\"%s\"", w);
        else if (!strpbrk(w, " \t\n'\"") && !endswith(w, "\\"))
                fputs(w, f); /* backslashes are kept as written: fine bare */
        else
                return -EINVAL;
        return 0;
}

int nspawn_settings_format(const Entry *e, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r = 0;

        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        fprintf(f,
                "# Written by berth-prepare from %s at every start of systemd-nspawn@%s.service.\n"
                "# Do not edit: change the entry and restart the unit.\n\n",
                e->source, e->name);
        fprintf(f, "[Exec]\nBoot=%s\n", e->boot ? "yes" : "no");
        /* With Boot=yes, Command= has no meaning for nspawn; init gets no extra arguments. */
        if (!e->boot && e->command) {
                fputs("Parameters=", f);
                for (char **w = e->command; *w; w++) {
                        if (w != e->command)
                                fputc(' ', f);
                        r = quote_word(f, *w);
                        if (r < 0) {
                                r = log_error_errno(r,
                                        "%s:%u: Command= word %s holds both kinds of quote or a backslash next to a quote, which systemd-nspawn's Parameters= cannot express. Use a wrapper script inside the container.",
                                        strempty(e->origins[CONTAINER_COMMAND].file),
                                        e->origins[CONTAINER_COMMAND].line, *w);
                                break;
                        }
                }
                fputc('\n', f);
        }
        if (r >= 0 && e->hostname)
                fprintf(f, "Hostname=%s\n", e->hostname);

        /* Only what is in effect after berth's resets: systemd-nspawn does not read every empty
         * "Key=" as a reset (an empty Bind= is an error there, an empty Capability= is ignored). */
        for (size_t s = 0; r >= 0 && s < ELEMENTSOF(sections); s++) {
                _cleanup_free_ const Assignment **effective = NULL;
                bool header = s == 0;

                r = entry_effective_assignments(e, sections[s], &effective);
                if (r < 0)
                        break;
                for (const Assignment **a = effective; *a; a++) {
                        if (startswith((*a)->key, "X-"))
                                continue;
                        if (!header) {
                                fprintf(f, "\n[%s]\n", sections[s]);
                                header = true;
                        }
                        fprintf(f, "%s=%s\n", (*a)->key, (*a)->value);
                }
        }

        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        return 0;
}

int nspawn_settings_write(const Context *c)
{
        const Entry *e = c->entry;
        _cleanup_free_ char *content = NULL;
        struct stat st;
        int r;

        /* nspawn takes the first of /etc/systemd/nspawn, /run/systemd/nspawn, /var/lib/machines:
         * a file in /etc hides ours completely. */
        if (lstat(c->etc_settings_path, &st) >= 0) {
                bool needed = e->has_nspawn_settings || !e->boot || e->hostname;
                if (needed)
                        return log_error_errno(EEXIST,
                                "%s exists and takes precedence over %s, which berth writes from %s: the entry's settings (Boot=, Command=, Hostname=, [Exec], [Files], [Network]) would be ignored. Fix: move what %s says into %s and remove it, or remove those settings from the entry.",
                                c->etc_settings_path, c->run_settings_path, e->source, c->etc_settings_path,
                                e->source);
                log_warning(
                        "%s exists and takes precedence over %s; leaving it be, since the entry sets nothing for systemd-nspawn.",
                        c->etc_settings_path, c->run_settings_path);
        }

        r = nspawn_settings_format(e, &content);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : r;

        if (c->dry_run) {
                printf("--- %s ---\n%s", c->run_settings_path, content);
                fflush(stdout);
                return 0;
        }

        _cleanup_free_ char *dir = NULL;
        const char *base;
        r = path_split(c->run_settings_path, &dir, &base);
        if (r < 0)
                return log_oom();
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);
        _cleanup_close_ int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", dir);
        /* What a start killed between writing and renaming left (we hold the lock). */
        r = remove_stale_temporaries(dir_fd, base);
        if (r > 0)
                log_debug("Removed %d temporary cop%s of %s left by an interrupted start.", r,
                        r == 1 ? "y" : "ies", c->run_settings_path);
        r = write_file_atomicat(dir_fd, base, content, strlen(content), 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", c->run_settings_path);
        log_debug("Wrote %s.", c->run_settings_path);
        return 0;
}
