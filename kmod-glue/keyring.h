/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Authentication material from the kernel keyrings: our certificate and
 * private key (DER, by serial), TLS PSKs (type "psk", by serial or by
 * identity inside one keyring), and keeping the consumers' keyrings
 * (.nvme, .nfs, .nfsd and the per-request keyring) reachable without the
 * shared-session-keyring race tlshd has (KERNEL-INTERFACE.md §1.8,
 * gotcha 8).
 *
 * Errors: -ENOKEY missing key, -EKEYREVOKED, -EKEYEXPIRED, -EKEYREJECTED
 * (negative key), -EACCES no permission, -EINVAL wrong key type or bad
 * argument, -EMSGSIZE payload too large or of the wrong size, -ENOMEM.
 */
#ifndef KTLS_GLUE_KEYRING_H
#define KTLS_GLUE_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#ifndef KTLS_GLUE_MUST_CHECK
#define KTLS_GLUE_MUST_CHECK __attribute__((warn_unused_result))
#endif

/* Largest certificate or private key we read from a key (DER). */
#define KTLS_KEY_DER_MAX (64 * 1024)
/* TLS PSKs are 32 or 48 bytes (NVMe); allow any size up to this. */
#define KTLS_KEY_PSK_MAX 64
/* PSK identity, including the NUL (NVMe identities are ~520 bytes). */
#define KTLS_KEY_PSK_IDENTITY_MAX 1024
/* Keyrings ktls_keyring_hold() can track at once. */
#define KTLS_KEYRING_MAX_TRACKED 64

/**
 * struct ktls_key_blob - bytes read from a key; secret, wipe when done
 * @data: malloc'd payload, owned; NULL when empty
 * @len: payload length
 */
struct ktls_key_blob {
	uint8_t *data;
	size_t len;
};

/**
 * struct ktls_keyring_psk - a TLS PSK read from a "psk" key
 * @serial: the key's serial (what DONE reports as REMOTE_AUTH)
 * @key_len: valid bytes in @key
 * @key: the PSK itself; secret
 * @identity: the key's description, i.e. the TLS PSK identity
 */
struct ktls_keyring_psk {
	int32_t serial;
	size_t key_len;
	uint8_t key[KTLS_KEY_PSK_MAX];
	char identity[KTLS_KEY_PSK_IDENTITY_MAX];
};

/* Flags for ktls_keyring_search_psk(). */
enum ktls_keyring_search_flags {
	/* Refuse the kernel's prefix match when no exact match exists. */
	KTLS_KEYRING_EXACT_ONLY = 1u << 0,
};

/* Bits returned by ktls_keyring_link_defaults(). */
enum ktls_keyring_defaults {
	KTLS_KEYRING_NVME = 1u << 0,
	KTLS_KEYRING_NFS = 1u << 1,
	KTLS_KEYRING_NFSD = 1u << 2,
};

KTLS_GLUE_MUST_CHECK
int ktls_keyring_read_cert(int32_t serial, struct ktls_key_blob *out);
KTLS_GLUE_MUST_CHECK
int ktls_keyring_read_privkey(int32_t serial, struct ktls_key_blob *out);
void ktls_key_blob_free(struct ktls_key_blob *blob);

KTLS_GLUE_MUST_CHECK
int ktls_keyring_read_psk(int32_t serial, struct ktls_keyring_psk *psk);
KTLS_GLUE_MUST_CHECK
int ktls_keyring_search_psk(int32_t keyring, const char *identity,
			    unsigned int flags, struct ktls_keyring_psk *psk);
void ktls_keyring_psk_wipe(struct ktls_keyring_psk *psk);

KTLS_GLUE_MUST_CHECK
int ktls_keyring_link_defaults(unsigned int *linked);
KTLS_GLUE_MUST_CHECK
int ktls_keyring_link_named(const char *name, int32_t *serial);
KTLS_GLUE_MUST_CHECK
int ktls_keyring_hold(int32_t keyring);
KTLS_GLUE_MUST_CHECK
int ktls_keyring_take_request(int32_t named, int32_t *held);
void ktls_keyring_release(int32_t keyring);

#endif /* KTLS_GLUE_KEYRING_H */
