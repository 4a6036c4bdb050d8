/* Small helpers for berth-audit's output: errno names (JSON strings: json-util.h). */
#pragma once

#include "json-util.h"

/* "EPERM" for EPERM, ...; NULL for an errno this program never reports. */
const char *errno_name(int error);
/* The errno for a name errno_name() knows, -EINVAL otherwise. */
int errno_from_name(const char *name);
