// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for daemon/log.c: the stderr line format, the syslog priority
 * (facility LOG_AUTH plus severity) seen through the test sink, level
 * filtering, OpenBSD errno semantics (log_warn vs log_warnx), the line
 * bound, control-character replacement, errno preservation, and fatal()'s
 * LOG_CRIT line and exit status.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

/* ---- stderr capture ---- */

static int cap_pipe[2] = { -1, -1 };
static int cap_saved = -1;

static void cap_start(void)
{
	ck_assert_int_eq(pipe(cap_pipe), 0);
	cap_saved = dup(STDERR_FILENO);
	ck_assert_int_ge(cap_saved, 0);
	ck_assert_int_ge(dup2(cap_pipe[1], STDERR_FILENO), 0);
}

/* Restore stderr and return what was written (at most @cap - 1 bytes). */
static const char *cap_stop(char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	ck_assert_int_ge(dup2(cap_saved, STDERR_FILENO), 0);
	close(cap_saved);
	close(cap_pipe[1]);
	while (len < cap - 1 && (n = read(cap_pipe[0], buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(cap_pipe[0]);
	buf[len] = '\0';
	return buf;
}

/* @out is the one stderr line "@ident[pid]: @msg". */
static void check_stderr_line(const char *out, const char *ident, const char *msg)
{
	char want[LOG_LINE_MAX + 64];

	snprintf(want, sizeof(want), "%s[%ld]: %s\n", ident, (long)getpid(), msg);
	ck_assert_str_eq(out, want);
}

/* ---- syslog sink ---- */

#define SINK_MAX 8

static struct {
	int prio;
	char line[LOG_LINE_MAX + 16];
} sink[SINK_MAX];
static int n_sink;

static void sink_fn(int priority, const char *line)
{
	ck_assert_int_lt(n_sink, SINK_MAX);
	sink[n_sink].prio = priority;
	snprintf(sink[n_sink].line, sizeof(sink[n_sink].line), "%s", line);
	n_sink++;
}

static void sink_reset(void)
{
	memset(sink, 0, sizeof(sink));
	n_sink = 0;
	log_set_syslog_sink(sink_fn);
}

static void setup(void)
{
	log_set_procname(NULL);
	log_set_level(LOG_LVL_INFO);
	sink_reset();
}

static void teardown(void)
{
	log_set_syslog_sink(NULL);
}

START_TEST(test_log_stderr_format)
{
	char out[512];

	log_init("ktlsd", 1, 1);
	log_set_procname("worker");
	cap_start();
	log_info("hello %d", 5);
	cap_stop(out, sizeof(out));
	check_stderr_line(out, "ktlsd", "worker: hello 5");
	/* stderr only: syslog was not used. */
	ck_assert_int_eq(n_sink, 0);
}
END_TEST

START_TEST(test_log_ident)
{
	char out[512];

	log_init("tlshd-compat", 1, 1);
	cap_start();
	log_warnx("x");
	cap_stop(out, sizeof(out));
	check_stderr_line(out, "tlshd-compat", "x");

	/* No ident: the daemon's name. */
	log_init(NULL, 1, 1);
	cap_start();
	log_warnx("y");
	cap_stop(out, sizeof(out));
	check_stderr_line(out, "ktlsd", "y");
}
END_TEST

START_TEST(test_log_syslog_priority)
{
	char out[64];

	log_init("ktlsd", 0, 0);
	log_set_procname("monitor");
	log_set_level(LOG_LVL_DEBUG);
	cap_start();
	logit(LOG_LVL_ERR, "e");
	log_warnx("w");
	log_info("i");
	log_debug("d");
	cap_stop(out, sizeof(out));
	ck_assert_str_eq(out, "");	/* no -s: nothing on stderr */

	ck_assert_int_eq(n_sink, 4);
	ck_assert_int_eq(sink[0].prio, LOG_AUTH | LOG_ERR);
	ck_assert_str_eq(sink[0].line, "monitor: e");
	ck_assert_int_eq(sink[1].prio, LOG_AUTH | LOG_WARNING);
	ck_assert_str_eq(sink[1].line, "monitor: w");
	ck_assert_int_eq(sink[2].prio, LOG_AUTH | LOG_INFO);
	ck_assert_int_eq(sink[3].prio, LOG_AUTH | LOG_DEBUG);
	ck_assert_str_eq(sink[3].line, "monitor: d");
}
END_TEST

START_TEST(test_log_both_destinations)
{
	char out[256];

	/* -s without no_syslog: both; no_syslog alone is ignored. */
	log_init("ktlsd", 1, 0);
	cap_start();
	log_info("both");
	cap_stop(out, sizeof(out));
	check_stderr_line(out, "ktlsd", "both");
	ck_assert_int_eq(n_sink, 1);

	log_init("ktlsd", 0, 1);
	cap_start();
	log_info("syslog only");
	cap_stop(out, sizeof(out));
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(n_sink, 2);
	ck_assert_str_eq(sink[1].line, "syslog only");
}
END_TEST

START_TEST(test_log_warn_errno)
{
	char want[128];

	log_init("ktlsd", 0, 0);
	errno = ENOENT;
	log_warn("open %s", "/etc/ktlsd/ktlsd.conf");
	ck_assert_int_eq(errno, ENOENT);
	log_warnx("open %s", "/etc/ktlsd/ktlsd.conf");
	ck_assert_int_eq(errno, ENOENT);

	ck_assert_int_eq(n_sink, 2);
	snprintf(want, sizeof(want), "open /etc/ktlsd/ktlsd.conf: %s", strerror(ENOENT));
	ck_assert_str_eq(sink[0].line, want);
	ck_assert_str_eq(sink[1].line, "open /etc/ktlsd/ktlsd.conf");
}
END_TEST

START_TEST(test_log_levels)
{
	log_init("ktlsd", 0, 0);

	log_set_level(LOG_LVL_INFO);
	log_debug("hidden");
	ck_assert_int_eq(n_sink, 0);
	log_info("shown");
	ck_assert_int_eq(n_sink, 1);

	log_set_level(LOG_LVL_DEBUG);
	log_debug("now shown");
	ck_assert_int_eq(n_sink, 2);
	ck_assert_str_eq(sink[1].line, "now shown");

	log_set_level(LOG_LVL_ERR);
	log_warn("hidden");
	log_warnx("hidden");
	log_info("hidden");
	ck_assert_int_eq(n_sink, 2);
	logit(LOG_LVL_ERR, "error");
	ck_assert_int_eq(n_sink, 3);

	log_set_level(LOG_LVL_WARN);
	log_warnx("warn");
	log_info("hidden");
	ck_assert_int_eq(n_sink, 4);

	log_set_level(99);
	ck_assert_int_eq(log_get_level(), LOG_LVL_DEBUG);
	log_set_level(-5);
	ck_assert_int_eq(log_get_level(), LOG_LVL_ERR);
}
END_TEST

START_TEST(test_log_line_bound)
{
	static char big[5000];
	size_t len;

	log_init("ktlsd", 0, 0);
	log_set_procname("worker");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	errno = EIO;
	log_warn("%s", big);
	ck_assert_int_eq(n_sink, 1);
	len = strlen(sink[0].line);
	ck_assert_uint_eq(len, LOG_LINE_MAX);
	ck_assert(strncmp(sink[0].line, "worker: aaa", 11) == 0);
	ck_assert_str_eq(sink[0].line + len - 3, "...");

	/* Exactly LOG_LINE_MAX fits without the marker. */
	big[LOG_LINE_MAX - strlen("worker: ")] = '\0';
	log_warnx("%s", big);
	ck_assert_int_eq(n_sink, 2);
	ck_assert_uint_eq(strlen(sink[1].line), LOG_LINE_MAX);
	ck_assert_int_eq(sink[1].line[LOG_LINE_MAX - 1], 'a');
}
END_TEST

START_TEST(test_log_control_chars)
{
	char out[256];

	log_init("ktlsd", 1, 0);
	cap_start();
	log_info("peer '%s'", "evil\nktlsd[1]: forged\r\x1b[2J\x7f");
	cap_stop(out, sizeof(out));
	ck_assert_int_eq(n_sink, 1);
	ck_assert_str_eq(sink[0].line, "peer 'evil?ktlsd[1]: forged??[2J?'");
	check_stderr_line(out, "ktlsd", "peer 'evil?ktlsd[1]: forged??[2J?'");
	/* UTF-8 passes through. */
	cap_start();
	log_info("%s", "caf\xc3\xa9");
	cap_stop(out, sizeof(out));
	ck_assert_str_eq(sink[1].line, "caf\xc3\xa9");
}
END_TEST

START_TEST(test_log_errno_preserved)
{
	log_init("ktlsd", 0, 0);
	log_set_level(LOG_LVL_INFO);
	errno = EBADF;
	log_warn("a");
	ck_assert_int_eq(errno, EBADF);
	log_warnx("b");
	ck_assert_int_eq(errno, EBADF);
	log_info("c");
	ck_assert_int_eq(errno, EBADF);
	log_debug("d (filtered)");
	ck_assert_int_eq(errno, EBADF);
	logit(LOG_LVL_ERR, "e");
	ck_assert_int_eq(errno, EBADF);
	log_set_procname("worker");
	ck_assert_int_eq(errno, EBADF);
	log_init("ktlsd", 0, 0);
	ck_assert_int_eq(errno, EBADF);
	/* The errno text is that of the call, not of anything inside. */
	ck_assert_int_eq(n_sink, 4);
	ck_assert(strstr(sink[0].line, strerror(EBADF)) != NULL);
}
END_TEST

static int fatal_logged;

/* fatal() must have logged before it exited: exit(1) runs this. */
static void fatal_check_logged(void)
{
	if (!fatal_logged)
		_exit(4);
}

static void fatal_sink(int priority, const char *line)
{
	char want[128];

	/*
	 * A failed ck_assert exits with status 1 too, which the exit test
	 * would accept: report a mismatch with a different status instead.
	 */
	snprintf(want, sizeof(want), "monitor: fatal: bind control socket: %s", strerror(EADDRINUSE));
	if (priority != (LOG_AUTH | LOG_CRIT) || strcmp(line, want) != 0)
		_exit(3);
	fatal_logged = 1;
}

START_TEST(test_log_fatal)
{
	log_init("ktlsd", 0, 0);
	log_set_syslog_sink(fatal_sink);
	ck_assert_int_eq(atexit(fatal_check_logged), 0);
	log_set_procname("monitor");
	/* Shown at every level. */
	log_set_level(LOG_LVL_ERR);
	errno = EADDRINUSE;
	fatal("bind control socket");
}
END_TEST

static void fatalx_sink(int priority, const char *line)
{
	if (priority != (LOG_AUTH | LOG_CRIT) || strcmp(line, "fatal: bad imsg size 3") != 0)
		_exit(3);
	fatal_logged = 1;
}

START_TEST(test_log_fatalx)
{
	log_init("ktlsd", 0, 0);
	log_set_syslog_sink(fatalx_sink);
	ck_assert_int_eq(atexit(fatal_check_logged), 0);
	log_set_level(LOG_LVL_ERR);
	errno = EADDRINUSE;
	fatalx("bad imsg size %d", 3);
}
END_TEST

static Suite *log_suite(int with_exit_tests)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_log_stderr_format);
	tcase_add_test(tc, test_log_ident);
	tcase_add_test(tc, test_log_syslog_priority);
	tcase_add_test(tc, test_log_both_destinations);
	tcase_add_test(tc, test_log_warn_errno);
	tcase_add_test(tc, test_log_levels);
	tcase_add_test(tc, test_log_line_bound);
	tcase_add_test(tc, test_log_control_chars);
	tcase_add_test(tc, test_log_errno_preserved);
	suite_add_tcase(s, tc);

	if (with_exit_tests) {
		tc = tcase_create("fatal");
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_exit_test(tc, test_log_fatal, 1);
		tcase_add_exit_test(tc, test_log_fatalx, 1);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(log_suite(1));
	int failed;

	/*
	 * Under CK_FORK=no (valgrind runs) an exit test would end the whole
	 * runner: leave the fatal cases out there.
	 */
	if (srunner_fork_status(sr) == CK_NOFORK) {
		srunner_free(sr);
		sr = srunner_create(log_suite(0));
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
