/* The key table of containers.d files and the parser of every key. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>

#include "conf-parser.h"
#include "config.h"
#include "config-tables.h"
#include "entry.h"
#include "macro.h"
#include "path-util.h"
#include "strv.h"

#define DETAIL(s, ...) snprintf((s)->detail, sizeof(s)->detail, __VA_ARGS__)
#define FIELD(s, k, type) ((type *) ((char *) (s)->entry + (k)->offset))

/* ---- value checks ---- */

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool hostname_is_valid(const char *s)
{
        /* 1–64 characters; '.'-separated labels of letters, digits, '-' and '_' (as systemd
         * allows), none empty, none starting or ending with '-' (RFC 1123). */
        size_t n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        for (const char *label = s;;) {
                size_t k = strcspn(label, ".");
                if (k == 0 || label[0] == '-' || label[k - 1] == '-')
                        return false;
                for (size_t i = 0; i < k; i++)
                        if (!is_alnum(label[i]) && label[i] != '-' && label[i] != '_')
                                return false;
                if (label[k] == '\0')
                        return true;
                label += k + 1;
        }
}

static bool ifname_is_valid(const char *s)
{
        /* systemd's (ifname_valid()): 1–15 bytes of printable ASCII other than "/", ":" and "%",
         * not "." or "..". */
        size_t n = strlen(s);

        if (n == 0 || n > 15 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c <= ' ' || *c == '/' || *c == ':' || *c == '%' || *c >= 0x7f)
                        return false;
        return true;
}

bool unit_name_is_valid(const char *s)
{
        static const char *const suffixes[] = { ".service", ".socket", ".target", ".device", ".mount",
                ".automount", ".swap", ".timer", ".path", ".slice", ".scope" };
        size_t n = strlen(s);
        const char *dot = strrchr(s, '.'), *at = strchr(s, '@');

        if (n == 0 || n > 255 || !dot || dot == s)
                return false;
        bool known = false;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (streq(dot, suffixes[i]))
                        known = true;
        if (!known)
                return false;
        for (const char *c = s; c < dot; c++)
                if (!is_alnum(*c) && !strchr(":-_.\\@", *c))
                        return false;
        /* A template or an instance: one "@", after a prefix ("@foo.service", "a@b@c.service" are
         * not units). */
        return !at || (at != s && !strchr(at + 1, '@'));
}

/* Provision=tar: what each archive name means to tar(1). The loader accepts exactly these names
 * and berth-prepare runs tar with their option: one table. */
static const struct {
        const char *suffix;
        const char *option;
} tar_names[] = {
        { ".tar", "" },
        { ".tar.gz", "--gzip" },
        { ".tgz", "--gzip" },
        { ".tar.xz", "--xz" },
        { ".txz", "--xz" },
        { ".tar.zst", "--zstd" },
        { ".tzst", "--zstd" },
};

const char *tar_option_from_name(const char *path)
{
        for (size_t i = 0; i < ELEMENTSOF(tar_names); i++)
                if (endswith(path, tar_names[i].suffix))
                        return tar_names[i].option;
        return NULL;
}

/* Provision=pull: the names of the tar archives systemd-pull unpacks (tar_strip_suffixes() and
 * the gzip, xz and bzip2 it decompresses, in systemd 252 and 257: no zstd), and of the disk images
 * its "raw" verb takes (raw_strip_suffixes(); qcow2 it converts to raw). The file name is the URL's
 * last path component, before any "?" or "#", as systemd-pull reads it (and looks it up in
 * SHA256SUMS). helpers/prepare/pull.c says how a raw image becomes a tree. */
static const char *const pull_tar_suffixes[] = { ".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2" };
static const char *const pull_raw_suffixes[] = { ".raw", ".img", ".qcow2", ".bin" };
static const char *const pull_raw_compressions[] = { "", ".xz", ".gz", ".bz2" };

static bool pull_name_ends_in(const char *name, size_t n, const char *suffix)
{
        size_t k = strlen(suffix);
        return n > k && strncmp(name + n - k, suffix, k) == 0;
}

/* The URL's file name (not NUL-terminated: *ret_n bytes), or NULL when it has none. */
static const char *pull_file_name(const char *url, size_t *ret_n)
{
        const char *rest = startswith(url, "https://") ?: startswith(url, "http://") ?: url;
        size_t n = strcspn(rest, "?#");
        const char *slash = memrchr(rest, '/', n);
        if (!slash)
                return NULL;
        *ret_n = n - (size_t) (slash + 1 - rest);
        return slash + 1;
}

static bool pull_name_is_tar(const char *name, size_t n)
{
        for (size_t i = 0; i < ELEMENTSOF(pull_tar_suffixes); i++)
                if (pull_name_ends_in(name, n, pull_tar_suffixes[i]))
                        return true;
        return false;
}

static bool pull_name_is_raw(const char *name, size_t n)
{
        for (size_t i = 0; i < ELEMENTSOF(pull_raw_suffixes); i++)
                for (size_t j = 0; j < ELEMENTSOF(pull_raw_compressions); j++) {
                        char sfx[32];
                        snprintf(sfx, sizeof sfx, "%s%s", pull_raw_suffixes[i], pull_raw_compressions[j]);
                        if (pull_name_ends_in(name, n, sfx))
                                return true;
                }
        return false;
}

bool pull_url_is_raw(const char *url)
{
        size_t n;
        const char *name = pull_file_name(url, &n);
        return name && !pull_name_is_tar(name, n) && pull_name_is_raw(name, n);
}

/* NULL when url is acceptable for Provision=pull, else why not (the caller quotes url);
 * *ret_about_name: the reason is the file name (the caller says which names are accepted). */
static const char *pull_url_problem(const char *url, bool *ret_about_name)
{
        *ret_about_name = false;
        const char *rest = startswith(url, "https://");
        if (!rest)
                rest = startswith(url, "http://");
        if (!rest)
                return "is not an http:// or https:// URL";
        if (*rest == '\0' || *rest == '/')
                return "names no host";
        for (const char *c = url; *c; c++)
                if (*c <= ' ' || *c >= 0x7f)
                        return "contains white space, a control or a non-ASCII character";

        size_t n;
        const char *name = pull_file_name(url, &n);
        if (!name)
                return "has no file name (such as /images/web.tar.xz)";
        *ret_about_name = true;
        if (!pull_name_is_tar(name, n) && !pull_name_is_raw(name, n))
                return "names neither a tar archive nor a raw disk image";
        return NULL;
}

/* Hash methods berth writes into /etc/shadow: what Debian 12 and Fedora's libxcrypt verify, minus
 * the broken ones (DES, MD5 "$1$", NT "$3$", SHA-1 "$sha1$" are refused). */
static const char *const hash_prefixes[] = { "$y$", "$gy$", "$7$", "$2b$", "$2y$", "$2a$", "$6$", "$5$" };

bool password_hash_is_valid(const char *s, const char **ret_reason)
{
        const char *reason = NULL;
        const char *h = s;

        /* "!" and "*" alone lock the account; "!" before a hash locks it too, keeping the hash. */
        if (streq(s, "!") || streq(s, "*") || streq(s, "!*") || streq(s, "!!"))
                goto ok;
        if (*h == '!')
                h++;

        bool known = false;
        for (size_t i = 0; i < ELEMENTSOF(hash_prefixes); i++)
                if (startswith(h, hash_prefixes[i]))
                        known = true;
        if (!known) {
                if (startswith(h, "$1$") || startswith(h, "$3$") || startswith(h, "$sha1$") ||
                        startswith(h, "$md5"))
                        reason =
                                "a weak hash method; use yescrypt ($y$) or SHA-512 ($6$), e.g. from 'mkpasswd -m yescrypt'";
                else
                        reason = "not a crypt(3) hash of a known method";
                goto fail;
        }
        /* The shadow file is colon-separated: only the characters crypt(3) produces. */
        for (const char *c = h; *c; c++)
                if (!is_alnum(*c) && !strchr("./$=,-", *c)) {
                        reason = "contains a character that crypt(3) never produces";
                        goto fail;
                }
        const char *last = strrchr(h, '$');
        if (!last || last[1] == '\0' || strchr(h + 1, '$') == last) {
                reason = "incomplete: expected $ID$[PARAMS$]SALT$HASH";
                goto fail;
        }
ok:
        if (ret_reason)
                *ret_reason = NULL;
        return true;
fail:
        if (ret_reason)
                *ret_reason = reason;
        return false;
}

int bind_value_parse(
        const char *value, char **ret_source, char **ret_dest, char **ret_options, char *ret_flag)
{
        _cleanup_free_ char *buf = strdup(value);
        char *fields[3] = {}, *w;
        size_t n = 0;
        char flag = 0;

        if (!buf)
                return -ENOMEM;
        /* Split at unescaped colons, turning "\:" into ":". */
        w = buf;
        fields[0] = buf;
        for (const char *p = value; *p; p++) {
                if (p[0] == '\\' && p[1] == ':') {
                        *w++ = ':';
                        p++;
                } else if (*p == ':') {
                        *w++ = '\0';
                        if (++n >= 3)
                                return -EINVAL;
                        fields[n] = w;
                } else
                        *w++ = *p;
        }
        *w = '\0';

        char *src = fields[0];
        if (*src == '-' || *src == '+')
                flag = *src++;

        /* Only the fields asked for are copied: every Bind= is parsed twice while loading. */
        _cleanup_free_ char *s = ret_source ? strdup(src) : NULL,
                            *d = ret_dest && fields[1] ? strdup(fields[1]) : NULL,
                            *o = ret_options && fields[2] ? strdup(fields[2]) : NULL;
        if ((ret_source && !s) || (ret_dest && fields[1] && !d) || (ret_options && fields[2] && !o))
                return -ENOMEM;
        if (ret_source)
                *ret_source = TAKE_PTR(s);
        if (ret_dest)
                *ret_dest = TAKE_PTR(d);
        if (ret_options)
                *ret_options = TAKE_PTR(o);
        if (ret_flag)
                *ret_flag = flag;
        return 0;
}

/* ---- parsers of [Container] keys: they store the value ---- */

static int replace_string(char **p, const char *value)
{
        char *c = NULL;

        if (!isempty(value)) {
                c = strdup(value);
                if (!c)
                        return -ENOMEM;
        }
        free(*p);
        *p = c;
        return 0;
}

static int parse_string(ParseState *s, const ConfigKey *k, const char *value)
{
        return replace_string(FIELD(s, k, char *), value);
}

static int parse_bool(ParseState *s, const ConfigKey *k, const char *value)
{
        int b = config_parse_boolean(isempty(value) ? k->default_value : value);
        if (b < 0)
                return -EINVAL;
        *FIELD(s, k, bool) = b;
        return 0;
}

static int parse_directory(ParseState *s, const ConfigKey *k, const char *value)
{
        _cleanup_free_ char *p = NULL;
        int r;

        if (isempty(value)) {
                s->entry->is_directory_default = true;
                return replace_string(&s->entry->directory, NULL);
        }
        p = strdup(value);
        if (!p)
                return -ENOMEM;
        r = path_simplify_absolute(p);
        if (r == -EINVAL)
                return DETAIL(s, "not an absolute path"), -EINVAL;
        if (r == -EBADMSG)
                return DETAIL(s, "'..' is not allowed in the path"), -EINVAL;
        if (streq(p, "/"))
                return DETAIL(s, "the host's root directory cannot be a container's root"), -EINVAL;
        free(s->entry->directory);
        s->entry->directory = TAKE_PTR(p);
        s->entry->is_directory_default = false;
        return 0;
}

static int parse_command(ParseState *s, const ConfigKey *k, const char *value)
{
        char **l = NULL;
        const char *why;
        int r;

        if (!isempty(value)) {
                r = split_command_line(value, &l, &why);
                if (r == -EINVAL)
                        return DETAIL(s, "%s", why), -EINVAL;
                if (r < 0)
                        return r;
                if (isempty(l[0])) {
                        strv_free(l);
                        return DETAIL(s, "no program given"), -EINVAL;
                }
        }
        strv_free(*FIELD(s, k, char **));
        *FIELD(s, k, char **) = l;
        return 0;
}

static int parse_hostname(ParseState *s, const ConfigKey *k, const char *value)
{
        if (!isempty(value) && !hostname_is_valid(value))
                return -EINVAL;
        return replace_string(FIELD(s, k, char *), value);
}

static bool path_is_absolute_clean(const char *p, ParseState *s, const char *what)
{
        _cleanup_free_ char *c = strdup(p);
        if (!c)
                return false;
        int r = path_simplify_absolute(c);
        if (r == -EINVAL)
                DETAIL(s, "%s '%.100s' is not an absolute path", what, p);
        else if (r == -EBADMSG)
                DETAIL(s, "%s '%.100s' contains '..'", what, p);
        return r >= 0;
}

static int parse_provision(ParseState *s, const ConfigKey *k, const char *value)
{
        _cleanup_strv_free_ char **w = NULL;
        const char *why;
        ProvisionKind kind;
        size_t n;
        int r;

        if (isempty(value)) {
                s->entry->provision = PROVISION_NONE;
                s->entry->provision_args = strv_free(s->entry->provision_args);
                return 0;
        }
        r = split_command_line(value, &w, &why);
        if (r == -EINVAL)
                return DETAIL(s, "%s", why), -EINVAL;
        if (r < 0)
                return r;
        n = strv_length(w);
        if (n == 0)
                return -EINVAL;
        for (kind = 0; kind < _PROVISION_MAX; kind++)
                if (streq(w[0], provision_kind_to_string(kind)))
                        break;
        if (kind == _PROVISION_MAX)
                return DETAIL(s, "unknown kind '%.60s'", w[0]), -EINVAL;

        switch (kind) {
        case PROVISION_NONE:
                if (n != 1)
                        return DETAIL(s, "'none' takes no arguments"), -EINVAL;
                break;
        case PROVISION_COPY:
                if (n != 2)
                        return DETAIL(s, "'copy' takes exactly one PATH"), -EINVAL;
                if (!path_is_absolute_clean(w[1], s, "PATH"))
                        return -EINVAL;
                break;
        case PROVISION_TAR:
                if (n != 2)
                        return DETAIL(s, "'tar' takes exactly one PATH"), -EINVAL;
                if (!path_is_absolute_clean(w[1], s, "PATH"))
                        return -EINVAL;
                if (!tar_option_from_name(w[1]))
                        return DETAIL(s, "the archive name must end in %s", TAR_SUFFIXES_ACCEPTED), -EINVAL;
                break;
        case PROVISION_DEBOOTSTRAP:
                if (n < 2 || n > 3)
                        return DETAIL(s, "'debootstrap' takes SUITE and an optional MIRROR"), -EINVAL;
                if (w[1][0] == '-' || strchr(w[1], '/'))
                        return DETAIL(s, "SUITE '%.60s' is not a suite name (such as bookworm)", w[1]),
                               -EINVAL;
                if (n == 3 && !strstr(w[2], "://") && !startswith(w[2], "file:/"))
                        return DETAIL(s,
                                       "MIRROR '%.100s' is not a URL (such as http://deb.debian.org/debian)",
                                       w[2]),
                               -EINVAL;
                break;
        case PROVISION_DNF:
                if (n < 3)
                        return DETAIL(s, "'dnf' takes RELEASEVER and at least one PACKAGE"), -EINVAL;
                for (size_t i = 1; i < n; i++)
                        if (isempty(w[i]) || w[i][0] == '-')
                                return DETAIL(s, "'%.60s' is not a %s (options are not passed through)",
                                               w[i], i == 1 ? "release version" : "package name"),
                                       -EINVAL;
                break;
        case PROVISION_COMMAND:
                if (n < 2)
                        return DETAIL(s, "'command' takes a PROGRAM"), -EINVAL;
                if (!path_is_absolute_clean(w[1], s, "PROGRAM"))
                        return -EINVAL;
                break;
        case PROVISION_PULL: {
                if (n < 2 || n > 3)
                        return DETAIL(s, "'pull' takes a URL and an optional VERIFY (%s)",
                                       PULL_VERIFY_ACCEPTED),
                               -EINVAL;
                bool about_name;
                /* Not quoted back: the part before "@" may be a password. */
                const char *host = startswith(w[1], "https://") ?: startswith(w[1], "http://");
                if (host && memchr(host, '@', strcspn(host, "/?#"))) {
                        s->hide_value = true;
                        DETAIL(s,
                                "the URL holds a user name or password before its host (USER:PASSWORD@HOST), which berth would show in its logs and in 'berth image list'; serve the image without credentials");
                        return -EINVAL;
                }
                const char *problem = pull_url_problem(w[1], &about_name);
                if (problem && about_name)
                        return DETAIL(s, "URL '%.200s' %s (the file name must end in %s)", w[1], problem,
                                       PULL_SUFFIXES_ACCEPTED),
                               -EINVAL;
                if (problem)
                        return DETAIL(s, "URL '%.200s' %s", w[1], problem), -EINVAL;
                if (n == 3 && streq(w[2], "no"))
                        return DETAIL(s,
                                       "VERIFY 'no' is refused: berth never uses a download it could not verify; use %s",
                                       PULL_VERIFY_ACCEPTED),
                               -EINVAL;
                if (n == 3 && !streq(w[2], "signature") && !streq(w[2], "checksum"))
                        return DETAIL(s, "VERIFY '%.60s' is not %s", w[2], PULL_VERIFY_ACCEPTED), -EINVAL;
                if (n == 3 && streq(w[2], "checksum") && pull_url_is_raw(w[1]))
                        return DETAIL(s,
                                       "URL '%.150s' names a raw disk image, which berth pulls only with VERIFY signature (the host's kernel mounts its file system to copy the tree out): sign its SHA256SUMS with a key in /etc/systemd/import-pubring.gpg, or publish a tar archive",
                                       w[1]),
                               -EINVAL;
                /* The default made explicit: "pull URL" and "pull URL signature" are one image. */
                if (n == 2) {
                        r = strv_extend(&w, "signature");
                        if (r < 0)
                                return r;
                        n++;
                }
                break;
        }
        default:
                return -EINVAL;
        }

        /* The arguments are the words after the kind: drop the kind, keep the rest. */
        free(w[0]);
        memmove(w, w + 1, n * sizeof(char *));
        strv_free(s->entry->provision_args);
        s->entry->provision_args = TAKE_PTR(w);
        s->entry->provision = kind;
        return 0;
}

static int parse_password_hash(ParseState *s, const ConfigKey *k, const char *value)
{
        const char *why;

        if (!isempty(value)) {
                if (!password_hash_is_valid(value, &why))
                        return DETAIL(s, "%s", why), -EINVAL;
                if (s->file_mode & 0044)
                        return DETAIL(s,
                                       "the file can be read by %s (mode %04o); run 'chmod 0600 %.200s', or use RootPasswordHashFile=",
                                       (s->file_mode & 0040) && (s->file_mode & 0004) ? "group and others"
                                       : (s->file_mode & 0040)                        ? "its group"
                                                                                      : "others",
                                       (unsigned) (s->file_mode & 07777), s->file),
                               -EINVAL;
        }
        return replace_string(FIELD(s, k, char *), value);
}

static int parse_absolute_path(ParseState *s, const ConfigKey *k, const char *value)
{
        _cleanup_free_ char *p = NULL;
        int r;

        if (isempty(value))
                return replace_string(FIELD(s, k, char *), NULL);
        p = strdup(value);
        if (!p)
                return -ENOMEM;
        r = path_simplify_absolute(p);
        if (r == -EINVAL)
                return DETAIL(s, "not an absolute path"), -EINVAL;
        if (r == -EBADMSG)
                return DETAIL(s, "'..' is not allowed in the path"), -EINVAL;
        free(*FIELD(s, k, char *));
        *FIELD(s, k, char *) = TAKE_PTR(p);
        return 0;
}

static int parse_audit(ParseState *s, const ConfigKey *k, const char *value)
{
        int p = audit_policy_from_string(isempty(value) ? k->default_value : value);
        if (p < 0)
                return -EINVAL;
        *FIELD(s, k, AuditPolicy) = (AuditPolicy) p;
        return 0;
}

/* A space-separated list of names, each checked by is_valid ("'NAME' " followed by what_invalid
 * otherwise), added to the list unless already in it; an empty value empties the list. */
static int parse_name_list(ParseState *s, const ConfigKey *k, const char *value,
        bool (*is_valid)(const char *), const char *what_invalid)
{
        _cleanup_strv_free_ char **w = NULL;
        char ***l = FIELD(s, k, char **);
        int r;

        if (isempty(value)) {
                *l = strv_free(*l);
                return 0;
        }
        r = strv_split(value, " \t", &w);
        if (r < 0)
                return r;
        STRV_FOREACH (n, w)
                if (!is_valid(*n))
                        return DETAIL(s, "'%.80s' %s", *n, what_invalid), -EINVAL;
        STRV_FOREACH (n, w) {
                if (strv_contains(*l, *n))
                        continue;
                r = strv_extend(l, *n);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_names(ParseState *s, const ConfigKey *k, const char *value)
{
        return parse_name_list(s, k, value, machine_name_is_valid, "is not a valid entry name");
}

static int parse_unit_names(ParseState *s, const ConfigKey *k, const char *value)
{
        return parse_name_list(s, k, value, unit_name_is_valid, "is not a unit name");
}

static int parse_priority(ParseState *s, const ConfigKey *k, const char *value)
{
        unsigned long v = ENTRY_DEFAULT_PRIORITY;

        if (!isempty(value)) {
                char *end;
                if (value[0] < '0' || value[0] > '9')
                        return -EINVAL;
                errno = 0;
                v = strtoul(value, &end, 10);
                if (errno != 0 || *end != '\0' || v > ENTRY_PRIORITY_MAX)
                        return -EINVAL;
        }
        *FIELD(s, k, unsigned) = (unsigned) v;
        return 0;
}

static int parse_timeout(ParseState *s, const ConfigKey *k, const char *value)
{
        Entry *e = s->entry;
        bool *has = k->ltype == 0 ? &e->has_start_timeout : &e->has_stop_timeout;
        usec_t *t = k->ltype == 0 ? &e->start_timeout : &e->stop_timeout;
        char **str = k->ltype == 0 ? &e->start_timeout_string : &e->stop_timeout_string;
        usec_t v = 0;
        int r;

        if (!isempty(value)) {
                r = parse_timespan(value, &v);
                if (r == -ERANGE)
                        return DETAIL(s, "too large"), -EINVAL;
                if (r < 0)
                        return -EINVAL;
        }
        r = replace_string(str, value);
        if (r < 0)
                return r;
        *has = !isempty(value);
        *t = v;
        return 0;
}

/* ---- validators of keys passed on to systemd-nspawn (the value is kept as written) ---- */

static int check_any(ParseState *s, const ConfigKey *k, const char *value)
{
        return 0;
}

static int check_bool(ParseState *s, const ConfigKey *k, const char *value)
{
        return isempty(value) || config_parse_boolean(value) >= 0 ? 0 : -EINVAL;
}

static int check_word_in(const char *value, const char *const *words)
{
        for (; *words; words++)
                if (streq(value, *words))
                        return 0;
        return -EINVAL;
}

static int check_bool_or_words(
        ParseState *s, const ConfigKey *k, const char *value, const char *const *words)
{
        if (isempty(value) || config_parse_boolean(value) >= 0)
                return 0;
        return check_word_in(value, words);
}

static int check_volatile(ParseState *s, const ConfigKey *k, const char *value)
{
        static const char *const w[] = { "state", "overlay", NULL };
        return check_bool_or_words(s, k, value, w);
}

static int check_link_journal(ParseState *s, const ConfigKey *k, const char *value)
{
        static const char *const w[] = { "no", "auto", "host", "try-host", "guest", "try-guest", NULL };
        return isempty(value) ? 0 : check_word_in(value, w);
}

static int check_timezone(ParseState *s, const ConfigKey *k, const char *value)
{
        static const char *const w[] = { "off", "copy", "bind", "symlink", "delete", "auto", NULL };
        return isempty(value) ? 0 : check_word_in(value, w);
}

static int check_userns_ownership(ParseState *s, const ConfigKey *k, const char *value)
{
        static const char *const w[] = { "off", "chown", "map", "auto", NULL };
        return isempty(value) ? 0 : check_word_in(value, w);
}

static bool is_uid(const char *p, size_t n)
{
        if (n == 0 || n > 10)
                return false;
        for (size_t i = 0; i < n; i++)
                if (p[i] < '0' || p[i] > '9')
                        return false;
        return strtoull(p, NULL, 10) < UINT32_MAX;
}

static int check_private_users(ParseState *s, const ConfigKey *k, const char *value)
{
        static const char *const w[] = { "pick", "identity", NULL };
        const char *colon;

        if (check_bool_or_words(s, k, value, w) >= 0)
                return 0;
        colon = strchr(value, ':');
        if (!colon)
                return is_uid(value, strlen(value)) ? 0 : -EINVAL;
        return is_uid(value, (size_t) (colon - value)) && is_uid(colon + 1, strlen(colon + 1)) ? 0 : -EINVAL;
}

static int check_capabilities(ParseState *s, const ConfigKey *k, const char *value)
{
        _cleanup_strv_free_ char **w = NULL;
        int r;

        if (isempty(value))
                return 0;
        r = strv_split(value, " \t", &w);
        if (r < 0)
                return r;
        STRV_FOREACH (c, w) {
                cap_value_t v;
                if (streq(*c, "all"))
                        continue;
                if (cap_from_name(*c, &v) < 0)
                        return DETAIL(s, "unknown capability '%.60s'", *c), -EINVAL;
        }
        return 0;
}

static int check_bind(ParseState *s, const ConfigKey *k, const char *value)
{
        _cleanup_free_ char *src = NULL, *dst = NULL;
        char flag;
        int r;

        if (isempty(value))
                return 0;
        r = bind_value_parse(value, &src, &dst, NULL, &flag);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return DETAIL(s, "too many ':' fields (escape a colon in a path as '\\:')"), -EINVAL;
        if (!isempty(src) && flag != '+' && src[0] != '/')
                return DETAIL(s,
                               "SOURCE '%.100s' is not an absolute path ('+' makes it relative to the container's root)",
                               src),
                       -EINVAL;
        if (flag == '+' && isempty(src))
                return DETAIL(s, "'+' needs a SOURCE"), -EINVAL;
        if (dst && !isempty(dst) && dst[0] != '/')
                return DETAIL(s, "DEST '%.100s' is not an absolute path", dst), -EINVAL;
        if (isempty(src) && isempty(dst))
                return DETAIL(s, "no SOURCE"), -EINVAL;
        return 0;
}

static int check_ifname(ParseState *s, const ConfigKey *k, const char *value)
{
        return isempty(value) || ifname_is_valid(value) ? 0 : -EINVAL;
}

static int check_zone(ParseState *s, const ConfigKey *k, const char *value)
{
        /* nspawn names the bridge "vz-ZONE" and ignores (with a warning) a zone that does not make
         * a valid interface name that way. */
        if (isempty(value))
                return 0;
        if (strlen(value) > 12)
                return DETAIL(s, "'%.60s' is longer than 12 characters", value), -EINVAL;
        return ifname_is_valid(value) ? 0 : -EINVAL;
}

static bool parse_port_number(const char *p, size_t n)
{
        unsigned v = 0;

        if (n == 0 || n > 5)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return false;
                v = v * 10 + (unsigned) (p[i] - '0');
        }
        return v >= 1 && v <= 65535;
}

static int check_port(ParseState *s, const ConfigKey *k, const char *value)
{
        /* nspawn's expose_port_parse(): "[tcp:|udp:]HOSTPORT[:CONTAINERPORT]", ports 1–65535. */
        const char *p = value, *colon;

        if (isempty(value))
                return 0;
        if (startswith(p, "tcp:") || startswith(p, "udp:"))
                p += 4;
        colon = strchr(p, ':');
        if (!colon)
                return parse_port_number(p, strlen(p)) ? 0 : -EINVAL;
        if (!parse_port_number(p, (size_t) (colon - p)) || !parse_port_number(colon + 1, strlen(colon + 1)))
                return -EINVAL;
        return 0;
}

static int refuse(ParseState *s, const ConfigKey *k, const char *value)
{
        return -EINVAL;
}

/* ---- the table ---- */

#define BOOL_ACCEPTED "a boolean: yes, no, true, false, on, off, 1 or 0"
#define CONTAINER(key, n, parser, field, ltype_, list, secret, def, acc)                                    \
        {                                                                                                   \
                .section = "Container", .name = n, .parse = parser, .offset = offsetof(Entry, field),       \
                .ltype = ltype_, .is_list = list, .is_secret = secret, .container_key = key,                \
                .default_value = def, .accepted = acc                                                       \
        }
#define NSPAWN(sect, n, parser, list, acc)                                                                  \
        {                                                                                                   \
                .section = sect, .name = n, .parse = parser, .is_list = list, .container_key = -1,          \
                .accepted = acc                                                                             \
        }
#define REFUSED(sect, n, instead)                                                                           \
        {                                                                                                   \
                .section = sect, .name = n, .parse = refuse, .container_key = -1, .use_instead = instead    \
        }
#define LIMIT(n) NSPAWN("Exec", n, check_any, false, "a resource limit: a number, SOFT:HARD or infinity")
/* A key that systemd-nspawn has only from systemd version ver on. */
#define NSPAWN_SINCE(sect, n, parser, list, acc, ver)                                                       \
        {                                                                                                   \
                .section = sect, .name = n, .parse = parser, .is_list = list, .container_key = -1,          \
                .accepted = acc, .since = ver                                                               \
        }

static const ConfigKey keys[] = {
        CONTAINER(CONTAINER_DESCRIPTION, "Description", parse_string, description, 0, false, false,
                "Container NAME", "any text"),
        CONTAINER(CONTAINER_ENABLE, "Enable", parse_bool, enable, 0, false, false, "yes", BOOL_ACCEPTED),
        CONTAINER(CONTAINER_DIRECTORY, "Directory", parse_directory, directory, 0, false, false,
                ENTRY_DEFAULT_MACHINES_DIR "/NAME", "an absolute path other than /, without '..'"),
        CONTAINER(CONTAINER_BOOT, "Boot", parse_bool, boot, 0, false, false, "yes", BOOL_ACCEPTED),
        CONTAINER(CONTAINER_COMMAND, "Command", parse_command, command, 0, false, false, NULL,
                "a command line, split like ExecStart= (quotes, backslash escapes)"),
        CONTAINER(CONTAINER_HOSTNAME, "Hostname", parse_hostname, hostname, 0, false, false, NULL,
                "a host name of up to 64 characters: '.'-separated labels of letters, digits, '-' and '_', not starting or ending with '-'"),
        CONTAINER(CONTAINER_PROVISION, "Provision", parse_provision, provision, 0, false, false, "none",
                "none, copy PATH, tar PATH, debootstrap SUITE [MIRROR], dnf RELEASEVER PACKAGE..., command PROGRAM [ARG...], pull URL [signature|checksum] (PATH and PROGRAM absolute, URL http:// or https://)"),
        CONTAINER(CONTAINER_ROOT_PASSWORD_HASH, "RootPasswordHash", parse_password_hash, root_password_hash,
                0, false, true, NULL,
                "a crypt(3) hash ($y$, $gy$, $7$, $2b$, $2y$, $2a$, $6$, $5$), or ! or * (locked), in a file only root can read"),
        CONTAINER(CONTAINER_ROOT_PASSWORD_HASH_FILE, "RootPasswordHashFile", parse_absolute_path,
                root_password_hash_file, 0, false, false, NULL, "an absolute path"),
        CONTAINER(CONTAINER_AUDIT, "Audit", parse_audit, audit, 0, false, false, "warn",
                "warn, refuse or ignore"),
        CONTAINER(CONTAINER_DEPENDS_ON, "DependsOn", parse_names, depends_on, 0, true, false, NULL,
                "names of other entries, separated by spaces"),
        CONTAINER(CONTAINER_AFTER, "After", parse_names, after, 0, true, false, NULL,
                "names of other entries, separated by spaces"),
        CONTAINER(CONTAINER_PRIORITY, "Priority", parse_priority, priority, 0, false, false, "50",
                "an integer from 0 to 1000"),
        CONTAINER(CONTAINER_START_TIMEOUT_SEC, "StartTimeoutSec", parse_timeout, start_timeout, 0, false,
                false, NULL, "a time span such as 90, 5min 20s or infinity"),
        CONTAINER(CONTAINER_STOP_TIMEOUT_SEC, "StopTimeoutSec", parse_timeout, stop_timeout, 1, false, false,
                NULL, "a time span such as 90, 5min 20s or infinity"),
        CONTAINER(CONTAINER_MANAGE_NETWORK, "ManageNetwork", parse_bool, manage_network, 0, false, false,
                "yes", BOOL_ACCEPTED),

        /* systemd-nspawn's .nspawn keys (its src/nspawn/nspawn-gperf.gperf, checked against the
         * strings of Debian 12's /usr/bin/systemd-nspawn), with the same list/scalar behaviour.
         * 252 and 257 know the same 61 keys (compared in both versions' gperf files); a key that a
         * later systemd adds gets NSPAWN_SINCE(…, VERSION) and is an unknown key where berth is
         * built for an older one. The ones since 249 are marked, for the rule's test. */
        REFUSED("Exec", "Boot", "Boot= in [Container]"),
        NSPAWN("Exec", "Ephemeral", check_bool, false, BOOL_ACCEPTED),
        NSPAWN("Exec", "ProcessTwo", check_bool, false, BOOL_ACCEPTED),
        REFUSED("Exec", "Parameters", "Command= in [Container]"),
        NSPAWN("Exec", "Environment", check_any, true, "VARIABLE=VALUE assignments"),
        NSPAWN("Exec", "User", check_any, false, "a user name or UID inside the container"),
        NSPAWN("Exec", "Capability", check_capabilities, true, "capability names (as CAP_NET_ADMIN) or all"),
        NSPAWN("Exec", "AmbientCapability", check_capabilities, true,
                "capability names (as CAP_NET_ADMIN) or all"),
        NSPAWN("Exec", "DropCapability", check_capabilities, true,
                "capability names (as CAP_NET_ADMIN) or all"),
        NSPAWN("Exec", "KillSignal", check_any, false, "a signal name such as SIGTERM"),
        NSPAWN("Exec", "Personality", check_any, false, "x86 or x86-64 (or another architecture)"),
        NSPAWN("Exec", "MachineID", check_any, false, "a 128-bit ID in hex"),
        NSPAWN("Exec", "WorkingDirectory", check_any, false, "an absolute path inside the container"),
        NSPAWN("Exec", "PivotRoot", check_any, false, "PATH[:PATH] inside the container"),
        NSPAWN("Exec", "PrivateUsers", check_private_users, false,
                "a boolean, pick, identity, a UID or UID:RANGE"),
        NSPAWN("Exec", "NotifyReady", check_bool, false, BOOL_ACCEPTED),
        NSPAWN("Exec", "SystemCallFilter", check_any, true, "system call names and @groups, ~ to deny"),
        LIMIT("LimitCPU"),
        LIMIT("LimitFSIZE"),
        LIMIT("LimitDATA"),
        LIMIT("LimitSTACK"),
        LIMIT("LimitCORE"),
        LIMIT("LimitRSS"),
        LIMIT("LimitNOFILE"),
        LIMIT("LimitAS"),
        LIMIT("LimitNPROC"),
        LIMIT("LimitMEMLOCK"),
        LIMIT("LimitLOCKS"),
        LIMIT("LimitSIGPENDING"),
        LIMIT("LimitMSGQUEUE"),
        LIMIT("LimitNICE"),
        LIMIT("LimitRTPRIO"),
        LIMIT("LimitRTTIME"),
        REFUSED("Exec", "Hostname", "Hostname= in [Container]"),
        NSPAWN("Exec", "NoNewPrivileges", check_bool, false, BOOL_ACCEPTED),
        NSPAWN("Exec", "OOMScoreAdjust", check_any, false, "an integer from -1000 to 1000"),
        NSPAWN("Exec", "CPUAffinity", check_any, true, "CPU indexes and ranges"),
        NSPAWN("Exec", "ResolvConf", check_any, false, "a resolv.conf mode such as auto, off or copy-host"),
        NSPAWN("Exec", "LinkJournal", check_link_journal, false,
                "no, auto, host, try-host, guest or try-guest"),
        NSPAWN("Exec", "Timezone", check_timezone, false, "off, copy, bind, symlink, delete or auto"),
        NSPAWN_SINCE("Exec", "SuppressSync", check_bool, false, BOOL_ACCEPTED, 250),

        NSPAWN("Files", "ReadOnly", check_bool, false, BOOL_ACCEPTED),
        NSPAWN("Files", "Volatile", check_volatile, false, "a boolean, state or overlay"),
        NSPAWN("Files", "Bind", check_bind, true, "[-|+]SOURCE[:DEST[:OPTIONS]], SOURCE absolute"),
        NSPAWN("Files", "BindReadOnly", check_bind, true, "[-|+]SOURCE[:DEST[:OPTIONS]], SOURCE absolute"),
        NSPAWN("Files", "TemporaryFileSystem", check_any, true, "PATH[:OPTIONS]"),
        NSPAWN("Files", "Inaccessible", check_any, true, "a path inside the container"),
        NSPAWN("Files", "Overlay", check_any, true, "[+]PATH:[+]PATH[:…]"),
        NSPAWN("Files", "OverlayReadOnly", check_any, true, "[+]PATH:[+]PATH[:…]"),
        NSPAWN("Files", "PrivateUsersChown", check_bool, false,
                BOOL_ACCEPTED " (old spelling of PrivateUsersOwnership=)"),
        NSPAWN_SINCE("Files", "PrivateUsersOwnership", check_userns_ownership, false,
                "off, chown, map or auto", 249),
        NSPAWN_SINCE("Files", "BindUser", check_any, true, "user names", 249),

        NSPAWN("Network", "Private", check_bool, false, BOOL_ACCEPTED),
        NSPAWN("Network", "Interface", check_any, true, "network interface names"),
        NSPAWN("Network", "MACVLAN", check_any, true, "network interface names"),
        NSPAWN("Network", "IPVLAN", check_any, true, "network interface names"),
        NSPAWN("Network", "VirtualEthernet", check_bool, false, BOOL_ACCEPTED),
        NSPAWN("Network", "VirtualEthernetExtra", check_any, true, "HOSTIF[:CONTAINERIF]"),
        NSPAWN("Network", "Bridge", check_ifname, false, "a network interface name (1-15 characters)"),
        NSPAWN("Network", "Zone", check_zone, false,
                "a zone name of 1-12 printable ASCII characters other than '/', ':' and '%' (nspawn's bridge is vz-ZONE)"),
        NSPAWN("Network", "Port", check_port, true,
                "[tcp:|udp:]HOSTPORT[:CONTAINERPORT], ports from 1 to 65535"),

        { .section = "Install",
                .name = "WantedBy",
                .parse = parse_unit_names,
                .offset = offsetof(Entry, wanted_by),
                .is_list = true,
                .container_key = -1,
                .accepted = "unit names, separated by spaces" },
        { .section = "Install",
                .name = "RequiredBy",
                .parse = parse_unit_names,
                .offset = offsetof(Entry, required_by),
                .is_list = true,
                .container_key = -1,
                .accepted = "unit names, separated by spaces" },
};

static const char *const checked_sections[] = { "Container", "Exec", "Files", "Network", "Install" };
static const char *const passthrough_sections[] = { "Unit", "Service" };

bool config_section_is_checked(const char *section)
{
        /* The first letters differ: a compare, not a call, for most (every assignment asks). */
        for (size_t i = 0; i < ELEMENTSOF(checked_sections); i++)
                if (section[0] == checked_sections[i][0] && streq(section, checked_sections[i]))
                        return true;
        return false;
}

bool config_section_is_passthrough(const char *section)
{
        for (size_t i = 0; i < ELEMENTSOF(passthrough_sections); i++)
                if (section[0] == passthrough_sections[i][0] && streq(section, passthrough_sections[i]))
                        return true;
        return false;
}

bool config_section_is_known(const char *section)
{
        return config_section_is_checked(section) || config_section_is_passthrough(section);
}

const char *config_sections_accepted(void)
{
        return "[Container], [Exec], [Files], [Network], [Unit], [Service], [Install] ([X-…] sections are ignored)";
}

const ConfigKey *config_keys(size_t *ret_n)
{
        *ret_n = ELEMENTSOF(keys);
        return keys;
}

/* FNV-1a over "SECTION[NAME". */
static uint32_t key_hash(const char *section, const char *name)
{
        uint32_t h = 2166136261u;

        for (const char *p = section; *p; p++)
                h = (h ^ (unsigned char) *p) * 16777619u;
        h = (h ^ (unsigned char) '[') * 16777619u;
        for (const char *p = name; *p; p++)
                h = (h ^ (unsigned char) *p) * 16777619u;
        return h;
}

#define KEY_SLOTS 512u
_Static_assert(ELEMENTSOF(keys) * 4 <= KEY_SLOTS, "the key index must stay at most a quarter full");

unsigned config_nspawn_version(void)
{
        return SYSTEMD_VERSION;
}

bool config_key_known_in(const ConfigKey *k, unsigned systemd_version)
{
        return k->since <= systemd_version;
}

const ConfigKey *config_key_lookup(const char *section, const char *name)
{
        /* The table stays in documentation order; every assignment of every entry is looked up,
         * through an open-addressing hash index built on first use (a binary search's strcmp()
         * calls were 9 % of a 1 000-entry generator run). */
        static const ConfigKey *slots[KEY_SLOTS];
        static bool built;

        if (!built) {
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        uint32_t h = key_hash(keys[i].section, keys[i].name) & (KEY_SLOTS - 1);
                        while (slots[h])
                                h = (h + 1) & (KEY_SLOTS - 1);
                        slots[h] = &keys[i];
                }
                built = true;
        }
        for (uint32_t h = key_hash(section, name) & (KEY_SLOTS - 1); slots[h]; h = (h + 1) & (KEY_SLOTS - 1))
                if (streq(slots[h]->name, name) && streq(slots[h]->section, section))
                        return slots[h];
        return NULL;
}

char *config_section_keys_list(const char *section)
{
        size_t n = 0;
        char *r, *p;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(keys[i].section, section) && !keys[i].use_instead)
                        n += strlen(keys[i].name) + 3;
        r = p = malloc(n + 1);
        if (!r)
                return NULL;
        *p = '\0';
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(keys[i].section, section) && !keys[i].use_instead)
                        p += sprintf(p, "%s%s=", p == r ? "" : ", ", keys[i].name);
        return r;
}

/* Case-insensitive Levenshtein distance, cut off above 3 (a typo, not another word). */
static unsigned edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        unsigned row[64], prev;

        if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
                return UINT_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = (unsigned) j;
        for (size_t i = 1; i <= la; i++) {
                prev = row[0];
                row[0] = (unsigned) i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned cur = row[j];
                        char ca = a[i - 1], cb = b[j - 1];
                        if (ca >= 'A' && ca <= 'Z')
                                ca = (char) (ca - 'A' + 'a');
                        if (cb >= 'A' && cb <= 'Z')
                                cb = (char) (cb - 'A' + 'a');
                        unsigned best = prev + (ca != cb);
                        if (row[j] + 1 < best)
                                best = row[j] + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        prev = cur;
                }
        }
        return row[lb];
}

const ConfigKey *config_key_suggest(const char *section, const char *name)
{
        const ConfigKey *best = NULL;
        /* Up to two edits, three for longer names ("Capabilities" for Capability=). */
        unsigned best_d = strlen(name) >= 8 ? 4 : 3;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (!streq(keys[i].section, section) || keys[i].use_instead)
                        continue;
                unsigned d = edit_distance(name, keys[i].name);
                if (d < best_d) {
                        best = &keys[i];
                        best_d = d;
                }
        }
        return best;
}
