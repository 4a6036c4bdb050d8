/* Telling the service manager about progress, with libsystemd's sd_notify() (libsystemd-util.c). */
#include <stdlib.h>
#include <syslog.h>

#include "libsystemd-util.h"
#include "notify.h"

int notify_send(const char *state)
{
        /* Not started by systemd: nothing to tell, so no library to load either. */
        if (!getenv("NOTIFY_SOCKET"))
                return 0;

        int r = dlopen_libsystemd(LOG_DEBUG, ": not reporting progress to the service manager.");
        if (r < 0)
                return r;

        /* sd_notify() returns > 0 when the message was sent (0 only for no $NOTIFY_SOCKET). */
        r = sym_sd_notify(/* unset_environment= */ 0, state);
        return r < 0 ? r : 0;
}
