/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket ("control_socket", docs/control-protocol.md): one
 * request line per connection, "ktlsd-control 1 FORMAT COMMAND [ARG]",
 * answered from a table of commands whose output is made in resumable
 * steps into a bounded buffer per client. Served from the monitor's poll
 * loop with bounded work per turn: non-blocking clients, each with its
 * own state and deadline, a cap on clients and on clients per uid, so no
 * client can delay ACCEPT or DONE. Authorization by SO_PEERCRED.
 */
#ifndef KTLSD_CONTROL_H
#define KTLSD_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config.h"
#include "stats.h"

#define CONTROL_MAGIC "ktlsd-control"
#define CONTROL_VERSION 1
#define CONTROL_LINE_MAX 256		/* request line, newline included */
#define CONTROL_OUT_MAX 4096		/* reply buffer per client */
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_MAX_PER_UID 4		/* for a uid other than 0 */
#define CONTROL_DEADLINE_MS 5000	/* accept to close */
#define CONTROL_ACCEPTS_PER_ROUND 8
#define CONTROL_MAX_WORDS 6
#define CONTROL_HANDSHAKES_MAX 4096	/* rows `handshakes` lists */
#define CONTROL_DEFAULT_GROUP "ktlsd"

struct reqtab;
struct wpool;
struct kernel;
struct control;

/*
 * What the commands read and do, set up by the monitor. The pointers stay
 * valid for the control's life; the callbacks run inside the loop.
 */
struct control_env {
	void *ctx;
	struct stats *stats;
	const struct reqtab *t;
	const struct wpool *wp;
	const struct kcfg *cfg;
	unsigned int cipher_mask;	/* what the kTLS probe found */
	unsigned int generation;	/* worker generations started */
	uint64_t started_ms;
	uint64_t (*now)(void *ctx);
	/* Reload now: 0, or -1 with the reason in @err. */
	int (*reload)(void *ctx, char *err, size_t len);
};

enum ctl_priv { CTL_READ, CTL_ROOT };

#define CTL_FMT_BIT(f) (1u << (f))

struct ctl_client;

/* A step's verdict. */
enum ctl_step { CTL_MORE, CTL_DONE };

/* One command (STYLE §9): matched by its words, then checked, started, stepped. */
struct ctl_cmd {
	const char *words;	/* "stats clear" */
	const char *usage;
	enum ctl_priv priv;
	unsigned int formats;	/* CTL_FMT_BIT(STAT_FMT_*) */
	unsigned int nargs;	/* words after the command's own */
	/* Return 0, or -1 with the error line's text in @err. */
	int (*start)(struct control *c, struct ctl_client *cl, char *err, size_t len);
	enum ctl_step (*step)(struct control *c, struct ctl_client *cl);
	void (*release)(struct ctl_client *cl);
};

extern const struct ctl_cmd ctl_cmds[];
extern const unsigned int ctl_n_cmds;

/* A parsed request line. */
struct ctl_req {
	enum stat_format fmt;
	const char *word[CONTROL_MAX_WORDS];
	unsigned int n_words;
	char buf[CONTROL_LINE_MAX];	/* the words point here */
};

enum ctl_client_state { CL_FREE, CL_READ, CL_WRITE };

struct ctl_client {
	int fd;
	enum ctl_client_state state;
	uid_t uid;
	bool may_read;			/* root or the control group */
	uint64_t deadline_ms;
	char in[CONTROL_LINE_MAX];
	size_t in_len;
	char out[CONTROL_OUT_MAX];
	size_t out_len, out_off;
	bool done;			/* the step said so: close when sent */
	const struct ctl_cmd *cmd;
	struct ctl_req req;
	/* the command's own state */
	size_t pos;
	unsigned int phase, count;
	struct stats *snap;
};

struct control {
	int fd;				/* listening, or -1 */
	char path[KCFG_PATH_MAX];	/* what was bound: unlinked at close */
	char group[64];			/* as configured when opened */
	gid_t gid;			/* the control group */
	struct control_env env;
	struct ctl_client cl[CONTROL_MAX_CLIENTS];
	int map[CONTROL_MAX_CLIENTS + 1];	/* pollfd -> client, -1: listener */
	unsigned int n_map;
};

/* Start with no socket and no client; @env is copied. */
void control_init(struct control *c, const struct control_env *env);

/*
 * Bind the socket @cfg names (none when it names none): mode 0660, group
 * control_group (or "ktlsd" when that exists, else root's).
 */
void control_open(struct control *c, const struct kcfg *cfg);

/* After a reload: reopen when the path or the group changed. */
void control_reconfigure(struct control *c, const struct kcfg *cfg);

/* Fill at most @max pollfds; return how many. */
unsigned int control_pollfds(struct control *c, struct pollfd *pfd, unsigned int max);

/*
 * Act on what poll said about the pollfds control_pollfds() filled:
 * accept (at most CONTROL_ACCEPTS_PER_ROUND), read, one step and a send
 * per client, close those past their deadline.
 */
void control_events(struct control *c, const struct pollfd *pfd, unsigned int n);

/* The earliest client deadline, or UINT64_MAX. */
uint64_t control_next_deadline(const struct control *c);

/* Close every client and the socket, and unlink it. */
void control_close(struct control *c);

/**
 * control_parse() - parse one request line (without its newline)
 * @line: the bytes
 * @len: their number
 * @req: the result
 * @err: the error line's text on failure
 * @errlen: bytes at @err
 * Return: 0, or -1.
 */
int control_parse(const char *line, size_t len, struct ctl_req *req, char *err, size_t errlen);

/**
 * control_lookup() - the command a parsed request names
 * @req: the request
 * @err: the error text when none matches (unknown, or its usage)
 * @errlen: bytes at @err
 * Return: the command, or NULL.
 */
const struct ctl_cmd *control_lookup(const struct ctl_req *req, char *err, size_t errlen);

/* Whether a peer may run @cmd: @uid 0 always, @may_read for read commands. */
bool control_allowed(const struct ctl_cmd *cmd, uid_t uid, bool may_read);

/* Tests: the seams for SO_PEERCRED and group membership. */
extern int (*control_peercred)(int fd, struct ucred *uc);
extern bool (*control_in_group)(uid_t uid, gid_t gid, gid_t group);

#endif /* KTLSD_CONTROL_H */
