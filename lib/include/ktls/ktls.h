/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libktls: a sans-IO TLS 1.3 handshake engine on libcrypto primitives.
 *
 * The engine never touches a file descriptor, a clock or the global RNG:
 * randomness, time and signing come through struct ktls_ops. The caller
 * owns the connection memory (ktls_conn_size() bytes, no allocation by the
 * engine after init other than libcrypto's own objects) and moves bytes:
 *
 *	for (;;) {
 *		st = ktls_status(c);
 *		if (st & KTLS_HAS_OUTPUT) { p = ktls_output(c, &n); send; ktls_output_ack(c, sent); }
 *		else if (st & (KTLS_DONE | KTLS_FAILED)) break;
 *		else if (st & KTLS_WANT_INPUT) { p = ktls_input_space(c, &n); n = recv(p, n); ktls_input_ack(c, n); }
 *		else if (st & KTLS_PENDING) wait for ktls_signature_done() or ktls_psk_lookup_done();
 *	}
 *
 * ktls_input_space() never asks for more than the rest of the current
 * record (first its 5-byte header, then exactly its body), so a caller that
 * reads from a socket never consumes a byte past the peer's last handshake
 * record: everything after Finished stays for kernel TLS.
 */
#ifndef KTLS_KTLS_H
#define KTLS_KTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ktls/constants.h>
#include <ktls/error.h>

struct ktls_conn;
struct ktls_credential;
struct ktls_trust;
struct x509_st;
struct evp_pkey_st;

enum ktls_role {
	KTLS_ROLE_CLIENT = 0,
	KTLS_ROLE_SERVER = 1,
};

/* Named limits: what one connection will accept and hold. */
#define KTLS_MAX_PLAINTEXT 16384
#define KTLS_MAX_CIPHERTEXT (KTLS_MAX_PLAINTEXT + 256)
#define KTLS_RECORD_HEADER 5
#define KTLS_MAX_HANDSHAKE_MSG 32768	/* largest handshake message we take */
#define KTLS_MAX_CHAIN 10		/* certificates in a peer's chain */
#define KTLS_MAX_PSK_IDENTITY 255	/* bytes of one PSK identity */
#define KTLS_MAX_PSKS 8			/* identities a client offers */
#define KTLS_MAX_PSK_KEY 64		/* bytes of one PSK */
#define KTLS_MIN_PSK_KEY 16		/* shortest PSK taken (RFC 9257 §6) */
#define KTLS_MAX_LIST 16		/* entries in suite/group/scheme lists */
#define KTLS_MAX_ALPN 255		/* bytes of one protocol name */
#define KTLS_MAX_SERVER_NAME 255

/*
 * Certificate security levels (struct ktls_config.security_level), with
 * OpenSSL's meaning (SSL_CTX_set_security_level(3)): the least security,
 * in bits, of every key in a peer's chain and of every signature below the
 * trust anchor. 0 none, 1 80 bits, 2 112 bits (RSA and DH keys of 2048
 * bits, ECC of 224, no SHA-1 or MD5 signatures), 3 128, 4 192, 5 256.
 */
#define KTLS_SECURITY_LEVEL_DEFAULT 2
#define KTLS_SECURITY_LEVEL_MAX 5

/* Status bits returned by ktls_status(). */
#define KTLS_WANT_INPUT 0x01	/* ktls_input_space() has room to fill */
#define KTLS_HAS_OUTPUT 0x02	/* ktls_output() has bytes to send */
#define KTLS_KEYS_READY 0x04	/* application traffic keys can be pulled */
#define KTLS_DONE 0x08		/* handshake complete (send output first) */
#define KTLS_FAILED 0x10	/* failed; output may hold an alert */
#define KTLS_PENDING 0x20	/* waiting for a signature or a PSK lookup */
#define KTLS_APP_DATA 0x40	/* ktls_app_read() has plaintext */
#define KTLS_PEER_CLOSED 0x80	/* peer sent close_notify */

/**
 * struct ktls_ops - the outside world, as the engine sees it
 * @ctx: passed back to every callback
 * @random: fill @buf with @len unpredictable bytes; 0 or a negative error
 * @now: seconds since the epoch, for certificate validity
 * @sign: sign @tbs with @cred's private key using @scheme. Return 0 with
 *	@sig/@sig_len filled (@sig has room for *@sig_len bytes on entry), or
 *	KTLS_E_PENDING and call ktls_signature_done() later (the key may live
 *	in another process). NULL means sign in-process with the key loaded
 *	in @cred.
 * @sign_hash: like @sign, but given only the transcript hash @th
 *	(@th_len bytes, the suite's hash length) and the role whose
 *	CertificateVerify this is: the signer builds the content itself
 *	(RFC 8446 §4.4.3, ktls_credential_sign_cv()), so a signer in another
 *	process signs nothing but a TLS 1.3 CertificateVerify. Takes
 *	precedence over @sign when set; complete with ktls_signature_done().
 */
struct ktls_ops {
	void *ctx;
	int (*random)(void *ctx, uint8_t *buf, size_t len);
	int64_t (*now)(void *ctx);
	int (*sign)(void *ctx, const struct ktls_credential *cred,
		    uint16_t scheme, const uint8_t *tbs, size_t tbs_len,
		    uint8_t *sig, size_t *sig_len);
	int (*sign_hash)(void *ctx, const struct ktls_credential *cred,
			 enum ktls_role role, uint16_t scheme,
			 const uint8_t *th, size_t th_len,
			 uint8_t *sig, size_t *sig_len);
};

/* ops backed by libcrypto's RAND_bytes, time(2) and in-process signing. */
extern const struct ktls_ops ktls_default_ops;

/**
 * struct ktls_psk - one external pre-shared key (RFC 8446 §4.2.11)
 * @identity: the identity as sent on the wire
 * @key: the key; the engine copies what it uses and wipes its copy
 * @key_len: KTLS_MIN_PSK_KEY to KTLS_MAX_PSK_KEY bytes; a shorter key is
 *	refused everywhere (set_psks, a lookup's answer, the key schedule)
 * @hash: the hash the PSK is bound to; restricts the cipher suites
 * @tag: caller's handle (e.g. a keyring serial), reported in the result
 */
struct ktls_psk {
	const uint8_t *identity;
	size_t identity_len;
	const uint8_t *key;
	size_t key_len;
	enum ktls_hash hash;
	uint32_t tag;
};

/**
 * typedef ktls_psk_lookup_fn - server side PSK lookup
 * Fill @out (the engine copies the key before returning) and return 0, or
 * return KTLS_E_ALERT_unknown_psk_identity when @identity is unknown, or
 * KTLS_E_PENDING and answer later with ktls_psk_lookup_done() (the key may
 * live in another process).
 */
typedef int (*ktls_psk_lookup_fn)(void *arg, const uint8_t *identity,
				  size_t identity_len, struct ktls_psk *out);

/* Flags for struct ktls_config. */
#define KTLS_F_NO_VERIFY 0x0001		/* client: do not verify the server */
#define KTLS_F_REQUEST_CLIENT_CERT 0x0002 /* server: send CertificateRequest */
#define KTLS_F_REQUIRE_CLIENT_CERT 0x0004 /* server: fail without one */
#define KTLS_F_COMPAT_CCS 0x0008	/* send middlebox-compat CCS */
#define KTLS_F_PSK_KE 0x0010		/* allow psk_ke (no (EC)DHE) */
#define KTLS_F_PSK_ONLY_KE 0x0020	/* client: offer psk_ke only */
#define KTLS_F_HRR_COOKIE 0x0040	/* server: send a cookie in HRR */
#define KTLS_F_NO_PEER_NAME_CHECK 0x0080 /* client: chain only, no name */

/**
 * struct ktls_config - policy shared by many connections
 *
 * Set with ktls_config_init() then override fields. Lists are in
 * preference order; empty lists take the defaults. Everything it points to
 * must outlive the connections that use it.
 */
struct ktls_config {
	uint16_t suites[KTLS_MAX_LIST];
	size_t n_suites;
	uint16_t groups[KTLS_MAX_LIST];
	size_t n_groups;
	size_t key_shares;	/* client: groups key-shared up front (1) */
	uint16_t sigschemes[KTLS_MAX_LIST];
	size_t n_sigschemes;
	const char *alpn;	/* comma-separated protocol names, or NULL */
	const struct ktls_credential *cred;	/* our certificate and key */
	const struct ktls_trust *trust;		/* to verify the peer */
	ktls_psk_lookup_fn psk_lookup;
	void *psk_lookup_arg;
	uint16_t record_size_limit;	/* offer RFC 8449 limit; 0 = don't */
	unsigned int flags;
	/*
	 * Peer chains: the least security level (0 to KTLS_SECURITY_LEVEL_MAX,
	 * default KTLS_SECURITY_LEVEL_DEFAULT) of their keys and signatures.
	 * At every level the leaf's keyUsage, when present, must allow
	 * digitalSignature and its extendedKeyUsage, when present, serverAuth
	 * (a server's) or clientAuth (a client's). Not applied with
	 * KTLS_F_NO_VERIFY or without @trust, where nothing is verified.
	 */
	unsigned int security_level;
};

/**
 * ktls_config_init() - defaults: all four suites, x25519 first, ...,
 * security level KTLS_SECURITY_LEVEL_DEFAULT
 */
void ktls_config_init(struct ktls_config *cfg);

/**
 * ktls_credential_load_pem() - load a certificate chain and private key
 * @cert_file: PEM chain, leaf first
 * @key_file: PEM private key, or NULL when signing happens elsewhere
 *	(ops->sign); the key type is then taken from the leaf certificate
 */
KTLS_MUST_CHECK int ktls_credential_load_pem(const char *cert_file,
					     const char *key_file,
					     struct ktls_credential **out);
/** ktls_credential_from_der() - one DER certificate and DER key (keyrings) */
KTLS_MUST_CHECK int ktls_credential_from_der(const uint8_t *cert, size_t cert_len,
					     const uint8_t *key, size_t key_len,
					     struct ktls_credential **out);
void ktls_credential_free(struct ktls_credential *cred);
/**
 * ktls_credential_sign() - sign a CertificateVerify's content with @cred's
 * private key, for a process that signs on another's behalf (ops->sign)
 * @sig_len: capacity in, length out
 */
KTLS_MUST_CHECK int ktls_credential_sign(const struct ktls_credential *cred,
					 uint16_t scheme, const uint8_t *tbs,
					 size_t tbs_len, uint8_t *sig,
					 size_t *sig_len);
/**
 * ktls_credential_sign_cv() - sign the CertificateVerify of @role over the
 * transcript hash @th, building the content here (64 spaces, the role's
 * context string, 0, @th; RFC 8446 §4.4.3), for ops->sign_hash
 * @th_len: 32 or 48 (SHA-256 or SHA-384 suites); anything else is refused
 * @scheme: a TLS 1.3 scheme that fits the key, or KTLS_E_INVALID
 * @sig_len: capacity in, length out
 */
KTLS_MUST_CHECK int ktls_credential_sign_cv(const struct ktls_credential *cred,
					    enum ktls_role role, uint16_t scheme,
					    const uint8_t *th, size_t th_len,
					    uint8_t *sig, size_t *sig_len);
/** ktls_credential_fingerprint() - SHA-256 of the leaf certificate */
KTLS_MUST_CHECK int ktls_credential_fingerprint(const struct ktls_credential *cred,
						uint8_t out[32]);
/** ktls_credential_key() - the loaded private key, or NULL (borrowed) */
struct evp_pkey_st *ktls_credential_key(const struct ktls_credential *cred);

/**
 * ktls_trust_load() - trust anchors for peer verification
 * @ca_file: PEM bundle or NULL
 * @ca_dir: hashed directory or NULL (both NULL: the system trust store)
 * @crl_file: PEM CRLs checked for the whole chain, or NULL
 */
KTLS_MUST_CHECK int ktls_trust_load(const char *ca_file, const char *ca_dir,
				    const char *crl_file,
				    struct ktls_trust **out);
void ktls_trust_free(struct ktls_trust *trust);

/* Connection life cycle. */
size_t ktls_conn_size(void);
KTLS_MUST_CHECK int ktls_conn_init(struct ktls_conn *c,
				   const struct ktls_config *cfg,
				   const struct ktls_ops *ops,
				   enum ktls_role role);
/** ktls_conn_clear() - wipe secrets and release libcrypto objects */
void ktls_conn_clear(struct ktls_conn *c);
/* malloc + init / clear + free, for callers without their own arena */
KTLS_MUST_CHECK int ktls_conn_new(const struct ktls_config *cfg,
				  const struct ktls_ops *ops,
				  enum ktls_role role, struct ktls_conn **out);
void ktls_conn_free(struct ktls_conn *c);

/**
 * ktls_conn_set_peer_name() - the name the peer must prove (client)
 * A DNS name is sent as SNI and checked against the certificate's DNS
 * SANs; an IP literal is not sent and is checked against IP SANs.
 */
KTLS_MUST_CHECK int ktls_conn_set_peer_name(struct ktls_conn *c,
					    const char *name);
/** ktls_conn_set_psks() - client: identities to offer, in order (copied) */
KTLS_MUST_CHECK int ktls_conn_set_psks(struct ktls_conn *c,
				       const struct ktls_psk *psks, size_t n);

/** ktls_start() - begin: a client builds its ClientHello */
KTLS_MUST_CHECK int ktls_start(struct ktls_conn *c);
unsigned int ktls_status(const struct ktls_conn *c);

/**
 * ktls_input_space() - where to put the next received bytes
 * @len: set to how many bytes may be written there, never beyond the end
 *	of the current record
 */
uint8_t *ktls_input_space(struct ktls_conn *c, size_t *len);
/**
 * ktls_input_ack() - @n bytes were written into the input space
 * A zero @n means end of stream. Return: 0, or the error that failed the
 * connection (then KTLS_FAILED is set and an alert may be in the output).
 */
KTLS_MUST_CHECK int ktls_input_ack(struct ktls_conn *c, size_t n);
/**
 * ktls_input() - copy in as much of @data as the engine takes
 * It stops after the record that completes the handshake, so @used never
 * covers bytes that belong to the application (or to kernel TLS).
 */
KTLS_MUST_CHECK int ktls_input(struct ktls_conn *c, const uint8_t *data,
			       size_t len, size_t *used);
/** ktls_output() - bytes to send (borrowed until the next ack) */
const uint8_t *ktls_output(struct ktls_conn *c, size_t *len);
void ktls_output_ack(struct ktls_conn *c, size_t n);

/** ktls_signature_done() - complete a KTLS_E_PENDING ops->sign */
KTLS_MUST_CHECK int ktls_signature_done(struct ktls_conn *c, int result,
					const uint8_t *sig, size_t sig_len);

/**
 * ktls_psk_lookup_done() - answer a psk_lookup that returned KTLS_E_PENDING
 * @result: 0 with @psk, KTLS_E_ALERT_unknown_psk_identity, or an error
 */
KTLS_MUST_CHECK int ktls_psk_lookup_done(struct ktls_conn *c, int result,
					 const struct ktls_psk *psk);

/* The outcome. */
struct ktls_result {
	uint16_t version;
	uint16_t suite;
	uint16_t group;		/* 0 with psk_ke */
	uint16_t sigscheme;	/* the peer's CertificateVerify; 0 if none */
	char alpn[KTLS_MAX_ALPN + 1];
	bool hrr;
	bool peer_cert;		/* the peer presented a certificate */
	bool peer_verified;	/* ... and it verified (chain and name) */
	bool psk;
	uint8_t psk_identity[KTLS_MAX_PSK_IDENTITY];
	size_t psk_identity_len;
	uint32_t psk_tag;
	uint16_t peer_record_size_limit;	/* 0 if not negotiated */
	int alert_sent;		/* -1 if none */
	int alert_received;	/* -1 if none */
	int error;		/* 0 or the failure code */
};
void ktls_get_result(const struct ktls_conn *c, struct ktls_result *out);
/** ktls_error_detail() - why the connection failed, in words */
const char *ktls_error_detail(const struct ktls_conn *c);
/** ktls_peer_certificate() - the peer's leaf certificate (borrowed) */
struct x509_st *ktls_peer_certificate(const struct ktls_conn *c);

enum ktls_direction {
	KTLS_TX = 0,
	KTLS_RX = 1,
};

/* Keys in the shape kernel TLS takes (with salt = iv[0..3] for GCM/CCM). */
struct ktls_traffic_keys {
	uint16_t suite;
	uint8_t key[32];
	size_t key_len;
	uint8_t iv[12];		/* full TLS 1.3 write_iv */
	uint64_t seq;		/* records already protected with this key */
	uint8_t secret[48];	/* the traffic secret, for a later KeyUpdate */
	size_t secret_len;
};
/** ktls_get_traffic_keys() - pull application keys once KTLS_KEYS_READY */
KTLS_MUST_CHECK int ktls_get_traffic_keys(const struct ktls_conn *c,
					  enum ktls_direction dir,
					  struct ktls_traffic_keys *out);
void ktls_traffic_keys_wipe(struct ktls_traffic_keys *k);

/*
 * User-space application data, for tests, ktls-peer and library users on
 * kernels without kTLS. Incoming records use the same input calls.
 */
/** ktls_app_write() - seal up to @len bytes into the output */
KTLS_MUST_CHECK int ktls_app_write(struct ktls_conn *c, const uint8_t *data,
				   size_t len, size_t *used);
/** ktls_app_read() - plaintext received (borrowed until next input call) */
const uint8_t *ktls_app_read(struct ktls_conn *c, size_t *len);
/** ktls_app_consume() - mark @n bytes of ktls_app_read()'s data used */
void ktls_app_consume(struct ktls_conn *c, size_t n);
/** ktls_key_update() - send KeyUpdate, optionally asking the peer too */
KTLS_MUST_CHECK int ktls_key_update(struct ktls_conn *c, bool request_peer);
/** ktls_close() - queue a close_notify alert */
KTLS_MUST_CHECK int ktls_close(struct ktls_conn *c);

#endif /* KTLS_KTLS_H */
