/* JSON strings, one writer for every program that prints JSON (berth list/image list --json,
 * berth-audit check --json). */
#include <stdint.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"

/* Length of the valid UTF-8 sequence at s, 0 when it is not one (overlong forms, surrogates
 * and code points above U+10FFFF are invalid, as in RFC 3629). */
static size_t utf8_sequence_length(const unsigned char *s)
{
        uint32_t cp;
        size_t n;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = s[0] & 0x07;
        } else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
                (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

void json_print_string(FILE *f, const char *s)
{
        const unsigned char *p = (const unsigned char *) strempty(s);

        fputc('"', f);
        while (*p) {
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                default:
                        if (*p < 0x20)
                                fprintf(f, "\\u%04x", *p);
                        else {
                                size_t n = utf8_sequence_length(p);
                                if (n == 0) {
                                        fputs("\\ufffd", f);
                                        break;
                                }
                                fwrite(p, 1, n, f);
                                p += n;
                                continue;
                        }
                }
                p++;
        }
        fputc('"', f);
}
