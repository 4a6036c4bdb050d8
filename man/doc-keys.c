/* Build-time helper for the man pages: copies a page template, replacing @NAME@ by the values given
 * (version, installed paths) and the line "@KEY_REFERENCE@" with a troff reference of every key in
 * the loader's key table, so that containers.d(5) can never list a key the loader does not know,
 * or miss one it does.
 *
 *   doc-keys TEMPLATE OUTPUT [NAME=VALUE...]   write the page
 *   doc-keys --list SECTION                    print the keys of SECTION, one a line (for tests) */
#include <stdio.h>
#include <string.h>

#include "config-tables.h"
#include "fileio.h"
#include "macro.h"

/* Writes s as troff text: '\' and '-' escaped, non-ASCII as \[uXXXX], so that groff -ww is quiet
 * whatever the input encoding it assumes. */
static void troff_escape(FILE *f, const char *s)
{
        const unsigned char *p = (const unsigned char *) s;

        if (*p == '.' || *p == '\'')
                fputs("\\&", f);
        while (*p) {
                if (*p == '\\') {
                        fputs("\\e", f);
                        p++;
                } else if (*p == '-') {
                        fputs("\\-", f);
                        p++;
                } else if (*p < 0x80) {
                        fputc(*p++, f);
                } else {
                        /* Decode one UTF-8 sequence; the table is ours and valid UTF-8. */
                        unsigned cp, n;
                        if ((*p & 0xe0) == 0xc0)
                                cp = *p & 0x1f, n = 1;
                        else if ((*p & 0xf0) == 0xe0)
                                cp = *p & 0x0f, n = 2;
                        else
                                cp = *p & 0x07, n = 3;
                        p++;
                        for (; n > 0 && (*p & 0xc0) == 0x80; n--)
                                cp = (cp << 6) | (*p++ & 0x3f);
                        fprintf(f, "\\[u%04X]", cp);
                }
        }
}

static void write_reference(FILE *f)
{
        const ConfigKey *keys;
        const char *section = NULL;
        size_t n;

        keys = config_keys(&n);
        for (size_t i = 0; i < n; i++) {
                const ConfigKey *k = &keys[i];

                if (!section || !streq(section, k->section)) {
                        section = k->section;
                        fprintf(f, ".SS \"[%s]\"\n", section);
                }
                /* Not .TP: a short key would share its line with the text, a long one not. */
                fprintf(f, ".PP\n.B %s=\n.RS\n", k->name);
                if (k->use_instead) {
                        fputs("Not accepted here; use ", f);
                        troff_escape(f, k->use_instead);
                        fputs(".\n.RE\n", f);
                        continue;
                }
                fputs("Accepts: ", f);
                troff_escape(f, strempty(k->accepted));
                fputs(".\n", f);
                if (k->default_value) {
                        fputs(".br\nDefault: ", f);
                        troff_escape(f, k->default_value);
                        fputs(".\n", f);
                }
                if (k->is_list)
                        fputs(".br\nA list: each assignment appends; an empty assignment empties it.\n", f);
                if (k->is_secret)
                        fputs(".br\nA secret: never echoed in messages or by \\fBberth cat\\fR.\n", f);
                fputs(".RE\n", f);
        }
}

/* Writes line with every @NAME@ of subst ("NAME=VALUE") replaced; other '@' are kept. */
static void write_substituted(FILE *f, const char *line, char **subst, int n_subst)
{
        for (const char *p = line; *p;) {
                bool done = false;

                if (*p == '@')
                        for (int i = 0; i < n_subst && !done; i++) {
                                const char *eq = strchr(subst[i], '=');
                                size_t l = eq - subst[i];
                                if (strneq(p + 1, subst[i], l) && p[1 + l] == '@') {
                                        fputs(eq + 1, f);
                                        p += l + 2;
                                        done = true;
                                }
                        }
                if (!done)
                        fputc(*p++, f);
        }
        fputc('\n', f);
}

static int write_page(const char *template, const char *output, char **subst, int n_subst)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size;
        int r;

        for (int i = 0; i < n_subst; i++)
                if (!strchr(subst[i], '=')) {
                        fprintf(stderr, "Expected NAME=VALUE, got '%s'\n", subst[i]);
                        return 2;
                }

        r = read_full_file(template, 1024 * 1024, &text, &size);
        if (r < 0) {
                fprintf(stderr, "Failed to read %s: %s\n", template, strerror(-r));
                return 1;
        }
        f = fopen(output, "we");
        if (!f) {
                fprintf(stderr, "Failed to create %s: %m\n", output);
                return 1;
        }

        for (char *line = text, *next; line && *line; line = next) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                next = nl ? nl + 1 : NULL;

                if (streq(line, "@KEY_REFERENCE@"))
                        write_reference(f);
                else
                        write_substituted(f, line, subst, n_subst);
        }
        if (fflush(f) != 0 || ferror(f)) {
                fprintf(stderr, "Failed to write %s: %m\n", output);
                return 1;
        }
        return 0;
}

int main(int argc, char *argv[])
{
        if (argc == 3 && streq(argv[1], "--list")) {
                const ConfigKey *keys;
                size_t n;

                keys = config_keys(&n);
                for (size_t i = 0; i < n; i++)
                        if (streq(keys[i].section, argv[2]) && !keys[i].use_instead)
                                printf("%s\n", keys[i].name);
                return 0;
        }
        if (argc < 3 || startswith(argv[1], "-")) {
                fprintf(stderr, "Usage: %s TEMPLATE OUTPUT [NAME=VALUE...] | --list SECTION\n", argv[0]);
                return 2;
        }
        return write_page(argv[1], argv[2], argv + 3, argc - 3);
}
