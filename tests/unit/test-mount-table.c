/* Unit tests for helpers/prepare/mount-table.c: /proc/self/mountinfo and /etc/fstab as berth-prepare
 * reads them (escapes, optional fields, comments, swap, malformed lines), and finding a path's mount. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mount-table.h"
#include "tests.h"

/* Parses text as a whole file with parse (mountinfo or fstab) into t; 0 or -errno. */
static int parse_text(const char *text, int (*parse)(FILE *, MountTable *), MountTable *t)
{
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        if (!f)
                return -errno;
        int r = parse(f, t);
        fclose(f);
        return r;
}

static void test_mountinfo_line(void)
{
        MountEntry e = {};

        ASSERT_EQ_INT(
                mount_parse_mountinfo_line(
                        "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
                        &e),
                0);
        ASSERT_STREQ(e.target, "/mnt2");
        ASSERT_STREQ(e.options, "rw,noatime");
        ASSERT_STREQ(e.fstype, "ext3");
        ASSERT_STREQ(e.source, "/dev/root");
        mount_entry_done(&e);
        ASSERT_TRUE(e.target == NULL);
}

static void test_mountinfo_optional_fields(void)
{
        MountEntry e = {};

        /* None at all. */
        ASSERT_EQ_INT(mount_parse_mountinfo_line("1 0 8:1 / / ro,relatime - ext4 /dev/sda1 rw", &e), 0);
        ASSERT_STREQ(e.target, "/");
        ASSERT_STREQ(e.options, "ro,relatime");
        ASSERT_STREQ(e.fstype, "ext4");
        mount_entry_done(&e);

        /* Several; the separator is the first lone "-". */
        ASSERT_EQ_INT(
                mount_parse_mountinfo_line("2 1 0:5 / /dev rw,nosuid shared:2 master:7 propagate_from:3 "
                                           "unbindable - devtmpfs udev rw,size=1k",
                        &e),
                0);
        ASSERT_STREQ(e.target, "/dev");
        ASSERT_STREQ(e.options, "rw,nosuid");
        ASSERT_STREQ(e.fstype, "devtmpfs");
        ASSERT_STREQ(e.source, "udev");
        mount_entry_done(&e);

        /* An empty source (two blanks in a row), as the kernel writes for some file systems. */
        ASSERT_EQ_INT(mount_parse_mountinfo_line("3 1 0:6 / /x rw - tmpfs  rw", &e), 0);
        ASSERT_STREQ(e.source, "");
        ASSERT_STREQ(e.fstype, "tmpfs");
        mount_entry_done(&e);
}

static void test_mountinfo_escapes(void)
{
        MountEntry e = {};

        ASSERT_EQ_INT(
                mount_parse_mountinfo_line("40 1 0:40 /a\\040b /srv/with\\040space\\011tab\\012nl\\134bs "
                                           "rw,noexec shared:9 - tmpfs my\\040src rw",
                        &e),
                0);
        ASSERT_STREQ(e.target, "/srv/with space\ttab\nnl\\bs");
        ASSERT_STREQ(e.source, "my src");
        ASSERT_STREQ(e.options, "rw,noexec");
        mount_entry_done(&e);

        /* A backslash without three octal digits (first at most 3) stays as it is. */
        ASSERT_EQ_INT(mount_parse_mountinfo_line("41 1 0:41 / /x\\09y\\4000\\ rw - tmpfs t\\04 rw", &e), 0);
        ASSERT_STREQ(e.target, "/x\\09y\\4000\\");
        ASSERT_STREQ(e.source, "t\\04");
        mount_entry_done(&e);

        /* The kernel's mark on a mount whose directory was deleted is not part of the path. */
        ASSERT_EQ_INT(mount_parse_mountinfo_line("42 1 0:42 / /gone\\040(deleted) rw - tmpfs t rw", &e), 0);
        ASSERT_STREQ(e.target, "/gone");
        mount_entry_done(&e);
}

static void test_mountinfo_malformed(void)
{
        static const char *const bad[] = {
                "",
                "36",
                "36 35",
                "x 35 98:0 / / rw - ext4 /dev/sda rw",
                "36 y 98:0 / / rw - ext4 /dev/sda rw",
                "36 35 98 / / rw - ext4 /dev/sda rw",
                "36 35 98: / / rw - ext4 /dev/sda rw",
                "36 35 :0 / / rw - ext4 /dev/sda rw",
                "36 35 98:0 / / rw shared:1 ext4 /dev/sda rw", /* no separator */
                "36 35 98:0 / / rw -", /* nothing after it */
                "36 35 98:0 / / rw - ext4", /* no source */
                "36x 35 98:0 / / rw - ext4 /dev/sda rw",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                MountEntry e = {};
                int r = mount_parse_mountinfo_line(bad[i], &e);
                if (r != -EINVAL)
                        printf("# line %zu: \"%s\" gave %d\n", i, bad[i], r);
                ASSERT_EQ_INT(r, -EINVAL);
                ASSERT_TRUE(e.target == NULL);
        }
}

static void test_mountinfo_file(void)
{
        MountTable t = {};

        ASSERT_EQ_INT(parse_text("1 0 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
                                 "garbage line\n"
                                 "\n"
                                 "2 1 0:5 / /var/lib/machines rw,noexec shared:2 - tmpfs tmpfs rw\r\n"
                                 "3 2 0:6 / /var/lib/machines/web ro,nosuid - tmpfs tmpfs rw\n"
                                 "4 1 0:7 / /var/lib/machines ro - tmpfs tmpfs rw", /* no final newline */
                              mount_table_parse_mountinfo, &t),
                0);
        ASSERT_EQ_INT(t.n, 4);
        ASSERT_EQ_INT(t.n_skipped, 1);
        ASSERT_STREQ(t.entries[1].source, "tmpfs"); /* the '\r' is gone */
        ASSERT_STREQ(t.entries[1].options, "rw,noexec");
        ASSERT_STREQ(t.entries[3].target, "/var/lib/machines");

        /* The longest mount point that holds the path; of equal ones the last (on top). */
        const MountEntry *m = mount_table_find_mountpoint(&t, "/var/lib/machines/web/etc");
        ASSERT_TRUE(m == &t.entries[2]);
        m = mount_table_find_mountpoint(&t, "/var/lib/machines/other");
        ASSERT_TRUE(m == &t.entries[3]);
        ASSERT_TRUE(mount_options_has(m->options, "ro"));
        m = mount_table_find_mountpoint(&t, "/var/lib/machines/");
        ASSERT_TRUE(m == &t.entries[3]);
        m = mount_table_find_mountpoint(&t, "/var/lib/machinesX");
        ASSERT_TRUE(m == &t.entries[0]);
        m = mount_table_find_mountpoint(&t, "/");
        ASSERT_TRUE(m == &t.entries[0]);
        mount_table_done(&t);

        /* Without "/" nothing else holds an unrelated path. */
        ASSERT_EQ_INT(
                parse_text("2 1 0:5 / /srv rw - tmpfs tmpfs rw\n", mount_table_parse_mountinfo, &t), 0);
        ASSERT_TRUE(mount_table_find_mountpoint(&t, "/var") == NULL);
        ASSERT_TRUE(mount_table_find_mountpoint(&t, "/srv/a/b") == &t.entries[0]);
        mount_table_done(&t);
}

/* This process's own mount table: every line parses, and "/" is in it. */
static void test_mountinfo_real(void)
{
        MountTable t = {};
        FILE *f = fopen("/proc/self/mountinfo", "re");

        ASSERT_TRUE(f);
        int r = mount_table_parse_mountinfo(f, &t);
        fclose(f);
        ASSERT_EQ_INT(r, 0);
        ASSERT_TRUE(t.n > 0);
        ASSERT_EQ_INT(t.n_skipped, 0);
        const MountEntry *m = mount_table_find_mountpoint(&t, "/");
        ASSERT_TRUE(m != NULL);
        ASSERT_STREQ(m->target, "/");
        mount_table_done(&t);
}

static void test_fstab(void)
{
        MountTable t = {};

        ASSERT_EQ_INT(parse_text("# /etc/fstab: static file system information.\n"
                                 "   # an indented comment\n"
                                 "\n"
                                 "  \t \n"
                                 "UUID=1234 / ext4 errors=remount-ro 0 1\n"
                                 "/dev/sdb1\tnone\tswap\tsw\t0\t0\n"
                                 "/dev/vg/m /var/lib/machines/my\\040web xfs defaults,nofail 0 2 extra\n"
                                 "/dev/vg/n   /srv/n\n" /* no fstype: taken as empty */
                                 "/dev/vg/o /srv/o btrfs\n" /* no options */
                                 "/dev/vg/p /srv/p ext4 defaults x 2\n" /* freq not a number */
                                 "/dev/vg/q /srv/q ext4 defaults 0 y\n" /* passno not a number */
                                 "lonely\n"
                                 "/dev/vg/r /srv/r#x ext4 defaults 0 0 # not a comment here\n",
                              mount_table_parse_fstab, &t),
                0);
        ASSERT_EQ_INT(t.n, 7);
        ASSERT_EQ_INT(t.n_skipped, 2);
        ASSERT_STREQ(t.entries[0].source, "UUID=1234");
        ASSERT_STREQ(t.entries[0].target, "/");
        ASSERT_STREQ(t.entries[0].options, "errors=remount-ro");
        ASSERT_STREQ(t.entries[1].fstype, "swap");
        ASSERT_STREQ(t.entries[1].target, "none");
        ASSERT_STREQ(t.entries[2].target, "/var/lib/machines/my web");
        ASSERT_STREQ(t.entries[2].fstype, "xfs");
        ASSERT_STREQ(t.entries[3].fstype, "");
        ASSERT_STREQ(t.entries[3].options, "");
        ASSERT_STREQ(t.entries[4].fstype, "btrfs");
        ASSERT_STREQ(t.entries[5].source, "lonely");
        ASSERT_STREQ(t.entries[5].target, "");
        ASSERT_STREQ(t.entries[6].target, "/srv/r#x");
        mount_table_done(&t);

        /* Nothing at all, or only comments: no entries, no error. */
        ASSERT_EQ_INT(parse_text("", mount_table_parse_fstab, &t), 0);
        ASSERT_EQ_INT(t.n, 0);
        ASSERT_EQ_INT(parse_text("#\n# x\n", mount_table_parse_fstab, &t), 0);
        ASSERT_EQ_INT(t.n, 0);
        ASSERT_EQ_INT(t.n_skipped, 0);
}

static void test_options(void)
{
        ASSERT_TRUE(mount_options_has("ro", "ro"));
        ASSERT_TRUE(mount_options_has("rw,nosuid,noexec", "noexec"));
        ASSERT_TRUE(mount_options_has("noexec,rw", "noexec"));
        ASSERT_TRUE(mount_options_has("size=1k,ro=1", "ro"));
        ASSERT_TRUE(!mount_options_has("rw,relatime", "ro"));
        ASSERT_TRUE(!mount_options_has("rootcontext=x,errors=ro", "ro"));
        ASSERT_TRUE(!mount_options_has("exec", "noexec"));
        ASSERT_TRUE(!mount_options_has("", "ro"));
        /* A quoted value may hold commas and '=' without ending the option. */
        ASSERT_TRUE(!mount_options_has("context=\"a,ro\",rw", "ro"));
        ASSERT_TRUE(mount_options_has("context=\"a,ro\",ro", "ro"));
}

static void test_path_equal(void)
{
        ASSERT_TRUE(mount_path_equal("/a/b", "/a/b/"));
        ASSERT_TRUE(mount_path_equal("/", "/"));
        ASSERT_TRUE(mount_path_equal("/", "//"));
        ASSERT_TRUE(!mount_path_equal("/a/b", "/a/bc"));
        ASSERT_TRUE(!mount_path_equal("/a", "/"));
}

TESTS_MAIN(TEST_CASE(test_mountinfo_line), TEST_CASE(test_mountinfo_optional_fields),
        TEST_CASE(test_mountinfo_escapes), TEST_CASE(test_mountinfo_malformed),
        TEST_CASE(test_mountinfo_file), TEST_CASE(test_mountinfo_real), TEST_CASE(test_fstab),
        TEST_CASE(test_options), TEST_CASE(test_path_equal))
