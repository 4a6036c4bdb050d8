/* Our own reading of /proc/self/mountinfo (proc(5)) and /etc/fstab (fstab(5)), in place of libmount. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct MountEntry {
        char *source;
        char *target; /* the mount point */
        char *fstype;
        char *options; /* mountinfo: the per-mount (VFS) options; fstab: the options field */
} MountEntry;

typedef struct MountTable {
        MountEntry *entries; /* in file order: in mountinfo, later mounts are on top of earlier ones */
        size_t n;
        size_t n_skipped; /* malformed lines, skipped as libmount did */
} MountTable;

void mount_entry_done(MountEntry *e);
void mount_table_done(MountTable *t);

/* One line without its newline. -EINVAL when malformed, -ENOMEM. */
int mount_parse_mountinfo_line(const char *line, MountEntry *ret);
int mount_parse_fstab_line(const char *line, MountEntry *ret);

/* Every entry of a whole file; blank lines and '#' comments are skipped, and so are malformed lines
 * (counted in n_skipped). -errno only when the file cannot be read. */
int mount_table_parse_mountinfo(FILE *f, MountTable *ret);
int mount_table_parse_fstab(FILE *f, MountTable *ret);

/* Paths equal but for trailing slashes. */
bool mount_path_equal(const char *a, const char *b);

/* The mount that holds path (absolute, canonical): the entry whose mount point is the longest prefix of
 * path, the last of those in the table when several have that mount point (the one on top). NULL when
 * none matches, not even "/". */
const MountEntry *mount_table_find_mountpoint(const MountTable *t, const char *path);

/* Whether the comma-separated option list holds the option name, alone or as name=value. */
bool mount_options_has(const char *options, const char *name);
