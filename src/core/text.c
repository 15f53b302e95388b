/* text.c - byte and text helpers (see text.h). */
#include "text.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>

int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

#define TOKEN_DIGITS ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, \
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1
#define TOKEN_UPPER ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, \
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, \
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, \
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1
#define TOKEN_LOWER ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, \
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, \
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, \
    ['x'] = 1, ['y'] = 1, ['z'] = 1

const unsigned char token_char_table[256] = {
    TOKEN_DIGITS, TOKEN_UPPER, TOKEN_LOWER,
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
};

int utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; }
        else return 0;
        if (len - i < n)
            return 0;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* reject overlong forms, surrogates and values past U+10FFFF */
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
            || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return 0;
        i += n;
    }
    return 1;
}

static int base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int base64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
    uint8_t *buf = malloc(len / 4 * 3 + 3);
    if (!buf)
        return -2;
    size_t n = 0, chars = 0, pad = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = base64_value(c);
        if (v < 0 || pad)
            goto bad;
        acc = acc << 6 | (uint32_t)v;
        if (++chars % 4 == 0) {
            buf[n++] = (uint8_t)(acc >> 16);
            buf[n++] = (uint8_t)(acc >> 8);
            buf[n++] = (uint8_t)acc;
            acc = 0;
        }
    }
    size_t rem = chars % 4;
    if (rem == 1 || (pad && pad != 4 - rem) || (rem == 0 && pad))
        goto bad;
    if (rem == 2) {
        if (acc & 0xf)
            goto bad;
        buf[n++] = (uint8_t)(acc >> 4);
    } else if (rem == 3) {
        if (acc & 0x3)
            goto bad;
        buf[n++] = (uint8_t)(acc >> 10);
        buf[n++] = (uint8_t)(acc >> 2);
    }
    *out = buf;
    *outlen = n;
    return 0;
bad:
    free(buf);
    return -1;
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_BYTES])
{
    unsigned int mdlen = 0;
    EVP_Digest(len ? data : "", len, out, &mdlen, EVP_sha256(), NULL);
}

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX + 1])
{
    uint8_t md[SHA256_BYTES];
    sha256(data, len, md);
    hex_encode(md, sizeof md, out);
}

int equal_constant_time(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= x[i] ^ y[i];
    return diff == 0;
}

void hmac_sha256(const uint8_t *key, size_t keylen, const void *data, size_t len, uint8_t out[SHA256_BYTES])
{
    unsigned int mdlen = SHA256_BYTES;
    HMAC(EVP_sha256(), key, (int)keylen, len ? data : (const void *)"", len, out, &mdlen);
}
