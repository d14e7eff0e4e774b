/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Handshake messages (RFC 8446 §4): one struct per message as received,
 * with borrowed pointers into the message bytes, and the prototypes of the
 * parser and builder that each msg_<name>.c file holds. Parsers check
 * syntax and the rules local to the message; what depends on the
 * connection's state is checked by the state machines (sm_*.c).
 */
#ifndef KTLS_MSG_H
#define KTLS_MSG_H

#include "codec.h"
#include "conn.h"
#include "ext.h"

#define KMSG_HEADER 4
#define KMSG_MAX_SHARES 16	/* shares kept: one per group we support */
#define KMSG_HRR_RANDOM                                                       \
	"\xcf\x21\xad\x74\xe5\x9a\x61\x11\xbe\x1d\x8c\x02\x1e\x65\xb8\x91"   \
	"\xc2\xa2\x11\x16\x7a\xbb\x8c\x5e\x07\x9e\x09\xe2\xc8\xa8\x33\x9c"
#define KMSG_DOWNGRADE_TLS12 "DOWNGRD\x01"
#define KMSG_DOWNGRADE_TLS11 "DOWNGRD\x00"

/* A list of 16-bit code points, borrowed from the message. */
struct klist16 {
	const uint8_t *p;
	size_t n;
};
bool klist16_has(const struct klist16 *l, uint16_t v);
uint16_t klist16_at(const struct klist16 *l, size_t i);
/*
 * klist16_common() - the entries of @ours (@n_ours of them) that @l holds,
 * in our order, into @out (room for @n_ours). The whole of @l is looked
 * at, however long the peer made it (RFC 8446 §4.2.3), at a cost of
 * n_ours * l->n, bounded by the message length; nothing of it is copied
 * but what we could use. Return: how many were written.
 */
size_t klist16_common(const struct klist16 *l, const uint16_t *ours,
		      size_t n_ours, uint16_t *out);
/* Read a <2..2^16-2> list of u16 from @r (even length, not empty). */
void klist16_read(struct kr *r, struct klist16 *l, size_t min_bytes);

/* Write the 4-byte header; kmsg_end fills in the length. */
struct kw_mark kmsg_begin(struct kw *w, uint8_t type);
void kmsg_end(struct kw *w, struct kw_mark m);

struct kmsg_key_share {
	uint16_t group;
	const uint8_t *pub;
	size_t len;
};

struct kmsg_psk_identity {
	const uint8_t *id;
	size_t len;
	const uint8_t *binder;
	size_t binder_len;
};

struct kmsg_ch {
	uint16_t legacy_version;
	const uint8_t *random;
	const uint8_t *session_id;
	size_t session_id_len;
	struct klist16 suites;
	struct kext_list ext;
	bool has_versions, tls13;
	bool has_groups;
	struct klist16 groups;
	bool has_sigalgs, has_sigalgs_cert;
	struct klist16 sigalgs, sigalgs_cert;
	bool has_key_share;
	struct kmsg_key_share shares[KMSG_MAX_SHARES];	/* supported groups */
	size_t n_shares;
	size_t n_shares_offered;	/* all shares, supported or not */
	const uint8_t *sni;	/* host_name, not NUL-terminated */
	size_t sni_len;
	bool has_alpn;
	struct kr alpn;		/* ProtocolNameList body */
	bool has_psk_modes;
	bool psk_dhe_ke, psk_ke;
	bool has_psk;
	struct kmsg_psk_identity ids[KTLS_MAX_PSKS];
	size_t n_ids;		/* identities we look at (<= KTLS_MAX_PSKS) */
	size_t binders_off;	/* offset of the binders<> vector in the msg */
	bool has_cookie;
	const uint8_t *cookie;
	size_t cookie_len;
	uint16_t rsl;		/* record_size_limit, 0 if absent */
	bool has_early_data;
};
KTLS_MUST_CHECK int kmsg_ch_parse(const uint8_t *msg, size_t len,
				  struct kmsg_ch *ch);
/*
 * Build our ClientHello into c->msg with the key shares in @pubs; binders,
 * if any, are left zero and their offset returned in @binders_off.
 */
KTLS_MUST_CHECK int kmsg_ch_build(struct ktls_conn *c,
				  const uint8_t *const *pubs,
				  const size_t *pub_lens, size_t *len,
				  size_t *binders_off);

struct kmsg_sh {
	uint16_t legacy_version;
	const uint8_t *random;
	const uint8_t *session_id;
	size_t session_id_len;
	uint16_t suite;
	uint8_t compression;
	bool is_hrr;
	struct kext_list ext;
	uint16_t version;	/* supported_versions; 0 if absent */
	bool has_key_share;
	uint16_t ks_group;
	const uint8_t *ks_pub;	/* NULL in a HelloRetryRequest */
	size_t ks_len;
	bool has_psk;
	uint16_t psk_index;
	const uint8_t *cookie;
	size_t cookie_len;
};
KTLS_MUST_CHECK int kmsg_sh_parse(const uint8_t *msg, size_t len,
				  struct kmsg_sh *sh);
/* Build a ServerHello (@random non-NULL) or a HelloRetryRequest. */
KTLS_MUST_CHECK int kmsg_sh_build(struct ktls_conn *c, const uint8_t *random,
				  const uint8_t *ks_pub, size_t ks_len,
				  size_t *len);

struct kmsg_ee {
	struct kext_list ext;
	const uint8_t *alpn;
	size_t alpn_len;
	uint16_t rsl;
};
KTLS_MUST_CHECK int kmsg_ee_parse(const uint8_t *msg, size_t len,
				  struct kmsg_ee *ee);
KTLS_MUST_CHECK int kmsg_ee_build(struct ktls_conn *c, bool echo_rsl,
				  size_t *len);

struct kmsg_cr {
	const uint8_t *context;
	size_t context_len;
	struct kext_list ext;
	struct klist16 sigalgs;
};
KTLS_MUST_CHECK int kmsg_cr_parse(const uint8_t *msg, size_t len,
				  struct kmsg_cr *cr);
KTLS_MUST_CHECK int kmsg_cr_build(struct ktls_conn *c, size_t *len);

struct kmsg_cert {
	const uint8_t *context;
	size_t context_len;
	size_t n;
	const uint8_t *der[KTLS_MAX_CHAIN];
	size_t der_len[KTLS_MAX_CHAIN];
};
KTLS_MUST_CHECK int kmsg_cert_parse(const uint8_t *msg, size_t len,
				    struct kmsg_cert *cert);
/* Our chain from cfg->cred, or an empty list when @cred is NULL. */
KTLS_MUST_CHECK int kmsg_cert_build(struct ktls_conn *c,
				    const struct ktls_credential *cred,
				    const uint8_t *context, size_t context_len,
				    size_t *len);

struct kmsg_cv {
	uint16_t scheme;
	const uint8_t *sig;
	size_t sig_len;
};
KTLS_MUST_CHECK int kmsg_cv_parse(const uint8_t *msg, size_t len,
				  struct kmsg_cv *cv);
/* The content that is signed (§4.4.3), into @out (>= 64+34+1+48 bytes). */
size_t kmsg_cv_tbs(bool server, const uint8_t *th, size_t hlen, uint8_t *out);
KTLS_MUST_CHECK int kmsg_cv_build(struct ktls_conn *c, uint16_t scheme,
				  const uint8_t *sig, size_t sig_len,
				  size_t *len);

/*
 * kmsg_check_header() - may a handshake message of @type announce a body
 * of @body_len bytes? Return: 0 up to KTLS_MAX_HANDSHAKE_MSG; over it,
 * KTLS_E_ALERT_decode_error for a type whose syntax cannot be that long
 * (Finished, KeyUpdate, EndOfEarlyData; RFC 8446 §6), else
 * KTLS_E_ALERT_illegal_parameter (legal, but more than we buffer).
 * Shorter wrong lengths are the parsers' to find (decode_error).
 */
KTLS_MUST_CHECK int kmsg_check_header(uint8_t type, size_t body_len);
KTLS_MUST_CHECK int kmsg_fin_parse(const uint8_t *msg, size_t len,
				   size_t hlen, const uint8_t **verify_data);
KTLS_MUST_CHECK int kmsg_fin_build(struct ktls_conn *c,
				   const uint8_t *verify_data, size_t hlen,
				   size_t *len);

KTLS_MUST_CHECK int kmsg_ku_parse(const uint8_t *msg, size_t len,
				  bool *update_requested);
KTLS_MUST_CHECK int kmsg_ku_build(struct ktls_conn *c, bool update_requested,
				  size_t *len);

/* NewSessionTicket: parsed for well-formedness, then ignored. */
KTLS_MUST_CHECK int kmsg_nst_parse(const uint8_t *msg, size_t len);

#endif /* KTLS_MSG_H */
