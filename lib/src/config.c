// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Configuration defaults and the default outside-world ops: libcrypto's
 * RNG, the system clock, and signing in-process.
 */
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "conn.h"

static const uint16_t default_suites[] = {
	KTLS_AES_128_GCM_SHA256,
	KTLS_AES_256_GCM_SHA384,
	KTLS_CHACHA20_POLY1305_SHA256,
	KTLS_AES_128_CCM_SHA256,
};

static const uint16_t default_groups[] = {
	KTLS_GROUP_X25519,
	KTLS_GROUP_SECP256R1,
	KTLS_GROUP_SECP384R1,
	KTLS_GROUP_X448,
	KTLS_GROUP_SECP521R1,
};

static const uint16_t default_sigschemes[] = {
	KTLS_SIG_ECDSA_SECP256R1_SHA256,
	KTLS_SIG_ECDSA_SECP384R1_SHA384,
	KTLS_SIG_ECDSA_SECP521R1_SHA512,
	KTLS_SIG_ED25519,
	KTLS_SIG_ED448,
	KTLS_SIG_RSA_PSS_RSAE_SHA256,
	KTLS_SIG_RSA_PSS_RSAE_SHA384,
	KTLS_SIG_RSA_PSS_RSAE_SHA512,
	KTLS_SIG_RSA_PSS_PSS_SHA256,
	KTLS_SIG_RSA_PSS_PSS_SHA384,
	KTLS_SIG_RSA_PSS_PSS_SHA512,
};

#define COPY_LIST(dst, n, src)                            \
	do {                                              \
		memcpy(dst, src, sizeof(src));            \
		n = sizeof(src) / sizeof(src[0]);         \
	} while (0)

void ktls_config_init(struct ktls_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	COPY_LIST(cfg->suites, cfg->n_suites, default_suites);
	COPY_LIST(cfg->groups, cfg->n_groups, default_groups);
	COPY_LIST(cfg->sigschemes, cfg->n_sigschemes, default_sigschemes);
	cfg->key_shares = 1;
	cfg->security_level = KTLS_SECURITY_LEVEL_DEFAULT;
}

static int default_random(void *ctx, uint8_t *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : KTLS_E_CRYPTO;
}

static int64_t default_now(void *ctx)
{
	return (int64_t)time(NULL);
}

const struct ktls_ops ktls_default_ops = {
	.ctx = NULL,
	.random = default_random,
	.now = default_now,
	.sign = NULL,
	.sign_hash = NULL,
};
