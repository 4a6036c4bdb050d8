/* Unit tests for berth-generator's escaping and kernel command line parsing. Unit names are
 * compared with what the real systemd-escape prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "proc-cmdline.h"
#include "strv.h"
#include "tests.h"
#include "config-tables.h"
#include "unit-escape.h"

/* What 'systemd-escape --path --suffix=SUFFIX PATH' prints. */
static char *systemd_escape(const char *path, const char *suffix)
{
        char cmd[1024], buf[1024];
        FILE *p;

        snprintf(cmd, sizeof cmd, "systemd-escape --path --suffix=%s -- '%s'", suffix, path);
        p = popen(cmd, "r");
        if (!p)
                return NULL;
        if (!fgets(buf, sizeof buf, p)) {
                pclose(p);
                return NULL;
        }
        pclose(p);
        buf[strcspn(buf, "\n")] = '\0';
        return strdup(buf);
}

static void test_unit_name_from_path_matches_systemd_escape(void)
{
        static const char *const paths[] = {
                "/sys/subsystem/net/devices/br0",
                "/sys/subsystem/net/devices/br-lan",
                "/sys/subsystem/net/devices/br_lan.10",
                "/sys/subsystem/net/devices/.hidden",
                "/sys/subsystem/net/devices/a%b:c@d+e",
                "/srv//my dir/./x/",
                "/",
                "/caf\xc3\xa9",
        };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *ours = NULL, *theirs = systemd_escape(paths[i], "device");
                ASSERT_TRUE(theirs);
                ASSERT_EQ_INT(unit_name_from_path(paths[i], ".device", &ours), 0);
                ASSERT_STREQ(ours, theirs);
        }
}

static void test_unit_name_from_path_refuses(void)
{
        char *s = NULL;
        ASSERT_EQ_INT(unit_name_from_path("relative/path", ".device", &s), -EINVAL);
        ASSERT_EQ_INT(unit_name_from_path("/a/../b", ".device", &s), -EINVAL);
        ASSERT_TRUE(s == NULL);
}

static void test_unit_name_is_valid(void)
{
        ASSERT_TRUE(unit_name_is_valid("multi-user.target"));
        ASSERT_TRUE(unit_name_is_valid("systemd-nspawn@web.service"));
        ASSERT_TRUE(unit_name_is_valid("sys-subsystem-net-devices-br\\x2dlan.device"));
        ASSERT_TRUE(!unit_name_is_valid("multi-user"));
        ASSERT_TRUE(!unit_name_is_valid("a/b.target"));
        ASSERT_TRUE(!unit_name_is_valid("@x.service"));
        ASSERT_TRUE(!unit_name_is_valid("a@b@c.service"));
        ASSERT_TRUE(!unit_name_is_valid(".target"));
        ASSERT_TRUE(!unit_name_is_valid("with space.target"));
}

/* Runs one of the text_put_* writers into a string. */
static char *render(void (*fn)(TextBuffer *, const char *), const char *s)
{
        TextBuffer b = {};
        fn(&b, s);
        if (b.oom) {
                text_buffer_done(&b);
                return NULL;
        }
        return b.data ? b.data : strdup("");
}

static void test_exec_word(void)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "/usr/bin/x", "/usr/bin/x" },
                { "--directory=/srv/web", "--directory=/srv/web" },
                { "100%", "100%%" },
                { "$HOME", "$$HOME" },
                { "a b", "\"a b\"" },
                { "say \"hi\"", "\"say \\\"hi\\\"\"" },
                { "back\\slash", "\"back\\\\slash\"" },
                { "tab\there", "\"tab\there\"" },
                { "bell\a", "\"bell\\x07\"" },
                { "", "\"\"" },
                { ";", "\";\"" },
                { "it's", "\"it's\"" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = render(text_put_exec_word, cases[i].in);
                ASSERT_STREQ(s, cases[i].out);
        }
}

static void test_path_word_and_text(void)
{
        _cleanup_free_ char *a = render(text_put_path_word, "/srv/$x/100%/a b");
        _cleanup_free_ char *b = render(text_put_unit_text, "50% of \"it\" \\o/ $x");
        ASSERT_STREQ(a, "\"/srv/$x/100%%/a b\"");
        ASSERT_STREQ(b, "50%% of \"it\" \\o/ $x");
}

static void test_cmdline_split(void)
{
        _cleanup_strv_free_ char **w = NULL;
        ASSERT_EQ_INT(cmdline_split("  quiet foo=\"a b\" 'berth.enable=0' x\\y \"unterminated z", &w), 0);
        ASSERT_EQ_INT(strv_length(w), 5);
        ASSERT_STREQ(w[0], "quiet");
        ASSERT_STREQ(w[1], "foo=a b");
        ASSERT_STREQ(w[2], "berth.enable=0");
        ASSERT_STREQ(w[3], "x\\y");
        ASSERT_STREQ(w[4], "unterminated z");
}

static void test_cmdline_get_bool(void)
{
        _cleanup_strv_free_ char **w = NULL;
        bool b = true;

        ASSERT_EQ_INT(cmdline_split("berth.enable=0 other=1", &w), 0);
        ASSERT_EQ_INT(cmdline_get_bool(w, "berth.enable", &b), 1);
        ASSERT_TRUE(!b);
        w = strv_free(w);
        ASSERT_EQ_INT(cmdline_split("berth.enable=off berth.enable", &w), 0);
        ASSERT_EQ_INT(cmdline_get_bool(w, "berth.enable", &b), 1);
        ASSERT_TRUE(b);
        w = strv_free(w);
        ASSERT_EQ_INT(cmdline_split("berth.enabled=0 xberth.enable=0", &w), 0);
        ASSERT_EQ_INT(cmdline_get_bool(w, "berth.enable", &b), 0);
        w = strv_free(w);
        ASSERT_EQ_INT(cmdline_split("", &w), 0);
        ASSERT_EQ_INT(cmdline_get_bool(w, "berth.enable", &b), 0);
}

TESTS_MAIN(TEST_CASE(test_unit_name_from_path_matches_systemd_escape),
        TEST_CASE(test_unit_name_from_path_refuses), TEST_CASE(test_unit_name_is_valid),
        TEST_CASE(test_exec_word), TEST_CASE(test_path_word_and_text), TEST_CASE(test_cmdline_split),
        TEST_CASE(test_cmdline_get_bool))
