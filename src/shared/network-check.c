/* Why a container's network cannot work, for "berth check" and berth-prepare's start log (the same
 * code for both), and what configures the links inside a container root.
 *
 * Everything here only reads. Host paths are put under --root for tests; the container root is
 * untrusted and read through rootfs_open_in() only. A check whose source is missing (no
 * iptables-save, an unreadable sysctl) says nothing: a warning must be about a real problem. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "network-check.h"
#include "path-util.h"
#include "rootfs.h"

/* Units that configure a guest's links once enabled. networking.service (ifupdown) only counts
 * when its configuration names an interface other than lo: Debian enables it in every tree that
 * has ifupdown, with nothing but lo configured. */
static const char *const guest_managers[] = {
        "systemd-networkd.service",
        "NetworkManager.service",
        "connman.service",
        "dhcpcd.service",
        "networking.service",
};

/* Whether an ifupdown interfaces file configures an interface other than lo (iface, auto or
 * allow-* stanzas). */
static bool interfaces_text_configures(const char *text)
{
        for (const char *l = text; l && *l;) {
                const char *end = strchr(l, '\n');
                char line[256], word[32], name[64];
                size_t n = end ? (size_t) (end - l) : strlen(l);

                if (n >= sizeof line)
                        n = sizeof line - 1;
                memcpy(line, l, n);
                line[n] = '\0';
                if (sscanf(line, "%31s %63s", word, name) == 2 && !streq(name, "lo") &&
                        (streq(word, "iface") || streq(word, "auto") || startswith(word, "allow-")))
                        return true;
                l = end ? end + 1 : NULL;
        }
        return false;
}

static bool guest_ifupdown_configures(int root_fd)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        int fd;

        if (rootfs_read_file(root_fd, "/etc/network/interfaces", 1024 * 1024, &text, NULL, NULL) >= 0 &&
                interfaces_text_configures(text))
                return true;
        fd = rootfs_open_in(root_fd, "/etc/network/interfaces.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return false;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return false;
        }
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *p = NULL, *t = NULL;
                if (de->d_name[0] == '.')
                        continue;
                p = path_join("/etc/network/interfaces.d", de->d_name);
                if (p && rootfs_read_file(root_fd, p, 1024 * 1024, &t, NULL, NULL) >= 0 &&
                        interfaces_text_configures(t))
                        return true;
        }
        return false;
}

static bool guest_has_file(int root_fd, const char *path)
{
        int fd = rootfs_open_in(root_fd, path, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

int guest_network_inspect(int root_fd, GuestNetwork *ret)
{
        _cleanup_closedir_ DIR *d = NULL;
        size_t best = ELEMENTSOF(guest_managers);
        int fd;

        *ret = (GuestNetwork){
                .has_networkd = guest_has_file(root_fd, "/lib/systemd/system/systemd-networkd.service") ||
                                guest_has_file(root_fd, "/usr/lib/systemd/system/systemd-networkd.service"),
        };

        fd = rootfs_open_in(root_fd, "/etc/systemd/system", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return fd == -ENOENT ? 0 : fd;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        /* Enabled means linked from some .wants/ directory (multi-user.target.wants,
         * network-online.target.wants, ...), as "systemctl enable" makes it. */
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_closedir_ DIR *w = NULL;
                int wfd;

                if (!endswith(de->d_name, ".wants"))
                        continue;
                wfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (wfd < 0)
                        continue;
                w = fdopendir(wfd);
                if (!w) {
                        close(wfd);
                        continue;
                }
                for (struct dirent *u; (u = readdir(w));)
                        for (size_t i = 0; i < best; i++)
                                if (streq(u->d_name, guest_managers[i])) {
                                        if (i == ELEMENTSOF(guest_managers) - 1 &&
                                                !guest_ifupdown_configures(root_fd))
                                                break;
                                        best = i;
                                        break;
                                }
        }
        if (best < ELEMENTSOF(guest_managers))
                ret->enabled = guest_managers[best];
        return 0;
}

/* ---- the host ---- */

typedef enum UnitState {
        UNIT_MISSING,
        UNIT_MASKED,
        UNIT_PRESENT,
} UnitState;

static char *host_path(const char *host_root, const char *path)
{
        return host_root ? path_join(host_root, path) : strdup(path);
}

/* systemd-networkd.service as systemd would find it: masked by a link to /dev/null (or an empty
 * file) in /etc or /run, else installed in one of the unit directories. *ret_where says where. */
static int host_networkd_state(const char *host_root, UnitState *ret, char **ret_where)
{
        static const char *const mask_dirs[] = { "/etc/systemd/system", "/run/systemd/system" };
        static const char *const unit_dirs[] = { "/etc/systemd/system", "/run/systemd/system",
                "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system" };
        const char *unit = "systemd-networkd.service";

        for (size_t i = 0; i < ELEMENTSOF(mask_dirs); i++) {
                _cleanup_free_ char *rel = path_join(mask_dirs[i], unit);
                _cleanup_free_ char *p = rel ? host_path(host_root, rel) : NULL;
                char target[64];
                struct stat st;
                ssize_t n;

                if (!p)
                        return -ENOMEM;
                if (lstat(p, &st) < 0)
                        continue;
                n = S_ISLNK(st.st_mode) ? readlink(p, target, sizeof target - 1) : -1;
                if ((n > 0 && (target[n] = '\0', streq(target, "/dev/null"))) ||
                        (S_ISREG(st.st_mode) && st.st_size == 0)) {
                        *ret = UNIT_MASKED;
                        *ret_where = TAKE_PTR(rel);
                        return 0;
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                _cleanup_free_ char *rel = path_join(unit_dirs[i], unit);
                _cleanup_free_ char *p = rel ? host_path(host_root, rel) : NULL;
                if (!p)
                        return -ENOMEM;
                if (access(p, F_OK) == 0) {
                        *ret = UNIT_PRESENT;
                        *ret_where = TAKE_PTR(rel);
                        return 0;
                }
        }
        *ret = UNIT_MISSING;
        *ret_where = NULL;
        return 0;
}

/* 1 on, 0 off, -errno when unreadable. */
static int host_ip_forward(const char *host_root)
{
        _cleanup_free_ char *p = host_path(host_root, "/proc/sys/net/ipv4/ip_forward"), *t = NULL;
        int r;

        if (!p)
                return -ENOMEM;
        r = read_full_file(p, 64, &t, NULL);
        if (r < 0)
                return r;
        return t[0] == '0' ? 0 : t[0] >= '1' && t[0] <= '9' ? 1 : -EINVAL;
}

/* Whether a packet filter is loaded at all: only then is a FORWARD policy worth a program run. */
static bool host_has_firewall(const char *host_root)
{
        static const char *const markers[] = { "/sys/module/nf_tables", "/sys/module/ip_tables" };
        for (size_t i = 0; i < ELEMENTSOF(markers); i++) {
                _cleanup_free_ char *p = host_path(host_root, markers[i]);
                if (p && access(p, F_OK) == 0)
                        return true;
        }
        return false;
}

/* The policy of the IPv4 filter table's FORWARD chain from "iptables-save -t filter" (iptables'
 * own reading, nft- or legacy-backed, as Docker writes it): 1 when it drops, 0 when not, -errno
 * when it cannot be read (no tool, no permission). */
static int forward_policy_drops_tool(void)
{
        int pipefd[2];
        pid_t pid;
        int r = -ENOENT, status;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(pipefd[1], STDOUT_FILENO) < 0 ||
                        dup2(null, STDERR_FILENO) < 0)
                        _exit(127);
                execlp("iptables-save", "iptables-save", "-t", "filter", (char *) NULL);
                _exit(127);
        }
        close(pipefd[1]);
        _cleanup_fclose_ FILE *f = fdopen(pipefd[0], "r");
        if (!f) {
                r = -errno;
                close(pipefd[0]);
        } else {
                char line[256];
                while (fgets(line, sizeof line, f))
                        if (startswith(line, ":FORWARD ")) {
                                r = startswith(line, ":FORWARD DROP") || startswith(line, ":FORWARD REJECT");
                                break;
                        }
                /* Read to the end: the child must not block on a full pipe. */
                while (fgets(line, sizeof line, f))
                        ;
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -EIO;
        return r;
}

int network_forward_policy_drops(const char *host_root)
{
        if (!host_has_firewall(host_root))
                return 0;
        return forward_policy_drops_tool();
}

/* ---- the checks ---- */

static int warnf(NetworkWarnFn warn, void *userdata, const char *fmt, ...) _printf_(3, 4);
static int warnf(NetworkWarnFn warn, void *userdata, const char *fmt, ...)
{
        _cleanup_free_ char *m = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        warn(m, userdata);
        return 1;
}

int network_check(const Entry *e, const char *host_root, const char *directory, int root_fd,
        int forward_drops, NetworkWarnFn warn, void *userdata)
{
        const char *link = e->network_link == NETWORK_LINK_ZONE ? "vz-" : "ve-";
        const char *link_name = e->network_link == NETWORK_LINK_ZONE ? e->zone : e->name;
        int n = 0, r;

        if (!e->manage_network)
                return 0;

        if (entry_wants_host_networkd(e)) {
                _cleanup_free_ char *where = NULL;
                UnitState state;
                bool networkd_runs;

                r = host_networkd_state(host_root, &state, &where);
                if (r < 0)
                        return r;
                if (state == UNIT_MASKED)
                        n += warnf(warn, userdata,
                                "systemd-networkd is masked on this host (%s), so nothing configures the host side of the container's link %s%s: no address, no DHCP, no masquerading. Run 'systemctl unmask systemd-networkd', or set ManageNetwork=no in [Container] and configure the link yourself.",
                                where, link, link_name);
                else if (state == UNIT_MISSING)
                        n += warnf(warn, userdata,
                                "systemd-networkd is not installed on this host, so nothing configures the host side of the container's link %s%s. Install it (Debian: package systemd, or systemd-networkd where it is packaged on its own), or set ManageNetwork=no in [Container] and configure the link yourself.",
                                link, link_name);
                networkd_runs = state == UNIT_PRESENT;

                /* networkd turns forwarding on itself (IPMasquerade= of its container .network
                 * files); without it, the container's traffic stops at the host. */
                if (!networkd_runs && host_ip_forward(host_root) == 0)
                        n += warnf(warn, userdata,
                                "IPv4 forwarding is off on this host (net.ipv4.ip_forward=0) and systemd-networkd, which would turn it on, cannot run: the container reaches nothing beyond the host. Fix systemd-networkd (above), or run 'sysctl -w net.ipv4.ip_forward=1' and set it in /etc/sysctl.d/.");

                if (forward_drops < 0)
                        forward_drops = network_forward_policy_drops(host_root);
                if (forward_drops == 1)
                        n += warnf(warn, userdata,
                                "the host's firewall drops forwarded packets (the FORWARD chain's policy is DROP, as Docker sets it), so the container reaches nothing beyond the host. Accept its traffic, e.g. 'iptables -I FORWARD -i %s%s -j ACCEPT' and 'iptables -I FORWARD -o %s%s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' (made persistent the way the firewall is), or 'iptables -I DOCKER-USER ...' where Docker runs.",
                                link, link_name, link, link_name);
        }

        if (e->network_link != NETWORK_LINK_VETH && e->network_link != NETWORK_LINK_ZONE &&
                e->network_link != NETWORK_LINK_BRIDGE)
                return n;

        if (!e->boot)
                return n +
                       warnf(warn, userdata,
                               "a Boot=no payload on a private network: no init runs in the container to configure its link host0, so it has no address. Give the payload its own network set-up, or share the host's network with VirtualEthernet=no in [Network].");

        if (root_fd >= 0) {
                GuestNetwork g;

                r = guest_network_inspect(root_fd, &g);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0 && !g.enabled)
                        n += warnf(warn, userdata,
                                "nothing in the container's root (%s) configures its link host0 at boot (no systemd-networkd, NetworkManager, connman, dhcpcd or configured ifupdown is enabled there), so it gets no address. berth enables networkd only in roots it provisions; for this one run 'systemctl --root=%s enable systemd-networkd.service'%s.",
                                directory, directory,
                                g.has_networkd ? "" : " after installing systemd-networkd in it");
        }
        return n;
}
