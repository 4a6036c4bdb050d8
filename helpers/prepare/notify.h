/* Telling the service manager about progress: libsystemd's sd_notify(), loaded on first use. */
#pragma once

/* Sends state ("EXTEND_TIMEOUT_USEC=…") to $NOTIFY_SOCKET with sd_notify(). 0 when sent or when
 * $NOTIFY_SOCKET is not set (not run by systemd: then libsystemd is not even loaded), -errno otherwise
 * (-ELIBACC when libsystemd cannot be loaded). */
int notify_send(const char *state);
