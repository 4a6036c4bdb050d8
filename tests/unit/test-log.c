/* Unit tests for log.c's journal output: the native protocol datagrams it sends, read back from a
 * datagram socket the test binds in place of journald's (/run/systemd/journal/socket). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log.h"
#include "tests.h"

static char sock_path[108];

/* Binds a datagram socket at a fresh path and makes log.c send there. Returns its fd. */
static int fake_journal(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -1;
        snprintf(sock_path, sizeof sock_path, "/tmp/berth-test-log.%d.sock", (int) getpid());
        unlink(sock_path);
        memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                close(fd);
                return -1;
        }
        log_set_journal_socket(sock_path);
        return fd;
}

/* Makes $JOURNAL_STREAM name our stderr, as systemd does for a service's ExecStartPre=. */
static void stderr_as_journal_stream(void)
{
        struct stat st;
        char buf[64];

        if (fstat(STDERR_FILENO, &st) < 0)
                return;
        snprintf(buf, sizeof buf, "%llu:%llu", (unsigned long long) st.st_dev,
                (unsigned long long) st.st_ino);
        setenv("JOURNAL_STREAM", buf, 1);
}

static void test_native_protocol(void)
{
        int fd = fake_journal();
        char buf[8192];
        ssize_t n;

        ASSERT_TRUE(fd >= 0);
        stderr_as_journal_stream();
        log_setup("test-log", LOG_TARGET_AUTO);
        log_set_container("web");
        log_event_errno(LOG_WARNING, ENOENT, BERTH_MESSAGE_PREPARE_FAILED, "first line: %m");
        log_set_container(NULL);

        n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
        ASSERT_TRUE(n > 0);
        buf[n] = '\0';
        ASSERT_STREQ(buf, "MESSAGE=first line: No such file or directory\n"
                          "PRIORITY=4\n"
                          "SYSLOG_IDENTIFIER=test-log\n"
                          "MESSAGE_ID=" BERTH_MESSAGE_PREPARE_FAILED "\n"
                          "BERTH_CONTAINER=web\n"
                          "OBJECT_SYSTEMD_UNIT=systemd-nspawn@web.service\n"
                          "ERRNO=2\n");

        /* A value with a newline goes in the binary form: KEY\n, 64-bit LE length, value, \n. */
        log_error("two\nlines");
        n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        static const char expect[] = "MESSAGE\n\x09\0\0\0\0\0\0\0two\nlines\n"
                                     "PRIORITY=3\nSYSLOG_IDENTIFIER=test-log\n";
        ASSERT_EQ_INT(n, sizeof expect - 1);
        ASSERT_TRUE(memcmp(buf, expect, sizeof expect - 1) == 0);

        close(fd);
        unlink(sock_path);
        unsetenv("JOURNAL_STREAM");
        log_set_journal_socket("/run/systemd/journal/socket");
        log_setup("test-log", LOG_TARGET_STDERR);
}

/* No journal listening: the message is not lost, it goes to stderr. */
static void test_no_journal_falls_back_to_stderr(void)
{
        char path[] = "/tmp/berth-test-log.XXXXXX", buf[256] = "";
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        ssize_t n;

        ASSERT_TRUE(fd >= 0 && saved >= 0);
        ASSERT_TRUE(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
        stderr_as_journal_stream();
        log_set_journal_socket("/tmp/berth-test-log.no-such-socket");
        log_setup("test-log", LOG_TARGET_AUTO);
        log_error("nobody listens");
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        n = pread(fd, buf, sizeof buf - 1, 0);
        close(fd);
        unlink(path);
        unsetenv("JOURNAL_STREAM");
        log_set_journal_socket("/run/systemd/journal/socket");
        log_setup("test-log", LOG_TARGET_STDERR);
        ASSERT_TRUE(n > 0);
        ASSERT_STREQ(buf, "nobody listens\n");
}

TESTS_MAIN(TEST_CASE(test_native_protocol), TEST_CASE(test_no_journal_falls_back_to_stderr))
