/* berth: the admin's view of containers.d — list entries with their units' state, check them, and
 * show where every effective value came from. Short-lived; reads entries through the shared loader
 * and asks systemd (sd-bus) for unit states, nothing else. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "config-tables.h"
#include "entry.h"
#include "fileio.h"
#include "image-cache.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "network-check.h"
#include "path-util.h"
#include "rootfs.h"
#include "strv.h"
#include "time-util.h"

static bool arg_json;
static const char *arg_root;

static bool strv_isempty(char *const *l)
{
        return !l || !l[0];
}
static bool arg_legend = true;

/* What systemd says about one unit; all NULL when systemd could not be asked. */
typedef struct UnitState {
        char *load_state;
        char *active_state;
        char *sub_state;
} UnitState;

static void unit_state_done(UnitState *s)
{
        free(s->load_state);
        free(s->active_state);
        free(s->sub_state);
        *s = (UnitState){};
}

/* One row of 'berth list': an entry, or a masked name (entry == NULL). */
typedef struct Row {
        const char *name;
        const Entry *entry;
        char *mask_file; /* for masked names: the file that masks it, when found */
        char *unit;
        UnitState state;
        char *addresses; /* the running machine's addresses, from systemd-machined; NULL: none known */
        char *ports; /* the entry's Port= values, NULL: none */
} Row;

static void rows_free(Row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(rows[i].mask_file);
                free(rows[i].unit);
                free(rows[i].addresses);
                free(rows[i].ports);
                unit_state_done(&rows[i].state);
        }
        free(rows);
}

static char *unit_name_for(const char *name)
{
        char *u;

        /* A valid machine name is a valid unit instance as is (systemd-nspawn@.service uses %i). */
        if (asprintf(&u, "systemd-nspawn@%s.service", name) < 0)
                return NULL;
        return u;
}

/* The file that masks NAME: the first NAME.conf along the search path (an empty file or a
 * symlink to /dev/null, or the loader would not have called it masked). */
static char *find_mask_file(const EntrySet *set, const char *name)
{
        _cleanup_free_ char *fn = NULL;

        if (asprintf(&fn, "%s.conf", name) < 0)
                return NULL;
        STRV_FOREACH (dir, set->search_path) {
                _cleanup_free_ char *p = path_join(*dir, fn);
                struct stat st;

                if (!p)
                        return NULL;
                if (lstat(p, &st) >= 0)
                        return TAKE_PTR(p);
        }
        return strdup("-");
}

/* Asks systemd for the state of every row's unit in one ListUnitsByNames() call, which also loads
 * units that are not loaded yet (as 'systemctl status' would). Returns < 0 when systemd cannot be
 * reached; the caller then shows the configuration only. */
static int query_unit_states(Row *rows, size_t n)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (n == 0)
                return 0;

        if (sd_booted() <= 0) {
                log_warning(
                        "System has not been booted with systemd as init system (PID 1): unit states not shown.");
                return -EHOSTDOWN;
        }

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_warning_errno(r, "Failed to connect to the system bus: %m; unit states not shown.");
                return r;
        }

        r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                "org.freedesktop.systemd1.Manager", "ListUnitsByNames");
        if (r < 0)
                return log_error_errno(r, "Failed to create bus message: %m");
        r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(m, "s", rows[i].unit);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return log_error_errno(r, "Failed to build bus message: %m");

        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0) {
                log_warning("Failed to ask systemd for unit states: %s; unit states not shown.",
                        error.message ?: strerror(-r));
                return r;
        }

        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                goto parse_error;
        for (;;) {
                const char *name, *load, *active, *sub;

                r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, &load, &active, &sub, NULL, NULL,
                        NULL, NULL, NULL);
                if (r < 0)
                        goto parse_error;
                if (r == 0)
                        break;
                for (size_t i = 0; i < n; i++) {
                        if (!streq(rows[i].unit, name) || rows[i].state.active_state)
                                continue;
                        rows[i].state.load_state = strdup(load);
                        rows[i].state.active_state = strdup(active);
                        rows[i].state.sub_state = strdup(sub);
                        if (!rows[i].state.load_state || !rows[i].state.active_state ||
                                !rows[i].state.sub_state)
                                return log_oom();
                        break;
                }
        }
        return 0;

parse_error:
        return log_error_errno(r, "Failed to parse systemd's reply: %m");
}

/* The addresses of one running machine, as "machinectl status" shows them (GetMachineAddresses),
 * comma-separated, IPv6 link-local ones left out; NULL in *ret when there are none. */
static int machine_addresses(sd_bus *bus, const char *name, char **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *list = NULL;
        size_t len = 0;
        int r;

        *ret = NULL;
        r = sd_bus_call_method(bus, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                "org.freedesktop.machine1.Manager", "GetMachineAddresses", NULL, &reply, "s", name);
        if (r < 0)
                return 0; /* not registered (any more), or no machined: nothing to show */
        r = sd_bus_message_enter_container(reply, 'a', "(iay)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'r', "iay")) > 0) {
                char buf[INET6_ADDRSTRLEN];
                const void *a;
                size_t n;
                int32_t family;

                r = sd_bus_message_read(reply, "i", &family);
                if (r >= 0)
                        r = sd_bus_message_read_array(reply, 'y', &a, &n);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
                if (!((family == AF_INET && n == 4) || (family == AF_INET6 && n == 16)))
                        continue;
                if (family == AF_INET6 && ((const uint8_t *) a)[0] == 0xfe &&
                        (((const uint8_t *) a)[1] & 0xc0) == 0x80)
                        continue;
                if (!inet_ntop(family, a, buf, sizeof buf))
                        continue;
                char *l = realloc(list, len + strlen(buf) + 2);
                if (!l)
                        return -ENOMEM;
                list = l;
                len += (size_t) sprintf(list + len, "%s%s", len > 0 ? "," : "", buf);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(list);
        return 0;
}

static int query_machine_addresses(Row *rows, size_t n)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        for (size_t i = 0; i < n; i++) {
                const char *a = rows[i].state.active_state;
                if (!rows[i].entry || !a || (!streq(a, "active") && !streq(a, "reloading")))
                        continue;
                if (!bus && sd_bus_open_system(&bus) < 0)
                        return 0;
                r = machine_addresses(bus, rows[i].name, &rows[i].addresses);
                if (r == -ENOMEM)
                        return log_error_errno(r, "Out of memory.");
                if (r < 0)
                        log_debug_errno(r, "Failed to read the addresses of machine %s: %m", rows[i].name);
        }
        return 0;
}

/* The STATE column: the active state, or the load state when the unit could not be loaded
 * (masked, not-found, bad-setting), since then the active state says little. */
static const char *row_state(const Row *row)
{
        if (!row->state.active_state)
                return NULL;
        if (row->state.load_state && !streq(row->state.load_state, "loaded") &&
                streq(row->state.active_state, "inactive"))
                return row->state.load_state;
        return row->state.active_state;
}

/* A JSON string, or null for NULL (json_print_string() prints NULL as ""). */
static void json_string(FILE *f, const char *s)
{
        if (!s)
                fputs("null", f);
        else
                json_print_string(f, s);
}

/* The items of a comma-separated list as JSON strings, comma-separated. */
static void json_list(const char *list)
{
        for (const char *p = list; p && *p;) {
                size_t k = strcspn(p, ",");
                _cleanup_free_ char *item = strndup(p, k);
                if (p != list)
                        fputs(", ", stdout);
                json_string(stdout, item ?: "");
                p += k + (p[k] == ',');
        }
}

static int print_rows_json(const Row *rows, size_t n)
{
        fputs("[", stdout);
        for (size_t i = 0; i < n; i++) {
                const Row *row = &rows[i];
                const Entry *e = row->entry;

                fputs(i > 0 ? ",\n  {" : "\n  {", stdout);
                fputs("\"name\": ", stdout);
                json_string(stdout, row->name);
                printf(", \"masked\": %s", e ? "false" : "true");
                printf(", \"enabled\": %s", e && e->enable ? "true" : "false");
                if (e)
                        printf(", \"priority\": %u", e->priority);
                else
                        fputs(", \"priority\": null", stdout);
                fputs(", \"unit\": ", stdout);
                json_string(stdout, row->unit);
                fputs(", \"state\": ", stdout);
                json_string(stdout, row_state(row));
                fputs(", \"load_state\": ", stdout);
                json_string(stdout, row->state.load_state);
                fputs(", \"active_state\": ", stdout);
                json_string(stdout, row->state.active_state);
                fputs(", \"sub_state\": ", stdout);
                json_string(stdout, row->state.sub_state);
                fputs(", \"addresses\": [", stdout);
                json_list(row->addresses);
                fputs("], \"ports\": [", stdout);
                json_list(row->ports);
                fputs("]", stdout);
                fputs(", \"source\": ", stdout);
                json_string(stdout, e ? e->source : row->mask_file);
                fputs(", \"error\": ", stdout);
                if (e && entry_first_error(e)) {
                        _cleanup_free_ char *s = entry_error_format(entry_first_error(e));
                        if (!s)
                                return log_oom();
                        json_string(stdout, s);
                } else
                        fputs("null", stdout);
                fputs(", \"errors\": [", stdout);
                for (size_t j = 0; e && j < e->n_errors; j++) {
                        _cleanup_free_ char *s = entry_error_format(&e->errors[j]);
                        if (!s)
                                return log_oom();
                        if (j > 0)
                                fputs(", ", stdout);
                        json_string(stdout, s);
                }
                fputs("]}", stdout);
        }
        fputs(n > 0 ? "\n]\n" : "]\n", stdout);
        return 0;
}

enum {
        COL_NAME,
        COL_ENABLED,
        COL_PRIORITY,
        COL_STATE,
        COL_ADDRESSES,
        COL_PORTS,
        COL_SOURCE,
        COL_ERROR,
        _COL_MAX
};

static int print_rows_text(const Row *rows, size_t n)
{
        static const char *const headers[_COL_MAX] = { "NAME", "ENABLED", "PRIORITY", "STATE", "ADDRESSES",
                "PORTS", "SOURCE", "ERROR" };
        size_t width[_COL_MAX] = {};
        bool shown[_COL_MAX];

        /* ADDRESSES and PORTS only when some container has one: a host without networked
         * containers keeps the narrow table. */
        for (size_t k = 0; k < _COL_MAX; k++)
                shown[k] = k != COL_ADDRESSES && k != COL_PORTS;
        for (size_t i = 0; i < n; i++) {
                shown[COL_ADDRESSES] = shown[COL_ADDRESSES] || rows[i].addresses;
                shown[COL_PORTS] = shown[COL_PORTS] || rows[i].ports;
        }
        char ***cells = calloc(n + 1, sizeof(char **));
        int r = 0;

        if (!cells)
                return log_oom();

        for (size_t i = 0; i < n && r == 0; i++) {
                const Row *row = &rows[i];
                const Entry *e = row->entry;
                const EntryError *err = e ? entry_first_error(e) : NULL;
                char *c[_COL_MAX] = {};

                c[COL_NAME] = strdup(row->name);
                c[COL_ENABLED] = strdup(!e ? "masked" : e->enable ? "yes" : "no");
                if (e)
                        r = asprintf(&c[COL_PRIORITY], "%u", e->priority) < 0 ? -ENOMEM : 0;
                else
                        c[COL_PRIORITY] = strdup("-");
                c[COL_STATE] = strdup(row_state(row) ?: "-");
                c[COL_ADDRESSES] = strdup(row->addresses ?: "-");
                c[COL_PORTS] = strdup(row->ports ?: "-");
                c[COL_SOURCE] = strdup(e ? e->source : row->mask_file);
                c[COL_ERROR] = err ? entry_error_format(err) : strdup("-");

                cells[i] = calloc(_COL_MAX, sizeof(char *));
                if (!cells[i])
                        r = -ENOMEM;
                for (size_t k = 0; k < _COL_MAX; k++) {
                        if (!c[k])
                                r = -ENOMEM;
                        if (cells[i])
                                cells[i][k] = c[k];
                        else
                                free(c[k]);
                }
        }

        if (r == 0) {
                for (size_t k = 0; k < _COL_MAX; k++) {
                        width[k] = arg_legend ? strlen(headers[k]) : 0;
                        for (size_t i = 0; i < n; i++)
                                if (strlen(cells[i][k]) > width[k])
                                        width[k] = strlen(cells[i][k]);
                }
                /* The last column is not padded: no trailing blanks. */
                if (arg_legend) {
                        for (size_t k = 0; k + 1 < _COL_MAX; k++)
                                if (shown[k])
                                        printf("%-*s ", (int) width[k], headers[k]);
                        printf("%s\n", headers[_COL_MAX - 1]);
                }
                for (size_t i = 0; i < n; i++) {
                        for (size_t k = 0; k + 1 < _COL_MAX; k++)
                                if (shown[k])
                                        printf("%-*s ", (int) width[k], cells[i][k]);
                        printf("%s\n", cells[i][_COL_MAX - 1]);
                }
        } else
                log_error_errno(r, "Out of memory.");

        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; cells[i] && k < _COL_MAX; k++)
                        free(cells[i][k]);
                free(cells[i]);
        }
        free(cells);
        return r;
}

static int load_entries(EntrySet **ret)
{
        int r = entry_set_load(&(LoadOptions){ .root = arg_root }, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to load entries: %m");
        return 0;
}

static int verb_list(char **args)
{
        _cleanup_entry_set_free_ EntrySet *set = NULL;
        size_t n_masked, n = 0, ie = 0, im = 0;
        Row *rows = NULL;
        int r;

        if (!strv_isempty(args))
                return log_error_errno(-EINVAL, "'list' takes no arguments, got '%s'.", args[0]), 2;

        r = load_entries(&set);
        if (r < 0)
                return 1;

        n_masked = strv_length(set->masked);
        rows = calloc(set->n_entries + n_masked + 1, sizeof(Row));
        if (!rows)
                return log_oom(), 1;

        /* Merge entries and masked names, both sorted, into one list sorted by name. */
        while (ie < set->n_entries || im < n_masked) {
                Row *row = &rows[n++];

                if (im >= n_masked ||
                        (ie < set->n_entries && strcmp(set->entries[ie]->name, set->masked[im]) <= 0)) {
                        row->entry = set->entries[ie++];
                        row->name = row->entry->name;
                } else {
                        row->name = set->masked[im++];
                        row->mask_file = find_mask_file(set, row->name);
                        if (!row->mask_file) {
                                rows_free(rows, n);
                                return log_oom(), 1;
                        }
                }
                row->unit = unit_name_for(row->name);
                if (row->entry && row->entry->ports)
                        row->ports = strv_join(row->entry->ports, ",");
                if (!row->unit || (row->entry && row->entry->ports && !row->ports)) {
                        rows_free(rows, n);
                        return log_oom(), 1;
                }
        }

        /* Files that define no entry (bad names, ...) have no row: say so, 'berth check' has details. */
        for (size_t i = 0; i < set->n_errors; i++) {
                _cleanup_free_ char *s = entry_error_format(&set->errors[i]);
                log_warning("%s", s ?: "Out of memory.");
        }

        r = query_unit_states(rows, n);
        if (r >= 0)
                r = query_machine_addresses(rows, n);
        if (r == -ENOMEM) {
                rows_free(rows, n);
                return 1;
        }

        r = arg_json ? print_rows_json(rows, n) : print_rows_text(rows, n);
        rows_free(rows, n);
        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(-EIO, "Failed to write output: %m"), 1;
        return r < 0 ? 1 : 0;
}

static int print_error_line(const EntryError *e)
{
        _cleanup_free_ char *s = entry_error_format(e);
        if (!s)
                return log_oom();
        printf("%s\n", s);
        return 0;
}

typedef struct CheckWarnings {
        const char *name;
        size_t n;
} CheckWarnings;

static void log_network_warning(const char *message, void *userdata)
{
        CheckWarnings *w = userdata;
        log_warning("%s: %s", w->name, message);
        w->n++;
}

/* The warnings of network_check() for an entry without errors: on stderr, the exit status stays 0
 * (the container starts; its network may not work). The root is read where it exists and is
 * readable (berth check as root). */
static int check_network(const Entry *e, size_t *n_warnings)
{
        _cleanup_free_ char *dir = arg_root ? path_join(arg_root, e->directory) : strdup(e->directory);
        _cleanup_close_ int root_fd = -1;
        CheckWarnings w = { .name = e->name };

        if (!dir)
                return log_oom();
        root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (network_check(e, arg_root, e->directory, root_fd, -1, log_network_warning, &w) == -ENOMEM)
                return log_oom();
        *n_warnings += w.n;
        return 0;
}

static int verb_check(char **args)
{
        _cleanup_entry_set_free_ EntrySet *set = NULL;
        size_t n_checked = 0, n_bad = 0, n_findings = 0, n_orphans = 0, n_warnings = 0;
        bool failed = false;
        int r;

        STRV_FOREACH (a, args)
                if (!machine_name_is_valid(*a))
                        return log_error("Invalid entry name '%s': a name is " MACHINE_NAME_RULE ".", *a), 2;

        r = load_entries(&set);
        if (r < 0)
                return 1;

        if (strv_isempty(args)) {
                /* Everything: files that define no entry first, then every entry in name order. */
                for (size_t i = 0; i < set->n_errors; i++, n_findings++, n_orphans++)
                        if (print_error_line(&set->errors[i]) < 0)
                                return 1;
                for (size_t i = 0; i < set->n_entries; i++) {
                        const Entry *e = set->entries[i];
                        for (size_t j = 0; j < e->n_errors; j++, n_findings++)
                                if (print_error_line(&e->errors[j]) < 0)
                                        return 1;
                        if (e->n_errors == 0 && check_network(e, &n_warnings) < 0)
                                return 1;
                        n_checked++;
                        n_bad += e->n_errors > 0;
                }
        } else
                STRV_FOREACH (a, args) {
                        const Entry *e = entry_set_find(set, *a);
                        size_t n_about = 0;

                        /* Errors about NAME.conf itself that made it no entry (a directory of that
                         * name, an unreadable file) belong to NAME, as in berth-generator --dry-run. */
                        for (size_t i = 0; i < set->n_errors; i++) {
                                if (!entry_error_is_about(&set->errors[i], *a))
                                        continue;
                                if (print_error_line(&set->errors[i]) < 0)
                                        return 1;
                                n_findings++, n_about++;
                        }
                        if (!e && n_about > 0) {
                                n_checked++, n_bad++;
                                continue;
                        }
                        if (!e) {
                                if (entry_set_is_masked(set, *a)) {
                                        log_notice("%s: masked, nothing to check.", *a);
                                        continue;
                                }
                                _cleanup_free_ char *path = strv_join(set->search_path, ":");
                                log_error("No entry '%s' in %s.", *a, strempty(path));
                                failed = true;
                                continue;
                        }
                        for (size_t j = 0; j < e->n_errors; j++, n_findings++)
                                if (print_error_line(&e->errors[j]) < 0)
                                        return 1;
                        if (e->n_errors == 0 && check_network(e, &n_warnings) < 0)
                                return 1;
                        n_checked++;
                        n_bad += e->n_errors > 0;
                }

        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(-EIO, "Failed to write output: %m"), 1;
        if (n_orphans > 0)
                log_info("%zu error(s) found in %zu of %zu entries and in %zu file(s) that define no entry.",
                        n_findings, n_bad, n_checked, n_orphans);
        else if (n_findings > 0)
                log_info("%zu error(s) found in %zu of %zu entries.", n_findings, n_bad, n_checked);
        else
                log_debug("%zu entries checked, no errors.", n_checked);
        return failed || n_findings > 0 ? 1 : 0;
}

static void print_origin(const Assignment *a)
{
        printf("# %s:%u\n", a->origin.file ?: "?", a->origin.line);
}

/* The value the loader resolved for a [Container] key that no file set (or that was reset); *ret
 * is NULL when the key has no value then (Hostname=: nspawn picks one). */
static int container_default(const Entry *e, const ConfigKey *k, char **ret)
{
        const char *v;
        char *s;

        switch (k->container_key) {
        case CONTAINER_DESCRIPTION:
                v = e->description;
                break;
        case CONTAINER_ENABLE:
                v = e->enable ? "yes" : "no";
                break;
        case CONTAINER_DIRECTORY:
                v = e->directory;
                break;
        case CONTAINER_BOOT:
                v = e->boot ? "yes" : "no";
                break;
        case CONTAINER_PROVISION:
                v = provision_kind_to_string(e->provision);
                break;
        case CONTAINER_AUDIT:
                v = audit_policy_to_string(e->audit);
                break;
        case CONTAINER_MANAGE_NETWORK:
                v = e->manage_network ? "yes" : "no";
                break;
        case CONTAINER_PRIORITY:
                if (asprintf(&s, "%u", e->priority) < 0)
                        return -ENOMEM;
                *ret = s;
                return 0;
        default:
                v = NULL;
        }
        if (!v) {
                *ret = NULL;
                return 0;
        }
        s = strdup(v);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Prints the [Container] section: for each key of the table, the assignments still in effect
 * (the last one for a scalar, those after the last reset for a list), each under a comment naming
 * its FILE:LINE; else the default, marked as such. */
/* What the [Network] keys make of the container's link (containers.d(5), NETWORKING), as a
 * comment: it is derived, no file sets it. */
static void print_network_link(const Entry *e)
{
        switch (e->network_link) {
        case NETWORK_LINK_VETH:
                printf("# network: a private veth link, ve-%s on the host", e->name);
                break;
        case NETWORK_LINK_ZONE:
                printf("# network: zone %s, bridge vz-%s on the host", e->zone, e->zone);
                break;
        case NETWORK_LINK_BRIDGE:
                printf("# network: a veth on the bridge %s (the administrator's)\n", e->bridges[0]);
                return;
        case NETWORK_LINK_HOST:
                printf("# network: the host's own (no private network)\n");
                return;
        default:
                printf("# network: private, without a link that berth serves\n");
                return;
        }
        printf(e->manage_network ? ", served by the host's systemd-networkd\n"
                                 : ", left to the administrator\n");
}

static int print_container_section(const Entry *e)
{
        const ConfigKey *keys;
        size_t n_keys;

        printf("[Container]\n");
        keys = config_keys(&n_keys);
        for (size_t i = 0; i < n_keys; i++) {
                const ConfigKey *k = &keys[i];
                const Assignment *last = NULL, *reset = NULL;
                size_t from = 0;

                if (!streq(k->section, "Container") || k->use_instead)
                        continue;

                for (size_t j = 0; j < e->n_assignments; j++) {
                        const Assignment *a = &e->assignments[j];
                        if (!streq(a->section, "Container") || !streq(a->key, k->name))
                                continue;
                        last = a;
                        if (isempty(a->value)) {
                                reset = a;
                                from = j + 1;
                        }
                }

                if (last && !isempty(last->value)) {
                        if (!k->is_list)
                                from = (size_t) (last - e->assignments);
                        for (size_t j = from; j < e->n_assignments; j++) {
                                const Assignment *a = &e->assignments[j];
                                if (!streq(a->section, "Container") || !streq(a->key, k->name))
                                        continue;
                                print_origin(a);
                                if (k->is_secret)
                                        printf("#%s=(set; not shown)\n", a->key);
                                else
                                        printf("%s=%s\n", a->key, a->value);
                        }
                        continue;
                }

                _cleanup_free_ char *def = NULL;
                if (container_default(e, k, &def) < 0)
                        return log_oom();
                if (reset)
                        printf("# default (reset at %s:%u)\n", reset->origin.file, reset->origin.line);
                else if (def)
                        printf("# default\n");
                if (def)
                        printf("%s=%s\n", k->name, def);
                else if (reset)
                        printf("%s=\n", k->name);
        }
        print_network_link(e);
        return 0;
}

/* The other sections: what berth writes out. For [Exec]/[Files]/[Network]/[Install] the values in
 * effect once resets and repeated single-valued keys are resolved (as the .nspawn file gets them);
 * for [Unit]/[Service] every assignment in applied order (systemd resolves those itself). */
static int print_other_section(const Entry *e, const char *section)
{
        _cleanup_free_ const Assignment **list = NULL;
        int r;

        r = entry_effective_assignments(e, section, &list);
        if (r < 0)
                return log_error_errno(r, "Failed to resolve [%s] of %s: %m", section, e->name);
        if (!list || !list[0])
                return 0;
        printf("\n[%s]\n", section);
        for (const Assignment **a = list; *a; a++) {
                print_origin(*a);
                printf("%s=%s\n", (*a)->key, (*a)->value);
        }
        return 0;
}

/* For a file that a same-named file in a higher search directory hides: that file, and whether it
 * masks (empty, or a symlink to /dev/null) rather than overrides. *ret is NULL when not found. */
static int find_shadowing_file(const EntrySet *set, const char *path, char **ret, bool *ret_masked)
{
        const char *rel = NULL;
        size_t level = 0;

        *ret = NULL;
        *ret_masked = false;
        for (char **d = set->search_path; d && *d && !rel; d++, level++) {
                const char *r = startswith(path, *d);
                if (r && r[0] == '/')
                        rel = r + 1;
        }
        if (!rel)
                return 0;
        level--;

        for (size_t i = 0; i < level; i++) {
                _cleanup_free_ char *p = path_join(set->search_path[i], rel);
                _cleanup_free_ char *target = NULL;
                struct stat st;

                if (!p)
                        return -ENOMEM;
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISLNK(st.st_mode)) {
                        target = realpath(p, NULL);
                        *ret_masked = target && streq(target, "/dev/null");
                } else
                        *ret_masked = S_ISREG(st.st_mode) && st.st_size == 0;
                *ret = TAKE_PTR(p);
                return 0;
        }
        return 0;
}

static int cat_one(const EntrySet *set, const char *name, bool first)
{
        static const char *const sections[] = { "Exec", "Files", "Network", "Unit", "Service", "Install" };
        const Entry *e = entry_set_find(set, name);

        if (!first)
                printf("\n");
        if (!e) {
                if (entry_set_is_masked(set, name)) {
                        _cleanup_free_ char *f = find_mask_file(set, name);
                        printf("# %s: masked by %s (empty or a symlink to /dev/null): no container.\n", name,
                                f ?: "?");
                        return 0;
                }
                _cleanup_free_ char *path = strv_join(set->search_path, ":");
                return log_error_errno(-ENOENT, "No entry '%s' in %s.", name, strempty(path));
        }

        printf("# %s: effective configuration of %s\n", e->name, e->source);
        printf("# Files applied, in this order (later values win):\n");
        STRV_FOREACH (f, e->files)
                printf("#   %s\n", *f);
        if (!strv_isempty(e->shadowed)) {
                printf("# Overridden or masked, not applied:\n");
                STRV_FOREACH (f, e->shadowed) {
                        _cleanup_free_ char *by = NULL;
                        bool masked = false;

                        if (find_shadowing_file(set, *f, &by, &masked) < 0)
                                return log_oom();
                        if (by)
                                printf("#   %s (%s by %s)\n", *f, masked ? "masked" : "overridden", by);
                        else
                                printf("#   %s\n", *f);
                }
        }
        for (size_t i = 0; i < e->n_errors; i++) {
                _cleanup_free_ char *s = entry_error_format(&e->errors[i]);
                printf("# error: %s\n", s ?: "(out of memory)");
        }
        printf("\n");

        if (print_container_section(e) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                if (print_other_section(e, sections[i]) < 0)
                        return -ENOMEM;
        return 0;
}

static int verb_cat(char **args)
{
        _cleanup_entry_set_free_ EntrySet *set = NULL;
        bool failed = false;
        int r;

        if (strv_isempty(args))
                return log_error("'cat' needs at least one entry NAME."), 2;
        STRV_FOREACH (a, args)
                if (!machine_name_is_valid(*a))
                        return log_error("Invalid entry name '%s': a name is " MACHINE_NAME_RULE ".", *a), 2;

        r = load_entries(&set);
        if (r < 0)
                return 1;

        STRV_FOREACH (a, args)
                if (cat_one(set, *a, a == args) < 0)
                        failed = true;

        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(-EIO, "Failed to write output: %m"), 1;
        return failed ? 1 : 0;
}

/* berth image: the image cache (src/shared/image-cache.h). */

typedef struct ImageRow {
        char *name;
        ImageInfo info;
        bool info_ok;
        char **clones; /* containers made from it whose root is still there */
        char **entries; /* entries whose Provision= is this image's source */
} ImageRow;

static void image_rows_free(ImageRow *rows, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(rows[i].name);
                image_info_done(&rows[i].info);
                strv_free(rows[i].clones);
                strv_free(rows[i].entries);
        }
        free(rows);
}

/* A path an image's records name (a container root), under --root. */
static char *rooted_path(const char *path)
{
        return arg_root ? path_join(arg_root, path) : strdup(path);
}

/* The images directory, opened without following a symlink. -ENOENT when there is none. */
static int images_dir_open(int *ret_fd, char **ret_path)
{
        _cleanup_free_ char *dir = NULL;
        if (image_paths(arg_root, NULL, &dir, NULL) < 0)
                return log_oom();
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ENOENT : log_error_errno(errno, "Failed to open %s: %m", dir);
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                close(fd);
                return log_error_errno(EPERM,
                        "%s is not owned by root or is writable by others: not trusting it. Make it root-owned, mode 0700.",
                        dir);
        }
        *ret_fd = fd;
        if (ret_path)
                *ret_path = TAKE_PTR(dir);
        return 0;
}

static int image_row_read(int dir_fd, const char *name, const EntrySet *set, ImageRow *row)
{
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (!(row->name = strdup(name)))
                return -ENOMEM;

        _cleanup_close_ int ifd = openat(fd, IMAGE_INFO, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        if (ifd >= 0 && read_full_fd(ifd, 64 * 1024, &text, NULL) >= 0 &&
                image_info_parse(text, &row->info) >= 0)
                row->info_ok = true;

        int cfd = openat(fd, IMAGE_CLONES, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd >= 0) {
                _cleanup_closedir_ DIR *d = fdopendir(cfd); /* owns cfd from here on */
                if (!d)
                        close(cfd);
                else {
                        struct dirent *de;
                        while ((de = readdir(d))) {
                                if (de->d_name[0] == '.')
                                        continue;
                                _cleanup_close_ int rfd =
                                        openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                                _cleanup_free_ char *dir = NULL, *rooted = NULL;
                                struct stat st;
                                if (rfd < 0 || read_full_fd(rfd, PATH_MAX, &dir, NULL) < 0)
                                        continue;
                                dir[strcspn(dir, "\n")] = '\0';
                                /* Made from it and still there: the root it was cloned to exists. */
                                if (!(rooted = rooted_path(dir)))
                                        return -ENOMEM;
                                if (lstat(rooted, &st) < 0 || !S_ISDIR(st.st_mode))
                                        continue;
                                if (strv_extend(&row->clones, de->d_name) < 0)
                                        return -ENOMEM;
                        }
                        strv_sort(row->clones);
                }
        }

        for (size_t i = 0; i < set->n_entries; i++) {
                const Entry *e = set->entries[i];
                _cleanup_free_ char *n = NULL;
                if (!entry_uses_image(e) || e->n_errors > 0)
                        continue;
                if (image_name(e, &n) < 0)
                        return -ENOMEM;
                if (streq(n, name) && strv_extend(&row->entries, e->name) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int image_rows_load(const EntrySet *set, ImageRow **ret, size_t *ret_n)
{
        _cleanup_close_ int dir_fd = -1;
        ImageRow *rows = NULL;
        size_t n = 0;
        int r;

        r = images_dir_open(&dir_fd, NULL);
        if (r == -ENOENT) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (r < 0)
                return r;
        _cleanup_closedir_ DIR *d = opendir_at(dir_fd);
        if (!d)
                return log_error_errno(errno, "Failed to read the image cache: %m");
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!image_name_is_valid(de->d_name))
                        continue; /* ".", "..", and images being provisioned (.#NAME.berth-XXXXXX) */
                ImageRow *a = reallocarray(rows, n + 1, sizeof *a);
                if (!a) {
                        image_rows_free(rows, n);
                        return log_oom();
                }
                rows = a;
                rows[n] = (ImageRow){};
                r = image_row_read(dir_fd, de->d_name, set, &rows[n]);
                n++;
                if (r == -ENOMEM) {
                        image_rows_free(rows, n);
                        return log_oom();
                }
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}

static int image_row_compare(const void *a, const void *b)
{
        return strcmp(((const ImageRow *) a)->name, ((const ImageRow *) b)->name);
}

static void format_size(uint64_t b, char *buf, size_t size)
{
        if (b >= 1024ull * 1024 * 1024)
                snprintf(buf, size, "%.1fG", (double) b / (1024.0 * 1024 * 1024));
        else if (b >= 1024ull * 1024)
                snprintf(buf, size, "%.1fM", (double) b / (1024.0 * 1024));
        else
                snprintf(buf, size, "%.1fK", (double) b / 1024.0);
}

static void format_age(usec_t created, char *buf, size_t size)
{
        usec_t now = now_usec(CLOCK_REALTIME);
        usec_t s = now > created ? (now - created) / USEC_PER_SEC : 0;
        if (s < 120)
                snprintf(buf, size, "%llus", (unsigned long long) s);
        else if (s < 2 * 3600)
                snprintf(buf, size, "%llumin", (unsigned long long) (s / 60));
        else if (s < 2 * 86400)
                snprintf(buf, size, "%lluh", (unsigned long long) (s / 3600));
        else
                snprintf(buf, size, "%llud", (unsigned long long) (s / 86400));
}

static int image_list(const EntrySet *set)
{
        ImageRow *rows = NULL;
        size_t n = 0;
        int r = image_rows_load(set, &rows, &n);
        if (r < 0)
                return 1;
        if (n > 0)
                qsort(rows, n, sizeof *rows, image_row_compare);

        if (arg_json) {
                fputc('[', stdout);
                for (size_t i = 0; i < n; i++) {
                        ImageRow *row = &rows[i];
                        printf("%s{\"image\":", i ? "," : "");
                        json_string(stdout, row->name);
                        printf(",\"source\":");
                        json_string(stdout, row->info_ok ? row->info.source : NULL);
                        if (row->info_ok)
                                printf(",\"bytes\":%llu,\"files\":%llu,\"created_usec\":%llu",
                                        (unsigned long long) row->info.bytes,
                                        (unsigned long long) row->info.files,
                                        (unsigned long long) row->info.created);
                        else
                                printf(",\"bytes\":null,\"files\":null,\"created_usec\":null");
                        printf(",\"containers\":[");
                        STRV_FOREACH (c, row->clones) {
                                printf("%s", c == row->clones ? "" : ",");
                                json_string(stdout, *c);
                        }
                        printf("],\"entries\":[");
                        STRV_FOREACH (c, row->entries) {
                                printf("%s", c == row->entries ? "" : ",");
                                json_string(stdout, *c);
                        }
                        printf("]}");
                }
                printf("]\n");
        } else {
                if (arg_legend)
                        printf("%-40s %-8s %-8s %-24s %s\n", "IMAGE", "SIZE", "AGE", "CONTAINERS", "SOURCE");
                for (size_t i = 0; i < n; i++) {
                        ImageRow *row = &rows[i];
                        char size[32] = "-", age[32] = "-";
                        _cleanup_free_ char *clones =
                                strv_isempty(row->clones) ? strdup("-") : strv_join(row->clones, ",");
                        if (row->info_ok) {
                                format_size(row->info.bytes, size, sizeof size);
                                format_age(row->info.created, age, sizeof age);
                        }
                        printf("%-40s %-8s %-8s %-24s %s%s\n", row->name, size, age, strempty(clones),
                                row->info_ok ? row->info.source : "(no info file)",
                                strv_isempty(row->entries) ? " (no entry uses it)" : "");
                }
                if (arg_legend)
                        printf("\n%zu image%s.\n", n, n == 1 ? "" : "s");
        }
        image_rows_free(rows, n);
        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(-EIO, "Failed to write output: %m"), 1;
        return 0;
}

/* NAME as an image's name, or as the name of an entry whose image it means. */
static int image_resolve(const EntrySet *set, const char *arg, char **ret_image, const Entry **ret_entry)
{
        const Entry *e = entry_set_find(set, arg);
        *ret_entry = NULL;
        if (e && e->n_errors == 0 && entry_uses_image(e)) {
                *ret_entry = e;
                return image_name(e, ret_image) < 0 ? log_oom() : 0;
        }
        if (e && e->n_errors == 0)
                return log_error_errno(-EINVAL,
                        "Container %s makes its root with Provision=%s, which keeps no image.", arg,
                        provision_kind_to_string(e->provision));
        if (!image_name_is_valid(arg))
                return log_error_errno(-EINVAL,
                        "'%s' is neither an image (see 'berth image list') nor a container entry without errors.",
                        arg);
        for (size_t i = 0; i < set->n_entries; i++) {
                _cleanup_free_ char *n = NULL;
                if (set->entries[i]->n_errors > 0 || !entry_uses_image(set->entries[i]))
                        continue;
                if (image_name(set->entries[i], &n) < 0)
                        return log_oom();
                if (streq(n, arg)) {
                        *ret_entry = set->entries[i];
                        break;
                }
        }
        if (!(*ret_image = strdup(arg)))
                return log_oom();
        return 0;
}

static int image_remove_one(int dir_fd, const char *dir, const char *name)
{
        _cleanup_free_ char *lock_path = NULL, *tmp = NULL;
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(errno == ENOENT ? -ENOENT : -errno, "No image %s in %s%s", name, dir,
                        errno == ENOENT ? " (see 'berth image list')." : ": %m");
        if (image_paths(arg_root, name, NULL, &lock_path) < 0)
                return log_oom();
        /* The provisioner's lock: an image being made or refreshed now is not removed under it. */
        _cleanup_close_ int lfd = open(lock_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) < 0)
                return log_error_errno(-EBUSY,
                        "Image %s is being provisioned right now; remove it when that is done.", name);

        /* Out of the way in one step (a start that looks now finds it or not, never half), then
         * deleted; the .#NAME.berth-XXXXXX name is what the next provisioning and the boot-time
         * tmpfiles rule remove, should this be interrupted. */
        char suffix[7];
        unsigned v = (unsigned) (now_usec(CLOCK_MONOTONIC) ^ (usec_t) getpid());
        for (size_t i = 0; i < 6; i++, v /= 36)
                suffix[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[v % 36];
        suffix[6] = '\0';
        if (asprintf(&tmp, ".#%s.berth-%s", name, suffix) < 0)
                return log_oom();
        if (renameat2(dir_fd, name, dir_fd, tmp, RENAME_NOREPLACE) < 0)
                return log_error_errno(-errno, "Failed to remove image %s: %m", name);
        int r = rm_rf_at(dir_fd, tmp);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s/%s: %m. Remove it by hand.", dir, tmp);
        printf("Removed image %s.\n", name);
        return 0;
}

static int image_refresh_one(const Entry *e, const char *name)
{
        if (!e)
                return log_error_errno(-ENOENT,
                        "No entry uses image %s, so berth does not know how to provision it again: remove it with 'berth image remove %s'.",
                        name, name);
        /* berth-prepare provisions (it runs provisioners with a clean environment, reports progress,
         * and holds the image's lock); we wait for it, its output is ours. */
        const char *prepare = getenv("BERTH_PREPARE_PATH") ?: BERTH_PREPARE_PATH;
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *root = NULL;
        if (strv_extend(&argv, prepare) < 0 || strv_extend(&argv, "--refresh-image") < 0)
                return log_oom();
        if (arg_root && (asprintf(&root, "--root=%s", arg_root) < 0 || strv_extend(&argv, root) < 0))
                return log_oom();
        if (strv_extend(&argv, e->name) < 0)
                return log_oom();
        pid_t pid = fork();
        if (pid < 0)
                return log_error_errno(-errno, "Failed to fork: %m");
        if (pid == 0) {
                execv(prepare, argv);
                fprintf(stderr, "berth: failed to execute %s: %s\n", prepare, strerror(errno));
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(-errno, "Failed to wait for %s: %m", prepare);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int verb_image(char **args)
{
        _cleanup_entry_set_free_ EntrySet *set = NULL;
        const char *sub = args[0] ?: "list";
        int r;

        if (!streq(sub, "list") && !streq(sub, "remove") && !streq(sub, "refresh"))
                return log_error(
                               "Unknown command 'image %s': accepted are list, remove NAME..., refresh NAME....",
                               sub),
                       2;
        if (arg_json && !streq(sub, "list"))
                return log_error("Option '--json' is only supported by 'list' and 'image list'."), 2;
        if (load_entries(&set) < 0)
                return 1;
        if (streq(sub, "list")) {
                if (args[0] && args[1])
                        return log_error("'image list' takes no arguments."), 2;
                return image_list(set);
        }
        if (strv_isempty(args + 1))
                return log_error(
                               "'image %s' needs an image or container name. See 'berth image list'.", sub),
                       2;

        _cleanup_close_ int dir_fd = -1;
        _cleanup_free_ char *dir = NULL;
        bool failed = false;
        STRV_FOREACH (a, args + 1) {
                _cleanup_free_ char *name = NULL;
                const Entry *e;
                if (image_resolve(set, *a, &name, &e) < 0) {
                        failed = true;
                        continue;
                }
                if (streq(sub, "refresh")) {
                        failed |= image_refresh_one(e, name) < 0;
                        continue;
                }
                if (dir_fd < 0) {
                        r = images_dir_open(&dir_fd, &dir);
                        if (r == -ENOENT) {
                                log_error("No image %s: there is no image cache yet.", name);
                                failed = true;
                                continue;
                        }
                        if (r < 0)
                                return 1;
                }
                failed |= image_remove_one(dir_fd, dir, name) < 0;
        }
        return failed ? 1 : 0;
}

static void help(void)
{
        printf("berth [OPTIONS...] COMMAND ...\n"
               "\n"
               "Show and check the containers defined in containers.d.\n"
               "\n"
               "Commands:\n"
               "  list              List entries: enabled, priority, unit state, source, first error\n"
               "                    (the default command)\n"
               "  check [NAME...]   Validate all or the named entries; print each error as\n"
               "                    FILE:LINE: message on stdout; exit 1 on any error\n"
               "  cat NAME...       Show the effective configuration and where each value came from\n"
               "  image [list]      List cached images: size, age, containers made from each, source\n"
               "  image remove NAME...\n"
               "                    Remove images (by image name, or by a container that uses one);\n"
               "                    containers made from them keep their roots\n"
               "  image refresh NAME...\n"
               "                    Provision images anew and put them in place of the old ones\n"
               "\n"
               "Options:\n"
               "  -h --help         Show this help\n"
               "     --version      Show the version\n"
               "     --json         Print 'list' as a JSON array\n"
               "     --no-legend    Do not print the column headers of 'list'\n"
               "     --no-pager     Accepted for systemctl habits; berth never pages\n"
               "     --root=DIR     Read entries, host files and container roots under DIR (tests)\n"
               "\n"
               "Entries are read from $BERTH_CONFIG_PATH (colon-separated) when set, else from\n"
               "/etc/containers.d, /run/containers.d, /usr/local/lib/containers.d, /usr/lib/containers.d.\n"
               "See berth(1), containers.d(5).\n");
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_NO_LEGEND, ARG_NO_PAGER, ARG_ROOT };
        static const struct option options[] = { { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION }, { "json", no_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "root", required_argument, NULL, ARG_ROOT }, {} };
        int c;

        opterr = 0;
        /* GNU getopt permutes: options may stand before or after the command, as with systemctl. */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("berth %s\n", BERTH_VERSION);
                        return 0;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                case ARG_NO_PAGER:
                        break;
                case ARG_ROOT:
                        if (optarg[0] != '/')
                                return log_error_errno(
                                        -EINVAL, "--root= takes an absolute path, got '%s'.", optarg);
                        arg_root = optarg;
                        break;
                case '?':
                        /* optopt is the option's character for a short option, its val for a long
                         * one given an argument it does not take, and 0 for an unknown long one. */
                        if (optopt > 0 && optopt < 0x100)
                                log_error("Unknown option '-%c'. See 'berth --help'.", optopt);
                        else
                                log_error("Unknown option '%s'. See 'berth --help'.", argv[optind - 1]);
                        return -EINVAL;
                default:
                        return log_error_errno(-EINVAL, "Unexpected option '%s'.", argv[optind - 1]);
                }
        return 1;
}

int main(int argc, char *argv[])
{
        static const struct {
                const char *name;
                int (*run)(char **args);
        } verbs[] = {
                { "list", verb_list },
                { "check", verb_check },
                { "cat", verb_cat },
                { "image", verb_image },
        };
        const char *verb;
        int r;

        log_setup("berth", LOG_TARGET_STDERR);
        log_parse_environment();

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        verb = optind < argc ? argv[optind++] : "list";

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (!streq(verbs[i].name, verb))
                        continue;
                if (arg_json && !streq(verb, "list") && !streq(verb, "image"))
                        return log_error("Option '--json' is only supported by 'list'."), 2;
                return verbs[i].run(argv + optind);
        }
        log_error("Unknown command '%s'. See 'berth --help'.", verb);
        return 2;
}
