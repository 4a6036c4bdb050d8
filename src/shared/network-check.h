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

/* Whether the IPv4 filter table's FORWARD chain drops by default: 1 or 0, or -errno when it cannot
 * be read. Only where a packet filter is loaded (host_root: /sys/module/nf_tables or ip_tables)
 * does it run "iptables-save -t filter" (iptables' reading, nft- or legacy-backed, as Docker writes
 * it), which needs CAP_NET_ADMIN: berth-prepare asks before it drops its capabilities. */
int network_forward_policy_drops(const char *host_root);

typedef void (*NetworkWarnFn)(const char *message, void *userdata);

/* Calls warn() with one message (with its fix) for each reason the network of entry e cannot work:
 * systemd-networkd masked or missing on the host, IPv4 forwarding off where networkd will not turn
 * it on, a FORWARD chain whose policy drops (read with iptables-save, where a firewall is loaded
 * and the tool is there), a guest with nothing enabled that configures its link, a Boot=no payload
 * on a private network. Nothing for ManageNetwork=no. Messages do not name the container (the
 * caller's log prefix does). host_root is NULL or the directory host paths are under (--root);
 * root_fd is the container root (at directory, as the messages show it), or -1 to leave the guest
 * out. forward_drops is network_forward_policy_drops() asked earlier, or negative to ask it now.
 * Returns the number of warnings, or -ENOMEM. */
int network_check(const Entry *e, const char *host_root, const char *directory, int root_fd,
        int forward_drops, NetworkWarnFn warn, void *userdata);
