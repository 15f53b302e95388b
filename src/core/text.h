/* text.h - small byte and text helpers every layer shares. See text.c.
 * Each exists once: hex digits, RFC 9110 token characters, UTF-8
 * validation, strict base64, SHA-256, and constant-time comparison. */
#ifndef PASTED_CORE_TEXT_H
#define PASTED_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32
#define SHA256_HEX   64

/* The value of a hex digit (either case), or -1. */
int  hex_value(unsigned char c);
/* 2n lowercase hex digits of bytes[0..n) and a NUL into out. */
void hex_encode(const uint8_t *bytes, size_t n, char *out);

/* RFC 9110 tchar: what a method, a header name or a parameter name is made of.
 * A table: the request parser asks it for every byte of every header name. */
extern const unsigned char token_char_table[256];
static inline int is_token_char(unsigned char c) { return token_char_table[c]; }

/* Is s[0..len) well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF)? */
int  utf8_valid(const uint8_t *s, size_t len);

/* Strict base64 (RFC 4648, standard alphabet): ASCII whitespace anywhere is
 * skipped (base64(1) wraps its lines), '=' padding is optional but only at
 * the end and only as much as fits, and unused trailing bits must be zero.
 * 0 ok with *out malloc'd (free it); -1 not base64; -2 out of memory. */
int  base64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen);

void sha256(const void *data, size_t len, uint8_t out[SHA256_BYTES]);
/* SHA-256 of data as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX + 1]);
/* HMAC-SHA-256 of data under key (RFC 2104). */
void hmac_sha256(const uint8_t *key, size_t keylen, const void *data, size_t len, uint8_t out[SHA256_BYTES]);

/* Equal, in time that depends on the length only (secrets, token hashes). */
int  equal_constant_time(const void *a, const void *b, size_t len);

#endif
