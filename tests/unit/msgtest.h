/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the message, extension and record tests: writing
 * messages and extensions by hand with the codec's writer, running a
 * parser on an exact-size heap copy (so a read past the end is a real
 * overread that ASan or valgrind reports), and the negative loops every
 * parser gets (each truncation point, trailing bytes).
 */
#ifndef KTLS_MSGTEST_H
#define KTLS_MSGTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "conn.h"

#define MT_CAP 16384	/* room for any message the tests write by hand */
#define MT_NONE ((size_t)-1)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A parser reduced to "bytes in, result out". */
typedef int (*mt_parse_fn)(const uint8_t *msg, size_t len);

/* Start a handshake message of @type in @buf; mt_msg_end() closes it. */
struct kw_mark mt_msg_begin(struct kw *w, uint8_t *buf, size_t cap,
			    uint8_t type);
/* Close the 24-bit length, assert the writer is fine, return the length. */
size_t mt_msg_end(struct kw *w, struct kw_mark m);

/* One extension: type, 16-bit length, body. */
void mt_ext(struct kw *w, uint16_t type, const void *body, size_t len);
/* An extension whose body is one u16. */
void mt_ext_u16(struct kw *w, uint16_t type, uint16_t v);

/*
 * mt_parse() - run @fn on the first @len bytes of @msg
 * The bytes are copied to a buffer of exactly @len bytes and the header's
 * 24-bit length is set to @len - 4, as the engine's reassembly hands a
 * message to the parser.
 */
int mt_parse(mt_parse_fn fn, const uint8_t *msg, size_t len);

/*
 * mt_check_truncations() - every shorter length of a valid message gives
 * decode_error, except the cut at @except_at (MT_NONE for none), which
 * gives @except_ret.
 */
void mt_check_truncations(mt_parse_fn fn, const uint8_t *msg, size_t len,
			  size_t except_at, int except_ret);

/* One, then 7, extra bytes after a valid message: decode_error. */
void mt_check_trailing(mt_parse_fn fn, const uint8_t *msg, size_t len);

/* A message built around one extension @ext (an index or a type) with @body. */
typedef int (*mt_ext_parse_fn)(int ext, const void *body, size_t len);

/* An extension body and the answer the parser must give for it. */
struct mt_body {
	int ext;
	const char *body;
	size_t len;
	int ret;
};

/* mt_check_bodies() - each of the @n bodies in @tab gives its answer through @fn. */
void mt_check_bodies(mt_ext_parse_fn fn, const struct mt_body *tab, size_t n);

/*
 * mt_check_ext_types() - each of the @n extension types in @types, with
 * @body, gives @want through @fn; @msg names the message in a failure.
 */
void mt_check_ext_types(mt_ext_parse_fn fn, const uint16_t *types, size_t n,
			const void *body, size_t len, int want, const char *msg);

/* Whole extensions added to a valid message, and the parser's answer. */
struct mt_extra {
	const char *what;
	const char *bytes;
	size_t len;
	int ret;
};

/* A valid message with @len bytes of whole extensions @extra added, parsed. */
typedef int (*mt_extra_parse_fn)(const void *extra, size_t len);

/* mt_check_extras() - each of the @n rows in @tab gives its answer through @fn. */
void mt_check_extras(mt_extra_parse_fn fn, const struct mt_extra *tab, size_t n);

/* A connection with @cfg (ktls_config_init'ed by the caller). */
struct ktls_conn *mt_conn(const struct ktls_config *cfg, enum ktls_role role);

/* Fill @p with @len bytes of a pattern that starts at @seed. */
void mt_fill(uint8_t *p, size_t len, uint8_t seed);

#endif /* KTLS_MSGTEST_H */
