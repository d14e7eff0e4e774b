// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Handshake benchmark: the CPU cost of one full TLS 1.3 handshake (X25519,
 * ECDSA P-256 server certificate, TLS_AES_128_GCM_SHA256, the client
 * checking the chain and the name) on each side, for
 *   - libktls, our client against our server in memory;
 *   - OpenSSL's libssl, client against server over a BIO pair;
 *   - the libcrypto primitives a handshake cannot do without (random,
 *     X25519 keygen and derive, ECDSA sign or verifies, the HMACs of the
 *     key schedule, the transcript hash, the AEAD of the flight), each
 *     timed in a tight loop with the cheapest public libcrypto calls and
 *     summed: the floor an engine on libcrypto can reach.
 * Then the memory one handshake holds while in flight, measured as the
 * resident growth over many handshakes started side by side.
 *
 * CPU time is per thread (CLOCK_THREAD_CPUTIME_ID), read around each
 * side's own calls, so the two sides of one handshake are charged apart.
 * The client's default trust object caches parsed certificates and the
 * verdict on a chain it verified (lib/src/x509.h); rows with the verdict
 * cache off (libssl's way: every chain verified) and with both caches off
 * show what each saves.
 *
 * Each round runs every implementation and the primitives in turn, and
 * each figure is the median over the rounds, which keeps a noisy
 * neighbour from tilting one side.
 *
 * The last two lines are what a script checks:
 *	server ktls/libssl=<ratio> ktls/limit=<fraction>
 *	client ktls/libssl=<ratio>
 * where a ratio is a throughput ratio (libssl µs / ktls µs) and the
 * fraction is limit µs / ktls µs for the server.
 *
 * Usage: handshake [-q] [-n handshakes] [-r rounds] [-m in-flight]
 *        handshake -k [-n handshakes]
 * -k runs libktls handshakes only and prints their cost: a loop to put
 * under perf or callgrind.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ktls/ktls.h>

#include "testcert.h"
#include "x509.h"	/* struct ktls_trust: the parse-cache switch */

#define PEER_NAME "localhost"
#define MAX_ROUNDS 15
#define MAX_RECORDS 16
#define CV_TBS_LEN (64 + 34 + 32)	/* RFC 8446 §4.4.3 with SHA-256 */

static bool quiet;

static void die(const char *what)
{
	fprintf(stderr, "handshake: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* ---- clocks and memory ---- */

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* What one timed region costs with nothing in it: subtracted per region. */
static double clock_cost;

static void clock_calibrate(void)
{
	double t, sum = 0;
	int i;

	for (i = 0; i < 20000; i++) {
		t = cpu_us();
		sum += cpu_us() - t;
	}
	clock_cost = sum / i;
}

/* Add the CPU time since @t0 to @acc, less the clock's own cost. */
static void charge(double *acc, double t0)
{
	*acc += cpu_us() - t0 - clock_cost;
}

static long resident_bytes(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

/* Bytes handed out by malloc, heap and mmap'ed chunks together. */
static long malloc_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long)(mi.uordblks + mi.hblkhd);
}

struct mem_mark {
	long rss;
	long heap;
};

static void mem_mark(struct mem_mark *m)
{
	m->rss = resident_bytes();
	m->heap = malloc_bytes();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double tmp[MAX_ROUNDS];

	memcpy(tmp, v, sizeof(double) * (size_t)n);
	qsort(tmp, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* ---- the shared set-up: one certificate, one CA ---- */

struct setup {
	struct testcert tc;
	const char *ca_file;

	/* libktls */
	struct ktls_credential *cred;
	struct ktls_trust *trust;		/* both caches on (the default) */
	struct ktls_trust *trust_noverdict;	/* parsed once, verified always */
	struct ktls_trust *trust_nocache;	/* every chain parsed */
	struct ktls_config scfg, ccfg, ccfg_noverdict, ccfg_nocache;

	/* libssl */
	SSL_CTX *sctx, *cctx;

	/* libcrypto, for the primitives */
	EVP_PKEY *sign_key;	/* the server's P-256 key */
	EVP_PKEY *verify_key;	/* the leaf's public key */
	X509 *leaf;
};

static void ktls_side_config(struct ktls_config *cfg)
{
	ktls_config_init(cfg);
	cfg->suites[0] = KTLS_AES_128_GCM_SHA256;
	cfg->n_suites = 1;
	cfg->groups[0] = KTLS_GROUP_X25519;
	cfg->n_groups = 1;
}

static SSL_CTX *ssl_ctx(bool server, struct setup *s)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (!ctx ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") ||
	    !SSL_CTX_set1_groups_list(ctx, "X25519"))
		die("SSL_CTX set-up");
	/* No tickets, no session cache: like libktls. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* libktls sends no compatibility CCS unless asked (KTLS_F_COMPAT_CCS). */
	SSL_CTX_clear_options(ctx, SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
	if (server) {
		if (SSL_CTX_use_certificate_chain_file(ctx, s->tc.cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, s->tc.key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1)
			die("libssl server credential");
	} else {
		if (SSL_CTX_load_verify_locations(ctx, s->ca_file, NULL) != 1)
			die("libssl client trust");
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	return ctx;
}

static void setup_init(struct setup *s)
{
	BIO *bio;

	memset(s, 0, sizeof(*s));
	if (testcert_make(TESTCERT_P256, PEER_NAME, 30, false, &s->tc))
		die("cannot make the test certificate");
	s->ca_file = testcert_ca_file();
	if (!s->ca_file)
		die("no CA file");

	if (ktls_credential_load_pem(s->tc.cert, s->tc.key, &s->cred) ||
	    ktls_trust_load(s->ca_file, NULL, NULL, &s->trust) ||
	    ktls_trust_load(s->ca_file, NULL, NULL, &s->trust_noverdict) ||
	    ktls_trust_load(s->ca_file, NULL, NULL, &s->trust_nocache))
		die("libktls credential or trust");
	s->trust_noverdict->verified_off = true;
	s->trust_nocache->cache_off = true;
	ktls_side_config(&s->scfg);
	s->scfg.cred = s->cred;
	ktls_side_config(&s->ccfg);
	s->ccfg.trust = s->trust;
	s->ccfg_noverdict = s->ccfg;
	s->ccfg_noverdict.trust = s->trust_noverdict;
	s->ccfg_nocache = s->ccfg;
	s->ccfg_nocache.trust = s->trust_nocache;

	s->sctx = ssl_ctx(true, s);
	s->cctx = ssl_ctx(false, s);

	bio = BIO_new_file(s->tc.key, "r");
	s->sign_key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	bio = BIO_new_file(s->tc.cert, "r");
	s->leaf = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (!s->sign_key || !s->leaf)
		die("cannot read back the test certificate");
	s->verify_key = X509_get0_pubkey(s->leaf);
}

static void setup_free(struct setup *s)
{
	SSL_CTX_free(s->sctx);
	SSL_CTX_free(s->cctx);
	ktls_credential_free(s->cred);
	ktls_trust_free(s->trust);
	ktls_trust_free(s->trust_noverdict);
	ktls_trust_free(s->trust_nocache);
	EVP_PKEY_free(s->sign_key);
	X509_free(s->leaf);
	testcert_cleanup();
}

/* ---- what a handshake puts on the wire, for the primitive counts ---- */

/*
 * libktls puts each handshake message in a record of its own, so the
 * records tell the message sizes (for the transcript) and what is sealed.
 */
struct wire_shape {
	size_t ch_len;			/* ClientHello message */
	size_t th_bytes;		/* every handshake message, both ways */
	size_t n_msgs;
	size_t msgs[MAX_RECORDS];	/* each message, in transcript order */
	size_t n_sealed;		/* server's protected records */
	size_t sealed[MAX_RECORDS];	/* their inner plaintext (with type) */
	size_t cfin_len;		/* client Finished, inner plaintext */
};

static void shape_records(const uint8_t *p, size_t len, struct wire_shape *w,
			  bool server)
{
	while (len >= 5) {
		size_t n = ((size_t)p[3] << 8) | p[4], msg = 0;

		if (n + 5 > len || n > 2048 - 5 - 16 || w->n_msgs == MAX_RECORDS)
			die("unexpected record in the flight");
		if (p[0] == 23) {
			/* inner plaintext = message + type byte; no padding */
			msg = n - 16 - 1;
			if (server && w->n_sealed < MAX_RECORDS)
				w->sealed[w->n_sealed++] = n - 16;
			else if (!server)
				w->cfin_len = n - 16;
		} else if (p[0] == 22) {
			msg = n;
			if (!server)
				w->ch_len = n;
		}
		if (msg) {
			w->msgs[w->n_msgs++] = msg;
			w->th_bytes += msg;
		}
		p += n + 5;
		len -= n + 5;
	}
}

/* ---- libktls ---- */

struct side_us {
	double cli, srv;
};

/* Hand all that @from has queued to @to (ktls_input stops at the end). */
static void kt_move(struct ktls_conn *from, struct ktls_conn *to,
		    struct wire_shape *w, bool from_server)
{
	size_t len, used = 0;
	const uint8_t *p = ktls_output(from, &len);

	if (w)
		shape_records(p, len, w, from_server);
	if (ktls_input(to, p, len, &used) || used != len)
		die(ktls_error_detail(to));
	ktls_output_ack(from, used);
}

/* Take the keys, as the daemon does; a client must have verified the peer. */
static void kt_keys(struct ktls_conn *c, bool client)
{
	struct ktls_traffic_keys tx, rx;
	struct ktls_result res;

	if (!(ktls_status(c) & KTLS_DONE) ||
	    ktls_get_traffic_keys(c, KTLS_TX, &tx) ||
	    ktls_get_traffic_keys(c, KTLS_RX, &rx))
		die("libktls handshake did not finish");
	if (client) {
		ktls_get_result(c, &res);
		if (!res.peer_verified)
			die("libktls client did not verify the server");
	}
	ktls_traffic_keys_wipe(&tx);
	ktls_traffic_keys_wipe(&rx);
}

/*
 * One handshake, each side's calls timed apart: the client builds its
 * hello; the server reads it and answers with its flight; the client reads
 * that and sends Finished; the server reads Finished. Each side then takes
 * its traffic keys (what the daemon hands to kernel TLS) and frees.
 */
static void kt_handshake(const struct ktls_config *ccfg,
			 const struct ktls_config *scfg, struct side_us *us,
			 struct wire_shape *w)
{
	struct ktls_conn *c, *s;
	double t;

	t = cpu_us();
	if (ktls_conn_new(ccfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &c) ||
	    ktls_conn_set_peer_name(c, PEER_NAME) || ktls_start(c))
		die("libktls client start");
	charge(&us->cli, t);

	t = cpu_us();
	if (ktls_conn_new(scfg, &ktls_default_ops, KTLS_ROLE_SERVER, &s) ||
	    ktls_start(s))
		die("libktls server start");
	kt_move(c, s, w, false);
	charge(&us->srv, t);

	t = cpu_us();
	kt_move(s, c, w, true);
	charge(&us->cli, t);

	t = cpu_us();
	kt_move(c, s, w, false);
	kt_keys(s, false);
	ktls_conn_free(s);
	charge(&us->srv, t);

	t = cpu_us();
	kt_keys(c, true);
	ktls_conn_free(c);
	charge(&us->cli, t);
}

/* ---- libssl ---- */

static void ssl_want(SSL *ssl, int ret, const char *who)
{
	if (ret == 1 || SSL_get_error(ssl, ret) != SSL_ERROR_WANT_READ)
		die(who);
}

/* The same four steps through libssl, over a BIO pair. */
static void ssl_handshake(struct setup *st, struct side_us *us)
{
	BIO *cb = NULL, *sb = NULL;
	SSL *c, *s;
	double t;

	/* The transport is not charged (libktls's is the caller's too). */
	if (!BIO_new_bio_pair(&cb, 0, &sb, 0))
		die("BIO pair");

	t = cpu_us();
	c = SSL_new(st->cctx);
	if (!c || !SSL_set_tlsext_host_name(c, PEER_NAME) ||
	    !SSL_set1_host(c, PEER_NAME))
		die("libssl client");
	SSL_set_bio(c, cb, cb);
	SSL_set_connect_state(c);
	ssl_want(c, SSL_do_handshake(c), "libssl client hello");
	charge(&us->cli, t);

	t = cpu_us();
	s = SSL_new(st->sctx);
	if (!s)
		die("libssl server");
	SSL_set_bio(s, sb, sb);
	SSL_set_accept_state(s);
	ssl_want(s, SSL_do_handshake(s), "libssl server flight");
	charge(&us->srv, t);

	t = cpu_us();
	if (SSL_do_handshake(c) != 1 || SSL_get_verify_result(c) != X509_V_OK)
		die("libssl client finish");
	charge(&us->cli, t);

	t = cpu_us();
	if (SSL_do_handshake(s) != 1)
		die("libssl server finish");
	SSL_free(s);
	charge(&us->srv, t);

	t = cpu_us();
	SSL_free(c);
	charge(&us->cli, t);
}

/* ---- the primitives ---- */

/*
 * Each primitive is one function doing one operation with the cheapest
 * sequence of public libcrypto 3.0 calls we know for it, which is what the
 * engine can do in its best configuration: algorithms fetched once, key
 * import contexts and the signing context prepared once and shared,
 * digest contexts reused. Per-handshake objects (the ephemeral keys, the
 * peer's key, a derive context) are made every time, as they must be.
 */
struct prim_ctx {
	struct setup *st;
	const EVP_MD *sha256;
	const EVP_CIPHER *gcm;
	EVP_MD_CTX *md, *md2;
	EVP_PKEY_CTX *x_import;		/* X25519 EVP_PKEY_fromdata_init'ed */
	EVP_PKEY_CTX *sign;		/* EVP_PKEY_sign_init'ed on sign_key */
	EVP_PKEY *x_peer;		/* the other side's X25519 key */
	uint8_t x_peer_pub[32];
	uint8_t buf[2048];
	uint8_t sig[80];
	size_t sig_len;
	uint8_t tbs[CV_TBS_LEN];
	EVP_CIPHER_CTX *seal, *open;
	uint8_t tag[16];
	size_t aead_len;		/* record to seal / open */
	const struct wire_shape *w;	/* message sizes for the transcript */
};

static void p_rand32(struct prim_ctx *p)
{
	if (RAND_bytes(p->buf, 32) != 1)
		die("RAND_bytes");
}

static EVP_PKEY *x25519_import(struct prim_ctx *p, int selection,
			       const uint8_t *raw)
{
	OSSL_PARAM params[2];
	EVP_PKEY *k = NULL;

	params[0] = OSSL_PARAM_construct_octet_string(
		selection == EVP_PKEY_PUBLIC_KEY ? OSSL_PKEY_PARAM_PUB_KEY :
		OSSL_PKEY_PARAM_PRIV_KEY, (void *)raw, 32);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(p->x_import, &k, selection, params) <= 0)
		die("X25519 import");
	return k;
}

/* A key from 32 random bytes (deterministic ops must be able to choose). */
static void p_x25519_keygen(struct prim_ctx *p)
{
	uint8_t pub[32];
	size_t len = sizeof(pub);
	EVP_PKEY *k = x25519_import(p, EVP_PKEY_KEYPAIR, p->buf);

	if (!EVP_PKEY_get_raw_public_key(k, pub, &len))
		die("X25519 keygen");
	EVP_PKEY_free(k);
}

static void p_x25519_derive(struct prim_ctx *p)
{
	EVP_PKEY *peer = x25519_import(p, EVP_PKEY_PUBLIC_KEY, p->x_peer_pub);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, p->x_peer, NULL);
	uint8_t secret[32];
	size_t len = sizeof(secret);

	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, secret, &len) <= 0)
		die("X25519 derive");
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
}

/*
 * CertificateVerify: SHA-256 of the content, then ECDSA on the digest with
 * a copy of the prepared context (a shared context is not written to).
 */
static void p_ecdsa_sign(struct prim_ctx *p)
{
	uint8_t dgst[32];
	EVP_PKEY_CTX *ctx;

	p->sig_len = sizeof(p->sig);
	if (!EVP_Digest(p->tbs, sizeof(p->tbs), dgst, NULL, p->sha256, NULL))
		die("digest");
	ctx = EVP_PKEY_CTX_dup(p->sign);
	if (!ctx || EVP_PKEY_sign(ctx, p->sig, &p->sig_len, dgst, sizeof(dgst)) <= 0)
		die("ECDSA sign");
	EVP_PKEY_CTX_free(ctx);
}

static void p_ecdsa_verify(struct prim_ctx *p)
{
	uint8_t dgst[32];
	EVP_PKEY_CTX *ctx;

	if (!EVP_Digest(p->tbs, sizeof(p->tbs), dgst, NULL, p->sha256, NULL))
		die("digest");
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, p->st->verify_key, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) <= 0 ||
	    EVP_PKEY_verify(ctx, p->sig, p->sig_len, dgst, sizeof(dgst)) != 1)
		die("ECDSA verify");
	EVP_PKEY_CTX_free(ctx);
}

/*
 * One HKDF step (Extract, or Expand-Label of one block): an HMAC-SHA256
 * of a short message, RFC 2104 on the cached digest in a reused context,
 * as crypto_ossl.c builds it.
 */
static void p_hmac(struct prim_ctx *p)
{
	uint8_t ipad[64], opad[64], inner[32], out[32];
	static const uint8_t key[32] = { 1 };
	static const uint8_t info[2 + 1 + 18 + 1 + 32 + 1] = { 0, 32 };
	int i;

	for (i = 0; i < 64; i++) {
		ipad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x36);
		opad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x5c);
	}
	if (!EVP_DigestInit_ex2(p->md, p->sha256, NULL) ||
	    !EVP_DigestUpdate(p->md, ipad, 64) ||
	    !EVP_DigestUpdate(p->md, info, sizeof(info)) ||
	    !EVP_DigestFinal_ex(p->md, inner, NULL) ||
	    !EVP_DigestInit_ex2(p->md, p->sha256, NULL) ||
	    !EVP_DigestUpdate(p->md, opad, 64) ||
	    !EVP_DigestUpdate(p->md, inner, 32) ||
	    !EVP_DigestFinal_ex(p->md, out, NULL))
		die("HMAC");
}

/* The running transcript hash: every message, and five digests of it. */
static void p_transcript(struct prim_ctx *p)
{
	uint8_t out[32];
	size_t i;

	if (!EVP_DigestInit_ex2(p->md, p->sha256, NULL))
		die("transcript");
	for (i = 0; i < p->w->n_msgs; i++)
		if (!EVP_DigestUpdate(p->md, p->buf, p->w->msgs[i]))
			die("transcript");
	for (i = 0; i < 5; i++)
		if (!EVP_MD_CTX_copy_ex(p->md2, p->md) ||
		    !EVP_DigestFinal_ex(p->md2, out, NULL))
			die("transcript");
}

/* A record key: a context with the AES key schedule and GHASH table. */
static void p_aead_key(struct prim_ctx *p)
{
	static const uint8_t key[16] = { 7 };
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (!ctx || !EVP_CipherInit_ex2(ctx, p->gcm, NULL, NULL, 1, NULL) ||
	    !EVP_CipherInit_ex2(ctx, NULL, key, NULL, 1, NULL))
		die("AEAD key");
	EVP_CIPHER_CTX_free(ctx);
}

static void p_aead_seal(struct prim_ctx *p)
{
	static const uint8_t nonce[12] = { 3 };
	int outl, finl;

	if (!EVP_CipherInit_ex2(p->seal, NULL, NULL, nonce, -1, NULL) ||
	    !EVP_CipherUpdate(p->seal, NULL, &outl, p->buf, 5) ||
	    !EVP_CipherUpdate(p->seal, p->buf + 5, &outl, p->buf + 5,
			      (int)p->aead_len) ||
	    !EVP_CipherFinal_ex(p->seal, p->buf + 5 + outl, &finl) ||
	    EVP_CIPHER_CTX_ctrl(p->seal, EVP_CTRL_AEAD_GET_TAG, 16, p->tag) <= 0)
		die("AEAD seal");
}

/* Opens what p_aead_seal made (run that first with the same length). */
static void p_aead_open(struct prim_ctx *p)
{
	static const uint8_t nonce[12] = { 3 };
	uint8_t out[2048];
	int outl, finl;

	if (!EVP_CipherInit_ex2(p->open, NULL, NULL, nonce, -1, NULL) ||
	    EVP_CIPHER_CTX_ctrl(p->open, EVP_CTRL_AEAD_SET_TAG, 16, p->tag) <= 0 ||
	    !EVP_CipherUpdate(p->open, NULL, &outl, p->buf, 5) ||
	    !EVP_CipherUpdate(p->open, out, &outl, p->buf + 5, (int)p->aead_len) ||
	    !EVP_CipherFinal_ex(p->open, out + outl, &finl))
		die("AEAD open");
}

/* CPU time each primitive gets per round. */
#define PRIM_BUDGET_US 20000.0

/* µs per call of @fn: at least @min calls and PRIM_BUDGET_US of CPU. */
static double per_call(void (*fn)(struct prim_ctx *), struct prim_ctx *p,
		       int min)
{
	double t0 = cpu_us(), t;
	long n = 0;

	do {
		int i;

		for (i = 0; i < min; i++)
			fn(p);
		n += min;
		t = cpu_us() - t0;
	} while (t < PRIM_BUDGET_US);
	return t / (double)n;
}

enum prim_id {
	P_RAND,
	P_X25519_KEYGEN,
	P_X25519_DERIVE,
	P_ECDSA_SIGN,
	P_ECDSA_VERIFY,
	P_HMAC,
	P_TRANSCRIPT,
	P_AEAD_KEY,
	P_AEAD_SEAL,		/* the server's flight, all records */
	P_AEAD_OPEN_FIN,	/* the client's Finished */
	P_AEAD_SEAL_FIN,
	P_AEAD_OPEN,		/* the client opening the server's flight */
	P_COUNT
};

struct prim_row {
	const char *name;
	double srv_n, cli_n;	/* calls per handshake */
};

/*
 * What each side needs. The key schedule is 21 HMACs a side: Early
 * Secret (1); Handshake Secret (2: "derived", Extract); c/s hs traffic
 * (2); key and iv of both handshake keys (4); a Finished MAC made and one
 * checked (2 + 2: "finished" key, HMAC); Master Secret (2); c/s ap
 * traffic (2); key and iv of both application keys (4).
 */
static const struct prim_row prim_rows[P_COUNT] = {
	[P_RAND] = { "random 32 B (hello random, X25519 scalar)", 2, 2 },
	[P_X25519_KEYGEN] = { "X25519 keygen", 1, 1 },
	[P_X25519_DERIVE] = { "X25519 derive", 1, 1 },
	[P_ECDSA_SIGN] = { "ECDSA P-256 sign (CertificateVerify)", 1, 0 },
	[P_ECDSA_VERIFY] = { "ECDSA P-256 verify (leaf sig, CertificateVerify)", 0, 2 },
	[P_HMAC] = { "HMAC-SHA256, one HKDF step (key schedule)", 21, 21 },
	[P_TRANSCRIPT] = { "transcript SHA-256, all messages + 5 digests", 1, 1 },
	[P_AEAD_KEY] = { "AES-128-GCM key setup (two handshake keys)", 2, 2 },
	[P_AEAD_SEAL] = { "AES-128-GCM seal, server flight records", 1, 0 },
	[P_AEAD_OPEN_FIN] = { "AES-128-GCM open, client Finished", 1, 0 },
	[P_AEAD_SEAL_FIN] = { "AES-128-GCM seal, client Finished", 0, 1 },
	[P_AEAD_OPEN] = { "AES-128-GCM open, server flight records", 0, 1 },
};

struct prim_result {
	double us[P_COUNT];	/* per call (records: per flight) */
	double srv, cli;	/* the limits */
};

static void prim_sum(struct prim_result *r)
{
	int i;

	r->srv = r->cli = 0;
	for (i = 0; i < P_COUNT; i++) {
		r->srv += prim_rows[i].srv_n * r->us[i];
		r->cli += prim_rows[i].cli_n * r->us[i];
	}
}

static void prim_ctx_init(struct prim_ctx *p, struct setup *st,
			  const struct wire_shape *w)
{
	static const uint8_t key[16] = { 7 };
	size_t len = sizeof(p->x_peer_pub);

	memset(p, 0, sizeof(*p));
	p->st = st;
	p->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	p->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	p->md = EVP_MD_CTX_new();
	p->md2 = EVP_MD_CTX_new();
	p->x_peer = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	p->x_import = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	p->sign = EVP_PKEY_CTX_new_from_pkey(NULL, st->sign_key, NULL);
	p->seal = EVP_CIPHER_CTX_new();
	p->open = EVP_CIPHER_CTX_new();
	if (!p->sha256 || !p->gcm || !p->md || !p->md2 || !p->x_peer ||
	    !p->x_import || EVP_PKEY_fromdata_init(p->x_import) <= 0 ||
	    !p->sign || EVP_PKEY_sign_init(p->sign) <= 0 ||
	    !p->seal || !p->open ||
	    !EVP_PKEY_get_raw_public_key(p->x_peer, p->x_peer_pub, &len) ||
	    !EVP_CipherInit_ex2(p->seal, p->gcm, key, NULL, 1, NULL) ||
	    !EVP_CipherInit_ex2(p->open, p->gcm, key, NULL, 0, NULL))
		die("primitive set-up");
	memset(p->buf, 0x5a, sizeof(p->buf));	/* also the X25519 scalar */
	memset(p->tbs, 0x20, 64);
	p->w = w;
	p_ecdsa_sign(p);
}

static void prim_ctx_free(struct prim_ctx *p)
{
	EVP_MD_free((EVP_MD *)p->sha256);
	EVP_CIPHER_free((EVP_CIPHER *)p->gcm);
	EVP_MD_CTX_free(p->md);
	EVP_MD_CTX_free(p->md2);
	EVP_PKEY_free(p->x_peer);
	EVP_PKEY_CTX_free(p->x_import);
	EVP_PKEY_CTX_free(p->sign);
	EVP_CIPHER_CTX_free(p->seal);
	EVP_CIPHER_CTX_free(p->open);
}

/* Seal (or seal then open) each record of a flight; µs for them all. */
static double records_us(struct prim_ctx *p, const size_t *len, size_t n,
			 bool open)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		p->aead_len = len[i];
		p_aead_seal(p);
		sum += per_call(open ? p_aead_open : p_aead_seal, p, 200);
	}
	return sum;
}

static void prim_measure(struct prim_ctx *pc, const struct wire_shape *w,
			 struct prim_result *r)
{
	struct prim_ctx p = *pc;

	r->us[P_RAND] = per_call(p_rand32, &p, 200);
	r->us[P_X25519_KEYGEN] = per_call(p_x25519_keygen, &p, 50);
	r->us[P_X25519_DERIVE] = per_call(p_x25519_derive, &p, 50);
	r->us[P_ECDSA_SIGN] = per_call(p_ecdsa_sign, &p, 50);
	r->us[P_ECDSA_VERIFY] = per_call(p_ecdsa_verify, &p, 50);
	r->us[P_HMAC] = per_call(p_hmac, &p, 200);
	r->us[P_TRANSCRIPT] = per_call(p_transcript, &p, 200);
	r->us[P_AEAD_KEY] = per_call(p_aead_key, &p, 200);
	r->us[P_AEAD_SEAL] = records_us(&p, w->sealed, w->n_sealed, false);
	r->us[P_AEAD_OPEN] = records_us(&p, w->sealed, w->n_sealed, true);
	r->us[P_AEAD_SEAL_FIN] = records_us(&p, &w->cfin_len, 1, false);
	r->us[P_AEAD_OPEN_FIN] = records_us(&p, &w->cfin_len, 1, true);
	prim_sum(r);
}

/* ---- memory held by handshakes in flight ---- */

struct mem_result {
	long cli_rss, srv_rss;		/* bytes per handshake, peak */
	long cli_heap, srv_heap;
};

/*
 * From marks taken before the clients start (@m0), once they wait for the
 * server's flight (@m1), once the servers wait for Finished (@m2) and once
 * the clients hold the server's chain (@m3): the server's share is
 * m2 - m1, the client's its peak, m1 - m0 plus what reading the flight added.
 */
static void mem_result_set(struct mem_result *m, int n,
			   const struct mem_mark *m0, const struct mem_mark *m1,
			   const struct mem_mark *m2, const struct mem_mark *m3)
{
	long c_rss = m1->rss - m0->rss, c_heap = m1->heap - m0->heap;

	m->srv_rss = (m2->rss - m1->rss) / n;
	m->srv_heap = (m2->heap - m1->heap) / n;
	if (m3->rss > m2->rss)
		c_rss += m3->rss - m2->rss;
	if (m3->heap > m2->heap)
		c_heap += m3->heap - m2->heap;
	m->cli_rss = c_rss / n;
	m->cli_heap = c_heap / n;
}

/*
 * Start @n handshakes side by side and stop each at its widest point: all
 * clients waiting for the server's flight (client state), then all
 * servers waiting for Finished (server state), then all clients holding
 * the verified server chain before they free. Growth is divided by @n.
 */
static void kt_memory(struct setup *st, int n, struct mem_result *m)
{
	struct ktls_conn **c = calloc((size_t)n, sizeof(*c));
	struct ktls_conn **s = calloc((size_t)n, sizeof(*s));
	struct mem_mark m0, m1, m2, m3;
	int i;

	if (!c || !s)
		die("out of memory");
	malloc_trim(0);
	mem_mark(&m0);
	for (i = 0; i < n; i++)
		if (ktls_conn_new(&st->ccfg, &ktls_default_ops, KTLS_ROLE_CLIENT, &c[i]) ||
		    ktls_conn_set_peer_name(c[i], PEER_NAME) || ktls_start(c[i]))
			die("libktls client start");
	mem_mark(&m1);
	for (i = 0; i < n; i++) {
		if (ktls_conn_new(&st->scfg, &ktls_default_ops, KTLS_ROLE_SERVER, &s[i]))
			die("libktls server start");
		kt_move(c[i], s[i], NULL, false);
	}
	mem_mark(&m2);
	for (i = 0; i < n; i++)
		kt_move(s[i], c[i], NULL, true);
	mem_mark(&m3);
	mem_result_set(m, n, &m0, &m1, &m2, &m3);
	for (i = 0; i < n; i++) {
		kt_move(c[i], s[i], NULL, false);
		kt_keys(s[i], false);
		kt_keys(c[i], true);
		ktls_conn_free(c[i]);
		ktls_conn_free(s[i]);
	}
	free(c);
	free(s);
}

static void ssl_memory(struct setup *st, int n, struct mem_result *m)
{
	SSL **c = calloc((size_t)n, sizeof(*c));
	SSL **s = calloc((size_t)n, sizeof(*s));
	BIO **cb = calloc((size_t)n, sizeof(*cb));
	BIO **sb = calloc((size_t)n, sizeof(*sb));
	struct mem_mark m0, m1, m2, m3;
	int i;

	if (!c || !s || !cb || !sb)
		die("out of memory");
	/* The transport first, outside the measurement. */
	for (i = 0; i < n; i++)
		if (!BIO_new_bio_pair(&cb[i], 0, &sb[i], 0))
			die("BIO pair");
	malloc_trim(0);
	mem_mark(&m0);
	for (i = 0; i < n; i++) {
		c[i] = SSL_new(st->cctx);
		if (!c[i] || !SSL_set_tlsext_host_name(c[i], PEER_NAME) ||
		    !SSL_set1_host(c[i], PEER_NAME))
			die("libssl client");
		SSL_set_bio(c[i], cb[i], cb[i]);
		SSL_set_connect_state(c[i]);
		ssl_want(c[i], SSL_do_handshake(c[i]), "libssl client hello");
	}
	mem_mark(&m1);
	for (i = 0; i < n; i++) {
		s[i] = SSL_new(st->sctx);
		if (!s[i])
			die("libssl server");
		SSL_set_bio(s[i], sb[i], sb[i]);
		SSL_set_accept_state(s[i]);
		ssl_want(s[i], SSL_do_handshake(s[i]), "libssl server flight");
	}
	mem_mark(&m2);
	for (i = 0; i < n; i++)
		if (SSL_do_handshake(c[i]) != 1)
			die("libssl client finish");
	mem_mark(&m3);
	mem_result_set(m, n, &m0, &m1, &m2, &m3);
	for (i = 0; i < n; i++) {
		if (SSL_do_handshake(s[i]) != 1)
			die("libssl server finish");
		SSL_free(s[i]);
		SSL_free(c[i]);
	}
	free(c);
	free(s);
	free(cb);
	free(sb);
}

/* ---- the run ---- */

struct run {
	int n, rounds;
	double kt_srv[MAX_ROUNDS], kt_cli[MAX_ROUNDS];
	double nc_srv[MAX_ROUNDS], nc_cli[MAX_ROUNDS];
	double nv_srv[MAX_ROUNDS], nv_cli[MAX_ROUNDS];
	double ssl_srv[MAX_ROUNDS], ssl_cli[MAX_ROUNDS];
	double prim[P_COUNT][MAX_ROUNDS];
	struct prim_ctx pc;
	const struct wire_shape *w;
};

/* Handshakes without the parse cache are slow; a quarter as many do. */
#define NOCACHE_SHARE 4

/*
 * One round: each implementation's handshakes, then the primitives, so
 * that every figure of a round saw the same machine.
 */
static void round_run(struct setup *st, struct run *r, int k)
{
	struct side_us kt = { 0, 0 }, nv = { 0, 0 }, nc = { 0, 0 };
	struct side_us ssl = { 0, 0 };
	int i, n_nc = r->n / NOCACHE_SHARE + 1;
	struct prim_result pr;

	for (i = 0; i < r->n; i++)
		kt_handshake(&st->ccfg, &st->scfg, &kt, NULL);
	for (i = 0; i < r->n; i++)
		kt_handshake(&st->ccfg_noverdict, &st->scfg, &nv, NULL);
	for (i = 0; i < r->n; i++)
		ssl_handshake(st, &ssl);
	for (i = 0; i < n_nc; i++)
		kt_handshake(&st->ccfg_nocache, &st->scfg, &nc, NULL);
	r->kt_srv[k] = kt.srv / r->n;
	r->kt_cli[k] = kt.cli / r->n;
	r->ssl_srv[k] = ssl.srv / r->n;
	r->ssl_cli[k] = ssl.cli / r->n;
	r->nv_srv[k] = nv.srv / r->n;
	r->nv_cli[k] = nv.cli / r->n;
	r->nc_srv[k] = nc.srv / n_nc;
	r->nc_cli[k] = nc.cli / n_nc;
	prim_measure(&r->pc, r->w, &pr);
	for (i = 0; i < P_COUNT; i++)
		r->prim[i][k] = pr.us[i];
	if (!quiet)
		fprintf(stderr, "round %d/%d: server/client µs: libktls %.1f/%.1f, "
			"libssl %.1f/%.1f, limit %.1f/%.1f\n", k + 1, r->rounds,
			r->kt_srv[k], r->kt_cli[k], r->ssl_srv[k], r->ssl_cli[k],
			pr.srv, pr.cli);
}

/* A row of µs and, against libktls's @kt_srv/@kt_cli, ktls/row throughput. */
static void print_cpu_row(const char *name, double srv, double cli,
			  double kt_srv, double kt_cli)
{
	printf("%-36s %10.1f %10.1f", name, srv, cli);
	if (kt_srv > 0)
		printf("   %6.2f %6.2f", srv / kt_srv, cli / kt_cli);
	printf("\n");
}

static void print_mem_row(const char *name, long srv, long cli)
{
	printf("%-36s %10ld %10ld %10ld\n", name, srv, cli, srv + cli);
}

static void report(const struct run *r, const struct prim_result *pr,
		   const struct wire_shape *w, const struct mem_result *mk,
		   const struct mem_result *ms, int inflight)
{
	double kt_srv = median(r->kt_srv, r->rounds);
	double kt_cli = median(r->kt_cli, r->rounds);
	double ssl_srv = median(r->ssl_srv, r->rounds);
	double ssl_cli = median(r->ssl_cli, r->rounds);
	int i;

	printf("TLS 1.3 full handshake, in memory: X25519, ECDSA P-256 server "
	       "certificate,\nTLS_AES_128_GCM_SHA256, the client verifies the "
	       "chain and the name. %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("CPU time per handshake per side: median of %d rounds of %d "
	       "handshakes\n(clock cost of %.2f µs per timed region taken off)\n\n",
	       r->rounds, r->n, clock_cost);
	printf("%-36s %10s %10s   %s\n", "", "server µs", "client µs",
	       "ktls/row throughput (srv cli)");
	print_cpu_row("libktls", kt_srv, kt_cli, 0, 0);
	print_cpu_row("libktls, verdict cache off",
		      median(r->nv_srv, r->rounds),
		      median(r->nv_cli, r->rounds), kt_srv, kt_cli);
	print_cpu_row("libktls, both chain caches off",
		      median(r->nc_srv, r->rounds),
		      median(r->nc_cli, r->rounds), kt_srv, kt_cli);
	print_cpu_row("libssl over a BIO pair", ssl_srv, ssl_cli, kt_srv, kt_cli);
	print_cpu_row("libcrypto primitive limit", pr->srv, pr->cli, kt_srv, kt_cli);

	printf("\n%-52s %8s %5s %5s\n", "primitives (median µs per call; records: "
	       "whole flight)", "µs", "srv x", "cli x");
	for (i = 0; i < P_COUNT; i++)
		printf("%-52s %8.2f %5.0f %5.0f\n", prim_rows[i].name, pr->us[i],
		       prim_rows[i].srv_n, prim_rows[i].cli_n);
	printf("(wire: ClientHello %zu B, %zu handshake bytes in %zu messages, "
	       "%zu server records sealed)\n", w->ch_len, w->th_bytes, w->n_msgs,
	       w->n_sealed);

	printf("\nmemory held per handshake in flight (%d side by side), bytes\n",
	       inflight);
	printf("%-36s %10s %10s %10s\n", "", "server", "client", "pair");
	print_mem_row("libktls sizeof(struct ktls_conn)", (long)ktls_conn_size(),
		      (long)ktls_conn_size());
	print_mem_row("libktls resident growth", mk->srv_rss, mk->cli_rss);
	print_mem_row("libktls malloc'ed", mk->srv_heap, mk->cli_heap);
	print_mem_row("libssl resident growth", ms->srv_rss, ms->cli_rss);
	print_mem_row("libssl malloc'ed", ms->srv_heap, ms->cli_heap);

	printf("\ntargets: server ktls/libssl >= 1.3 and ktls/limit >= 0.9; "
	       "client ktls/libssl >= 1.3\n");
	printf("server ktls/libssl=%.2f ktls/limit=%.2f\n", ssl_srv / kt_srv,
	       pr->srv / kt_srv);
	printf("client ktls/libssl=%.2f\n", ssl_cli / kt_cli);
}

static void usage(void)
{
	fprintf(stderr, "usage: handshake [-q] [-n handshakes] [-r rounds] [-m in-flight]\n"
		"       handshake -k [-n handshakes]\n");
	exit(2);
}

/* -k: libktls only, for profilers. */
static int ktls_only(struct setup *st, int n)
{
	struct side_us us = { 0, 0 };
	int i;

	for (i = 0; i < n; i++)
		kt_handshake(&st->ccfg, &st->scfg, &us, NULL);
	printf("libktls: server %.1f µs, client %.1f µs per handshake (%d handshakes)\n",
	       us.srv / n, us.cli / n, n);
	setup_free(st);
	return 0;
}

int main(int argc, char **argv)
{
	struct wire_shape w;
	struct prim_result pr;
	struct mem_result mk, ms;
	struct side_us warm = { 0, 0 };
	struct setup st;
	struct run r;
	int inflight = 256, total = 2000, opt, i;
	bool only_ktls = false;

	memset(&r, 0, sizeof(r));
	r.rounds = 5;
	while ((opt = getopt(argc, argv, "kqn:r:m:")) != -1) {
		switch (opt) {
		case 'k':
			only_ktls = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'n':
			total = atoi(optarg);
			break;
		case 'r':
			r.rounds = atoi(optarg);
			break;
		case 'm':
			inflight = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || total < 1 || r.rounds < 1 ||
	    r.rounds > MAX_ROUNDS || inflight < 1)
		usage();
	r.n = total / r.rounds > 0 ? total / r.rounds : 1;

	setup_init(&st);
	clock_calibrate();
	if (only_ktls)
		return ktls_only(&st, total);

	/* Warm up both (first-use fetches, caches), and learn the wire. */
	memset(&w, 0, sizeof(w));
	kt_handshake(&st.ccfg, &st.scfg, &warm, &w);
	for (i = 0; i < 100; i++) {
		kt_handshake(&st.ccfg, &st.scfg, &warm, NULL);
		kt_handshake(&st.ccfg_nocache, &st.scfg, &warm, NULL);
		ssl_handshake(&st, &warm);
	}

	/* Memory before the timing loops, so freed chunks do not mask it. */
	kt_memory(&st, inflight, &mk);
	ssl_memory(&st, inflight, &ms);

	prim_ctx_init(&r.pc, &st, &w);
	r.w = &w;
	for (i = 0; i < r.rounds; i++)
		round_run(&st, &r, i);
	prim_ctx_free(&r.pc);
	for (i = 0; i < P_COUNT; i++)
		pr.us[i] = median(r.prim[i], r.rounds);
	prim_sum(&pr);

	report(&r, &pr, &w, &mk, &ms, inflight);
	setup_free(&st);
	return 0;
}
