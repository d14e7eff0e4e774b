// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * psk-hrr-client: a hostile TLS 1.3 PSK client for the VM tests. It names
 * a PSK identity and proves it with a binder made from whatever key it is
 * given, empty and short ones included (our engine refuses to build those),
 * and by default offers no usable key share, so a server must answer with
 * a HelloRetryRequest; the second hello then carries a fresh binder over
 * the retry transcript (RFC 8446 §4.1.4, §4.2.11.2). It stops at the
 * server's answer to the last hello, which is all the test needs: an alert
 * (refused) or a ServerHello that selects the PSK (accepted; for a key the
 * server does not have, that is an authentication bypass).
 *
 *   psk-hrr-client --connect HOST:PORT --psk-identity ID
 *	(--psk-hex HEX | --psk-empty) [--first-share none|x25519|unknown]
 *	[--second-psk-hex HEX | --second-psk-empty] [--timeout SEC]
 *
 * --second-psk-* signs the second hello with another key than the first:
 * a first hello with a good binder is what an attacker has who replays an
 * honest host's first hello, and the second hello's binder must then be
 * checked afresh (RFC 8446 §4.1.4).
 *
 * Prints key=value lines on stdout: hello1= and hello2= (hrr, server_hello,
 * alert, closed), then result=refused alert=N, result=accepted
 * psk_index=N, or result=closed. Exit 0 when the server answered one of
 * those ways; 1 on a local or protocol error; 2 misuse.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "raw-hello.h"
#include "tool-util.h"

#define GROUP_X25519 0x001d
#define GROUP_UNKNOWN 0x7a7a	/* a GREASE value (RFC 8701): no server knows it */

const char *const tool_name = "psk-hrr-client";

void tool_usage(FILE *f)
{
	fprintf(f,
		"usage: %s --connect HOST:PORT --psk-identity ID (--psk-hex HEX | --psk-empty)\n"
		"\t[--first-share none|x25519|unknown] [--second-psk-hex HEX | --second-psk-empty]\n"
		"\t[--timeout SEC]\n", tool_name);
}

enum { SHARE_NONE, SHARE_X25519, SHARE_UNKNOWN };

static const struct tool_word share_words[] = {
	{ "none", SHARE_NONE }, { "x25519", SHARE_X25519 }, { "unknown", SHARE_UNKNOWN },
	{ NULL, 0 },
};

static int fd = -1;

/* The next record's body into @buf; its type, or -1 at EOF, -2 on error. */
static int read_record(uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t h[5];
	size_t got = 0, n;
	ssize_t r;

	while (got < 5) {
		r = read(fd, h + got, 5 - got);
		if (r == 0)
			return got ? -2 : -1;
		if (r < 0)
			return errno == ECONNRESET ? -1 : -2;
		got += (size_t)r;
	}
	n = (size_t)h[3] << 8 | h[4];
	if (n > cap)
		return -2;
	for (got = 0; got < n; got += (size_t)r) {
		r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -2;
	}
	*len = n;
	return h[0];
}

/* What the server answered: a handshake message into @msg, or an alert. */
enum answer { A_HELLO, A_ALERT, A_CLOSED, A_ERROR };

static enum answer read_answer(uint8_t *msg, size_t cap, size_t *len, int *alert)
{
	uint8_t rec[16384 + 256];
	size_t have = 0, n, need = 0;
	int t;

	for (;;) {
		t = read_record(rec, sizeof(rec), &n);
		if (t == -1)
			return A_CLOSED;
		if (t < 0)
			return A_ERROR;
		if (t == 20)				/* compatibility change_cipher_spec */
			continue;
		if (t == 21) {
			*alert = n >= 2 ? rec[1] : -1;
			return A_ALERT;
		}
		if (t != 22 || n > cap - have)
			return A_ERROR;
		memcpy(msg + have, rec, n);
		have += n;
		if (have >= 4)
			need = 4 + ((size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3]);
		if (need && have >= need) {
			*len = need;
			return A_HELLO;
		}
	}
}

static void send_hello(const uint8_t *msg, size_t len)
{
	uint8_t h[5];

	rh_record_header(h, 22, len);
	if (write(fd, h, 5) != 5 || write(fd, msg, len) != (ssize_t)len)
		tool_die("send: %s", strerror(errno));
}

static void x25519_share(uint8_t pub[32])
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	size_t n = 32;

	if (!k || !EVP_PKEY_get_raw_public_key(k, pub, &n) || n != 32)
		tool_die("X25519 key generation failed");
	EVP_PKEY_free(k);
}

/* Report the answer to hello @i; true when it was a HelloRetryRequest. */
static int report(int i, enum answer a, const uint8_t *msg, size_t len, int alert,
		  struct rh_server_hello *sh)
{
	switch (a) {
	case A_ALERT:
		printf("hello%d=alert alert=%d\nresult=refused alert=%d\n", i, alert, alert);
		exit(0);
	case A_CLOSED:
		printf("hello%d=closed\nresult=closed\n", i);
		exit(0);
	case A_ERROR:
		printf("hello%d=error\n", i);
		tool_die("bad or no answer to hello %d", i);
	case A_HELLO:
		break;
	}
	if (rh_parse_server_hello(msg, len, sh) < 0) {
		printf("hello%d=error\n", i);
		tool_die("answer to hello %d is no ServerHello", i);
	}
	if (sh->retry) {
		printf("hello%d=hrr group=0x%04x cookie=%zu\n", i, sh->group, sh->cookie_len);
		return 1;
	}
	printf("hello%d=server_hello psk=%d group=0x%04x\n", i, sh->psk, sh->group);
	if (sh->psk)
		printf("result=accepted psk_index=%u\n", sh->psk_index);
	else
		printf("result=accepted_without_psk\n");
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "psk-identity", required_argument, NULL, 'i' },
		{ "psk-hex", required_argument, NULL, 'x' },
		{ "psk-empty", no_argument, NULL, 'e' },
		{ "first-share", required_argument, NULL, 's' },
		{ "second-psk-hex", required_argument, NULL, 'X' },
		{ "second-psk-empty", no_argument, NULL, 'E' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *addr = NULL, *id = NULL, *why;
	uint8_t key[256], key2[256], ch1[2048], ch2[2048], msg[16384], pub1[32], pub2[32];
	uint8_t prefix[4 + RH_HASH_LEN + sizeof(msg)];
	size_t key_len = 0, key2_len = 0, l1, l2, b1, b2, mlen = 0, plen;
	int share = SHARE_NONE, alert = -1, opt;
	bool have_key = false, have_key2 = false;
	long timeout = 10;
	struct rh_server_hello sh;
	struct rh_hello h;
	struct addrinfo *ai;
	enum answer a;

	while ((opt = tool_getopt(argc, argv, "", opts)) != -1) {
		switch (opt) {
		case 'c': addr = optarg; break;
		case 'i': id = optarg; break;
		case 'x':
			key_len = tool_parse_hex("--psk-hex", optarg, key, sizeof(key));
			have_key = true;
			break;
		case 'e': key_len = 0; have_key = true; break;
		case 'X':
			key2_len = tool_parse_hex("--second-psk-hex", optarg, key2, sizeof(key2));
			have_key2 = true;
			break;
		case 'E': key2_len = 0; have_key2 = true; break;
		case 's': share = tool_keyword("--first-share", optarg, share_words); break;
		case 't': timeout = tool_parse_num("--timeout", optarg, 1, 3600); break;
		}
	}
	if (!addr || !id || !have_key)
		tool_misuse("--connect, --psk-identity and a key are needed");
	if (!*id || strlen(id) > 1024)
		tool_misuse("--psk-identity: 1 to 1024 bytes");
	if (tool_resolve(addr, AI_NUMERICSERV, &ai, &why))
		tool_die("%s: %s", addr, why);
	fd = tool_connect(ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (fd < 0)
		tool_die("connect %s: %s", addr, strerror(errno));
	tool_set_timeouts(fd, timeout);

	memset(&h, 0, sizeof(h));
	if (RAND_bytes(h.random, 32) != 1 || RAND_bytes(h.session_id, 32) != 1 ||
	    RAND_bytes(pub1, 32) != 1)
		tool_die("no random bytes");
	h.groups[h.n_groups++] = GROUP_X25519;
	h.psk_identity = (const uint8_t *)id;
	h.psk_identity_len = strlen(id);
	if (share == SHARE_X25519) {
		x25519_share(pub1);
		h.shares[0].group = GROUP_X25519;
	} else if (share == SHARE_UNKNOWN) {
		h.shares[0].group = GROUP_UNKNOWN;
		/* supported_groups lists it too, after the one we can do. */
		h.groups[h.n_groups++] = GROUP_UNKNOWN;
	}
	if (share != SHARE_NONE) {
		h.shares[0].key = pub1;
		h.shares[0].key_len = 32;
		h.n_shares = 1;
	}
	l1 = rh_build(&h, ch1, sizeof(ch1), &b1);
	if (!l1)
		tool_die("hello too large");
	rh_sign_binder(ch1, l1, b1, NULL, 0, key, key_len);
	send_hello(ch1, l1);
	a = read_answer(msg, sizeof(msg), &mlen, &alert);
	report(1, a, msg, mlen, alert, &sh);

	/* The retry: the group it asks for, its cookie, the same identity, a
	 * binder over message_hash(CH1) || HRR || CH2 (§4.4.1). */
	if (sh.group != GROUP_X25519)
		tool_die("retry asks for group 0x%04x, not x25519", sh.group);
	rh_message_hash(ch1, l1, prefix);
	memcpy(prefix + 4 + RH_HASH_LEN, msg, mlen);
	plen = 4 + RH_HASH_LEN + mlen;
	/* supported_groups stays as it was: only the share may change. */
	x25519_share(pub2);
	h.shares[0].group = GROUP_X25519;
	h.shares[0].key = pub2;
	h.shares[0].key_len = 32;
	h.n_shares = 1;
	h.cookie = sh.cookie;
	h.cookie_len = sh.cookie_len;
	l2 = rh_build(&h, ch2, sizeof(ch2), &b2);
	if (!l2)
		tool_die("second hello too large");
	if (have_key2)
		rh_sign_binder(ch2, l2, b2, prefix, plen, key2, key2_len);
	else
		rh_sign_binder(ch2, l2, b2, prefix, plen, key, key_len);
	send_hello(ch2, l2);
	a = read_answer(msg, sizeof(msg), &mlen, &alert);
	if (report(2, a, msg, mlen, alert, &sh)) {
		printf("result=second_retry\n");
		return 1;
	}
	return 0;
}
