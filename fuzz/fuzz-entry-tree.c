/* Fuzzes the whole entry loader (entry_set_load() in src/shared/entry.c), the code every berth
 * program goes through, over a fuzzed configuration tree: the input is decoded into files,
 * drop-in directories, masks, symlinks (loops included) and FIFOs under three search directories
 * (see fuzz.h for the tree format), then loaded, inspected the way the programs use it, and
 * freed. Beyond not crashing or leaking: entries are sorted and valid-named, each entry's
 * directory is absolute and never "/", priorities are in range, and every error formats. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "fuzz.h"
#include "path-util.h"
#include "strv.h"

static void check_error(const EntryError *e)
{
        char *s;

        FUZZ_CHECK(e->file && e->message && e->message[0]);
        s = entry_error_format(e);
        FUZZ_CHECK(s);
        free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char etc[PATH_MAX], run[PATH_MAX], usr[PATH_MAX];
        char *path[] = { etc, run, usr, NULL };
        LoadOptions options = { .search_path = path };
        EntrySet *set = NULL;
        const char *scratch;
        int r;

        if (size > 65536)
                return 0;
        fuzz_quiet_logging();
        scratch = fuzz_scratch_dir();
        FUZZ_CHECK(snprintf(etc, sizeof etc, "%s/etc", scratch) < (int) sizeof etc);
        FUZZ_CHECK(snprintf(run, sizeof run, "%s/run", scratch) < (int) sizeof run);
        FUZZ_CHECK(snprintf(usr, sizeof usr, "%s/usr", scratch) < (int) sizeof usr);

        /* The tree's paths are relative to scratch: "@f etc/web.conf", "@l run/db.conf /dev/null". */
        if (fuzz_make_tree(scratch, data, size, 0, NULL) < 0)
                return 0;

        r = entry_set_load(&options, &set);
        FUZZ_CHECK(r == 0 || r == -ENOMEM);
        if (r < 0)
                return 0;

        for (size_t i = 0; i < set->n_errors; i++)
                check_error(&set->errors[i]);
        for (size_t i = 0; i < set->n_entries; i++) {
                const Entry *e = set->entries[i];

                FUZZ_CHECK(machine_name_is_valid(e->name));
                FUZZ_CHECK(!entry_set_is_masked(set, e->name));
                FUZZ_CHECK(entry_set_find(set, e->name) == e);
                if (i > 0)
                        FUZZ_CHECK(strcmp(set->entries[i - 1]->name, e->name) < 0);
                FUZZ_CHECK(e->source && e->description);
                FUZZ_CHECK(e->directory && e->directory[0] == '/' && strcmp(e->directory, "/") != 0);
                FUZZ_CHECK(e->priority <= ENTRY_PRIORITY_MAX);
                FUZZ_CHECK(e->provision < _PROVISION_MAX && e->audit < _AUDIT_POLICY_MAX);
                FUZZ_CHECK(strlen(e->digest) == 64);
                for (size_t j = 0; j < e->n_errors; j++)
                        check_error(&e->errors[j]);
                for (size_t j = 0; j < e->n_assignments; j++)
                        FUZZ_CHECK(e->assignments[j].section && e->assignments[j].key &&
                                   e->assignments[j].value);
                /* Without errors, the cross-entry checks held: dependencies exist. */
                if (e->n_errors == 0)
                        STRV_FOREACH (d, e->depends_on)
                                FUZZ_CHECK(entry_set_find(set, *d));
        }
        STRV_FOREACH (m, set->masked)
                FUZZ_CHECK(entry_set_is_masked(set, *m));

        entry_set_free(set);
        return 0;
}
