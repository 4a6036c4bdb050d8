/* Whether a container's network can work: the one set of checks that "berth check" and every start
 * (berth-prepare's log) run, so both say the same; and what configures the links inside a root. */
#pragma once

#include <stdbool.h>

#include "entry.h"

typedef struct GuestNetwork {
        bool has_networkd; /* systemd-networkd.service is installed in the root */
        /* The first unit found enabled that configures links ("systemd-networkd.service",
         * "NetworkManager.service", ...), or NULL when there is none. Points to a static string. */
        const char *enabled;
} GuestNetwork;

/* Looks at the root at root_fd (untrusted: every path is resolved inside it) for an installed
 * systemd-networkd and for enabled network configuration: a link in one of the .wants/ directories
 * of /etc/systemd/system to systemd-networkd, NetworkManager, connman, dhcpcd, or ifupdown's
 * networking.service when /etc/network/interfaces (or interfaces.d/) configures an interface
 * other than lo. */
int guest_network_inspect(int root_fd, GuestNetwork *ret);

typedef void (*NetworkWarnFn)(const char *message, void *userdata);

/* Calls warn() with one message (with its fix) for each reason the network of entry e cannot work:
 * systemd-networkd masked or missing on the host, IPv4 forwarding off where networkd will not turn
 * it on, a FORWARD chain whose policy drops (read with iptables-save, where a firewall is loaded
 * and the tool is there), a guest with nothing enabled that configures its link, a Boot=no payload
 * on a private network. Nothing for ManageNetwork=no. Messages do not name the container (the
 * caller's log prefix does). host_root is NULL or the directory host paths are under (--root);
 * root_fd is the container root (at directory, as the messages show it), or -1 to leave the guest
 * out. Returns the number of warnings, or -ENOMEM. */
int network_check(const Entry *e, const char *host_root, const char *directory, int root_fd,
        NetworkWarnFn warn, void *userdata);
