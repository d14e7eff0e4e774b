// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stub of kmod-glue's netlink and keyring calls for tests that link the
 * real monitor (daemon/monitor.c and its parts): the "kernel" is a list of
 * requests the test queues; ACCEPT takes the next one, DONE is recorded
 * against the request whose fd it names, so a test can check that every
 * request got exactly one DONE and with which status. A request's socket
 * is an eventfd (getpeername() fails: the "unknown" peer), or a UDP socket
 * connected to the IPv4 address the test names, for per-peer fairness.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel.h"
#include "keyring.h"
#include "netlink.h"
#include "stub_kernel.h"

struct stub_kernel stub;

/* kernel.c's kTLS check: installed on every accepted request's fd unless no_ktls. */
static int stub_tls_probe(int fd)
{
	unsigned int i;

	stub.tls_probes++;
	for (i = 0; i < stub.next; i++)
		if (stub.reqs[i].accepted && stub.reqs[i].fd == fd)
			return stub.reqs[i].no_ktls ? -ENOPROTOOPT : 0;
	return -EBADF;
}

void stub_reset(void)
{
	free(stub.reqs);
	memset(&stub, 0, sizeof(stub));
	kernel_tls_probe = stub_tls_probe;
}

int stub_queue(uint32_t message_type, uint32_t auth_mode, uint32_t timeout_ms)
{
	struct stub_req *q;

	if (stub.n == stub.cap) {
		stub.cap = stub.cap ? 2 * stub.cap : 64;
		stub.reqs = realloc(stub.reqs, stub.cap * sizeof(*stub.reqs));
		if (!stub.reqs)
			abort();
	}
	q = &stub.reqs[stub.n];
	memset(q, 0, sizeof(*q));
	q->message_type = message_type;
	q->auth_mode = auth_mode;
	q->timeout_ms = timeout_ms;
	q->fd = -1;
	return (int)stub.n++;
}

void stub_add_psk(int32_t ring, int32_t serial, const char *identity, uint8_t fill)
{
	struct stub_psk *p;

	if (stub.n_psks >= STUB_MAX_PSKS)
		abort();
	p = &stub.psks[stub.n_psks++];
	p->keyring = ring;
	p->serial = serial;
	snprintf(p->identity, sizeof(p->identity), "%s", identity);
	memset(p->key, fill, sizeof(p->key));
}

int stub_queue_from(uint32_t message_type, uint32_t auth_mode, uint32_t timeout_ms,
		    const char *peer)
{
	int i = stub_queue(message_type, auth_mode, timeout_ms);

	snprintf(stub.reqs[i].peer, sizeof(stub.reqs[i].peer), "%s", peer);
	return i;
}

/* A socket whose peer is @peer: UDP, connected (no packet is sent). */
static int peer_socket(const char *peer)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || inet_pton(AF_INET, peer, &sin.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		abort();
	return fd;
}

unsigned int stub_pending(void)
{
	return stub.n - stub.next;
}

/* ---- netlink ---- */

int ktls_nl_open(struct ktls_nl **nlp, unsigned int flags)
{
	*nlp = NULL;
	return -ENOENT;
}

void ktls_nl_close(struct ktls_nl *nl)
{
}

int ktls_nl_fd(const struct ktls_nl *nl)
{
	return -1;
}

int ktls_nl_probe(struct ktls_nl *nl, struct ktls_nl_caps *caps)
{
	return -EOPNOTSUPP;
}

void ktls_nl_set_caps(struct ktls_nl *nl, const struct ktls_nl_caps *caps)
{
}

int ktls_nl_recv_ready(struct ktls_nl *nl, unsigned int *nready)
{
	*nready = stub_pending();
	return 0;
}

int ktls_nl_accept(struct ktls_nl *nl, struct ktls_request *req)
{
	struct stub_req *q;

	if (stub.next >= stub.n)
		return -EAGAIN;
	q = &stub.reqs[stub.next++];
	memset(req, 0, sizeof(*req));
	q->fd = q->peer[0] ? peer_socket(q->peer) : eventfd(0, EFD_CLOEXEC);
	if (q->fd < 0)
		abort();
	q->accepted = true;
	stub.accepts++;
	req->sockfd = q->fd;
	req->message_type = q->message_type;
	req->timeout_ms = q->timeout_ms;
	req->auth_mode = q->auth_mode;
	req->keyring_serial = q->keyring;
	memcpy(req->peer_identities, q->peer_ids, q->n_peer_ids * sizeof(q->peer_ids[0]));
	req->num_peer_identities = q->n_peer_ids;
	snprintf(req->peername, sizeof(req->peername), "peer%u", stub.next - 1);
	req->present = KTLS_REQ_HAS_SOCKFD | KTLS_REQ_HAS_MESSAGE_TYPE | KTLS_REQ_HAS_AUTH_MODE |
		       KTLS_REQ_HAS_PEERNAME | (q->timeout_ms ? KTLS_REQ_HAS_TIMEOUT : 0);
	return 0;
}

int ktls_nl_done(struct ktls_nl *nl, const struct ktls_done *done)
{
	unsigned int i;

	stub.dones++;
	/* The fd is still open (closed after DONE): it names one request. */
	for (i = 0; i < stub.next; i++) {
		struct stub_req *q = &stub.reqs[i];

		if (q->accepted && q->fd == done->sockfd && !q->n_done) {
			q->n_done++;
			q->status = done->status;
			q->n_remote = done->num_remote_auth < 2 ? done->num_remote_auth : 2;
			memcpy(q->remote, done->remote_auth, q->n_remote * sizeof(q->remote[0]));
			q->fd = -1;
			return 0;
		}
	}
	stub.stray_dones++;
	return 0;
}

/* ---- keyrings: no certificates; the PSKs the test added ---- */

int ktls_keyring_read_cert(int32_t serial, struct ktls_key_blob *out)
{
	memset(out, 0, sizeof(*out));
	return -ENOKEY;
}

int ktls_keyring_read_privkey(int32_t serial, struct ktls_key_blob *out)
{
	memset(out, 0, sizeof(*out));
	return -ENOKEY;
}

void ktls_key_blob_free(struct ktls_key_blob *blob)
{
	free(blob->data);
	blob->data = NULL;
	blob->len = 0;
}

static void stub_fill_psk(const struct stub_psk *p, struct ktls_keyring_psk *psk)
{
	memset(psk, 0, sizeof(*psk));
	psk->serial = p->serial;
	psk->key_len = sizeof(p->key);
	memcpy(psk->key, p->key, sizeof(p->key));
	snprintf(psk->identity, sizeof(psk->identity), "%s", p->identity);
}

int ktls_keyring_read_psk(int32_t serial, struct ktls_keyring_psk *psk)
{
	unsigned int i;

	for (i = 0; i < stub.n_psks; i++)
		if (stub.psks[i].serial == serial) {
			stub_fill_psk(&stub.psks[i], psk);
			return 0;
		}
	return -ENOKEY;
}

/*
 * Inside @keyring only, as the real one; like the kernel's "psk" type, a
 * key whose description merely starts with @identity matches too unless
 * KTLS_KEYRING_EXACT_ONLY (gotcha 9).
 */
int ktls_keyring_search_psk(int32_t keyring, const char *identity, unsigned int flags,
			    struct ktls_keyring_psk *psk)
{
	unsigned int i;

	stub.psk_searches++;
	stub.last_search_ring = keyring;
	memset(psk, 0, sizeof(*psk));
	for (i = 0; i < stub.n_psks; i++) {
		const struct stub_psk *p = &stub.psks[i];

		if (p->keyring != keyring)
			continue;
		if (!strcmp(p->identity, identity) ||
		    (!(flags & KTLS_KEYRING_EXACT_ONLY) &&
		     !strncmp(p->identity, identity, strlen(identity)))) {
			stub_fill_psk(p, psk);
			return 0;
		}
	}
	return -ENOKEY;
}

void ktls_keyring_psk_wipe(struct ktls_keyring_psk *psk)
{
	explicit_bzero(psk, sizeof(*psk));
}

int ktls_keyring_link_defaults(unsigned int *linked)
{
	*linked = 0;
	return 0;
}

int ktls_keyring_link_named(const char *name, int32_t *serial)
{
	return -ENOENT;
}

int ktls_keyring_take_request(int32_t named, int32_t *held)
{
	*held = 0;
	return 0;
}

void ktls_keyring_release(int32_t keyring)
{
}
