/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * struct ktls_conn: everything one handshake holds, in one caller-owned
 * block. The buffers are fixed arrays with named sizes, so the memory
 * bound of a connection is sizeof(struct ktls_conn) plus libcrypto's own
 * objects (hash, AEAD and key contexts, the peer's certificate). Init
 * clears only the header part, so pages of the buffers that a handshake
 * never touches stay unresident.
 */
#ifndef KTLS_CONN_H
#define KTLS_CONN_H

#include <openssl/x509.h>

#include <ktls/ktls.h>

#include "crypto.h"
#include "keysched.h"

#define KTLS_OUT_CAP (KTLS_MAX_HANDSHAKE_MSG + 8192)
#define KTLS_MAX_COOKIE 2048
#define KTLS_MAX_KEY_SHARES 2
#define KTLS_MAX_CCS 8		/* dummy change_cipher_spec records accepted */
#define KTLS_MAX_EMPTY_RECORDS 32	/* zero-length application records */

/* Handshake states; sm_table.c has the names and the allowed messages. */
enum ksm_state {
	KSM_START = 0,
	KSM_C_WAIT_SH,
	KSM_C_WAIT_SH2,
	KSM_C_WAIT_EE,
	KSM_C_WAIT_CERT_CR,
	KSM_C_WAIT_CERT,
	KSM_C_WAIT_CV,
	KSM_C_WAIT_FIN,
	KSM_C_SIGN,
	KSM_S_WAIT_CH,
	KSM_S_WAIT_CH2,
	KSM_S_SIGN,
	KSM_S_PSK_LOOKUP,
	KSM_S_WAIT_CERT,
	KSM_S_WAIT_CV,
	KSM_S_WAIT_FIN,
	KSM_CONNECTED,
	KSM_FAILED,
	KSM_STATE_COUNT
};

/* A PSK copied into the connection (the caller's copy may go away). */
struct kpsk {
	uint8_t identity[KTLS_MAX_PSK_IDENTITY];
	size_t identity_len;
	uint8_t key[KTLS_MAX_PSK_KEY];
	size_t key_len;
	enum ktls_hash hash;
	uint32_t tag;
};

/*
 * A direction's current traffic key and IV: what ktls_get_traffic_keys()
 * exports, and what the AEAD context is made from on first use (a kernel
 * TLS caller never seals or opens with the application keys).
 */
struct kconn_key {
	uint8_t key[KC_MAX_KEY];
	size_t key_len;
	uint8_t iv[KC_IV_LEN];
};

/* Where the record reader is. */
enum krec_phase {
	KREC_HEADER = 0,
	KREC_BODY,
	KREC_HOLD,	/* application data waiting to be read */
};

struct ktls_conn {
	/* ---- header: cleared at init ---- */
	const struct ktls_config *cfg;
	const struct ktls_ops *ops;
	enum ktls_role role;
	enum ksm_state state;
	int error;
	const char *detail;
	int alert_sent;
	int alert_received;
	bool peer_closed;
	bool sent_close;

	/* what we were asked to do */
	char peer_name[KTLS_MAX_SERVER_NAME + 1];
	bool peer_name_is_ip;
	size_t n_psks;			/* in psks[], at the end */

	/* what was negotiated */
	uint16_t suite;
	enum ktls_hash hash;
	uint16_t group;
	uint16_t sigscheme;		/* ours, for our CertificateVerify */
	uint16_t peer_sigscheme;
	bool hrr;
	bool psk_used;
	bool psk_ke;			/* psk_ke: no (EC)DHE */
	int psk_index;			/* into psks[] (client) */
	struct kpsk psk;		/* the PSK in use (server: looked up) */
	/* server: an asynchronous PSK lookup (ktls_psk_lookup_done) */
	enum ksm_state lookup_resume;	/* state to re-run the ClientHello in */
	size_t lookup_msg_len;		/* the ClientHello, still in hs[] */
	size_t lookup_next;		/* identity index being looked up */
	int lookup_answer;		/* 0 none, 1 found (in psk), -1 unknown */
	/*
	 * server: what the first ClientHello offered, so the retry can be
	 * held to it (RFC 8446 §4.1.2; docs/design.md, "What a
	 * HelloRetryRequest resets"). Identities are kept as SHA-256.
	 */
	uint8_t ch1_digest[32];		/* the fields the retry must repeat */
	bool ch1_psk;			/* it offered pre_shared_key */
	bool ch1_psk_modes;		/* and psk_key_exchange_modes */
	bool ch1_psk_dhe_ke, ch1_psk_ke;
	size_t n_ch1_ids;
	uint8_t ch1_ids[KTLS_MAX_PSKS][32];
	char alpn[KTLS_MAX_ALPN + 1];
	uint16_t peer_rsl;		/* peer's record_size_limit */
	bool peer_cert;
	bool peer_verified;
	bool cert_requested;		/* client: server sent CR */
	size_t cr_context_len;		/* cr_context[], at the end */
	uint16_t peer_sigs[KTLS_MAX_LIST * 2];	/* schemes the peer accepts */
	size_t n_peer_sigs;
	X509 *peer_leaf;
	EVP_PKEY *peer_pub;		/* borrowed from peer_leaf */

	/* ClientHello state */
	uint8_t client_random[32];
	uint8_t session_id[32];
	size_t session_id_len;
	uint16_t offered_groups[KTLS_MAX_KEY_SHARES];	/* client key shares */
	size_t n_offered;
	bool sent_ccs;
	size_t cookie_len;		/* cookie[], at the end */
	bool offered_alpn;
	bool offered_rsl;
	bool offered_sni;

	/* crypto */
	struct kc_hash th;		/* transcript */
	struct kc_hash th384;		/* client: second transcript until SH */
	struct ks ks;
	struct kc_kex kex[KTLS_MAX_KEY_SHARES];
	uint8_t c_hs[KC_MAX_HASH], s_hs[KC_MAX_HASH];
	uint8_t c_ap[KC_MAX_HASH], s_ap[KC_MAX_HASH];
	uint8_t fin_th[KC_MAX_HASH];	/* transcript for a pending signature */
	struct kc_aead rd, wr;		/* ctx NULL until first used */
	struct kconn_key rd_key, wr_key;
	bool rd_protected, wr_protected;
	uint64_t tx_app_seq_base;	/* records sealed with the app key */

	/* record reader */
	enum krec_phase phase;
	size_t in_have;		/* bytes in in[] of the current record */
	size_t in_need;		/* bytes the current phase wants in total */
	unsigned int ccs_seen;
	unsigned int empty_seen;
	size_t app_off, app_len;	/* KREC_HOLD: plaintext in in[] */
	size_t hs_len;			/* partial handshake bytes in hs[] */
	size_t rec_rest;		/* record bytes after the message in hand */
	size_t out_start, out_len;	/* pending output in out[] */
	/* high-water marks of the buffers, so clear wipes only what was used */
	size_t in_used, hs_used, msg_used;

	/* ---- buffers: not cleared at init ---- */
	uint8_t in[KTLS_RECORD_HEADER + KTLS_MAX_CIPHERTEXT];
	uint8_t hs[KTLS_MAX_HANDSHAKE_MSG + 4];
	uint8_t msg[KTLS_MAX_HANDSHAKE_MSG + 4];	/* message being built */
	uint8_t out[KTLS_OUT_CAP];

	/*
	 * Rarely used, so kept off the pages every handshake touches; only
	 * the first n_psks, cookie_len, cr_context_len bytes are meaningful.
	 */
	struct kpsk psks[KTLS_MAX_PSKS];
	uint8_t cookie[KTLS_MAX_COOKIE];
	uint8_t cr_context[255];	/* client: CertificateRequest context */
};

/* engine.c: failure and output helpers used by the state machines */
int kconn_fail(struct ktls_conn *c, int err, const char *detail);
/* Append a handshake message from c->msg[0..len) to the transcript and output. */
KTLS_MUST_CHECK int kconn_send_hs(struct ktls_conn *c, size_t len);
KTLS_MUST_CHECK int kconn_send_ccs(struct ktls_conn *c);
/* Feed bytes to the transcript. */
KTLS_MUST_CHECK int kconn_th_add(struct ktls_conn *c, const uint8_t *p, size_t len);
/* Current transcript hash into @out. */
KTLS_MUST_CHECK int kconn_th_hash(struct ktls_conn *c, uint8_t *out);
/* Hash of the transcript followed by @extra, without changing it. */
KTLS_MUST_CHECK int kconn_th_hash_extra(struct ktls_conn *c, const uint8_t *extra,
					size_t len, uint8_t *out);
/* §4.4.1: replace ClientHello1 in the transcript by its message_hash. */
KTLS_MUST_CHECK int kconn_th_restart_hrr(struct ktls_conn *c);
/* Switch read or write protection to a traffic secret. */
KTLS_MUST_CHECK int kconn_set_read_key(struct ktls_conn *c, const uint8_t *secret);
KTLS_MUST_CHECK int kconn_set_write_key(struct ktls_conn *c, const uint8_t *secret);
/* Set up @a (c->rd or c->wr) from its stored key if not done yet. */
KTLS_MUST_CHECK int kconn_aead_ready(struct ktls_conn *c, struct kc_aead *a);
/* True when the record reader still holds handshake bytes (key changes). */
bool kconn_hs_pending(const struct ktls_conn *c);

#endif /* KTLS_CONN_H */
