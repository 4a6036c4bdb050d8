/* The table of every key berth accepts in containers.d files: section, name, parser, where the
 * value goes, list or scalar, default, and what it accepts. Validation, error messages, "berth
 * cat" and the documentation all come from this one table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "entry.h"

typedef struct ConfigKey ConfigKey;

/* What a parser sees: the entry it fills and where the value comes from. */
typedef struct ParseState {
        Entry *entry;
        const char *file;
        unsigned line;
        mode_t file_mode; /* st_mode of that file, for secrets in readable files */
        char detail[512]; /* set by a parser that fails, to say why (empty: only "accepted:") */
        bool hide_value; /* set by a parser that fails on a value that may hold a secret: not quoted */
} ParseState;

/* Parses value into its destination (for [Container] keys) or only validates it (for the keys
 * passed on to systemd-nspawn). An empty value is a reset, which every parser accepts.
 * Returns 0, or -EINVAL with s->detail optionally set, or -ENOMEM. */
typedef int (*ConfigParser)(ParseState *s, const ConfigKey *k, const char *value);

struct ConfigKey {
        const char *section; /* "Container", "Exec", "Files", "Network", "Install" */
        const char *name; /* "Priority" */
        ConfigParser parse;
        size_t offset; /* of the destination in Entry; unused for validate-only keys */
        int ltype; /* parser specific */
        bool is_list; /* a repeated key appends; otherwise it replaces */
        bool is_secret; /* the value is never echoed in messages */
        int container_key; /* index into Entry.origins[], or -1 */
        const char *default_value; /* for documentation and "berth cat"; NULL: none */
        const char *accepted; /* what it accepts, for error messages and documentation */
        const char *use_instead; /* non-NULL: the key is refused; this says what to use */
        unsigned since; /* [Exec]/[Files]/[Network]: the systemd that introduced the key; 0: older */
};

/* The systemd version whose systemd-nspawn keys are accepted: the one berth was built for
 * (SYSTEMD_VERSION from pkg-config). */
unsigned config_nspawn_version(void);
/* Whether systemd-nspawn of that version knows the key (always true for berth's own keys). */
bool config_key_known_in(const ConfigKey *k, unsigned systemd_version);

/* Sections whose keys are checked against the table. */
bool config_section_is_checked(const char *section);
/* [Unit] and [Service]: any key, copied verbatim. */
bool config_section_is_passthrough(const char *section);
bool config_section_is_known(const char *section);
/* "[Container], [Exec], …" for messages. */
const char *config_sections_accepted(void);

/* Every key, grouped by section in the order of the documentation. */
const ConfigKey *config_keys(size_t *ret_n);
/* NULL when section has no key of that name (case-sensitive, like systemd). */
const ConfigKey *config_key_lookup(const char *section, const char *name);
/* The comma-separated key names of a section, for "unknown key" messages. */
char *config_section_keys_list(const char *section);
/* A key of the same section whose name is close to name (a typo), or NULL. */
const ConfigKey *config_key_suggest(const char *section, const char *name);

/* Value checks shared with other parts of berth. */
/* A unit name systemd accepts: 1-255 characters of [A-Za-z0-9:_.@\-], a known unit type suffix,
 * at most one "@" and not at the start. The loader checks WantedBy=/RequiredBy= with it. */
bool unit_name_is_valid(const char *s);
/* Provision=tar: the tar(1) option for an archive's name ("" for .tar, "--xz", ...), or NULL
 * when the name is not one of TAR_SUFFIXES_ACCEPTED. */
const char *tar_option_from_name(const char *path);
#define TAR_SUFFIXES_ACCEPTED ".tar, .tar.gz (.tgz), .tar.xz (.txz) or .tar.zst (.tzst)"
/* Provision=pull: the file names of a URL, and the verification modes, that the loader accepts. */
#define PULL_SUFFIXES_ACCEPTED                                                                              \
        ".tar, .tar.gz (.tgz), .tar.xz or .tar.bz2 (a tar archive), or .raw, .img, .qcow2 or .bin, also with .xz, .gz or .bz2 (a raw disk image, pulled with VERIFY signature only)"
/* Provision=pull: true when the URL's file name is a raw disk image's (systemd-pull's "raw" verb),
 * false for a tar archive's. */
bool pull_url_is_raw(const char *url);
#define PULL_VERIFY_ACCEPTED "signature (the default) or checksum"
/* A crypt(3) hash of an accepted method, or a locked form: see entry.c's header comment. */
bool password_hash_is_valid(const char *s, const char **ret_reason);

/* Splits a Bind=/BindReadOnly= value "[-|+]SOURCE[:DEST[:OPTIONS]]" ("\:" is a literal colon).
 * ret_source is the source without its prefix; ret_flag is '-', '+' or 0. */
int bind_value_parse(
        const char *value, char **ret_source, char **ret_dest, char **ret_options, char *ret_flag);
