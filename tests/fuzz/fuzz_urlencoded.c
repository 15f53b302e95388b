/* fuzz_urlencoded.c - the urlencoded form parser, form_parse_urlencoded().
 *
 * The whole input is the body, in a malloc'd buffer of exactly its size.
 * Checks: no memory error, leak or UB; a refusal leaves the form empty; an
 * accepted form keeps the limits of form.h (at most FORM_MAX_FIELDS fields,
 * names 1..FORM_MAX_NAME bytes, every field inside form.storage, decoded
 * bytes no more than the body; nothing multipart-only set); form_get() finds
 * the first field of a name; and a round trip: the fields percent-encoded
 * again parse to the same fields. form_free() always, twice (it must be safe
 * on a freed form). */
#include "http/form.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_urlencoded: check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static int in_storage(const form *f, const char *p, size_t n, size_t cap)
{
    return p >= f->storage && p + n <= f->storage + cap;
}

/* Percent-encodes s[0..n) into out (3n bytes at most); returns the length. */
static size_t encode(const char *s, size_t n, char *out, int plus_for_space)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '_' || c == '.' || c == '~')
            out[o++] = (char)c;
        else if (c == ' ' && plus_for_space)
            out[o++] = '+';
        else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    if (size)
        memcpy(body, data, size);

    form f;
    memset(&f, 0xAB, sizeof f);   /* the parser must set every member */
    int r = form_parse_urlencoded(body, size, &f);
    if (r != 0) {
        CHECK(r == -1);
        CHECK(f.fields == NULL && f.count == 0 && f.storage == NULL);
    } else {
        CHECK(f.count <= FORM_MAX_FIELDS);
        size_t total = 0;
        for (size_t i = 0; i < f.count; i++) {
            const form_field *fld = &f.fields[i];
            CHECK(fld->name_len >= 1 && fld->name_len <= FORM_MAX_NAME);
            CHECK(in_storage(&f, fld->name, fld->name_len, size));
            CHECK(fld->value_len == 0 || in_storage(&f, fld->value, fld->value_len, size));
            CHECK(fld->filename == NULL && fld->filename_len == 0);
            CHECK(fld->content_type == NULL && fld->content_type_len == 0);
            total += fld->name_len + fld->value_len;
        }
        CHECK(total <= size);

        /* form_get: the first field of a name (names without NUL only: it takes a C string) */
        if (f.count && !memchr(f.fields[f.count - 1].name, '\0', f.fields[f.count - 1].name_len)) {
            const form_field *last = &f.fields[f.count - 1];
            char *name = strndup(last->name, last->name_len);
            if (name) {
                const form_field *g = form_get(&f, name);
                CHECK(g != NULL && g->name_len == last->name_len);
                CHECK(memcmp(g->name, name, last->name_len) == 0);
                for (const form_field *e = f.fields; e < g; e++)
                    CHECK(!(e->name_len == last->name_len && memcmp(e->name, name, e->name_len) == 0));
                free(name);
            }
        }

        /* round trip: encode the fields again, parse, compare */
        size_t cap = 0;
        for (size_t i = 0; i < f.count; i++)
            cap += 3 * (f.fields[i].name_len + f.fields[i].value_len) + 2;
        char *again = malloc(cap ? cap : 1);
        if (again) {
            size_t n = 0;
            for (size_t i = 0; i < f.count; i++) {
                if (i)
                    again[n++] = '&';
                n += encode(f.fields[i].name, f.fields[i].name_len, again + n, (int)(i & 1));
                again[n++] = '=';
                n += encode(f.fields[i].value, f.fields[i].value_len, again + n, (int)(i & 1));
            }
            form g;
            CHECK(form_parse_urlencoded(again, n, &g) == 0);
            CHECK(g.count == f.count);
            for (size_t i = 0; i < f.count; i++) {
                CHECK(g.fields[i].name_len == f.fields[i].name_len);
                CHECK(memcmp(g.fields[i].name, f.fields[i].name, f.fields[i].name_len) == 0);
                CHECK(g.fields[i].value_len == f.fields[i].value_len);
                CHECK(f.fields[i].value_len == 0
                      || memcmp(g.fields[i].value, f.fields[i].value, f.fields[i].value_len) == 0);
            }
            form_free(&g);
            free(again);
        }
    }
    form_free(&f);
    CHECK(f.fields == NULL && f.count == 0 && f.storage == NULL);
    form_free(&f);
    free(body);
    return 0;
}
