/* Our own sd_notify(): one datagram to the service manager, so berth-prepare need not load libsystemd. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "macro.h"
#include "notify.h"

/* The protocol is sd_notify(3)'s: $NOTIFY_SOCKET names an AF_UNIX datagram socket, a file system path,
 * or with a leading '@' an abstract one (the '@' stands for the leading NUL byte); each message is one
 * datagram of newline-separated VAR=VALUE assignments. No credentials need passing: the manager reads
 * the sender's PID from the socket itself (SO_PASSCRED), which is what NotifyAccess=exec checks.
 * systemd 252 knows no other kind of address (vsock came later): anything else is refused. */
int notify_send(const char *state)
{
        const char *e = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t salen;

        if (!e)
                return 0;

        size_t n = strlen(e);
        if (n < 2 || (e[0] != '/' && e[0] != '@'))
                return -EAFNOSUPPORT;
        if (n > sizeof sa.sun_path || (e[0] == '/' && n == sizeof sa.sun_path))
                return -EINVAL; /* a path needs room for its NUL, an abstract name does not */

        memcpy(sa.sun_path, e, n);
        if (e[0] == '@') {
                /* The name is exactly the bytes after the NUL, so the length must not count one more. */
                sa.sun_path[0] = '\0';
                salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n);
        } else
                salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1);

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;

        /* MSG_NOSIGNAL: a manager that went away must not kill us with SIGPIPE. */
        if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *) &sa, salen) < 0)
                return -errno;
        return 0;
}
