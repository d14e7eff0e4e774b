// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Extension block parsing and the table of where each extension may
 * appear (RFC 8446 §4.2, RFC 8449 §4, RFC 7301 §3.1).
 */
#include <string.h>

#include <ktls/ktls.h>

#include "ext.h"

struct kext_rule {
	uint16_t type;
	unsigned int where;
};

static const struct kext_rule kext_rules[] = {
	{ KTLS_EXT_SERVER_NAME, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_MAX_FRAGMENT_LENGTH, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_STATUS_REQUEST, KEXT_CH | KEXT_CR | KEXT_CT },
	{ KTLS_EXT_SUPPORTED_GROUPS, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_SIGNATURE_ALGORITHMS, KEXT_CH | KEXT_CR },
	{ KTLS_EXT_USE_SRTP, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_HEARTBEAT, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_ALPN, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_SCT, KEXT_CH | KEXT_CR | KEXT_CT },
	{ KTLS_EXT_CLIENT_CERT_TYPE, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_SERVER_CERT_TYPE, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_PADDING, KEXT_CH },
	{ KTLS_EXT_RECORD_SIZE_LIMIT, KEXT_CH | KEXT_EE },
	{ KTLS_EXT_PRE_SHARED_KEY, KEXT_CH | KEXT_SH },
	{ KTLS_EXT_EARLY_DATA, KEXT_CH | KEXT_EE | KEXT_NST },
	{ KTLS_EXT_SUPPORTED_VERSIONS, KEXT_CH | KEXT_SH | KEXT_HRR },
	{ KTLS_EXT_COOKIE, KEXT_CH | KEXT_HRR },
	{ KTLS_EXT_PSK_KEY_EXCHANGE_MODES, KEXT_CH },
	{ KTLS_EXT_CERTIFICATE_AUTHORITIES, KEXT_CH | KEXT_CR },
	{ KTLS_EXT_OID_FILTERS, KEXT_CR },
	{ KTLS_EXT_POST_HANDSHAKE_AUTH, KEXT_CH },
	{ KTLS_EXT_SIGNATURE_ALGORITHMS_CERT, KEXT_CH | KEXT_CR },
	{ KTLS_EXT_KEY_SHARE, KEXT_CH | KEXT_SH | KEXT_HRR },
};

static const struct kext_rule *kext_rule(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(kext_rules) / sizeof(kext_rules[0]); i++)
		if (kext_rules[i].type == type)
			return &kext_rules[i];
	return NULL;
}

bool kext_known(uint16_t type)
{
	return kext_rule(type) != NULL;
}

/* One bit per extension type: a duplicate costs O(1) to find. */
struct kext_seen {
	uint64_t w[65536 / 64];
};

static bool kext_seen_test_set(struct kext_seen *s, uint16_t type)
{
	uint64_t bit = (uint64_t)1 << (type % 64);
	bool was = s->w[type / 64] & bit;

	s->w[type / 64] |= bit;
	return was;
}

int kext_parse(struct kr *r, enum kext_msg msg, size_t min,
	       struct kext_list *out)
{
	struct kext_seen seen;
	struct kr block;
	size_t total = 0, psk_at = 0;
	bool psk = false;

	_Static_assert(sizeof(kext_rules) / sizeof(kext_rules[0]) <= KEXT_MAX,
		       "kext_list must hold one of each known extension");
	memset(out, 0, sizeof(*out));
	memset(&seen, 0, sizeof(seen));
	kr_open16(r, &block, min, 0xffff);
	while (kr_ok(&block) && kr_left(&block) > 0) {
		uint16_t type = kr_u16(&block);
		struct kr body;
		const struct kext_rule *rule;

		kr_open16(&block, &body, 0, 0xffff);
		if (!kr_ok(&block))
			break;
		/*
		 * §4.2: no more than one extension of the same type. Checked
		 * for unknown types as well: the rule names no exception.
		 */
		if (kext_seen_test_set(&seen, type))
			return KTLS_E_ALERT_illegal_parameter;
		if (type == KTLS_EXT_PRE_SHARED_KEY) {
			psk = true;
			psk_at = total;
		}
		total++;
		rule = kext_rule(type);
		if (!rule) {
			/* §4.1.2: unknown extensions are ignored (by servers). */
			if (!out->n_unknown++)
				out->first_unknown = type;
			kr_skip(&body, kr_left(&body));
			continue;
		}
		/* §4.2: a recognised extension in the wrong message. */
		if (!(rule->where & msg))
			return KTLS_E_ALERT_illegal_parameter;
		/* Unreachable: known types are fewer than KEXT_MAX and unique. */
		if (out->n == KEXT_MAX)
			return KTLS_E_ALERT_internal_error;
		out->e[out->n].type = type;
		out->e[out->n].len = (uint16_t)kr_left(&body);
		out->e[out->n].body = kr_bytes(&body, kr_left(&body));
		out->n++;
	}
	kr_close(r, &block);
	if (!kr_ok(r))
		return KTLS_E_ALERT_decode_error;
	/* §4.2.11: pre_shared_key MUST be the last extension in a CH. */
	if (msg == KEXT_CH && psk && psk_at + 1 != total)
		return KTLS_E_ALERT_illegal_parameter;
	return 0;
}

const struct kext *kext_find(const struct kext_list *l, uint16_t type,
			     struct kr *body)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->e[i].type != type)
			continue;
		if (body)
			kr_init(body, l->e[i].body, l->e[i].len);
		return &l->e[i];
	}
	return NULL;
}
