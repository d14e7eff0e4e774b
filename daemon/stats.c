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
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

const struct stat_field stat_fields[STAT_COUNT] = {
#define KTLSD_STAT_FIELD(key, kind, unit, help) [STAT_##key] = { #key, kind, unit, help },
	KTLSD_STATS(KTLSD_STAT_FIELD)
#undef KTLSD_STAT_FIELD
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
}
