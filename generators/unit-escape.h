/* Escaping for what berth-generator writes into unit files: unit names made from paths, "%"
 * specifiers, and quoted command-line and path arguments. Every user value goes through here. */
#pragma once

#include <stdbool.h>

#include "text-buffer.h"

/* The unit name for a path, as 'systemd-escape --path --suffix=SUFFIX PATH' makes it:
 * "/sys/subsystem/net/devices/br-lan" + ".device" -> "sys-subsystem-net-devices-br\x2dlan.device".
 * -EINVAL for a relative path or one with a ".." component. */
int unit_name_from_path(const char *path, const char *suffix, char **ret);

/* Writes s with every "%" doubled, so systemd's specifier expansion gives back s. For free-text
 * settings such as Description= and SourcePath=, and comments. A line break (LF or CR, both end a
 * line for systemd) becomes a space: the text stays on its line. */
void text_put_unit_text(TextBuffer *b, const char *s);

/* Writes one word of a command line (ExecStart=...) so that systemd's command-line parsing
 * gives back exactly s: "%" -> "%%", "$" -> "$$" (no environment expansion), and words holding
 * anything but [A-Za-z0-9/._:=+,@-] double-quoted with '"' and '\' backslash-escaped and control
 * characters as \xNN. */
void text_put_exec_word(TextBuffer *b, const char *s);

/* Writes one path for a space-separated path list (RequiresMountsFor=): quoted like
 * fputs_exec_word(), without the "$" doubling (those settings do not expand variables) and
 * without \xNN (they do not C-unescape; berth's paths never hold line breaks). */
void text_put_path_word(TextBuffer *b, const char *s);
