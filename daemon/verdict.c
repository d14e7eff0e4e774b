// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What DONE says (see verdict.h): the worker's result checked against
 * what the monitor knows of the request and of its socket.
 */
#include <errno.h>
#include <string.h>

#include "handshake-uapi.h"
#include "kernel.h"
#include "verdict.h"

#define REMOTE_AUTH_VERIFIED 0xffffffffu	/* a verified client certificate */

static bool psk_resolved(const struct mreq *r, uint32_t serial)
{
	unsigned int i;

	for (i = 0; i < r->n_psk_serials && i < MREQ_MAX_PSK_SERIALS; i++)
		if (r->psk_serials[i] == serial)
			return true;
	return false;
}

int verdict_check(const struct mreq *r, struct kp_result *res, const char **why)
{
	uint32_t v;

	*why = NULL;
	if (res->status) {
		res->n_remote = 0;
		return res->status;
	}
	if (res->n_remote > 1) {
		*why = "worker reported more than one peer identity";
		goto refuse;
	}
	/* §4.4.4 done or not, no kTLS on the socket means no secure channel. */
	if (!kernel_tls_installed(r->fd)) {
		*why = "worker reported success without kernel TLS on the socket";
		res->n_remote = 0;
		return EIO;
	}
	v = res->n_remote ? res->remote[0] : 0;
	switch (r->kreq.auth_mode) {
	case KTLS_HANDSHAKE_AUTH_PSK:
		/* Only a key this monitor looked up or passed for this request. */
		if (res->n_remote != 1 || !psk_resolved(r, v)) {
			*why = "worker reported a PSK the monitor did not resolve for this request";
			goto refuse;
		}
		return 0;
	case KTLS_HANDSHAKE_AUTH_X509:
		if (!res->n_remote)
			return 0;
		/*
		 * The sentinel admits the peer to mtls exports. The monitor does
		 * not verify the client's chain itself yet; it takes the claim
		 * only for a server request whose CertificateVerify it signed,
		 * i.e. one that reached the point where a client certificate
		 * can follow.
		 */
		if (r->role == KTLS_ROLE_SERVER && v == REMOTE_AUTH_VERIFIED && r->signs &&
		    !r->sign_pending)
			return 0;
		*why = "worker reported a peer identity the monitor did not establish";
		goto refuse;
	default:
		if (!res->n_remote)
			return 0;
		*why = "worker reported a peer identity for an anonymous request";
		goto refuse;
	}
refuse:
	res->n_remote = 0;
	return EACCES;
}
