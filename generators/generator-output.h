/* Where berth-generator's files go: the generator directory (atomically, rerun-safe), or stdout
 * for --dry-run. Every file and symlink goes through these two functions. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define OUTPUT_DIR_CACHE 4

typedef struct GeneratorOutput {
        int dir_fd; /* the normal generator directory; -1 for a dry run */
        FILE *dry_run; /* where a dry run prints; NULL when writing for real */
        const char *dry_run_dir; /* the directory shown in dry-run headers */
        /* Open subdirectories, most recently used first: machines.target.wants is used once per
         * entry, and keeping it open saves a mkdirat/openat/close for each. */
        struct {
                char *name;
                int fd;
        } dirs[OUTPUT_DIR_CACHE];
        unsigned serial; /* for temporary names, with pid */
        pid_t pid;
} GeneratorOutput;

/* Closes the cached directories. */
void output_done(GeneratorOutput *o);

/* The directory systemd gives a system generator as its normal output directory: dry-run output
 * shows paths there, so an admin sees where the files will be after boot or daemon-reload. */
#define GENERATOR_NORMAL_DIR "/run/systemd/generator"

/* Writes dir/name (dir NULL: the top level), creating dir, atomically (temporary name + rename).
 * Files are created 0644 under the process umask, which the generator sets to 022. Logs its own
 * errors. */
int output_write_file(
        GeneratorOutput *o, const char *dir, const char *name, const char *content, size_t size);

/* Makes dir/name a symlink to target, creating dir; an existing link is replaced atomically.
 * Logs its own errors. */
int add_symlink(GeneratorOutput *o, const char *dir, const char *name, const char *target);
