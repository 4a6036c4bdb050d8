/* The image cache: which entries share a provisioned image, what the image is called, and what
 * berth records about it. One place for these rules, used by berth-prepare (which provisions and
 * clones images) and berth (which lists, removes and refreshes them).
 *
 * Layout, under the machines directory (the same file system as the default container roots, so
 * that a clone can be a btrfs snapshot or a reflink copy; hidden, as systemd-importd keeps its
 * downloads, so machinectl shows it only with --all):
 *
 *   /var/lib/machines/.berth-images/              0700 root
 *       NAME/                                     one image, renamed into place complete
 *           tree/                                 the pristine root file system (a btrfs
 *                                                 subvolume where the directory is on btrfs)
 *           info                                  Source=, Created=, Bytes=, Files= (below)
 *           clones/CONTAINER                      one per container made from it: its root's path
 *       .#NAME.berth-XXXXXX/                      an image being provisioned (removed on failure,
 *                                                 by the next provisioning, and at boot by
 *                                                 berth's tmpfiles rule)
 *   /run/berth/images/NAME.lock                   flock: one provisioner per image; its content
 *                                                 is the provisioner's progress (see image.c) */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "entry.h"
#include "time-util.h"

#define IMAGES_DIR "/var/lib/machines/.berth-images"
#define IMAGE_LOCK_DIR "/run/berth/images"
#define IMAGE_TREE "tree"
#define IMAGE_INFO "info"
#define IMAGE_CLONES "clones"

/* Whether the entry's root is cloned from a cached image: every Provision= but "none" and "copy"
 * (whose source directory is the image itself, cloned the same way). */
bool entry_uses_image(const Entry *e);

/* The entry's Provision= value as one line, the words joined by single spaces: what makes two
 * entries share an image, and what "berth image list" shows. */
int image_source(const Entry *e, char **ret);

/* The image's name: a readable part made from the source (its kind, and the last path component
 * of each word), then "-" and 12 hex digits of the SHA-256 of the source's words. Like
 * "debootstrap-bookworm-3f2a9c1d07aa". */
int image_name(const Entry *e, char **ret);

/* The images directory under root (NULL: "/"), and NAME's lock when name is set; either return may
 * be NULL. */
int image_paths(const char *root, const char *name, char **ret_dir, char **ret_lock);

/* What image_name() can produce: [A-Za-z0-9._-], not starting with "." or "-", at most 80. */
bool image_name_is_valid(const char *s);

typedef struct ImageInfo {
        char *source;
        usec_t created; /* CLOCK_REALTIME µs */
        uint64_t bytes, files;
} ImageInfo;

void image_info_done(ImageInfo *i);
/* "Source=…\nCreated=…\nBytes=…\nFiles=…\n" */
int image_info_format(const ImageInfo *i, char **ret);
/* -EBADMSG when a line is not one of those keys or a number does not parse. */
int image_info_parse(const char *text, ImageInfo *ret);
