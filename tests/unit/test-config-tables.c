/* The key table: complete, consistent, and in step with the installed systemd-nspawn. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config-tables.h"
#include "fileio.h"
#include "strv.h"
#include "tests.h"

/* The "Exec.Foo"-style key names compiled into systemd-nspawn's gperf table, read from the
 * binary itself (so the test follows the systemd actually installed: 252 on Debian 12). */
static int nspawn_keys_from_binary(char ***ret)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        size_t size;
        int r;

        r = read_full_file("/usr/bin/systemd-nspawn", 64 * 1024 * 1024, &data, &size);
        if (r < 0)
                return r;
        for (size_t i = 0; i < size;) {
                const char *s = data + i;
                size_t n = strnlen(s, size - i);
                const char *dot = memchr(s, '.', n);
                bool ok = dot &&
                          (startswith(s, "Exec.") || startswith(s, "Files.") || startswith(s, "Network."));
                for (const char *c = dot ? dot + 1 : s; ok && c < s + n; c++)
                        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
                                ok = false;
                if (ok && dot + 1 < s + n && !strv_contains(l, s) && strv_extend(&l, s) < 0)
                        return -ENOMEM;
                i += n + 1;
        }
        strv_sort(l);
        *ret = TAKE_PTR(l);
        return 0;
}

static void test_nspawn_keys_match_installed_nspawn(void)
{
        _cleanup_strv_free_ char **installed = NULL, **ours = calloc(1, sizeof(char *));
        size_t n;
        const ConfigKey *keys = config_keys(&n);

        ASSERT_EQ_INT(nspawn_keys_from_binary(&installed), 0);
        for (size_t i = 0; i < n; i++) {
                char buf[128];
                if (!streq(keys[i].section, "Exec") && !streq(keys[i].section, "Files") &&
                        !streq(keys[i].section, "Network"))
                        continue;
                if (!config_key_known_in(&keys[i], config_nspawn_version()))
                        continue;
                snprintf(buf, sizeof buf, "%s.%s", keys[i].section, keys[i].name);
                ASSERT_EQ_INT(strv_extend(&ours, buf), 0);
        }
        strv_sort(ours);
        char *a = strv_join(installed, " "), *b = strv_join(ours, " ");
        bool same = streq(a, b);
        if (!same)
                printf("# systemd-nspawn: %s\n# berth's table: %s\n", a, b);
        free(a);
        free(b);
        ASSERT_TRUE(same);
        /* 252's and 257's list: 41 [Exec], 11 [Files], 9 [Network] keys, PrivateUsersChown= included. */
        ASSERT_EQ_INT(strv_length(ours), 61);
        ASSERT_TRUE(strv_contains(ours, "Files.PrivateUsersChown"));
}

/* The version berth was built for is the installed systemd's ("systemd 252 (252.x-…)"). */
static void test_nspawn_version_is_installed_one(void)
{
        FILE *f = popen("systemd-nspawn --version", "r");
        unsigned v = 0;

        ASSERT_TRUE(f != NULL);
        ASSERT_EQ_INT(fscanf(f, "systemd %u", &v), 1);
        pclose(f);
        ASSERT_EQ_INT((int) v, (int) config_nspawn_version());
}

/* A key is known from the systemd that introduced it on: where berth is built for an older
 * systemd it is an unknown key, where built for that one or newer it is accepted. */
static void test_key_known_by_version(void)
{
        const ConfigKey *bind_user = config_key_lookup("Files", "BindUser");
        const ConfigKey *sync = config_key_lookup("Exec", "SuppressSync");
        const ConfigKey *boot = config_key_lookup("Exec", "Ephemeral");
        const ConfigKey *prio = config_key_lookup("Container", "Priority");

        ASSERT_TRUE(bind_user && sync && boot && prio);
        ASSERT_TRUE(!config_key_known_in(bind_user, 248));
        ASSERT_TRUE(config_key_known_in(bind_user, 249));
        ASSERT_TRUE(!config_key_known_in(sync, 249));
        ASSERT_TRUE(config_key_known_in(sync, 250));
        ASSERT_TRUE(config_key_known_in(sync, 257));
        ASSERT_TRUE(config_key_known_in(boot, 230));
        ASSERT_TRUE(config_key_known_in(prio, 1));
        /* Debian 12 and 13 both know all of them. */
        ASSERT_TRUE(config_key_known_in(sync, config_nspawn_version()));
}

static void test_table_consistent(void)
{
        size_t n;
        const ConfigKey *keys = config_keys(&n);
        int seen[_CONTAINER_KEY_MAX] = {};

        for (size_t i = 0; i < n; i++) {
                const ConfigKey *k = &keys[i];
                ASSERT_TRUE(k->section && k->name && k->parse);
                ASSERT_TRUE(config_section_is_checked(k->section));
                ASSERT_TRUE(k->use_instead || (k->accepted && k->accepted[0]));
                ASSERT_TRUE(config_key_lookup(k->section, k->name) == k);
                if (streq(k->section, "Container")) {
                        ASSERT_TRUE(k->container_key >= 0 && k->container_key < _CONTAINER_KEY_MAX);
                        seen[k->container_key]++;
                } else
                        ASSERT_EQ_INT(k->container_key, -1);
                /* No duplicates. */
                for (size_t j = 0; j < i; j++)
                        ASSERT_TRUE(!streq(keys[j].section, k->section) || !streq(keys[j].name, k->name));
        }
        for (int c = 0; c < _CONTAINER_KEY_MAX; c++)
                ASSERT_EQ_INT(seen[c], 1);
        /* entry.c keeps a flag per key in a fixed array of 256. */
        ASSERT_TRUE(n < 256);
        /* Lists and secrets as the spec says. */
        ASSERT_TRUE(config_key_lookup("Container", "DependsOn")->is_list);
        ASSERT_TRUE(config_key_lookup("Container", "After")->is_list);
        ASSERT_TRUE(!config_key_lookup("Container", "Priority")->is_list);
        ASSERT_TRUE(config_key_lookup("Files", "Bind")->is_list);
        ASSERT_TRUE(!config_key_lookup("Network", "Bridge")->is_list);
        ASSERT_TRUE(config_key_lookup("Container", "RootPasswordHash")->is_secret);
        ASSERT_STREQ(config_key_lookup("Container", "Priority")->default_value, "50");
        ASSERT_STREQ(config_key_lookup("Container", "Audit")->default_value, "warn");
        ASSERT_STREQ(config_key_lookup("Exec", "Boot")->use_instead, "Boot= in [Container]");
        ASSERT_STREQ(config_key_lookup("Exec", "Parameters")->use_instead, "Command= in [Container]");
        ASSERT_STREQ(config_key_lookup("Exec", "Hostname")->use_instead, "Hostname= in [Container]");
}

static void test_lookup(void)
{
        ASSERT_TRUE(config_key_lookup("Container", "priority") == NULL);
        ASSERT_TRUE(config_key_lookup("container", "Priority") == NULL);
        ASSERT_TRUE(config_key_lookup("Unit", "Description") == NULL);
        ASSERT_TRUE(config_key_lookup("Install", "WantedBy"));
        ASSERT_TRUE(config_section_is_passthrough("Unit") && config_section_is_passthrough("Service"));
        ASSERT_TRUE(!config_section_is_known("Timer") && !config_section_is_known("X-Foo"));
        ASSERT_TRUE(config_section_is_known("Install"));

        char *l = config_section_keys_list("Network");
        ASSERT_STREQ(l,
                "Private=, Interface=, MACVLAN=, IPVLAN=, VirtualEthernet=, VirtualEthernetExtra=, Bridge=, Zone=, Port=");
        free(l);
        const ConfigKey *k = config_key_suggest("Exec", "Capabilities");
        ASSERT_TRUE(k);
        ASSERT_STREQ(k->name, "Capability");
        k = config_key_suggest("Files", "readonly");
        ASSERT_TRUE(k);
        ASSERT_STREQ(k->name, "ReadOnly");
        ASSERT_TRUE(config_key_suggest("Container", "Completely") == NULL);
}

static void test_password_hash_is_valid(void)
{
        const char *why = NULL;
        ASSERT_TRUE(password_hash_is_valid("$y$j9T$salt$hash", &why) && why == NULL);
        ASSERT_TRUE(!password_hash_is_valid("$1$salt$hash", &why));
        ASSERT_TRUE(strstr(why, "weak"));
        ASSERT_TRUE(!password_hash_is_valid("$6$salt$hash\nroot::0:", &why));
        ASSERT_TRUE(!password_hash_is_valid("", &why));
        ASSERT_TRUE(!password_hash_is_valid("$6$", &why));
        ASSERT_TRUE(!password_hash_is_valid("!$1$salt$hash", &why));
}

static void test_bind_value_parse(void)
{
        char *s = NULL, *d = NULL, *o = NULL, f = 'x';

        ASSERT_EQ_INT(bind_value_parse("-/a\\:b:/c:ro,norbind", &s, &d, &o, &f), 0);
        bool ok = streq(s, "/a:b") && streq(d, "/c") && streq(o, "ro,norbind") && f == '-';
        free(s), free(d), free(o);
        ASSERT_TRUE(ok);
        ASSERT_EQ_INT(bind_value_parse("+rel", &s, &d, &o, &f), 0);
        ok = streq(s, "rel") && d == NULL && o == NULL && f == '+';
        free(s);
        ASSERT_TRUE(ok);
        ASSERT_EQ_INT(bind_value_parse("/a:/b:c:d", &s, &d, &o, &f), -EINVAL);
}

TESTS_MAIN(TEST_CASE(test_nspawn_keys_match_installed_nspawn),
        TEST_CASE(test_nspawn_version_is_installed_one), TEST_CASE(test_key_known_by_version),
        TEST_CASE(test_table_consistent), TEST_CASE(test_lookup), TEST_CASE(test_password_hash_is_valid),
        TEST_CASE(test_bind_value_parse))
