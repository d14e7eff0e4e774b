// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for crypto_ossl.c: HKDF against RFC 5869 Appendix A and
 * Wycheproof; HMAC, the AEADs, X25519/X448, ECDH on the NIST curves and
 * signature verification against Wycheproof (the vector files are parsed
 * at run time from $KTLS_VECTORS, and a missing file fails the test); then
 * round trips and negative cases for every AEAD, group and scheme.
 *
 * Wycheproof "acceptable" results, as decided here:
 *   - X25519/X448: an all-zero shared secret (ZeroSharedSecret) must be
 *     rejected with illegal_parameter (RFC 8446 §7.4.2); every other
 *     acceptable case (twist points, non-canonical u) must be accepted
 *     and give the listed secret (RFC 7748 §5 masks and accepts them).
 *   - ECDH ecpoint: compressed points are refused (RFC 8446 §4.2.8.2
 *     allows only the uncompressed form).
 *   - RSA PKCS#1 v1.5 MissingNull: either outcome passes and is logged
 *     (libcrypto 3.0 rejects it).
 * RSA-PSS groups with a TLS hash but other parameters (MGF1 hash, salt
 * length) must be rejected even where Wycheproof says "valid": RFC 8446
 * §4.2.3 fixes MGF1 with the same hash and a salt as long as the hash.
 * AEAD groups with nonces other than 96 bits, tags other than 128 bits or
 * key sizes no TLS 1.3 suite uses are skipped (and counted in the log).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "vectors_json.h"
#include "vectors_rfc.h"
#include "vectors_util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static int real_random(void *ctx, uint8_t *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : KTLS_E_CRYPTO;
}

static const struct ktls_ops real_ops = { .random = real_random };

/* Deterministic randomness: hands out the same bytes on every call. */
struct fixed_rand {
	const uint8_t *data;
	size_t len;
	unsigned int calls;
};

static int fixed_random(void *ctx, uint8_t *buf, size_t len)
{
	struct fixed_rand *f = ctx;

	f->calls++;
	if (len != f->len)
		return KTLS_E_INTERNAL;
	memcpy(buf, f->data, len);
	return 0;
}

static struct ktls_ops fixed_ops(struct fixed_rand *f)
{
	struct ktls_ops ops = { .ctx = f, .random = fixed_random };

	return ops;
}

static struct vj *load_vectors(const char *name)
{
	char rel[256], err[256];
	struct vj *root;
	char *path;

	snprintf(rel, sizeof(rel), "wycheproof/%s", name);
	path = vec_path(rel);
	ck_assert_msg(path, "KTLS_VECTORS is not set");
	root = vj_load(path, err, sizeof(err));
	ck_assert_msg(root, "%s: %s", path, err);
	free(path);
	ck_assert_ptr_nonnull(vj_get(root, "testGroups"));
	return root;
}

static uint8_t *hex_of(const struct vj *obj, const char *key, size_t *len)
{
	uint8_t *p;

	ck_assert_msg(vj_get_hex(obj, key, &p, len), "bad hex member %s", key);
	return p;
}

static int tc_id(const struct vj *t)
{
	double id = -1;

	vj_get_num(t, "tcId", &id);
	return (int)id;
}

static const char *result_of(const struct vj *t)
{
	const char *r = vj_get_str(t, "result");

	ck_assert_ptr_nonnull(r);
	return r;
}

/*
 * One Wycheproof test @t of file @name, with @g the group holding its
 * parameters and @arg the caller's. Returns false for a test it skips.
 */
typedef bool (*wp_test_fn)(const char *name, const struct vj *g,
			   const struct vj *t, void *arg);

/*
 * wp_for_each() - run @fn on every test of every group in the Wycheproof
 * file @name. Returns how many tests it ran (did not skip).
 */
static size_t wp_for_each(const char *name, wp_test_fn fn, void *arg)
{
	struct vj *root = load_vectors(name);
	const struct vj *groups = vj_get(root, "testGroups");
	size_t gi, ti, run = 0;

	for (gi = 0; gi < groups->n; gi++) {
		const struct vj *tests = vj_get(groups->items[gi], "tests");

		ck_assert_ptr_nonnull(tests);
		for (ti = 0; ti < tests->n; ti++)
			if (fn(name, groups->items[gi], tests->items[ti], arg))
				run++;
	}
	vj_free(root);
	return run;
}

/* A Wycheproof file, the hash, group or scheme it is for, and its size. */
struct wp_file {
	const char *name;
	uint16_t alg;
	size_t expect;		/* how many tests it holds */
};

/* wp_check_file() - @fn passes every test of @f, and there are as many as @f says. */
static void wp_check_file(const struct wp_file *f, wp_test_fn fn)
{
	enum ktls_hash alg = f->alg;
	size_t run = wp_for_each(f->name, fn, &alg);

	ck_assert_uint_eq(run, f->expect);
	fprintf(stderr, "%s: %zu tests\n", f->name, run);
}

/* ---- hashes and small helpers ---- */

START_TEST(test_crypto_hash_running)
{
	static const uint8_t abc_sha256[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t a[KC_MAX_HASH], b[KC_MAX_HASH];
	struct kc_hash h;
	enum ktls_hash alg;

	ck_assert_int_eq(kc_hash_init(&h, KTLS_HASH_SHA256), 0);
	ck_assert_int_eq(kc_hash_update(&h, "abc", 3), 0);
	ck_assert_int_eq(kc_hash_peek(&h, a), 0);
	ck_assert_mem_eq(a, abc_sha256, 32);
	/* peeking does not stop the hash */
	ck_assert_int_eq(kc_hash_update(&h, "def", 3), 0);
	ck_assert_int_eq(kc_hash_peek(&h, a), 0);
	ck_assert_int_eq(kc_digest(KTLS_HASH_SHA256, "abcdef", 6, b), 0);
	ck_assert_mem_eq(a, b, 32);
	kc_hash_free(&h);
	kc_hash_free(&h);	/* twice is fine */

	for (alg = KTLS_HASH_SHA256; alg <= KTLS_HASH_SHA384; alg++) {
		ck_assert_ptr_nonnull(kc_md(alg));
		ck_assert_uint_eq(kc_hash_len(alg),
				  (size_t)EVP_MD_get_size(kc_md(alg)));
		ck_assert_int_eq(kc_hash_init(&h, alg), 0);
		ck_assert_int_eq(kc_hash_peek(&h, a), 0);
		ck_assert_int_eq(kc_digest(alg, "", 0, b), 0);
		ck_assert_mem_eq(a, b, kc_hash_len(alg));
		kc_hash_free(&h);
	}
	ck_assert_int_eq(kc_hash_init(&h, KTLS_HASH_NONE), KTLS_E_INVALID);
	ck_assert_int_eq(kc_hash_update(&h, "x", 1), KTLS_E_INVALID);
	ck_assert_uint_eq(kc_hash_len(KTLS_HASH_NONE), 0);
	ck_assert_ptr_null(kc_md(KTLS_HASH_NONE));
	ck_assert_int_eq(kc_digest(KTLS_HASH_NONE, "", 0, b), KTLS_E_INVALID);
}
END_TEST

START_TEST(test_crypto_suite_table)
{
	ck_assert_int_eq(kc_suite_hash(KTLS_AES_128_GCM_SHA256), KTLS_HASH_SHA256);
	ck_assert_int_eq(kc_suite_hash(KTLS_AES_256_GCM_SHA384), KTLS_HASH_SHA384);
	ck_assert_int_eq(kc_suite_hash(KTLS_CHACHA20_POLY1305_SHA256),
			 KTLS_HASH_SHA256);
	ck_assert_int_eq(kc_suite_hash(KTLS_AES_128_CCM_SHA256), KTLS_HASH_SHA256);
	ck_assert_int_eq(kc_suite_hash(0x1305), KTLS_HASH_NONE);	/* CCM_8 */
	ck_assert_uint_eq(kc_suite_key_len(KTLS_AES_128_GCM_SHA256), 16);
	ck_assert_uint_eq(kc_suite_key_len(KTLS_AES_256_GCM_SHA384), 32);
	ck_assert_uint_eq(kc_suite_key_len(KTLS_CHACHA20_POLY1305_SHA256), 32);
	ck_assert_uint_eq(kc_suite_key_len(KTLS_AES_128_CCM_SHA256), 16);
	ck_assert_uint_eq(kc_suite_key_len(0), 0);
}
END_TEST

START_TEST(test_crypto_equal_and_wipe)
{
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, b[8];

	memcpy(b, a, sizeof(a));
	ck_assert(kc_equal(a, b, sizeof(a)));
	b[7] ^= 1;
	ck_assert(!kc_equal(a, b, sizeof(a)));
	ck_assert(kc_equal(a, b, 7));
	kc_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	ck_assert_mem_eq(a, b, sizeof(a));
	kc_wipe(NULL, 0);
}
END_TEST

/* ---- HKDF and HMAC ---- */

START_TEST(test_crypto_hkdf_rfc5869)
{
	struct rfc5869_case cases[16];
	uint8_t prk[KC_MAX_HASH], *okm;
	size_t n, i, run = 0, sha1 = 0;
	char *path = vec_path("rfc/rfc5869.txt");

	ck_assert_msg(path, "KTLS_VECTORS is not set");
	ck_assert_msg(!rfc5869_load(path, cases, 16, &n), "cannot parse %s",
		      path);
	free(path);
	ck_assert_uint_eq(n, 7);
	for (i = 0; i < n; i++) {
		const struct rfc5869_case *c = &cases[i];

		if (!strcmp(c->hash, "SHA-1")) {
			sha1++;		/* not a TLS 1.3 hash */
			continue;
		}
		ck_assert_str_eq(c->hash, "SHA-256");
		ck_assert_uint_eq(c->prk_len, 32);
		ck_assert_uint_eq(c->okm_len, c->L);
		ck_assert_int_eq(kc_hkdf_extract(KTLS_HASH_SHA256, c->salt,
						 c->salt_len, c->ikm,
						 c->ikm_len, prk), 0);
		ck_assert_mem_eq(prk, c->prk, 32);
		okm = malloc(c->L);
		ck_assert_int_eq(kc_hkdf_expand(KTLS_HASH_SHA256, prk, 32,
						c->info, c->info_len, okm,
						c->L), 0);
		ck_assert_mem_eq(okm, c->okm, c->L);
		free(okm);
		run++;
	}
	/* test cases 1-3 are SHA-256, 4-7 SHA-1 */
	ck_assert_uint_eq(run, 3);
	ck_assert_uint_eq(sha1, 4);
	rfc5869_free(cases, n);
}
END_TEST

/* One HKDF test; @arg is the hash. */
static bool hkdf_one(const char *name, const struct vj *g, const struct vj *t,
		     void *arg)
{
	enum ktls_hash alg = *(const enum ktls_hash *)arg;
	size_t hlen = kc_hash_len(alg);
	size_t ikm_len, salt_len, info_len, okm_len;
	uint8_t *ikm = hex_of(t, "ikm", &ikm_len);
	uint8_t *salt = hex_of(t, "salt", &salt_len);
	uint8_t *info = hex_of(t, "info", &info_len);
	uint8_t *okm = hex_of(t, "okm", &okm_len);
	uint8_t prk[KC_MAX_HASH], *out;
	bool valid = !strcmp(result_of(t), "valid");
	double size;
	int ret;

	ck_assert(vj_get_num(t, "size", &size));
	out = malloc((size_t)size + 1);
	ck_assert_int_eq(kc_hkdf_extract(alg, salt, salt_len, ikm, ikm_len,
					 prk), 0);
	ret = kc_hkdf_expand(alg, prk, hlen, info, info_len, out,
			     (size_t)size);
	if (valid) {
		ck_assert_msg(ret == 0, "%s tc %d: %d", name, tc_id(t), ret);
		ck_assert_uint_eq(okm_len, (size_t)size);
		ck_assert_msg(!memcmp(out, okm, okm_len),
			      "%s tc %d: wrong okm", name, tc_id(t));
	} else {
		/* the invalid ones ask for more than 255 * HashLen */
		ck_assert_msg(ret == KTLS_E_INVALID, "%s tc %d: %d", name,
			      tc_id(t), ret);
	}
	free(out);
	free(ikm);
	free(salt);
	free(info);
	free(okm);
	return true;
}

static const struct wp_file hkdf_files[] = {
	{ "hkdf_sha256_test.json", KTLS_HASH_SHA256, 86 },
	{ "hkdf_sha384_test.json", KTLS_HASH_SHA384, 83 },
};

START_TEST(test_crypto_hkdf_wycheproof)
{
	wp_check_file(&hkdf_files[_i], hkdf_one);
}
END_TEST

/* One HMAC test; @arg is the hash. */
static bool hmac_one(const char *name, const struct vj *g, const struct vj *t,
		     void *arg)
{
	enum ktls_hash alg = *(const enum ktls_hash *)arg;
	size_t key_len, msg_len, tag_len;
	uint8_t *key = hex_of(t, "key", &key_len);
	uint8_t *msg = hex_of(t, "msg", &msg_len);
	uint8_t *tag = hex_of(t, "tag", &tag_len);
	bool valid = !strcmp(result_of(t), "valid");
	uint8_t out[KC_MAX_HASH];
	double tag_bits;

	ck_assert(vj_get_num(g, "tagSize", &tag_bits));
	ck_assert_uint_eq(tag_len, (size_t)tag_bits / 8);
	ck_assert_int_eq(kc_hmac(alg, key, key_len, msg, msg_len, out), 0);
	ck_assert_msg(kc_equal(out, tag, tag_len) == valid, "%s tc %d", name,
		      tc_id(t));
	free(key);
	free(msg);
	free(tag);
	return true;
}

static const struct wp_file hmac_files[] = {
	{ "hmac_sha256_test.json", KTLS_HASH_SHA256, 174 },
	{ "hmac_sha384_test.json", KTLS_HASH_SHA384, 174 },
};

START_TEST(test_crypto_hmac_wycheproof)
{
	wp_check_file(&hmac_files[_i], hmac_one);
}
END_TEST

START_TEST(test_crypto_hkdf_limits)
{
	uint8_t secret[48] = { 1 }, out[256];
	char label[260];
	static uint8_t big[255 * 32 + 1];

	ck_assert_int_eq(kc_hkdf_expand(KTLS_HASH_SHA256, secret, 32, NULL, 0,
					big, 255 * 32), 0);
	ck_assert_int_eq(kc_hkdf_expand(KTLS_HASH_SHA256, secret, 32, NULL, 0,
					big, 255 * 32 + 1), KTLS_E_INVALID);
	ck_assert_int_eq(kc_hkdf_expand(KTLS_HASH_NONE, secret, 32, NULL, 0,
					out, 1), KTLS_E_INVALID);
	/* "tls13 " + label must fit in 255 bytes */
	memset(label, 'a', sizeof(label));
	label[249] = '\0';
	ck_assert_int_eq(kc_hkdf_expand_label(KTLS_HASH_SHA256, secret, label,
					      NULL, 0, out, 32), 0);
	label[249] = 'a';
	label[250] = '\0';
	ck_assert_int_eq(kc_hkdf_expand_label(KTLS_HASH_SHA256, secret, label,
					      NULL, 0, out, 32), KTLS_E_INVALID);
	ck_assert_int_eq(kc_hkdf_expand_label(KTLS_HASH_SHA256, secret, "key",
					      out, 256, out, 32), KTLS_E_INVALID);
	/* the zero-length expand is allowed and writes nothing */
	ck_assert_int_eq(kc_hkdf_expand(KTLS_HASH_SHA384, secret, 48, NULL, 0,
					out, 0), 0);
}
END_TEST

/* ---- AEAD ---- */

static const uint16_t all_suites[] = {
	KTLS_AES_128_GCM_SHA256, KTLS_AES_256_GCM_SHA384,
	KTLS_CHACHA20_POLY1305_SHA256, KTLS_AES_128_CCM_SHA256,
};
#define N_SUITES ARRAY_SIZE(all_suites)

/* A Wycheproof AEAD file, the suites for its 128- and 256-bit keys, its size. */
struct aead_file {
	const char *name;
	uint16_t suite128, suite256;
	size_t expect;		/* tests with a 96-bit IV, 128-bit tag, TLS key size */
};

/* One AEAD test; @arg is the struct aead_file, skips are counted in @skipped. */
struct aead_run {
	const struct aead_file *f;
	size_t skipped;
};

static bool aead_one(const char *name, const struct vj *g, const struct vj *t,
		     void *arg)
{
	struct aead_run *a = arg;
	size_t key_len, iv_len, aad_len, msg_len, ct_len, tag_len;
	double key_bits, iv_bits, tag_bits;
	uint8_t *key, *iv, *aad, *msg, *ct, *tag, *buf, *sealed;
	bool valid = !strcmp(result_of(t), "valid");
	struct kc_aead seal, open;
	uint16_t suite;
	int ret;

	ck_assert(vj_get_num(g, "keySize", &key_bits));
	ck_assert(vj_get_num(g, "ivSize", &iv_bits));
	ck_assert(vj_get_num(g, "tagSize", &tag_bits));
	suite = key_bits == 128 ? a->f->suite128 :
		key_bits == 256 ? a->f->suite256 : 0;
	/* TLS 1.3 uses a 96-bit nonce and a 128-bit tag only */
	if (!suite || iv_bits != 96 || tag_bits != 128) {
		a->skipped++;
		return false;
	}
	key = hex_of(t, "key", &key_len);
	iv = hex_of(t, "iv", &iv_len);
	aad = hex_of(t, "aad", &aad_len);
	msg = hex_of(t, "msg", &msg_len);
	ct = hex_of(t, "ct", &ct_len);
	tag = hex_of(t, "tag", &tag_len);
	ck_assert_uint_eq(iv_len, KC_IV_LEN);
	ck_assert_uint_eq(tag_len, KC_TAG_LEN);

	/* the record form: ciphertext followed by the tag */
	sealed = malloc(ct_len + KC_TAG_LEN);
	memcpy(sealed, ct, ct_len);
	memcpy(sealed + ct_len, tag, KC_TAG_LEN);
	buf = malloc(msg_len + KC_TAG_LEN + 1);

	ck_assert_int_eq(kc_aead_init(&open, suite, key, iv, false), 0);
	ret = kc_aead_open(&open, aad, aad_len, sealed, ct_len + KC_TAG_LEN,
			   buf);
	if (valid) {
		ck_assert_msg(ret == 0, "%s tc %d: open %d", name, tc_id(t),
			      ret);
		ck_assert_uint_eq(ct_len, msg_len);
		ck_assert_msg(!memcmp(buf, msg, msg_len),
			      "%s tc %d: plaintext", name, tc_id(t));
		ck_assert_int_eq(kc_aead_init(&seal, suite, key, iv, true), 0);
		ck_assert_int_eq(kc_aead_seal(&seal, aad, aad_len, msg,
					      msg_len, buf), 0);
		ck_assert_msg(!memcmp(buf, sealed, ct_len + KC_TAG_LEN),
			      "%s tc %d: sealed", name, tc_id(t));
		kc_aead_clear(&seal);
	} else {
		ck_assert_msg(ret == KTLS_E_ALERT_bad_record_mac,
			      "%s tc %d: open %d", name, tc_id(t), ret);
		ck_assert_uint_eq(open.seq, 0);
	}
	kc_aead_clear(&open);
	free(key);
	free(iv);
	free(aad);
	free(msg);
	free(ct);
	free(tag);
	free(sealed);
	free(buf);
	return true;
}

static const struct aead_file aead_files[] = {
	{ "aes_gcm_test.json", KTLS_AES_128_GCM_SHA256,
	  KTLS_AES_256_GCM_SHA384, 133 },
	{ "aes_ccm_test.json", KTLS_AES_128_CCM_SHA256, 0, 78 },
	{ "chacha20_poly1305_test.json", 0, KTLS_CHACHA20_POLY1305_SHA256, 316 },
};

START_TEST(test_crypto_aead_wycheproof)
{
	struct aead_run a = { .f = &aead_files[_i] };
	size_t run = wp_for_each(a.f->name, aead_one, &a);

	fprintf(stderr, "%s: %zu tests run, %zu skipped (IV, tag or key size "
		"TLS 1.3 does not use)\n", a.f->name, run, a.skipped);
	ck_assert_uint_eq(run, a.f->expect);
}
END_TEST

static void random_key(uint16_t suite, uint8_t *key, uint8_t *iv)
{
	ck_assert_int_eq(RAND_bytes(key, (int)kc_suite_key_len(suite)), 1);
	ck_assert_int_eq(RAND_bytes(iv, KC_IV_LEN), 1);
}

/* A sealing @w and an opening @r context for @suite, under a new random key. */
static void aead_pair(uint16_t suite, uint8_t *key, uint8_t *iv,
		      struct kc_aead *w, struct kc_aead *r)
{
	random_key(suite, key, iv);
	ck_assert_int_eq(kc_aead_init(w, suite, key, iv, true), 0);
	ck_assert_int_eq(kc_aead_init(r, suite, key, iv, false), 0);
}

START_TEST(test_crypto_aead_tamper)
{
	uint8_t key[KC_MAX_KEY], iv[KC_IV_LEN], aad[5] = { 23, 3, 3, 0, 116 };
	uint8_t pt[100], rec[100 + KC_TAG_LEN], bad[sizeof(rec)], out[100];
	size_t s, pos;

	memset(pt, 'x', sizeof(pt));
	for (s = 0; s < N_SUITES; s++) {
		struct kc_aead w, r;
		const size_t flips[] = { 0, 50, 99, 100, 115 };

		aead_pair(all_suites[s], key, iv, &w, &r);
		ck_assert_int_eq(kc_aead_seal(&w, aad, 5, pt, 100, rec), 0);

		/* any flipped ciphertext or tag bit */
		for (pos = 0; pos < ARRAY_SIZE(flips); pos++) {
			memcpy(bad, rec, sizeof(rec));
			bad[flips[pos]] ^= 0x01;
			ck_assert_int_eq(kc_aead_open(&r, aad, 5, bad, sizeof(bad),
						      out), KTLS_E_ALERT_bad_record_mac);
		}
		/* a different header */
		aad[4] ^= 1;
		ck_assert_int_eq(kc_aead_open(&r, aad, 5, rec, sizeof(rec), out),
				 KTLS_E_ALERT_bad_record_mac);
		aad[4] ^= 1;
		/* truncated, and shorter than a tag */
		ck_assert_int_eq(kc_aead_open(&r, aad, 5, rec, sizeof(rec) - 1,
					      out), KTLS_E_ALERT_bad_record_mac);
		ck_assert_int_eq(kc_aead_open(&r, aad, 5, rec, KC_TAG_LEN - 1,
					      out), KTLS_E_ALERT_bad_record_mac);
		/* failures leave the sequence number alone */
		ck_assert_uint_eq(r.seq, 0);
		ck_assert_int_eq(kc_aead_open(&r, aad, 5, rec, sizeof(rec), out), 0);
		ck_assert_mem_eq(out, pt, sizeof(pt));
		ck_assert_uint_eq(r.seq, 1);
		/* the wrong direction */
		ck_assert_int_eq(kc_aead_open(&w, aad, 5, rec, sizeof(rec), out),
				 KTLS_E_INVALID);
		ck_assert_int_eq(kc_aead_seal(&r, aad, 5, pt, 1, out),
				 KTLS_E_INVALID);
		kc_aead_clear(&w);
		kc_aead_clear(&r);
		kc_aead_clear(&r);
	}
	ck_assert_int_eq(kc_aead_init(&(struct kc_aead){ 0 }, 0x1305, key, iv,
				      true), KTLS_E_INVALID);
}
END_TEST

/* Reference seal with plain EVP calls: nonce = iv XOR seq (RFC 8446 §5.3). */
static void reference_gcm(const uint8_t *key, const uint8_t *iv, uint64_t seq,
			  const uint8_t *aad, const uint8_t *pt, size_t len,
			  uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[KC_IV_LEN];
	int n, i;

	memcpy(nonce, iv, KC_IV_LEN);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key,
					    nonce), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, NULL, &n, aad, 5), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, out, &n, pt, (int)len), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(c, out + n, &n), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16,
					     out + len), 1);
	EVP_CIPHER_CTX_free(c);
}

START_TEST(test_crypto_aead_seq_and_in_place)
{
	uint8_t key[KC_MAX_KEY], iv[KC_IV_LEN], aad[5] = { 23, 3, 3, 0, 36 };
	uint8_t pt[20], rec[3][20 + KC_TAG_LEN], ref[20 + KC_TAG_LEN];
	uint8_t buf[20 + KC_TAG_LEN];
	size_t s;
	int i;

	memset(pt, 'a', sizeof(pt));
	for (s = 0; s < N_SUITES; s++) {
		struct kc_aead w, r;

		aead_pair(all_suites[s], key, iv, &w, &r);
		for (i = 0; i < 3; i++) {
			ck_assert_int_eq(kc_aead_seal(&w, aad, 5, pt, 20, rec[i]), 0);
			ck_assert_uint_eq(w.seq, (uint64_t)i + 1);
		}
		/* a new nonce per record */
		ck_assert_mem_ne(rec[0], rec[1], sizeof(rec[0]));
		ck_assert_mem_ne(rec[1], rec[2], sizeof(rec[0]));
		/* out of order fails, in order works */
		ck_assert_int_eq(kc_aead_open(&r, aad, 5, rec[1], sizeof(rec[1]),
					      buf), KTLS_E_ALERT_bad_record_mac);
		for (i = 0; i < 3; i++) {
			/* in place */
			memcpy(buf, rec[i], sizeof(buf));
			ck_assert_int_eq(kc_aead_open(&r, aad, 5, buf, sizeof(buf),
						      buf), 0);
			ck_assert_mem_eq(buf, pt, sizeof(pt));
			ck_assert_uint_eq(r.seq, (uint64_t)i + 1);
		}
		/* sealing in place gives the same record */
		kc_aead_clear(&w);
		ck_assert_int_eq(kc_aead_init(&w, all_suites[s], key, iv, true), 0);
		memcpy(buf, pt, sizeof(pt));
		ck_assert_int_eq(kc_aead_seal(&w, aad, 5, buf, 20, buf), 0);
		ck_assert_mem_eq(buf, rec[0], sizeof(buf));

		/* the last sequence number is refused, not wrapped */
		w.seq = UINT64_MAX - 1;
		ck_assert_int_eq(kc_aead_seal(&w, aad, 5, pt, 20, buf), 0);
		ck_assert_uint_eq(w.seq, UINT64_MAX);
		ck_assert_int_eq(kc_aead_seal(&w, aad, 5, pt, 20, buf),
				 KTLS_E_INVALID);
		r.seq = UINT64_MAX - 1;
		ck_assert_int_eq(kc_aead_open(&r, aad, 5, buf, sizeof(buf), buf), 0);
		ck_assert_uint_eq(r.seq, UINT64_MAX);
		ck_assert_int_eq(kc_aead_open(&r, aad, 5, rec[0], sizeof(rec[0]),
					      buf), KTLS_E_INVALID);
		kc_aead_clear(&w);
		kc_aead_clear(&r);
	}

	/* the nonce matches an independent computation, at a high seq */
	{
		struct kc_aead w;
		const uint64_t seq = 0x0102030405060708ULL;

		random_key(KTLS_AES_128_GCM_SHA256, key, iv);
		ck_assert_int_eq(kc_aead_init(&w, KTLS_AES_128_GCM_SHA256, key,
					      iv, true), 0);
		w.seq = seq;
		ck_assert_int_eq(kc_aead_seal(&w, aad, 5, pt, 20, buf), 0);
		reference_gcm(key, iv, seq, aad, pt, 20, ref);
		ck_assert_mem_eq(buf, ref, sizeof(ref));
		kc_aead_clear(&w);
	}
}
END_TEST

START_TEST(test_crypto_aead_empty_record)
{
	uint8_t key[KC_MAX_KEY], iv[KC_IV_LEN], aad[5] = { 23, 3, 3, 0, 16 };
	uint8_t rec[KC_TAG_LEN], out[1];
	size_t s;

	for (s = 0; s < N_SUITES; s++) {
		struct kc_aead w, r;

		aead_pair(all_suites[s], key, iv, &w, &r);
		ck_assert_int_eq(kc_aead_seal(&w, aad, 5, NULL, 0, rec), 0);
		ck_assert_int_eq(kc_aead_open(&r, aad, 5, rec, KC_TAG_LEN, out), 0);
		kc_aead_clear(&w);
		kc_aead_clear(&r);
	}
}
END_TEST

/* ---- key exchange ---- */

static const uint16_t all_groups[] = {
	KTLS_GROUP_X25519, KTLS_GROUP_X448, KTLS_GROUP_SECP256R1,
	KTLS_GROUP_SECP384R1, KTLS_GROUP_SECP521R1,
};
#define N_GROUPS ARRAY_SIZE(all_groups)

static size_t share_len(uint16_t group)
{
	switch (group) {
	case KTLS_GROUP_X25519:
		return 32;
	case KTLS_GROUP_X448:
		return 56;
	case KTLS_GROUP_SECP256R1:
		return 65;
	case KTLS_GROUP_SECP384R1:
		return 97;
	default:
		return 133;
	}
}

static size_t secret_len_of(uint16_t group)
{
	switch (group) {
	case KTLS_GROUP_SECP256R1:
		return 32;
	case KTLS_GROUP_SECP384R1:
		return 48;
	case KTLS_GROUP_SECP521R1:
		return 66;
	default:
		return share_len(group);
	}
}

/* X25519 and X448 take a bare u coordinate, not an SEC 1 point. */
static bool is_xdh(uint16_t group)
{
	return group == KTLS_GROUP_X25519 || group == KTLS_GROUP_X448;
}

static const char *group_ossl_name(uint16_t group)
{
	switch (group) {
	case KTLS_GROUP_X25519:
		return "X25519";
	case KTLS_GROUP_X448:
		return "X448";
	case KTLS_GROUP_SECP256R1:
		return "P-256";
	case KTLS_GROUP_SECP384R1:
		return "P-384";
	default:
		return "P-521";
	}
}

START_TEST(test_crypto_kex_roundtrip)
{
	size_t i;

	for (i = 0; i < N_GROUPS; i++) {
		uint16_t grp = all_groups[i];
		uint8_t pa[KC_MAX_SHARE], pb[KC_MAX_SHARE];
		uint8_t sa[KC_MAX_SECRET], sb[KC_MAX_SECRET];
		size_t la = sizeof(pa), lb = sizeof(pb);
		size_t na = sizeof(sa), nb = sizeof(sb);
		struct kc_kex a, b;

		ck_assert(kc_group_supported(grp));
		ck_assert_int_eq(kc_kex_keygen(&a, grp, &real_ops, pa, &la), 0);
		ck_assert_int_eq(kc_kex_keygen(&b, grp, &real_ops, pb, &lb), 0);
		ck_assert_uint_eq(la, share_len(grp));
		ck_assert_uint_eq(lb, share_len(grp));
		ck_assert_mem_ne(pa, pb, la);
		ck_assert_int_eq(kc_kex_derive(&a, pb, lb, sa, &na), 0);
		ck_assert_int_eq(kc_kex_derive(&b, pa, la, sb, &nb), 0);
		ck_assert_uint_eq(na, secret_len_of(grp));
		ck_assert_uint_eq(nb, na);
		ck_assert_mem_eq(sa, sb, na);
		kc_kex_clear(&a);
		kc_kex_clear(&b);
		kc_kex_clear(&b);
	}
	ck_assert(!kc_group_supported(KTLS_GROUP_FFDHE2048));
	ck_assert(!kc_group_supported(0));
}
END_TEST

/* Our derive agrees with libcrypto's own EVP_PKEY_derive on every group. */
START_TEST(test_crypto_kex_matches_libcrypto)
{
	size_t i;

	for (i = 0; i < N_GROUPS; i++) {
		uint16_t grp = all_groups[i];
		uint8_t ours[KC_MAX_SHARE], *theirs = NULL;
		uint8_t s1[KC_MAX_SECRET], s2[KC_MAX_SECRET];
		size_t lo = sizeof(ours), lt, n1 = sizeof(s1), n2 = sizeof(s2);
		EVP_PKEY *peer, *ours_pk;
		EVP_PKEY_CTX *ctx;
		struct kc_kex k;
		const char *name = group_ossl_name(grp);

		if (is_xdh(grp))
			peer = EVP_PKEY_Q_keygen(NULL, NULL, name);
		else
			peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
		ck_assert_ptr_nonnull(peer);
		lt = EVP_PKEY_get1_encoded_public_key(peer, &theirs);
		ck_assert_uint_eq(lt, share_len(grp));
		ck_assert_int_eq(kc_kex_keygen(&k, grp, &real_ops, ours, &lo), 0);
		ck_assert_int_eq(kc_kex_derive(&k, theirs, lt, s1, &n1), 0);

		/* libcrypto's side: a key with our share as its public part */
		ours_pk = EVP_PKEY_new();
		ck_assert_int_eq(EVP_PKEY_copy_parameters(ours_pk, peer), 1);
		if (is_xdh(grp)) {
			EVP_PKEY_free(ours_pk);
			ours_pk = EVP_PKEY_new_raw_public_key_ex(NULL, name, NULL,
								 ours, lo);
		} else {
			ck_assert_int_eq(EVP_PKEY_set1_encoded_public_key(ours_pk,
									  ours,
									  lo), 1);
		}
		ck_assert_ptr_nonnull(ours_pk);
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
		ck_assert_int_eq(EVP_PKEY_derive_init(ctx), 1);
		ck_assert_int_eq(EVP_PKEY_derive_set_peer(ctx, ours_pk), 1);
		ck_assert_int_eq(EVP_PKEY_derive(ctx, s2, &n2), 1);
		ck_assert_uint_eq(n1, n2);
		ck_assert_mem_eq(s1, s2, n1);
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(ours_pk);
		EVP_PKEY_free(peer);
		OPENSSL_free(theirs);
		kc_kex_clear(&k);
	}
}
END_TEST

START_TEST(test_crypto_kex_deterministic)
{
	uint8_t seed[66], p1[KC_MAX_SHARE], p2[KC_MAX_SHARE];
	struct fixed_rand f = { .data = seed };
	struct ktls_ops ops = fixed_ops(&f);
	size_t i;

	memset(seed, 0x42, sizeof(seed));
	seed[0] = 0x01;		/* below every order, P-521 included */
	for (i = 0; i < N_GROUPS; i++) {
		size_t l1 = sizeof(p1), l2 = sizeof(p2);
		struct kc_kex a, b;

		f.len = secret_len_of(all_groups[i]);
		ck_assert_int_eq(kc_kex_keygen(&a, all_groups[i], &ops, p1, &l1), 0);
		ck_assert_int_eq(kc_kex_keygen(&b, all_groups[i], &ops, p2, &l2), 0);
		ck_assert_uint_eq(l1, l2);
		ck_assert_mem_eq(p1, p2, l1);
		kc_kex_clear(&a);
		kc_kex_clear(&b);
	}
}
END_TEST

/* Returns zeros first (a rejected scalar), then the seed. */
static int zero_then_seed(void *ctx, uint8_t *buf, size_t len)
{
	struct fixed_rand *f = ctx;

	if (f->calls++ == 0)
		memset(buf, 0, len);
	else
		memset(buf, 0x11, len);
	return 0;
}

static int failing_random(void *ctx, uint8_t *buf, size_t len)
{
	return KTLS_E_IO;
}

START_TEST(test_crypto_kex_scalar_rejection)
{
	uint8_t ff[66], pub[KC_MAX_SHARE];
	struct fixed_rand f = { .data = ff, .len = 32 };
	struct ktls_ops ops = fixed_ops(&f);
	struct ktls_ops zs = { .ctx = &f, .random = zero_then_seed };
	struct ktls_ops bad = { .random = failing_random };
	size_t len = sizeof(pub);
	struct kc_kex k;

	/* 2^256 - 1 is above the P-256 order: rejected every time */
	memset(ff, 0xff, sizeof(ff));
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_SECP256R1, &ops, pub, &len),
			 KTLS_E_CRYPTO);
	ck_assert_uint_gt(f.calls, 1);
	ck_assert_ptr_null(k.key);
	/* P-521 keeps only 521 bits: 0x01ff..ff is still above the order */
	f.len = 66;
	len = sizeof(pub);
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_SECP521R1, &ops, pub, &len),
			 KTLS_E_CRYPTO);
	/* zero is rejected, then the next draw is used */
	f.calls = 0;
	len = sizeof(pub);
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_SECP384R1, &zs, pub, &len), 0);
	ck_assert_uint_eq(f.calls, 2);
	kc_kex_clear(&k);
	/* errors from ops->random come back as they are */
	len = sizeof(pub);
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_X25519, &bad, pub, &len),
			 KTLS_E_IO);
	len = sizeof(pub);
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_SECP256R1, &bad, pub, &len),
			 KTLS_E_IO);
	len = sizeof(pub);
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_X25519, NULL, pub, &len),
			 KTLS_E_INVALID);
	len = sizeof(pub);
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_FFDHE2048, &real_ops, pub,
				       &len), KTLS_E_INVALID);
	/* room checks */
	len = 64;
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_SECP256R1, &real_ops, pub,
				       &len), KTLS_E_BUFFER);
	len = 31;
	ck_assert_int_eq(kc_kex_keygen(&k, KTLS_GROUP_X25519, &real_ops, pub,
				       &len), KTLS_E_BUFFER);
}
END_TEST

static void expect_bad_share(struct kc_kex *k, const uint8_t *p, size_t len,
			     const char *what)
{
	uint8_t s[KC_MAX_SECRET];
	size_t n = sizeof(s);
	int ret = kc_kex_derive(k, p, len, s, &n);

	ck_assert_msg(ret == KTLS_E_ALERT_illegal_parameter,
		      "group %#x %s: got %d", k->group, what, ret);
}

/* The field primes, big-endian. */
static void field_prime(uint16_t grp, uint8_t *p, size_t flen)
{
	BIGNUM *bn = BN_new();
	EC_GROUP *g = EC_GROUP_new_by_curve_name(
		grp == KTLS_GROUP_SECP256R1 ? NID_X9_62_prime256v1 :
		grp == KTLS_GROUP_SECP384R1 ? NID_secp384r1 : NID_secp521r1);

	ck_assert_int_eq(EC_GROUP_get_curve(g, bn, NULL, NULL, NULL), 1);
	ck_assert_int_eq(BN_bn2binpad(bn, p, (int)flen), (int)flen);
	BN_free(bn);
	EC_GROUP_free(g);
}

START_TEST(test_crypto_kex_malformed_shares)
{
	size_t i;

	for (i = 0; i < N_GROUPS; i++) {
		uint16_t grp = all_groups[i];
		uint8_t own[KC_MAX_SHARE], peer[KC_MAX_SHARE + 1];
		uint8_t s[KC_MAX_SECRET];
		size_t lo = sizeof(own), lp = sizeof(peer), n;
		size_t sl = share_len(grp);
		struct kc_kex k, other;

		ck_assert_int_eq(kc_kex_keygen(&k, grp, &real_ops, own, &lo), 0);
		ck_assert_int_eq(kc_kex_keygen(&other, grp, &real_ops, peer, &lp), 0);
		kc_kex_clear(&other);

		/* wrong lengths */
		expect_bad_share(&k, peer, sl - 1, "short");
		expect_bad_share(&k, peer, sl + 1, "long");
		expect_bad_share(&k, peer, 0, "empty");
		/* output room */
		n = secret_len_of(grp) - 1;
		ck_assert_int_eq(kc_kex_derive(&k, peer, sl, s, &n), KTLS_E_BUFFER);

		if (is_xdh(grp)) {
			uint8_t low[56] = { 0 };

			/* u = 0 and u = 1 give the all-zero secret */
			expect_bad_share(&k, low, sl, "u=0");
			low[0] = 1;
			expect_bad_share(&k, low, sl, "u=1");
		} else {
			uint8_t bad[KC_MAX_SHARE];
			size_t flen = (sl - 1) / 2;

			/* the compressed form at its own length ... */
			memcpy(bad, peer, 1 + flen);
			bad[0] = 0x02 | (peer[sl - 1] & 1);
			expect_bad_share(&k, bad, 1 + flen, "compressed");
			/* ... and any prefix but 4 at full length */
			memcpy(bad, peer, sl);
			bad[0] = 0x02;
			expect_bad_share(&k, bad, sl, "prefix 2");
			bad[0] = 0x03;
			expect_bad_share(&k, bad, sl, "prefix 3");
			bad[0] = 0x06 | (peer[sl - 1] & 1);	/* hybrid */
			expect_bad_share(&k, bad, sl, "hybrid");
			bad[0] = 0x00;
			expect_bad_share(&k, bad, sl, "prefix 0");
			/* infinity: one zero byte, or (0, 0) */
			expect_bad_share(&k, bad, 1, "infinity");
			memset(bad, 0, sl);
			bad[0] = 0x04;
			expect_bad_share(&k, bad, sl, "(0,0)");
			/* off the curve */
			memcpy(bad, peer, sl);
			bad[sl - 1] ^= 0x01;
			expect_bad_share(&k, bad, sl, "off curve");
			/* x = p (a coordinate outside the field) */
			memcpy(bad, peer, sl);
			field_prime(grp, bad + 1, flen);
			expect_bad_share(&k, bad, sl, "x = p");
			/* y = p + y' would be the same point mod p */
			memcpy(bad, peer, sl);
			field_prime(grp, bad + 1 + flen, flen);
			expect_bad_share(&k, bad, sl, "y = p");
		}
		/* the key still works after all that */
		n = sizeof(s);
		ck_assert_int_eq(kc_kex_derive(&k, peer, sl, s, &n), 0);
		kc_kex_clear(&k);
		/* and a cleared share refuses to derive */
		n = sizeof(s);
		ck_assert_int_eq(kc_kex_derive(&k, peer, sl, s, &n), KTLS_E_INVALID);
	}
}
END_TEST

/* Feed a Wycheproof private key through ops->random. */
static bool kex_with_private(struct kc_kex *k, uint16_t grp,
			     const uint8_t *priv, size_t priv_len)
{
	size_t slen = secret_len_of(grp), len;
	uint8_t scalar[KC_MAX_SECRET] = { 0 }, pub[KC_MAX_SHARE];
	struct fixed_rand f = { .data = scalar, .len = slen };
	struct ktls_ops ops = fixed_ops(&f);

	/* a big-endian integer: drop leading zeros, left-pad to slen */
	while (priv_len > slen && priv[0] == 0) {
		priv++;
		priv_len--;
	}
	if (priv_len > slen)
		return false;
	memcpy(scalar + slen - priv_len, priv, priv_len);
	len = sizeof(pub);
	return kc_kex_keygen(k, grp, &ops, pub, &len) == 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return !acc;
}

/* What a key-exchange file gave: the group, and the tests by outcome. */
struct kex_counts {
	uint16_t grp;
	size_t valid, invalid, acc_ok, acc_rej;
};

/* One X25519/X448/ECDH test; @arg is the struct kex_counts. */
static bool kex_one(const char *name, const struct vj *g, const struct vj *t,
		    void *arg)
{
	struct kex_counts *c = arg;
	size_t pub_len, priv_len, shared_len, n;
	uint8_t *pub = hex_of(t, "public", &pub_len);
	uint8_t *priv = hex_of(t, "private", &priv_len);
	uint8_t *shared = hex_of(t, "shared", &shared_len);
	const char *result = result_of(t);
	uint8_t s[KC_MAX_SECRET];
	struct kc_kex k;
	bool must_pass;
	int ret;

	ck_assert_msg(kex_with_private(&k, c->grp, priv, priv_len),
		      "%s tc %d: keygen", name, tc_id(t));
	n = sizeof(s);
	ret = kc_kex_derive(&k, pub, pub_len, s, &n);
	if (!strcmp(result, "valid")) {
		must_pass = true;
		c->valid++;
	} else if (!strcmp(result, "invalid")) {
		must_pass = false;
		c->invalid++;
	} else {
		/* see the top of this file */
		must_pass = is_xdh(c->grp) && !all_zero(shared, shared_len);
		if (must_pass)
			c->acc_ok++;
		else
			c->acc_rej++;
	}
	if (must_pass) {
		ck_assert_msg(ret == 0, "%s tc %d: derive %d", name, tc_id(t),
			      ret);
		ck_assert_uint_eq(n, shared_len);
		ck_assert_msg(!memcmp(s, shared, n), "%s tc %d: secret", name,
			      tc_id(t));
	} else {
		ck_assert_msg(ret == KTLS_E_ALERT_illegal_parameter,
			      "%s tc %d: derive %d", name, tc_id(t), ret);
	}
	kc_kex_clear(&k);
	free(pub);
	free(priv);
	free(shared);
	return true;
}

static void kex_file(const struct wp_file *f)
{
	struct kex_counts c = { .grp = f->alg };
	size_t run = wp_for_each(f->name, kex_one, &c);

	ck_assert_uint_eq(run, f->expect);
	fprintf(stderr, "%s: %zu tests: %zu valid, %zu invalid rejected, "
		"acceptable: %zu accepted, %zu rejected\n", f->name, run,
		c.valid, c.invalid, c.acc_ok, c.acc_rej);
}

static const struct wp_file xdh_files[] = {
	{ "x25519_test.json", KTLS_GROUP_X25519, 518 },
	{ "x448_test.json", KTLS_GROUP_X448, 510 },
};

START_TEST(test_crypto_xdh_wycheproof)
{
	kex_file(&xdh_files[_i]);
}
END_TEST

static const struct wp_file ecdh_files[] = {
	{ "ecdh_secp256r1_ecpoint_test.json", KTLS_GROUP_SECP256R1, 355 },
	{ "ecdh_secp384r1_ecpoint_test.json", KTLS_GROUP_SECP384R1, 790 },
	{ "ecdh_secp521r1_ecpoint_test.json", KTLS_GROUP_SECP521R1, 661 },
};

START_TEST(test_crypto_ecdh_wycheproof)
{
	kex_file(&ecdh_files[_i]);
}
END_TEST

/* ---- signatures ---- */

static EVP_PKEY *pubkey_of(const struct vj *g)
{
	size_t len;
	uint8_t *der = hex_of(g, "publicKeyDer", &len);
	const unsigned char *p = der;
	EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)len);

	ck_assert_ptr_nonnull(key);
	free(der);
	return key;
}

struct sig_counts {
	size_t run, valid, invalid, acc_ok, acc_rej;
};

/* Verify test @t of group @g with @scheme; @must_fail overrides the file. */
static void verify_one(const char *name, const struct vj *t, uint16_t scheme,
		       EVP_PKEY *key, bool must_fail, struct sig_counts *c)
{
	size_t msg_len, sig_len;
	uint8_t *msg = hex_of(t, "msg", &msg_len);
	uint8_t *sig = hex_of(t, "sig", &sig_len);
	const char *result = result_of(t);
	int ret = kc_sig_verify(scheme, key, msg, msg_len, sig, sig_len);

	c->run++;
	if (!must_fail && !strcmp(result, "valid")) {
		ck_assert_msg(ret == 0, "%s tc %d (%#x): %d", name, tc_id(t),
			      scheme, ret);
		c->valid++;
	} else if (must_fail || !strcmp(result, "invalid")) {
		ck_assert_msg(ret == KTLS_E_ALERT_decrypt_error,
			      "%s tc %d (%#x): %d", name, tc_id(t), scheme, ret);
		c->invalid++;
	} else {
		ck_assert_msg(ret == 0 || ret == KTLS_E_ALERT_decrypt_error,
			      "%s tc %d: %d", name, tc_id(t), ret);
		if (ret == 0)
			c->acc_ok++;
		else
			c->acc_rej++;
	}
	free(msg);
	free(sig);
}

static void report(const char *name, const struct sig_counts *c)
{
	fprintf(stderr, "%s: %zu verified: %zu valid, %zu rejected, "
		"acceptable: %zu accepted, %zu rejected\n", name, c->run,
		c->valid, c->invalid, c->acc_ok, c->acc_rej);
}

/* A file of one scheme (@f->alg), which every group's key fits. */
static void simple_sig_file(const struct wp_file *f)
{
	const char *name = f->name;
	uint16_t scheme = f->alg;
	struct vj *root = load_vectors(name);
	const struct vj *groups = vj_get(root, "testGroups");
	struct sig_counts c = { 0 };
	size_t gi, ti;

	for (gi = 0; gi < groups->n; gi++) {
		const struct vj *g = groups->items[gi];
		const struct vj *tests = vj_get(g, "tests");
		EVP_PKEY *key = pubkey_of(g);

		ck_assert_msg(kc_sig_fits_key(scheme, key), "%s group %zu",
			      name, gi);
		for (ti = 0; ti < tests->n; ti++)
			verify_one(name, tests->items[ti], scheme, key, false, &c);
		EVP_PKEY_free(key);
	}
	ck_assert_uint_eq(c.run, f->expect);
	report(name, &c);
	vj_free(root);
}

static const struct wp_file ecdsa_files[] = {
	{ "ecdsa_secp256r1_sha256_test.json", KTLS_SIG_ECDSA_SECP256R1_SHA256, 484 },
	{ "ecdsa_secp384r1_sha384_test.json", KTLS_SIG_ECDSA_SECP384R1_SHA384, 504 },
	{ "ecdsa_secp521r1_sha512_test.json", KTLS_SIG_ECDSA_SECP521R1_SHA512, 542 },
};

START_TEST(test_crypto_ecdsa_wycheproof)
{
	simple_sig_file(&ecdsa_files[_i]);
}
END_TEST

static const struct wp_file eddsa_files[] = {
	{ "ed25519_test.json", KTLS_SIG_ED25519, 151 },
	{ "ed448_test.json", KTLS_SIG_ED448, 87 },
};

START_TEST(test_crypto_eddsa_wycheproof)
{
	simple_sig_file(&eddsa_files[_i]);
}
END_TEST

static const struct wp_file rsa_pkcs1_files[] = {
	{ "rsa_signature_2048_sha256_test.json", KTLS_SIG_RSA_PKCS1_SHA256, 259 },
};

START_TEST(test_crypto_rsa_pkcs1_wycheproof)
{
	simple_sig_file(&rsa_pkcs1_files[_i]);
}
END_TEST

/* The same modulus and exponent as an RSASSA-PSS (id-RSASSA-PSS) key. */
static EVP_PKEY *as_pss_key(EVP_PKEY *rsa)
{
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pss = NULL;
	uint8_t nb[1024], eb[16];
	int nl, el;

	ck_assert_int_eq(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_E, &e), 1);
	/* OSSL_PARAM BNs are native-endian (little-endian here) */
	nl = BN_bn2lebinpad(n, nb, BN_num_bytes(n));
	el = BN_bn2lebinpad(e, eb, BN_num_bytes(e));
	params[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nb, (size_t)nl);
	params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, eb, (size_t)el);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pss, EVP_PKEY_PUBLIC_KEY,
					   params), 1);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return pss;
}

static int tls_pss_hash(const char *sha, uint16_t *rsae, uint16_t *pss,
			size_t *hlen)
{
	if (!strcmp(sha, "SHA-256")) {
		*rsae = KTLS_SIG_RSA_PSS_RSAE_SHA256;
		*pss = KTLS_SIG_RSA_PSS_PSS_SHA256;
		*hlen = 32;
	} else if (!strcmp(sha, "SHA-384")) {
		*rsae = KTLS_SIG_RSA_PSS_RSAE_SHA384;
		*pss = KTLS_SIG_RSA_PSS_PSS_SHA384;
		*hlen = 48;
	} else if (!strcmp(sha, "SHA-512")) {
		*rsae = KTLS_SIG_RSA_PSS_RSAE_SHA512;
		*pss = KTLS_SIG_RSA_PSS_PSS_SHA512;
		*hlen = 64;
	} else {
		return -1;
	}
	return 0;
}

/*
 * Groups with TLS 1.3 parameters (MGF1 with the same hash, salt as long as
 * the hash) must verify as the file says, both with the rsaEncryption key
 * (rsa_pss_rsae_*) and with the same key as an RSASSA-PSS key
 * (rsa_pss_pss_*). Groups with other parameters but a TLS hash must be
 * rejected outright: RFC 8446 §4.2.3 fixes them.
 */
static void pss_file(const char *name, size_t *tls, size_t *other)
{
	struct vj *root = load_vectors(name);
	const struct vj *groups = vj_get(root, "testGroups");
	struct sig_counts c = { 0 };
	size_t gi, ti, hlen;

	for (gi = 0; gi < groups->n; gi++) {
		const struct vj *g = groups->items[gi];
		const struct vj *tests = vj_get(g, "tests");
		const char *sha = vj_get_str(g, "sha");
		const char *mgf = vj_get_str(g, "mgf");
		const char *mgf_sha = vj_get_str(g, "mgfSha");
		uint16_t rsae, pss;
		EVP_PKEY *key, *pkey;
		bool tls_params;
		double slen;

		ck_assert(sha && mgf && mgf_sha && vj_get_num(g, "sLen", &slen));
		if (tls_pss_hash(sha, &rsae, &pss, &hlen))
			continue;	/* SHA-1, SHA-224: no TLS scheme */
		tls_params = !strcmp(mgf, "MGF1") && !strcmp(mgf_sha, sha) &&
			     (size_t)slen == hlen;
		key = pubkey_of(g);
		pkey = as_pss_key(key);
		ck_assert(kc_sig_fits_key(rsae, key));
		ck_assert(kc_sig_fits_key(pss, pkey));
		for (ti = 0; ti < tests->n; ti++) {
			verify_one(name, tests->items[ti], rsae, key, !tls_params,
				   &c);
			verify_one(name, tests->items[ti], pss, pkey,
				   !tls_params, &c);
			if (tls_params)
				(*tls)++;
			else
				(*other)++;
		}
		EVP_PKEY_free(key);
		EVP_PKEY_free(pkey);
	}
	report(name, &c);
	vj_free(root);
}

START_TEST(test_crypto_rsa_pss_wycheproof)
{
	static const char *const files[] = {
		"rsa_pss_2048_sha256_mgf1_32_test.json",
		"rsa_pss_2048_sha384_mgf1_48_test.json",
		"rsa_pss_3072_sha256_mgf1_32_test.json",
		"rsa_pss_4096_sha384_mgf1_48_test.json",
		"rsa_pss_4096_sha512_mgf1_64_test.json",
		"rsa_pss_misc_test.json",
	};
	size_t i, tls = 0, other = 0;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		pss_file(files[i], &tls, &other);
	/* every test of the five single-parameter files, 3 of misc */
	ck_assert_uint_eq(tls, 108 + 141 + 108 + 141 + 179 + 3);
	/* misc: 3 TLS hashes x 5 MGF hashes x 6 salt lengths, minus those 3 */
	ck_assert_uint_eq(other, 3 * 5 * 6 - 3);
}
END_TEST

struct test_keys {
	EVP_PKEY *p256, *p384, *p521, *rsa, *pss, *pss_sha256, *ed25519, *ed448;
};

/* An RSASSA-PSS key, restricted to @md and MGF1 with @mgf1 if given. */
static EVP_PKEY *gen_pss_key(const EVP_MD *md, const EVP_MD *mgf1)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *key = NULL;

	ck_assert_int_eq(EVP_PKEY_keygen_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	if (md)
		ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_pss_keygen_md(ctx, md), 0);
	if (mgf1)
		ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_pss_keygen_mgf1_md(ctx,
									 mgf1), 0);
	ck_assert_int_eq(EVP_PKEY_keygen(ctx, &key), 1);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static void keys_make(struct test_keys *k)
{
	k->p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	k->p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	k->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->pss = gen_pss_key(NULL, NULL);
	k->pss_sha256 = gen_pss_key(EVP_sha256(), EVP_sha256());
	k->ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k->ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	ck_assert(k->p256 && k->p384 && k->p521 && k->rsa && k->pss &&
		  k->pss_sha256 && k->ed25519 && k->ed448);
}

static void keys_free(struct test_keys *k)
{
	EVP_PKEY_free(k->p256);
	EVP_PKEY_free(k->p384);
	EVP_PKEY_free(k->p521);
	EVP_PKEY_free(k->rsa);
	EVP_PKEY_free(k->pss);
	EVP_PKEY_free(k->pss_sha256);
	EVP_PKEY_free(k->ed25519);
	EVP_PKEY_free(k->ed448);
}

START_TEST(test_crypto_sig_roundtrip)
{
	struct test_keys k;
	const struct {
		uint16_t scheme;
		EVP_PKEY **key;
	} cases[] = {
		{ KTLS_SIG_ECDSA_SECP256R1_SHA256, &k.p256 },
		{ KTLS_SIG_ECDSA_SECP384R1_SHA384, &k.p384 },
		{ KTLS_SIG_ECDSA_SECP521R1_SHA512, &k.p521 },
		{ KTLS_SIG_RSA_PSS_RSAE_SHA256, &k.rsa },
		{ KTLS_SIG_RSA_PSS_RSAE_SHA384, &k.rsa },
		{ KTLS_SIG_RSA_PSS_RSAE_SHA512, &k.rsa },
		{ KTLS_SIG_RSA_PSS_PSS_SHA256, &k.pss },
		{ KTLS_SIG_RSA_PSS_PSS_SHA384, &k.pss },
		{ KTLS_SIG_RSA_PSS_PSS_SHA512, &k.pss },
		{ KTLS_SIG_RSA_PSS_PSS_SHA256, &k.pss_sha256 },
		{ KTLS_SIG_ED25519, &k.ed25519 },
		{ KTLS_SIG_ED448, &k.ed448 },
	};
	uint8_t msg[130], sig[KC_MAX_SIG];
	size_t i, len;
	int ret;

	keys_make(&k);
	memset(msg, 0x20, 64);	/* shaped like a CertificateVerify input */
	memcpy(msg + 64, "TLS 1.3, server CertificateVerify", 34);
	memset(msg + 98, 0xab, 32);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint16_t sch = cases[i].scheme;
		EVP_PKEY *key = *cases[i].key;

		ck_assert(kc_sig_tls13_ok(sch));
		ck_assert(kc_sig_fits_key(sch, key));
		len = sizeof(sig);
		ret = kc_sig_sign(sch, key, msg, sizeof(msg), sig, &len);
		ck_assert_msg(ret == 0, "sign %#x: %d", sch, ret);
		ck_assert_uint_le(len, (size_t)EVP_PKEY_get_size(key));
		ck_assert_int_eq(kc_sig_verify(sch, key, msg, sizeof(msg), sig,
					       len), 0);
		/* another message, a damaged or truncated signature */
		msg[0] ^= 1;
		ck_assert_int_eq(kc_sig_verify(sch, key, msg, sizeof(msg), sig,
					       len), KTLS_E_ALERT_decrypt_error);
		msg[0] ^= 1;
		sig[len / 2] ^= 0x10;
		ck_assert_int_eq(kc_sig_verify(sch, key, msg, sizeof(msg), sig,
					       len), KTLS_E_ALERT_decrypt_error);
		sig[len / 2] ^= 0x10;
		ck_assert_int_eq(kc_sig_verify(sch, key, msg, sizeof(msg), sig,
					       len - 1), KTLS_E_ALERT_decrypt_error);
		ck_assert_int_eq(kc_sig_verify(sch, key, msg, sizeof(msg), sig,
					       0), KTLS_E_ALERT_decrypt_error);
		/* too little room */
		len = 16;
		ck_assert_int_eq(kc_sig_sign(sch, key, msg, sizeof(msg), sig,
					     &len), KTLS_E_BUFFER);
	}
	keys_free(&k);
}
END_TEST

/* Our PSS signatures use MGF1 with the same hash and salt = hash length. */
START_TEST(test_crypto_sig_pss_parameters)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	const struct {
		uint16_t scheme;
		const EVP_MD *(*md)(void);
	} cases[] = {
		{ KTLS_SIG_RSA_PSS_RSAE_SHA256, EVP_sha256 },
		{ KTLS_SIG_RSA_PSS_RSAE_SHA384, EVP_sha384 },
		{ KTLS_SIG_RSA_PSS_RSAE_SHA512, EVP_sha512 },
	};
	uint8_t sig[KC_MAX_SIG], dgst[64];
	size_t i, len;

	for (i = 0; i < 3; i++) {
		const EVP_MD *md = cases[i].md();
		int hlen = EVP_MD_get_size(md), salt;

		len = sizeof(sig);
		ck_assert_int_eq(kc_sig_sign(cases[i].scheme, rsa,
					     (const uint8_t *)"m", 1, sig, &len), 0);
		ck_assert_int_eq(EVP_Digest("m", 1, dgst, NULL, md, NULL), 1);
		for (salt = hlen - 1; salt <= hlen + 1; salt++) {
			EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, rsa, NULL);

			ck_assert_int_eq(EVP_PKEY_verify_init(c), 1);
			ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(c,
						RSA_PKCS1_PSS_PADDING), 0);
			ck_assert_int_gt(EVP_PKEY_CTX_set_signature_md(c, md), 0);
			ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_mgf1_md(c, md), 0);
			ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt), 0);
			ck_assert_int_eq(EVP_PKEY_verify(c, sig, len, dgst,
							 (size_t)hlen) == 1,
					 salt == hlen);
			EVP_PKEY_CTX_free(c);
		}
	}
	EVP_PKEY_free(rsa);
}
END_TEST

START_TEST(test_crypto_sig_scheme_mismatch)
{
	static const uint16_t all[] = {
		KTLS_SIG_ECDSA_SECP256R1_SHA256, KTLS_SIG_ECDSA_SECP384R1_SHA384,
		KTLS_SIG_ECDSA_SECP521R1_SHA512, KTLS_SIG_RSA_PSS_RSAE_SHA256,
		KTLS_SIG_RSA_PSS_RSAE_SHA384, KTLS_SIG_RSA_PSS_RSAE_SHA512,
		KTLS_SIG_RSA_PSS_PSS_SHA256, KTLS_SIG_RSA_PSS_PSS_SHA384,
		KTLS_SIG_RSA_PSS_PSS_SHA512, KTLS_SIG_ED25519, KTLS_SIG_ED448,
		KTLS_SIG_RSA_PKCS1_SHA256, KTLS_SIG_RSA_PKCS1_SHA384,
		KTLS_SIG_RSA_PKCS1_SHA512,
	};
	struct test_keys k;
	EVP_PKEY *keys[8];
	/* which key (index into keys[]) fits each scheme in all[] */
	static const int fits[] = { 0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 3, 3, 3 };
	uint8_t sig[KC_MAX_SIG];
	size_t i, j, len;

	keys_make(&k);
	keys[0] = k.p256;
	keys[1] = k.p384;
	keys[2] = k.p521;
	keys[3] = k.rsa;
	keys[4] = k.pss;
	keys[5] = k.pss_sha256;
	keys[6] = k.ed25519;
	keys[7] = k.ed448;
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		for (j = 0; j < 8; j++) {
			bool ok = (int)j == fits[i] ||
				  (j == 5 && all[i] == KTLS_SIG_RSA_PSS_PSS_SHA256);

			ck_assert_msg(kc_sig_fits_key(all[i], keys[j]) == ok,
				      "scheme %#x key %zu", all[i], j);
			if (ok)
				continue;
			/* a signature made under another scheme or key */
			memset(sig, 0x30, 72);
			ck_assert_int_eq(kc_sig_verify(all[i], keys[j],
						       (const uint8_t *)"m", 1,
						       sig, 72),
					 KTLS_E_ALERT_illegal_parameter);
			len = sizeof(sig);
			ck_assert_int_eq(kc_sig_sign(all[i], keys[j],
						     (const uint8_t *)"m", 1,
						     sig, &len), KTLS_E_INVALID);
		}
	}
	/* restricted to SHA-256 with the default MGF1 (SHA-1): fits nothing */
	{
		EVP_PKEY *sha1_mgf = gen_pss_key(EVP_sha256(), NULL);

		for (i = 0; i < ARRAY_SIZE(all); i++)
			ck_assert(!kc_sig_fits_key(all[i], sha1_mgf));
		ck_assert_int_eq(kc_sig_verify(KTLS_SIG_RSA_PSS_PSS_SHA256,
					       sha1_mgf, (const uint8_t *)"m", 1,
					       sig, 256),
				 KTLS_E_ALERT_illegal_parameter);
		EVP_PKEY_free(sha1_mgf);
	}
	/* PKCS#1 v1.5 and SHA-1: verify only, and never in CertificateVerify */
	ck_assert(!kc_sig_tls13_ok(KTLS_SIG_RSA_PKCS1_SHA256));
	ck_assert(!kc_sig_tls13_ok(KTLS_SIG_RSA_PKCS1_SHA1));
	ck_assert(!kc_sig_tls13_ok(KTLS_SIG_ECDSA_SHA1));
	ck_assert(!kc_sig_tls13_ok(0xfefe));
	len = sizeof(sig);
	ck_assert_int_eq(kc_sig_sign(KTLS_SIG_RSA_PKCS1_SHA256, k.rsa,
				     (const uint8_t *)"m", 1, sig, &len),
			 KTLS_E_INVALID);
	ck_assert(!kc_sig_fits_key(KTLS_SIG_RSA_PKCS1_SHA1, k.rsa));
	ck_assert_int_eq(kc_sig_verify(KTLS_SIG_RSA_PKCS1_SHA1, k.rsa,
				       (const uint8_t *)"m", 1, sig, 256),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(kc_sig_verify(KTLS_SIG_ECDSA_SHA1, k.p256,
				       (const uint8_t *)"m", 1, sig, 72),
			 KTLS_E_ALERT_illegal_parameter);
	ck_assert_int_eq(kc_sig_verify(KTLS_SIG_ED25519, NULL,
				       (const uint8_t *)"m", 1, sig, 64),
			 KTLS_E_ALERT_illegal_parameter);
	len = sizeof(sig);
	ck_assert_int_eq(kc_sig_sign(KTLS_SIG_ED25519, NULL,
				     (const uint8_t *)"m", 1, sig, &len),
			 KTLS_E_NOKEY);
	ck_assert(!kc_sig_fits_key(KTLS_SIG_ED25519, NULL));
	keys_free(&k);
}
END_TEST

/* PKCS#1 v1.5 signatures made by libcrypto verify (certificate chains). */
START_TEST(test_crypto_sig_pkcs1_verify)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	const struct {
		uint16_t scheme;
		const char *md;
	} cases[] = {
		{ KTLS_SIG_RSA_PKCS1_SHA256, "SHA256" },
		{ KTLS_SIG_RSA_PKCS1_SHA384, "SHA384" },
		{ KTLS_SIG_RSA_PKCS1_SHA512, "SHA512" },
	};
	uint8_t sig[512];
	size_t i, len;

	for (i = 0; i < 3; i++) {
		EVP_MD_CTX *m = EVP_MD_CTX_new();

		len = sizeof(sig);
		ck_assert_int_eq(EVP_DigestSignInit_ex(m, NULL, cases[i].md, NULL,
						       NULL, rsa, NULL), 1);
		ck_assert_int_eq(EVP_DigestSign(m, sig, &len,
						(const uint8_t *)"cert", 4), 1);
		EVP_MD_CTX_free(m);
		ck_assert_int_eq(kc_sig_verify(cases[i].scheme, rsa,
					       (const uint8_t *)"cert", 4, sig,
					       len), 0);
		/* a PKCS#1 signature is no PSS signature */
		ck_assert_int_eq(kc_sig_verify(KTLS_SIG_RSA_PSS_RSAE_SHA256, rsa,
					       (const uint8_t *)"cert", 4, sig,
					       len), KTLS_E_ALERT_decrypt_error);
		/* nor one over another hash */
		ck_assert_int_eq(kc_sig_verify(cases[(i + 1) % 3].scheme, rsa,
					       (const uint8_t *)"cert", 4, sig,
					       len), KTLS_E_ALERT_decrypt_error);
	}
	EVP_PKEY_free(rsa);
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_crypto_hash_running);
	tcase_add_test(tc, test_crypto_suite_table);
	tcase_add_test(tc, test_crypto_equal_and_wipe);
	tcase_add_test(tc, test_crypto_hkdf_rfc5869);
	tcase_add_loop_test(tc, test_crypto_hkdf_wycheproof, 0,
			    ARRAY_SIZE(hkdf_files));
	tcase_add_loop_test(tc, test_crypto_hmac_wycheproof, 0,
			    ARRAY_SIZE(hmac_files));
	tcase_add_test(tc, test_crypto_hkdf_limits);
	tcase_add_loop_test(tc, test_crypto_aead_wycheproof, 0,
			    ARRAY_SIZE(aead_files));
	tcase_add_test(tc, test_crypto_aead_tamper);
	tcase_add_test(tc, test_crypto_aead_seq_and_in_place);
	tcase_add_test(tc, test_crypto_aead_empty_record);
	tcase_add_test(tc, test_crypto_kex_roundtrip);
	tcase_add_test(tc, test_crypto_kex_matches_libcrypto);
	tcase_add_test(tc, test_crypto_kex_deterministic);
	tcase_add_test(tc, test_crypto_kex_scalar_rejection);
	tcase_add_test(tc, test_crypto_kex_malformed_shares);
	tcase_add_loop_test(tc, test_crypto_xdh_wycheproof, 0,
			    ARRAY_SIZE(xdh_files));
	tcase_add_loop_test(tc, test_crypto_ecdh_wycheproof, 0,
			    ARRAY_SIZE(ecdh_files));
	tcase_add_loop_test(tc, test_crypto_ecdsa_wycheproof, 0,
			    ARRAY_SIZE(ecdsa_files));
	tcase_add_loop_test(tc, test_crypto_eddsa_wycheproof, 0,
			    ARRAY_SIZE(eddsa_files));
	tcase_add_loop_test(tc, test_crypto_rsa_pkcs1_wycheproof, 0,
			    ARRAY_SIZE(rsa_pkcs1_files));
	tcase_add_test(tc, test_crypto_rsa_pss_wycheproof);
	tcase_add_test(tc, test_crypto_sig_roundtrip);
	tcase_add_test(tc, test_crypto_sig_pss_parameters);
	tcase_add_test(tc, test_crypto_sig_scheme_mismatch);
	tcase_add_test(tc, test_crypto_sig_pkcs1_verify);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(crypto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
