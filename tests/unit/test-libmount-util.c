/* Unit tests for helpers/prepare/libmount-util.c: libmount loaded by dlopen(), and the fstab and
 * mountinfo look-ups berth-prepare makes with it, on files written to a temporary directory (escapes,
 * comments, swap and malformed lines, several lines for one path, the mount that holds a path). */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libmount-util.h"
#include "tests.h"

static char tmpdir[] = "/tmp/test-libmount-util.XXXXXX";

/* Writes text to NAME in the temporary directory; the file's path, or NULL. */
static const char *write_file(const char *name, const char *text)
{
        static char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", tmpdir, name);
        FILE *f = fopen(path, "we");
        if (!f)
                return NULL;
        fputs(text, f);
        return fclose(f) == 0 ? path : NULL;
}

/* The temporary directory's path with suffix (which must exist for mountinfo_find: libmount stats it). */
static const char *in_tmp(const char *suffix)
{
        static char buf[4][PATH_MAX];
        static int i;
        char *p = buf[i++ % 4];
        snprintf(p, PATH_MAX, "%s%s", tmpdir, suffix);
        return p;
}

static void test_load(void)
{
        ASSERT_EQ_INT(dlopen_libmount(), 0);
        ASSERT_TRUE(sym_mnt_new_table != NULL);
        ASSERT_TRUE(sym_mnt_optstr_get_option != NULL);
        /* Loaded once: a second call is a no-op. */
        ASSERT_EQ_INT(dlopen_libmount(), 0);
}

static void test_fstab(void)
{
        const char *fstab =
                write_file("fstab", "# /etc/fstab: static file system information.\n"
                                    "   # /dev/old /var/lib/machines/web ext4 defaults 0 2\n"
                                    "\n"
                                    "UUID=1234 / ext4 errors=remount-ro 0 1\n"
                                    "/dev/sdb1\tnone\tswap\tsw\t0\t0\n"
                                    "/dev/sdz9 /var/lib/machines/web swap sw 0 0\n"
                                    "/dev/vg/m /var/lib/machines/my\\040web xfs defaults,nofail 0 2\n"
                                    "/dev/vg/n   /srv/n\n"
                                    "lonely\n"
                                    "/dev/vg/o /srv/o/ btrfs\n"
                                    "/dev/vg/p /srv/p ext4 defaults zero 2\n");
        ASSERT_TRUE(fstab);

        _cleanup_free_ char *source = NULL, *fstype = NULL;
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/var/lib/machines/my web", &source, &fstype), 1);
        ASSERT_STREQ(source, "/dev/vg/m");
        ASSERT_STREQ(fstype, "xfs");
        free(source);
        free(fstype);

        source = fstype = NULL;

        /* Trailing slashes do not matter, on either side. */
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/srv/o", &source, &fstype), 1);
        ASSERT_STREQ(source, "/dev/vg/o");
        free(source);
        free(fstype);
        source = fstype = NULL;
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/srv/o//", &source, &fstype), 1);
        ASSERT_STREQ(fstype, "btrfs");
        free(source);
        free(fstype);
        source = fstype = NULL;

        /* A comment and a swap line promise nothing; neither does a prefix, nor a line without a
         * type (malformed for mount(8), which skips it), nor one with a word for a number. */
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/srv/n", &source, &fstype), 0);
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/srv/p", &source, &fstype), 0);
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/var/lib/machines/web", &source, &fstype), 0);
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/var/lib/machines/my", &source, &fstype), 0);
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/srv", &source, &fstype), 0);
        ASSERT_TRUE(source == NULL);
}

static void test_fstab_last_line_wins(void)
{
        const char *fstab = write_file("fstab-several",
                "/dev/first\t/var/lib/machines/web/\text4\tdefaults\t0\t2\n"
                "\n"
                "LABEL=my\\040web\\134root  /var/lib/machines/web  xfs  defaults,nofail\n");
        ASSERT_TRUE(fstab);

        _cleanup_free_ char *source = NULL, *fstype = NULL;
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/var/lib/machines/web", &source, &fstype), 1);
        ASSERT_STREQ(source, "LABEL=my web\\root");
        ASSERT_STREQ(fstype, "xfs");
}

static void test_fstab_empty_and_missing(void)
{
        _cleanup_free_ char *source = NULL, *fstype = NULL;
        const char *fstab = write_file("fstab-empty", "");
        ASSERT_TRUE(fstab);
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/", &source, &fstype), 0);
        fstab = write_file("fstab-comments", "#\n# x\n");
        ASSERT_TRUE(fstab);
        ASSERT_EQ_INT(fstab_find_mount_point(fstab, "/", &source, &fstype), 0);

        ASSERT_TRUE(fstab_find_mount_point(in_tmp("/no-such-fstab"), "/", &source, &fstype) < 0);
        ASSERT_TRUE(source == NULL);
}

static void test_mountinfo(void)
{
        char text[8192];
        /* Real directories: libmount stats the path it is asked about. */
        ASSERT_EQ_INT(mkdir(in_tmp("/machines"), 0755), 0);
        ASSERT_EQ_INT(mkdir(in_tmp("/machines/web"), 0755), 0);
        ASSERT_EQ_INT(mkdir(in_tmp("/machines/web/etc"), 0755), 0);
        ASSERT_EQ_INT(mkdir(in_tmp("/machines/other"), 0755), 0);
        ASSERT_EQ_INT(mkdir(in_tmp("/machinesX"), 0755), 0);
        ASSERT_EQ_INT(mkdir(in_tmp("/with space"), 0755), 0);
        snprintf(text, sizeof text,
                "1 0 8:1 / / rw,relatime - ext4 /dev/sda1 ro\n"
                "garbage line\n"
                "2 1 0:5 / %s rw,noexec shared:2 - tmpfs tmpfs rw\n"
                "3 2 0:6 / %s ro,nosuid - tmpfs tmpfs rw\n"
                "4 1 0:7 / %s ro master:1 - tmpfs tmpfs rw\n"
                "5 1 0:8 / %s/with\\040space rw,noexec - tmpfs my\\040src ro\n",
                in_tmp("/machines"), in_tmp("/machines/web"), in_tmp("/machines"), tmpdir);
        const char *mountinfo = write_file("mountinfo", text);
        ASSERT_TRUE(mountinfo);

        /* The longest mount point that holds the path; of equal ones the last listed (on top). */
        _cleanup_free_ char *target = NULL;
        bool ro = false, noexec = true;
        ASSERT_EQ_INT(mountinfo_find(mountinfo, in_tmp("/machines/web/etc"), &target, &ro, &noexec), 0);
        ASSERT_STREQ(target, in_tmp("/machines/web"));
        ASSERT_TRUE(ro && !noexec);
        free(target);
        target = NULL;
        ASSERT_EQ_INT(mountinfo_find(mountinfo, in_tmp("/machines/other"), &target, &ro, &noexec), 0);
        ASSERT_STREQ(target, in_tmp("/machines"));
        ASSERT_TRUE(ro && !noexec);
        free(target);
        target = NULL;
        ASSERT_EQ_INT(mountinfo_find(mountinfo, in_tmp("/machines/"), &target, &ro, &noexec), 0);
        ASSERT_STREQ(target, in_tmp("/machines"));
        free(target);
        target = NULL;
        /* Not a path prefix: "/". Its per-mount options say rw; the super options' "ro" do not count. */
        ASSERT_EQ_INT(mountinfo_find(mountinfo, in_tmp("/machinesX"), &target, &ro, &noexec), 0);
        ASSERT_STREQ(target, "/");
        ASSERT_TRUE(!ro && !noexec);
        free(target);
        target = NULL;
        /* Escapes in the mount point. */
        ASSERT_EQ_INT(mountinfo_find(mountinfo, in_tmp("/with space"), &target, &ro, &noexec), 0);
        ASSERT_STREQ(target, in_tmp("/with space"));
        ASSERT_TRUE(!ro && noexec);
        free(target);
        target = NULL;
        ASSERT_EQ_INT(mountinfo_find(mountinfo, "/", NULL, &ro, &noexec), 0);

        ASSERT_EQ_INT(mountinfo_is_mount_point(mountinfo, in_tmp("/machines/web")), 1);
        ASSERT_EQ_INT(mountinfo_is_mount_point(mountinfo, in_tmp("/machines/web/")), 1);
        ASSERT_EQ_INT(mountinfo_is_mount_point(mountinfo, in_tmp("/with space")), 1);
        ASSERT_EQ_INT(mountinfo_is_mount_point(mountinfo, in_tmp("/machines/web/etc")), 0);
        ASSERT_EQ_INT(mountinfo_is_mount_point(mountinfo, in_tmp("/machinesX")), 0);

        /* Without "/" nothing holds an unrelated path. */
        snprintf(text, sizeof text, "2 1 0:5 / %s rw - tmpfs tmpfs rw\n", in_tmp("/machines"));
        mountinfo = write_file("mountinfo-no-root", text);
        ASSERT_TRUE(mountinfo);
        ASSERT_EQ_INT(mountinfo_find(mountinfo, in_tmp("/machinesX"), &target, &ro, &noexec), -ENOENT);
        ASSERT_EQ_INT(mountinfo_find(mountinfo, in_tmp("/machines/web/etc"), &target, &ro, &noexec), 0);
        ASSERT_STREQ(target, in_tmp("/machines"));
}

/* This process's own mount table: "/" is in it, and is a mount point. */
static void test_mountinfo_real(void)
{
        _cleanup_free_ char *target = NULL;
        bool ro, noexec;
        ASSERT_EQ_INT(mountinfo_find("/proc/self/mountinfo", "/", &target, &ro, &noexec), 0);
        ASSERT_STREQ(target, "/");
        ASSERT_EQ_INT(mountinfo_is_mount_point("/proc/self/mountinfo", "/"), 1);
        ASSERT_EQ_INT(mountinfo_is_mount_point("/proc/self/mountinfo", "/proc"), 1);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path);
}

static void test_cleanup(void)
{
        ASSERT_EQ_INT(nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_setup(void)
{
        ASSERT_TRUE(mkdtemp(tmpdir) != NULL);
}

TESTS_MAIN(TEST_CASE(test_setup), TEST_CASE(test_load), TEST_CASE(test_fstab),
        TEST_CASE(test_fstab_last_line_wins), TEST_CASE(test_fstab_empty_and_missing),
        TEST_CASE(test_mountinfo), TEST_CASE(test_mountinfo_real), TEST_CASE(test_cleanup))
