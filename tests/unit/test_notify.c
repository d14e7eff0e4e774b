// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for daemon/notify.c: with $NOTIFY_SOCKET pointing at a
 * datagram socket we bound (a file system path, then an abstract name),
 * each call must deliver exactly the datagram sd_notify(3) specifies. Also
 * the no-manager case, malformed and unsupported addresses, an absent
 * listener, the STATUS= bound and newline replacement, errno preservation,
 * and the watchdog variables.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

static int lfd = -1;
static char tmpdir[64];
static char sockpath[128];

/* Bind a datagram socket at @name ('@' for abstract) and export it. */
static void listen_at(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };
	socklen_t len;
	size_t n = strlen(name);

	lfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	if (name[0] == '@') {
		memcpy(sa.sun_path + 1, name + 1, n - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		memcpy(sa.sun_path, name, n + 1);
		len = (socklen_t)sizeof(sa);
	}
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, len), 0);
	ck_assert_int_eq(setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", name, 1), 0);
}

/* The next datagram, NUL-terminated. */
static const char *next_datagram(char *buf, size_t cap)
{
	ssize_t n = recv(lfd, buf, cap - 1, 0);

	ck_assert_msg(n >= 0, "no datagram: %s", strerror(errno));
	buf[n] = '\0';
	return buf;
}

static void assert_no_datagram(void)
{
	char c;

	ck_assert_int_lt(recv(lfd, &c, 1, MSG_DONTWAIT), 0);
	ck_assert_int_eq(errno, EAGAIN);
}

static void setup_path(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ktlsd-notify-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(sockpath, sizeof(sockpath), "%s/notify", tmpdir);
	listen_at(sockpath);
}

static void teardown_path(void)
{
	close(lfd);
	lfd = -1;
	unlink(sockpath);
	rmdir(tmpdir);
	unsetenv("NOTIFY_SOCKET");
}

static void setup_abstract(void)
{
	char name[96];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(name, sizeof(name), "@ktlsd-test-notify-%ld-%ld", (long)getpid(), (long)ts.tv_nsec);
	listen_at(name);
}

static void teardown_abstract(void)
{
	close(lfd);
	lfd = -1;
	unsetenv("NOTIFY_SOCKET");
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Every message kind, checked byte for byte; shared by both address kinds. */
static void check_messages(void)
{
	char buf[1024];
	uint64_t before, after, usec;
	char tail;

	ck_assert_int_eq(notify_ready(), 1);
	ck_assert_str_eq(next_datagram(buf, sizeof(buf)), "READY=1");

	ck_assert_int_eq(notify_stopping(), 1);
	ck_assert_str_eq(next_datagram(buf, sizeof(buf)), "STOPPING=1");

	ck_assert_int_eq(notify_watchdog(), 1);
	ck_assert_str_eq(next_datagram(buf, sizeof(buf)), "WATCHDOG=1");

	ck_assert_int_eq(notify_status("%u handshakes in flight, %s", 3u, "ok"), 1);
	ck_assert_str_eq(next_datagram(buf, sizeof(buf)), "STATUS=3 handshakes in flight, ok");

	ck_assert_int_eq(notify_send("STATUS=x\nREADY=1"), 1);
	ck_assert_str_eq(next_datagram(buf, sizeof(buf)), "STATUS=x\nREADY=1");

	before = now_usec();
	ck_assert_int_eq(notify_reloading(), 1);
	after = now_usec();
	next_datagram(buf, sizeof(buf));
	ck_assert_msg(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%" SCNu64 "%c", &usec, &tail) == 1,
		      "bad datagram \"%s\"", buf);
	ck_assert(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	ck_assert_uint_ge(usec, before);
	ck_assert_uint_le(usec, after);

	assert_no_datagram();
}

START_TEST(test_notify_path)
{
	check_messages();
}
END_TEST

START_TEST(test_notify_abstract)
{
	check_messages();
}
END_TEST

START_TEST(test_notify_status_newlines)
{
	char buf[1024];

	/* A newline would let the text add an assignment of its own. */
	ck_assert_int_eq(notify_status("peer said %s", "hi\nREADY=1\r"), 1);
	ck_assert_str_eq(next_datagram(buf, sizeof(buf)), "STATUS=peer said hi READY=1 ");
}
END_TEST

START_TEST(test_notify_status_bound)
{
	static char big[4 * NOTIFY_STATUS_MAX], buf[8 * NOTIFY_STATUS_MAX];
	const char *d;
	size_t i;

	memset(big, 'x', sizeof(big) - 1);
	ck_assert_int_eq(notify_status("%s", big), 1);
	d = next_datagram(buf, sizeof(buf));
	ck_assert_uint_eq(strlen(d), strlen("STATUS=") + NOTIFY_STATUS_MAX);
	ck_assert(strncmp(d, "STATUS=", 7) == 0);
	for (i = 7; d[i]; i++)
		ck_assert_int_eq(d[i], 'x');
}
END_TEST

START_TEST(test_notify_errno_kept)
{
	char buf[64];

	errno = EBADF;
	ck_assert_int_eq(notify_ready(), 1);
	ck_assert_int_eq(errno, EBADF);
	next_datagram(buf, sizeof(buf));
	ck_assert_int_eq(notify_reloading(), 1);
	ck_assert_int_eq(errno, EBADF);
	next_datagram(buf, sizeof(buf));
}
END_TEST

START_TEST(test_notify_unset)
{
	unsetenv("NOTIFY_SOCKET");
	errno = EBADF;
	ck_assert_int_eq(notify_send("READY=1"), 0);
	ck_assert_int_eq(notify_ready(), 0);
	ck_assert_int_eq(notify_reloading(), 0);
	ck_assert_int_eq(notify_stopping(), 0);
	ck_assert_int_eq(notify_status("x"), 0);
	ck_assert_int_eq(notify_watchdog(), 0);
	ck_assert_int_eq(errno, EBADF);

	/* Empty counts as unset, as in sd_notify(). */
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "", 1), 0);
	ck_assert_int_eq(notify_ready(), 0);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

START_TEST(test_notify_bad_address)
{
	char longname[200];

	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "vsock:2:1234", 1), 0);
	ck_assert_int_eq(notify_ready(), -EAFNOSUPPORT);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "relative/path", 1), 0);
	ck_assert_int_eq(notify_ready(), -EAFNOSUPPORT);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "@", 1), 0);
	ck_assert_int_eq(notify_ready(), -EINVAL);

	/* sun_path holds 108 bytes: a path needs its NUL, an abstract name not. */
	memset(longname, 'a', sizeof(longname));
	longname[0] = '/';
	longname[108] = '\0';
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", longname, 1), 0);
	ck_assert_int_eq(notify_ready(), -EINVAL);
	longname[0] = '@';
	longname[109] = '\0';
	longname[108] = 'a';
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", longname, 1), 0);
	ck_assert_int_eq(notify_ready(), -EINVAL);

	/* Nobody listening: the sendto() error comes back. */
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "/nonexistent/ktlsd-notify", 1), 0);
	errno = EBADF;
	ck_assert_int_eq(notify_ready(), -ENOENT);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "@ktlsd-test-nobody-listens-here", 1), 0);
	ck_assert_int_eq(notify_ready(), -ECONNREFUSED);

	/* An empty state is a caller error, but only if there is a manager. */
	ck_assert_int_eq(notify_send(""), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_send(""), 0);
}
END_TEST

START_TEST(test_notify_abstract_max_name)
{
	char name[110], buf[64];

	/* '@' plus 107 bytes fills sun_path exactly (its first byte is NUL). */
	memset(name, 'b', sizeof(name));
	name[0] = '@';
	snprintf(name + 1, 16, "%ld-", (long)getpid());
	name[strlen(name)] = 'b';
	name[108] = '\0';
	listen_at(name);
	ck_assert_int_eq(notify_ready(), 1);
	ck_assert_str_eq(next_datagram(buf, sizeof(buf)), "READY=1");
	teardown_abstract();
}
END_TEST

START_TEST(test_notify_watchdog_env)
{
	char pid[32];
	uint64_t usec = 0;

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	ck_assert_int_eq(notify_watchdog_usec(&usec), 0);

	ck_assert_int_eq(setenv("WATCHDOG_USEC", "30000000", 1), 0);
	ck_assert_int_eq(notify_watchdog_usec(&usec), 1);
	ck_assert_uint_eq(usec, 30000000u);

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	ck_assert_int_eq(setenv("WATCHDOG_PID", pid, 1), 0);
	usec = 0;
	ck_assert_int_eq(notify_watchdog_usec(&usec), 1);
	ck_assert_uint_eq(usec, 30000000u);

	/* Meant for another process. */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	ck_assert_int_eq(setenv("WATCHDOG_PID", pid, 1), 0);
	ck_assert_int_eq(notify_watchdog_usec(&usec), 0);

	ck_assert_int_eq(setenv("WATCHDOG_PID", "12x", 1), 0);
	ck_assert_int_eq(notify_watchdog_usec(&usec), -EINVAL);
	unsetenv("WATCHDOG_PID");
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "0", 1), 0);
	ck_assert_int_eq(notify_watchdog_usec(&usec), -EINVAL);
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "-5", 1), 0);
	ck_assert_int_eq(notify_watchdog_usec(&usec), -EINVAL);
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "99999999999999999999999", 1), 0);
	ck_assert_int_eq(notify_watchdog_usec(&usec), -EINVAL);
	unsetenv("WATCHDOG_USEC");
}
END_TEST

START_TEST(test_notify_forget)
{
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "@x", 1), 0);
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "1000", 1), 0);
	ck_assert_int_eq(setenv("WATCHDOG_PID", "1", 1), 0);
	notify_forget();
	ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
	ck_assert_ptr_null(getenv("WATCHDOG_USEC"));
	ck_assert_ptr_null(getenv("WATCHDOG_PID"));
	ck_assert_int_eq(notify_ready(), 0);
}
END_TEST

static Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc;

	tc = tcase_create("path");
	tcase_add_checked_fixture(tc, setup_path, teardown_path);
	tcase_add_test(tc, test_notify_path);
	tcase_add_test(tc, test_notify_status_newlines);
	tcase_add_test(tc, test_notify_status_bound);
	tcase_add_test(tc, test_notify_errno_kept);
	suite_add_tcase(s, tc);

	tc = tcase_create("abstract");
	tcase_add_checked_fixture(tc, setup_abstract, teardown_abstract);
	tcase_add_test(tc, test_notify_abstract);
	tcase_add_test(tc, test_notify_status_newlines);
	suite_add_tcase(s, tc);

	tc = tcase_create("environment");
	tcase_add_test(tc, test_notify_unset);
	tcase_add_test(tc, test_notify_bad_address);
	tcase_add_test(tc, test_notify_abstract_max_name);
	tcase_add_test(tc, test_notify_watchdog_env);
	tcase_add_test(tc, test_notify_forget);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(notify_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
