// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel TLS installation (KERNEL-INTERFACE.md §2): the TLS 1.3 traffic
 * keys of each direction become a crypto_info structure of the exact size
 * the kernel expects for the cipher (salt = write_iv[0..3] and iv =
 * write_iv[4..11] for GCM/CCM, iv = all 12 bytes and no salt for
 * ChaCha20-Poly1305, rec_seq big-endian), then the socket gets the "tls"
 * ULP, the optional record size limit, TLS_TX and TLS_RX, in that order.
 *
 * Every crypto_info lives on our stack only for the call and is wiped on
 * every path. setsockopt() is reached through a function pointer that
 * tests replace to capture the bytes (s2n-tls does the same).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4(), explicit_bzero() */
#endif

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "ktls.h"

static int default_setsockopt(int fd, int level, int optname,
			      const void *optval, socklen_t optlen)
{
	return setsockopt(fd, level, optname, optval, optlen);
}

static ktls_glue_setsockopt_fn do_setsockopt = default_setsockopt;

/* setsockopt() failed: its errno, never 0 (a fake may forget to set it). */
static int sockopt_error(void)
{
	return errno > 0 ? -errno : -EIO;
}

/**
 * ktls_glue_set_setsockopt() - replace the setsockopt() used by this file
 * @fn: replacement with setsockopt()'s contract (0, or -1 and errno);
 *	NULL restores the real setsockopt()
 *
 * Meant for tests. Not thread-safe.
 *
 * Return: the previous function.
 */
ktls_glue_setsockopt_fn ktls_glue_set_setsockopt(ktls_glue_setsockopt_fn fn)
{
	ktls_glue_setsockopt_fn old = do_setsockopt;

	do_setsockopt = fn ? fn : default_setsockopt;
	return old;
}

/**
 * ktls_glue_cipher_bit() - KTLS_GLUE_* bit for an IANA cipher suite
 * @cipher_suite: 0x1301..0x1304
 *
 * Return: the bit, or 0 for a suite kernel TLS cannot install.
 */
unsigned int ktls_glue_cipher_bit(uint16_t cipher_suite)
{
	switch (cipher_suite) {
	case 0x1301:
		return KTLS_GLUE_AES_128_GCM;
	case 0x1302:
		return KTLS_GLUE_AES_256_GCM;
	case 0x1303:
		return KTLS_GLUE_CHACHA20_POLY1305;
	case 0x1304:
		return KTLS_GLUE_AES_128_CCM;
	default:
		return 0;
	}
}

static void put_be64(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

/**
 * ktls_glue_crypto_info() - build the kernel's crypto_info for one direction
 * @keys: traffic keys of that direction
 * @ci: filled in (and zeroed first); secret, wipe after use
 * @len: set to the size to pass to setsockopt(): 40 for AES-128-GCM and
 *	AES-128-CCM, 56 for AES-256-GCM and ChaCha20-Poly1305
 *
 * Return: 0; -EOPNOTSUPP for a suite kernel TLS cannot install; -EINVAL
 * if @keys->key_len does not match the suite.
 */
int ktls_glue_crypto_info(const struct ktls_glue_keys *keys,
			  union ktls_crypto_info *ci, socklen_t *len)
{
	struct ktls_crypto_info_aes_gcm_128 *g128 = &ci->aes_gcm_128;
	struct ktls_crypto_info_aes_gcm_256 *g256 = &ci->aes_gcm_256;
	struct ktls_crypto_info_aes_ccm_128 *c128 = &ci->aes_ccm_128;
	struct ktls_crypto_info_chacha20_poly1305 *cc = &ci->chacha20_poly1305;

	memset(ci, 0, sizeof(*ci));
	*len = 0;
	ci->info.version = TLS_1_3_VERSION;

	switch (keys->cipher_suite) {
	case 0x1301:
		if (keys->key_len != sizeof(g128->key))
			return -EINVAL;
		ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
		memcpy(g128->salt, keys->iv, sizeof(g128->salt));
		memcpy(g128->iv, keys->iv + sizeof(g128->salt), sizeof(g128->iv));
		memcpy(g128->key, keys->key, sizeof(g128->key));
		put_be64(g128->rec_seq, keys->seq);
		*len = sizeof(*g128);
		break;
	case 0x1302:
		if (keys->key_len != sizeof(g256->key))
			return -EINVAL;
		ci->info.cipher_type = TLS_CIPHER_AES_GCM_256;
		memcpy(g256->salt, keys->iv, sizeof(g256->salt));
		memcpy(g256->iv, keys->iv + sizeof(g256->salt), sizeof(g256->iv));
		memcpy(g256->key, keys->key, sizeof(g256->key));
		put_be64(g256->rec_seq, keys->seq);
		*len = sizeof(*g256);
		break;
	case 0x1303:
		if (keys->key_len != sizeof(cc->key))
			return -EINVAL;
		ci->info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
		memcpy(cc->iv, keys->iv, sizeof(cc->iv));
		memcpy(cc->key, keys->key, sizeof(cc->key));
		put_be64(cc->rec_seq, keys->seq);
		*len = sizeof(*cc);
		break;
	case 0x1304:
		if (keys->key_len != sizeof(c128->key))
			return -EINVAL;
		ci->info.cipher_type = TLS_CIPHER_AES_CCM_128;
		memcpy(c128->salt, keys->iv, sizeof(c128->salt));
		memcpy(c128->iv, keys->iv + sizeof(c128->salt), sizeof(c128->iv));
		memcpy(c128->key, keys->key, sizeof(c128->key));
		put_be64(c128->rec_seq, keys->seq);
		*len = sizeof(*c128);
		break;
	default:
		memset(ci, 0, sizeof(*ci));
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * ktls_glue_install() - switch a handshaken TCP socket to kernel TLS
 * @fd: the socket (connected, no other ULP)
 * @tx: keys we send with (client: client app keys; server: server's)
 * @rx: keys we receive with
 * @tx_max_payload: TLS_TX_MAX_PAYLOAD_LEN value (the peer's
 *	record_size_limit minus 1 for TLS 1.3), 63..16384; 0 to leave unset
 * @result: if non-NULL, set to KTLS_GLUE_MAX_PAYLOAD_* bits
 *
 * Order: TCP_ULP "tls", TLS_TX_MAX_PAYLOAD_LEN (ENOPROTOOPT means the
 * kernel predates it and is not an error), TLS_TX, TLS_RX. Both
 * crypto_infos are built and checked before the socket is touched. After
 * a failure the socket may be half-programmed; report DONE with EIO, the
 * consumer discards it.
 *
 * Return: 0; -EINVAL for bad arguments or differing suites; -EOPNOTSUPP
 * for an unsupported suite; the setsockopt() errno otherwise.
 */
int ktls_glue_install(int fd, const struct ktls_glue_keys *tx,
		      const struct ktls_glue_keys *rx,
		      unsigned int tx_max_payload, unsigned int *result)
{
	union ktls_crypto_info ci_tx, ci_rx;
	socklen_t len_tx, len_rx;
	uint16_t limit;
	int ret;

	memset(&ci_tx, 0, sizeof(ci_tx));
	memset(&ci_rx, 0, sizeof(ci_rx));
	if (result)
		*result = 0;

	ret = -EINVAL;
	if (fd < 0 || !tx || !rx || tx->cipher_suite != rx->cipher_suite)
		goto out;
	if (tx_max_payload && (tx_max_payload < KTLS_TX_MAX_PAYLOAD_MIN ||
			       tx_max_payload > KTLS_TX_MAX_PAYLOAD_MAX))
		goto out;
	ret = ktls_glue_crypto_info(tx, &ci_tx, &len_tx);
	if (ret)
		goto out;
	ret = ktls_glue_crypto_info(rx, &ci_rx, &len_rx);
	if (ret)
		goto out;

	if (do_setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) < 0) {
		ret = sockopt_error();
		goto out;
	}

	if (tx_max_payload) {
		limit = (uint16_t)tx_max_payload;
		if (do_setsockopt(fd, SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN, &limit,
				  sizeof(limit)) == 0) {
			if (result)
				*result |= KTLS_GLUE_MAX_PAYLOAD_SET;
		} else if (errno == ENOPROTOOPT) {
			if (result)
				*result |= KTLS_GLUE_MAX_PAYLOAD_UNSUPPORTED;
		} else {
			ret = sockopt_error();
			goto out;
		}
	}

	if (do_setsockopt(fd, SOL_TLS, TLS_TX, &ci_tx, len_tx) < 0) {
		ret = sockopt_error();
		goto out;
	}
	if (do_setsockopt(fd, SOL_TLS, TLS_RX, &ci_rx, len_rx) < 0) {
		ret = sockopt_error();
		goto out;
	}
	/*
	 * The socket now carries kernel TLS both ways. Nothing fallible runs
	 * after this point: the only work left is wiping our copies.
	 */
	ret = 0;
out:
	explicit_bzero(&ci_tx, sizeof(ci_tx));
	explicit_bzero(&ci_rx, sizeof(ci_rx));
	return ret;
}

/* A connected loopback TCP pair: *c is the client end, *a the accepted end. */
static int loopback_pair(int lfd, const struct sockaddr_in *sin, int *c,
			 int *a)
{
	int ret;

	*c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*c < 0)
		return -errno;
	if (connect(*c, (const struct sockaddr *)sin, sizeof(*sin)) < 0) {
		ret = -errno;
		close(*c);
		return ret;
	}
	*a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (*a < 0) {
		ret = -errno;
		close(*c);
		return ret;
	}
	return 0;
}

/**
 * ktls_glue_probe_ciphers() - which ciphers can this kernel install?
 * @mask: set to KTLS_GLUE_* bits
 *
 * For each cipher, attaches the "tls" ULP to a fresh loopback TCP
 * connection and tries TLS_TX with an all-zero key. Needs a working
 * loopback interface in our network namespace.
 *
 * Return: 0 (the mask may still be 0); a negative errno if the probe
 * could not run, or if the kernel cannot attach the "tls" ULP at all
 * (no CONFIG_TLS: typically -ENOENT).
 */
int ktls_glue_probe_ciphers(unsigned int *mask)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0x1304 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	int lfd, ret;
	size_t i;

	*mask = 0;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) < 0) {
		ret = -errno;
		goto out;
	}

	ret = 0;
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct ktls_glue_keys keys = { .cipher_suite = suites[i] };
		union ktls_crypto_info ci;
		socklen_t len;
		int c = -1, a = -1;

		keys.key_len = (suites[i] == 0x1301 || suites[i] == 0x1304) ?
				       16 : 32;
		ret = ktls_glue_crypto_info(&keys, &ci, &len);
		if (ret)
			break;
		ret = loopback_pair(lfd, &sin, &c, &a);
		if (ret)
			break;
		if (do_setsockopt(c, IPPROTO_TCP, TCP_ULP, "tls",
				  sizeof("tls")) < 0) {
			ret = sockopt_error();
		} else if (do_setsockopt(c, SOL_TLS, TLS_TX, &ci, len) == 0) {
			*mask |= ktls_glue_cipher_bit(suites[i]);
		}
		close(a);
		close(c);
		if (ret)
			break;
	}
out:
	close(lfd);
	return ret;
}

/**
 * ktls_glue_nagle_save() - turn TCP_NODELAY on for the handshake
 * @fd: the consumer's socket
 * @saved: set to the previous TCP_NODELAY value
 *
 * Handshake flights are small and latency-bound. The socket belongs to
 * the kernel consumer, so ktls_glue_nagle_restore() must put the old value
 * back afterwards (gotcha 18).
 *
 * Return: 0, or a negative errno.
 */
int ktls_glue_nagle_save(int fd, int *saved)
{
	socklen_t len = sizeof(*saved);
	int one = 1;

	*saved = 0;
	if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, saved, &len) < 0)
		return -errno;
	if (do_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return sockopt_error();
	return 0;
}

/**
 * ktls_glue_nagle_restore() - put TCP_NODELAY back as it was
 * @fd: the consumer's socket
 * @saved: value from ktls_glue_nagle_save()
 *
 * Return: 0, or a negative errno.
 */
int ktls_glue_nagle_restore(int fd, int saved)
{
	int val = saved ? 1 : 0;

	if (do_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &val, sizeof(val)) < 0)
		return sockopt_error();
	return 0;
}
