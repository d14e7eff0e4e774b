/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stub kernel of stub_kernel.c: requests queued by the test, taken by
 * ACCEPT, each DONE recorded against its request.
 */
#ifndef KTLS_STUB_KERNEL_H
#define KTLS_STUB_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

struct stub_req {
	uint32_t message_type, auth_mode, timeout_ms;
	int fd;			/* while accepted and not yet answered */
	bool accepted;
	unsigned int n_done;	/* DONEs received: must end as exactly 1 */
	int status;		/* of the DONE */
	char peer[16];		/* IPv4 the socket is connected to; "" = an eventfd */
};

struct stub_kernel {
	struct stub_req *reqs;
	unsigned int n, cap, next;	/* next: the next one ACCEPT takes */
	unsigned int accepts, dones, stray_dones;
};

extern struct stub_kernel stub;

void stub_reset(void);
/* Queue a request; return its index. */
int stub_queue(uint32_t message_type, uint32_t auth_mode, uint32_t timeout_ms);
/*
 * Queue a request whose socket's peer is @peer (a UDP socket connected to
 * that IPv4 address, so that getpeername() names it); return its index.
 */
int stub_queue_from(uint32_t message_type, uint32_t auth_mode, uint32_t timeout_ms,
		    const char *peer);
/* Requests still in the "kernel" (not accepted). */
unsigned int stub_pending(void);

#endif /* KTLS_STUB_KERNEL_H */
