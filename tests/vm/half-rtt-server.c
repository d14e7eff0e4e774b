// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * half-rtt-server: a TLS 1.3 server (OpenSSL's libssl, a test peer only)
 * that sends application data right behind its Finished, before the
 * client's Finished has arrived: 0.5-RTT data (RFC 8446 §2, §4.4.4). In
 * the VM handshake test the client is the kernel, through ktlsd. The bytes
 * lie in the socket right after the last handshake record the agent may
 * read; if the agent took one byte too many, kernel TLS would never see the
 * line and the module's read would fail. The client echoes the line back
 * through kernel TLS and this server checks it.
 *
 * Usage: half-rtt-server --listen 127.0.0.1:PORT --cert PEM --key PEM
 *                        --send TEXT [--timeout SECONDS]
 * Prints key=value lines:
 *	listening on 127.0.0.1:PORT
 *	half_rtt_sent=yes            written before the handshake completed
 *	handshake=ok
 *	echo=ok | echo=mismatch
 * Exit status: 0 when the echo matched, 1 otherwise, 2 on misuse.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tool-util.h"

const char *const tool_name = "half-rtt-server";

void tool_usage(FILE *f)
{
	fprintf(f, "usage: %s --listen ADDR:PORT --cert PEM --key PEM --send TEXT\n"
		"\t[--timeout SECONDS]\n", tool_name);
}

static void die(const char *what)
{
	printf("error=%s\n", what);
	ERR_print_errors_fp(stdout);
	fflush(stdout);
	exit(1);
}

static int listen_on(const char *spec)
{
	struct addrinfo *res;
	const char *why;
	int fd;

	if (tool_resolve(spec, TOOL_AI_LISTEN, &res, &why))
		return -1;
	fd = tool_listen(res->ai_addr, res->ai_addrlen, 0, 1);
	freeaddrinfo(res);
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "send", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_spec = NULL, *cert = NULL, *key = NULL, *text = NULL;
	unsigned int timeout = 30;
	char back[256];
	size_t n, len, got = 0;
	SSL_CTX *ctx;
	SSL *ssl;
	int opt, lfd, fd, ret;

	while ((opt = tool_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case 'l': listen_spec = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 's': text = optarg; break;
		case 't':
			timeout = (unsigned int)tool_parse_num("--timeout", optarg, 1, 3600);
			break;
		}
	}
	if (!listen_spec || !cert || !key || !text)
		tool_misuse("--listen, --cert, --key and --send are required");
	if (strlen(text) == 0 || strlen(text) > sizeof(back))
		tool_misuse("--send: 1 to %zu bytes", sizeof(back));
	len = strlen(text);
	alarm(timeout);
	signal(SIGPIPE, SIG_IGN);

	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		die("server context");
	/* A kernel client must never be sent a ticket. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);

	lfd = listen_on(listen_spec);
	if (lfd < 0)
		die("listen");
	printf("listening on %s\n", listen_spec);
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd))
		die("SSL_new");

	/*
	 * SSL_read_early_data() runs the handshake up to our Finished and
	 * stops there (the client offers no early data): the moment 0.5-RTT
	 * data may go out.
	 */
	for (;;) {
		ret = SSL_read_early_data(ssl, back, sizeof(back), &n);
		if (ret == SSL_READ_EARLY_DATA_FINISH)
			break;
		if (ret == SSL_READ_EARLY_DATA_ERROR)
			die("handshake up to our Finished");
	}
	if (SSL_is_init_finished(ssl))
		die("the handshake completed before the 0.5-RTT write");
	if (SSL_write_early_data(ssl, text, len, &n) != 1 || n != len)
		die("0.5-RTT write");
	printf("half_rtt_sent=yes\n");
	fflush(stdout);
	if (SSL_do_handshake(ssl) != 1)
		die("handshake");
	printf("handshake=ok\n");
	fflush(stdout);

	while (got < len) {
		ret = SSL_read(ssl, back + got, (int)(len - got));
		if (ret <= 0)
			die("reading the echo");
		got += (size_t)ret;
	}
	ret = memcmp(back, text, len) != 0;
	printf("echo=%s\n", ret ? "mismatch" : "ok");
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	close(lfd);
	return ret;
}
