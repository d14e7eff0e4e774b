// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monitor's netlink, kTLS probe and keyrings (see kernel.h).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include <ktls/ktls.h>

#include "keyring.h"
#include "kernel.h"
#include "ktls.h"
#include "log.h"
#include "requests.h"

int kcfg_apply_cipher_mask(struct kcfg *cfg, unsigned int mask)
{
	static const uint16_t all[] = { KTLS_AES_128_GCM_SHA256, KTLS_AES_256_GCM_SHA384,
					KTLS_CHACHA20_POLY1305_SHA256, KTLS_AES_128_CCM_SHA256 };
	size_t i, n;

	if (!cfg->n_suites)
		for (i = 0; i < 4; i++)
			cfg->suites[cfg->n_suites++] = all[i];
	for (i = 0, n = 0; i < cfg->n_suites; i++)
		if (mask & ktls_glue_cipher_bit(cfg->suites[i]))
			cfg->suites[n++] = cfg->suites[i];
	cfg->n_suites = n;
	return n ? 0 : -1;
}

int kernel_open(struct kernel *k, struct kcfg *cfg)
{
	struct ktls_nl_caps caps;
	unsigned int mask = 0;
	int ret;

	ret = ktls_nl_open(&k->mc, KTLS_NL_SUBSCRIBE);
	if (ret == -ENOENT) {
		log_warnx("the kernel has no handshake netlink family (CONFIG_NET_HANDSHAKE)");
		return -1;
	}
	if (!ret)
		ret = ktls_nl_open(&k->req, 0);
	if (ret) {
		log_warnx("netlink: %s", strerror(-ret));
		return -1;
	}
	if (ktls_nl_probe(k->req, &caps) == 0)
		ktls_nl_set_caps(k->req, &caps);
	/* Loads the tls module too (we still hold CAP_NET_ADMIN here). */
	if (ktls_glue_probe_ciphers(&mask) || !mask) {
		log_warnx("kernel TLS is not available (CONFIG_TLS, module tls)");
		return -1;
	}
	k->cipher_mask = mask;
	if (kcfg_apply_cipher_mask(cfg, mask)) {
		log_warnx("none of the configured cipher suites can be installed by this kernel");
		return -1;
	}
	kernel_link_keyrings(cfg);
	return 0;
}

void kernel_link_keyrings(const struct kcfg *cfg)
{
	unsigned int linked = 0;
	size_t i;

	if (ktls_keyring_link_defaults(&linked))
		log_debug("could not link the default keyrings");
	for (i = 0; i < cfg->n_keyrings; i++) {
		int32_t serial;

		if (ktls_keyring_link_named(cfg->keyrings[i], &serial))
			log_warnx("keyring %s not found", cfg->keyrings[i]);
	}
}

int kernel_ready_fd(const struct kernel *k)
{
	return ktls_nl_fd(k->mc);
}

int kernel_ready(struct kernel *k, bool *overrun)
{
	unsigned int nready = 0;
	int ret;

	*overrun = false;
	ret = ktls_nl_recv_ready(k->mc, &nready);
	if (ret == -ENOBUFS) {
		/* READYs were lost: the queue still has them. */
		*overrun = true;
		return 1;
	}
	return nready ? 1 : 0;
}

int kernel_accept(struct kernel *k, struct ktls_request *kreq, int32_t *held)
{
	int ret;

	*held = 0;
	ret = ktls_nl_accept(k->req, kreq);
	if (ret == -EAGAIN)
		return ret;
	if (ret) {
		/* The kernel may have linked a keyring before it failed. */
		(void)!ktls_keyring_take_request(0, held);
		ktls_keyring_release(*held);
		*held = 0;
		return ret;
	}
	/*
	 * The keyring the kernel linked for this request: kernels before
	 * 6.17 do not name it, and searching every linked keyring could
	 * find another consumer's PSK (gotcha 8).
	 */
	if (ktls_keyring_take_request(kreq->keyring_serial, held))
		log_warnx("cannot tell the request's keyring apart; PSKs are searched in all");
	if (!kreq->keyring_serial)
		kreq->keyring_serial = *held;
	return 0;
}

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* 0 when @fd has kTLS TX and RX for TLS 1.3, else -errno. */
static int tls_probe(int fd)
{
	struct tls_crypto_info ci;
	char ulp[16];
	socklen_t len = sizeof(ulp);
	int opt[2] = { TLS_TX, TLS_RX };
	size_t i;

	memset(ulp, 0, sizeof(ulp));
	if (getsockopt(fd, SOL_TCP, TCP_ULP, ulp, &len))
		return -errno;
	if (len < 3 || memcmp(ulp, "tls", 4))
		return -ENOPROTOOPT;
	for (i = 0; i < 2; i++) {
		/* Only the header: a full-size buffer would return the keys. */
		len = sizeof(ci);
		memset(&ci, 0, sizeof(ci));
		if (getsockopt(fd, SOL_TLS, opt[i], &ci, &len))
			return -errno;	/* EBUSY: that direction was never set */
		if (len != sizeof(ci) || ci.version != TLS_1_3_VERSION || !ci.cipher_type)
			return -EPROTO;
	}
	return 0;
}

int (*kernel_tls_probe)(int fd) = tls_probe;

bool kernel_tls_installed(int fd)
{
	return fd >= 0 && kernel_tls_probe(fd) == 0;
}

int kernel_done(struct kernel *k, const struct ktls_done *done)
{
	return ktls_nl_done(k->req, done);
}

int kernel_peer_key(int fd, struct rq_peer *key)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	/*
	 * The socket the kernel passed with ACCEPT: already connected. A
	 * peer gone since (ENOTCONN), or a socket that is not IP, shares
	 * the one "unknown" key, which competes as one peer.
	 */
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
		memset(key, 0, sizeof(*key));
		return -1;
	}
	return rq_peer_from_sockaddr(&ss, len, key);
}
