/* The one dlopen() loader of berth-prepare's optional libraries (libmount-util.c, libsystemd-util.c). */
#include <dlfcn.h>
#include <errno.h>

#include "dlopen-util.h"
#include "log.h"

int dlopen_symbols(const char *soname, const DlopenSymbol *symbols, size_t n_symbols, int level,
        const char *on_missing_library, const char *on_missing_symbol)
{
        void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!handle) {
                log_internal(
                        level, 0, NULL, "Failed to load %s (%s)%s", soname, dlerror(), on_missing_library);
                return -ELIBACC;
        }
        for (size_t i = 0; i < n_symbols; i++) {
                *symbols[i].ptr = dlsym(handle, symbols[i].name);
                if (*symbols[i].ptr)
                        continue;
                log_internal(level, 0, NULL, "Failed to find %s in %s (%s)%s", symbols[i].name, soname,
                        dlerror(), on_missing_symbol);
                for (size_t j = 0; j < n_symbols; j++)
                        *symbols[j].ptr = NULL;
                (void) dlclose(handle);
                return -ELIBACC;
        }
        return 0;
}
