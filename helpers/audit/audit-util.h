/* Small helpers for berth-audit's output: JSON strings and errno names. */
#pragma once

#include <stdio.h>

/* Prints s as a JSON string, quotes included: '"', '\' and control characters escaped, valid
 * UTF-8 passed through, invalid bytes replaced by U+FFFD (a JSON document must be UTF-8). */
void json_print_string(FILE *f, const char *s);

/* "EPERM" for EPERM, ...; NULL for an errno this program never reports. */
const char *errno_name(int error);
/* The errno for a name errno_name() knows, -EINVAL otherwise. */
int errno_from_name(const char *name);
