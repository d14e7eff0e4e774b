// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounded reader and writer (see codec.h). The only place in libktls that
 * does arithmetic on raw input pointers.
 */
#include <string.h>

#include "codec.h"

static const uint8_t *kr_take(struct kr *r, size_t len)
{
	const uint8_t *p;

	if (r->err || (size_t)(r->end - r->p) < len) {
		r->err = true;
		return NULL;
	}
	p = r->p;
	r->p += len;
	return p;
}

static uint64_t kr_uint(struct kr *r, size_t width)
{
	const uint8_t *p = kr_take(r, width);
	uint64_t v = 0;
	size_t i;

	if (!p)
		return 0;
	for (i = 0; i < width; i++)
		v = (v << 8) | p[i];
	return v;
}

uint8_t kr_u8(struct kr *r)
{
	return (uint8_t)kr_uint(r, 1);
}

uint16_t kr_u16(struct kr *r)
{
	return (uint16_t)kr_uint(r, 2);
}

uint32_t kr_u24(struct kr *r)
{
	return (uint32_t)kr_uint(r, 3);
}

uint32_t kr_u32(struct kr *r)
{
	return (uint32_t)kr_uint(r, 4);
}

uint64_t kr_u64(struct kr *r)
{
	return kr_uint(r, 8);
}

const uint8_t *kr_bytes(struct kr *r, size_t len)
{
	return kr_take(r, len);
}

void kr_copy(struct kr *r, void *out, size_t len)
{
	const uint8_t *p = kr_take(r, len);

	if (p)
		memcpy(out, p, len);
	else
		memset(out, 0, len);
}

void kr_skip(struct kr *r, size_t len)
{
	kr_take(r, len);
}

static void kr_open(struct kr *r, struct kr *sub, size_t width, size_t min,
		    size_t max)
{
	size_t len = (size_t)kr_uint(r, width);
	const uint8_t *p;

	if (!r->err && (len < min || len > max))
		r->err = true;
	p = kr_take(r, len);
	if (!p) {
		sub->p = sub->end = r->end;
		sub->err = true;
		return;
	}
	sub->p = p;
	sub->end = p + len;
	sub->err = false;
}

void kr_open8(struct kr *r, struct kr *sub, size_t min, size_t max)
{
	kr_open(r, sub, 1, min, max);
}

void kr_open16(struct kr *r, struct kr *sub, size_t min, size_t max)
{
	kr_open(r, sub, 2, min, max);
}

void kr_open24(struct kr *r, struct kr *sub, size_t min, size_t max)
{
	kr_open(r, sub, 3, min, max);
}

void kr_close(struct kr *r, struct kr *sub)
{
	if (sub->err || sub->p != sub->end)
		r->err = true;
}

uint8_t *kw_reserve(struct kw *w, size_t len)
{
	uint8_t *p;

	if (w->err || w->cap - w->len < len) {
		w->err = true;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += len;
	return p;
}

static void kw_uint(struct kw *w, uint64_t v, size_t width)
{
	uint8_t *p = kw_reserve(w, width);
	size_t i;

	if (!p)
		return;
	for (i = width; i > 0; i--) {
		p[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

void kw_u8(struct kw *w, uint8_t v)
{
	kw_uint(w, v, 1);
}

void kw_u16(struct kw *w, uint16_t v)
{
	kw_uint(w, v, 2);
}

void kw_u24(struct kw *w, uint32_t v)
{
	kw_uint(w, v, 3);
}

void kw_u32(struct kw *w, uint32_t v)
{
	kw_uint(w, v, 4);
}

void kw_u64(struct kw *w, uint64_t v)
{
	kw_uint(w, v, 8);
}

void kw_bytes(struct kw *w, const void *src, size_t len)
{
	uint8_t *p = kw_reserve(w, len);

	if (p && len)
		memcpy(p, src, len);
}

void kw_zeros(struct kw *w, size_t len)
{
	uint8_t *p = kw_reserve(w, len);

	if (p)
		memset(p, 0, len);
}

static struct kw_mark kw_open(struct kw *w, unsigned int width)
{
	struct kw_mark m = { .at = w->len, .width = width };

	kw_zeros(w, width);
	return m;
}

struct kw_mark kw_open8(struct kw *w)
{
	return kw_open(w, 1);
}

struct kw_mark kw_open16(struct kw *w)
{
	return kw_open(w, 2);
}

struct kw_mark kw_open24(struct kw *w)
{
	return kw_open(w, 3);
}

void kw_close(struct kw *w, struct kw_mark m)
{
	size_t body, i;

	if (w->err)
		return;
	body = w->len - m.at - m.width;
	if (m.width < sizeof(size_t) && (body >> (8 * m.width)) != 0) {
		w->err = true;
		return;
	}
	for (i = m.width; i > 0; i--) {
		w->buf[m.at + i - 1] = (uint8_t)body;
		body >>= 8;
	}
}
