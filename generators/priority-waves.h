/* Priority= at boot: one berth-wave-P.target per priority used by an enabled entry, each ordered
 * after the previous one, so containers come up in waves (see priority-waves.c). */
#pragma once

#include <stdbool.h>

#include "entry.h"

typedef struct PriorityWaves {
        bool active; /* enabled entries use more than one priority */
        bool has_wave[ENTRY_PRIORITY_MAX + 1]; /* a berth-wave-P.target is generated */
        int previous[ENTRY_PRIORITY_MAX + 2]; /* for P: the largest wave priority < P, or -1 */
} PriorityWaves;

/* Entries with errors take no part: their settings cannot be trusted, and they only get the
 * drop-in that makes their start fail with the error. */
static inline bool entry_in_waves(const Entry *e)
{
        return e->n_errors == 0 && e->priority <= ENTRY_PRIORITY_MAX;
}

void priority_waves_compute(PriorityWaves *w, Entry *const *entries, size_t n);
