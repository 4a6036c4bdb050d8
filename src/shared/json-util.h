/* JSON output shared by berth and berth-audit. */
#pragma once

#include <stdio.h>

/* Prints s as a JSON string, quotes included: '"', '\\' and control characters escaped, valid
 * UTF-8 passed through, invalid bytes replaced by U+FFFD (a JSON document must be UTF-8); NULL
 * prints as "". */
void json_print_string(FILE *f, const char *s);
