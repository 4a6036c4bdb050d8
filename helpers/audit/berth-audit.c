/* berth-audit: checks the kernel audit subsystem for systemd-nspawn containers, and turns it off
 * at the next boot. Run by hand, once per boot by berth-audit.service, and as ExecStartPre= of
 * each container (--policy= from the entry's Audit=, --container=NAME). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "config.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"

static void help(void)
{
        printf("Usage: berth-audit check [--policy=warn|refuse|ignore] [--json] [--container=NAME]\n"
               "       berth-audit fix [--dry-run]\n"
               "\n"
               "Checks whether the kernel audit subsystem can break systemd-nspawn containers, and\n"
               "turns it off at the next boot.\n"
               "\n"
               "Commands:\n"
               "  check              Report whether audit is compiled in, enabled (and locked), what the\n"
               "                     kernel command line says, whether systemd-nspawn can reset the audit\n"
               "                     login UID, and whether this runs inside a container; each finding\n"
               "                     with its source, then a one-line verdict and the remedy\n"
               "  fix                Add audit=0 to GRUB_CMDLINE_LINUX in /etc/default/grub (or\n"
               "                     /etc/sysconfig/grub) and/or to /etc/kernel/cmdline, keeping a backup\n"
               "                     in FILE.berth-bak; print the diff and the command that regenerates\n"
               "                     the boot menu (not run)\n"
               "\n"
               "Options:\n"
               "  -h --help          Show this help and exit\n"
               "     --version       Show the version and exit\n"
               "     --policy=POLICY check: what an enabled audit means for the exit status:\n"
               "                     warn (default) and ignore exit 0, refuse exits 1\n"
               "     --json          check: print one JSON object instead of text\n"
               "     --container=NAME  check: the container the check is made for, named in messages\n"
               "     --dry-run       fix: print the diff, write nothing\n"
               "     --root=DIR      Act on the files under DIR (DIR/etc/default/grub, DIR/proc/cmdline,\n"
               "                     ...) and read kernel state from files there instead of the kernel;\n"
               "                     for tests\n"
               "\n"
               "Exit status: 0 when fine, or audit is enabled under policy warn/ignore; 1 when audit is\n"
               "enabled under policy refuse, or fix failed; 2 on a usage error.\n"
               "See berth-audit(8).\n");
}

_printf_(1, 2) static int usage_error(const char *format, ...)
{
        va_list ap;
        fputs("berth-audit: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputs(" (see 'berth-audit --help')\n", stderr);
        return 2;
}

/* Options take their value as --opt=VALUE or --opt VALUE. */
static const char *option_value(
        const char *arg, const char *name, int argc, char **argv, int *i, bool *ret_missing)
{
        const char *v = startswith(arg, name);
        *ret_missing = false;
        if (!v)
                return NULL;
        if (*v == '=')
                return v + 1;
        if (*v != '\0')
                return NULL;
        if (*i + 1 >= argc) {
                *ret_missing = true;
                return NULL;
        }
        return argv[++*i];
}

int main(int argc, char **argv)
{
        AuditOptions o = { .policy = AUDIT_WARN };
        const char *verb = NULL, *policy = NULL;
        bool seen_json = false, seen_dry_run = false;

        log_setup("berth-audit", LOG_TARGET_AUTO);
        log_parse_environment();

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v;
                bool missing;

                if (streq(a, "-h") || streq(a, "--help")) {
                        help();
                        return 0;
                }
                if (streq(a, "--version")) {
                        printf("berth-audit %s\n", BERTH_VERSION);
                        return 0;
                }
                if (streq(a, "--json"))
                        seen_json = true;
                else if (streq(a, "--dry-run"))
                        seen_dry_run = true;
                else if ((v = option_value(a, "--policy", argc, argv, &i, &missing)) || missing) {
                        if (missing)
                                return usage_error(
                                        "option '--policy' needs a value: warn, refuse or ignore");
                        policy = v;
                } else if ((v = option_value(a, "--container", argc, argv, &i, &missing)) || missing) {
                        if (missing)
                                return usage_error("option '--container' needs a container name");
                        if (!machine_name_is_valid(v))
                                return usage_error(
                                        "invalid container name '%s' in --container: a name is " MACHINE_NAME_RULE,
                                        v);
                        o.container = v;
                } else if ((v = option_value(a, "--root", argc, argv, &i, &missing)) || missing) {
                        struct stat st;
                        if (missing || isempty(v))
                                return usage_error("option '--root' needs a directory");
                        if (stat(v, &st) < 0)
                                return usage_error("invalid --root '%s': %s", v, strerror(errno));
                        if (!S_ISDIR(st.st_mode))
                                return usage_error("invalid --root '%s': not a directory", v);
                        o.root = v;
                } else if (a[0] == '-')
                        return usage_error("unknown option '%s'", a);
                else if (!verb)
                        verb = a;
                else
                        return usage_error("unexpected argument '%s'", a);
        }

        if (!verb)
                return usage_error("missing command: 'check' or 'fix'");
        bool check = streq(verb, "check"), fix = streq(verb, "fix");
        if (!check && !fix)
                return usage_error("unknown command '%s': expected 'check' or 'fix'", verb);

        if (policy) {
                if (!check)
                        return usage_error("option '--policy' is only valid with 'check'");
                int p = audit_policy_from_string(policy);
                if (p >= 0)
                        o.policy = (AuditPolicy) p;
                else
                        return usage_error(
                                "invalid value '%s' for --policy: expected warn, refuse or ignore", policy);
        }
        if (seen_json && !check)
                return usage_error("option '--json' is only valid with 'check'");
        if (o.container && !check)
                return usage_error("option '--container' is only valid with 'check'");
        if (seen_dry_run && !fix)
                return usage_error("option '--dry-run' is only valid with 'fix'");
        o.json = seen_json;
        o.dry_run = seen_dry_run;

        if (o.container) {
                /* Journal entries carry BERTH_CONTAINER=, messages on stderr name it too. */
                char prefix[80];
                snprintf(prefix, sizeof prefix, "%s: ", o.container);
                log_set_container(o.container);
                log_set_prefix(prefix);
        }

        int status = check ? audit_check(&o) : audit_fix(&o);
        log_set_container(NULL);
        log_set_prefix(NULL);
        return status;
}
