// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * After the handshake, in user space: sealing and opening application
 * data, KeyUpdate both ways (RFC 8446 §4.6.3), tickets dropped, and
 * close_notify. Kernel TLS callers never use this path: they pull the keys
 * and hand the socket to the kernel.
 */
#include <string.h>

#include "msg.h"
#include "record.h"
#include "sm.h"

static uint8_t *own_secret(struct ktls_conn *c)
{
	return c->role == KTLS_ROLE_CLIENT ? c->c_ap : c->s_ap;
}

static uint8_t *peer_secret(struct ktls_conn *c)
{
	return c->role == KTLS_ROLE_CLIENT ? c->s_ap : c->c_ap;
}

static int send_key_update(struct ktls_conn *c, bool request)
{
	size_t len;
	int ret;

	ret = kmsg_ku_build(c, request, &len);
	if (!ret && len > c->msg_used)
		c->msg_used = len;
	if (!ret)
		ret = krec_write(c, KTLS_CT_HANDSHAKE, c->msg, len);
	/* Everything after our KeyUpdate goes out under the next key. */
	if (!ret)
		ret = ks_next_traffic_secret(c->hash, own_secret(c));
	if (!ret)
		ret = kconn_set_write_key(c, own_secret(c));
	return ret;
}

int kapp_key_update(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	bool request;
	int ret;

	ret = kmsg_ku_parse(msg, len, &request);
	if (ret)
		return kconn_fail(c, ret, "malformed KeyUpdate");
	if (kconn_hs_pending(c))
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "data after KeyUpdate in the same record");
	ret = ks_next_traffic_secret(c->hash, peer_secret(c));
	if (!ret)
		ret = kconn_set_read_key(c, peer_secret(c));
	if (!ret && request)
		ret = send_key_update(c, false);
	return ret;
}

int kapp_new_session_ticket(struct ktls_conn *c, const uint8_t *msg, size_t len)
{
	int ret;

	if (c->role != KTLS_ROLE_CLIENT)
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "NewSessionTicket sent to a server");
	ret = kmsg_nst_parse(msg, len);
	if (ret)
		return kconn_fail(c, ret, "malformed NewSessionTicket");
	return 0;	/* we never resume: dropped */
}

int ktls_app_write(struct ktls_conn *c, const uint8_t *data, size_t len,
		   size_t *used)
{
	size_t done = 0, max = krec_max_fragment(c);
	int ret = 0;

	*used = 0;
	if (c->state != KSM_CONNECTED || c->sent_close)
		return KTLS_E_INVALID;
	while (done < len) {
		size_t n = len - done < max ? len - done : max;

		if (c->out_len + KTLS_RECORD_HEADER + n + 1 + KC_TAG_LEN > KTLS_OUT_CAP)
			break;
		ret = krec_write(c, KTLS_CT_APPLICATION_DATA, data + done, n);
		if (ret)
			return kconn_fail(c, ret, "sealing application data failed");
		done += n;
	}
	*used = done;
	return 0;
}

const uint8_t *ktls_app_read(struct ktls_conn *c, size_t *len)
{
	if (c->phase != KREC_HOLD) {
		*len = 0;
		return NULL;
	}
	*len = c->app_len;
	return c->in + c->app_off;
}

void ktls_app_consume(struct ktls_conn *c, size_t n)
{
	if (c->phase != KREC_HOLD)
		return;
	if (n > c->app_len)
		n = c->app_len;
	c->app_off += n;
	c->app_len -= n;
	if (!c->app_len) {
		kc_wipe(c->in, c->in_have);
		c->phase = KREC_HEADER;
		c->in_have = 0;
		c->in_need = KTLS_RECORD_HEADER;
	}
}

int ktls_key_update(struct ktls_conn *c, bool request_peer)
{
	int ret;

	if (c->state != KSM_CONNECTED || c->sent_close)
		return KTLS_E_INVALID;
	ret = send_key_update(c, request_peer);
	if (ret)
		return kconn_fail(c, ret, "KeyUpdate failed");
	return 0;
}

int ktls_close(struct ktls_conn *c)
{
	static const uint8_t close_notify[2] = { 1, KTLS_ALERT_close_notify };
	int ret;

	if (c->state != KSM_CONNECTED || c->sent_close)
		return KTLS_E_INVALID;
	ret = krec_write(c, KTLS_CT_ALERT, close_notify, sizeof(close_notify));
	if (ret)
		return ret;
	c->sent_close = true;
	return 0;
}
