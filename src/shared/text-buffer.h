/* A growing string: the parser's logical lines, the generator's drop-ins (see text-buffer.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct TextBuffer {
        char *data; /* NUL-terminated once anything was added */
        size_t size;
        size_t allocated;
        bool oom; /* an append failed: the text is incomplete (sticky until text_reset()) */
} TextBuffer;

void text_append(TextBuffer *b, const char *s, size_t n);

static inline void text_puts(TextBuffer *b, const char *s)
{
        text_append(b, s, strlen(s));
}

static inline void text_putc(TextBuffer *b, char c)
{
        if (b->size + 1 < b->allocated) {
                b->data[b->size++] = c;
                b->data[b->size] = '\0';
        } else
                text_append(b, &c, 1);
}

/* Empties the buffer and keeps its memory for the next text. */
static inline void text_reset(TextBuffer *b)
{
        b->size = 0;
        b->oom = false;
        if (b->data)
                b->data[0] = '\0';
}

void text_buffer_done(TextBuffer *b);
