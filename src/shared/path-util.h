/* Path strings: joining, splitting, simplifying, validating. */
#pragma once

#include <stdbool.h>

/* "a" + "/" + "b", with exactly one slash between them; NULL on -ENOMEM. */
char *path_join(const char *a, const char *b);
/* Splits into an allocated directory ("." when none) and a pointer to the last component. */
int path_split(const char *path, char **ret_dir, const char **ret_base);
/* Simplifies an absolute path in place: "//" and "/./" collapse, a trailing "/" goes.
 * Returns -EINVAL for a relative path and -EBADMSG when a ".." component is present. */
int path_simplify_absolute(char *path);
/* A single file name: not empty, not "." or "..", no "/", at most 255 bytes. */
bool filename_is_valid(const char *s);
/* The container name rule in words, for every program's message ("a name is " MACHINE_NAME_RULE). */
#define MACHINE_NAME_RULE                                                                                   \
        "1-64 characters of A-Z a-z 0-9 - _ ., does not start with '.' or '-' and contains no '..'"
/* A container name (systemd's machine name rules): 1-64 of [A-Za-z0-9-_.], not starting with
 * "." or "-", no "..". */
bool machine_name_is_valid(const char *s);
