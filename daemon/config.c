// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reads ktlsd's configuration file into struct kcfg (config.h).
 *
 * The syntax is the subset of GLib's key-file format that tlshd's files
 * use, read by a small line-based reader of our own rather than libinih:
 * the libinih that distributions ship (r56) gives the handler no line
 * number, cuts lines at 200 bytes (a certificate path may be longer),
 * treats " ;" inside a value as a comment (';' separates GLib list items)
 * and joins indented lines, none of which GLib does. So: one setting per
 * line, "[group]", "key = value", comments are lines starting with '#'
 * (or ';'), whitespace around keys and values is dropped, values take
 * GLib's escapes (\s \t \n \r \\, and \; inside lists), the last of two
 * equal keys wins and a group may appear twice.
 *
 * Which groups and keys exist, and how strict we are about them, is the
 * table kcfg_keys[]. The same file is read in one of two modes (see
 * kcfg_load() and ktlsd.conf(5)): ktlsd's own, where every mistake is an
 * error with its line, and tlshd compatibility, which is as forgiving as
 * tlshd's g_key_file_get_*() calls are, but says what it forgave.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ktls/constants.h>
#include <ktls/ktls.h>

#include "config.h"

/* The daemon copies our policy lists into struct ktls_config. */
_Static_assert(KCFG_LIST_MAX <= KTLS_MAX_LIST, "policy list too long");

#define KCFG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define KCFG_TIMEOUT_MAX_MS 3600000	/* one hour */

enum kcfg_group {
	KG_NONE = 0,	/* before the first group header */
	KG_UNKNOWN,	/* compatibility mode: skipped */
	KG_DEBUG,
	KG_AUTH,
	KG_CLIENT,
	KG_SERVER,
	KG_KTLSD,
};

static const char *const kcfg_group_names[] = {
	[KG_DEBUG] = "debug",
	[KG_AUTH] = "authenticate",
	[KG_CLIENT] = "authenticate.client",
	[KG_SERVER] = "authenticate.server",
	[KG_KTLSD] = "ktlsd",
};

#define KG_BIT(g) (1u << (g))
#define KG_ROLES (KG_BIT(KG_CLIENT) | KG_BIT(KG_SERVER))

enum kcfg_type {
	KT_DEBUG_INT,	/* tlshd integer; bad reads as 0 in compatibility mode */
	KT_UINT,	/* ktlsd integer within [min, max] */
	KT_BOOL,
	KT_FILE,	/* readable file; "" = unset */
	KT_KEY_FILE,	/* KT_FILE that must not be a key URL */
	KT_USER,
	KT_SOCKET,
	KT_KEYRINGS,
	KT_SUITES,
	KT_GROUPS,
	KT_SIGSCHEMES,
};

struct kcfg_key {
	unsigned int groups;	/* KG_BIT()s of the groups it belongs to */
	const char *name;
	enum kcfg_type type;
	bool ktlsd_only;	/* checked strictly in both modes */
	bool in_role;		/* offset is in struct kcfg_role */
	size_t offset;
	size_t size;
	size_t count_offset;	/* policy lists: their n_* field */
	long min, max;		/* integers */
};

#define AT_CFG(f) \
	.offset = offsetof(struct kcfg, f), .size = sizeof(((struct kcfg *)0)->f)
#define AT_ROLE(f)                                  \
	.in_role = true,                            \
	.offset = offsetof(struct kcfg_role, f),    \
	.size = sizeof(((struct kcfg_role *)0)->f)
#define AT_LIST(f, n) AT_CFG(f), .count_offset = offsetof(struct kcfg, n)

static const struct kcfg_key kcfg_keys[] = {
	/* tlshd's [debug]: GLib integers, 0 when missing or bad */
	{ KG_BIT(KG_DEBUG), "loglevel", KT_DEBUG_INT, AT_CFG(loglevel),
	  .min = 0, .max = INT_MAX },
	{ KG_BIT(KG_DEBUG), "tls", KT_DEBUG_INT, AT_CFG(tls_debug),
	  .min = 0, .max = INT_MAX },
	{ KG_BIT(KG_DEBUG), "nl", KT_DEBUG_INT, AT_CFG(nl_debug),
	  .min = 0, .max = INT_MAX },
	{ KG_BIT(KG_DEBUG), "delay_done", KT_DEBUG_INT, AT_CFG(delay_done),
	  .min = 0, .max = INT_MAX },

	/* tlshd's [authenticate] */
	{ KG_BIT(KG_AUTH), "keyrings", KT_KEYRINGS, .ktlsd_only = false },
	/* ... and ours there: it is about authentication, in either mode */
	{ KG_BIT(KG_AUTH), "security_level", KT_UINT, true,
	  AT_CFG(security_level), .min = 0, .max = KTLS_SECURITY_LEVEL_MAX },

	/* tlshd's [authenticate.client] and [authenticate.server] */
	{ KG_ROLES, "x509.truststore", KT_FILE, AT_ROLE(truststore) },
	{ KG_ROLES, "x509.crl", KT_FILE, AT_ROLE(crl) },
	{ KG_ROLES, "x509.certificate", KT_FILE, AT_ROLE(certificate) },
	{ KG_ROLES, "x509.private_key", KT_KEY_FILE, AT_ROLE(private_key) },
	{ KG_ROLES, "x509.pq.certificate", KT_FILE, AT_ROLE(pq_certificate) },
	{ KG_ROLES, "x509.pq.private_key", KT_KEY_FILE,
	  AT_ROLE(pq_private_key) },

	/* ktlsd's additions */
	{ KG_BIT(KG_SERVER), "x509.require_client_cert", KT_BOOL, true,
	  AT_ROLE(require_client_cert) },
	{ KG_BIT(KG_KTLSD), "max_inflight", KT_UINT, true,
	  AT_CFG(max_inflight), .min = 1, .max = KCFG_MAX_INFLIGHT },
	{ KG_BIT(KG_KTLSD), "workers", KT_UINT, true,
	  AT_CFG(workers), .min = 0, .max = KCFG_MAX_WORKERS },
	{ KG_BIT(KG_KTLSD), "user", KT_USER, true, AT_CFG(user) },
	{ KG_BIT(KG_KTLSD), "stats_socket", KT_SOCKET, true,
	  AT_CFG(stats_socket) },
	{ KG_BIT(KG_KTLSD), "cipher_suites", KT_SUITES, true,
	  AT_LIST(suites, n_suites) },
	{ KG_BIT(KG_KTLSD), "groups", KT_GROUPS, true,
	  AT_LIST(groups, n_groups) },
	{ KG_BIT(KG_KTLSD), "signature_algorithms", KT_SIGSCHEMES, true,
	  AT_LIST(sigschemes, n_sigschemes) },
	{ KG_BIT(KG_KTLSD), "timeout_client_ms", KT_UINT, true,
	  AT_CFG(timeout_client_ms), .min = 1, .max = KCFG_TIMEOUT_MAX_MS },
	{ KG_BIT(KG_KTLSD), "timeout_server_ms", KT_UINT, true,
	  AT_CFG(timeout_server_ms), .min = 1, .max = KCFG_TIMEOUT_MAX_MS },
	{ KG_BIT(KG_KTLSD), "timeout_psk_ms", KT_UINT, true,
	  AT_CFG(timeout_psk_ms), .min = 1, .max = KCFG_TIMEOUT_MAX_MS },

	/* --- budgets a flood cannot take (the monitor's) --- */
	{ KG_BIT(KG_KTLSD), "max_server_inflight", KT_UINT, true,
	  AT_CFG(max_server_inflight), .min = 1, .max = KCFG_MAX_INFLIGHT },
	{ KG_BIT(KG_KTLSD), "max_server_queued", KT_UINT, true,
	  AT_CFG(max_server_queued), .min = 0, .max = KCFG_MAX_INFLIGHT },
	{ KG_BIT(KG_KTLSD), "stats_group", KT_USER, true, AT_CFG(stats_group) },
	/* --- end of budgets --- */

	/* --- control socket (ktlsctl; docs/control-protocol.md) --- */
	/* stats_socket and stats_group are these keys' former names. */
	{ KG_BIT(KG_KTLSD), "control_socket", KT_SOCKET, true, AT_CFG(stats_socket) },
	{ KG_BIT(KG_KTLSD), "control_group", KT_USER, true, AT_CFG(stats_group) },
	/* --- end of control socket --- */
	/* --- per-peer fairness (requests.c) --- */
	{ KG_BIT(KG_KTLSD), "max_server_inflight_per_peer", KT_UINT, true,
	  AT_CFG(max_server_inflight_per_peer), .min = 0, .max = KCFG_MAX_INFLIGHT },
	/* --- end of per-peer fairness --- */
};

/*
 * Policy lists: the names libktls knows, minus those ktlsd refuses. The
 * refusals follow what the engine can do: it offers no finite-field
 * groups, and RSA PKCS#1 v1.5 and SHA-1 schemes may not sign a TLS 1.3
 * handshake (RFC 8446 §4.2.3), so listing them could only break peers.
 */
static const char *kcfg_refuse_suite(uint16_t v)
{
	return NULL;	/* kernel TLS installs all four TLS 1.3 suites */
}

static const char *kcfg_refuse_group(uint16_t v)
{
	switch (v) {
	case KTLS_GROUP_X25519:
	case KTLS_GROUP_SECP256R1:
	case KTLS_GROUP_SECP384R1:
	case KTLS_GROUP_X448:
	case KTLS_GROUP_SECP521R1:
		return NULL;
	default:
		return "ktlsd offers only elliptic-curve groups";
	}
}

static const char *kcfg_refuse_sigscheme(uint16_t v)
{
	switch (v) {
	case KTLS_SIG_ECDSA_SECP256R1_SHA256:
	case KTLS_SIG_ECDSA_SECP384R1_SHA384:
	case KTLS_SIG_ECDSA_SECP521R1_SHA512:
	case KTLS_SIG_ED25519:
	case KTLS_SIG_ED448:
	case KTLS_SIG_RSA_PSS_RSAE_SHA256:
	case KTLS_SIG_RSA_PSS_RSAE_SHA384:
	case KTLS_SIG_RSA_PSS_RSAE_SHA512:
	case KTLS_SIG_RSA_PSS_PSS_SHA256:
	case KTLS_SIG_RSA_PSS_PSS_SHA384:
	case KTLS_SIG_RSA_PSS_PSS_SHA512:
		return NULL;
	default:
		return "TLS 1.3 handshakes may not be signed with it "
		       "(RFC 8446 section 4.2.3)";
	}
}

struct kcfg_policy {
	const char *noun;
	uint16_t (*lookup)(const char *name);
	const char *(*name)(uint16_t v);
	const char *(*refuse)(uint16_t v);
};

static const struct kcfg_policy kcfg_policies[] = {
	[KT_SUITES - KT_SUITES] = { "cipher suite", ktls_suite_from_name,
				    ktls_suite_name, kcfg_refuse_suite },
	[KT_GROUPS - KT_SUITES] = { "group", ktls_group_from_name,
				    ktls_group_name, kcfg_refuse_group },
	[KT_SIGSCHEMES - KT_SUITES] = { "signature algorithm",
					ktls_sigscheme_from_name,
					ktls_sigscheme_name,
					kcfg_refuse_sigscheme },
};

/* Where kcfg_load(NULL) looks, in this order; see kcfg_set_search_paths(). */
enum { KS_KTLSD, KS_TLSHD_LEGACY, KS_TLSHD, KS_COUNT };

static char kcfg_search[KS_COUNT][KCFG_PATH_MAX] = {
	[KS_KTLSD] = KCFG_DEFAULT_PATH,
	[KS_TLSHD_LEGACY] = KCFG_TLSHD_LEGACY_PATH,
	[KS_TLSHD] = KCFG_TLSHD_PATH,
};

/* O_NONBLOCK: a FIFO at the path must not hang us; fstat() refuses it. */
#define KCFG_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

struct kcfg_parser {
	struct kcfg *cfg;
	const char *file;
	unsigned int line;	/* 0 before the first line */
	enum kcfg_group group;
	bool compat;
	char *err;
};

static void kcfg_vformat(const struct kcfg_parser *p, char *out,
			 const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void kcfg_vformat(const struct kcfg_parser *p, char *out,
			 const char *fmt, va_list ap)
{
	int n;

	if (p->line)
		n = snprintf(out, KCFG_ERR_MAX, "%s:%u: ", p->file, p->line);
	else
		n = snprintf(out, KCFG_ERR_MAX, "%s: ", p->file);
	/* A long message is cut short; that is fine. */
	if (n >= 0 && n < KCFG_ERR_MAX)
		vsnprintf(out + n, KCFG_ERR_MAX - (size_t)n, fmt, ap);
}

static int kcfg_error(struct kcfg_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int kcfg_error(struct kcfg_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kcfg_vformat(p, p->err, fmt, ap);
	va_end(ap);
	return -1;
}

static void kcfg_warn(struct kcfg_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void kcfg_warn(struct kcfg_parser *p, const char *fmt, ...)
{
	struct kcfg *cfg = p->cfg;
	va_list ap;

	if (cfg->n_warnings >= KCFG_MAX_WARNINGS) {
		cfg->n_warnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	kcfg_vformat(p, cfg->warnings[cfg->n_warnings++], fmt, ap);
	va_end(ap);
}

/* Strip ASCII whitespace (GLib's g_ascii_isspace) from both ends, in place. */
static char *kcfg_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

enum {
	KCFG_UNESC_BAD = -1,	/* an escape GLib rejects */
	KCFG_UNESC_LONG = -2,	/* does not fit in @cap */
};

/*
 * kcfg_unescape() - copy one GLib string value, undoing its escapes
 * @in: the value; on return, just past the text used (and past a @stop)
 * @out: where to write, NUL-terminated
 * @cap: size of @out
 * @stop: an unescaped character that ends the item (';' for lists), or 0
 *
 * Return: 0, KCFG_UNESC_BAD or KCFG_UNESC_LONG.
 */
static int kcfg_unescape(const char **in, char *out, size_t cap, char stop)
{
	const char *s = *in;
	size_t n = 0;
	char c;

	for (; *s && !(stop && *s == stop); s++) {
		c = *s;
		if (c == '\\') {
			s++;
			switch (*s) {
			case 's': c = ' '; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '\\': c = '\\'; break;
			default:
				if (!stop || *s != stop)
					return KCFG_UNESC_BAD;
				c = stop;
			}
		}
		if (n + 1 >= cap)
			return KCFG_UNESC_LONG;
		out[n++] = c;
	}
	out[n] = '\0';
	if (stop && *s == stop)
		s++;
	*in = s;
	return 0;
}

/* A whole decimal int. @loose allows trailing text after a space (GLib). */
static int kcfg_parse_int(const char *s, bool loose, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s) && *s != '-' && *s != '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < INT_MIN || v > INT_MAX)
		return -1;
	if (*end && !(loose && isspace((unsigned char)*end)))
		return -1;
	*out = v;
	return 0;
}

static int kcfg_parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "true") || !strcmp(s, "1")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(s, "false") || !strcmp(s, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* tlshd's test for a GnuTLS key URL: an RFC 3986 scheme, then ':'. */
static size_t kcfg_url_scheme_len(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i]; i++) {
		if (s[i] == ':')
			return i;
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	}
	return 0;
}

static int kcfg_set_int(struct kcfg_parser *p, const struct kcfg_key *k,
			void *field, const char *value, bool strict)
{
	long v;

	if (strict) {
		if (kcfg_parse_int(value, false, &v) || v < k->min ||
		    v > k->max)
			return kcfg_error(p, "%s: \"%s\" is not an integer from %ld to %ld",
					  k->name, value, k->min, k->max);
	} else if (kcfg_parse_int(value, true, &v)) {
		/* g_key_file_get_integer() fails and tlshd uses 0. */
		kcfg_warn(p, "%s: \"%s\" is not an integer; read as 0, as tlshd does",
			  k->name, value);
		v = 0;
	} else if (v < 0) {
		v = 0;	/* tlshd treats a negative level or delay as 0 */
	}
	if (k->type == KT_UINT)
		*(unsigned int *)field = (unsigned int)v;
	else
		*(int *)field = (int)v;
	return 0;
}

static int kcfg_set_file(struct kcfg_parser *p, const struct kcfg_key *k,
			 char *field, const char *value, bool strict)
{
	char path[KCFG_LINE_MAX + 1];
	const char *in = value;
	size_t scheme;
	int ret;

	ret = kcfg_unescape(&in, path, sizeof(path), 0);
	if (ret == KCFG_UNESC_BAD) {
		if (strict)
			return kcfg_error(p, "%s: invalid escape sequence",
					  k->name);
		/* g_key_file_get_string() fails: tlshd sees no setting. */
		kcfg_warn(p, "%s: invalid escape sequence; setting ignored, as tlshd does",
			  k->name);
		return 0;
	}
	if (ret || strlen(path) >= k->size)
		return kcfg_error(p, "%s: path longer than %zu bytes", k->name,
				  k->size - 1);
	if (path[0] == '\0') {
		field[0] = '\0';	/* "key =" is the same as no key */
		return 0;
	}
	scheme = k->type == KT_KEY_FILE ? kcfg_url_scheme_len(path) : 0;
	if (scheme)
		/* Only the scheme: a pkcs11: URL may carry a PIN. */
		return kcfg_error(p, "%s: private key URLs (%.*s:...) are not supported; give the path of a PEM file (start a relative name that has a colon with ./)",
				  k->name, (int)scheme, path);
	if (access(path, R_OK)) {
		if (strict)
			return kcfg_error(p, "%s: cannot read \"%s\": %s",
					  k->name, path, strerror(errno));
		/* tlshd only checks per handshake; so do we, failing closed. */
		kcfg_warn(p, "%s: cannot read \"%s\": %s; handshakes that need it will fail",
			  k->name, path, strerror(errno));
	}
	memcpy(field, path, strlen(path) + 1);
	return 0;
}

/* A POSIX portable user name: [A-Za-z0-9._-], not starting with '-'. */
static int kcfg_set_user(struct kcfg_parser *p, const struct kcfg_key *k,
			 char *field, const char *value)
{
	size_t i, len = strlen(value);

	if (len == 0 || len >= k->size || value[0] == '-')
		goto bad;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)value[i]) && value[i] != '.' &&
		    value[i] != '_' && value[i] != '-')
			goto bad;
	memcpy(field, value, len + 1);
	return 0;
bad:
	return kcfg_error(p, "%s: \"%s\" is not a user name (1 to %zu of A-Z a-z 0-9 . _ -)",
			  k->name, value, k->size - 1);
}

static int kcfg_set_socket(struct kcfg_parser *p, const struct kcfg_key *k,
			   char *field, const char *value)
{
	char path[KCFG_LINE_MAX + 1];
	const char *in = value;
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (kcfg_unescape(&in, path, sizeof(path), 0))
		return kcfg_error(p, "%s: invalid escape sequence", k->name);
	if (path[0] == '\0') {
		field[0] = '\0';
		return 0;
	}
	if (path[0] != '/')
		return kcfg_error(p, "%s: \"%s\" is not an absolute path",
				  k->name, path);
	if (strlen(path) > max || strlen(path) >= k->size)
		return kcfg_error(p, "%s: longer than the %zu bytes a Unix socket path can have",
				  k->name, max);
	memcpy(field, path, strlen(path) + 1);
	return 0;
}

/* GLib string list: ';'-separated, "\;" is a ';'; we also trim items. */
static int kcfg_set_keyrings(struct kcfg_parser *p, const struct kcfg_key *k,
			     const char *value, bool strict)
{
	char names[KCFG_MAX_KEYRINGS][KCFG_KEYRING_MAX];
	char item[KCFG_LINE_MAX + 1];
	const char *in = value;
	size_t n = 0, i;
	char *name;
	int ret;

	while (*in) {
		ret = kcfg_unescape(&in, item, sizeof(item), ';');
		if (ret == KCFG_UNESC_BAD) {
			if (strict)
				return kcfg_error(p, "%s: invalid escape sequence",
						  k->name);
			kcfg_warn(p, "%s: invalid escape sequence; setting ignored, as tlshd does",
				  k->name);
			return 0;
		}
		name = kcfg_trim(item);
		if (name[0] == '\0')
			continue;
		if (ret || strlen(name) >= KCFG_KEYRING_MAX)
			return kcfg_error(p, "%s: keyring name longer than %d bytes",
					  k->name, KCFG_KEYRING_MAX - 1);
		if (n == KCFG_MAX_KEYRINGS)
			return kcfg_error(p, "%s: more than %d keyrings",
					  k->name, KCFG_MAX_KEYRINGS);
		memcpy(names[n++], name, strlen(name) + 1);
	}
	/* As in GLib, a repeated key replaces the earlier list. */
	for (i = 0; i < n; i++)
		memcpy(p->cfg->keyrings[i], names[i], strlen(names[i]) + 1);
	p->cfg->n_keyrings = n;
	return 0;
}

/* After ktls_parse_list() failed: say which name was wrong. */
static int kcfg_list_error(struct kcfg_parser *p, const struct kcfg_key *k,
			   const struct kcfg_policy *pol, char *list)
{
	uint16_t seen[KCFG_LIST_MAX];
	size_t n = 0, i;
	char *item, *next;
	uint16_t v;

	for (item = list; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = kcfg_trim(item);
		if (item[0] == '\0')
			return kcfg_error(p, "%s: empty name in the list",
					  k->name);
		v = pol->lookup(item);
		if (v == 0)
			return kcfg_error(p, "%s: unknown %s \"%s\"", k->name,
					  pol->noun, item);
		for (i = 0; i < n; i++)
			if (seen[i] == v)
				return kcfg_error(p, "%s: %s \"%s\" is listed twice",
						  k->name, pol->noun, item);
		if (n == KCFG_LIST_MAX)
			return kcfg_error(p, "%s: more than %d names", k->name,
					  KCFG_LIST_MAX);
		seen[n++] = v;
	}
	return kcfg_error(p, "%s: invalid list", k->name);
}

static int kcfg_set_policy(struct kcfg_parser *p, const struct kcfg_key *k,
			   const char *value)
{
	const struct kcfg_policy *pol = &kcfg_policies[k->type - KT_SUITES];
	char list[KCFG_LINE_MAX + 1];
	uint16_t out[KCFG_LIST_MAX];
	char *s, *c;
	size_t *count;
	int n, i;
	const char *why;

	/* GLib lists use ';'; ktls_parse_list() and OpenSSL users, ','. */
	memcpy(list, value, strlen(value) + 1);
	for (c = list; *c; c++)
		if (*c == ';')
			*c = ',';
	s = kcfg_trim(list);
	c = s + strlen(s);
	if (c > s && c[-1] == ',')	/* GLib allows "a;b;" */
		c[-1] = '\0';
	s = kcfg_trim(s);
	count = (size_t *)((char *)p->cfg + k->count_offset);
	if (s[0] == '\0') {
		*count = 0;	/* libktls defaults */
		return 0;
	}
	n = ktls_parse_list(s, pol->lookup, out, KCFG_LIST_MAX);
	if (n < 0)
		return kcfg_list_error(p, k, pol, s);
	for (i = 0; i < n; i++) {
		why = pol->refuse(out[i]);
		if (why)
			return kcfg_error(p, "%s: %s \"%s\" is not allowed: %s",
					  k->name, pol->noun,
					  pol->name(out[i]), why);
	}
	memcpy((char *)p->cfg + k->offset, out, (size_t)n * sizeof(out[0]));
	*count = (size_t)n;
	return 0;
}

static const struct kcfg_key *kcfg_find_key(unsigned int groups,
					    const char *name)
{
	size_t i;

	for (i = 0; i < KCFG_ARRAY_SIZE(kcfg_keys); i++)
		if ((kcfg_keys[i].groups & groups) &&
		    !strcmp(kcfg_keys[i].name, name))
			return &kcfg_keys[i];
	return NULL;
}

/* "[a]" or "[a] or [b]": where a key belongs, for messages. */
static const char *kcfg_groups_text(unsigned int groups, char *buf,
				    size_t cap)
{
	size_t g, n = 0;
	int r;

	buf[0] = '\0';
	for (g = 0; g < KCFG_ARRAY_SIZE(kcfg_group_names); g++) {
		if (!(groups & KG_BIT(g)) || !kcfg_group_names[g])
			continue;
		r = snprintf(buf + n, cap - n, "%s[%s]", n ? " or " : "",
			     kcfg_group_names[g]);
		if (r < 0 || (size_t)r >= cap - n)
			break;
		n += (size_t)r;
	}
	return buf;
}

static int kcfg_set(struct kcfg_parser *p, const char *key, const char *value)
{
	const char *group = kcfg_group_names[p->group];
	const struct kcfg_key *k;
	struct kcfg_role *role;
	bool bval, strict;
	char where[128];
	char *field;

	if (p->group == KG_UNKNOWN)
		return 0;	/* warned about at its header */
	k = kcfg_find_key(KG_BIT(p->group), key);
	if (!k) {
		k = kcfg_find_key(~0u, key);
		if (k && (k->ktlsd_only || !p->compat))
			return kcfg_error(p, "key \"%s\" belongs in %s, not [%s]",
					  key,
					  kcfg_groups_text(k->groups, where,
							   sizeof(where)),
					  group);
		if (k) {
			kcfg_warn(p, "ignoring key \"%s\" in [%s]: it belongs in %s",
				  key, group,
				  kcfg_groups_text(k->groups, where,
						   sizeof(where)));
			return 0;
		}
		/* Our own group is never lenient: a typo there is ours. */
		if (!p->compat || p->group == KG_KTLSD)
			return kcfg_error(p, "unknown key \"%s\" in [%s]", key,
					  group);
		kcfg_warn(p, "ignoring unknown key \"%s\" in [%s]", key, group);
		return 0;
	}

	strict = !p->compat || k->ktlsd_only;
	if (k->in_role) {
		role = p->group == KG_CLIENT ? &p->cfg->client :
					       &p->cfg->server;
		field = (char *)role + k->offset;
	} else {
		field = (char *)p->cfg + k->offset;
	}

	switch (k->type) {
	case KT_DEBUG_INT:
	case KT_UINT:
		return kcfg_set_int(p, k, field, value, strict);
	case KT_BOOL:
		if (kcfg_parse_bool(value, &bval))
			return kcfg_error(p, "%s: \"%s\" is not a boolean (true, false, 1 or 0)",
					  k->name, value);
		*(bool *)field = bval;
		return 0;
	case KT_FILE:
	case KT_KEY_FILE:
		return kcfg_set_file(p, k, field, value, strict);
	case KT_USER:
		return kcfg_set_user(p, k, field, value);
	case KT_SOCKET:
		return kcfg_set_socket(p, k, field, value);
	case KT_KEYRINGS:
		return kcfg_set_keyrings(p, k, value, strict);
	case KT_SUITES:
	case KT_GROUPS:
	case KT_SIGSCHEMES:
		return kcfg_set_policy(p, k, value);
	}
	return kcfg_error(p, "internal error: key \"%s\"", key);
}

/*
 * "[name]" with only whitespace after the ']', as GLib's
 * g_key_file_line_is_group(); the name is not trimmed, may not be empty
 * and may not hold '[' or control characters (g_key_file_is_group_name()).
 */
static int kcfg_group_line(struct kcfg_parser *p, char *s)
{
	char *name = s + 1, *end;
	size_t g;

	end = strchr(name, ']');
	if (!end)
		return kcfg_error(p, "group header without \"]\"");
	if (end[1] != '\0')
		return kcfg_error(p, "unexpected text after \"]\"");
	*end = '\0';
	if (name[0] == '\0')
		return kcfg_error(p, "empty group name");
	for (s = name; *s; s++)
		if (*s == '[' || iscntrl((unsigned char)*s))
			return kcfg_error(p, "invalid group name");

	for (g = 0; g < KCFG_ARRAY_SIZE(kcfg_group_names); g++) {
		if (kcfg_group_names[g] && !strcmp(kcfg_group_names[g], name)) {
			p->group = (enum kcfg_group)g;
			return 0;
		}
	}
	if (!p->compat)
		return kcfg_error(p, "unknown group [%s]", name);
	kcfg_warn(p, "ignoring unknown group [%s]", name);
	p->group = KG_UNKNOWN;
	return 0;
}

static int kcfg_parse_line(struct kcfg_parser *p, char *line)
{
	char *s = kcfg_trim(line), *eq, *key, *value;

	if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[')
		return kcfg_group_line(p, s);
	eq = strchr(s, '=');
	if (!eq)
		return kcfg_error(p, "expected \"[group]\" or \"key = value\"");
	*eq = '\0';
	key = kcfg_trim(s);
	value = kcfg_trim(eq + 1);
	if (key[0] == '\0')
		return kcfg_error(p, "missing key name before \"=\"");
	if (p->group == KG_NONE)
		return kcfg_error(p, "key \"%s\" comes before any [group]", key);
	return kcfg_set(p, key, value);
}

/* The next line of @buf from *@off: its start and length, newline excluded. */
static bool kcfg_next_line(const char *buf, size_t len, size_t *off,
			   const char **line, size_t *n)
{
	const char *nl;

	if (*off >= len)
		return false;
	*line = buf + *off;
	nl = memchr(*line, '\n', len - *off);
	*n = nl ? (size_t)(nl - *line) : len - *off;
	*off += *n + (nl ? 1 : 0);
	return true;
}

/* Whether the file has a "[ktlsd]" line: it selects ktlsd's own rules. */
static bool kcfg_has_ktlsd_group(const char *buf, size_t len)
{
	char copy[KCFG_LINE_MAX + 1];
	const char *line;
	size_t off = 0, n;

	while (kcfg_next_line(buf, len, &off, &line, &n)) {
		if (n > KCFG_LINE_MAX)
			continue;	/* the real pass reports it */
		memcpy(copy, line, n);
		copy[n] = '\0';
		if (!strcmp(kcfg_trim(copy), "[ktlsd]"))
			return true;
	}
	return false;
}

static int kcfg_parse_buf(struct kcfg_parser *p, const char *buf, size_t len)
{
	char copy[KCFG_LINE_MAX + 1];
	const char *line;
	size_t off = 0, n;

	while (kcfg_next_line(buf, len, &off, &line, &n)) {
		p->line++;
		if (n > KCFG_LINE_MAX)
			return kcfg_error(p, "line longer than %d bytes",
					  KCFG_LINE_MAX);
		if (memchr(line, '\0', n))
			return kcfg_error(p, "NUL byte in line");
		memcpy(copy, line, n);
		copy[n] = '\0';
		if (kcfg_parse_line(p, copy))
			return -1;
	}
	return 0;
}

/* Read all of @fd (a regular file of at most KCFG_FILE_MAX bytes). */
static int kcfg_read_fd(struct kcfg_parser *p, int fd, char **bufp,
			size_t *lenp)
{
	struct stat st;
	size_t len = 0, cap;
	ssize_t r;
	char *buf;

	if (fstat(fd, &st))
		return kcfg_error(p, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kcfg_error(p, "not a regular file");
	if (st.st_size > KCFG_FILE_MAX)
		return kcfg_error(p, "larger than %d bytes", KCFG_FILE_MAX);
	cap = (size_t)st.st_size + 1;	/* +1 notices a file that grew */
	buf = malloc(cap);
	if (!buf)
		return kcfg_error(p, "out of memory");
	while (len < cap) {
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return kcfg_error(p, "%s", strerror(errno));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len == cap) {
		free(buf);
		return kcfg_error(p, "changed while being read");
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

void kcfg_defaults(struct kcfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_inflight = 1024;
	cfg->security_level = KTLS_SECURITY_LEVEL_DEFAULT;
	memcpy(cfg->user, KCFG_DEFAULT_USER, sizeof(KCFG_DEFAULT_USER));
	cfg->timeout_client_ms = 20000;
	cfg->timeout_server_ms = 5000;
	cfg->timeout_psk_ms = 10000;
	/* --- budgets --- */
	cfg->max_server_queued = 1024;
	/* --- end of budgets --- */
	/* --- control socket --- */
	memcpy(cfg->stats_socket, KCFG_CONTROL_SOCKET, sizeof(KCFG_CONTROL_SOCKET));
	/* --- end of control socket --- */
}

/* --- budgets a flood cannot take --- */
unsigned int kcfg_server_inflight(const struct kcfg *cfg)
{
	unsigned int n = cfg->max_server_inflight;

	if (!n)
		n = cfg->max_inflight - cfg->max_inflight / 4;
	/* Keep at least one slot for this host's own handshakes. */
	if (cfg->max_inflight > 1 && n >= cfg->max_inflight)
		n = cfg->max_inflight - 1;
	return n ? n : 1;
}

/* --- per-peer fairness --- */
unsigned int kcfg_server_inflight_per_peer(const struct kcfg *cfg)
{
	unsigned int all = kcfg_server_inflight(cfg), n = cfg->max_server_inflight_per_peer;

	if (!n)
		n = all / 2 ? all / 2 : 1;
	return n < all ? n : all;
}
/* --- end of per-peer fairness --- */
/* --- end of budgets --- */

unsigned int kcfg_workers(const struct kcfg *cfg)
{
	long n;

	if (cfg->workers)
		return cfg->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > KCFG_AUTO_WORKERS_MAX ? KCFG_AUTO_WORKERS_MAX : (unsigned int)n;
}

void kcfg_set_search_paths(const char *ktlsd, const char *tlshd_legacy,
			   const char *tlshd)
{
	const char *want[KS_COUNT] = {
		[KS_KTLSD] = ktlsd ? ktlsd : KCFG_DEFAULT_PATH,
		[KS_TLSHD_LEGACY] = tlshd_legacy ? tlshd_legacy :
						   KCFG_TLSHD_LEGACY_PATH,
		[KS_TLSHD] = tlshd ? tlshd : KCFG_TLSHD_PATH,
	};
	size_t i;

	for (i = 0; i < KS_COUNT; i++)
		snprintf(kcfg_search[i], sizeof(kcfg_search[i]), "%s", want[i]);
}

enum kcfg_client_auth kcfg_client_auth(const struct kcfg *cfg)
{
	if (cfg->server.truststore[0])
		return KCFG_CLIENT_AUTH_TRUSTSTORE;
	return cfg->tlshd_compat ? KCFG_CLIENT_AUTH_SYSTEM :
				   KCFG_CLIENT_AUTH_NONE;
}

const char *kcfg_client_auth_notice(const struct kcfg *cfg, bool *warning)
{
	*warning = false;
	switch (kcfg_client_auth(cfg)) {
	case KCFG_CLIENT_AUTH_NONE:
		return "no x509.truststore in [authenticate.server]: server handshakes do not ask for client certificates, so no client is authenticated by certificate (NFS xprtsec=mtls exports admit none)";
	case KCFG_CLIENT_AUTH_SYSTEM:
		*warning = true;
		return "no x509.truststore in [authenticate.server]: as tlshd does, client certificates are verified against the system trust store, so any publicly issued certificate that allows clientAuth authenticates a client (NFS xprtsec=mtls); set x509.truststore to the CAs of your clients";
	case KCFG_CLIENT_AUTH_TRUSTSTORE:
		break;
	}
	return NULL;
}

static bool kcfg_is_tlshd_path(const char *path)
{
	return !strcmp(path, kcfg_search[KS_TLSHD]) ||
	       !strcmp(path, kcfg_search[KS_TLSHD_LEGACY]);
}

int kcfg_load(const char *path, struct kcfg *cfg, char err[KCFG_ERR_MAX])
{
	struct kcfg_parser p = { .err = err };
	struct kcfg *tmp;
	char *buf = NULL;
	size_t len = 0, i;
	bool legacy = false;
	int fd = -1, ret = -1;

	err[0] = '\0';
	tmp = malloc(sizeof(*tmp));
	if (!tmp) {
		snprintf(err, KCFG_ERR_MAX, "configuration: out of memory");
		return -1;
	}
	kcfg_defaults(tmp);
	p.cfg = tmp;

	if (path) {
		p.file = path;
		if (path[0] == '\0' || strlen(path) >= KCFG_PATH_MAX) {
			kcfg_error(&p, "invalid configuration file name");
			goto out;
		}
		fd = open(path, KCFG_OPEN_FLAGS);
		if (fd < 0) {
			kcfg_error(&p, "%s", strerror(errno));
			goto out;
		}
	} else {
		for (i = 0; i < KS_COUNT && fd < 0; i++) {
			p.file = kcfg_search[i];
			fd = open(p.file, KCFG_OPEN_FLAGS);
			/* Only absence moves on: an unreadable file is an error. */
			if (fd < 0 && errno != ENOENT && errno != ENOTDIR) {
				kcfg_error(&p, "%s", strerror(errno));
				goto out;
			}
			legacy = i == KS_TLSHD_LEGACY;
		}
		if (fd < 0) {
			memcpy(cfg, tmp, sizeof(*cfg));	/* defaults, source "" */
			ret = 0;
			goto out;
		}
	}

	if (kcfg_read_fd(&p, fd, &buf, &len))
		goto out;
	p.compat = kcfg_is_tlshd_path(p.file) ||
		   !kcfg_has_ktlsd_group(buf, len);
	if (kcfg_parse_buf(&p, buf, len))
		goto out;
	/*
	 * ktlsd's own mode verifies client certificates only against a trust
	 * store named for them: requiring one without it could only refuse
	 * every client.
	 */
	p.line = 0;
	if (!p.compat && tmp->server.require_client_cert &&
	    !tmp->server.truststore[0]) {
		kcfg_error(&p, "x509.require_client_cert needs an x509.truststore in [authenticate.server] to verify client certificates against");
		goto out;
	}
	/* --- budgets: the client reserve must not be empty --- */
	if (tmp->max_server_inflight && tmp->max_inflight > 1 &&
	    tmp->max_server_inflight >= tmp->max_inflight) {
		kcfg_error(&p, "max_server_inflight (%u) must be less than max_inflight (%u): "
			   "the rest is kept for this host's own handshakes",
			   tmp->max_server_inflight, tmp->max_inflight);
		goto out;
	}
	/* --- end of budgets --- */

	memcpy(tmp->source, p.file, strlen(p.file) + 1);
	tmp->tlshd_compat = p.compat;
	tmp->legacy_path = legacy;
	memcpy(cfg, tmp, sizeof(*cfg));
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(tmp);
	return ret;
}
