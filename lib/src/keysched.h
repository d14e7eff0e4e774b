/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TLS 1.3 key schedule (RFC 8446 §7.1): early, handshake and master
 * secrets, Derive-Secret, Finished MACs, PSK binder keys, traffic key and
 * IV derivation, and KeyUpdate's next traffic secret.
 */
#ifndef KTLS_KEYSCHED_H
#define KTLS_KEYSCHED_H

#include "crypto.h"

struct ks {
	enum ktls_hash hash;
	size_t hlen;
	uint8_t secret[KC_MAX_HASH];	/* early, then handshake, then master */
};

/* Early Secret = HKDF-Extract(0, PSK or zeros). @psk may be NULL. */
KTLS_MUST_CHECK int ks_init(struct ks *ks, enum ktls_hash hash,
			    const uint8_t *psk, size_t psk_len);
/* binder_key = Derive-Secret(Early Secret, "ext binder" or "res binder", "") */
KTLS_MUST_CHECK int ks_binder_key(const struct ks *ks, bool external,
				  uint8_t *out);
/* Handshake Secret from the (EC)DHE secret (NULL: zeros, for psk_ke). */
KTLS_MUST_CHECK int ks_to_handshake(struct ks *ks, const uint8_t *dhe,
				    size_t dhe_len);
/* Master Secret. */
KTLS_MUST_CHECK int ks_to_master(struct ks *ks);
/* Derive-Secret(current secret, @label, @transcript_hash) into @out. */
KTLS_MUST_CHECK int ks_derive(const struct ks *ks, const char *label,
			      const uint8_t *transcript_hash, uint8_t *out);
/* HMAC(HKDF-Expand-Label(@base, "finished", "", Hash.len), @transcript_hash) */
KTLS_MUST_CHECK int ks_finished_mac(enum ktls_hash hash, const uint8_t *base,
				    const uint8_t *transcript_hash,
				    uint8_t *out);
/* key and iv for @suite from a traffic secret (RFC 8446 §7.3). */
KTLS_MUST_CHECK int ks_traffic_keys(enum ktls_hash hash, uint16_t suite,
				    const uint8_t *secret, uint8_t *key,
				    size_t *key_len, uint8_t *iv);
/* application_traffic_secret_N+1 ("traffic upd"), in place. */
KTLS_MUST_CHECK int ks_next_traffic_secret(enum ktls_hash hash,
					   uint8_t *secret);
void ks_wipe(struct ks *ks);

#endif /* KTLS_KEYSCHED_H */
