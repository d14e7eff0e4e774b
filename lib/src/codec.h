/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one bounded reader and writer every parser and builder uses.
 *
 * Reader: a cursor and an end. Reading past the end sets a sticky error
 * and yields zeros, so a parser reads its fields in a row, like the RFC's
 * struct, and checks kr_ok() once. kr_open8/16/24 open a length-prefixed
 * vector as a sub-reader; kr_close() checks the sub-reader was used to the
 * last byte and folds its error into the parent.
 *
 * Writer: fixed capacity; kw_open8/16/24 reserve a length prefix and
 * kw_close fills it in. Overflow is sticky too.
 */
#ifndef KTLS_CODEC_H
#define KTLS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kr {
	const uint8_t *p;
	const uint8_t *end;
	bool err;
};

static inline void kr_init(struct kr *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->end = p + len;
	r->err = false;
}

static inline size_t kr_left(const struct kr *r)
{
	return r->err ? 0 : (size_t)(r->end - r->p);
}

static inline bool kr_ok(const struct kr *r)
{
	return !r->err;
}

/* True when the reader is error-free and fully consumed. */
static inline bool kr_done(const struct kr *r)
{
	return !r->err && r->p == r->end;
}

uint8_t kr_u8(struct kr *r);
uint16_t kr_u16(struct kr *r);
uint32_t kr_u24(struct kr *r);
uint32_t kr_u32(struct kr *r);
uint64_t kr_u64(struct kr *r);
/* Borrow @len bytes; NULL (and sticky error) if they are not there. */
const uint8_t *kr_bytes(struct kr *r, size_t len);
/* Copy @len bytes into @out (zeros on error). */
void kr_copy(struct kr *r, void *out, size_t len);
/* Skip @len bytes. */
void kr_skip(struct kr *r, size_t len);
/*
 * Open a vector with a 1/2/3-byte length prefix into @sub. @min and @max
 * bound its length (RFC 8446's <min..max> notation); a length outside
 * them sets the error on both readers.
 */
void kr_open8(struct kr *r, struct kr *sub, size_t min, size_t max);
void kr_open16(struct kr *r, struct kr *sub, size_t min, size_t max);
void kr_open24(struct kr *r, struct kr *sub, size_t min, size_t max);
/* Close @sub: it must be used to the end; its error sticks to @r. */
void kr_close(struct kr *r, struct kr *sub);
/* Flag an error found by the parser itself (bad value). */
static inline void kr_fail(struct kr *r)
{
	r->err = true;
}

struct kw {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool err;
};

/* A reserved length prefix, filled in by kw_close(). */
struct kw_mark {
	size_t at;
	unsigned int width;
};

static inline void kw_init(struct kw *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = false;
}

static inline bool kw_ok(const struct kw *w)
{
	return !w->err;
}

static inline size_t kw_room(const struct kw *w)
{
	return w->err ? 0 : w->cap - w->len;
}

void kw_u8(struct kw *w, uint8_t v);
void kw_u16(struct kw *w, uint16_t v);
void kw_u24(struct kw *w, uint32_t v);
void kw_u32(struct kw *w, uint32_t v);
void kw_u64(struct kw *w, uint64_t v);
void kw_bytes(struct kw *w, const void *p, size_t len);
void kw_zeros(struct kw *w, size_t len);
/* Reserve @len bytes and return where to write them (NULL on overflow). */
uint8_t *kw_reserve(struct kw *w, size_t len);
struct kw_mark kw_open8(struct kw *w);
struct kw_mark kw_open16(struct kw *w);
struct kw_mark kw_open24(struct kw *w);
/* Fill the length prefix; a body too long for the prefix is an error. */
void kw_close(struct kw *w, struct kw_mark m);

#endif /* KTLS_CODEC_H */
