/* Our own sd_notify(): one datagram to the service manager, so berth-prepare need not load libsystemd. */
#pragma once

/* Sends state ("EXTEND_TIMEOUT_USEC=…") to $NOTIFY_SOCKET. 0 when sent or when $NOTIFY_SOCKET is not
 * set (not run by systemd), -errno otherwise. */
int notify_send(const char *state);
