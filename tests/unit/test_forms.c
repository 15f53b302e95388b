/* test_forms.c — unit tests for src/forms.c: urlencoded and multipart
 * parsing, boundary extraction, and robustness against hostile bodies.
 *
 * Bodies are always parsed from exact-size heap copies (see parse_* below)
 * so that AddressSanitizer flags any read past the declared length. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"

/* ----------------------------------------------------------- helpers */

/* A parsed form plus the exact-size body copy its fields point into. */
typedef struct parsed {
    form f;
    char *body;
    size_t len;
    int rc;
} parsed;

static char *exact_copy(const char *s, size_t len) {
    char *c = malloc(len ? len : 1);
    cr_assert_not_null(c);
    if (len) memcpy(c, s, len);
    return c;
}

static parsed parse_url(const char *s, size_t len) {
    parsed p;
    p.body = exact_copy(s, len);
    p.len = len;
    p.rc = form_parse_urlencoded(p.body, len, &p.f);
    return p;
}

static parsed parse_mp(const char *ct, const char *s, size_t len) {
    parsed p;
    p.body = exact_copy(s, len);
    p.len = len;
    p.rc = form_parse_multipart(ct, p.body, len, &p.f);
    return p;
}

static void done(parsed *p) {
    form_free(&p->f);
    free(p->body);
}

static void assert_empty_form(const form *f) {
    cr_assert_null(f->fields);
    cr_assert_null(f->storage);
    cr_assert_eq(f->count, 0);
}

static void assert_bytes(const char *got, size_t got_len, const char *want, size_t want_len) {
    cr_assert_eq(got_len, want_len, "length %zu, want %zu", got_len, want_len);
    cr_assert_eq(memcmp(got, want, want_len), 0, "bytes differ");
}

#define ASSERT_FIELD(f, nm, val) do {                                   \
        const form_field *fld_ = form_get((f), (nm));                   \
        cr_assert_not_null(fld_, "no field %s", (nm));                  \
        assert_bytes(fld_->value, fld_->value_len, (val), sizeof(val) - 1); \
    } while (0)

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* -------------------------------------------------------- urlencoded */

#define URL(lit) parse_url((lit), sizeof(lit) - 1)

Test(urlencoded, simple_fields) {
    parsed p = URL("a=b&content=hello&syntax=c");
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 3);
    ASSERT_FIELD(&p.f, "a", "b");
    ASSERT_FIELD(&p.f, "content", "hello");
    ASSERT_FIELD(&p.f, "syntax", "c");
    cr_assert_null(p.f.fields[0].filename);
    cr_assert_null(p.f.fields[0].content_type);
    cr_assert_null(form_get(&p.f, "missing"));
    cr_assert_null(form_get(&p.f, "conten"), "prefix must not match");
    cr_assert_null(form_get(&p.f, NULL));
    done(&p);
}

Test(urlencoded, plus_and_percent_decoding) {
    parsed p = URL("content=hello+world%20and%2Bmore%3D%26&na%6De=x+y");
    cr_assert_eq(p.rc, 0);
    ASSERT_FIELD(&p.f, "content", "hello world and+more=&");
    ASSERT_FIELD(&p.f, "name", "x y");
    done(&p);
}

Test(urlencoded, percent_00_is_binary) {
    parsed p = URL("content=a%00b%ff%0D%0A");
    cr_assert_eq(p.rc, 0);
    ASSERT_FIELD(&p.f, "content", "a\0b\xff\r\n");
    done(&p);
}

Test(urlencoded, empty_values) {
    parsed p = URL("a=&content=&b=");
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 3);
    ASSERT_FIELD(&p.f, "a", "");
    ASSERT_FIELD(&p.f, "content", "");
    done(&p);
}

Test(urlencoded, equals_inside_value_is_kept) {
    parsed p = URL("content=x=1==2");
    cr_assert_eq(p.rc, 0);
    ASSERT_FIELD(&p.f, "content", "x=1==2");
    done(&p);
}

Test(urlencoded, empty_segments_are_skipped) {
    parsed p = URL("&a=1&&content=2&");
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 2);
    ASSERT_FIELD(&p.f, "content", "2");
    done(&p);
}

Test(urlencoded, duplicate_names_first_wins) {
    parsed p = URL("content=first&content=second");
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 2);
    ASSERT_FIELD(&p.f, "content", "first");
    done(&p);
}

Test(urlencoded, empty_body_is_clean_but_empty) {
    parsed p = parse_url("", 0);
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 0);
    cr_assert_null(form_get(&p.f, "content"));
    done(&p);
}

Test(urlencoded, missing_equals_rejected) {
    parsed p = URL("content");
    cr_assert_eq(p.rc, -1);
    assert_empty_form(&p.f);
    done(&p);
    p = URL("a=1&b&c=2");
    cr_assert_eq(p.rc, -1);
    assert_empty_form(&p.f);
    done(&p);
}

Test(urlencoded, empty_name_rejected) {
    parsed p = URL("=value");
    cr_assert_eq(p.rc, -1);
    done(&p);
}

Test(urlencoded, malformed_escapes_rejected) {
    static const char *bad[] = {
        "content=%G1", "content=%1G", "content=%4", "content=%", "content=abc%",
        "content=%%41", "co%zzntent=x", "content=ok&x=%4", "content=%-1", "%=x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parsed p = parse_url(bad[i], strlen(bad[i]));
        cr_assert_eq(p.rc, -1, "accepted %s", bad[i]);
        assert_empty_form(&p.f);
        done(&p);
    }
}

Test(urlencoded, raw_nul_rejected) {
    parsed p = parse_url("content=a\0b", 11);
    cr_assert_eq(p.rc, -1);
    done(&p);
}

static char *repeat_fields(int n) {
    char *s = malloc((size_t)n * 8 + 1);
    cr_assert_not_null(s);
    s[0] = '\0';
    for (int i = 0; i < n; i++) sprintf(s + strlen(s), "%sf%d=v", i ? "&" : "", i);
    return s;
}

Test(urlencoded, field_limit) {
    char *ok = repeat_fields(FORM_MAX_FIELDS), *bad = repeat_fields(FORM_MAX_FIELDS + 1);
    parsed p = parse_url(ok, strlen(ok));
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, FORM_MAX_FIELDS);
    ASSERT_FIELD(&p.f, "f63", "v");
    done(&p);
    p = parse_url(bad, strlen(bad));
    cr_assert_eq(p.rc, -1);
    assert_empty_form(&p.f);
    done(&p);
    free(ok);
    free(bad);
}

Test(urlencoded, name_length_limit) {
    char body[600];
    memset(body, 'n', FORM_MAX_NAME);
    memcpy(body + FORM_MAX_NAME, "=v", 2);
    parsed p = parse_url(body, FORM_MAX_NAME + 2);
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.fields[0].name_len, FORM_MAX_NAME);
    done(&p);
    memset(body, 'n', FORM_MAX_NAME + 1);
    memcpy(body + FORM_MAX_NAME + 1, "=v", 2);
    p = parse_url(body, FORM_MAX_NAME + 3);
    cr_assert_eq(p.rc, -1);
    done(&p);
}

Test(urlencoded, decoded_name_limit) {
    char *body = malloc(3 * (FORM_MAX_NAME + 1) + 3);
    cr_assert_not_null(body);
    size_t len = 0;
    for (int i = 0; i < FORM_MAX_NAME; i++) { memcpy(body + len, "%41", 3); len += 3; }
    memcpy(body + len, "=v", 2);
    parsed p = parse_url(body, len + 2);
    cr_assert_eq(p.rc, 0, "256 decoded bytes are allowed even from 768 raw");
    cr_assert_eq(p.f.fields[0].name_len, FORM_MAX_NAME);
    cr_assert_eq(p.f.fields[0].name[0], 'A');
    done(&p);
    memcpy(body + len, "%41=v", 5);
    p = parse_url(body, len + 5);
    cr_assert_eq(p.rc, -1);
    done(&p);
    free(body);
}

/* The product rule: a raw paste mislabelled as urlencoded must not be taken
 * for a form with a content field. */
Test(urlencoded, arbitrary_text_is_not_a_content_form) {
    static const char *texts[] = {
        "#include <stdio.h>\nint main(void) {\n    int a = 3, b = 5;\n"
        "    printf(\"%d\\n\", a & b);\n    return a % b;\n}\n",
        "if (a && b) { x = 1; }",
        "x = 1 & y = 2",
        "SELECT * FROM t WHERE a LIKE '%foo%' AND b = 1;",
        "50% off & free shipping",
        "just some words",
        "key=value\nsecond line & more",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        parsed p = parse_url(texts[i], strlen(texts[i]));
        cr_assert(p.rc == -1 || form_get(&p.f, "content") == NULL, "text %zu taken as a form", i);
        done(&p);
    }
    /* and the C source in particular is rejected outright (bad %-escape) */
    parsed p = parse_url(texts[0], strlen(texts[0]));
    cr_assert_eq(p.rc, -1);
    done(&p);
}

Test(urlencoded, null_arguments) {
    form f;
    cr_assert_eq(form_parse_urlencoded(NULL, 5, &f), -1);
    assert_empty_form(&f);
    cr_assert_eq(form_parse_urlencoded("a=b", 3, NULL), -1);
    cr_assert_eq(form_parse_urlencoded(NULL, 0, &f), 0);
    cr_assert_eq(f.count, 0);
    form_free(&f);
    form_free(&f); /* double free of an emptied form is harmless */
    form_free(NULL);
}

/* ---------------------------------------------------------- boundary */

Test(forms_boundary, unquoted_and_quoted) {
    char b[FORM_MAX_BOUNDARY + 1];
    cr_assert_eq(form_boundary("multipart/form-data; boundary=abc123", b, sizeof b), 0);
    cr_assert_str_eq(b, "abc123");
    cr_assert_eq(form_boundary("multipart/form-data; boundary=\"a b:c?=\"", b, sizeof b), 0);
    cr_assert_str_eq(b, "a b:c?=");
    cr_assert_eq(form_boundary("multipart/form-data;charset=utf-8;BOUNDARY=x-y_z.w", b, sizeof b), 0);
    cr_assert_str_eq(b, "x-y_z.w");
    cr_assert_eq(form_boundary("multipart/form-data ; boundary=q ; charset=utf-8", b, sizeof b), 0);
    cr_assert_str_eq(b, "q");
    cr_assert_eq(form_boundary("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", b, sizeof b), 0);
    cr_assert_str_eq(b, "----WebKitFormBoundary7MA4YWxkTrZu0gW");
}

Test(forms_boundary, rejected) {
    char b[FORM_MAX_BOUNDARY + 1];
    static const char *bad[] = {
        "multipart/form-data",
        "multipart/form-data;",
        "multipart/form-data; charset=utf-8",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"abc",
        "multipart/form-data; boundary=\"ends with space \"",
        "multipart/form-data; boundary=a; boundary=b",
        "multipart/form-data; boundary=\"a\\b\"",
        "multipart/form-data; boundary=a\"b",
        "multipart/form-data; boundary=ab*cd",
        "multipart/form-data; boundary",
        "multipart/form-data; =x",
        "multipart/form-data; boundary=\"ab\"junk",
        "multipart/form-data; note=\"boundary=fake\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(form_boundary(bad[i], b, sizeof b), -1, "accepted %s", bad[i]);
    cr_assert_eq(form_boundary(NULL, b, sizeof b), -1);
}

Test(forms_boundary, length_limits) {
    char ct[200], b[FORM_MAX_BOUNDARY + 2];
    int n = sprintf(ct, "multipart/form-data; boundary=");
    memset(ct + n, 'b', 70);
    ct[n + 70] = '\0';
    cr_assert_eq(form_boundary(ct, b, sizeof b), 0);
    cr_assert_eq(strlen(b), 70);
    cr_assert_eq(form_boundary(ct, b, 70), -1, "out too small");
    ct[n + 70] = 'b';
    ct[n + 71] = '\0';
    cr_assert_eq(form_boundary(ct, b, sizeof b), -1, "71 chars");
}

/* ---------------------------------------------------------- multipart */

#define CT "multipart/form-data; boundary=XyZ"
#define MP(ct, lit) parse_mp((ct), (lit), sizeof(lit) - 1)

Test(multipart, text_field) {
    parsed p = MP(CT,
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"content\"\r\n"
        "\r\n"
        "hello world\r\n"
        "--XyZ--\r\n");
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 1);
    const form_field *f = form_get(&p.f, "content");
    cr_assert_not_null(f);
    assert_bytes(f->value, f->value_len, "hello world", 11);
    cr_assert_null(f->filename);
    cr_assert_null(f->content_type);
    cr_assert_null(p.f.storage);
    /* zero copy: the value points into the body */
    cr_assert(f->value >= p.body && f->value + f->value_len <= p.body + p.len);
    done(&p);
}

static const char file_body[] =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "my paste\r\n"
    "--XyZ\r\n"
    "content-disposition: FORM-DATA; filename=\"a b.bin\"; name=file\r\n"
    "Content-Type:  application/octet-stream \r\n"
    "X-Ignored: yes\r\n"
    "\r\n"
    "\x00\x01\r\n--\r\n--XyZ-not\r\n--XyZx\r\n\xff--\r\n"
    "\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n"
    "\r\n"
    "\r\n"
    "--XyZ--";

Test(multipart, file_part_binary_data) {
    parsed p = parse_mp(CT, file_body, sizeof file_body - 1);
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 3);
    ASSERT_FIELD(&p.f, "title", "my paste");
    const form_field *f = form_get(&p.f, "file");
    cr_assert_not_null(f);
    static const char data[] = "\x00\x01\r\n--\r\n--XyZ-not\r\n--XyZx\r\n\xff--\r\n";
    assert_bytes(f->value, f->value_len, data, sizeof data - 1);
    assert_bytes(f->filename, f->filename_len, "a b.bin", 7);
    assert_bytes(f->content_type, f->content_type_len, "application/octet-stream", 24);
    const form_field *e = form_get(&p.f, "empty");
    cr_assert_not_null(e);
    cr_assert_eq(e->value_len, 0);
    cr_assert_not_null(e->filename, "filename=\"\" is present but empty");
    cr_assert_eq(e->filename_len, 0);
    done(&p);
}

Test(multipart, quoted_boundary_with_space) {
    parsed p = MP("Multipart/Form-Data; boundary=\"a b'()+_,-./:=?\"",
        "--a b'()+_,-./:=?\r\n"
        "Content-Disposition: form-data; name=content\r\n"
        "\r\n"
        "x\r\n"
        "--a b'()+_,-./:=?--\r\n");
    cr_assert_eq(p.rc, 0);
    ASSERT_FIELD(&p.f, "content", "x");
    done(&p);
}

Test(multipart, preamble_epilogue_and_padding) {
    parsed p = MP(CT,
        "This is the preamble.\r\n--XyZ is not a delimiter here\r\n"
        "--XyZ  \t\r\n"
        "Content-Disposition: form-data; name=\"content\"\r\n"
        "\r\n"
        "body\r\n"
        "--XyZ-- \r\n"
        "epilogue, ignored\r\n--XyZ\r\ngarbage");
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 1);
    ASSERT_FIELD(&p.f, "content", "body");
    done(&p);
}

Test(multipart, part_without_data_section) {
    /* RFC 2046: the delimiter may follow the header block directly. */
    parsed p = MP(CT,
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"a\"\r\n"
        "\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"b\"\r\n"
        "\r\n"
        "B\r\n"
        "--XyZ--");
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 2);
    ASSERT_FIELD(&p.f, "a", "");
    ASSERT_FIELD(&p.f, "b", "B");
    done(&p);
}

Test(multipart, no_parts) {
    parsed p = MP(CT, "--XyZ--\r\n");
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, 0);
    cr_assert_null(form_get(&p.f, "content"));
    done(&p);
}

Test(multipart, missing_closing_delimiter) {
    static const char *bad[] = {
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--XyZ\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--XyZ-",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--XyZ",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello--XyZ--",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parsed p = parse_mp(CT, bad[i], strlen(bad[i]));
        cr_assert_eq(p.rc, -1, "accepted case %zu", i);
        assert_empty_form(&p.f);
        done(&p);
    }
}

Test(multipart, missing_or_wrong_content_type) {
    static const char body[] =
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--XyZ--\r\n";
    static const char *bad[] = {
        "multipart/form-data",
        "multipart/form-data; charset=utf-8",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=Other",
        "multipart/mixed; boundary=XyZ",
        "text/plain; boundary=XyZ",
        "multipart/form-datax; boundary=XyZ",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parsed p = parse_mp(bad[i], body, sizeof body - 1);
        cr_assert_eq(p.rc, -1, "accepted %s", bad[i]);
        done(&p);
    }
    parsed p = parse_mp(NULL, body, sizeof body - 1);
    cr_assert_eq(p.rc, -1);
    done(&p);
    p = parse_mp(CT, body, sizeof body - 1);
    cr_assert_eq(p.rc, 0, "control: the body itself is fine");
    done(&p);
}

Test(multipart, header_block_without_blank_line) {
    static const char *bad[] = {
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n--XyZ--\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nhello\r\n--XyZ--\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\n\nx\r\n--XyZ--",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parsed p = parse_mp(CT, bad[i], strlen(bad[i]));
        cr_assert_eq(p.rc, -1, "accepted case %zu", i);
        done(&p);
    }
}

Test(multipart, bad_part_headers) {
    static const char *bad[] = {
        /* no Content-Disposition */
        "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
        /* no headers at all */
        "--XyZ\r\n\r\nx\r\n--XyZ--",
        /* disposition without name */
        "--XyZ\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\nx\r\n--XyZ--",
        /* empty name */
        "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--XyZ--",
        /* not form-data */
        "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",
        /* duplicate name parameter */
        "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nx\r\n--XyZ--",
        /* duplicate Content-Disposition */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
        "Content-Disposition: form-data; name=b\r\n\r\nx\r\n--XyZ--",
        /* unterminated quoted name */
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--",
        /* junk after a quoted value */
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"b\r\n\r\nx\r\n--XyZ--",
        /* header line without colon */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\nNoColon\r\n\r\nx\r\n--XyZ--",
        /* space before the colon */
        "--XyZ\r\nContent-Disposition : form-data; name=a\r\n\r\nx\r\n--XyZ--",
        /* obsolete line folding */
        "--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nx\r\n--XyZ--",
        /* bare CR inside a header */
        "--XyZ\r\nContent-Disposition: form-data; name=a\rb\r\n\r\nx\r\n--XyZ--",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parsed p = parse_mp(CT, bad[i], strlen(bad[i]));
        cr_assert_eq(p.rc, -1, "accepted case %zu", i);
        assert_empty_form(&p.f);
        done(&p);
    }
}

/* Builds "--XyZ\r\nContent-Disposition: form-data; name="a"\r\n" + one
 * extra header line of exactly `line_len` bytes + rest of a valid part. */
static char *body_with_header_line(size_t line_len, size_t *len) {
    const char *head = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n";
    const char *tail = "\r\n\r\nx\r\n--XyZ--";
    size_t hl = strlen(head), tl = strlen(tail);
    char *b = malloc(hl + line_len + tl);
    cr_assert_not_null(b);
    memcpy(b, head, hl);
    memcpy(b + hl, "X-Long: ", 8);
    memset(b + hl + 8, 'v', line_len - 8);
    memcpy(b + hl + line_len, tail, tl);
    *len = hl + line_len + tl;
    return b;
}

Test(multipart, header_line_limit) {
    size_t len;
    char *ok = body_with_header_line(FORM_MAX_HEADER_LINE, &len);
    parsed p = parse_mp(CT, ok, len);
    cr_assert_eq(p.rc, 0, "a 1024-byte header line is allowed");
    ASSERT_FIELD(&p.f, "a", "x");
    done(&p);
    free(ok);
    char *bad = body_with_header_line(FORM_MAX_HEADER_LINE + 1, &len);
    p = parse_mp(CT, bad, len);
    cr_assert_eq(p.rc, -1, "a 1025-byte header line is refused");
    done(&p);
    free(bad);
}

static char *body_with_parts(int n, size_t *len) {
    size_t cap = (size_t)n * 80 + 16, used = 0;
    char *b = malloc(cap);
    cr_assert_not_null(b);
    for (int i = 0; i < n; i++)
        used += (size_t)sprintf(b + used,
            "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv%d\r\n", i, i);
    used += (size_t)sprintf(b + used, "--XyZ--\r\n");
    *len = used;
    return b;
}

Test(multipart, part_limit) {
    size_t len;
    char *ok = body_with_parts(FORM_MAX_FIELDS, &len);
    parsed p = parse_mp(CT, ok, len);
    cr_assert_eq(p.rc, 0);
    cr_assert_eq(p.f.count, FORM_MAX_FIELDS);
    ASSERT_FIELD(&p.f, "f63", "v63");
    done(&p);
    free(ok);
    char *bad = body_with_parts(FORM_MAX_FIELDS + 1, &len);
    p = parse_mp(CT, bad, len);
    cr_assert_eq(p.rc, -1);
    assert_empty_form(&p.f);
    done(&p);
    free(bad);
}

Test(multipart, name_limit) {
    char body[700];
    int n = sprintf(body, "--XyZ\r\nContent-Disposition: form-data; name=\"");
    memset(body + n, 'n', FORM_MAX_NAME);
    int m = n + FORM_MAX_NAME + sprintf(body + n + FORM_MAX_NAME, "\"\r\n\r\nx\r\n--XyZ--");
    parsed p = parse_mp(CT, body, (size_t)m);
    cr_assert_eq(p.rc, 0);
    done(&p);
    memset(body + n, 'n', FORM_MAX_NAME + 1);
    m = n + FORM_MAX_NAME + 1 + sprintf(body + n + FORM_MAX_NAME + 1, "\"\r\n\r\nx\r\n--XyZ--");
    p = parse_mp(CT, body, (size_t)m);
    cr_assert_eq(p.rc, -1);
    done(&p);
}

/* Every strict prefix of a valid body that stops before the closing
 * delimiter is complete must be rejected, and none may crash. */
Test(multipart, truncated_bodies) {
    const size_t full = sizeof file_body - 1;
    for (size_t len = 0; len < full; len++) {
        parsed p = parse_mp(CT, file_body, len);
        cr_assert_eq(p.rc, -1, "prefix of %zu bytes accepted", len);
        assert_empty_form(&p.f);
        done(&p);
    }
    parsed p = parse_mp(CT, file_body, full);
    cr_assert_eq(p.rc, 0);
    done(&p);
}

static void check_fields_in_bounds(const parsed *p) {
    cr_assert_leq(p->f.count, FORM_MAX_FIELDS);
    for (size_t i = 0; i < p->f.count; i++) {
        const form_field *f = &p->f.fields[i];
        cr_assert(f->name_len > 0 && f->name_len <= FORM_MAX_NAME);
        cr_assert(f->name >= p->body && f->name + f->name_len <= p->body + p->len);
        cr_assert(f->value >= p->body && f->value + f->value_len <= p->body + p->len);
        if (f->filename)
            cr_assert(f->filename >= p->body && f->filename + f->filename_len <= p->body + p->len);
    }
}

/* Random bytes drawn mostly from the characters the parsers care about,
 * plus random mutations of a valid body. Under ASan any out-of-bounds read
 * aborts the test; otherwise results must be internally consistent. */
Test(forms_fuzz, multipart_random_and_mutated) {
    static const char alphabet[] = "-\r\nXyZ:;= \"\tabcnmeContent-Disposition:form-data\0\xff";
    static const char *cts[] = {
        CT, "multipart/form-data; boundary=\"XyZ\"", "multipart/form-data; boundary=-",
        "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=\"", "multipart/form-data;;",
    };
    uint64_t seed = 0xdecafbad;
    char buf[512];
    int accepted = 0;
    for (int iter = 0; iter < 40000; iter++) {
        size_t len;
        if (iter % 2 == 0) {
            len = (size_t)(rng_next(&seed) % sizeof buf);
            for (size_t i = 0; i < len; i++) {
                uint64_t r = rng_next(&seed);
                buf[i] = (r & 7) == 0 ? (char)(r >> 8) : alphabet[(r >> 8) % (sizeof alphabet - 1)];
            }
            if (len > 7 && iter % 4 == 0) memcpy(buf, "--XyZ\r\n", 7);
        } else {
            len = sizeof file_body - 1;
            memcpy(buf, file_body, len);
            int edits = 1 + (int)(rng_next(&seed) % 4);
            for (int e = 0; e < edits; e++) {
                size_t at = (size_t)(rng_next(&seed) % len);
                switch (rng_next(&seed) % 3) {
                case 0: buf[at] = (char)rng_next(&seed); break;
                case 1: len = at; break;                       /* truncate */
                default: buf[at] = alphabet[rng_next(&seed) % (sizeof alphabet - 1)];
                }
                if (len == 0) break;
            }
        }
        const char *ct = cts[rng_next(&seed) % (sizeof cts / sizeof *cts)];
        char *ct_copy = exact_copy(ct, strlen(ct) + 1);
        parsed p = parse_mp(ct_copy, buf, len);
        if (p.rc == 0) {
            accepted++;
            check_fields_in_bounds(&p);
        } else {
            assert_empty_form(&p.f);
        }
        done(&p);
        free(ct_copy);
        char b[FORM_MAX_BOUNDARY + 1];
        (void)form_boundary(ct, b, sizeof b);
    }
    cr_assert_gt(accepted, 0, "mutations that keep the body valid should parse");
}

Test(forms_fuzz, urlencoded_random) {
    static const char alphabet[] = "abc=&%+0123456789ABCDEFGgz\n ";
    uint64_t seed = 0xabad1dea;
    char buf[300];
    int accepted = 0;
    for (int iter = 0; iter < 40000; iter++) {
        size_t len = (size_t)(rng_next(&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = rng_next(&seed);
            buf[i] = (r & 15) == 0 ? (char)(r >> 8) : alphabet[(r >> 8) % (sizeof alphabet - 1)];
        }
        parsed p = parse_url(buf, len);
        if (p.rc == 0) {
            accepted++;
            cr_assert_leq(p.f.count, FORM_MAX_FIELDS);
            for (size_t i = 0; i < p.f.count; i++) {
                const form_field *f = &p.f.fields[i];
                cr_assert(f->name_len > 0 && f->name_len <= FORM_MAX_NAME);
                cr_assert(f->name >= p.f.storage && f->name + f->name_len <= p.f.storage + len);
                cr_assert(f->value >= p.f.storage && f->value + f->value_len <= p.f.storage + len);
            }
        } else {
            assert_empty_form(&p.f);
        }
        done(&p);
    }
    cr_assert_gt(accepted, 0);
}
