/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libktls on a socket: run a TLS 1.3 handshake over a connected stream
 * socket (blocking, with a deadline, poll()-based) and hand the socket to
 * kernel TLS, so that a program gets a kTLS socket in one call:
 *
 *	struct ktls_config cfg;
 *	struct ktls_result r;
 *
 *	ktls_config_init(&cfg);
 *	cfg.trust = trust;
 *	if (ktls_handshake_socket(fd, &cfg, KTLS_ROLE_CLIENT, "server.example",
 *				  10000, &r) == 0)
 *		write(fd, "hello", 5);	// encrypted by the kernel
 *
 * The handshake reads exactly the records the engine asks for (first each
 * record's 5-byte header, then its body), so bytes the peer sends after
 * its last handshake record stay in the socket for kernel TLS.
 *
 * The two steps are also available apart, for a caller that sets up the
 * connection itself (PSKs, its own ktls_ops) or wants user-space TLS on a
 * kernel without kTLS: ktls_socket_handshake() then ktls_socket_install().
 */
#ifndef KTLS_SOCKET_H
#define KTLS_SOCKET_H

#include <ktls/ktls.h>

/**
 * ktls_socket_handshake() - run the handshake of @c over the socket @fd
 * @c: a connection from ktls_conn_new() or ktls_conn_init(), not started;
 *	its ops must not return KTLS_E_PENDING (nothing here could answer)
 * @fd: a connected stream socket, blocking or not; left as it was
 * @timeout_ms: deadline for the whole handshake in milliseconds, or -1 for
 *	none
 *
 * Calls ktls_start(), then sends what the engine has to send and receives
 * what it asks for until the handshake is done or failed. On failure, the
 * alert the engine queued is sent, within the same deadline. Sends
 * use MSG_NOSIGNAL: a peer that has gone away gives an error, not SIGPIPE.
 *
 * Return: 0 once the handshake is complete and the last flight sent;
 * otherwise the engine's error (ktls_get_result() and
 * ktls_error_detail() say more), KTLS_E_TIMEOUT when the deadline passed,
 * KTLS_E_CLOSED when the peer closed first (end of stream, or EPIPE or
 * ECONNRESET on a send), KTLS_E_IO when the socket
 * failed (errno holds why), or KTLS_E_INVALID for bad arguments or a
 * pending callback.
 */
KTLS_MUST_CHECK int ktls_socket_handshake(struct ktls_conn *c, int fd,
					  int timeout_ms);

/**
 * ktls_socket_install() - switch @fd to kernel TLS with @c's traffic keys
 * @c: a connection whose handshake on @fd is done (ktls_status() has
 *	KTLS_DONE and no output left)
 * @fd: the TCP socket the handshake ran on
 *
 * Sets TCP_ULP "tls", then TLS_TX_MAX_PAYLOAD_LEN when the peer sent a
 * record_size_limit (RFC 8449; ignored on kernels without it), then
 * TLS_TX and TLS_RX with the application traffic keys of each direction.
 * Key copies are wiped on every path. After a failure the socket may be
 * half-programmed and should be closed.
 *
 * Return: 0; KTLS_E_INVALID when the handshake is not done;
 * KTLS_E_IO when the kernel refused (errno holds why: ENOENT when the
 * kernel has no tls module, ENOTSUPP/EOPNOTSUPP for a cipher it lacks).
 */
KTLS_MUST_CHECK int ktls_socket_install(const struct ktls_conn *c, int fd);

/**
 * ktls_handshake_socket() - handshake on @fd, then install kernel TLS
 * @fd: a connected TCP socket
 * @cfg: the policy (credential, trust, lists); see ktls_config_init()
 * @role: KTLS_ROLE_CLIENT or KTLS_ROLE_SERVER
 * @peer_name: client: the name the server must prove (sent as SNI when
 *	it is a DNS name), or NULL with KTLS_F_NO_VERIFY or
 *	KTLS_F_NO_PEER_NAME_CHECK; server: ignored
 * @timeout_ms: deadline for the handshake in milliseconds, or -1
 * @out: if not NULL, filled with the outcome, on failure too
 *	(@out->error holds the error)
 *
 * Creates a connection with ktls_default_ops, runs
 * ktls_socket_handshake() and ktls_socket_install(), and frees the
 * connection, wiping its secrets. On success the socket carries kernel
 * TLS both ways: read() and write() move plaintext.
 *
 * Return: 0, or an error as ktls_socket_handshake() and
 * ktls_socket_install() return them (KTLS_E_NOMEM when no connection
 * could be made).
 */
KTLS_MUST_CHECK int ktls_handshake_socket(int fd, const struct ktls_config *cfg,
					  enum ktls_role role,
					  const char *peer_name, int timeout_ms,
					  struct ktls_result *out);

#endif /* KTLS_SOCKET_H */
