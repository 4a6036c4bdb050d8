/* The container's network, berth-prepare's part (SPEC section 9): the guest side of a root that
 * berth provisions (systemd-networkd enabled, name servers it can reach), and the warnings of
 * network_check() in every start's log. An existing root is never modified here. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "network-check.h"
#include "path-util.h"
#include "prepare.h"
#include "rootfs.h"

#define GUEST_NETWORK_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

static bool is_loopback_server(const char *s)
{
        return startswith(s, "127.") || streq(s, "::1") || streq(s, "0.0.0.0");
}

/* The "nameserver" lines of a resolv.conf text that name a server other than a loopback address,
 * with its "search"/"domain" lines, appended to *out (out may be NULL: only count). Returns how
 * many servers. */
static int resolv_conf_servers(const char *text, char **out)
{
        int n = 0;

        for (const char *l = text; l && *l;) {
                const char *end = strchr(l, '\n');
                char line[512], word[16], value[256];
                size_t len = end ? (size_t) (end - l) : strlen(l);

                if (len < sizeof line) {
                        memcpy(line, l, len);
                        line[len] = '\0';
                        if (sscanf(line, "%15s %255s", word, value) == 2 &&
                                ((streq(word, "nameserver") && !is_loopback_server(value)) ||
                                        streq(word, "search") || streq(word, "domain"))) {
                                if (streq(word, "nameserver"))
                                        n++;
                                if (out) {
                                        char *joined = NULL;
                                        if (asprintf(&joined, "%s%s\n", *out ? *out : "", line) < 0)
                                                return -ENOMEM;
                                        free(*out);
                                        *out = joined;
                                }
                        }
                }
                l = end ? end + 1 : NULL;
        }
        return n;
}

/* The host's name servers that a container on a private network can reach: those of
 * /etc/resolv.conf, or, where that names only resolved's stub (127.0.0.53), resolved's uplink
 * servers. Under --root for tests. */
static int host_name_servers(const Context *c, char **ret, const char **ret_source)
{
        static const char *const sources[] = { "/etc/resolv.conf", "/run/systemd/resolve/resolv.conf" };

        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                _cleanup_free_ char *p = c->root ? path_join(c->root, sources[i]) : strdup(sources[i]);
                _cleanup_free_ char *text = NULL, *lines = NULL;
                int r;

                if (!p)
                        return -ENOMEM;
                if (read_full_file(p, 64 * 1024, &text, NULL) < 0)
                        continue;
                r = resolv_conf_servers(text, &lines);
                if (r < 0)
                        return r;
                if (r > 0) {
                        *ret = TAKE_PTR(lines);
                        *ret_source = sources[i];
                        return 1;
                }
        }
        return 0;
}

/* nspawn's ResolvConf=auto leaves /etc/resolv.conf alone on a private network: a tree whose file
 * is missing, a dangling link (resolved's stub, without resolved in the tree) or names only
 * loopback servers (a copy of a host's stub) would resolve nothing. */
static int guest_resolv_conf(const Context *c, int tree_fd)
{
        _cleanup_free_ char *text = NULL, *servers = NULL, *content = NULL, *name = NULL;
        _cleanup_close_ int dfd = -1;
        const char *source;
        int r;

        r = rootfs_read_file(tree_fd, "/etc/resolv.conf", 64 * 1024, &text, NULL, NULL);
        if (r >= 0 && resolv_conf_servers(text, NULL) > 0)
                return 0;

        r = host_name_servers(c, &servers, &source);
        if (r < 0)
                return log_oom();
        if (r == 0) {
                log_warning(
                        "the new root has no name server it could reach in /etc/resolv.conf, and this host has none to give it (only loopback servers): name resolution in the container will not work until its /etc/resolv.conf names one.");
                return 0;
        }
        if (asprintf(&content,
                    "# Written by berth-prepare when it provisioned this container: the host's name servers\n# (from %s). The container's own resolver set-up may replace this file.\n%s",
                    source, servers) < 0)
                return log_oom();
        r = rootfs_open_parent(tree_fd, "/etc/resolv.conf", &dfd, &name);
        if (r < 0)
                return log_error_errno(r, "Failed to open /etc of the new root: %m");
        /* A link there (resolved's stub) is replaced, never followed. */
        r = write_file_atomicat(dfd, name, content, strlen(content), 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write /etc/resolv.conf in the new root: %m");
        log_info("wrote /etc/resolv.conf in the new root with the host's name servers (from %s).", source);
        return 0;
}

/* "systemctl --root=TREE enable systemd-networkd.service": the links its [Install] section asks
 * for (its socket, wait-online, the D-Bus alias), made by systemd's own tool, resolved inside the
 * tree. Run with a clean environment, as the provisioners are. */
static int guest_enable_networkd(const Context *c, const char *tree)
{
        _cleanup_free_ char *root_arg = NULL;
        int status;
        pid_t pid;

        if (asprintf(&root_arg, "--root=%s", tree) < 0)
                return log_oom();
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0) {
                char *const argv[] = { (char *) "systemctl", root_arg, (char *) "--quiet", (char *) "enable",
                        (char *) "systemd-networkd.service", NULL };
                char *const envp[] = { (char *) "PATH=" GUEST_NETWORK_PATH, (char *) "LANG=C.UTF-8",
                        (char *) "SYSTEMD_LOG_LEVEL=notice", NULL };
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
                        _exit(127);
                for (const char *const *d = (const char *const[]){ "/usr/bin/", "/bin/", NULL }; *d; d++) {
                        char path[32];
                        snprintf(path, sizeof path, "%ssystemctl", *d);
                        execve(path, argv, envp);
                }
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for systemctl: %m");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return log_error_errno(EIO,
                        "'systemctl --root=%s enable systemd-networkd.service' failed (status %d, see above).",
                        tree, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return 0;
}

int network_setup_new_root(const Context *c, int tree_fd, const char *tree)
{
        const Entry *e = c->entry;
        GuestNetwork g;
        int r;

        if (!e->manage_network ||
                (e->network_link != NETWORK_LINK_VETH && e->network_link != NETWORK_LINK_ZONE &&
                        e->network_link != NETWORK_LINK_BRIDGE))
                return 0;

        r = guest_network_inspect(tree_fd, &g);
        if (r < 0)
                return log_error_errno(r, "Failed to read the network set-up of the new root %s: %m", tree);
        if (g.enabled)
                log_info("the new root enables %s already: its network set-up is left as it is.", g.enabled);
        else if (!g.has_networkd)
                log_warning(
                        "the new root has no systemd-networkd and enables nothing else that configures its link host0: the container will have no address. Install a network manager in it (Provision=), or set ManageNetwork=no to say it is yours.");
        else {
                r = guest_enable_networkd(c, tree);
                if (r < 0)
                        return r;
                log_info(
                        "enabled systemd-networkd in the new root: its stock 80-container-host0.network configures host0 by DHCP from the host.");
        }
        return guest_resolv_conf(c, tree_fd);
}

static void log_network_warning(const char *message, void *userdata)
{
        log_warning("%s", message);
}

/* Asked while berth-prepare still has its capabilities (reading the firewall needs CAP_NET_ADMIN),
 * for network_warn() later; -ENODATA: not asked. */
static int forward_drops = -ENODATA;

void network_probe_host(const Context *c)
{
        if (entry_wants_host_networkd(c->entry))
                forward_drops = network_forward_policy_drops(c->root);
}

int network_warn(const Context *c, int root_fd)
{
        /* Not asked, or unreadable: not asked again without the capability it needs. */
        int r = network_check(c->entry, c->root, c->directory, root_fd,
                forward_drops < 0 ? 0 : forward_drops, log_network_warning, NULL);
        return r == -ENOMEM ? log_oom() : 0;
}
