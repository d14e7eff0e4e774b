// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktls-peer: a TLS 1.3 client or server built on libktls alone, for
 * diagnosis and for the interop tests. It drives the sans-IO engine from a
 * plain blocking socket exactly as the comment at the top of ktls.h shows
 * (input space / ack, output / ack), moves application data with
 * ktls_app_write()/ktls_app_read() in user space (no kernel TLS here), and
 * reports the outcome as key=value lines a script can grep:
 *
 *	version=TLSv1.3 cipher=... group=... sigalg=... alpn=... hrr=...
 *	peer_verified=... psk_identity=... [echo=...] [alert_received=...]
 *
 * or error=<reason> and alert=<name> on failure. Exit status: 0 success,
 * 1 failure, 2 misuse (style(9), like every ktlsd command).
 *
 * With --async it answers the engine the way ktlsd does: a PSK lookup or a
 * signature returns KTLS_E_PENDING from the callback, the question is kept,
 * and the answer goes in through ktls_psk_lookup_done() or
 * ktls_signature_done() on a later turn of the loop, after a poll of the
 * socket; so the engine's paths that only the daemon reached run here too.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <ktls/ktls.h>

#include "tool-util.h"

#define PEER_DEFAULT_TIMEOUT 10		/* seconds, per connection */
#define PEER_MAX_SEND 4096		/* bytes of --send after unescaping */
#define PEER_DRAIN_MS 1000		/* wait for the peer's close at exit */
#define PEER_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
#define PEER_ASYNC_MS 2			/* --async: the poll round before an answer */
#define PEER_MAX_LIST_ARG 1024		/* bytes of one --groups/--ciphers/--sigalgs */
#define PEER_MAX_TBS 256		/* CertificateVerify content (146 bytes in TLS 1.3) */
#define PEER_MAX_SIG 1024		/* a signature, RSA-8192 included */

const char *const tool_name = "ktls-peer";

/* Everything the command line says; one per process. */
struct peer_opts {
	enum ktls_role role;
	const char *addr;		/* --connect or --listen, HOST:PORT */
	const char *servername;
	const char *ca;
	const char *cert;
	const char *key;
	const char *groups;
	const char *ciphers;
	const char *sigalgs;
	const char *alpn;
	const char *psk_identity;
	uint8_t psk_key[KTLS_MAX_PSK_KEY];
	size_t psk_key_len;
	enum ktls_hash psk_hash;
	uint8_t send[PEER_MAX_SEND];
	size_t send_len;
	bool have_send;
	long key_shares;		/* 0: the engine's default */
	long timeout;
	long count;			/* server: connections to serve, 0 = forever */
	unsigned int flags;
	bool async;			/* answer lookups and signatures later */
};

/*
 * --async: the one question the engine waits on (it never asks a second
 * before the first is answered), kept from the callback to a later turn.
 */
enum peer_question_kind {
	PEER_Q_NONE = 0,
	PEER_Q_PSK,			/* psk_lookup: which key has this identity? */
	PEER_Q_SIGN,			/* ops->sign: sign this CertificateVerify */
};

struct peer_question {
	enum peer_question_kind kind;
	uint8_t identity[KTLS_MAX_PSK_IDENTITY];
	size_t identity_len;
	bool identity_too_long;		/* cannot be ours: answered unknown */
	const struct ktls_credential *cred;
	uint16_t scheme;
	uint8_t tbs[PEER_MAX_TBS];
	size_t tbs_len;
};

/* One connection's socket, engine and deadline. */
struct peer_conn {
	int fd;
	struct ktls_conn *c;
	struct timespec deadline;
	int io_err;			/* a socket-side failure, as a KTLS_E_* code */
	const char *io_what;		/* and what we were doing */
	bool eof;			/* the peer closed its side of TCP */
	struct peer_setup *s;		/* the configuration it runs with */
	struct peer_question q;		/* --async: what the engine waits for */
	unsigned int answered;		/* --async: questions answered later */
};

void tool_usage(FILE *f)
{
	fprintf(f,
		"usage: %s client --connect HOST:PORT [--servername NAME] [--ca FILE]\n"
		"\t[--cert FILE --key FILE] [--groups LIST] [--ciphers LIST]\n"
		"\t[--sigalgs LIST] [--alpn LIST] [--psk-identity ID --psk-hex HEX\n"
		"\t[--psk-hash sha256|sha384]] [--psk-only] [--send TEXT] [--no-verify]\n"
		"\t[--key-shares N] [--compat-ccs] [--async] [--timeout SEC]\n"
		"       %s server --listen ADDR:PORT [--cert FILE --key FILE]\n"
		"\t[--ca FILE --require-client-cert | --request-client-cert]\n"
		"\t[--psk-identity ID --psk-hex HEX [--psk-hash sha256|sha384]] [--psk-ke]\n"
		"\t[--groups LIST] [--ciphers LIST] [--sigalgs LIST] [--alpn LIST]\n"
		"\t[--count N] [--hrr-cookie] [--compat-ccs] [--async] [--timeout SEC]\n"
		"LIST: names separated by ',' or ':' (--alpn: ',' only)\n",
		tool_name, tool_name);
}

/* Print @p as text a shell can compare: printable ASCII as is, the rest escaped. */
static void print_escaped(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f)
				putchar(p[i]);
			else
				printf("\\x%02x", p[i]);
		}
	}
}

/* --send TEXT takes the escapes print_escaped() writes: \n \r \t \\ \xHH. */
static int unescape(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = 0;
	int hi, lo;

	while (*s) {
		uint8_t b;

		if (n == cap)
			return -1;
		if (*s != '\\') {
			out[n++] = (uint8_t)*s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n':
			b = '\n';
			break;
		case 'r':
			b = '\r';
			break;
		case 't':
			b = '\t';
			break;
		case '\\':
			b = '\\';
			break;
		case 'x':
			hi = tool_hexval(s[1]);
			lo = hi < 0 ? -1 : tool_hexval(s[2]);
			if (lo < 0)
				return -1;
			b = (uint8_t)(hi << 4 | lo);
			s += 2;
			break;
		default:
			return -1;
		}
		out[n++] = b;
		s++;
	}
	*len = n;
	return 0;
}

/*
 * --groups, --ciphers and --sigalgs: IANA names separated by ',' (as in
 * ktlsd.conf) or ':' (as OpenSSL's -groups, -ciphersuites and -sigalgs
 * take them), mixed as one likes; no name holds either character.
 */
static int parse_list(const char *opt, const char *list,
		      uint16_t (*lookup)(const char *), uint16_t *out)
{
	char commas[PEER_MAX_LIST_ARG];
	int n;

	if (tool_list_commas(list, commas, sizeof(commas)))
		tool_misuse("%s: longer than %d bytes", opt, PEER_MAX_LIST_ARG - 1);
	n = ktls_parse_list(commas, lookup, out, KTLS_MAX_LIST);
	if (n <= 0)
		tool_misuse("%s: unknown, surplus or empty name in '%s'", opt, list);
	return n;
}

enum {
	OPT_CONNECT = 256, OPT_LISTEN, OPT_SERVERNAME, OPT_CA, OPT_CERT,
	OPT_KEY, OPT_GROUPS, OPT_CIPHERS, OPT_SIGALGS, OPT_ALPN, OPT_PSK_ID,
	OPT_PSK_HEX, OPT_PSK_HASH, OPT_PSK_ONLY, OPT_PSK_KE, OPT_SEND,
	OPT_NO_VERIFY, OPT_KEY_SHARES, OPT_TIMEOUT, OPT_COUNT, OPT_HRR_COOKIE,
	OPT_COMPAT_CCS, OPT_REQUIRE_CC, OPT_REQUEST_CC, OPT_ASYNC,
};

static const struct option long_opts[] = {
	{ "connect", required_argument, NULL, OPT_CONNECT },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "servername", required_argument, NULL, OPT_SERVERNAME },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "groups", required_argument, NULL, OPT_GROUPS },
	{ "ciphers", required_argument, NULL, OPT_CIPHERS },
	{ "sigalgs", required_argument, NULL, OPT_SIGALGS },
	{ "alpn", required_argument, NULL, OPT_ALPN },
	{ "psk-identity", required_argument, NULL, OPT_PSK_ID },
	{ "psk-hex", required_argument, NULL, OPT_PSK_HEX },
	{ "psk-hash", required_argument, NULL, OPT_PSK_HASH },
	{ "psk-only", no_argument, NULL, OPT_PSK_ONLY },
	{ "psk-ke", no_argument, NULL, OPT_PSK_KE },
	{ "send", required_argument, NULL, OPT_SEND },
	{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
	{ "key-shares", required_argument, NULL, OPT_KEY_SHARES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "hrr-cookie", no_argument, NULL, OPT_HRR_COOKIE },
	{ "compat-ccs", no_argument, NULL, OPT_COMPAT_CCS },
	{ "require-client-cert", no_argument, NULL, OPT_REQUIRE_CC },
	{ "request-client-cert", no_argument, NULL, OPT_REQUEST_CC },
	{ "async", no_argument, NULL, OPT_ASYNC },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct tool_word psk_hashes[] = {
	{ "sha256", KTLS_HASH_SHA256 },
	{ "sha384", KTLS_HASH_SHA384 },
	{ NULL, 0 },
};

/* Options that make sense for one role only, for misuse messages. */
static void only_for(const struct peer_opts *o, enum ktls_role role,
		     const char *opt)
{
	if (o->role != role)
		tool_misuse("%s is a %s option", opt,
			    role == KTLS_ROLE_CLIENT ? "client" : "server");
}

static void parse_args(int argc, char **argv, struct peer_opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->psk_hash = KTLS_HASH_SHA256;
	o->timeout = PEER_DEFAULT_TIMEOUT;
	o->count = 1;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		tool_usage(stdout);
		exit(0);
	}
	if (argc < 2)
		tool_misuse("missing mode: client or server");
	if (!strcmp(argv[1], "client"))
		o->role = KTLS_ROLE_CLIENT;
	else if (!strcmp(argv[1], "server"))
		o->role = KTLS_ROLE_SERVER;
	else
		tool_misuse("unknown mode '%s'", argv[1]);

	optind = 2;
	while ((ch = tool_getopt(argc, argv, "h", long_opts)) != -1) {
		switch (ch) {
		case OPT_CONNECT:
			only_for(o, KTLS_ROLE_CLIENT, "--connect");
			o->addr = optarg;
			break;
		case OPT_LISTEN:
			only_for(o, KTLS_ROLE_SERVER, "--listen");
			o->addr = optarg;
			break;
		case OPT_SERVERNAME:
			only_for(o, KTLS_ROLE_CLIENT, "--servername");
			o->servername = optarg;
			break;
		case OPT_CA:
			o->ca = optarg;
			break;
		case OPT_CERT:
			o->cert = optarg;
			break;
		case OPT_KEY:
			o->key = optarg;
			break;
		case OPT_GROUPS:
			o->groups = optarg;
			break;
		case OPT_CIPHERS:
			o->ciphers = optarg;
			break;
		case OPT_SIGALGS:
			o->sigalgs = optarg;
			break;
		case OPT_ALPN:
			if (!*optarg)
				tool_misuse("--alpn: empty list");
			o->alpn = optarg;
			break;
		case OPT_PSK_ID:
			if (!*optarg || strlen(optarg) > KTLS_MAX_PSK_IDENTITY)
				tool_misuse("--psk-identity: 1 to %d bytes",
					    KTLS_MAX_PSK_IDENTITY);
			o->psk_identity = optarg;
			break;
		case OPT_PSK_HEX:
			o->psk_key_len = tool_parse_hex("--psk-hex", optarg, o->psk_key,
							sizeof(o->psk_key));
			/* libktls takes no shorter key, on either side (RFC 9257 §6). */
			if (o->psk_key_len < KTLS_MIN_PSK_KEY)
				tool_misuse("--psk-hex: %d to %d bytes", KTLS_MIN_PSK_KEY,
					    KTLS_MAX_PSK_KEY);
			break;
		case OPT_PSK_HASH:
			o->psk_hash = (enum ktls_hash)tool_keyword("--psk-hash", optarg,
								   psk_hashes);
			break;
		case OPT_PSK_ONLY:
			only_for(o, KTLS_ROLE_CLIENT, "--psk-only");
			o->flags |= KTLS_F_PSK_ONLY_KE | KTLS_F_PSK_KE;
			break;
		case OPT_PSK_KE:
			only_for(o, KTLS_ROLE_SERVER, "--psk-ke");
			o->flags |= KTLS_F_PSK_KE;
			break;
		case OPT_SEND:
			only_for(o, KTLS_ROLE_CLIENT, "--send");
			if (unescape(optarg, o->send, sizeof(o->send), &o->send_len) ||
			    o->send_len == 0)
				tool_misuse("--send: 1 to %d bytes; escapes \\n \\r \\t \\\\ \\xHH",
					    PEER_MAX_SEND);
			o->have_send = true;
			break;
		case OPT_NO_VERIFY:
			only_for(o, KTLS_ROLE_CLIENT, "--no-verify");
			o->flags |= KTLS_F_NO_VERIFY;
			break;
		case OPT_KEY_SHARES:
			only_for(o, KTLS_ROLE_CLIENT, "--key-shares");
			o->key_shares = tool_parse_num("--key-shares", optarg, 1, KTLS_MAX_LIST);
			break;
		case OPT_TIMEOUT:
			o->timeout = tool_parse_num("--timeout", optarg, 1, 3600);
			break;
		case OPT_COUNT:
			only_for(o, KTLS_ROLE_SERVER, "--count");
			o->count = tool_parse_num("--count", optarg, 0, LONG_MAX);
			break;
		case OPT_HRR_COOKIE:
			only_for(o, KTLS_ROLE_SERVER, "--hrr-cookie");
			o->flags |= KTLS_F_HRR_COOKIE;
			break;
		case OPT_COMPAT_CCS:
			o->flags |= KTLS_F_COMPAT_CCS;
			break;
		case OPT_REQUIRE_CC:
			only_for(o, KTLS_ROLE_SERVER, "--require-client-cert");
			o->flags |= KTLS_F_REQUEST_CLIENT_CERT |
				    KTLS_F_REQUIRE_CLIENT_CERT;
			break;
		case OPT_REQUEST_CC:
			only_for(o, KTLS_ROLE_SERVER, "--request-client-cert");
			o->flags |= KTLS_F_REQUEST_CLIENT_CERT;
			break;
		case OPT_ASYNC:
			o->async = true;
			break;
		}
	}

	if (!o->addr)
		tool_misuse("%s is required", o->role == KTLS_ROLE_CLIENT ?
			    "--connect HOST:PORT" : "--listen ADDR:PORT");
	if (!o->cert != !o->key)
		tool_misuse("--cert and --key go together");
	if (!o->psk_identity != !o->psk_key_len)
		tool_misuse("--psk-identity and --psk-hex go together");
	if ((o->flags & KTLS_F_PSK_ONLY_KE) && !o->psk_identity)
		tool_misuse("--psk-only needs --psk-identity and --psk-hex");
	if (o->role == KTLS_ROLE_SERVER) {
		if (!o->cert && !o->psk_identity)
			tool_misuse("a server needs --cert/--key, a PSK, or both");
		if ((o->flags & KTLS_F_REQUEST_CLIENT_CERT) && !o->ca)
			tool_misuse("client certificates need --ca to verify them");
	}
}

/* The configuration every connection of this process shares. */
struct peer_setup {
	struct ktls_config cfg;
	struct ktls_ops ops;
	struct ktls_credential *cred;
	struct ktls_trust *trust;
	struct ktls_psk psk;
	const struct peer_opts *o;
	struct peer_conn *cur;		/* --async: the connection being served */
};

static bool psk_known(const struct peer_setup *s, const uint8_t *identity,
		      size_t identity_len)
{
	return s->psk.identity && identity_len == s->psk.identity_len &&
	       memcmp(identity, s->psk.identity, identity_len) == 0;
}

static int psk_lookup(void *arg, const uint8_t *identity, size_t identity_len,
		      struct ktls_psk *out)
{
	const struct peer_setup *s = arg;

	if (!psk_known(s, identity, identity_len))
		return KTLS_E_ALERT_unknown_psk_identity;
	*out = s->psk;
	return 0;
}

/* --async: the slot for the engine's next question, or NULL when it is taken. */
static struct peer_question *question_slot(struct peer_setup *s)
{
	if (!s->cur || s->cur->q.kind != PEER_Q_NONE)
		return NULL;
	return &s->cur->q;
}

/*
 * --async psk_lookup: keep the identity and answer on a later turn, known
 * or not, as ktlsd's monitor does after asking the keyring.
 */
static int async_psk_lookup(void *arg, const uint8_t *identity,
			    size_t identity_len, struct ktls_psk *out)
{
	struct peer_question *q = question_slot(arg);

	(void)out;
	if (!q)
		return KTLS_E_INTERNAL;
	memset(q, 0, sizeof(*q));
	q->kind = PEER_Q_PSK;
	if (identity_len > sizeof(q->identity)) {
		q->identity_too_long = true;
	} else {
		memcpy(q->identity, identity, identity_len);
		q->identity_len = identity_len;
	}
	return KTLS_E_PENDING;
}

/*
 * --async ops->sign: keep what to sign (the engine's buffer does not live
 * past the call) and sign on a later turn, as ktlsd's monitor signs for
 * its workers.
 */
static int async_sign(void *ctx, const struct ktls_credential *cred,
		      uint16_t scheme, const uint8_t *tbs, size_t tbs_len,
		      uint8_t *sig, size_t *sig_len)
{
	struct peer_question *q = question_slot(ctx);

	(void)sig;
	(void)sig_len;
	if (!q || tbs_len > sizeof(q->tbs))
		return KTLS_E_INTERNAL;
	memset(q, 0, sizeof(*q));
	q->kind = PEER_Q_SIGN;
	q->cred = cred;
	q->scheme = scheme;
	memcpy(q->tbs, tbs, tbs_len);
	q->tbs_len = tbs_len;
	return KTLS_E_PENDING;
}

static const char *err_text(const struct ktls_conn *c, int err)
{
	/* The detail is the engine's failure: none before it failed. */
	const char *d = c && (ktls_status(c) & KTLS_FAILED) ?
			ktls_error_detail(c) : NULL;

	return d && *d ? d : ktls_strerror(err);
}

/* Setup failures are not handshake failures, but scripts read them the same way. */
static int setup_fail(const char *what, const char *file, int err)
{
	printf("error=%s %s: %s\n", what, file, ktls_strerror(err));
	printf("alert=none\n");
	return 1;
}

static int setup(struct peer_setup *s, const struct peer_opts *o)
{
	struct ktls_config *cfg = &s->cfg;
	const char *ca = o->ca;
	int ret;

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->ops = ktls_default_ops;
	if (o->async) {
		/* A client's PSKs are set before the handshake: nothing to ask. */
		s->ops.sign = async_sign;
		s->ops.ctx = s;
	}
	ktls_config_init(cfg);
	if (o->ciphers)
		cfg->n_suites = (size_t)parse_list("--ciphers", o->ciphers,
						   ktls_suite_from_name,
						   cfg->suites);
	if (o->groups)
		cfg->n_groups = (size_t)parse_list("--groups", o->groups,
						   ktls_group_from_name,
						   cfg->groups);
	if (o->sigalgs)
		cfg->n_sigschemes = (size_t)parse_list("--sigalgs", o->sigalgs,
						       ktls_sigscheme_from_name,
						       cfg->sigschemes);
	if (o->key_shares)
		cfg->key_shares = (size_t)o->key_shares;
	cfg->alpn = o->alpn;
	cfg->flags |= o->flags;

	if (o->cert) {
		ret = ktls_credential_load_pem(o->cert, o->key, &s->cred);
		if (ret)
			return setup_fail("loading", o->cert, ret);
		cfg->cred = s->cred;
	}
	/*
	 * A client that verifies and was given no --ca falls back to the
	 * system bundle, so `ktls-peer client --connect example.org:443`
	 * diagnoses a public server as a browser would.
	 */
	if (!ca && o->role == KTLS_ROLE_CLIENT && !(o->flags & KTLS_F_NO_VERIFY) &&
	    !(o->flags & KTLS_F_PSK_ONLY_KE) && access(PEER_SYSTEM_CA, R_OK) == 0)
		ca = PEER_SYSTEM_CA;
	if (ca) {
		ret = ktls_trust_load(ca, NULL, NULL, &s->trust);
		if (ret)
			return setup_fail("loading", ca, ret);
		cfg->trust = s->trust;
	}
	if (o->psk_identity) {
		s->psk.identity = (const uint8_t *)o->psk_identity;
		s->psk.identity_len = strlen(o->psk_identity);
		s->psk.key = o->psk_key;
		s->psk.key_len = o->psk_key_len;
		s->psk.hash = o->psk_hash;
		if (o->role == KTLS_ROLE_SERVER) {
			cfg->psk_lookup = o->async ? async_psk_lookup : psk_lookup;
			cfg->psk_lookup_arg = s;
		}
	}
	return 0;
}

static void setup_clear(struct peer_setup *s)
{
	ktls_credential_free(s->cred);
	s->cred = NULL;
	ktls_trust_free(s->trust);
	s->trust = NULL;
}

static void deadline_set(struct peer_conn *pc, long seconds)
{
	clock_gettime(CLOCK_MONOTONIC, &pc->deadline);
	pc->deadline.tv_sec += seconds;
}

static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void io_fail(struct peer_conn *pc, int err, const char *what)
{
	if (!pc->io_err) {
		pc->io_err = err;
		pc->io_what = what;
	}
}

/* Wait until @fd is readable or the deadline passes. */
static int wait_readable(struct peer_conn *pc)
{
	struct pollfd pfd = { .fd = pc->fd, .events = POLLIN };
	int n;

	for (;;) {
		n = poll(&pfd, 1, ms_left(&pc->deadline));
		if (n > 0)
			return 0;
		if (n == 0) {
			io_fail(pc, KTLS_E_TIMEOUT, "waiting for the peer");
			return -1;
		}
		if (errno != EINTR) {
			io_fail(pc, KTLS_E_IO, "poll");
			return -1;
		}
	}
}

/* Send everything ktls_output() holds. */
static int flush_output(struct peer_conn *pc)
{
	const uint8_t *p;
	size_t len;
	ssize_t n;

	while ((p = ktls_output(pc->c, &len)) != NULL && len > 0) {
		n = send(pc->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			io_fail(pc, errno == EAGAIN ? KTLS_E_TIMEOUT : KTLS_E_IO,
				"sending");
			return -1;
		}
		ktls_output_ack(pc->c, (size_t)n);
	}
	return 0;
}

/*
 * Receive straight into the engine's input window. The window never
 * reaches past the current record, so nothing is read that belongs to
 * whoever takes the socket after the handshake.
 */
static int feed_input(struct peer_conn *pc)
{
	uint8_t *p;
	size_t len;
	ssize_t n;
	int ret;

	p = ktls_input_space(pc->c, &len);
	if (!p || len == 0) {
		io_fail(pc, KTLS_E_INTERNAL, "engine offered no input space");
		return -1;
	}
	if (wait_readable(pc))
		return -1;
	do
		n = recv(pc->fd, p, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* A reset is the peer going away: tell the engine as end of stream. */
		if (errno != ECONNRESET) {
			io_fail(pc, KTLS_E_IO, "receiving");
			return -1;
		}
		n = 0;
	}
	if (n == 0)
		pc->eof = true;
	/* A failure sets KTLS_FAILED; the caller finds the code in the result. */
	ret = ktls_input_ack(pc->c, (size_t)n);
	if (ret && !(ktls_status(pc->c) & KTLS_FAILED)) {
		io_fail(pc, ret, "handing input to the engine");
		return -1;
	}
	return 0;
}

/*
 * --async: one turn of the loop before the answer. The socket is polled
 * (whatever the peer sent meanwhile waits in it: the engine takes no input
 * while it waits), then the question is answered as ktlsd answers its
 * workers. The slot is freed first, since an answer may raise the next
 * question at once (an unknown identity, then the next one; a lookup that
 * finds nothing, then a signature). Return: 0, or -1 with io_err set.
 */
static int answer_question(struct peer_conn *pc)
{
	struct peer_question q = pc->q;
	struct pollfd pfd = { .fd = pc->fd, .events = POLLIN };
	uint8_t sig[PEER_MAX_SIG];
	size_t sig_len = sizeof(sig);
	int ms = ms_left(&pc->deadline), ret, err;

	if (q.kind == PEER_Q_NONE) {
		io_fail(pc, KTLS_E_INTERNAL, "engine waits for an answer nobody owes");
		return -1;
	}
	if (poll(&pfd, 1, ms < PEER_ASYNC_MS ? ms : PEER_ASYNC_MS) < 0 &&
	    errno != EINTR) {
		io_fail(pc, KTLS_E_IO, "poll");
		return -1;
	}
	memset(&pc->q, 0, sizeof(pc->q));
	pc->answered++;
	if (q.kind == PEER_Q_PSK) {
		if (!q.identity_too_long &&
		    psk_known(pc->s, q.identity, q.identity_len))
			ret = ktls_psk_lookup_done(pc->c, 0, &pc->s->psk);
		else
			ret = ktls_psk_lookup_done(pc->c,
						   KTLS_E_ALERT_unknown_psk_identity,
						   NULL);
	} else {
		err = ktls_credential_sign(q.cred, q.scheme, q.tbs, q.tbs_len,
					   sig, &sig_len);
		ret = ktls_signature_done(pc->c, err, err ? NULL : sig,
					  err ? 0 : sig_len);
	}
	/* A refused answer fails the engine, which the loop then reports. */
	if (ret && !(ktls_status(pc->c) & KTLS_FAILED)) {
		io_fail(pc, ret, "answering the engine");
		return -1;
	}
	return 0;
}

/* The handshake loop of ktls.h. Return: 0 when done, else an error code. */
static int handshake(struct peer_conn *pc)
{
	unsigned int st;

	for (;;) {
		st = ktls_status(pc->c);
		if (st & KTLS_HAS_OUTPUT) {
			if (flush_output(pc))
				break;
		} else if (st & (KTLS_DONE | KTLS_FAILED)) {
			break;
		} else if (st & KTLS_WANT_INPUT) {
			if (pc->eof || feed_input(pc))
				break;
		} else if (st & KTLS_PENDING) {
			/* Without --async we sign and look PSKs up at once. */
			if (!pc->s->o->async) {
				io_fail(pc, KTLS_E_INTERNAL,
					"unexpected pending signature");
				break;
			}
			if (answer_question(pc))
				break;
		} else {
			io_fail(pc, KTLS_E_INTERNAL, "engine is stuck");
			break;
		}
	}
	st = ktls_status(pc->c);
	if (st & KTLS_FAILED) {
		struct ktls_result r;

		ktls_get_result(pc->c, &r);
		return r.error ? r.error : KTLS_E_FAILED;
	}
	if (st & KTLS_DONE)
		return 0;
	return pc->io_err ? pc->io_err : KTLS_E_CLOSED;
}

/*
 * Move application data until @want bytes arrived (client: the echo), or
 * until the peer closes (server, @want == 0: echo everything back).
 * Return: 0, or an error code.
 */
static int app_data(struct peer_conn *pc, size_t want, uint8_t *got,
		    size_t *got_len, bool echo)
{
	unsigned int st;
	const uint8_t *p;
	size_t len, used;
	int ret;

	for (;;) {
		st = ktls_status(pc->c);
		if (st & KTLS_HAS_OUTPUT) {
			if (flush_output(pc))
				return pc->io_err;
			continue;
		}
		if (st & KTLS_FAILED) {
			struct ktls_result r;

			ktls_get_result(pc->c, &r);
			/* An echo server's client may just hang up: not a failure. */
			if (!want && pc->eof && r.error == KTLS_E_CLOSED)
				return 0;
			return r.error ? r.error : KTLS_E_FAILED;
		}
		if (st & KTLS_APP_DATA) {
			p = ktls_app_read(pc->c, &len);
			if (!p)
				len = 0;
			if (got && *got_len < want) {
				size_t take = want - *got_len < len ?
					      want - *got_len : len;

				memcpy(got + *got_len, p, take);
				*got_len += take;
			}
			while (echo && len > 0) {
				ret = ktls_app_write(pc->c, p, len, &used);
				if (ret)
					return ret;
				if (used == 0 &&
				    !(ktls_status(pc->c) & KTLS_HAS_OUTPUT))
					return KTLS_E_BUFFER;
				ktls_app_consume(pc->c, used);
				if (flush_output(pc))
					return pc->io_err;
				p = ktls_app_read(pc->c, &len);
				if (!p)
					len = 0;
			}
			if (!echo)
				ktls_app_consume(pc->c, len);
			if (want && *got_len >= want)
				return 0;
			continue;
		}
		if ((st & KTLS_PEER_CLOSED) || pc->eof)
			return want ? KTLS_E_CLOSED : 0;
		if (feed_input(pc))
			return pc->io_err;
	}
}

static const char *name_or(const char *name, const char *dflt)
{
	return name ? name : dflt;
}

static void print_alert(const char *key, int alert)
{
	const char *n = ktls_alert_name(alert);

	if (n)
		printf("%s=%s\n", key, n);
	else
		printf("%s=%d\n", key, alert);
}

static void print_result(const struct ktls_result *r)
{
	if (r->version == KTLS_VERSION_TLS13)
		printf("version=TLSv1.3\n");
	else
		printf("version=0x%04x\n", r->version);
	printf("cipher=%s\n", name_or(ktls_suite_name(r->suite), "unknown"));
	printf("group=%s\n", r->group ?
	       name_or(ktls_group_name(r->group), "unknown") : "none");
	printf("sigalg=%s\n", r->sigscheme ?
	       name_or(ktls_sigscheme_name(r->sigscheme), "unknown") : "none");
	printf("alpn=%s\n", r->alpn[0] ? r->alpn : "none");
	printf("hrr=%s\n", r->hrr ? "yes" : "no");
	printf("peer_verified=%s\n", r->peer_verified ? "yes" : "no");
	printf("psk_identity=");
	if (r->psk && r->psk_identity_len)
		print_escaped(r->psk_identity, r->psk_identity_len);
	else
		fputs("none", stdout);
	putchar('\n');
}

/* error= and alert= for a failed connection; @c may be NULL. */
static void print_failure(struct peer_conn *pc, int err)
{
	struct ktls_result r;
	int alert = -1;

	if (pc->c) {
		ktls_get_result(pc->c, &r);
		/* Our close_notify is not the story when the peer failed us. */
		if (r.alert_sent > 0 || r.alert_received < 0)
			alert = r.alert_sent;
		else
			alert = r.alert_received;
	}
	if (pc->io_err && err == pc->io_err)
		printf("error=%s: %s\n", pc->io_what, ktls_strerror(err));
	else
		printf("error=%s\n", err_text(pc->c, err));
	if (alert >= 0)
		print_alert("alert", alert);
	else
		printf("alert=none\n");
}

static void print_alert_received(struct peer_conn *pc)
{
	struct ktls_result r;

	if (!pc->c)
		return;
	ktls_get_result(pc->c, &r);
	if (r.alert_received >= 0)
		print_alert("alert_received", r.alert_received);
}

/*
 * Read what the peer still sends, discarding data, until it closes, an
 * alert fails the connection, or @ms pass. Waiting out the deadline is not
 * an error here, so the socket-side error is left as it was.
 */
static void read_until_close(struct peer_conn *pc, int ms)
{
	int saved_err = pc->io_err;
	const char *saved_what = pc->io_what;
	unsigned int st;
	size_t len;

	clock_gettime(CLOCK_MONOTONIC, &pc->deadline);
	pc->deadline.tv_nsec += (long)ms * 1000000;
	pc->deadline.tv_sec += pc->deadline.tv_nsec / 1000000000;
	pc->deadline.tv_nsec %= 1000000000;
	for (;;) {
		st = ktls_status(pc->c);
		if (st & KTLS_FAILED)
			break;
		if (st & KTLS_HAS_OUTPUT) {
			/*
			 * Output that cannot be sent any more is dropped: what
			 * the peer said before it went away still matters.
			 */
			if (flush_output(pc) && ktls_output(pc->c, &len))
				ktls_output_ack(pc->c, len);
			continue;
		}
		if (st & KTLS_APP_DATA) {
			if (!ktls_app_read(pc->c, &len))
				len = 0;
			ktls_app_consume(pc->c, len);
			continue;
		}
		if ((st & KTLS_PEER_CLOSED) || pc->eof || feed_input(pc))
			break;
	}
	pc->io_err = saved_err;
	pc->io_what = saved_what;
}

/* The error that failed the engine, or 0 while it has not failed. */
static int engine_error(const struct peer_conn *pc)
{
	struct ktls_result r;

	if (!pc->c || !(ktls_status(pc->c) & KTLS_FAILED))
		return 0;
	ktls_get_result(pc->c, &r);
	return r.error ? r.error : KTLS_E_FAILED;
}

/*
 * Send close_notify, then read until the peer closes too. A TLS 1.3 client
 * is done before the server has read its Finished: a server that rejects
 * us (certificate_required, say) says so only now, so an alert read here
 * is the connection's failure. Return: 0, or that error.
 */
static int close_conn(struct peer_conn *pc)
{
	if (!(ktls_status(pc->c) & KTLS_FAILED) && ktls_close(pc->c) == 0)
		(void)flush_output(pc);
	read_until_close(pc, PEER_DRAIN_MS);
	return engine_error(pc);
}

/*
 * On a failure the engine did not see (sending failed, say), the peer's
 * reason may still wait in our receive queue: the peer sent an alert and
 * closed. Read it so the report names it. Return: the error to report.
 */
static int settle_failure(struct peer_conn *pc, int err)
{
	if (!pc->c || pc->fd < 0)
		return err;
	if (ktls_status(pc->c) & KTLS_HAS_OUTPUT)
		(void)flush_output(pc);	/* our alert, if the engine queued one */
	if (!engine_error(pc))
		read_until_close(pc, PEER_DRAIN_MS);
	return engine_error(pc) ? engine_error(pc) : err;
}

/*
 * Close @fd so that what we sent last (an alert, RFC 8446 §6) reaches the
 * peer: close() with unread input makes the kernel answer with a TCP
 * reset, which can destroy the alert before the peer reads it. So shut
 * our side down first (the peer reads the alert, then EOF) and discard
 * what it still sends until it closes too or PEER_DRAIN_MS pass.
 */
static void close_lingering(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec end;
	char junk[4096];
	ssize_t n;
	int ms;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_nsec += (long)PEER_DRAIN_MS * 1000000;
	end.tv_sec += end.tv_nsec / 1000000000;
	end.tv_nsec %= 1000000000;
	if (shutdown(fd, SHUT_WR) == 0) {
		while ((ms = ms_left(&end)) > 0) {
			n = poll(&pfd, 1, ms);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				break;	/* EOF, or the peer reset already */
		}
	}
	close(fd);
}

static int conn_open(struct peer_conn *pc, struct peer_setup *s)
{
	int ret;

	pc->s = s;
	ret = ktls_conn_new(&s->cfg, &s->ops, s->o->role, &pc->c);
	if (ret) {
		pc->c = NULL;
		return ret;
	}
	return 0;
}

/*
 * Start the engine on a connected socket and run the handshake; print the
 * result once it is done. Return: 0, or an error code.
 */
static int start_handshake(struct peer_conn *pc)
{
	struct ktls_result r;
	int ret;

	/* --async callbacks find the connection's question slot through cur. */
	pc->s->cur = pc;
	ret = ktls_start(pc->c);
	if (!ret)
		ret = handshake(pc);
	pc->s->cur = NULL;
	if (pc->s->o->async)
		printf("async=%u\n", pc->answered);
	if (ret)
		return ret;
	ktls_get_result(pc->c, &r);
	print_result(&r);
	fflush(stdout);
	return 0;
}

/*
 * The end of a connection, either way: after a success, close it (a late
 * alert still fails it, see close_conn()); after a failure, settle and
 * report it. Return: 0, or the error reported.
 */
static int conn_finish(struct peer_conn *pc, int ret)
{
	if (!ret)
		ret = close_conn(pc);
	if (ret) {
		ret = settle_failure(pc, ret);
		print_failure(pc, ret);
	}
	print_alert_received(pc);
	return ret;
}

static int tcp_connect(const char *host, const char *port, long timeout,
		       const char **why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, gai;

	gai = getaddrinfo(host, port, &hints, &res);
	if (gai) {
		*why = gai_strerror(gai);
		return -1;
	}
	*why = "no address";
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		tool_set_timeouts(fd, timeout);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		*why = strerror(errno);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The client's --send: write it, read as many bytes back, print them as echo=. */
static int send_and_read_echo(struct peer_conn *pc, const struct peer_opts *o)
{
	uint8_t echo[PEER_MAX_SEND];
	size_t off = 0, used, echo_len = 0;
	int ret;

	while (off < o->send_len) {
		ret = ktls_app_write(pc->c, o->send + off, o->send_len - off,
				     &used);
		if (ret)
			return ret;
		if (used == 0 && !(ktls_status(pc->c) & KTLS_HAS_OUTPUT))
			return KTLS_E_BUFFER;
		off += used;
		if (flush_output(pc))
			return pc->io_err;
	}
	ret = app_data(pc, o->send_len, echo, &echo_len, false);
	if (ret)
		return ret;
	printf("echo=");
	print_escaped(echo, echo_len);
	putchar('\n');
	return 0;
}

static int run_client(const struct peer_opts *o, struct peer_setup *s)
{
	struct peer_conn pc = { .fd = -1 };
	char addr[NI_MAXHOST + NI_MAXSERV + 2];
	char *host, *port;
	const char *why, *name;
	int ret;

	snprintf(addr, sizeof(addr), "%s", o->addr);
	if (tool_split_hostport(addr, &host, &port))
		tool_misuse("--connect: expected HOST:PORT, got '%s'", o->addr);

	name = o->servername ? o->servername : host;
	ret = conn_open(&pc, s);
	if (!ret)
		ret = ktls_conn_set_peer_name(pc.c, name);
	if (!ret && s->psk.identity)
		ret = ktls_conn_set_psks(pc.c, &s->psk, 1);
	if (ret)
		goto finish;

	pc.fd = tcp_connect(host, port, o->timeout, &why);
	if (pc.fd < 0) {
		printf("error=connect %s: %s\nalert=none\n", o->addr, why);
		ret = KTLS_E_IO;
		goto out;
	}
	deadline_set(&pc, o->timeout);
	ret = start_handshake(&pc);
	if (!ret && o->have_send)
		ret = send_and_read_echo(&pc, o);
finish:
	ret = conn_finish(&pc, ret);
out:
	if (pc.fd >= 0)
		close_lingering(pc.fd);
	ktls_conn_free(pc.c);
	return ret ? 1 : 0;
}

static int tcp_listen(const struct peer_opts *o)
{
	struct addrinfo *res;
	const char *why;
	int fd, ret;

	ret = tool_resolve(o->addr, TOOL_AI_LISTEN, &res, &why);
	if (ret < 0)
		tool_misuse("--listen: expected ADDR:PORT, got '%s'", o->addr);
	if (ret)
		tool_misuse("--listen %s: %s (numeric address expected)", o->addr,
			    why);
	fd = tool_listen(res->ai_addr, res->ai_addrlen, 0, 16);
	if (fd < 0)
		printf("error=listen %s: %s\nalert=none\n", o->addr,
		       strerror(errno));
	freeaddrinfo(res);
	/* Scripts wait for this line; with port 0 it says which port we got. */
	if (fd >= 0)
		tool_print_listening(fd);
	return fd;
}

static int serve_one(const struct peer_opts *o, struct peer_setup *s, int lfd)
{
	struct peer_conn pc = { .fd = -1 };
	int ret;

	do
		pc.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (pc.fd < 0 && errno == EINTR);
	if (pc.fd < 0) {
		printf("error=accept: %s\nalert=none\n", strerror(errno));
		return 1;
	}
	tool_set_timeouts(pc.fd, o->timeout);
	deadline_set(&pc, o->timeout);
	ret = conn_open(&pc, s);
	if (!ret)
		ret = start_handshake(&pc);
	if (!ret) {
		/* Echo until the peer closes; the deadline is per connection. */
		deadline_set(&pc, o->timeout);
		ret = app_data(&pc, 0, NULL, NULL, true);
	}
	ret = conn_finish(&pc, ret);
	fflush(stdout);
	close_lingering(pc.fd);
	ktls_conn_free(pc.c);
	return ret ? 1 : 0;
}

static int run_server(const struct peer_opts *o, struct peer_setup *s)
{
	long i;
	int lfd, failed = 0;

	lfd = tcp_listen(o);
	if (lfd < 0)
		return 1;
	for (i = 0; o->count == 0 || i < o->count; i++) {
		if (o->count != 1)
			printf("conn=%ld\n", i + 1);
		failed |= serve_one(o, s, lfd);
	}
	close(lfd);
	return failed;
}

int main(int argc, char **argv)
{
	struct peer_opts o;
	struct peer_setup s;
	int ret;

	parse_args(argc, argv, &o);
	/* Line-buffered, so a script polling our output sees whole lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	ret = setup(&s, &o);
	if (ret == 0)
		ret = o.role == KTLS_ROLE_CLIENT ? run_client(&o, &s) :
						   run_server(&o, &s);
	setup_clear(&s);
	OPENSSL_cleanse(o.psk_key, sizeof(o.psk_key));
	return ret;
}
