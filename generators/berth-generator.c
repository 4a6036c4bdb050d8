/* berth-generator: turns the entries of containers.d into drop-ins and symlinks for
 * systemd-nspawn@NAME.service, at boot and at every daemon-reload (systemd.generator(7)).
 *
 * Every entry is handled on its own: an entry with errors still gets a drop-in whose
 * berth-prepare line fails its start with the same message, so "systemctl status" shows why; the
 * others are generated as if it were not there. The exit status is 1 when anything had an error
 * (systemd logs that and carries on). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "entry.h"
#include "image-cache.h"
#include "fileio.h"
#include "generator-output.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "priority-waves.h"
#include "proc-cmdline.h"
#include "strv.h"
#include "unit-escape.h"

#define PROGRAM "berth-generator"
#define DROPIN_NAME "50-berth.conf"
#define KILL_SWITCH "berth.enable"

/* A non-default Directory= needs --directory= added to the template's ExecStart=, and a drop-in
 * can only replace a whole command line: the line is read from the installed
 * systemd-nspawn@.service (nspawn_exec_start()), so it is the one of the systemd in use (252 on
 * Debian 12, 257 on Debian 13), and this, systemd 252's, is used only when no template can be
 * read. */
#define STOCK_NSPAWN_COMMAND                                                                                \
        "systemd-nspawn --quiet --keep-unit --boot --link-journal=try-guest --network-veth -U --settings=override --machine=%i"
#define NSPAWN_TEMPLATE "systemd-nspawn@.service"

static bool arg_dry_run;
static const char *arg_dest;
static char **arg_names;

typedef struct Generator {
        GeneratorOutput out;
        /* Every drop-in is rendered into this one buffer, reset for the next: one allocation
         * for the run instead of one per entry. */
        TextBuffer text;
        PriorityWaves waves;
        bool any_enabled;
        bool failed; /* an entry had an error, or something could not be written */
        char *nspawn_exec; /* the template's ExecStart= command line, read on first use */
} Generator;

static void generator_done(Generator *g)
{
        output_done(&g->out);
        text_buffer_done(&g->text);
        free(g->nspawn_exec);
}

/* The unit search path, highest precedence first, as systemd has it for the system manager;
 * $SYSTEMD_UNIT_PATH replaces it (a trailing ":" appends the default), as for systemd. */
static int unit_search_path(char ***ret)
{
        static const char *const def[] = { "/etc/systemd/system", "/run/systemd/system",
                "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
                SYSTEMD_SYSTEM_UNIT_DIR };
        _cleanup_strv_free_ char **l = NULL;
        const char *e = getenv("SYSTEMD_UNIT_PATH");
        bool append_default = !e || (*e && e[strlen(e) - 1] == ':');

        if (e && strv_split(e, ":", &l) < 0)
                return -ENOMEM;
        for (size_t i = 0; append_default && i < ELEMENTSOF(def); i++)
                if (!strv_contains(l, def[i]) && strv_extend(&l, def[i]) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

/* The command line of the last non-empty ExecStart= in a unit file's text (an empty one resets),
 * trimmed; continuation lines joined. NULL when there is none. */
static char *exec_start_of(char *text)
{
        const char *found = NULL;
        bool in_service = false;

        for (char *line = text, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                /* A trailing backslash continues the line: join it with the next one. */
                for (size_t n = strlen(line); n > 0 && line[n - 1] == '\\' && next; n = strlen(line)) {
                        char *nl = strchr(next, '\n');
                        if (nl)
                                *nl = '\0';
                        /* One space where the backslash and the white space around it were. */
                        n--;
                        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
                                n--;
                        line[n++] = ' ';
                        const char *cont = next + strspn(next, " \t");
                        memmove(line + n, cont, strlen(cont) + 1);
                        next = nl ? nl + 1 : NULL;
                }
                const char *l = line + strspn(line, " \t");
                if (*l == '[')
                        in_service = startswith(l, "[Service]") != NULL;
                const char *v = in_service ? startswith(l, "ExecStart=") : NULL;
                if (v) {
                        v += strspn(v, " \t");
                        found = *v ? v : NULL;
                }
        }
        if (!found)
                return NULL;
        char *s = strdup(found);
        if (s) {
                size_t n = strlen(s);
                while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                        s[--n] = '\0';
        }
        return s;
}

/* The ExecStart= command line of the installed systemd-nspawn@.service: the first template on the
 * unit search path, read once. Its drop-ins are not read (ours replaces the line anyway). */
static const char *nspawn_exec_start(Generator *g)
{
        _cleanup_strv_free_ char **path = NULL;
        const char *why = "there is no " NSPAWN_TEMPLATE " on the unit search path";
        _cleanup_free_ char *where = NULL;

        if (g->nspawn_exec)
                return g->nspawn_exec;
        if (unit_search_path(&path) < 0)
                return NULL;
        STRV_FOREACH (d, path) {
                _cleanup_free_ char *text = NULL;
                size_t size;

                free(where);
                where = path_join(*d, NSPAWN_TEMPLATE);
                if (!where)
                        return NULL;
                int r = read_full_file(where, 64 * 1024, &text, &size);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        why = "it cannot be read";
                        break;
                }
                g->nspawn_exec = exec_start_of(text);
                if (g->nspawn_exec) {
                        log_debug("ExecStart= of %s: %s", where, g->nspawn_exec);
                        return g->nspawn_exec;
                }
                why = "it has no ExecStart=";
                break;
        }
        log_warning(
                "%s%s%s: %s; writing systemd 252's systemd-nspawn command line for a non-default Directory=.",
                NSPAWN_TEMPLATE, where ? " " : "", where ? where : "", why);
        g->nspawn_exec = strdup(STOCK_NSPAWN_COMMAND);
        return g->nspawn_exec;
}

/* In a dry run for some names, set-level errors about NAME.conf itself (a directory of that name,
 * an unreadable file) belong to that name. */
static bool set_error_selected(const EntryError *err)
{
        if (!arg_names || !arg_names[0])
                return true;
        STRV_FOREACH (n, arg_names) {
                const char *base = strrchr(err->file ? err->file : "", '/');
                size_t l = strlen(*n);
                base = base ? base + 1 : strempty(err->file);
                if (strneq(base, *n, l) && streq(base + l, ".conf"))
                        return true;
        }
        return false;
}

static void help(void)
{
        printf("%s NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
               "%s --dry-run [NAME...]\n\n"
               "Generates systemd-nspawn@NAME.service drop-ins and symlinks from the entries in\n"
               "/etc/containers.d, /run/containers.d, /usr/local/lib/containers.d and\n"
               "/usr/lib/containers.d ($BERTH_CONFIG_PATH replaces that list). systemd runs it at\n"
               "boot and on daemon-reload; berth.enable=0 on the kernel command line turns it off.\n\n"
               "  -h --help       Show this help\n"
               "     --version    Show the version\n"
               "     --dry-run    Print what would be written under %s to stdout,\n"
               "                  for the named entries or all; write nothing\n",
                PROGRAM, PROGRAM, GENERATOR_NORMAL_DIR);
}

/* Returns 1 to go on, 0 to exit successfully, -EINVAL for a usage error (already reported). */
static int parse_argv(int argc, char *argv[])
{
        enum { ARG_VERSION = 0x100, ARG_DRY_RUN };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                {},
        };
        int c, n;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", PROGRAM, BERTH_VERSION);
                        return 0;
                case ARG_DRY_RUN:
                        arg_dry_run = true;
                        break;
                default:
                        fprintf(stderr, "%s: unknown option '%s' (see --help)\n", PROGRAM, argv[optind - 1]);
                        return -EINVAL;
                }

        n = argc - optind;
        if (arg_dry_run) {
                for (int i = optind; i < argc; i++)
                        if (!machine_name_is_valid(argv[i])) {
                                fprintf(stderr,
                                        "%s: invalid container name '%s': a name is " MACHINE_NAME_RULE "\n",
                                        PROGRAM, argv[i]);
                                return -EINVAL;
                        }
                arg_names = argv + optind;
                return 1;
        }
        if (n != 1 && n != 3) {
                if (n == 0)
                        fprintf(stderr,
                                "%s: missing output directory (NORMAL-DIR [EARLY-DIR LATE-DIR], see --help)\n",
                                PROGRAM);
                else
                        fprintf(stderr, "%s: unexpected argument '%s': expected one or three directories\n",
                                PROGRAM, argv[optind + (n == 2 ? 1 : 3)]);
                return -EINVAL;
        }
        arg_dest = argv[optind];
        return 1;
}

/* berth.enable=0 on the kernel command line: generate nothing. Returns true when it is off. */
static bool berth_disabled_on_cmdline(void)
{
        _cleanup_free_ char *line = NULL;
        _cleanup_strv_free_ char **words = NULL;
        bool enable = true;
        int r;

        r = proc_cmdline_read(&line);
        if (r < 0) {
                log_warning_errno(r, "Failed to read the kernel command line, ignoring: %m");
                return false;
        }
        r = cmdline_split(line, &words);
        if (r < 0) {
                log_warning_errno(r, "Failed to parse the kernel command line, ignoring: %m");
                return false;
        }
        return cmdline_get_bool(words, KILL_SWITCH, &enable) > 0 && !enable;
}

static bool name_selected(const char *name)
{
        return !arg_names || !arg_names[0] || strv_contains(arg_names, name);
}

static void log_entry_errors(Generator *g, const Entry *e)
{
        for (size_t i = 0; i < e->n_errors; i++) {
                _cleanup_free_ char *s = entry_error_format(&e->errors[i]);
                log_event(LOG_ERR, BERTH_MESSAGE_ENTRY_INVALID, "%s", s ? s : e->errors[i].message);
        }
        if (e->n_errors > 0)
                g->failed = true;
}

static void write_header(TextBuffer *b, const Entry *e)
{
        const char *source = e->source ? e->source : e->name;

        text_puts(b, "# Automatically generated by " PROGRAM " from ");
        text_put_unit_text(b, source);
        text_puts(b, "\n\n[Unit]\nSourcePath=");
        text_put_unit_text(b, source);
        text_puts(b, "\nDescription=");
        text_put_unit_text(b, e->description ? e->description : e->name);
        text_putc(b, '\n');
}

/* text_put_line(b, "A", s, "C"): appends the strings, then a newline: one drop-in line. Pieces in
 * a row, not a format: printf's format parser was 8 % of a 1 000-entry run's instructions. */
static void text_put_strings_line(TextBuffer *b, const char *const *s)
{
        for (; *s; s++)
                text_puts(b, *s);
        text_putc(b, '\n');
}
#define text_put_line(b, ...) text_put_strings_line((b), (const char *const[]){ __VA_ARGS__, NULL })

static void write_prepare_line(TextBuffer *b, const Entry *e)
{
        text_puts(b, "ExecStartPre=");
        text_put_exec_word(b, BERTH_PREPARE_PATH);
        text_putc(b, ' ');
        text_put_exec_word(b, e->name);
        text_putc(b, '\n');
}

static void write_pass_through(TextBuffer *b, const Entry *e, const char *section)
{
        for (size_t i = 0; i < e->n_assignments; i++) {
                const Assignment *a = &e->assignments[i];
                if (streq_fast(a->section, section))
                        text_put_line(b, a->key, "=", a->value);
        }
}

/* The drop-in of an entry that has errors: just enough for "systemctl start" to fail with them
 * (berth-prepare parses the entry again and reports the same messages). */
static void write_broken_dropin(TextBuffer *b, const Entry *e)
{
        write_header(b, e);
        text_puts(b, "\n[Service]\n");
        if (e->digest[0])
                text_put_line(b, "Environment=BERTH_DIGEST=", e->digest);
        write_prepare_line(b, e);
}

static int write_bridge_deps(TextBuffer *b, const char *bridge)
{
        _cleanup_free_ char *path = NULL, *unit = NULL;
        int r;

        path = path_join("/sys/subsystem/net/devices", bridge);
        if (!path)
                return -ENOMEM;
        r = unit_name_from_path(path, ".device", &unit);
        if (r < 0)
                return r;
        /* The classic failure: the bridge is made by networkd/ifupdown later in boot than the
         * container starts. Wants= waits for the device if it comes; it does not fail if never. */
        text_put_line(b, "Wants=", unit);
        text_put_line(b, "After=", unit);
        return 0;
}

/* The stock unit serves /var/lib/machines/NAME, whether Directory= names it or not. */
static bool directory_is_default(const Entry *e)
{
        const char *p;

        if (e->is_directory_default || !e->directory)
                return true;
        p = startswith(e->directory, ENTRY_DEFAULT_MACHINES_DIR "/");
        return p && streq(p, e->name);
}

static int write_dropin(Generator *g, TextBuffer *b, const Entry *e)
{
        const PriorityWaves *w = &g->waves;
        bool custom_directory = !directory_is_default(e);
        int r;

        write_header(b, e);

        STRV_FOREACH (d, e->depends_on) {
                text_put_line(b, "Requires=systemd-nspawn@", *d, ".service");
                text_put_line(b, "After=systemd-nspawn@", *d, ".service");
        }
        STRV_FOREACH (a, e->after)
                text_put_line(b, "After=systemd-nspawn@", *a, ".service");
        if (w->active && entry_in_waves(e)) {
                char n[16];
                if (w->previous[e->priority] >= 0) {
                        snprintf(n, sizeof n, "%i", w->previous[e->priority]);
                        text_put_line(b, "After=berth-wave-", n, ".target");
                }
                if (e->enable) {
                        snprintf(n, sizeof n, "%u", e->priority);
                        text_put_line(b, "Before=berth-wave-", n, ".target");
                }
        }

        /* The stock unit already has RequiresMountsFor=/var/lib/machines/%i. A root elsewhere that
         * is cloned from an image also needs the image cache, which is under /var/lib/machines. */
        if (custom_directory) {
                text_puts(b, "RequiresMountsFor=");
                text_put_path_word(b, e->directory);
                text_putc(b, '\n');
                if (entry_uses_image(e))
                        text_put_line(b, "RequiresMountsFor=", IMAGES_DIR);
        }
        STRV_FOREACH (s, e->bind_sources) {
                text_puts(b, "RequiresMountsFor=");
                text_put_path_word(b, *s);
                text_putc(b, '\n');
        }
        STRV_FOREACH (br, e->bridges) {
                r = write_bridge_deps(b, *br);
                if (r < 0)
                        return r;
        }
        if (entry_wants_host_networkd(e)) {
                /* Debian ships networkd disabled; its stock 80-container-ve/-vz.network give the host
                 * side an address, a DHCP server and masquerading. Wants= only: networkd configures a
                 * link whenever it appears, so the container need not wait for networkd's start
                 * (After= made the first start on a host 1.6x slower to READY=1, the address no
                 * sooner; docs/PERFORMANCE.md). Its socket networkd pulls in itself. */
                text_puts(b, "Wants=systemd-networkd.service\n");
        }
        write_pass_through(b, e, "Unit");

        text_puts(b, "\n[Service]\n");
        if (e->digest[0])
                text_put_line(b, "Environment=BERTH_DIGEST=", e->digest);
        if (e->audit != AUDIT_IGNORE) {
                text_puts(b, "ExecStartPre=");
                text_put_exec_word(b, BERTH_AUDIT_PATH);
                text_put_line(
                        b, " check --policy=", audit_policy_to_string(e->audit), " --container=", e->name);
        }
        write_prepare_line(b, e);
        if (e->has_start_timeout) {
                text_puts(b, "TimeoutStartSec=");
                text_put_unit_text(b, e->start_timeout_string);
                text_putc(b, '\n');
        }
        if (e->has_stop_timeout) {
                text_puts(b, "TimeoutStopSec=");
                text_put_unit_text(b, e->stop_timeout_string);
                text_putc(b, '\n');
        }
        /* berth-prepare, a control process, extends the start timeout while it provisions. */
        if (e->provision != PROVISION_NONE)
                text_puts(b, "NotifyAccess=exec\n");
        if (custom_directory) {
                _cleanup_free_ char *arg = NULL;
                if (asprintf(&arg, "--directory=%s", e->directory) < 0)
                        return -ENOMEM;
                const char *cmd = nspawn_exec_start(g);
                if (!cmd)
                        return -ENOMEM;
                text_puts(b, "ExecStart=\nExecStart=");
                text_puts(b, cmd);
                text_putc(b, ' ');
                text_put_exec_word(b, arg);
                text_putc(b, '\n');
        }
        write_pass_through(b, e, "Service");
        return 0;
}

static int generate_entry(Generator *g, const Entry *e)
{
        /* An entry name is at most 64 characters (machine_name_is_valid()). */
        char instance[128], dir[128];
        TextBuffer *b = &g->text;
        bool broken = e->n_errors > 0;
        size_t l = strlen(e->name);
        int r = 0;

        if (l + sizeof "systemd-nspawn@.service.d" > sizeof dir)
                return log_error_errno(ENAMETOOLONG, "%s: name too long for a unit name: %m", e->name);
        char *p = mempcpy(mempcpy(instance, "systemd-nspawn@", strlen("systemd-nspawn@")), e->name, l);
        memcpy(p, ".service", sizeof ".service");
        memcpy(mempcpy(dir, instance, (size_t) (p - instance) + strlen(".service")), ".d", sizeof ".d");

        /* The next entry's text reuses the buffer instead of growing it by all the drop-ins. */
        text_reset(b);
        if (broken)
                write_broken_dropin(b, e);
        else
                r = write_dropin(g, b, e);
        if (r < 0)
                return log_error_errno(r, "%s: failed to generate the drop-in: %m", e->name);
        if (b->oom)
                return log_oom();

        r = output_write_file(&g->out, dir, DROPIN_NAME, b->data, b->size);
        if (r < 0)
                g->failed = true;

        /* As 'systemctl enable systemd-nspawn@NAME' would link it: to the template unit file. An
         * entry with errors keeps its Enable= (yes when that could not be read either), so its
         * failure shows at boot instead of the container silently not being there. */
        if (e->enable) {
                g->any_enabled = true;
                if (add_symlink(&g->out, "machines.target.wants", instance,
                            SYSTEMD_SYSTEM_UNIT_DIR "/systemd-nspawn@.service") < 0)
                        g->failed = true;
        }
        if (broken)
                return 0;

        for (int kind = 0; kind < 2; kind++)
                STRV_FOREACH (u, kind == 0 ? e->wanted_by : e->required_by) {
                        /* The loader checked the names (unit_name_is_valid()): an entry with a bad
                         * one is broken and got no [Install] links above. */
                        _cleanup_free_ char *linkdir = NULL;

                        if (asprintf(&linkdir, "%s.%s", *u, kind == 0 ? "wants" : "requires") < 0)
                                return log_oom();
                        if (add_symlink(&g->out, linkdir, instance,
                                    SYSTEMD_SYSTEM_UNIT_DIR "/systemd-nspawn@.service") < 0)
                                g->failed = true;
                }
        return 0;
}

static int generate_waves(Generator *g)
{
        for (unsigned p = 0; p <= ENTRY_PRIORITY_MAX; p++) {
                _cleanup_free_ char *name = NULL, *content = NULL, *target = NULL;
                int n;

                if (!g->waves.has_wave[p])
                        continue;
                if (asprintf(&name, "berth-wave-%u.target", p) < 0)
                        return log_oom();
                if (g->waves.previous[p] >= 0)
                        n = asprintf(&content,
                                "# Automatically generated by %s\n\n[Unit]\n"
                                "Description=berth containers, priority %u\n"
                                "Documentation=man:berth-generator(8)\n"
                                "After=berth-wave-%i.target\n",
                                PROGRAM, p, g->waves.previous[p]);
                else
                        n = asprintf(&content,
                                "# Automatically generated by %s\n\n[Unit]\n"
                                "Description=berth containers, priority %u\n"
                                "Documentation=man:berth-generator(8)\n",
                                PROGRAM, p);
                if (n < 0)
                        return log_oom();
                if (output_write_file(&g->out, NULL, name, content, n) < 0)
                        g->failed = true;
                /* Relative, as systemd's own generators link units of the same directory. */
                if (asprintf(&target, "../%s", name) < 0)
                        return log_oom();
                if (add_symlink(&g->out, "machines.target.wants", name, target) < 0)
                        g->failed = true;
        }
        return 0;
}

static int run(int argc, char *argv[])
{
        _cleanup_entry_set_free_ EntrySet *set = NULL;
        _cleanup_close_ int dest_fd = -1;
        _cleanup_(generator_done) Generator g = { .out.dir_fd = -1 };
        LoadOptions options = { .generator_only = true };
        bool all;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        /* Under systemd, stderr goes nowhere useful this early: the kernel log does. */
        log_setup(PROGRAM, getenv("SYSTEMD_SCOPE") && !arg_dry_run ? LOG_TARGET_KMSG : LOG_TARGET_STDERR);
        log_parse_environment();

        if (berth_disabled_on_cmdline()) {
                if (!arg_dry_run) {
                        log_info(
                                KILL_SWITCH "=0 on the kernel command line: berth generates no containers.");
                        return 0;
                }
                log_notice(KILL_SWITCH
                        "=0 is on the kernel command line: at boot nothing would be generated; --dry-run shows what would be without it.");
        }

        if (arg_dry_run) {
                g.out.dry_run = stdout;
                g.out.dry_run_dir = GENERATOR_NORMAL_DIR;
        } else {
                dest_fd = open(arg_dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dest_fd < 0) {
                        log_error_errno(errno, "Failed to open output directory %s: %m", arg_dest);
                        return 1;
                }
                g.out.dir_fd = dest_fd;
        }

        /* Everything is loaded even for a dry run of one entry: dependencies, cycles and
         * Priority= waves are checked across entries. */
        r = entry_set_load(&options, &set);
        if (r < 0) {
                log_error_errno(r, "Failed to load the container entries: %m");
                return 1;
        }

        all = !arg_names || !arg_names[0];
        for (size_t i = 0; i < set->n_errors; i++) {
                if (!set_error_selected(&set->errors[i]))
                        continue;
                _cleanup_free_ char *s = entry_error_format(&set->errors[i]);
                log_event(LOG_ERR, BERTH_MESSAGE_ENTRY_INVALID, "%s", s ? s : set->errors[i].message);
                g.failed = true;
        }

        STRV_FOREACH (n, arg_names) {
                if (entry_set_find(set, *n))
                        continue;
                if (entry_set_is_masked(set, *n)) {
                        log_notice(
                                "%s is masked (an empty file or a symlink to /dev/null): no container.", *n);
                        continue;
                }
                _cleanup_free_ char *path = strv_join(set->search_path, ":");
                log_error("No entry %s.conf in %s.", *n, path ? path : "the search path");
                g.failed = true;
        }

        priority_waves_compute(&g.waves, set->entries, set->n_entries);

        for (size_t i = 0; i < set->n_entries; i++) {
                const Entry *e = set->entries[i];
                if (!name_selected(e->name))
                        continue;
                log_entry_errors(&g, e);
                r = generate_entry(&g, e);
                if (r < 0)
                        return 1; /* out of memory: nothing sensible left to do */
        }

        if (all) {
                if (generate_waves(&g) < 0)
                        return 1;
                if (g.any_enabled && add_symlink(&g.out, "multi-user.target.wants", "machines.target",
                                             SYSTEMD_SYSTEM_UNIT_DIR "/machines.target") < 0)
                        g.failed = true;
        }

        if (arg_dry_run && fflush(stdout) != 0) {
                log_error_errno(errno, "Failed to write to stdout: %m");
                return 1;
        }
        return g.failed ? 1 : 0;
}

int main(int argc, char *argv[])
{
        /* Output files are created 0644 and directories 0755 whatever umask we were started with
         * (systemd's is 022): the modes are part of the output, which is deterministic. */
        umask(0022);
        return run(argc, argv);
}
