/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ktlsd's configuration: /etc/ktlsd/ktlsd.conf (INI), or, when it is
 * absent, the reference agent's legacy /etc/tlshd.conf or /etc/tlshd/config
 * with the same meaning. Parsed into one plain struct; errors and warnings
 * carry the file and line. See ktlsd.conf(5).
 */
#ifndef KTLSD_CONFIG_H
#define KTLSD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KCFG_PATH_MAX 4096
#define KCFG_MAX_KEYRINGS 16
#define KCFG_KEYRING_MAX 256	/* bytes of one keyring name, with the NUL */
#define KCFG_LIST_MAX 16	/* == KTLS_MAX_LIST */
#define KCFG_ERR_MAX 512
/*
 * The workers' user by default: ktlsd's own (the systemd unit and the
 * package create it); nobody, with a warning, where it does not exist.
 */
#define KCFG_DEFAULT_USER "ktlsd"
#define KCFG_FALLBACK_USER "nobody"
#define KCFG_MAX_WARNINGS 8
#define KCFG_LINE_MAX 8191	/* bytes of one line, without its newline */
#define KCFG_FILE_MAX (1024 * 1024)	/* bytes of one configuration file */
#define KCFG_MAX_WORKERS 64	/* the most worker processes "workers" may ask for */
#define KCFG_MAX_INFLIGHT 65536	/* the largest max_inflight */
#define KCFG_AUTO_WORKERS_MAX 16	/* "workers = 0": one per online CPU, up to this */

#define KCFG_DEFAULT_PATH "/etc/ktlsd/ktlsd.conf"
#define KCFG_TLSHD_PATH "/etc/tlshd/config"
#define KCFG_TLSHD_LEGACY_PATH "/etc/tlshd.conf"

/* Settings for one role ([authenticate.client] / [authenticate.server]). */
struct kcfg_role {
	char truststore[KCFG_PATH_MAX];	/* PEM CA bundle; "" = system */
	char crl[KCFG_PATH_MAX];	/* PEM CRLs; "" = none */
	char certificate[KCFG_PATH_MAX];	/* PEM chain; "" = none */
	char private_key[KCFG_PATH_MAX];	/* PEM key; "" = none */
	char pq_certificate[KCFG_PATH_MAX];	/* x509.pq.certificate; "" = none */
	char pq_private_key[KCFG_PATH_MAX];	/* x509.pq.private_key; "" = none */
	/* ktlsd extensions (absent from tlshd's format): */
	bool require_client_cert;	/* server: mtls only */
};

/* --- control socket --- */
/* control_socket's default ("" turns it off); stats_socket is its old name. */
#define KCFG_CONTROL_SOCKET "/run/ktlsd/control"
/* --- end of control socket --- */

struct kcfg {
	char source[KCFG_PATH_MAX];	/* the file this came from; "" = none */
	bool tlshd_compat;		/* read in tlshd compatibility mode */
	bool legacy_path;		/* found by the search at the legacy
					 * /etc/tlshd.conf: the caller should log
					 * a deprecation notice, as tlshd does */

	/* [debug] */
	int loglevel;			/* 0 quiet; >0 debug logging */
	int tls_debug;			/* [debug] tls */
	int nl_debug;			/* [debug] nl */
	int delay_done;			/* [debug] delay_done, seconds (tests) */

	/* [authenticate] */
	char keyrings[KCFG_MAX_KEYRINGS][KCFG_KEYRING_MAX];	/* as listed */
	size_t n_keyrings;
	unsigned int security_level;	/* ktlsd only: peer chains, 0..5 (2) */

	struct kcfg_role client;
	struct kcfg_role server;

	/* [ktlsd] (ktlsd only) */
	unsigned int max_inflight;	/* handshakes in flight (default 1024) */
	unsigned int workers;		/* worker processes; 0 = one per CPU */
	unsigned int worker_slots;	/* not a key: the handshakes a worker
					 * sizes its tables for, from the
					 * monitor (--worker-slots); 0 means
					 * max_inflight */
	char user[64];			/* worker user (default "nobody") */
	char stats_socket[KCFG_PATH_MAX];	/* control_socket (old name
						 * stats_socket); "" = none */
	/* TLS policy; empty lists mean libktls defaults. IANA names. */
	uint16_t suites[KCFG_LIST_MAX];
	size_t n_suites;
	uint16_t groups[KCFG_LIST_MAX];
	size_t n_groups;
	uint16_t sigschemes[KCFG_LIST_MAX];
	size_t n_sigschemes;
	/* Default handshake budgets when ACCEPT carries no timeout, ms. */
	unsigned int timeout_client_ms;	/* default 20000 (NFS client) */
	unsigned int timeout_server_ms;	/* default 5000 (NFSD) */
	unsigned int timeout_psk_ms;	/* default 10000 (NVMe) */

	/* --- budgets a flood cannot take (monitor; ktlsd.conf(5)) --- */
	unsigned int max_server_inflight;	/* server-side handshakes in
						 * flight; 0 = 3/4 of max_inflight.
						 * The rest is kept for this host's
						 * own (client) handshakes */
	unsigned int max_server_queued;		/* server requests waiting; more
						 * are refused at once (EBUSY);
						 * default 1024 */
	char stats_group[64];			/* group of the statistics socket;
						 * "" = "ktlsd" if it exists, else root */
	/* --- end of budgets --- */
	/* --- per-peer fairness (monitor; ktlsd.conf(5)) --- */
	unsigned int max_server_inflight_per_peer;	/* server handshakes in
							 * flight for one peer
							 * key; 0 = half of
							 * the server share */
	/* --- end of per-peer fairness --- */

	/*
	 * Things kcfg_load() accepted but the admin should hear about
	 * (ignored keys in compatibility mode, missing files tlshd would
	 * have skipped), as "FILE:LINE: message". The caller logs them.
	 */
	char warnings[KCFG_MAX_WARNINGS][KCFG_ERR_MAX];
	size_t n_warnings;
	size_t n_warnings_dropped;	/* beyond KCFG_MAX_WARNINGS */
};

/**
 * kcfg_defaults() - fill @cfg with the built-in defaults
 * @cfg: the configuration to reset
 *
 * max_inflight 1024, workers 0 (one per CPU), user "nobody", timeouts
 * 20000/5000/10000 ms, security level KTLS_SECURITY_LEVEL_DEFAULT, every
 * debug level 0, no files, no keyrings, empty policy lists.
 */
void kcfg_defaults(struct kcfg *cfg);

/**
 * kcfg_workers() - how many worker processes @cfg asks for
 * @cfg: a loaded configuration
 *
 * Return: @cfg->workers when it is set, else the number of online CPUs
 * clamped to 1..KCFG_AUTO_WORKERS_MAX.
 */
unsigned int kcfg_workers(const struct kcfg *cfg);

/* --- budgets a flood cannot take --- */
/**
 * kcfg_server_inflight() - how many server-side handshakes may be in flight
 * @cfg: a loaded configuration
 *
 * Return: max_server_inflight, or 3/4 of max_inflight when it is unset,
 * always below max_inflight (when that is above 1) so that this host's
 * own client handshakes keep a reserve no flood from the network can take.
 */
unsigned int kcfg_server_inflight(const struct kcfg *cfg);

/**
 * kcfg_server_inflight_per_peer() - server handshakes one peer key may hold
 * @cfg: the configuration
 * Return: max_server_inflight_per_peer, or half of kcfg_server_inflight()
 *	(at least 1) when it is unset; never more than kcfg_server_inflight().
 */
unsigned int kcfg_server_inflight_per_peer(const struct kcfg *cfg);
/* --- end of budgets --- */

/**
 * kcfg_load() - read a configuration file
 * @path: the file (from -c); NULL means search KCFG_DEFAULT_PATH, then
 *	KCFG_TLSHD_LEGACY_PATH, then KCFG_TLSHD_PATH (tlshd's own order for
 *	its two files). The first that exists is read; if none exists,
 *	@cfg gets the defaults with source "". A file that exists but is
 *	broken or unreadable is an error: the search does not go on.
 * @cfg: filled on success (defaults first, then the file); left
 *	untouched on failure, so a failed reload keeps the old settings
 * @err: on failure, "FILE:LINE: message" (or "FILE: message")
 *
 * The file is read in tlshd compatibility mode when its path is one of
 * tlshd's two (as searched, or given as @path) or when it has no [ktlsd]
 * group. Compatibility mode is as lenient as tlshd: unknown groups and
 * keys are ignored, a bad [debug] integer reads as 0, and a missing
 * certificate, key, trust store or CRL file is accepted; each of these
 * adds an entry to @cfg->warnings. Otherwise each of them is an error.
 * Either way, syntax errors, values too long to hold, private key URLs
 * (pkcs11: ...) and bad values for ktlsd's own keys (the [ktlsd] group,
 * x509.require_client_cert, security_level) are errors, and so is, in
 * ktlsd's own mode, x509.require_client_cert without a server
 * x509.truststore (see kcfg_client_auth()). See ktlsd.conf(5).
 *
 * Return: 0, or -1 with @err set.
 */
__attribute__((warn_unused_result)) int
kcfg_load(const char *path, struct kcfg *cfg, char err[KCFG_ERR_MAX]);

/*
 * How a server handshake treats client certificates. A verified one makes
 * the kernel see an authenticated peer (REMOTE_AUTH; NFSD's xprtsec=mtls),
 * so it may only be verified against a trust store meant for it.
 */
enum kcfg_client_auth {
	/* ktlsd's own mode, no [authenticate.server] x509.truststore: no
	 * CertificateRequest, every client unauthenticated */
	KCFG_CLIENT_AUTH_NONE,
	/* request one; verify it against [authenticate.server] x509.truststore */
	KCFG_CLIENT_AUTH_TRUSTSTORE,
	/* tlshd compatibility mode without that trust store: request one and
	 * verify it against the system trust store, as tlshd does */
	KCFG_CLIENT_AUTH_SYSTEM,
};

/**
 * kcfg_client_auth() - how server handshakes treat client certificates
 * @cfg: a loaded configuration
 *
 * Return: KCFG_CLIENT_AUTH_TRUSTSTORE when [authenticate.server] names an
 * x509.truststore; otherwise KCFG_CLIENT_AUTH_SYSTEM in tlshd
 * compatibility mode and KCFG_CLIENT_AUTH_NONE in ktlsd's own mode (and
 * with the built-in defaults).
 */
enum kcfg_client_auth kcfg_client_auth(const struct kcfg *cfg);

/**
 * kcfg_client_auth_notice() - what to log about it, once, at startup
 * @cfg: a loaded configuration
 * @warning: set to true when the line is a warning (else a notice)
 *
 * Return: a static line for KCFG_CLIENT_AUTH_NONE (a notice) and
 * KCFG_CLIENT_AUTH_SYSTEM (a warning), or NULL.
 */
const char *kcfg_client_auth_notice(const struct kcfg *cfg, bool *warning);

/**
 * kcfg_set_search_paths() - replace the places kcfg_load(NULL) looks
 * @ktlsd: instead of KCFG_DEFAULT_PATH
 * @tlshd_legacy: instead of KCFG_TLSHD_LEGACY_PATH
 * @tlshd: instead of KCFG_TLSHD_PATH
 *
 * For tests: a NULL argument restores that built-in path. The two tlshd
 * paths set here are also the ones that select compatibility mode. The
 * strings are copied (and cut at KCFG_PATH_MAX - 1 bytes). Not thread-safe.
 */
void kcfg_set_search_paths(const char *ktlsd, const char *tlshd_legacy,
			   const char *tlshd);

#endif /* KTLSD_CONFIG_H */
