// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * storm: a handshake storm through the kernel, for ktlsd's VM benchmark
 * (tests/vm/bench-storm.sh) and its storm tests (tests/vm/test-vm-storm.sh).
 *
 * N threads each make a loopback TCP connection to a TLS peer (normally
 * bench/storm-peer, a concurrent libktls peer), wait at a barrier, then hand
 * the socket to the test kernel module (/dev/ktls_test_hs, kmod-glue/kmod)
 * at the same moment, as N kernel consumers would. The ioctl blocks until
 * the agent's DONE reaches the module's done callback (or the module gives
 * up at wait_ms). Each thread measures the time from ioctl start to return,
 * then proves kernel TLS on the socket: it writes a line through the socket
 * (the kernel encrypts), the peer echoes it, and it reads it back (the kernel
 * decrypts).
 *
 * Besides the normal requests, a run may add --silent K requests whose peer
 * never says anything and --garbage K whose peer sends bytes that are not
 * TLS; they are built by the thread itself on a private loopback pair and
 * reported apart, so one can see that they fail alone.
 *
 * With --daemon-pid (the ktlsd monitor; its workers are its children) it
 * also reports the daemon's CPU time per handshake (utime + stime of the
 * monitor and its workers, plus reaped children, before and after) and the
 * worker's resident memory per handshake in flight: its VmRSS sampled
 * during the storm minus VmRSS before it (after --warmup handshakes), over
 * N and over the most handshakes the worker held at once (its open
 * sockets above idle).
 *
 * The kernel refuses a request with EAGAIN while 3..50 sit un-accepted;
 * --retry-eagain retries with a growing pause, as a consumer would, and
 * counts it. --signal-at K:SIG:PID sends a signal once K requests have
 * returned (SIGKILL or SIGHUP the daemon in the middle of a storm); --hold
 * reads /proc/net/tls_stat while every socket is still open.
 *
 * Output: key=value lines; per request with -v. The exit status is 0 when
 * every normal request succeeded with working kernel TLS (and every bad one
 * failed), 1 otherwise, 2 on misuse.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "handshake-uapi.h"
#include "ktls_test_hs.h"
#include "tool-util.h"

#define ST_DEVICE "/dev/" KTLS_TEST_HS_DEVICE
#define ST_MAX_N 4096
#define ST_IO_TIMEOUT_MS 20000
#define ST_IO_TIMEOUT_S (ST_IO_TIMEOUT_MS / 1000)
#define ST_STACK (256 * 1024)
#define ST_MAX_PIDS 16

enum kind { K_NORMAL, K_SILENT, K_GARBAGE, K_COUNT };
static const char *const kind_name[K_COUNT] = { "normal", "silent", "garbage" };

enum outcome {
	O_OK,		/* status 0 and the echo through kTLS came back */
	O_DATA_FAIL,	/* status 0 but kTLS did not carry the echo */
	O_DONE_ERR,	/* DONE with an error status */
	O_CANCELLED,	/* the module gave up at wait_ms (consumer timeout) */
	O_SUBMIT_ERR,	/* the ioctl itself failed (ESRCH, EAGAIN, ...) */
	O_SETUP_ERR,	/* no connection to a peer */
	O_COUNT,
};
static const char *const outcome_name[O_COUNT] = {
	"ok", "data_fail", "done_error", "cancelled", "submit_error", "setup_error",
};

struct opts {
	int n, rounds;
	int role;		/* KTLS_TEST_HS_CLIENT / SERVER */
	int auth;		/* KTLS_TEST_HS_ANON / X509 / PSK */
	const char *connect;	/* client role: the peer's address */
	const char *listen;	/* server role: where the peer connects */
	const char *peername;
	int cert, privkey, keyring;
	int psks[KTLS_TEST_HS_MAX_PEERIDS];
	int n_psks;
	unsigned int timeout_ms, wait_ms, bad_timeout_ms;
	int silent, garbage;
	bool retry_eagain;
	int retry_max_ms;
	pid_t daemon_pid;
	int sample_ms;
	int verbose;
	bool hold;		/* read /proc/net/tls_stat while sockets are open */
	int warmup;		/* sequential handshakes before measuring */
	const char *stats_socket;	/* ktlsd's: its "inflight" gauge */
	struct { int after, sig; pid_t pid; } signals[4];	/* --signal-at */
	int n_signals;
	const char *label;
};

struct job {
	int idx;
	enum kind kind;
	int fd, peer_fd;
	pthread_t tid;
	/* results */
	enum outcome outcome;
	int sys_errno;		/* submit/setup errno */
	int status;		/* done callback status */
	unsigned int flags;
	int peerid;
	int eagain;		/* EAGAIN retries */
	double ioctl_max_ms;	/* the longest single ioctl call */
	double start_ms, end_ms;	/* relative to the round's start */
	char data_why[96];
	uint16_t tx_cipher, rx_cipher;
};

static struct opts o = {
	.n = 1, .rounds = 1, .role = KTLS_TEST_HS_CLIENT, .auth = KTLS_TEST_HS_X509,
	.peername = "localhost", .timeout_ms = 0, .wait_ms = 60000,
	.bad_timeout_ms = 3000, .retry_max_ms = 20000, .sample_ms = 5,
};

const char *const tool_name = "storm";
static int hs_dev = -1;
static int listen_fd = -1;
static struct sockaddr_storage peer_addr;
static socklen_t peer_addr_len;

static pthread_barrier_t start_barrier, hold_barrier, release_barrier;
static struct timespec round_t0;
static atomic_int inflight, done_count;
static atomic_bool storm_over;
static bool holding;		/* this round uses the hold barriers */

void tool_usage(FILE *f)
{
	fprintf(f,
		"usage: %s -n N [--rounds R] [--role client|server] [--auth x509|anon|psk]\n"
		"\t(--connect HOST:PORT | --listen ADDR:PORT) [--peername NAME]\n"
		"\t[--cert SERIAL --privkey SERIAL] [--psk SERIAL]... [--keyring SERIAL]\n"
		"\t[--timeout-ms MS] [--wait-ms MS] [--silent K] [--garbage K]\n"
		"\t[--bad-timeout-ms MS] [--retry-eagain] [--daemon-pid PID] [--hold]\n"
		"\t[--retry-max-ms MS] [--warmup K] [--stats-socket PATH]\n"
		"\t[--signal-at K:SIG:PID]... [--label TEXT] [-v | -q]\n",
		tool_name);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - round_t0.tv_sec) * 1e3 +
	       (double)(ts.tv_nsec - round_t0.tv_nsec) / 1e6;
}

static const char *errno_name(int e)
{
	static __thread char buf[16];

	switch (e) {
	case 0: return "0";
	case EACCES: return "EACCES";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EKEYREJECTED: return "EKEYREJECTED";
	case ENOKEY: return "ENOKEY";
	case EIO: return "EIO";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case ESRCH: return "ESRCH";
	case EBUSY: return "EBUSY";
	case EINTR: return "EINTR";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EMFILE: return "EMFILE";
	default:
		snprintf(buf, sizeof(buf), "E%d", e);
		return buf;
	}
}

/* ---- addresses and sockets ------------------------------------------------ */

static void parse_addr(const char *s, bool passive)
{
	struct addrinfo *res;
	const char *why;

	if (tool_resolve(s, passive ? TOOL_AI_LISTEN : 0, &res, &why))
		tool_die("%s: %s", s, why);
	memcpy(&peer_addr, res->ai_addr, res->ai_addrlen);
	peer_addr_len = res->ai_addrlen;
	freeaddrinfo(res);
}

/* ---- one request ------------------------------------------------------------ */

static int setup_conn(struct job *j)
{
	int err;

	if (j->kind != K_NORMAL) {
		/* The module's end and the (bad) peer's end. */
		if (o.role == KTLS_TEST_HS_CLIENT)
			err = tool_loopback_pair(&j->fd, &j->peer_fd);
		else
			err = tool_loopback_pair(&j->peer_fd, &j->fd);
		if (!err)
			tool_set_timeouts(j->fd, ST_IO_TIMEOUT_S);
		return err;
	}
	if (o.role == KTLS_TEST_HS_CLIENT) {
		j->fd = socket(peer_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (j->fd < 0)
			return errno;
		tool_set_timeouts(j->fd, ST_IO_TIMEOUT_S);
		if (connect(j->fd, (struct sockaddr *)&peer_addr, peer_addr_len)) {
			err = errno;
			close(j->fd);
			j->fd = -1;
			return err;
		}
		return 0;
	}
	/* Server role: the peer (storm-peer client) connects to us. */
	for (;;) {
		struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };

		if (poll(&pfd, 1, ST_IO_TIMEOUT_MS) <= 0)
			return ETIMEDOUT;
		j->fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (j->fd >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return errno;
	}
	fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) & ~O_NONBLOCK);
	tool_set_timeouts(j->fd, ST_IO_TIMEOUT_S);
	return 0;
}

static void bad_peer_talk(struct job *j)
{
	static const char garbage[] =
		"GET / HTTP/1.1\r\nHost: localhost\r\nThis is not TLS at all.\r\n\r\n";

	if (j->kind == K_GARBAGE)
		(void)!send(j->peer_fd, garbage, sizeof(garbage) - 1, MSG_NOSIGNAL);
	/* K_SILENT: say nothing, read nothing. */
}

static int ktls_cipher(int fd, int dir, uint16_t *cipher)
{
	/* Just the header: any other length must match the cipher exactly. */
	struct ktls_crypto_info_hdr ci;
	socklen_t len = sizeof(ci);

	memset(&ci, 0, sizeof(ci));
	if (getsockopt(fd, SOL_TLS, dir, &ci, &len))
		return -1;
	if (ci.version != TLS_1_3_VERSION) {
		errno = EPROTO;
		return -1;
	}
	*cipher = ci.cipher_type;
	return 0;
}

/* Write a line through kTLS, read the peer's echo back. */
static void verify_ktls(struct job *j)
{
	char msg[64], got[64];
	size_t len, have = 0;
	ssize_t n;

	if (ktls_cipher(j->fd, TLS_TX, &j->tx_cipher) ||
	    ktls_cipher(j->fd, TLS_RX, &j->rx_cipher)) {
		snprintf(j->data_why, sizeof(j->data_why), "no kTLS on the socket: %s",
			 strerror(errno));
		j->outcome = O_DATA_FAIL;
		return;
	}
	len = (size_t)snprintf(msg, sizeof(msg), "storm request %d through kTLS\n", j->idx);
	n = send(j->fd, msg, len, MSG_NOSIGNAL);
	if (n != (ssize_t)len) {
		snprintf(j->data_why, sizeof(j->data_why), "send: %s",
			 n < 0 ? strerror(errno) : "short");
		j->outcome = O_DATA_FAIL;
		return;
	}
	while (have < len) {
		n = recv(j->fd, got + have, len - have, 0);
		if (n <= 0) {
			snprintf(j->data_why, sizeof(j->data_why), "recv: %s",
				 n < 0 ? strerror(errno) : "EOF");
			j->outcome = O_DATA_FAIL;
			return;
		}
		have += (size_t)n;
	}
	if (memcmp(got, msg, len)) {
		snprintf(j->data_why, sizeof(j->data_why), "echo differs");
		j->outcome = O_DATA_FAIL;
		return;
	}
	j->outcome = O_OK;
}

static void fill_req(const struct job *j, struct ktls_test_hs_req *req)
{
	int i;

	memset(req, 0, sizeof(*req));
	req->sockfd = j->fd;
	req->role = (uint32_t)o.role;
	req->auth = (uint32_t)o.auth;
	req->timeout_ms = j->kind == K_NORMAL ? o.timeout_ms : o.bad_timeout_ms;
	req->wait_ms = o.wait_ms;
	req->keyring = o.keyring;
	if (o.auth == KTLS_TEST_HS_X509) {
		req->cert = o.cert;
		req->privkey = o.privkey;
	}
	if (o.auth == KTLS_TEST_HS_PSK) {
		req->num_peerids = (uint32_t)o.n_psks;
		for (i = 0; i < o.n_psks; i++)
			req->peerids[i] = o.psks[i];
	}
	if (o.role == KTLS_TEST_HS_CLIENT && o.peername)
		snprintf(req->peername, sizeof(req->peername), "%s", o.peername);
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct ktls_test_hs_req req;
	unsigned int seed = (unsigned int)j->idx * 2654435761u;
	double t_call;
	int err, ret, k, done;

	err = setup_conn(j);
	pthread_barrier_wait(&start_barrier);
	if (err) {
		j->outcome = O_SETUP_ERR;
		j->sys_errno = err;
		j->start_ms = j->end_ms = now_ms();
		goto hold;
	}
	bad_peer_talk(j);
	j->start_ms = now_ms();
	for (;;) {
		fill_req(j, &req);
		/* In flight: inside the ioctl (not while backing off after EAGAIN). */
		atomic_fetch_add(&inflight, 1);
		t_call = now_ms();
		ret = ioctl(hs_dev, KTLS_TEST_HS_IOC_HANDSHAKE, &req);
		err = ret ? errno : 0;
		t_call = now_ms() - t_call;
		if (t_call > j->ioctl_max_ms)
			j->ioctl_max_ms = t_call;
		atomic_fetch_sub(&inflight, 1);
		/*
		 * The kernel refuses a request while too many sit un-accepted
		 * (3..50 per netns); a consumer would try again later.
		 */
		if (ret && err == EAGAIN && o.retry_eagain &&
		    now_ms() - j->start_ms < o.retry_max_ms) {
			/*
			 * Back off 2, 4, ... 64 ms (half of it random), so
			 * hundreds of retrying threads do not starve the
			 * agent of the CPU it needs to ACCEPT.
			 */
			unsigned int ms = 2u << (j->eagain < 5 ? j->eagain : 5);

			j->eagain++;
			usleep(ms * 500 + rand_r(&seed) % (ms * 500));
			continue;
		}
		if (ret && err == EAGAIN)
			j->eagain++;
		break;
	}
	j->end_ms = now_ms();
	done = atomic_fetch_add(&done_count, 1) + 1;
	/* --signal-at: e.g. kill the daemon in the middle of the storm */
	for (k = 0; k < o.n_signals; k++)
		if (o.signals[k].after == done) {
			fprintf(stderr, "%s: %.0f ms: %d requests returned, sending signal %d to %d\n",
				tool_name, j->end_ms, done, o.signals[k].sig, (int)o.signals[k].pid);
			kill(o.signals[k].pid, o.signals[k].sig);
		}
	if (ret) {
		j->outcome = O_SUBMIT_ERR;
		j->sys_errno = err;
		goto hold;
	}
	j->status = req.status;
	j->flags = req.flags;
	j->peerid = req.peerid;
	if (!(req.flags & KTLS_TEST_HS_F_DONE))
		j->outcome = O_CANCELLED;
	else if (req.status)
		j->outcome = O_DONE_ERR;
	else if (j->kind == K_NORMAL)
		verify_ktls(j);
	else
		j->outcome = O_OK;	/* a bad peer that "succeeded": reported */
hold:
	/* With --hold, the sockets stay open until tls_stat has been read. */
	if (holding) {
		pthread_barrier_wait(&hold_barrier);
		pthread_barrier_wait(&release_barrier);
	}
	if (j->fd >= 0)
		close(j->fd);
	if (j->peer_fd >= 0)
		close(j->peer_fd);
	j->fd = j->peer_fd = -1;
	return NULL;
}

/* ---- the daemon's processes ------------------------------------------------- */

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* utime, stime, cutime, cstime and ppid from /proc/PID/stat. */
static int proc_stat(pid_t pid, unsigned long long *ticks, pid_t *ppid, bool children)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long long cut, cst;
	int pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime */
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
		   &pp, &ut, &st, &cut, &cst) != 5)
		return -1;
	*ticks = ut + st + (children ? (unsigned long long)(cut + cst) : 0);
	if (ppid)
		*ppid = pp;
	return 0;
}

/*
 * Busy ticks of every CPU together (user, nice, system, irq, softirq,
 * steal) from /proc/stat's "cpu" line: the daemon, the peer, our threads
 * and the kernel alike.
 */
static int sys_busy_ticks(unsigned long long *busy)
{
	unsigned long long v[8];
	char buf[1024];

	if (read_file("/proc/stat", buf, sizeof(buf)) ||
	    sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		return -1;
	/* user nice system idle iowait irq softirq steal */
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	return 0;
}

static long proc_status_kib(pid_t pid, const char *key)
{
	char path[64], buf[4096], *p;
	size_t kl = strlen(key);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return strtol(p + kl + 1, NULL, 10);
	return -1;
}

/* The monitor's children: its workers. */
static int workers_of(pid_t mon, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	unsigned long long t;
	pid_t pid, pp;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (proc_stat(pid, &t, &pp, false) == 0 && pp == mon)
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

/*
 * CPU ticks of the monitor (with its reaped children: workers that left
 * during a reload) and of its live workers.
 */
static void daemon_ticks(pid_t mon, unsigned long long *mon_ticks,
			 unsigned long long *worker_ticks)
{
	pid_t w[ST_MAX_PIDS];
	unsigned long long t;
	int i, n;

	*mon_ticks = *worker_ticks = 0;
	if (proc_stat(mon, &t, NULL, true) == 0)
		*mon_ticks = t;
	n = workers_of(mon, w, ST_MAX_PIDS);
	for (i = 0; i < n; i++)
		if (proc_stat(w[i], &t, NULL, false) == 0)
			*worker_ticks += t;
}

static long workers_rss(pid_t mon)
{
	pid_t w[ST_MAX_PIDS];
	long sum = 0, r;
	int i, n = workers_of(mon, w, ST_MAX_PIDS);

	for (i = 0; i < n; i++) {
		r = proc_status_kib(w[i], "VmRSS");
		if (r > 0)
			sum += r;
	}
	return sum;
}

/* ktlsd's "inflight" gauge from its control socket, or -1. */
static long daemon_inflight(void)
{
	static char buf[65536];
	char *p;

	if (!o.stats_socket || tool_control_query(o.stats_socket, "stats", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "inflight=", 9))
			return strtol(p + 9, NULL, 10);
	return -1;
}

/* Open file descriptors of @pid: the worker holds one per active handshake. */
static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int workers_fds(const pid_t *w, int n)
{
	int i, c, sum = 0;

	for (i = 0; i < n; i++) {
		c = count_fds(w[i]);
		if (c > 0)
			sum += c;
	}
	return sum;
}

struct sampler {
	pthread_t tid;
	pid_t mon;
	pid_t workers[ST_MAX_PIDS];
	int n_workers;
	long worker_peak, monitor_peak;
	int inflight_at_peak, inflight_max;
	long d_inflight_at_peak, d_inflight_max;
	int idle_fds, active_at_peak, active_max;	/* worker fds above idle */
};

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	long w, m, r, d;
	int i, inf;

	s->d_inflight_at_peak = s->d_inflight_max = -1;
	while (!atomic_load(&storm_over)) {
		inf = atomic_load(&inflight);
		if (inf > s->inflight_max)
			s->inflight_max = inf;
		d = daemon_inflight();
		if (d > s->d_inflight_max)
			s->d_inflight_max = d;
		w = 0;
		for (i = 0; i < s->n_workers; i++) {
			r = proc_status_kib(s->workers[i], "VmRSS");
			if (r > 0)
				w += r;
		}
		m = proc_status_kib(s->mon, "VmRSS");
		r = workers_fds(s->workers, s->n_workers) - s->idle_fds;
		if (r > s->active_max)
			s->active_max = (int)r;
		if (w > s->worker_peak) {
			s->worker_peak = w;
			s->inflight_at_peak = inf;
			s->d_inflight_at_peak = d;
			s->active_at_peak = (int)r;
		}
		if (m > s->monitor_peak)
			s->monitor_peak = m;
		usleep((useconds_t)o.sample_ms * 1000);
	}
	return NULL;
}

static void read_tls_stat(const char *key, long *v)
{
	char buf[4096], *p;
	size_t kl = strlen(key);

	*v = -1;
	if (read_file("/proc/net/tls_stat", buf, sizeof(buf)))
		return;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && isspace((unsigned char)p[kl])) {
			*v = strtol(p + kl, NULL, 10);
			return;
		}
}

/* ---- statistics --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	/* nearest rank */
	i = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

/* ---- options --------------------------------------------------------------------- */

static const struct tool_word roles[] = {
	{ "client", KTLS_TEST_HS_CLIENT },
	{ "server", KTLS_TEST_HS_SERVER },
	{ NULL, 0 },
};

static const struct tool_word auths[] = {
	{ "x509", KTLS_TEST_HS_X509 },
	{ "anon", KTLS_TEST_HS_ANON },
	{ "psk", KTLS_TEST_HS_PSK },
	{ NULL, 0 },
};

static void parse_args(int argc, char **argv)
{
	enum { O_ROUNDS = 256, O_ROLE, O_AUTH, O_CONNECT, O_LISTEN, O_PEERNAME, O_CERT,
	       O_PRIVKEY, O_PSK, O_KEYRING, O_TIMEOUT, O_WAIT, O_SILENT, O_GARBAGE,
	       O_BADTO, O_RETRY, O_PID, O_HOLD, O_LABEL, O_SAMPLE, O_WARMUP, O_STATS,
	       O_SIGNAL_AT, O_RETRY_MAX };
	static const struct option lo[] = {
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "role", required_argument, NULL, O_ROLE },
		{ "auth", required_argument, NULL, O_AUTH },
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "peername", required_argument, NULL, O_PEERNAME },
		{ "cert", required_argument, NULL, O_CERT },
		{ "privkey", required_argument, NULL, O_PRIVKEY },
		{ "psk", required_argument, NULL, O_PSK },
		{ "keyring", required_argument, NULL, O_KEYRING },
		{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
		{ "wait-ms", required_argument, NULL, O_WAIT },
		{ "silent", required_argument, NULL, O_SILENT },
		{ "garbage", required_argument, NULL, O_GARBAGE },
		{ "bad-timeout-ms", required_argument, NULL, O_BADTO },
		{ "retry-eagain", no_argument, NULL, O_RETRY },
		{ "daemon-pid", required_argument, NULL, O_PID },
		{ "hold", no_argument, NULL, O_HOLD },
		{ "label", required_argument, NULL, O_LABEL },
		{ "sample-ms", required_argument, NULL, O_SAMPLE },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "stats-socket", required_argument, NULL, O_STATS },
		{ "signal-at", required_argument, NULL, O_SIGNAL_AT },
		{ "retry-max-ms", required_argument, NULL, O_RETRY_MAX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = tool_getopt(argc, argv, "n:vqh", lo)) != -1) {
		switch (c) {
		case 'n':
			o.n = (int)tool_parse_num("-n", optarg, 0, ST_MAX_N);
			break;
		case 'v':
			o.verbose++;
			break;
		case 'q':
			o.verbose = -1;
			break;
		case O_ROUNDS:
			o.rounds = (int)tool_parse_num("--rounds", optarg, 1, 100000);
			break;
		case O_ROLE:
			o.role = tool_keyword("--role", optarg, roles);
			break;
		case O_AUTH:
			o.auth = tool_keyword("--auth", optarg, auths);
			break;
		case O_CONNECT:
			o.connect = optarg;
			break;
		case O_LISTEN:
			o.listen = optarg;
			break;
		case O_PEERNAME:
			o.peername = optarg;
			break;
		case O_CERT:
			o.cert = (int)tool_parse_num("--cert", optarg, 0, INT_MAX);
			break;
		case O_PRIVKEY:
			o.privkey = (int)tool_parse_num("--privkey", optarg, 0, INT_MAX);
			break;
		case O_PSK:
			if (o.n_psks >= KTLS_TEST_HS_MAX_PEERIDS)
				tool_misuse("--psk: at most %d", KTLS_TEST_HS_MAX_PEERIDS);
			o.psks[o.n_psks++] = (int)tool_parse_num("--psk", optarg, 0, INT_MAX);
			break;
		case O_KEYRING:
			o.keyring = (int)tool_parse_num("--keyring", optarg, 0, INT_MAX);
			break;
		case O_TIMEOUT:
			o.timeout_ms = (unsigned int)tool_parse_num("--timeout-ms", optarg, 0,
								    INT_MAX);
			break;
		case O_WAIT:
			o.wait_ms = (unsigned int)tool_parse_num("--wait-ms", optarg, 1,
								 KTLS_TEST_HS_MAX_WAIT_MS);
			break;
		case O_SILENT:
			o.silent = (int)tool_parse_num("--silent", optarg, 0, ST_MAX_N);
			break;
		case O_GARBAGE:
			o.garbage = (int)tool_parse_num("--garbage", optarg, 0, ST_MAX_N);
			break;
		case O_BADTO:
			o.bad_timeout_ms = (unsigned int)tool_parse_num("--bad-timeout-ms",
									optarg, 0, INT_MAX);
			break;
		case O_RETRY:
			o.retry_eagain = true;
			break;
		case O_PID:
			o.daemon_pid = (pid_t)tool_parse_num("--daemon-pid", optarg, 1, INT_MAX);
			break;
		case O_HOLD:
			o.hold = true;
			break;
		case O_LABEL:
			o.label = optarg;
			break;
		case O_SAMPLE:
			o.sample_ms = (int)tool_parse_num("--sample-ms", optarg, 1, 10000);
			break;
		case O_SIGNAL_AT: {
			int after, sig, pid;

			if (o.n_signals >= 4 ||
			    sscanf(optarg, "%d:%d:%d", &after, &sig, &pid) != 3 || after < 1 ||
			    sig < 1 || sig > 64 || pid < 2)
				tool_misuse("--signal-at: at most 4 of K:SIG:PID, got '%s'",
					    optarg);
			o.signals[o.n_signals].after = after;
			o.signals[o.n_signals].sig = sig;
			o.signals[o.n_signals++].pid = (pid_t)pid;
			break;
		}
		case O_RETRY_MAX:
			o.retry_max_ms = (int)tool_parse_num("--retry-max-ms", optarg, 0, INT_MAX);
			break;
		case O_STATS:
			o.stats_socket = optarg;
			break;
		case O_WARMUP:
			o.warmup = (int)tool_parse_num("--warmup", optarg, 0, 100000);
			break;
		}
	}
	if (o.n + o.silent + o.garbage == 0 || o.n + o.silent + o.garbage > ST_MAX_N)
		tool_misuse("-n, --silent and --garbage: 1 to %d requests in all", ST_MAX_N);
	if (o.n && o.role == KTLS_TEST_HS_CLIENT && !o.connect)
		tool_misuse("a client needs --connect");
	if (o.n && o.role == KTLS_TEST_HS_SERVER && !o.listen)
		tool_misuse("a server needs --listen");
	if (o.role == KTLS_TEST_HS_SERVER && o.auth == KTLS_TEST_HS_ANON)
		tool_misuse("a server cannot be anonymous");
	if (o.role == KTLS_TEST_HS_CLIENT && o.auth == KTLS_TEST_HS_PSK && !o.n_psks)
		tool_misuse("a PSK client needs --psk");
}

/* ---- main ------------------------------------------------------------------------- */

struct totals {
	long by_outcome[K_COUNT][O_COUNT];
	long eagain_retries, eagain_final;
	double *lat[K_COUNT];
	size_t n_lat[K_COUNT];
	double wall_ms;
	unsigned long long mon_ticks, worker_ticks;
	unsigned long long sys_busy_ticks;	/* every CPU, during the rounds */
	long handshakes;
	/* errno histograms: done statuses and submit errors, per kind */
	struct { int e; long n; } errs[K_COUNT][16];
	double max_ms[K_COUNT];
	double max_ioctl_ms;
};

static void count_err(struct totals *t, enum kind k, int e)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (t->errs[k][i].n && t->errs[k][i].e == e) {
			t->errs[k][i].n++;
			return;
		}
		if (!t->errs[k][i].n) {
			t->errs[k][i].e = e;
			t->errs[k][i].n = 1;
			return;
		}
	}
}

int main(int argc, char **argv)
{
	int total, r, i;
	long clk = sysconf(_SC_CLK_TCK);
	struct totals t;
	struct job *jobs;
	struct rlimit rl;
	pthread_attr_t attr;
	long idle_rss = -1, mon_idle_rss = -1, rss_peak = -1, mon_peak = -1;
	int inflight_at_peak = 0, inflight_max = 0;
	long d_inflight_at_peak = -1, d_inflight_max = -1;
	int active_at_peak = 0, active_max = 0;
	long tx0, rx0, ctx0, crx0, tx1 = -1, rx1 = -1, ctx1 = -1, crx1 = -1;
	unsigned long long mticks0 = 0, wticks0 = 0, busy0 = 0, busy1 = 0;
	bool failed = false;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	total = o.n + o.silent + o.garbage;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	hs_dev = open(ST_DEVICE, O_RDWR | O_CLOEXEC);
	if (hs_dev < 0)
		tool_die("%s: %s", ST_DEVICE, strerror(errno));
	if (o.n && o.role == KTLS_TEST_HS_CLIENT)
		parse_addr(o.connect, false);
	if (o.n && o.role == KTLS_TEST_HS_SERVER) {
		parse_addr(o.listen, true);
		listen_fd = tool_listen((struct sockaddr *)&peer_addr, peer_addr_len,
					SOCK_NONBLOCK, 4096);
		if (listen_fd < 0)
			tool_die("listen %s: %s", o.listen, strerror(errno));
		tool_print_listening(listen_fd);
	}

	memset(&t, 0, sizeof(t));
	for (i = 0; i < K_COUNT; i++) {
		t.lat[i] = calloc((size_t)total * (size_t)o.rounds, sizeof(double));
		if (!t.lat[i])
			tool_die("out of memory");
	}
	jobs = calloc((size_t)total, sizeof(*jobs));
	if (!jobs)
		tool_die("out of memory");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, ST_STACK);

	/* One-time costs (code paged in, libcrypto set up) are not per handshake. */
	for (i = 0; i < o.warmup && o.n; i++) {
		struct job wj;

		memset(&wj, 0, sizeof(wj));
		wj.idx = -1 - i;
		wj.fd = wj.peer_fd = -1;
		wj.kind = K_NORMAL;
		clock_gettime(CLOCK_MONOTONIC, &round_t0);
		if (pthread_barrier_init(&start_barrier, NULL, 2) ||
		    pthread_create(&wj.tid, &attr, job_main, &wj))
			tool_die("warmup: %s", strerror(errno));
		pthread_barrier_wait(&start_barrier);
		pthread_join(wj.tid, NULL);
		pthread_barrier_destroy(&start_barrier);
		if (wj.outcome != O_OK)
			printf("warmup=%d outcome=%s status=%d errno=%s\n", i, outcome_name[wj.outcome],
			       wj.status, errno_name(wj.sys_errno ? wj.sys_errno : abs(wj.status)));
	}
	if (o.warmup && o.daemon_pid)
		usleep(200000);	/* let the worker finish its slot */
	holding = o.hold;
	if (o.daemon_pid) {
		idle_rss = workers_rss(o.daemon_pid);
		mon_idle_rss = proc_status_kib(o.daemon_pid, "VmRSS");
		daemon_ticks(o.daemon_pid, &mticks0, &wticks0);
	}
	read_tls_stat("TlsTxSw", &tx0);
	read_tls_stat("TlsRxSw", &rx0);
	read_tls_stat("TlsCurrTxSw", &ctx0);
	read_tls_stat("TlsCurrRxSw", &crx0);

	for (r = 0; r < o.rounds; r++) {
		struct sampler smp;
		double end = 0;

		memset(&smp, 0, sizeof(smp));
		atomic_store(&inflight, 0);
		atomic_store(&done_count, 0);
		atomic_store(&storm_over, false);
		if (pthread_barrier_init(&start_barrier, NULL, (unsigned int)total + 1) ||
		    pthread_barrier_init(&hold_barrier, NULL, (unsigned int)total + 1) ||
		    pthread_barrier_init(&release_barrier, NULL, (unsigned int)total + 1))
			tool_die("pthread_barrier_init");
		for (i = 0; i < total; i++) {
			struct job *j = &jobs[i];

			memset(j, 0, sizeof(*j));
			j->idx = r * total + i;
			j->fd = j->peer_fd = -1;
			j->kind = i < o.n ? K_NORMAL : i < o.n + o.silent ? K_SILENT : K_GARBAGE;
			if (pthread_create(&j->tid, &attr, job_main, j))
				tool_die("pthread_create: %s", strerror(errno));
		}
		if (o.daemon_pid) {
			smp.mon = o.daemon_pid;
			smp.n_workers = workers_of(o.daemon_pid, smp.workers, ST_MAX_PIDS);
			smp.idle_fds = workers_fds(smp.workers, smp.n_workers);
		}
		/* Every thread has its connection: go. */
		if (sys_busy_ticks(&busy0))
			busy0 = 0;
		clock_gettime(CLOCK_MONOTONIC, &round_t0);
		pthread_barrier_wait(&start_barrier);
		if (o.daemon_pid && pthread_create(&smp.tid, NULL, sampler_main, &smp))
			tool_die("pthread_create: %s", strerror(errno));
		if (o.hold) {
			/* Every request done and checked, sockets still open: count. */
			pthread_barrier_wait(&hold_barrier);
			read_tls_stat("TlsTxSw", &tx1);
			read_tls_stat("TlsRxSw", &rx1);
			read_tls_stat("TlsCurrTxSw", &ctx1);
			read_tls_stat("TlsCurrRxSw", &crx1);
			pthread_barrier_wait(&release_barrier);
		}
		for (i = 0; i < total; i++)
			pthread_join(jobs[i].tid, NULL);
		if (busy0 && sys_busy_ticks(&busy1) == 0 && busy1 >= busy0)
			t.sys_busy_ticks += busy1 - busy0;
		atomic_store(&storm_over, true);
		if (o.daemon_pid) {
			pthread_join(smp.tid, NULL);
			if (smp.worker_peak > rss_peak) {
				rss_peak = smp.worker_peak;
				inflight_at_peak = smp.inflight_at_peak;
				d_inflight_at_peak = smp.d_inflight_at_peak;
				active_at_peak = smp.active_at_peak;
			}
			if (smp.active_max > active_max)
				active_max = smp.active_max;
			if (smp.d_inflight_max > d_inflight_max)
				d_inflight_max = smp.d_inflight_max;
			if (smp.monitor_peak > mon_peak)
				mon_peak = smp.monitor_peak;
			if (smp.inflight_max > inflight_max)
				inflight_max = smp.inflight_max;
		}
		pthread_barrier_destroy(&start_barrier);
		pthread_barrier_destroy(&hold_barrier);
		pthread_barrier_destroy(&release_barrier);

		for (i = 0; i < total; i++) {
			struct job *j = &jobs[i];
			double lat = j->end_ms - j->start_ms;

			if (j->end_ms > end)
				end = j->end_ms;
			t.by_outcome[j->kind][j->outcome]++;
			t.eagain_retries += j->eagain;
			if (j->outcome == O_SUBMIT_ERR && j->sys_errno == EAGAIN)
				t.eagain_final++;
			if (j->outcome != O_SETUP_ERR)
				t.lat[j->kind][t.n_lat[j->kind]++] = lat;
			if (lat > t.max_ms[j->kind])
				t.max_ms[j->kind] = lat;
			if (j->ioctl_max_ms > t.max_ioctl_ms)
				t.max_ioctl_ms = j->ioctl_max_ms;
			if (j->outcome == O_DONE_ERR)
				count_err(&t, j->kind, abs(j->status));
			else if (j->outcome == O_SUBMIT_ERR || j->outcome == O_SETUP_ERR)
				count_err(&t, j->kind, -j->sys_errno);
			else if (j->outcome == O_CANCELLED)
				count_err(&t, j->kind, 100000);
			/* -v: every request; default: the failed normal ones; -q: none */
			if (o.verbose > 0 || (j->kind == K_NORMAL && j->outcome != O_OK && !o.verbose)) {
				printf("req=%d kind=%s outcome=%s", j->idx, kind_name[j->kind],
				       outcome_name[j->outcome]);
				if (j->outcome == O_SUBMIT_ERR || j->outcome == O_SETUP_ERR)
					printf(" errno=%s", errno_name(j->sys_errno));
				else
					printf(" status=%d errno=%s flags=0x%x peerid=%d", j->status,
					       errno_name(abs(j->status)), j->flags, j->peerid);
				printf(" start_ms=%.1f elapsed_ms=%.1f eagain=%d", j->start_ms, lat, j->eagain);
				if (j->outcome == O_OK && j->kind == K_NORMAL)
					printf(" tx_cipher=%u rx_cipher=%u", j->tx_cipher, j->rx_cipher);
				if (j->data_why[0])
					printf(" data=\"%s\"", j->data_why);
				putchar('\n');
			}
		}
		t.wall_ms += end;
		t.handshakes += total;
	}
	if (o.daemon_pid) {
		daemon_ticks(o.daemon_pid, &t.mon_ticks, &t.worker_ticks);
		t.mon_ticks -= mticks0;
		t.worker_ticks -= wticks0;
	}
	if (!o.hold) {
		/*
		 * Our sockets are closed; the agent may still be about to
		 * close its copies of the last ones (DONE goes out first).
		 */
		for (i = 0; i < 100; i++) {
			read_tls_stat("TlsCurrTxSw", &ctx1);
			read_tls_stat("TlsCurrRxSw", &crx1);
			if (ctx1 <= ctx0 && crx1 <= crx0)
				break;
			usleep(20000);
		}
		read_tls_stat("TlsTxSw", &tx1);
		read_tls_stat("TlsRxSw", &rx1);
	}

	/* ---- report ---- */
	if (o.label)
		printf("label=%s\n", o.label);
	printf("n=%d silent=%d garbage=%d rounds=%d role=%s auth=%s timeout_ms=%u wait_ms=%u\n",
	       o.n, o.silent, o.garbage, o.rounds,
	       o.role == KTLS_TEST_HS_CLIENT ? "client" : "server",
	       o.auth == KTLS_TEST_HS_X509 ? "x509" : o.auth == KTLS_TEST_HS_ANON ? "anon" : "psk",
	       o.timeout_ms, o.wait_ms);
	for (i = 0; i < K_COUNT; i++) {
		long sum = 0;
		int k;

		for (k = 0; k < O_COUNT; k++)
			sum += t.by_outcome[i][k];
		if (!sum)
			continue;
		printf("%s_requests=%ld", kind_name[i], sum);
		for (k = 0; k < O_COUNT; k++)
			if (t.by_outcome[i][k])
				printf(" %s=%ld", outcome_name[k], t.by_outcome[i][k]);
		putchar('\n');
		for (k = 0; k < 16 && t.errs[i][k].n; k++)
			printf("%s_error=%s count=%ld\n", kind_name[i],
			       t.errs[i][k].e == 100000 ? "cancelled_at_wait_ms" :
			       t.errs[i][k].e < 0 ? errno_name(-t.errs[i][k].e) :
			       errno_name(t.errs[i][k].e),
			       t.errs[i][k].n);
		qsort(t.lat[i], t.n_lat[i], sizeof(double), cmp_double);
		printf("%s_latency_ms min=%.1f p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", kind_name[i],
		       t.n_lat[i] ? t.lat[i][0] : 0.0, pct(t.lat[i], t.n_lat[i], 50),
		       pct(t.lat[i], t.n_lat[i], 90), pct(t.lat[i], t.n_lat[i], 99),
		       t.max_ms[i]);
	}
	printf("ok=%ld\n", t.by_outcome[K_NORMAL][O_OK]);
	printf("eagain_retries=%ld eagain_final=%ld\n", t.eagain_retries, t.eagain_final);
	printf("wall_ms=%.1f\n", t.wall_ms);
	printf("max_ioctl_ms=%.1f\n", t.max_ioctl_ms);
	printf("hs_per_s=%.1f\n", t.wall_ms > 0 ? (double)t.handshakes * 1000.0 / t.wall_ms : 0.0);
	printf("p50_ms=%.1f\np99_ms=%.1f\n", pct(t.lat[K_NORMAL], t.n_lat[K_NORMAL], 50),
	       pct(t.lat[K_NORMAL], t.n_lat[K_NORMAL], 99));
	if (t.sys_busy_ticks && t.handshakes) {
		/*
		 * The whole machine's CPU per handshake, and what it implies:
		 * N requests started at once cannot all be done before
		 * N x that / CPUs, whatever the agent does.
		 */
		double sys_ms = (double)t.sys_busy_ticks * 1000.0 / (double)clk /
				(double)t.handshakes;
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		double bound = (double)o.n * sys_ms / (double)(cpus > 0 ? cpus : 1);

		printf("system_cpu_per_hs_ms=%.2f cpus=%ld\n", sys_ms, cpus);
		printf("bound_ms=%.1f p99_over_bound=%.2f\n", bound,
		       bound > 0 ? pct(t.lat[K_NORMAL], t.n_lat[K_NORMAL], 99) / bound : 0.0);
	}
	if (o.daemon_pid) {
		double mon_ms = (double)t.mon_ticks * 1000.0 / (double)clk;
		double wrk_ms = (double)t.worker_ticks * 1000.0 / (double)clk;
		double hs = t.handshakes ? (double)t.handshakes : 1.0;

		printf("daemon_cpu_ms=%.0f monitor_cpu_ms=%.0f worker_cpu_ms=%.0f\n",
		       mon_ms + wrk_ms, mon_ms, wrk_ms);
		printf("cpu_per_hs_ms=%.2f\n", (mon_ms + wrk_ms) / hs);
		printf("monitor_cpu_per_hs_ms=%.2f worker_cpu_per_hs_ms=%.2f\n", mon_ms / hs,
		       wrk_ms / hs);
		printf("worker_rss_idle_kib=%ld worker_rss_peak_kib=%ld inflight_at_peak=%d inflight_max=%d\n",
		       idle_rss, rss_peak, inflight_at_peak, inflight_max);
		printf("monitor_rss_idle_kib=%ld monitor_rss_peak_kib=%ld\n", mon_idle_rss, mon_peak);
		if (idle_rss >= 0 && rss_peak >= 0 && total) {
			printf("rss_per_hs_kib=%.1f\n", (double)(rss_peak - idle_rss) / (double)total);
			printf("rss_per_hs_at_peak_kib=%.1f\n",
			       inflight_at_peak ? (double)(rss_peak - idle_rss) / inflight_at_peak : 0.0);
			/*
			 * The heap keeps what it once held, so the RSS peak
			 * is what the most handshakes active at once needed.
			 */
			printf("worker_active_at_peak=%d worker_active_max=%d rss_per_active_kib=%.1f\n",
			       active_at_peak, active_max,
			       active_max > 0 ? (double)(rss_peak - idle_rss) / active_max : 0.0);
			if (d_inflight_at_peak > 0)
				printf("daemon_inflight_at_peak=%ld daemon_inflight_max=%ld "
				       "rss_per_daemon_inflight_kib=%.1f\n",
				       d_inflight_at_peak, d_inflight_max,
				       (double)(rss_peak - idle_rss) / (double)d_inflight_at_peak);
			printf("monitor_rss_per_hs_kib=%.1f\n",
			       (double)(mon_peak - mon_idle_rss) / (double)total);
		}
	}
	printf("tls_stat TlsTxSw=%ld TlsRxSw=%ld TlsCurrTxSw=%ld TlsCurrRxSw=%ld (before: %ld %ld %ld %ld)\n",
	       tx1, rx1, ctx1, crx1, tx0, rx0, ctx0, crx0);
	printf("tls_stat_delta TlsTxSw=%ld TlsRxSw=%ld TlsCurrTxSw=%ld TlsCurrRxSw=%ld\n",
	       tx1 - tx0, rx1 - rx0, ctx1 - ctx0, crx1 - crx0);

	if (t.by_outcome[K_NORMAL][O_OK] != (long)o.n * o.rounds)
		failed = true;
	for (i = K_SILENT; i < K_COUNT; i++)
		if (t.by_outcome[i][O_OK])
			failed = true;
	printf("result=%s\n", failed ? "FAIL" : "PASS");
	return failed ? 1 : 0;
}
