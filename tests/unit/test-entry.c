/* Tests of the entry loader: search path, precedence, masking, drop-ins, keys, validation,
 * cross-entry checks, digest. Every case builds its own tree in a temporary directory. */
#include "config-tables.h"
#include "config.h"
#include "entry.h"
#include "strv.h"
#include "test-tree.h"
#include "tests.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Loads with the search path "DIR:DIR…" relative to the test tree. */
static EntrySet *load(const char *dirs)
{
        _cleanup_strv_free_ char **rel = NULL, **abs = NULL;
        EntrySet *set = NULL;

        if (strv_split(dirs, ":", &rel) < 0)
                abort();
        abs = calloc(1, sizeof(char *));
        STRV_FOREACH (d, rel)
                if (strv_extend(&abs, tree_path(*d)) < 0)
                        abort();
        if (entry_set_load(&(LoadOptions){ .search_path = abs }, &set) < 0)
                abort();
        return set;
}

/* The formatted error i of entry name ("" when there is none), in a static buffer. */
static const char *err(const EntrySet *set, const char *name, size_t i)
{
        static char buf[4096];
        const Entry *e = entry_set_find(set, name);
        if (!e || i >= e->n_errors)
                return "";
        char *s = entry_error_format(&e->errors[i]);
        snprintf(buf, sizeof buf, "%s", s);
        free(s);
        return buf;
}

/* Whether entry name (or the set, for name NULL) has exactly the error "TREE/rel:line: message"
 * (or "TREE/rel: message" for line 0); prints what it has when not. */
static bool has_error(
        const EntrySet *set, const char *name, const char *rel, unsigned line, const char *message)
{
        char want[4096];
        const EntryError *errors;
        size_t n;

        if (line > 0)
                snprintf(want, sizeof want, "%s:%u: %s", tree_path(rel), line, message);
        else
                snprintf(want, sizeof want, "%s: %s", tree_path(rel), message);
        if (name) {
                const Entry *e = entry_set_find(set, name);
                if (!e) {
                        printf("# no entry %s\n", name);
                        return false;
                }
                errors = e->errors;
                n = e->n_errors;
        } else {
                errors = set->errors;
                n = set->n_errors;
        }
        for (size_t i = 0; i < n; i++) {
                char *s = entry_error_format(&errors[i]);
                bool eq = streq(s, want);
                free(s);
                if (eq)
                        return true;
        }
        printf("# wanted: %s\n", want);
        for (size_t i = 0; i < n; i++) {
                char *s = entry_error_format(&errors[i]);
                printf("#    has: %s\n", s);
                free(s);
        }
        return false;
}
#define ASSERT_ERROR(set, name, rel, line, message)                                                         \
        ASSERT_TRUE(has_error((set), (name), (rel), (line), (message)))

static size_t n_errors(const EntrySet *set, const char *name)
{
        const Entry *e = entry_set_find(set, name);
        return e ? e->n_errors : SIZE_MAX;
}

/* Loads a single entry "t" from etc/t.conf with the given [Container]-and-more text. */
static EntrySet *load_one(const char *text)
{
        tree_new();
        tree_write("etc/t.conf", text);
        return load("etc");
}

static void test_basic(void)
{
        tree_new();
        tree_write("etc/web.conf", "# a comment\n"
                                   "[Container]\n"
                                   "Description=Web server\n"
                                   "Priority=10\n"
                                   "[Network]\n"
                                   "Bridge=br0\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc");

        ASSERT_EQ_INT(set->n_entries, 1);
        ASSERT_EQ_INT(set->n_errors, 0);
        Entry *e = entry_set_find(set, "web");
        ASSERT_TRUE(e);
        ASSERT_EQ_INT(e->n_errors, 0);
        ASSERT_TRUE(entry_first_error(e) == NULL);
        ASSERT_STREQ(e->name, "web");
        ASSERT_STREQ(e->source, tree_path("etc/web.conf"));
        ASSERT_STREQ(e->description, "Web server");
        ASSERT_EQ_INT(e->priority, 10);
        ASSERT_STREQ(e->directory, "/var/lib/machines/web");
        ASSERT_TRUE(e->is_directory_default);
        ASSERT_TRUE(e->enable);
        ASSERT_TRUE(e->boot);
        ASSERT_TRUE(e->has_nspawn_settings);
        ASSERT_STREQ(e->bridges[0], "br0");
        ASSERT_TRUE(e->bridges[1] == NULL);
        ASSERT_EQ_INT(e->n_assignments, 3);
        ASSERT_STREQ(e->assignments[2].section, "Network");
        ASSERT_STREQ(e->assignments[2].key, "Bridge");
        ASSERT_STREQ(e->assignments[2].value, "br0");
        ASSERT_STREQ(e->assignments[2].origin.file, tree_path("etc/web.conf"));
        ASSERT_EQ_INT(e->assignments[2].origin.line, 6);
        ASSERT_STREQ(e->origins[CONTAINER_PRIORITY].file, tree_path("etc/web.conf"));
        ASSERT_EQ_INT(e->origins[CONTAINER_PRIORITY].line, 4);
        ASSERT_TRUE(e->origins[CONTAINER_ENABLE].file == NULL);
        ASSERT_EQ_INT(strlen(e->digest), 64);
        ASSERT_EQ_INT(strv_length(e->files), 1);
        ASSERT_TRUE(entry_set_find(set, "nope") == NULL);
}

static void test_defaults(void)
{
        _cleanup_entry_set_free_ EntrySet *set = load_one("");
        /* An empty file masks: use a comment-only one for "all defaults". */
        ASSERT_EQ_INT(set->n_entries, 0);
        entry_set_free(set);
        set = load_one("# nothing set\n");
        Entry *e = entry_set_find(set, "t");
        ASSERT_TRUE(e);
        ASSERT_EQ_INT(e->n_errors, 0);
        ASSERT_STREQ(e->description, "Container t");
        ASSERT_TRUE(e->enable);
        ASSERT_STREQ(e->directory, "/var/lib/machines/t");
        ASSERT_TRUE(e->is_directory_default);
        ASSERT_TRUE(e->boot);
        ASSERT_TRUE(e->command == NULL);
        ASSERT_TRUE(e->hostname == NULL);
        ASSERT_EQ_INT(e->provision, PROVISION_NONE);
        ASSERT_TRUE(e->provision_args == NULL);
        ASSERT_TRUE(e->root_password_hash == NULL);
        ASSERT_TRUE(e->root_password_hash_file == NULL);
        ASSERT_EQ_INT(e->audit, AUDIT_WARN);
        ASSERT_TRUE(e->depends_on == NULL && e->after == NULL);
        ASSERT_EQ_INT(e->priority, 50);
        ASSERT_TRUE(!e->has_start_timeout && !e->has_stop_timeout);
        ASSERT_TRUE(!e->has_nspawn_settings && !e->read_only && !e->private_users);
        ASSERT_TRUE(e->bind_sources == NULL && e->bridges == NULL);
        ASSERT_TRUE(e->wanted_by == NULL && e->required_by == NULL);
        ASSERT_EQ_INT(e->n_assignments, 0);
}

static void test_search_path(void)
{
        _cleanup_strv_free_ char **l = NULL, **m = NULL, **k = NULL;

        unsetenv("BERTH_CONFIG_PATH");
        ASSERT_EQ_INT(entry_search_path(NULL, &l), 0);
        ASSERT_EQ_INT(strv_length(l), 4);
        ASSERT_STREQ(l[0], "/etc/containers.d");
        ASSERT_STREQ(l[1], "/run/containers.d");
        ASSERT_STREQ(l[2], "/usr/local/lib/containers.d");
        ASSERT_STREQ(l[3], "/usr/lib/containers.d");
        ASSERT_EQ_INT(entry_search_path("/x/root/", &m), 0);
        ASSERT_STREQ(m[0], "/x/root/etc/containers.d");
        ASSERT_STREQ(m[3], "/x/root/usr/lib/containers.d");

        setenv("BERTH_CONFIG_PATH", "/a::/b", 1);
        ASSERT_EQ_INT(entry_search_path("/ignored", &k), 0);
        unsetenv("BERTH_CONFIG_PATH");
        ASSERT_EQ_INT(strv_length(k), 2);
        ASSERT_STREQ(k[0], "/a");
        ASSERT_STREQ(k[1], "/b");

        /* entry_set_load() without a search path takes $BERTH_CONFIG_PATH, first directory first. */
        tree_new();
        tree_write("one/x.conf", "[Container]\nPriority=1\n");
        tree_write("two/x.conf", "[Container]\nPriority=2\n");
        tree_write("two/y.conf", "[Container]\nPriority=3\n");
        char env[1024];
        snprintf(env, sizeof env, "%s:%s:%s", tree_path("one"), tree_path("missing"), tree_path("two"));
        setenv("BERTH_CONFIG_PATH", env, 1);
        _cleanup_entry_set_free_ EntrySet *set = NULL;
        ASSERT_EQ_INT(entry_set_load(NULL, &set), 0);
        unsetenv("BERTH_CONFIG_PATH");
        ASSERT_EQ_INT(set->n_entries, 2);
        ASSERT_EQ_INT(set->n_errors, 0);
        ASSERT_EQ_INT(entry_set_find(set, "x")->priority, 1);
        ASSERT_EQ_INT(entry_set_find(set, "y")->priority, 3);
        ASSERT_STREQ(set->search_path[1], tree_path("missing"));

        /* A search path entry that is not a directory is an error of the set; the rest loads. */
        tree_write("file", "not a directory");
        _cleanup_entry_set_free_ EntrySet *set3 = load("file:one");
        ASSERT_EQ_INT(set3->n_entries, 1);
        ASSERT_ERROR(set3, NULL, "file", 0, "Failed to open directory: Not a directory");

        /* LoadOptions.root puts the default path under a directory. */
        tree_write("root/etc/containers.d/r.conf", "[Container]\nPriority=7\n");
        tree_write("root/usr/lib/containers.d/s.conf", "[Container]\nPriority=8\n");
        _cleanup_entry_set_free_ EntrySet *set2 = NULL;
        ASSERT_EQ_INT(entry_set_load(&(LoadOptions){ .root = tree_path("root") }, &set2), 0);
        ASSERT_EQ_INT(set2->n_entries, 2);
        ASSERT_EQ_INT(entry_set_find(set2, "r")->priority, 7);
        ASSERT_EQ_INT(entry_set_find(set2, "s")->priority, 8);
}

static void test_precedence(void)
{
        tree_new();
        tree_write("etc/a.conf", "[Container]\nPriority=1\n");
        tree_write("run/a.conf", "[Container]\nPriority=2\n");
        tree_write("usr/a.conf", "[Container]\nPriority=3\nBogus=1\n");
        tree_write("usr/b.conf", "[Container]\nPriority=4\n");
        tree_write("run/c.conf", "[Container]\nPriority=5\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc:run:usr");

        ASSERT_EQ_INT(set->n_entries, 3);
        Entry *a = entry_set_find(set, "a");
        ASSERT_EQ_INT(a->priority, 1);
        ASSERT_EQ_INT(a->n_errors, 0); /* the hidden file's error does not count */
        ASSERT_STREQ(a->source, tree_path("etc/a.conf"));
        ASSERT_EQ_INT(strv_length(a->shadowed), 2);
        ASSERT_STREQ(a->shadowed[0], tree_path("run/a.conf"));
        ASSERT_STREQ(a->shadowed[1], tree_path("usr/a.conf"));
        ASSERT_EQ_INT(entry_set_find(set, "b")->priority, 4);
        ASSERT_EQ_INT(entry_set_find(set, "c")->priority, 5);
        /* Sorted by name. */
        ASSERT_STREQ(set->entries[0]->name, "a");
        ASSERT_STREQ(set->entries[1]->name, "b");
        ASSERT_STREQ(set->entries[2]->name, "c");
}

static void test_masking(void)
{
        tree_new();
        tree_write("etc/a.conf", ""); /* empty: masks usr/a.conf */
        tree_write("usr/a.conf", "[Container]\n");
        tree_symlink("/dev/null", "etc/b.conf"); /* /dev/null: masks usr/b.conf */
        tree_write("usr/b.conf", "[Container]\n");
        tree_symlink("/dev/null", "usr/c.conf"); /* masked with nothing below */
        tree_write("etc/d.conf", "[Container]\n"); /* a lower mask does not hide a higher file */
        tree_symlink("/dev/null", "usr/d.conf");
        tree_symlink("../null-link", "etc/e.conf"); /* a chain ending at /dev/null */
        tree_symlink("/dev/null", "null-link");
        _cleanup_entry_set_free_ EntrySet *set = load("etc:usr");

        ASSERT_EQ_INT(set->n_errors, 0);
        ASSERT_EQ_INT(set->n_entries, 1);
        ASSERT_TRUE(entry_set_find(set, "d"));
        ASSERT_EQ_INT(n_errors(set, "d"), 0);
        ASSERT_EQ_INT(strv_length(set->masked), 4);
        ASSERT_TRUE(entry_set_is_masked(set, "a"));
        ASSERT_TRUE(entry_set_is_masked(set, "b"));
        ASSERT_TRUE(entry_set_is_masked(set, "c"));
        ASSERT_TRUE(entry_set_is_masked(set, "e"));
        ASSERT_TRUE(!entry_set_is_masked(set, "d"));
        ASSERT_TRUE(!entry_set_is_masked(set, "zzz"));
        ASSERT_TRUE(entry_set_find(set, "a") == NULL);
}

static void test_names(void)
{
        char n64[80], n65[80], rel[128];
        memset(n64, 'a', 64);
        n64[64] = '\0';
        memset(n65, 'b', 65);
        n65[65] = '\0';

        tree_new();
        snprintf(rel, sizeof rel, "etc/%s.conf", n64);
        tree_write(rel, "[Container]\n");
        snprintf(rel, sizeof rel, "etc/%s.conf", n65);
        tree_write(rel, "[Container]\n");
        tree_write("etc/A-b_c.9.conf", "[Container]\n");
        tree_write("etc/-dash.conf", "[Container]\n");
        tree_write("etc/a..b.conf", "[Container]\n");
        tree_write("etc/sp ace.conf", "[Container]\n");
        tree_write("etc/uml\xc3\xa4ut.conf", "[Container]\n");
        tree_write("etc/.conf", "[Container]\n"); /* hidden: ignored */
        tree_write("etc/.hidden.conf", "[Container]\n"); /* hidden: ignored */
        tree_write("etc/web.conf.bak", "garbage"); /* not .conf: ignored */
        tree_write("etc/web.conf~", "garbage");
        tree_write("etc/web.conf.rpmsave", "garbage");
        tree_write("etc/web.conf.dpkg-old", "garbage");
        tree_write("etc/README", "garbage");
        tree_write("etc/web.conf", "[Container]\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc");

        ASSERT_EQ_INT(set->n_entries, 3);
        ASSERT_TRUE(entry_set_find(set, n64));
        ASSERT_TRUE(entry_set_find(set, "A-b_c.9"));
        ASSERT_TRUE(entry_set_find(set, "web"));
        ASSERT_EQ_INT(set->n_errors, 5);
        static const char *const bad[] = { "-dash", "a..b", "sp ace", "uml\xc3\xa4ut", NULL };
        for (size_t i = 0; bad[i]; i++) {
                char msg[512];
                snprintf(rel, sizeof rel, "etc/%s.conf", bad[i]);
                snprintf(msg, sizeof msg,
                        "Invalid entry name '%s': a name is 1-64 characters of A-Z a-z 0-9 - _ ., does not start with '.' or '-' and contains no '..'; file ignored",
                        bad[i]);
                ASSERT_ERROR(set, NULL, rel, 0, msg);
        }
        snprintf(rel, sizeof rel, "etc/%s.conf", n65);
        bool found = false;
        for (size_t i = 0; i < set->n_errors; i++)
                if (streq(set->errors[i].file, tree_path(rel)))
                        found = true;
        ASSERT_TRUE(found);
}

static void test_dropins(void)
{
        tree_new();
        /* defaults.d in two directories: 10-a from etc wins over usr's; 20-b only in usr. */
        tree_write("etc/defaults.d/10-a.conf", "[Container]\nDescription=from etc defaults\nAfter=z1\n");
        tree_write("usr/defaults.d/10-a.conf", "[Container]\nDescription=hidden\n");
        tree_write("usr/defaults.d/20-b.conf", "[Container]\nPriority=20\nAfter=z2\n");
        tree_write("usr/defaults.d/30-masked.conf", "[Container]\nPriority=999\n");
        tree_symlink("/dev/null", "etc/defaults.d/30-masked.conf");
        tree_write("usr/defaults.d/ignored.txt", "[Container]\nPriority=998\n");
        tree_write("usr/defaults.d/.hidden.conf", "[Container]\nPriority=997\n");
        tree_write("etc/z1.conf", "# z1\n");
        tree_write("etc/z2.conf", "# z2\n");
        tree_write("etc/z3.conf", "# z3\n");
        /* The entry itself, in usr, and drop-ins from both directories. */
        tree_write("usr/web.conf", "[Container]\nPriority=30\nDescription=web itself\nAfter=z3\n");
        tree_write("usr/web.conf.d/50-x.conf", "[Container]\nPriority=5\n");
        tree_write("etc/web.conf.d/50-x.conf", "[Container]\nPriority=60\n");
        tree_write("etc/web.conf.d/40-y.conf", "[Container]\nDescription=drop-in\n");
        tree_write("usr/web.conf.d/60-masked.conf", "[Container]\nPriority=996\n");
        tree_write("etc/web.conf.d/60-masked.conf", "");
        tree_write("etc/web.conf.d/70-after.conf", "[Container]\nAfter=\nAfter=z2\n");
        /* A drop-in directory without its entry is ignored. */
        tree_write("etc/ghost.conf.d/10.conf", "[Container]\nBogus=1\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc:usr");

        ASSERT_EQ_INT(set->n_errors, 0);
        ASSERT_TRUE(!entry_set_find(set, "ghost"));
        Entry *e = entry_set_find(set, "web");
        ASSERT_TRUE(e);
        ASSERT_STREQ(err(set, "web", 0), "");
        ASSERT_EQ_INT(strv_length(e->files), 6);
        ASSERT_STREQ(e->files[0], tree_path("etc/defaults.d/10-a.conf"));
        ASSERT_STREQ(e->files[1], tree_path("usr/defaults.d/20-b.conf"));
        ASSERT_STREQ(e->files[2], tree_path("usr/web.conf"));
        ASSERT_STREQ(e->files[3], tree_path("etc/web.conf.d/40-y.conf"));
        ASSERT_STREQ(e->files[4], tree_path("etc/web.conf.d/50-x.conf"));
        ASSERT_STREQ(e->files[5], tree_path("etc/web.conf.d/70-after.conf"));
        ASSERT_STREQ(e->description, "drop-in");
        ASSERT_EQ_INT(e->priority, 60);
        ASSERT_STREQ(e->origins[CONTAINER_PRIORITY].file, tree_path("etc/web.conf.d/50-x.conf"));
        ASSERT_EQ_INT(strv_length(e->after), 1);
        ASSERT_STREQ(e->after[0], "z2");
        ASSERT_TRUE(strv_contains(e->shadowed, tree_path("usr/defaults.d/10-a.conf")));
        ASSERT_TRUE(strv_contains(e->shadowed, tree_path("usr/defaults.d/30-masked.conf")));
        ASSERT_TRUE(strv_contains(e->shadowed, tree_path("usr/web.conf.d/50-x.conf")));
        ASSERT_TRUE(strv_contains(e->shadowed, tree_path("usr/web.conf.d/60-masked.conf")));
        ASSERT_EQ_INT(strv_length(e->shadowed), 4);

        /* defaults.d applies to every entry. */
        Entry *z = entry_set_find(set, "z1");
        ASSERT_STREQ(z->description, "from etc defaults");
        ASSERT_EQ_INT(z->priority, 20);
        ASSERT_EQ_INT(strv_length(z->files), 3);
}

static void test_resets_and_lists(void)
{
        _cleanup_entry_set_free_ EntrySet *set = load_one("[Container]\n"
                                                          "Priority=10\n"
                                                          "Priority=20\n"
                                                          "Enable=no\n"
                                                          "Enable=\n"
                                                          "Description=x\n"
                                                          "Description=\n"
                                                          "Directory=/srv/t\n"
                                                          "Directory=\n"
                                                          "Audit=refuse\n"
                                                          "Audit=\n"
                                                          "DependsOn=a b\n"
                                                          "DependsOn=c a\n"
                                                          "After=a\n"
                                                          "After=\n"
                                                          "After=b\n"
                                                          "Provision=copy /srv/tree\n"
                                                          "Provision=\n"
                                                          "Command=/bin/true\n"
                                                          "Command=\n"
                                                          "StartTimeoutSec=10\n"
                                                          "StartTimeoutSec=\n"
                                                          "Hostname=h\n"
                                                          "Hostname=\n");
        tree_write("etc/a.conf", "[Container]\nPriority=0\n");
        tree_write("etc/b.conf", "[Container]\nPriority=0\n");
        tree_write("etc/c.conf", "[Container]\nPriority=0\n");
        entry_set_free(set);
        set = load("etc");
        Entry *e = entry_set_find(set, "t");
        ASSERT_STREQ(err(set, "t", 0), "");
        ASSERT_EQ_INT(e->priority, 20);
        ASSERT_TRUE(e->enable);
        ASSERT_STREQ(e->description, "Container t");
        ASSERT_STREQ(e->directory, "/var/lib/machines/t");
        ASSERT_TRUE(e->is_directory_default);
        ASSERT_EQ_INT(e->audit, AUDIT_WARN);
        ASSERT_EQ_INT(strv_length(e->depends_on), 3);
        ASSERT_STREQ(e->depends_on[0], "a");
        ASSERT_STREQ(e->depends_on[1], "b");
        ASSERT_STREQ(e->depends_on[2], "c");
        ASSERT_EQ_INT(strv_length(e->after), 1);
        ASSERT_STREQ(e->after[0], "b");
        ASSERT_EQ_INT(e->provision, PROVISION_NONE);
        ASSERT_TRUE(e->provision_args == NULL);
        ASSERT_TRUE(e->command == NULL);
        ASSERT_TRUE(!e->has_start_timeout);
        ASSERT_TRUE(e->start_timeout_string == NULL);
        ASSERT_TRUE(e->hostname == NULL);
        /* Every assignment is kept, resets included, in order. */
        ASSERT_EQ_INT(e->n_assignments, 23);
        ASSERT_STREQ(e->assignments[3].key, "Enable");
        ASSERT_STREQ(e->assignments[3].value, "");
        ASSERT_EQ_INT(e->assignments[3].origin.line, 5);
        /* The origin of a key is its last assignment, a reset included. */
        ASSERT_EQ_INT(e->origins[CONTAINER_ENABLE].line, 5);
}

static void test_container_keys(void)
{
        _cleanup_entry_set_free_ EntrySet *set = load_one("[Container]\n"
                                                          "Description=  A  description  \n"
                                                          "Enable=off\n"
                                                          "Directory=//srv/./machines//t/\n"
                                                          "Boot=false\n"
                                                          "Command=/bin/sh -c \"echo 'hi there'\" x\\ty\n"
                                                          "Hostname=t-1.example_host\n"
                                                          "Provision=tar /srv/images/base.tar.zst\n"
                                                          "RootPasswordHashFile=/etc/containers.d//t.hash\n"
                                                          "Audit=ignore\n"
                                                          "Priority=1000\n"
                                                          "StartTimeoutSec=5min 20s\n"
                                                          "StopTimeoutSec=infinity\n"
                                                          "ManageNetwork=no\n"
                                                          "[Install]\n"
                                                          "WantedBy=multi-user.target graphical.target\n"
                                                          "RequiredBy=foo@bar.service\n");
        Entry *e = entry_set_find(set, "t");
        ASSERT_EQ_INT(e->n_errors, 0);
        ASSERT_STREQ(e->description, "A  description");
        ASSERT_TRUE(!e->enable);
        ASSERT_STREQ(e->directory, "/srv/machines/t");
        ASSERT_TRUE(!e->is_directory_default);
        ASSERT_TRUE(!e->boot);
        ASSERT_EQ_INT(strv_length(e->command), 4);
        ASSERT_STREQ(e->command[0], "/bin/sh");
        ASSERT_STREQ(e->command[2], "echo 'hi there'");
        ASSERT_STREQ(e->command[3], "x\ty");
        ASSERT_STREQ(e->hostname, "t-1.example_host");
        ASSERT_EQ_INT(e->provision, PROVISION_TAR);
        ASSERT_STREQ(e->provision_args[0], "/srv/images/base.tar.zst");
        ASSERT_STREQ(e->root_password_hash_file, "/etc/containers.d/t.hash");
        ASSERT_EQ_INT(e->audit, AUDIT_IGNORE);
        ASSERT_EQ_INT(e->priority, 1000);
        ASSERT_TRUE(e->has_start_timeout);
        ASSERT_TRUE(e->start_timeout == 320 * USEC_PER_SEC);
        ASSERT_STREQ(e->start_timeout_string, "5min 20s");
        ASSERT_TRUE(e->has_stop_timeout);
        ASSERT_TRUE(e->stop_timeout == USEC_INFINITY);
        ASSERT_STREQ(e->stop_timeout_string, "infinity");
        ASSERT_EQ_INT(strv_length(e->wanted_by), 2);
        ASSERT_STREQ(e->wanted_by[1], "graphical.target");
        ASSERT_STREQ(e->required_by[0], "foo@bar.service");
        for (ContainerKey k = 0; k < _CONTAINER_KEY_MAX; k++)
                if (k != CONTAINER_ROOT_PASSWORD_HASH && k != CONTAINER_DEPENDS_ON && k != CONTAINER_AFTER)
                        ASSERT_TRUE(e->origins[k].file != NULL);
        ASSERT_EQ_INT(e->origins[CONTAINER_STOP_TIMEOUT_SEC].line, 13);
        ASSERT_TRUE(!e->manage_network);
        ASSERT_EQ_INT(e->origins[CONTAINER_MANAGE_NETWORK].line, 14);
}

static void test_provision(void)
{
        static const struct {
                const char *value;
                ProvisionKind kind;
                const char *args; /* joined with | */
        } ok[] = {
                { "none", PROVISION_NONE, "" },
                { "copy /srv/base", PROVISION_COPY, "/srv/base" },
                { "tar /a.tar", PROVISION_TAR, "/a.tar" },
                { "tar /a.tar.gz", PROVISION_TAR, "/a.tar.gz" },
                { "tar /a.tgz", PROVISION_TAR, "/a.tgz" },
                { "tar /a.tar.xz", PROVISION_TAR, "/a.tar.xz" },
                { "tar \"/with space.tar\"", PROVISION_TAR, "/with space.tar" },
                { "debootstrap bookworm", PROVISION_DEBOOTSTRAP, "bookworm" },
                { "debootstrap bookworm http://deb.debian.org/debian", PROVISION_DEBOOTSTRAP,
                        "bookworm|http://deb.debian.org/debian" },
                { "debootstrap bookworm file:///srv/mirror", PROVISION_DEBOOTSTRAP,
                        "bookworm|file:///srv/mirror" },
                { "dnf 38 systemd passwd", PROVISION_DNF, "38|systemd|passwd" },
                { "command /usr/local/bin/mk %r --fast", PROVISION_COMMAND, "/usr/local/bin/mk|%r|--fast" },
                /* The default VERIFY is made explicit, so that both spellings share one image. */
                { "pull https://example.org/i/web.tar.xz", PROVISION_PULL,
                        "https://example.org/i/web.tar.xz|signature" },
                { "pull http://10.0.0.1:8080/web.tar checksum", PROVISION_PULL,
                        "http://10.0.0.1:8080/web.tar|checksum" },
                { "pull https://h/a.tgz?token=1#x signature", PROVISION_PULL,
                        "https://h/a.tgz?token=1#x|signature" },
                { "pull https://h/a.tar.gz", PROVISION_PULL, "https://h/a.tar.gz|signature" },
                { "pull https://h/a.tar.bz2", PROVISION_PULL, "https://h/a.tar.bz2|signature" },
                /* Raw disk images: with VERIFY signature (the default) only. */
                { "pull https://h/a.raw.xz", PROVISION_PULL, "https://h/a.raw.xz|signature" },
                { "pull https://h/a.qcow2 signature", PROVISION_PULL, "https://h/a.qcow2|signature" },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                char text[512];
                snprintf(text, sizeof text, "[Container]\nProvision=%s\n", ok[i].value);
                _cleanup_entry_set_free_ EntrySet *set = load_one(text);
                Entry *e = entry_set_find(set, "t");
                if (e->n_errors)
                        printf("# %s: %s\n", ok[i].value, err(set, "t", 0));
                ASSERT_EQ_INT(e->n_errors, 0);
                ASSERT_EQ_INT(e->provision, ok[i].kind);
                char *j = strv_join(e->provision_args, "|");
                bool same = j && streq(j, ok[i].args);
                if (!same)
                        printf("# %s: args %s\n", ok[i].value, j);
                free(j);
                ASSERT_TRUE(same);
        }

        static const char *const acc =
                "; accepted: none, copy PATH, tar PATH, debootstrap SUITE [MIRROR], dnf RELEASEVER PACKAGE..., command PROGRAM [ARG...], pull URL [signature|checksum] (PATH and PROGRAM absolute, URL http:// or https://)";
        static const struct {
                const char *value, *detail;
        } bad[] = {
                { "none x", ": 'none' takes no arguments" },
                { "copy", ": 'copy' takes exactly one PATH" },
                { "copy relative/dir", ": PATH 'relative/dir' is not an absolute path" },
                { "copy /a/../b", ": PATH '/a/../b' contains '..'" },
                { "copy /a /b", ": 'copy' takes exactly one PATH" },
                { "tar /a.zip",
                        ": the archive name must end in .tar, .tar.gz (.tgz), .tar.xz (.txz) or .tar.zst (.tzst)" },
                { "tar a.tar", ": PATH 'a.tar' is not an absolute path" },
                { "debootstrap", ": 'debootstrap' takes SUITE and an optional MIRROR" },
                { "debootstrap --foo", ": SUITE '--foo' is not a suite name (such as bookworm)" },
                { "debootstrap bookworm deb.debian.org",
                        ": MIRROR 'deb.debian.org' is not a URL (such as http://deb.debian.org/debian)" },
                { "debootstrap a b c", ": 'debootstrap' takes SUITE and an optional MIRROR" },
                { "dnf 38", ": 'dnf' takes RELEASEVER and at least one PACKAGE" },
                { "dnf 38 --nogpgcheck",
                        ": '--nogpgcheck' is not a package name (options are not passed through)" },
                { "dnf -x pkg", ": '-x' is not a release version (options are not passed through)" },
                { "command", ": 'command' takes a PROGRAM" },
                { "command mk %r", ": PROGRAM 'mk' is not an absolute path" },
                { "rsync /a", ": unknown kind 'rsync'" },
                { "copy '/a", ": unbalanced single quote (')" },
                { "pull",
                        ": 'pull' takes a URL and an optional VERIFY (signature (the default) or checksum)" },
                { "pull https://h/a.tar checksum x",
                        ": 'pull' takes a URL and an optional VERIFY (signature (the default) or checksum)" },
                { "pull ftp://h/a.tar", ": URL 'ftp://h/a.tar' is not an http:// or https:// URL" },
                { "pull /srv/a.tar", ": URL '/srv/a.tar' is not an http:// or https:// URL" },
                { "pull http:///a.tar", ": URL 'http:///a.tar' names no host" },
                { "pull https://host",
                        ": URL 'https://host' has no file name (such as /images/web.tar.xz)" },
                { "pull \"https://h/a b.tar\"",
                        ": URL 'https://h/a b.tar' contains white space, a control or a non-ASCII character" },
                { "pull https://h/a.tar.zst",
                        ": URL 'https://h/a.tar.zst' names neither a tar archive nor a raw disk image"
                        " (the file name must end in .tar, .tar.gz (.tgz), .tar.xz or .tar.bz2 (a tar archive), or .raw, .img, .qcow2 or .bin, also with .xz, .gz or .bz2 (a raw disk image, pulled with VERIFY signature only))" },
                { "pull https://h/a.tar/",
                        ": URL 'https://h/a.tar/' names neither a tar archive nor a raw disk image"
                        " (the file name must end in .tar, .tar.gz (.tgz), .tar.xz or .tar.bz2 (a tar archive), or .raw, .img, .qcow2 or .bin, also with .xz, .gz or .bz2 (a raw disk image, pulled with VERIFY signature only))" },
                { "pull https://h/a.raw.xz checksum",
                        ": URL 'https://h/a.raw.xz' names a raw disk image, which berth pulls only with VERIFY signature (the host's kernel mounts its file system to copy the tree out): sign its SHA256SUMS with a key in /etc/systemd/import-pubring.gpg, or publish a tar archive" },
                { "pull https://h/a.qcow2 checksum",
                        ": URL 'https://h/a.qcow2' names a raw disk image, which berth pulls only with VERIFY signature (the host's kernel mounts its file system to copy the tree out): sign its SHA256SUMS with a key in /etc/systemd/import-pubring.gpg, or publish a tar archive" },
                { "pull https://h/a.tar no",
                        ": VERIFY 'no' is refused: berth never uses a download it could not verify; use signature (the default) or checksum" },
                { "pull https://h/a.tar gpg", ": VERIFY 'gpg' is not signature (the default) or checksum" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[512], msg[1024];
                snprintf(text, sizeof text, "[Container]\nProvision=%s\n", bad[i].value);
                snprintf(msg, sizeof msg, "Invalid Provision=%s in [Container]%s%s", bad[i].value,
                        bad[i].detail, acc);
                _cleanup_entry_set_free_ EntrySet *set = load_one(text);
                ASSERT_ERROR(set, "t", "etc/t.conf", 2, msg);
                ASSERT_EQ_INT(n_errors(set, "t"), 1);
                /* What could not be parsed keeps its default. */
                ASSERT_EQ_INT(entry_set_find(set, "t")->provision, PROVISION_NONE);
        }

        /* Which verb systemd-pull gets: the file name decides, not a query or a directory. */
        ASSERT_TRUE(pull_url_is_raw("https://h/a.raw"));
        ASSERT_TRUE(pull_url_is_raw("https://h/i/a.img.gz?x=a.tar#y"));
        ASSERT_TRUE(pull_url_is_raw("http://h:80/a.bin.bz2"));
        ASSERT_TRUE(!pull_url_is_raw("https://h/a.tar.xz"));
        ASSERT_TRUE(!pull_url_is_raw("https://h/a.tar?x=a.raw"));
        ASSERT_TRUE(!pull_url_is_raw("https://h/a.raw/b.tgz"));
        ASSERT_TRUE(!pull_url_is_raw("https://h"));
}

/* One line "Key=Value" under [section] must give exactly the error "etc/t.conf:2: message". */
static bool check_one_error(const char *section, const char *line, const char *message)
{
        char text[1024];
        snprintf(text, sizeof text, "[%s]\n%s\n", section, line);
        _cleanup_entry_set_free_ EntrySet *set = load_one(text);
        if (!has_error(set, "t", "etc/t.conf", 2, message))
                return false;
        if (n_errors(set, "t") != 1) {
                printf("# %s: %zu errors\n", line, n_errors(set, "t"));
                return false;
        }
        return true;
}
#define ASSERT_ONE_ERROR(section, line, message) ASSERT_TRUE(check_one_error((section), (line), (message)))

static void test_container_errors(void)
{
        ASSERT_ONE_ERROR("Container", "Enable=maybe",
                "Invalid Enable=maybe in [Container]; accepted: a boolean: yes, no, true, false, on, off, 1 or 0");
        ASSERT_ONE_ERROR("Container", "Boot=2",
                "Invalid Boot=2 in [Container]; accepted: a boolean: yes, no, true, false, on, off, 1 or 0");
        ASSERT_ONE_ERROR("Container", "Directory=srv/t",
                "Invalid Directory=srv/t in [Container]: not an absolute path; accepted: an absolute path other than /, without '..'");
        ASSERT_ONE_ERROR("Container", "Directory=/srv/../etc",
                "Invalid Directory=/srv/../etc in [Container]: '..' is not allowed in the path; accepted: an absolute path other than /, without '..'");
        ASSERT_ONE_ERROR("Container", "Directory=//./",
                "Invalid Directory=//./ in [Container]: the host's root directory cannot be a container's root; accepted: an absolute path other than /, without '..'");
        ASSERT_ONE_ERROR("Container", "Priority=1001",
                "Invalid Priority=1001 in [Container]; accepted: an integer from 0 to 1000");
        ASSERT_ONE_ERROR("Container", "Priority=-1",
                "Invalid Priority=-1 in [Container]; accepted: an integer from 0 to 1000");
        ASSERT_ONE_ERROR("Container", "Priority=5x",
                "Invalid Priority=5x in [Container]; accepted: an integer from 0 to 1000");
        ASSERT_ONE_ERROR("Container", "Priority=99999999999999999999",
                "Invalid Priority=99999999999999999999 in [Container]; accepted: an integer from 0 to 1000");
        ASSERT_ONE_ERROR("Container", "Audit=off",
                "Invalid Audit=off in [Container]; accepted: warn, refuse or ignore");
        ASSERT_ONE_ERROR("Container", "StartTimeoutSec=5 parsecs",
                "Invalid StartTimeoutSec=5 parsecs in [Container]; accepted: a time span such as 90, 5min 20s or infinity");
        ASSERT_ONE_ERROR("Container", "StopTimeoutSec=99999999999999999999",
                "Invalid StopTimeoutSec=99999999999999999999 in [Container]: too large; accepted: a time span such as 90, 5min 20s or infinity");
        ASSERT_ONE_ERROR("Container", "Hostname=-bad",
                "Invalid Hostname=-bad in [Container]; accepted: a host name of up to 64 characters: '.'-separated labels of letters, digits, '-' and '_', not starting or ending with '-'");
        ASSERT_ONE_ERROR("Container", "Hostname=a.-b",
                "Invalid Hostname=a.-b in [Container]; accepted: a host name of up to 64 characters: '.'-separated labels of letters, digits, '-' and '_', not starting or ending with '-'");
        ASSERT_ONE_ERROR("Container", "Hostname=a..b",
                "Invalid Hostname=a..b in [Container]; accepted: a host name of up to 64 characters: '.'-separated labels of letters, digits, '-' and '_', not starting or ending with '-'");
        ASSERT_ONE_ERROR("Container", "Command=/bin/echo \"open",
                "Invalid Command=/bin/echo \"open in [Container]: unbalanced double quote (\"); accepted: a command line, split like ExecStart= (quotes, backslash escapes)");
        ASSERT_ONE_ERROR("Container", "Command=''",
                "Invalid Command='' in [Container]: no program given; accepted: a command line, split like ExecStart= (quotes, backslash escapes)");
        ASSERT_ONE_ERROR("Container", "RootPasswordHashFile=t.hash",
                "Invalid RootPasswordHashFile=t.hash in [Container]: not an absolute path; accepted: an absolute path");
        ASSERT_ONE_ERROR("Container", "DependsOn=ok -bad",
                "Invalid DependsOn=ok -bad in [Container]: '-bad' is not a valid entry name; accepted: names of other entries, separated by spaces");
        ASSERT_ONE_ERROR("Container", "After=a..b",
                "Invalid After=a..b in [Container]: 'a..b' is not a valid entry name; accepted: names of other entries, separated by spaces");
        ASSERT_ONE_ERROR(
                "Container", "Priorty=1", "Unknown key Priorty= in [Container]; did you mean Priority=?");
        ASSERT_ONE_ERROR("Container", "Bind=/a", "Unknown key Bind= in [Container]: it belongs in [Files]");
        ASSERT_ONE_ERROR("Container", "Frobnicate=1",
                "Unknown key Frobnicate= in [Container]; accepted: Description=, Enable=, Directory=, Boot=, Command=, Hostname=, Provision=, RootPasswordHash=, RootPasswordHashFile=, Audit=, DependsOn=, After=, Priority=, StartTimeoutSec=, StopTimeoutSec=, ManageNetwork=");
        /* Keys are case-sensitive, as in systemd. */
        ASSERT_ONE_ERROR(
                "Container", "priority=1", "Unknown key priority= in [Container]; did you mean Priority=?");

        /* Long values are cut in messages. */
        char line[400], msg[600];
        snprintf(line, sizeof line, "Audit=%0300d", 0);
        snprintf(
                msg, sizeof msg, "Invalid Audit=%096d… in [Container]; accepted: warn, refuse or ignore", 0);
        ASSERT_ONE_ERROR("Container", line, msg);
}

static void test_boot_command(void)
{
        _cleanup_entry_set_free_ EntrySet *set = load_one("[Container]\nDescription=x\nBoot=no\n");
        ASSERT_ERROR(set, "t", "etc/t.conf", 3,
                "Boot=no requires Command= in [Container] (the command to run inside the container)");
        ASSERT_EQ_INT(n_errors(set, "t"), 1);
        entry_set_free(set);
        set = load_one("[Container]\nBoot=no\nCommand=/bin/sleep infinity\n");
        ASSERT_EQ_INT(n_errors(set, "t"), 0);
        entry_set_free(set);
        /* A reset of Command= counts. */
        set = load_one("[Container]\nBoot=no\nCommand=/bin/sleep infinity\nCommand=\n");
        ASSERT_EQ_INT(n_errors(set, "t"), 1);
}

static void test_password_hash(void)
{
        static const char *const good[] = {
                "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
                "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
                "$6$rounds=5000$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2",
                "$5$salt$Gcm6FsVtF/Qa77ZKD.iwsJlCVPY0XSMgLJL0Hnww/c1",
                "$2b$05$abcdefghijklmnopqrstuuNdyF8jsvQsUT9lP0Xh4kt1uZfH.cKDG",
                "$gy$j9T$salt$hash",
                "$7$CU..../....salt$hash",
                "!",
                "*",
                "!*",
                "!!",
                "!$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                char text[512];
                snprintf(text, sizeof text, "[Container]\nRootPasswordHash=%s\n", good[i]);
                _cleanup_entry_set_free_ EntrySet *set = load_one(text);
                if (n_errors(set, "t") != 0)
                        printf("# %s: %s\n", good[i], err(set, "t", 0));
                ASSERT_EQ_INT(n_errors(set, "t"), 0);
                ASSERT_STREQ(entry_set_find(set, "t")->root_password_hash, good[i]);
        }

        static const char *const acc =
                "; accepted: a crypt(3) hash ($y$, $gy$, $7$, $2b$, $2y$, $2a$, $6$, $5$), or ! or * (locked), in a file only root can read";
        static const struct {
                const char *value, *detail;
        } bad[] = {
                { "$1$salt$hash",
                        "a weak hash method; use yescrypt ($y$) or SHA-512 ($6$), e.g. from 'mkpasswd -m yescrypt'" },
                { "abJnggxhB/yWI", "not a crypt(3) hash of a known method" },
                { "plaintext", "not a crypt(3) hash of a known method" },
                { "$6$salt$ha:sh", "contains a character that crypt(3) never produces" },
                { "$6$salt$ha sh", "contains a character that crypt(3) never produces" },
                { "$6$onlysalt", "incomplete: expected $ID$[PARAMS$]SALT$HASH" },
                { "$6$salt$", "incomplete: expected $ID$[PARAMS$]SALT$HASH" },
                { "!!x", "not a crypt(3) hash of a known method" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[512], msg[1024];
                snprintf(text, sizeof text, "[Container]\nRootPasswordHash=%s\n", bad[i].value);
                /* The value is a secret: never echoed. */
                snprintf(msg, sizeof msg, "Invalid RootPasswordHash=(hidden) in [Container]: %s%s",
                        bad[i].detail, acc);
                _cleanup_entry_set_free_ EntrySet *set = load_one(text);
                ASSERT_ERROR(set, "t", "etc/t.conf", 2, msg);
                ASSERT_TRUE(entry_set_find(set, "t")->root_password_hash == NULL);
        }

        /* A file that group or others can read must not hold a hash. */
        static const struct {
                mode_t mode;
                const char *who;
        } modes[] = { { 0644, "group and others" }, { 0640, "its group" }, { 0604, "others" } };
        for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
                const char *text = "[Container]\nRootPasswordHash=!\n";
                char msg[1024];
                tree_new();
                tree_write_n("etc/t.conf", text, strlen(text), modes[i].mode);
                _cleanup_entry_set_free_ EntrySet *set = load("etc");
                snprintf(msg, sizeof msg,
                        "Invalid RootPasswordHash=(hidden) in [Container]: the file can be read by %s (mode %04o); run 'chmod 0600 %s', or use RootPasswordHashFile=%s",
                        modes[i].who, (unsigned) modes[i].mode, tree_path("etc/t.conf"), acc);
                ASSERT_ERROR(set, "t", "etc/t.conf", 2, msg);
        }
        /* A reset is no secret, and 0600/0400 files are fine. */
        {
                const char *text = "[Container]\nRootPasswordHash=\n";
                tree_new();
                tree_write_n("etc/t.conf", text, strlen(text), 0644);
                tree_write_n("etc/u.conf", "[Container]\nRootPasswordHash=*\n", 31, 0400);
                _cleanup_entry_set_free_ EntrySet *set = load("etc");
                ASSERT_EQ_INT(n_errors(set, "t"), 0);
                ASSERT_EQ_INT(n_errors(set, "u"), 0);
        }

        /* Both keys. */
        _cleanup_entry_set_free_ EntrySet *set =
                load_one("[Container]\nRootPasswordHashFile=/etc/t.hash\nRootPasswordHash=!\n");
        ASSERT_ERROR(set, "t", "etc/t.conf", 3,
                "Both RootPasswordHash= and RootPasswordHashFile= are set; accepted: only one of them");
        ASSERT_EQ_INT(n_errors(set, "t"), 1);
}

static void test_nspawn_sections(void)
{
        _cleanup_entry_set_free_ EntrySet *set = load_one("[Exec]\n"
                                                          "PrivateUsers=pick\n"
                                                          "Capability=CAP_NET_ADMIN cap_sys_time\n"
                                                          "DropCapability=all\n"
                                                          "Environment=A=1 B=2\n"
                                                          "LimitNOFILE=4096\n"
                                                          "KillSignal=SIGTERM\n"
                                                          "NotifyReady=yes\n"
                                                          "LinkJournal=try-guest\n"
                                                          "Timezone=bind\n"
                                                          "SuppressSync=no\n"
                                                          "ProcessTwo=no\n"
                                                          "[Files]\n"
                                                          "ReadOnly=yes\n"
                                                          "Volatile=overlay\n"
                                                          "PrivateUsersChown=yes\n"
                                                          "PrivateUsersOwnership=map\n"
                                                          "Bind=/srv/www:/var/www:rbind\n"
                                                          "BindReadOnly=-/srv/maybe\n"
                                                          "Bind=+/inside:/other\n"
                                                          "Bind=/with\\:colon:/x\n"
                                                          "Bind=/srv//www/\n"
                                                          "TemporaryFileSystem=/tmp\n"
                                                          "[Network]\n"
                                                          "Private=yes\n"
                                                          "VirtualEthernet=yes\n"
                                                          "Bridge=br0\n"
                                                          "Bridge=br1\n"
                                                          "Port=tcp:2222:22\n"
                                                          "Zone=\n");
        Entry *e = entry_set_find(set, "t");
        ASSERT_STREQ(err(set, "t", 0), "");
        ASSERT_TRUE(e->has_nspawn_settings);
        ASSERT_TRUE(e->private_users);
        ASSERT_TRUE(e->read_only);
        ASSERT_EQ_INT(strv_length(e->bridges), 1);
        ASSERT_STREQ(e->bridges[0], "br1");
        ASSERT_EQ_INT(strv_length(e->bind_sources), 3);
        ASSERT_STREQ(e->bind_sources[0], "/srv/www");
        ASSERT_STREQ(e->bind_sources[1], "/srv/maybe");
        ASSERT_STREQ(e->bind_sources[2], "/with:colon");
        ASSERT_EQ_INT(e->n_assignments, 27);
        ASSERT_EQ_INT(e->network_link, NETWORK_LINK_BRIDGE);
        ASSERT_TRUE(!e->zone);
        ASSERT_EQ_INT(strv_length(e->ports), 1);
        ASSERT_STREQ(e->ports[0], "tcp:2222:22");

        /* Resets: Bind= clears Bind= only, PrivateUsers=no, ReadOnly= back to no, Bridge= none. */
        entry_set_free(set);
        set = load_one("[Exec]\nPrivateUsers=pick\nPrivateUsers=no\n[Files]\nReadOnly=yes\nReadOnly=\n"
                       "Bind=/x\nBindReadOnly=/a\nBind=\nBind=/b\n[Network]\nBridge=br0\nBridge=\n");
        e = entry_set_find(set, "t");
        ASSERT_STREQ(err(set, "t", 0), "");
        ASSERT_TRUE(!e->private_users);
        ASSERT_TRUE(!e->read_only);
        ASSERT_TRUE(e->bridges == NULL);
        ASSERT_EQ_INT(strv_length(e->bind_sources), 2);
        ASSERT_STREQ(e->bind_sources[0], "/a");
        ASSERT_STREQ(e->bind_sources[1], "/b");
        ASSERT_TRUE(e->has_nspawn_settings);

        /* A UID range is private users too. */
        entry_set_free(set);
        set = load_one("[Exec]\nPrivateUsers=65536:65536\n");
        ASSERT_TRUE(entry_set_find(set, "t")->private_users);
        ASSERT_EQ_INT(n_errors(set, "t"), 0);
}

/* [Network] keys as systemd-nspawn reads them from a trusted .nspawn file: any network key, even
 * "no", replaces the stock unit's --network-veth; Port= does not. */
static void test_network_link(void)
{
        static const struct {
                const char *network;
                NetworkLink link;
                bool wants_networkd;
        } cases[] = {
                { "", NETWORK_LINK_VETH, true },
                { "Port=8080\nPort=udp:53:5353\n", NETWORK_LINK_VETH, true },
                { "VirtualEthernet=yes\n", NETWORK_LINK_VETH, true },
                { "Private=yes\nVirtualEthernet=yes\n", NETWORK_LINK_VETH, true },
                { "Zone=web\n", NETWORK_LINK_ZONE, true },
                { "VirtualEthernet=no\nZone=web\n", NETWORK_LINK_ZONE, true },
                { "Bridge=br0\n", NETWORK_LINK_BRIDGE, false },
                { "VirtualEthernet=no\nBridge=br0\n", NETWORK_LINK_BRIDGE, false },
                { "VirtualEthernet=no\n", NETWORK_LINK_HOST, false },
                { "Private=no\n", NETWORK_LINK_HOST, false },
                { "Private=no\nVirtualEthernet=no\nPort=2222\n", NETWORK_LINK_HOST, false },
                { "Private=yes\n", NETWORK_LINK_OTHER, false },
                { "Interface=eth1\n", NETWORK_LINK_OTHER, false },
                { "MACVLAN=eth0\n", NETWORK_LINK_OTHER, false },
                { "IPVLAN=eth0\n", NETWORK_LINK_OTHER, false },
                { "VirtualEthernetExtra=extra0\n", NETWORK_LINK_OTHER, false },
                /* Resets: what is left in effect counts. */
                { "VirtualEthernet=no\nVirtualEthernet=\n", NETWORK_LINK_VETH, true },
                { "Zone=web\nZone=\n", NETWORK_LINK_VETH, true },
                { "Interface=eth1\nInterface=\nPrivate=no\n", NETWORK_LINK_HOST, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[Network]\n%s", cases[i].network) > 0);
                _cleanup_entry_set_free_ EntrySet *set = load_one(text);
                Entry *e = entry_set_find(set, "t");
                ASSERT_STREQ(err(set, "t", 0), "");
                if (e->network_link != cases[i].link)
                        fprintf(stderr, "# [Network] %s: %s, wanted %s\n", cases[i].network,
                                network_link_to_string(e->network_link),
                                network_link_to_string(cases[i].link));
                ASSERT_EQ_INT(e->network_link, cases[i].link);
                ASSERT_EQ_INT(entry_wants_host_networkd(e), cases[i].wants_networkd);
                ASSERT_TRUE(e->manage_network);
        }

        /* ManageNetwork=no: the same link, but nothing for networkd. */
        _cleanup_entry_set_free_ EntrySet *set =
                load_one("[Container]\nManageNetwork=no\n[Network]\nZone=web\n");
        Entry *e = entry_set_find(set, "t");
        ASSERT_EQ_INT(e->network_link, NETWORK_LINK_ZONE);
        ASSERT_STREQ(e->zone, "web");
        ASSERT_TRUE(!entry_wants_host_networkd(e));
}

static void test_nspawn_errors(void)
{
        ASSERT_ONE_ERROR(
                "Exec", "Boot=yes", "Boot= in [Exec] is set by berth; use Boot= in [Container] instead");
        ASSERT_ONE_ERROR("Exec", "Parameters=/bin/sh",
                "Parameters= in [Exec] is set by berth; use Command= in [Container] instead");
        ASSERT_ONE_ERROR("Exec", "Hostname=x",
                "Hostname= in [Exec] is set by berth; use Hostname= in [Container] instead");
        ASSERT_ONE_ERROR("Exec", "PrivateUser=yes",
                "Unknown key PrivateUser= in [Exec]; did you mean PrivateUsers=?");
        ASSERT_ONE_ERROR("Exec", "Quux=1",
                "Unknown key Quux= in [Exec]: systemd-nspawn " STR(
                        SYSTEMD_VERSION) " does not know it (see systemd.nspawn(5)); accepted: the keys of systemd.nspawn(5) except Boot=, Parameters=, Hostname=");
        ASSERT_ONE_ERROR(
                "Files", "Priority=1", "Unknown key Priority= in [Files]: it belongs in [Container]");
        ASSERT_ONE_ERROR("Exec", "Capability=CAP_NET_ADMIN CAP_FLY",
                "Invalid Capability=CAP_NET_ADMIN CAP_FLY in [Exec]: unknown capability 'CAP_FLY'; accepted: capability names (as CAP_NET_ADMIN) or all");
        ASSERT_ONE_ERROR("Exec", "DropCapability=everything",
                "Invalid DropCapability=everything in [Exec]: unknown capability 'everything'; accepted: capability names (as CAP_NET_ADMIN) or all");
        ASSERT_ONE_ERROR("Exec", "NoNewPrivileges=perhaps",
                "Invalid NoNewPrivileges=perhaps in [Exec]; accepted: a boolean: yes, no, true, false, on, off, 1 or 0");
        ASSERT_ONE_ERROR("Exec", "PrivateUsers=some",
                "Invalid PrivateUsers=some in [Exec]; accepted: a boolean, pick, identity, a UID or UID:RANGE");
        ASSERT_ONE_ERROR("Exec", "LinkJournal=always",
                "Invalid LinkJournal=always in [Exec]; accepted: no, auto, host, try-host, guest or try-guest");
        ASSERT_ONE_ERROR("Files", "Volatile=maybe",
                "Invalid Volatile=maybe in [Files]; accepted: a boolean, state or overlay");
        ASSERT_ONE_ERROR("Files", "Bind=relative:/x",
                "Invalid Bind=relative:/x in [Files]: SOURCE 'relative' is not an absolute path ('+' makes it relative to the container's root); accepted: [-|+]SOURCE[:DEST[:OPTIONS]], SOURCE absolute");
        ASSERT_ONE_ERROR("Files", "BindReadOnly=/a:b",
                "Invalid BindReadOnly=/a:b in [Files]: DEST 'b' is not an absolute path; accepted: [-|+]SOURCE[:DEST[:OPTIONS]], SOURCE absolute");
        ASSERT_ONE_ERROR("Files", "Bind=/a:/b:ro:extra",
                "Invalid Bind=/a:/b:ro:extra in [Files]: too many ':' fields (escape a colon in a path as '\\:'); accepted: [-|+]SOURCE[:DEST[:OPTIONS]], SOURCE absolute");
        ASSERT_ONE_ERROR("Network", "Bridge=a-very-long-bridge-name",
                "Invalid Bridge=a-very-long-bridge-name in [Network]; accepted: a network interface name (1-15 characters)");
        ASSERT_ONE_ERROR("Network", "VirtualEthernet=sure",
                "Invalid VirtualEthernet=sure in [Network]; accepted: a boolean: yes, no, true, false, on, off, 1 or 0");
        ASSERT_ONE_ERROR("Install", "Also=foo.service",
                "Unknown key Also= in [Install]; accepted: WantedBy=, RequiredBy= (Enable= in [Container] adds the unit to machines.target)");
        ASSERT_ONE_ERROR("Install", "WantedBy=multi-user",
                "Invalid WantedBy=multi-user in [Install]: 'multi-user' is not a unit name; accepted: unit names, separated by spaces");
        _cleanup_entry_set_free_ EntrySet *set = load_one("[Bogus]\nA=1\nB=2\n[Container]\nPriority=1\n");
        ASSERT_ERROR(set, "t", "etc/t.conf", 1,
                "Unknown section [Bogus]; accepted: [Container], [Exec], [Files], [Network], [Unit], [Service], [Install] ([X-…] sections are ignored)");
        ASSERT_EQ_INT(n_errors(set, "t"), 1);
        ASSERT_EQ_INT(entry_set_find(set, "t")->priority, 1);
}

/* The effective assignments of a section as "K=V|K=V". */
static const char *effective(const Entry *e, const char *section)
{
        static char buf[1024];
        const Assignment **l = NULL;
        buf[0] = '\0';
        if (entry_effective_assignments(e, section, &l) < 0)
                return "ENOMEM";
        for (const Assignment **p = l; *p; p++)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s=%s", p == l ? "" : "|",
                        (*p)->key, (*p)->value);
        free(l);
        return buf;
}

static void test_effective_assignments(void)
{
        _cleanup_entry_set_free_ EntrySet *set = load_one("[Exec]\n"
                                                          "Environment=A=1\n"
                                                          "KillSignal=SIGINT\n"
                                                          "Environment=\n"
                                                          "Environment=B=2\n"
                                                          "KillSignal=SIGTERM\n"
                                                          "Environment=C=3\n"
                                                          "NotifyReady=yes\n"
                                                          "NotifyReady=\n"
                                                          "[Network]\n"
                                                          "Port=80\n"
                                                          "Port=\n"
                                                          "[Files]\n"
                                                          "Bind=/a\n"
                                                          "[Service]\n"
                                                          "Environment=X=1\n"
                                                          "Environment=\n"
                                                          "[Container]\n"
                                                          "Priority=3\n"
                                                          "Priority=\n"
                                                          "DependsOn=x\n"
                                                          "DependsOn=y\n");
        tree_write("etc/x.conf", "[Container]\nPriority=0\n");
        tree_write("etc/y.conf", "[Container]\nPriority=0\n");
        entry_set_free(set);
        set = load("etc");
        Entry *e = entry_set_find(set, "t");
        ASSERT_STREQ(err(set, "t", 0), "");
        ASSERT_STREQ(effective(e, "Exec"), "Environment=B=2|KillSignal=SIGTERM|Environment=C=3");
        ASSERT_STREQ(effective(e, "Network"), "");
        ASSERT_STREQ(effective(e, "Files"), "Bind=/a");
        /* [Service] is systemd's to resolve: every assignment, resets included. */
        ASSERT_STREQ(effective(e, "Service"), "Environment=X=1|Environment=");
        ASSERT_STREQ(effective(e, "Container"), "DependsOn=x|DependsOn=y");
        ASSERT_STREQ(effective(e, "Install"), "");
}

static void test_passthrough_and_x(void)
{
        _cleanup_entry_set_free_ EntrySet *set = load_one("[Unit]\n"
                                                          "Wants=network-online.target\n"
                                                          "AnythingGoes=%i \\\n  continued\n"
                                                          "[Service]\n"
                                                          "Restart=on-failure\n"
                                                          "X-Ignored=1\n"
                                                          "ExecStartPost=/bin/echo %n\n"
                                                          "[X-Mine]\n"
                                                          "Whatever=1\n"
                                                          "[Container]\n"
                                                          "X-Note=ignored too\n");
        Entry *e = entry_set_find(set, "t");
        ASSERT_STREQ(err(set, "t", 0), "");
        ASSERT_EQ_INT(e->n_assignments, 4);
        ASSERT_STREQ(e->assignments[1].key, "AnythingGoes");
        ASSERT_STREQ(e->assignments[1].value, "%i    continued");
        ASSERT_STREQ(e->assignments[3].section, "Service");
        ASSERT_STREQ(e->assignments[3].value, "/bin/echo %n");
        ASSERT_TRUE(!e->has_nspawn_settings);
}

static void test_dependencies(void)
{
        tree_new();
        tree_write("etc/db.conf", "[Container]\nPriority=10\n");
        tree_write("etc/web.conf", "[Container]\nPriority=20\nDependsOn=db\nAfter=cache\n");
        tree_write("etc/cache.conf", "[Container]\nPriority=20\n");
        tree_write("etc/app.conf", "[Container]\nPriority=10\nDependsOn=web\n"); /* web is in a later wave */
        tree_write("etc/lost.conf", "[Container]\nDependsOn=nothere\nAfter=gone\n");
        tree_write("etc/gone.conf", "");
        tree_write("etc/bad name.conf", "[Container]\n");
        tree_write("etc/refs-bad.conf", "[Container]\nAfter=bad\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc");

        ASSERT_EQ_INT(n_errors(set, "db"), 0);
        ASSERT_EQ_INT(n_errors(set, "web"), 0);
        ASSERT_EQ_INT(n_errors(set, "cache"), 0);
        ASSERT_ERROR(set, "app", "etc/app.conf", 3,
                "DependsOn=web: web has Priority=20, so it starts in a later Priority= wave than app (Priority=10); give web a Priority= of at most 10");
        ASSERT_EQ_INT(n_errors(set, "app"), 1);
        ASSERT_ERROR(set, "lost", "etc/lost.conf", 2,
                "DependsOn=nothere names an entry that does not exist (no nothere.conf in the search path); accepted: names of existing entries");
        ASSERT_ERROR(set, "lost", "etc/lost.conf", 3,
                "After=gone names an entry that is masked (by an empty file or a symlink to /dev/null); accepted: names of existing entries");
        ASSERT_EQ_INT(n_errors(set, "lost"), 2);
        ASSERT_ERROR(set, "refs-bad", "etc/refs-bad.conf", 2,
                "After=bad names an entry that does not exist (no bad.conf in the search path); accepted: names of existing entries");
}

static void test_cycles(void)
{
        tree_new();
        /* a -> b -> c -> a; d -> a (not in the cycle); s -> s; x <-> y; p, q, r with two cycles. */
        tree_write("etc/a.conf", "[Container]\nDependsOn=b\n");
        tree_write("etc/b.conf", "[Container]\nAfter=c\n");
        tree_write("etc/c.conf", "[Container]\nDescription=c\nDependsOn=a\n");
        tree_write("etc/d.conf", "[Container]\nDependsOn=a\n");
        tree_write("etc/s.conf", "[Container]\nAfter=s\n");
        tree_write("etc/x.conf", "[Container]\nAfter=y\n");
        tree_write("etc/y.conf", "[Container]\nAfter=x\n");
        tree_write("etc/p.conf", "[Container]\nAfter=q\n");
        tree_write("etc/q.conf", "[Container]\nAfter=p r\n");
        tree_write("etc/r.conf", "[Container]\nAfter=q\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc");

        ASSERT_ERROR(set, "a", "etc/a.conf", 2,
                "DependsOn=b is part of a dependency cycle: a -> b -> c -> a; remove one of these DependsOn=/After= dependencies");
        ASSERT_ERROR(set, "b", "etc/b.conf", 2,
                "After=c is part of a dependency cycle: b -> c -> a -> b; remove one of these DependsOn=/After= dependencies");
        ASSERT_ERROR(set, "c", "etc/c.conf", 3,
                "DependsOn=a is part of a dependency cycle: c -> a -> b -> c; remove one of these DependsOn=/After= dependencies");
        ASSERT_EQ_INT(n_errors(set, "a"), 1);
        ASSERT_EQ_INT(n_errors(set, "b"), 1);
        ASSERT_EQ_INT(n_errors(set, "c"), 1);
        ASSERT_EQ_INT(n_errors(set, "d"), 0);
        ASSERT_ERROR(set, "s", "etc/s.conf", 2,
                "After=s is part of a dependency cycle: s -> s; remove one of these DependsOn=/After= dependencies");
        ASSERT_EQ_INT(n_errors(set, "x"), 1);
        ASSERT_EQ_INT(n_errors(set, "y"), 1);
        /* p, q, r: one component with two cycles; each entry is named in a cycle through it. */
        ASSERT_ERROR(set, "p", "etc/p.conf", 2,
                "After=q is part of a dependency cycle: p -> q -> p; remove one of these DependsOn=/After= dependencies");
        ASSERT_ERROR(set, "r", "etc/r.conf", 2,
                "After=q is part of a dependency cycle: r -> q -> r; remove one of these DependsOn=/After= dependencies");
        ASSERT_EQ_INT(n_errors(set, "q"), 1);
        ASSERT_EQ_INT(n_errors(set, "p"), 1);
        ASSERT_EQ_INT(n_errors(set, "r"), 1);
}

static void test_big_cycle(void)
{
        /* 30 entries in one ring: every one gets one error, the cycle printed cut after 20 names. */
        tree_new();
        for (int i = 0; i < 30; i++) {
                char rel[64], text[128];
                snprintf(rel, sizeof rel, "etc/n%02d.conf", i);
                snprintf(text, sizeof text, "[Container]\nAfter=n%02d\n", (i + 1) % 30);
                tree_write(rel, text);
        }
        _cleanup_entry_set_free_ EntrySet *set = load("etc");
        for (size_t i = 0; i < set->n_entries; i++)
                ASSERT_EQ_INT(set->entries[i]->n_errors, 1);
        ASSERT_ERROR(set, "n05", "etc/n05.conf", 2,
                "After=n06 is part of a dependency cycle: n05 -> n06 -> n07 -> n08 -> n09 -> n10 -> n11 -> n12 -> n13 -> n14 -> n15 -> n16 -> n17 -> n18 -> n19 -> n20 -> n21 -> n22 -> n23 -> n24 -> … -> n05; remove one of these DependsOn=/After= dependencies");
}

static void test_errors_stay_in_their_entry(void)
{
        tree_new();
        tree_write("etc/good.conf", "[Container]\nPriority=5\n");
        tree_write("etc/bad.conf", "[Container]\nPriority=x\nEnable=no\n[Nope]\nA=1\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc");
        ASSERT_EQ_INT(n_errors(set, "good"), 0);
        ASSERT_EQ_INT(n_errors(set, "bad"), 2);
        Entry *b = entry_set_find(set, "bad");
        /* What parsed applies; what did not keeps its default. */
        ASSERT_TRUE(!b->enable);
        ASSERT_EQ_INT(b->priority, 50);
        ASSERT_EQ_INT(set->n_errors, 0);
}

static void test_digest(void)
{
        char d1[65], d2[65], d3[65], d4[65];

        /* One file with comments... */
        _cleanup_entry_set_free_ EntrySet *set =
                load_one("# comment\n[Container]\nPriority=5\n\n[Network]\n  Bridge = br0  \n"
                         "[X-Foo]\nA=1\n[Container]\nX-Note=2\n");
        ASSERT_EQ_INT(n_errors(set, "t"), 0);
        memcpy(d1, entry_set_find(set, "t")->digest, 65);
        entry_set_free(set);
        /* ...the same settings spread over a file and a drop-in elsewhere, CRLF, continuation. */
        tree_new();
        tree_write("usr/t.conf", "[Container]\r\nPriority=\\\n5\r\n");
        tree_write("etc/t.conf.d/10.conf", "[Network]\nBridge=br0\n");
        set = load("etc:usr");
        ASSERT_EQ_INT(n_errors(set, "t"), 0);
        memcpy(d2, entry_set_find(set, "t")->digest, 65);
        ASSERT_STREQ(d1, d2);
        entry_set_free(set);
        /* A value change changes it. */
        set = load_one("[Container]\nPriority=6\n[Network]\nBridge=br0\n");
        memcpy(d3, entry_set_find(set, "t")->digest, 65);
        ASSERT_TRUE(!streq(d1, d3));
        entry_set_free(set);
        /* So does the order of assignments, and a reset. */
        set = load_one("[Network]\nBridge=br0\n[Container]\nPriority=5\n");
        memcpy(d4, entry_set_find(set, "t")->digest, 65);
        ASSERT_TRUE(!streq(d1, d4));
        entry_set_free(set);
        set = load_one("[Container]\nPriority=5\n[Network]\nBridge=br0\n[Service]\nRestart=no\n");
        ASSERT_TRUE(!streq(d1, entry_set_find(set, "t")->digest));
        entry_set_free(set);
        /* The same content under another name differs. */
        tree_new();
        tree_write("etc/u.conf", "[Container]\nPriority=5\n[Network]\nBridge=br0\n");
        set = load("etc");
        ASSERT_TRUE(!streq(d1, entry_set_find(set, "u")->digest));
        /* The documented serialization, computed independently (Python hashlib over
         * b"berth-digest-1\0u\0Container\0Priority\x005\0Network\0Bridge\0br0\0"). */
        ASSERT_STREQ(entry_set_find(set, "u")->digest,
                "799c7c0d84e806d9cba90261f3e5c99930950c291118cc5bd875bc053ae92019");
        /* entry_compute_digest() gives the stored value. */
        char again[65];
        entry_compute_digest(entry_set_find(set, "u"), again);
        ASSERT_STREQ(again, entry_set_find(set, "u")->digest);
}

/* LoadOptions.generator_only: the same entries, digests, errors and derived fields; only the
 * assignments the generator reads are kept, in their order. */
static void test_generator_only(void)
{
        static const char *const text =
                "[Container]\nDescription=d\nDependsOn=a\nPriority=5\nAfter=a\n"
                "[Exec]\nEnvironment=X=1\n[Files]\nBind=/srv:/srv\n[Network]\nBridge=br0\n"
                "[Unit]\nDocumentation=man:x(1)\n[Service]\nCPUWeight=5\n[Install]\nWantedBy=x.target\n";
        _cleanup_strv_free_ char **path = NULL;
        _cleanup_entry_set_free_ EntrySet *full = NULL, *lean = NULL;

        tree_new();
        tree_write("etc/a.conf", "[Container]\nPriority=1\n");
        tree_write("etc/t.conf", text);
        tree_write("etc/bad.conf", "[Container]\nDependsOn=nosuch\n[Exec]\nBoot=no\n");
        ASSERT_EQ_INT(strv_extend(&path, tree_path("etc")), 0);
        ASSERT_EQ_INT(entry_set_load(&(LoadOptions){ .search_path = path }, &full), 0);
        ASSERT_EQ_INT(
                entry_set_load(&(LoadOptions){ .search_path = path, .generator_only = true }, &lean), 0);

        ASSERT_EQ_INT(lean->n_entries, full->n_entries);
        for (size_t i = 0; i < full->n_entries; i++) {
                const Entry *f = full->entries[i], *l = lean->entries[i];
                ASSERT_STREQ(l->name, f->name);
                ASSERT_STREQ(l->digest, f->digest);
                ASSERT_EQ_INT(l->n_errors, f->n_errors);
                for (size_t k = 0; k < f->n_errors; k++) {
                        _cleanup_free_ char *a = entry_error_format(&f->errors[k]);
                        _cleanup_free_ char *b = entry_error_format(&l->errors[k]);
                        ASSERT_STREQ(b, a);
                }
        }
        const Entry *t = entry_set_find(lean, "t");
        ASSERT_TRUE(t && t->n_assignments == 4);
        const char *want[][2] = { { "Container", "DependsOn" }, { "Container", "After" },
                { "Unit", "Documentation" }, { "Service", "CPUWeight" } };
        for (size_t i = 0; t && i < 4; i++) {
                ASSERT_STREQ(t->assignments[i].section, want[i][0]);
                ASSERT_STREQ(t->assignments[i].key, want[i][1]);
        }
        /* The derived fields the generator writes from survive. */
        ASSERT_TRUE(t && t->has_nspawn_settings && t->priority == 5 && strv_length(t->wanted_by) == 1 &&
                    strv_length(t->bind_sources) == 1 && strv_length(t->bridges) == 1);
        /* The cross-entry error still names the line of DependsOn=. */
        ASSERT_ERROR(lean, "bad", "etc/bad.conf", 2,
                "DependsOn=nosuch names an entry that does not exist (no nosuch.conf in the search path); accepted: names of existing entries");
}

static void test_bad_files(void)
{
        tree_new();
        /* A directory named NAME.conf, a FIFO, a device, a symlink loop, a dangling symlink. */
        tree_mkdir_p(tree_path("etc/dir.conf"));
        ASSERT_EQ_INT(mkfifo(tree_path("etc/fifo.conf"), 0600), 0);
        tree_symlink("/dev/zero", "etc/zero.conf");
        tree_symlink("loop2.conf", "etc/loop1.conf");
        tree_symlink("loop1.conf", "etc/loop2.conf");
        tree_symlink("/nonexistent/x", "etc/dangling.conf");
        /* A UNIX socket. */
        /* 10 MB, random bytes, a NUL, invalid UTF-8. */
        size_t big = 10 * 1024 * 1024;
        char *buf = malloc(big);
        memset(buf, 'a', big);
        tree_write_n("etc/big.conf", buf, big, 0600);
        unsigned seed = 12345;
        for (size_t i = 0; i < 65536; i++) {
                seed = seed * 1103515245 + 12345;
                buf[i] = (char) (seed >> 16);
        }
        tree_write_n("etc/random.conf", buf, 65536, 0600);
        tree_write_n("etc/nul.conf", "[Container]\nPriority=1\nDescr\0iption=x\n", 37, 0600);
        tree_write("etc/latin1.conf", "[Container]\nDescription=caf\xe9\n");
        free(buf);
        /* A file just at the size limit is read. */
        {
                size_t n = 1024 * 1024;
                char *t = malloc(n);
                memset(t, '#', n);
                memcpy(t, "[Container]\n", 12);
                t[n - 1] = '\n';
                for (size_t i = 12; i + 1 < n; i += 1000)
                        t[i] = '\n';
                tree_write_n("etc/limit.conf", t, n, 0600);
                t[0] = '#';
                tree_write_n("etc/over.conf", t, n, 0600);
                tree_write_n("etc/over.conf", t, n, 0600);
                int fd = open(tree_path("etc/over.conf"), O_WRONLY | O_APPEND);
                ASSERT_EQ_INT(write(fd, "\n", 1), 1);
                close(fd);
                free(t);
        }
        tree_write("etc/ok.conf", "[Container]\nPriority=3\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc");

        ASSERT_EQ_INT(n_errors(set, "ok"), 0);
        ASSERT_ERROR(set, "dir", "etc/dir.conf", 0, "Is a directory, expected a regular file");
        ASSERT_ERROR(set, "fifo", "etc/fifo.conf", 0, "Is a FIFO, expected a regular file");
        ASSERT_ERROR(set, "zero", "etc/zero.conf", 0, "Is a character device, expected a regular file");
        ASSERT_ERROR(set, "loop1", "etc/loop1.conf", 0,
                "Failed to open: symbolic link loop (too many levels of symbolic links)");
        ASSERT_ERROR(set, "dangling", "etc/dangling.conf", 0,
                "Failed to open: dangling symbolic link (its target does not exist)");
        ASSERT_ERROR(set, "big", "etc/big.conf", 0,
                "File is larger than 1024 KiB (10485760 bytes): not a configuration file");
        ASSERT_ERROR(set, "over", "etc/over.conf", 0,
                "File is larger than 1024 KiB (1048577 bytes): not a configuration file");
        ASSERT_EQ_INT(n_errors(set, "limit"), 0);
        ASSERT_EQ_INT(n_errors(set, "random"), 1);
        ASSERT_TRUE(strstr(err(set, "random", 0), "File contains a NUL byte") ||
                    strstr(err(set, "random", 0), "not valid UTF-8"));
        ASSERT_ERROR(set, "nul", "etc/nul.conf", 3, "File contains a NUL byte: not a text file");
        ASSERT_EQ_INT(entry_set_find(set, "nul")->priority, 1);
        ASSERT_ERROR(
                set, "latin1", "etc/latin1.conf", 2, "Line is not valid UTF-8: the file must be UTF-8 text");
        ASSERT_EQ_INT(n_errors(set, "latin1"), 1);
        /* Each is an entry of its own with its error; the set itself is fine. */
        ASSERT_EQ_INT(set->n_errors, 0);
        ASSERT_EQ_INT(set->n_entries, 13);
}

static void test_bad_dropins(void)
{
        tree_new();
        tree_write("etc/web.conf", "[Container]\n");
        tree_mkdir_p(tree_path("etc/web.conf.d/10-dir.conf"));
        ASSERT_EQ_INT(mkfifo(tree_path("etc/web.conf.d/20-fifo.conf"), 0600), 0);
        tree_write("etc/web.conf.d/30-ok.conf", "[Container]\nPriority=9\n");
        tree_write("etc/other.conf", "[Container]\n");
        tree_write("etc/other.conf.d", "a file, not a directory");
        tree_write("etc/defaults.d/10-bad.conf", "[Container]\nPriority=high\n");
        /* defaults.d is parsed once and replayed for each entry: its syntax errors too. */
        tree_write("etc/defaults.d/20-syntax.conf", "[Container]\nPriority 5\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc");

        ASSERT_ERROR(set, "web", "etc/web.conf.d/10-dir.conf", 0, "Is a directory, expected a regular file");
        ASSERT_ERROR(set, "web", "etc/web.conf.d/20-fifo.conf", 0, "Is a FIFO, expected a regular file");
        ASSERT_EQ_INT(entry_set_find(set, "web")->priority, 9);
        ASSERT_ERROR(
                set, "other", "etc/other.conf.d", 0, "Failed to open drop-in directory: Not a directory");
        /* A bad defaults.d file is an error of every entry. */
        ASSERT_ERROR(set, "web", "etc/defaults.d/10-bad.conf", 2,
                "Invalid Priority=high in [Container]; accepted: an integer from 0 to 1000");
        ASSERT_ERROR(set, "other", "etc/defaults.d/10-bad.conf", 2,
                "Invalid Priority=high in [Container]; accepted: an integer from 0 to 1000");
        ASSERT_ERROR(set, "web", "etc/defaults.d/20-syntax.conf", 2,
                "Missing '=' in 'Priority 5': expected KEY=VALUE");
        ASSERT_ERROR(set, "other", "etc/defaults.d/20-syntax.conf", 2,
                "Missing '=' in 'Priority 5': expected KEY=VALUE");
        ASSERT_EQ_INT(n_errors(set, "web"), 4);
        ASSERT_EQ_INT(n_errors(set, "other"), 3);
        /* In the order the files apply: defaults.d first, in name order. */
        ASSERT_STREQ(err(set, "other", 0),
                tree_path(
                        "etc/defaults.d/10-bad.conf:2: Invalid Priority=high in [Container]; accepted: an integer from 0 to 1000"));
        ASSERT_STREQ(err(set, "other", 1),
                tree_path(
                        "etc/defaults.d/20-syntax.conf:2: Missing '=' in 'Priority 5': expected KEY=VALUE"));
}

static void test_many_entries(void)
{
        /* 10 000 entries in two directories, with dependencies in a chain and drop-ins for some:
         * behaviour only (the benchmark measures time). */
        tree_new();
        char rel[64], text[256];
        for (int i = 0; i < 10000; i++) {
                snprintf(rel, sizeof rel, "%s/c%05d.conf", i % 2 ? "etc" : "usr", i);
                if (i > 0)
                        snprintf(text, sizeof text, "[Container]\nPriority=%d\nAfter=c%05d\n", i / 100,
                                i - 1);
                else
                        snprintf(text, sizeof text, "[Container]\nPriority=0\n");
                tree_write(rel, text);
                if (i % 1000 == 0) {
                        snprintf(rel, sizeof rel, "etc/c%05d.conf.d/10.conf", i);
                        tree_write(rel, "[Container]\nDescription=with drop-in\n");
                }
        }
        tree_write("etc/defaults.d/10.conf", "[Network]\nVirtualEthernet=yes\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc:usr");
        ASSERT_EQ_INT(set->n_entries, 10000);
        ASSERT_EQ_INT(set->n_errors, 0);
        for (size_t i = 0; i < set->n_entries; i++) {
                if (set->entries[i]->n_errors)
                        printf("# %s\n", err(set, set->entries[i]->name, 0));
                ASSERT_EQ_INT(set->entries[i]->n_errors, 0);
                ASSERT_TRUE(set->entries[i]->has_nspawn_settings);
        }
        ASSERT_STREQ(entry_set_find(set, "c05000")->description, "with drop-in");
        ASSERT_STREQ(entry_set_find(set, "c05001")->description, "Container c05001");
        ASSERT_EQ_INT(entry_set_find(set, "c09999")->priority, 99);
        ASSERT_STREQ(entry_set_find(set, "c09999")->after[0], "c09998");
}

static size_t count_fds(void)
{
        size_t n = 0;
        DIR *d = opendir("/proc/self/fd");
        while (d && readdir(d))
                n++;
        if (d)
                closedir(d);
        return n;
}

static void test_no_fd_leak(void)
{
        tree_new();
        tree_write("etc/a.conf", "[Container]\n");
        tree_write("etc/a.conf.d/10.conf", "[Container]\n");
        tree_write("usr/b.conf", "[Container]\nPriority=x\n");
        tree_write("usr/defaults.d/10.conf", "[Container]\n");
        size_t before = count_fds();
        for (int i = 0; i < 3; i++) {
                _cleanup_entry_set_free_ EntrySet *set = load("etc:usr:missing");
                ASSERT_EQ_INT(set->n_entries, 2);
        }
        ASSERT_EQ_INT(count_fds(), before);
}

static void test_strings(void)
{
        ASSERT_STREQ(provision_kind_to_string(PROVISION_DEBOOTSTRAP), "debootstrap");
        ASSERT_STREQ(provision_kind_to_string(PROVISION_NONE), "none");
        ASSERT_TRUE(provision_kind_to_string(_PROVISION_MAX) == NULL);
        ASSERT_STREQ(audit_policy_to_string(AUDIT_REFUSE), "refuse");
        ASSERT_TRUE(audit_policy_to_string(_AUDIT_POLICY_MAX) == NULL);
        ASSERT_EQ_INT(audit_policy_from_string("ignore"), AUDIT_IGNORE);
        ASSERT_EQ_INT(audit_policy_from_string("warn"), AUDIT_WARN);
        ASSERT_EQ_INT(audit_policy_from_string("Warn"), -EINVAL);
        ASSERT_EQ_INT(audit_policy_from_string(NULL), -EINVAL);

        EntryError a = { .file = (char *) "/x/y.conf", .line = 7, .message = (char *) "bad" };
        EntryError b = { .file = (char *) "/x/y.conf", .line = 0, .message = (char *) "bad" };
        char *s = entry_error_format(&a), *t = entry_error_format(&b);
        bool ok = streq(s, "/x/y.conf:7: bad") && streq(t, "/x/y.conf: bad");
        free(s);
        free(t);
        ASSERT_TRUE(ok);
        ASSERT_TRUE(!entry_set_is_masked(NULL, "x"));
        ASSERT_TRUE(entry_set_find(NULL, "x") == NULL);
}

TESTS_MAIN(TEST_CASE(test_basic), TEST_CASE(test_defaults), TEST_CASE(test_search_path),
        TEST_CASE(test_precedence), TEST_CASE(test_masking), TEST_CASE(test_names), TEST_CASE(test_dropins),
        TEST_CASE(test_resets_and_lists), TEST_CASE(test_container_keys), TEST_CASE(test_provision),
        TEST_CASE(test_container_errors), TEST_CASE(test_boot_command), TEST_CASE(test_password_hash),
        TEST_CASE(test_nspawn_sections), TEST_CASE(test_network_link), TEST_CASE(test_nspawn_errors),
        TEST_CASE(test_effective_assignments), TEST_CASE(test_passthrough_and_x),
        TEST_CASE(test_dependencies), TEST_CASE(test_cycles), TEST_CASE(test_big_cycle),
        TEST_CASE(test_errors_stay_in_their_entry), TEST_CASE(test_digest), TEST_CASE(test_generator_only),
        TEST_CASE(test_bad_files), TEST_CASE(test_bad_dropins), TEST_CASE(test_many_entries),
        TEST_CASE(test_no_fd_leak), TEST_CASE(test_strings))
