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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- the man page ---- */

/* The two mdoc lines documenting stat_fields[@i]. */
static void man_lines(size_t i, char *it, size_t itlen)
{
	snprintf(it, itlen, ".It Cm %s Pq %s, %s", stat_fields[i].key,
		 stat_kind_name(stat_fields[i].kind), stat_fields[i].unit);
}

static void print_man_block(FILE *f)
{
	char it[256];
	size_t i;

	fprintf(f, ".Bl -tag -width Ds\n");
	for (i = 0; i < STAT_COUNT; i++) {
		man_lines(i, it, sizeof(it));
		fprintf(f, "%s\n%s\n", it, stat_fields[i].help);
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
	for (i = 0; i < STAT_COUNT; i++) {
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
		if (j + 1 >= end || strcmp(lines[j + 1], stat_fields[i].help) != 0) {
			fprintf(stderr, "%s:%zu: help for %s should read \"%s\"\n", path,
				j + 2, stat_fields[i].key, stat_fields[i].help);
			bad = 1;
		}
		next = j + 1;
	}

	/* And no entry for a statistic that does not exist. */
	for (i = start; i < end; i++) {
		if (strncmp(lines[i], ".It Cm ", 7) != 0)
			continue;
		documented++;
		for (j = 0; j < STAT_COUNT; j++) {
			man_lines(j, it, sizeof(it));
			if (strcmp(lines[i], it) == 0)
				break;
		}
		if (j == STAT_COUNT) {
			fprintf(stderr, "%s:%zu: \"%s\" is not in KTLSD_STATS\n", path, i + 1,
				lines[i]);
			bad = 1;
		}
	}
	if (bad || documented != STAT_COUNT) {
		fprintf(stderr, "%s: the STATISTICS list should be:\n", path);
		print_man_block(stderr);
	}
	free(text);
	ck_assert_msg(!bad, "%s: STATISTICS does not match daemon/stats.h", path);
	ck_assert_uint_eq(documented, STAT_COUNT);
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
