/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's kernel side: the handshake netlink sockets (READY
 * multicast, ACCEPT and DONE), the kTLS cipher probe, and the keyrings
 * linked at start. Everything goes through kmod-glue, so a test can link
 * the monitor against a stub netlink.
 */
#ifndef KTLSD_KERNEL_H
#define KTLSD_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "netlink.h"

struct kernel {
	struct ktls_nl *mc, *req;
	unsigned int cipher_mask;	/* what this kernel can install */
};

/*
 * Keep only the cipher suites this kernel can install (@mask: the
 * ktls_glue_probe_ciphers() bits); an empty list means all four.
 * Return: 0, or -1 when none is left.
 */
int kcfg_apply_cipher_mask(struct kcfg *cfg, unsigned int mask);

/* Open the sockets, probe kTLS, link keyrings. Return: 0, or -1 (logged). */
int kernel_open(struct kernel *k, struct kcfg *cfg);

/*
 * Link the default keyrings (.nvme, .nfs, .nfsd) and the configured ones
 * into ours: at start, and again at a reload (a keyring named since).
 */
void kernel_link_keyrings(const struct kcfg *cfg);

/* The READY socket to poll. */
int kernel_ready_fd(const struct kernel *k);

/*
 * Read READY notifications. Return: 1 when there may be requests to take
 * (READYs were lost counts too: @overrun is set), else 0.
 */
int kernel_ready(struct kernel *k, bool *overrun);

/**
 * kernel_accept() - take one request from the kernel
 * @k: the sockets
 * @kreq: the request
 * @held: the keyring the kernel linked for it (release at DONE), or 0
 * Return: 0, -EAGAIN when there is none, or another -errno.
 */
int kernel_accept(struct kernel *k, struct ktls_request *kreq, int32_t *held);

/**
 * kernel_tls_installed() - is kernel TLS on @fd in both directions?
 * TCP_ULP reads "tls" and TLS_TX and TLS_RX hold a TLS 1.3 crypto_info
 * (asked for its header only, so no key comes back). The check goes
 * through kernel_tls_probe, which tests replace (they have no kTLS).
 */
bool kernel_tls_installed(int fd);
extern int (*kernel_tls_probe)(int fd);

/* Send DONE. Return: 0 or -errno. */
int kernel_done(struct kernel *k, const struct ktls_done *done);

struct rq_peer;

/**
 * kernel_peer_key() - the peer key of an accepted request's socket
 * @fd: the socket from ACCEPT
 * @key: its peer's key (requests.h: rq_peer_from_sockaddr()), or the
 *	shared "unknown" key
 * Return: 0, or -1 when the key is "unknown" (getpeername() failed, or
 *	not IPv4/IPv6).
 */
int kernel_peer_key(int fd, struct rq_peer *key);

#endif /* KTLSD_KERNEL_H */
