/* The image cache's rules: see image-cache.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-cache.h"
#include "macro.h"
#include "sha256.h"
#include "strv.h"

#define IMAGE_NAME_MAX 80
#define IMAGE_SLUG_MAX 48
#define IMAGE_HASH_DIGITS 12

bool entry_uses_image(const Entry *e)
{
        return e->provision != PROVISION_NONE && e->provision != PROVISION_COPY;
}

int image_source(const Entry *e, char **ret)
{
        _cleanup_free_ char *words = strv_join(e->provision_args, " ");
        if (!words)
                return -ENOMEM;
        if (asprintf(ret, "%s%s%s", provision_kind_to_string(e->provision), isempty(words) ? "" : " ",
                    words) < 0)
                return -ENOMEM;
        return 0;
}

static bool image_char_ok(char ch)
{
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '.' || ch == '_' || ch == '-';
}

/* Appends word's last path component to the slug, characters outside the name rule as "-". */
static void slug_append(char *slug, size_t *n, const char *word)
{
        const char *base = strrchr(word, '/');
        base = base && base[1] ? base + 1 : word;
        if (*n > 0 && *n < IMAGE_SLUG_MAX && slug[*n - 1] != '-')
                slug[(*n)++] = '-';
        for (const char *p = base; *p && *n < IMAGE_SLUG_MAX; p++) {
                char ch = image_char_ok(*p) ? *p : '-';
                if (ch == '-' && *n > 0 && slug[*n - 1] == '-')
                        continue;
                slug[(*n)++] = ch;
        }
}

int image_name(const Entry *e, char **ret)
{
        char slug[IMAGE_SLUG_MAX + 1] = "";
        size_t n = 0;

        slug_append(slug, &n, provision_kind_to_string(e->provision));
        STRV_FOREACH (w, e->provision_args)
                slug_append(slug, &n, *w);
        while (n > 0 && (slug[n - 1] == '-' || slug[n - 1] == '.'))
                n--;
        slug[n] = '\0';

        /* The hash is over the words with a NUL after each, so "a b" + "c" differs from "a" + "b c". */
        Sha256 s;
        uint8_t digest[SHA256_DIGEST_SIZE];
        char hex[2 * SHA256_DIGEST_SIZE + 1];
        const char *kind = provision_kind_to_string(e->provision);
        sha256_init(&s);
        sha256_update(&s, kind, strlen(kind) + 1);
        STRV_FOREACH (w, e->provision_args)
                sha256_update(&s, *w, strlen(*w) + 1);
        sha256_final(&s, digest);
        sha256_to_hex(digest, hex);
        hex[IMAGE_HASH_DIGITS] = '\0';

        if (asprintf(ret, "%s-%s", slug, hex) < 0)
                return -ENOMEM;
        return 0;
}

int image_paths(const char *root, const char *name, char **ret_dir, char **ret_lock)
{
        _cleanup_free_ char *dir = NULL, *lock = NULL;

        if (ret_dir && asprintf(&dir, "%s" IMAGES_DIR, root ? root : "") < 0)
                return -ENOMEM;
        if (ret_lock && !name)
                return -EINVAL;
        if (ret_lock && asprintf(&lock, "%s" IMAGE_LOCK_DIR "/%s.lock", root ? root : "", name) < 0)
                return -ENOMEM;
        if (ret_dir)
                *ret_dir = TAKE_PTR(dir);
        if (ret_lock)
                *ret_lock = TAKE_PTR(lock);
        return 0;
}

bool image_name_is_valid(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || n > IMAGE_NAME_MAX || s[0] == '.' || s[0] == '-')
                return false;
        for (const char *p = s; *p; p++)
                if (!image_char_ok(*p))
                        return false;
        return true;
}

void image_info_done(ImageInfo *i)
{
        free(i->source);
        i->source = NULL;
}

int image_info_format(const ImageInfo *i, char **ret)
{
        if (strchr(i->source, '\n'))
                return -EINVAL;
        if (asprintf(ret, "Source=%s\nCreated=%llu\nBytes=%llu\nFiles=%llu\n", i->source,
                    (unsigned long long) i->created, (unsigned long long) i->bytes,
                    (unsigned long long) i->files) < 0)
                return -ENOMEM;
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
        char *end;
        if (!*s || *s == '-')
                return -EBADMSG;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EBADMSG;
        *ret = v;
        return 0;
}

int image_info_parse(const char *text, ImageInfo *ret)
{
        _cleanup_strv_free_ char **lines = NULL;
        ImageInfo i = {};
        int r = 0;

        if (strv_split(text, "\n", &lines) < 0)
                return -ENOMEM;
        STRV_FOREACH (l, lines) {
                const char *v;
                if (isempty(*l))
                        continue;
                if ((v = startswith(*l, "Source="))) {
                        free(i.source);
                        i.source = strdup(v);
                        if (!i.source) {
                                r = -ENOMEM;
                                break;
                        }
                } else if ((v = startswith(*l, "Created=")))
                        r = parse_u64(v, &i.created);
                else if ((v = startswith(*l, "Bytes=")))
                        r = parse_u64(v, &i.bytes);
                else if ((v = startswith(*l, "Files=")))
                        r = parse_u64(v, &i.files);
                else
                        r = -EBADMSG;
                if (r < 0)
                        break;
        }
        if (r >= 0 && !i.source)
                r = -EBADMSG;
        if (r < 0) {
                image_info_done(&i);
                return r;
        }
        *ret = i;
        return 0;
}
