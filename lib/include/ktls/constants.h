/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IANA code points libktls speaks: protocol versions, cipher suites, named
 * groups, signature schemes, alerts, handshake message types and extension
 * types (RFC 8446 §4 and §B.3, RFC 8449, RFC 7301). Name tables for each are
 * in names.c and declared at the end of this header.
 */
#ifndef KTLS_CONSTANTS_H
#define KTLS_CONSTANTS_H

#include <stddef.h>
#include <stdint.h>

#define KTLS_VERSION_TLS12 0x0303
#define KTLS_VERSION_TLS13 0x0304

/* Cipher suites: everything kernel TLS can install for TLS 1.3. */
#define KTLS_AES_128_GCM_SHA256 0x1301
#define KTLS_AES_256_GCM_SHA384 0x1302
#define KTLS_CHACHA20_POLY1305_SHA256 0x1303
#define KTLS_AES_128_CCM_SHA256 0x1304

/* Named groups (RFC 8446 §4.2.7, RFC 7919). */
#define KTLS_GROUP_SECP256R1 0x0017
#define KTLS_GROUP_SECP384R1 0x0018
#define KTLS_GROUP_SECP521R1 0x0019
#define KTLS_GROUP_X25519 0x001d
#define KTLS_GROUP_X448 0x001e
#define KTLS_GROUP_FFDHE2048 0x0100
#define KTLS_GROUP_FFDHE3072 0x0101

/* Signature schemes (RFC 8446 §4.2.3). */
#define KTLS_SIG_RSA_PKCS1_SHA256 0x0401
#define KTLS_SIG_RSA_PKCS1_SHA384 0x0501
#define KTLS_SIG_RSA_PKCS1_SHA512 0x0601
#define KTLS_SIG_ECDSA_SECP256R1_SHA256 0x0403
#define KTLS_SIG_ECDSA_SECP384R1_SHA384 0x0503
#define KTLS_SIG_ECDSA_SECP521R1_SHA512 0x0603
#define KTLS_SIG_RSA_PSS_RSAE_SHA256 0x0804
#define KTLS_SIG_RSA_PSS_RSAE_SHA384 0x0805
#define KTLS_SIG_RSA_PSS_RSAE_SHA512 0x0806
#define KTLS_SIG_ED25519 0x0807
#define KTLS_SIG_ED448 0x0808
#define KTLS_SIG_RSA_PSS_PSS_SHA256 0x0809
#define KTLS_SIG_RSA_PSS_PSS_SHA384 0x080a
#define KTLS_SIG_RSA_PSS_PSS_SHA512 0x080b
#define KTLS_SIG_RSA_PKCS1_SHA1 0x0201
#define KTLS_SIG_ECDSA_SHA1 0x0203

/* Record content types (RFC 8446 §5.1). */
#define KTLS_CT_CHANGE_CIPHER_SPEC 20
#define KTLS_CT_ALERT 21
#define KTLS_CT_HANDSHAKE 22
#define KTLS_CT_APPLICATION_DATA 23

/* Handshake message types (RFC 8446 §4). */
#define KTLS_HS_CLIENT_HELLO 1
#define KTLS_HS_SERVER_HELLO 2
#define KTLS_HS_NEW_SESSION_TICKET 4
#define KTLS_HS_END_OF_EARLY_DATA 5
#define KTLS_HS_ENCRYPTED_EXTENSIONS 8
#define KTLS_HS_CERTIFICATE 11
#define KTLS_HS_CERTIFICATE_REQUEST 13
#define KTLS_HS_CERTIFICATE_VERIFY 15
#define KTLS_HS_FINISHED 20
#define KTLS_HS_KEY_UPDATE 24
#define KTLS_HS_MESSAGE_HASH 254

/* Extension types (RFC 8446 §4.2, RFC 6066, RFC 7301, RFC 8449). */
#define KTLS_EXT_SERVER_NAME 0
#define KTLS_EXT_MAX_FRAGMENT_LENGTH 1
#define KTLS_EXT_STATUS_REQUEST 5
#define KTLS_EXT_SUPPORTED_GROUPS 10
#define KTLS_EXT_SIGNATURE_ALGORITHMS 13
#define KTLS_EXT_USE_SRTP 14
#define KTLS_EXT_HEARTBEAT 15
#define KTLS_EXT_ALPN 16
#define KTLS_EXT_SCT 18
#define KTLS_EXT_CLIENT_CERT_TYPE 19
#define KTLS_EXT_SERVER_CERT_TYPE 20
#define KTLS_EXT_PADDING 21
#define KTLS_EXT_RECORD_SIZE_LIMIT 28
#define KTLS_EXT_PRE_SHARED_KEY 41
#define KTLS_EXT_EARLY_DATA 42
#define KTLS_EXT_SUPPORTED_VERSIONS 43
#define KTLS_EXT_COOKIE 44
#define KTLS_EXT_PSK_KEY_EXCHANGE_MODES 45
#define KTLS_EXT_CERTIFICATE_AUTHORITIES 47
#define KTLS_EXT_OID_FILTERS 48
#define KTLS_EXT_POST_HANDSHAKE_AUTH 49
#define KTLS_EXT_SIGNATURE_ALGORITHMS_CERT 50
#define KTLS_EXT_KEY_SHARE 51

/* PSK key exchange modes (RFC 8446 §4.2.9), as wire values. */
#define KTLS_PSK_KE 0
#define KTLS_PSK_DHE_KE 1

/* Alert descriptions (RFC 8446 §6), as an X-macro: name, value. */
#define KTLS_ALERT_LIST(X)                          \
	X(close_notify, 0)                          \
	X(unexpected_message, 10)                   \
	X(bad_record_mac, 20)                       \
	X(record_overflow, 22)                      \
	X(handshake_failure, 40)                    \
	X(bad_certificate, 42)                      \
	X(unsupported_certificate, 43)              \
	X(certificate_revoked, 44)                  \
	X(certificate_expired, 45)                  \
	X(certificate_unknown, 46)                  \
	X(illegal_parameter, 47)                    \
	X(unknown_ca, 48)                           \
	X(access_denied, 49)                        \
	X(decode_error, 50)                         \
	X(decrypt_error, 51)                        \
	X(protocol_version, 70)                     \
	X(insufficient_security, 71)                \
	X(internal_error, 80)                       \
	X(inappropriate_fallback, 86)               \
	X(user_canceled, 90)                        \
	X(missing_extension, 109)                   \
	X(unsupported_extension, 110)               \
	X(unrecognized_name, 112)                   \
	X(bad_certificate_status_response, 113)     \
	X(unknown_psk_identity, 115)                \
	X(certificate_required, 116)                \
	X(no_application_protocol, 120)

enum ktls_alert {
#define KTLS_ALERT_ENUM(name, value) KTLS_ALERT_##name = value,
	KTLS_ALERT_LIST(KTLS_ALERT_ENUM)
#undef KTLS_ALERT_ENUM
};

/* Hash functions a cipher suite or PSK is bound to. */
enum ktls_hash {
	KTLS_HASH_NONE = 0,
	KTLS_HASH_SHA256 = 1,
	KTLS_HASH_SHA384 = 2,
};

/*
 * Name lookups for logs and the command line. Each returns NULL (or 0 for
 * the reverse lookups; -1 for ktls_alert_from_name, since close_notify is 0)
 * when the value or name is unknown.
 */
const char *ktls_suite_name(uint16_t suite);
const char *ktls_group_name(uint16_t group);
const char *ktls_sigscheme_name(uint16_t scheme);
const char *ktls_alert_name(int alert);
const char *ktls_hs_type_name(int type);
uint16_t ktls_suite_from_name(const char *name);
uint16_t ktls_group_from_name(const char *name);
uint16_t ktls_sigscheme_from_name(const char *name);
int ktls_alert_from_name(const char *name);

/**
 * ktls_parse_list() - parse a comma-separated list of IANA names
 * @list: e.g. "x25519,secp256r1"
 * @lookup: one of the *_from_name functions above
 * @out: array to fill
 * @cap: capacity of @out
 *
 * Return: number of entries written, or -1 with an unknown or surplus name.
 */
int ktls_parse_list(const char *list, uint16_t (*lookup)(const char *),
		    uint16_t *out, size_t cap);

#endif /* KTLS_CONSTANTS_H */
