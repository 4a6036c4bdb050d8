/* Small language helpers used everywhere: cleanup attributes, TAKE_PTR, streq. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
/* streq() that compares the first bytes before calling strcmp(): for the hot loops over section
 * and key names, where most comparisons differ at once (the sections all start differently). */
#define streq_fast(a, b)                                                                                    \
        ({                                                                                                  \
                const char *_a_ = (a), *_b_ = (b);                                                          \
                _a_[0] == _b_[0] && strcmp(_a_, _b_) == 0;                                                  \
        })
#define strempty(s) ((s) ? (s) : "")
#define isempty(s) (!(s) || (s)[0] == '\0')

static inline const char *startswith(const char *s, const char *prefix)
{
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

static inline const char *endswith(const char *s, const char *suffix)
{
        size_t sl = strlen(s), pl = strlen(suffix);
        return sl >= pl && memcmp(s + sl - pl, suffix, pl) == 0 ? s + sl - pl : NULL;
}

/* Hand a pointer or fd over to someone else: the cleanup handler then sees NULL / -1. */
#define TAKE_PTR(p)                                                                                         \
        ({                                                                                                  \
                __typeof__(p) _p_ = (p);                                                                    \
                (p) = NULL;                                                                                 \
                _p_;                                                                                        \
        })
#define TAKE_FD(fd)                                                                                         \
        ({                                                                                                  \
                int _fd_ = (fd);                                                                            \
                (fd) = -1;                                                                                  \
                _fd_;                                                                                       \
        })

static inline void freep(void *p)
{
        free(*(void **) p);
}
static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Defines NAMEp() that calls NAME(*p) when *p is not NULL, for _cleanup_(NAMEp). */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                             \
        static inline void func##p(type *p)                                                                 \
        {                                                                                                   \
                if (*p)                                                                                     \
                        func(*p);                                                                           \
        }

static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

/* Bounded string duplication that treats allocation failure as fatal is not used:
 * every allocation failure is returned as -ENOMEM to the caller. */
