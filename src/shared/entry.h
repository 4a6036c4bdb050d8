/* One container entry from containers.d, merged from all its files and validated, and the loader
 * that every berth program goes through (so they never disagree about what an entry says). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "time-util.h"

#define ENTRY_DEFAULT_MACHINES_DIR "/var/lib/machines"
/* Errors about values and about other entries (not syntax, which conf-parser caps per file): at
 * most this many per entry, then one line that says the rest are not shown. */
#define ENTRY_VALUE_ERRORS_MAX 20u
#define ENTRY_DEFAULT_PRIORITY 50u
#define ENTRY_PRIORITY_MAX 1000u

typedef enum ProvisionKind {
        PROVISION_NONE,
        PROVISION_COPY, /* copy PATH */
        PROVISION_TAR, /* tar PATH */
        PROVISION_DEBOOTSTRAP, /* debootstrap SUITE [MIRROR] */
        PROVISION_DNF, /* dnf RELEASEVER PACKAGE... */
        PROVISION_COMMAND, /* command PROGRAM [ARG...] */
        PROVISION_PULL, /* pull URL VERIFY (the loader adds the default VERIFY, "signature") */
        _PROVISION_MAX,
} ProvisionKind;

typedef enum AuditPolicy {
        AUDIT_WARN,
        AUDIT_REFUSE,
        AUDIT_IGNORE,
        _AUDIT_POLICY_MAX,
} AuditPolicy;

/* What link a container's network gets, from the effective [Network] keys by systemd-nspawn's own
 * rule: a .nspawn file that sets any of Private=, VirtualEthernet=, Bridge=, Zone=, Interface=,
 * MACVLAN=, IPVLAN=, VirtualEthernetExtra= replaces the command line's network options (the stock
 * unit's --network-veth); Port= alone does not. See entry_classify_network() in entry.c. */
typedef enum NetworkLink {
        NETWORK_LINK_VETH, /* ve-NAME, its host side left to the host's systemd-networkd */
        NETWORK_LINK_ZONE, /* vz-ZONE, a bridge nspawn makes, served by the host's networkd */
        NETWORK_LINK_BRIDGE, /* a veth on the admin's Bridge= */
        NETWORK_LINK_HOST, /* no private network: the host's own links */
        NETWORK_LINK_OTHER, /* private without a veth: no link, or Interface=/MACVLAN=/IPVLAN= */
        _NETWORK_LINK_MAX,
} NetworkLink;

const char *provision_kind_to_string(ProvisionKind k);
const char *network_link_to_string(NetworkLink l);
const char *audit_policy_to_string(AuditPolicy p);
int audit_policy_from_string(const char *s); /* -EINVAL when unknown */

/* Where a value came from. file points into Entry.files (or EntrySet storage): never freed alone. */
typedef struct Origin {
        const char *file;
        unsigned line;
} Origin;

/* One "Key=Value" line as read, after trimming and joining continuation lines. value is "" for a
 * reset ("Key="). Every assignment of every section is kept, in the order it was applied, so
 * pass-through sections can be written as given and "berth cat" can show every origin. */
typedef struct Assignment {
        /* The loader allocates section, key and value as one block in the entry's text chunks
         * (Entry.text): read them, do not free or replace them. */
        char *section; /* without brackets: "Container", "Exec", "Files", "Network", "Unit", ... */
        char *key;
        char *value;
        Origin origin;
        const struct ConfigKey *config_key; /* its row of the key table; NULL in [Unit]/[Service] */
} Assignment;

/* An error, formatted for humans as "FILE:LINE: message" (just "FILE: message" when line is 0). */
typedef struct EntryError {
        char *file;
        unsigned line;
        char *message;
} EntryError;

/* The [Container] keys, also the index into Entry.origins[]. */
typedef enum ContainerKey {
        CONTAINER_DESCRIPTION,
        CONTAINER_ENABLE,
        CONTAINER_DIRECTORY,
        CONTAINER_BOOT,
        CONTAINER_COMMAND,
        CONTAINER_HOSTNAME,
        CONTAINER_PROVISION,
        CONTAINER_ROOT_PASSWORD_HASH,
        CONTAINER_ROOT_PASSWORD_HASH_FILE,
        CONTAINER_AUDIT,
        CONTAINER_DEPENDS_ON,
        CONTAINER_AFTER,
        CONTAINER_PRIORITY,
        CONTAINER_START_TIMEOUT_SEC,
        CONTAINER_STOP_TIMEOUT_SEC,
        CONTAINER_MANAGE_NETWORK,
        _CONTAINER_KEY_MAX,
} ContainerKey;

typedef struct Entry {
        char *name;
        char *source; /* the NAME.conf that defines the entry: SourcePath= */
        char **files; /* every file applied, in order: defaults.d/…, NAME.conf, NAME.conf.d/… */
        char **shadowed; /* files hidden by a same-named file in a higher directory, or masked */

        /* [Container], defaults filled in */
        char *description; /* "Container NAME" unless set */
        bool enable;
        char *directory; /* absolute, simplified; "/var/lib/machines/NAME" unless set */
        bool is_directory_default;
        bool boot;
        char **command; /* Command= split like ExecStart=; NULL unless set */
        char *hostname; /* NULL: nspawn's default */
        ProvisionKind provision;
        char **provision_args; /* the words after the kind; %r kept as written */
        char *root_password_hash;
        char *root_password_hash_file;
        AuditPolicy audit;
        char **depends_on; /* entry names, in order given, no duplicates */
        char **after;
        unsigned priority;
        bool has_start_timeout;
        usec_t start_timeout; /* USEC_INFINITY for "infinity" */
        char *start_timeout_string; /* as written, for TimeoutStartSec= */
        bool has_stop_timeout;
        usec_t stop_timeout;
        char *stop_timeout_string;
        bool manage_network; /* ManageNetwork=: berth serves both sides of veth/zone links */
        Origin origins[_CONTAINER_KEY_MAX]; /* file 0/NULL where the key was not set */

        /* Every assignment in every section, in the order applied (resets included). */
        Assignment *assignments;
        size_t n_assignments;
        struct TextChunk *text; /* owns the assignments' text (entry.c) */

        /* Derived from [Exec]/[Files]/[Network] for the generator and berth-prepare. */
        bool has_nspawn_settings; /* any [Exec], [Files] or [Network] assignment */
        char **bind_sources; /* host paths of Bind=/BindReadOnly= (absolute ones only) */
        char **bridges; /* [Network] Bridge= (effective value, at most one) */
        bool read_only; /* [Files] ReadOnly=yes */
        bool private_users; /* [Exec] PrivateUsers= other than "no" (nspawn's -U default is pick) */
        NetworkLink network_link;
        char *zone; /* [Network] Zone= (without "vz-"), NULL unless set */
        char **ports; /* [Network] Port= values in effect, as written */

        /* [Install] */
        char **wanted_by;
        char **required_by;

        EntryError *errors;
        size_t n_errors;
        unsigned n_value_errors; /* errors past the syntax: capped at ENTRY_VALUE_ERRORS_MAX */

        char digest[65]; /* hex SHA-256 of the effective configuration; see entry_compute_digest() */
} Entry;

/* Files in the search path that define no entry but still deserve a message (an invalid name,
 * a directory named NAME.conf, an unreadable file). */
typedef struct EntrySet {
        Entry **entries; /* sorted by name, valid names only, masked entries left out */
        size_t n_entries;
        EntryError *errors; /* errors that belong to no entry */
        size_t n_errors;
        char **search_path;
        char **masked; /* names masked by an empty file or /dev/null */
} EntrySet;

typedef struct LoadOptions {
        char **search_path; /* NULL: entry_search_path(NULL) */
        const char *root; /* NULL or a directory the default search path is put under */
        /* Keep only the assignments the generator reads once an entry is complete (validated,
         * derived fields and digest computed): [Unit]/[Service] and [Container] DependsOn=/After=
         * (for the origin of cross-entry errors). The rest are freed entry by entry, so a large
         * set is never held in memory whole: each 4 KiB of heap is a page fault at boot. */
        bool generator_only;
} LoadOptions;

/* The search path, highest precedence first: $BERTH_CONFIG_PATH (colon-separated) when set,
 * else /etc/containers.d, /run/containers.d, /usr/local/lib/containers.d, /usr/lib/containers.d,
 * each under root when root is not NULL. */
int entry_search_path(const char *root, char ***ret);

/* Loads every entry of the search path, with drop-ins, validation and cross-entry checks
 * (DependsOn=/After= targets exist, no cycles, no dependency on a later Priority= wave).
 * Errors are collected into the entries and the set: the return value is negative only for
 * failures that stop everything (-ENOMEM). */
int entry_set_load(const LoadOptions *options, EntrySet **ret);
EntrySet *entry_set_free(EntrySet *set);
DEFINE_TRIVIAL_CLEANUP_FUNC(EntrySet *, entry_set_free)
#define _cleanup_entry_set_free_ _cleanup_(entry_set_freep)

Entry *entry_set_find(const EntrySet *set, const char *name);
bool entry_set_is_masked(const EntrySet *set, const char *name);

/* The hex SHA-256 of an entry's effective configuration (name and every assignment in applied
 * order), as stored in Entry.digest; see entry.c. berth-prepare compares it with $BERTH_DIGEST. */
void entry_compute_digest(const Entry *e, char ret[65]);

/* The assignments of a checked section ([Container], [Exec], [Files], [Network], [Install]) that
 * are in effect once resets are applied, as berth defines them: for a scalar key its last value
 * unless that was a reset ("Key="), for a list key every non-empty value after its last reset;
 * in applied order. Use it to write .nspawn files: systemd-nspawn itself does not treat every
 * "Key=" as a reset (an empty Bind= or Port= is an error there). *ret is a NULL-terminated array
 * of pointers into e->assignments (free() the array only). [Unit]/[Service] are not resolved
 * (systemd does that): for them every assignment is returned. */
int entry_effective_assignments(const Entry *e, const char *section, const Assignment ***ret);

/* Whether the container's link has a host side that the host's systemd-networkd serves with its
 * stock 80-container-ve.network/80-container-vz.network, and berth is to see that it runs. */
static inline bool entry_wants_host_networkd(const Entry *e)
{
        return e->manage_network &&
               (e->network_link == NETWORK_LINK_VETH || e->network_link == NETWORK_LINK_ZONE);
}

/* Whether the guest gets a link to configure (host0, or the Interface= it was given). */
static inline bool entry_has_private_network(const Entry *e)
{
        return e->network_link != NETWORK_LINK_HOST;
}

/* "FILE:LINE: message" (or "FILE: message"); NULL on -ENOMEM. */
char *entry_error_format(const EntryError *e);
/* Whether a set-level error (one that belongs to no entry) is about the file NAME.conf: an
 * invalid or unreadable file of that name. */
bool entry_error_is_about(const EntryError *e, const char *name);

/* The first error of an entry, or NULL. */
static inline const EntryError *entry_first_error(const Entry *e)
{
        return e->n_errors > 0 ? &e->errors[0] : NULL;
}
