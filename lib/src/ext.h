/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Extension blocks (RFC 8446 §4.2): one parser that splits a block into
 * (type, body) pairs and enforces the rules common to every message —
 * no duplicates, known extensions only in the messages that may carry
 * them, pre_shared_key last in a ClientHello.
 *
 * Only the extensions libktls knows are kept; there are few of them and
 * each may appear once, so the list has a fixed size and a block of any
 * length (a ClientHello with hundreds of unknown extensions, which a
 * server MUST ignore, §4.1.2) still fits. Unknown ones are counted, so a
 * client can still refuse one it never asked for (§4.2).
 */
#ifndef KTLS_EXT_H
#define KTLS_EXT_H

#include <ktls/error.h>

#include "codec.h"

#define KEXT_MAX 24	/* known extension types (kext_rules in ext.c) */

/* The messages an extension may appear in (RFC 8446 §4.2 table). */
enum kext_msg {
	KEXT_CH = 1 << 0,
	KEXT_SH = 1 << 1,
	KEXT_HRR = 1 << 2,
	KEXT_EE = 1 << 3,
	KEXT_CT = 1 << 4,
	KEXT_CR = 1 << 5,
	KEXT_NST = 1 << 6,
};

struct kext {
	uint16_t type;
	uint16_t len;
	const uint8_t *body;
};

struct kext_list {
	size_t n;		/* known extensions, in e[] in block order */
	size_t n_unknown;	/* unknown ones: checked, counted, skipped */
	uint16_t first_unknown;	/* the type of the first of them */
	struct kext e[KEXT_MAX];
};

/*
 * kext_parse() - read an extensions<..> vector from @r into @out
 * @msg: the message carrying the block
 * Every extension of the block is looked at, however many there are:
 * duplicates are found among all types, known or not (a bitmap over the
 * 2^16 types, so the cost is linear in the block), and pre_shared_key
 * must be last among all of them. Only known types are stored in @out.
 * Return: 0, KTLS_E_ALERT_decode_error (framing),
 * KTLS_E_ALERT_illegal_parameter (duplicate, known extension in the wrong
 * message, pre_shared_key not last).
 */
KTLS_MUST_CHECK int kext_parse(struct kr *r, enum kext_msg msg, size_t min,
			       struct kext_list *out);
/* Find @type; NULL if absent. Opens a reader on its body in @body. */
const struct kext *kext_find(const struct kext_list *l, uint16_t type,
			     struct kr *body);
/* Extensions in the block, known or not. */
static inline size_t kext_count(const struct kext_list *l)
{
	return l->n + l->n_unknown;
}
/* True when @type is one libktls knows (and so checks placement of). */
bool kext_known(uint16_t type);

#endif /* KTLS_EXT_H */
