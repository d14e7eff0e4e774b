/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Extension blocks (RFC 8446 §4.2): one parser that splits a block into
 * (type, body) pairs and enforces the rules common to every message —
 * no duplicates, known extensions only in the messages that may carry
 * them, pre_shared_key last in a ClientHello.
 */
#ifndef KTLS_EXT_H
#define KTLS_EXT_H

#include <ktls/error.h>

#include "codec.h"

#define KEXT_MAX 64	/* extensions in one block */

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
	size_t n;
	struct kext e[KEXT_MAX];
};

/*
 * kext_parse() - read an extensions<..> vector from @r into @out
 * @msg: the message carrying the block
 * Return: 0, KTLS_E_ALERT_decode_error (framing, too many),
 * KTLS_E_ALERT_illegal_parameter (duplicate, known extension in the wrong
 * message, pre_shared_key not last).
 */
KTLS_MUST_CHECK int kext_parse(struct kr *r, enum kext_msg msg, size_t min,
			       struct kext_list *out);
/* Find @type; NULL if absent. Opens a reader on its body in @body. */
const struct kext *kext_find(const struct kext_list *l, uint16_t type,
			     struct kr *body);
/* True when @type is one libktls knows (and so checks placement of). */
bool kext_known(uint16_t type);

#endif /* KTLS_EXT_H */
