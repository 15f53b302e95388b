/* fuzz_multipart.c - the multipart/form-data parser, form_parse_multipart(),
 * and form_boundary().
 *
 * Input: the Content-Type value up to the first '\n' (NUL-terminated), the
 * body after it (a malloc'd buffer of exactly its size, not NUL-terminated).
 * Checks: no memory error, leak or UB; a refusal leaves the form empty; an
 * accepted form keeps the limits of form.h (at most FORM_MAX_FIELDS parts,
 * names 1..FORM_MAX_NAME bytes, every name, value, filename and part
 * Content-Type pointing into the body, storage NULL); form_boundary() agrees
 * with the parser, NUL-terminates within out_size and refuses a short
 * buffer; and a round trip: the parts written out again in curl's format
 * with the same boundary parse to the same fields. form_free() always. */
#include "http/form.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_multipart: check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static int in_body(const char *p, size_t n, const char *body, size_t len)
{
    return p >= body && p + n <= body + len;
}

static int same(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void put(char **w, const char *s, size_t n)
{
    if (n)
        memcpy(*w, s, n);
    *w += n;
}
#define PUTS(w, lit) put(w, lit, sizeof lit - 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ct_len = nl ? (size_t)(nl - data) : size;
    size_t len = nl ? size - ct_len - 1 : 0;
    char *ct = malloc(ct_len + 1);
    char *body = malloc(len ? len : 1);
    if (!ct || !body)
        abort();
    memcpy(ct, data, ct_len);
    ct[ct_len] = '\0';   /* a NUL inside just ends the header value early */
    if (len)
        memcpy(body, nl + 1, len);

    /* form_boundary: within out_size, and refuses a buffer one byte short */
    char b[FORM_MAX_BOUNDARY + 1];
    int br = form_boundary(ct, b, sizeof b);
    if (br == 0) {
        size_t bl = strlen(b);
        CHECK(bl >= 1 && bl <= FORM_MAX_BOUNDARY);
        CHECK(b[bl - 1] != ' ');
        char *tight = malloc(bl + 1), *shortb = malloc(bl);
        if (!tight || !shortb)
            abort();
        CHECK(form_boundary(ct, tight, bl + 1) == 0 && strcmp(tight, b) == 0);
        CHECK(form_boundary(ct, shortb, bl) == -1);
        free(tight);
        free(shortb);
    } else {
        CHECK(br == -1);
    }

    form f;
    memset(&f, 0xAB, sizeof f);   /* the parser must set every member */
    int r = form_parse_multipart(ct, body, len, &f);
    if (r != 0) {
        CHECK(r == -1);
        CHECK(f.fields == NULL && f.count == 0 && f.storage == NULL);
    } else {
        CHECK(br == 0);   /* a parsed body had a valid boundary */
        CHECK(f.storage == NULL);
        CHECK(f.count <= FORM_MAX_FIELDS);
        size_t cap = 2 + strlen(b) + 4 + 1;
        for (size_t i = 0; i < f.count; i++) {
            const form_field *fld = &f.fields[i];
            CHECK(fld->name_len >= 1 && fld->name_len <= FORM_MAX_NAME);
            CHECK(in_body(fld->name, fld->name_len, body, len));
            CHECK(fld->value_len == 0 || in_body(fld->value, fld->value_len, body, len));
            CHECK(fld->filename != NULL || fld->filename_len == 0);
            CHECK(fld->filename == NULL || in_body(fld->filename, fld->filename_len, body, len));
            CHECK((fld->content_type == NULL) == (fld->content_type_len == 0));
            CHECK(fld->content_type == NULL || in_body(fld->content_type, fld->content_type_len, body, len));
            cap += 200 + fld->name_len + fld->filename_len + fld->content_type_len + fld->value_len
                 + 2 + strlen(b) + 4;
        }

        /* round trip in curl's format: "--b\r\n" headers "\r\n" value "\r\n--b" ... "--\r\n".
         * Names and filenames cannot hold '"' (quoted values end at the next
         * one, tokens exclude it), so quoting them is exact. */
        char *again = malloc(cap), *w = again;
        if (!again)
            abort();
        size_t bl = strlen(b);
        for (size_t i = 0; i < f.count; i++) {
            const form_field *fld = &f.fields[i];
            if (i == 0) {
                PUTS(&w, "--");
                put(&w, b, bl);
            }
            PUTS(&w, "\r\nContent-Disposition: form-data; name=\"");
            put(&w, fld->name, fld->name_len);
            PUTS(&w, "\"");
            if (fld->filename) {
                PUTS(&w, "; filename=\"");
                put(&w, fld->filename, fld->filename_len);
                PUTS(&w, "\"");
            }
            if (fld->content_type) {
                PUTS(&w, "\r\nContent-Type: ");
                put(&w, fld->content_type, fld->content_type_len);
            }
            PUTS(&w, "\r\n\r\n");
            put(&w, fld->value, fld->value_len);
            PUTS(&w, "\r\n--");
            put(&w, b, bl);
        }
        if (f.count) {
            PUTS(&w, "--\r\n");
            size_t n = (size_t)(w - again);
            CHECK(n <= cap);
            char *exact = malloc(n);
            if (!exact)
                abort();
            memcpy(exact, again, n);
            char *ct2 = malloc(bl + 64);
            if (!ct2)
                abort();
            snprintf(ct2, bl + 64, "multipart/form-data; boundary=\"%s\"", b);
            form g;
            CHECK(form_parse_multipart(ct2, exact, n, &g) == 0);
            CHECK(g.count == f.count);
            for (size_t i = 0; i < f.count; i++) {
                const form_field *x = &f.fields[i], *y = &g.fields[i];
                CHECK(same(x->name, x->name_len, y->name, y->name_len));
                CHECK(same(x->value, x->value_len, y->value, y->value_len));
                CHECK((x->filename == NULL) == (y->filename == NULL));
                CHECK(same(x->filename, x->filename_len, y->filename, y->filename_len));
                CHECK((x->content_type == NULL) == (y->content_type == NULL));
                CHECK(same(x->content_type, x->content_type_len, y->content_type, y->content_type_len));
            }
            form_free(&g);
            free(ct2);
            free(exact);
        }
        free(again);
    }
    form_free(&f);
    CHECK(f.fields == NULL && f.count == 0 && f.storage == NULL);
    free(body);
    free(ct);
    return 0;
}
