// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for keysched.c against the RFC 8448 traces, read at run time
 * from $KTLS_VECTORS/rfc/rfc8448.txt: §3 (simple 1-RTT), §4 (resumption
 * with 0-RTT: PSK, "res binder" key, binder value, early secrets) and §5
 * (HelloRetryRequest and its message_hash transcript). Transcript hashes
 * are computed with kc_hash from the handshake messages printed in the
 * trace, the (EC)DHE secrets with kc_kex from the printed private keys,
 * and every record the trace shows is opened and resealed with the
 * derived keys. SHA-384 (not in RFC 8448) is checked against libcrypto's
 * own TLS13-KDF.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "keysched.h"
#include "vectors_rfc.h"
#include "vectors_util.h"

static struct rfc_trace trace;

static void trace_setup(void)
{
	char *path = vec_path("rfc/rfc8448.txt");

	ck_assert_msg(path, "KTLS_VECTORS is not set");
	ck_assert_msg(!rfc8448_load(path, &trace), "cannot parse %s", path);
	free(path);
}

static void trace_teardown(void)
{
	rfc8448_free(&trace);
}

/* The @nth value @label under a step containing @step, in section @sec. */
static const struct rfc_value *tv(int sec, const char *step, const char *label,
				  int nth)
{
	const struct rfc_value *v = rfc8448_find(&trace, sec, step, label, nth);

	ck_assert_msg(v, "RFC 8448 §%d: no \"%s\" #%d under \"%s\"", sec, label,
		      nth, step);
	return v;
}

static void expect(const uint8_t *got, size_t len, int sec, const char *step,
		   const char *label, int nth)
{
	const struct rfc_value *v = tv(sec, step, label, nth);

	ck_assert_msg(v->len == len && !memcmp(got, v->data, len),
		      "RFC 8448 §%d: %s / %s #%d differs", sec, step, label, nth);
}

/* ---- transcript ---- */

static void th_add(struct kc_hash *h, int sec, const char *step,
		   const char *label, int nth)
{
	const struct rfc_value *v = tv(sec, step, label, nth);

	ck_assert_int_eq(kc_hash_update(h, v->data, v->len), 0);
}

static void th_get(const struct kc_hash *h, uint8_t *out)
{
	ck_assert_int_eq(kc_hash_peek(h, out), 0);
}

/* ---- (EC)DHE from the printed private keys ---- */

struct fixed_rand {
	const uint8_t *data;
	size_t len;
};

static int fixed_random(void *ctx, uint8_t *buf, size_t len)
{
	struct fixed_rand *f = ctx;

	ck_assert_uint_eq(len, f->len);
	memcpy(buf, f->data, len);
	return 0;
}

/* Key pair of @who from "@who  create an ephemeral @what key pair". */
static void keypair(struct kc_kex *k, int sec, const char *who,
		    const char *what, uint16_t group, int nth)
{
	char step[96];
	const struct rfc_value *priv;
	struct fixed_rand f;
	struct ktls_ops ops = { .ctx = &f, .random = fixed_random };
	uint8_t pub[KC_MAX_SHARE];
	size_t len = sizeof(pub);

	snprintf(step, sizeof(step), "%s  create an ephemeral %s key pair",
		 who, what);
	priv = tv(sec, step, "private key", nth);
	f.data = priv->data;
	f.len = priv->len;
	ck_assert_int_eq(kc_kex_keygen(k, group, &ops, pub, &len), 0);
	expect(pub, len, sec, step, "public key", nth);
}

/* Both sides derive the IKM of the "handshake" extract. */
static void dhe(int sec, const char *what, uint16_t group, int nth,
		uint8_t *secret, size_t *secret_len)
{
	char step[96];
	const struct rfc_value *cpub, *spub;
	struct kc_kex c, s;
	uint8_t other[KC_MAX_SECRET];
	size_t other_len = sizeof(other);

	keypair(&c, sec, "{client}", what, group, nth);
	keypair(&s, sec, "{server}", what, group, 0);
	snprintf(step, sizeof(step), "{client}  create an ephemeral %s", what);
	cpub = tv(sec, step, "public key", nth);
	snprintf(step, sizeof(step), "{server}  create an ephemeral %s", what);
	spub = tv(sec, step, "public key", 0);
	*secret_len = KC_MAX_SECRET;
	ck_assert_int_eq(kc_kex_derive(&c, spub->data, spub->len, secret,
				       secret_len), 0);
	ck_assert_int_eq(kc_kex_derive(&s, cpub->data, cpub->len, other,
				       &other_len), 0);
	ck_assert_uint_eq(*secret_len, other_len);
	ck_assert_mem_eq(secret, other, other_len);
	expect(secret, *secret_len, sec, "{server}  extract secret \"handshake\"",
	       "IKM", 0);
	kc_kex_clear(&c);
	kc_kex_clear(&s);
}

/* ---- secrets, keys and records ---- */

/* Derive-Secret(@ks, @label, @th), checked against the trace. */
static void derive(const struct ks *ks, int sec, const char *who,
		   const char *label, const uint8_t *th, uint8_t *out)
{
	char step[96];

	snprintf(step, sizeof(step), "%s  derive secret \"tls13 %s\":", who,
		 label);
	expect(th, ks->hlen, sec, step, "hash", 0);
	ck_assert_int_eq(ks_derive(ks, label, th, out), 0);
	expect(out, ks->hlen, sec, step, "expanded", 0);
}

struct traffic {
	uint8_t key[KC_MAX_KEY];
	size_t key_len;
	uint8_t iv[KC_IV_LEN];
};

/* key and iv from @secret, checked against "@who  derive @what traffic keys". */
static void traffic(struct traffic *t, int sec, const char *step,
		    const uint8_t *secret)
{
	const struct rfc_value *prk = tv(sec, step, "PRK", 0);

	ck_assert_mem_eq(prk->data, secret, 32);
	ck_assert_int_eq(ks_traffic_keys(KTLS_HASH_SHA256,
					 KTLS_AES_128_GCM_SHA256, secret,
					 t->key, &t->key_len, t->iv), 0);
	expect(t->key, t->key_len, sec, step, "key expanded", 0);
	expect(t->iv, KC_IV_LEN, sec, step, "iv expanded", 0);
}

/*
 * The @nth record sent under @step: opening "complete record" must give
 * "payload" plus the content type (RFC 8446 §5.2), and sealing the
 * payload again at @seq must give the same record.
 */
static void record(const struct traffic *t, int sec, const char *step,
		   int nth, uint8_t type, uint64_t seq)
{
	const struct rfc_value *rec = tv(sec, step, "complete record", nth);
	const struct rfc_value *pay = tv(sec, step, "payload", nth);
	struct kc_aead r, w;
	uint8_t *buf;
	size_t body;

	ck_assert_uint_gt(rec->len, 5 + KC_TAG_LEN);
	body = rec->len - 5;
	ck_assert_uint_eq(body, pay->len + 1 + KC_TAG_LEN);
	buf = malloc(body);
	ck_assert_int_eq(kc_aead_init(&r, KTLS_AES_128_GCM_SHA256, t->key,
				      t->iv, false), 0);
	r.seq = seq;
	ck_assert_int_eq(kc_aead_open(&r, rec->data, 5, rec->data + 5, body,
				      buf), 0);
	ck_assert_mem_eq(buf, pay->data, pay->len);
	ck_assert_uint_eq(buf[pay->len], type);

	ck_assert_int_eq(kc_aead_init(&w, KTLS_AES_128_GCM_SHA256, t->key,
				      t->iv, true), 0);
	w.seq = seq;
	ck_assert_int_eq(kc_aead_seal(&w, rec->data, 5, buf, pay->len + 1,
				      buf), 0);
	ck_assert_mem_eq(buf, rec->data + 5, body);
	kc_aead_clear(&r);
	kc_aead_clear(&w);
	free(buf);
}

/* Finished for @who over @th; also the finished key and the message. */
static void finished(int sec, const char *who, const uint8_t *base,
		     const uint8_t *th, int msg_nth)
{
	char step[96];
	uint8_t key[32], mac[32], msg[4 + 32] = { KTLS_HS_FINISHED, 0, 0, 32 };

	snprintf(step, sizeof(step), "%s  calculate finished \"tls13 finished\":",
		 who);
	expect(base, 32, sec, step, "PRK", 0);
	ck_assert_int_eq(kc_hkdf_expand_label(KTLS_HASH_SHA256, base,
					      "finished", NULL, 0, key, 32), 0);
	expect(key, 32, sec, step, "expanded", 0);
	ck_assert_int_eq(ks_finished_mac(KTLS_HASH_SHA256, base, th, mac), 0);
	expect(mac, 32, sec, step, "finished", 0);
	memcpy(msg + 4, mac, 32);
	snprintf(step, sizeof(step), "%s  construct a Finished", who);
	expect(msg, sizeof(msg), sec, step, "Finished", msg_nth);
}

struct hs_secrets {
	uint8_t c_hs[32], s_hs[32], c_ap[32], s_ap[32], exp[32], res[32];
	struct traffic c_hs_keys, s_hs_keys, c_ap_keys, s_ap_keys;
};

/*
 * From the handshake secret on, for the certificate-authenticated full
 * handshakes of §3 and §5: @th already holds everything up to ServerHello.
 * @srec/@crec: index of the server's encrypted flight and of the client's
 * Finished among their "send handshake record" steps.
 */
static void full_handshake(int sec, struct ks *ks, struct kc_hash *th,
			   const uint8_t *dhe_secret, size_t dhe_len,
			   int srec, int crec, struct hs_secrets *s)
{
	uint8_t h[32];

	ck_assert_int_eq(ks_to_handshake(ks, dhe_secret, dhe_len), 0);
	expect(ks->secret, 32, sec, "{server}  extract secret \"handshake\"",
	       "secret", 0);
	th_get(th, h);
	derive(ks, sec, "{server}", "c hs traffic", h, s->c_hs);
	derive(ks, sec, "{server}", "s hs traffic", h, s->s_hs);
	ck_assert_int_eq(ks_to_master(ks), 0);
	expect(ks->secret, 32, sec, "{server}  extract secret \"master\"",
	       "secret", 0);
	traffic(&s->s_hs_keys, sec,
		"{server}  derive write traffic keys for handshake data", s->s_hs);
	traffic(&s->c_hs_keys, sec,
		"{server}  derive read traffic keys for handshake data", s->c_hs);

	th_add(th, sec, "{server}  construct an EncryptedExtensions",
	       "EncryptedExtensions", 0);
	th_add(th, sec, "{server}  construct a Certificate handshake",
	       "Certificate", 0);
	th_add(th, sec, "{server}  construct a CertificateVerify",
	       "CertificateVerify", 0);
	th_get(th, h);
	finished(sec, "{server}", s->s_hs, h, 0);
	th_add(th, sec, "{server}  construct a Finished", "Finished", 0);
	/* EncryptedExtensions..Finished in one record, seq 0 */
	record(&s->s_hs_keys, sec, "{server}  send handshake record", srec,
	       KTLS_CT_HANDSHAKE, 0);

	th_get(th, h);
	derive(ks, sec, "{server}", "c ap traffic", h, s->c_ap);
	derive(ks, sec, "{server}", "s ap traffic", h, s->s_ap);
	derive(ks, sec, "{server}", "exp master", h, s->exp);
	traffic(&s->s_ap_keys, sec,
		"{server}  derive write traffic keys for application data",
		s->s_ap);
	traffic(&s->c_ap_keys, sec,
		"{client}  derive write traffic keys for application data",
		s->c_ap);

	finished(sec, "{client}", s->c_hs, h, 0);
	th_add(th, sec, "{client}  construct a Finished", "Finished", 0);
	record(&s->c_hs_keys, sec, "{client}  send handshake record", crec,
	       KTLS_CT_HANDSHAKE, 0);
	th_get(th, h);
	derive(ks, sec, "{client}", "res master", h, s->res);

	/* close_notify under the application keys (after any data) */
	record(&s->c_ap_keys, sec, "{client}  send alert record", 0,
	       KTLS_CT_ALERT, sec == 3 ? 1 : 0);
	record(&s->s_ap_keys, sec, "{server}  send alert record", 0,
	       KTLS_CT_ALERT, sec == 3 ? 2 : 0);
}

START_TEST(test_keysched_rfc8448_simple_1rtt)
{
	struct hs_secrets s;
	struct kc_hash th;
	struct ks ks;
	uint8_t secret[KC_MAX_SECRET], psk[32];
	const struct rfc_value *nonce;
	size_t len;

	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA256, NULL, 0), 0);
	ck_assert_uint_eq(ks.hlen, 32);
	expect(ks.secret, 32, 3, "{server}  extract secret \"early\"", "secret", 0);
	dhe(3, "x25519", KTLS_GROUP_X25519, 0, secret, &len);

	ck_assert_int_eq(kc_hash_init(&th, KTLS_HASH_SHA256), 0);
	th_add(&th, 3, "{client}  construct a ClientHello", "ClientHello", 0);
	th_add(&th, 3, "{server}  construct a ServerHello", "ServerHello", 0);
	full_handshake(3, &ks, &th, secret, len, 1, 1, &s);

	/* NewSessionTicket and application data under the ap keys */
	record(&s.s_ap_keys, 3, "{server}  send handshake record", 2,
	       KTLS_CT_HANDSHAKE, 0);
	record(&s.c_ap_keys, 3, "{client}  send application_data record", 0,
	       KTLS_CT_APPLICATION_DATA, 0);
	record(&s.s_ap_keys, 3, "{server}  send application_data record", 0,
	       KTLS_CT_APPLICATION_DATA, 1);

	/* the PSK for §4: HKDF-Expand-Label(res master, "resumption", nonce) */
	nonce = tv(3, "{server}  generate resumption secret", "hash", 0);
	expect(s.res, 32, 3, "{server}  generate resumption secret", "PRK", 0);
	ck_assert_int_eq(kc_hkdf_expand_label(KTLS_HASH_SHA256, s.res,
					      "resumption", nonce->data,
					      nonce->len, psk, 32), 0);
	expect(psk, 32, 3, "{server}  generate resumption secret", "expanded", 0);

	kc_hash_free(&th);
	ks_wipe(&ks);
	ck_assert_uint_eq(ks.hlen, 0);
}
END_TEST

START_TEST(test_keysched_rfc8448_resumption)
{
	const struct rfc_value *psk, *prefix, *ch;
	uint8_t h[32], binder_key[32], binder[32], key[32], secret[KC_MAX_SECRET];
	uint8_t c_e[32], e_exp[32], c_hs[32], s_hs[32], c_ap[32], s_ap[32];
	uint8_t exp[32], res[32];
	struct traffic early, s_hs_keys, c_hs_keys, s_ap_keys, c_ap_keys;
	struct kc_hash th;
	struct ks ks;
	size_t len;

	/* §3's resumption secret is §4's PSK */
	psk = tv(3, "{server}  generate resumption secret", "expanded", 0);
	expect(psk->data, psk->len, 4, "{client}  extract secret \"early\":",
	       "IKM", 0);
	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA256, psk->data, psk->len), 0);
	expect(ks.secret, 32, 4, "{client}  extract secret \"early\":", "secret",
	       0);

	/* the binder: HMAC over the truncated ClientHello (RFC 8446 §4.2.11.2) */
	prefix = tv(4, "{client}  calculate PSK binder", "ClientHello prefix", 0);
	ck_assert_int_eq(kc_digest(KTLS_HASH_SHA256, prefix->data, prefix->len,
				   h), 0);
	expect(h, 32, 4, "{client}  calculate PSK binder", "binder hash", 0);
	ck_assert_int_eq(ks_binder_key(&ks, false, binder_key), 0);
	expect(binder_key, 32, 4, "{client}  calculate PSK binder", "PRK", 0);
	ck_assert_int_eq(kc_hkdf_expand_label(KTLS_HASH_SHA256, binder_key,
					      "finished", NULL, 0, key, 32), 0);
	expect(key, 32, 4, "{client}  calculate PSK binder", "expanded", 0);
	ck_assert_int_eq(ks_finished_mac(KTLS_HASH_SHA256, binder_key, h,
					 binder), 0);
	expect(binder, 32, 4, "{client}  calculate PSK binder", "finished", 0);
	/* the "ext binder" key is a different one */
	ck_assert_int_eq(ks_binder_key(&ks, true, key), 0);
	ck_assert_mem_ne(key, binder_key, 32);

	/* the sent ClientHello is the prefix plus binders<33..> = {binder} */
	ch = tv(4, "{client}  send handshake record", "payload", 0);
	ck_assert_uint_eq(ch->len, prefix->len + 2 + 1 + 32);
	ck_assert_mem_eq(ch->data, prefix->data, prefix->len);
	ck_assert_uint_eq(ch->data[prefix->len], 0);
	ck_assert_uint_eq(ch->data[prefix->len + 1], 33);
	ck_assert_uint_eq(ch->data[prefix->len + 2], 32);
	ck_assert_mem_eq(ch->data + prefix->len + 3, binder, 32);

	/* 0-RTT secrets over the whole ClientHello */
	ck_assert_int_eq(kc_hash_init(&th, KTLS_HASH_SHA256), 0);
	ck_assert_int_eq(kc_hash_update(&th, ch->data, ch->len), 0);
	th_get(&th, h);
	derive(&ks, 4, "{client}", "c e traffic", h, c_e);
	derive(&ks, 4, "{client}", "e exp master", h, e_exp);
	traffic(&early, 4,
		"{client}  derive write traffic keys for early application data",
		c_e);
	record(&early, 4, "{client}  send application_data record", 0,
	       KTLS_CT_APPLICATION_DATA, 0);

	/* psk_dhe_ke: the handshake secret mixes in x25519 */
	dhe(4, "x25519", KTLS_GROUP_X25519, 0, secret, &len);
	th_add(&th, 4, "{server}  construct a ServerHello", "ServerHello", 0);
	ck_assert_int_eq(ks_to_handshake(&ks, secret, len), 0);
	expect(ks.secret, 32, 4, "{server}  extract secret \"handshake\"",
	       "secret", 0);
	th_get(&th, h);
	derive(&ks, 4, "{server}", "c hs traffic", h, c_hs);
	derive(&ks, 4, "{server}", "s hs traffic", h, s_hs);
	ck_assert_int_eq(ks_to_master(&ks), 0);
	expect(ks.secret, 32, 4, "{server}  extract secret \"master\"", "secret",
	       0);
	traffic(&s_hs_keys, 4,
		"{server}  derive write traffic keys for handshake data", s_hs);

	/* no Certificate with a PSK */
	th_add(&th, 4, "{server}  construct an EncryptedExtensions",
	       "EncryptedExtensions", 0);
	th_get(&th, h);
	finished(4, "{server}", s_hs, h, 0);
	th_add(&th, 4, "{server}  construct a Finished", "Finished", 0);
	record(&s_hs_keys, 4, "{server}  send handshake record", 1,
	       KTLS_CT_HANDSHAKE, 0);
	th_get(&th, h);
	derive(&ks, 4, "{server}", "c ap traffic", h, c_ap);
	derive(&ks, 4, "{server}", "s ap traffic", h, s_ap);
	derive(&ks, 4, "{server}", "exp master", h, exp);
	traffic(&s_ap_keys, 4,
		"{server}  derive write traffic keys for application data", s_ap);

	/* EndOfEarlyData goes under the early keys, after one 0-RTT record */
	th_add(&th, 4, "{client}  construct an EndOfEarlyData", "EndOfEarlyData",
	       0);
	record(&early, 4, "{client}  send handshake record", 1,
	       KTLS_CT_HANDSHAKE, 1);
	traffic(&c_hs_keys, 4,
		"{client}  derive write traffic keys for handshake data", c_hs);
	th_get(&th, h);
	finished(4, "{client}", c_hs, h, 0);
	th_add(&th, 4, "{client}  construct a Finished", "Finished", 0);
	record(&c_hs_keys, 4, "{client}  send handshake record", 2,
	       KTLS_CT_HANDSHAKE, 0);
	traffic(&c_ap_keys, 4,
		"{client}  derive write traffic keys for application data", c_ap);
	th_get(&th, h);
	derive(&ks, 4, "{client}", "res master", h, res);
	record(&c_ap_keys, 4, "{client}  send application_data record", 1,
	       KTLS_CT_APPLICATION_DATA, 0);
	record(&s_ap_keys, 4, "{server}  send application_data record", 0,
	       KTLS_CT_APPLICATION_DATA, 0);

	kc_hash_free(&th);
	ks_wipe(&ks);
}
END_TEST

START_TEST(test_keysched_rfc8448_hello_retry)
{
	const struct rfc_value *ch1;
	uint8_t mh[4 + 32] = { KTLS_HS_MESSAGE_HASH, 0, 0, 32 };
	uint8_t secret[KC_MAX_SECRET];
	struct hs_secrets s;
	struct kc_kex x;
	struct kc_hash th;
	struct ks ks;
	size_t len;

	/* the first ClientHello offered x25519 */
	keypair(&x, 5, "{client}", "x25519", KTLS_GROUP_X25519, 0);
	kc_kex_clear(&x);

	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA256, NULL, 0), 0);
	expect(ks.secret, 32, 5, "{server}  extract secret \"early\"", "secret", 0);
	/* the server wants P-256 */
	dhe(5, "P-256", KTLS_GROUP_SECP256R1, 0, secret, &len);
	ck_assert_uint_eq(len, 32);

	/*
	 * RFC 8446 §4.4.1: ClientHello1 is replaced by the synthetic
	 * message_hash message: type 254, length Hash.length, Hash(CH1).
	 */
	ch1 = tv(5, "{client}  construct a ClientHello", "ClientHello", 0);
	ck_assert_int_eq(kc_digest(KTLS_HASH_SHA256, ch1->data, ch1->len, mh + 4),
			 0);
	ck_assert_int_eq(kc_hash_init(&th, KTLS_HASH_SHA256), 0);
	ck_assert_int_eq(kc_hash_update(&th, mh, sizeof(mh)), 0);
	th_add(&th, 5, "{server}  construct a ServerHello", "ServerHello", 0);
	th_add(&th, 5, "{client}  construct a ClientHello", "ClientHello", 1);
	th_add(&th, 5, "{server}  construct a ServerHello", "ServerHello", 1);
	/* records: HRR, ServerHello, flight; ClientHello1, ClientHello2, Finished */
	full_handshake(5, &ks, &th, secret, len, 2, 2, &s);

	kc_hash_free(&th);
	ks_wipe(&ks);
}
END_TEST

START_TEST(test_keysched_trace_parsed)
{
	/* every value of the trace parsed, in sections 3 to 7 */
	ck_assert_uint_eq(trace.n, 538);
	/* a value split by a page break: §4 ClientHello spans pages 15-16 */
	ck_assert_uint_eq(tv(4, "{client}  construct a ClientHello",
			     "ClientHello", 0)->len, 477);
}
END_TEST

/* ---- SHA-384, against libcrypto's TLS13-KDF ---- */

static void tls13_kdf(int mode, const uint8_t *key, size_t key_len,
		      const uint8_t *salt, size_t salt_len, const char *label,
		      const uint8_t *data, size_t data_len, uint8_t *out,
		      size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS13-KDF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[8], *q = p;

	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						"SHA384", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)key, key_len);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX,
						 "tls13 ", 6);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL,
						 (void *)label, strlen(label));
	if (salt)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
							 (void *)salt, salt_len);
	if (data)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_DATA,
							 (void *)data, data_len);
	*q = OSSL_PARAM_construct_end();
	ck_assert_int_eq(EVP_KDF_derive(ctx, out, out_len, p), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

START_TEST(test_keysched_sha384_matches_tls13_kdf)
{
	uint8_t zeros[48] = { 0 }, dhe_s[48], th[48], prev[48], want[48];
	uint8_t got[48], key[32], iv[12], want_key[32], want_iv[12];
	size_t key_len;
	struct ks ks;

	ck_assert_int_eq(RAND_bytes(dhe_s, sizeof(dhe_s)), 1);
	ck_assert_int_eq(RAND_bytes(th, sizeof(th)), 1);

	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA384, NULL, 0), 0);
	ck_assert_uint_eq(ks.hlen, 48);
	tls13_kdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, zeros, 48, NULL, 0, "derived",
		  NULL, 0, want, 48);
	ck_assert_mem_eq(ks.secret, want, 48);

	memcpy(prev, ks.secret, 48);
	ck_assert_int_eq(ks_to_handshake(&ks, dhe_s, 48), 0);
	tls13_kdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dhe_s, 48, prev, 48,
		  "derived", NULL, 0, want, 48);
	ck_assert_mem_eq(ks.secret, want, 48);

	ck_assert_int_eq(ks_derive(&ks, "s hs traffic", th, got), 0);
	tls13_kdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, ks.secret, 48, NULL, 0,
		  "s hs traffic", th, 48, want, 48);
	ck_assert_mem_eq(got, want, 48);

	ck_assert_int_eq(ks_traffic_keys(KTLS_HASH_SHA384,
					 KTLS_AES_256_GCM_SHA384, got, key,
					 &key_len, iv), 0);
	ck_assert_uint_eq(key_len, 32);
	tls13_kdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, got, 48, NULL, 0, "key", NULL,
		  0, want_key, 32);
	tls13_kdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, got, 48, NULL, 0, "iv", NULL,
		  0, want_iv, 12);
	ck_assert_mem_eq(key, want_key, 32);
	ck_assert_mem_eq(iv, want_iv, 12);

	/* KeyUpdate (RFC 8446 §7.2) */
	tls13_kdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, got, 48, NULL, 0,
		  "traffic upd", NULL, 0, want, 48);
	ck_assert_int_eq(ks_next_traffic_secret(KTLS_HASH_SHA384, got), 0);
	ck_assert_mem_eq(got, want, 48);

	memcpy(prev, ks.secret, 48);
	ck_assert_int_eq(ks_to_master(&ks), 0);
	tls13_kdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, zeros, 48, prev, 48,
		  "derived", NULL, 0, want, 48);
	ck_assert_mem_eq(ks.secret, want, 48);

	/* psk_ke: no DHE means HashLen zeros, same as passing them */
	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA384, NULL, 0), 0);
	ck_assert_int_eq(ks_to_handshake(&ks, NULL, 0), 0);
	memcpy(got, ks.secret, 48);
	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_SHA384, zeros, 48), 0);
	ck_assert_int_eq(ks_to_handshake(&ks, zeros, 48), 0);
	ck_assert_mem_eq(got, ks.secret, 48);
	ks_wipe(&ks);
}
END_TEST

START_TEST(test_keysched_key_update_and_finished)
{
	uint8_t secret[32], next[32], key[32], iv[12], mac[32], fk[32], th[32];
	size_t len;
	int i;

	memset(secret, 7, sizeof(secret));
	memset(th, 9, sizeof(th));
	/* traffic upd is HKDF-Expand-Label(secret, "traffic upd", "", Hash.len) */
	ck_assert_int_eq(kc_hkdf_expand_label(KTLS_HASH_SHA256, secret,
					      "traffic upd", NULL, 0, next, 32), 0);
	ck_assert_int_eq(ks_next_traffic_secret(KTLS_HASH_SHA256, secret), 0);
	ck_assert_mem_eq(secret, next, 32);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ks_next_traffic_secret(KTLS_HASH_SHA256,
							secret), 0);
	ck_assert_mem_ne(secret, next, 32);

	/* Finished = HMAC(finished_key, transcript hash) */
	ck_assert_int_eq(kc_hkdf_expand_label(KTLS_HASH_SHA256, secret,
					      "finished", NULL, 0, fk, 32), 0);
	ck_assert_int_eq(kc_hmac(KTLS_HASH_SHA256, fk, 32, th, 32, next), 0);
	ck_assert_int_eq(ks_finished_mac(KTLS_HASH_SHA256, secret, th, mac), 0);
	ck_assert_mem_eq(mac, next, 32);

	/* key lengths per suite */
	ck_assert_int_eq(ks_traffic_keys(KTLS_HASH_SHA256,
					 KTLS_CHACHA20_POLY1305_SHA256, secret,
					 key, &len, iv), 0);
	ck_assert_uint_eq(len, 32);
	ck_assert_int_eq(ks_traffic_keys(KTLS_HASH_SHA256,
					 KTLS_AES_128_CCM_SHA256, secret, key,
					 &len, iv), 0);
	ck_assert_uint_eq(len, 16);
}
END_TEST

START_TEST(test_keysched_bad_arguments)
{
	uint8_t secret[48] = { 0 }, key[32], iv[12], out[48];
	size_t len;
	struct ks ks;

	ck_assert_int_eq(ks_init(&ks, KTLS_HASH_NONE, NULL, 0), KTLS_E_INVALID);
	ck_assert_int_eq(ks_init(&ks, (enum ktls_hash)7, NULL, 0), KTLS_E_INVALID);
	ck_assert_int_eq(ks_traffic_keys(KTLS_HASH_SHA256, 0x1305, secret, key,
					 &len, iv), KTLS_E_INVALID);
	ck_assert_int_eq(ks_finished_mac(KTLS_HASH_NONE, secret, secret, out),
			 KTLS_E_INVALID);
	ck_assert_int_eq(ks_next_traffic_secret(KTLS_HASH_NONE, secret),
			 KTLS_E_INVALID);
}
END_TEST

static Suite *keysched_suite(void)
{
	Suite *s = suite_create("keysched");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, trace_setup, trace_teardown);
	tcase_add_test(tc, test_keysched_trace_parsed);
	tcase_add_test(tc, test_keysched_rfc8448_simple_1rtt);
	tcase_add_test(tc, test_keysched_rfc8448_resumption);
	tcase_add_test(tc, test_keysched_rfc8448_hello_retry);
	tcase_add_test(tc, test_keysched_sha384_matches_tls13_kdf);
	tcase_add_test(tc, test_keysched_key_update_and_finished);
	tcase_add_test(tc, test_keysched_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(keysched_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
