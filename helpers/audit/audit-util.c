/* errno names for berth-audit (JSON strings: src/shared/json-util.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "audit-util.h"
#include "macro.h"

static const struct {
        int error;
        const char *name;
} errno_names[] = {
        { EPERM, "EPERM" },
        { ENOENT, "ENOENT" },
        { EIO, "EIO" },
        { EACCES, "EACCES" },
        { EINVAL, "EINVAL" },
        { EROFS, "EROFS" },
        { ENOSYS, "ENOSYS" },
        { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
        { EAFNOSUPPORT, "EAFNOSUPPORT" },
        { EOPNOTSUPP, "EOPNOTSUPP" },
        { ECONNREFUSED, "ECONNREFUSED" },
        { ETIMEDOUT, "ETIMEDOUT" },
        { EBADMSG, "EBADMSG" },
};

const char *errno_name(int error)
{
        if (error < 0)
                error = -error;
        for (size_t i = 0; i < ELEMENTSOF(errno_names); i++)
                if (errno_names[i].error == error)
                        return errno_names[i].name;
        return NULL;
}

int errno_from_name(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(errno_names); i++)
                if (streq(errno_names[i].name, name))
                        return errno_names[i].error;
        return -EINVAL;
}
