/* Clearing a stale registration of the machine in systemd-machined, the cause of "Failed to register
 * machine: Machine 'NAME' already exists" when a container crashed or its unit was restarted before
 * machined noticed.
 *
 * When is a registration stale? berth-prepare runs as ExecStartPre= of systemd-nspawn@NAME.service,
 * so that unit is "activating" right now and its ActiveState tells nothing. Instead:
 *   - registered by our own unit: stale by construction. Our unit's systemd-nspawn (ExecStart=)
 *     has not been started yet, and systemd emptied the unit's cgroup when it last stopped, so
 *     nothing of the old run can still be alive there;
 *   - registered by another unit (a hand-run nspawn, machinectl, an old scope): stale when its
 *     leader PID is gone (or a zombie nobody reaped), or now belongs to a process outside the
 *     machine's unit (PID reuse); otherwise it is a live container of the same name, which is an
 *     error we report instead of killing it.
 *
 * The registration is ended with UnregisterMachine, not TerminateMachine: machined (252) answers
 * TerminateMachine by stopping the machine's unit, which would be our own unit (cancelling the
 * very start we are part of) or another unit whose remaining processes are not ours to kill.
 * UnregisterMachine only forgets the machine, which is all nspawn needs to register it anew.
 *
 * libsystemd is loaded (dlopen) only when there may be a registration to look at: linked, it cost
 * berth-prepare more to start than all its work on a provisioned container, and on nearly every start
 * there is no registration at all. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libsystemd-util.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "prepare.h"
#include "rootfs.h"

#define MACHINE1 "org.freedesktop.machine1"
#define MACHINE1_PATH "/org/freedesktop/machine1"
#define MACHINE1_MANAGER "org.freedesktop.machine1.Manager"
#define MACHINE1_MACHINE "org.freedesktop.machine1.Machine"

#define MACHINED_STATE_DIR "/run/systemd/machines"
#define NSPAWN_UNIX_EXPORT_DIR "/run/systemd/nspawn/unix-export"
#define DEFAULT_SYSTEM_BUS_ADDRESS "unix:path=/run/dbus/system_bus_socket"

/* Whether the files machined keeps in /run speak for the machined we would ask. machined (252) keeps one
 * state file per registered machine, /run/systemd/machines/NAME: machine_save() writes it as the
 * machine starts, machine_unlink() removes it as it ends. That is the machined behind the host's own
 * system bus. A $DBUS_SYSTEM_BUS_ADDRESS that points elsewhere (another namespace's bus, or a test's
 * private one) may lead to a machined whose /run is not ours, and our /run says nothing about it: then
 * the bus is asked, as always. */
static bool state_dir_is_authoritative(void)
{
        const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        return !address || streq(address, DEFAULT_SYSTEM_BUS_ADDRESS);
}

/* Whether pid is no process any more: gone altogether, or a zombie (dead, only not yet reaped by
 * its parent: kill(pid, 0) still succeeds on it, but it runs nothing). */
static bool pid_is_gone(pid_t pid)
{
        if (kill(pid, 0) < 0 && errno == ESRCH)
                return true;

        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ESRCH;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        /* "PID (COMM) STATE …": COMM may hold ')' itself, the state follows the last one. */
        const char *p = strrchr(buf, ')');
        return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* The registration, when there is one, looked at and removed over D-Bus. */
static int clear_stale(const Context *c, sd_bus *bus, sd_bus_message **reply)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *unit = NULL, *ours = NULL, *leader_unit = NULL;
        const char *path;
        uint32_t leader = 0;
        int r;

        r = sym_sd_bus_call_method(
                bus, MACHINE1, MACHINE1_PATH, MACHINE1_MANAGER, "GetMachine", &error, reply, "s", c->name);
        if (r < 0) {
                if (sym_sd_bus_error_has_name(&error, "org.freedesktop.machine1.NoSuchMachine"))
                        log_debug("No machine %s registered with systemd-machined.", c->name);
                else
                        log_debug(
                                "Cannot ask systemd-machined about machine %s (%s): skipping the stale-registration check.",
                                c->name, error.message ?: strerror(-r));
                sym_sd_bus_error_free(&error);
                return 0;
        }
        r = sym_sd_bus_message_read(*reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, "Failed to parse systemd-machined's reply: %m");

        r = sym_sd_bus_get_property_string(bus, MACHINE1, path, MACHINE1_MACHINE, "Unit", &error, &unit);
        if (r >= 0)
                r = sym_sd_bus_get_property_trivial(
                        bus, MACHINE1, path, MACHINE1_MACHINE, "Leader", &error, 'u', &leader);
        if (r < 0) {
                /* It went away meanwhile, most likely. */
                log_debug("Cannot read machine %s from systemd-machined (%s): skipping.", c->name,
                        error.message ?: strerror(-r));
                sym_sd_bus_error_free(&error);
                return 0;
        }

        (void) sym_sd_pid_get_unit(0, &ours);
        const char *why = NULL;
        if (ours && streq(unit, ours))
                why = "registered by this very unit, whose systemd-nspawn is not running yet";
        else if (leader == 0 || pid_is_gone((pid_t) leader))
                why = "its leader process is gone";
        else if (sym_sd_pid_get_unit((pid_t) leader, &leader_unit) >= 0 && !isempty(unit) &&
                 !streq(leader_unit, unit))
                why = "its leader PID now belongs to another unit";

        if (!why)
                return log_error_errno(EEXIST,
                        "A machine named %s is already running (unit %s, leader PID %u): systemd-nspawn would fail with \"machine already exists\". Stop it first ('machinectl poweroff %s').",
                        c->name, strempty(unit), leader, c->name);

        if (c->dry_run) {
                log_info(
                        "Would remove the stale registration of machine %s in systemd-machined (unit %s: %s).",
                        c->name, strempty(unit), why);
                return 0;
        }

        r = sym_sd_bus_call_method(bus, MACHINE1, MACHINE1_PATH, MACHINE1_MANAGER, "UnregisterMachine",
                &error, NULL, "s", c->name);
        if (r < 0 && !sym_sd_bus_error_has_name(&error, "org.freedesktop.machine1.NoSuchMachine")) {
                r = log_error_errno(r,
                        "Failed to remove the stale registration of machine %s: %s. Try 'machinectl terminate %s'.",
                        c->name, error.message ?: strerror(-r), c->name);
                sym_sd_bus_error_free(&error);
                return r;
        }
        sym_sd_bus_error_free(&error);
        log_event(LOG_NOTICE, BERTH_MESSAGE_STALE_MACHINE,
                "Removed the stale registration of machine %s in systemd-machined (unit %s, leader PID %u: %s).",
                c->name, strempty(unit), leader, why);
        return 0;
}

int machined_clear_stale(const Context *c)
{
        if (c->root && !getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
                log_debug("--root is given: not asking the host's systemd-machined about machine %s.",
                        c->name);
                return 0;
        }

        if (state_dir_is_authoritative()) {
                _cleanup_free_ char *state = path_join(MACHINED_STATE_DIR, c->name);
                if (!state)
                        return log_oom();
                if (access(state, F_OK) < 0 && errno == ENOENT) {
                        log_debug("No machine %s registered with systemd-machined (no %s).", c->name, state);
                        return 0;
                }
        }

        if (dlopen_libsystemd(LOG_WARNING, ": not checking systemd-machined for a stale registration.") < 0)
                return 0;

        sd_bus *bus = NULL;
        int r = sym_sd_bus_open_system(&bus);
        if (r < 0) {
                log_debug_errno(
                        r, "No system bus (%m): not checking systemd-machined for a stale registration.");
                return 0;
        }
        sd_bus_message *reply = NULL;
        r = clear_stale(c, bus, &reply);
        sym_sd_bus_message_unref(reply);
        sym_sd_bus_flush_close_unref(bus);
        return r;
}

/* systemd-nspawn 256 and later make /run/systemd/nspawn/unix-export/NAME for the sockets a container
 * exports, and remove it when they exit. One that was killed (SIGKILL after a stop timed out, the OOM
 * killer) leaves it behind, and the next nspawn of that name refuses to start: "Mount point
 * '/run/systemd/nspawn/unix-export/NAME' exists already, refusing". We run in the start of NAME's own
 * unit, after any live machine of that name was ruled out above, so what is there is such a leftover:
 * the file system nspawn mounted there is detached (with cap_sys_admin, raised for that call only)
 * and the directory removed, never following a symlink (rm_rf_at()). */
int nspawn_clear_stale_unix_export(const Context *c)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        dir = c->root ? path_join(c->root, NSPAWN_UNIX_EXPORT_DIR) : strdup(NSPAWN_UNIX_EXPORT_DIR);
        if (!dir)
                return log_oom();
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "Failed to open %s: %m", dir);
        if (fstatat(fd, c->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0
                                       : log_error_errno(errno, "Failed to stat %s/%s: %m", dir, c->name);
        if (c->dry_run) {
                log_info("Would remove %s/%s, left by a systemd-nspawn that did not exit cleanly.", dir,
                        c->name);
                return 0;
        }
        r = rm_rf_at(fd, c->name);
        if (r == -EBUSY) {
                /* nspawn mounts a file system there: a killed one leaves the mount too. */
                _cleanup_free_ char *path = path_join(dir, c->name);
                if (!path)
                        return log_oom();
                r = caps_umount_detach(path);
                if (r >= 0)
                        r = rm_rf_at(fd, c->name);
        }
        if (r < 0)
                return log_error_errno(r,
                        "Failed to remove %s/%s, left by a systemd-nspawn that did not exit cleanly (systemd-nspawn refuses to start while it exists): %m. Unmount and remove it by hand.",
                        dir, c->name);
        log_notice(
                "Removed %s/%s, left by a systemd-nspawn of %s that did not exit cleanly (it would refuse to start).",
                dir, c->name, c->name);
        return 0;
}
