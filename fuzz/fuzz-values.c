/* Fuzzes the value parsers of containers.d keys that hold no memory of their own: time spans
 * (StartTimeoutSec=), capability lists (Capability=, DropCapability=, checked with libcap), and every
 * other [Exec]/[Files]/[Network] key check in the real key table (config-tables.c), plus booleans,
 * Bind= splitting, the hash check and the "did you mean" key suggestion. The first input byte picks the key,
 * the rest is the value. The [Container] keys, which fill an entry, are fuzzed through the whole loader
 * (fuzz-entry-tree). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "config-tables.h"
#include "entry.h"
#include "fuzz.h"
#include "time-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const ConfigKey *keys, *checks[512];
        size_t n_keys, n_checks = 0;
        char *value, *src = NULL, *dst = NULL, *opts = NULL, flag = 0;
        const char *reason = NULL;
        usec_t u;
        int r;

        if (size < 1 || size > 65536)
                return 0;
        fuzz_quiet_logging();

        keys = config_keys(&n_keys);
        for (size_t i = 0; i < n_keys && n_checks < ELEMENTSOF(checks); i++)
                /* Validate-only keys: no destination in the entry (offset 0) and no [Container] key. */
                if (keys[i].offset == 0 && keys[i].container_key < 0)
                        checks[n_checks++] = &keys[i];
        FUZZ_CHECK(n_checks > 0);

        value = fuzz_strndup(data + 1, size - 1);
        if (!value)
                return 0;

        {
                const ConfigKey *k = checks[data[0] % n_checks];
                Entry e = { 0 };
                ParseState s = { .entry = &e, .file = "fuzz.conf", .line = 1, .file_mode = 0600 };

                r = k->parse(&s, k, value);
                FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
                FUZZ_CHECK(memchr(s.detail, '\0', sizeof s.detail));
                /* An empty value is a reset, which every parser accepts (config-tables.h), except a
                 * key refused as a whole. */
                if (value[0] == '\0' && !k->use_instead)
                        FUZZ_CHECK(r == 0);
        }

        r = parse_timespan(value, &u);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
        r = config_parse_boolean(value);
        FUZZ_CHECK(r == 0 || r == 1 || r == -EINVAL);

        r = bind_value_parse(value, &src, &dst, &opts, &flag);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        if (r == 0)
                FUZZ_CHECK(flag == 0 || flag == '-' || flag == '+');
        free(src);
        free(dst);
        free(opts);

        if (!password_hash_is_valid(value, &reason))
                FUZZ_CHECK(!reason || reason[0]);
        /* The "did you mean" lookup for unknown keys, with the value as a mistyped key name. */
        (void) config_key_suggest("Exec", value);
        (void) config_key_suggest("Container", value);

        free(value);
        return 0;
}
