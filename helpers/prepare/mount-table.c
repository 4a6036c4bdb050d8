/* Our own reading of /proc/self/mountinfo (proc(5)) and /etc/fstab (fstab(5)), in place of libmount.
 *
 * libmount and the libraries it pulls in cost berth-prepare more to load than all its work on a
 * provisioned container; these two formats are all it used. The rules follow what libmount 2.38 did
 * with the same files, so berth-prepare's answers do not change: fields are separated by runs of
 * blanks (space, tab); in a field "\" and three octal digits stand for one byte (the kernel and
 * fstab(5) write space, tab, newline and backslash so); a trailing '\r' is dropped; blank lines and
 * lines whose first non-blank is '#' are skipped; a malformed line is skipped, not an error. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "mount-table.h"

void mount_entry_done(MountEntry *e)
{
        free(e->source);
        free(e->target);
        free(e->fstype);
        free(e->options);
        *e = (MountEntry){};
}

void mount_table_done(MountTable *t)
{
        for (size_t i = 0; i < t->n; i++)
                mount_entry_done(&t->entries[i]);
        free(t->entries);
        *t = (MountTable){};
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *s)
{
        while (is_blank(*s))
                s++;
        return s;
}

static bool isdigit_ascii(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_octal(char c)
{
        return c >= '0' && c <= '7';
}

/* Takes the field at *s (up to the next blank or the end, possibly empty), decoding "\NNN" escapes;
 * a backslash not followed by an octal byte value stays as it is. Moves *s past the field. */
static int take_field(const char **s, char **ret)
{
        const char *p = *s;
        size_t len = 0;
        while (p[len] && !is_blank(p[len]))
                len++;

        char *buf = malloc(len + 1), *out = buf;
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                if (p[i] == '\\' && i + 3 < len && p[i + 1] >= '0' && p[i + 1] <= '3' &&
                        is_octal(p[i + 2]) && is_octal(p[i + 3])) {
                        *out++ = (char) ((p[i + 1] - '0') * 64 + (p[i + 2] - '0') * 8 + (p[i + 3] - '0'));
                        i += 3;
                } else
                        *out++ = p[i];
        }
        *out = '\0';
        *s = p + len;
        *ret = buf;
        return 0;
}

/* A decimal number as a whole field: digits up to a blank or the end of the line. */
static bool skip_number(const char **s)
{
        char *end;
        (void) strtol(*s, &end, 10);
        if (end == *s || (*end && !is_blank(*end)))
                return false;
        *s = end;
        return true;
}

/* "MAJOR:MINOR" as a whole field (libmount's sscanf() also let junk follow; the kernel writes none). */
static bool skip_device_number(const char **s)
{
        const char *p = *s;
        for (int i = 0; i < 2; i++) {
                if (!isdigit_ascii(*p))
                        return false;
                while (isdigit_ascii(*p))
                        p++;
                if (i == 0 && *p++ != ':')
                        return false;
        }
        if (*p && !is_blank(*p))
                return false;
        *s = p;
        return true;
}

/* proc(5): "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
 * (1) mount ID (2) parent ID (3) major:minor (4) root (5) mount point (6) per-mount options
 * (7) optional fields, none or more, ended by a lone "-" (8) fs type (9) source (10) super options. */
static int parse_mountinfo_fields(const char *line, MountEntry *e)
{
        _cleanup_free_ char *root = NULL;
        const char *s = skip_blanks(line);
        int r;

        /* (1), (2): each must be followed by more of the line. */
        for (int i = 0; i < 2; i++) {
                if (!skip_number(&s) || !*s)
                        return -EINVAL;
                s = skip_blanks(s);
        }
        /* (3) */
        if (!skip_device_number(&s))
                return -EINVAL;
        s = skip_blanks(s);
        /* (4) is not needed, but it is a field like the others. */
        r = take_field(&s, &root);
        if (r < 0)
                return r;
        s = skip_blanks(s);
        /* (5) The kernel marks a mount point whose directory was deleted: that is not part of the path. */
        r = take_field(&s, &e->target);
        if (r < 0)
                return r;
        char *deleted = (char *) endswith(e->target, " (deleted)");
        if (deleted && deleted != e->target)
                *deleted = '\0';
        s = skip_blanks(s);
        /* (6) */
        r = take_field(&s, &e->options);
        if (r < 0)
                return r;
        /* (7) Optional fields never contain " - ", so the first one ends them. */
        const char *sep = strstr(s, " - ");
        if (!sep)
                return -EINVAL;
        s = skip_blanks(sep + 3);
        /* (8) */
        r = take_field(&s, &e->fstype);
        if (r < 0)
                return r;
        /* (9) may be empty: two blanks in a row where it should be. */
        if (!*s)
                return -EINVAL;
        if (s[0] == ' ' && s[1] == ' ')
                e->source = strdup("");
        else {
                s = skip_blanks(s);
                r = take_field(&s, &e->source);
                if (r < 0)
                        return r;
        }
        if (!e->source)
                return -ENOMEM;
        /* (10) is not needed. */
        return 0;
}

/* Runs one of the field parsers into a fresh entry, freed again when the line is refused. */
static int parse_entry(int (*parse_fields)(const char *, MountEntry *), const char *line, MountEntry *ret)
{
        MountEntry e = {};
        int r = parse_fields(line, &e);
        if (r < 0) {
                mount_entry_done(&e);
                return r;
        }
        *ret = e;
        return 0;
}

int mount_parse_mountinfo_line(const char *line, MountEntry *ret)
{
        return parse_entry(parse_mountinfo_fields, line, ret);
}

/* fstab(5): "source target fstype options freq passno"; a missing fstype is taken as empty, options
 * and the two numbers may be left out, but a number that is there must be a number. */
static int parse_fstab_fields(const char *line, MountEntry *e)
{
        const char *s = skip_blanks(line);
        int r;

        r = take_field(&s, &e->source);
        if (r < 0)
                return r;
        s = skip_blanks(s);
        r = take_field(&s, &e->target);
        if (r < 0)
                return r;
        s = skip_blanks(s);
        r = take_field(&s, &e->fstype);
        if (r < 0)
                return r;
        s = skip_blanks(s);
        r = take_field(&s, &e->options);
        if (r < 0)
                return r;
        for (int i = 0; i < 2; i++) { /* freq, passno */
                s = skip_blanks(s);
                if (!*s)
                        break;
                if (!skip_number(&s))
                        return -EINVAL;
        }
        /* Anything after passno was ignored by libmount, and is here. */
        return 0;
}

int mount_parse_fstab_line(const char *line, MountEntry *ret)
{
        return parse_entry(parse_fstab_fields, line, ret);
}

static int parse_lines(FILE *f, int (*parse_line)(const char *, MountEntry *), MountTable *t)
{
        _cleanup_free_ char *line = NULL;
        size_t size = 0, allocated = 0;
        ssize_t n;

        errno = 0;
        while ((n = getline(&line, &size, f)) >= 0) {
                if (n > 0 && line[n - 1] == '\n')
                        line[--n] = '\0';
                if (n > 0 && line[n - 1] == '\r')
                        line[--n] = '\0';
                const char *s = skip_blanks(line);
                if (*s == '\0' || *s == '#')
                        continue;

                MountEntry e;
                int r = parse_line(s, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        t->n_skipped++;
                        continue;
                }
                if (t->n == allocated) {
                        size_t m = allocated ? allocated * 2 : 64;
                        MountEntry *p = reallocarray(t->entries, m, sizeof *p);
                        if (!p) {
                                mount_entry_done(&e);
                                return -ENOMEM;
                        }
                        t->entries = p;
                        allocated = m;
                }
                t->entries[t->n++] = e;
        }
        if (ferror(f))
                return errno > 0 ? -errno : -EIO;
        return 0;
}

static int parse_table(FILE *f, int (*parse_line)(const char *, MountEntry *), MountTable *ret)
{
        MountTable t = {};
        int r = parse_lines(f, parse_line, &t);
        if (r < 0) {
                mount_table_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}

int mount_table_parse_mountinfo(FILE *f, MountTable *ret)
{
        return parse_table(f, mount_parse_mountinfo_line, ret);
}

int mount_table_parse_fstab(FILE *f, MountTable *ret)
{
        return parse_table(f, mount_parse_fstab_line, ret);
}

/* The length of the first len bytes of path without trailing slashes ("/" keeps its one). */
static size_t trim_slashes(const char *path, size_t len)
{
        while (len > 1 && path[len - 1] == '/')
                len--;
        return len;
}

bool mount_path_equal(const char *a, const char *b)
{
        size_t la = trim_slashes(a, strlen(a)), lb = trim_slashes(b, strlen(b));
        return la == lb && memcmp(a, b, la) == 0;
}

/* The last entry whose mount point is the first len bytes of path (trailing slashes aside). */
static const MountEntry *find_last_target(const MountTable *t, const char *path, size_t len)
{
        for (size_t i = t->n; i > 0; i--) {
                const char *target = t->entries[i - 1].target;
                size_t lt = trim_slashes(target, strlen(target));
                if (lt == len && memcmp(target, path, len) == 0)
                        return &t->entries[i - 1];
        }
        return NULL;
}

const MountEntry *mount_table_find_mountpoint(const MountTable *t, const char *path)
{
        size_t len = trim_slashes(path, strlen(path));

        /* "/a/b/c", then "/a/b", "/a", and "/" last. */
        while (len > 1) {
                const MountEntry *e = find_last_target(t, path, len);
                if (e)
                        return e;
                while (len > 0 && path[len - 1] != '/')
                        len--;
                len = trim_slashes(path, len);
        }
        return find_last_target(t, "/", 1);
}

bool mount_options_has(const char *options, const char *name)
{
        size_t len = strlen(name);
        const char *p = options;

        while (*p) {
                const char *start = p, *eq = NULL;
                bool quoted = false;

                /* A quoted value may hold commas (mount(8): context="a,b"). */
                for (; *p && (quoted || *p != ','); p++) {
                        if (*p == '"')
                                quoted = !quoted;
                        else if (!quoted && !eq && *p == '=')
                                eq = p;
                }
                if ((size_t) ((eq ?: p) - start) == len && memcmp(start, name, len) == 0)
                        return true;
                if (*p == ',')
                        p++;
        }
        return false;
}
