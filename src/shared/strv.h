/* NULL-terminated string vectors (char **), as systemd's strv. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Appends a copy of value. Returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *value);
/* Appends value itself (takes ownership; frees it on failure). */
int strv_push(char ***l, char *value);
char **strv_copy(char *const *l);
/* Splits on any character of separators, dropping empty fields. */
int strv_split(const char *s, const char *separators, char ***ret);
/* Sorts in place with strcmp(). */
void strv_sort(char **l);
/* Joins with separator; returns NULL on -ENOMEM. */
char *strv_join(char *const *l, const char *separator);
