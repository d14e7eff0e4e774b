// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for record.c (RFC 8446 §5, RFC 8449): header checks for each
 * content type and length bound, fragmentation at 2^14 and at a peer's
 * record_size_limit, protection round trips for every suite, padding
 * removal, the TLSInnerPlaintext limits, and tampered records. Two rules
 * that §5.4 puts on a record's content after decryption are driven
 * through the engine's input path, where the content is dispatched.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msgtest.h"
#include "record.h"

#define REC_CAP (KTLS_RECORD_HEADER + KTLS_MAX_CIPHERTEXT + 64)

static const uint16_t suites[] = {
	KTLS_AES_128_GCM_SHA256,
	KTLS_AES_256_GCM_SHA384,
	KTLS_CHACHA20_POLY1305_SHA256,
	KTLS_AES_128_CCM_SHA256,
};

static struct ktls_config cfg_w, cfg_r;

/* A writer (client) and a reader (server) sharing one traffic secret. */
struct pair {
	struct ktls_conn *w, *r;
};

static void pair_new(struct pair *p, uint16_t suite, bool keys)
{
	uint8_t secret[KC_MAX_HASH];

	ktls_config_init(&cfg_w);
	ktls_config_init(&cfg_r);
	p->w = mt_conn(&cfg_w, KTLS_ROLE_CLIENT);
	p->r = mt_conn(&cfg_r, KTLS_ROLE_SERVER);
	if (!keys)
		return;
	p->w->suite = p->r->suite = suite;
	p->w->hash = p->r->hash = kc_suite_hash(suite);
	mt_fill(secret, sizeof(secret), (uint8_t)suite);
	ck_assert_int_eq(kconn_set_write_key(p->w, secret), 0);
	ck_assert_int_eq(kconn_set_read_key(p->r, secret), 0);
	ck_assert(p->w->wr_protected);
	ck_assert(p->r->rd_protected);
}

static void pair_free(struct pair *p)
{
	ktls_conn_free(p->w);
	ktls_conn_free(p->r);
}

static void hdr(uint8_t *h, uint8_t type, size_t len)
{
	h[0] = type;
	h[1] = 0x03;
	h[2] = 0x03;
	h[3] = (uint8_t)(len >> 8);
	h[4] = (uint8_t)len;
}

static int check_hdr(const struct ktls_conn *c, uint8_t type, size_t len,
		     size_t *body)
{
	uint8_t h[5];

	hdr(h, type, len);
	*body = (size_t)-1;
	return krec_check_header(c, h, body);
}

/* The @idx-th record of @c's pending output. */
static const uint8_t *out_record(struct ktls_conn *c, size_t idx, size_t *len)
{
	size_t n, off = 0, i;
	const uint8_t *p = ktls_output(c, &n);

	for (i = 0;; i++) {
		size_t rl;

		ck_assert_uint_ge(n - off, KTLS_RECORD_HEADER);
		rl = KTLS_RECORD_HEADER + (((size_t)p[off + 3] << 8) | p[off + 4]);
		ck_assert_uint_ge(n - off, rl);
		if (i == idx) {
			*len = rl;
			return p + off;
		}
		off += rl;
	}
}

static size_t out_count(struct ktls_conn *c)
{
	size_t n, off = 0, i = 0;
	const uint8_t *p = ktls_output(c, &n);

	while (off < n) {
		off += KTLS_RECORD_HEADER + (((size_t)p[off + 3] << 8) | p[off + 4]);
		i++;
	}
	ck_assert_uint_eq(off, n);
	return i;
}

static void out_clear(struct ktls_conn *c)
{
	size_t n;

	ktls_output(c, &n);
	ktls_output_ack(c, n);
}

/* Put a whole record into @r's input and open it. */
static int open_rec(struct ktls_conn *r, const uint8_t *rec, size_t len,
		    uint8_t *type, uint8_t **plain, size_t *plain_len)
{
	ck_assert_uint_le(len, sizeof(r->in));
	memcpy(r->in, rec, len);
	r->in_have = len;
	return krec_unprotect(r, type, plain, plain_len);
}

/* Header check, then open: the reader's full path for one record. */
static int read_rec(struct ktls_conn *r, const uint8_t *rec, size_t len,
		    uint8_t *type, uint8_t **plain, size_t *plain_len)
{
	size_t body;
	int ret = krec_check_header(r, rec, &body);

	if (ret)
		return ret;
	ck_assert_uint_eq(KTLS_RECORD_HEADER + body, len);
	return open_rec(r, rec, len, type, plain, plain_len);
}

/* Seal @inner (content, type, padding) with the writer's key by hand. */
static size_t seal_inner(struct ktls_conn *w, const uint8_t *inner, size_t n,
			 uint8_t *rec)
{
	hdr(rec, KTLS_CT_APPLICATION_DATA, n + KC_TAG_LEN);
	memcpy(rec + KTLS_RECORD_HEADER, inner, n);
	ck_assert_int_eq(kconn_aead_ready(w, &w->wr), 0);
	ck_assert_int_eq(kc_aead_seal(&w->wr, rec, KTLS_RECORD_HEADER,
				      rec + KTLS_RECORD_HEADER, n,
				      rec + KTLS_RECORD_HEADER), 0);
	return KTLS_RECORD_HEADER + n + KC_TAG_LEN;
}

/* content[@clen] (pattern), @type, @pad zeros. */
static size_t make_inner(uint8_t *inner, size_t clen, uint8_t type, size_t pad)
{
	mt_fill(inner, clen, 0x41);
	inner[clen] = type;
	memset(inner + clen + 1, 0, pad);
	return clen + 1 + pad;
}

/* What the reader made of one record. */
struct opened {
	uint8_t type;
	uint8_t *plain;
	size_t len;
};

/*
 * Seal make_inner(@clen, @type, @pad) with @p's writer and read it with
 * @p's reader (read_rec()): the reader's answer, and the record in @o.
 */
static int seal_and_read(struct pair *p, size_t clen, uint8_t type, size_t pad,
			 struct opened *o)
{
	static uint8_t inner[KTLS_MAX_PLAINTEXT + 300], rec[REC_CAP];
	size_t n, len;

	ck_assert_uint_le(clen + 1 + pad, sizeof(inner));
	n = make_inner(inner, clen, type, pad);
	len = seal_inner(p->w, inner, n, rec);
	return read_rec(p->r, rec, len, &o->type, &o->plain, &o->len);
}

START_TEST(test_record_header_handshake_and_alert)
{
	static const uint8_t types[] = { KTLS_CT_HANDSHAKE, KTLS_CT_ALERT };
	struct pair p;
	size_t i, body;
	int ret;

	pair_new(&p, 0, false);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(check_hdr(p.r, types[i], 2, &body), 0);
		ck_assert_uint_eq(body, 2);
		/*
		 * §5.1: no zero-length handshake or alert fragments. The RFC
		 * names no alert for the plaintext case; it must fail with one.
		 */
		ret = check_hdr(p.r, types[i], 0, &body);
		ck_assert_msg(KTLS_E_IS_LOCAL_ALERT(ret), "empty type %u: %d", types[i], ret);
	}
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_HANDSHAKE, 1, &body), 0);
	ck_assert_uint_eq(body, 1);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_HANDSHAKE, KTLS_MAX_PLAINTEXT, &body), 0);
	ck_assert_uint_eq(body, KTLS_MAX_PLAINTEXT);
	/*
	 * §5.1: "The length MUST NOT exceed 2^14 bytes. An endpoint that
	 * receives a record that exceeds this length MUST terminate the
	 * connection with a record_overflow alert."
	 */
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_HANDSHAKE, KTLS_MAX_PLAINTEXT + 1, &body),
			 KTLS_E_ALERT_record_overflow);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_HANDSHAKE, 0xffff, &body),
			 KTLS_E_ALERT_record_overflow);
	/* §5.1: an alert record holds exactly one two-byte alert. */
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_ALERT, 1, &body), KTLS_E_ALERT_decode_error);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_ALERT, 3, &body), KTLS_E_ALERT_decode_error);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_ALERT, 4, &body), KTLS_E_ALERT_decode_error);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_header_oversized_alert)
{
	struct pair p;
	size_t body;

	/*
	 * §5.1: a plaintext record over 2^14 bytes is record_overflow,
	 * whatever its type; the record limit comes before the shape of
	 * the alert inside it.
	 */
	pair_new(&p, 0, false);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_ALERT, KTLS_MAX_PLAINTEXT + 1, &body),
			 KTLS_E_ALERT_record_overflow);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_ALERT, 0xffff, &body),
			 KTLS_E_ALERT_record_overflow);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_header_change_cipher_spec)
{
	struct pair p;
	size_t body;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	/* §5: the compatibility CCS is one byte, in plaintext, even after keys. */
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_CHANGE_CIPHER_SPEC, 1, &body), 0);
	ck_assert_uint_eq(body, 1);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_CHANGE_CIPHER_SPEC, 0, &body),
			 KTLS_E_ALERT_unexpected_message);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_CHANGE_CIPHER_SPEC, 2, &body),
			 KTLS_E_ALERT_unexpected_message);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_CHANGE_CIPHER_SPEC, KTLS_MAX_PLAINTEXT, &body),
			 KTLS_E_ALERT_unexpected_message);
	p.r->rd_protected = false;
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_CHANGE_CIPHER_SPEC, 1, &body), 0);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_CHANGE_CIPHER_SPEC, 2, &body),
			 KTLS_E_ALERT_unexpected_message);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_header_application_data)
{
	struct pair p;
	size_t body, len;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	/* §5.2: at most 2^14 + 256 bytes of ciphertext. */
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_APPLICATION_DATA, KC_TAG_LEN + 1, &body), 0);
	ck_assert_uint_eq(body, KC_TAG_LEN + 1);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_APPLICATION_DATA, KTLS_MAX_CIPHERTEXT, &body), 0);
	ck_assert_uint_eq(body, KTLS_MAX_CIPHERTEXT);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_APPLICATION_DATA, KTLS_MAX_CIPHERTEXT + 1, &body),
			 KTLS_E_ALERT_record_overflow);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_APPLICATION_DATA, 0xffff, &body),
			 KTLS_E_ALERT_record_overflow);
	/* Too short to hold a tag and a content type: cannot authenticate. */
	for (len = 0; len <= KC_TAG_LEN; len++)
		ck_assert_int_eq(check_hdr(p.r, KTLS_CT_APPLICATION_DATA, len, &body),
				 KTLS_E_ALERT_bad_record_mac);
	/* Before any read key, application_data cannot be opened. */
	p.r->rd_protected = false;
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_APPLICATION_DATA, 100, &body),
			 KTLS_E_ALERT_unexpected_message);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_APPLICATION_DATA, KC_TAG_LEN + 1, &body),
			 KTLS_E_ALERT_unexpected_message);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_header_plaintext_after_keys)
{
	struct pair p;
	size_t body;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	/* §5.2: once keys are in use, handshake records are protected. */
	p.r->state = KSM_S_WAIT_FIN;
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_HANDSHAKE, 10, &body),
			 KTLS_E_ALERT_unexpected_message);
	/*
	 * A plaintext alert is taken during the handshake (a peer that
	 * could not read our ServerHello has no keys), never after it.
	 */
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_ALERT, 2, &body), 0);
	p.r->state = KSM_CONNECTED;
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_ALERT, 2, &body),
			 KTLS_E_ALERT_unexpected_message);
	ck_assert_int_eq(check_hdr(p.r, KTLS_CT_HANDSHAKE, 10, &body),
			 KTLS_E_ALERT_unexpected_message);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_header_unknown_type)
{
	static const uint8_t bad[] = { 0, 1, 19, 24, 25, 0x80, 0xff };
	struct pair p;
	size_t i, body;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	/* §5: an unknown content type is unexpected_message. */
	for (i = 0; i < sizeof(bad); i++) {
		p.r->rd_protected = true;
		ck_assert_int_eq(check_hdr(p.r, bad[i], 20, &body),
				 KTLS_E_ALERT_unexpected_message);
		p.r->rd_protected = false;
		ck_assert_int_eq(check_hdr(p.r, bad[i], 20, &body),
				 KTLS_E_ALERT_unexpected_message);
	}
	pair_free(&p);
}
END_TEST

START_TEST(test_record_header_ignores_legacy_version)
{
	static const uint16_t versions[] = { 0x0301, 0x0303, 0x0000, 0xffff };
	struct pair p;
	uint8_t h[5];
	size_t i, body;

	pair_new(&p, 0, false);
	/* §5.1: legacy_record_version MUST be ignored. */
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		hdr(h, KTLS_CT_HANDSHAKE, 100);
		h[1] = (uint8_t)(versions[i] >> 8);
		h[2] = (uint8_t)versions[i];
		ck_assert_int_eq(krec_check_header(p.r, h, &body), 0);
		ck_assert_uint_eq(body, 100);
	}
	pair_free(&p);
}
END_TEST

START_TEST(test_record_write_plaintext_fragments)
{
	static uint8_t data[2 * KTLS_MAX_PLAINTEXT + 100];
	static const size_t sizes[] = { 1, KTLS_MAX_PLAINTEXT, KTLS_MAX_PLAINTEXT + 1,
					2 * KTLS_MAX_PLAINTEXT + 100 };
	struct pair p;
	size_t s, i, n, len, off;
	const uint8_t *rec;

	pair_new(&p, 0, false);
	mt_fill(data, sizeof(data), 0x07);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t total = sizes[s];

		ck_assert_int_eq(krec_write(p.w, KTLS_CT_HANDSHAKE, data, total), 0);
		n = out_count(p.w);
		ck_assert_uint_eq(n, (total + KTLS_MAX_PLAINTEXT - 1) / KTLS_MAX_PLAINTEXT);
		for (i = 0, off = 0; i < n; i++) {
			size_t want = total - off < KTLS_MAX_PLAINTEXT ? total - off
								       : KTLS_MAX_PLAINTEXT;

			rec = out_record(p.w, i, &len);
			ck_assert_uint_eq(rec[0], KTLS_CT_HANDSHAKE);
			ck_assert_uint_eq(rec[1], 0x03);
			ck_assert_uint_eq(rec[2], 0x03);
			ck_assert_uint_eq(len, KTLS_RECORD_HEADER + want);
			ck_assert_mem_eq(rec + KTLS_RECORD_HEADER, data + off, want);
			off += want;
		}
		ck_assert_uint_eq(off, total);
		out_clear(p.w);
	}
	/* An empty handshake record is never written (§5.1). */
	ck_assert_int_eq(krec_write(p.w, KTLS_CT_HANDSHAKE, data, 0), KTLS_E_INTERNAL);
	ck_assert_int_eq(krec_write(p.w, KTLS_CT_ALERT, data, 0), KTLS_E_INTERNAL);
	ck_assert_uint_eq(out_count(p.w), 0);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_write_output_full)
{
	static uint8_t data[KTLS_OUT_CAP];
	struct pair p;

	pair_new(&p, 0, false);
	ck_assert_int_eq(krec_write(p.w, KTLS_CT_HANDSHAKE, data, sizeof(data)),
			 KTLS_E_BUFFER);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_max_fragment)
{
	struct pair p;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	ck_assert_uint_eq(krec_max_fragment(p.w), KTLS_MAX_PLAINTEXT);
	/* RFC 8449 §4: in 1.3 the limit counts the inner content type. */
	p.w->peer_rsl = 100;
	ck_assert_uint_eq(krec_max_fragment(p.w), 99);
	p.w->peer_rsl = 64;
	ck_assert_uint_eq(krec_max_fragment(p.w), 63);
	p.w->peer_rsl = KTLS_MAX_PLAINTEXT + 1;
	ck_assert_uint_eq(krec_max_fragment(p.w), KTLS_MAX_PLAINTEXT);
	p.w->peer_rsl = 0xffff;
	ck_assert_uint_eq(krec_max_fragment(p.w), KTLS_MAX_PLAINTEXT);
	/* ... and protected records only. */
	p.w->peer_rsl = 100;
	p.w->wr_protected = false;
	ck_assert_uint_eq(krec_max_fragment(p.w), KTLS_MAX_PLAINTEXT);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_write_peer_record_size_limit)
{
	static uint8_t data[1000];
	struct pair p;
	size_t i, n, len, off = 0;
	const uint8_t *rec;
	uint8_t type, *plain;
	size_t plain_len;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	mt_fill(data, sizeof(data), 0x21);
	p.w->peer_rsl = 100;
	ck_assert_int_eq(krec_write(p.w, KTLS_CT_APPLICATION_DATA, data, 250), 0);
	n = out_count(p.w);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++) {
		size_t want = i < 2 ? 99 : 52;

		rec = out_record(p.w, i, &len);
		ck_assert_uint_eq(rec[0], KTLS_CT_APPLICATION_DATA);
		/* inner plaintext (content + type) <= 100 */
		ck_assert_uint_eq(len, KTLS_RECORD_HEADER + want + 1 + KC_TAG_LEN);
		ck_assert_int_eq(read_rec(p.r, rec, len, &type, &plain, &plain_len), 0);
		ck_assert_uint_eq(type, KTLS_CT_APPLICATION_DATA);
		ck_assert_uint_eq(plain_len, want);
		ck_assert_mem_eq(plain, data + off, want);
		off += want;
	}
	out_clear(p.w);

	/* Unprotected records are not subject to the limit (RFC 8449 §4). */
	p.w->wr_protected = false;
	ck_assert_int_eq(krec_write(p.w, KTLS_CT_HANDSHAKE, data, sizeof(data)), 0);
	ck_assert_uint_eq(out_count(p.w), 1);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_protect_round_trip)
{
	static uint8_t data[KTLS_MAX_PLAINTEXT + 10];
	static const struct {
		uint8_t type;
		size_t len;
	} msgs[] = {
		{ KTLS_CT_HANDSHAKE, 100 },
		{ KTLS_CT_ALERT, 2 },
		{ KTLS_CT_APPLICATION_DATA, 1000 },
		{ KTLS_CT_APPLICATION_DATA, 0 },
		{ KTLS_CT_HANDSHAKE, KTLS_MAX_PLAINTEXT },
		{ KTLS_CT_APPLICATION_DATA, 1 },
	};
	struct pair p;
	size_t s, i, len, body;
	const uint8_t *rec;
	uint8_t type, *plain;
	size_t plain_len;

	mt_fill(data, sizeof(data), 0x90);
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		pair_new(&p, suites[s], true);
		for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
			ck_assert_int_eq(krec_write(p.w, msgs[i].type, data, msgs[i].len), 0);
			ck_assert_uint_eq(out_count(p.w), 1);
			rec = out_record(p.w, 0, &len);
			/* §5.2: outer type application_data, version 0x0303. */
			ck_assert_uint_eq(rec[0], KTLS_CT_APPLICATION_DATA);
			ck_assert_uint_eq(rec[1], 0x03);
			ck_assert_uint_eq(rec[2], 0x03);
			ck_assert_uint_eq(len, KTLS_RECORD_HEADER + msgs[i].len + 1 + KC_TAG_LEN);
			ck_assert_int_eq(krec_check_header(p.r, rec, &body), 0);
			ck_assert_int_eq(open_rec(p.r, rec, len, &type, &plain, &plain_len), 0);
			ck_assert_uint_eq(type, msgs[i].type);
			ck_assert_uint_eq(plain_len, msgs[i].len);
			ck_assert_ptr_eq(plain, p.r->in + KTLS_RECORD_HEADER);
			ck_assert_mem_eq(plain, data, msgs[i].len);
			out_clear(p.w);
		}
		ck_assert_uint_eq(p.w->wr.seq, sizeof(msgs) / sizeof(msgs[0]));
		ck_assert_uint_eq(p.r->rd.seq, sizeof(msgs) / sizeof(msgs[0]));
		pair_free(&p);
	}
}
END_TEST

START_TEST(test_record_unprotect_plaintext)
{
	static const uint8_t rec[] = { 22, 3, 3, 0, 4, 1, 0, 0, 0 };
	struct pair p;
	uint8_t type, *plain;
	size_t plain_len;

	/* Before keys, a record's type and body are passed through. */
	pair_new(&p, 0, false);
	ck_assert_int_eq(open_rec(p.r, rec, sizeof(rec), &type, &plain, &plain_len), 0);
	ck_assert_uint_eq(type, KTLS_CT_HANDSHAKE);
	ck_assert_ptr_eq(plain, p.r->in + KTLS_RECORD_HEADER);
	ck_assert_uint_eq(plain_len, 4);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_padding_removed)
{
	static uint8_t inner[16], rec[REC_CAP];
	static const size_t pads[] = { 1, 2, 15, 200 };
	uint8_t content[30];
	struct opened o;
	struct pair p;
	size_t s, i, len;
	uint8_t type, *plain;
	size_t plain_len;

	mt_fill(content, sizeof(content), 0x41);	/* what make_inner() writes */
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		pair_new(&p, suites[s], true);
		for (i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
			/* §5.4: zeros after the type are padding. */
			ck_assert_int_eq(seal_and_read(&p, 30, KTLS_CT_HANDSHAKE, pads[i], &o), 0);
			ck_assert_uint_eq(o.type, KTLS_CT_HANDSHAKE);
			ck_assert_uint_eq(o.len, 30);
			ck_assert_mem_eq(o.plain, content, 30);
		}
		/* A padded empty application_data record (cover traffic). */
		ck_assert_int_eq(seal_and_read(&p, 0, KTLS_CT_APPLICATION_DATA, 64, &o), 0);
		ck_assert_uint_eq(o.type, KTLS_CT_APPLICATION_DATA);
		ck_assert_uint_eq(o.len, 0);
		/* Zeros inside the content stay: only trailing zeros are padding. */
		memset(inner, 0, 10);
		inner[10] = KTLS_CT_APPLICATION_DATA;
		memset(inner + 11, 0, 5);
		len = seal_inner(p.w, inner, 16, rec);
		ck_assert_int_eq(read_rec(p.r, rec, len, &type, &plain, &plain_len), 0);
		ck_assert_uint_eq(type, KTLS_CT_APPLICATION_DATA);
		ck_assert_uint_eq(plain_len, 10);
		pair_free(&p);
	}
}
END_TEST

START_TEST(test_record_all_zero_inner_plaintext)
{
	static uint8_t inner[300], rec[REC_CAP];
	static const size_t sizes[] = { 0, 1, 2, 17, 255 };
	struct pair p;
	size_t i, len;
	uint8_t type, *plain;
	size_t plain_len;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	memset(inner, 0, sizeof(inner));
	/* §5.4: no non-zero byte, no content type: unexpected_message. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		len = seal_inner(p.w, inner, sizes[i], rec);
		ck_assert_msg(open_rec(p.r, rec, len, &type, &plain, &plain_len) ==
			      KTLS_E_ALERT_unexpected_message, "%zu zeros", sizes[i]);
	}
	pair_free(&p);
}
END_TEST

START_TEST(test_record_tampered)
{
	static uint8_t inner[200], rec[REC_CAP], good[REC_CAP];
	struct pair p;
	size_t s, len, n, at;
	uint8_t type, *plain;
	size_t plain_len;

	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		pair_new(&p, suites[s], true);
		n = make_inner(inner, 100, KTLS_CT_HANDSHAKE, 0);
		len = seal_inner(p.w, inner, n, good);
		/* A flipped bit anywhere: header (AAD), ciphertext, tag. */
		for (at = 0; at < len; at++) {
			if (at == 0 || at == 3 || at == 4)
				continue;	/* type and length are checked first */
			memcpy(rec, good, len);
			rec[at] ^= 0x01;
			ck_assert_msg(open_rec(p.r, rec, len, &type, &plain, &plain_len) ==
				      KTLS_E_ALERT_bad_record_mac,
				      "suite %#x, bit flipped at %zu", suites[s], at);
		}
		/* The record is still good for the right sequence number ... */
		ck_assert_int_eq(open_rec(p.r, good, len, &type, &plain, &plain_len), 0);
		ck_assert_uint_eq(plain_len, 100);
		/* ... and only once: a replay is read with the next nonce. */
		ck_assert_int_eq(open_rec(p.r, good, len, &type, &plain, &plain_len),
				 KTLS_E_ALERT_bad_record_mac);
		/* A truncated tag. */
		len = seal_inner(p.w, inner, n, good);
		memcpy(rec, good, len);
		hdr(rec, KTLS_CT_APPLICATION_DATA, len - KTLS_RECORD_HEADER - 1);
		ck_assert_int_eq(open_rec(p.r, rec, len - 1, &type, &plain, &plain_len),
				 KTLS_E_ALERT_bad_record_mac);
		pair_free(&p);
	}
}
END_TEST

START_TEST(test_record_wrong_key)
{
	static uint8_t inner[64], rec[REC_CAP];
	uint8_t secret[KC_MAX_HASH];
	struct pair p;
	size_t len, n;
	uint8_t type, *plain;
	size_t plain_len;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	memset(secret, 0x55, sizeof(secret));
	ck_assert_int_eq(kconn_set_read_key(p.r, secret), 0);
	n = make_inner(inner, 20, KTLS_CT_HANDSHAKE, 0);
	len = seal_inner(p.w, inner, n, rec);
	ck_assert_int_eq(open_rec(p.r, rec, len, &type, &plain, &plain_len),
			 KTLS_E_ALERT_bad_record_mac);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_inner_plaintext_limit)
{
	struct opened o;
	struct pair p;

	pair_new(&p, KTLS_AES_256_GCM_SHA384, true);
	/* 2^14 bytes of content plus the type: the largest record. */
	ck_assert_int_eq(seal_and_read(&p, KTLS_MAX_PLAINTEXT, KTLS_CT_APPLICATION_DATA, 0, &o), 0);
	ck_assert_uint_eq(o.len, KTLS_MAX_PLAINTEXT);
	/* One byte of content more: record_overflow (§5.2, §6.2). */
	ck_assert_int_eq(seal_and_read(&p, KTLS_MAX_PLAINTEXT + 1, KTLS_CT_APPLICATION_DATA, 0, &o),
			 KTLS_E_ALERT_record_overflow);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_inner_plaintext_limit_counts_padding)
{
	struct opened o;
	struct pair p;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	/*
	 * §5.4: "The presence of padding does not change the overall record
	 * size limitations: the full encoded TLSInnerPlaintext MUST NOT
	 * exceed 2^14 + 1 octets." Within the 2^14 + 256 ciphertext bound,
	 * so only a check after decryption catches these.
	 */
	ck_assert_int_eq(seal_and_read(&p, KTLS_MAX_PLAINTEXT, KTLS_CT_APPLICATION_DATA, 1, &o),
			 KTLS_E_ALERT_record_overflow);
	ck_assert_int_eq(seal_and_read(&p, 16000, KTLS_CT_APPLICATION_DATA, 500, &o),
			 KTLS_E_ALERT_record_overflow);
	pair_free(&p);
}
END_TEST

START_TEST(test_record_own_record_size_limit_enforced)
{
	struct opened o;
	struct pair p;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	/*
	 * The reader advertised record_size_limit 256 and the peer sent one
	 * too, so the limit is in force. RFC 8449 §4: "A TLS endpoint that
	 * receives a record larger than its advertised limit MUST generate
	 * a fatal record_overflow alert"; in 1.3 the limit covers the
	 * whole TLSInnerPlaintext (content, type, padding).
	 */
	cfg_r.record_size_limit = 256;
	p.r->peer_rsl = 512;
	ck_assert_int_eq(seal_and_read(&p, 255, KTLS_CT_APPLICATION_DATA, 0, &o), 0);
	ck_assert_uint_eq(o.len, 255);
	ck_assert_int_eq(seal_and_read(&p, 256, KTLS_CT_APPLICATION_DATA, 0, &o),
			 KTLS_E_ALERT_record_overflow);
	pair_free(&p);

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	cfg_r.record_size_limit = 256;
	p.r->peer_rsl = 512;
	ck_assert_int_eq(seal_and_read(&p, 200, KTLS_CT_HANDSHAKE, 100, &o),
			 KTLS_E_ALERT_record_overflow);
	pair_free(&p);
}
END_TEST

/* Feed one sealed record to a client waiting for EncryptedExtensions. */
static int engine_input(const uint8_t *inner, size_t n)
{
	static uint8_t rec[REC_CAP];
	struct pair p;
	size_t len, used;
	int ret;

	pair_new(&p, KTLS_AES_128_GCM_SHA256, true);
	p.r->state = KSM_C_WAIT_EE;
	p.r->role = KTLS_ROLE_CLIENT;
	len = seal_inner(p.w, inner, n, rec);
	ret = ktls_input(p.r, rec, len, &used);
	pair_free(&p);
	return ret;
}

START_TEST(test_record_empty_handshake_content)
{
	static const uint8_t hs[] = { KTLS_CT_HANDSHAKE };
	static const uint8_t hs_pad[] = { KTLS_CT_HANDSHAKE, 0, 0, 0 };

	/*
	 * §5.4: "Implementations MUST NOT send Handshake and Alert records
	 * that have a zero-length TLSInnerPlaintext.content; if such a
	 * message is received, the receiving implementation MUST terminate
	 * the connection with an unexpected_message alert."
	 */
	ck_assert_int_eq(engine_input(hs, sizeof(hs)), KTLS_E_ALERT_unexpected_message);
	ck_assert_int_eq(engine_input(hs_pad, sizeof(hs_pad)),
			 KTLS_E_ALERT_unexpected_message);
}
END_TEST

START_TEST(test_record_empty_alert_content)
{
	static const uint8_t alert[] = { KTLS_CT_ALERT };
	static const uint8_t alert_pad[] = { KTLS_CT_ALERT, 0, 0 };
	static const uint8_t alert_short[] = { 2, KTLS_CT_ALERT };

	/* §5.4, as above, for alerts. */
	ck_assert_int_eq(engine_input(alert, sizeof(alert)), KTLS_E_ALERT_unexpected_message);
	ck_assert_int_eq(engine_input(alert_pad, sizeof(alert_pad)),
			 KTLS_E_ALERT_unexpected_message);
	/* A one-byte alert is malformed, not empty (§6). */
	ck_assert_int_eq(engine_input(alert_short, sizeof(alert_short)),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

static Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");

	tcase_add_test(tc, test_record_header_handshake_and_alert);
	tcase_add_test(tc, test_record_header_oversized_alert);
	tcase_add_test(tc, test_record_header_change_cipher_spec);
	tcase_add_test(tc, test_record_header_application_data);
	tcase_add_test(tc, test_record_header_plaintext_after_keys);
	tcase_add_test(tc, test_record_header_unknown_type);
	tcase_add_test(tc, test_record_header_ignores_legacy_version);
	tcase_add_test(tc, test_record_write_plaintext_fragments);
	tcase_add_test(tc, test_record_write_output_full);
	tcase_add_test(tc, test_record_max_fragment);
	tcase_add_test(tc, test_record_write_peer_record_size_limit);
	tcase_add_test(tc, test_record_protect_round_trip);
	tcase_add_test(tc, test_record_unprotect_plaintext);
	tcase_add_test(tc, test_record_padding_removed);
	tcase_add_test(tc, test_record_all_zero_inner_plaintext);
	tcase_add_test(tc, test_record_tampered);
	tcase_add_test(tc, test_record_wrong_key);
	tcase_add_test(tc, test_record_inner_plaintext_limit);
	tcase_add_test(tc, test_record_inner_plaintext_limit_counts_padding);
	tcase_add_test(tc, test_record_own_record_size_limit_enforced);
	tcase_add_test(tc, test_record_empty_handshake_content);
	tcase_add_test(tc, test_record_empty_alert_content);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(record_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
