/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Installing kernel TLS on a socket once the handshake is done: turn TLS
 * 1.3 traffic keys into the kernel's crypto_info layout, attach the "tls"
 * ULP, optionally set the record size limit, then TLS_TX and TLS_RX. Also
 * a probe of which ciphers this kernel can install, and the TCP_NODELAY
 * save/restore a handshake needs (KERNEL-INTERFACE.md §2, gotcha 18).
 *
 * All setsockopt() calls go through a replaceable function pointer so that
 * tests can capture the exact bytes handed to the kernel.
 */
#ifndef KTLS_GLUE_KTLS_H
#define KTLS_GLUE_KTLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "handshake-uapi.h"

#ifndef KTLS_GLUE_MUST_CHECK
#define KTLS_GLUE_MUST_CHECK __attribute__((warn_unused_result))
#endif

#define KTLS_GLUE_KEY_MAX 32
#define KTLS_GLUE_IV_LEN 12

/**
 * struct ktls_glue_keys - one direction's TLS 1.3 application traffic keys
 * @cipher_suite: IANA value: 0x1301 TLS_AES_128_GCM_SHA256, 0x1302
 *	TLS_AES_256_GCM_SHA384, 0x1303 TLS_CHACHA20_POLY1305_SHA256, 0x1304
 *	TLS_AES_128_CCM_SHA256
 * @key: traffic key; secret
 * @key_len: 16 or 32, must match @cipher_suite
 * @iv: the full 12-byte TLS 1.3 write_iv
 * @seq: records already protected with this key (normally 0)
 */
struct ktls_glue_keys {
	uint16_t cipher_suite;
	uint8_t key[KTLS_GLUE_KEY_MAX];
	size_t key_len;
	uint8_t iv[KTLS_GLUE_IV_LEN];
	uint64_t seq;
};

/* Cipher bits reported by ktls_glue_probe_ciphers(). */
enum ktls_glue_cipher_bits {
	KTLS_GLUE_AES_128_GCM = 1u << 0,
	KTLS_GLUE_AES_256_GCM = 1u << 1,
	KTLS_GLUE_CHACHA20_POLY1305 = 1u << 2,
	KTLS_GLUE_AES_128_CCM = 1u << 3,
	KTLS_GLUE_ALL_CIPHERS = 0xfu,
};

/* Bits in ktls_glue_install()'s @result. */
enum ktls_glue_install_result {
	/* TLS_TX_MAX_PAYLOAD_LEN was set. */
	KTLS_GLUE_MAX_PAYLOAD_SET = 1u << 0,
	/* The kernel lacks TLS_TX_MAX_PAYLOAD_LEN (ENOPROTOOPT); not an error. */
	KTLS_GLUE_MAX_PAYLOAD_UNSUPPORTED = 1u << 1,
};

typedef int (*ktls_glue_setsockopt_fn)(int fd, int level, int optname,
				       const void *optval, socklen_t optlen);

ktls_glue_setsockopt_fn ktls_glue_set_setsockopt(ktls_glue_setsockopt_fn fn);

unsigned int ktls_glue_cipher_bit(uint16_t cipher_suite);
KTLS_GLUE_MUST_CHECK
int ktls_glue_crypto_info(const struct ktls_glue_keys *keys,
			  union ktls_crypto_info *ci, socklen_t *len);
KTLS_GLUE_MUST_CHECK
int ktls_glue_install(int fd, const struct ktls_glue_keys *tx,
		      const struct ktls_glue_keys *rx,
		      unsigned int tx_max_payload, unsigned int *result);
KTLS_GLUE_MUST_CHECK
int ktls_glue_probe_ciphers(unsigned int *mask);
KTLS_GLUE_MUST_CHECK
int ktls_glue_nagle_save(int fd, int *saved);
KTLS_GLUE_MUST_CHECK
int ktls_glue_nagle_restore(int fd, int saved);

#endif /* KTLS_GLUE_KTLS_H */
