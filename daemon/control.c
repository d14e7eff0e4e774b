// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The statistics socket (see control.h).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

void control_open(struct control *c, const struct kcfg *cfg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = cfg->stats_socket;
	int fd;

	c->fd = -1;
	c->path[0] = 0;
	if (!path[0])
		return;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("statistics socket path too long: %s", path);
		return;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("statistics socket");
		return;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 16)) {
		log_warn("statistics socket %s", path);
		close(fd);
		return;
	}
	/* Counters are not secret; anyone on the machine may read them. */
	chmod(path, 0666);
	c->fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", path);
}

void control_serve(struct control *c, const struct stats *st)
{
	char buf[4096];
	size_t len;
	int s;

	while ((s = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		len = stats_format_kv(st, buf, sizeof(buf));
		if (len >= sizeof(buf))
			len = strlen(buf);
		/* A reader too slow for 4 KiB in one go gets what fits. */
		(void)!send(s, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(s);
	}
}

void control_close(struct control *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	unlink(c->path);
}
