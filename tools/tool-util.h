/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the diagnostic and test programs share: ktls-peer here, bench/storm
 * and bench/storm-peer, tests/vm/hs-request and half-rtt-server. Misuse and
 * fatal messages, numbers and hex on the command line, HOST:PORT arguments,
 * listening and loopback sockets, and socket timeouts. Plain libc only, so
 * the programs that talk to the test kernel module and link nothing else
 * can use it too; each program compiles tool-util.c in through its
 * Makefile.am _SOURCES.
 *
 * Every program that links it defines tool_name and tool_usage().
 */
#ifndef KTLS_TOOL_UTIL_H
#define KTLS_TOOL_UTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>
#include <netdb.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* The program's name, first in its messages; defined by the program. */
extern const char *const tool_name;

/* The program's usage lines, which tool_misuse() prints; defined by the program. */
void tool_usage(FILE *f);

/**
 * tool_misuse() - a command line we cannot run
 * @fmt: what is wrong, printed as "NAME: ..." on stderr
 *
 * Prints the usage after the message and exits 2 (style(9)).
 */
void __attribute__((noreturn, format(printf, 1, 2)))
tool_misuse(const char *fmt, ...);

/* "NAME: ..." on stderr, then exit(1): a failure that is not the caller's misuse. */
void __attribute__((noreturn, format(printf, 1, 2)))
tool_die(const char *fmt, ...);

/**
 * tool_getopt() - getopt_long(), with what every program does alike
 * @argc, @argv, @shortopts, @longopts: as getopt_long() takes them
 *
 * -h (and a long option that returns 'h') prints the usage and exits 0; an
 * unknown option or a missing argument, which getopt_long() has named,
 * prints the usage and exits 2; so does an argument left after the options.
 *
 * Return: the next option, or -1 after the last.
 */
int tool_getopt(int argc, char **argv, const char *shortopts,
		const struct option *longopts);

/**
 * tool_parse_num() - a decimal option argument
 * @opt: the option, for the message
 * @s: its argument
 * @min, @max: the range allowed
 *
 * Return: the number; anything else in @s, or a number out of range, is
 * misuse (tool_misuse()).
 */
long tool_parse_num(const char *opt, const char *s, long min, long max);

/* One word an option may take, and what it stands for. */
struct tool_word {
	const char *word;
	int value;
};

/**
 * tool_keyword() - the value of an option argument that is one of a few words
 * @opt: the option, for the message
 * @arg: its argument (compared without regard to case)
 * @words: the words it may be, ended by { NULL, 0 }
 *
 * Return: the value of the word @arg is; any other argument is misuse, and
 * the message lists the words ("--auth: anon, x509 or psk").
 */
int tool_keyword(const char *opt, const char *arg, const struct tool_word *words);

/**
 * tool_list_commas() - a list option's argument with every ':' made a ','
 * @in: the argument, e.g. "x25519:secp256r1" as OpenSSL's -groups takes it
 * @out, @cap: where the copy goes, and its size (the nul included)
 *
 * For lists of names that hold neither character, so that ',' and ':'
 * separate alike (ktls_parse_list() takes ',').
 *
 * Return: 0, or -1 when @in does not fit.
 */
int tool_list_commas(const char *in, char *out, size_t cap);

/* The value of hex digit @ch, or -1. */
int tool_hexval(int ch);

/**
 * tool_parse_hex() - an option argument in hex (an optional 0x first)
 * @opt: the option, for the message
 * @s: its argument
 * @out, @cap: where the bytes go, and how many fit
 *
 * Return: the number of bytes; an odd count of digits, a non-hex digit, no
 * digits or more than @cap bytes is misuse.
 */
size_t tool_parse_hex(const char *opt, const char *s, uint8_t *out, size_t cap);

/**
 * tool_split_hostport() - split "HOST:PORT" or "[V6]:PORT" in place
 * @s: the text, cut in two (and the brackets dropped)
 * @host, @port: set to the parts, inside @s
 *
 * Return: 0, or -1 when @s is not that shape or a part is empty.
 */
int tool_split_hostport(char *s, char **host, char **port);

/* getaddrinfo() flags for an address to listen on: numbers only. */
#define TOOL_AI_LISTEN (AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV)

/**
 * tool_resolve() - the stream-socket addresses of a HOST:PORT argument
 * @addr: "HOST:PORT" or "[V6]:PORT" (left whole, for the caller's messages)
 * @ai_flags: getaddrinfo() flags, e.g. TOOL_AI_LISTEN
 * @res: set to the addresses on success; freeaddrinfo() them
 * @why: set to the reason on failure
 *
 * Return: 0; -1 when @addr is not HOST:PORT (misuse, in most programs);
 * 1 when getaddrinfo() failed.
 */
int tool_resolve(const char *addr, int ai_flags, struct addrinfo **res,
		 const char **why);

/**
 * tool_listen() - a TCP listener, SO_REUSEADDR, close-on-exec
 * @sa, @len: the address to bind
 * @sock_flags: more socket() type flags (SOCK_NONBLOCK)
 * @backlog: for listen()
 *
 * Return: the socket, or -1 with errno set (nothing left open).
 */
int tool_listen(const struct sockaddr *sa, socklen_t len, int sock_flags,
		int backlog);

/*
 * "NAME: listening on ADDR:PORT" on stderr, the address the kernel bound
 * (with port 0, the port it picked). Scripts wait for this line.
 */
void tool_print_listening(int fd);

/* A blocking TCP connection to @sa; the socket, or -1 with errno set. */
int tool_connect(const struct sockaddr *sa, socklen_t len);

/**
 * tool_loopback_listen() - a listener on 127.0.0.1, on a port the kernel picks
 * @sin: set to the listener's address
 *
 * Return: the socket, or -1 with errno set.
 */
int tool_loopback_listen(struct sockaddr_in *sin);

/**
 * tool_loopback_pair() - a TCP connection over the loopback, both ends ours
 * @a: set to the end that connected
 * @b: set to the end that was accepted
 *
 * Return: 0, or an errno value with both set to -1.
 */
int tool_loopback_pair(int *a, int *b);

/*
 * TCP_NODELAY, and @seconds for every send and receive on @fd (SO_SNDTIMEO
 * also bounds connect(2) on Linux).
 */
void tool_set_timeouts(int fd, long seconds);

/**
 * tool_control_query() - one text request to ktlsd's control socket
 * @path: the socket (ktlsd.conf's control_socket)
 * @command: the command words, e.g. "stats"
 * @buf: the reply, NUL-terminated (cut to fit)
 * @size: room in @buf, at least 1
 *
 * Speaks docs/control-protocol.md: one "ktlsd-control 1 text COMMAND" line,
 * then reads until EOF, 5 s at most for each step.
 *
 * Return: the reply's length; -1 with errno set when the socket cannot be
 * reached or answers nothing, -1 with errno EPROTO when it answers "error: ".
 */
ssize_t tool_control_query(const char *path, const char *command, char *buf, size_t size);

#endif /* KTLS_TOOL_UTIL_H */
