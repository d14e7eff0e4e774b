/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Our own copy of the kernel interfaces ktlsd talks to: the generic netlink
 * "handshake" family (include/uapi/linux/handshake.h plus the attributes
 * that later kernels and the nfsd tree added) and the kernel TLS socket
 * options and crypto_info layouts (include/uapi/linux/tls.h).
 *
 * The handshake names carry a KTLS_ prefix so that this header never clashes
 * with a system <linux/handshake.h> of any vintage: numbers are fixed by the
 * kernel ABI (KERNEL-INTERFACE.md §1, §2). The kTLS names are the
 * kernel's own, defined only when the system headers lack them. The
 * crypto_info structures are ours (KTLS_ prefix) with the exact kernel
 * layout, checked by static assertions, so that ciphers newer than the
 * build host's headers can still be installed.
 */
#ifndef KTLS_HANDSHAKE_UAPI_H
#define KTLS_HANDSHAKE_UAPI_H

#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#if defined(__has_include)
#if __has_include(<linux/tls.h>)
#include <linux/tls.h>
#endif
#endif

/* ---- generic netlink family "handshake" (§1.1, §1.2) ---- */

#define KTLS_HANDSHAKE_FAMILY_NAME "handshake"
#define KTLS_HANDSHAKE_FAMILY_VERSION 1
#define KTLS_HANDSHAKE_MCGRP_NONE "none"
#define KTLS_HANDSHAKE_MCGRP_TLSHD "tlshd"

enum ktls_handshake_handler_class {
	KTLS_HANDSHAKE_HANDLER_CLASS_NONE = 0,
	KTLS_HANDSHAKE_HANDLER_CLASS_TLSHD = 1,
	KTLS_HANDSHAKE_HANDLER_CLASS_MAX = 2,
};

enum ktls_handshake_msg_type {
	KTLS_HANDSHAKE_MSG_TYPE_UNSPEC = 0,
	KTLS_HANDSHAKE_MSG_TYPE_CLIENTHELLO = 1,
	KTLS_HANDSHAKE_MSG_TYPE_SERVERHELLO = 2,
	/* Proposed (KeyUpdate series), not upstream. */
	KTLS_HANDSHAKE_MSG_TYPE_CLIENTKEYUPDATE = 3,
	KTLS_HANDSHAKE_MSG_TYPE_SERVERKEYUPDATE = 4,
};

enum ktls_handshake_auth {
	KTLS_HANDSHAKE_AUTH_UNSPEC = 0,
	KTLS_HANDSHAKE_AUTH_UNAUTH = 1,
	KTLS_HANDSHAKE_AUTH_PSK = 2,
	KTLS_HANDSHAKE_AUTH_X509 = 3,
};

enum ktls_handshake_cmd {
	KTLS_HANDSHAKE_CMD_READY = 1,
	KTLS_HANDSHAKE_CMD_ACCEPT = 2,
	KTLS_HANDSHAKE_CMD_DONE = 3,
	KTLS_HANDSHAKE_CMD_MAX = KTLS_HANDSHAKE_CMD_DONE,
};

/* ---- attribute sets (§1.3) ---- */

/* "x509": nested inside ACCEPT CERTIFICATE. */
enum ktls_handshake_a_x509 {
	KTLS_HANDSHAKE_A_X509_CERT = 1,		/* s32 key serial */
	KTLS_HANDSHAKE_A_X509_PRIVKEY = 2,	/* s32 key serial */
	KTLS_HANDSHAKE_A_X509_MAX = KTLS_HANDSHAKE_A_X509_PRIVKEY,
};

/* "accept": the request carries HANDLER_CLASS, the reply the rest. */
enum ktls_handshake_a_accept {
	KTLS_HANDSHAKE_A_ACCEPT_SOCKFD = 1,		/* s32, always */
	KTLS_HANDSHAKE_A_ACCEPT_HANDLER_CLASS = 2,	/* u32 */
	KTLS_HANDSHAKE_A_ACCEPT_MESSAGE_TYPE = 3,	/* u32, always */
	KTLS_HANDSHAKE_A_ACCEPT_TIMEOUT = 4,		/* u32 ms, optional */
	KTLS_HANDSHAKE_A_ACCEPT_AUTH_MODE = 5,		/* u32, always */
	KTLS_HANDSHAKE_A_ACCEPT_PEER_IDENTITY = 6,	/* u32, multi-attr */
	KTLS_HANDSHAKE_A_ACCEPT_CERTIFICATE = 7,	/* nest "x509" */
	KTLS_HANDSHAKE_A_ACCEPT_PEERNAME = 8,		/* NUL-terminated string */
	KTLS_HANDSHAKE_A_ACCEPT_KEYRING = 9,		/* u32 key serial, v6.17+ */
	KTLS_HANDSHAKE_A_ACCEPT_MAX = KTLS_HANDSHAKE_A_ACCEPT_KEYRING,
};

/* "done": sent by the agent. */
enum ktls_handshake_a_done {
	KTLS_HANDSHAKE_A_DONE_STATUS = 1,	/* u32 positive errno, <= 4095 */
	KTLS_HANDSHAKE_A_DONE_SOCKFD = 2,	/* s32, required */
	KTLS_HANDSHAKE_A_DONE_REMOTE_AUTH = 3,	/* u32, multi-attr */
	KTLS_HANDSHAKE_A_DONE_TAG = 4,		/* string, multi-attr, nfsd tree */
	KTLS_HANDSHAKE_A_DONE_MAX = KTLS_HANDSHAKE_A_DONE_TAG,
};

/* Largest DONE STATUS newer kernels accept (MAX_ERRNO). */
#define KTLS_HANDSHAKE_MAX_ERRNO 4095

/* REMOTE_AUTH sentinel tlshd sends for a verified client certificate. */
#define KTLS_HANDSHAKE_PEERID_VERIFIED 0xffffffffu

/* ---- kernel TLS socket options (§2.1) ---- */

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef TLS_TX
#define TLS_TX 1
#endif
#ifndef TLS_RX
#define TLS_RX 2
#endif
#ifndef TLS_TX_ZEROCOPY_RO
#define TLS_TX_ZEROCOPY_RO 3
#endif
#ifndef TLS_RX_EXPECT_NO_PAD
#define TLS_RX_EXPECT_NO_PAD 4
#endif
#ifndef TLS_TX_MAX_PAYLOAD_LEN
#define TLS_TX_MAX_PAYLOAD_LEN 5
#endif
#ifndef TLS_SET_RECORD_TYPE
#define TLS_SET_RECORD_TYPE 1
#endif
#ifndef TLS_GET_RECORD_TYPE
#define TLS_GET_RECORD_TYPE 2
#endif
#ifndef TLS_1_2_VERSION
#define TLS_1_2_VERSION 0x0303
#endif
#ifndef TLS_1_3_VERSION
#define TLS_1_3_VERSION 0x0304
#endif
#ifndef TLS_CIPHER_AES_GCM_128
#define TLS_CIPHER_AES_GCM_128 51
#endif
#ifndef TLS_CIPHER_AES_GCM_256
#define TLS_CIPHER_AES_GCM_256 52
#endif
#ifndef TLS_CIPHER_AES_CCM_128
#define TLS_CIPHER_AES_CCM_128 53
#endif
#ifndef TLS_CIPHER_CHACHA20_POLY1305
#define TLS_CIPHER_CHACHA20_POLY1305 54
#endif

/* Record payload limits for TLS_TX_MAX_PAYLOAD_LEN in TLS 1.3 (RFC 8449). */
#define KTLS_TX_MAX_PAYLOAD_MIN 63
#define KTLS_TX_MAX_PAYLOAD_MAX 16384

/* ---- crypto_info layouts (§2.2): info, iv, key, salt, rec_seq ---- */

struct ktls_crypto_info_hdr {
	uint16_t version;
	uint16_t cipher_type;
};

struct ktls_crypto_info_aes_gcm_128 {
	struct ktls_crypto_info_hdr info;
	uint8_t iv[8];
	uint8_t key[16];
	uint8_t salt[4];
	uint8_t rec_seq[8];
};

struct ktls_crypto_info_aes_gcm_256 {
	struct ktls_crypto_info_hdr info;
	uint8_t iv[8];
	uint8_t key[32];
	uint8_t salt[4];
	uint8_t rec_seq[8];
};

struct ktls_crypto_info_aes_ccm_128 {
	struct ktls_crypto_info_hdr info;
	uint8_t iv[8];
	uint8_t key[16];
	uint8_t salt[4];
	uint8_t rec_seq[8];
};

struct ktls_crypto_info_chacha20_poly1305 {
	struct ktls_crypto_info_hdr info;
	uint8_t iv[12];
	uint8_t key[32];
	/* no salt */
	uint8_t rec_seq[8];
};

union ktls_crypto_info {
	struct ktls_crypto_info_hdr info;
	struct ktls_crypto_info_aes_gcm_128 aes_gcm_128;
	struct ktls_crypto_info_aes_gcm_256 aes_gcm_256;
	struct ktls_crypto_info_aes_ccm_128 aes_ccm_128;
	struct ktls_crypto_info_chacha20_poly1305 chacha20_poly1305;
};

_Static_assert(sizeof(struct ktls_crypto_info_aes_gcm_128) == 40,
	       "kernel tls12_crypto_info_aes_gcm_128 is 40 bytes");
_Static_assert(sizeof(struct ktls_crypto_info_aes_gcm_256) == 56,
	       "kernel tls12_crypto_info_aes_gcm_256 is 56 bytes");
_Static_assert(sizeof(struct ktls_crypto_info_aes_ccm_128) == 40,
	       "kernel tls12_crypto_info_aes_ccm_128 is 40 bytes");
_Static_assert(sizeof(struct ktls_crypto_info_chacha20_poly1305) == 56,
	       "kernel tls12_crypto_info_chacha20_poly1305 is 56 bytes");

#endif /* KTLS_HANDSHAKE_UAPI_H */
