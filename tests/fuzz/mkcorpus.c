// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Seed corpus generator for the fuzz targets, run once by hand and its
 * output committed under tests/fuzz/corpus/ ("make regen-corpus"):
 *
 *	mkcorpus <corpus dir>
 *
 * It runs our client against our server in memory, both on the fixture's
 * deterministic ops (fixture.c), for a table of configuration pairs
 * (suites, groups, HelloRetryRequest with and without a cookie, PSK with
 * and without (EC)DHE, mutual authentication, asynchronous signing and PSK
 * lookup, ALPN, record_size_limit, middlebox-compatible CCS), then sends
 * application data, KeyUpdate, a NewSessionTicket and close_notify. What
 * each side sent becomes a seed for the other side's target (client/ gets
 * the server's bytes, server/ the client's), prefixed with the two bytes
 * the targets read: the configuration index and the chunking mode. Every
 * seed is replayed through fx_drive() before it is written, and the run
 * fails if a successful pairing does not replay to KTLS_DONE.
 *
 * messages/ gets each plaintext handshake message seen on the way (taken
 * from the receiver's reassembly buffer), and cert/ chains and credentials
 * made with libcrypto under the fixture's CA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "msg.h"
#include "record.h"
#include "x509.h"

#include "fixture.h"

static const char *outdir;
static int failures;

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 1024;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("realloc");
			exit(1);
		}
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void buf_u8(struct buf *b, uint8_t v)
{
	buf_add(b, &v, 1);
}

static void buf_u16(struct buf *b, size_t v)
{
	buf_u8(b, (uint8_t)(v >> 8));
	buf_u8(b, (uint8_t)v);
}

static void buf_u24(struct buf *b, size_t v)
{
	buf_u8(b, (uint8_t)(v >> 16));
	buf_u16(b, v & 0xffff);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void write_seed(const char *target, const char *name, const uint8_t *head,
		       size_t head_len, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(head, 1, head_len, f) != head_len ||
	    (len && fwrite(p, 1, len, f) != len) || fclose(f)) {
		perror(path);
		exit(1);
	}
	printf("  %-8s %-40s %6zu bytes\n", target, name, head_len + len);
}

/* ---- handshake messages seen by a receiver ---- */

#define MAX_PER_TYPE 1

struct seen {
	uint8_t sel;
	uint8_t *body;
	size_t len;
};

static struct seen seen[64];
static size_t n_seen;

static int msg_selector(uint8_t type, size_t body_len)
{
	switch (type) {
	case KTLS_HS_CLIENT_HELLO: return 0;
	case KTLS_HS_SERVER_HELLO: return 1;
	case KTLS_HS_ENCRYPTED_EXTENSIONS: return 2;
	case KTLS_HS_CERTIFICATE_REQUEST: return 3;
	case KTLS_HS_CERTIFICATE: return 4;
	case KTLS_HS_CERTIFICATE_VERIFY: return 5;
	case KTLS_HS_FINISHED: return body_len == 48 ? 7 : 6;
	case KTLS_HS_KEY_UPDATE: return 8;
	case KTLS_HS_NEW_SESSION_TICKET: return 9;
	default: return -1;
	}
}

static void see_message(const uint8_t *msg)
{
	size_t len = ((size_t)msg[1] << 16) | (msg[2] << 8) | msg[3];
	int sel = msg_selector(msg[0], len);
	size_t i, same = 0;

	if (sel < 0 || n_seen == sizeof(seen) / sizeof(seen[0]))
		return;
	for (i = 0; i < n_seen; i++) {
		if (seen[i].sel != sel)
			continue;
		if (seen[i].len == len && !memcmp(seen[i].body, msg + 4, len))
			return;
		same++;
	}
	if (same == MAX_PER_TYPE)
		return;
	seen[n_seen].sel = (uint8_t)sel;
	seen[n_seen].body = malloc(len ? len : 1);
	memcpy(seen[n_seen].body, msg + 4, len);
	seen[n_seen].len = len;
	n_seen++;
}

/* ---- one side of an in-memory pairing ---- */

struct side {
	struct fx_ctx ctx;
	struct ktls_conn *c;
	struct buf sent;	/* wire bytes */
	struct buf plain;	/* the same as plaintext records (fx_drive) */
};

/*
 * @to has just read a whole record, @rec as sent: add it to @from->plain
 * in fx_drive()'s records format. A protected record is taken from @to's
 * input buffer, which holds it opened in place until the next record.
 */
static void see_record(struct side *from, const struct side *to,
		       const uint8_t *rec, bool was_protected)
{
	const uint8_t *in = to->c->in;
	size_t len = (size_t)rec[3] << 8 | rec[4];

	if (!was_protected || rec[0] != KTLS_CT_APPLICATION_DATA) {
		buf_u8(&from->plain, 0x80 | rec[0]);
		buf_u16(&from->plain, len);
		buf_add(&from->plain, rec + KTLS_RECORD_HEADER, len);
		return;
	}
	len -= KC_TAG_LEN;
	while (len && in[KTLS_RECORD_HEADER + len - 1] == 0)
		len--;
	if (!len)
		return;
	buf_u8(&from->plain, in[KTLS_RECORD_HEADER + len - 1]);
	buf_u16(&from->plain, len - 1);
	buf_add(&from->plain, in + KTLS_RECORD_HEADER, len - 1);
}

/* Answer pending operations and read application data. */
static void settle(struct side *s)
{
	unsigned int st;
	size_t n;

	for (;;) {
		st = ktls_status(s->c);
		if ((st & KTLS_PENDING) && s->ctx.pending != FX_PENDING_NONE) {
			if (fx_pending_complete(s->c, &s->ctx)) {
				/* shows in the status */
			}
		} else if (st & KTLS_APP_DATA) {
			ktls_app_read(s->c, &n);
			ktls_app_consume(s->c, n);
		} else {
			return;
		}
	}
}

/* Move @from's output to @to a record at a time; false if there was none. */
static bool pump(struct side *from, struct side *to)
{
	size_t len, off = 0;
	const uint8_t *out = ktls_output(from->c, &len);

	if (!len)
		return false;
	buf_add(&from->sent, out, len);
	while (off + KTLS_RECORD_HEADER <= len) {
		size_t rec = KTLS_RECORD_HEADER + ((size_t)out[off + 3] << 8 | out[off + 4]);
		size_t fed = 0, used;
		bool prot = to->c->rd_protected;

		while (fed < rec) {
			settle(to);
			if (to->c->hs_len == 0)
				to->c->hs[0] = 0;	/* marks "no new message" */
			used = 0;
			if (ktls_input(to->c, out + off + fed, rec - fed, &used)) {
				/* a failure shows in the status */
			}
			if (to->c->hs_len == 0 && to->c->hs[0])
				see_message(to->c->hs);
			if (!used) {
				settle(to);
				if (ktls_input(to->c, out + off + fed, rec - fed, &used)) {
					/* as above */
				}
				if (!used)
					goto out;	/* @to takes no more */
			}
			fed += used;
		}
		see_record(from, to, out + off, prot);
		off += rec;
	}
out:
	ktls_output_ack(from->c, len);
	settle(to);
	return true;
}

/* A NewSessionTicket with an early_data extension (we never resume). */
static void send_ticket(struct ktls_conn *c)
{
	struct buf m = { 0 };
	size_t body;
	int i;

	buf_u8(&m, KTLS_HS_NEW_SESSION_TICKET);
	buf_u24(&m, 0);
	buf_add(&m, "\x00\x00\x1c\x20", 4);		/* lifetime 7200 s */
	buf_add(&m, "\x12\x34\x56\x78", 4);		/* age_add */
	buf_u8(&m, 8);
	buf_add(&m, "nonce-01", 8);
	buf_u16(&m, 32);
	for (i = 0; i < 32; i++)
		buf_u8(&m, (uint8_t)i);
	buf_u16(&m, 8);
	buf_add(&m, "\x00\x2a\x00\x04\x00\x00\x40\x00", 8);	/* early_data */
	body = m.len - 4;
	m.p[1] = (uint8_t)(body >> 16);
	m.p[2] = (uint8_t)(body >> 8);
	m.p[3] = (uint8_t)body;
	if (krec_write(c, KTLS_CT_HANDSHAKE, m.p, m.len))
		fprintf(stderr, "could not queue the ticket\n");
	buf_free(&m);
}

static void post_handshake(struct side *cli, struct side *srv)
{
	static const char ping[] = "ping from the client";
	static const char pong[] = "pong from the server";
	size_t used;

	if (ktls_app_write(cli->c, (const uint8_t *)ping, sizeof(ping), &used) ||
	    ktls_key_update(cli->c, true))
		failures++;
	pump(cli, srv);
	pump(srv, cli);		/* the server's answering KeyUpdate */
	if (ktls_app_write(srv->c, (const uint8_t *)pong, sizeof(pong), &used))
		failures++;
	send_ticket(srv->c);
	if (ktls_key_update(srv->c, false) ||
	    ktls_app_write(srv->c, (const uint8_t *)pong, 5, &used) ||
	    ktls_close(srv->c))
		failures++;
	pump(srv, cli);
	if (ktls_close(cli->c))
		failures++;
	pump(cli, srv);
}

/* ---- pairings ---- */

struct pairing {
	const char *name;
	int cv, sv;		/* fixture.c variant indexes */
	uint8_t chunk;		/* chunking byte written into the seeds */
	bool ok;		/* expected to complete */
	bool records;		/* also write records-mode seeds */
};

static const struct pairing pairings[] = {
	{ "mutual-x25519-aes128", CV_DEFAULT, SV_DEFAULT, 0, true, true },
	{ "p384-aes256", CV_AES256_P384, SV_DEFAULT, 0x81, true, true },
	{ "chacha-compat-ccs", CV_CHACHA_COMPAT, SV_DEFAULT, 0, true, true },
	{ "x448-ccm-alpn-rsl", CV_CCM_X448_ALPN, SV_RSL_ALPN, 0x9f, true, true },
	{ "hrr-cookie", CV_DEFAULT, SV_HRR_COOKIE, 0, true, true },
	{ "hrr-cookie-compat-ccs", CV_CHACHA_COMPAT, SV_HRR_COOKIE, 7, true, false },
	{ "hrr-x448-two-shares-noverify", CV_NO_VERIFY, SV_HRR_X448, 0, true, false },
	{ "psk-dhe", CV_PSK_DHE, SV_DEFAULT, 0, true, false },
	{ "psk-ke-async-lookup", CV_PSK_KE, SV_ED448_ASYNC, 1, true, true },
	{ "ed448-async-sign", CV_DEFAULT, SV_ED448_ASYNC, 0, true, true },
	{ "no-client-cert-required", CV_NO_CERT, SV_REQUIRE_384, 0, false, false },
	{ "no-client-cert-requested", CV_NO_CERT, SV_DEFAULT, 0, true, true },
	{ "ip-name-p521", CV_IP_NAME, SV_DEFAULT, 0xc0, true, false },
	{ "server-ecdsa-p256", CV_DEFAULT, SV_P256, 0, true, false },
	{ "server-rsa-pss-rsae", CV_DEFAULT, SV_RSA, 0, true, true },
	{ "server-rsa-pss-pss", CV_AES256_P384, SV_RSA_PSS, 0, true, false },
	{ "server-ecdsa-p384", CV_AES256_P384, SV_P384, 0, true, false },
};

/* Replay @data in a fresh target-side connection; true when it is DONE. */
static bool replays(bool client, int variant, uint8_t chunk,
		    const uint8_t *data, size_t len, bool records)
{
	return fx_replay(client ? KTLS_ROLE_CLIENT : KTLS_ROLE_SERVER,
			 (size_t)variant, data, len, chunk, records) > 0;
}

/* The first record of @b re-framed as @parts records, then the rest. */
static void split_first(const struct buf *b, size_t parts, struct buf *out)
{
	size_t body = (size_t)b->p[3] << 8 | b->p[4], off = 0, i;

	for (i = 0; i < parts; i++) {
		size_t n = i + 1 == parts ? body - off : body / parts;

		buf_add(out, b->p, 3);
		buf_u16(out, n);
		buf_add(out, b->p + KTLS_RECORD_HEADER + off, n);
		off += n;
	}
	buf_add(out, b->p + KTLS_RECORD_HEADER + body,
		b->len - KTLS_RECORD_HEADER - body);
}

static void run_pairing(const struct pairing *p)
{
	struct side cli = { 0 }, srv = { 0 };
	const struct fx_server_variant *sv = fx_server_variant((size_t)p->sv);
	uint8_t head[2];
	char name[128];
	bool done, moved;
	int i;

	fx_ctx_init(&cli.ctx, FX_CLIENT_SEED);
	fx_ctx_init(&srv.ctx, FX_SERVER_SEED);
	cli.c = fx_client_new(fx_client_variant((size_t)p->cv), &cli.ctx);
	srv.c = fx_server_new(sv, &srv.ctx);
	if (!cli.c || !srv.c) {
		fprintf(stderr, "%s: cannot make the connections\n", p->name);
		exit(1);
	}
	for (i = 0; i < 64; i++) {
		moved = pump(&cli, &srv);
		moved |= pump(&srv, &cli);
		settle(&cli);
		settle(&srv);
		if (!moved)
			break;
	}
	done = (ktls_status(cli.c) & KTLS_DONE) && (ktls_status(srv.c) & KTLS_DONE);
	if (done != p->ok) {
		fprintf(stderr, "%s: handshake %s (client: %s, server: %s)\n", p->name,
			done ? "completed" : "failed", ktls_error_detail(cli.c),
			ktls_error_detail(srv.c));
		failures++;
	}
	if (done)
		post_handshake(&cli, &srv);

	head[0] = (uint8_t)p->cv;
	head[1] = p->chunk;
	if (replays(true, p->cv, p->chunk, srv.sent.p, srv.sent.len, false) != done) {
		fprintf(stderr, "%s: the server's flight does not replay\n", p->name);
		failures++;
	}
	write_seed("client", p->name, head, 2, srv.sent.p, srv.sent.len);
	if (p->records) {
		head[0] = (uint8_t)(p->cv | 0x80);
		if (replays(true, p->cv, p->chunk, srv.plain.p, srv.plain.len, true) != done) {
			fprintf(stderr, "%s: the server's records do not replay\n", p->name);
			failures++;
		}
		snprintf(name, sizeof(name), "%s-records", p->name);
		write_seed("client", name, head, 2, srv.plain.p, srv.plain.len);
	}
	if (sv->replayable) {
		head[0] = (uint8_t)p->sv;
		if (replays(false, p->sv, p->chunk, cli.sent.p, cli.sent.len, false) != done) {
			fprintf(stderr, "%s: the client's flight does not replay\n", p->name);
			failures++;
		}
		write_seed("server", p->name, head, 2, cli.sent.p, cli.sent.len);
		if (p->records) {
			head[0] = (uint8_t)(p->sv | 0x80);
			if (replays(false, p->sv, p->chunk, cli.plain.p, cli.plain.len,
				    true) != done) {
				fprintf(stderr, "%s: the client's records do not replay\n",
					p->name);
				failures++;
			}
			snprintf(name, sizeof(name), "%s-records", p->name);
			write_seed("server", name, head, 2, cli.plain.p, cli.plain.len);
		}
	}

	/* Reassembly: the first record (a hello) split over several. */
	if (p->sv == SV_DEFAULT && p->cv == CV_DEFAULT) {
		struct buf b = { 0 };
		static const uint8_t alert[] = { 21, 3, 3, 0, 2, 2, 40 };

		split_first(&cli.sent, 3, &b);
		head[0] = (uint8_t)p->sv;
		head[1] = 0;
		if (!replays(false, p->sv, 0, b.p, b.len, false))
			failures++;
		snprintf(name, sizeof(name), "%s-ch-in-3-records", p->name);
		write_seed("server", name, head, 2, b.p, b.len);
		buf_free(&b);

		split_first(&srv.sent, 2, &b);
		head[0] = (uint8_t)p->cv;
		if (!replays(true, p->cv, 0, b.p, b.len, false))
			failures++;
		snprintf(name, sizeof(name), "%s-sh-in-2-records", p->name);
		write_seed("client", name, head, 2, b.p, b.len);
		buf_free(&b);

		/* ServerHello, then a plaintext handshake_failure alert. */
		buf_add(&b, srv.sent.p, KTLS_RECORD_HEADER +
			((size_t)srv.sent.p[3] << 8 | srv.sent.p[4]));
		buf_add(&b, alert, sizeof(alert));
		snprintf(name, sizeof(name), "%s-sh-then-alert", p->name);
		write_seed("client", name, head, 2, b.p, b.len);
		buf_free(&b);
	}
	ktls_conn_free(cli.c);
	ktls_conn_free(srv.c);
	buf_free(&cli.sent);
	buf_free(&srv.sent);
	buf_free(&cli.plain);
	buf_free(&srv.plain);
}

/* ---- messages/ ---- */

/*
 * A ClientHello body (no header) a hostile client sends: 300 unknown
 * extensions, 250 key shares and 300 signature schemes, ours last in
 * each (RFC 8446 §4.1.2, §4.2.3, §4.2.8), so mutations start from lists
 * longer than any bound the parser once had.
 */
static void hostile_client_hello(struct buf *b)
{
	struct buf e = { 0 }, l = { 0 };
	size_t i;

	buf_u16(b, 0x0303);
	for (i = 0; i < 32; i++)
		buf_u8(b, (uint8_t)i);
	buf_u8(b, 0);
	buf_u16(b, 2);
	buf_u16(b, KTLS_AES_128_GCM_SHA256);
	buf_u8(b, 1);
	buf_u8(b, 0);
	for (i = 0; i < 300; i++) {
		buf_u16(&e, 0x8000 + i);
		buf_u16(&e, 0);
	}
	buf_u16(&e, KTLS_EXT_SUPPORTED_VERSIONS);
	buf_u16(&e, 3);
	buf_u8(&e, 2);
	buf_u16(&e, KTLS_VERSION_TLS13);
	buf_u16(&e, KTLS_EXT_SUPPORTED_GROUPS);
	buf_u16(&e, 4);
	buf_u16(&e, 2);
	buf_u16(&e, KTLS_GROUP_X25519);
	for (i = 0; i < 249; i++) {
		buf_u16(&l, 0x0200 + i);
		buf_u16(&l, 1);
		buf_u8(&l, (uint8_t)i);
	}
	buf_u16(&l, KTLS_GROUP_X25519);
	buf_u16(&l, 32);
	for (i = 0; i < 32; i++)
		buf_u8(&l, (uint8_t)(0x40 + i));
	buf_u16(&e, KTLS_EXT_KEY_SHARE);
	buf_u16(&e, l.len + 2);
	buf_u16(&e, l.len);
	buf_add(&e, l.p, l.len);
	buf_u16(&e, KTLS_EXT_SIGNATURE_ALGORITHMS);
	buf_u16(&e, 2 + 2 * 300);
	buf_u16(&e, 2 * 300);
	for (i = 0; i < 299; i++)
		buf_u16(&e, 0xfe00 + i);
	buf_u16(&e, KTLS_SIG_ECDSA_SECP256R1_SHA256);
	buf_u16(b, e.len);
	buf_add(b, e.p, e.len);
	buf_free(&e);
	buf_free(&l);
}

static void message_seeds(void)
{
	static const char *const names[10] = {
		"client-hello", "server-hello", "encrypted-extensions",
		"certificate-request", "certificate", "certificate-verify",
		"finished-sha256", "finished-sha384", "key-update",
		"new-session-ticket",
	};
	struct buf b = { 0 };
	struct kmsg_ch hostile;
	unsigned int count[10] = { 0 };
	char name[64];
	uint8_t sel;
	size_t i, off;

	for (i = 0; i < n_seen; i++) {
		sel = seen[i].sel;
		snprintf(name, sizeof(name), "%s-%u", names[sel], count[sel]++);
		write_seed("messages", name, &sel, 1, seen[i].body, seen[i].len);
	}
	/* An extension block and a u16 list, cut from the first ClientHello. */
	for (i = 0; i < n_seen && seen[i].sel != 0; i++)
		;
	if (i < n_seen) {
		const uint8_t *ch = seen[i].body;

		off = 2 + 32;				/* version, random */
		off += 1 + ch[off];			/* session id */
		sel = 11;
		write_seed("messages", "u16-list-suites", &sel, 1, ch + off,
			   2 + ((size_t)ch[off] << 8 | ch[off + 1]));
		off += 2 + ((size_t)ch[off] << 8 | ch[off + 1]);	/* suites */
		off += 1 + ch[off];			/* compression */
		buf_u8(&b, 10);
		buf_u8(&b, 0);				/* for a ClientHello */
		buf_add(&b, ch + off, seen[i].len - off);
		write_seed("messages", "extensions-client-hello", b.p, 2, b.p + 2,
			   b.len - 2);
		buf_free(&b);
	}
	/* Header first, to check the parser takes it and finds our share. */
	buf_u8(&b, KTLS_HS_CLIENT_HELLO);
	buf_u24(&b, 0);
	hostile_client_hello(&b);
	b.p[1] = (uint8_t)((b.len - 4) >> 16);
	b.p[2] = (uint8_t)((b.len - 4) >> 8);
	b.p[3] = (uint8_t)(b.len - 4);
	if (kmsg_ch_parse(b.p, b.len, &hostile) || hostile.n_shares != 1 ||
	    hostile.ext.n_unknown != 300) {
		fprintf(stderr, "mkcorpus: the hostile ClientHello does not parse\n");
		failures++;
	}
	sel = 0;
	write_seed("messages", "client-hello-hostile", &sel, 1, b.p + 4, b.len - 4);
	buf_free(&b);
	for (i = 0; i < n_seen; i++)
		free(seen[i].body);
	n_seen = 0;
}

/* ---- cert/ ---- */

static EVP_PKEY *keygen(const char *what)
{
	EVP_PKEY_CTX *kc;
	EVP_PKEY *k = NULL;

	if (!strcmp(what, "P-256") || !strcmp(what, "P-384"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", what);
	if (!strcmp(what, "RSA"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	kc = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	if (kc && EVP_PKEY_keygen_init(kc) == 1 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(kc, 2048) == 1)
		EVP_PKEY_keygen(kc, &k);
	EVP_PKEY_CTX_free(kc);
	return k;
}

/* A Certificate message body holding @certs; @ext adds an entry extension. */
static void cert_body(struct buf *b, X509 *const *certs, size_t n, bool ext)
{
	struct buf list = { 0 };
	uint8_t *der;
	size_t i, len;

	for (i = 0; i < n; i++) {
		der = fx_cert_der(certs[i], &len);
		if (!der)
			exit(1);
		buf_u24(&list, len);
		buf_add(&list, der, len);
		if (ext && i == 0) {
			buf_u16(&list, 4);
			buf_add(&list, "\x00\x05\x00\x00", 4);	/* status_request */
		} else {
			buf_u16(&list, 0);
		}
		OPENSSL_free(der);
	}
	buf_u8(b, 0);		/* empty certificate_request_context */
	buf_u24(b, list.len);
	buf_add(b, list.p, list.len);
	buf_free(&list);
}

/* 2-byte length-prefixed DER list (fuzz_cert mode 1). */
static void der_list(struct buf *b, X509 *const *certs, size_t n)
{
	uint8_t *der;
	size_t i, len;

	for (i = 0; i < n; i++) {
		der = fx_cert_der(certs[i], &len);
		buf_u16(b, len);
		buf_add(b, der, len);
		OPENSSL_free(der);
	}
}

/* Write a cert/ seed; for a Certificate body, say how it verifies. */
static void cert_seed(const char *name, uint8_t flags, const struct buf *b)
{
	static const char *const names[4] = {
		NULL, FX_SERVER_NAME, "127.0.0.1", "a.wild.test",
	};
	const struct fx_pki *pki = fx_pki_get();
	struct kmsg_cert cert;
	const char *reason = NULL;
	struct buf m = { 0 };
	int ret;

	write_seed("cert", name, &flags, 1, b->p, b->len);
	if ((flags >> 5) & 3)
		return;
	buf_u8(&m, KTLS_HS_CERTIFICATE);
	buf_u24(&m, b->len);
	buf_add(&m, b->p, b->len);
	ret = kmsg_cert_parse(m.p, m.len, &cert);
	if (!ret)
		ret = kx_verify_chain(flags & 8 ? pki->trust_crl : pki->trust,
				      cert.der, cert.der_len, cert.n,
				      names[(flags >> 1) & 3], flags & 1,
				      KTLS_SECURITY_LEVEL_DEFAULT,
				      flags & 0x80 ? FX_NOT_AFTER + 86400 : FX_NOW,
				      NULL, NULL, &reason);
	printf("           -> %s (%s)\n", ktls_strerror(ret), reason ? reason : "-");
	buf_free(&m);
}

static void cred_seed(const char *name, X509 *x, const uint8_t *key, size_t klen)
{
	struct buf b = { 0 };
	uint8_t *der;
	size_t len;

	der = fx_cert_der(x, &len);
	buf_u16(&b, len);
	buf_add(&b, der, len);
	if (klen)
		buf_add(&b, key, klen);
	cert_seed(name, 0x40, &b);
	OPENSSL_free(der);
	buf_free(&b);
}

static void cert_seeds(void)
{
	const struct fx_pki *pki = fx_pki_get();
	static const char san[] = "DNS:" FX_SERVER_NAME ",IP:127.0.0.1";
	const unsigned int both = FX_CERT_SERVER | FX_CERT_CLIENT;
	EVP_PKEY *ca = pki->ca_key, *k[8], *other;
	X509 *x[16], *chain[12], *oca;
	struct buf b = { 0 };
	uint8_t *kder;
	size_t klen, i;

	k[0] = fx_key_raw("ED25519", 10);
	k[1] = keygen("P-256");
	k[2] = keygen("RSA");
	k[3] = keygen("RSA-PSS");
	k[4] = fx_key_raw("ED448", 11);
	k[5] = keygen("P-384");
	k[6] = keygen("P-256");		/* intermediate CA */
	other = fx_key_raw("ED25519", 20);
	for (i = 0; i < 7; i++)
		if (!k[i])
			exit(1);
	oca = fx_cert_make(other, "Other CA", NULL, NULL, other, 1, FX_NOT_BEFORE,
			   FX_NOT_AFTER, FX_CERT_CA);

	x[0] = fx_cert_make(k[0], FX_SERVER_NAME, san, pki->ca, ca, 10,
			    FX_NOT_BEFORE, FX_NOT_AFTER, both);
	x[1] = fx_cert_make(k[1], FX_SERVER_NAME, san, pki->ca, ca, 11,
			    FX_NOT_BEFORE, FX_NOT_AFTER, FX_CERT_SERVER);
	x[2] = fx_cert_make(k[2], "client.test", "DNS:client.test", pki->ca, ca, 12,
			    FX_NOT_BEFORE, FX_NOT_AFTER, FX_CERT_CLIENT);
	x[3] = fx_cert_make(k[3], FX_SERVER_NAME, san, pki->ca, ca, 13,
			    FX_NOT_BEFORE, FX_NOT_AFTER, both);
	x[4] = fx_cert_make(k[4], FX_SERVER_NAME, san, pki->ca, ca, 14,
			    FX_NOT_BEFORE, FX_NOT_AFTER, both);
	x[5] = fx_cert_make(k[0], "wild", "DNS:*.wild.test", pki->ca, ca, 15,
			    FX_NOT_BEFORE, FX_NOT_AFTER, both);
	x[6] = fx_cert_make(k[6], "Fuzz Intermediate", NULL, pki->ca, ca, 16,
			    FX_NOT_BEFORE, FX_NOT_AFTER, FX_CERT_CA);
	x[7] = fx_cert_make(k[5], FX_SERVER_NAME, san, x[6], k[6], 17,
			    FX_NOT_BEFORE, FX_NOT_AFTER, both);
	x[8] = fx_cert_make(k[0], FX_SERVER_NAME, san, pki->ca, ca, FX_REVOKED_SERIAL,
			    FX_NOT_BEFORE, FX_NOT_AFTER, both);
	x[9] = fx_cert_make(k[0], FX_SERVER_NAME, san, pki->ca, ca, 19,
			    FX_NOT_BEFORE, FX_NOW - 86400, both);
	x[10] = fx_cert_make(k[0], FX_SERVER_NAME, san, oca, other, 20,
			     FX_NOT_BEFORE, FX_NOT_AFTER, both);
	x[11] = fx_cert_make(k[0], FX_SERVER_NAME, san, NULL, k[0], 21,
			     FX_NOT_BEFORE, FX_NOT_AFTER, both);
	x[12] = fx_cert_make(k[0], "other.test", "DNS:other.test", pki->ca, ca, 22,
			     FX_NOT_BEFORE, FX_NOT_AFTER, both);
	for (i = 0; i < 13; i++)
		if (!x[i] || !oca)
			exit(1);

#define BODY(name, flags, ext, ...)                                           \
	do {                                                                  \
		X509 *l_[] = { __VA_ARGS__ };                                 \
		cert_body(&b, l_, sizeof(l_) / sizeof(l_[0]), ext);            \
		cert_seed(name, flags, &b);                                   \
		buf_free(&b);                                                 \
	} while (0)

	/* flags: 1 server, 2/4/6 name, 8 CRL, 0x10 cache, 0x20 list, 0x80 late */
	BODY("ok-ed25519-server-name", 0x03, false, x[0]);
	BODY("ok-p256-server-ip", 0x05, false, x[1]);
	BODY("ok-rsa-client", 0x00, false, x[2]);
	BODY("ok-rsa-pss-server-cache", 0x13, false, x[3]);
	BODY("ok-ed448-server", 0x03, false, x[4]);
	BODY("ok-wildcard", 0x07, false, x[5]);
	BODY("ok-intermediate-chain", 0x13, false, x[7], x[6]);
	BODY("crl-intermediate-chain", 0x0b, false, x[7], x[6]);
	BODY("crl-ok", 0x0b, false, x[0]);
	BODY("crl-revoked", 0x0b, false, x[8]);
	BODY("expired-leaf", 0x03, false, x[9]);
	BODY("clock-past-notafter", 0x83, false, x[0]);
	BODY("unknown-ca", 0x03, false, x[10], oca);
	BODY("self-signed", 0x03, false, x[11]);
	BODY("name-mismatch", 0x03, false, x[12]);
	BODY("wrong-purpose", 0x01, false, x[2]);
	BODY("entry-extension", 0x03, true, x[0]);

	for (i = 0; i < 11; i++)
		chain[i] = x[0];
	der_list(&b, chain, 11);
	cert_seed("list-too-long", 0x23, &b);
	buf_free(&b);
	chain[0] = x[7];
	chain[1] = x[6];
	chain[2] = pki->ca;
	der_list(&b, chain, 3);
	cert_seed("list-chain-with-anchor", 0x23, &b);
	buf_free(&b);

	kder = fx_key_der(k[0], &klen);
	cred_seed("cred-ed25519-pkcs8", x[0], kder, klen);
	OPENSSL_free(kder);
	kder = NULL;
	klen = (size_t)i2d_PrivateKey(k[1], &kder);
	cred_seed("cred-p256-sec1", x[1], kder, klen);
	OPENSSL_free(kder);
	kder = fx_key_der(k[4], &klen);
	cred_seed("cred-key-mismatch", x[0], kder, klen);
	OPENSSL_free(kder);
	cred_seed("cred-no-key", x[3], NULL, 0);

	for (i = 0; i < 13; i++)
		X509_free(x[i]);
	for (i = 0; i < 7; i++)
		EVP_PKEY_free(k[i]);
	X509_free(oca);
	EVP_PKEY_free(other);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus <corpus dir>\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	if (fx_variants_init(true)) {
		fprintf(stderr, "cannot make the fixture\n");
		return 1;
	}
	for (i = 0; i < sizeof(pairings) / sizeof(pairings[0]); i++)
		run_pairing(&pairings[i]);
	message_seeds();
	cert_seeds();
	fx_pki_free();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
