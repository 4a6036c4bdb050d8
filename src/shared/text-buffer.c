/* A growing string: the parser joins continuation lines in one, the generator builds each drop-in
 * in one (it replaced an open_memstream() FILE there: stdio's per-call overhead for the many short
 * pieces of a unit file was a tenth of the generator's instructions at 1 000 entries). Failures
 * are sticky, like ferror(): a writer checks once per text instead of at every piece. */
#include <stdlib.h>

#include "text-buffer.h"

void text_append(TextBuffer *b, const char *s, size_t n)
{
        if (b->oom)
                return;
        if (b->size + n + 1 > b->allocated) {
                size_t want = b->allocated ? b->allocated : 1024;
                while (want < b->size + n + 1)
                        want *= 2;
                char *d = realloc(b->data, want);
                if (!d) {
                        b->oom = true;
                        return;
                }
                b->data = d;
                b->allocated = want;
        }
        memcpy(b->data + b->size, s, n);
        b->size += n;
        b->data[b->size] = '\0';
}

void text_buffer_done(TextBuffer *b)
{
        free(b->data);
        *b = (TextBuffer){};
}
