// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktls-connect: the smallest kernel TLS client on libktls. It connects to
 * HOST PORT over TCP, runs the TLS 1.3 handshake with one call to
 * ktls_handshake_socket(), and then talks to the server with plain write()
 * and read(): the kernel encrypts and decrypts. It sends one line and
 * prints what comes back (an echo server answers with the same line).
 *
 * Uses only the installed headers and pkg-config:
 *
 *	cc -o ktls-connect ktls-connect.c $(pkg-config --cflags --libs libktls)
 *	./ktls-connect -c ca.pem server.example 4433
 *
 * Needs a kernel with kernel TLS (the tls module: modprobe tls).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <ktls/ktls.h>
#include <ktls/socket.h>

static int tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, err;

	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "ktls-connect: %s: %s\n", host, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "ktls-connect: cannot connect to %s port %s\n", host, port);
	return fd;
}

int main(int argc, char **argv)
{
	const char *ca = NULL, *name = NULL, *msg = "hello over kernel TLS\n";
	struct ktls_trust *trust = NULL;
	struct ktls_config cfg;
	struct ktls_result r;
	char buf[4096];
	ssize_t n;
	int opt, fd, ret;

	while ((opt = getopt(argc, argv, "c:n:m:")) != -1) {
		switch (opt) {
		case 'c':
			ca = optarg;	/* PEM bundle; default: the system store */
			break;
		case 'n':
			name = optarg;	/* name to verify; default: HOST */
			break;
		case 'm':
			msg = optarg;	/* what to send */
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;

	ktls_config_init(&cfg);
	ret = ktls_trust_load(ca, NULL, NULL, &trust);
	if (ret) {
		fprintf(stderr, "ktls-connect: trust anchors: %s\n", ktls_strerror(ret));
		return 1;
	}
	cfg.trust = trust;

	fd = tcp_connect(argv[optind], argv[optind + 1]);
	if (fd < 0)
		return 1;
	ret = ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT,
				    name ? name : argv[optind], 10000, &r);
	if (ret) {
		fprintf(stderr, "ktls-connect: %s%s%s\n", ktls_strerror(ret),
			ret == KTLS_E_IO ? ": " : "",
			ret == KTLS_E_IO ? strerror(errno) : "");
		close(fd);
		ktls_trust_free(trust);
		return 1;
	}
	printf("kernel TLS: %s, %s\n", ktls_suite_name(r.suite),
	       r.group ? ktls_group_name(r.group) : "psk_ke");

	/* From here on the socket is an ordinary one: the kernel does TLS. */
	if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg)) {
		perror("ktls-connect: write");
		ret = 1;
	} else if ((n = read(fd, buf, sizeof(buf))) < 0) {
		perror("ktls-connect: read");
		ret = 1;
	} else {
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	ktls_trust_free(trust);
	return ret ? 1 : 0;

usage:
	fprintf(stderr, "usage: ktls-connect [-c CA.pem] [-n NAME] [-m MESSAGE] HOST PORT\n");
	return 2;
}
