/* The containers.d loader: search path, precedence, masking, drop-ins, the key table applied to
 * each file, validation within an entry and across entries, and the configuration digest.
 *
 * Decisions the specification leaves open (the README and containers.d(5) repeat them):
 *
 * - Files: at most 1 MiB each (CONFIG_FILE_SIZE_MAX), refused as a whole with one error; a
 *   logical line (continuations joined) of at most 64 KiB. A NUL byte or invalid UTF-8 stops
 *   the file at that line with one error; after 20 syntax errors the rest of a file is skipped.
 * - A UTF-8 byte order mark at the start is skipped; CRLF line ends are accepted.
 * - A trailing backslash (an odd number of them) joins the next line with a space; comment lines
 *   inside a continuation are dropped, as in systemd.
 * - Sections and keys starting with "X-" are ignored, in every section, and are not part of the
 *   digest. Any other unknown section is an error (once, at its header); its keys are skipped.
 * - Masking: an empty regular file or a symlink to /dev/null (anything that resolves to the
 *   /dev/null device). A file that says size 0 but has content (/proc, /sys) is an error. A file with only
 * comments is not empty: it is an entry with defaults.
 * - Opening files: the path is stat()ed first, and only a regular file is opened (O_NONBLOCK,
 *   fstat() again), so a FIFO, socket or device in the search path is one error, never a hang.
 *   A directory named NAME.conf, an unreadable NAME.conf, a dangling symlink or a symlink loop
 *   is an error of the entry NAME (which exists, so its unit fails with that message); an
 *   invalid name is an error of the set (no entry). A NAME.conf.d without a NAME.conf is
 *   ignored. A bad file in defaults.d is an error of every entry.
 * - RootPasswordHash= accepts crypt(3) hashes of the methods yescrypt ($y$), gost-yescrypt
 *   ($gy$), scrypt ($7$), bcrypt ($2b$, $2y$, $2a$), SHA-512 ($6$) and SHA-256 ($5$); the weak
 *   MD5 ($1$), NT ($3$), SHA-1 ($sha1$), Sun MD5 and DES forms are refused. "!", "*", "!*", "!!"
 *   and "!" before an accepted hash are locked accounts. Only characters that crypt(3) emits
 *   are accepted (never ':' or a newline, which would corrupt /etc/shadow). The value is never
 *   echoed in messages. The file that sets it must not be readable by group or others
 *   (mode & 0044); a reset ("RootPasswordHash=") may appear anywhere.
 * - Provision=: PATH of copy/tar and PROGRAM of command must be absolute; a tar PATH ends in
 *   .tar, .tar.gz, .tgz, .tar.xz or .tar.zst; a debootstrap MIRROR is a URL (SCHEME://… or
 *   file:/…); dnf's RELEASEVER and PACKAGEs must not start with '-' (no options smuggled in).
 *   A pull URL is http:// or https://, printable ASCII, and its file name (the last path
 *   component, before "?" or "#") ends in .tar, .tar.gz, .tgz, .tar.xz or .tar.bz2 (what
 *   systemd-pull unpacks in systemd 252 and 257), or names a raw disk image (.raw, .img, .qcow2,
 *   .bin, also compressed), which is accepted only with VERIFY signature (the host's kernel
 *   mounts it: helpers/prepare/pull.c); VERIFY is signature (the default) or checksum, never "no".
 * - DependsOn=/After=: names separated by white space, duplicates dropped; every name must be
 *   a valid entry name. Each problem with a named entry is reported at the line that named it.
 * - Cycles: every entry of a strongly connected component of the DependsOn=+After= graph gets
 *   one error naming a cycle through it (a -> b -> a, at most 20 names), at the line of its
 *   edge in that cycle. A DependsOn=/After= naming an entry with a larger Priority= is an error
 *   ("starts in a later Priority= wave"), whether or not either entry is enabled.
 * - Two entries with the same effective Directory= (explicit or default) are both in error.
 * - Resets: "Key=" resets that key only (Bind= does not reset BindReadOnly=), in every checked
 *   section; entry_effective_assignments() gives what remains, for writing .nspawn files.
 *   [Unit]/[Service] are copied as written; systemd applies its own reset rules there.
 * - Keys are case-sensitive, as in systemd; an unknown key gets a "did you mean" for a close
 *   one, or the section it belongs in. [Install] takes WantedBy= and RequiredBy= (unit names).
 * - Hostname=: up to 64 characters, '.'-separated labels of letters, digits, '-' and '_', no
 *   label empty or starting/ending with '-'. Bridge=: a kernel interface name (1-15 bytes).
 * - Validated in [Exec]/[Files]/[Network]: booleans, capability names (libcap, plus "all"),
 *   PrivateUsers=, Volatile=, LinkJournal=, Timezone=, PrivateUsersOwnership=, Bind= and
 *   BindReadOnly= ([-|+]SOURCE[:DEST[:OPTIONS]], absolute paths, "\:" for a colon), Bridge=.
 *   Other values are left to systemd-nspawn.
 * - Errors of an entry are kept in the order found: file by file, then the checks across keys
 *   (Boot=/Command=, both password keys), then the checks across entries.
 * - Digest: see entry_compute_digest().
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "conf-parser.h"
#include "config-tables.h"
#include "entry.h"
#include "fileio.h"
#include "log.h"
#include "path-util.h"
#include "sha256.h"
#include "strv.h"

static const char *const provision_kinds[_PROVISION_MAX] = {
        [PROVISION_NONE] = "none",
        [PROVISION_COPY] = "copy",
        [PROVISION_TAR] = "tar",
        [PROVISION_DEBOOTSTRAP] = "debootstrap",
        [PROVISION_DNF] = "dnf",
        [PROVISION_COMMAND] = "command",
        [PROVISION_PULL] = "pull",
};

static const char *const audit_policies[_AUDIT_POLICY_MAX] = {
        [AUDIT_WARN] = "warn",
        [AUDIT_REFUSE] = "refuse",
        [AUDIT_IGNORE] = "ignore",
};

static const char *const network_links[_NETWORK_LINK_MAX] = {
        [NETWORK_LINK_VETH] = "veth",
        [NETWORK_LINK_ZONE] = "zone",
        [NETWORK_LINK_BRIDGE] = "bridge",
        [NETWORK_LINK_HOST] = "host",
        [NETWORK_LINK_OTHER] = "other",
};

const char *network_link_to_string(NetworkLink l)
{
        return l >= 0 && l < _NETWORK_LINK_MAX ? network_links[l] : NULL;
}

const char *provision_kind_to_string(ProvisionKind k)
{
        return k >= 0 && k < _PROVISION_MAX ? provision_kinds[k] : NULL;
}

const char *audit_policy_to_string(AuditPolicy p)
{
        return p >= 0 && p < _AUDIT_POLICY_MAX ? audit_policies[p] : NULL;
}

int audit_policy_from_string(const char *s)
{
        for (int i = 0; s && i < _AUDIT_POLICY_MAX; i++)
                if (streq(s, audit_policies[i]))
                        return i;
        return -EINVAL;
}

/* ---- the text of assignments ---- */

/* Section, key and value of each assignment are bump-allocated from chunks that the entry owns
 * and frees together: an entry has some thirty assignments, and a malloc() and free() for each
 * was a tenth of the instructions of a large set's load. */
typedef struct TextChunk {
        struct TextChunk *next;
        size_t used, size;
        char data[];
} TextChunk;

#define TEXT_CHUNK_SIZE ((size_t) 2048 - offsetof(TextChunk, data))

static void text_chunks_free(TextChunk *c)
{
        while (c) {
                TextChunk *next = c->next;
                free(c);
                c = next;
        }
}

/* A new chunk of at least size bytes, put first in *chunks. */
static TextChunk *text_chunk_new(TextChunk **chunks, size_t size)
{
        TextChunk *c = malloc(offsetof(TextChunk, data) + size);
        if (!c)
                return NULL;
        *c = (TextChunk){ .next = *chunks, .size = size };
        *chunks = c;
        return c;
}

static char *text_alloc(TextChunk **chunks, size_t n)
{
        TextChunk *c = *chunks;
        char *p;

        if (!c || c->size - c->used < n) {
                c = text_chunk_new(chunks, n > TEXT_CHUNK_SIZE ? n : TEXT_CHUNK_SIZE);
                if (!c)
                        return NULL;
        }
        p = c->data + c->used;
        c->used += n;
        return p;
}

/* ---- small growing arrays: capacity is the next power of two of the count ---- */

static int grow(void **array, size_t n, size_t size)
{
        /* Called before adding element n: grow when n is 0 or a power of two from 8 on (most
         * entries have fewer than 8 assignments: one allocation, no realloc chain). */
        if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
                return 0;
        void *a = realloc(*array, (n ? n * 2 : 8) * size);
        if (!a)
                return -ENOMEM;
        *array = a;
        return 0;
}

/* A copy of s with control characters (C0 and DEL, but TAB, which terminals only move over)
 * written as C escapes ("\r", "\x1b"), as systemd shows them: messages quote file names and
 * file content, and an ESC or CR in a file written by a container's root must not rewrite what
 * the admin's terminal shows. */
static char *strdup_escape_controls(const char *s)
{
        static const char letters[] = "\a\b\t\n\v\f\r";
        static const char names[] = "abtnvfr";
        size_t n = 0;
        char *r, *t;

        for (const char *c = s; *c; c++)
                n += ((unsigned char) *c < 0x20 || *c == 0x7f) && *c != '\t' ? 4 : 1;
        r = malloc(n + 1);
        if (!r)
                return NULL;
        t = r;
        for (const char *c = s; *c; c++) {
                unsigned char u = (unsigned char) *c;
                const char *l = u ? strchr(letters, u) : NULL;

                if ((u >= 0x20 && u != 0x7f) || u == '\t')
                        *t++ = *c;
                else if (l) {
                        *t++ = '\\';
                        *t++ = names[l - letters];
                } else {
                        *t++ = '\\';
                        *t++ = 'x';
                        *t++ = "0123456789abcdef"[u >> 4];
                        *t++ = "0123456789abcdef"[u & 15];
                }
        }
        *t = '\0';
        return r;
}

static int errors_add(EntryError **errors, size_t *n, const char *file, unsigned line, const char *message)
{
        if (grow((void **) errors, *n, sizeof(EntryError)) < 0)
                return -ENOMEM;
        EntryError *e = &(*errors)[*n];
        *e = (EntryError){ .file = strdup_escape_controls(strempty(file)),
                .line = line,
                .message = strdup_escape_controls(message) };
        if (!e->file || !e->message) {
                free(e->file);
                free(e->message);
                return -ENOMEM;
        }
        (*n)++;
        return 0;
}

static int entry_add_error(Entry *e, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
static int entry_add_error(Entry *e, const char *file, unsigned line, const char *fmt, ...)
{
        _cleanup_free_ char *m = NULL;
        va_list ap;

        /* 10 000 missing DependsOn= targets are one problem, not 10 000 lines at boot. */
        if (e->n_value_errors > ENTRY_VALUE_ERRORS_MAX)
                return 0;
        if (e->n_value_errors++ == ENTRY_VALUE_ERRORS_MAX)
                return errors_add(&e->errors, &e->n_errors, e->source, 0,
                        "Too many errors in this entry; the rest are not shown");

        va_start(ap, fmt);
        int r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return errors_add(&e->errors, &e->n_errors, file, line, m);
}

static int set_add_error(EntrySet *s, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
static int set_add_error(EntrySet *s, const char *file, unsigned line, const char *fmt, ...)
{
        _cleanup_free_ char *m = NULL;
        va_list ap;

        va_start(ap, fmt);
        int r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return errors_add(&s->errors, &s->n_errors, file, line, m);
}

static void errors_free(EntryError *errors, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(errors[i].file);
                free(errors[i].message);
        }
        free(errors);
}

bool entry_error_is_about(const EntryError *e, const char *name)
{
        if (!e->file)
                return false;
        const char *base = strrchr(e->file, '/');
        const char *rest = startswith(base ? base + 1 : e->file, name);
        return rest && streq(rest, ".conf");
}

char *entry_error_format(const EntryError *e)
{
        char *s;
        int r = e->line > 0 ? asprintf(&s, "%s:%u: %s", e->file, e->line, e->message)
                            : asprintf(&s, "%s: %s", e->file, e->message);
        return r < 0 ? NULL : s;
}

/* ---- entries ---- */

static Entry *entry_free(Entry *e)
{
        if (!e)
                return NULL;
        free(e->name);
        free(e->source);
        strv_free(e->files);
        strv_free(e->shadowed);
        free(e->description);
        free(e->directory);
        strv_free(e->command);
        free(e->hostname);
        strv_free(e->provision_args);
        free(e->root_password_hash);
        free(e->root_password_hash_file);
        strv_free(e->depends_on);
        strv_free(e->after);
        free(e->start_timeout_string);
        free(e->stop_timeout_string);
        text_chunks_free(e->text);
        free(e->assignments);
        strv_free(e->bind_sources);
        strv_free(e->bridges);
        free(e->zone);
        strv_free(e->ports);
        strv_free(e->wanted_by);
        strv_free(e->required_by);
        errors_free(e->errors, e->n_errors);
        free(e);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Entry *, entry_free)

static Entry *entry_new(const char *name)
{
        _cleanup_(entry_freep) Entry *e = calloc(1, sizeof(Entry));
        if (!e)
                return NULL;
        e->name = strdup(name);
        if (!e->name)
                return NULL;
        e->enable = true;
        e->boot = true;
        e->is_directory_default = true;
        e->provision = PROVISION_NONE;
        e->audit = AUDIT_WARN;
        e->priority = ENTRY_DEFAULT_PRIORITY;
        e->manage_network = true;
        e->network_link = NETWORK_LINK_VETH; /* the stock unit's --network-veth */
        return TAKE_PTR(e);
}

EntrySet *entry_set_free(EntrySet *set)
{
        if (!set)
                return NULL;
        for (size_t i = 0; i < set->n_entries; i++)
                entry_free(set->entries[i]);
        free(set->entries);
        errors_free(set->errors, set->n_errors);
        strv_free(set->search_path);
        strv_free(set->masked);
        free(set);
        return NULL;
}

static int cmp_entry(const void *a, const void *b)
{
        return strcmp((*(Entry *const *) a)->name, (*(Entry *const *) b)->name);
}

static int cmp_name_to_entry(const void *key, const void *b)
{
        return strcmp(key, (*(Entry *const *) b)->name);
}

Entry *entry_set_find(const EntrySet *set, const char *name)
{
        Entry **e;

        if (!set || !name || set->n_entries == 0)
                return NULL;
        e = bsearch(name, set->entries, set->n_entries, sizeof(Entry *), cmp_name_to_entry);
        return e ? *e : NULL;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(a, *(char *const *) b);
}

bool entry_set_is_masked(const EntrySet *set, const char *name)
{
        if (!set || !set->masked)
                return false;
        /* set->masked is kept sorted. */
        return bsearch(name, set->masked, strv_length(set->masked), sizeof(char *), cmp_str);
}

int entry_search_path(const char *root, char ***ret)
{
        static const char *const defaults[] = { "/etc/containers.d", "/run/containers.d",
                "/usr/local/lib/containers.d", "/usr/lib/containers.d" };
        _cleanup_strv_free_ char **l = NULL;
        const char *e = getenv("BERTH_CONFIG_PATH");
        int r;

        if (e) {
                r = strv_split(e, ":", &l);
                if (r < 0)
                        return r;
        } else {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
                for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                        char *p = root ? path_join(root, defaults[i]) : strdup(defaults[i]);
                        if (!p || strv_push(&l, p) < 0)
                                return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- files ---- */

typedef enum FileKind {
        FILE_REGULAR,
        FILE_MASKED, /* empty, or /dev/null */
        FILE_BAD, /* an error message says why */
} FileKind;

/* A file read into memory (or why it could not be). */
typedef struct LoadedFile {
        char *path;
        FileKind kind;
        char *content;
        bool borrowed; /* content belongs to a ReadBuffer */
        size_t size;
        mode_t mode;
        char *error;
} LoadedFile;

static void loaded_file_done(LoadedFile *f)
{
        free(f->path);
        if (!f->borrowed)
                free(f->content);
        free(f->error);
        *f = (LoadedFile){};
}

static const char *file_type_name(mode_t m)
{
        return S_ISDIR(m)    ? "a directory"
               : S_ISFIFO(m) ? "a FIFO"
               : S_ISSOCK(m) ? "a socket"
               : S_ISCHR(m)  ? "a character device"
               : S_ISBLK(m)  ? "a block device"
                             : "not a regular file";
}

static bool stat_is_dev_null(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

/* A buffer reused for reading one file after another, so that loading many entries does not
 * allocate and free a buffer per file. */
typedef struct ReadBuffer {
        char *data;
        size_t allocated;
} ReadBuffer;

static void read_buffer_done(ReadBuffer *b)
{
        free(b->data);
}

/* Reads a regular file whose size fstatat() said into b, in one read() when it did not change. */
static int read_regular(int fd, size_t expected, ReadBuffer *b, size_t *ret_size)
{
        size_t want = expected + 1, n = 0;

        for (;;) {
                if (b->allocated < want + 1) {
                        char *d = realloc(b->data, want + 1);
                        if (!d)
                                return -ENOMEM;
                        b->data = d;
                        b->allocated = want + 1;
                }
                ssize_t k = read(fd, b->data + n, want - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? -EINVAL : -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > CONFIG_FILE_SIZE_MAX)
                        return -EFBIG;
                /* A short read of a regular file is its end; it saves a read() per file. */
                if (n < want)
                        break;
                want = want * 2 > CONFIG_FILE_SIZE_MAX + 1 ? CONFIG_FILE_SIZE_MAX + 1 : want * 2;
        }
        b->data[n] = '\0';
        *ret_size = n;
        return 0;
}

/* Classifies and reads name in dirfd (or path, with AT_FDCWD). Only -ENOMEM is returned; every
 * other problem is f->error. */
static int load_file_at(int dirfd, const char *name, const char *path, ReadBuffer *scratch, LoadedFile *f)
{
        ReadBuffer own = {};
        struct stat st;
        int r;

        *f = (LoadedFile){ .path = strdup(path) };
        if (!f->path)
                return -ENOMEM;

        if (fstatat(dirfd, name, &st, 0) < 0) {
                r = errno;
                f->kind = FILE_BAD;
                if (r == ELOOP)
                        f->error = strdup(
                                "Failed to open: symbolic link loop (too many levels of symbolic links)");
                else if (r == ENOENT)
                        f->error =
                                strdup("Failed to open: dangling symbolic link (its target does not exist)");
                else if (asprintf(&f->error, "Failed to open: %s", strerror(r)) < 0)
                        f->error = NULL;
                return f->error ? 0 : -ENOMEM;
        }
        if (stat_is_dev_null(&st)) {
                f->kind = FILE_MASKED;
                return 0;
        }
        if (S_ISREG(st.st_mode) && st.st_size == 0) {
                /* Empty masks, but files in /proc and /sys say size 0 and have content: a link to
                 * one must not silently mask the entry. One read of one byte tells. */
                char c;
                _cleanup_close_ int zfd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                ssize_t k = zfd < 0 ? -1 : read(zfd, &c, 1);
                if (k == 0) {
                        f->kind = FILE_MASKED;
                        return 0;
                }
                f->kind = FILE_BAD;
                if (k < 0)
                        r = asprintf(&f->error, "Failed to read: %s", strerror(errno));
                else
                        r = asprintf(&f->error,
                                "Reports a size of 0 but has content (a file in /proc or /sys?): not a configuration file; to mask the entry, use an empty file or a symlink to /dev/null");
                return r < 0 ? -ENOMEM : 0;
        }
        if (!S_ISREG(st.st_mode)) {
                f->kind = FILE_BAD;
                if (asprintf(&f->error, "Is %s, expected a regular file", file_type_name(st.st_mode)) < 0)
                        return -ENOMEM;
                return 0;
        }
        if ((uint64_t) st.st_size > CONFIG_FILE_SIZE_MAX) {
                f->kind = FILE_BAD;
                if (asprintf(&f->error, "File is larger than %zu KiB (%llu bytes): not a configuration file",
                            CONFIG_FILE_SIZE_MAX / 1024, (unsigned long long) st.st_size) < 0)
                        return -ENOMEM;
                return 0;
        }

        /* Only a regular file is opened, and without blocking: if it was swapped for a FIFO since
         * the fstatat(), the read fails instead of hanging. */
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0)
                r = read_regular(fd, (size_t) st.st_size, scratch ?: &own, &f->size);
        else
                r = -errno;
        if (r >= 0) {
                /* With a scratch buffer the content is borrowed: valid until the next read. */
                f->content = scratch ? scratch->data : TAKE_PTR(own.data);
                f->borrowed = scratch != NULL;
        }
        read_buffer_done(&own);
        if (r == -ENOMEM)
                return r;
        if (r == -EFBIG) {
                f->kind = FILE_BAD;
                return asprintf(&f->error, "File is larger than %zu KiB: not a configuration file",
                               CONFIG_FILE_SIZE_MAX / 1024) < 0
                               ? -ENOMEM
                               : 0;
        }
        if (r < 0) {
                f->kind = FILE_BAD;
                return asprintf(&f->error, "Failed to read: %s", strerror(-r)) < 0 ? -ENOMEM : 0;
        }
        f->mode = st.st_mode;
        f->kind = f->size == 0 ? FILE_MASKED : FILE_REGULAR;
        return 0;
}

static int load_file(const char *path, LoadedFile *f)
{
        return load_file_at(AT_FDCWD, path, path, NULL, f);
}

/* ---- applying one file to an entry ---- */

typedef struct ApplyContext {
        Entry *entry;
        const char *file; /* the string in entry->files */
        mode_t mode;
        int r; /* -ENOMEM seen */
} ApplyContext;

static bool section_is_known_cb(const char *section, void *userdata)
{
        return config_section_is_known(section);
}

static int syntax_error_cb(unsigned line, const char *message, void *userdata)
{
        ApplyContext *c = userdata;
        return errors_add(&c->entry->errors, &c->entry->n_errors, c->file, line, message);
}

static int entry_record(Entry *e, const ConfigKey *k, const char *section, const char *key,
        const char *value, const char *file, unsigned line)
{
        size_t ls = strlen(section) + 1, lk = strlen(key) + 1, lv = strlen(value) + 1;
        char *block;

        if (grow((void **) &e->assignments, e->n_assignments, sizeof(Assignment)) < 0)
                return -ENOMEM;
        block = text_alloc(&e->text, ls + lk + lv);
        if (!block)
                return -ENOMEM;
        memcpy(block, section, ls);
        memcpy(block + ls, key, lk);
        memcpy(block + ls + lk, value, lv);
        e->assignments[e->n_assignments++] = (Assignment){
                .section = block,
                .key = block + ls,
                .value = block + ls + lk,
                .origin = { .file = file, .line = line },
                .config_key = k,
        };
        return 0;
}

/* The value as shown in messages: cut, and hidden for secrets. */
static void value_for_message(const ConfigKey *k, const char *value, char *buf, size_t size)
{
        if (k && k->is_secret) {
                snprintf(buf, size, "(hidden)");
                return;
        }
        size_t n = strlen(value);
        if (n < 100) {
                snprintf(buf, size, "%s", value);
                return;
        }
        /* Cut at a character boundary. */
        size_t cut = 96;
        while (cut > 0 && ((unsigned char) value[cut] & 0xc0) == 0x80)
                cut--;
        snprintf(buf, size, "%.*s…", (int) cut, value);
}

static int unknown_key(ApplyContext *c, const char *section, const char *key, unsigned line)
{
        Entry *e = c->entry;
        size_t n;
        const ConfigKey *keys = config_keys(&n), *s;

        /* A hash typed where the key goes ("$6$…=", or after a space instead of '='). */
        if (strchr(key, '$') && config_text_may_hold_secret(key))
                return entry_add_error(e, c->file, line,
                        "Unknown key in [%s] (not shown: it may hold a password hash); expected KEY=VALUE",
                        section);

        /* The right key in the wrong section is a common slip: say where it belongs. */
        for (size_t i = 0; i < n; i++)
                if (streq(keys[i].name, key) && !keys[i].use_instead && !streq(keys[i].section, section))
                        return entry_add_error(e, c->file, line,
                                "Unknown key %s= in [%s]: it belongs in [%s]", key, section,
                                keys[i].section);

        if (streq(section, "Install"))
                return entry_add_error(e, c->file, line,
                        "Unknown key %s= in [Install]; accepted: WantedBy=, RequiredBy= (Enable= in [Container] adds the unit to machines.target)",
                        key);

        s = config_key_suggest(section, key);
        if (s)
                return entry_add_error(e, c->file, line, "Unknown key %s= in [%s]; did you mean %s=?", key,
                        section, s->name);
        if (streq(section, "Container")) {
                _cleanup_free_ char *list = config_section_keys_list(section);
                if (!list)
                        return -ENOMEM;
                return entry_add_error(
                        e, c->file, line, "Unknown key %s= in [Container]; accepted: %s", key, list);
        }
        return entry_add_error(e, c->file, line,
                "Unknown key %s= in [%s]: systemd-nspawn %u does not know it (see systemd.nspawn(5)); accepted: %s",
                key, section, config_nspawn_version(),
                "the keys of systemd.nspawn(5) except Boot=, Parameters=, Hostname=");
}

static int assignment_cb(
        const char *section, const char *key, const char *value, unsigned line, void *userdata)
{
        ApplyContext *c = userdata;
        Entry *e = c->entry;
        const ConfigKey *k;
        int r;

        if (config_section_is_passthrough(section))
                return entry_record(e, NULL, section, key, value, c->file, line);

        k = config_key_lookup(section, key);
        if (!k)
                return unknown_key(c, section, key, line);
        if (!config_key_known_in(k, config_nspawn_version()))
                return entry_add_error(e, c->file, line,
                        "Unknown key %s= in [%s]: systemd-nspawn %u does not know it (it came with systemd %u); accepted: the keys of systemd.nspawn(5) of systemd %u",
                        key, section, config_nspawn_version(), k->since, config_nspawn_version());
        if (k->use_instead)
                return entry_add_error(e, c->file, line, "%s= in [%s] is set by berth; use %s instead", key,
                        section, k->use_instead);

        ParseState s = { .entry = e, .file = c->file, .line = line, .file_mode = c->mode };
        r = k->parse(&s, k, value);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                char shown[128];
                value_for_message(
                        s.hide_value ? NULL : k, s.hide_value ? "(hidden)" : value, shown, sizeof shown);
                if (s.detail[0])
                        return entry_add_error(e, c->file, line, "Invalid %s=%s in [%s]: %s; accepted: %s",
                                key, shown, section, s.detail, k->accepted);
                return entry_add_error(e, c->file, line, "Invalid %s=%s in [%s]; accepted: %s", key, shown,
                        section, k->accepted);
        }
        if (k->container_key >= 0)
                e->origins[k->container_key] = (Origin){ .file = c->file, .line = line };
        return entry_record(e, k, section, key, value, c->file, line);
}

static const ConfigParseCallbacks apply_callbacks = {
        .section_is_known = section_is_known_cb,
        .unknown_section_hint = NULL, /* set below: config_sections_accepted() is a function */
        .assignment = assignment_cb,
        .error = syntax_error_cb,
};

/* A file as the parser delivered it (assignments and syntax errors, in order), kept to be applied
 * to many entries: the defaults.d files apply to every entry, and parsing them once instead of
 * once per entry was a sixth of a 1 000-entry load. Replaying the events through the same
 * callbacks gives each entry exactly what parsing the file again would. */
typedef struct ParsedEvent {
        const char *section; /* NULL for a syntax error, whose message is in value */
        const char *key;
        const char *value;
        unsigned line;
} ParsedEvent;

typedef struct ParsedFile {
        ParsedEvent *events;
        size_t n_events;
        TextChunk *text;
} ParsedFile;

static void parsed_file_done(ParsedFile *p)
{
        free(p->events);
        text_chunks_free(p->text);
        *p = (ParsedFile){};
}

static int parsed_file_add(
        ParsedFile *p, const char *section, const char *key, const char *value, unsigned line)
{
        size_t ls = section ? strlen(section) + 1 : 0, lk = key ? strlen(key) + 1 : 0,
               lv = strlen(value) + 1;
        char *block;

        if (grow((void **) &p->events, p->n_events, sizeof(ParsedEvent)) < 0)
                return -ENOMEM;
        block = text_alloc(&p->text, ls + lk + lv);
        if (!block)
                return -ENOMEM;
        if (section)
                memcpy(block, section, ls);
        if (key)
                memcpy(block + ls, key, lk);
        memcpy(block + ls + lk, value, lv);
        p->events[p->n_events++] = (ParsedEvent){
                .section = section ? block : NULL,
                .key = key ? block + ls : NULL,
                .value = block + ls + lk,
                .line = line,
        };
        return 0;
}

static int record_assignment_cb(
        const char *section, const char *key, const char *value, unsigned line, void *userdata)
{
        return parsed_file_add(userdata, section, key, value, line);
}

static int record_error_cb(unsigned line, const char *message, void *userdata)
{
        return parsed_file_add(userdata, NULL, NULL, message, line);
}

static int parsed_file_parse(const LoadedFile *f, ParsedFile *ret)
{
        /* As entry_apply_file() parses, with what it would apply recorded instead. */
        ConfigParseCallbacks cb = apply_callbacks;
        cb.unknown_section_hint = config_sections_accepted();
        cb.assignment = record_assignment_cb;
        cb.error = record_error_cb;

        *ret = (ParsedFile){};
        if (f->kind != FILE_REGULAR)
                return 0;
        int r = config_parse_text(f->content, f->size, &cb, ret);
        if (r < 0)
                parsed_file_done(ret);
        return r;
}

static int parsed_file_replay(const ParsedFile *p, ApplyContext *c)
{
        for (size_t i = 0; i < p->n_events; i++) {
                const ParsedEvent *ev = &p->events[i];
                int r = ev->section ? assignment_cb(ev->section, ev->key, ev->value, ev->line, c)
                                    : syntax_error_cb(ev->line, ev->value, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Applies a loaded file (or records why it could not be) to the entry: parsing it, or, when
 * parsed is not NULL, replaying what parsing it gave. */
static int entry_apply_file(Entry *e, const LoadedFile *f, const ParsedFile *parsed)
{
        ConfigParseCallbacks cb = apply_callbacks;
        int r;

        r = strv_extend(&e->files, f->path);
        if (r < 0)
                return r;
        const char *file = e->files[strv_length(e->files) - 1];

        if (f->kind == FILE_BAD)
                return entry_add_error(e, file, 0, "%s", f->error);
        if (f->kind == FILE_MASKED)
                return 0;

        ApplyContext c = { .entry = e, .file = file, .mode = f->mode };
        if (parsed)
                return parsed_file_replay(parsed, &c);
        cb.unknown_section_hint = config_sections_accepted();
        return config_parse_text(f->content, f->size, &cb, &c);
}

/* ---- derived fields and checks within one entry ---- */

/* For each assignment of a checked section, whether it is in effect after resets: a scalar's last
 * value unless it is a reset, a list's non-empty values after its last reset. One backward pass
 * with a flag per key of the table; keys that are not in the table are never in effect. */
static void mark_effective(const Entry *e, const char *section, bool *effective)
{
        size_t n_keys;
        const ConfigKey *keys = config_keys(&n_keys);
        bool done[256] = {};

        for (size_t i = e->n_assignments; i > 0; i--) {
                const Assignment *a = &e->assignments[i - 1];
                const ConfigKey *k;

                effective[i - 1] = false;
                if (!streq_fast(a->section, section))
                        continue;
                k = a->config_key;
                if (!k || (size_t) (k - keys) >= ELEMENTSOF(done) || done[k - keys])
                        continue;
                if (isempty(a->value) || !k->is_list)
                        done[k - keys] = true;
                effective[i - 1] = !isempty(a->value);
        }
}

int entry_effective_assignments(const Entry *e, const char *section, const Assignment ***ret)
{
        _cleanup_free_ const Assignment **l = calloc(e->n_assignments + 1, sizeof(Assignment *));
        _cleanup_free_ bool *effective = calloc(e->n_assignments + 1, sizeof(bool));
        bool passthrough = config_section_is_passthrough(section);
        size_t n = 0;

        if (!l || !effective)
                return -ENOMEM;
        if (!passthrough)
                mark_effective(e, section, effective);
        for (size_t i = 0; i < e->n_assignments; i++)
                if (passthrough ? streq_fast(e->assignments[i].section, section) : effective[i])
                        l[n++] = &e->assignments[i];
        l[n] = NULL;
        *ret = TAKE_PTR(l);
        return 0;
}

/* systemd-nspawn's rule (settings_network_configured() and friends in its nspawn-settings.c, 252
 * and 257 alike): a trusted settings file that sets any network key, even to "no", replaces every
 * network option of the command line, so the stock unit's --network-veth is gone; Port= is not one
 * of them. A veth is made for VirtualEthernet=yes, Bridge= or Zone=; the network is private when
 * any of those or Private=yes or an Interface=/MACVLAN=/IPVLAN=/VirtualEthernetExtra= is set. */
static NetworkLink classify_network(int private_network, int veth, bool bridge, bool zone, bool other_links)
{
        if (private_network < 0 && veth < 0 && !bridge && !zone && !other_links)
                return NETWORK_LINK_VETH; /* the command line's --network-veth */
        if (zone)
                return NETWORK_LINK_ZONE;
        if (bridge)
                return NETWORK_LINK_BRIDGE;
        if (veth > 0)
                return NETWORK_LINK_VETH;
        if (private_network > 0 || other_links)
                return NETWORK_LINK_OTHER;
        return NETWORK_LINK_HOST; /* Private=no or VirtualEthernet=no, nothing else */
}

static int entry_derive_nspawn(Entry *e)
{
        static const char *const sections[] = { "Exec", "Files", "Network" };
        _cleanup_free_ bool *effective = NULL;
        int r;

        for (size_t i = 0; i < e->n_assignments && !e->has_nspawn_settings; i++)
                for (size_t s = 0; s < ELEMENTSOF(sections); s++)
                        if (streq_fast(e->assignments[i].section, sections[s]))
                                e->has_nspawn_settings = true;
        if (!e->has_nspawn_settings)
                return 0;

        effective = malloc((e->n_assignments + 1) * sizeof(bool));
        if (!effective)
                return -ENOMEM;
        /* nspawn's settings: -1 unset, else the boolean; lists and names only count when set. */
        int private_network = -1, veth = -1;
        bool other_links = false;
        for (size_t s = 0; s < ELEMENTSOF(sections); s++) {
                mark_effective(e, sections[s], effective);
                for (size_t i = 0; i < e->n_assignments; i++) {
                        const Assignment *a = &e->assignments[i];
                        if (!effective[i])
                                continue;
                        if (s == 1 && (streq(a->key, "Bind") || streq(a->key, "BindReadOnly"))) {
                                _cleanup_free_ char *src = NULL;
                                char flag;

                                r = bind_value_parse(a->value, &src, NULL, NULL, &flag);
                                if (r == -ENOMEM)
                                        return r;
                                /* "+" is inside the container, an empty source a temporary directory. */
                                if (r < 0 || flag == '+' || isempty(src) || src[0] != '/')
                                        continue;
                                if (path_simplify_absolute(src) < 0 || strv_contains(e->bind_sources, src))
                                        continue;
                                r = strv_push(&e->bind_sources, TAKE_PTR(src));
                                if (r < 0)
                                        return r;
                        } else if (s == 1 && streq(a->key, "ReadOnly"))
                                e->read_only = config_parse_boolean(a->value) > 0;
                        else if (s == 2 && streq(a->key, "Bridge")) {
                                if (strv_extend(&e->bridges, a->value) < 0)
                                        return -ENOMEM;
                        } else if (s == 2 && streq(a->key, "Zone")) {
                                free(e->zone);
                                e->zone = strdup(a->value);
                                if (!e->zone)
                                        return -ENOMEM;
                        } else if (s == 2 && streq(a->key, "Port")) {
                                if (strv_extend(&e->ports, a->value) < 0)
                                        return -ENOMEM;
                        } else if (s == 2 && streq(a->key, "Private"))
                                private_network = config_parse_boolean(a->value) > 0;
                        else if (s == 2 && streq(a->key, "VirtualEthernet"))
                                veth = config_parse_boolean(a->value) > 0;
                        else if (s == 2 &&
                                 (streq(a->key, "Interface") || streq(a->key, "MACVLAN") ||
                                         streq(a->key, "IPVLAN") || streq(a->key, "VirtualEthernetExtra")))
                                other_links = true;
                        else if (s == 0 && streq(a->key, "PrivateUsers"))
                                /* anything but a false boolean: yes, pick, identity, a UID range */
                                e->private_users = config_parse_boolean(a->value) != 0;
                }
        }
        e->network_link =
                classify_network(private_network, veth, e->bridges && e->bridges[0], !!e->zone, other_links);
        return 0;
}

void entry_compute_digest(const Entry *e, char ret[65])
{
        /* SHA-256 over "berth-digest-1\0NAME\0" and then "SECTION\0KEY\0VALUE\0" for every assignment
         * in the order applied (X- keys and sections never become assignments). File names, line
         * numbers, comments and white space around keys and values do not count: the same settings
         * spread differently over files give the same digest. Resets count, as they change what
         * applies. */
        static const char tag[] = "berth-digest-1";
        Sha256 s;
        uint8_t d[SHA256_DIGEST_SIZE];

        sha256_init(&s);
        sha256_update(&s, tag, sizeof tag);
        sha256_update(&s, e->name, strlen(e->name) + 1);
        for (size_t i = 0; i < e->n_assignments; i++) {
                const Assignment *a = &e->assignments[i];
                /* entry_record() put "SECTION\0KEY\0VALUE\0" in one block: hash it in one go. */
                sha256_update(&s, a->section, (size_t) (a->value - a->section) + strlen(a->value) + 1);
        }
        sha256_final(&s, d);
        sha256_to_hex(d, ret);
}

static int origin_or_source(const Entry *e, ContainerKey k, const char **ret_file, unsigned *ret_line)
{
        *ret_file = e->origins[k].file ? e->origins[k].file : e->source;
        *ret_line = e->origins[k].file ? e->origins[k].line : 0;
        return 0;
}

static int entry_finish(Entry *e)
{
        const char *file;
        unsigned line;
        int r;

        if (!e->description && asprintf(&e->description, "Container %s", e->name) < 0) {
                e->description = NULL;
                return -ENOMEM;
        }
        if (!e->directory) {
                e->is_directory_default = true;
                e->directory = path_join(ENTRY_DEFAULT_MACHINES_DIR, e->name);
                if (!e->directory)
                        return -ENOMEM;
        }

        if (!e->boot && !e->command) {
                origin_or_source(e, CONTAINER_BOOT, &file, &line);
                r = entry_add_error(e, file, line,
                        "Boot=no requires Command= in [Container] (the command to run inside the container)");
                if (r < 0)
                        return r;
        }
        if (e->root_password_hash && e->root_password_hash_file) {
                /* Reported at the later of the two assignments. */
                for (size_t i = e->n_assignments; i > 0; i--) {
                        const Assignment *a = &e->assignments[i - 1];
                        if (streq_fast(a->section, "Container") &&
                                (streq(a->key, "RootPasswordHash") ||
                                        streq(a->key, "RootPasswordHashFile"))) {
                                r = entry_add_error(e, a->origin.file, a->origin.line,
                                        "Both RootPasswordHash= and RootPasswordHashFile= are set; accepted: only one of them");
                                if (r < 0)
                                        return r;
                                break;
                        }
                }
        }

        r = entry_derive_nspawn(e);
        if (r < 0)
                return r;
        if (e->zone && e->bridges && e->bridges[0])
                /* nspawn refuses the pair at start ("may not be combined"): say so here, at the
                 * later of the two. */
                for (size_t i = e->n_assignments; i > 0; i--) {
                        const Assignment *a = &e->assignments[i - 1];
                        if (streq_fast(a->section, "Network") &&
                                (streq(a->key, "Zone") || streq(a->key, "Bridge"))) {
                                r = entry_add_error(e, a->origin.file, a->origin.line,
                                        "Bridge= and Zone= are both set in [Network]; accepted: one of them (systemd-nspawn refuses the combination)");
                                if (r < 0)
                                        return r;
                                break;
                        }
                }
        entry_compute_digest(e, e->digest);
        return 0;
}

/* LoadOptions.generator_only: drops the assignments nothing reads after entry_finish() but
 * berth-prepare and berth (all of [Exec], [Files], [Network], [Install] and most of [Container]),
 * keeping their order. The freed blocks are reused by the next entry's, so the heap of a large
 * set stays a fraction of the whole. */
static bool generator_reads(const Assignment *a)
{
        /* Only [Unit]/[Service] assignments have no key-table row (see assignment_cb()). */
        return !a->config_key || a->config_key->container_key == CONTAINER_DEPENDS_ON ||
               a->config_key->container_key == CONTAINER_AFTER;
}

static int entry_compact_for_generator(Entry *e)
{
        TextChunk *kept = NULL;
        size_t n = 0, bytes = 0;

        /* The kept text moves into one chunk of its size; the rest goes with the old chunks. */
        for (size_t i = 0; i < e->n_assignments; i++)
                if (generator_reads(&e->assignments[i]))
                        bytes += (size_t) (e->assignments[i].value - e->assignments[i].section) +
                                 strlen(e->assignments[i].value) + 1;
        if (bytes > 0 && !text_chunk_new(&kept, bytes))
                return -ENOMEM;
        for (size_t i = 0; i < e->n_assignments; i++) {
                Assignment *a = &e->assignments[i];
                if (!generator_reads(a))
                        continue;
                size_t lk = (size_t) (a->value - a->key), lv = strlen(a->value) + 1;
                size_t len = (size_t) (a->key - a->section) + lk + lv;
                char *block = text_alloc(&kept, len); /* fits: the chunk was sized for it */
                if (!block) {
                        text_chunks_free(kept);
                        return -ENOMEM;
                }
                memcpy(block, a->section, len);
                Assignment moved = *a; /* a may be the slot written to */
                moved.section = block;
                moved.key = block + (a->key - a->section);
                moved.value = block + (a->value - a->section);
                e->assignments[n++] = moved;
        }
        text_chunks_free(e->text);
        e->text = kept;
        e->n_assignments = n;
        /* Give the rest of the array back, down to the capacity grow() expects for n: 8, or the
         * next power of two. */
        size_t cap = 8;
        while (cap < n)
                cap *= 2;
        if (n == 0) {
                free(e->assignments);
                e->assignments = NULL;
        } else {
                Assignment *a = realloc(e->assignments, cap * sizeof(Assignment));
                if (a) /* a failed shrink keeps the larger array */
                        e->assignments = a;
        }
        return 0;
}

/* ---- the search path ---- */

/* One file name found in one directory of the search path. */
typedef struct Found {
        char *name; /* the file name (NAME.conf) or entry name, see users */
        size_t dir; /* index in the search path: lower wins */
} Found;

static int cmp_found(const void *a, const void *b)
{
        const Found *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        if (c != 0)
                return c;
        return x->dir < y->dir ? -1 : x->dir > y->dir;
}

typedef struct FoundList {
        Found *items;
        size_t n;
} FoundList;

static void found_list_done(FoundList *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].name);
        free(l->items);
        *l = (FoundList){};
}

static int found_list_add(FoundList *l, const char *name, size_t namelen, size_t dir)
{
        if (grow((void **) &l->items, l->n, sizeof(Found)) < 0)
                return -ENOMEM;
        char *c = strndup(name, namelen);
        if (!c)
                return -ENOMEM;
        l->items[l->n++] = (Found){ .name = c, .dir = dir };
        return 0;
}

static bool is_hidden(const char *name)
{
        return name[0] == '.';
}

/* Lists the *.conf files of one drop-in directory into l (file names with ".conf"). */
static int list_dropin_dir(const char *path, size_t dir, FoundList *l, char **ret_error)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;

        *ret_error = NULL;
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                if (errno == ENOMEM)
                        return -ENOMEM;
                return asprintf(ret_error, "Failed to open drop-in directory: %s", strerror(errno)) < 0
                               ? -ENOMEM
                               : 0;
        }
        while ((errno = 0, de = readdir(d))) {
                if (is_hidden(de->d_name) || !endswith(de->d_name, ".conf"))
                        continue;
                if (found_list_add(l, de->d_name, strlen(de->d_name), dir) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Drop-ins of a kind (defaults.d or NAME.conf.d) across the search path, resolved: survivors
 * in lexical order of file name, the /etc one winning over the same name below it. */
typedef struct DropIns {
        LoadedFile *files; /* survivors: FILE_REGULAR or FILE_BAD */
        size_t n_files;
        ParsedFile *parsed; /* NULL, or n_files of them: dropins_parse() */
        char **shadowed;
        char **errors; /* "PATH\nmessage" for directories that could not be listed */
} DropIns;

static void dropins_done(DropIns *d)
{
        for (size_t i = 0; i < d->n_files; i++) {
                loaded_file_done(&d->files[i]);
                if (d->parsed)
                        parsed_file_done(&d->parsed[i]);
        }
        free(d->files);
        free(d->parsed);
        strv_free(d->shadowed);
        strv_free(d->errors);
        *d = (DropIns){};
}

static int dropins_load(
        char **search_path, const size_t *dirs, size_t n_dirs, const char *subdir, DropIns *ret)
{
        _cleanup_(found_list_done) FoundList l = {};
        DropIns d = {};
        int r;

        for (size_t i = 0; i < n_dirs; i++) {
                _cleanup_free_ char *p = path_join(search_path[dirs[i]], subdir), *err = NULL;
                if (!p)
                        goto oom;
                r = list_dropin_dir(p, dirs[i], &l, &err);
                if (r < 0)
                        goto oom;
                if (err) {
                        _cleanup_free_ char *m = NULL;
                        if (asprintf(&m, "%s\n%s", p, err) < 0 || strv_push(&d.errors, TAKE_PTR(m)) < 0)
                                goto oom;
                }
        }
        if (l.n > 1)
                qsort(l.items, l.n, sizeof(Found), cmp_found);

        for (size_t i = 0; i < l.n;) {
                size_t j = i + 1;
                while (j < l.n && streq(l.items[j].name, l.items[i].name))
                        j++;

                _cleanup_free_ char *dir = path_join(search_path[l.items[i].dir], subdir);
                _cleanup_free_ char *path = dir ? path_join(dir, l.items[i].name) : NULL;
                if (!path)
                        goto oom;
                if (grow((void **) &d.files, d.n_files, sizeof(LoadedFile)) < 0)
                        goto oom;
                r = load_file(path, &d.files[d.n_files]);
                if (r < 0) {
                        loaded_file_done(&d.files[d.n_files]);
                        goto oom;
                }
                bool masked = d.files[d.n_files].kind == FILE_MASKED;
                if (masked)
                        loaded_file_done(&d.files[d.n_files]);
                else
                        d.n_files++;

                for (size_t k = i + 1; k < j; k++) {
                        _cleanup_free_ char *dk = path_join(search_path[l.items[k].dir], subdir);
                        char *pk = dk ? path_join(dk, l.items[k].name) : NULL;
                        if (!pk || strv_push(&d.shadowed, pk) < 0)
                                goto oom;
                }
                i = j;
        }
        *ret = d;
        return 0;
oom:
        dropins_done(&d);
        return -ENOMEM;
}

/* Parses every file of d once, for drop-ins applied to many entries (defaults.d). */
static int dropins_parse(DropIns *d)
{
        if (d->n_files == 0)
                return 0;
        d->parsed = calloc(d->n_files, sizeof(ParsedFile));
        if (!d->parsed)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_files; i++) {
                int r = parsed_file_parse(&d->files[i], &d->parsed[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int entry_apply_dropins(Entry *e, const DropIns *d)
{
        int r;

        STRV_FOREACH (m, d->errors) {
                /* "PATH\nmessage", as dropins_load() put it. */
                const char *nl = strchr(*m, '\n');
                _cleanup_free_ char *path = strndup(*m, (size_t) (nl - *m));
                if (!path)
                        return -ENOMEM;
                r = errors_add(&e->errors, &e->n_errors, path, 0, nl + 1);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < d->n_files; i++) {
                r = entry_apply_file(e, &d->files[i], d->parsed ? &d->parsed[i] : NULL);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH (s, d->shadowed) {
                r = strv_extend(&e->shadowed, *s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The directories of the search path that hold NAME.conf.d, from the sorted list of them. */
static size_t find_dirs(const FoundList *l, const char *name, size_t *dirs, size_t max)
{
        size_t lo = 0, hi = l->n, n = 0;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (strcmp(l->items[mid].name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i < l->n && streq(l->items[i].name, name) && n < max; i++)
                if (n == 0 || dirs[n - 1] != l->items[i].dir)
                        dirs[n++] = l->items[i].dir;
        return n;
}

static int scan_search_path(EntrySet *set, int *dir_fds, FoundList *confs, FoundList *dropin_dirs,
        size_t **ret_defaults, size_t *ret_n_defaults)
{
        _cleanup_free_ size_t *defaults = calloc(strv_length(set->search_path) + 1, sizeof(size_t));
        size_t n_defaults = 0;
        int r;

        if (!defaults)
                return -ENOMEM;
        for (size_t i = 0; set->search_path[i]; i++) {
                _cleanup_closedir_ DIR *d = opendir(set->search_path[i]);
                struct dirent *de;

                if (!d) {
                        if (errno == ENOENT)
                                continue;
                        if (errno == ENOMEM)
                                return -ENOMEM;
                        r = set_add_error(set, set->search_path[i], 0, "Failed to open directory: %s",
                                strerror(errno));
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Kept open: entry files are opened relative to it, a shorter path walk each. */
                dir_fds[i] = fcntl(dirfd(d), F_DUPFD_CLOEXEC, 3);
                while ((errno = 0, de = readdir(d))) {
                        const char *n = de->d_name, *e;

                        if (is_hidden(n))
                                continue;
                        if (streq(n, "defaults.d"))
                                defaults[n_defaults++] = i;
                        else if ((e = endswith(n, ".conf.d"))) {
                                if (found_list_add(dropin_dirs, n, (size_t) (e - n), i) < 0)
                                        return -ENOMEM;
                        } else if ((e = endswith(n, ".conf"))) {
                                if (found_list_add(confs, n, (size_t) (e - n), i) < 0)
                                        return -ENOMEM;
                        }
                }
                if (errno != 0) {
                        r = set_add_error(set, set->search_path[i], 0, "Failed to read directory: %s",
                                strerror(errno));
                        if (r < 0)
                                return r;
                }
        }
        if (confs->n > 1)
                qsort(confs->items, confs->n, sizeof(Found), cmp_found);
        if (dropin_dirs->n > 1)
                qsort(dropin_dirs->items, dropin_dirs->n, sizeof(Found), cmp_found);
        *ret_defaults = TAKE_PTR(defaults);
        *ret_n_defaults = n_defaults;
        return 0;
}

/* What loading every entry shares: open search directories, resolved defaults.d, scratch space. */
typedef struct LoadContext {
        EntrySet *set;
        int *dir_fds;
        DropIns defaults;
        FoundList dropin_dirs;
        ReadBuffer buffer;
        size_t *dirs; /* scratch: as long as the search path */
        bool generator_only; /* LoadOptions.generator_only */
} LoadContext;

static int load_one_entry(LoadContext *c, const Found *group, size_t n_group, Entry **ret)
{
        EntrySet *set = c->set;
        _cleanup_(entry_freep) Entry *e = NULL;
        _cleanup_free_ char *path = NULL;
        /* A valid name is at most 64 characters (machine_name_is_valid()): no asprintf() needed. */
        char file[128], sub[128];
        LoadedFile f;
        int r;

        *ret = NULL;
        size_t l = strlen(group[0].name);
        if (l + sizeof ".conf.d" > sizeof file)
                return -ENAMETOOLONG;
        memcpy(mempcpy(file, group[0].name, l), ".conf", sizeof ".conf");
        memcpy(mempcpy(sub, group[0].name, l), ".conf.d", sizeof ".conf.d");
        path = path_join(set->search_path[group[0].dir], file);
        if (!path)
                return -ENOMEM;

        int dfd = c->dir_fds[group[0].dir];
        r = load_file_at(dfd >= 0 ? dfd : AT_FDCWD, dfd >= 0 ? file : path, path, &c->buffer, &f);
        if (r < 0)
                return r;
        if (f.kind == FILE_MASKED) {
                loaded_file_done(&f);
                return strv_extend(&set->masked, group[0].name);
        }

        e = entry_new(group[0].name);
        if (!e || !(e->source = strdup(path))) {
                loaded_file_done(&f);
                return -ENOMEM;
        }
        for (size_t k = 1; k < n_group; k++) {
                _cleanup_free_ char *pk = path_join(set->search_path[group[k].dir], file);
                if (!pk || strv_push(&e->shadowed, TAKE_PTR(pk)) < 0) {
                        loaded_file_done(&f);
                        return -ENOMEM;
                }
        }

        r = entry_apply_dropins(e, &c->defaults);
        if (r >= 0)
                r = entry_apply_file(e, &f, NULL);
        loaded_file_done(&f);
        if (r < 0)
                return r;

        size_t n_dirs = find_dirs(&c->dropin_dirs, group[0].name, c->dirs, strv_length(set->search_path));
        if (n_dirs > 0) {
                _cleanup_(dropins_done) DropIns d = {};
                r = dropins_load(set->search_path, c->dirs, n_dirs, sub, &d);
                if (r < 0)
                        return r;
                r = entry_apply_dropins(e, &d);
                if (r < 0)
                        return r;
        }

        r = entry_finish(e);
        if (r < 0)
                return r;
        if (c->generator_only) {
                r = entry_compact_for_generator(e);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

/* ---- checks across entries ---- */

/* Where the entry named name was given in DependsOn= or After=: the last such line. */
static Origin find_dependency_origin(const Entry *e, const char *key, const char *name)
{
        for (size_t i = e->n_assignments; i > 0; i--) {
                const Assignment *a = &e->assignments[i - 1];
                if (!streq_fast(a->section, "Container") || !streq_fast(a->key, key))
                        continue;
                /* a whole-word match */
                for (const char *p = a->value; (p = strstr(p, name)); p++) {
                        size_t n = strlen(name);
                        if ((p == a->value || p[-1] == ' ' || p[-1] == '\t') &&
                                (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
                                return a->origin;
                }
        }
        return (Origin){ .file = e->source, .line = 0 };
}

static int check_dependency_targets(EntrySet *set)
{
        int r;

        for (size_t i = 0; i < set->n_entries; i++) {
                Entry *e = set->entries[i];
                assert(e); /* the set holds loaded entries only */
                for (int pass = 0; pass < 2; pass++) {
                        const char *key = pass == 0 ? "DependsOn" : "After";
                        STRV_FOREACH (n, pass == 0 ? e->depends_on : e->after) {
                                Entry *t = entry_set_find(set, *n);
                                Origin o;

                                if (t && t->priority <= e->priority)
                                        continue;
                                o = find_dependency_origin(e, key, *n);
                                if (!t && entry_set_is_masked(set, *n))
                                        r = entry_add_error(e, o.file, o.line,
                                                "%s=%s names an entry that is masked (by an empty file or a symlink to /dev/null); accepted: names of existing entries",
                                                key, *n);
                                else if (!t)
                                        r = entry_add_error(e, o.file, o.line,
                                                "%s=%s names an entry that does not exist (no %s.conf in the search path); accepted: names of existing entries",
                                                key, *n, *n);
                                else
                                        r = entry_add_error(e, o.file, o.line,
                                                "%s=%s: %s has Priority=%u, so it starts in a later Priority= wave than %s (Priority=%u); give %s a Priority= of at most %u",
                                                key, *n, *n, t->priority, e->name, e->priority, *n,
                                                e->priority);
                                if (r < 0)
                                        return r;
                        }
                }
        }
        return 0;
}

/* The dependency graph as adjacency arrays (CSR), edges only between existing entries. */
typedef struct Graph {
        size_t n;
        size_t *start; /* n + 1 */
        size_t *edges;
        bool *edge_is_depends; /* DependsOn= (else After=) */
} Graph;

static void graph_done(Graph *g)
{
        free(g->start);
        free(g->edges);
        free(g->edge_is_depends);
}

static int graph_build(const EntrySet *set, Graph *g)
{
        size_t m = 0, k = 0;

        for (size_t i = 0; i < set->n_entries; i++)
                m += strv_length(set->entries[i]->depends_on) + strv_length(set->entries[i]->after);
        *g = (Graph){ .n = set->n_entries };
        g->start = calloc(set->n_entries + 1, sizeof(size_t));
        g->edges = calloc(m + 1, sizeof(size_t));
        g->edge_is_depends = calloc(m + 1, sizeof(bool));
        if (!g->start || !g->edges || !g->edge_is_depends)
                return -ENOMEM;
        for (size_t i = 0; i < set->n_entries; i++) {
                const Entry *e = set->entries[i];
                g->start[i] = k;
                for (int pass = 0; pass < 2; pass++)
                        STRV_FOREACH (n, pass == 0 ? e->depends_on : e->after) {
                                Entry **t = bsearch(*n, set->entries, set->n_entries, sizeof(Entry *),
                                        cmp_name_to_entry);
                                if (!t)
                                        continue;
                                g->edge_is_depends[k] = pass == 0;
                                g->edges[k++] = (size_t) (t - set->entries);
                        }
        }
        g->start[set->n_entries] = k;
        return 0;
}

/* Tarjan's strongly connected components, iterative, O(V+E). comp[v] is the component's
 * number; returns the number of components through *ret_n. */
static int graph_scc(const Graph *g, size_t *comp, size_t *ret_n)
{
        const size_t UNSET = SIZE_MAX;
        _cleanup_free_ size_t *index = malloc(g->n * sizeof(size_t) + 1),
                              *low = malloc(g->n * sizeof(size_t) + 1),
                              *stack = malloc(g->n * sizeof(size_t) + 1),
                              *call = malloc(g->n * sizeof(size_t) + 1),
                              *next_edge = malloc(g->n * sizeof(size_t) + 1);
        _cleanup_free_ bool *on_stack = calloc(g->n + 1, sizeof(bool));
        size_t counter = 0, n_stack = 0, n_comp = 0;

        if (!index || !low || !stack || !call || !next_edge || !on_stack)
                return -ENOMEM;
        for (size_t v = 0; v < g->n; v++)
                index[v] = UNSET;

        for (size_t root = 0; root < g->n; root++) {
                size_t depth = 0;
                if (index[root] != UNSET)
                        continue;
                call[depth++] = root;
                index[root] = low[root] = counter++;
                next_edge[root] = g->start[root];
                stack[n_stack++] = root;
                on_stack[root] = true;

                while (depth > 0) {
                        size_t v = call[depth - 1];
                        if (next_edge[v] < g->start[v + 1]) {
                                size_t w = g->edges[next_edge[v]++];
                                if (index[w] == UNSET) {
                                        index[w] = low[w] = counter++;
                                        next_edge[w] = g->start[w];
                                        stack[n_stack++] = w;
                                        on_stack[w] = true;
                                        call[depth++] = w;
                                } else if (on_stack[w] && index[w] < low[v])
                                        low[v] = index[w];
                                continue;
                        }
                        if (low[v] == index[v]) {
                                size_t w;
                                do {
                                        w = stack[--n_stack];
                                        on_stack[w] = false;
                                        comp[w] = n_comp;
                                } while (w != v);
                                n_comp++;
                        }
                        depth--;
                        if (depth > 0) {
                                size_t u = call[depth - 1];
                                if (low[v] < low[u])
                                        low[u] = low[v];
                        }
                }
        }
        *ret_n = n_comp;
        return 0;
}

/* Finds a shortest cycle through v inside its component (BFS), as a list of vertices starting
 * with v (the cycle closes back to v). Returns its length, 0 when there is none. */
static size_t cycle_through(const Graph *g, const size_t *comp, size_t v, size_t *parent, size_t *queue,
        size_t *visited_mark, size_t mark, size_t *ret_path)
{
        size_t head = 0, tail = 0;

        queue[tail++] = v;
        visited_mark[v] = mark;
        while (head < tail) {
                size_t u = queue[head++];
                for (size_t k = g->start[u]; k < g->start[u + 1]; k++) {
                        size_t w = g->edges[k];
                        if (comp[w] != comp[v])
                                continue;
                        if (w == v) {
                                /* Walk back from u to v. */
                                size_t n = 0;
                                for (size_t x = u; x != v; x = parent[x])
                                        ret_path[n++] = x;
                                ret_path[n++] = v;
                                /* reverse into v, ..., u */
                                for (size_t a = 0, b = n - 1; a < b; a++, b--) {
                                        size_t t = ret_path[a];
                                        ret_path[a] = ret_path[b];
                                        ret_path[b] = t;
                                }
                                return n;
                        }
                        if (visited_mark[w] == mark)
                                continue;
                        visited_mark[w] = mark;
                        parent[w] = u;
                        queue[tail++] = w;
                }
        }
        return 0;
}

/* One cycle of each strongly connected component, found by walking from one of its vertices
 * along edges that stay in the component until a vertex repeats: each vertex is walked at most
 * once, so all of them cost O(V+E). */
typedef struct Cycles {
        size_t *offset; /* per component: where its cycle starts in vertices[] */
        size_t *length; /* per component: 0 until found */
        size_t *vertices;
        size_t *position; /* per vertex: its index in its component's cycle, or SIZE_MAX */
        size_t used;
} Cycles;

static void cycles_done(Cycles *c)
{
        free(c->offset);
        free(c->length);
        free(c->vertices);
        free(c->position);
}

static void cycles_find(Cycles *c, const Graph *g, const size_t *comp, size_t v, size_t *walk_pos)
{
        size_t base = c->used, len = 0, x = v, y;

        for (;;) {
                walk_pos[x] = len;
                c->vertices[base + len++] = x;
                /* Prefer an edge to another vertex; a self-loop only when there is none. */
                y = SIZE_MAX;
                for (size_t k = g->start[x]; k < g->start[x + 1]; k++)
                        if (comp[g->edges[k]] == comp[x] && (y == SIZE_MAX || y == x))
                                y = g->edges[k];
                if (y == SIZE_MAX) /* cannot happen in a cycle; stop at x rather than walk off */
                        y = x;
                if (walk_pos[y] != SIZE_MAX)
                        break;
                x = y;
        }
        size_t first = walk_pos[y];
        for (size_t i = 0; i < len; i++)
                walk_pos[c->vertices[base + i]] = SIZE_MAX;
        memmove(c->vertices + base, c->vertices + base + first, (len - first) * sizeof(size_t));
        c->offset[comp[v]] = base;
        c->length[comp[v]] = len - first;
        for (size_t i = 0; i < len - first; i++)
                c->position[c->vertices[base + i]] = i;
        c->used += len - first;
}

static int cmp_entry_directory(const void *a, const void *b)
{
        const Entry *x = *(Entry *const *) a, *y = *(Entry *const *) b;
        int c = strcmp(x->directory, y->directory);
        return c != 0 ? c : strcmp(x->name, y->name);
}

/* Two containers on one root file system would corrupt each other (and berth-prepare would
 * provision or chown it for both): every entry of a group sharing a Directory= (explicit or
 * the default /var/lib/machines/NAME of another entry) gets an error naming one other. Sorting
 * keeps this O(n log n). */
static int check_shared_directories(EntrySet *set)
{
        _cleanup_free_ Entry **by_dir = NULL;
        size_t n = 0;
        int r;

        by_dir = calloc(set->n_entries + 1, sizeof(Entry *));
        if (!by_dir)
                return -ENOMEM;
        for (size_t i = 0; i < set->n_entries; i++)
                if (set->entries[i] && set->entries[i]->directory)
                        by_dir[n++] = set->entries[i];
        if (n > 1)
                qsort(by_dir, n, sizeof(Entry *), cmp_entry_directory);

        for (size_t i = 0; i < n;) {
                size_t j = i + 1;
                while (j < n && streq(by_dir[j]->directory, by_dir[i]->directory))
                        j++;
                for (size_t k = i; j - i > 1 && k < j; k++) {
                        Entry *e = by_dir[k], *other = by_dir[k == i ? i + 1 : i];
                        Origin o = e->origins[CONTAINER_DIRECTORY];

                        r = entry_add_error(e, o.file ? o.file : e->source, o.file ? o.line : 0,
                                "Directory=%s%s is also the root file system of entry %s; two containers cannot share one root: give each its own Directory=",
                                e->directory, o.file ? "" : " (the default)", other->name);
                        if (r < 0)
                                return r;
                }
                i = j;
        }
        return 0;
}

typedef struct RootPath {
        const char *path;
        Entry *entry;
        bool is_effective; /* the entry's root; else its unused default /var/lib/machines/NAME */
} RootPath;

static int cmp_root_path(const void *a, const void *b)
{
        return strcmp(((const RootPath *) a)->path, ((const RootPath *) b)->path);
}

/* A container's root user controls everything under its root: one whose tree holds another
 * container's root could replace that root (or a directory above it) with a symlink to the host's
 * "/" and have berth-prepare write there. So a Directory= inside another entry's root, or inside
 * its default /var/lib/machines/NAME, is an error for both. Every root is looked up among the
 * others by each of its ancestors (binary search in a sorted list): O(n log n × depth). */
static int check_nested_directories(EntrySet *set)
{
        _cleanup_free_ RootPath *roots = NULL;
        _cleanup_strv_free_ char **defaults = NULL;
        size_t n = 0, n_defaults = 0;
        int r;

        roots = calloc(2 * set->n_entries + 1, sizeof(RootPath));
        defaults = calloc(set->n_entries + 1, sizeof(char *));
        if (!roots || !defaults)
                return -ENOMEM;
        for (size_t i = 0; i < set->n_entries; i++) {
                Entry *e = set->entries[i];
                if (!e || !e->directory)
                        continue;
                roots[n++] = (RootPath){ .path = e->directory, .entry = e, .is_effective = true };
                if (e->is_directory_default)
                        continue;
                char *d = path_join(ENTRY_DEFAULT_MACHINES_DIR, e->name);
                if (!d)
                        return -ENOMEM;
                defaults[n_defaults++] = d;
                roots[n++] = (RootPath){ .path = d, .entry = e };
        }
        if (n < 2)
                return 0;
        qsort(roots, n, sizeof(RootPath), cmp_root_path);

        for (size_t i = 0; i < n; i++) {
                if (!roots[i].is_effective)
                        continue;
                Entry *inner = roots[i].entry;
                _cleanup_free_ char *prefix = strdup(inner->directory);
                if (!prefix)
                        return -ENOMEM;
                /* Each proper ancestor, nearest first: the innermost holder is the one to name. */
                for (char *slash = strrchr(prefix, '/'); slash && slash > prefix;
                        slash = strrchr(prefix, '/')) {
                        *slash = '\0';
                        RootPath key = { .path = prefix };
                        const RootPath *hit = bsearch(&key, roots, n, sizeof(RootPath), cmp_root_path);
                        if (!hit)
                                continue;
                        /* Equal paths sit side by side: take one of another entry. */
                        while (hit > roots && streq(hit[-1].path, prefix))
                                hit--;
                        while (hit < roots + n && streq(hit->path, prefix) && hit->entry == inner)
                                hit++;
                        if (hit == roots + n || !streq(hit->path, prefix))
                                continue;

                        Entry *outer = hit->entry;
                        Origin oi = inner->origins[CONTAINER_DIRECTORY],
                               oo = outer->origins[CONTAINER_DIRECTORY];
                        r = entry_add_error(inner, oi.file ? oi.file : inner->source, oi.file ? oi.line : 0,
                                "Directory=%s is inside %s %s of entry %s, whose root user controls everything under it: give each container a Directory= outside every other container's root",
                                inner->directory,
                                hit->is_effective ? "the root file system" : "the default root", hit->path,
                                outer->name);
                        if (r < 0)
                                return r;
                        bool at_origin = hit->is_effective && oo.file;
                        r = entry_add_error(outer, at_origin ? oo.file : outer->source,
                                at_origin ? oo.line : 0,
                                "The root file system of entry %s (Directory=%s) is inside %s %s of this entry, whose root user would control it: give each container a Directory= outside every other container's root",
                                inner->name, inner->directory,
                                hit->is_effective
                                        ? (oo.file ? "the root file system" : "the default root file system")
                                        : "the default root",
                                hit->path);
                        if (r < 0)
                                return r;
                        break;
                }
        }
        return 0;
}

static int check_cycles(EntrySet *set)
{
        _cleanup_(graph_done) Graph g = {};
        _cleanup_(cycles_done) Cycles cyc = {};
        size_t n = set->n_entries, n_comp;
        int r;

        if (n == 0)
                return 0;
        r = graph_build(set, &g);
        if (r < 0)
                return r;

        _cleanup_free_ size_t *comp = calloc(n, sizeof(size_t)), *size = NULL,
                              *parent = malloc(n * sizeof(size_t)), *queue = malloc(n * sizeof(size_t)),
                              *mark = calloc(n, sizeof(size_t)), *path = malloc((n + 1) * sizeof(size_t)),
                              *walk_pos = malloc(n * sizeof(size_t));
        if (!comp || !parent || !queue || !mark || !path || !walk_pos)
                return -ENOMEM;
        r = graph_scc(&g, comp, &n_comp);
        if (r < 0)
                return r;
        size = calloc(n_comp + 1, sizeof(size_t));
        cyc.offset = calloc(n_comp + 1, sizeof(size_t));
        cyc.length = calloc(n_comp + 1, sizeof(size_t));
        cyc.vertices = malloc(n * sizeof(size_t));
        cyc.position = malloc(n * sizeof(size_t));
        if (!size || !cyc.offset || !cyc.length || !cyc.vertices || !cyc.position)
                return -ENOMEM;
        for (size_t v = 0; v < n; v++) {
                size[comp[v]]++;
                walk_pos[v] = SIZE_MAX;
                cyc.position[v] = SIZE_MAX;
        }

        for (size_t v = 0; v < n; v++) {
                bool self_loop = false;
                for (size_t k = g.start[v]; k < g.start[v + 1]; k++)
                        if (g.edges[k] == v)
                                self_loop = true;
                if (size[comp[v]] < 2 && !self_loop)
                        continue;

                if (cyc.length[comp[v]] == 0)
                        cycles_find(&cyc, &g, comp, v, walk_pos);

                /* path: a cycle through v, starting at v. On the component's cycle that is a
                 * rotation of it (only the first 21 names are printed); otherwise a breadth-first
                 * search finds the shortest one. */
                size_t len;
                if (cyc.position[v] != SIZE_MAX) {
                        size_t L = cyc.length[comp[v]], p0 = cyc.position[v];
                        len = L;
                        for (size_t i = 0; i < L && i < 21; i++)
                                path[i] = cyc.vertices[cyc.offset[comp[v]] + (p0 + i) % L];
                } else
                        len = cycle_through(&g, comp, v, parent, queue, mark, v + 1, path);
                if (len == 0)
                        continue;

                Entry *e = set->entries[v];
                size_t next = len > 1 ? path[1] : v;
                bool via_depends = false;
                for (size_t k = g.start[v]; k < g.start[v + 1]; k++)
                        if (g.edges[k] == next && g.edge_is_depends[k])
                                via_depends = true;
                const char *key = via_depends ? "DependsOn" : "After";

                /* "a -> b -> c -> a", cut after 20 names. */
                _cleanup_free_ char *text = NULL;
                size_t tl = 0;
                FILE *f = open_memstream(&text, &tl);
                if (!f)
                        return -ENOMEM;
                for (size_t i = 0; i < len && i < 20; i++)
                        fprintf(f, "%s -> ", set->entries[path[i]]->name);
                if (len > 20)
                        fprintf(f, "… -> ");
                fputs(e->name, f);
                if (fclose(f) != 0)
                        return -ENOMEM;

                Origin o = find_dependency_origin(e, key, set->entries[next]->name);
                r = entry_add_error(e, o.file, o.line,
                        "%s=%s is part of a dependency cycle: %s; remove one of these DependsOn=/After= dependencies",
                        key, set->entries[next]->name, text);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the whole set ---- */

static void load_context_done(LoadContext *c)
{
        if (c->dir_fds)
                for (size_t i = 0; c->set && c->set->search_path && c->set->search_path[i]; i++)
                        if (c->dir_fds[i] >= 0)
                                close(c->dir_fds[i]);
        free(c->dir_fds);
        dropins_done(&c->defaults);
        found_list_done(&c->dropin_dirs);
        read_buffer_done(&c->buffer);
        free(c->dirs);
}

int entry_set_load(const LoadOptions *options, EntrySet **ret)
{
        _cleanup_entry_set_free_ EntrySet *set = calloc(1, sizeof(EntrySet));
        _cleanup_(found_list_done) FoundList confs = {};
        _cleanup_(load_context_done) LoadContext c = {};
        _cleanup_free_ size_t *default_dirs = NULL;
        size_t n_default_dirs = 0, n_dirs;
        int r;

        if (!set)
                return -ENOMEM;
        if (options && options->search_path) {
                set->search_path = strv_copy(options->search_path);
                if (!set->search_path)
                        return -ENOMEM;
        } else {
                r = entry_search_path(options ? options->root : NULL, &set->search_path);
                if (r < 0)
                        return r;
        }
        c.set = set;
        c.generator_only = options && options->generator_only;

        n_dirs = strv_length(set->search_path);
        c.dir_fds = malloc((n_dirs + 1) * sizeof(int));
        if (!c.dir_fds)
                return -ENOMEM;
        /* Before anything can fail: load_context_done() closes every fd that is not -1. */
        for (size_t i = 0; i < n_dirs; i++)
                c.dir_fds[i] = -1;
        c.dirs = malloc((n_dirs + 1) * sizeof(size_t));
        if (!c.dirs)
                return -ENOMEM;
        r = scan_search_path(set, c.dir_fds, &confs, &c.dropin_dirs, &default_dirs, &n_default_dirs);
        if (r < 0)
                return r;
        r = dropins_load(set->search_path, default_dirs, n_default_dirs, "defaults.d", &c.defaults);
        if (r < 0)
                return r;
        r = dropins_parse(&c.defaults);
        if (r < 0)
                return r;

        set->entries = calloc(confs.n + 1, sizeof(Entry *));
        if (!set->entries)
                return -ENOMEM;

        for (size_t i = 0; i < confs.n;) {
                size_t j = i + 1;
                while (j < confs.n && streq(confs.items[j].name, confs.items[i].name))
                        j++;

                if (!machine_name_is_valid(confs.items[i].name)) {
                        for (size_t k = i; k < j; k++) {
                                _cleanup_free_ char *p = NULL;
                                if (asprintf(&p, "%s/%s.conf", set->search_path[confs.items[k].dir],
                                            confs.items[k].name) < 0)
                                        return -ENOMEM;
                                r = set_add_error(set, p, 0,
                                        "Invalid entry name '%s': a name is " MACHINE_NAME_RULE
                                        "; file ignored",
                                        confs.items[i].name);
                                if (r < 0)
                                        return r;
                        }
                } else {
                        Entry *e;
                        r = load_one_entry(&c, confs.items + i, j - i, &e);
                        if (r < 0)
                                return r;
                        if (e)
                                set->entries[set->n_entries++] = e;
                }
                i = j;
        }
        /* confs was sorted by name, so entries and masked are too: checked, as entry_set_find()
         * relies on it, in one pass instead of a sort. */
        for (size_t i = 1; i < set->n_entries; i++) {
                const Entry *a = set->entries[i - 1], *b = set->entries[i];
                if (a && b && strcmp(a->name, b->name) > 0) {
                        qsort(set->entries, set->n_entries, sizeof(Entry *), cmp_entry);
                        break;
                }
        }
        strv_sort(set->masked);

        r = check_dependency_targets(set);
        if (r < 0)
                return r;
        r = check_shared_directories(set);
        if (r < 0)
                return r;
        r = check_nested_directories(set);
        if (r < 0)
                return r;
        r = check_cycles(set);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(set);
        return 0;
}
