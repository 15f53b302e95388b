/* test_privacy.c - pastes the server cannot read (PrivateBin's v2 format and
 * JSON API, web/privatebin.c) and pastes readable a set number of times
 * (views_left, app/read.c).
 *
 * The encrypted pastes here are made the way PrivateBin's clients make
 * them, with OpenSSL: a random key, PBKDF2-SHA256 over key || password,
 * AES-256-GCM with the adata JSON as additional data, the text as
 * {"paste": ...} compressed with raw DEFLATE (zlib). The server's copy is
 * then read with mongoc and searched for the text; what the API returns is
 * decrypted again with the same key. The view limits are taken by 20
 * readers at once (one curl, 20 parallel connections). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/text.h"
#include "pasted_client.h"

#define PB_HEADER "X-Requested-With: JSONHttpRequest"

/* --- PrivateBin's format, written with OpenSSL ------------------------------ */

typedef struct pb_key {
    uint8_t key[32];
    char    password[64];
} pb_key;

static char *b64(const uint8_t *data, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    return out;
}

static uint8_t *unb64(const char *s, size_t *n)
{
    uint8_t *out = NULL;
    cr_assert_eq(base64_decode(s, strlen(s), &out, n), 0, "not base64: %.40s", s);
    return out;
}

static void derive(const pb_key *k, const uint8_t salt[8], int iterations, uint8_t out[32])
{
    uint8_t pass[32 + 64];
    size_t plen = strlen(k->password);
    memcpy(pass, k->key, 32);
    memcpy(pass + 32, k->password, plen);
    cr_assert_eq(PKCS5_PBKDF2_HMAC((const char *)pass, (int)(32 + plen), salt, 8, iterations, EVP_sha256(), 32, out), 1);
}

static size_t raw_deflate(const char *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream z = { 0 };
    cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = z.total_out;
    deflateEnd(&z);
    return len;
}

static size_t raw_inflate(const uint8_t *in, size_t n, char *out, size_t cap)
{
    z_stream z = { 0 };
    cr_assert_eq(inflateInit2(&z, -15), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = z.total_out;
    inflateEnd(&z);
    return len;
}

/* The request body for text, as a PrivateBin client sends it (malloc'd). */
static char *pb_document(const pb_key *k, const char *text, int burn, const char *expire)
{
    uint8_t iv[16], salt[8], dk[32];
    RAND_bytes(iv, sizeof iv);
    RAND_bytes(salt, sizeof salt);
    derive(k, salt, 100000, dk);
    char *iv64 = b64(iv, sizeof iv), *salt64 = b64(salt, sizeof salt);
    json_t *adata = json_pack("[[s, s, i, i, i, s, s, s], s, i, i]", iv64, salt64, 100000, 256, 128, "aes",
                              "gcm", "zlib", "plaintext", 0, burn);
    char *aad = json_dumps(adata, JSON_COMPACT);
    json_t *msg = json_pack("{s:s}", "paste", text);
    char *plain = json_dumps(msg, JSON_COMPACT);
    uint8_t packed[8192], ct[8192 + 16];
    size_t plen = raw_deflate(plain, strlen(plain), packed, sizeof packed);

    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0, total = 0;
    cr_assert(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL));
    cr_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, sizeof iv, NULL));
    cr_assert(EVP_EncryptInit_ex(c, NULL, NULL, dk, iv));
    cr_assert(EVP_EncryptUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)));
    cr_assert(EVP_EncryptUpdate(c, ct, &len, packed, (int)plen));
    total = len;
    cr_assert(EVP_EncryptFinal_ex(c, ct + total, &len));
    total += len;
    cr_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, ct + total));
    total += 16;
    EVP_CIPHER_CTX_free(c);

    char *ct64 = b64(ct, (size_t)total);
    json_t *doc = json_pack("{s:i, s:O, s:s, s:{s:s}}", "v", 2, "adata", adata, "ct", ct64, "meta", "expire", expire);
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    json_decref(adata);
    json_decref(msg);
    free(aad);
    free(plain);
    free(iv64);
    free(salt64);
    free(ct64);
    return out;
}

/* The text inside a document the API answered (its adata and ct), or NULL
 * when the key or password does not open it (malloc'd). */
static char *pb_open(const pb_key *k, json_t *answer)
{
    json_t *adata = json_object_get(answer, "adata");
    json_t *params = json_array_get(adata, 0);
    size_t ivn, saltn, ctn;
    uint8_t *iv = unb64(json_string_value(json_array_get(params, 0)), &ivn);
    uint8_t *salt = unb64(json_string_value(json_array_get(params, 1)), &saltn);
    uint8_t *ct = unb64(json_string_value(json_object_get(answer, "ct")), &ctn);
    uint8_t dk[32], packed[8192];
    derive(k, salt, (int)json_integer_value(json_array_get(params, 2)), dk);
    char *aad = json_dumps(adata, JSON_COMPACT);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0, ok;
    cr_assert(ctn > 16 && ctn - 16 <= sizeof packed);
    EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)ivn, NULL);
    EVP_DecryptInit_ex(c, NULL, NULL, dk, iv);
    EVP_DecryptUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad));
    EVP_DecryptUpdate(c, packed, &len, ct, (int)(ctn - 16));
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, ct + ctn - 16);
    int plen = len;
    ok = EVP_DecryptFinal_ex(c, packed + plen, &len) == 1;
    EVP_CIPHER_CTX_free(c);
    char *text = NULL;
    if (ok) {
        char plain[16384];
        size_t n = raw_inflate(packed, (size_t)plen, plain, sizeof plain - 1);
        plain[n] = '\0';
        json_t *msg = json_loads(plain, 0, NULL);
        cr_assert(json_is_string(json_object_get(msg, "paste")), "decrypted: %s", plain);
        text = strdup(json_string_value(json_object_get(msg, "paste")));
        json_decref(msg);
    }
    free(aad);
    free(iv);
    free(salt);
    free(ct);
    return text;
}

static json_t *pb_post(const char *body, int *status)
{
    char *url = pasted_url("/");
    const char *args[] = { "-X", "POST", "-H", PB_HEADER, "--data-binary", "@-", url, NULL };
    http_resp *r = http_run(args, body, strlen(body));
    *status = r->status;
    json_t *o = json_loadb(r->body, r->body_len, 0, NULL);
    cr_assert(json_is_object(o), "not JSON (%d): %.*s", r->status, (int)r->body_len, r->body);
    http_free(r);
    free(url);
    return o;
}

static json_t *pb_get(const char *id, int *status)
{
    char path[64];
    snprintf(path, sizeof path, "/?%s", id);
    char *url = pasted_url(path);
    const char *args[] = { "-H", PB_HEADER, url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    *status = r->status;
    json_t *o = json_loadb(r->body, r->body_len, 0, NULL);
    cr_assert(json_is_object(o), "not JSON (%d): %.*s", r->status, (int)r->body_len, r->body);
    http_free(r);
    free(url);
    return o;
}

/* Create text encrypted under k; returns the id (malloc'd), token into token. */
static char *pb_create(const pb_key *k, const char *text, int burn, char token[64])
{
    char *doc = pb_document(k, text, burn, "1week");
    cr_assert_null(strstr(doc, text), "the request carries the text");
    int status;
    json_t *o = pb_post(doc, &status);
    cr_assert_eq(status, 200, "create: %d", status);
    cr_assert_eq(json_integer_value(json_object_get(o, "status")), 0, "%s", json_dumps(o, 0));
    const char *id = json_string_value(json_object_get(o, "id"));
    cr_assert(id && strlen(id) == 22, "an encrypted paste's id is secret: %s", id);
    char url[40];
    snprintf(url, sizeof url, "/?%s", id);
    cr_assert_str_eq(json_string_value(json_object_get(o, "url")), url);
    if (token)
        snprintf(token, 64, "%s", json_string_value(json_object_get(o, "deletetoken")));
    char *out = strdup(id);
    json_decref(o);
    free(doc);
    return out;
}

static pb_key new_key(const char *password)
{
    pb_key k;
    RAND_bytes(k.key, sizeof k.key);
    snprintf(k.password, sizeof k.password, "%s", password);
    return k;
}

static int body_holds(const bson_t *doc, const char *text)
{
    bson_iter_t it;
    bson_subtype_t st;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    cr_assert(bson_iter_init_find(&it, doc, "body") && BSON_ITER_HOLDS_BINARY(&it));
    bson_iter_binary(&it, &st, &len, &data);
    return memmem(data, len, text, strlen(text)) != NULL;
}

Test(privacy, privatebin_round_trip_and_the_store_holds_no_text)
{
    pb_key k = new_key("");
    char text[96];
    snprintf(text, sizeof text, "the plain secret %d, only for the key holder", getpid());
    char *id = pb_create(&k, text, 0, NULL);
    /* the server's copy, read as the store has it */
    bson_t *doc = find_doc(id);
    cr_assert_not_null(doc);
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, "encrypted") && bson_iter_as_bool(&it), "not marked encrypted");
    cr_assert_not(body_holds(doc, text), "MongoDB holds the text");
    cr_assert_not(body_holds(doc, "only for the key"), "MongoDB holds part of the text");
    bson_destroy(doc);
    /* the API gives the document back; the key opens it */
    int status;
    json_t *o = pb_get(id, &status);
    cr_assert_eq(status, 200);
    cr_assert_eq(json_integer_value(json_object_get(o, "status")), 0);
    cr_assert_eq(json_integer_value(json_object_get(o, "v")), 2);
    cr_assert(json_integer_value(json_object_get(json_object_get(o, "meta"), "created")) > 1700000000);
    char *back = pb_open(&k, o);
    cr_assert_str_eq(back, text);
    /* another key does not */
    pb_key other = new_key("");
    cr_assert_null(pb_open(&other, o));
    json_decref(o);
    free(back);
    /* raw: the document, marked; the page: the document for the script, no text */
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(http_header(r, "X-Encrypted"), "privatebin-v2");
    cr_assert(strncmp(http_header(r, "Content-Type"), "application/json", 16) == 0);
    cr_assert_null(memmem(r->body, r->body_len, text, strlen(text)));
    http_free(r);
    snprintf(path, sizeof path, "/%s", id);
    char *url = pasted_url(path);
    const char *args[] = { "-H", "Accept: text/html", url, NULL };
    r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "id=\"encrypted-paste\"") && strstr(r->body, "<noscript>"));
    cr_assert_null(strstr(r->body, text));
    http_free(r);
    free(url);
    free(id);
}

Test(privacy, privatebin_password_burn_and_delete)
{
    pb_key k = new_key("correct horse");
    char *id = pb_create(&k, "behind a password", 0, NULL);
    int status;
    json_t *o = pb_get(id, &status);
    pb_key nopass = k;
    nopass.password[0] = '\0';
    cr_assert_null(pb_open(&nopass, o), "opened without the password");
    char *back = pb_open(&k, o);
    cr_assert_str_eq(back, "behind a password");
    free(back);
    json_decref(o);
    free(id);

    /* burn after reading: one read, then gone */
    char token[64];
    id = pb_create(&k, "read me once", 1, token);
    o = pb_get(id, &status);
    cr_assert_eq(status, 200);
    back = pb_open(&k, o);
    cr_assert_str_eq(back, "read me once");
    free(back);
    json_decref(o);
    o = pb_get(id, &status);
    cr_assert_eq(status, 404, "a burnt paste read twice");
    cr_assert_eq(json_integer_value(json_object_get(o, "status")), 1);
    json_decref(o);
    free(id);

    /* delete with the token, as pbincli does */
    id = pb_create(&k, "delete me", 0, token);
    char body[160];
    snprintf(body, sizeof body, "{\"pasteid\":\"%s\",\"deletetoken\":\"wrong\"}", id);
    o = pb_post(body, &status);
    cr_assert_eq(status, 403);
    cr_assert_eq(json_integer_value(json_object_get(o, "status")), 1);
    json_decref(o);
    snprintf(body, sizeof body, "{\"pasteid\":\"%s\",\"deletetoken\":\"%s\"}", id, token);
    o = pb_post(body, &status);
    cr_assert_eq(status, 200);
    cr_assert_eq(json_integer_value(json_object_get(o, "status")), 0);
    json_decref(o);
    o = pb_get(id, &status);
    cr_assert_eq(status, 404);
    json_decref(o);
    free(id);
}

Test(privacy, privatebin_refuses_what_is_not_its_format)
{
    const char *bad[] = {
        "[]",
        "{\"v\":1,\"adata\":[],\"ct\":\"AAAA\"}",
        "{\"v\":2,\"ct\":\"AAAA\"}",
        "{\"v\":2,\"adata\":[[\"AAAAAAAAAAAAAAAAAAAAAA==\",\"AAAAAAAAAAA=\",100000,256,128,\"aes\",\"gcm\",\"zlib\"],\"plaintext\",0,0],\"ct\":\"not base64!\"}",
        "{\"v\":2,\"adata\":[[\"AAAAAAAAAAAAAAAAAAAAAA==\",\"AAAAAAAAAAA=\",100000,256,128,\"des\",\"gcm\",\"zlib\"],\"plaintext\",0,0],\"ct\":\"AAAA\"}",
        "{\"v\":2,\"adata\":[[\"AAAAAAAAAAAAAAAAAAAAAA==\",\"AAAAAAAAAAA=\",100000,256,128,\"aes\",\"gcm\",\"zlib\"],\"plaintext\",0,2],\"ct\":\"AAAA\"}",
        "{\"v\":2,\"adata\":[[\"AAAAAAAAAAAAAAAAAAAAAA==\",\"AAAAAAAAAAA=\",100000,256,128,\"aes\",\"gcm\",\"zlib\"],\"plaintext\",0,0],\"ct\":\"AAAA\",\"meta\":{\"expire\":\"1century\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status;
        json_t *o = pb_post(bad[i], &status);
        cr_assert_eq(status, 400, "%s: %d", bad[i], status);
        cr_assert_eq(json_integer_value(json_object_get(o, "status")), 1);
        cr_assert(json_is_string(json_object_get(o, "message")));
        json_decref(o);
    }
    /* a plain paste is not served as a PrivateBin document */
    char *id = create_paste("plain words", 11, "");
    int status;
    json_t *o = pb_get(id, &status);
    cr_assert_eq(status, 404);
    json_decref(o);
    free(id);
    /* the form's encrypt box, arriving without the script that does it: refused */
    char *url = pasted_url("/");
    const char *args[] = { "-F", "content=not encrypted at all", "-F", "encrypt=1", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 400, "encrypt=1 without JavaScript: %d", r->status);
    http_free(r);
    free(url);
}

/* --- views_left ---------------------------------------------------------------- */

static int count_lines_with(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* n GETs of url at once, each on its own connection (one curl, -Z): its
 * -w lines, "STATUS BYTES", one per read (malloc'd). */
static char *curl_parallel(const char *url, int n)
{
    char cmd[8192];
    int at = snprintf(cmd, sizeof cmd, "curl -s -Z --parallel-immediate --parallel-max %d -w '%%{http_code} %%{size_download}\\n'", n);
    for (int i = 0; i < n; i++)
        at += snprintf(cmd + at, sizeof cmd - (size_t)at, " -o /dev/null '%s'", url);
    snprintf(cmd + at, sizeof cmd - (size_t)at, " 2>/dev/null");   /* -Z's meter ignores -s */
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char *out = calloc(1, 4096);
    size_t len = fread(out, 1, 4095, f);
    out[len] = '\0';
    pclose(f);
    return out;
}

Test(privacy, views_left_exactly_n_of_20_readers_at_once)
{
    const char body[] = "{\"content\": \"seen five times, then gone\", \"views_left\": 5}";
    http_resp *r = http_post("/api/pastes", "application/json", body, sizeof body - 1);
    cr_assert_eq(r->status, 201, "%.*s", (int)r->body_len, r->body);
    json_t *o = json_loadb(r->body, r->body_len, 0, NULL);
    char *id = strdup(json_string_value(json_object_get(o, "id")));
    json_decref(o);
    http_free(r);
    cr_assert_eq(strlen(id), 22, "a paste with limited reads gets a secret id: %s", id);
    /* its metadata says nothing of the content, and reads nothing */
    char path[64];
    snprintf(path, sizeof path, "/api/pastes/%s", id);
    r = http_get(path);
    cr_assert_eq(r->status, 200);
    cr_assert_null(strstr(r->body, "\"size\""), "metadata before a read: %s", r->body);
    http_free(r);

    snprintf(path, sizeof path, "/raw/%s", id);
    char *url = pasted_url(path);
    char *out = curl_parallel(url, 20);
    int won = count_lines_with(out, "200 26\n"), lost = count_lines_with(out, "404 ");
    cr_assert_eq(won, 5, "readers that got it: %d (want 5)\n%s", won, out);
    cr_assert_eq(lost, 15, "readers refused: %d (want 15)\n%s", lost, out);
    free(out);
    r = http_get(path);
    cr_assert_eq(r->status, 404, "a sixth read later: %d", r->status);
    http_free(r);
    free(url);
    free(id);
}

Test(privacy, views_left_the_page_counts_down_and_bad_values_are_refused)
{
    char *url = pasted_url("/");
    const char *form[] = { "-F", "content=three reads", "-F", "views_left=3", "-F", "unlisted=1", url, NULL };
    http_resp *r = http_run(form, NULL, 0);
    cr_assert_eq(r->status, 201, "%d %.*s", r->status, (int)r->body_len, r->body);
    char *id = id_from_url(r->body, r->body_len);
    http_free(r);
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    char *page = pasted_url(path);
    const char *args[] = { "-H", "Accept: text/html", page, NULL };
    r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "2 views left"), "the first page: %.300s", strstr(r->body, "<main") ? strstr(r->body, "<main") : r->body);
    cr_assert(strstr(r->body, "three reads"));
    http_free(r);
    free(page);
    snprintf(path, sizeof path, "/raw/%s", id);
    r = http_get(path);
    cr_assert_eq(r->status, 200);
    http_free(r);
    r = http_get(path);
    cr_assert_eq(r->status, 200, "the third read");
    http_free(r);
    r = http_get(path);
    cr_assert_eq(r->status, 404, "a fourth read");
    http_free(r);
    free(id);

    const char *bad[] = { "0", "1001", "x", "-1", "2.5" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char field[32];
        snprintf(field, sizeof field, "views_left=%s", bad[i]);
        const char *a[] = { "-F", "content=x", "-F", field, url, NULL };
        r = http_run(a, NULL, 0);
        cr_assert_eq(r->status, 400, "views_left=%s: %d", bad[i], r->status);
        cr_assert(strstr(r->body, "views_left"), "names the field: %s", r->body);
        http_free(r);
    }
    free(url);
}

Test(privacy, views_left_or_expiry_whichever_comes_first, .timeout = 20)
{
    char *id = create_paste("five reads, two seconds", 23, "?views_left=5&expire=2s");
    assert_raw_is(id, "five reads, two seconds", 23);
    sleep(3);
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", id);
    http_resp *r = http_get(path);
    cr_assert(r->status == 404 || r->status == 410, "expired with reads left: %d", r->status);
    http_free(r);
    free(id);
}

Test(privacy, a_link_with_limited_uses_shows_nothing_before_one_is_used)
{
    char *url = pasted_url("/");
    const char *args[] = { "-F", "url=https://example.org/only-for-the-clicker", "-F", "views_left=1", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 201);
    char *id = id_from_url(r->body, r->body_len);
    http_free(r);
    char path[64];
    snprintf(path, sizeof path, "/%s+", id);
    r = http_get(path);                                   /* the preview, as text */
    cr_assert_null(strstr(r->body, "only-for-the-clicker"), "the preview shows the target: %s", r->body);
    http_free(r);
    snprintf(path, sizeof path, "/api/pastes/%s", id);
    r = http_get(path);
    cr_assert_null(strstr(r->body, "only-for-the-clicker"), "the metadata shows the target: %s", r->body);
    http_free(r);
    snprintf(path, sizeof path, "/%s", id);
    r = http_get(path);
    cr_assert_eq(r->status, 302, "the one use: %d", r->status);
    cr_assert_str_eq(http_header(r, "Location"), "https://example.org/only-for-the-clicker");
    http_free(r);
    r = http_get(path);
    cr_assert_eq(r->status, 404, "a second use: %d", r->status);
    http_free(r);
    free(id);
    free(url);
}

Test(privacy, a_head_uses_no_read_on_any_route)
{
    char *id = create_paste("read once, by a GET\n", 20, "?burn=1");
    const char *paths[] = { "/documents/%s", "/raw/%s", "/%s" };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, paths[i], id);
        char *url = pasted_url(path);
        const char *args[] = { "-I", url, NULL };
        http_resp *r = http_run(args, NULL, 0);
        cr_assert_eq(r->status, 200, "HEAD %s: %d", path, r->status);
        http_free(r);
        free(url);
    }
    char path[64];
    snprintf(path, sizeof path, "/?%s", id);
    char *url = pasted_url(path);
    const char *args[] = { "-I", "-H", PB_HEADER, url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    http_free(r);
    free(url);
    assert_raw_is(id, "read once, by a GET\n", 20);      /* still there for its one read */
    free(id);
}
