/* Logging for every berth program: stderr, /dev/kmsg (generator under systemd; the journal's socket
 * where there is no /dev/kmsg) or the journal (with structured fields) when stderr is already the
 * journal. The journal is spoken to in its native protocol, without libsystemd, so that the
 * generator does not load libsystemd and its dependencies at boot. */
#pragma once

#include <errno.h>
#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_STDERR, /* plain lines on stderr (run by hand, --dry-run, tests) */
        LOG_TARGET_KMSG, /* "<LEVEL>PROGRAM[PID]: message" to /dev/kmsg; the journal, then stderr, if that
                            fails */
        LOG_TARGET_AUTO, /* the journal when stderr is connected to it ($JOURNAL_STREAM), else stderr */
} LogTarget;

/* Program name for kmsg and SYSLOG_IDENTIFIER=. */
void log_setup(const char *program, LogTarget target);
void log_set_target(LogTarget target);
void log_set_max_level(int level);
int log_get_max_level(void);
/* Honours $SYSTEMD_LOG_LEVEL (a name such as "debug" or a number 0-7). */
void log_parse_environment(void);
/* Text put before every message, e.g. "web: ". NULL clears it. */
void log_set_prefix(const char *prefix);
/* BERTH_CONTAINER= on every journal entry. NULL clears it. */
void log_set_container(const char *name);
/* Where journal entries are sent (default /run/systemd/journal/socket); for tests. */
void log_set_journal_socket(const char *path);
/* Returns the level for a name ("err", "warning", ...) or a digit, -EINVAL otherwise. */
int log_level_from_string(const char *s);

/* Logs at level; with error != 0, errno is set to |error| so "%m" works.
 * Returns -|error| (or 0 for error == 0), so "return log_error_errno(r, ...)" works. */
int log_internal(int level, int error, const char *message_id, const char *format, ...) _printf_(4, 5);

/* The _errno forms evaluate to -|error| in the caller (a statement expression, not only
 * log_internal()'s return), so static analyzers see that "return log_error_errno(r, ...)" returns
 * a negative value and do not follow the caller on as if it had succeeded. */
#define log_full_errno(level, error, ...)                                                                   \
        ({                                                                                                  \
                int _log_error_ = (error);                                                                  \
                (void) log_internal((level), _log_error_, NULL, __VA_ARGS__);                               \
                _log_error_ < 0 ? _log_error_ : -_log_error_;                                               \
        })
#define log_debug(...) log_internal(LOG_DEBUG, 0, NULL, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)
/* A message with a MESSAGE_ID= (one per kind of event, see catalog/berth.catalog). */
/* The one out-of-memory message of every berth program; evaluates to -ENOMEM. */
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
#define log_event(level, message_id, ...) log_internal((level), 0, (message_id), __VA_ARGS__)
#define log_event_errno(level, error, message_id, ...)                                                      \
        ({                                                                                                  \
                int _log_error_ = (error);                                                                  \
                (void) log_internal((level), _log_error_, (message_id), __VA_ARGS__);                       \
                _log_error_ < 0 ? _log_error_ : -_log_error_;                                               \
        })

/* Message IDs (sd-id128 strings, no dashes). Each is documented in catalog/berth.catalog. */
#define BERTH_MESSAGE_PREPARE_FAILED "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a10"
#define BERTH_MESSAGE_PROVISION_STARTED "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a11"
#define BERTH_MESSAGE_PROVISION_PROGRESS "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a12"
#define BERTH_MESSAGE_PROVISION_DONE "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a13"
#define BERTH_MESSAGE_PROVISION_FAILED "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a14"
#define BERTH_MESSAGE_PASSWORD_SET "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a15"
#define BERTH_MESSAGE_STALE_MACHINE "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a16"
#define BERTH_MESSAGE_ROOTFS_INVALID "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a17"
#define BERTH_MESSAGE_CONFIG_CHANGED "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a18"
#define BERTH_MESSAGE_ENTRY_INVALID "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a19"
#define BERTH_MESSAGE_AUDIT_ENABLED "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a1a"
#define BERTH_MESSAGE_PREPARED "5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a1b"
