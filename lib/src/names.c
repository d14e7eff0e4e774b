// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names of the IANA code points in constants.h, for logs, stats and the
 * configuration file: cipher suites, named groups, signature schemes,
 * alerts and handshake message types, the reverse lookups, and
 * ktls_parse_list() for comma-separated configuration values. Names are
 * the registry's (RFC 8446 §B.3); lookups ignore case and accept a few
 * common spellings (OpenSSL's curve names, suites without "TLS_").
 */
#include <string.h>
#include <strings.h>

#include <ktls/constants.h>

struct ktls_name {
	int value;
	const char *name;
};

#define KTLS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The first entry for a value is its canonical name; later ones are aliases. */
static const struct ktls_name ktls_suite_names[] = {
	{ KTLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256" },
	{ KTLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384" },
	{ KTLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256" },
	{ KTLS_AES_128_CCM_SHA256, "TLS_AES_128_CCM_SHA256" },
	{ KTLS_AES_128_GCM_SHA256, "AES_128_GCM_SHA256" },
	{ KTLS_AES_256_GCM_SHA384, "AES_256_GCM_SHA384" },
	{ KTLS_CHACHA20_POLY1305_SHA256, "CHACHA20_POLY1305_SHA256" },
	{ KTLS_AES_128_CCM_SHA256, "AES_128_CCM_SHA256" },
};

static const struct ktls_name ktls_group_names[] = {
	{ KTLS_GROUP_X25519, "x25519" },
	{ KTLS_GROUP_SECP256R1, "secp256r1" },
	{ KTLS_GROUP_SECP384R1, "secp384r1" },
	{ KTLS_GROUP_SECP521R1, "secp521r1" },
	{ KTLS_GROUP_X448, "x448" },
	{ KTLS_GROUP_FFDHE2048, "ffdhe2048" },
	{ KTLS_GROUP_FFDHE3072, "ffdhe3072" },
	{ KTLS_GROUP_SECP256R1, "P-256" },
	{ KTLS_GROUP_SECP384R1, "P-384" },
	{ KTLS_GROUP_SECP521R1, "P-521" },
	{ KTLS_GROUP_SECP256R1, "prime256v1" },
};

static const struct ktls_name ktls_sigscheme_names[] = {
	{ KTLS_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256" },
	{ KTLS_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384" },
	{ KTLS_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512" },
	{ KTLS_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256" },
	{ KTLS_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384" },
	{ KTLS_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512" },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256" },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384" },
	{ KTLS_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512" },
	{ KTLS_SIG_ED25519, "ed25519" },
	{ KTLS_SIG_ED448, "ed448" },
	{ KTLS_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256" },
	{ KTLS_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384" },
	{ KTLS_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512" },
	{ KTLS_SIG_RSA_PKCS1_SHA1, "rsa_pkcs1_sha1" },
	{ KTLS_SIG_ECDSA_SHA1, "ecdsa_sha1" },
};

static const struct ktls_name ktls_alert_names[] = {
#define KTLS_ALERT_NAME(name, value) { value, #name },
	KTLS_ALERT_LIST(KTLS_ALERT_NAME)
#undef KTLS_ALERT_NAME
};

static const struct ktls_name ktls_hs_type_names[] = {
	{ KTLS_HS_CLIENT_HELLO, "client_hello" },
	{ KTLS_HS_SERVER_HELLO, "server_hello" },
	{ KTLS_HS_NEW_SESSION_TICKET, "new_session_ticket" },
	{ KTLS_HS_END_OF_EARLY_DATA, "end_of_early_data" },
	{ KTLS_HS_ENCRYPTED_EXTENSIONS, "encrypted_extensions" },
	{ KTLS_HS_CERTIFICATE, "certificate" },
	{ KTLS_HS_CERTIFICATE_REQUEST, "certificate_request" },
	{ KTLS_HS_CERTIFICATE_VERIFY, "certificate_verify" },
	{ KTLS_HS_FINISHED, "finished" },
	{ KTLS_HS_KEY_UPDATE, "key_update" },
	{ KTLS_HS_MESSAGE_HASH, "message_hash" },
};

static const char *ktls_name_of(const struct ktls_name *t, size_t n, int value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return NULL;
}

/* Return: the value, or -1 when @name is not in the table. */
static int ktls_value_of(const struct ktls_name *t, size_t n, const char *name)
{
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < n; i++)
		if (strcasecmp(t[i].name, name) == 0)
			return t[i].value;
	return -1;
}

/** ktls_suite_name() - IANA name of a cipher suite, or NULL */
const char *ktls_suite_name(uint16_t suite)
{
	return ktls_name_of(ktls_suite_names, KTLS_ARRAY_SIZE(ktls_suite_names),
			    suite);
}

/** ktls_group_name() - name of a named group, or NULL */
const char *ktls_group_name(uint16_t group)
{
	return ktls_name_of(ktls_group_names, KTLS_ARRAY_SIZE(ktls_group_names),
			    group);
}

/** ktls_sigscheme_name() - name of a signature scheme, or NULL */
const char *ktls_sigscheme_name(uint16_t scheme)
{
	return ktls_name_of(ktls_sigscheme_names,
			    KTLS_ARRAY_SIZE(ktls_sigscheme_names), scheme);
}

/** ktls_alert_name() - name of an alert description, or NULL */
const char *ktls_alert_name(int alert)
{
	return ktls_name_of(ktls_alert_names, KTLS_ARRAY_SIZE(ktls_alert_names),
			    alert);
}

/** ktls_hs_type_name() - name of a handshake message type, or NULL */
const char *ktls_hs_type_name(int type)
{
	return ktls_name_of(ktls_hs_type_names,
			    KTLS_ARRAY_SIZE(ktls_hs_type_names), type);
}

/**
 * ktls_suite_from_name() - cipher suite from its name (case ignored)
 * @name: e.g. "TLS_AES_128_GCM_SHA256" (the "TLS_" may be left out)
 *
 * Return: the code point, or 0 when unknown.
 */
uint16_t ktls_suite_from_name(const char *name)
{
	int v = ktls_value_of(ktls_suite_names,
			      KTLS_ARRAY_SIZE(ktls_suite_names), name);

	return v < 0 ? 0 : (uint16_t)v;
}

/**
 * ktls_group_from_name() - named group from its name (case ignored)
 * @name: e.g. "x25519", "secp256r1" (or "P-256", "prime256v1")
 *
 * Return: the code point, or 0 when unknown.
 */
uint16_t ktls_group_from_name(const char *name)
{
	int v = ktls_value_of(ktls_group_names,
			      KTLS_ARRAY_SIZE(ktls_group_names), name);

	return v < 0 ? 0 : (uint16_t)v;
}

/**
 * ktls_sigscheme_from_name() - signature scheme from its name (case ignored)
 * @name: e.g. "rsa_pss_rsae_sha256"
 *
 * Return: the code point, or 0 when unknown.
 */
uint16_t ktls_sigscheme_from_name(const char *name)
{
	int v = ktls_value_of(ktls_sigscheme_names,
			      KTLS_ARRAY_SIZE(ktls_sigscheme_names), name);

	return v < 0 ? 0 : (uint16_t)v;
}

/**
 * ktls_alert_from_name() - alert description from its name (case ignored)
 * @name: e.g. "unknown_ca"
 *
 * close_notify is alert 0, so unlike the other reverse lookups this one
 * cannot use 0 for "unknown".
 *
 * Return: the alert (0..255), or -1 when unknown.
 */
int ktls_alert_from_name(const char *name)
{
	return ktls_value_of(ktls_alert_names, KTLS_ARRAY_SIZE(ktls_alert_names),
			     name);
}

/* Longest item ktls_parse_list() accepts; every known name is shorter. */
#define KTLS_LIST_ITEM_MAX 64

/**
 * ktls_parse_list() - parse a comma-separated list of IANA names
 * @list: e.g. "x25519, secp256r1"
 * @lookup: one of the *_from_name functions (0 means unknown)
 * @out: array to fill, in the order given
 * @cap: capacity of @out
 *
 * Spaces and tabs around each item are ignored. An empty list, an empty
 * item, an unknown name, a name given twice (it would, for example, make a
 * client offer two key shares for one group, RFC 8446 §4.2.8) and more
 * than @cap items are all rejected. @out may be written to even on failure.
 *
 * Return: number of entries written, or -1.
 */
int ktls_parse_list(const char *list, uint16_t (*lookup)(const char *),
		    uint16_t *out, size_t cap)
{
	char item[KTLS_LIST_ITEM_MAX + 1];
	const char *p, *start, *end;
	size_t n = 0, len, i;
	uint16_t v;

	if (!list || !lookup || (cap && !out))
		return -1;
	p = list;
	for (;;) {
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		len = (size_t)(end - start);
		if (len == 0 || len > KTLS_LIST_ITEM_MAX || n >= cap)
			return -1;
		memcpy(item, start, len);
		item[len] = '\0';
		v = lookup(item);
		if (v == 0)
			return -1;
		for (i = 0; i < n; i++)
			if (out[i] == v)
				return -1;
		out[n++] = v;
		if (*p == '\0')
			break;
		p++;	/* the comma; an item must follow it */
	}
	return (int)n;
}
