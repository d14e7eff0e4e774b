// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl-stall: control socket clients that hold their connections as long as
 * the monitor lets them (docs/control-protocol.md, "Limits"), for the storm
 * test's check that they do not slow handshakes down. Half the clients send
 * a whole request and never read the reply; the other half send the request
 * one byte a second. A connection the monitor closes (its 5 s deadline, or
 * a reply written and the socket shut) is opened again a second after it
 * was last opened (so the clients stall the monitor, not flood it), until
 * the run time is over. Prints what happened as key=value lines:
 *
 *   connections=N  closed_by_server=N  connect_errors=N
 *
 * Usage: ctl-stall [-s SOCKET] [-n CLIENTS] [-t SECONDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 64

static const char request[] = "ktlsd-control 1 prometheus stats\n";

struct client {
	int fd;
	bool drip;	/* one byte a second, else all at once and never read */
	size_t sent;
	double opened;
};

static unsigned long connections, closed_by_server, connect_errors;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void client_open(struct client *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	c->sent = 0;
	c->opened = now_s();
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		connect_errors++;
		return;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun))) {
		connect_errors++;
		close(c->fd);
		c->fd = -1;
		return;
	}
	connections++;
	if (!c->drip && write(c->fd, request, sizeof(request) - 1) == (ssize_t)sizeof(request) - 1)
		c->sent = sizeof(request) - 1;
}

/* One byte more of a dripping client's request; false once the peer left. */
static bool client_drip(struct client *c)
{
	if (c->sent >= sizeof(request) - 1)
		return true;
	if (write(c->fd, request + c->sent, 1) != 1)
		return false;
	c->sent++;
	return true;
}

int main(int argc, char **argv)
{
	struct client cl[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS];
	const char *path = "/run/ktlsd/control";
	double end, next_drip;
	int n = 12, secs = 20, opt, i;

	while ((opt = getopt(argc, argv, "s:n:t:")) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: ctl-stall [-s SOCKET] [-n CLIENTS] [-t SECONDS]\n");
			return 2;
		}
	}
	if (n < 1 || n > MAX_CLIENTS || secs < 1) {
		fprintf(stderr, "ctl-stall: -n 1..%d, -t > 0\n", MAX_CLIENTS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		cl[i].drip = i % 2;
		client_open(&cl[i], path);
	}
	end = now_s() + secs;
	next_drip = now_s() + 1;
	while (now_s() < end) {
		for (i = 0; i < n; i++) {
			/* POLLRDHUP without reading: the reply stays unread. */
			pfd[i].fd = cl[i].fd;
			pfd[i].events = POLLRDHUP;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			bool gone = cl[i].fd < 0 ||
				    (pfd[i].revents & (POLLRDHUP | POLLHUP | POLLERR));

			if (!gone && cl[i].drip && now_s() >= next_drip)
				gone = !client_drip(&cl[i]);
			if (gone && cl[i].fd >= 0) {
				closed_by_server++;
				close(cl[i].fd);
				cl[i].fd = -1;
			}
			if (cl[i].fd < 0 && now_s() >= cl[i].opened + 1)
				client_open(&cl[i], path);
		}
		if (now_s() >= next_drip)
			next_drip += 1;
	}
	printf("connections=%lu\nclosed_by_server=%lu\nconnect_errors=%lu\n", connections,
	       closed_by_server, connect_errors);
	return 0;
}
