/* The kernel command line, read the way systemd reads it, for berth's kill switch. */
#pragma once

#include <stdbool.h>

/* Splits a kernel command line into words as systemd does: white space separates, single and
 * double quotes group (and are removed), backslashes stay as they are. */
int cmdline_split(const char *line, char ***ret);

/* The kernel command line: $SYSTEMD_PROC_CMDLINE when set, else PID 1's arguments inside a
 * container (/run/systemd/container exists; the container manager passes them as the kernel
 * command line, as systemd does), else /proc/cmdline. */
int proc_cmdline_read(char **ret);

/* Looks up the boolean key ("berth.enable") in the words: the last assignment wins, a bare key
 * means true. Returns 1 when found (*ret set), 0 when absent. A value that is not a boolean is
 * logged and skipped. */
int cmdline_get_bool(char **words, const char *key, bool *ret);

/* yes/no/true/false/on/off/1/0 -> 1/0, else -EINVAL. */
int parse_boolean(const char *v);
