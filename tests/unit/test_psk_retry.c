// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * External PSKs through a HelloRetryRequest, and what a retry resets
 * (sm_server.c, sm_client.c, keysched.c, engine.c; docs/design.md, "What a
 * HelloRetryRequest resets" and "PSK length"). Our client meets our server
 * in memory, with the PSK lookup answering at once (sync) or later
 * (async, as ktlsd's monitor does). The attacker's cases use a client
 * whose state a hook changes between the hellos, or a hello edited on the
 * way and, where it must still carry valid binders, rebound in the test
 * over the transcript the server holds (message_hash(CH1) || HRR ||
 * truncated CH2, RFC 8446 §4.2.11.2).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktls/ktls.h>

#include "conn.h"
#include "keysched.h"
#include "msg.h"
#include "testcert.h"

#define BUF (KTLS_OUT_CAP + 4096)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t key_a[32] = "key of host a, 32 bytes long...";
static const uint8_t key_b[32] = "key of host b, 32 bytes long...";
static const uint8_t key_wrong[32] = "a guess at the key, not the key";
static const uint8_t key_384[48] = "a key for the SHA-384 PSK, forty-eight bytes..";

#define ID_A "NVMe0R01 nqn.host-a nqn.subsys"
#define ID_B "NVMe0R01 nqn.host-b nqn.subsys"
#define ID_384 "NVMe0R02 nqn.host-c nqn.subsys"
#define ID_UNKNOWN "NVMe0R01 nqn.nobody nqn.subsys"

struct known {
	const char *id;
	const uint8_t *key;
	size_t key_len;
	enum ktls_hash hash;
};

/* The server's PSKs. */
static const struct known known[] = {
	{ ID_A, key_a, 32, KTLS_HASH_SHA256 },
	{ ID_B, key_b, 32, KTLS_HASH_SHA256 },
	{ ID_384, key_384, 48, KTLS_HASH_SHA384 },
};

struct rig;
typedef void (*hook_fn)(struct rig *r);
/* Rewrite the hello in @msg (flight @flight from @dir, 0 = client) into @out. */
typedef size_t (*edit_fn)(struct rig *r, int dir, int flight, const uint8_t *msg,
			  size_t len, uint8_t *out);

struct rig {
	struct ktls_config ccfg, scfg;
	struct ktls_conn *cli, *srv;
	bool async;
	long ch1_key_len;	/* >= 0: the lookup answers the first hello with this length */
	long ch2_key_len;	/* ... and the retried one */
	int lookups[2];		/* lookups for the first and the retried hello */
	bool pending;
	int pend_ret;
	struct ktls_psk pend;
	hook_fn on_hrr;		/* before the client reads the HRR */
	edit_fn edit;
	const uint8_t *rebind_key;	/* edit_rebind: key for CH2's binders */
	size_t rebind_key_len;
	uint8_t ch1[BUF], hrr[BUF];	/* as sent, for the server's transcript */
	size_t ch1_len, hrr_len;
	uint8_t q[2][BUF];	/* bytes on the way, per direction */
	size_t qlen[2];
	int flights[2];
	int ccs[2];		/* change_cipher_spec records per direction */
};

static struct rig rig;
static unsigned int rig_client_flags;	/* for the next rig_init() */
static const char *case_name = "";	/* in failure messages */

static int rig_lookup(void *arg, const uint8_t *id, size_t len, struct ktls_psk *out)
{
	struct rig *r = arg;
	bool second = r->srv->hrr;
	struct ktls_psk p;
	int ret = KTLS_E_ALERT_unknown_psk_identity;
	long force = second ? r->ch2_key_len : r->ch1_key_len;
	size_t i;

	memset(&p, 0, sizeof(p));
	r->lookups[second]++;
	for (i = 0; i < N(known); i++) {
		if (strlen(known[i].id) != len || memcmp(known[i].id, id, len))
			continue;
		p.identity = (const uint8_t *)known[i].id;
		p.identity_len = len;
		p.key = known[i].key;
		p.key_len = force >= 0 ? (size_t)force : known[i].key_len;
		p.hash = known[i].hash;
		p.tag = (uint32_t)i + 1;
		ret = 0;
	}
	if (r->async) {
		ck_assert(!r->pending);
		r->pending = true;
		r->pend_ret = ret;
		r->pend = p;
		return KTLS_E_PENDING;
	}
	if (!ret)
		*out = p;
	return ret;
}

/*
 * A client offering @offer to a PSK-only server. The server has only
 * P-384 and the client shares X25519, so the server asks for a retry.
 */
static void rig_init(struct rig *r, bool async, const struct ktls_psk *offer, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->async = async;
	r->ch1_key_len = r->ch2_key_len = -1;
	ktls_config_init(&r->ccfg);
	ktls_config_init(&r->scfg);
	r->ccfg.flags |= rig_client_flags;
	r->scfg.groups[0] = KTLS_GROUP_SECP384R1;
	r->scfg.n_groups = 1;
	r->scfg.psk_lookup = rig_lookup;
	r->scfg.psk_lookup_arg = r;
	ck_assert_int_eq(ktls_conn_new(&r->ccfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &r->cli), 0);
	ck_assert_int_eq(ktls_conn_new(&r->scfg, &ktls_default_ops, KTLS_ROLE_SERVER, &r->srv), 0);
	if (n)
		ck_assert_int_eq(ktls_conn_set_psks(r->cli, offer, n), 0);
}

static void rig_free(struct rig *r)
{
	ktls_conn_free(r->cli);
	ktls_conn_free(r->srv);
	r->cli = r->srv = NULL;
}

static struct ktls_psk offer_of(const char *id, const uint8_t *key, size_t key_len,
				enum ktls_hash hash)
{
	struct ktls_psk p = {
		.identity = (const uint8_t *)id, .identity_len = strlen(id),
		.key = key, .key_len = key_len, .hash = hash, .tag = 7,
	};

	return p;
}

static void count_ccs(struct rig *r, int dir, const uint8_t *p, size_t len)
{
	while (len >= 5) {
		size_t n = 5 + (((size_t)p[3] << 8) | p[4]);

		if (p[0] == KTLS_CT_CHANGE_CIPHER_SPEC)
			r->ccs[dir]++;
		if (n > len)
			break;
		p += n;
		len -= n;
	}
}

/* The hello in the first record of @buf: offset and length. */
static bool first_hello(const uint8_t *buf, size_t len, size_t *msg_len)
{
	size_t rec;

	if (len < 9 || buf[0] != KTLS_CT_HANDSHAKE)
		return false;
	rec = ((size_t)buf[3] << 8) | buf[4];
	if (rec + 5 > len)
		return false;
	ck_assert_uint_eq(rec, 4 + (((size_t)buf[6] << 16) | ((size_t)buf[7] << 8) | buf[8]));
	*msg_len = rec;
	return true;
}

/* One step of traffic from @dir's side to the other; true if anything moved. */
static bool flow(struct rig *r, int dir)
{
	struct ktls_conn *from = dir ? r->srv : r->cli, *to = dir ? r->cli : r->srv;
	static uint8_t buf[BUF], out[BUF];
	const uint8_t *o;
	size_t len, used = 0, mlen, skip;
	bool moved = false;

	o = ktls_output(from, &len);
	if (len) {
		ck_assert_uint_le(len, sizeof(buf));
		memcpy(buf, o, len);
		ktls_output_ack(from, len);
		r->flights[dir]++;
		count_ccs(r, dir, buf, len);
		if (first_hello(buf, len, &mlen)) {
			if (dir == 0 && r->flights[0] == 1) {
				memcpy(r->ch1, buf + 5, mlen);
				r->ch1_len = mlen;
			}
			if (dir == 1 && r->flights[1] == 1 && r->srv->hrr) {
				memcpy(r->hrr, buf + 5, mlen);
				r->hrr_len = mlen;
			}
		}
		if (dir == 1 && r->flights[1] == 1 && r->on_hrr)
			r->on_hrr(r);
		/* The hello, after the compatibility CCS that may lead. */
		skip = len >= 6 && buf[0] == KTLS_CT_CHANGE_CIPHER_SPEC ? 6 : 0;
		if (r->edit && first_hello(buf + skip, len - skip, &mlen)) {
			size_t n = r->edit(r, dir, r->flights[dir], buf + skip + 5, mlen,
					   out + skip + 5);

			if (n) {
				memcpy(out, buf, skip);
				out[skip] = KTLS_CT_HANDSHAKE;
				out[skip + 1] = 3;
				out[skip + 2] = 3;
				out[skip + 3] = (uint8_t)(n >> 8);
				out[skip + 4] = (uint8_t)n;
				memcpy(out + skip + 5 + n, buf + skip + 5 + mlen,
				       len - skip - 5 - mlen);
				len = len + n - mlen;
				memcpy(buf, out, len);
			}
		}
		ck_assert_uint_le(r->qlen[dir] + len, sizeof(r->q[dir]));
		memcpy(r->q[dir] + r->qlen[dir], buf, len);
		r->qlen[dir] += len;
		moved = true;
	}
	if (r->qlen[dir] && !(ktls_status(to) & (KTLS_FAILED | KTLS_PENDING))) {
		int ret = ktls_input(to, r->q[dir], r->qlen[dir], &used);

		/* A failure shows in the status; the bytes it read are gone. */
		ck_assert(!ret || (ktls_status(to) & KTLS_FAILED));
		memmove(r->q[dir], r->q[dir] + used, r->qlen[dir] - used);
		r->qlen[dir] -= used;
		moved = moved || used;
	}
	return moved;
}

/* Run the handshake to its end; true when both sides are done. */
static bool rig_run(struct rig *r)
{
	int i;

	ck_assert_int_eq(ktls_start(r->srv), 0);
	ck_assert_int_eq(ktls_start(r->cli), 0);
	for (i = 0; i < 64; i++) {
		bool moved = false;

		if (r->pending) {
			ck_assert(ktls_status(r->srv) & KTLS_PENDING);
			r->pending = false;
			int ret = ktls_psk_lookup_done(r->srv, r->pend_ret,
						       r->pend_ret ? NULL : &r->pend);

			ck_assert(!ret || (ktls_status(r->srv) & KTLS_FAILED));
			moved = true;
		}
		moved |= flow(r, 0);
		moved |= flow(r, 1);
		if (!moved)
			break;
	}
	ck_assert(!r->pending);
	return (ktls_status(r->cli) & KTLS_DONE) && (ktls_status(r->srv) & KTLS_DONE);
}

static void keys_match(struct ktls_conn *a, struct ktls_conn *b)
{
	struct ktls_traffic_keys ka, kb;

	ck_assert_int_eq(ktls_get_traffic_keys(a, KTLS_TX, &ka), 0);
	ck_assert_int_eq(ktls_get_traffic_keys(b, KTLS_RX, &kb), 0);
	ck_assert_uint_eq(ka.key_len, kb.key_len);
	ck_assert_mem_eq(ka.key, kb.key, ka.key_len);
	ck_assert_mem_eq(ka.iv, kb.iv, 12);
	ktls_traffic_keys_wipe(&ka);
	ktls_traffic_keys_wipe(&kb);
}

/* Both done through a retry, on the PSK with @tag, with the same keys. */
static void expect_ok(struct rig *r, uint32_t tag)
{
	struct ktls_result rc, rs;

	if (!rig_run(r))
		ck_abort_msg("handshake failed: client '%s', server '%s'",
			     ktls_error_detail(r->cli), ktls_error_detail(r->srv));
	ktls_get_result(r->cli, &rc);
	ktls_get_result(r->srv, &rs);
	ck_assert(rc.hrr && rs.hrr);
	ck_assert(rc.psk && rs.psk);
	ck_assert_uint_eq(rs.psk_tag, tag);
	ck_assert_uint_eq(rc.suite, rs.suite);
	ck_assert_uint_eq(rs.group, KTLS_GROUP_SECP384R1);
	ck_assert_uint_eq(rc.group, KTLS_GROUP_SECP384R1);
	keys_match(r->cli, r->srv);
	keys_match(r->srv, r->cli);
}

/*
 * @who (0 client, 1 server) failed with local alert @alert, the other side
 * received it, neither has keys, and @who's detail contains @detail.
 */
static void expect_alert(struct rig *r, int who, int err, const char *detail)
{
	struct ktls_conn *me = who ? r->srv : r->cli, *peer = who ? r->cli : r->srv;
	struct ktls_result rm, rp;
	struct ktls_traffic_keys k;
	int alert = ktls_error_alert(err);

	ck_assert_msg(!rig_run(r), "%s: handshake completed, want '%s'", case_name,
		      detail ? detail : "");
	ktls_get_result(me, &rm);
	ktls_get_result(peer, &rp);
	ck_assert_msg(rm.error == err, "%s: %s error %d (%s), want %d", case_name,
		      who ? "server" : "client", rm.error, ktls_error_detail(me), err);
	ck_assert_int_eq(rm.alert_sent, alert);
	ck_assert_int_eq(rp.alert_received, alert);
	ck_assert_int_eq(rp.error, KTLS_E_PEER_ALERT(alert));
	ck_assert(ktls_status(me) & KTLS_FAILED);
	ck_assert(ktls_status(peer) & KTLS_FAILED);
	ck_assert_int_ne(ktls_get_traffic_keys(me, KTLS_TX, &k), 0);
	ck_assert_int_ne(ktls_get_traffic_keys(peer, KTLS_TX, &k), 0);
	if (detail)
		ck_assert_msg(strstr(ktls_error_detail(me), detail), "%s: detail '%s', want '%s'",
			      case_name, ktls_error_detail(me), detail);
}

/* ---- editing hellos ---- */

struct hello_ext {
	uint16_t type;
	const uint8_t *body;
	size_t len;
};

/* Split a ClientHello (@ch) or ServerHello into fixed part and extensions. */
static size_t hello_split(const uint8_t *msg, size_t len, bool ch,
			  struct hello_ext *e, size_t *n)
{
	struct kr r, sub, exts;
	size_t prefix;

	kr_init(&r, msg + 4, len - 4);
	kr_skip(&r, 2 + 32);
	kr_open8(&r, &sub, 0, 32);
	kr_skip(&sub, kr_left(&sub));
	if (ch) {
		kr_open16(&r, &sub, 2, 0xfffe);
		kr_skip(&sub, kr_left(&sub));
		kr_open8(&r, &sub, 1, 255);
		kr_skip(&sub, kr_left(&sub));
	} else {
		kr_skip(&r, 3);
	}
	prefix = (size_t)(r.p - msg);
	kr_open16(&r, &exts, 0, 0xffff);
	*n = 0;
	while (kr_ok(&exts) && kr_left(&exts)) {
		struct kr b;

		ck_assert_uint_lt(*n, 64);
		e[*n].type = kr_u16(&exts);
		kr_open16(&exts, &b, 0, 0xffff);
		e[*n].len = kr_left(&b);
		e[*n].body = kr_bytes(&b, e[*n].len);
		(*n)++;
	}
	ck_assert(kr_done(&r) && kr_ok(&exts));
	return prefix;
}

/*
 * Copy the hello in @msg to @out with extension @type replaced by @body
 * (@blen bytes), removed (@blen < 0), or added before pre_shared_key (or
 * last) when absent.
 */
static size_t hello_edit(const uint8_t *msg, size_t len, bool ch, uint16_t type,
			 const uint8_t *body, long blen, uint8_t *out)
{
	struct hello_ext e[64];
	struct kw w;
	struct kw_mark m, x;
	size_t i, n, prefix = hello_split(msg, len, ch, e, &n);
	bool done = false;

	kw_init(&w, out, BUF - 8);
	kw_bytes(&w, msg, prefix);
	m = kw_open16(&w);
	for (i = 0; i <= n; i++) {
		bool here = i == n || e[i].type == type ||
			    (e[i].type == KTLS_EXT_PRE_SHARED_KEY && type != e[i].type);

		if (!done && here && blen >= 0) {
			kw_u16(&w, type);
			x = kw_open16(&w);
			kw_bytes(&w, body, (size_t)blen);
			kw_close(&w, x);
		}
		if (i < n && e[i].type == type) {
			done = true;
			continue;
		}
		if (here && blen >= 0)
			done = true;
		if (i < n) {
			kw_u16(&w, e[i].type);
			x = kw_open16(&w);
			kw_bytes(&w, e[i].body, e[i].len);
			kw_close(&w, x);
		}
	}
	kw_close(&w, m);
	ck_assert(kw_ok(&w));
	out[1] = (uint8_t)((w.len - 4) >> 16);
	out[2] = (uint8_t)((w.len - 4) >> 8);
	out[3] = (uint8_t)(w.len - 4);
	return w.len;
}

/* The body of extension @type in a hello (NULL if absent), writable in @msg. */
static uint8_t *hello_ext(uint8_t *msg, size_t len, bool ch, uint16_t type, size_t *blen)
{
	struct hello_ext e[64];
	size_t i, n;

	hello_split(msg, len, ch, e, &n);
	for (i = 0; i < n; i++) {
		if (e[i].type == type) {
			*blen = e[i].len;
			return msg + (e[i].body - msg);
		}
	}
	return NULL;
}

/*
 * Copy the server's hello @msg to @out and find extension @type in the
 * copy, which must carry it: the start of each SH or HRR edit below that
 * rewrites one extension.
 */
static uint8_t *copy_server_ext(uint8_t *out, const uint8_t *msg, size_t len, uint16_t type,
				size_t *blen)
{
	uint8_t *b;

	memcpy(out, msg, len);
	b = hello_ext(out, len, false, type, blen);
	ck_assert_ptr_nonnull(b);
	return b;
}

/*
 * Recompute every binder of the ClientHello in @msg with @key over the
 * transcript the server holds after its HelloRetryRequest.
 */
static void rebind(const struct rig *r, uint8_t *msg, size_t len, enum ktls_hash hash,
		   const uint8_t *key, size_t key_len)
{
	uint8_t mh[4 + KC_MAX_HASH], early[KC_MAX_HASH], bkey[KC_MAX_HASH], th[KC_MAX_HASH];
	uint8_t empty[KC_MAX_HASH];
	size_t hlen = kc_hash_len(hash), i;
	struct kc_hash h = { 0 };
	struct kmsg_ch ch;

	ck_assert_int_eq(kmsg_ch_parse(msg, len, &ch), 0);
	ck_assert(ch.has_psk && r->hrr_len);
	mh[0] = KTLS_HS_MESSAGE_HASH;
	mh[1] = mh[2] = 0;
	mh[3] = (uint8_t)hlen;
	ck_assert_int_eq(kc_digest(hash, r->ch1, r->ch1_len, mh + 4), 0);
	ck_assert_int_eq(kc_hash_init(&h, hash), 0);
	ck_assert_int_eq(kc_hash_update(&h, mh, 4 + hlen), 0);
	ck_assert_int_eq(kc_hash_update(&h, r->hrr, r->hrr_len), 0);
	ck_assert_int_eq(kc_hash_update(&h, msg, ch.binders_off), 0);
	ck_assert_int_eq(kc_hash_peek(&h, th), 0);
	kc_hash_free(&h);
	/* The key schedule by hand: ks_init() would refuse a short key. */
	ck_assert_int_eq(kc_digest(hash, "", 0, empty), 0);
	ck_assert_int_eq(kc_hkdf_extract(hash, NULL, 0, key_len ? key : empty, key_len, early), 0);
	ck_assert_int_eq(kc_hkdf_expand_label(hash, early, "ext binder", empty, hlen, bkey,
					      hlen), 0);
	for (i = 0; i < ch.n_ids; i++) {
		ck_assert_uint_eq(ch.ids[i].binder_len, hlen);
		ck_assert_int_eq(ks_finished_mac(hash, bkey, th,
						 msg + (ch.ids[i].binder - msg)), 0);
	}
}

/* CH2 rebound with r->rebind_key. */
static size_t edit_rebind(struct rig *r, int dir, int flight, const uint8_t *msg,
			  size_t len, uint8_t *out)
{
	if (dir != 0 || flight != 2)
		return 0;
	memcpy(out, msg, len);
	rebind(r, out, len, KTLS_HASH_SHA256, r->rebind_key, r->rebind_key_len);
	return len;
}

/* ---- PSK through a retry: the cases ---- */

START_TEST(test_psk_retry_right_key)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, _i, &o, 1);
	expect_ok(&rig, 1);
	/* Each hello was looked up on its own (§4.1.4). */
	ck_assert_int_eq(rig.lookups[0], 1);
	ck_assert_int_eq(rig.lookups[1], 1);
	rig_free(&rig);
}
END_TEST

/* The shortest key taken works through a retry; one byte less is refused. */
START_TEST(test_psk_retry_min_key)
{
	struct ktls_psk o = offer_of(ID_A, key_a, KTLS_MIN_PSK_KEY, KTLS_HASH_SHA256);

	rig_init(&rig, _i, &o, 1);
	rig.ch1_key_len = rig.ch2_key_len = KTLS_MIN_PSK_KEY;
	expect_ok(&rig, 1);
	rig_free(&rig);
}
END_TEST

/* A client without the key is refused at the first hello: no retry. */
START_TEST(test_psk_retry_wrong_key)
{
	struct ktls_psk o = offer_of(ID_A, key_wrong, 32, KTLS_HASH_SHA256);
	struct ktls_result rs;

	rig_init(&rig, _i, &o, 1);
	expect_alert(&rig, 1, KTLS_E_ALERT_decrypt_error, "binder");
	ktls_get_result(rig.srv, &rs);
	ck_assert(!rs.hrr);
	ck_assert_int_eq(rig.hrr_len, 0);
	rig_free(&rig);
}
END_TEST

/*
 * CH1 offers the right key's binders; edit_rebind then makes CH2's binders
 * with @key of @key_len bytes. The server must look CH2 up afresh and fail
 * the binder check with decrypt_error. The rig is left for the caller's
 * own checks and rig_free().
 */
static void rebind_refused(bool async, const uint8_t *key, size_t key_len)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, async, &o, 1);
	rig.edit = edit_rebind;
	rig.rebind_key = key;
	rig.rebind_key_len = key_len;
	expect_alert(&rig, 1, KTLS_E_ALERT_decrypt_error, "binder");
}

/* Right binders in CH1, a wrong key's binders in CH2. */
START_TEST(test_psk_retry_wrong_key_second_hello)
{
	rebind_refused(_i, key_wrong, 32);
	ck_assert_int_eq(rig.lookups[1], 1);
	rig_free(&rig);
}
END_TEST

/*
 * The bypass of issue 8: CH2's binders made with an empty key. The server
 * looks CH2 up afresh and checks them against the real key.
 */
START_TEST(test_psk_retry_empty_key_second_hello)
{
	rebind_refused(_i, NULL, 0);
	ck_assert_int_eq(rig.lookups[0], 1);
	ck_assert_int_eq(rig.lookups[1], 1);
	rig_free(&rig);
}
END_TEST

/* The same, with binders of a 15-byte key. */
START_TEST(test_psk_retry_short_key_second_hello)
{
	rebind_refused(_i, key_a, KTLS_MIN_PSK_KEY - 1);
	rig_free(&rig);
}
END_TEST

/* A lookup answering an empty or short key: refused, at either hello. */
static void lookup_answers(bool async, long ch1, long ch2)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, async, &o, 1);
	rig.ch1_key_len = ch1;
	rig.ch2_key_len = ch2;
	expect_alert(&rig, 1, KTLS_E_NOKEY, NULL);
	ck_assert_int_eq(rig.hrr_len ? 1 : 0, ch1 < 0);
	rig_free(&rig);
}

START_TEST(test_psk_retry_lookup_empty_key)
{
	lookup_answers(_i, 0, -1);
	lookup_answers(_i, -1, 0);
	lookup_answers(_i, KTLS_MIN_PSK_KEY - 1, -1);
	lookup_answers(_i, -1, KTLS_MIN_PSK_KEY - 1);
}
END_TEST

/* Hooks that change the client between the hellos. */
static void hook_change_identity(struct rig *r)
{
	/* Another identity the server knows, with its right key. */
	struct kpsk *p = &r->cli->psks[0];

	memcpy(p->identity, ID_B, strlen(ID_B));
	p->identity_len = strlen(ID_B);
	memcpy(p->key, key_b, 32);
}

static void hook_add_identity(struct rig *r)
{
	struct kpsk *p = &r->cli->psks[1];

	memcpy(p->identity, ID_B, strlen(ID_B));
	p->identity_len = strlen(ID_B);
	memcpy(p->key, key_b, 32);
	p->key_len = 32;
	p->hash = KTLS_HASH_SHA256;
	r->cli->n_psks = 2;
}

static void hook_drop_first(struct rig *r)
{
	r->cli->psks[0] = r->cli->psks[1];
	r->cli->n_psks = 1;
}

static void hook_swap(struct rig *r)
{
	struct kpsk t = r->cli->psks[0];

	r->cli->psks[0] = r->cli->psks[1];
	r->cli->psks[1] = t;
}

START_TEST(test_psk_retry_identity_changed)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, _i, &o, 1);
	rig.on_hrr = hook_change_identity;
	expect_alert(&rig, 1, KTLS_E_ALERT_illegal_parameter, "PSK identity");
	/* Refused before anything was looked up for it. */
	ck_assert_int_eq(rig.lookups[1], 0);
	rig_free(&rig);
}
END_TEST

START_TEST(test_psk_retry_identity_added)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, _i, &o, 1);
	rig.on_hrr = hook_add_identity;
	expect_alert(&rig, 1, KTLS_E_ALERT_illegal_parameter, "PSK identity");
	rig_free(&rig);
}
END_TEST

START_TEST(test_psk_retry_identities_reordered)
{
	struct ktls_psk o[2] = { offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256),
				 offer_of(ID_B, key_b, 32, KTLS_HASH_SHA256) };

	rig_init(&rig, _i, o, 2);
	rig.on_hrr = hook_swap;
	expect_alert(&rig, 1, KTLS_E_ALERT_illegal_parameter, "PSK identity");
	rig_free(&rig);
}
END_TEST

/* A retried hello may drop identities (§4.1.2): by hand, or for the hash. */
START_TEST(test_psk_retry_identity_dropped)
{
	struct ktls_psk o[2] = { offer_of(ID_UNKNOWN, key_b, 32, KTLS_HASH_SHA256),
				 offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256) };
	struct ktls_psk h[2] = { offer_of(ID_384, key_384, 48, KTLS_HASH_SHA384),
				 offer_of(ID_B, key_b, 32, KTLS_HASH_SHA256) };
	struct ktls_result rc;

	rig_init(&rig, _i, o, 2);
	rig.on_hrr = hook_drop_first;
	expect_ok(&rig, 1);
	ck_assert_int_eq(rig.lookups[0], 2);
	ck_assert_int_eq(rig.lookups[1], 1);
	rig_free(&rig);

	/*
	 * The server knows both, takes the SHA-384 one first (suite
	 * AES-256/SHA-384), so our client keeps only that one in CH2.
	 * With the SHA-256 one first the SHA-384 one is dropped.
	 */
	rig_init(&rig, _i, h, 2);
	expect_ok(&rig, 3);
	ktls_get_result(rig.cli, &rc);
	ck_assert_uint_eq(rc.suite, KTLS_AES_256_GCM_SHA384);
	ck_assert_mem_eq(rc.psk_identity, ID_384, strlen(ID_384));
	rig_free(&rig);
	h[0] = offer_of(ID_B, key_b, 32, KTLS_HASH_SHA256);
	h[1] = offer_of(ID_384, key_384, 48, KTLS_HASH_SHA384);
	rig_init(&rig, _i, h, 2);
	expect_ok(&rig, 2);
	ck_assert_uint_eq(rig.cli->psk_index, 0);
	rig_free(&rig);
}
END_TEST

/* CH2 with one binder more than identities (§4.2.11). */
static size_t edit_extra_binder(struct rig *r, int dir, int flight, const uint8_t *msg,
				size_t len, uint8_t *out)
{
	static uint8_t body[BUF], tmp[BUF];
	const uint8_t *b;
	struct kr rd, ids;
	size_t blen, n, off;

	if (dir != 0 || flight != 2)
		return 0;
	memcpy(tmp, msg, len);
	b = hello_ext(tmp, len, true, KTLS_EXT_PRE_SHARED_KEY, &blen);
	ck_assert_ptr_nonnull(b);
	memcpy(body, b, blen);
	/* identities<..> then binders<..>, which is last: grow it by one binder. */
	kr_init(&rd, body, blen);
	kr_open16(&rd, &ids, 7, 0xffff);
	kr_skip(&ids, kr_left(&ids));
	off = (size_t)(rd.p - body);
	n = (((size_t)body[off] << 8) | body[off + 1]) + 33;
	body[off] = (uint8_t)(n >> 8);
	body[off + 1] = (uint8_t)n;
	body[blen] = 32;
	memset(body + blen + 1, 0xa5, 32);
	return hello_edit(tmp, len, true, KTLS_EXT_PRE_SHARED_KEY, body, (long)blen + 33, out);
}

START_TEST(test_psk_retry_binder_count_changed)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, _i, &o, 1);
	rig.edit = edit_extra_binder;
	expect_alert(&rig, 1, KTLS_E_ALERT_illegal_parameter, "ClientHello");
	ck_assert_int_eq(rig.lookups[1], 0);
	rig_free(&rig);
}
END_TEST

/* A PSK offered only in the second hello. */
static void hook_add_first_psk(struct rig *r)
{
	hook_add_identity(r);
	r->cli->psks[0] = r->cli->psks[1];
	r->cli->n_psks = 1;
}

/* CH1 without pre_shared_key (certificate authentication), CH2 with one. */
START_TEST(test_psk_retry_psk_added)
{
	struct ktls_credential *cred = NULL;
	struct testcert tc;

	ck_assert_int_eq(testcert_make(TESTCERT_P256, "server.test", 30, false, &tc), 0);
	ck_assert_int_eq(ktls_credential_load_pem(tc.cert, tc.key, &cred), 0);
	rig_init(&rig, _i, NULL, 0);
	rig.scfg.cred = cred;
	rig.ccfg.flags |= KTLS_F_NO_VERIFY;
	rig.on_hrr = hook_add_first_psk;
	expect_alert(&rig, 1, KTLS_E_ALERT_illegal_parameter, "adds a PSK");
	ck_assert_int_eq(rig.lookups[0] + rig.lookups[1], 0);
	rig_free(&rig);
	ktls_credential_free(cred);
}
END_TEST

/* An async answer that is no answer fails the handshake with an alert. */
START_TEST(test_psk_retry_lookup_bogus_result)
{
	static const int bogus[] = { 1, KTLS_E_PENDING, KTLS_E_WANT_INPUT };
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);
	struct ktls_result rs;

	rig_init(&rig, true, &o, 1);
	ck_assert_int_eq(ktls_start(rig.cli), 0);
	ck_assert(flow(&rig, 0));
	ck_assert(rig.pending);
	ck_assert_int_eq(ktls_psk_lookup_done(rig.srv, bogus[_i], NULL), KTLS_E_INTERNAL);
	ktls_get_result(rig.srv, &rs);
	ck_assert(ktls_status(rig.srv) & KTLS_FAILED);
	ck_assert_int_eq(rs.alert_sent, KTLS_ALERT_internal_error);
	ck_assert_int_eq(ktls_error_errno(rs.error), EIO);
	rig.pending = false;
	rig_free(&rig);
}
END_TEST

/* Empty and short keys are refused where they enter. */
START_TEST(test_psk_retry_short_keys_refused_locally)
{
	struct ktls_config cfg;
	struct ktls_conn *c;
	struct ks ks;
	struct ktls_psk o;
	size_t len;

	ktls_config_init(&cfg);
	ck_assert_int_eq(ktls_conn_new(&cfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &c), 0);
	for (len = 0; len < KTLS_MIN_PSK_KEY; len++) {
		o = offer_of(ID_A, key_a, len, KTLS_HASH_SHA256);
		ck_assert_int_eq(ktls_conn_set_psks(c, &o, 1), KTLS_E_INVALID);
		ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA256, key_a, len), KTLS_E_NOKEY);
		ck_assert_uint_eq(ks.hlen, 0);
	}
	o = offer_of(ID_A, NULL, 32, KTLS_HASH_SHA256);
	ck_assert_int_eq(ktls_conn_set_psks(c, &o, 1), KTLS_E_INVALID);
	o = offer_of(ID_A, key_a, KTLS_MIN_PSK_KEY, KTLS_HASH_SHA256);
	ck_assert_int_eq(ktls_conn_set_psks(c, &o, 1), 0);
	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA256, key_a, KTLS_MIN_PSK_KEY), 0);
	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA256, NULL, 0), 0);
	ks_wipe(&ks);
	ktls_conn_free(c);
}
END_TEST

/* ---- what a retry resets: server role ---- */

/* A PSK client with one change between the hellos, refused with @detail. */
static void server_refuses(bool async, hook_fn hook, edit_fn edit, const char *detail)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, async, &o, 1);
	rig.ccfg.alpn = "nvme,h2";
	rig.scfg.alpn = "nvme";
	rig.on_hrr = hook;
	rig.edit = edit;
	expect_alert(&rig, 1, KTLS_E_ALERT_illegal_parameter, detail);
	rig_free(&rig);
}

static void hook_suites(struct rig *r)
{
	r->ccfg.n_suites--;
}

static void hook_sigalgs(struct rig *r)
{
	r->ccfg.n_sigschemes--;
}

static void hook_alpn(struct rig *r)
{
	r->ccfg.alpn = "h2,nvme";
}

static void hook_rsl(struct rig *r)
{
	r->ccfg.record_size_limit = 4096;
}

static void hook_psk_modes(struct rig *r)
{
	r->ccfg.flags |= KTLS_F_PSK_KE;
}

static void hook_server_name(struct rig *r)
{
	strcpy(r->cli->peer_name, "other.test");
}

static void hook_random(struct rig *r)
{
	r->cli->client_random[7] ^= 1;
}

/* With a compatibility session id: CH2 carries another one. */
static size_t edit_session_id(struct rig *r, int dir, int flight, const uint8_t *msg,
			      size_t len, uint8_t *out)
{
	if (dir != 0 || flight != 2)
		return 0;
	memcpy(out, msg, len);
	ck_assert_uint_eq(out[4 + 2 + 32], 32);
	out[4 + 2 + 32 + 1] ^= 1;
	return len;
}

static void hook_cookie(struct rig *r)
{
	memcpy(r->cli->cookie, "not yours", 9);
	r->cli->cookie_len = 9;
}

static size_t edit_early_data(struct rig *r, int dir, int flight, const uint8_t *msg,
			      size_t len, uint8_t *out)
{
	if (dir != 0 || flight != 2)
		return 0;
	return hello_edit(msg, len, true, KTLS_EXT_EARLY_DATA, NULL, 0, out);
}

static size_t edit_versions(struct rig *r, int dir, int flight, const uint8_t *msg,
			    size_t len, uint8_t *out)
{
	static const uint8_t v[] = { 4, 0x03, 0x04, 0x03, 0x03 };

	if (dir != 0 || flight != 2)
		return 0;
	return hello_edit(msg, len, true, KTLS_EXT_SUPPORTED_VERSIONS, v, sizeof(v), out);
}

static size_t edit_groups(struct rig *r, int dir, int flight, const uint8_t *msg,
			  size_t len, uint8_t *out)
{
	static const uint8_t g[] = { 0, 4, 0x00, 0x18, 0x00, 0x1d };

	if (dir != 0 || flight != 2)
		return 0;
	return hello_edit(msg, len, true, KTLS_EXT_SUPPORTED_GROUPS, g, sizeof(g), out);
}

/* Padding may change (§4.1.2): added to CH2, the handshake completes. */
static size_t edit_padding(struct rig *r, int dir, int flight, const uint8_t *msg,
			   size_t len, uint8_t *out)
{
	static const uint8_t zeros[40];
	size_t n;

	if (dir != 0 || flight != 2)
		return 0;
	n = hello_edit(msg, len, true, KTLS_EXT_PADDING, zeros, sizeof(zeros), out);
	rebind(r, out, n, KTLS_HASH_SHA256, key_a, 32);
	return n;
}

/* One change each between the hellos, and what the server says. */
static const struct {
	const char *name;
	hook_fn hook;
	edit_fn edit;
	unsigned int client_flags;
	const char *detail;
} server_cases[] = {
	{ "cipher_suites", hook_suites, NULL, 0, "differs from the first" },
	{ "signature_algorithms", hook_sigalgs, NULL, 0, "differs from the first" },
	{ "alpn", hook_alpn, NULL, 0, "differs from the first" },
	{ "record_size_limit", hook_rsl, NULL, 0, "differs from the first" },
	{ "server_name", hook_server_name, NULL, 0, "differs from the first" },
	{ "random", hook_random, NULL, 0, "differs from the first" },
	{ "supported_versions", NULL, edit_versions, 0, "differs from the first" },
	{ "supported_groups", NULL, edit_groups, 0, "differs from the first" },
	{ "session_id", NULL, edit_session_id, KTLS_F_COMPAT_CCS, "session id" },
	{ "psk_key_exchange_modes", hook_psk_modes, NULL, 0, "PSK modes" },
	{ "early_data", NULL, edit_early_data, 0, "early_data" },
	{ "cookie", hook_cookie, NULL, 0, "cookie we did not send" },
};

START_TEST(test_psk_retry_reset_server_holds_hello)
{
	size_t i;

	for (i = 0; i < N(server_cases); i++) {
		case_name = server_cases[i].name;
		rig_client_flags = server_cases[i].client_flags;
		server_refuses(_i, server_cases[i].hook, server_cases[i].edit,
			       server_cases[i].detail);
		rig_client_flags = 0;
	}
}
END_TEST

/*
 * The server takes CH2 and answers with its flight. The client's own
 * transcript lacks the padding, so it cannot read that flight: that is
 * the edit's doing, not the rule's.
 */
START_TEST(test_psk_retry_reset_padding_may_change)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);
	struct ktls_result rc;

	rig_init(&rig, _i, &o, 1);
	rig.edit = edit_padding;
	ck_assert(!rig_run(&rig));
	ck_assert_int_ge(rig.flights[1], 2);
	ktls_get_result(rig.cli, &rc);
	ck_assert_int_eq(rc.error, KTLS_E_ALERT_bad_record_mac);
	ktls_get_result(rig.srv, &rc);
	ck_assert_int_eq(rc.error, KTLS_E_ALERT_bad_record_mac);
	rig_free(&rig);
}
END_TEST

/* The cookie: echoed byte for byte (flipped in the HRR on its way). */
static size_t edit_hrr_cookie(struct rig *r, int dir, int flight, const uint8_t *msg,
			      size_t len, uint8_t *out)
{
	uint8_t *b;
	size_t blen;

	if (dir != 1 || flight != 1)
		return 0;
	b = copy_server_ext(out, msg, len, KTLS_EXT_COOKIE, &blen);
	b[blen - 1] ^= 1;
	return len;
}

static size_t edit_drop_cookie(struct rig *r, int dir, int flight, const uint8_t *msg,
			       size_t len, uint8_t *out)
{
	if (dir != 0 || flight != 2)
		return 0;
	return hello_edit(msg, len, true, KTLS_EXT_COOKIE, NULL, -1, out);
}

START_TEST(test_psk_retry_reset_cookie)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);
	edit_fn edits[] = { edit_hrr_cookie, edit_drop_cookie };
	size_t i;

	rig_init(&rig, _i, &o, 1);
	rig.scfg.flags |= KTLS_F_HRR_COOKIE;
	expect_ok(&rig, 1);
	rig_free(&rig);
	for (i = 0; i < N(edits); i++) {
		rig_init(&rig, _i, &o, 1);
		rig.scfg.flags |= KTLS_F_HRR_COOKIE;
		rig.edit = edits[i];
		expect_alert(&rig, 1, KTLS_E_ALERT_illegal_parameter, "without our cookie");
		rig_free(&rig);
	}
}
END_TEST

/*
 * The group: CH2 shares exactly the group of the HRR. The HRR asks for
 * P-384 and is changed on its way to ask for X448, which the server
 * also has: the server must still refuse the X448 share.
 */
static size_t edit_hrr_group(struct rig *r, int dir, int flight, const uint8_t *msg,
			     size_t len, uint8_t *out)
{
	uint8_t *b;
	size_t blen;

	if (dir != 1 || flight != 1)
		return 0;
	b = copy_server_ext(out, msg, len, KTLS_EXT_KEY_SHARE, &blen);
	ck_assert_uint_eq(blen, 2);
	b[0] = 0x00;
	b[1] = 0x1e;	/* x448 */
	return len;
}

START_TEST(test_psk_retry_reset_group)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, _i, &o, 1);
	rig.scfg.groups[1] = KTLS_GROUP_X448;
	rig.scfg.n_groups = 2;
	rig.edit = edit_hrr_group;
	expect_alert(&rig, 1, KTLS_E_ALERT_illegal_parameter, "requested group");
	rig_free(&rig);
}
END_TEST

/* ALPN is chosen again from CH2, and the compatibility CCS goes once each way. */
START_TEST(test_psk_retry_reset_alpn_and_ccs)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);
	struct ktls_result rc, rs;

	rig_init(&rig, _i, &o, 1);
	rig.ccfg.alpn = "h2,nvme";
	rig.scfg.alpn = "nvme";
	rig.ccfg.flags |= KTLS_F_COMPAT_CCS;
	rig.ccfg.record_size_limit = 2048;
	ktls_conn_free(rig.cli);
	ck_assert_int_eq(ktls_conn_new(&rig.ccfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &rig.cli), 0);
	ck_assert_int_eq(ktls_conn_set_psks(rig.cli, &o, 1), 0);
	expect_ok(&rig, 1);
	ktls_get_result(rig.cli, &rc);
	ktls_get_result(rig.srv, &rs);
	ck_assert_str_eq(rc.alpn, "nvme");
	ck_assert_str_eq(rs.alpn, "nvme");
	ck_assert_uint_eq(rs.peer_record_size_limit, 2048);
	ck_assert_int_eq(rig.ccs[0], 1);
	ck_assert_int_eq(rig.ccs[1], 1);
	rig_free(&rig);
}
END_TEST

/* ---- what a retry resets: client role ---- */

/* The server's SH (flight 2) or HRR (flight 1) changed on its way. */
static size_t edit_sh_suite(struct rig *r, int dir, int flight, const uint8_t *msg,
			    size_t len, uint8_t *out)
{
	size_t off = 4 + 2 + 32;

	if (dir != 1 || flight != 2)
		return 0;
	memcpy(out, msg, len);
	off += 1 + out[off];
	ck_assert_uint_eq(((unsigned)out[off] << 8) | out[off + 1], KTLS_AES_128_GCM_SHA256);
	out[off + 1] = 0x03;	/* CHACHA20_POLY1305_SHA256: offered, same hash */
	return len;
}

static size_t edit_sh_group(struct rig *r, int dir, int flight, const uint8_t *msg,
			    size_t len, uint8_t *out)
{
	uint8_t *b;
	size_t blen;

	if (dir != 1 || flight != 2)
		return 0;
	b = copy_server_ext(out, msg, len, KTLS_EXT_KEY_SHARE, &blen);
	b[0] = 0x00;
	b[1] = 0x1d;	/* x25519: shared in CH1, not in CH2 */
	return len;
}

static size_t edit_sh_psk_index(struct rig *r, int dir, int flight, const uint8_t *msg,
				size_t len, uint8_t *out)
{
	uint8_t *b;
	size_t blen;

	if (dir != 1 || flight != 2)
		return 0;
	b = copy_server_ext(out, msg, len, KTLS_EXT_PRE_SHARED_KEY, &blen);
	b[1] = 1;	/* CH2 offered one identity */
	return len;
}

static size_t edit_second_hrr(struct rig *r, int dir, int flight, const uint8_t *msg,
			      size_t len, uint8_t *out)
{
	if (dir != 1 || flight != 2)
		return 0;
	memcpy(out, r->hrr, r->hrr_len);
	return r->hrr_len;
}

/* An HRR asking for X25519, which CH1 shared already. */
static size_t edit_hrr_nothing(struct rig *r, int dir, int flight, const uint8_t *msg,
			       size_t len, uint8_t *out)
{
	uint8_t *b;
	size_t blen;

	if (dir != 1 || flight != 1)
		return 0;
	b = copy_server_ext(out, msg, len, KTLS_EXT_KEY_SHARE, &blen);
	b[0] = 0x00;
	b[1] = 0x1d;
	return len;
}

/* An HRR with neither key_share nor cookie. */
static size_t edit_hrr_empty(struct rig *r, int dir, int flight, const uint8_t *msg,
			     size_t len, uint8_t *out)
{
	if (dir != 1 || flight != 1)
		return 0;
	return hello_edit(msg, len, false, KTLS_EXT_KEY_SHARE, NULL, -1, out);
}

/* An HRR asking for a group the client did not offer. */
static size_t edit_hrr_unoffered(struct rig *r, int dir, int flight, const uint8_t *msg,
				 size_t len, uint8_t *out)
{
	uint8_t *b;
	size_t blen;

	if (dir != 1 || flight != 1)
		return 0;
	b = copy_server_ext(out, msg, len, KTLS_EXT_KEY_SHARE, &blen);
	b[0] = 0x01;
	b[1] = 0x00;	/* ffdhe2048 */
	return len;
}

static const struct {
	edit_fn edit;
	int err;
	const char *detail;
} client_cases[] = {
	{ edit_sh_suite, KTLS_E_ALERT_illegal_parameter, "cipher suite" },
	{ edit_sh_group, KTLS_E_ALERT_illegal_parameter, "group we did not share" },
	{ edit_sh_psk_index, KTLS_E_ALERT_illegal_parameter, "PSK we did not offer" },
	{ edit_second_hrr, KTLS_E_ALERT_unexpected_message, "second HelloRetryRequest" },
	{ edit_hrr_nothing, KTLS_E_ALERT_illegal_parameter, "already shared" },
	{ edit_hrr_empty, KTLS_E_ALERT_illegal_parameter, "change nothing" },
	{ edit_hrr_unoffered, KTLS_E_ALERT_illegal_parameter, "did not offer" },
};

START_TEST(test_psk_retry_reset_client_checks)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);
	size_t i;

	for (i = 0; i < N(client_cases); i++) {
		rig_init(&rig, i & 1, &o, 1);
		rig.edit = client_cases[i].edit;
		expect_alert(&rig, 0, client_cases[i].err, client_cases[i].detail);
		rig_free(&rig);
	}
}
END_TEST

/* The client's CH2: same suites, one share for the HRR's group, binders over the new transcript. */
static size_t edit_check_ch2(struct rig *r, int dir, int flight, const uint8_t *msg,
			     size_t len, uint8_t *out)
{
	struct kmsg_ch c1, c2;
	uint8_t copy[BUF];

	if (dir != 0 || flight != 2)
		return 0;
	ck_assert_int_eq(kmsg_ch_parse(r->ch1, r->ch1_len, &c1), 0);
	ck_assert_int_eq(kmsg_ch_parse(msg, len, &c2), 0);
	ck_assert_uint_eq(c1.suites.n, c2.suites.n);
	ck_assert_mem_eq(c1.suites.p, c2.suites.p, 2 * c1.suites.n);
	ck_assert_mem_eq(c1.random, c2.random, 32);
	ck_assert_uint_eq(c2.n_shares, 1);
	ck_assert_uint_eq(c2.shares[0].group, KTLS_GROUP_SECP384R1);
	ck_assert(c2.has_psk);
	/* Rebinding with the right key reproduces the client's binders. */
	memcpy(copy, msg, len);
	rebind(r, copy, len, KTLS_HASH_SHA256, key_a, 32);
	ck_assert_mem_eq(copy, msg, len);
	return 0;
}

START_TEST(test_psk_retry_reset_client_second_hello)
{
	struct ktls_psk o = offer_of(ID_A, key_a, 32, KTLS_HASH_SHA256);

	rig_init(&rig, _i, &o, 1);
	rig.edit = edit_check_ch2;
	expect_ok(&rig, 1);
	ck_assert_int_eq(rig.flights[0], 3);
	rig_free(&rig);
}
END_TEST

static Suite *psk_retry_suite(void)
{
	Suite *s = suite_create("psk_retry");
	TCase *tc = tcase_create("psk");
	TCase *tr = tcase_create("reset");

	/* Loop 0: sync lookup; loop 1: async lookup. */
	tcase_add_loop_test(tc, test_psk_retry_right_key, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_min_key, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_wrong_key, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_wrong_key_second_hello, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_empty_key_second_hello, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_short_key_second_hello, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_lookup_empty_key, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_identity_changed, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_identity_added, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_identities_reordered, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_identity_dropped, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_binder_count_changed, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_psk_added, 0, 2);
	tcase_add_loop_test(tc, test_psk_retry_lookup_bogus_result, 0, 3);
	tcase_add_test(tc, test_psk_retry_short_keys_refused_locally);
	suite_add_tcase(s, tc);

	tcase_add_loop_test(tr, test_psk_retry_reset_server_holds_hello, 0, 2);
	tcase_add_loop_test(tr, test_psk_retry_reset_padding_may_change, 0, 2);
	tcase_add_loop_test(tr, test_psk_retry_reset_cookie, 0, 2);
	tcase_add_loop_test(tr, test_psk_retry_reset_group, 0, 2);
	tcase_add_loop_test(tr, test_psk_retry_reset_alpn_and_ccs, 0, 2);
	tcase_add_test(tr, test_psk_retry_reset_client_checks);
	tcase_add_loop_test(tr, test_psk_retry_reset_client_second_hello, 0, 2);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(psk_retry_suite());
	int failed;

	/* Made before the tests fork, so one cleanup removes everything. */
	if (!testcert_ca_file())
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	testcert_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
