/* Test helper: stands in for systemd's notification socket. Binds a datagram socket at argv[1]
 * and appends every message received to argv[2], one per line, until SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char buf[4096];

        if (argc != 3 || strlen(argv[1]) >= sizeof sa.sun_path) {
                fprintf(stderr, "usage: notify-recorder SOCKET OUTFILE\n");
                return 2;
        }
        strcpy(sa.sun_path, argv[1]);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                perror("notify-recorder: bind");
                return 1;
        }
        FILE *out = fopen(argv[2], "ae");
        if (!out) {
                perror("notify-recorder: open");
                return 1;
        }
        /* Ready: the socket exists once this line is written. */
        fprintf(out, "READY\n");
        fflush(out);
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return 1;
                }
                buf[n] = '\0';
                fprintf(out, "%s\n", buf);
                fflush(out);
        }
}
