// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The worker's sandbox (daemon/sandbox.c), each case in a child process
 * so the filter stays there: after sandbox_seccomp() a socket, a keyring
 * call, a new process, a program, a signal to another process and a new
 * io_uring are refused, while what the loop needs (threads, signals to
 * itself, reads and writes, a file it opens) still works; a restricted
 * ring runs the worker's opcodes and refuses others and every register
 * call.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <liburing.h>

#include "sandbox.h"

/* Run @fn in a child; return its exit status (0: every check held). */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn());
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "the child died of signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

static void *thread_fn(void *arg)
{
	return arg;
}

/* Each failed check exits with its own number, for the message. */
#define CHECK(n, cond) do { if (!(cond)) return (n); } while (0)

static int seccomp_refuses(void)
{
	long r;
	pid_t p;
	struct io_uring ring;
	char *argv[] = { "/bin/true", NULL };

	CHECK(1, sandbox_seccomp() == 0);
	errno = 0;
	CHECK(2, socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EPERM);
	CHECK(3, socket(AF_UNIX, SOCK_DGRAM, 0) < 0 && errno == EPERM);
	r = syscall(__NR_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -2, 0);
	CHECK(4, r < 0 && errno == EPERM);
	r = syscall(__NR_add_key, "user", "x", "y", 1, -2);
	CHECK(5, r < 0 && errno == EPERM);
	p = fork();
	if (p == 0)
		_exit(0);
	CHECK(6, p < 0 && errno == EPERM);
	execve(argv[0], argv, NULL);
	CHECK(7, errno == EPERM);
	CHECK(8, kill(getppid(), 0) < 0 && errno == EPERM);
	CHECK(9, kill(-1, 0) < 0 && errno == EPERM);
	CHECK(10, kill(0, 0) < 0 && errno == EPERM);
	CHECK(11, io_uring_queue_init(8, &ring, 0) == -EPERM);
	return 0;
}

START_TEST(test_sandbox_seccomp_refuses)
{
	int st = in_child(seccomp_refuses);

	ck_assert_msg(st == 0, "check %d failed", st);
}
END_TEST

static int seccomp_allows(void)
{
	pthread_t t;
	void *ret = NULL;
	char b = 'x';
	int pfd[2], fd;

	CHECK(1, sandbox_seccomp() == 0);
	CHECK(2, kill(getpid(), 0) == 0);
	CHECK(3, pthread_create(&t, NULL, thread_fn, &b) == 0);
	CHECK(4, pthread_join(t, &ret) == 0 && ret == &b);
	CHECK(5, pipe(pfd) == 0);
	CHECK(6, write(pfd[1], &b, 1) == 1 && read(pfd[0], &b, 1) == 1);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(7, fd >= 0);
	close(fd);
	return 0;
}

START_TEST(test_sandbox_seccomp_allows_the_loop)
{
	int st = in_child(seccomp_allows);

	ck_assert_msg(st == 0, "check %d failed", st);
}
END_TEST

/* Submit one SQE, return its CQE's result. */
static int one(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int res;

	ck_assert_int_eq(io_uring_submit(ring), 1);
	ck_assert_int_eq(io_uring_wait_cqe(ring, &cqe), 0);
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

START_TEST(test_sandbox_ring_restricted)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_probe *probe;
	bool restricted;
	char b = 'y', got = 0;
	int pfd[2];

	ck_assert_int_eq(sandbox_ring_init(8, &ring, 0, &restricted), 0);
	/* Every kernel that runs ktlsd's CI has had restrictions since 5.10. */
	ck_assert(restricted);
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(write(pfd[1], &b, 1), 1);
	/* The worker's own: a read. */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, pfd[0], &got, 1, 0);
	ck_assert_int_eq(one(&ring), 1);
	ck_assert_int_eq(got, 'y');
	/* Not the worker's: an open, a socket, a nop. */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, "/dev/null", O_RDONLY, 0);
	ck_assert_int_eq(one(&ring), -EACCES);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	ck_assert_int_eq(one(&ring), -EACCES);
	/* A flag it never sets. */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, pfd[0], &got, 1, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	ck_assert_int_eq(one(&ring), -EACCES);
	/* No register call at all. */
	ck_assert_int_eq(io_uring_register_files(&ring, pfd, 1), -EACCES);
	probe = io_uring_get_probe_ring(&ring);
	ck_assert_ptr_null(probe);
	io_uring_queue_exit(&ring);
	close(pfd[0]);
	close(pfd[1]);
}
END_TEST

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sandbox_seccomp_refuses);
	tcase_add_test(tc, test_sandbox_seccomp_allows_the_loop);
	tcase_add_test(tc, test_sandbox_ring_restricted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sandbox_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
