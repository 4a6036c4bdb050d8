/* Tests of the entry loader: search path, precedence, masking, drop-ins, keys, validation,
 * cross-entry checks, digest. Every case builds its own tree in a temporary directory. */
#include "entry.h"
#include "strv.h"
#include "test-tree.h"
#include "tests.h"

/* Loads with the search path "DIR:DIR…" relative to the test tree. */
static EntrySet *load(const char *dirs)
{
        _cleanup_strv_free_ char **rel = NULL, **abs = NULL;
        EntrySet *set = NULL;

        if (strv_split(dirs, ":", &rel) < 0)
                abort();
        abs = calloc(1, sizeof(char *));
        STRV_FOREACH(d, rel)
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
static bool has_error(const EntrySet *set, const char *name, const char *rel, unsigned line, const char *message)
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
#define ASSERT_ERROR(set, name, rel, line, message) ASSERT_TRUE(has_error((set), (name), (rel), (line), (message)))

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
        tree_write("etc/a.conf", "");                        /* empty: masks usr/a.conf */
        tree_write("usr/a.conf", "[Container]\n");
        tree_symlink("/dev/null", "etc/b.conf");            /* /dev/null: masks usr/b.conf */
        tree_write("usr/b.conf", "[Container]\n");
        tree_symlink("/dev/null", "usr/c.conf");            /* masked with nothing below */
        tree_write("etc/d.conf", "[Container]\n");           /* a lower mask does not hide a higher file */
        tree_symlink("/dev/null", "usr/d.conf");
        tree_symlink("../null-link", "etc/e.conf");          /* a chain ending at /dev/null */
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
        tree_write("etc/.conf", "[Container]\n");            /* hidden: ignored */
        tree_write("etc/.hidden.conf", "[Container]\n");     /* hidden: ignored */
        tree_write("etc/web.conf.bak", "garbage");           /* not .conf: ignored */
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
                        "Invalid entry name '%s': a name is 1-64 characters of A-Z a-z 0-9 - _ ., does not start "
                        "with '.' or '-' and contains no '..'; file ignored",
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
                { "debootstrap bookworm file:///srv/mirror", PROVISION_DEBOOTSTRAP, "bookworm|file:///srv/mirror" },
                { "dnf 38 systemd passwd", PROVISION_DNF, "38|systemd|passwd" },
                { "command /usr/local/bin/mk %r --fast", PROVISION_COMMAND, "/usr/local/bin/mk|%r|--fast" },
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

        static const char *const acc = "; accepted: none, copy PATH, tar PATH, debootstrap SUITE [MIRROR], dnf RELEASEVER "
                                       "PACKAGE..., command PROGRAM [ARG...] (PATH and PROGRAM absolute)";
        static const struct {
                const char *value, *detail;
        } bad[] = {
                { "none x", ": 'none' takes no arguments" },
                { "copy", ": 'copy' takes exactly one PATH" },
                { "copy relative/dir", ": PATH 'relative/dir' is not an absolute path" },
                { "copy /a/../b", ": PATH '/a/../b' contains '..'" },
                { "copy /a /b", ": 'copy' takes exactly one PATH" },
                { "tar /a.zip", ": the archive name must end in .tar, .tar.gz, .tgz, .tar.xz or .tar.zst" },
                { "tar a.tar", ": PATH 'a.tar' is not an absolute path" },
                { "debootstrap", ": 'debootstrap' takes SUITE and an optional MIRROR" },
                { "debootstrap --foo", ": SUITE '--foo' is not a suite name (such as bookworm)" },
                { "debootstrap bookworm deb.debian.org", ": MIRROR 'deb.debian.org' is not a URL (such as http://deb.debian.org/debian)" },
                { "debootstrap a b c", ": 'debootstrap' takes SUITE and an optional MIRROR" },
                { "dnf 38", ": 'dnf' takes RELEASEVER and at least one PACKAGE" },
                { "dnf 38 --nogpgcheck", ": '--nogpgcheck' is not a package name (options are not passed through)" },
                { "dnf -x pkg", ": '-x' is not a release version (options are not passed through)" },
                { "command", ": 'command' takes a PROGRAM" },
                { "command mk %r", ": PROGRAM 'mk' is not an absolute path" },
                { "rsync /a", ": unknown kind 'rsync'" },
                { "copy '/a", ": unbalanced single quote (')" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[512], msg[1024];
                snprintf(text, sizeof text, "[Container]\nProvision=%s\n", bad[i].value);
                snprintf(msg, sizeof msg, "Invalid Provision=%s in [Container]%s%s", bad[i].value, bad[i].detail, acc);
                _cleanup_entry_set_free_ EntrySet *set = load_one(text);
                ASSERT_ERROR(set, "t", "etc/t.conf", 2, msg);
                ASSERT_EQ_INT(n_errors(set, "t"), 1);
                /* What could not be parsed keeps its default. */
                ASSERT_EQ_INT(entry_set_find(set, "t")->provision, PROVISION_NONE);
        }
}

TESTS_MAIN(TEST_CASE(test_basic), TEST_CASE(test_defaults), TEST_CASE(test_search_path), TEST_CASE(test_precedence),
        TEST_CASE(test_masking), TEST_CASE(test_names), TEST_CASE(test_dropins), TEST_CASE(test_resets_and_lists),
        TEST_CASE(test_container_keys), TEST_CASE(test_provision))
