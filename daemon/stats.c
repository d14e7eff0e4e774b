// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The statistics field table and its text renderings.
 *
 * stat_fields[] is expanded from the KTLSD_STATS X-macro in stats.h, so a
 * statistic is added in exactly one place and shows up in the key=value
 * output (unbound-control and smtpctl style), the JSON output, and, through
 * tests/unit/test_stats.c, must show up in the STATISTICS section of
 * ktlsd(8) too. The formatters never allocate and never write past the
 * capacity they are given; they report the size the whole output needs, so
 * the control socket can size its buffer once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <ktls/constants.h>

#include "stats.h"

const struct stat_field stat_fields[STAT_COUNT] = {
#define KTLSD_STAT_FIELD(key, kind, unit, help) [STAT_##key] = { #key, kind, unit, help },
	KTLSD_STATS(KTLSD_STAT_FIELD)
#undef KTLSD_STAT_FIELD
};

const struct stat_field stat_families[STAT_FAMILY_COUNT] = {
#define KTLSD_STAT_FAM_FIELD(key, kind, unit, help) [STAT_FAM_##key] = { #key, kind, unit, help },
	KTLSD_STAT_FAMILIES(KTLSD_STAT_FAM_FIELD)
#undef KTLSD_STAT_FAM_FIELD
};

/* Longest key, NUL included; checked for every key at compile time. */
#define STAT_KEY_MAX 64
/* A key, '=' or the JSON quoting and comma, 20 digits, '\n', NUL. */
#define STAT_PIECE_MAX (STAT_KEY_MAX + 32)

#define KTLSD_STAT_KEYLEN(key, kind, unit, help) \
	_Static_assert(sizeof(#key) <= STAT_KEY_MAX, "statistic key too long: " #key);
KTLSD_STATS(KTLSD_STAT_KEYLEN)
#undef KTLSD_STAT_KEYLEN

/*
 * A bounded writer that keeps whole pieces only: once one piece does not
 * fit, nothing more is written, but the needed length keeps growing.
 */
struct stat_out {
	char *buf;
	size_t cap;
	size_t used;	/* bytes written to buf */
	size_t need;	/* bytes the whole output takes */
	bool full;
};

static void out_piece(struct stat_out *o, const char *piece, size_t len)
{
	o->need += len;
	if (o->full)
		return;
	/* Keep one byte for the NUL. */
	if (o->cap == 0 || len >= o->cap - o->used) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->used, piece, len);
	o->used += len;
}

static void out_fmt(struct stat_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_fmt(struct stat_out *o, const char *fmt, ...)
{
	char piece[STAT_PIECE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	/* Ruled out by STAT_KEY_MAX; never emit a cut piece anyway. */
	if (n < 0 || (size_t)n >= sizeof(piece))
		return;
	out_piece(o, piece, (size_t)n);
}

static void out_end(struct stat_out *o)
{
	if (o->cap > 0)
		o->buf[o->used] = '\0';
}

const char *stat_kind_name(enum stat_kind kind)
{
	switch (kind) {
	case STAT_COUNTER:
		return "counter";
	case STAT_GAUGE:
		return "gauge";
	case STAT_HISTOGRAM:
		return "histogram";
	}
	return "unknown";
}

size_t stats_format_kv(const struct stats *s, char *buf, size_t cap)
{
	struct stat_out o = { .buf = buf, .cap = cap };
	size_t i;

	for (i = 0; i < STAT_COUNT; i++)
		out_fmt(&o, "%s=%" PRIu64 "\n", stat_fields[i].key, s->v[i]);
	out_end(&o);
	return o.need;
}

size_t stats_format_json(const struct stats *s, char *buf, size_t cap)
{
	struct stat_out o = { .buf = buf, .cap = cap };
	size_t i;

	out_piece(&o, "{", 1);
	for (i = 0; i < STAT_COUNT; i++)
		out_fmt(&o, "%s\"%s\":%" PRIu64, i ? "," : "", stat_fields[i].key, s->v[i]);
	out_piece(&o, "}\n", 2);
	if (o.full)
		o.used = 0;
	out_end(&o);
	return o.need;
}

void stats_clear_counters(struct stats *s)
{
	size_t i;

	for (i = 0; i < STAT_COUNT; i++)
		if (stat_fields[i].kind == STAT_COUNTER)
			s->v[i] = 0;
	memset(s->by_mode, 0, sizeof(s->by_mode));
	memset(s->by_errno, 0, sizeof(s->by_errno));
	memset(s->alerts_sent, 0, sizeof(s->alerts_sent));
	memset(s->alerts_received, 0, sizeof(s->alerts_received));
	memset(&s->duration, 0, sizeof(s->duration));
	memset(&s->queue_wait, 0, sizeof(s->queue_wait));
}

/* ---- labelled families ---- */

static const uint64_t hist_bounds[STAT_HIST_NB] = STAT_HIST_BOUNDS;

/* The errnos a DONE carries in practice (docs/control-protocol.md). */
static const struct {
	int e;
	const char *name;
} errno_names[STAT_ERRNO_NAMES] = {
	{ EIO, "EIO" }, { ETIMEDOUT, "ETIMEDOUT" }, { EACCES, "EACCES" },
	{ EPERM, "EPERM" }, { EKEYREJECTED, "EKEYREJECTED" }, { ENOKEY, "ENOKEY" },
	{ EKEYEXPIRED, "EKEYEXPIRED" }, { EKEYREVOKED, "EKEYREVOKED" },
	{ EBUSY, "EBUSY" }, { EINVAL, "EINVAL" }, { ENOMEM, "ENOMEM" },
	{ EPROTO, "EPROTO" }, { EBADMSG, "EBADMSG" }, { ECONNRESET, "ECONNRESET" },
	{ ECONNREFUSED, "ECONNREFUSED" }, { ECONNABORTED, "ECONNABORTED" },
	{ EPIPE, "EPIPE" }, { ENOTCONN, "ENOTCONN" }, { ENOENT, "ENOENT" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOBUFS, "ENOBUFS" }, { EMSGSIZE, "EMSGSIZE" },
	{ EHOSTUNREACH, "EHOSTUNREACH" }, { ENETUNREACH, "ENETUNREACH" },
};

static size_t errno_index(int status)
{
	size_t i;

	for (i = 0; i < STAT_ERRNO_NAMES; i++)
		if (errno_names[i].e == status)
			return i;
	return STAT_ERRNO_NAMES;
}

const char *stat_errno_name(int status)
{
	size_t i = errno_index(status);

	return i < STAT_ERRNO_NAMES ? errno_names[i].name : "other";
}

static void hist_add(struct stat_hist *h, uint64_t ms)
{
	size_t i;

	for (i = 0; i < STAT_HIST_NB && ms > hist_bounds[i]; i++)
		;
	h->bucket[i]++;
	h->sum += ms;
	h->count++;
}

void stats_note_done(struct stats *s, const struct stat_done *d)
{
	if (d->auth >= 0 && d->auth < STAT_AUTHS)
		s->by_mode[d->server][d->auth]++;
	if (d->status)
		s->by_errno[errno_index(d->status)]++;
	if (d->alert_sent >= 0 && d->alert_sent < 256)
		s->alerts_sent[d->alert_sent]++;
	if (d->alert_received >= 0 && d->alert_received < 256)
		s->alerts_received[d->alert_received]++;
	hist_add(&s->duration, d->total_ms);
	hist_add(&s->queue_wait, d->queued_ms > d->total_ms ? d->total_ms : d->queued_ms);
}

/* ---- resumable rendering (stats_render) ---- */

#define RENDER_PIECE_MAX 512

/*
 * Pieces are numbered; a call writes those from *pos on while they fit
 * whole. Generating the whole sequence each call and skipping what was
 * sent keeps the formatters straight-line code (a few hundred pieces).
 */
struct rout {
	char *buf;
	size_t cap, used;
	size_t skip, idx;
	bool full;
};

static void rpiece(struct rout *o, const char *p, size_t len)
{
	if (o->full)
		return;
	if (o->idx < o->skip) {
		o->idx++;
		return;
	}
	if (len > o->cap - o->used) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->used, p, len);
	o->used += len;
	o->idx++;
}

static void rfmt(struct rout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rfmt(struct rout *o, const char *fmt, ...)
{
	char piece[RENDER_PIECE_MAX];
	va_list ap;
	int n;

	if (o->full)
		return;
	if (o->idx < o->skip) {
		o->idx++;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(piece))
		n = 0;	/* ruled out by the tables; never a cut piece */
	rpiece(o, piece, (size_t)n);
}

static const char *const role_names[2] = { "client", "server" };
static const char *const auth_names[STAT_AUTHS] = { "anon", "psk", "x509" };

static const char *alert_label(int a, char *tmp, size_t len)
{
	const char *n = ktls_alert_name(a);

	if (n)
		return n;
	snprintf(tmp, len, "alert_%d", a);
	return tmp;
}

/* Prometheus metric name of a scalar: counters end in _total. */
static void prom_name(char *out, size_t len, const struct stat_field *f)
{
	size_t kl = strlen(f->key);
	bool has_total = kl > 6 && !strcmp(f->key + kl - 6, "_total");

	snprintf(out, len, "ktlsd_%s%s", f->key,
		 f->kind == STAT_COUNTER && !has_total ? "_total" : "");
}

/* A histogram's: "_ms" becomes "_seconds", as Prometheus wants base units. */
static void prom_hist_name(char *out, size_t len, const struct stat_field *f)
{
	size_t kl = strlen(f->key);

	snprintf(out, len, "ktlsd_%.*s_seconds", (int)(kl > 3 ? kl - 3 : kl), f->key);
}

static const struct stat_hist *fam_hist(const struct stats *s, size_t fam)
{
	return fam == STAT_FAM_handshake_duration_ms ? &s->duration : &s->queue_wait;
}

static const uint64_t *fam_alerts(const struct stats *s, size_t fam)
{
	return fam == STAT_FAM_alerts_sent_by_type ? s->alerts_sent : s->alerts_received;
}

/*
 * One sample of a labelled counter family: @key1=@val1 and, for a family
 * with two labels, @key2=@val2 (else NULL), with its count @v.
 */
typedef void (*labelled_fn)(struct rout *o, const char *name, const char *key1,
			    const char *val1, const char *key2, const char *val2, uint64_t v);

/*
 * Walk the labelled counter family @f, calling @emit for each non-zero
 * sample (and, with @zeros, each zero one of handshakes_by_mode): the one
 * walk the text and Prometheus renderings share, so their series agree.
 */
static void each_labelled(struct rout *o, const struct stats *s, size_t f, const char *name,
			  bool zeros, labelled_fn emit)
{
	char tmp[32];
	size_t i, b;
	int a;

	switch (f) {
	case STAT_FAM_handshakes_by_mode:
		for (i = 0; i < 2; i++)
			for (b = 0; b < STAT_AUTHS; b++)
				if (zeros || s->by_mode[i][b])
					emit(o, name, "role", role_names[i], "auth", auth_names[b],
					     s->by_mode[i][b]);
		break;
	case STAT_FAM_failures_by_errno:
		for (i = 0; i <= STAT_ERRNO_NAMES; i++)
			if (s->by_errno[i])
				emit(o, name, "errno",
				     i < STAT_ERRNO_NAMES ? errno_names[i].name : "other",
				     NULL, NULL, s->by_errno[i]);
		break;
	case STAT_FAM_alerts_sent_by_type:
	case STAT_FAM_alerts_received_by_type:
		for (a = 0; a < 256; a++)
			if (fam_alerts(s, f)[a])
				emit(o, name, "alert", alert_label(a, tmp, sizeof(tmp)), NULL, NULL,
				     fam_alerts(s, f)[a]);
		break;
	}
}

/* Text: name.val1[.val2]=v; the label keys are implied by the family. */
static void text_labelled(struct rout *o, const char *name, const char *key1,
			  const char *val1, const char *key2, const char *val2, uint64_t v)
{
	(void)key1;
	(void)key2;
	if (val2)
		rfmt(o, "%s.%s.%s=%" PRIu64 "\n", name, val1, val2, v);
	else
		rfmt(o, "%s.%s=%" PRIu64 "\n", name, val1, v);
}

/* Prometheus: name{key1="val1"[,key2="val2"]} v. */
static void prom_labelled(struct rout *o, const char *name, const char *key1,
			  const char *val1, const char *key2, const char *val2, uint64_t v)
{
	if (key2)
		rfmt(o, "%s{%s=\"%s\",%s=\"%s\"} %" PRIu64 "\n", name, key1, val1, key2, val2, v);
	else
		rfmt(o, "%s{%s=\"%s\"} %" PRIu64 "\n", name, key1, val1, v);
}

/*
 * One cumulative histogram bucket: @cum samples at most @le ms, or all of
 * them (the +Inf bucket) when @le is NULL.
 */
typedef void (*bucket_fn)(struct rout *o, const char *name, const uint64_t *le, uint64_t cum);

/* Walk @h's buckets cumulatively, the +Inf one last, calling @emit for each. */
static void each_bucket(struct rout *o, const struct stat_hist *h, const char *name,
			bucket_fn emit)
{
	uint64_t cum = 0;
	size_t b;

	for (b = 0; b <= STAT_HIST_NB; b++) {
		cum += h->bucket[b];
		emit(o, name, b < STAT_HIST_NB ? &hist_bounds[b] : NULL, cum);
	}
}

static void text_bucket(struct rout *o, const char *name, const uint64_t *le, uint64_t cum)
{
	if (le)
		rfmt(o, "%s.le_%" PRIu64 "=%" PRIu64 "\n", name, *le, cum);
	else
		rfmt(o, "%s.le_inf=%" PRIu64 "\n", name, cum);
}

/* Prometheus buckets are in seconds: the ms bound as s.mmm. */
static void prom_bucket(struct rout *o, const char *name, const uint64_t *le, uint64_t cum)
{
	if (le)
		rfmt(o, "%s_bucket{le=\"%" PRIu64 ".%03" PRIu64 "\"} %" PRIu64 "\n",
		     name, *le / 1000, *le % 1000, cum);
	else
		rfmt(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
}

static void render_text(struct rout *o, const struct stats *s)
{
	size_t i, f;

	for (i = 0; i < STAT_COUNT; i++)
		rfmt(o, "%s=%" PRIu64 "\n", stat_fields[i].key, s->v[i]);
	for (f = 0; f < STAT_FAMILY_COUNT; f++) {
		const char *k = stat_families[f].key;

		switch (f) {
		case STAT_FAM_handshakes_by_mode:
		case STAT_FAM_failures_by_errno:
		case STAT_FAM_alerts_sent_by_type:
		case STAT_FAM_alerts_received_by_type:
			each_labelled(o, s, f, k, false, text_labelled);
			break;
		default: {
			const struct stat_hist *h = fam_hist(s, f);

			each_bucket(o, h, k, text_bucket);
			rfmt(o, "%s.sum=%" PRIu64 "\n%s.count=%" PRIu64 "\n", k, h->sum, k, h->count);
			break;
		}
		}
	}
}

static void render_json(struct rout *o, const struct stats *s)
{
	char tmp[32];
	size_t i, f, b;
	bool first;
	int a;

	rpiece(o, "{", 1);
	for (i = 0; i < STAT_COUNT; i++)
		rfmt(o, "%s\"%s\":%" PRIu64, i ? "," : "", stat_fields[i].key, s->v[i]);
	for (f = 0; f < STAT_FAMILY_COUNT; f++) {
		const char *k = stat_families[f].key;

		rfmt(o, ",\"%s\":{", k);
		switch (f) {
		case STAT_FAM_handshakes_by_mode:
			for (i = 0; i < 2; i++)
				rfmt(o, "%s\"%s\":{\"anon\":%" PRIu64 ",\"psk\":%" PRIu64
				     ",\"x509\":%" PRIu64 "}", i ? "," : "", role_names[i],
				     s->by_mode[i][0], s->by_mode[i][1], s->by_mode[i][2]);
			break;
		case STAT_FAM_failures_by_errno:
			for (i = 0, first = true; i <= STAT_ERRNO_NAMES; i++)
				if (s->by_errno[i]) {
					rfmt(o, "%s\"%s\":%" PRIu64, first ? "" : ",",
					     i < STAT_ERRNO_NAMES ? errno_names[i].name : "other",
					     s->by_errno[i]);
					first = false;
				}
			break;
		case STAT_FAM_alerts_sent_by_type:
		case STAT_FAM_alerts_received_by_type:
			for (a = 0, first = true; a < 256; a++)
				if (fam_alerts(s, f)[a]) {
					rfmt(o, "%s\"%s\":%" PRIu64, first ? "" : ",",
					     alert_label(a, tmp, sizeof(tmp)), fam_alerts(s, f)[a]);
					first = false;
				}
			break;
		default: {
			const struct stat_hist *h = fam_hist(s, f);
			uint64_t cum = 0;

			rpiece(o, "\"unit\":\"ms\",\"buckets\":[", 23);
			for (b = 0; b <= STAT_HIST_NB; b++) {
				cum += h->bucket[b];
				if (b < STAT_HIST_NB)
					rfmt(o, "%s{\"le\":%" PRIu64 ",\"count\":%" PRIu64 "}",
					     b ? "," : "", hist_bounds[b], cum);
				else
					rfmt(o, ",{\"le\":\"+Inf\",\"count\":%" PRIu64 "}", cum);
			}
			rfmt(o, "],\"sum\":%" PRIu64 ",\"count\":%" PRIu64, h->sum, h->count);
			break;
		}
		}
		rpiece(o, "}", 1);
	}
	rpiece(o, "}\n", 2);
}

static void prom_head(struct rout *o, const char *name, const char *help, const char *type)
{
	rfmt(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_prom(struct rout *o, const struct stats *s)
{
	char name[96];
	size_t i, f;

	for (i = 0; i < STAT_COUNT; i++) {
		prom_name(name, sizeof(name), &stat_fields[i]);
		prom_head(o, name, stat_fields[i].help, stat_kind_name(stat_fields[i].kind));
		rfmt(o, "%s %" PRIu64 "\n", name, s->v[i]);
	}
	for (f = 0; f < STAT_FAMILY_COUNT; f++) {
		const struct stat_field *fd = &stat_families[f];

		if (fd->kind == STAT_HISTOGRAM)
			prom_hist_name(name, sizeof(name), fd);
		else
			prom_name(name, sizeof(name), fd);
		prom_head(o, name, fd->help, stat_kind_name(fd->kind));
		switch (f) {
		case STAT_FAM_handshakes_by_mode:
		case STAT_FAM_failures_by_errno:
		case STAT_FAM_alerts_sent_by_type:
		case STAT_FAM_alerts_received_by_type:
			/* Prometheus: every role and auth series, zeros too. */
			each_labelled(o, s, f, name, true, prom_labelled);
			break;
		default: {
			const struct stat_hist *h = fam_hist(s, f);

			each_bucket(o, h, name, prom_bucket);
			rfmt(o, "%s_sum %" PRIu64 ".%03" PRIu64 "\n%s_count %" PRIu64 "\n", name,
			     h->sum / 1000, h->sum % 1000, name, h->count);
			break;
		}
		}
	}
}

size_t stats_render(const struct stats *s, enum stat_format fmt, size_t *pos,
		    char *buf, size_t cap)
{
	struct rout o = { .buf = buf, .cap = cap, .skip = *pos };

	switch (fmt) {
	case STAT_FMT_TEXT:
		render_text(&o, s);
		break;
	case STAT_FMT_JSON:
		render_json(&o, s);
		break;
	case STAT_FMT_PROMETHEUS:
		render_prom(&o, s);
		break;
	}
	*pos = o.idx;
	return o.used;
}
