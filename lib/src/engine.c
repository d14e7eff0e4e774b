// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's moving parts: connection set-up, the record reader that
 * never asks for a byte beyond the current record, reassembly of handshake
 * messages across records, alerts in and out, failure, the transcript, and
 * the borrow-and-ack input/output calls of the public API.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "record.h"
#include "sm.h"
#include "x509.h"

size_t ktls_conn_size(void)
{
	return sizeof(struct ktls_conn);
}

static void conn_wipe_secrets(struct ktls_conn *c)
{
	size_t i;

	ks_wipe(&c->ks);
	kc_wipe(c->c_hs, sizeof(c->c_hs));
	kc_wipe(c->s_hs, sizeof(c->s_hs));
	kc_wipe(c->c_ap, sizeof(c->c_ap));
	kc_wipe(c->s_ap, sizeof(c->s_ap));
	kc_wipe(&c->psk, sizeof(c->psk));
	kc_wipe(c->psks, c->n_psks * sizeof(c->psks[0]));
	kc_wipe(&c->rd_key, sizeof(c->rd_key));
	kc_wipe(&c->wr_key, sizeof(c->wr_key));
	for (i = 0; i < KTLS_MAX_KEY_SHARES; i++)
		kc_kex_clear(&c->kex[i]);
}

int ktls_conn_init(struct ktls_conn *c, const struct ktls_config *cfg,
		   const struct ktls_ops *ops, enum ktls_role role)
{
	if (!c || !cfg || !ops || !ops->random || !ops->now ||
	    (role != KTLS_ROLE_CLIENT && role != KTLS_ROLE_SERVER))
		return KTLS_E_INVALID;
	if (!cfg->n_suites || !cfg->n_sigschemes ||
	    cfg->n_suites > KTLS_MAX_LIST || cfg->n_groups > KTLS_MAX_LIST ||
	    cfg->n_sigschemes > KTLS_MAX_LIST)
		return KTLS_E_INVALID;
	/* Only the header: the buffers stay untouched (and unresident). */
	memset(c, 0, offsetof(struct ktls_conn, in));
	c->cfg = cfg;
	c->ops = ops;
	c->role = role;
	c->alert_sent = -1;
	c->alert_received = -1;
	c->psk_index = -1;
	c->phase = KREC_HEADER;
	c->in_need = KTLS_RECORD_HEADER;
	c->state = role == KTLS_ROLE_CLIENT ? KSM_START : KSM_S_WAIT_CH;
	return 0;
}

void ktls_conn_clear(struct ktls_conn *c)
{
	if (!c)
		return;
	conn_wipe_secrets(c);
	kc_hash_free(&c->th);
	kc_hash_free(&c->th384);
	kc_aead_clear(&c->rd);
	kc_aead_clear(&c->wr);
	X509_free(c->peer_leaf);
	c->peer_leaf = NULL;
	c->peer_pub = NULL;
	/*
	 * Plaintext and handshake bytes may hold secrets or keys. Only the
	 * used part of each buffer was ever written (a failed builder may
	 * have filled c->msg, so a failed connection wipes it whole).
	 */
	kc_wipe(c->in, c->in_used);
	kc_wipe(c->hs, c->hs_used);
	kc_wipe(c->msg, c->state == KSM_FAILED ? sizeof(c->msg) : c->msg_used);
	c->in_used = c->hs_used = c->msg_used = 0;
	c->state = KSM_FAILED;
}

int ktls_conn_new(const struct ktls_config *cfg, const struct ktls_ops *ops,
		  enum ktls_role role, struct ktls_conn **out)
{
	struct ktls_conn *c = malloc(sizeof(*c));
	int ret;

	*out = NULL;
	if (!c)
		return KTLS_E_NOMEM;
	ret = ktls_conn_init(c, cfg, ops, role);
	if (ret) {
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void ktls_conn_free(struct ktls_conn *c)
{
	if (!c)
		return;
	ktls_conn_clear(c);
	free(c);
}

int ktls_conn_set_peer_name(struct ktls_conn *c, const char *name)
{
	size_t n;

	if (c->state != KSM_START && c->state != KSM_S_WAIT_CH)
		return KTLS_E_INVALID;
	n = name ? strlen(name) : 0;
	if (n > KTLS_MAX_SERVER_NAME)
		return KTLS_E_INVALID;
	memcpy(c->peer_name, name, n);
	c->peer_name[n] = 0;
	c->peer_name_is_ip = n && kx_is_ip_literal(c->peer_name);
	return 0;
}

int ktls_conn_set_psks(struct ktls_conn *c, const struct ktls_psk *psks,
		       size_t n)
{
	size_t i;

	if (c->state != KSM_START || n > KTLS_MAX_PSKS)
		return KTLS_E_INVALID;
	for (i = 0; i < n; i++) {
		const struct ktls_psk *p = &psks[i];

		/* An empty or short key is refused here, not at the first binder. */
		if (!p->identity || !p->key ||
		    !p->identity_len || p->identity_len > KTLS_MAX_PSK_IDENTITY ||
		    p->key_len < KTLS_MIN_PSK_KEY || p->key_len > KTLS_MAX_PSK_KEY ||
		    !kc_hash_len(p->hash))
			return KTLS_E_INVALID;
	}
	kc_wipe(c->psks, sizeof(c->psks));
	for (i = 0; i < n; i++) {
		memcpy(c->psks[i].identity, psks[i].identity, psks[i].identity_len);
		c->psks[i].identity_len = psks[i].identity_len;
		memcpy(c->psks[i].key, psks[i].key, psks[i].key_len);
		c->psks[i].key_len = psks[i].key_len;
		c->psks[i].hash = psks[i].hash;
		c->psks[i].tag = psks[i].tag;
	}
	c->n_psks = n;
	return 0;
}

static void send_alert(struct ktls_conn *c, int level, int alert)
{
	uint8_t a[2] = { (uint8_t)level, (uint8_t)alert };

	/* Best effort: a full output buffer just loses the alert. */
	if (krec_write(c, KTLS_CT_ALERT, a, sizeof(a)) == 0 && level == 2)
		c->alert_sent = alert;
}

int kconn_fail(struct ktls_conn *c, int err, const char *detail)
{
	int alert;

	if (c->state == KSM_FAILED)
		return c->error ? c->error : err;
	c->error = err;
	c->detail = detail ? detail : ktls_strerror(err);
	c->state = KSM_FAILED;
	alert = ktls_error_alert(err);
	if (alert >= 0)
		send_alert(c, 2, alert);
	/* Fail closed: nothing derived so far outlives the failure. */
	conn_wipe_secrets(c);
	kc_aead_clear(&c->rd);
	kc_aead_clear(&c->wr);
	c->rd_protected = c->wr_protected = false;
	return err;
}

int kconn_th_add(struct ktls_conn *c, const uint8_t *p, size_t len)
{
	int ret = kc_hash_update(&c->th, p, len);

	if (!ret && c->th384.ctx)
		ret = kc_hash_update(&c->th384, p, len);
	return ret;
}

int kconn_th_hash(struct ktls_conn *c, uint8_t *out)
{
	return kc_hash_peek(&c->th, out);
}

int kconn_th_hash_extra(struct ktls_conn *c, const uint8_t *extra, size_t len,
			uint8_t *out)
{
	EVP_MD_CTX *t = EVP_MD_CTX_new();
	int ret = KTLS_E_CRYPTO;

	if (!t)
		return KTLS_E_NOMEM;
	if (EVP_MD_CTX_copy_ex(t, c->th.ctx) && EVP_DigestUpdate(t, extra, len) &&
	    EVP_DigestFinal_ex(t, out, NULL))
		ret = 0;
	EVP_MD_CTX_free(t);
	return ret;
}

int kconn_th_restart_hrr(struct ktls_conn *c)
{
	uint8_t mh[KMSG_HEADER + KC_MAX_HASH];
	size_t hlen = kc_hash_len(c->hash);
	int ret;

	ret = kc_hash_peek(&c->th, mh + KMSG_HEADER);
	if (ret)
		return ret;
	mh[0] = KTLS_HS_MESSAGE_HASH;
	mh[1] = 0;
	mh[2] = 0;
	mh[3] = (uint8_t)hlen;
	kc_hash_free(&c->th);
	ret = kc_hash_init(&c->th, c->hash);
	if (!ret)
		ret = kc_hash_update(&c->th, mh, KMSG_HEADER + hlen);
	return ret;
}

int kconn_send_hs(struct ktls_conn *c, size_t len)
{
	int ret = kconn_th_add(c, c->msg, len);

	if (len > c->msg_used)
		c->msg_used = len;

	if (!ret)
		ret = krec_write(c, KTLS_CT_HANDSHAKE, c->msg, len);
	return ret;
}

int kconn_send_ccs(struct ktls_conn *c)
{
	static const uint8_t one = 1;
	bool prot = c->wr_protected;
	int ret;

	/* The compatibility CCS is never protected (§5, §D.4). */
	c->wr_protected = false;
	ret = krec_write(c, KTLS_CT_CHANGE_CIPHER_SPEC, &one, 1);
	c->wr_protected = prot;
	if (!ret)
		c->sent_ccs = true;
	return ret;
}

/* Derive the key and IV now; the AEAD context waits for its first record. */
static int set_key(struct ktls_conn *c, struct kc_aead *a, struct kconn_key *k,
		   const uint8_t *secret)
{
	int ret;

	kc_aead_clear(a);
	ret = ks_traffic_keys(c->hash, c->suite, secret, k->key, &k->key_len,
			      k->iv);
	if (ret)
		kc_wipe(k, sizeof(*k));
	return ret;
}

int kconn_aead_ready(struct ktls_conn *c, struct kc_aead *a)
{
	struct kconn_key *k = a == &c->wr ? &c->wr_key : &c->rd_key;

	if (a->ctx)
		return 0;
	if (!k->key_len)
		return KTLS_E_INTERNAL;
	return kc_aead_init(a, c->suite, k->key, k->iv, a == &c->wr);
}

int kconn_set_read_key(struct ktls_conn *c, const uint8_t *secret)
{
	int ret = set_key(c, &c->rd, &c->rd_key, secret);

	if (!ret)
		c->rd_protected = true;
	return ret;
}

int kconn_set_write_key(struct ktls_conn *c, const uint8_t *secret)
{
	int ret = set_key(c, &c->wr, &c->wr_key, secret);

	if (!ret)
		c->wr_protected = true;
	return ret;
}

bool kconn_hs_pending(const struct ktls_conn *c)
{
	return c->rec_rest > 0;
}

int ktls_start(struct ktls_conn *c)
{
	int ret;

	if (c->role == KTLS_ROLE_SERVER)
		return c->state == KSM_S_WAIT_CH ? 0 : KTLS_E_INVALID;
	if (c->state != KSM_START)
		return KTLS_E_INVALID;
	ret = ksm_client_start(c);
	if (ret)
		return kconn_fail(c, ret, "could not build the ClientHello");
	return 0;
}

static bool handshaking(const struct ktls_conn *c)
{
	return c->state != KSM_START && c->state != KSM_CONNECTED &&
	       c->state != KSM_FAILED;
}

unsigned int ktls_status(const struct ktls_conn *c)
{
	unsigned int st = 0;

	if (c->out_len)
		st |= KTLS_HAS_OUTPUT;
	switch (c->state) {
	case KSM_FAILED:
		return st | KTLS_FAILED;
	case KSM_CONNECTED:
		st |= KTLS_DONE | KTLS_KEYS_READY;
		if (c->phase == KREC_HOLD)
			st |= KTLS_APP_DATA;
		if (c->peer_closed)
			st |= KTLS_PEER_CLOSED;
		return st;
	case KSM_C_SIGN:
	case KSM_S_SIGN:
	case KSM_S_PSK_LOOKUP:
		return st | KTLS_PENDING;
	case KSM_START:
		return st;
	default:
		return st | KTLS_WANT_INPUT;
	}
}

uint8_t *ktls_input_space(struct ktls_conn *c, size_t *len)
{
	if (c->state == KSM_FAILED || c->peer_closed || c->phase == KREC_HOLD ||
	    c->state == KSM_C_SIGN || c->state == KSM_S_SIGN ||
	    c->state == KSM_S_PSK_LOOKUP ||
	    c->state == KSM_START) {
		*len = 0;
		return NULL;
	}
	*len = c->in_need - c->in_have;
	return c->in + c->in_have;
}

/* A handshake record: feed complete messages to the state machine. */
static int on_handshake(struct ktls_conn *c, const uint8_t *p, size_t len)
{
	int ret;

	while (len) {
		size_t want, n, msg_len;

		if (c->hs_len < KMSG_HEADER) {
			want = KMSG_HEADER - c->hs_len;
		} else {
			msg_len = ((size_t)c->hs[1] << 16) | (c->hs[2] << 8) | c->hs[3];
			if (msg_len > KTLS_MAX_HANDSHAKE_MSG)
				return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
						  "handshake message too large");
			want = KMSG_HEADER + msg_len - c->hs_len;
		}
		n = len < want ? len : want;
		memcpy(c->hs + c->hs_len, p, n);
		c->hs_len += n;
		if (c->hs_len > c->hs_used)
			c->hs_used = c->hs_len;
		p += n;
		len -= n;
		if (c->hs_len < KMSG_HEADER)
			continue;
		msg_len = ((size_t)c->hs[1] << 16) | (c->hs[2] << 8) | c->hs[3];
		if (msg_len > KTLS_MAX_HANDSHAKE_MSG)
			return kconn_fail(c, KTLS_E_ALERT_illegal_parameter,
					  "handshake message too large");
		if (c->hs_len < KMSG_HEADER + msg_len)
			continue;
		c->hs_len = 0;
		c->rec_rest = len;
		ret = ksm_dispatch(c, c->hs, KMSG_HEADER + msg_len);
		c->rec_rest = 0;
		if (ret)
			return c->state == KSM_FAILED ? ret : kconn_fail(c, ret, NULL);
		if (c->state == KSM_FAILED)
			return c->error;
		/* Waiting on the caller: the message must stay in hs[]. */
		if (c->state == KSM_S_PSK_LOOKUP && len)
			return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
					  "data after ClientHello in the same record");
	}
	return 0;
}

static int on_alert(struct ktls_conn *c, const uint8_t *p, size_t len)
{
	if (len != 2)
		return kconn_fail(c, KTLS_E_ALERT_decode_error, "malformed alert");
	c->alert_received = p[1];
	if (p[1] == KTLS_ALERT_close_notify) {
		c->peer_closed = true;
		if (c->state == KSM_CONNECTED)
			return 0;
	}
	/* §6: every other alert (and an early close) ends the connection. */
	c->state = KSM_FAILED;
	c->error = KTLS_E_PEER_ALERT(p[1]);
	c->detail = ktls_strerror(c->error);
	conn_wipe_secrets(c);
	return c->error;
}

static int on_record(struct ktls_conn *c)
{
	uint8_t type, *plain;
	size_t len;
	int ret;

	if (c->in[0] == KTLS_CT_CHANGE_CIPHER_SPEC) {
		/* §5: a dummy CCS is dropped during the handshake only. */
		if (!handshaking(c) || c->hs_len || c->in[KTLS_RECORD_HEADER] != 1 ||
		    ++c->ccs_seen > KTLS_MAX_CCS ||
		    (c->role == KTLS_ROLE_SERVER && c->state == KSM_S_WAIT_CH))
			return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
					  "unexpected change_cipher_spec");
		return 0;
	}
	ret = krec_unprotect(c, &type, &plain, &len);
	if (ret)
		return kconn_fail(c, ret, ret == KTLS_E_ALERT_bad_record_mac
				  ? "record does not decrypt" : "bad record");
	/* §5.1: handshake messages are not interleaved with other types. */
	if (type != KTLS_CT_HANDSHAKE && c->hs_len)
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "record interrupts a handshake message");
	switch (type) {
	case KTLS_CT_ALERT:
		/* §5.4: zero-length alert content is unexpected_message. */
		if (!len)
			return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
					  "empty alert record");
		return on_alert(c, plain, len);
	case KTLS_CT_HANDSHAKE:
		if (!len)
			return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
					  "empty handshake record");
		return on_handshake(c, plain, len);
	case KTLS_CT_APPLICATION_DATA:
		if (c->state != KSM_CONNECTED)
			return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
					  "application data during the handshake");
		if (!len) {
			if (++c->empty_seen > KTLS_MAX_EMPTY_RECORDS)
				return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
						  "too many empty records");
			return 0;
		}
		c->empty_seen = 0;
		c->app_off = (size_t)(plain - c->in);
		c->app_len = len;
		c->phase = KREC_HOLD;
		return 0;
	default:
		return kconn_fail(c, KTLS_E_ALERT_unexpected_message,
				  "unexpected record type");
	}
}

int ktls_input_ack(struct ktls_conn *c, size_t n)
{
	size_t body;
	int ret;

	if (c->state == KSM_FAILED)
		return c->error ? c->error : KTLS_E_FAILED;
	if (n > c->in_need - c->in_have || c->phase == KREC_HOLD)
		return KTLS_E_INVALID;
	if (n == 0) {
		c->peer_closed = true;
		if (c->state == KSM_CONNECTED)
			return 0;
		return kconn_fail(c, KTLS_E_CLOSED, "peer closed the connection");
	}
	c->in_have += n;
	if (c->in_have > c->in_used)
		c->in_used = c->in_have;
	if (c->in_have < c->in_need)
		return 0;
	if (c->phase == KREC_HEADER) {
		ret = krec_check_header(c, c->in, &body);
		if (ret)
			return kconn_fail(c, ret, "bad record header");
		c->phase = KREC_BODY;
		c->in_need = KTLS_RECORD_HEADER + body;
		return 0;
	}
	ret = on_record(c);
	if (c->phase != KREC_HOLD) {
		c->phase = KREC_HEADER;
		c->in_have = 0;
		c->in_need = KTLS_RECORD_HEADER;
	}
	return ret;
}

int ktls_input(struct ktls_conn *c, const uint8_t *data, size_t len,
	       size_t *used)
{
	bool was_handshaking = handshaking(c);
	size_t done = 0;
	int ret = 0;

	while (done < len) {
		/*
		 * Stop at the record that completes the handshake: what
		 * follows belongs to whoever takes the keys (kernel TLS).
		 */
		if (was_handshaking && c->state == KSM_CONNECTED)
			break;
		size_t room, n;
		uint8_t *p = ktls_input_space(c, &room);

		if (!p || !room)
			break;
		n = len - done < room ? len - done : room;
		memcpy(p, data + done, n);
		done += n;
		ret = ktls_input_ack(c, n);
		if (ret)
			break;
	}
	if (used)
		*used = done;
	return ret;
}

const uint8_t *ktls_output(struct ktls_conn *c, size_t *len)
{
	*len = c->out_len;
	return c->out + c->out_start;
}

void ktls_output_ack(struct ktls_conn *c, size_t n)
{
	if (n > c->out_len)
		n = c->out_len;
	c->out_start += n;
	c->out_len -= n;
	if (!c->out_len)
		c->out_start = 0;
}

int ktls_signature_done(struct ktls_conn *c, int result, const uint8_t *sig,
			size_t sig_len)
{
	int ret;

	if (c->state != KSM_C_SIGN && c->state != KSM_S_SIGN)
		return KTLS_E_INVALID;
	if (result)
		return kconn_fail(c, result, "signing CertificateVerify failed");
	if (!sig || !sig_len || sig_len > KC_MAX_SIG)
		return kconn_fail(c, KTLS_E_INTERNAL, "bad signature from ops->sign");
	ret = c->state == KSM_C_SIGN ? ksm_client_signed(c, sig, sig_len)
				     : ksm_server_signed(c, sig, sig_len);
	if (ret && c->state != KSM_FAILED)
		return kconn_fail(c, ret, NULL);
	return ret;
}

int ktls_psk_lookup_done(struct ktls_conn *c, int result,
			 const struct ktls_psk *psk)
{
	if (c->state != KSM_S_PSK_LOOKUP)
		return KTLS_E_INVALID;
	return ksm_server_psk_answer(c, result, psk);
}
