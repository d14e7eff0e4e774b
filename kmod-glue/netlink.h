/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Client for the kernel's generic netlink "handshake" family: resolve the
 * family and its "tlshd" multicast group, listen for READY, pop requests
 * with ACCEPT, report results with DONE, and probe which optional DONE
 * attributes the running kernel accepts.
 *
 * Two layers: pure functions that turn bytes into struct ktls_request (and
 * struct ktls_done into bytes) with no I/O, for unit tests and fuzzers, and
 * socket functions on an opaque struct ktls_nl that use them. This header
 * does not include libnl; netlink.c is the only file that does.
 *
 * Errors are negative errno values. Two deserve a name:
 *   -EAGAIN   from ktls_nl_accept(): the kernel's queue is empty.
 *   -ENOBUFS  from ktls_nl_recv_ready(): notifications were lost (socket
 *             overrun); the socket is still fine, drain with ACCEPT again.
 */
#ifndef KTLS_GLUE_NETLINK_H
#define KTLS_GLUE_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "request.h"

/*
 * Largest netlink datagram we read. The kernel sizes dump batches to the
 * reader's buffer but never beyond 32 KiB, so nothing we ask for is cut.
 */
#define KTLS_NL_RECV_BUF 32768
/* How long we wait for the kernel's answer to ACCEPT, DONE or GETPOLICY. */
#define KTLS_NL_REPLY_TIMEOUT_MS 5000
/* Receive buffer requested for the multicast (READY) socket. */
#define KTLS_NL_RCVBUF (1024 * 1024)
/* Policy indexes tracked while parsing a CTRL_CMD_GETPOLICY dump. */
#define KTLS_NL_MAX_POLICIES 8

struct ktls_nl;

/* Flags for ktls_nl_open(). */
enum ktls_nl_open_flags {
	/* Join the "tlshd" group, enlarge rcvbuf, make the socket non-blocking. */
	KTLS_NL_SUBSCRIBE = 1u << 0,
};

/**
 * struct ktls_nl_caps - optional kernel features, probed once at startup
 * @probed: the kernel answered CTRL_CMD_GETPOLICY for DONE.
 * @done_attrs: bit n set when the DONE policy accepts attribute n.
 *	Without a probe this holds the mainline set (STATUS, SOCKFD,
 *	REMOTE_AUTH), which every kernel with the family accepts.
 */
struct ktls_nl_caps {
	bool probed;
	uint32_t done_attrs;
};

/**
 * struct ktls_nl_policy_scan - state while reading a GETPOLICY dump
 * @family: family id whose policy we asked for.
 * @do_policy: policy index of the DONE command's doit; -1 until seen.
 * @attrs: per policy index, bit n set when attribute n is in the policy.
 */
struct ktls_nl_policy_scan {
	uint16_t family;
	int do_policy;
	uint32_t attrs[KTLS_NL_MAX_POLICIES];
};

/* ---- pure functions: bytes in, bytes out, no I/O ---- */

void ktls_request_init(struct ktls_request *req);
void ktls_nl_caps_default(struct ktls_nl_caps *caps);
bool ktls_nl_caps_done_has(const struct ktls_nl_caps *caps, unsigned int attr);

KTLS_GLUE_MUST_CHECK
int ktls_nl_parse_accept(const void *buf, size_t len, struct ktls_request *req);
KTLS_GLUE_MUST_CHECK
int ktls_nl_parse_ready(const void *buf, size_t len, uint32_t *handler_class);
KTLS_GLUE_MUST_CHECK
int ktls_nl_build_accept(uint16_t family, uint32_t seq, uint32_t portid,
			 void *buf, size_t size, size_t *len);
KTLS_GLUE_MUST_CHECK
int ktls_nl_build_done(const struct ktls_done *done,
		       const struct ktls_nl_caps *caps, uint16_t family,
		       uint32_t seq, uint32_t portid, void *buf, size_t size,
		       size_t *len);
void ktls_nl_policy_scan_init(struct ktls_nl_policy_scan *scan,
			      uint16_t family);
KTLS_GLUE_MUST_CHECK
int ktls_nl_parse_policy(struct ktls_nl_policy_scan *scan, const void *buf,
			 size_t len);
void ktls_nl_policy_caps(const struct ktls_nl_policy_scan *scan,
			 struct ktls_nl_caps *caps);

/* ---- socket functions ---- */

KTLS_GLUE_MUST_CHECK
int ktls_nl_open(struct ktls_nl **nlp, unsigned int flags);
void ktls_nl_close(struct ktls_nl *nl);
int ktls_nl_fd(const struct ktls_nl *nl);
uint16_t ktls_nl_family(const struct ktls_nl *nl);
KTLS_GLUE_MUST_CHECK
int ktls_nl_probe(struct ktls_nl *nl, struct ktls_nl_caps *caps);
void ktls_nl_set_caps(struct ktls_nl *nl, const struct ktls_nl_caps *caps);
KTLS_GLUE_MUST_CHECK
int ktls_nl_recv_ready(struct ktls_nl *nl, unsigned int *nready);
KTLS_GLUE_MUST_CHECK
int ktls_nl_accept(struct ktls_nl *nl, struct ktls_request *req);
KTLS_GLUE_MUST_CHECK
int ktls_nl_done(struct ktls_nl *nl, const struct ktls_done *done);

#endif /* KTLS_GLUE_NETLINK_H */
