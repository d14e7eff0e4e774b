// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The statistics socket (see control.h). Not world-writable: mode 0660,
 * owned by root and the stats_group (default "ktlsd" when it exists), so
 * only root and that group can make the monitor do work. At most a few
 * connections are answered per turn of the loop; each gets what fits in
 * the socket at once and is closed, so no reader can hold the loop.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

#define CONTROL_DEFAULT_GROUP "ktlsd"

/* The socket's group: the configured one, else "ktlsd" if it exists, else root. */
static gid_t control_gid(const struct kcfg *cfg)
{
	const char *name = cfg->stats_group[0] ? cfg->stats_group : CONTROL_DEFAULT_GROUP;
	struct group *gr;

	errno = 0;
	gr = getgrnam(name);
	if (gr)
		return gr->gr_gid;
	if (cfg->stats_group[0])
		log_warnx("stats_group %s does not exist: the statistics socket is root's only",
			  name);
	return 0;
}

void control_open(struct control *c, const struct kcfg *cfg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = cfg->stats_socket;
	mode_t old;
	gid_t gid;
	int fd, ret;

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
	/* Created 0600, so nobody else can connect before it has its group. */
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ret || listen(fd, 16)) {
		log_warn("statistics socket %s", path);
		close(fd);
		unlink(path);
		return;
	}
	/* Without CAP_CHOWN the group stays ours (root's): still not everyone's. */
	gid = control_gid(cfg);
	if (gid && chown(path, (uid_t)-1, gid))
		log_warn("statistics socket %s: group %u", path, (unsigned int)gid);
	if (chmod(path, 0660))
		log_warn("statistics socket %s: mode 0660", path);
	c->fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", path);
}

void control_serve(struct control *c, const struct stats *st, unsigned int budget)
{
	char buf[4096];
	size_t len;
	int s;

	while (budget-- && (s = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
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
