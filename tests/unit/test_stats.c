// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for daemon/stats.c: the field table, the key=value and JSON
 * renderings at every capacity (snprintf-style return, whole lines only,
 * no byte written past the capacity), clear_counters keeping the gauges,
 * and the STATISTICS section of ktlsd(8) listing exactly the table's keys
 * with their kind, unit and help text.
 *
 * The man page is found in $KTLS_MANDIR, else in $srcdir/../../docs/man
 * (automake exports srcdir to tests), else ../../docs/man. When the page
 * does not match, the test prints the mdoc block to paste; running it with
 * KTLS_PRINT_MAN=1 prints that block and exits.
 */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define GUARD 64
#define GUARD_BYTE 0xA5

static void fill(struct stats *s)
{
	size_t i;

	for (i = 0; i < STAT_COUNT; i++)
		s->v[i] = (uint64_t)i * 1000 + 7;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The whole expected output, built independently of stats.c. */
static size_t expect_kv(const struct stats *s, char *buf, size_t cap)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < STAT_COUNT; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s=%" PRIu64 "\n",
					stat_fields[i].key, s->v[i]);
	ck_assert_uint_lt(len, cap);
	return len;
}

static size_t expect_json(const struct stats *s, char *buf, size_t cap)
{
	size_t i, len = 0;

	len += (size_t)snprintf(buf + len, cap - len, "{");
	for (i = 0; i < STAT_COUNT; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s\"%s\":%" PRIu64,
					i ? "," : "", stat_fields[i].key, s->v[i]);
	len += (size_t)snprintf(buf + len, cap - len, "}\n");
	ck_assert_uint_lt(len, cap);
	return len;
}

START_TEST(test_stats_table)
{
	size_t i, j;

	ck_assert_uint_eq(ARRAY_SIZE(stat_fields), STAT_COUNT);
	for (i = 0; i < STAT_COUNT; i++) {
		const struct stat_field *f = &stat_fields[i];
		const char *p;

		ck_assert_ptr_nonnull(f->key);
		ck_assert_ptr_nonnull(f->unit);
		ck_assert_ptr_nonnull(f->help);
		ck_assert_uint_gt(strlen(f->key), 0);
		ck_assert_uint_gt(strlen(f->unit), 0);
		ck_assert_uint_gt(strlen(f->help), 0);
		ck_assert(f->kind == STAT_COUNTER || f->kind == STAT_GAUGE);
		/* Keys need no quoting in key=value, JSON or mdoc. */
		for (p = f->key; *p; p++)
			ck_assert_msg((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_',
				      "key %s: character '%c'", f->key, *p);
		/* Help text stays on one man page line. */
		ck_assert(strchr(f->help, '\n') == NULL);
		ck_assert(f->help[0] != '.' && f->help[0] != '\'');
		for (j = 0; j < i; j++)
			ck_assert_str_ne(stat_fields[j].key, f->key);
	}
	/* The enum and the table agree. */
	ck_assert_str_eq(stat_fields[STAT_requests_accepted].key, "requests_accepted");
	ck_assert_str_eq(stat_fields[STAT_inflight].key, "inflight");
	ck_assert_int_eq(stat_fields[STAT_inflight].kind, STAT_GAUGE);
	ck_assert_str_eq(stat_fields[STAT_handshake_usec_total].unit, "microseconds");
}
END_TEST

START_TEST(test_stats_kind_name)
{
	ck_assert_str_eq(stat_kind_name(STAT_COUNTER), "counter");
	ck_assert_str_eq(stat_kind_name(STAT_GAUGE), "gauge");
	ck_assert_str_eq(stat_kind_name((enum stat_kind)42), "unknown");
}
END_TEST

/* The longest run of whole lines of @want that fits in @cap with its NUL. */
static size_t whole_lines(const char *want, size_t need, size_t cap)
{
	size_t i, fit = 0;

	for (i = 0; i < need; i++)
		if (want[i] == '\n' && i + 1 < cap)
			fit = i + 1;
	return fit;
}

/* All or nothing: a cut JSON object is of no use. */
static size_t all_or_nothing(const char *want, size_t need, size_t cap)
{
	return cap > need ? need : 0;
}

/* A rendering of the statistics, checked against an oracle built here. */
struct rendering {
	const char *name;
	size_t (*format)(const struct stats *s, char *buf, size_t cap);
	size_t (*expect)(const struct stats *s, char *buf, size_t cap);
	const char *starts, *ends;	/* of fill()'s statistics */
	/* how much of @want (@need bytes) a buffer of @cap bytes keeps */
	size_t (*keeps)(const char *want, size_t need, size_t cap);
};

static const struct rendering renderings[] = {
	{ "key=value", stats_format_kv, expect_kv,
	  "requests_accepted=7\nrequests_rejected=1007\n", "\n", whole_lines },
	{ "JSON", stats_format_json, expect_json,
	  "{\"requests_accepted\":7,\"requests_rejected\":1007,", "}\n",
	  all_or_nothing },
};

START_TEST(test_stats_format)
{
	const struct rendering *r = &renderings[_i];
	struct stats s;
	char got[4096], want[4096];
	size_t n, wn;

	fill(&s);
	wn = r->expect(&s, want, sizeof(want));
	n = r->format(&s, got, sizeof(got));
	ck_assert_uint_eq(n, wn);
	ck_assert_str_eq(got, want);
	ck_assert_msg(starts_with(got, r->starts), "%s starts \"%.60s\"",
		      r->name, got);
	ck_assert_uint_ge(n, strlen(r->ends));
	ck_assert_str_eq(got + n - strlen(r->ends), r->ends);

	/* Sizing call. */
	ck_assert_uint_eq(r->format(&s, NULL, 0), wn);
}
END_TEST

START_TEST(test_stats_kv_extremes)
{
	struct stats s;
	char got[4096];
	size_t n;

	/* Zero and the largest value. */
	memset(&s, 0, sizeof(s));
	s.v[STAT_handshake_usec_total] = UINT64_MAX;
	n = stats_format_kv(&s, got, sizeof(got));
	ck_assert_uint_eq(n, strlen(got));
	ck_assert(strstr(got, "\nhandshake_usec_total=18446744073709551615\n") != NULL);
	ck_assert(strstr(got, "inflight=0\n") != NULL);
}
END_TEST

/*
 * At every capacity: the full length returned, no byte written past the
 * capacity, NUL-terminated, and as much of the output as the rendering keeps.
 */
START_TEST(test_stats_truncation)
{
	const struct rendering *r = &renderings[_i];
	struct stats s;
	static char want[4096], buf[4096 + GUARD];
	size_t need, cap, i;

	fill(&s);
	need = r->expect(&s, want, sizeof(want));
	for (cap = 0; cap <= need + 2; cap++) {
		size_t len, keep;

		memset(buf, GUARD_BYTE, sizeof(buf));
		ck_assert_uint_eq(r->format(&s, buf, cap), need);
		for (i = cap; i < cap + GUARD; i++)
			ck_assert_msg((unsigned char)buf[i] == GUARD_BYTE,
				      "%s cap %zu: byte %zu written", r->name, cap, i);
		if (cap == 0)
			continue;
		len = strnlen(buf, cap);
		ck_assert_msg(len < cap, "%s cap %zu: not NUL-terminated", r->name, cap);
		keep = r->keeps(want, need, cap);
		ck_assert_msg(len == keep, "%s cap %zu: %zu bytes, want %zu", r->name,
			      cap, len, keep);
		ck_assert(memcmp(buf, want, len) == 0);
		if (cap > need)
			ck_assert_str_eq(buf, want);
	}
}
END_TEST

START_TEST(test_stats_clear_counters)
{
	struct stats s;
	size_t i;

	for (i = 0; i < STAT_COUNT; i++)
		s.v[i] = 5;
	stats_inc(&s, STAT_handshakes_ok);
	stats_add(&s, STAT_handshake_usec_total, 100);
	ck_assert_uint_eq(s.v[STAT_handshakes_ok], 6);
	ck_assert_uint_eq(s.v[STAT_handshake_usec_total], 105);

	stats_clear_counters(&s);
	for (i = 0; i < STAT_COUNT; i++) {
		if (stat_fields[i].kind == STAT_GAUGE)
			ck_assert_msg(s.v[i] == 5, "gauge %s cleared", stat_fields[i].key);
		else
			ck_assert_msg(s.v[i] == 0, "counter %s kept", stat_fields[i].key);
	}
	ck_assert_uint_eq(s.v[STAT_inflight], 5);
	ck_assert_uint_eq(s.v[STAT_queued], 5);
}
END_TEST

/* ---- stats_render(): every format, resumable, Prometheus rules ---- */

static void sample_stats(struct stats *s)
{
	struct stat_done d = { .server = true, .auth = STAT_AUTH_X509, .status = ETIMEDOUT,
			       .alert_sent = 42, .alert_received = -1, .total_ms = 7,
			       .queued_ms = 3 };
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < STAT_COUNT; i++)
		s->v[i] = i * 1000003;
	stats_note_done(s, &d);
	d.server = false;
	d.auth = STAT_AUTH_PSK;
	d.status = 0;
	d.alert_sent = -1;
	d.alert_received = 250;	/* no name: alert_250 */
	d.total_ms = 40000;	/* above every bound: +Inf only */
	d.queued_ms = 50000;	/* clamped to the total */
	stats_note_done(s, &d);
	d.status = 4000;	/* not a named errno */
	d.total_ms = 1;
	d.queued_ms = 0;
	stats_note_done(s, &d);
}

/* The whole rendering with one buffer of @cap, call after call. */
static size_t render_all(const struct stats *s, enum stat_format fmt, size_t cap,
			 char *out, size_t outcap)
{
	char *buf = malloc(cap);
	size_t pos = 0, len = 0, n, calls = 0;

	ck_assert_ptr_nonnull(buf);
	while ((n = stats_render(s, fmt, &pos, buf, cap)) > 0) {
		ck_assert_uint_le(n, cap);
		ck_assert_uint_lt(len + n, outcap);
		memcpy(out + len, buf, n);
		len += n;
		ck_assert_uint_lt(++calls, 100000);
	}
	out[len] = 0;
	free(buf);
	return len;
}

static char big_a[65536], big_b[65536];

/* Check each line a rendering must carry, one by one, so a miss names it. */
static void assert_has_all(const char *buf, const char *const *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_msg(strstr(buf, want[i]) != NULL, "missing: %s", want[i]);
}

/* sample_stats() in text */
static const char *const text_has[] = {
	"requests_rejected=1000003\n",
	"handshakes_by_mode.server.x509=1\n",
	"handshakes_by_mode.client.psk=2\n",
	"failures_by_errno.ETIMEDOUT=1\n",
	"failures_by_errno.other=1\n",
	"alerts_sent_by_type.bad_certificate=1\n",
	"alerts_received_by_type.alert_250=2\n",
	"handshake_duration_ms.le_1=1\n",
	"handshake_duration_ms.le_10=2\n",
	"handshake_duration_ms.le_30000=2\n",
	"handshake_duration_ms.le_inf=3\n",
	"handshake_duration_ms.sum=40008\n",
	"queue_wait_ms.sum=40003\n",
	"queue_wait_ms.count=3\n",
};

/* sample_stats() in JSON */
static const char *const json_has[] = {
	",\"handshakes_by_mode\":{\"client\":{\"anon\":0,\"psk\":2,\"x509\":0},"
	     "\"server\":{\"anon\":0,\"psk\":0,\"x509\":1}}",
	"\"failures_by_errno\":{\"ETIMEDOUT\":1,\"other\":1}",
	"{\"le\":\"+Inf\",\"count\":3}],\"sum\":40008,\"count\":3}",
};

/* sample_stats() in Prometheus */
static const char *const prom_has[] = {
	"\nktlsd_requests_accepted_total 0\n",
	"\nktlsd_handshake_usec_total ",
	"# TYPE ktlsd_inflight gauge\n",
	"ktlsd_handshakes_by_mode_total{role=\"server\",auth=\"x509\"} 1\n",
	"ktlsd_failures_by_errno_total{errno=\"ETIMEDOUT\"} 1\n",
	"ktlsd_handshake_duration_seconds_bucket{le=\"0.010\"} 2\n",
	"ktlsd_handshake_duration_seconds_sum 40.008\n",
};

/* Any buffer size gives the same bytes: steps resume where they stopped. */
START_TEST(test_stats_render_resumable)
{
	static const size_t caps[] = { 512, 600, 1000, 4096, 65536 };
	struct stats s;
	size_t la, lb, c;

	sample_stats(&s);
	la = render_all(&s, (enum stat_format)_i, 65536, big_a, sizeof(big_a));
	ck_assert_uint_gt(la, 0);
	for (c = 0; c < ARRAY_SIZE(caps); c++) {
		lb = render_all(&s, (enum stat_format)_i, caps[c], big_b, sizeof(big_b));
		ck_assert_uint_eq(la, lb);
		ck_assert_str_eq(big_a, big_b);
	}
	/* No room: nothing written, nothing skipped. */
	{
		char tiny[8];
		size_t pos = 0;

		ck_assert_uint_eq(stats_render(&s, (enum stat_format)_i, &pos, tiny, 0), 0);
		ck_assert_uint_eq(pos, 0);
	}
}
END_TEST

START_TEST(test_stats_render_text_and_json)
{
	struct stats s;

	sample_stats(&s);
	render_all(&s, STAT_FMT_TEXT, 4096, big_a, sizeof(big_a));
	assert_has_all(big_a, text_has, ARRAY_SIZE(text_has));
	ck_assert_ptr_null(strstr(big_a, "handshakes_by_mode.client.anon"));	/* zero: left out */
	render_all(&s, STAT_FMT_JSON, 4096, big_a, sizeof(big_a));
	ck_assert_int_eq(big_a[0], '{');
	ck_assert_str_eq(big_a + strlen(big_a) - 2, "}\n");
	assert_has_all(big_a, json_has, ARRAY_SIZE(json_has));
	/* Clearing zeroes the families too, keeps gauges. */
	stats_clear_counters(&s);
	ck_assert_uint_eq(s.by_mode[1][STAT_AUTH_X509], 0);
	ck_assert_uint_eq(s.duration.count, 0);
	ck_assert_uint_eq(s.alerts_received[250], 0);
	ck_assert_uint_eq(s.v[STAT_peak_inflight], STAT_peak_inflight * 1000003);
}
END_TEST

/*
 * The text exposition format, checked line by line as promtool would:
 * HELP then TYPE once per metric family before its samples; names match
 * [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total; label values quoted;
 * a histogram has cumulative _bucket lines with le ascending to "+Inf",
 * whose count equals _count, and a _sum.
 */
static bool prom_name_ok(const char *p, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)p[0]) || p[0] == '_' || p[0] == ':'))
		return false;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == ':'))
			return false;
	return true;
}

START_TEST(test_stats_render_prometheus_format)
{
	char family[128] = "", type[16] = "", *line, *save;
	unsigned long long last_bucket = 0, count = 0;
	double last_le = -1;
	bool have_help = false, have_type = false, saw_inf = false;
	unsigned int families = 0, samples = 0;
	struct stats s;

	sample_stats(&s);
	render_all(&s, STAT_FMT_PROMETHEUS, 4096, big_a, sizeof(big_a));
	for (line = strtok_r(big_a, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], *sp;
		size_t nl;

		if (!strncmp(line, "# HELP ", 7)) {
			sp = strchr(line + 7, ' ');
			ck_assert_ptr_nonnull(sp);
			nl = (size_t)(sp - (line + 7));
			ck_assert(prom_name_ok(line + 7, nl));
			ck_assert(nl < sizeof(family));
			memcpy(family, line + 7, nl);
			family[nl] = 0;
			have_help = true;
			have_type = false;
			families++;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			ck_assert(have_help);
			ck_assert_int_eq(strncmp(line + 7, family, strlen(family)), 0);
			snprintf(type, sizeof(type), "%s", line + 7 + strlen(family) + 1);
			ck_assert(!strcmp(type, "counter") || !strcmp(type, "gauge") ||
				  !strcmp(type, "histogram"));
			if (!strcmp(type, "counter"))
				ck_assert_str_eq(family + strlen(family) - 6, "_total");
			have_type = true;
			last_le = -1;
			saw_inf = false;
			continue;
		}
		ck_assert_msg(line[0] != '#', "stray comment: %s", line);
		ck_assert_msg(have_type, "sample before its TYPE: %s", line);
		/* name{labels} value */
		nl = strcspn(line, "{ ");
		ck_assert(prom_name_ok(line, nl));
		memcpy(name, line, nl);
		name[nl] = 0;
		sp = line + nl;
		if (*sp == '{') {
			char *end = strchr(sp, '}');

			ck_assert_ptr_nonnull(end);
			/* label="value"[,label="value"]* */
			for (char *q = sp + 1; q < end;) {
				size_t ln = strcspn(q, "=");

				ck_assert(prom_name_ok(q, ln));
				ck_assert_int_eq(q[ln + 1], '"');
				q = strchr(q + ln + 2, '"');
				ck_assert_ptr_nonnull(q);
				q++;
				if (*q == ',')
					q++;
			}
			sp = end + 1;
		}
		ck_assert_int_eq(*sp, ' ');
		{
			char *e;
			double v = strtod(sp + 1, &e);

			ck_assert_msg(*e == 0 && e != sp + 1, "bad value in %s", line);
			ck_assert(v >= 0);
			if (!strcmp(type, "histogram")) {
				if (!strcmp(name, family) || strncmp(name, family, strlen(family)))
					ck_abort_msg("histogram sample %s outside %s", name, family);
				if (!strcmp(name + strlen(family), "_bucket")) {
					const char *le = strstr(line, "le=\"") + 4;
					double lv = !strncmp(le, "+Inf", 4) ? 1e300 : strtod(le, NULL);

					ck_assert(lv > last_le);
					ck_assert((unsigned long long)v >= last_bucket || last_le < 0);
					last_le = lv;
					last_bucket = (unsigned long long)v;
					saw_inf = lv == 1e300;
				} else if (!strcmp(name + strlen(family), "_count")) {
					ck_assert(saw_inf);
					count = (unsigned long long)v;
					ck_assert_uint_eq(count, last_bucket);
				} else {
					ck_assert_str_eq(name + strlen(family), "_sum");
				}
			} else {
				ck_assert_str_eq(name, family);
			}
		}
		samples++;
	}
	ck_assert_uint_eq(families, STAT_COUNT + STAT_FAMILY_COUNT);
	ck_assert_uint_gt(samples, families);
	ck_assert_uint_eq(count, 3);	/* the last histogram: queue_wait */
	render_all(&s, STAT_FMT_PROMETHEUS, 4096, big_a, sizeof(big_a));
	assert_has_all(big_a, prom_has, ARRAY_SIZE(prom_has));
}
END_TEST

/* ---- the man page ---- */

/* The man page lists the scalars, then the labelled families. */
#define DOC_COUNT (STAT_COUNT + STAT_FAMILY_COUNT)

static const struct stat_field *doc_field(size_t i)
{
	return i < STAT_COUNT ? &stat_fields[i] : &stat_families[i - STAT_COUNT];
}

/* The two mdoc lines documenting doc_field(@i). */
static void man_lines(size_t i, char *it, size_t itlen)
{
	snprintf(it, itlen, ".It Cm %s Pq %s, %s", doc_field(i)->key,
		 stat_kind_name(doc_field(i)->kind), doc_field(i)->unit);
}

static void print_man_block(FILE *f)
{
	char it[256];
	size_t i;

	fprintf(f, ".Bl -tag -width Ds\n");
	for (i = 0; i < DOC_COUNT; i++) {
		man_lines(i, it, sizeof(it));
		fprintf(f, "%s\n%s\n", it, doc_field(i)->help);
	}
	fprintf(f, ".El\n");
}

static char *read_man_page(char *path, size_t pathlen)
{
	const char *dir = getenv("KTLS_MANDIR");
	const char *srcdir = getenv("srcdir");
	char *text;
	long size;
	FILE *f;

	if (dir && dir[0])
		snprintf(path, pathlen, "%s/ktlsd.8", dir);
	else
		snprintf(path, pathlen, "%s/../../docs/man/ktlsd.8",
			 srcdir && srcdir[0] ? srcdir : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (set KTLS_MANDIR)", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_gt(size, 0);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	return text;
}

/* Split @text into lines in place; return the count. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p = text, *nl;

	while (*p && n < max) {
		lines[n++] = p;
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

START_TEST(test_stats_manpage)
{
	static char *lines[8192];
	char path[4096], it[256];
	char *text = read_man_page(path, sizeof(path));
	size_t n = split_lines(text, lines, ARRAY_SIZE(lines));
	size_t start = 0, end = n, i, j, next, documented = 0;
	int bad = 0;

	for (i = 0; i < n; i++)
		if (strcmp(lines[i], ".Sh STATISTICS") == 0)
			start = i + 1;
	ck_assert_msg(start > 0, "%s: no STATISTICS section", path);
	for (i = start; i < n; i++)
		if (strncmp(lines[i], ".Sh ", 4) == 0) {
			end = i;
			break;
		}

	/* Every key, with its kind, unit and help, in table order. */
	next = start;
	for (i = 0; i < DOC_COUNT; i++) {
		man_lines(i, it, sizeof(it));
		for (j = next; j < end; j++)
			if (strcmp(lines[j], it) == 0)
				break;
		if (j >= end) {
			fprintf(stderr, "%s: STATISTICS lacks \"%s\" (or it is out of order)\n",
				path, it);
			bad = 1;
			continue;
		}
		if (j + 1 >= end || strcmp(lines[j + 1], doc_field(i)->help) != 0) {
			fprintf(stderr, "%s:%zu: help for %s should read \"%s\"\n", path,
				j + 2, doc_field(i)->key, doc_field(i)->help);
			bad = 1;
		}
		next = j + 1;
	}

	/* And no entry for a statistic that does not exist. */
	for (i = start; i < end; i++) {
		if (strncmp(lines[i], ".It Cm ", 7) != 0)
			continue;
		documented++;
		for (j = 0; j < DOC_COUNT; j++) {
			man_lines(j, it, sizeof(it));
			if (strcmp(lines[i], it) == 0)
				break;
		}
		if (j == DOC_COUNT) {
			fprintf(stderr, "%s:%zu: \"%s\" is not in KTLSD_STATS\n", path, i + 1,
				lines[i]);
			bad = 1;
		}
	}
	if (bad || documented != DOC_COUNT) {
		fprintf(stderr, "%s: the STATISTICS list should be:\n", path);
		print_man_block(stderr);
	}
	free(text);
	ck_assert_msg(!bad, "%s: STATISTICS does not match daemon/stats.h", path);
	ck_assert_uint_eq(documented, DOC_COUNT);
}
END_TEST

/*
 * The same output through promtool itself ("promtool check metrics", from
 * Debian's prometheus package), when it is on PATH: the format checker
 * above is ours, promtool is the reference. Its verdict and complaints go
 * to stderr. Without promtool the case passes, unless KTLS_TEST_STRICT=1.
 */
START_TEST(test_stats_render_prometheus_promtool)
{
	const char *strict = getenv("KTLS_TEST_STRICT");
	char path[] = "/tmp/test_stats-prom-XXXXXX", cmd[128];
	struct stats s;
	FILE *f;
	int fd, rc;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		ck_assert_msg(!(strict && strict[0] == '1'),
			      "promtool not found (install prometheus) and KTLS_TEST_STRICT=1");
		fprintf(stderr, "test_stats: promtool not found, promtool check skipped\n");
		return;
	}
	sample_stats(&s);
	render_all(&s, STAT_FMT_PROMETHEUS, 4096, big_a, sizeof(big_a));
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(big_a, 1, strlen(big_a), f), strlen(big_a));
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s >&2", path);
	rc = system(cmd);
	unlink(path);
	ck_assert_msg(rc == 0, "promtool check metrics refused the rendering (status %d)", rc);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_test(tc, test_stats_table);
	tcase_add_test(tc, test_stats_kind_name);
	tcase_add_loop_test(tc, test_stats_format, 0, ARRAY_SIZE(renderings));
	tcase_add_test(tc, test_stats_kv_extremes);
	tcase_add_loop_test(tc, test_stats_truncation, 0, ARRAY_SIZE(renderings));
	tcase_add_test(tc, test_stats_clear_counters);
	tcase_add_test(tc, test_stats_manpage);
	tcase_add_loop_test(tc, test_stats_render_resumable, 0, 3);
	tcase_add_test(tc, test_stats_render_text_and_json);
	tcase_add_test(tc, test_stats_render_prometheus_format);
	tcase_add_test(tc, test_stats_render_prometheus_promtool);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;
	const char *print = getenv("KTLS_PRINT_MAN");

	if (print && print[0] == '1') {
		print_man_block(stdout);
		return EXIT_SUCCESS;
	}
	sr = srunner_create(stats_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
