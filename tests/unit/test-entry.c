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
        tree_free();

        ASSERT_EQ_INT(set->n_entries, 1);
        Entry *e = entry_set_find(set, "web");
        ASSERT_TRUE(e);
        ASSERT_EQ_INT(e->n_errors, 0);
        ASSERT_STREQ(e->description, "Web server");
        ASSERT_EQ_INT(e->priority, 10);
        ASSERT_STREQ(e->directory, "/var/lib/machines/web");
        ASSERT_TRUE(e->is_directory_default);
        ASSERT_TRUE(e->enable);
        ASSERT_TRUE(e->boot);
        ASSERT_TRUE(e->has_nspawn_settings);
        ASSERT_STREQ(e->bridges[0], "br0");
        ASSERT_EQ_INT(e->n_assignments, 3);
        ASSERT_EQ_INT(e->origins[CONTAINER_PRIORITY].line, 4);
        ASSERT_EQ_INT(strlen(e->digest), 64);
}

static void test_unknown_key(void)
{
        tree_new();
        tree_write("etc/web.conf", "[Container]\nPriorty=10\n");
        _cleanup_entry_set_free_ EntrySet *set = load("etc");
        char expected[1024];
        snprintf(expected, sizeof expected, "%s:2: Unknown key Priorty= in [Container]; did you mean Priority=?",
                tree_path("etc/web.conf"));
        tree_free();
        ASSERT_STREQ(err(set, "web", 0), expected);
}

TESTS_MAIN(TEST_CASE(test_basic), TEST_CASE(test_unknown_key))
