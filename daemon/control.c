// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket (see control.h and docs/control-protocol.md).
 *
 * Not world-writable: mode 0660, root's and the control group's (default
 * "ktlsd" when it exists), and each peer is checked again by SO_PEERCRED.
 * The monitor is real-time, so nothing here blocks or loops on a client:
 * every socket is non-blocking, a client is a small state machine (read
 * the line, then write the reply in steps into its own bounded buffer),
 * it has one deadline from accept to close, at most CONTROL_MAX_CLIENTS
 * are served at once and CONTROL_MAX_PER_UID per uid other than root's,
 * and each turn accepts at most CONTROL_ACCEPTS_PER_ROUND and runs at
 * most one step per client. A client that never reads fills only its own
 * buffer and is closed at its deadline; one that sends a byte a second
 * never has its line read whole.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <libgen.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ktls/constants.h>
#include <ktls/ktls.h>

#include "control.h"
#include "handshake-uapi.h"
#include "ktls.h"
#include "log.h"
#include "requests.h"
#include "workers.h"

/* ---------- seams: who the peer is ---------- */

static int peercred_sockopt(int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len);
}

/* Supplementary groups of @uid's account, by its name (getgrouplist(3)). */
static bool in_group_nss(uid_t uid, gid_t gid, gid_t group)
{
	gid_t groups[64];
	int n = (int)(sizeof(groups) / sizeof(groups[0])), i;
	struct passwd *pw;

	if (gid == group)
		return true;
	pw = getpwuid(uid);
	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (groups[i] == group)
			return true;
	return false;
}

int (*control_peercred)(int fd, struct ucred *uc) = peercred_sockopt;
bool (*control_in_group)(uid_t uid, gid_t gid, gid_t group) = in_group_nss;

/* ---------- the socket ---------- */

static uint64_t ctl_now(const struct control *c)
{
	return c->env.now(c->env.ctx);
}

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
		log_warnx("control_group %s does not exist: the control socket is root's only",
			  name);
	return 0;
}

void control_init(struct control *c, const struct control_env *env)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->env = *env;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
}

void control_open(struct control *c, const struct kcfg *cfg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = cfg->stats_socket;
	char dir[KCFG_PATH_MAX];
	mode_t old;
	gid_t gid;
	int fd, ret;

	c->fd = -1;
	c->path[0] = 0;
	snprintf(c->group, sizeof(c->group), "%s", cfg->stats_group);
	if (!path[0])
		return;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s", path);
		return;
	}
	strcpy(sun.sun_path, path);
	/* /run/ktlsd does not survive a reboot: make it (0755) if need be. */
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST)
		log_warn("control socket directory for %s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("control socket");
		return;
	}
	unlink(path);
	/* Created 0600, so nobody else can connect before it has its group. */
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ret || listen(fd, 16)) {
		log_warn("control socket %s", path);
		close(fd);
		unlink(path);
		return;
	}
	/* Without CAP_CHOWN the group stays ours (root's): still not everyone's. */
	gid = control_gid(cfg);
	if (gid && chown(path, (uid_t)-1, gid))
		log_warn("control socket %s: group %u", path, (unsigned int)gid);
	if (chmod(path, 0660))
		log_warn("control socket %s: mode 0660", path);
	c->gid = gid;
	c->fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", path);
}

static void control_close_listener(struct control *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	unlink(c->path);
	c->path[0] = 0;
}

void control_reconfigure(struct control *c, const struct kcfg *cfg)
{
	if (!strcmp(c->path, cfg->stats_socket) && !strcmp(c->group, cfg->stats_group) &&
	    (c->fd >= 0 || !cfg->stats_socket[0]))
		return;
	control_close_listener(c);
	control_open(c, cfg);
	log_info("control socket now %s", c->path[0] ? c->path : "off");
}

/* ---------- the protocol ---------- */

static const char *const fmt_names[] = { "text", "json", "prometheus" };

int control_parse(const char *line, size_t len, struct ctl_req *req, char *err, size_t errlen)
{
	char *p, *w[CONTROL_MAX_WORDS + 3];
	unsigned int n = 0, f;
	size_t i;

	memset(req, 0, sizeof(*req));
	if (len && line[len - 1] == '\r')
		len--;
	if (len >= sizeof(req->buf)) {
		snprintf(err, errlen, "request line too long");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch > 0x7e) {
			snprintf(err, errlen, "bad request");
			return -1;
		}
	}
	memcpy(req->buf, line, len);
	req->buf[len] = 0;
	p = req->buf;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (n == CONTROL_MAX_WORDS + 3) {
			snprintf(err, errlen, "bad request");
			return -1;
		}
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (n == 0 || strcmp(w[0], CONTROL_MAGIC)) {
		snprintf(err, errlen, "bad magic");
		return -1;
	}
	if (n < 2) {
		snprintf(err, errlen, "bad request");
		return -1;
	}
	if (strcmp(w[1], "1")) {
		snprintf(err, errlen, "unsupported version %.16s", w[1]);
		return -1;
	}
	if (n < 4) {
		snprintf(err, errlen, "bad request");
		return -1;
	}
	for (f = 0; f < 3; f++)
		if (!strcmp(w[2], fmt_names[f]))
			break;
	if (f == 3) {
		snprintf(err, errlen, "unknown format %.16s", w[2]);
		return -1;
	}
	req->fmt = (enum stat_format)f;
	for (i = 3; i < n; i++)
		req->word[req->n_words++] = w[i];
	return 0;
}

/* How many of @req's words the command's words are (0: not a prefix). */
static unsigned int words_match(const char *words, const struct ctl_req *req)
{
	unsigned int k = 0;
	const char *p = words;
	size_t l;

	while (*p) {
		l = strcspn(p, " ");
		if (k >= req->n_words || strlen(req->word[k]) != l || strncmp(p, req->word[k], l))
			return 0;
		k++;
		p += l;
		while (*p == ' ')
			p++;
	}
	return k;
}

const struct ctl_cmd *control_lookup(const struct ctl_req *req, char *err, size_t errlen)
{
	const struct ctl_cmd *best = NULL, *prefix = NULL;
	unsigned int i, k, best_k = 0;

	for (i = 0; i < ctl_n_cmds; i++) {
		k = words_match(ctl_cmds[i].words, req);
		if (!k)
			continue;
		if (k + ctl_cmds[i].nargs == req->n_words && k > best_k) {
			best = &ctl_cmds[i];
			best_k = k;
		} else if (!prefix || k == 1) {
			prefix = &ctl_cmds[i];
		}
	}
	if (best)
		return best;
	if (prefix)
		snprintf(err, errlen, "usage: %s", prefix->usage);
	else
		snprintf(err, errlen, "unknown command: %.64s", req->n_words ? req->word[0] : "");
	return NULL;
}

bool control_allowed(const struct ctl_cmd *cmd, uid_t uid, bool may_read)
{
	if (uid == 0)
		return true;
	return cmd->priv == CTL_READ && may_read;
}

/* ---------- output ---------- */

static bool out_printf(struct ctl_client *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Append one whole piece, or nothing when it does not fit. A piece is at
 * most 2 KiB (a row with a peer name escaped, a line of status): a
 * longer one (a configuration path of kilobytes) is cut rather than
 * never sent.
 */
static bool out_printf(struct ctl_client *cl, const char *fmt, ...)
{
	char piece[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(piece))
		n = (int)sizeof(piece) - 1;	/* cut: a bounded line, never an overflow */
	if ((size_t)n > sizeof(cl->out) - cl->out_len)
		return false;
	memcpy(cl->out + cl->out_len, piece, (size_t)n);
	cl->out_len += (size_t)n;
	return true;
}

/*
 * Pieces of a step that regenerates its output and skips what is sent:
 * PUT() writes the piece numbered idx unless cl->pos says it went out.
 */
#define PUT(...)                                                   \
	do {                                                       \
		if (idx++ >= cl->pos) {                            \
			if (!out_printf(cl, __VA_ARGS__))          \
				return CTL_MORE;                   \
			cl->pos = idx;                             \
		}                                                  \
	} while (0)

/* @s as JSON string contents: printable ASCII, " and \ escaped, others \u00XX. */
static const char *json_esc(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 7 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20 || ch > 0x7e) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = 0;
	return out;
}

/* @s for a terminal: anything not printable becomes '?'. */
static const char *text_esc(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 1 < len; s++)
		out[o++] = (*s < 0x20 || *s > 0x7e) ? '?' : *s;
	out[o] = 0;
	return out;
}

static const char *level_names[] = { "error", "warning", "info", "debug" };

static const char *level_name(int l)
{
	return l >= 0 && l <= 3 ? level_names[l] : "info";
}

/* ---------- commands ---------- */

static enum ctl_step help_step(struct control *c, struct ctl_client *cl)
{
	size_t idx = 0;
	unsigned int i, f;
	bool json = cl->req.fmt == STAT_FMT_JSON;
	char fm[64];

	(void)c;
	if (json)
		PUT("{\"commands\":[");
	for (i = 0; i < ctl_n_cmds; i++) {
		const struct ctl_cmd *k = &ctl_cmds[i];

		fm[0] = 0;
		for (f = 0; f < 3; f++)
			if (k->formats & CTL_FMT_BIT(f))
				snprintf(fm + strlen(fm), sizeof(fm) - strlen(fm), "%s\"%s\"",
					 fm[0] ? "," : "", fmt_names[f]);
		if (json)
			PUT("%s{\"usage\":\"%s\",\"privilege\":\"%s\",\"formats\":[%s]}", i ? "," : "",
			    k->usage, k->priv == CTL_ROOT ? "root" : "read", fm);
		else
			PUT("%-24s %s\n", k->usage, k->priv == CTL_ROOT ? "root" : "read");
	}
	if (json)
		PUT("]}\n");
	return CTL_DONE;
}

static const uint16_t all_suites[] = {
	KTLS_AES_128_GCM_SHA256, KTLS_AES_256_GCM_SHA384,
	KTLS_CHACHA20_POLY1305_SHA256, KTLS_AES_128_CCM_SHA256,
};

static enum ctl_step status_step(struct control *c, struct ctl_client *cl)
{
	const struct control_env *e = &c->env;
	const struct kcfg *cfg = e->cfg;
	bool json = cl->req.fmt == STAT_FMT_JSON;
	uint64_t up = (ctl_now(c) - e->started_ms) / 1000;
	char esc[2 * KCFG_PATH_MAX];
	unsigned int i, n;
	size_t idx = 0;

	if (json) {
		PUT("{\"version\":\"%s\",\"pid\":%d,\"uptime_s\":%" PRIu64
		    ",\"config\":\"%s\",\"mode\":\"%s\",\"log_level\":\"%s\",\"generation\":%u,"
		    "\"workers\":[",
		    PACKAGE_VERSION, (int)getpid(), up, json_esc(cfg->source, esc, sizeof(esc)),
		    cfg->tlshd_compat ? "tlshd" : "ktlsd", level_name(log_get_level()),
		    e->generation);
		for (i = 0, n = 0; i < MAX_WORKERS; i++) {
			const struct mworker *w = &e->wp->w[i];

			if (w->pid <= 0)
				continue;
			PUT("%s{\"slot\":%u,\"pid\":%d,\"inflight\":%u,\"inflight_server\":%u,"
			    "\"draining\":%s}", n++ ? "," : "", i, (int)w->pid, w->inflight,
			    w->inflight_server, w->draining ? "true" : "false");
		}
		PUT("],\"limits\":{\"max_inflight\":%u,\"max_server_inflight\":%u,"
		    "\"max_server_queued\":%u,\"table_size\":%u,\"workers\":%u},"
		    "\"requests\":{\"held\":%u,\"queued\":%u},\"kernel\":{\"ciphers\":[",
		    cfg->max_inflight, kcfg_server_inflight(cfg), cfg->max_server_queued,
		    e->t->n, kcfg_workers(cfg), e->t->used, e->t->n_queued_all);
		for (i = 0, n = 0; i < sizeof(all_suites) / sizeof(all_suites[0]); i++)
			if (e->cipher_mask & ktls_glue_cipher_bit(all_suites[i]))
				PUT("%s\"%s\"", n++ ? "," : "", ktls_suite_name(all_suites[i]));
		PUT("],\"keyrings\":[");
		for (i = 0; i < cfg->n_keyrings; i++)
			PUT("%s\"%s\"", i ? "," : "", json_esc(cfg->keyrings[i], esc, sizeof(esc)));
		PUT("]}}\n");
		return CTL_DONE;
	}
	PUT("version: %s\npid: %d\nuptime: %" PRIu64 "s\nconfig: %s\nmode: %s\nlog level: %s\n"
	    "generation: %u\n", PACKAGE_VERSION, (int)getpid(), up,
	    cfg->source[0] ? text_esc(cfg->source, esc, sizeof(esc)) : "(built-in defaults)",
	    cfg->tlshd_compat ? "tlshd" : "ktlsd", level_name(log_get_level()), e->generation);
	for (i = 0; i < MAX_WORKERS; i++) {
		const struct mworker *w = &e->wp->w[i];

		if (w->pid > 0)
			PUT("worker %u: pid %d, %u in flight (%u server)%s\n", i, (int)w->pid,
			    w->inflight, w->inflight_server, w->draining ? ", draining" : "");
	}
	PUT("limits: max_inflight %u, max_server_inflight %u, max_server_queued %u, "
	    "table %u, workers %u\nrequests: %u held, %u queued\nkernel ciphers:",
	    cfg->max_inflight, kcfg_server_inflight(cfg), cfg->max_server_queued, e->t->n,
	    kcfg_workers(cfg), e->t->used, e->t->n_queued_all);
	for (i = 0; i < sizeof(all_suites) / sizeof(all_suites[0]); i++)
		if (e->cipher_mask & ktls_glue_cipher_bit(all_suites[i]))
			PUT(" %s", ktls_suite_name(all_suites[i]));
	PUT("\nkeyrings: .nfs .nfsd .nvme");
	for (i = 0; i < cfg->n_keyrings; i++)
		PUT(" %s", text_esc(cfg->keyrings[i], esc, sizeof(esc)));
	PUT("\n");
	return CTL_DONE;
}

static int stats_start(struct control *c, struct ctl_client *cl, char *err, size_t len)
{
	cl->snap = malloc(sizeof(*cl->snap));
	if (!cl->snap) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	/* One snapshot: histogram counts and sums agree with each other. */
	*cl->snap = *c->env.stats;
	if (!strcmp(cl->cmd->words, "stats clear")) {
		stats_clear_counters(c->env.stats);
		log_info("statistics counters cleared by uid %u", (unsigned int)cl->uid);
	}
	return 0;
}

static enum ctl_step stats_step(struct control *c, struct ctl_client *cl)
{
	size_t n;

	(void)c;
	n = stats_render(cl->snap, cl->req.fmt, &cl->pos, cl->out + cl->out_len,
			 sizeof(cl->out) - cl->out_len);
	cl->out_len += n;
	return n ? CTL_MORE : CTL_DONE;
}

static void stats_release(struct ctl_client *cl)
{
	free(cl->snap);
	cl->snap = NULL;
}

static const char *rq_state(const struct mreq *r)
{
	if (r->delayed)
		return "done";
	if (r->sign_pending)
		return "signing";
	if (r->worker >= 0)
		return "handshaking";
	return "queued";
}

/* phase 0: the header, 1: one row per request from slot cl->pos, 2: the end. */
static enum ctl_step handshakes_step(struct control *c, struct ctl_client *cl)
{
	const struct reqtab *t = c->env.t;
	bool json = cl->req.fmt == STAT_FMT_JSON;
	uint64_t now = ctl_now(c);
	char esc[6 * KTLS_PEERNAME_MAX + 8];
	const struct mreq *r;

	if (cl->phase == 0) {
		if (!(json ? out_printf(cl, "{\"handshakes\":[") :
		      out_printf(cl, "%-12s %-11s %-6s %-4s %8s %7s %s\n", "ID", "STATE", "ROLE",
				 "AUTH", "AGE_MS", "WORKER", "PEER")))
			return CTL_MORE;
		cl->phase = 1;
		cl->pos = 0;
	}
	for (; cl->phase == 1 && cl->pos < t->n; cl->pos++) {
		r = &t->reqs[cl->pos];
		if (!r->used)
			continue;
		if (cl->count == CONTROL_HANDSHAKES_MAX)
			break;
		pid_t wpid = r->worker >= 0 ? c->env.wp->w[r->worker].pid : 0;
		uint64_t id = reqtab_id(t, r), age = now - r->accepted_ms;
		const char *role = r->role == KTLS_ROLE_SERVER ? "server" : "client";
		bool ok;

		if (json)
			ok = out_printf(cl, "%s{\"id\":%" PRIu64 ",\"role\":\"%s\",\"auth\":\"%s\","
					"\"peer\":\"%s\",\"state\":\"%s\",\"age_ms\":%" PRIu64
					",\"worker_pid\":%d}", cl->count ? "," : "", id, role,
					rq_auth_name(r->kreq.auth_mode),
					json_esc(r->kreq.peername, esc, sizeof(esc)), rq_state(r), age,
					(int)wpid);
		else
			ok = out_printf(cl, "%-12" PRIu64 " %-11s %-6s %-4s %8" PRIu64 " %7d %s\n", id,
					rq_state(r), role, rq_auth_name(r->kreq.auth_mode), age, (int)wpid,
					r->kreq.peername[0] ?
					text_esc(r->kreq.peername, esc, sizeof(esc)) : "-");
		if (!ok)
			return CTL_MORE;
		cl->count++;
	}
	cl->phase = 2;
	if (json && !out_printf(cl, "],\"truncated\":%s}\n",
				cl->count < t->used ? "true" : "false"))
		return CTL_MORE;
	if (!json && cl->count < t->used &&
	    !out_printf(cl, "(%u more not shown)\n", t->used - cl->count))
		return CTL_MORE;
	return CTL_DONE;
}

static int reload_start(struct control *c, struct ctl_client *cl, char *err, size_t len)
{
	char why[KCFG_ERR_MAX];

	log_info("reload asked for by uid %u", (unsigned int)cl->uid);
	if (!c->env.reload || c->env.reload(c->env.ctx, why, sizeof(why))) {
		snprintf(err, len, "reload refused: %s", c->env.reload ? why : "not supported");
		return -1;
	}
	return 0;
}

static enum ctl_step reload_step(struct control *c, struct ctl_client *cl)
{
	const struct kcfg *cfg = c->env.cfg;
	char esc[2 * KCFG_PATH_MAX];
	bool ok;

	if (cl->req.fmt == STAT_FMT_JSON)
		ok = out_printf(cl, "{\"result\":\"ok\",\"workers\":%u,\"config\":\"%s\"}\n",
				c->env.wp->n_gen, json_esc(cfg->source, esc, sizeof(esc)));
	else
		ok = out_printf(cl, "ok: %u workers, configuration %s\n", c->env.wp->n_gen,
				cfg->source[0] ? text_esc(cfg->source, esc, sizeof(esc)) :
				"(built-in defaults)");
	return ok ? CTL_DONE : CTL_MORE;
}

static int log_level_start(struct control *c, struct ctl_client *cl, char *err, size_t len)
{
	int l;

	(void)c;
	for (l = 0; l < 4; l++)
		if (!strcmp(cl->req.word[1], level_names[l]))
			break;
	if (l == 4) {
		snprintf(err, len, "usage: %s", cl->cmd->usage);
		return -1;
	}
	log_set_level(l);
	log_info("log level set to %s by uid %u", level_names[l], (unsigned int)cl->uid);
	return 0;
}

static enum ctl_step log_level_step(struct control *c, struct ctl_client *cl)
{
	const char *l = level_name(log_get_level());
	bool ok;

	(void)c;
	if (cl->req.fmt == STAT_FMT_JSON)
		ok = out_printf(cl, "{\"result\":\"ok\",\"log_level\":\"%s\"}\n", l);
	else
		ok = out_printf(cl, "ok: log level %s\n", l);
	return ok ? CTL_DONE : CTL_MORE;
}

#define TJ (CTL_FMT_BIT(STAT_FMT_TEXT) | CTL_FMT_BIT(STAT_FMT_JSON))
#define TJP (TJ | CTL_FMT_BIT(STAT_FMT_PROMETHEUS))

const struct ctl_cmd ctl_cmds[] = {
	{ "help", "help", CTL_READ, TJ, 0, NULL, help_step, NULL },
	{ "status", "status", CTL_READ, TJ, 0, NULL, status_step, NULL },
	{ "stats", "stats [clear]", CTL_READ, TJP, 0, stats_start, stats_step, stats_release },
	{ "stats clear", "stats [clear]", CTL_ROOT, TJP, 0, stats_start, stats_step,
	  stats_release },
	{ "handshakes", "handshakes", CTL_READ, TJ, 0, NULL, handshakes_step, NULL },
	{ "reload", "reload", CTL_ROOT, TJ, 0, reload_start, reload_step, NULL },
	{ "log-level", "log-level error|warning|info|debug", CTL_ROOT, TJ, 1, log_level_start,
	  log_level_step, NULL },
};
const unsigned int ctl_n_cmds = sizeof(ctl_cmds) / sizeof(ctl_cmds[0]);

/* ---------- clients ---------- */

static void client_close(struct ctl_client *cl)
{
	if (cl->cmd && cl->cmd->release)
		cl->cmd->release(cl);
	if (cl->fd >= 0)
		close(cl->fd);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	cl->state = CL_FREE;
}

static void client_error(struct ctl_client *cl, const char *msg)
{
	cl->out_len = cl->out_off = 0;
	(void)out_printf(cl, "error: %s\n", msg);
	cl->done = true;
	cl->state = CL_WRITE;
}

/* The line is in: parse, look up, authorize, start. */
static void client_request(struct control *c, struct ctl_client *cl, size_t len)
{
	const struct ctl_cmd *cmd;
	char err[KCFG_ERR_MAX + 32];

	cl->state = CL_WRITE;
	if (control_parse(cl->in, len, &cl->req, err, sizeof(err)) ||
	    !(cmd = control_lookup(&cl->req, err, sizeof(err)))) {
		client_error(cl, err);
		return;
	}
	if (!(cmd->formats & CTL_FMT_BIT(cl->req.fmt))) {
		snprintf(err, sizeof(err), "%s output not supported by %s", fmt_names[cl->req.fmt],
			 cmd->words);
		client_error(cl, err);
		return;
	}
	if (!control_allowed(cmd, cl->uid, cl->may_read)) {
		log_info("control: uid %u refused \"%s\"", (unsigned int)cl->uid, cmd->words);
		client_error(cl, "permission denied");
		return;
	}
	cl->cmd = cmd;
	if (cmd->start && cmd->start(c, cl, err, sizeof(err))) {
		client_error(cl, err);
		return;
	}
}

static void client_read(struct control *c, struct ctl_client *cl)
{
	ssize_t n;
	char *nl;

	n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(cl);	/* gone before asking anything */
		return;
	}
	cl->in_len += (size_t)n;
	nl = memchr(cl->in, '\n', cl->in_len);
	if (nl)
		client_request(c, cl, (size_t)(nl - cl->in));
	else if (cl->in_len == sizeof(cl->in))
		client_error(cl, "request line too long");
}

/* One step if the buffer is empty, then send what the socket takes. */
static void client_write(struct control *c, struct ctl_client *cl)
{
	ssize_t n;

	if (cl->out_off == cl->out_len && !cl->done) {
		cl->out_off = cl->out_len = 0;
		if (cl->cmd->step(c, cl) == CTL_DONE)
			cl->done = true;
	}
	if (cl->out_off < cl->out_len) {
		n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_close(cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	if (cl->out_off == cl->out_len && cl->done)
		client_close(cl);
}

static unsigned int clients_of(const struct control *c, uid_t uid)
{
	unsigned int i, n = 0;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		n += c->cl[i].state != CL_FREE && c->cl[i].uid == uid;
	return n;
}

static struct ctl_client *free_client(struct control *c)
{
	unsigned int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->cl[i].state == CL_FREE)
			return &c->cl[i];
	return NULL;
}

static void control_accept(struct control *c)
{
	struct ctl_client *cl;
	struct ucred uc;
	unsigned int n;
	int s;

	for (n = 0; n < CONTROL_ACCEPTS_PER_ROUND && (cl = free_client(c)); n++) {
		s = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (s < 0)
			return;
		if (control_peercred(s, &uc)) {
			close(s);
			continue;
		}
		/* A uid other than root's cannot take every slot. */
		if (uc.uid != 0 && clients_of(c, uc.uid) >= CONTROL_MAX_PER_UID) {
			close(s);
			continue;
		}
		memset(cl, 0, sizeof(*cl));
		cl->fd = s;
		cl->state = CL_READ;
		cl->uid = uc.uid;
		cl->may_read = uc.uid == 0 ||
			       (c->gid != 0 && control_in_group(uc.uid, uc.gid, c->gid));
		cl->deadline_ms = ctl_now(c) + CONTROL_DEADLINE_MS;
	}
}

unsigned int control_pollfds(struct control *c, struct pollfd *pfd, unsigned int max)
{
	unsigned int i, n = 0;

	c->n_map = 0;
	if (c->fd >= 0 && n < max && free_client(c)) {
		pfd[n].fd = c->fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		c->map[n++] = -1;
	}
	for (i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++) {
		if (c->cl[i].state == CL_FREE)
			continue;
		pfd[n].fd = c->cl[i].fd;
		pfd[n].events = c->cl[i].state == CL_READ ? POLLIN : POLLOUT;
		pfd[n].revents = 0;
		c->map[n++] = (int)i;
	}
	c->n_map = n;
	return n;
}

void control_events(struct control *c, const struct pollfd *pfd, unsigned int n)
{
	bool do_accept = false;
	struct ctl_client *cl;
	uint64_t now;
	unsigned int i;

	for (i = 0; i < n && i < c->n_map; i++) {
		if (c->map[i] < 0) {
			do_accept = pfd[i].fd == c->fd && (pfd[i].revents & POLLIN);
			continue;
		}
		cl = &c->cl[c->map[i]];
		if (cl->state == CL_FREE || cl->fd != pfd[i].fd || !pfd[i].revents)
			continue;
		if (cl->state == CL_READ)
			client_read(c, cl);
		/* Not in the same turn as the read: the step runs next turn. */
		else if (cl->state == CL_WRITE)
			client_write(c, cl);
	}
	/* Past their deadline, wherever they are. */
	now = ctl_now(c);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->cl[i].state != CL_FREE && now >= c->cl[i].deadline_ms)
			client_close(&c->cl[i]);
	c->n_map = 0;
	if (do_accept)
		control_accept(c);
}

uint64_t control_next_deadline(const struct control *c)
{
	uint64_t next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->cl[i].state != CL_FREE && c->cl[i].deadline_ms < next)
			next = c->cl[i].deadline_ms;
	return next;
}

void control_close(struct control *c)
{
	unsigned int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->cl[i].state != CL_FREE)
			client_close(&c->cl[i]);
	control_close_listener(c);
}
