/* Time spans in systemd's syntax ("90", "5min 20s", "1h", "infinity"). */
#pragma once

#include <stdint.h>

typedef uint64_t usec_t;
#define USEC_INFINITY ((usec_t) UINT64_MAX)
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MSEC ((usec_t) 1000ULL)

/* Parses a time span; a bare number is in seconds. -EINVAL when it does not parse, -ERANGE on
 * overflow. "infinity" gives USEC_INFINITY. */
int parse_timespan(const char *s, usec_t *ret);
usec_t now_usec(int clock_id);
