/* berth-audit's two commands and the options they share. */
#pragma once

#include <stdbool.h>

#include "entry.h" /* AuditPolicy and its words: the loader's, for Audit= and --policy= alike */

typedef struct AuditOptions {
        const char *root; /* --root=DIR: files under DIR instead of the machine; NULL for "/" */
        AuditPolicy policy; /* check */
        bool json; /* check */
        const char *container; /* check: the container named in messages */
        bool dry_run; /* fix */
} AuditOptions;

/* Both return the process exit status. */
int audit_check(const AuditOptions *o);
int audit_fix(const AuditOptions *o);

/* root + path, or a copy of path without a root; NULL on -ENOMEM. */
char *root_path(const char *root, const char *path);
