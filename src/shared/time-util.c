/* Time spans in systemd's syntax, and the clock. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "time-util.h"

#define USEC_PER_MINUTE (60ULL * USEC_PER_SEC)
#define USEC_PER_HOUR (60ULL * USEC_PER_MINUTE)
#define USEC_PER_DAY (24ULL * USEC_PER_HOUR)
#define USEC_PER_WEEK (7ULL * USEC_PER_DAY)
/* systemd's month and year: 30.44 and 365.25 days. */
#define USEC_PER_MONTH (2629800ULL * USEC_PER_SEC)
#define USEC_PER_YEAR (31557600ULL * USEC_PER_SEC)

/* Longer spellings first, so that "ms" is not read as "m" followed by garbage, and "min" is not
 * read as "m" + "in". "m" is a minute and "M" a month, as in systemd. */
static const struct {
        const char *suffix;
        usec_t usec;
} units[] = {
        { "seconds", USEC_PER_SEC }, { "second", USEC_PER_SEC }, { "sec", USEC_PER_SEC },
        { "s", USEC_PER_SEC }, { "minutes", USEC_PER_MINUTE }, { "minute", USEC_PER_MINUTE },
        { "min", USEC_PER_MINUTE }, { "months", USEC_PER_MONTH }, { "month", USEC_PER_MONTH },
        { "M", USEC_PER_MONTH }, { "msec", USEC_PER_MSEC }, { "ms", USEC_PER_MSEC },
        { "m", USEC_PER_MINUTE }, { "hours", USEC_PER_HOUR }, { "hour", USEC_PER_HOUR },
        { "hr", USEC_PER_HOUR }, { "h", USEC_PER_HOUR }, { "days", USEC_PER_DAY }, { "day", USEC_PER_DAY },
        { "d", USEC_PER_DAY }, { "weeks", USEC_PER_WEEK }, { "week", USEC_PER_WEEK }, { "w", USEC_PER_WEEK },
        { "years", USEC_PER_YEAR }, { "year", USEC_PER_YEAR }, { "y", USEC_PER_YEAR }, { "usec", 1 },
        { "us", 1 }, { "\xc2\xb5s", 1 }, /* µs */
        { "\xce\xbcs", 1 }, /* μs */
};

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* Reads one "NUMBER[.FRACTION][ ]UNIT" component at *p and adds it to *sum. */
static int parse_component(const char **p, usec_t *sum)
{
        const char *s = *p;
        usec_t whole = 0, multiplier = USEC_PER_SEC, v;
        const char *frac = NULL;
        size_t n_frac = 0;

        if (!is_digit(*s) && !(*s == '.' && is_digit(s[1])))
                return -EINVAL;
        for (; is_digit(*s); s++) {
                if (whole > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                whole = whole * 10 + (usec_t) (*s - '0');
        }
        if (*s == '.') {
                s++;
                frac = s;
                while (is_digit(*s))
                        s++;
                n_frac = (size_t) (s - frac);
                if (n_frac == 0)
                        return -EINVAL;
        }
        while (is_space(*s))
                s++;

        /* A unit must end at the end, at white space or where the next number starts. */
        bool found = false;
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                const char *e = startswith(s, units[i].suffix);
                if (e && (*e == '\0' || is_space(*e) || is_digit(*e) || *e == '.')) {
                        multiplier = units[i].usec;
                        s = e;
                        found = true;
                        break;
                }
        }
        if (!found && *s != '\0' && !is_digit(*s) && *s != '.')
                return -EINVAL;

        if (whole > UINT64_MAX / multiplier)
                return -ERANGE;
        v = whole * multiplier;
        /* The fraction, digit by digit, each worth a tenth of the one before. */
        usec_t m = multiplier;
        for (size_t i = 0; i < n_frac && m > 0; i++) {
                m /= 10;
                v += (usec_t) (frac[i] - '0') * m;
        }
        if (v == USEC_INFINITY || *sum > UINT64_MAX - 1 - v)
                return -ERANGE;
        *sum += v;
        *p = s;
        return 0;
}

int parse_timespan(const char *s, usec_t *ret)
{
        usec_t sum = 0;
        int r;

        if (!s)
                return -EINVAL;
        while (is_space(*s))
                s++;
        if (*s == '\0')
                return -EINVAL;

        const char *e = startswith(s, "infinity");
        if (e) {
                while (is_space(*e))
                        e++;
                if (*e != '\0')
                        return -EINVAL;
                *ret = USEC_INFINITY;
                return 0;
        }

        while (*s) {
                r = parse_component(&s, &sum);
                if (r < 0)
                        return r;
                while (is_space(*s))
                        s++;
        }
        *ret = sum;
        return 0;
}

usec_t now_usec(int clock_id)
{
        struct timespec ts;

        if (clock_gettime(clock_id, &ts) < 0)
                return 0;
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}
