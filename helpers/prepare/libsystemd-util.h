/* libsystemd, loaded with dlopen() on first use: the machined check (machined.c) and sd_notify()
 * (notify.c) share one loader and one set of pointers. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>

#define LIBSYSTEMD_SONAME "libsystemd.so.0"

/* The functions of libsystemd used, resolved by dlopen_libsystemd(); typed by libsystemd's headers. */
extern typeof(sd_bus_open_system) *sym_sd_bus_open_system;
extern typeof(sd_bus_flush_close_unref) *sym_sd_bus_flush_close_unref;
extern typeof(sd_bus_call_method) *sym_sd_bus_call_method;
extern typeof(sd_bus_message_read) *sym_sd_bus_message_read;
extern typeof(sd_bus_message_unref) *sym_sd_bus_message_unref;
extern typeof(sd_bus_get_property_string) *sym_sd_bus_get_property_string;
extern typeof(sd_bus_get_property_trivial) *sym_sd_bus_get_property_trivial;
extern typeof(sd_bus_error_has_name) *sym_sd_bus_error_has_name;
extern typeof(sd_bus_error_free) *sym_sd_bus_error_free;
extern typeof(sd_pid_get_unit) *sym_sd_pid_get_unit;
extern typeof(sd_notify) *sym_sd_notify;

/* Loads libsystemd and resolves the sym_sd_* pointers; once loaded it stays loaded. 0, or -ELIBACC
 * with the failure logged at level, followed by consequence (what the caller now leaves undone, e.g.
 * ": not checking …."). A failure is not remembered: the next call tries again and says its own
 * consequence. */
int dlopen_libsystemd(int level, const char *consequence);
