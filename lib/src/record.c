// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record framing and protection (RFC 8446 §5). Outgoing records are built
 * straight into the connection's output buffer and sealed in place;
 * incoming ones are opened in place in c->in.
 */
#include <string.h>

#include "codec.h"
#include "record.h"

size_t krec_max_fragment(const struct ktls_conn *c)
{
	size_t max = KTLS_MAX_PLAINTEXT;

	/*
	 * RFC 8449 §4: in TLS 1.3 the limit counts the inner content type,
	 * and it governs protected records only.
	 */
	if (c->wr_protected && c->peer_rsl && (size_t)c->peer_rsl - 1 < max)
		max = (size_t)c->peer_rsl - 1;
	return max;
}

/* Make room for @n more bytes at the end of the pending output. */
static uint8_t *out_reserve(struct ktls_conn *c, size_t n)
{
	if (c->out_start && c->out_start + c->out_len + n > sizeof(c->out)) {
		memmove(c->out, c->out + c->out_start, c->out_len);
		c->out_start = 0;
	}
	if (c->out_start + c->out_len + n > sizeof(c->out))
		return NULL;
	return c->out + c->out_start + c->out_len;
}

static int write_one(struct ktls_conn *c, uint8_t type, const uint8_t *data,
		     size_t len)
{
	size_t body = c->wr_protected ? len + 1 + KC_TAG_LEN : len;
	uint8_t *rec = out_reserve(c, KTLS_RECORD_HEADER + body);
	uint8_t *p;
	int ret;

	if (!rec)
		return KTLS_E_BUFFER;
	rec[0] = c->wr_protected ? KTLS_CT_APPLICATION_DATA : type;
	/* legacy_record_version: 0x0303, except 0x0301 is allowed for CH. */
	rec[1] = 0x03;
	rec[2] = 0x03;
	rec[3] = (uint8_t)(body >> 8);
	rec[4] = (uint8_t)body;
	p = rec + KTLS_RECORD_HEADER;
	memmove(p, data, len);
	if (c->wr_protected) {
		p[len] = type;
		ret = kconn_aead_ready(c, &c->wr);
		if (!ret)
			ret = kc_aead_seal(&c->wr, rec, KTLS_RECORD_HEADER, p, len + 1, p);
		if (ret) {
			kc_wipe(p, len + 1);
			return ret;
		}
	}
	c->out_len += KTLS_RECORD_HEADER + body;
	return 0;
}

int krec_write(struct ktls_conn *c, uint8_t type, const uint8_t *data,
	       size_t len)
{
	size_t max = krec_max_fragment(c);
	int ret;

	/* A zero-length record is only allowed for application data. */
	if (len == 0 && type != KTLS_CT_APPLICATION_DATA)
		return KTLS_E_INTERNAL;
	do {
		size_t n = len < max ? len : max;

		ret = write_one(c, type, data, n);
		if (ret)
			return ret;
		data += n;
		len -= n;
	} while (len);
	return 0;
}

int krec_check_header(const struct ktls_conn *c, const uint8_t *hdr,
		      size_t *body_len)
{
	uint8_t type = hdr[0];
	size_t len = ((size_t)hdr[3] << 8) | hdr[4];

	*body_len = len;
	switch (type) {
	case KTLS_CT_CHANGE_CIPHER_SPEC:
		if (len != 1)
			return KTLS_E_ALERT_unexpected_message;
		return 0;
	case KTLS_CT_ALERT:
		/*
		 * A peer that could not read our ServerHello has no keys
		 * and alerts in plaintext: take it during the handshake,
		 * so the caller learns the real reason.
		 */
		if (c->rd_protected && c->state == KSM_CONNECTED)
			return KTLS_E_ALERT_unexpected_message;
		if (len > KTLS_MAX_PLAINTEXT)
			return KTLS_E_ALERT_record_overflow;
		if (len != 2)
			return KTLS_E_ALERT_decode_error;
		return 0;
	case KTLS_CT_HANDSHAKE:
		/*
		 * RFC 8446 §5.2: once keys are in use every record is
		 * protected; a plaintext one is a protocol error.
		 */
		if (c->rd_protected)
			return KTLS_E_ALERT_unexpected_message;
		if (len > KTLS_MAX_PLAINTEXT)
			return KTLS_E_ALERT_record_overflow;
		if (len == 0)
			return KTLS_E_ALERT_decode_error;
		return 0;
	case KTLS_CT_APPLICATION_DATA:
		if (!c->rd_protected)
			return KTLS_E_ALERT_unexpected_message;
		/* §5.2: at most 2^14 + 256 bytes of ciphertext. */
		if (len > KTLS_MAX_CIPHERTEXT)
			return KTLS_E_ALERT_record_overflow;
		if (len < KC_TAG_LEN + 1)
			return KTLS_E_ALERT_bad_record_mac;
		return 0;
	default:
		return KTLS_E_ALERT_unexpected_message;
	}
}

int krec_unprotect(struct ktls_conn *c, uint8_t *type, uint8_t **plain,
		   size_t *plain_len)
{
	uint8_t *body = c->in + KTLS_RECORD_HEADER;
	size_t len = c->in_have - KTLS_RECORD_HEADER;
	int ret;

	if (c->in[0] != KTLS_CT_APPLICATION_DATA) {
		*type = c->in[0];
		*plain = body;
		*plain_len = len;
		return 0;
	}
	ret = kconn_aead_ready(c, &c->rd);
	if (!ret)
		ret = kc_aead_open(&c->rd, c->in, KTLS_RECORD_HEADER, body, len, body);
	if (ret)
		return ret;
	len -= KC_TAG_LEN;
	/*
	 * §5.4: the whole TLSInnerPlaintext (content, type, padding) is at
	 * most 2^14 + 1 bytes; RFC 8449 §4: and at most the limit we
	 * advertised, once both sides sent record_size_limit.
	 */
	if (len > KTLS_MAX_PLAINTEXT + 1)
		return KTLS_E_ALERT_record_overflow;
	if (c->cfg->record_size_limit && c->peer_rsl && len > c->cfg->record_size_limit)
		return KTLS_E_ALERT_record_overflow;
	/* Strip zero padding; the last non-zero byte is the type (§5.4). */
	while (len > 0 && body[len - 1] == 0)
		len--;
	if (len == 0)
		return KTLS_E_ALERT_unexpected_message;
	len--;
	*type = body[len];
	if (len > KTLS_MAX_PLAINTEXT)
		return KTLS_E_ALERT_record_overflow;
	*plain = body;
	*plain_len = len;
	return 0;
}
