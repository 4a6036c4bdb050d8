/* Unit tests for helpers/prepare/notify.c: the datagram berth-prepare sends to $NOTIFY_SOCKET (with
 * libsystemd's real sd_notify(), loaded by dlopen), read back from sockets the test binds in place of
 * systemd's, at a path and in the abstract namespace. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "notify.h"
#include "tests.h"

/* Binds a datagram socket at name (a path, or "@…" for an abstract one), as systemd would. */
static int bind_notify_socket(const char *name)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t n = strlen(name);
        socklen_t len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '@' ? 0 : 1));
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -1;
        memcpy(sa.sun_path, name, n);
        if (name[0] == '@')
                sa.sun_path[0] = '\0';
        else
                unlink(name);
        if (bind(fd, (struct sockaddr *) &sa, len) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Sends a message through notify_send() with $NOTIFY_SOCKET=name and checks that exactly it arrives.
 * An abstract name is bound without a trailing NUL: had notify_send() counted one, the addresses would
 * differ and the send fail. */
static void check_roundtrip(const char *name)
{
        char buf[256];
        int fd = bind_notify_socket(name);

        ASSERT_TRUE(fd >= 0);
        setenv("NOTIFY_SOCKET", name, 1);
        ASSERT_EQ_INT(notify_send("EXTEND_TIMEOUT_USEC=30000000"), 0);
        ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
        ASSERT_EQ_INT(n, (ssize_t) strlen("EXTEND_TIMEOUT_USEC=30000000"));
        buf[n] = '\0';
        ASSERT_STREQ(buf, "EXTEND_TIMEOUT_USEC=30000000");
        /* One datagram per message, nothing else. */
        ASSERT_EQ_INT(recv(fd, buf, sizeof buf, MSG_DONTWAIT), -1);
        close(fd);
        if (name[0] == '/')
                unlink(name);
}

static void test_path_socket(void)
{
        char name[108];

        snprintf(name, sizeof name, "/tmp/berth-test-notify.%d.sock", (int) getpid());
        check_roundtrip(name);
}

static void test_abstract_socket(void)
{
        char name[108];

        snprintf(name, sizeof name, "@berth-test-notify/%d", (int) getpid());
        check_roundtrip(name);
}

/* Runs first: without $NOTIFY_SOCKET nothing is sent and libsystemd is not even loaded (this test
 * program does not link it; only notify_send() could have loaded it). */
static void test_no_socket(void)
{
        unsetenv("NOTIFY_SOCKET");
        ASSERT_EQ_INT(notify_send("X=1"), 0);
        ASSERT_TRUE(dlopen("libsystemd.so.0", RTLD_NOW | RTLD_NOLOAD) == NULL);
}

/* Errors come back as sd_notify()'s -errno, for the caller to log. */
static void test_bad_socket(void)
{
        setenv("NOTIFY_SOCKET", "/nonexistent/berth-test-notify.sock", 1);
        ASSERT_EQ_INT(notify_send("X=1"), -ENOENT);
        /* Neither a path nor an abstract name (nor, for systemd 254+, a vsock address). */
        setenv("NOTIFY_SOCKET", "no-such-kind", 1);
        ASSERT_TRUE(notify_send("X=1") < 0);
        char toolong[200];
        memset(toolong, 'a', sizeof toolong - 1);
        toolong[0] = '/';
        toolong[sizeof toolong - 1] = '\0';
        setenv("NOTIFY_SOCKET", toolong, 1);
        ASSERT_TRUE(notify_send("X=1") < 0);
        unsetenv("NOTIFY_SOCKET");
}

TESTS_MAIN(TEST_CASE(test_no_socket), TEST_CASE(test_path_socket), TEST_CASE(test_abstract_socket),
        TEST_CASE(test_bad_socket))
