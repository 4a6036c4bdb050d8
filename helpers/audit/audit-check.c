/* 'berth-audit check': what the kernel audit subsystem means for containers here, from what can be read.
 *
 * Each finding is kept with the place it came from. The verdict trusts, in this order: AUDIT_GET
 * (the kernel's own answer, which only a process in the initial user and PID namespaces with
 * CAP_AUDIT_CONTROL gets), then being inside a container (then audit is the host's business),
 * then a missing audit netlink protocol (EPROTONOSUPPORT: not compiled in, or audit=0 at boot),
 * then audit= on the kernel command line, then /proc/self/loginuid. Container markers such as
 * /.dockerenv do not stop the check when AUDIT_GET answers: then this process sees the real
 * kernel's audit state, and containers started from here live with it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit-util.h"
#include "audit.h"
#include "cmdline-edit.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"

#define LOGINUID_UNSET 4294967295U
#define MIN_SIZE(a, b) ((a) < (b) ? (a) : (b))

static inline void *mfree(void *p)
{
        free(p);
        return NULL;
}

/* An attempt: not made, worked, or failed with an errno. */
typedef enum ProbeState {
        PROBE_NOT_TRIED,
        PROBE_OK,
        PROBE_FAILED,
} ProbeState;

typedef struct Probe {
        ProbeState state;
        int error; /* positive errno when PROBE_FAILED */
        char source[256];
} Probe;

typedef struct AuditState {
        int compiled_in; /* 1 yes, 0 no, -1 unknown */
        int loginuid_error;
        bool have_loginuid;
        uint32_t loginuid;
        char loginuid_source[256];

        Probe socket, get, reset;
        uint32_t enabled, pid;

        bool have_cmdline;
        int cmdline_error;
        char *cmdline_audit; /* value of the last audit=, NULL when absent */
        char cmdline_source[256];

        char *container; /* what kind of container, NULL when none was found */
        char container_source[256];

        int initial_pidns; /* 1: kthreadd is PID 2 here, 0: it is not, -1: cannot tell */
        char pidns_source[256];
        int cap_audit_control; /* in the effective set: 1, 0, -1 not checked (--root) */
} AuditState;

static void audit_state_done(AuditState *s)
{
        free(s->cmdline_audit);
        free(s->container);
}

typedef enum Verdict {
        VERDICT_ABSENT, /* not compiled in */
        VERDICT_DISABLED,
        VERDICT_ENABLED,
        VERDICT_LOCKED, /* enabled == 2: immutable until reboot */
        VERDICT_HOST, /* inside a container that cannot see the state: the host's business */
        VERDICT_UNKNOWN,
} Verdict;

static const char *const verdict_names[] = {
        [VERDICT_ABSENT] = "absent",
        [VERDICT_DISABLED] = "disabled",
        [VERDICT_ENABLED] = "enabled",
        [VERDICT_LOCKED] = "locked",
        [VERDICT_HOST] = "host",
        [VERDICT_UNKNOWN] = "unknown",
};

static void probe_set(Probe *p, int error)
{
        p->state = error == 0 ? PROBE_OK : PROBE_FAILED;
        p->error = error < 0 ? -error : error;
}

/* ---- the real kernel ---- */

/* Opens an audit netlink socket and asks AUDIT_GET. The answer is an audit_status message or an
 * NLMSG_ERROR carrying the kernel's refusal (EPERM, ECONNREFUSED). */
static void netlink_probe(AuditState *s)
{
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        struct {
                struct nlmsghdr h;
        } req = { .h = {
                          .nlmsg_len = NLMSG_LENGTH(0),
                          .nlmsg_type = AUDIT_GET,
                          .nlmsg_flags = NLM_F_REQUEST, /* errors are answered even without NLM_F_ACK */
                          .nlmsg_seq = 1,
                  } };
        uint32_t buf[2048]; /* aligned for struct nlmsghdr */

        snprintf(s->socket.source, sizeof s->socket.source, "socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)");
        snprintf(s->get.source, sizeof s->get.source, "AUDIT_GET on the audit netlink socket");

        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
        if (fd < 0) {
                probe_set(&s->socket, errno);
                return;
        }
        probe_set(&s->socket, 0);

        if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0) {
                probe_set(&s->get, errno);
                return;
        }

        for (int tries = 0; tries < 8; tries++) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                struct sockaddr_nl from = {};
                socklen_t fromlen = sizeof from;
                int k = poll(&pfd, 1, 2000);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        probe_set(&s->get, k < 0 ? errno : ETIMEDOUT);
                        return;
                }
                ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &fromlen);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        probe_set(&s->get, errno);
                        return;
                }
                if (from.nl_pid != 0) /* only the kernel's answers count */
                        continue;
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n);
                        h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != req.h.nlmsg_seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                        continue;
                                if (e->error == 0) /* a plain acknowledgement */
                                        continue;
                                probe_set(&s->get, e->error);
                                return;
                        }
                        if (h->nlmsg_type == AUDIT_GET) {
                                struct audit_status st = {};
                                size_t len = h->nlmsg_len - NLMSG_LENGTH(0);
                                /* Older kernels send a shorter struct; the fields we read are at its start.
                                 */
                                memcpy(&st, NLMSG_DATA(h), MIN_SIZE(len, sizeof st));
                                s->enabled = st.enabled;
                                s->pid = st.pid;
                                probe_set(&s->get, 0);
                                return;
                        }
                }
        }
        probe_set(&s->get, ETIMEDOUT);
}

/* What systemd-nspawn does before it starts a container (reset_audit_loginuid()): write "unset"
 * to its own login UID. Done in a child, so this process keeps its own. */
static void loginuid_reset_probe(AuditState *s)
{
        snprintf(s->reset.source, sizeof s->reset.source,
                "a child process writing %u to /proc/self/loginuid", LOGINUID_UNSET);

        pid_t pid = fork();
        if (pid < 0) {
                probe_set(&s->reset, errno);
                return;
        }
        if (pid == 0) {
                char text[] = "4294967295";
                int fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        _exit(errno & 0xff);
                if (write(fd, text, strlen(text)) != (ssize_t) strlen(text))
                        _exit(errno ? errno & 0xff : EIO);
                _exit(0);
        }

        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        probe_set(&s->reset, errno);
                        return;
                }
        probe_set(&s->reset, WIFEXITED(status) ? WEXITSTATUS(status) : EIO);
}

/* ---- --root: the test fixture standing in for the netlink answers ---- */

/* DIR/proc/audit-status (test only, documented in docs/audit.md), "KEY=VALUE" lines:
 *   socket=ok|ERRNO         what socket(NETLINK_AUDIT) gives
 *   get=ok|ERRNO            what AUDIT_GET answers
 *   enabled=0|1|2           audit_status.enabled (implies get=ok)
 *   pid=N                   audit_status.pid, the audit daemon
 *   loginuid-reset=ok|ERRNO what writing the login UID gives
 * ERRNO is a name such as EPERM. Missing file: none of these is tried. */
static int probe_parse(Probe *p, const char *value)
{
        if (streq(value, "ok")) {
                probe_set(p, 0);
                return 0;
        }
        int e = errno_from_name(value);
        if (e < 0)
                return e;
        probe_set(p, e);
        return 0;
}

static int fixture_read(AuditState *s, const char *path)
{
        _cleanup_free_ char *text = NULL;
        unsigned line = 0;
        int r;

        r = read_full_file(path, 64 * 1024, &text, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);

        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(l, '=');
                unsigned long v;
                char *end;

                line++;
                if (l[0] == '#' || l[0] == '\0')
                        continue;
                if (!eq)
                        return log_error_errno(EINVAL, "%s:%u: expected KEY=VALUE", path, line);
                *eq = '\0';
                const char *key = l, *value = eq + 1;
                if (streq(key, "socket"))
                        r = probe_parse(&s->socket, value);
                else if (streq(key, "get"))
                        r = probe_parse(&s->get, value);
                else if (streq(key, "loginuid-reset"))
                        r = probe_parse(&s->reset, value);
                else if (streq(key, "enabled") || streq(key, "pid")) {
                        errno = 0;
                        v = strtoul(value, &end, 10);
                        r = errno || end == value || *end || v > UINT32_MAX ||
                                            (streq(key, "enabled") && v > 2)
                                    ? -EINVAL
                                    : 0;
                        if (r >= 0 && streq(key, "enabled")) {
                                s->enabled = v;
                                probe_set(&s->get, 0);
                        } else if (r >= 0)
                                s->pid = v;
                } else
                        return log_error_errno(EINVAL,
                                "%s:%u: unknown key '%s' (accepted: socket, get, enabled, pid, loginuid-reset)",
                                path, line, key);
                if (r < 0)
                        return log_error_errno(
                                EINVAL, "%s:%u: invalid value '%s' for %s", path, line, value, key);
        }
        /* An answer implies the socket opened. */
        if (s->get.state != PROBE_NOT_TRIED && s->socket.state == PROBE_NOT_TRIED)
                probe_set(&s->socket, 0);
        for (Probe *p = &s->socket; p; p = p == &s->socket ? &s->get : p == &s->get ? &s->reset : NULL)
                if (p->state != PROBE_NOT_TRIED)
                        snprintf(p->source, sizeof p->source, "%s (test fixture)", path);
        return 0;
}

/* ---- files ---- */

static int read_one_line(const char *path, size_t max, char **ret)
{
        char *text;
        int r = read_full_file(path, max, &text, NULL);
        if (r < 0)
                return r;
        text[strcspn(text, "\n")] = '\0';
        *ret = text;
        return 0;
}

static void loginuid_read(AuditState *s, const char *root)
{
        _cleanup_free_ char *path = root_path(root, "/proc/self/loginuid");
        _cleanup_free_ char *text = NULL;
        int r;

        snprintf(s->loginuid_source, sizeof s->loginuid_source, "%s", path ? path : "/proc/self/loginuid");
        r = path ? read_one_line(path, 64, &text) : -ENOMEM;
        if (r == -ENOENT) {
                s->compiled_in = 0;
                return;
        }
        if (r < 0) {
                /* It exists (or we cannot tell): the file only exists with CONFIG_AUDIT. */
                s->compiled_in = access(path, F_OK) >= 0 ? 1 : -1;
                s->loginuid_error = -r;
                return;
        }
        s->compiled_in = 1;
        char *end;
        errno = 0;
        unsigned long v = strtoul(text, &end, 10);
        if (!errno && end != text && *end == '\0' && v <= UINT32_MAX) {
                s->loginuid = v;
                s->have_loginuid = true;
        }
}

static int cmdline_read(AuditState *s, const char *root)
{
        _cleanup_free_ char *path = root_path(root, "/proc/cmdline");
        _cleanup_free_ char *text = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        snprintf(s->cmdline_source, sizeof s->cmdline_source, "%s", path);
        r = read_full_file(path, 256 * 1024, &text, NULL);
        if (r < 0) {
                s->cmdline_error = -r;
                return 0;
        }
        s->have_cmdline = true;
        r = kernel_cmdline_get(text, "audit", &s->cmdline_audit);
        return r < 0 ? r : 0;
}

static int container_set(AuditState *s, const char *what, const char *source)
{
        s->container = strdup(what);
        if (!s->container)
                return -ENOMEM;
        snprintf(s->container_source, sizeof s->container_source, "%s", source);
        return 1;
}

/* Reads n blank-separated decimal numbers (a uid_map line); false unless all n are there and
 * each fits (strtoul(), not sscanf(), so an overflow is not silently wrapped). */
static bool parse_ulongs(const char *text, unsigned long *ret, size_t n)
{
        const char *p = text;

        for (size_t i = 0; i < n; i++) {
                char *end;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p < '0' || *p > '9')
                        return false;
                errno = 0;
                ret[i] = strtoul(p, &end, 10);
                if (errno != 0 || end == p)
                        return false;
                p = end;
        }
        return true;
}

/* The markers systemd-detect-virt --container looks at, and the user namespace. */
static int container_detect(AuditState *s, const char *root)
{
        _cleanup_free_ char *p_run = root_path(root, "/run/systemd/container");
        _cleanup_free_ char *p_environ = root_path(root, "/proc/1/environ");
        _cleanup_free_ char *p_docker = root_path(root, "/.dockerenv");
        _cleanup_free_ char *p_podman = root_path(root, "/run/.containerenv");
        _cleanup_free_ char *p_uidmap = root_path(root, "/proc/self/uid_map");
        _cleanup_free_ char *text = NULL;
        size_t size;

        if (!p_run || !p_environ || !p_docker || !p_podman || !p_uidmap)
                return -ENOMEM;

        if (read_one_line(p_run, 4096, &text) >= 0 && text[0])
                return container_set(s, text, p_run);
        text = mfree(text);

        /* PID 1's environment says container=... (nspawn, lxc, podman). Reading it needs privileges
         * that even root may lack (ptrace restrictions); then it is simply not evidence. */
        if (read_full_file(p_environ, 1024 * 1024, &text, &size) >= 0)
                for (size_t i = 0; i < size; i += strlen(text + i) + 1) {
                        const char *v = startswith(text + i, "container=");
                        if (v && *v)
                                return container_set(s, v, p_environ);
                }
        text = mfree(text);

        if (access(p_docker, F_OK) >= 0)
                return container_set(s, "docker", p_docker);
        if (access(p_podman, F_OK) >= 0)
                return container_set(s, "podman", p_podman);

        /* Not the initial user namespace: its uid_map is not the full identity mapping. */
        if (read_one_line(p_uidmap, 4096, &text) >= 0) {
                unsigned long v[3];
                if (parse_ulongs(text, v, ELEMENTSOF(v)) &&
                        !(v[0] == 0 && v[1] == 0 && v[2] == 4294967295UL))
                        return container_set(s, "user-namespace", p_uidmap);
        }
        return 0;
}

/* In the initial PID namespace PID 2 is the kernel's kthreadd, whose parent is PID 0. In a
 * container's PID namespace, only PID 1 has a parent outside it, so no PID 2 looks like that.
 * This tells a stray marker (a /.dockerenv on a VM) from a real container. */
static void pidns_detect(AuditState *s, const char *root)
{
        _cleanup_free_ char *path = root_path(root, "/proc/2/status");
        _cleanup_free_ char *text = NULL;
        int r;

        s->initial_pidns = -1;
        if (!path)
                return;
        snprintf(s->pidns_source, sizeof s->pidns_source, "%s", path);
        r = read_full_file(path, 64 * 1024, &text, NULL);
        if (r == -ENOENT) {
                /* No PID 2 at all where PID 1 is visible (not hidden by hidepid=): not the initial
                 * namespace, where kthreadd always exists. */
                _cleanup_free_ char *pid1 = root_path(root, "/proc/1");
                if (pid1 && access(pid1, F_OK) >= 0)
                        s->initial_pidns = 0;
                return;
        }
        if (r < 0)
                return;
        s->initial_pidns = strstr(text, "Name:\tkthreadd\n") && strstr(text, "\nPPid:\t0\n");
}

static void capability_detect(AuditState *s)
{
        cap_t caps = cap_get_proc();
        cap_flag_value_t v = CAP_CLEAR;

        s->cap_audit_control = -1;
        if (!caps)
                return;
        if (cap_get_flag(caps, CAP_AUDIT_CONTROL, CAP_EFFECTIVE, &v) >= 0)
                s->cap_audit_control = v == CAP_SET;
        cap_free(caps);
}

/* ---- judging ---- */

/* Container markers count only where this process is not in the initial PID namespace (or
 * that cannot be told). */
static bool in_container(const AuditState *s)
{
        return s->container && s->initial_pidns != 1;
}

static Verdict audit_judge(const AuditState *s)
{
        if (s->get.state == PROBE_OK)
                return s->enabled == 2 ? VERDICT_LOCKED : s->enabled ? VERDICT_ENABLED : VERDICT_DISABLED;
        if (in_container(s))
                return VERDICT_HOST;
        if (s->socket.state == PROBE_FAILED && s->socket.error == EPROTONOSUPPORT)
                return s->compiled_in == 1 ? VERDICT_DISABLED : VERDICT_ABSENT;
        if (s->compiled_in == 0)
                return VERDICT_ABSENT;
        if (s->cmdline_audit)
                return audit_value_is_off(s->cmdline_audit) ? VERDICT_DISABLED : VERDICT_ENABLED;
        return VERDICT_UNKNOWN;
}

static bool verdict_is_problem(Verdict v)
{
        return v == VERDICT_ENABLED || v == VERDICT_LOCKED;
}

/* Without CAP_AUDIT_CONTROL an EPERM says nothing about what systemd-nspawn (root) would get. */
static bool reset_failed(const AuditState *s)
{
        return s->reset.state == PROBE_FAILED && !(s->reset.error == EPERM && s->cap_audit_control == 0);
}

/* ---- findings, for people and for --json ---- */

typedef enum ValueType {
        VALUE_NULL,
        VALUE_BOOL,
        VALUE_NUMBER,
        VALUE_STRING,
} ValueType;

typedef struct Finding {
        const char *key, *label;
        ValueType type;
        bool boolean;
        long long number;
        char string[128];
        char text[160]; /* the value, for people */
        char source[256];
        char note[400]; /* what it means; "" for nothing to add */
} Finding;

enum { MAX_FINDINGS = 12 };

static Finding *finding_add(Finding *f, size_t *n, const char *key, const char *label, const char *source)
{
        Finding *x = &f[(*n)++];
        *x = (Finding){ .key = key, .label = label, .type = VALUE_NULL };
        snprintf(x->source, sizeof x->source, "%s", source);
        return x;
}

static void finding_string(Finding *x, const char *value)
{
        x->type = VALUE_STRING;
        snprintf(x->string, sizeof x->string, "%s", value);
        snprintf(x->text, sizeof x->text, "%s", value);
}

static const char *error_text(int error, char *buf, size_t size)
{
        const char *n = errno_name(error);
        if (n)
                return n;
        snprintf(buf, size, "errno %i", error);
        return buf;
}

static void probe_value(Finding *x, const Probe *p)
{
        char buf[32];
        if (p->state == PROBE_NOT_TRIED) {
                snprintf(x->text, sizeof x->text, "not tried");
                return;
        }
        finding_string(x, p->state == PROBE_OK ? "ok" : error_text(p->error, buf, sizeof buf));
        if (p->state == PROBE_FAILED)
                snprintf(x->text, sizeof x->text, "failed: %s (%s)", x->string, strerror(p->error));
}

/* One function per finding, in the order they are printed and put in the JSON object. */
static void finding_compiled_in(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "compiled_in", "audit in kernel", s->loginuid_source);
        if (s->compiled_in >= 0) {
                x->type = VALUE_BOOL;
                x->boolean = s->compiled_in;
        }
        snprintf(x->text, sizeof x->text, "%s",
                s->compiled_in == 1   ? "yes"
                : s->compiled_in == 0 ? "no"
                                      : "unknown");
        snprintf(x->note, sizeof x->note, "%s",
                s->compiled_in == 1   ? "the file exists only in kernels built with audit (CONFIG_AUDIT)"
                : s->compiled_in == 0 ? "no such file: the kernel is built without audit"
                                      : "cannot tell");
}

static void finding_loginuid(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "loginuid", "audit login UID", s->loginuid_source);
        if (s->have_loginuid) {
                x->type = VALUE_NUMBER;
                x->number = s->loginuid;
                snprintf(x->text, sizeof x->text, "%u%s", s->loginuid,
                        s->loginuid == LOGINUID_UNSET ? " (unset)" : "");
        } else
                snprintf(x->text, sizeof x->text, "unreadable");
}

static void finding_netlink_socket(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "netlink_socket", "netlink socket",
                s->socket.state == PROBE_NOT_TRIED && root ? "not used with --root" : s->socket.source);
        probe_value(x, &s->socket);
        if (s->socket.state == PROBE_OK)
                snprintf(x->note, sizeof x->note, "the kernel's audit netlink interface is there");
        else if (s->socket.state == PROBE_FAILED)
                switch (s->socket.error) {
                case EPROTONOSUPPORT:
                        snprintf(x->note, sizeof x->note,
                                "the kernel has no audit netlink protocol: audit is not compiled in, or was switched off at boot with audit=0 (then it cannot be switched on); audit is off");
                        break;
                case EAFNOSUPPORT:
                        snprintf(x->note, sizeof x->note,
                                "audit sockets are blocked here: systemd-nspawn's seccomp filter answers this on purpose, so that audit tools act as if audit were off (or the kernel lacks netlink); the real kernel's state cannot be seen from here");
                        break;
                case EPERM:
                case EACCES:
                        snprintf(x->note, sizeof x->note,
                                "a security policy (seccomp, an LSM) forbids audit sockets here: audit is unreachable from here, which does not mean it is off in the kernel");
                        break;
                default:
                        snprintf(x->note, sizeof x->note,
                                "unexpected error: the state cannot be read this way");
                }
}

static void finding_audit_get(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "audit_get", "AUDIT_GET",
                s->get.state == PROBE_NOT_TRIED && root ? "not used with --root" : s->get.source);
        probe_value(x, &s->get);
        if (s->get.state == PROBE_FAILED)
                switch (s->get.error) {
                case EPERM:
                        snprintf(x->note, sizeof x->note,
                                "the kernel answers only processes with CAP_AUDIT_CONTROL in the initial PID namespace (this one is not root, or runs in a container's PID namespace)");
                        break;
                case ECONNREFUSED:
                        snprintf(x->note, sizeof x->note,
                                "the kernel refuses audit requests from user namespaces other than the initial one (an unprivileged container)");
                        break;
                case ETIMEDOUT:
                        snprintf(x->note, sizeof x->note, "no answer within 2 seconds");
                        break;
                default:
                        snprintf(x->note, sizeof x->note, "the kernel's answer could not be read");
                }
}

static void finding_enabled(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "enabled", "audit enabled", s->get.source);
        if (s->get.state == PROBE_OK) {
                x->type = VALUE_NUMBER;
                x->number = s->enabled;
                snprintf(x->text, sizeof x->text, "%u (%s)", s->enabled,
                        s->enabled == 0   ? "disabled"
                        : s->enabled == 1 ? "enabled"
                                          : "enabled and locked");
                if (s->enabled == 2)
                        snprintf(x->note, sizeof x->note,
                                "locked ('auditctl -e 2'): it cannot be changed until the next boot");
        } else
                snprintf(x->text, sizeof x->text, "unknown");
}

static void finding_locked(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "locked", "locked", s->get.source);
        if (s->get.state == PROBE_OK) {
                x->type = VALUE_BOOL;
                x->boolean = s->enabled == 2;
                snprintf(x->text, sizeof x->text, "%s", x->boolean ? "yes" : "no");
        } else
                snprintf(x->text, sizeof x->text, "unknown");
}

static void finding_auditd_pid(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "auditd_pid", "audit daemon", s->get.source);
        if (s->get.state == PROBE_OK) {
                x->type = VALUE_NUMBER;
                x->number = s->pid;
                if (s->pid)
                        snprintf(x->text, sizeof x->text, "pid %u", s->pid);
                else
                        snprintf(x->text, sizeof x->text, "none (pid 0)");
        } else
                snprintf(x->text, sizeof x->text, "unknown");
}

static void finding_kernel_cmdline(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "kernel_cmdline", "kernel command line", s->cmdline_source);
        if (!s->have_cmdline)
                snprintf(x->text, sizeof x->text, "unreadable (%s)", strerror(s->cmdline_error));
        else if (!s->cmdline_audit) {
                snprintf(x->text, sizeof x->text, "no audit= option");
                snprintf(x->note, sizeof x->note,
                        "audit starts disabled and is enabled when an audit daemon (auditd) starts");
        } else {
                x->type = VALUE_STRING;
                snprintf(x->string, sizeof x->string, "audit=%s", s->cmdline_audit);
                snprintf(x->text, sizeof x->text, "%s", x->string);
                snprintf(x->note, sizeof x->note, "%s",
                        audit_value_is_off(s->cmdline_audit)
                                ? "audit is off from boot on, and cannot be enabled until the next boot"
                                : "audit is enabled from boot on");
        }
}

static void finding_loginuid_reset(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "loginuid_reset", "login UID reset",
                s->reset.state == PROBE_NOT_TRIED && root ? "not tried with --root" : s->reset.source);
        probe_value(x, &s->reset);
        if (s->reset.state == PROBE_NOT_TRIED && s->compiled_in == 0)
                snprintf(x->note, sizeof x->note, "no login UID without audit");
        else if (s->reset.state == PROBE_OK)
                snprintf(x->note, sizeof x->note, "systemd-nspawn can reset it, as it does at every start");
        else if (s->reset.state == PROBE_FAILED)
                snprintf(x->note, sizeof x->note,
                        "systemd-nspawn cannot reset it either: it then waits 5 seconds at every start, and containers misbehave (kernels before 3.14 with audit enabled)%s",
                        geteuid() != 0 && !root ? "; this needs CAP_AUDIT_CONTROL, run as root to be sure"
                                                : "");
}

static void finding_container(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "container", "inside a container", s->container ? s->container_source : "");
        if (s->container) {
                finding_string(x, s->container);
                snprintf(x->text, sizeof x->text, "yes: %s", s->container);
                snprintf(x->note, sizeof x->note, "%s",
                        s->get.state == PROBE_OK
                                ? "but the kernel's audit state is readable from here, so it is judged as on a host"
                        : s->initial_pidns == 1
                                ? "but this is the initial PID namespace, so the marker is ignored"
                                : "audit belongs to the host's kernel: check it there");
        } else
                snprintf(x->text, sizeof x->text, "no");
}

static void finding_initial_pid_namespace(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "initial_pid_namespace", "initial PID namespace", s->pidns_source);
        if (s->initial_pidns >= 0) {
                x->type = VALUE_BOOL;
                x->boolean = s->initial_pidns;
                snprintf(x->text, sizeof x->text, "%s", s->initial_pidns ? "yes (PID 2 is kthreadd)" : "no");
        } else
                snprintf(x->text, sizeof x->text, "unknown");
}

static void finding_cap_audit_control(const AuditState *s, const char *root, Finding *f, size_t *n)
{
        Finding *x;

        x = finding_add(f, n, "cap_audit_control", "CAP_AUDIT_CONTROL",
                s->cap_audit_control < 0 && root ? "not checked with --root" : "capget() of this process");
        if (s->cap_audit_control >= 0) {
                x->type = VALUE_BOOL;
                x->boolean = s->cap_audit_control;
                snprintf(x->text, sizeof x->text, "%s", s->cap_audit_control ? "yes" : "no");
                if (!s->cap_audit_control)
                        snprintf(x->note, sizeof x->note,
                                "AUDIT_GET and the login UID reset need it: run as root");
        } else
                snprintf(x->text, sizeof x->text, "not checked");
}

static size_t findings_build(const AuditState *s, const char *root, Finding *f)
{
        static void (*const add[])(const AuditState *, const char *, Finding *, size_t *) = {
                finding_compiled_in,
                finding_loginuid,
                finding_netlink_socket,
                finding_audit_get,
                finding_enabled,
                finding_locked,
                finding_auditd_pid,
                finding_kernel_cmdline,
                finding_loginuid_reset,
                finding_container,
                finding_initial_pid_namespace,
                finding_cap_audit_control,
        };
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(add); i++)
                add[i](s, root, f, &n);
        return n;
}

static void verdict_text(const AuditState *s, Verdict v, const char *container, char *msg, size_t msg_size,
        char *remedy, size_t remedy_size)
{
        char prefix[128] = "";
        const char *what;

        if (container)
                snprintf(prefix, sizeof prefix, "container %s: ", container);

        switch (v) {
        case VERDICT_ABSENT:
                what = "kernel audit is not compiled into this kernel: containers are not affected";
                break;
        case VERDICT_DISABLED:
                what = "kernel audit is disabled: containers are not affected";
                break;
        case VERDICT_ENABLED:
                what = "kernel audit is ENABLED: systemd-nspawn containers can misbehave (logins inside fail, the audit login UID cannot be reset)";
                break;
        case VERDICT_LOCKED:
                what = "kernel audit is ENABLED and locked: systemd-nspawn containers can misbehave (logins inside fail, the audit login UID cannot be reset)";
                break;
        case VERDICT_HOST:
                what = "running inside a container whose kernel audit state cannot be read here: audit is the host's business, nothing to do here";
                break;
        default:
                what = s->cap_audit_control == 0
                               ? "kernel audit state unknown: reading it needs CAP_AUDIT_CONTROL (run as root)"
                               : "kernel audit state unknown: could not be read (see findings)";
        }
        snprintf(msg, msg_size, "%s%s%s", prefix, what,
                reset_failed(s) && v != VERDICT_HOST
                        ? "; systemd-nspawn cannot reset the audit login UID and will stall 5 s at every start"
                        : "");
        /* Capitalise the sentence. */
        if (msg[0] >= 'a' && msg[0] <= 'z')
                msg[0] -= 'a' - 'A';

        switch (v) {
        case VERDICT_ENABLED:
                snprintf(remedy, remedy_size,
                        "run 'berth-audit fix' (adds audit=0 to the kernel command line in the boot loader configuration) and reboot; or add audit=0 to the kernel command line by hand");
                break;
        case VERDICT_LOCKED:
                snprintf(remedy, remedy_size,
                        "run 'berth-audit fix' (adds audit=0 to the kernel command line) and reboot: locked audit cannot be switched off before the next boot");
                break;
        case VERDICT_DISABLED:
                if (s->cmdline_audit && audit_value_is_off(s->cmdline_audit))
                        snprintf(remedy, remedy_size, "none needed (audit=0 is on the kernel command line)");
                else if (s->socket.state == PROBE_FAILED && s->socket.error == EPROTONOSUPPORT)
                        snprintf(remedy, remedy_size, "none needed");
                else
                        snprintf(remedy, remedy_size,
                                "none needed now; an audit daemon (auditd) would enable it: 'berth-audit fix' adds audit=0 to the kernel command line to keep it off for good");
                break;
        case VERDICT_ABSENT:
                snprintf(remedy, remedy_size, "none needed");
                break;
        case VERDICT_HOST:
                snprintf(remedy, remedy_size, "none here; run 'berth-audit check' on the host");
                break;
        default:
                snprintf(remedy, remedy_size,
                        "run 'berth-audit check' as root on the host; 'berth-audit fix' adds audit=0 to the kernel command line whatever the state");
        }
}

static void print_json_finding(FILE *out, const Finding *x)
{
        fputs("    ", out);
        json_print_string(out, x->key);
        fputs(": { \"value\": ", out);
        switch (x->type) {
        case VALUE_NULL:
                fputs("null", out);
                break;
        case VALUE_BOOL:
                fputs(x->boolean ? "true" : "false", out);
                break;
        case VALUE_NUMBER:
                fprintf(out, "%lld", x->number);
                break;
        case VALUE_STRING:
                json_print_string(out, x->string);
                break;
        }
        fputs(", \"source\": ", out);
        json_print_string(out, x->source);
        fputs(", \"text\": ", out);
        json_print_string(out, x->text);
        if (x->note[0]) {
                fputs(", \"note\": ", out);
                json_print_string(out, x->note);
        }
        fputs(" }", out);
}

int audit_check(const AuditOptions *o)
{
        _cleanup_(audit_state_done) AuditState s = { .compiled_in = -1 };
        Finding f[MAX_FINDINGS];
        char msg[512], core[512], remedy[400];
        int r;

        loginuid_read(&s, o->root);
        r = cmdline_read(&s, o->root);
        if (r < 0)
                return log_error_errno(r, "Failed to read the kernel command line: %m"), 1;
        r = container_detect(&s, o->root);
        if (r < 0)
                return log_error_errno(r, "Failed to look for container markers: %m"), 1;
        pidns_detect(&s, o->root);
        s.cap_audit_control = -1;
        if (!o->root)
                capability_detect(&s);

        if (o->root) {
                _cleanup_free_ char *fixture = root_path(o->root, "/proc/audit-status");
                if (!fixture || fixture_read(&s, fixture) < 0)
                        return 1;
        } else {
                netlink_probe(&s);
                if (s.compiled_in == 1)
                        loginuid_reset_probe(&s);
        }

        Verdict v = audit_judge(&s);
        bool problem = verdict_is_problem(v);
        int status = problem && o->policy == AUDIT_REFUSE ? 1 : 0;
        size_t n = findings_build(&s, o->root, f);
        verdict_text(&s, v, o->container, msg, sizeof msg, remedy, sizeof remedy);
        verdict_text(&s, v, NULL, core, sizeof core, remedy, sizeof remedy); /* for the log line */

        if (o->json) {
                fputs("{\n  \"verdict\": ", stdout);
                json_print_string(stdout, verdict_names[v]);
                fprintf(stdout, ",\n  \"problem\": %s,\n  \"message\": ", problem ? "true" : "false");
                json_print_string(stdout, msg);
                fputs(",\n  \"remedy\": ", stdout);
                json_print_string(stdout, remedy);
                fputs(",\n  \"policy\": ", stdout);
                json_print_string(stdout, audit_policy_to_string(o->policy));
                fputs(",\n  \"container\": ", stdout);
                if (o->container)
                        json_print_string(stdout, o->container);
                else
                        fputs("null", stdout);
                fprintf(stdout, ",\n  \"exit_status\": %i,\n  \"findings\": {\n", status);
                for (size_t i = 0; i < n; i++) {
                        print_json_finding(stdout, &f[i]);
                        fputs(i + 1 < n ? ",\n" : "\n", stdout);
                }
                fputs("  }\n}\n", stdout);
        } else {
                printf("%s.\n", msg);
                for (size_t i = 0; i < n; i++) {
                        printf("  %-22s %s", f[i].label, f[i].text);
                        if (f[i].source[0])
                                printf("  [%s]", f[i].source);
                        putchar('\n');
                        if (f[i].note[0])
                                printf("  %-22s -> %s\n", "", f[i].note);
                }
                printf("Remedy: %s.\n", remedy);
        }
        if (fflush(stdout) != 0)
                return log_error_errno(errno, "Failed to write the report: %m"), 1;

        if (problem && o->policy != AUDIT_IGNORE) {
                if (status && o->container)
                        log_event(LOG_ERR, BERTH_MESSAGE_AUDIT_ENABLED,
                                "Refusing to start container %s (Audit=refuse): %s.", o->container, core);
                else if (status)
                        log_event(LOG_ERR, BERTH_MESSAGE_AUDIT_ENABLED, "Refusing (--policy=refuse): %s.",
                                core);
                else
                        log_event(LOG_WARNING, BERTH_MESSAGE_AUDIT_ENABLED, "%s. Remedy: %s.", core, remedy);
        }
        return status;
}
