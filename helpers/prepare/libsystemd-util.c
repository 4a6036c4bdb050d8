/* libsystemd for berth-prepare, loaded with dlopen() the first time it is needed.
 *
 * Why not linked: loading libsystemd (and its libgcrypt, liblz4, libzstd, liblzma) cost berth-prepare
 * more to start than all its work on a provisioned container, while it is needed only when machined
 * holds a registration of the name (machined.c) or when a long provisioning reports progress to the
 * service manager (notify.c): on nearly every start neither happens. The dependency is declared in an
 * ELF note (.note.dlopen) for packaging tools; debian/control names libsystemd0 as well. */
#include "libsystemd-util.h"
#include "dlopen-util.h"
#include "macro.h"

#define LIBSYSTEMD_NOTE_JSON                                                                                                                                                                                                                \
        "[{\"feature\":\"machined-and-notify\",\"description\":\"Clearing a stale registration in systemd-machined, reporting provisioning progress to the service manager\",\"priority\":\"recommended\",\"soname\":[\"" LIBSYSTEMD_SONAME \
        "\"]}]"
DLOPEN_NOTE(libsystemd_dlopen_note, LIBSYSTEMD_NOTE_JSON);

typeof(sd_bus_open_system) *sym_sd_bus_open_system;
typeof(sd_bus_flush_close_unref) *sym_sd_bus_flush_close_unref;
typeof(sd_bus_call_method) *sym_sd_bus_call_method;
typeof(sd_bus_message_read) *sym_sd_bus_message_read;
typeof(sd_bus_message_unref) *sym_sd_bus_message_unref;
typeof(sd_bus_get_property_string) *sym_sd_bus_get_property_string;
typeof(sd_bus_get_property_trivial) *sym_sd_bus_get_property_trivial;
typeof(sd_bus_error_has_name) *sym_sd_bus_error_has_name;
typeof(sd_bus_error_free) *sym_sd_bus_error_free;
typeof(sd_pid_get_unit) *sym_sd_pid_get_unit;
typeof(sd_notify) *sym_sd_notify;

int dlopen_libsystemd(int level, const char *consequence)
{
        static bool loaded = false;
        const DlopenSymbol symbols[] = {
                { "sd_bus_open_system", (void **) &sym_sd_bus_open_system },
                { "sd_bus_flush_close_unref", (void **) &sym_sd_bus_flush_close_unref },
                { "sd_bus_call_method", (void **) &sym_sd_bus_call_method },
                { "sd_bus_message_read", (void **) &sym_sd_bus_message_read },
                { "sd_bus_message_unref", (void **) &sym_sd_bus_message_unref },
                { "sd_bus_get_property_string", (void **) &sym_sd_bus_get_property_string },
                { "sd_bus_get_property_trivial", (void **) &sym_sd_bus_get_property_trivial },
                { "sd_bus_error_has_name", (void **) &sym_sd_bus_error_has_name },
                { "sd_bus_error_free", (void **) &sym_sd_bus_error_free },
                { "sd_pid_get_unit", (void **) &sym_sd_pid_get_unit },
                { "sd_notify", (void **) &sym_sd_notify },
        };

        if (loaded)
                return 0;
        int r = dlopen_symbols(
                LIBSYSTEMD_SONAME, symbols, ELEMENTSOF(symbols), level, consequence, consequence);
        if (r < 0)
                return r;
        loaded = true;
        return 0;
}
