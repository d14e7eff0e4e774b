/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stub kernel of stub_kernel.c: requests queued by the test, taken by
 * ACCEPT, each DONE recorded against its request.
 */
#ifndef KTLS_STUB_KERNEL_H
#define KTLS_STUB_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#define STUB_MAX_PEER_IDS 5
#define STUB_MAX_PSKS 8

struct stub_req {
	uint32_t message_type, auth_mode, timeout_ms;
	int fd;			/* while accepted and not yet answered */
	bool accepted;
	bool no_ktls;		/* kernel_tls_installed() says no for it */
	int32_t keyring;	/* the request's keyring (ACCEPT's KEYRING) */
	int32_t peer_ids[STUB_MAX_PEER_IDS];	/* PEER_IDENTITY serials */
	unsigned int n_peer_ids;
	unsigned int n_done;	/* DONEs received: must end as exactly 1 */
	int status;		/* of the DONE */
	char peer[16];		/* IPv4 the socket is connected to; "" = an eventfd */
	unsigned int n_remote;	/* its REMOTE_AUTH values */
	uint32_t remote[2];
};

/* A PSK in the stub's keyrings. */
struct stub_psk {
	int32_t keyring, serial;
	char identity[64];
	uint8_t key[32];
};

struct stub_kernel {
	struct stub_req *reqs;
	unsigned int n, cap, next;	/* next: the next one ACCEPT takes */
	unsigned int accepts, dones, stray_dones;
	unsigned int tls_probes;	/* kernel_tls_installed() calls */
	struct stub_psk psks[STUB_MAX_PSKS];
	unsigned int n_psks;
	unsigned int psk_searches;	/* ktls_keyring_search_psk() calls */
	int32_t last_search_ring;
};

extern struct stub_kernel stub;

void stub_reset(void);
/* Queue a request; return its index. */
int stub_queue(uint32_t message_type, uint32_t auth_mode, uint32_t timeout_ms);
/* Put a PSK (a 32-byte key of @fill) into keyring @ring. */
void stub_add_psk(int32_t ring, int32_t serial, const char *identity, uint8_t fill);
/*
 * Queue a request whose socket's peer is @peer (a UDP socket connected to
 * that IPv4 address, so that getpeername() names it); return its index.
 */
int stub_queue_from(uint32_t message_type, uint32_t auth_mode, uint32_t timeout_ms,
		    const char *peer);
/* Requests still in the "kernel" (not accepted). */
unsigned int stub_pending(void);

#endif /* KTLS_STUB_KERNEL_H */
