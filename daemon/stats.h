/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counters and gauges, kept in one place: a field table drives the
 * key=value output, the JSON output, the STATISTICS section of ktlsd(8)
 * and a test that every key is documented.
 *
 * To add a statistic, add its row below and its two lines to STATISTICS in
 * docs/man/ktlsd.8; `KTLS_PRINT_MAN=1 tests/unit/test_stats` prints the
 * whole list to paste, and test_stats fails until the page matches.
 */
#ifndef KTLSD_STATS_H
#define KTLSD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum stat_kind {
	STAT_COUNTER,	/* only goes up (until "clear counters") */
	STAT_GAUGE,	/* current value */
	STAT_HISTOGRAM,	/* labelled families only: fixed buckets, sum, count */
};

/* key, kind, unit, help: every statistic ktlsd keeps. */
#define KTLSD_STATS(X)                                                                 \
	X(requests_accepted, STAT_COUNTER, "requests", "handshake requests taken from the kernel") \
	X(requests_rejected, STAT_COUNTER, "requests", "requests answered at once with an error (no material, bad request)") \
	X(requests_busy, STAT_COUNTER, "requests", "server-side requests refused at once: max_server_queued were waiting") \
	X(handshakes_ok, STAT_COUNTER, "handshakes", "handshakes completed with kernel TLS installed") \
	X(handshakes_failed, STAT_COUNTER, "handshakes", "handshakes that ended with a non-zero DONE status") \
	X(handshakes_timeout, STAT_COUNTER, "handshakes", "handshakes that ran out of time or whose peer went away") \
	X(alerts_sent, STAT_COUNTER, "alerts", "fatal alerts sent to peers") \
	X(alerts_received, STAT_COUNTER, "alerts", "fatal alerts received from peers") \
	X(ktls_install_failed, STAT_COUNTER, "handshakes", "kernel TLS key installations that failed") \
	X(done_sent, STAT_COUNTER, "messages", "DONE messages sent to the kernel") \
	X(done_failed, STAT_COUNTER, "messages", "DONE messages the kernel refused") \
	X(netlink_overruns, STAT_COUNTER, "events", "netlink receive overruns (ENOBUFS) recovered by draining") \
	X(signatures, STAT_COUNTER, "operations", "CertificateVerify signatures made by the privileged process") \
	X(signatures_refused, STAT_COUNTER, "operations", "signature requests refused (a second one for a request, an unknown request, the signer's queue full)") \
	X(psk_lookups, STAT_COUNTER, "operations", "PSK lookups by identity in a keyring") \
	X(worker_restarts, STAT_COUNTER, "events", "unprivileged worker restarts") \
	X(reloads, STAT_COUNTER, "events", "configuration reloads that took effect") \
	X(reloads_failed, STAT_COUNTER, "events", "configuration reloads refused (old configuration kept)") \
	X(inflight, STAT_GAUGE, "handshakes", "handshakes in flight now") \
	X(queued, STAT_GAUGE, "requests", "accepted requests waiting for a handshake slot") \
	X(inflight_server, STAT_GAUGE, "handshakes", "server-side handshakes in flight now") \
	X(queued_server, STAT_GAUGE, "requests", "server-side requests waiting for a handshake slot") \
	X(handshake_usec_total, STAT_COUNTER, "microseconds", "summed duration of completed handshakes") \
	X(peak_inflight, STAT_GAUGE, "handshakes", "the most handshakes in flight at once since ktlsd started")

enum stat_id {
#define KTLSD_STAT_ENUM(key, kind, unit, help) STAT_##key,
	KTLSD_STATS(KTLSD_STAT_ENUM)
#undef KTLSD_STAT_ENUM
	STAT_COUNT
};

struct stat_field {
	const char *key;
	enum stat_kind kind;
	const char *unit;
	const char *help;
};

extern const struct stat_field stat_fields[STAT_COUNT];

/*
 * Labelled families: one more table of the same shape, for the counters
 * that carry labels (role, auth mode, errno, alert) and the histograms.
 * The man page documents them after the scalars, and the same test keeps
 * both lists in step.
 */
#define KTLSD_STAT_FAMILIES(X)                                                         \
	X(handshakes_by_mode, STAT_COUNTER, "handshakes", "handshakes ended, by role (client, server) and auth mode (anon, psk, x509)") \
	X(failures_by_errno, STAT_COUNTER, "handshakes", "handshakes that ended with a non-zero DONE status, by that errno (other: one not listed)") \
	X(alerts_sent_by_type, STAT_COUNTER, "alerts", "fatal alerts sent to peers, by alert") \
	X(alerts_received_by_type, STAT_COUNTER, "alerts", "fatal alerts received from peers, by alert") \
	X(handshake_duration_ms, STAT_HISTOGRAM, "milliseconds", "time from ACCEPT to DONE, every request") \
	X(queue_wait_ms, STAT_HISTOGRAM, "milliseconds", "time from ACCEPT until a worker began the handshake (ACCEPT to DONE less the worker's handshake time)")

enum stat_family_id {
#define KTLSD_STAT_FAM_ENUM(key, kind, unit, help) STAT_FAM_##key,
	KTLSD_STAT_FAMILIES(KTLSD_STAT_FAM_ENUM)
#undef KTLSD_STAT_FAM_ENUM
	STAT_FAMILY_COUNT
};

extern const struct stat_field stat_families[STAT_FAMILY_COUNT];

/* Histogram bucket bounds, ms (then +Inf): fixed, so series compare. */
#define STAT_HIST_BOUNDS { 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000 }
#define STAT_HIST_NB 14			/* bounds; one more bucket for +Inf */

/* The auth modes handshakes_by_mode counts (the handshake uAPI's 1..3). */
enum stat_auth { STAT_AUTH_ANON, STAT_AUTH_PSK, STAT_AUTH_X509, STAT_AUTHS };

/* The errnos failures_by_errno names; any other counts as "other". */
#define STAT_ERRNO_NAMES 24

struct stat_hist {
	uint64_t bucket[STAT_HIST_NB + 1];	/* not cumulative; [NB]: above the last */
	uint64_t sum, count;
};

struct stats {
	uint64_t v[STAT_COUNT];
	uint64_t by_mode[2][STAT_AUTHS];		/* [server][auth] */
	uint64_t by_errno[STAT_ERRNO_NAMES + 1];	/* [STAT_ERRNO_NAMES]: other */
	uint64_t alerts_sent[256], alerts_received[256];
	struct stat_hist duration, queue_wait;
};

/* What a finished request adds (stats_note_done()). */
struct stat_done {
	bool server;		/* RQ_SERVER's role */
	int auth;		/* enum stat_auth, or -1: not counted by mode */
	int status;		/* the DONE status: 0 or a positive errno */
	int alert_sent, alert_received;		/* -1: none */
	uint64_t total_ms;	/* ACCEPT to DONE */
	uint64_t queued_ms;	/* ACCEPT until a worker began it */
};

/**
 * stats_note_done() - count one finished request in the labelled families
 * @s: the values
 * @d: what happened
 *
 * The scalar counters (handshakes_ok, ...) stay the caller's; this adds
 * the by-mode, by-errno, by-alert counts and both histograms.
 */
void stats_note_done(struct stats *s, const struct stat_done *d);

/* Keep peak_inflight (the gauge "inflight" was just set). */
static inline void stats_note_peak(struct stats *s)
{
	if (s->v[STAT_inflight] > s->v[STAT_peak_inflight])
		s->v[STAT_peak_inflight] = s->v[STAT_inflight];
}

/* The name failures_by_errno uses for @status ("other" when unlisted). */
const char *stat_errno_name(int status);

enum stat_format { STAT_FMT_TEXT, STAT_FMT_JSON, STAT_FMT_PROMETHEUS };

/**
 * stats_render() - write the whole statistics, scalars and families, in
 *	one of the three formats, resumable
 * @s: the values (a snapshot: it must not change between calls)
 * @fmt: text (key=value, family.label=value), json (one object, one
 *	line) or prometheus (text exposition format 0.0.4)
 * @pos: where to go on from; 0 to start. Updated.
 * @buf: output
 * @cap: bytes available at @buf (no NUL is written)
 *
 * Writes whole pieces (a line, or a JSON member) while they fit, so the
 * output is the same whatever @cap the calls are made with.
 *
 * Return: the bytes written; 0 with *@pos unchanged means the output is
 * complete (or @cap is below the longest piece, 512 bytes).
 */
size_t stats_render(const struct stats *s, enum stat_format fmt, size_t *pos,
		    char *buf, size_t cap);

static inline void stats_inc(struct stats *s, enum stat_id id)
{
	s->v[id]++;
}

static inline void stats_add(struct stats *s, enum stat_id id, uint64_t n)
{
	s->v[id] += n;
}

/**
 * stat_kind_name() - "counter" or "gauge", for typed output
 * @kind: a stat_kind
 *
 * Return: a static string ("unknown" for a value outside the enum).
 */
const char *stat_kind_name(enum stat_kind kind);

/**
 * stats_format_kv() - write one "key=value\n" line per statistic, in
 *	table order
 * @s: the values
 * @buf: output; may be NULL when @cap is 0 (to size a buffer)
 * @cap: bytes available at @buf, NUL included
 *
 * Like snprintf(), the return value is the length of the *whole* output
 * (NUL excluded), whether or not it fit: the output is complete exactly
 * when the return value is below @cap. When it is not, @buf holds only the
 * leading lines that fit whole, so a cut never leaves a partial number
 * that could be read as a value. @buf is NUL-terminated whenever @cap > 0.
 *
 * Return: the length the complete output needs, NUL excluded.
 */
size_t stats_format_kv(const struct stats *s, char *buf, size_t cap);

/**
 * stats_format_json() - write every statistic as one JSON object on one
 *	line: {"key":value,...} and a newline
 * @s: the values
 * @buf: output; may be NULL when @cap is 0
 * @cap: bytes available at @buf, NUL included
 *
 * Same return convention as stats_format_kv(). A JSON object cut short is
 * useless, so when the output does not fit @buf is set to "" (if @cap > 0).
 * Keys are C identifiers and values are integers: nothing needs escaping.
 *
 * Return: the length the complete output needs, NUL excluded.
 */
size_t stats_format_json(const struct stats *s, char *buf, size_t cap);

/**
 * stats_clear_counters() - zero every STAT_COUNTER, keep every STAT_GAUGE
 * @s: the values
 *
 * The labelled families are counters too and are zeroed.
 *
 * This is the "clear counters" command; nothing else lowers a counter.
 */
void stats_clear_counters(struct stats *s);

#endif /* KTLSD_STATS_H */
