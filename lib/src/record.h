/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TLS 1.3 record layer for the handshake and the user-space data path
 * (RFC 8446 §5): framing, fragmentation, protection with the current keys,
 * padding removal and the size limits.
 */
#ifndef KTLS_RECORD_H
#define KTLS_RECORD_H

#include "conn.h"

/*
 * krec_write() - append @len bytes of content @type to the output as one
 * or more records, protected when write keys are set.
 */
KTLS_MUST_CHECK int krec_write(struct ktls_conn *c, uint8_t type,
			       const uint8_t *data, size_t len);

/*
 * krec_check_header() - validate a 5-byte record header
 * @body_len: set to the body length to read next
 * Return: 0, KTLS_E_ALERT_record_overflow for an oversized record, or
 * KTLS_E_ALERT_unexpected_message for a content type not allowed now.
 */
KTLS_MUST_CHECK int krec_check_header(const struct ktls_conn *c,
				      const uint8_t *hdr, size_t *body_len);

/*
 * krec_unprotect() - turn the record in c->in (header + body) into
 * plaintext, in place
 * @type: the (inner) content type
 * @plain: set to where the plaintext starts in c->in
 * @plain_len: its length
 */
KTLS_MUST_CHECK int krec_unprotect(struct ktls_conn *c, uint8_t *type,
				   uint8_t **plain, size_t *plain_len);

/* Largest plaintext we put in one record now (record_size_limit aware). */
size_t krec_max_fragment(const struct ktls_conn *c);

#endif /* KTLS_RECORD_H */
