/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the fuzz targets and the corpus generator (mkcorpus.c) share, so a
 * flight recorded by mkcorpus replays byte for byte in a target:
 * deterministic ops (counter-seeded randomness, a fixed clock, signing that
 * may answer later), a fixed PKI made at run time with libcrypto (an
 * Ed25519 CA and Ed25519/Ed448 leaves, whose signatures are deterministic,
 * so the DER is the same on every run), the PSKs, and tables of client and
 * server configurations that the first byte of an input selects. fx_drive()
 * is the I/O loop of ktls.h, fed from a buffer in chunks the input chooses.
 */
#ifndef KTLS_FUZZ_FIXTURE_H
#define KTLS_FUZZ_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ktls/ktls.h>

/* The clock of every fuzzed handshake: 2023-11-14T22:13:20Z. */
#define FX_NOW 1700000000
/* Validity of the fixed certificates: 2020-01-01 to 2033-05-18. */
#define FX_NOT_BEFORE 1577836800
#define FX_NOT_AFTER 2000000000
#define FX_SERVER_NAME "server.test"
#define FX_REVOKED_SERIAL 666	/* listed in the CRL of fx_pki.trust_crl */

/* Seeds of the two sides' randomness; mkcorpus and the targets agree. */
#define FX_CLIENT_SEED 0x436c69656e74ULL
#define FX_SERVER_SEED 0x536572766572ULL

/* Which asynchronous operation is outstanding (KTLS_PENDING). */
enum fx_pending {
	FX_PENDING_NONE = 0,
	FX_PENDING_SIGN,
	FX_PENDING_PSK,
};

/**
 * struct fx_ctx - everything outside one connection: its ops, its config
 * @ops: random/now/sign over this context
 * @cfg: a copy of the variant's config (psk_lookup_arg points here)
 * @rng: splitmix64 state; the same seed gives the same bytes
 * @async_sign: ops->sign answers KTLS_E_PENDING (else sign in-process)
 * @async_psk: the PSK lookup answers KTLS_E_PENDING
 * @check_auth: DONE without a PSK must mean the peer verified
 */
struct fx_ctx {
	struct ktls_ops ops;
	struct ktls_config cfg;
	enum ktls_role role;
	uint64_t rng;
	bool async_sign;
	bool async_psk;
	bool check_auth;
	enum fx_pending pending;
	const struct ktls_credential *cred;	/* pending signature */
	uint16_t scheme;
	uint8_t tbs[256];
	size_t tbs_len;
	uint8_t identity[KTLS_MAX_PSK_IDENTITY];	/* pending lookup */
	size_t identity_len;
};

/* Reset @ctx: ops over it, randomness from @seed, no config yet. */
void fx_ctx_init(struct fx_ctx *ctx, uint64_t seed);

/**
 * struct fx_pki - the fixed certificates and trust stores
 * @ca, @ca_key: the trusted Ed25519 CA ("Fuzz CA")
 * @trust: the CA alone (parse cache off, so runs do not depend on history)
 * @trust_crl: the CA plus a CRL that revokes FX_REVOKED_SERIAL
 * @srv_ed25519, @srv_ed448: server credentials for FX_SERVER_NAME and
 *	IP 127.0.0.1, deterministic
 * @cli_ed25519: a client credential (clientAuth)
 */
struct fx_pki {
	EVP_PKEY *ca_key;
	X509 *ca;
	struct ktls_trust *trust;
	struct ktls_trust *trust_crl;
	struct ktls_credential *srv_ed25519;
	struct ktls_credential *srv_ed448;
	struct ktls_credential *cli_ed25519;
};

/* Make the PKI once (idempotent); NULL on failure. */
const struct fx_pki *fx_pki_get(void);
void fx_pki_free(void);

/* Certificate flags for fx_cert_make(). */
#define FX_CERT_CA 0x01		/* basicConstraints CA:TRUE, keyCertSign */
#define FX_CERT_SERVER 0x02	/* extendedKeyUsage serverAuth */
#define FX_CERT_CLIENT 0x04	/* extendedKeyUsage clientAuth */

/**
 * fx_cert_make() - a certificate for @pub signed by @issuer_key
 * @cn: subject CN; @san: subjectAltName in openssl.cnf form, or NULL
 * @issuer: NULL for self-signed
 * @serial, @not_before, @not_after: as named (seconds since the epoch)
 * Deterministic when @issuer_key is Ed25519 or Ed448. NULL on failure.
 */
X509 *fx_cert_make(EVP_PKEY *pub, const char *cn, const char *san,
		   X509 *issuer, EVP_PKEY *issuer_key, long serial,
		   int64_t not_before, int64_t not_after, unsigned int flags);
/* An Ed25519 or Ed448 key from a one-byte seed (deterministic). */
EVP_PKEY *fx_key_raw(const char *type, uint8_t seed);
/* i2d helpers: a malloc'ed DER copy, length in @len; NULL on failure. */
uint8_t *fx_cert_der(X509 *x, size_t *len);
uint8_t *fx_key_der(EVP_PKEY *k, size_t *len);

/* The external PSKs both sides know (SHA-256 and SHA-384 bound). */
extern const struct ktls_psk fx_psks[2];
/* Server PSK lookup over fx_psks; @arg is the struct fx_ctx. */
int fx_psk_lookup(void *arg, const uint8_t *id, size_t len,
		  struct ktls_psk *out);

/* The client configurations (indexes into the table, byte 0 of an input). */
enum {
	CV_DEFAULT, CV_AES256_P384, CV_CHACHA_COMPAT, CV_CCM_X448_ALPN,
	CV_PSK_DHE, CV_PSK_KE, CV_NO_CERT, CV_NO_VERIFY, CV_IP_NAME,
	CV_COUNT
};

/* The server configurations; those from SV_REPLAYABLE on are not. */
enum {
	SV_DEFAULT, SV_HRR_COOKIE, SV_REQUIRE_384, SV_ED448_ASYNC, SV_RSL_ALPN,
	SV_HRR_X448,
	SV_REPLAYABLE,
	SV_P256 = SV_REPLAYABLE, SV_RSA, SV_RSA_PSS, SV_P384,
	SV_COUNT
};

/* One client configuration, selected by the first byte of an input. */
struct fx_client_variant {
	const char *name;
	struct ktls_config cfg;
	const char *peer_name;		/* NULL: none */
	size_t n_psks;			/* first n of fx_psks offered */
};

/* One server configuration. */
struct fx_server_variant {
	const char *name;
	struct ktls_config cfg;
	bool async_sign;
	bool async_psk;
	bool replayable;	/* deterministic: usable by fuzz_server */
};

/*
 * Fill the tables (makes the PKI); 0 or -1. With @recording, also make the
 * non-replayable server credentials (ECDSA and RSA leaves with random
 * keys, whose signatures differ on every run): mkcorpus only.
 */
int fx_variants_init(bool recording);
size_t fx_client_variant_count(void);
const struct fx_client_variant *fx_client_variant(size_t i);
/* All server variants (mkcorpus) and the replayable prefix (fuzz_server). */
size_t fx_server_variant_count(void);
size_t fx_server_replayable_count(void);
const struct fx_server_variant *fx_server_variant(size_t i);

/*
 * A new connection for variant @v over @ctx (fx_ctx_init() first); NULL
 * when it cannot be made. A client is started: its ClientHello is in the
 * output, or it failed (a status the caller sees).
 */
struct ktls_conn *fx_client_new(const struct fx_client_variant *v,
				struct fx_ctx *ctx);
struct ktls_conn *fx_server_new(const struct fx_server_variant *v,
				struct fx_ctx *ctx);

/*
 * fx_pending_complete() - answer the outstanding asynchronous operation
 * Return: the result of ktls_signature_done()/ktls_psk_lookup_done(), or
 * KTLS_E_INVALID when nothing is outstanding.
 */
int fx_pending_complete(struct ktls_conn *c, struct fx_ctx *ctx);

/**
 * fx_drive() - run @c on @data as the I/O loop of ktls.h does
 * @chunk_mode: 0 feeds everything at once, 1..127 that many bytes per
 *	call, 128..255 sizes from a PRNG seeded with it (1..512 bytes)
 * @records: @data is not wire bytes but plaintext records, [type][u16
 *	length][bytes], which fx_drive() seals with the keys @c reads with
 *	(see fixture.c), so mutations reach the parsers behind the AEAD
 *
 * Drains output, answers pending operations, reads application data and,
 * once the input is used up, either signals end of stream (mid-handshake)
 * or exercises the post-handshake calls (keys, app write, KeyUpdate,
 * close). Aborts when an invariant breaks (see fixture.c).
 */
void fx_drive(struct ktls_conn *c, struct fx_ctx *ctx, const uint8_t *data,
	      size_t len, uint8_t chunk_mode, bool records);

/**
 * fx_replay() - a fresh connection of @role, variant @variant, run on @data
 * by fx_drive() (@chunk_mode and @records as there): what one input of
 * fuzz_client or fuzz_server does, and how mkcorpus checks a seed before it
 * writes it. Server variants from SV_REPLAYABLE on sign at random, so only
 * mkcorpus uses those.
 *
 * Return: 1 when the connection ended DONE, 0 when it did not, -1 when it
 * could not be made.
 */
int fx_replay(enum ktls_role role, size_t variant, const uint8_t *data,
	      size_t len, uint8_t chunk_mode, bool records);

/**
 * fx_fuzz_input() - one input of fuzz_client (@role KTLS_ROLE_CLIENT) or
 * fuzz_server: byte 0 bits 0-6 select the variant (a replayable one, for a
 * server), bit 7 says the rest is plaintext records; byte 1 is the chunk
 * mode; the rest is what the peer sends. Aborts when the connection cannot
 * be made or libcrypto's error queue is left non-empty.
 */
void fx_fuzz_input(enum ktls_role role, const uint8_t *data, size_t size);

/* The libFuzzer entry points every fuzz_<target>.c defines (replay.c calls them). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Abort unless libcrypto's error queue is empty: the library clears what
 * hostile input leaves there, or it would grow with every handshake.
 */
void fx_check_errors(void);

/* Read every byte of @p (so ASan checks a borrowed span); returns a sum. */
unsigned int fx_touch(const void *p, size_t len);

#endif /* KTLS_FUZZ_FIXTURE_H */
