/* Logging for every berth program. */
#include <fcntl.h>
#include <endian.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "log.h"

static const char *program_name = "berth";
static LogTarget log_target = LOG_TARGET_STDERR;
static int max_level = LOG_INFO;
static char *log_prefix;
static char *log_container;
static int kmsg_fd = -1;
static int journal_fd = -1;
static const char *journal_socket = "/run/systemd/journal/socket";

void log_setup(const char *program, LogTarget target)
{
        program_name = program;
        log_set_target(target);
}

void log_set_target(LogTarget target)
{
        log_target = target;
        if (target == LOG_TARGET_KMSG && kmsg_fd < 0)
                kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

void log_set_max_level(int level)
{
        max_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}

int log_level_from_string(const char *s)
{
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info",
                "debug" };

        if (!s)
                return -EINVAL;
        for (int i = 0; i < (int) ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return i;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';
        return -EINVAL;
}

void log_parse_environment(void)
{
        int l = log_level_from_string(getenv("SYSTEMD_LOG_LEVEL"));
        if (l >= 0)
                max_level = l;
}

static void replace_string(char **p, const char *s)
{
        free(*p);
        *p = s ? strdup(s) : NULL;
}

void log_set_prefix(const char *prefix)
{
        replace_string(&log_prefix, prefix);
}

void log_set_container(const char *name)
{
        replace_string(&log_container, name);
}

/* True when our stderr is the journal's stream socket, as for ExecStartPre= lines. */
static bool stderr_is_journal(void)
{
        static int cached = -1;
        const char *e;
        char *end;
        unsigned long long dev, ino;
        struct stat st;

        if (cached >= 0)
                return cached;
        cached = 0;
        e = getenv("JOURNAL_STREAM");
        if (!e)
                return cached;
        /* "DEV:INODE" in decimal; anything else (overflow included) is not ours. */
        errno = 0;
        dev = strtoull(e, &end, 10);
        if (errno != 0 || end == e || *end != ':')
                return cached;
        e = end + 1;
        ino = strtoull(e, &end, 10);
        if (errno != 0 || end == e || *end != '\0')
                return cached;
        if (fstat(STDERR_FILENO, &st) >= 0 && (unsigned long long) st.st_dev == dev &&
                (unsigned long long) st.st_ino == ino)
                cached = 1;
        return cached;
}

void log_set_journal_socket(const char *path)
{
        journal_socket = path;
        if (journal_fd >= 0) {
                close(journal_fd);
                journal_fd = -1;
        }
}

/* Sends one entry to journald in its native datagram protocol (systemd's "Native Journal
 * Protocol" document): each field "KEY=VALUE\n", or, when the value holds a newline,
 * "KEY\n" + the value's length as 64-bit little endian + the value + "\n". The fields are
 * "KEY=VALUE" strings. Non-blocking: a journald that is not reading (PID 1 may be waiting for
 * us, as for a generator during daemon-reload) gets nothing rather than a deadlock. Our
 * messages are a few KiB at most, far below the datagram limit, so no memfd is needed. */
static int journal_send(const char *const *fields, size_t n_fields)
{
        char buf[8192];
        size_t len = 0;

        for (size_t i = 0; i < n_fields; i++) {
                const char *f = fields[i], *eq = strchr(f, '=');
                size_t fl = strlen(f);

                if (!eq)
                        return -EINVAL;
                if (!memchr(eq + 1, '\n', fl - (size_t) (eq + 1 - f))) {
                        if (len + fl + 1 > sizeof buf)
                                return -EMSGSIZE;
                        memcpy(buf + len, f, fl);
                        len += fl;
                } else {
                        size_t kl = (size_t) (eq - f), vl = fl - kl - 1;
                        uint64_t le = htole64((uint64_t) vl);

                        if (len + kl + 1 + sizeof le + vl + 1 > sizeof buf)
                                return -EMSGSIZE;
                        memcpy(buf + len, f, kl);
                        len += kl;
                        buf[len++] = '\n';
                        memcpy(buf + len, &le, sizeof le);
                        len += sizeof le;
                        memcpy(buf + len, eq + 1, vl);
                        len += vl;
                }
                buf[len++] = '\n';
        }

        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(journal_socket) >= sizeof sa.sun_path)
                return -EINVAL;
        strcpy(sa.sun_path, journal_socket);
        if (journal_fd < 0) {
                journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (journal_fd < 0)
                        return -errno;
        }
        if (sendto(journal_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT, (const struct sockaddr *) &sa,
                    (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(sa.sun_path) + 1)) < 0)
                return -errno;
        return 0;
}

/* The journal fields of one message (formatted into bufs). */
static int log_to_journal(int level, int error, const char *message_id, const char *text)
{
        char msg[4200], pri[16], ident[128], mid[64], ctr[300], unit[320], err[32];
        const char *fields[7];
        size_t n = 0;

#define ADD_FIELD(buf, ...)                                                                                 \
        do {                                                                                                \
                snprintf(buf, sizeof buf, __VA_ARGS__);                                                     \
                fields[n++] = buf;                                                                          \
        } while (0)
        ADD_FIELD(msg, "MESSAGE=%s%s", strempty(log_prefix), text);
        ADD_FIELD(pri, "PRIORITY=%i", level);
        ADD_FIELD(ident, "SYSLOG_IDENTIFIER=%s", program_name);
        if (message_id)
                ADD_FIELD(mid, "MESSAGE_ID=%s", message_id);
        if (log_container) {
                ADD_FIELD(ctr, "BERTH_CONTAINER=%s", log_container);
                /* journald finds the sender's unit from its cgroup, which a process that has exited
                 * (berth-prepare failing a start) no longer has: this root-sent field is what
                 * 'journalctl -u' and 'systemctl status' also match, so the message is never lost
                 * from the unit's log. */
                ADD_FIELD(unit, "OBJECT_SYSTEMD_UNIT=systemd-nspawn@%s.service", log_container);
        }
        if (error)
                ADD_FIELD(err, "ERRNO=%i", error);
#undef ADD_FIELD
        return journal_send(fields, n);
}

/* The generator's target: /dev/kmsg; where there is none (in a container) the journal's socket,
 * which exists from the first daemon-reload on (not yet when generators run at boot); else
 * stderr, where systemd sends a generator's output. */
static void write_kmsg(int level, int error, const char *message_id, const char *text)
{
        char buf[2048];
        int n = snprintf(buf, sizeof buf, "<%i>%s[%i]: %s%s\n", level, program_name, (int) getpid(),
                strempty(log_prefix), text);
        if (n > (int) sizeof buf - 1)
                n = sizeof buf - 1;
        if (kmsg_fd >= 0 && write(kmsg_fd, buf, n) >= 0)
                return;
        if (log_to_journal(level, error, message_id, text) >= 0)
                return;
        fprintf(stderr, "%s%s\n", strempty(log_prefix), text);
}

int log_internal(int level, int error, const char *message_id, const char *format, ...)
{
        int saved = errno;
        char text[4096];
        va_list ap;

        if (error < 0)
                error = -error;
        if (level > max_level)
                goto finish;

        errno = error;
        va_start(ap, format);
        vsnprintf(text, sizeof text, format, ap);
        va_end(ap);

        if (log_target == LOG_TARGET_KMSG)
                write_kmsg(level, error, message_id, text);
        else if (log_target == LOG_TARGET_AUTO && stderr_is_journal()) {
                if (log_to_journal(level, error, message_id, text) < 0)
                        fprintf(stderr, "%s%s\n", strempty(log_prefix), text);
        } else
                fprintf(stderr, "%s%s\n", strempty(log_prefix), text);

finish:
        errno = saved;
        return -error;
}
