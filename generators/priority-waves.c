/* Priority= waves. At boot, machines.target wants one berth-wave-P.target per distinct priority
 * P of an enabled entry. Each enabled entry of priority P is ordered Before= its wave target;
 * every entry of priority P is ordered After= the previous wave's target; and each wave target is
 * After= the previous one. A wave target is reached when all its containers have started (or
 * failed: it only Wants= nothing and orders), so one broken container never holds up the others.
 * This keeps the number of ordering edges linear in the number of entries (every entry of wave
 * N+1 After= every entry of wave N would be quadratic). */
#include <string.h>

#include "priority-waves.h"

void priority_waves_compute(PriorityWaves *w, Entry *const *entries, size_t n)
{
        unsigned distinct = 0;
        int prev = -1;

        memset(w, 0, sizeof *w);
        for (size_t i = 0; i < n; i++) {
                const Entry *e = entries[i];
                if (!e->enable || !entry_in_waves(e))
                        continue;
                if (!w->has_wave[e->priority])
                        distinct++;
                w->has_wave[e->priority] = true;
        }

        /* One priority for everyone: plain parallel start, no targets at all. */
        w->active = distinct > 1;
        if (!w->active)
                memset(w->has_wave, 0, sizeof w->has_wave);

        for (unsigned p = 0; p <= ENTRY_PRIORITY_MAX + 1; p++) {
                w->previous[p] = prev;
                if (p <= ENTRY_PRIORITY_MAX && w->has_wave[p])
                        prev = (int) p;
        }
}
