// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers shared by the message, extension and record tests (see
 * msgtest.h).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

struct kw_mark mt_msg_begin(struct kw *w, uint8_t *buf, size_t cap,
			    uint8_t type)
{
	kw_init(w, buf, cap);
	kw_u8(w, type);
	return kw_open24(w);
}

size_t mt_msg_end(struct kw *w, struct kw_mark m)
{
	kw_close(w, m);
	ck_assert(kw_ok(w));
	return w->len;
}

void mt_ext(struct kw *w, uint16_t type, const void *body, size_t len)
{
	struct kw_mark m;

	kw_u16(w, type);
	m = kw_open16(w);
	kw_bytes(w, body, len);
	kw_close(w, m);
}

void mt_ext_u16(struct kw *w, uint16_t type, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	mt_ext(w, type, b, sizeof(b));
}

int mt_parse(mt_parse_fn fn, const uint8_t *msg, size_t len)
{
	uint8_t *copy;
	size_t body;
	int ret;

	ck_assert_uint_ge(len, KMSG_HEADER);
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, msg, len);
	body = len - KMSG_HEADER;
	copy[1] = (uint8_t)(body >> 16);
	copy[2] = (uint8_t)(body >> 8);
	copy[3] = (uint8_t)body;
	ret = fn(copy, len);
	free(copy);
	return ret;
}

void mt_check_truncations(mt_parse_fn fn, const uint8_t *msg, size_t len,
			  size_t except_at, int except_ret)
{
	size_t cut;

	for (cut = KMSG_HEADER; cut < len; cut++) {
		int want = cut == except_at ? except_ret
					    : KTLS_E_ALERT_decode_error;
		int got = mt_parse(fn, msg, cut);

		ck_assert_msg(got == want,
			      "cut at %zu of %zu: got %d (%s), want %d (%s)",
			      cut, len, got, ktls_strerror(got), want,
			      ktls_strerror(want));
	}
}

void mt_check_trailing(mt_parse_fn fn, const uint8_t *msg, size_t len)
{
	static const size_t extra[] = { 1, 7 };
	uint8_t *buf = malloc(len + 7);
	size_t i;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, msg, len);
	memset(buf + len, 0, 7);
	/* The message parses as it is ... */
	ck_assert_int_eq(mt_parse(fn, buf, len), 0);
	/* ... but not with bytes after its body. */
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		ck_assert_int_eq(mt_parse(fn, buf, len + extra[i]),
				 KTLS_E_ALERT_decode_error);
	free(buf);
}

void mt_check_bodies(mt_ext_parse_fn fn, const struct mt_body *tab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got = fn(tab[i].ext, tab[i].body, tab[i].len);

		ck_assert_msg(got == tab[i].ret, "case %zu, extension %d: got %d (%s), want %d (%s)",
			      i, tab[i].ext, got, ktls_strerror(got), tab[i].ret,
			      ktls_strerror(tab[i].ret));
	}
}

void mt_check_ext_types(mt_ext_parse_fn fn, const uint16_t *types, size_t n,
			const void *body, size_t len, int want, const char *msg)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got = fn(types[i], body, len);

		ck_assert_msg(got == want, "extension %#x in %s: got %d (%s), want %d (%s)",
			      types[i], msg, got, ktls_strerror(got), want,
			      ktls_strerror(want));
	}
}

void mt_check_extras(mt_extra_parse_fn fn, const struct mt_extra *tab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got = fn(tab[i].bytes, tab[i].len);

		ck_assert_msg(got == tab[i].ret, "%s: got %d (%s), want %d (%s)",
			      tab[i].what, got, ktls_strerror(got), tab[i].ret,
			      ktls_strerror(tab[i].ret));
	}
}

struct ktls_conn *mt_conn(const struct ktls_config *cfg, enum ktls_role role)
{
	struct ktls_conn *c = NULL;

	ck_assert_int_eq(ktls_conn_new(cfg, &ktls_default_ops, role, &c), 0);
	ck_assert_ptr_nonnull(c);
	return c;
}

void mt_fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i);
}
