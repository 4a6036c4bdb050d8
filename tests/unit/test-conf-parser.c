/* The unit-file syntax reader, booleans, UTF-8, ExecStart=-style splitting, time spans. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf-parser.h"
#include "strv.h"
#include "tests.h"
#include "time-util.h"

/* Collects what the parser reports as text: "[S] K=V @L" and "E@L: message" lines. */
static char out[1 << 16];

static bool known(const char *section, void *u)
{
        return streq(section, "A") || streq(section, "Container") || streq(section, "Service");
}

static int on_assignment(const char *section, const char *key, const char *value, unsigned line, void *u)
{
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "[%s] %s=%s @%u\n", section, key, value, line);
        return 0;
}

static int on_error(unsigned line, const char *message, void *u)
{
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "E@%u: %s\n", line, message);
        return 0;
}

static const char *parse_n(const char *text, size_t size)
{
        static const ConfigParseCallbacks cb = {
                .section_is_known = known,
                .unknown_section_hint = "[A]",
                .assignment = on_assignment,
                .error = on_error,
        };
        out[0] = '\0';
        if (config_parse_text(text, size, &cb, NULL) < 0)
                return "FAILED";
        return out;
}

static const char *parse(const char *text)
{
        return parse_n(text, strlen(text));
}

static void test_sections_keys_comments(void)
{
        ASSERT_STREQ(
                parse("# comment\n; also a comment\n\n[A]\n  Key = value with  spaces  \nB=\n  # indented comment\n"),
                "[A] Key=value with  spaces @5\n[A] B= @6\n");
        ASSERT_STREQ(parse("[A]\nK=a=b\n"), "[A] K=a=b @2\n");
        /* No newline at the end of the file. */
        ASSERT_STREQ(parse("[A]\nK=v"), "[A] K=v @2\n");
        ASSERT_STREQ(parse(""), "");
}

static void test_bom_crlf(void)
{
        ASSERT_STREQ(parse("\xef\xbb\xbf[A]\r\nK=v\r\nL=w \r\n"), "[A] K=v @2\n[A] L=w @3\n");
        /* A BOM anywhere else is just text (and U+FEFF is valid UTF-8). */
        ASSERT_STREQ(parse("[A]\nK=\xef\xbb\xbfv\n"), "[A] K=\xef\xbb\xbfv @2\n");
}

static void test_continuation(void)
{
        ASSERT_STREQ(parse("[A]\nK=one \\\n  two\\\n three\n"), "[A] K=one    two  three @2\n");
        /* Comment lines inside a continuation are dropped, as systemd does. */
        ASSERT_STREQ(parse("[A]\nK=one \\\n# dropped\n; dropped\n two\nL=x\n"),
                "[A] K=one   two @2\n[A] L=x @6\n");
        /* An escaped backslash at the end is not a continuation. */
        ASSERT_STREQ(parse("[A]\nK=a\\\\\nL=b\n"), "[A] K=a\\\\ @2\n[A] L=b @3\n");
        /* Trailing white space after the backslash does not hide it. */
        ASSERT_STREQ(parse("[A]\nK=a\\  \nb\n"), "[A] K=a b @2\n");
        /* A continuation on the last line ends with the file. */
        ASSERT_STREQ(parse("[A]\nK=a\\"), "[A] K=a @2\n");
}

static void test_x_sections_and_keys(void)
{
        ASSERT_STREQ(
                parse("[X-Mine]\nAnything=1\nno equals sign here is still an error\n[A]\nX-Key=1\nK=2\n"),
                "E@3: Missing '=' in 'no equals sign here is still an error': expected KEY=VALUE\n[A] K=2 @6\n");
}

static void test_syntax_errors(void)
{
        ASSERT_STREQ(parse("K=v\n"),
                "E@1: Assignment outside of any section: 'K=v'; put it under a [SECTION] header such as [Container]\n");
        ASSERT_STREQ(parse("[A]\njust words\n"), "E@2: Missing '=' in 'just words': expected KEY=VALUE\n");
        ASSERT_STREQ(parse("[A]\n=v\n"), "E@2: Missing key before '=': expected KEY=VALUE\n");
        ASSERT_STREQ(parse("[Nope]\nK=v\n[A]\nL=w\n"),
                "E@1: Unknown section [Nope]; accepted: [A]\n[A] L=w @4\n");
        ASSERT_STREQ(parse("[A\nK=v\n"),
                "E@1: Invalid section header '[A': expected '[NAME]'\nE@2: Assignment outside of any section: 'K=v'; put it under a [SECTION] header such as [Container]\n");
        ASSERT_STREQ(parse("[]\n"), "E@1: Invalid section header '[]': expected '[NAME]'\n");
        /* Long lines are cut in messages, never inside a UTF-8 character. */
        char t[256], want[512];
        snprintf(t, sizeof t, "[A]\n%0*d\xc3\xa9tail\n", 79, 0);
        snprintf(want, sizeof want, "E@2: Missing '=' in '%0*d…': expected KEY=VALUE\n", 79, 0);
        ASSERT_STREQ(parse(t), want);
}

static void test_binary_content(void)
{
        ASSERT_STREQ(parse_n("[A]\nK=v\nL=\0x\nM=z\n", 16),
                "[A] K=v @2\nE@3: File contains a NUL byte: not a text file\n");
        ASSERT_STREQ(parse("[A]\nK=v\nL=\xff\xfe\nM=z\n"),
                "[A] K=v @2\nE@3: Line is not valid UTF-8: the file must be UTF-8 text\n");
        /* Overlong encoding of '/', a UTF-16 surrogate, a code point past U+10FFFF, a cut sequence. */
        ASSERT_TRUE(!utf8_is_valid_n("\xc0\xaf", 2));
        ASSERT_TRUE(!utf8_is_valid_n("\xed\xa0\x80", 3));
        ASSERT_TRUE(!utf8_is_valid_n("\xf4\x90\x80\x80", 4));
        ASSERT_TRUE(!utf8_is_valid_n("\xe2\x82", 2));
        ASSERT_TRUE(utf8_is_valid_n("\xe2\x82\xac \xf0\x9f\x90\xb3 \xc3\xa9", 11));
        /* ASCII is checked eight bytes at a time: a bad byte at every offset of a word, after
         * and between runs, and a sequence cut by the end after a run. */
        for (size_t at = 0; at < 20; at++) {
                char buf[32];
                memset(buf, 'a', sizeof buf);
                buf[at] = '\xff';
                ASSERT_TRUE(!utf8_is_valid_n(buf, sizeof buf));
                ASSERT_TRUE(utf8_is_valid_n(buf, at)); /* the bytes before it are fine */
                buf[at] = '\xc3';
                buf[at + 1] = '\xa9';
                ASSERT_TRUE(utf8_is_valid_n(buf, sizeof buf));
                ASSERT_TRUE(!utf8_is_valid_n(buf, at + 1));
        }
        /* Two literals: a hex escape would swallow the digits that follow it. */
        ASSERT_TRUE(utf8_is_valid_n("0123456789abcdef\xe2\x82\xac"
                                    "0123456789",
                29));
        ASSERT_TRUE(!utf8_is_valid_n("0123456789abcdef\xe2\x82", 18));
}

static void test_long_lines(void)
{
        size_t n = CONFIG_LINE_MAX + 10;
        char *t = malloc(200000);
        strcpy(t, "[A]\nK=");
        memset(t + 6, 'x', n);
        strcpy(t + 6 + n, "\nL=ok\n");
        ASSERT_STREQ(parse(t), "E@2: Line is longer than 64 KiB\n[A] L=ok @3\n");
        /* Exactly at the limit is fine. */
        memset(t, 0, 200000);
        strcpy(t, "[A]\nK=");
        memset(t + 6, 'y', CONFIG_LINE_MAX - 2);
        const char *r = parse(t);
        ASSERT_TRUE(strncmp(r, "[A] K=yyy", 9) == 0);
        /* A continued line counts as a whole. */
        memset(t, 0, 200000);
        strcpy(t, "[A]\nK=");
        size_t p = 6;
        for (int i = 0; i < 40; i++) {
                memset(t + p, 'z', 2000);
                p += 2000;
                strcpy(t + p, "\\\n");
                p += 2;
        }
        strcpy(t + p, "end\n");
        ASSERT_STREQ(parse(t), "E@2: Line is longer than 64 KiB\n");
        free(t);
}

static void test_too_many_errors(void)
{
        char t[4096] = "[A]\n";
        for (int i = 0; i < 30; i++)
                strcat(t, "bad\n");
        const char *r = parse(t);
        ASSERT_TRUE(strstr(r, "E@21: Missing '='"));
        ASSERT_TRUE(strstr(r, "E@21: Too many errors, ignoring the rest of the file\n"));
        ASSERT_TRUE(!strstr(r, "E@22"));

        /* Lines refused whole (a lone CR) count too: the fuzzer found 30 of them gave 30 errors. */
        char c[4096] = "[A]\n";
        for (int i = 0; i < 30; i++)
                strcat(c, "K=a\rb\n");
        r = parse(c);
        ASSERT_TRUE(strstr(r, "E@21: Line holds a carriage return"));
        ASSERT_TRUE(strstr(r, "E@21: Too many errors, ignoring the rest of the file\n"));
        ASSERT_TRUE(!strstr(r, "E@22"));
        size_t n = 0;
        for (const char *e = r; (e = strstr(e, "E@")); e++)
                n++;
        ASSERT_EQ_INT(n, 21);
}

static void test_booleans(void)
{
        const char *yes[] = { "yes", "YES", "true", "on", "1", "y", "t" };
        const char *no[] = { "no", "False", "off", "0", "n", "f" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                ASSERT_EQ_INT(config_parse_boolean(yes[i]), 1);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                ASSERT_EQ_INT(config_parse_boolean(no[i]), 0);
        ASSERT_EQ_INT(config_parse_boolean("2"), -EINVAL);
        ASSERT_EQ_INT(config_parse_boolean(""), -EINVAL);
        ASSERT_EQ_INT(config_parse_boolean("yess"), -EINVAL);
}

/* The words of a split, joined with "|". */
static const char *split(const char *s)
{
        static char buf[1024];
        char **l = NULL;
        const char *why = NULL;
        int r = split_command_line(s, &l, &why);
        if (r < 0) {
                snprintf(buf, sizeof buf, "ERR:%s", why ? why : "?");
                return buf;
        }
        char *j = strv_join(l, "|");
        snprintf(buf, sizeof buf, "%s", j);
        free(j);
        strv_free(l);
        return buf;
}

static void test_split_command(void)
{
        ASSERT_STREQ(split("/bin/sh -c 'echo hi'"), "/bin/sh|-c|echo hi");
        ASSERT_STREQ(split("  a   b\tc  "), "a|b|c");
        ASSERT_STREQ(split("\"a b\"c 'd'\"e\""), "a bc|de");
        ASSERT_STREQ(split("a\\ b"), "a\\ b"); /* an unknown escape is kept, and does not split */
        ASSERT_STREQ(split("\"x\\\"y\" 'it\\'s'"), "x\"y|it's");
        ASSERT_STREQ(split("a\\nb \\x41\\101 \\s"), "a\nb|AA| ");
        ASSERT_STREQ(split("keep\\qunknown"), "keep\\qunknown");
        ASSERT_STREQ(split("''"), "");
        ASSERT_STREQ(split(""), "");
        ASSERT_STREQ(split("\"unterminated"), "ERR:unbalanced double quote (\")");
        ASSERT_STREQ(split("a 'unterminated"), "ERR:unbalanced single quote (')");
        ASSERT_STREQ(split("a\\"), "ERR:trailing backslash");
}

static void test_timespan(void)
{
        static const struct {
                const char *s;
                usec_t v;
        } ok[] = {
                { "90", 90 * USEC_PER_SEC },
                { " 5min 20s ", 320 * USEC_PER_SEC },
                { "5min20s", 320 * USEC_PER_SEC },
                { "1h", 3600 * USEC_PER_SEC },
                { "2 hours", 7200 * USEC_PER_SEC },
                { "1hr", 3600 * USEC_PER_SEC },
                { "1d", 86400 * USEC_PER_SEC },
                { "2days", 2 * 86400 * USEC_PER_SEC },
                { "1w", 7 * 86400 * USEC_PER_SEC },
                { "1week", 7 * 86400 * USEC_PER_SEC },
                { "1M", 2629800 * USEC_PER_SEC },
                { "1month", 2629800 * USEC_PER_SEC },
                { "1y", 31557600 * USEC_PER_SEC },
                { "2years", 2 * 31557600 * USEC_PER_SEC },
                { "1m", 60 * USEC_PER_SEC },
                { "3minutes", 180 * USEC_PER_SEC },
                { "500ms", 500 * USEC_PER_MSEC },
                { "20msec", 20 * USEC_PER_MSEC },
                { "7us", 7 },
                { "7usec", 7 },
                { "1.5s", 1500 * USEC_PER_MSEC },
                { "0.5min", 30 * USEC_PER_SEC },
                { "1 sec", USEC_PER_SEC },
                { "10seconds", 10 * USEC_PER_SEC },
                { "1second", USEC_PER_SEC },
                { "0", 0 },
                { "infinity", USEC_INFINITY },
                { " infinity ", USEC_INFINITY },
                { "1h 30min 10s 5ms", (3600 + 1800 + 10) * USEC_PER_SEC + 5 * USEC_PER_MSEC },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                usec_t v = 0;
                int r = parse_timespan(ok[i].s, &v);
                if (r < 0 || v != ok[i].v)
                        printf("# parse_timespan(\"%s\") = %d, %llu\n", ok[i].s, r, (unsigned long long) v);
                ASSERT_EQ_INT(r, 0);
                ASSERT_TRUE(v == ok[i].v);
        }
        const char *bad[] = { "", " ", "abc", "5x", "-5", "5 min x", "infinity 5", "1.s", "s", "5min-3s",
                "1..5s" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                usec_t v;
                int r = parse_timespan(bad[i], &v);
                if (r != -EINVAL)
                        printf("# parse_timespan(\"%s\") = %d\n", bad[i], r);
                ASSERT_EQ_INT(r, -EINVAL);
        }
        usec_t v;
        ASSERT_EQ_INT(parse_timespan("99999999999999999999", &v), -ERANGE);
        ASSERT_EQ_INT(parse_timespan("1000000y", &v), -ERANGE);
        ASSERT_TRUE(now_usec(CLOCK_MONOTONIC) > 0);
}

TESTS_MAIN(TEST_CASE(test_sections_keys_comments), TEST_CASE(test_bom_crlf), TEST_CASE(test_continuation),
        TEST_CASE(test_x_sections_and_keys), TEST_CASE(test_syntax_errors), TEST_CASE(test_binary_content),
        TEST_CASE(test_long_lines), TEST_CASE(test_too_many_errors), TEST_CASE(test_booleans),
        TEST_CASE(test_split_command), TEST_CASE(test_timespan))
