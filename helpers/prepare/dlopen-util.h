/* Libraries berth-prepare loads with dlopen() on first use instead of linking: one loader for all. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* One function to resolve: its name in the library and where its address goes. */
typedef struct DlopenSymbol {
        const char *name;
        void **ptr;
} DlopenSymbol;

/* Loads soname (RTLD_NODELETE, never closed: the resolved pointers stay valid for the whole run) and
 * stores the address of each symbol in its ptr. 0; or -ELIBACC with every ptr reset to NULL and the
 * failure logged at level: "Failed to load SONAME (WHY)" followed by on_missing_library, or "Failed to
 * find SYMBOL in SONAME (WHY)" followed by on_missing_symbol (each says what that costs and what to do). */
int dlopen_symbols(const char *soname, const DlopenSymbol *symbols, size_t n_symbols, int level,
        const char *on_missing_library, const char *on_missing_symbol);

/* The ELF note of the "dlopen() metadata" convention (systemd's docs/ELF_DLOPEN_METADATA.md): owner
 * "FDO", type 0x407c0c0a, a zero-terminated JSON array describing each library loaded with dlopen(),
 * in a section of its own that packaging tools (dlopen-notes, dh_shlibdeps helpers) read from the
 * binary. DLOPEN_NOTE(name, json) puts one such note, holding json, into the binary. */
#define ELF_NOTE_DLOPEN_OWNER "FDO"
#define ELF_NOTE_DLOPEN_TYPE UINT32_C(0x407c0c0a)
#define DLOPEN_NOTE_ALIGN4(n) (((n) + 3) & ~(size_t) 3)
#define DLOPEN_NOTE(name, json)                                                                             \
        __attribute__((used, section(".note.dlopen"), aligned(4))) static const struct {                    \
                uint32_t n_namesz, n_descsz, n_type;                                                        \
                char owner[DLOPEN_NOTE_ALIGN4(sizeof(ELF_NOTE_DLOPEN_OWNER))];                              \
                char desc[DLOPEN_NOTE_ALIGN4(sizeof(json))];                                                \
        } name = {                                                                                          \
                .n_namesz = sizeof(ELF_NOTE_DLOPEN_OWNER),                                                  \
                .n_descsz = sizeof(json),                                                                   \
                .n_type = ELF_NOTE_DLOPEN_TYPE,                                                             \
                .owner = ELF_NOTE_DLOPEN_OWNER,                                                             \
                .desc = json,                                                                               \
        }
