// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for msg_client_hello.c: the server's ClientHello parser on a
 * hand-written hello that carries every extension it decodes, each
 * truncation point, trailing bytes, vectors out of range, the RFC 8446
 * §4.1.2 and §4.2 rules (null compression only, no duplicate extensions,
 * pre_shared_key last, one binder per identity), and the client's builder
 * parsed back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"

#define EXT_UNKNOWN 0xfafa

/* The extensions of the standard hello, in the order they are written. */
enum {
	E_SNI,
	E_VERSIONS,
	E_GROUPS,
	E_SIGALGS,
	E_SIGALGS_CERT,
	E_KEY_SHARE,
	E_ALPN,
	E_RSL,
	E_COOKIE,
	E_EARLY,
	E_UNKNOWN,
	E_PSK_MODES,
	E_PSK,
	E_COUNT
};

static const uint16_t ext_type[E_COUNT] = {
	[E_SNI] = KTLS_EXT_SERVER_NAME,
	[E_VERSIONS] = KTLS_EXT_SUPPORTED_VERSIONS,
	[E_GROUPS] = KTLS_EXT_SUPPORTED_GROUPS,
	[E_SIGALGS] = KTLS_EXT_SIGNATURE_ALGORITHMS,
	[E_SIGALGS_CERT] = KTLS_EXT_SIGNATURE_ALGORITHMS_CERT,
	[E_KEY_SHARE] = KTLS_EXT_KEY_SHARE,
	[E_ALPN] = KTLS_EXT_ALPN,
	[E_RSL] = KTLS_EXT_RECORD_SIZE_LIMIT,
	[E_COOKIE] = KTLS_EXT_COOKIE,
	[E_EARLY] = KTLS_EXT_EARLY_DATA,
	[E_UNKNOWN] = EXT_UNKNOWN,
	[E_PSK_MODES] = KTLS_EXT_PSK_KEY_EXCHANGE_MODES,
	[E_PSK] = KTLS_EXT_PRE_SHARED_KEY,
};

static const uint8_t std_suites[] = { 0x13, 0x01, 0x13, 0x02, 0x13, 0x03 };
static const uint8_t std_comp[] = { 0 };

/* How to bend the standard hello; zero fields mean "as standard". */
struct ch_spec {
	size_t sid_len;
	const uint8_t *suites;
	size_t suites_len;
	const uint8_t *comp;
	size_t comp_len;
	bool no_ext;			/* stop after the compression methods */
	unsigned int omit;		/* bit (1 << E_x): leave E_x out */
	int repl;			/* E_x whose body is repl_body, or -1 */
	const uint8_t *repl_body;
	size_t repl_len;
	const uint8_t *extra;		/* whole extensions, before pre_shared_key */
	size_t extra_len;
	bool extra_last;		/* ... or after it */
	const uint8_t *raw;		/* the whole extensions block body */
	size_t raw_len;
};

static struct ch_spec spec_std(void)
{
	struct ch_spec s = {
		.sid_len = 32,
		.suites = std_suites,
		.suites_len = sizeof(std_suites),
		.comp = std_comp,
		.comp_len = sizeof(std_comp),
		.repl = -1,
	};

	return s;
}

/* Offset of the extensions block (where a hello without them ends). */
static size_t ext_offset(const struct ch_spec *s)
{
	return KMSG_HEADER + 2 + 32 + 1 + s->sid_len + 2 + s->suites_len + 1 +
	       s->comp_len;
}

static uint8_t pub_x25519[32], pub_p256[65];

/* The standard body of extension @i. */
static size_t std_body(int i, uint8_t *out, size_t cap)
{
	struct kw w;
	struct kw_mark l, k;

	kw_init(&w, out, cap);
	switch (i) {
	case E_SNI:
		l = kw_open16(&w);
		kw_u8(&w, 0);	/* host_name */
		k = kw_open16(&w);
		kw_bytes(&w, "example.com", 11);
		kw_close(&w, k);
		kw_close(&w, l);
		break;
	case E_VERSIONS:
		kw_bytes(&w, "\x04\x03\x04\x03\x03", 5);
		break;
	case E_GROUPS:
		kw_bytes(&w, "\x00\x04\x00\x1d\x00\x17", 6);
		break;
	case E_SIGALGS:
		kw_bytes(&w, "\x00\x04\x08\x04\x04\x03", 6);
		break;
	case E_SIGALGS_CERT:
		kw_bytes(&w, "\x00\x02\x04\x01", 4);
		break;
	case E_KEY_SHARE:
		mt_fill(pub_x25519, sizeof(pub_x25519), 0x20);
		mt_fill(pub_p256, sizeof(pub_p256), 0x60);
		pub_p256[0] = 4;
		l = kw_open16(&w);
		kw_u16(&w, KTLS_GROUP_X25519);
		k = kw_open16(&w);
		kw_bytes(&w, pub_x25519, sizeof(pub_x25519));
		kw_close(&w, k);
		kw_u16(&w, KTLS_GROUP_SECP256R1);
		k = kw_open16(&w);
		kw_bytes(&w, pub_p256, sizeof(pub_p256));
		kw_close(&w, k);
		kw_close(&w, l);
		break;
	case E_ALPN:
		kw_bytes(&w, "\x00\x0c\x02h2\x08http/1.1", 14);
		break;
	case E_RSL:
		kw_u16(&w, 16385);
		break;
	case E_COOKIE:
		kw_bytes(&w, "\x00\x05\xc1\xc2\xc3\xc4\xc5", 7);
		break;
	case E_EARLY:
		break;
	case E_UNKNOWN:
		kw_bytes(&w, "\x01\x02\x03", 3);
		break;
	case E_PSK_MODES:
		kw_bytes(&w, "\x02\x01\x00", 3);
		break;
	case E_PSK:
		l = kw_open16(&w);
		k = kw_open16(&w);
		kw_bytes(&w, "id-one", 6);
		kw_close(&w, k);
		kw_u32(&w, 1);
		k = kw_open16(&w);
		kw_bytes(&w, "id-two", 6);
		kw_close(&w, k);
		kw_u32(&w, 2);
		kw_close(&w, l);
		l = kw_open16(&w);
		kw_u8(&w, 32);
		memset(kw_reserve(&w, 32), 0xb1, 32);
		kw_u8(&w, 48);
		memset(kw_reserve(&w, 48), 0xb2, 48);
		kw_close(&w, l);
		break;
	default:
		ck_abort();
	}
	ck_assert(kw_ok(&w));
	return w.len;
}

static size_t build_ch(uint8_t *buf, const struct ch_spec *s)
{
	uint8_t body[512];
	struct kw w;
	struct kw_mark m, l;
	int i;

	m = mt_msg_begin(&w, buf, MT_CAP, KTLS_HS_CLIENT_HELLO);
	kw_u16(&w, KTLS_VERSION_TLS12);
	kw_bytes(&w, "\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20"
		     "\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b\x2c\x2d\x2e\x2f\x30", 32);
	kw_u8(&w, (uint8_t)s->sid_len);
	memset(kw_reserve(&w, s->sid_len), 0x5a, s->sid_len);
	l = kw_open16(&w);
	kw_bytes(&w, s->suites, s->suites_len);
	kw_close(&w, l);
	l = kw_open8(&w);
	kw_bytes(&w, s->comp, s->comp_len);
	kw_close(&w, l);
	if (s->no_ext)
		return mt_msg_end(&w, m);
	l = kw_open16(&w);
	if (s->raw) {
		kw_bytes(&w, s->raw, s->raw_len);
	} else {
		for (i = 0; i < E_COUNT; i++) {
			if (i == E_PSK && s->extra && !s->extra_last)
				kw_bytes(&w, s->extra, s->extra_len);
			if (s->omit & (1u << i))
				continue;
			if (i == s->repl)
				mt_ext(&w, ext_type[i], s->repl_body, s->repl_len);
			else
				mt_ext(&w, ext_type[i], body,
				       std_body(i, body, sizeof(body)));
		}
		if (s->extra && s->extra_last)
			kw_bytes(&w, s->extra, s->extra_len);
	}
	kw_close(&w, l);
	return mt_msg_end(&w, m);
}

static int parse_ch(const uint8_t *msg, size_t len)
{
	struct kmsg_ch ch;

	return kmsg_ch_parse(msg, len, &ch);
}

/* Parse the hello @s describes (with mt_parse: the answer only). */
static int parse_spec(const struct ch_spec *s)
{
	static uint8_t buf[MT_CAP];

	return mt_parse(parse_ch, buf, build_ch(buf, s));
}

/*
 * Parse the hello @s describes into @ch, whose pointers stay valid until
 * the next call.
 */
static int parse_spec_into(const struct ch_spec *s, struct kmsg_ch *ch)
{
	static uint8_t buf[MT_CAP];

	return kmsg_ch_parse(buf, build_ch(buf, s), ch);
}

/* The standard hello with extension @i's body replaced. */
static struct ch_spec spec_with_body(int i, const void *body, size_t len)
{
	struct ch_spec s = spec_std();

	s.repl = i;
	s.repl_body = body;
	s.repl_len = len;
	return s;
}

static int parse_with_body(int i, const void *body, size_t len)
{
	struct ch_spec s = spec_with_body(i, body, len);

	return parse_spec(&s);
}

/* The same, parsed into @ch (see parse_spec_into()). */
static int parse_body_into(int i, const void *body, size_t len, struct kmsg_ch *ch)
{
	struct ch_spec s = spec_with_body(i, body, len);

	return parse_spec_into(&s, ch);
}

/* Parse the standard hello plus the extensions in @extra. */
static int parse_with_extra(const void *extra, size_t len, bool last)
{
	struct ch_spec s = spec_std();

	s.extra = extra;
	s.extra_len = len;
	s.extra_last = last;
	return parse_spec(&s);
}

START_TEST(test_msg_client_hello_parses_every_field)
{
	static uint8_t buf[MT_CAP];
	struct ch_spec s = spec_std();
	struct kmsg_ch ch;
	struct kr name;
	size_t len, i, blen;

	len = build_ch(buf, &s);
	ck_assert_int_eq(kmsg_ch_parse(buf, len, &ch), 0);
	ck_assert_uint_eq(ch.legacy_version, KTLS_VERSION_TLS12);
	ck_assert_ptr_eq(ch.random, buf + KMSG_HEADER + 2);
	ck_assert_uint_eq(ch.random[0], 0x11);
	ck_assert_uint_eq(ch.random[31], 0x30);
	ck_assert_uint_eq(ch.session_id_len, 32);
	ck_assert_ptr_eq(ch.session_id, buf + KMSG_HEADER + 2 + 32 + 1);
	ck_assert_uint_eq(ch.session_id[0], 0x5a);
	ck_assert_uint_eq(ch.suites.n, 3);
	ck_assert_uint_eq(klist16_at(&ch.suites, 0), KTLS_AES_128_GCM_SHA256);
	ck_assert_uint_eq(klist16_at(&ch.suites, 2), KTLS_CHACHA20_POLY1305_SHA256);
	ck_assert(klist16_has(&ch.suites, KTLS_AES_256_GCM_SHA384));
	ck_assert(!klist16_has(&ch.suites, KTLS_AES_128_CCM_SHA256));

	/* Every extension is listed, in order, unknown ones included. */
	ck_assert_uint_eq(ch.ext.n, E_COUNT);
	for (i = 0; i < E_COUNT; i++)
		ck_assert_uint_eq(ch.ext.e[i].type, ext_type[i]);
	ck_assert_uint_eq(ch.ext.e[E_UNKNOWN].len, 3);
	ck_assert_mem_eq(ch.ext.e[E_UNKNOWN].body, "\x01\x02\x03", 3);

	ck_assert(ch.has_versions);
	ck_assert(ch.tls13);
	ck_assert(ch.has_groups);
	ck_assert_uint_eq(ch.groups.n, 2);
	ck_assert_uint_eq(klist16_at(&ch.groups, 0), KTLS_GROUP_X25519);
	ck_assert_uint_eq(klist16_at(&ch.groups, 1), KTLS_GROUP_SECP256R1);
	ck_assert(ch.has_sigalgs);
	ck_assert_uint_eq(ch.sigalgs.n, 2);
	ck_assert_uint_eq(klist16_at(&ch.sigalgs, 0), KTLS_SIG_RSA_PSS_RSAE_SHA256);
	ck_assert_uint_eq(klist16_at(&ch.sigalgs, 1), KTLS_SIG_ECDSA_SECP256R1_SHA256);
	ck_assert(ch.has_sigalgs_cert);
	ck_assert_uint_eq(ch.sigalgs_cert.n, 1);
	ck_assert_uint_eq(klist16_at(&ch.sigalgs_cert, 0), KTLS_SIG_RSA_PKCS1_SHA256);

	ck_assert(ch.has_key_share);
	ck_assert_uint_eq(ch.n_shares, 2);
	ck_assert_uint_eq(ch.shares[0].group, KTLS_GROUP_X25519);
	ck_assert_uint_eq(ch.shares[0].len, 32);
	ck_assert_mem_eq(ch.shares[0].pub, pub_x25519, 32);
	ck_assert_uint_eq(ch.shares[1].group, KTLS_GROUP_SECP256R1);
	ck_assert_uint_eq(ch.shares[1].len, 65);
	ck_assert_mem_eq(ch.shares[1].pub, pub_p256, 65);

	ck_assert_ptr_nonnull(ch.sni);
	ck_assert_uint_eq(ch.sni_len, 11);
	ck_assert_mem_eq(ch.sni, "example.com", 11);

	ck_assert(ch.has_alpn);
	ck_assert_uint_eq(kr_left(&ch.alpn), 12);
	kr_open8(&ch.alpn, &name, 1, 255);
	ck_assert_uint_eq(kr_left(&name), 2);
	ck_assert_mem_eq(kr_bytes(&name, 2), "h2", 2);
	kr_open8(&ch.alpn, &name, 1, 255);
	ck_assert_mem_eq(kr_bytes(&name, 8), "http/1.1", 8);
	ck_assert(kr_done(&ch.alpn));

	ck_assert_uint_eq(ch.rsl, 16385);
	ck_assert(ch.has_cookie);
	ck_assert_uint_eq(ch.cookie_len, 5);
	ck_assert_mem_eq(ch.cookie, "\xc1\xc2\xc3\xc4\xc5", 5);
	ck_assert(ch.has_early_data);
	ck_assert(ch.has_psk_modes);
	ck_assert(ch.psk_dhe_ke);
	ck_assert(ch.psk_ke);

	ck_assert(ch.has_psk);
	ck_assert_uint_eq(ch.n_ids, 2);
	ck_assert_uint_eq(ch.ids[0].len, 6);
	ck_assert_mem_eq(ch.ids[0].id, "id-one", 6);
	ck_assert_uint_eq(ch.ids[1].len, 6);
	ck_assert_mem_eq(ch.ids[1].id, "id-two", 6);
	ck_assert_uint_eq(ch.ids[0].binder_len, 32);
	ck_assert_uint_eq(ch.ids[0].binder[0], 0xb1);
	ck_assert_uint_eq(ch.ids[0].binder[31], 0xb1);
	ck_assert_uint_eq(ch.ids[1].binder_len, 48);
	ck_assert_uint_eq(ch.ids[1].binder[47], 0xb2);
	/* binders_off: the binders<> vector, which ends the message. */
	blen = ((size_t)buf[ch.binders_off] << 8) | buf[ch.binders_off + 1];
	ck_assert_uint_eq(blen, 33 + 49);
	ck_assert_uint_eq(ch.binders_off + 2 + blen, len);
	ck_assert_ptr_eq(ch.ids[0].binder, buf + ch.binders_off + 3);
}
END_TEST

START_TEST(test_msg_client_hello_minimal)
{
	struct ch_spec s = spec_std();
	struct kmsg_ch ch;

	s.sid_len = 0;
	s.omit = ~(1u << E_VERSIONS);
	ck_assert_int_eq(parse_spec_into(&s, &ch), 0);
	ck_assert_uint_eq(ch.session_id_len, 0);
	ck_assert_uint_eq(ch.ext.n, 1);
	ck_assert(ch.has_versions && ch.tls13);
	ck_assert(!ch.has_groups && !ch.has_sigalgs && !ch.has_sigalgs_cert);
	ck_assert(!ch.has_key_share && !ch.has_alpn && !ch.has_psk_modes);
	ck_assert(!ch.has_psk && !ch.has_cookie && !ch.has_early_data);
	ck_assert_ptr_null(ch.sni);
	ck_assert_uint_eq(ch.n_shares, 0);
	ck_assert_uint_eq(ch.rsl, 0);
}
END_TEST

START_TEST(test_msg_client_hello_truncated)
{
	static uint8_t buf[MT_CAP];
	struct ch_spec s = spec_std();
	size_t len = build_ch(buf, &s);

	/*
	 * Cut right after the compression methods it is a hello without
	 * extensions: a pre-1.3 client, which a 1.3-only server answers
	 * with protocol_version (§4.1.2, §D.2). Every other cut is
	 * decode_error.
	 */
	mt_check_truncations(parse_ch, buf, len, ext_offset(&s),
			     KTLS_E_ALERT_protocol_version);
}
END_TEST

START_TEST(test_msg_client_hello_trailing_bytes)
{
	static uint8_t buf[MT_CAP];
	struct ch_spec s = spec_std();

	mt_check_trailing(parse_ch, buf, build_ch(buf, &s));
}
END_TEST

START_TEST(test_msg_client_hello_no_extensions_is_old_version)
{
	struct ch_spec s = spec_std();

	s.no_ext = true;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_protocol_version);
}
END_TEST

START_TEST(test_msg_client_hello_session_id_bounds)
{
	struct ch_spec s = spec_std();

	/* legacy_session_id<0..32> */
	s.sid_len = 0;
	ck_assert_int_eq(parse_spec(&s), 0);
	s.sid_len = 32;
	ck_assert_int_eq(parse_spec(&s), 0);
	s.sid_len = 33;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
	s.sid_len = 255;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_client_hello_cipher_suite_list_bounds)
{
	static const uint8_t odd[] = { 0x13, 0x01, 0x13 };
	static const uint8_t one[] = { 0x13, 0x01 };
	struct ch_spec s = spec_std();

	/* cipher_suites<2..2^16-2>: not empty, whole code points. */
	s.suites = one;
	s.suites_len = sizeof(one);
	ck_assert_int_eq(parse_spec(&s), 0);
	s.suites_len = 0;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
	s.suites = odd;
	s.suites_len = sizeof(odd);
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
	s.suites_len = 1;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_client_hello_compression_must_be_null_only)
{
	static const struct {
		const char *m;
		size_t n;
	} bad[] = {
		{ "\x01", 1 },
		{ "\x00\x01", 2 },
		{ "\x01\x00", 2 },
		{ "\x00\x00", 2 },
		{ "\x40", 1 },
	};
	struct ch_spec s = spec_std();
	size_t i;

	/* §4.1.2: exactly one byte, 0; anything else illegal_parameter. */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s.comp = (const uint8_t *)bad[i].m;
		s.comp_len = bad[i].n;
		ck_assert_int_eq(parse_spec(&s),
				 KTLS_E_ALERT_illegal_parameter);
	}
	/* legacy_compression_methods<1..2^8-1>: empty is a decode error. */
	s.comp_len = 0;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_client_hello_duplicate_extension)
{
	static const uint8_t dup_groups[] = { 0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d };
	static const uint8_t dup_unknown[] = { 0xfa, 0xfa, 0x00, 0x00 };
	static const uint8_t dup_psk_modes[] = { 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01 };

	/* §4.2: no more than one extension of the same type. */
	ck_assert_int_eq(parse_with_extra(dup_groups, sizeof(dup_groups), false),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(parse_with_extra(dup_unknown, sizeof(dup_unknown), false),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(parse_with_extra(dup_psk_modes, sizeof(dup_psk_modes), false),
			 KTLS_E_ALERT_illegal_parameter);
}
END_TEST

START_TEST(test_msg_client_hello_extension_not_allowed)
{
	/* oid_filters: CertificateRequest only (§4.2 table). */
	static const uint8_t oid_filters[] = { 0x00, 0x30, 0x00, 0x02, 0x00, 0x00 };

	ck_assert_int_eq(parse_with_extra(oid_filters, sizeof(oid_filters), false),
			 KTLS_E_ALERT_illegal_parameter);
}
END_TEST

START_TEST(test_msg_client_hello_psk_not_last)
{
	static const uint8_t after[] = { 0xfa, 0xfb, 0x00, 0x00 };
	static const uint8_t padding[] = { 0x00, 0x15, 0x00, 0x02, 0x00, 0x00 };
	struct ch_spec s = spec_std();

	/* §4.2.11: pre_shared_key MUST be last, else illegal_parameter. */
	ck_assert_int_eq(parse_with_extra(after, sizeof(after), false), 0);
	ck_assert_int_eq(parse_with_extra(after, sizeof(after), true),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(parse_with_extra(padding, sizeof(padding), true),
			 KTLS_E_ALERT_illegal_parameter);
	/* Without pre_shared_key, whatever comes last is fine. */
	s.omit = 1u << E_PSK;
	s.extra = after;
	s.extra_len = sizeof(after);
	s.extra_last = true;
	ck_assert_int_eq(parse_spec(&s), 0);
}
END_TEST

/* A pre_shared_key body with @n_ids identities and @n_binders binders. */
static size_t psk_body(uint8_t *out, size_t cap, size_t n_ids, size_t n_binders)
{
	struct kw w;
	struct kw_mark l, k;
	size_t i;

	kw_init(&w, out, cap);
	l = kw_open16(&w);
	for (i = 0; i < n_ids; i++) {
		k = kw_open16(&w);
		kw_u8(&w, 'a');
		kw_u8(&w, (uint8_t)('0' + i));
		kw_close(&w, k);
		kw_u32(&w, 0);
	}
	kw_close(&w, l);
	l = kw_open16(&w);
	for (i = 0; i < n_binders; i++) {
		kw_u8(&w, 32);
		memset(kw_reserve(&w, 32), (int)i + 1, 32);
	}
	kw_close(&w, l);
	ck_assert(kw_ok(&w));
	return w.len;
}

START_TEST(test_msg_client_hello_psk_binder_count_mismatch)
{
	uint8_t body[1024];

	/* §4.2.11: one binder per identity, else illegal_parameter. */
	ck_assert_int_eq(parse_with_body(E_PSK, body, psk_body(body, sizeof(body), 2, 2)), 0);
	ck_assert_int_eq(parse_with_body(E_PSK, body, psk_body(body, sizeof(body), 2, 1)),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(parse_with_body(E_PSK, body, psk_body(body, sizeof(body), 1, 2)),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(parse_with_body(E_PSK, body, psk_body(body, sizeof(body), 9, 8)),
			 KTLS_E_ALERT_illegal_parameter);
}
END_TEST

START_TEST(test_msg_client_hello_psk_many_identities)
{
	uint8_t body[1024];
	struct kmsg_ch ch;
	size_t len;

	/* More identities than we look at: the first KTLS_MAX_PSKS count. */
	len = psk_body(body, sizeof(body), KTLS_MAX_PSKS + 1, KTLS_MAX_PSKS + 1);
	ck_assert_int_eq(parse_body_into(E_PSK, body, len, &ch), 0);
	ck_assert(ch.has_psk);
	ck_assert_uint_eq(ch.n_ids, KTLS_MAX_PSKS);
	ck_assert_mem_eq(ch.ids[KTLS_MAX_PSKS - 1].id, "a7", 2);
	ck_assert_uint_eq(ch.ids[KTLS_MAX_PSKS - 1].binder[0], KTLS_MAX_PSKS);
}
END_TEST

/* Start a pre_shared_key body in @w: identities<> with the one identity "a". */
static void psk_one_identity(struct kw *w, uint8_t *body, size_t cap)
{
	struct kw_mark l, k;

	kw_init(w, body, cap);
	l = kw_open16(w);
	k = kw_open16(w);
	kw_u8(w, 'a');
	kw_close(w, k);
	kw_u32(w, 0);
	kw_close(w, l);
}

START_TEST(test_msg_client_hello_psk_vector_bounds)
{
	uint8_t body[512];
	struct kw w;
	struct kw_mark l;

	/* binder<32..255>: a 31-byte binder. */
	psk_one_identity(&w, body, sizeof(body));
	l = kw_open16(&w);
	kw_u8(&w, 31);
	kw_zeros(&w, 31);
	kw_zeros(&w, 2);	/* keep binders<33..> satisfied */
	kw_close(&w, l);
	ck_assert_int_eq(parse_with_body(E_PSK, body, w.len), KTLS_E_ALERT_decode_error);

	/* identity<1..2^16-1>: an empty identity. */
	kw_init(&w, body, sizeof(body));
	l = kw_open16(&w);
	kw_u16(&w, 0);
	kw_u32(&w, 0);
	kw_u16(&w, 0);	/* pad identities<7..> with a second empty one */
	kw_u32(&w, 0);
	kw_close(&w, l);
	l = kw_open16(&w);
	kw_u8(&w, 32);
	kw_zeros(&w, 32);
	kw_u8(&w, 32);
	kw_zeros(&w, 32);
	kw_close(&w, l);
	ck_assert_int_eq(parse_with_body(E_PSK, body, w.len), KTLS_E_ALERT_decode_error);

	/* identities<7..2^16-1> and binders<33..2^16-1>: empty vectors. */
	ck_assert_int_eq(parse_with_body(E_PSK, "\x00\x00\x00\x00", 4),
			 KTLS_E_ALERT_decode_error);
	psk_one_identity(&w, body, sizeof(body));
	kw_u16(&w, 0);
	ck_assert_int_eq(parse_with_body(E_PSK, body, w.len), KTLS_E_ALERT_decode_error);

	/* A 256-byte binder cannot be written in a u8; a 255-byte one is fine. */
	psk_one_identity(&w, body, sizeof(body));
	l = kw_open16(&w);
	kw_u8(&w, 255);
	kw_zeros(&w, 255);
	kw_close(&w, l);
	ck_assert(kw_ok(&w));
	ck_assert_int_eq(parse_with_body(E_PSK, body, w.len), 0);
}
END_TEST

START_TEST(test_msg_client_hello_record_size_limit_bounds)
{
	static const struct mt_body tab[] = {
		/* RFC 8449 §4: a limit below 64 is illegal_parameter. */
		{ E_RSL, "\x00\x3f", 2, KTLS_E_ALERT_illegal_parameter },
		{ E_RSL, "\x00\x00", 2, KTLS_E_ALERT_illegal_parameter },
		{ E_RSL, "\x00\x40", 2, 0 },
		{ E_RSL, "\xff\xff", 2, 0 },
		/* The body is exactly one uint16. */
		{ E_RSL, "\x40", 1, KTLS_E_ALERT_decode_error },
		{ E_RSL, "\x40\x01\x00", 3, KTLS_E_ALERT_decode_error },
	};

	mt_check_bodies(parse_with_body, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_client_hello_key_share_rules)
{
	static const struct mt_body tab[] = {
		/* §4.2.8: each group at most once. */
		{ E_KEY_SHARE, "\x00\x0a\x00\x1d\x00\x01\xaa\x00\x1d\x00\x01\xbb", 12,
		  KTLS_E_ALERT_illegal_parameter },
		/* key_exchange<1..2^16-1> */
		{ E_KEY_SHARE, "\x00\x04\x00\x1d\x00\x00", 6, KTLS_E_ALERT_decode_error },
		/* A share with a group but no length. */
		{ E_KEY_SHARE, "\x00\x02\x00\x1d", 4, KTLS_E_ALERT_decode_error },
	};
	struct kmsg_ch ch;

	mt_check_bodies(parse_with_body, tab, ARRAY_SIZE(tab));
	/* client_shares<0..2^16-1>: empty asks for a HelloRetryRequest. */
	ck_assert_int_eq(parse_body_into(E_KEY_SHARE, "\x00\x00", 2, &ch), 0);
	ck_assert(ch.has_key_share);
	ck_assert_uint_eq(ch.n_shares, 0);
}
END_TEST

START_TEST(test_msg_client_hello_many_key_shares)
{
	uint8_t body[512];
	struct kmsg_ch ch;
	struct kw w;
	struct kw_mark l;
	size_t i;

	/* More shares than we look at: the first KMSG_MAX_SHARES are kept. */
	kw_init(&w, body, sizeof(body));
	l = kw_open16(&w);
	for (i = 0; i < KMSG_MAX_SHARES + 2; i++) {
		kw_u16(&w, (uint16_t)(0x0200 + i));
		kw_u16(&w, 1);
		kw_u8(&w, (uint8_t)i);
	}
	kw_close(&w, l);
	ck_assert_int_eq(parse_body_into(E_KEY_SHARE, body, w.len, &ch), 0);
	ck_assert_uint_eq(ch.n_shares, KMSG_MAX_SHARES);
	ck_assert_uint_eq(ch.shares[KMSG_MAX_SHARES - 1].group,
			  0x0200 + KMSG_MAX_SHARES - 1);
}
END_TEST

START_TEST(test_msg_client_hello_supported_versions_bounds)
{
	/* versions<2..254> of uint16 */
	static const struct mt_body tab[] = {
		{ E_VERSIONS, "\x00", 1, KTLS_E_ALERT_decode_error },
		{ E_VERSIONS, "\x03\x03\x04\x03", 4, KTLS_E_ALERT_decode_error },
		{ E_VERSIONS, "\x01\x03", 2, KTLS_E_ALERT_decode_error },
	};
	struct kmsg_ch ch;

	mt_check_bodies(parse_with_body, tab, ARRAY_SIZE(tab));
	/* Without 0x0304 it parses, but is not a 1.3 hello. */
	ck_assert_int_eq(parse_body_into(E_VERSIONS, "\x04\x03\x03\x03\x02", 5, &ch), 0);
	ck_assert(ch.has_versions);
	ck_assert(!ch.tls13);
}
END_TEST

START_TEST(test_msg_client_hello_list_extension_bounds)
{
	static const int lists[] = { E_GROUPS, E_SIGALGS, E_SIGALGS_CERT };
	size_t i;

	/* named_group_list<2..>, supported_signature_algorithms<2..> */
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		ck_assert_int_eq(parse_with_body(lists[i], "\x00\x00", 2),
				 KTLS_E_ALERT_decode_error);
		ck_assert_int_eq(parse_with_body(lists[i], "\x00\x03\x00\x1d\x00", 5),
				 KTLS_E_ALERT_decode_error);
		ck_assert_int_eq(parse_with_body(lists[i], "\x00\x02\x00\x1d", 4), 0);
	}
}
END_TEST

START_TEST(test_msg_client_hello_small_vectors_bounds)
{
	static const struct mt_body tab[] = {
		/* server_name_list<1..>, HostName<1..> */
		{ E_SNI, "\x00\x00", 2, KTLS_E_ALERT_decode_error },
		{ E_SNI, "\x00\x03\x00\x00\x00", 5, KTLS_E_ALERT_decode_error },
		/* ProtocolNameList<2..>, ProtocolName<1..> (RFC 7301 §3.1) */
		{ E_ALPN, "\x00\x00", 2, KTLS_E_ALERT_decode_error },
		{ E_ALPN, "\x00\x04\x02h2\x00", 5, KTLS_E_ALERT_decode_error },
		{ E_ALPN, "\x00\x03\x00\x01x", 5, KTLS_E_ALERT_decode_error },
		/* cookie<1..> */
		{ E_COOKIE, "\x00\x00", 2, KTLS_E_ALERT_decode_error },
		/* ke_modes<1..255> */
		{ E_PSK_MODES, "\x00", 1, KTLS_E_ALERT_decode_error },
		/* early_data in a ClientHello is empty. */
		{ E_EARLY, "\x00", 1, KTLS_E_ALERT_decode_error },
	};

	mt_check_bodies(parse_with_body, tab, ARRAY_SIZE(tab));
}
END_TEST

START_TEST(test_msg_client_hello_extension_body_truncated)
{
	uint8_t body[512];
	size_t len, cut;
	int i;

	/* Each known extension, cut at every point inside its body. */
	for (i = 0; i < E_COUNT; i++) {
		if (i == E_UNKNOWN || i == E_EARLY)
			continue;
		len = std_body(i, body, sizeof(body));
		for (cut = 0; cut < len; cut++) {
			int got = parse_with_body(i, body, cut);

			ck_assert_msg(got == KTLS_E_ALERT_decode_error,
				      "extension %u cut at %zu: got %d",
				      ext_type[i], cut, got);
		}
	}
}
END_TEST

START_TEST(test_msg_client_hello_extension_body_trailing)
{
	uint8_t body[512];
	size_t len;
	int i;

	/* Each known extension with a byte after its structure. */
	for (i = 0; i < E_COUNT; i++) {
		int got;

		if (i == E_UNKNOWN)
			continue;
		len = std_body(i, body, sizeof(body));
		body[len] = 0;
		got = parse_with_body(i, body, len + 1);
		ck_assert_msg(got == KTLS_E_ALERT_decode_error,
			      "extension %u with a trailing byte: got %d",
			      ext_type[i], got);
	}
}
END_TEST

START_TEST(test_msg_client_hello_too_many_extensions)
{
	uint8_t raw[4 * (KEXT_MAX + 1) + 8];
	struct ch_spec s = spec_std();
	struct kmsg_ch ch;
	struct kw w;
	size_t i;

	kw_init(&w, raw, sizeof(raw));
	mt_ext(&w, KTLS_EXT_SUPPORTED_VERSIONS, "\x02\x03\x04", 3);
	for (i = 1; i < KEXT_MAX; i++)
		mt_ext(&w, (uint16_t)(0xa000 + i), NULL, 0);
	s.raw = raw;
	s.raw_len = w.len;
	ck_assert_int_eq(parse_spec_into(&s, &ch), 0);
	ck_assert_uint_eq(ch.ext.n, KEXT_MAX);
	ck_assert(ch.tls13);

	mt_ext(&w, 0xa000 + KEXT_MAX, NULL, 0);
	ck_assert(kw_ok(&w));
	s.raw_len = w.len;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

START_TEST(test_msg_client_hello_extensions_block_framing)
{
	struct ch_spec s = spec_std();

	/* An extension header cut short inside the block. */
	s.raw = (const uint8_t *)"\x00\x2b\x00\x03\x02\x03\x04\x00";
	s.raw_len = 8;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
	/* An extension body running past the block. */
	s.raw = (const uint8_t *)"\x00\x2b\x00\x09\x02\x03\x04";
	s.raw_len = 7;
	ck_assert_int_eq(parse_spec(&s),
			 KTLS_E_ALERT_decode_error);
}
END_TEST

/* ---- the builder ---- */

struct built {
	struct ktls_config cfg;
	struct ktls_conn *c;
	uint8_t pub1[32], pub2[65];
	size_t len, binders_off;
};

static void build_setup(struct built *b, unsigned int flags, size_t n_offered)
{
	static const uint8_t key[32] = { 1 };
	struct ktls_psk psks[2] = {
		{ .identity = (const uint8_t *)"client-a", .identity_len = 8,
		  .key = key, .key_len = 32, .hash = KTLS_HASH_SHA256, .tag = 1 },
		{ .identity = (const uint8_t *)"client-b", .identity_len = 8,
		  .key = key, .key_len = 32, .hash = KTLS_HASH_SHA384, .tag = 2 },
	};

	memset(b, 0, sizeof(*b));
	ktls_config_init(&b->cfg);
	b->cfg.alpn = "h2,http/1.1";
	b->cfg.record_size_limit = 1024;
	b->cfg.flags = flags;
	b->c = mt_conn(&b->cfg, KTLS_ROLE_CLIENT);
	ck_assert_int_eq(ktls_conn_set_peer_name(b->c, "server.example"), 0);
	ck_assert_int_eq(ktls_conn_set_psks(b->c, psks, 2), 0);
	mt_fill(b->c->client_random, 32, 0x40);
	mt_fill(b->c->session_id, 32, 0x80);
	b->c->session_id_len = 32;
	b->c->n_offered = n_offered;
	b->c->offered_groups[0] = KTLS_GROUP_X25519;
	b->c->offered_groups[1] = KTLS_GROUP_SECP256R1;
	mt_fill(b->pub1, sizeof(b->pub1), 0x01);
	mt_fill(b->pub2, sizeof(b->pub2), 0x99);
}

static void build_run(struct built *b)
{
	const uint8_t *pubs[2] = { b->pub1, b->pub2 };
	const size_t lens[2] = { sizeof(b->pub1), sizeof(b->pub2) };

	ck_assert_int_eq(kmsg_ch_build(b->c, pubs, lens, &b->len, &b->binders_off), 0);
	ck_assert_uint_eq(b->c->msg[0], KTLS_HS_CLIENT_HELLO);
	ck_assert_uint_eq(((size_t)b->c->msg[1] << 16) | (b->c->msg[2] << 8) | b->c->msg[3],
			  b->len - KMSG_HEADER);
}

START_TEST(test_msg_client_hello_build_round_trip)
{
	static const uint16_t pkcs1[] = { KTLS_SIG_RSA_PKCS1_SHA256,
					  KTLS_SIG_RSA_PKCS1_SHA384,
					  KTLS_SIG_RSA_PKCS1_SHA512 };
	static const uint8_t zeros[48];
	struct built b;
	struct kmsg_ch ch;
	struct kr name;
	size_t i, n;

	build_setup(&b, 0, 2);
	build_run(&b);
	ck_assert_int_eq(kmsg_ch_parse(b.c->msg, b.len, &ch), 0);
	ck_assert_uint_eq(ch.legacy_version, KTLS_VERSION_TLS12);
	ck_assert_mem_eq(ch.random, b.c->client_random, 32);
	ck_assert_uint_eq(ch.session_id_len, 32);
	ck_assert_mem_eq(ch.session_id, b.c->session_id, 32);
	ck_assert_uint_eq(ch.suites.n, b.cfg.n_suites);
	for (i = 0; i < b.cfg.n_suites; i++)
		ck_assert_uint_eq(klist16_at(&ch.suites, i), b.cfg.suites[i]);

	ck_assert(ch.has_versions && ch.tls13);
	ck_assert_uint_eq(ch.ext.n, 10);
	ck_assert_uint_eq(ch.ext.e[ch.ext.n - 1].type, KTLS_EXT_PRE_SHARED_KEY);
	ck_assert(ch.has_groups);
	ck_assert_uint_eq(ch.groups.n, b.cfg.n_groups);
	for (i = 0; i < b.cfg.n_groups; i++)
		ck_assert_uint_eq(klist16_at(&ch.groups, i), b.cfg.groups[i]);
	ck_assert_uint_eq(ch.n_shares, 2);
	ck_assert_uint_eq(ch.shares[0].group, KTLS_GROUP_X25519);
	ck_assert_uint_eq(ch.shares[0].len, 32);
	ck_assert_mem_eq(ch.shares[0].pub, b.pub1, 32);
	ck_assert_uint_eq(ch.shares[1].group, KTLS_GROUP_SECP256R1);
	ck_assert_uint_eq(ch.shares[1].len, 65);
	ck_assert_mem_eq(ch.shares[1].pub, b.pub2, 65);

	ck_assert(ch.has_sigalgs);
	ck_assert_uint_eq(ch.sigalgs.n, b.cfg.n_sigschemes);
	for (i = 0; i < b.cfg.n_sigschemes; i++)
		ck_assert_uint_eq(klist16_at(&ch.sigalgs, i), b.cfg.sigschemes[i]);
	ck_assert(ch.has_sigalgs_cert);
	n = b.cfg.n_sigschemes;
	ck_assert_uint_eq(ch.sigalgs_cert.n, n + 3);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(klist16_at(&ch.sigalgs_cert, i), b.cfg.sigschemes[i]);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(klist16_at(&ch.sigalgs_cert, n + i), pkcs1[i]);

	ck_assert_uint_eq(ch.sni_len, strlen("server.example"));
	ck_assert_mem_eq(ch.sni, "server.example", ch.sni_len);
	ck_assert(b.c->offered_sni);

	ck_assert(ch.has_alpn);
	kr_open8(&ch.alpn, &name, 1, 255);
	ck_assert_uint_eq(kr_left(&name), 2);
	ck_assert_mem_eq(kr_bytes(&name, 2), "h2", 2);
	kr_open8(&ch.alpn, &name, 1, 255);
	ck_assert_uint_eq(kr_left(&name), 8);
	ck_assert_mem_eq(kr_bytes(&name, 8), "http/1.1", 8);
	ck_assert(kr_done(&ch.alpn));
	ck_assert(b.c->offered_alpn);

	ck_assert_uint_eq(ch.rsl, 1024);
	ck_assert(b.c->offered_rsl);
	ck_assert(!ch.has_cookie);
	ck_assert(!ch.has_early_data);

	ck_assert(ch.has_psk_modes);
	ck_assert(ch.psk_dhe_ke);
	ck_assert(!ch.psk_ke);
	ck_assert(ch.has_psk);
	ck_assert_uint_eq(ch.n_ids, 2);
	ck_assert_uint_eq(ch.ids[0].len, 8);
	ck_assert_mem_eq(ch.ids[0].id, "client-a", 8);
	ck_assert_uint_eq(ch.ids[1].len, 8);
	ck_assert_mem_eq(ch.ids[1].id, "client-b", 8);
	/* Binders are placeholders of the PSK's hash length, filled later. */
	ck_assert_uint_eq(ch.ids[0].binder_len, 32);
	ck_assert_mem_eq(ch.ids[0].binder, zeros, 32);
	ck_assert_uint_eq(ch.ids[1].binder_len, 48);
	ck_assert_mem_eq(ch.ids[1].binder, zeros, 48);
	ck_assert_uint_eq(b.binders_off, ch.binders_off);
	ck_assert_uint_eq(b.binders_off + 2 + 33 + 49, b.len);

	ktls_conn_free(b.c);
}
END_TEST

START_TEST(test_msg_client_hello_build_after_hrr)
{
	struct built b;
	struct kmsg_ch ch;

	build_setup(&b, 0, 1);
	/* The second hello, after an HRR that chose AES-256/SHA-384. */
	b.c->hrr = true;
	b.c->suite = KTLS_AES_256_GCM_SHA384;
	b.c->hash = KTLS_HASH_SHA384;
	b.c->offered_groups[0] = KTLS_GROUP_SECP256R1;
	memcpy(b.c->cookie, "cookie!", 7);
	b.c->cookie_len = 7;
	build_run(&b);
	ck_assert_int_eq(kmsg_ch_parse(b.c->msg, b.len, &ch), 0);
	/* §4.1.2: the suites of the first hello, unchanged. */
	ck_assert_uint_eq(ch.suites.n, b.c->cfg->n_suites);
	ck_assert_uint_eq(klist16_at(&ch.suites, 0), b.c->cfg->suites[0]);
	ck_assert(klist16_has(&ch.suites, KTLS_AES_256_GCM_SHA384));
	ck_assert_uint_eq(ch.n_shares, 1);
	ck_assert_uint_eq(ch.shares[0].group, KTLS_GROUP_SECP256R1);
	ck_assert(ch.has_cookie);
	ck_assert_uint_eq(ch.cookie_len, 7);
	ck_assert_mem_eq(ch.cookie, "cookie!", 7);
	/* Only the PSK bound to the chosen hash is offered again. */
	ck_assert_uint_eq(ch.n_ids, 1);
	ck_assert_mem_eq(ch.ids[0].id, "client-b", 8);
	ck_assert_uint_eq(ch.ids[0].binder_len, 48);
	ck_assert_uint_eq(b.binders_off, ch.binders_off);
	ck_assert_uint_eq(ch.ext.e[ch.ext.n - 1].type, KTLS_EXT_PRE_SHARED_KEY);
	ktls_conn_free(b.c);
}
END_TEST

START_TEST(test_msg_client_hello_build_minimal)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct kmsg_ch ch;
	size_t len, binders_off = 1;

	/* An IP literal is not sent as SNI; no PSK, ALPN, limit or shares. */
	ktls_config_init(&cfg);
	c = mt_conn(&cfg, KTLS_ROLE_CLIENT);
	ck_assert_int_eq(ktls_conn_set_peer_name(c, "192.0.2.1"), 0);
	ck_assert_int_eq(kmsg_ch_build(c, NULL, NULL, &len, &binders_off), 0);
	ck_assert_uint_eq(binders_off, 0);
	ck_assert_int_eq(kmsg_ch_parse(c->msg, len, &ch), 0);
	ck_assert_uint_eq(ch.session_id_len, 0);
	ck_assert(ch.tls13);
	ck_assert_ptr_null(ch.sni);
	ck_assert(!c->offered_sni && !c->offered_alpn && !c->offered_rsl);
	ck_assert(!ch.has_groups && !ch.has_key_share);
	ck_assert(!ch.has_alpn && !ch.has_psk && !ch.has_psk_modes);
	ck_assert(ch.has_sigalgs && ch.has_sigalgs_cert);
	ck_assert_uint_eq(ch.rsl, 0);
	ck_assert_uint_eq(ch.ext.n, 3);
	ktls_conn_free(c);
}
END_TEST

START_TEST(test_msg_client_hello_build_psk_modes)
{
	struct built b;
	struct kmsg_ch ch;

	build_setup(&b, KTLS_F_PSK_KE, 1);
	build_run(&b);
	ck_assert_int_eq(kmsg_ch_parse(b.c->msg, b.len, &ch), 0);
	ck_assert(ch.psk_dhe_ke && ch.psk_ke);
	ktls_conn_free(b.c);

	build_setup(&b, KTLS_F_PSK_ONLY_KE, 1);
	build_run(&b);
	ck_assert_int_eq(kmsg_ch_parse(b.c->msg, b.len, &ch), 0);
	ck_assert(!ch.psk_dhe_ke && ch.psk_ke);
	ktls_conn_free(b.c);
}
END_TEST

static Suite *msg_client_hello_suite(void)
{
	Suite *s = suite_create("msg_client_hello");
	TCase *tc = tcase_create("msg_client_hello");

	tcase_add_test(tc, test_msg_client_hello_parses_every_field);
	tcase_add_test(tc, test_msg_client_hello_minimal);
	tcase_add_test(tc, test_msg_client_hello_truncated);
	tcase_add_test(tc, test_msg_client_hello_trailing_bytes);
	tcase_add_test(tc, test_msg_client_hello_no_extensions_is_old_version);
	tcase_add_test(tc, test_msg_client_hello_session_id_bounds);
	tcase_add_test(tc, test_msg_client_hello_cipher_suite_list_bounds);
	tcase_add_test(tc, test_msg_client_hello_compression_must_be_null_only);
	tcase_add_test(tc, test_msg_client_hello_duplicate_extension);
	tcase_add_test(tc, test_msg_client_hello_extension_not_allowed);
	tcase_add_test(tc, test_msg_client_hello_psk_not_last);
	tcase_add_test(tc, test_msg_client_hello_psk_binder_count_mismatch);
	tcase_add_test(tc, test_msg_client_hello_psk_many_identities);
	tcase_add_test(tc, test_msg_client_hello_psk_vector_bounds);
	tcase_add_test(tc, test_msg_client_hello_record_size_limit_bounds);
	tcase_add_test(tc, test_msg_client_hello_key_share_rules);
	tcase_add_test(tc, test_msg_client_hello_many_key_shares);
	tcase_add_test(tc, test_msg_client_hello_supported_versions_bounds);
	tcase_add_test(tc, test_msg_client_hello_list_extension_bounds);
	tcase_add_test(tc, test_msg_client_hello_small_vectors_bounds);
	tcase_add_test(tc, test_msg_client_hello_extension_body_truncated);
	tcase_add_test(tc, test_msg_client_hello_extension_body_trailing);
	tcase_add_test(tc, test_msg_client_hello_too_many_extensions);
	tcase_add_test(tc, test_msg_client_hello_extensions_block_framing);
	tcase_add_test(tc, test_msg_client_hello_build_round_trip);
	tcase_add_test(tc, test_msg_client_hello_build_after_hrr);
	tcase_add_test(tc, test_msg_client_hello_build_minimal);
	tcase_add_test(tc, test_msg_client_hello_build_psk_modes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(msg_client_hello_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
