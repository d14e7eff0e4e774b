// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pieces every message file uses: the 4-byte handshake header and lists of
 * 16-bit code points read straight from the message bytes.
 */
#include "msg.h"

bool klist16_has(const struct klist16 *l, uint16_t v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (klist16_at(l, i) == v)
			return true;
	return false;
}

size_t klist16_common(const struct klist16 *l, const uint16_t *ours,
		      size_t n_ours, uint16_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < n_ours; i++)
		if (klist16_has(l, ours[i]))
			out[n++] = ours[i];
	return n;
}

uint16_t klist16_at(const struct klist16 *l, size_t i)
{
	return (uint16_t)((l->p[2 * i] << 8) | l->p[2 * i + 1]);
}

void klist16_read(struct kr *r, struct klist16 *l, size_t min_bytes)
{
	struct kr sub;
	size_t len;

	kr_open16(r, &sub, min_bytes, 0xfffe);
	len = kr_left(&sub);
	if (len % 2)
		kr_fail(&sub);
	l->n = len / 2;
	l->p = kr_bytes(&sub, len);
	if (!l->p)
		l->n = 0;
	kr_close(r, &sub);
}

struct kw_mark kmsg_begin(struct kw *w, uint8_t type)
{
	kw_u8(w, type);
	return kw_open24(w);
}

void kmsg_end(struct kw *w, struct kw_mark m)
{
	kw_close(w, m);
}
