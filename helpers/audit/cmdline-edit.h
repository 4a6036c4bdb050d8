/* Pure text editors behind 'berth-audit fix': audit=0 into a GRUB defaults file (a shell
 * fragment) or into /etc/kernel/cmdline, the kernel-style parameter lookup that 'check' uses on
 * /proc/cmdline, and a small unified diff. No I/O here, so the unit tests cover every shape. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Largest boot configuration file we edit. /etc/default/grub is a few KiB; anything near this
 * is not a hand-written shell fragment. */
#define CMDLINE_FILE_MAX (1024 * 1024)

typedef struct EditError {
        unsigned line; /* 1-based; 0 when the error is about the whole file */
        char message[512];
} EditError;

/* Finds the last "KEY=" parameter of a kernel command line before a "--" (what the kernel does:
 * the last one wins, and everything after "--" is for init). Double quotes group as in the
 * kernel's own parser and are removed from the returned value. Returns 1 and the value in
 * *ret, 0 when absent, -ENOMEM. */
int kernel_cmdline_get(const char *cmdline, const char *key, char **ret);

/* True for the values the kernel reads as "audit off": "0" and "off" (any case). */
bool audit_value_is_off(const char *value);

/* Checks that text is a text file: no NUL byte, no control characters other than tab, CR, LF,
 * VT and FF. -EBADMSG with *err filled otherwise. */
int text_check(const char *text, size_t size, EditError *err);

/* Makes the last assignment of GRUB_CMDLINE_LINUX in a GRUB defaults file end up with audit=0
 * (an existing audit=X is rewritten, otherwise " audit=0" is appended inside the value keeping
 * its quoting; without any assignment a line GRUB_CMDLINE_LINUX="audit=0" is added), and
 * rewrites audit=X (X not off) in the last GRUB_CMDLINE_LINUX_DEFAULT, which GRUB puts after it.
 * Every other byte is kept. Only a file whose every mention of the two variables is a plain
 * top-level NAME=VALUE (or 'export NAME=VALUE') with a literal value, 'export NAME', $NAME or
 * ${NAME} is edited; anything else (a block, '&&', a function, a here-document, 'readonly', an
 * expansion in the value, '.' after the last assignment, ...) is refused with the line and the
 * construct. The result is checked by reading it back: its effective command line has audit off
 * and every other parameter of the original. Returns 1 with the new text in *ret (NUL-terminated,
 * length in *ret_size), 0 when nothing needs to change (the effective value already has audit
 * off), -EBADMSG with *err filled when the file cannot be edited safely, -ENOMEM. */
int grub_defaults_set_audit_off(const char *text, size_t size, char **ret, size_t *ret_size, EditError *err);

/* What sourcing a GRUB defaults file gives for the kernel command line: GRUB_CMDLINE_LINUX, a
 * space, GRUB_CMDLINE_LINUX_DEFAULT (as GRUB writes them), each the value of its last plain
 * assignment or empty. Only for files grub_defaults_set_audit_off() accepts: -EBADMSG with *err
 * filled for any other (a block, a list, an expansion, ...), -ENOMEM. */
int grub_defaults_effective(const char *text, size_t size, char **ret, EditError *err);

/* The same for the single command line of /etc/kernel/cmdline (kernel-install). */
int kernel_cmdline_file_set_audit_off(
        const char *text, size_t size, char **ret, size_t *ret_size, EditError *err);

/* The line of the first assignment to GRUB_CMDLINE_LINUX in a file GRUB reads after
 * /etc/default/grub (/etc/default/grub.d/NAME.cfg), which could drop our audit=0; 0 when none. */
unsigned grub_defaults_find_cmdline_assignment(const char *text, size_t size);

/* Writes a unified diff (3 lines of context) from a to b, or nothing when they are equal.
 * Lines are compared position by position, which is exact for what the editors above do
 * (lines change in place; lines are only added at the end). */
int unified_diff(FILE *out, const char *label_a, const char *label_b, const char *a, size_t a_size,
        const char *b, size_t b_size);
