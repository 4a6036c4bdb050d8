/* Logging for every berth program. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"

static const char *program_name = "berth";
static LogTarget log_target = LOG_TARGET_STDERR;
static int max_level = LOG_INFO;
static char *log_prefix;
static char *log_container;
static int kmsg_fd = -1;

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
        unsigned long long dev, ino;
        struct stat st;

        if (cached >= 0)
                return cached;
        cached = 0;
        e = getenv("JOURNAL_STREAM");
        if (e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) >= 0 &&
                (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino)
                cached = 1;
        return cached;
}

static void write_kmsg(int level, const char *text)
{
        char buf[2048];
        int n = snprintf(buf, sizeof buf, "<%i>%s[%i]: %s%s\n", level, program_name, (int) getpid(),
                strempty(log_prefix), text);
        if (n > (int) sizeof buf - 1)
                n = sizeof buf - 1;
        if (kmsg_fd < 0 || write(kmsg_fd, buf, n) < 0)
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
                write_kmsg(level, text);
        else if (log_target == LOG_TARGET_AUTO && stderr_is_journal()) {
                char msg[4200], pri[16], ident[128], mid[64], ctr[300], err[32];
                struct iovec iov[6];
                size_t n = 0;

#define ADD_FIELD(buf, ...)                                                                                 \
        do {                                                                                                \
                snprintf(buf, sizeof buf, __VA_ARGS__);                                                     \
                iov[n++] = (struct iovec){ .iov_base = buf, .iov_len = strlen(buf) };                       \
        } while (0)
                ADD_FIELD(msg, "MESSAGE=%s%s", strempty(log_prefix), text);
                ADD_FIELD(pri, "PRIORITY=%i", level);
                ADD_FIELD(ident, "SYSLOG_IDENTIFIER=%s", program_name);
                if (message_id)
                        ADD_FIELD(mid, "MESSAGE_ID=%s", message_id);
                if (log_container)
                        ADD_FIELD(ctr, "BERTH_CONTAINER=%s", log_container);
                if (error)
                        ADD_FIELD(err, "ERRNO=%i", error);
#undef ADD_FIELD
                if (sd_journal_sendv(iov, (int) n) < 0)
                        fprintf(stderr, "%s%s\n", strempty(log_prefix), text);
        } else
                fprintf(stderr, "%s%s\n", strempty(log_prefix), text);

finish:
        errno = saved;
        return -error;
}
