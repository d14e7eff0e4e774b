// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ClientHellos a conforming server must take or refuse, written by hand as
 * a hostile client would write them and fed to a real server connection:
 * hundreds of signature schemes with ours last (RFC 8446 §4.2.3), hundreds
 * of key shares with ours last or a group twice (§4.2.8), hundreds of
 * unknown extensions (§4.1.2, §4.2), legacy_version 0x0300 or older
 * (Appendix D.5). Each is answered three ways: signing in-process, an
 * ops->sign that answers later, and a PSK whose lookup answers later (as
 * ktlsd's monitor does). Then a CertificateRequest with hundreds of
 * schemes, ours last, handed to a real client (§4.3.2), and Finished
 * messages of the wrong length (40 bytes, 40 KiB) sent to each role
 * (§4.4.4, §6).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ktls/ktls.h>

#include "conn.h"
#include "keysched.h"
#include "msg.h"
#include "record.h"
#include "sm.h"
#include "testcert.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NONE ((size_t)-1)
#define GOOD_SCHEME KTLS_SIG_ECDSA_SECP256R1_SHA256

/* How the server answers what it must look up or sign. */
enum mode { M_SYNC, M_ASYNC_SIGN, M_ASYNC_PSK, M_COUNT };
static const char *const mode_name[M_COUNT] = { "sync", "async sign", "async psk" };

static const uint8_t psk_id[] = "NVMe0R01 host subsys";
static const uint8_t psk_key[32] = "0123456789abcdef0123456789abcdef";
/* RFC 7748 §6.1: Alice's X25519 public key (a valid point). */
static const uint8_t x25519_pub[32] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc,
	0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
	0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};

/* The hello a case sends; zero fields are "as a plain client would". */
struct hello {
	uint16_t legacy_version;	/* 0: 0x0303 */
	size_t n_schemes;		/* 0: one, ours */
	bool no_good_scheme;		/* none of them ours */
	size_t n_shares;		/* 0: one, X25519 */
	size_t good_share;		/* index of the X25519 share (NONE: none) */
	size_t dup_share;		/* index repeating an earlier group, or 0 */
	size_t dup_of;			/* ... the group of that share (0: 3) */
	size_t n_unknown;		/* unknown extensions before the known ones */
	bool dup_unknown;		/* one of them twice */
};

static void ext_begin(struct kw *w, uint16_t type, struct kw_mark *m)
{
	kw_u16(w, type);
	*m = kw_open16(w);
}

static uint16_t share_group(const struct hello *h, size_t i)
{
	if (i == h->good_share)
		return KTLS_GROUP_X25519;
	if (h->dup_share && i == h->dup_share)
		return (uint16_t)(0x0200 + (h->dup_of ? h->dup_of : 3));
	return (uint16_t)(0x0200 + i);
}

/* Write the ClientHello @h describes into @buf; PSK offered when @psk. */
static size_t build_hello(uint8_t *buf, size_t cap, const struct hello *h, bool psk)
{
	size_t n_schemes = h->n_schemes ? h->n_schemes : 1;
	size_t n_shares = h->n_shares ? h->n_shares : 1;
	struct kw w;
	struct kw_mark msg, exts, e, l, k;
	size_t i, binders_off = 0;

	kw_init(&w, buf, cap);
	kw_u8(&w, KTLS_HS_CLIENT_HELLO);
	msg = kw_open24(&w);
	kw_u16(&w, h->legacy_version ? h->legacy_version : KTLS_VERSION_TLS12);
	for (i = 0; i < 32; i++)
		kw_u8(&w, (uint8_t)(0x40 + i));
	kw_u8(&w, 0);			/* no legacy_session_id: no CCS */
	kw_u16(&w, 2);
	kw_u16(&w, KTLS_AES_128_GCM_SHA256);
	kw_u8(&w, 1);
	kw_u8(&w, 0);
	exts = kw_open16(&w);
	for (i = 0; i < h->n_unknown; i++) {
		ext_begin(&w, (uint16_t)(0x8000 + i), &e);
		kw_u8(&w, (uint8_t)i);
		kw_close(&w, e);
	}
	if (h->dup_unknown) {
		ext_begin(&w, 0x8000 + 1, &e);
		kw_close(&w, e);
	}
	ext_begin(&w, KTLS_EXT_SUPPORTED_VERSIONS, &e);
	kw_u8(&w, 2);
	kw_u16(&w, KTLS_VERSION_TLS13);
	kw_close(&w, e);
	/* Every group shared is also listed, as §4.2.8 wants. */
	ext_begin(&w, KTLS_EXT_SUPPORTED_GROUPS, &e);
	l = kw_open16(&w);
	for (i = 0; i < n_shares; i++)
		if (i != h->dup_share || !h->dup_share)
			kw_u16(&w, share_group(h, i));
	if (h->good_share == NONE)
		kw_u16(&w, KTLS_GROUP_X25519);
	kw_close(&w, l);
	kw_close(&w, e);
	ext_begin(&w, KTLS_EXT_KEY_SHARE, &e);
	l = kw_open16(&w);
	for (i = 0; i < n_shares; i++) {
		uint16_t g = h->n_shares ? share_group(h, i) : KTLS_GROUP_X25519;

		kw_u16(&w, g);
		k = kw_open16(&w);
		if (g == KTLS_GROUP_X25519)
			kw_bytes(&w, x25519_pub, sizeof(x25519_pub));
		else
			kw_u8(&w, (uint8_t)i);
		kw_close(&w, k);
	}
	kw_close(&w, l);
	kw_close(&w, e);
	ext_begin(&w, KTLS_EXT_SIGNATURE_ALGORITHMS, &e);
	l = kw_open16(&w);
	for (i = 0; i + 1 < n_schemes; i++)
		kw_u16(&w, (uint16_t)(0xfe00 + i));
	kw_u16(&w, h->no_good_scheme ? 0xfdff : GOOD_SCHEME);
	kw_close(&w, l);
	kw_close(&w, e);
	if (psk) {
		ext_begin(&w, KTLS_EXT_PSK_KEY_EXCHANGE_MODES, &e);
		kw_u8(&w, 1);
		kw_u8(&w, KTLS_PSK_DHE_KE);
		kw_close(&w, e);
		ext_begin(&w, KTLS_EXT_PRE_SHARED_KEY, &e);
		l = kw_open16(&w);
		k = kw_open16(&w);
		kw_bytes(&w, psk_id, sizeof(psk_id) - 1);
		kw_close(&w, k);
		kw_u32(&w, 0);
		kw_close(&w, l);
		binders_off = w.len;
		l = kw_open16(&w);
		kw_u8(&w, 32);
		kw_zeros(&w, 32);
		kw_close(&w, l);
		kw_close(&w, e);
	}
	kw_close(&w, exts);
	kw_close(&w, msg);
	ck_assert(kw_ok(&w));
	if (psk) {
		/* §4.2.11.2: the binder over the hello up to the binders. */
		uint8_t th[32], bkey[KC_MAX_HASH], mac[KC_MAX_HASH];
		struct ks ks;

		ck_assert_int_eq(kc_digest(KTLS_HASH_SHA256, buf, binders_off, th), 0);
		ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA256, psk_key, sizeof(psk_key)), 0);
		ck_assert_int_eq(ks_binder_key(&ks, true, bkey), 0);
		ks_wipe(&ks);
		ck_assert_int_eq(ks_finished_mac(KTLS_HASH_SHA256, bkey, th, mac), 0);
		memcpy(buf + binders_off + 3, mac, 32);
	}
	return w.len;
}

/* Feed @len bytes of handshake messages to @c as plaintext records. */
static int feed_plain(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	static uint8_t rec[5 + 16384];
	size_t off = 0;

	while (off < len) {
		size_t n = len - off < 16384 ? len - off : 16384, done = 0;

		rec[0] = KTLS_CT_HANDSHAKE;
		rec[1] = 3;
		rec[2] = 1;
		rec[3] = (uint8_t)(n >> 8);
		rec[4] = (uint8_t)n;
		memcpy(rec + 5, msg + off, n);
		while (done < 5 + n) {
			size_t used = 0;
			int ret = ktls_input(c, rec + done, 5 + n - done, &used);

			if (ret)
				return ret;
			if (!used)
				return 0;
			done += used;
		}
		off += n;
	}
	return 0;
}

/* ops->sign and psk_lookup that answer later. */
static struct {
	uint8_t tbs[256];
	size_t tbs_len;
	uint16_t scheme;
	int sign_calls, lookup_calls;
} later;

static int sign_later(void *ctx, const struct ktls_credential *cred, uint16_t scheme,
		      const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t *sig_len)
{
	ck_assert_uint_le(tbs_len, sizeof(later.tbs));
	memcpy(later.tbs, tbs, tbs_len);
	later.tbs_len = tbs_len;
	later.scheme = scheme;
	later.sign_calls++;
	return KTLS_E_PENDING;
}

static int lookup_later(void *arg, const uint8_t *id, size_t len, struct ktls_psk *out)
{
	later.lookup_calls++;
	return KTLS_E_PENDING;
}

/* Answer the pending signature with @cred's key. */
static int sign_now(struct ktls_conn *c, const struct ktls_credential *cred)
{
	uint8_t sig[256];
	size_t sig_len = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	ck_assert_uint_eq(later.scheme, GOOD_SCHEME);
	ck_assert(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
				     ktls_credential_key(cred)) == 1);
	ck_assert(EVP_DigestSign(md, sig, &sig_len, later.tbs, later.tbs_len) == 1);
	EVP_MD_CTX_free(md);
	return ktls_signature_done(c, 0, sig, sig_len);
}

/* The server's P-256 certificate for server.test (freed by the caller). */
static struct ktls_credential *server_cred(void)
{
	struct ktls_credential *cred;
	struct testcert tc;

	ck_assert_int_eq(testcert_make(TESTCERT_P256, "server.test", 30, false, &tc), 0);
	ck_assert_int_eq(ktls_credential_load_pem(tc.cert, tc.key, &cred), 0);
	return cred;
}

/* What the server answered: an alert code, or 0 with its first message. */
struct answer {
	int ret;
	bool hrr;
	uint16_t group;
	bool psk;
	uint16_t scheme;
};

/* Send @h to a new server in @mode and read its answer into @a. */
static void serve(const struct hello *h, enum mode mode, struct answer *a)
{
	static uint8_t msg[65536];
	struct ktls_ops ops = ktls_default_ops;
	struct ktls_credential *cred = NULL;
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct ktls_result res;
	struct kmsg_sh sh;
	const uint8_t *out;
	size_t len, out_len;
	int ret;

	memset(&later, 0, sizeof(later));
	memset(a, 0, sizeof(*a));
	ktls_config_init(&cfg);
	if (mode == M_ASYNC_PSK)
		cfg.psk_lookup = lookup_later;
	else
		cfg.cred = cred = server_cred();
	if (mode == M_ASYNC_SIGN)
		ops.sign = sign_later;
	ck_assert_int_eq(ktls_conn_new(&cfg, &ops, KTLS_ROLE_SERVER, &c), 0);
	len = build_hello(msg, sizeof(msg), h, mode == M_ASYNC_PSK);
	ret = feed_plain(c, msg, len);
	if (!ret && (ktls_status(c) & KTLS_PENDING) && mode == M_ASYNC_PSK) {
		struct ktls_psk p = { .identity = psk_id, .identity_len = sizeof(psk_id) - 1,
				      .key = psk_key, .key_len = sizeof(psk_key),
				      .hash = KTLS_HASH_SHA256, .tag = 7 };

		ck_assert_int_eq(later.lookup_calls, 1);
		ret = ktls_psk_lookup_done(c, 0, &p);
	}
	if (!ret && (ktls_status(c) & KTLS_PENDING) && mode == M_ASYNC_SIGN) {
		ck_assert_int_eq(later.sign_calls, 1);
		ret = sign_now(c, cred);
	}
	a->ret = ret;
	out = ktls_output(c, &out_len);
	ktls_get_result(c, &res);
	if (ret) {
		/* Refused at once, with the alert in the clear (§6). */
		static const uint8_t hdr[] = { KTLS_CT_ALERT, 3, 3, 0, 2, 2 };

		ck_assert(ktls_status(c) & KTLS_FAILED);
		ck_assert_int_eq(res.alert_sent, KTLS_E_ALERT_OF(ret));
		ck_assert_uint_eq(out_len, 7);
		ck_assert_mem_eq(out, hdr, sizeof(hdr));
		ck_assert_uint_eq(out[6], KTLS_E_ALERT_OF(ret));
	} else {
		/* Taken: the first record is a ServerHello (or a retry). */
		size_t rec_len;

		ck_assert(!(ktls_status(c) & (KTLS_FAILED | KTLS_PENDING)));
		ck_assert_uint_ge(out_len, 5 + KMSG_HEADER);
		ck_assert_uint_eq(out[0], KTLS_CT_HANDSHAKE);
		rec_len = ((size_t)out[3] << 8) | out[4];
		ck_assert_uint_le(5 + rec_len, out_len);
		ck_assert_int_eq(kmsg_sh_parse(out + 5, rec_len, &sh), 0);
		a->hrr = sh.is_hrr;
		a->group = sh.ks_group;
		a->psk = sh.has_psk;
		a->scheme = c->sigscheme;
		if (!sh.is_hrr) {
			/* The encrypted flight follows the ServerHello. */
			ck_assert_uint_gt(out_len, 5 + rec_len);
			if (mode == M_ASYNC_SIGN)
				ck_assert_int_eq(later.sign_calls, 1);
		}
	}
	ktls_conn_free(c);
	ktls_credential_free(cred);
}

static const struct hello_case {
	const char *what;
	struct hello h;
	int want_cert, want_psk;	/* the answer with a certificate, with a PSK */
	bool hrr;
} cases[] = {
	{ "a plain hello", { 0 }, 0, 0, false },
	{ "300 schemes, ours last", { .n_schemes = 300 }, 0, 0, false },
	{ "300 schemes, none ours", { .n_schemes = 300, .no_good_scheme = true },
	  KTLS_E_ALERT_handshake_failure, 0, false },
	{ "250 shares, ours last", { .n_shares = 250, .good_share = 249 }, 0, 0, false },
	{ "250 shares, ours 17th", { .n_shares = 250, .good_share = 16 }, 0, 0, false },
	{ "250 shares, none ours: retry", { .n_shares = 250, .good_share = NONE },
	  0, 0, true },
	{ "250 shares, a group twice at 200",
	  { .n_shares = 250, .good_share = 249, .dup_share = 200 },
	  KTLS_E_ALERT_illegal_parameter, KTLS_E_ALERT_illegal_parameter, false },
	{ "250 shares, a group at 150 again at 200",
	  { .n_shares = 250, .good_share = 249, .dup_share = 200, .dup_of = 150 },
	  KTLS_E_ALERT_illegal_parameter, KTLS_E_ALERT_illegal_parameter, false },
	{ "250 shares, a group twice at 17",
	  { .n_shares = 250, .good_share = 0, .dup_share = 17 },
	  KTLS_E_ALERT_illegal_parameter, KTLS_E_ALERT_illegal_parameter, false },
	{ "500 unknown extensions", { .n_unknown = 500 }, 0, 0, false },
	{ "500 unknown extensions, one twice", { .n_unknown = 500, .dup_unknown = true },
	  KTLS_E_ALERT_illegal_parameter, KTLS_E_ALERT_illegal_parameter, false },
	{ "all of it at once",
	  { .n_unknown = 500, .n_schemes = 300, .n_shares = 250, .good_share = 249 },
	  0, 0, false },
	{ "legacy_version 0x0300", { .legacy_version = 0x0300 },
	  KTLS_E_ALERT_protocol_version, KTLS_E_ALERT_protocol_version, false },
	{ "legacy_version 0x0200", { .legacy_version = 0x0200 },
	  KTLS_E_ALERT_protocol_version, KTLS_E_ALERT_protocol_version, false },
	{ "legacy_version 0x0301", { .legacy_version = 0x0301 }, 0, 0, false },
};

START_TEST(test_hostile_hello_answers)
{
	const struct hello_case *t = &cases[_i / M_COUNT];
	enum mode mode = (enum mode)(_i % M_COUNT);
	int want = mode == M_ASYNC_PSK ? t->want_psk : t->want_cert;
	struct answer a;

	serve(&t->h, mode, &a);
	ck_assert_msg(a.ret == want, "%s (%s): got %d, want %d", t->what,
		      mode_name[mode], a.ret, want);
	if (want)
		return;
	ck_assert_msg(a.hrr == t->hrr, "%s (%s): retry %d", t->what, mode_name[mode], a.hrr);
	ck_assert_uint_eq(a.group, KTLS_GROUP_X25519);
	if (t->hrr)
		return;
	ck_assert(a.psk == (mode == M_ASYNC_PSK));
	if (mode != M_ASYNC_PSK)
		ck_assert_uint_eq(a.scheme, GOOD_SCHEME);
}
END_TEST

/*
 * Finished of a wrong length sent to @victim (KTLS_ROLE_SERVER: the
 * client's Finished; else the server's), the server signing in @mode.
 */
struct fin_pair {
	struct ktls_config ccfg, scfg;
	struct ktls_credential *cred;
	struct ktls_trust *trust;
	struct ktls_conn *cli, *srv;
};

static void move_all(struct ktls_conn *from, struct ktls_conn *to)
{
	const uint8_t *out;
	size_t len, used;

	while ((out = ktls_output(from, &len)) && len) {
		used = 0;
		(void)!ktls_input(to, out, len, &used);
		ktls_output_ack(from, used);
		if (!used || (ktls_status(to) & KTLS_FAILED))
			break;
	}
}

/* Seal a handshake message of @body_len zero bytes as @c, in pieces. */
static void send_finished(struct ktls_conn *c, struct ktls_conn *to, size_t body_len)
{
	static uint8_t fin[4 + 40 * 1024];
	size_t len = 4 + body_len, off = 0;

	ck_assert_uint_le(len, sizeof(fin));
	memset(fin, 0, len);
	fin[0] = KTLS_HS_FINISHED;
	fin[1] = (uint8_t)(body_len >> 16);
	fin[2] = (uint8_t)(body_len >> 8);
	fin[3] = (uint8_t)body_len;
	while (off < len && !(ktls_status(to) & KTLS_FAILED)) {
		size_t n = len - off < 16384 ? len - off : 16384;

		ck_assert_int_eq(krec_write(c, KTLS_CT_HANDSHAKE, fin + off, n), 0);
		off += n;
		move_all(c, to);
	}
}

static void fin_case(enum ktls_role victim, size_t body_len, bool async, int want)
{
	struct ktls_ops ops = ktls_default_ops;
	struct fin_pair p;
	struct ktls_result rv, rs;
	struct ktls_conn *sender, *target;
	const uint8_t *out;
	size_t len, off, n_enc = 0, last = 0;

	memset(&p, 0, sizeof(p));
	memset(&later, 0, sizeof(later));
	ktls_config_init(&p.ccfg);
	ktls_config_init(&p.scfg);
	ck_assert_int_eq(ktls_trust_load(testcert_ca_file(), NULL, NULL, &p.trust), 0);
	p.ccfg.trust = p.trust;
	p.scfg.cred = p.cred = server_cred();
	if (async)
		ops.sign = sign_later;
	ck_assert_int_eq(ktls_conn_new(&p.ccfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &p.cli), 0);
	ck_assert_int_eq(ktls_conn_new(&p.scfg, &ops, KTLS_ROLE_SERVER, &p.srv), 0);
	ck_assert_int_eq(ktls_conn_set_peer_name(p.cli, "server.test"), 0);
	ck_assert_int_eq(ktls_start(p.cli), 0);
	move_all(p.cli, p.srv);
	if (async) {
		ck_assert(ktls_status(p.srv) & KTLS_PENDING);
		ck_assert_int_eq(sign_now(p.srv, p.cred), 0);
	}
	ck_assert(!(ktls_status(p.srv) & KTLS_FAILED));

	if (victim == KTLS_ROLE_SERVER) {
		/* The client takes the flight; its own Finished is replaced. */
		move_all(p.srv, p.cli);
		ck_assert(ktls_status(p.cli) & KTLS_DONE);
		out = ktls_output(p.cli, &len);
		ktls_output_ack(p.cli, len);
		ck_assert_int_eq(kconn_set_write_key(p.cli, p.cli->c_hs), 0);
		sender = p.cli;
		target = p.srv;
	} else {
		/* Every record of the flight but the last, the Finished. */
		out = ktls_output(p.srv, &len);
		for (off = 0; off + 5 <= len; off += 5 + (((size_t)out[off + 3] << 8) | out[off + 4])) {
			if (out[off] == KTLS_CT_APPLICATION_DATA) {
				n_enc++;
				last = off;
			}
		}
		ck_assert_uint_eq(off, len);
		ck_assert_uint_ge(n_enc, 2);
		off = 0;
		while (off < last) {
			size_t used = 0;

			ck_assert_int_eq(ktls_input(p.cli, out + off, last - off, &used), 0);
			ck_assert_uint_gt(used, 0);
			off += used;
		}
		ck_assert(!(ktls_status(p.cli) & (KTLS_FAILED | KTLS_DONE)));
		ktls_output_ack(p.srv, len);
		/* Seal in the place of the Finished: handshake key, its sequence. */
		ck_assert_int_eq(kconn_set_write_key(p.srv, p.srv->s_hs), 0);
		ck_assert_int_eq(kconn_aead_ready(p.srv, &p.srv->wr), 0);
		p.srv->wr.seq = n_enc - 1;
		sender = p.srv;
		target = p.cli;
	}
	send_finished(sender, target, body_len);
	ktls_get_result(target, &rv);
	ck_assert_msg(ktls_status(target) & KTLS_FAILED, "Finished of %zu bytes taken",
		      body_len);
	ck_assert_msg(rv.error == want, "Finished of %zu bytes: got %d (%s), want %d",
		      body_len, rv.error, ktls_error_detail(target), want);
	ck_assert_int_eq(rv.alert_sent, KTLS_E_ALERT_OF(want));
	/* The alert reaches the sender, which reads it with its peer's key. */
	move_all(target, sender);
	ktls_get_result(sender, &rs);
	ck_assert_int_eq(rs.alert_received, KTLS_E_ALERT_OF(want));
	ktls_conn_free(p.cli);
	ktls_conn_free(p.srv);
	ktls_trust_free(p.trust);
	ktls_credential_free(p.cred);
}

static const struct {
	size_t body_len;
	int want;
} fin_cases[] = {
	{ 40, KTLS_E_ALERT_decode_error },		/* §4.4.4: not Hash.length */
	{ 31, KTLS_E_ALERT_decode_error },
	{ 0, KTLS_E_ALERT_decode_error },
	{ 40 * 1024, KTLS_E_ALERT_decode_error },	/* over our bound too */
	{ 32, KTLS_E_ALERT_decrypt_error },		/* the right length, wrong MAC */
};

START_TEST(test_hostile_hello_finished_length)
{
	size_t row = (size_t)_i / 4;
	enum ktls_role victim = _i % 2 ? KTLS_ROLE_CLIENT : KTLS_ROLE_SERVER;
	bool async = (_i / 2) % 2;

	fin_case(victim, fin_cases[row].body_len, async, fin_cases[row].want);
}
END_TEST

/* A CertificateRequest of @n schemes: unknown ones, then @last. */
static size_t build_cr(uint8_t *buf, size_t cap, size_t n, uint16_t last)
{
	struct kw w;
	struct kw_mark msg, exts, e, l;
	size_t i;

	kw_init(&w, buf, cap);
	kw_u8(&w, KTLS_HS_CERTIFICATE_REQUEST);
	msg = kw_open24(&w);
	kw_u8(&w, 0);
	exts = kw_open16(&w);
	ext_begin(&w, KTLS_EXT_SIGNATURE_ALGORITHMS, &e);
	l = kw_open16(&w);
	for (i = 0; i + 1 < n; i++)
		kw_u16(&w, (uint16_t)(0xfe00 + i));
	kw_u16(&w, last);
	kw_close(&w, l);
	kw_close(&w, e);
	kw_close(&w, exts);
	kw_close(&w, msg);
	ck_assert(kw_ok(&w));
	return w.len;
}

START_TEST(test_hostile_hello_certificate_request_schemes)
{
	static const struct {
		size_t n;
		uint16_t last;
		uint16_t want;
	} tab[] = {
		{ 1, GOOD_SCHEME, GOOD_SCHEME },
		{ 33, GOOD_SCHEME, GOOD_SCHEME },	/* past the old cut of 32 */
		{ 300, GOOD_SCHEME, GOOD_SCHEME },
		{ 300, 0xfdff, 0 },			/* none ours: no scheme */
	};
	static uint8_t cr[4096];
	struct ktls_config ccfg, scfg;
	struct ktls_credential *scred = server_cred(), *ccred = server_cred();
	struct ktls_trust *trust;
	struct ktls_conn *cli, *srv;
	const uint8_t *out;
	size_t len, off, rec, used, cr_len, i;

	ktls_config_init(&ccfg);
	ktls_config_init(&scfg);
	ck_assert_int_eq(ktls_trust_load(testcert_ca_file(), NULL, NULL, &trust), 0);
	ccfg.trust = trust;
	ccfg.cred = ccred;
	scfg.cred = scred;
	scfg.flags |= KTLS_F_REQUEST_CLIENT_CERT;
	ck_assert_int_eq(ktls_conn_new(&ccfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &cli), 0);
	ck_assert_int_eq(ktls_conn_new(&scfg, &ktls_default_ops, KTLS_ROLE_SERVER, &srv), 0);
	ck_assert_int_eq(ktls_conn_set_peer_name(cli, "server.test"), 0);
	ck_assert_int_eq(ktls_start(cli), 0);
	move_all(cli, srv);
	/* The server's records one by one, up to its CertificateRequest. */
	out = ktls_output(srv, &len);
	for (off = 0; cli->state != KSM_C_WAIT_CERT_CR; off += rec) {
		ck_assert_uint_le(off + 5, len);
		rec = 5 + (((size_t)out[off + 3] << 8) | out[off + 4]);
		used = 0;
		ck_assert_int_eq(ktls_input(cli, out + off, rec, &used), 0);
		ck_assert_uint_eq(used, rec);
	}
	/* In the place of the server's request, each of ours (§4.3.2, §4.2.3). */
	for (i = 0; i < N(tab); i++) {
		cli->state = KSM_C_WAIT_CERT_CR;
		cr_len = build_cr(cr, sizeof(cr), tab[i].n, tab[i].last);
		ck_assert_int_eq(ksm_c_certificate_request(cli, cr, cr_len), 0);
		ck_assert_int_eq(cli->state, KSM_C_WAIT_CERT);
		ck_assert_msg(ksm_pick_sigscheme(cli, cli->peer_sigs, cli->n_peer_sigs) ==
			      tab[i].want, "%zu schemes", tab[i].n);
	}
	ktls_conn_free(cli);
	ktls_conn_free(srv);
	ktls_trust_free(trust);
	ktls_credential_free(scred);
	ktls_credential_free(ccred);
}
END_TEST

static Suite *hostile_hello_suite(void)
{
	Suite *s = suite_create("hostile_hello");
	TCase *tc = tcase_create("hostile_hello");

	tcase_add_loop_test(tc, test_hostile_hello_answers, 0, (int)(N(cases) * M_COUNT));
	tcase_add_test(tc, test_hostile_hello_certificate_request_schemes);
	tcase_add_loop_test(tc, test_hostile_hello_finished_length, 0, (int)(N(fin_cases) * 4));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hostile_hello_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	testcert_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
