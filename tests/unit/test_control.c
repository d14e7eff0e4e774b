// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket (daemon/control.c) against a fake monitor: the
 * request line parser and the command table (tables of lines and of
 * words, with the negative cases: bad magic or version, unknown format
 * or command, overlong and non-printable lines), authorization through
 * the SO_PEERCRED seam (root, a member of the control group, anyone else;
 * the per-uid cap), outputs bigger than a client's buffer made in steps,
 * and ktlsctl itself, run as a program against this server: a table of
 * {arguments, exit status, output pattern} (STYLE §11). ktlsctl(8) must
 * name every command of the table.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "handshake-uapi.h"
#include "log.h"
#include "requests.h"
#include "vectors_json.h"
#include "workers.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define GROUP_GID 4242		/* the control group, as the fake sees it */

/* ---- the fake monitor ---- */

static uint64_t fake_now = 500000;
static struct stats fx_stats;
static struct reqtab fx_t;
static struct wpool fx_wp;
static struct kcfg fx_cfg;
static struct control fx_c;
static char fx_dir[48], fx_path[96];
static int reloads;
static const char *reload_err;	/* NULL: the reload works */

/* The real SO_PEERCRED and group lookup, kept before any test swaps them. */
static int (*real_peercred)(int fd, struct ucred *uc);
static bool (*real_in_group)(uid_t uid, gid_t gid, gid_t group);

/* Who the seam says the peer is. */
static uid_t peer_uid;
static gid_t peer_gid;

static int fake_peercred(int fd, struct ucred *uc)
{
	(void)fd;
	uc->pid = 1;
	uc->uid = peer_uid;
	uc->gid = peer_gid;
	return 0;
}

static bool fake_in_group(uid_t uid, gid_t gid, gid_t group)
{
	(void)uid;
	return gid == group;
}

static uint64_t fx_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static int fx_reload(void *ctx, char *err, size_t len)
{
	(void)ctx;
	reloads++;
	if (reload_err) {
		snprintf(err, len, "%s", reload_err);
		return -1;
	}
	return 0;
}

static void done_noop(void *ctx, struct mreq *r, int status, const struct kp_result *res,
		      const char *why)
{
	(void)ctx, (void)r, (void)status, (void)res, (void)why;
}

/* A request in the table, in one of the states `handshakes` shows. */
static struct mreq *fx_request(uint32_t role, uint32_t auth, const char *peer, int worker,
			       bool sign)
{
	struct mreq *r = reqtab_alloc(&fx_t);

	ck_assert_ptr_nonnull(r);
	r->role = role;
	r->kreq.auth_mode = auth;
	snprintf(r->kreq.peername, sizeof(r->kreq.peername), "%s", peer);
	r->accepted_ms = fake_now - 1500;
	r->worker = worker;
	r->sign_pending = sign;
	if (worker < 0)
		reqtab_push(&fx_t, r);
	return r;
}

static void fx_setup(unsigned int table)
{
	struct control_env env = {
		.stats = &fx_stats, .t = &fx_t, .wp = &fx_wp, .cfg = &fx_cfg,
		.cipher_mask = 0x3, .generation = 1, .started_ms = fake_now - 42000,
		.now = fx_clock, .reload = fx_reload,
	};
	unsigned int i;

	memset(&fx_stats, 0, sizeof(fx_stats));
	ck_assert_int_eq(reqtab_init(&fx_t, table, done_noop, NULL), 0);
	memset(&fx_wp, 0, sizeof(fx_wp));
	for (i = 0; i < MAX_WORKERS; i++)
		fx_wp.w[i].sock = -1;
	fx_wp.w[0].pid = 4321;
	fx_wp.w[0].inflight = 2;
	fx_wp.gen[0] = 0;
	fx_wp.n_gen = 1;
	kcfg_defaults(&fx_cfg);
	snprintf(fx_cfg.source, sizeof(fx_cfg.source), "/etc/ktlsd.conf");
	snprintf(fx_dir, sizeof(fx_dir), "/tmp/ktlsd-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx_dir));
	snprintf(fx_path, sizeof(fx_path), "%s/control", fx_dir);
	snprintf(fx_cfg.stats_socket, sizeof(fx_cfg.stats_socket), "%s", fx_path);
	control_peercred = fake_peercred;
	control_in_group = fake_in_group;
	peer_uid = 0;
	peer_gid = 0;
	reloads = 0;
	reload_err = NULL;
	control_init(&fx_c, &env);
	control_open(&fx_c, &fx_cfg);
	ck_assert_int_ge(fx_c.fd, 0);
	fx_c.gid = GROUP_GID;	/* whatever group the socket got, this one counts */
}

static void fx_teardown(void)
{
	control_close(&fx_c);
	ck_assert_int_ne(access(fx_path, F_OK), 0);
	reqtab_fini(&fx_t);
	rmdir(fx_dir);
}

/* One turn of the monitor, as far as the control socket goes. */
static void serve(int wait_ms)
{
	struct pollfd pfd[CONTROL_MAX_CLIENTS + 1];
	unsigned int n = control_pollfds(&fx_c, pfd, ARRAY_SIZE(pfd));

	(void)poll(pfd, n, wait_ms);
	control_events(&fx_c, pfd, n);
}

static int cl_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fx_path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static char reply[1 << 20];

/* Send @line (as is), serve until the server closes; the reply in `reply`. */
static size_t exchange(const char *line, size_t len)
{
	size_t got = 0;
	unsigned int rounds;
	ssize_t n = -1;
	int fd = cl_connect();

	ck_assert_int_eq(write(fd, line, len), (ssize_t)len);
	for (rounds = 0; rounds < 5000; rounds++) {
		serve(1);
		while ((n = recv(fd, reply + got, sizeof(reply) - 1 - got, MSG_DONTWAIT)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;
	}
	ck_assert_msg(n == 0, "the server did not close");
	close(fd);
	reply[got] = 0;
	return got;
}

static size_t ask(const char *line)
{
	return exchange(line, strlen(line));
}

/* ---- the parser ---- */

static const struct {
	const char *line;
	const char *err;	/* NULL: parses */
	enum stat_format fmt;
	unsigned int n_words;
} parse_cases[] = {
	{ "ktlsd-control 1 text stats", NULL, STAT_FMT_TEXT, 1 },
	{ "ktlsd-control 1 json stats clear", NULL, STAT_FMT_JSON, 2 },
	{ "ktlsd-control 1 prometheus stats", NULL, STAT_FMT_PROMETHEUS, 1 },
	{ "ktlsd-control  1\ttext   status  \r", NULL, STAT_FMT_TEXT, 1 },
	{ "", "bad magic", 0, 0 },
	{ "   ", "bad magic", 0, 0 },
	{ "KTLSD-CONTROL 1 text stats", "bad magic", 0, 0 },
	{ "ktlsd-controlx 1 text stats", "bad magic", 0, 0 },
	{ "GET / HTTP/1.0", "bad magic", 0, 0 },
	{ "ktlsd-control", "bad request", 0, 0 },
	{ "ktlsd-control 2 text stats", "unsupported version 2", 0, 0 },
	{ "ktlsd-control 01 text stats", "unsupported version 01", 0, 0 },
	{ "ktlsd-control 1", "bad request", 0, 0 },
	{ "ktlsd-control 1 text", "bad request", 0, 0 },
	{ "ktlsd-control 1 xml stats", "unknown format xml", 0, 0 },
	{ "ktlsd-control 1 text st\001ats", "bad request", 0, 0 },
	{ "ktlsd-control 1 text st\377ats", "bad request", 0, 0 },
	{ "ktlsd-control 1 text a b c d e f g", "bad request", 0, 0 },
	{ "ktlsd-control 1 text a b c d e f", NULL, STAT_FMT_TEXT, 6 },
};

START_TEST(test_control_parse)
{
	struct ctl_req req;
	char err[128] = "";
	int r = control_parse(parse_cases[_i].line, strlen(parse_cases[_i].line), &req, err,
			      sizeof(err));

	if (!parse_cases[_i].err) {
		ck_assert_msg(r == 0, "\"%s\": %s", parse_cases[_i].line, err);
		ck_assert_int_eq(req.fmt, parse_cases[_i].fmt);
		ck_assert_uint_eq(req.n_words, parse_cases[_i].n_words);
	} else {
		ck_assert_int_eq(r, -1);
		ck_assert_str_eq(err, parse_cases[_i].err);
	}
}
END_TEST

START_TEST(test_control_parse_overlong)
{
	char line[CONTROL_LINE_MAX + 8], err[64];
	struct ctl_req req;

	memset(line, 'a', sizeof(line));
	memcpy(line, "ktlsd-control 1 text ", 21);
	ck_assert_int_eq(control_parse(line, sizeof(line), &req, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "request line too long");
	/* The longest that fits is parsed. */
	ck_assert_int_eq(control_parse(line, CONTROL_LINE_MAX - 1, &req, err, sizeof(err)), 0);
	ck_assert_uint_eq(req.n_words, 1);
	ck_assert_uint_eq(strlen(req.word[0]), CONTROL_LINE_MAX - 1 - 21);
}
END_TEST

/* ---- the command table ---- */

static const struct {
	const char *words;
	const char *cmd;	/* the command's words, or NULL */
	const char *err;
} lookup_cases[] = {
	{ "stats", "stats", NULL },
	{ "stats clear", "stats clear", NULL },
	{ "status", "status", NULL },
	{ "handshakes", "handshakes", NULL },
	{ "reload", "reload", NULL },
	{ "help", "help", NULL },
	{ "log-level debug", "log-level", NULL },
	{ "log-level", NULL, "usage: log-level error|warning|info|debug" },
	{ "log-level a b", NULL, "usage: log-level error|warning|info|debug" },
	{ "stats bogus", NULL, "usage: stats [clear]" },
	{ "stats clear now", NULL, "usage: stats [clear]" },
	{ "reload now", NULL, "usage: reload" },
	{ "clear", NULL, "unknown command: clear" },
	{ "frobnicate", NULL, "unknown command: frobnicate" },
	{ "Stats", NULL, "unknown command: Stats" },
};

START_TEST(test_control_lookup)
{
	char line[128], err[128] = "";
	const struct ctl_cmd *cmd;
	struct ctl_req req;

	snprintf(line, sizeof(line), "ktlsd-control 1 text %s", lookup_cases[_i].words);
	ck_assert_int_eq(control_parse(line, strlen(line), &req, err, sizeof(err)), 0);
	cmd = control_lookup(&req, err, sizeof(err));
	if (lookup_cases[_i].cmd) {
		ck_assert_ptr_nonnull(cmd);
		ck_assert_str_eq(cmd->words, lookup_cases[_i].cmd);
	} else {
		ck_assert_ptr_null(cmd);
		ck_assert_str_eq(err, lookup_cases[_i].err);
	}
}
END_TEST

/* Every command has what the table promises; state changes are root's. */
START_TEST(test_control_table)
{
	unsigned int i, j;

	ck_assert_uint_ge(ctl_n_cmds, 7);
	for (i = 0; i < ctl_n_cmds; i++) {
		const struct ctl_cmd *k = &ctl_cmds[i];

		ck_assert_ptr_nonnull(k->words);
		ck_assert_ptr_nonnull(k->usage);
		ck_assert_ptr_nonnull(k->step);
		ck_assert(k->formats & CTL_FMT_BIT(STAT_FMT_TEXT));
		ck_assert(k->formats & CTL_FMT_BIT(STAT_FMT_JSON));
		if (!strcmp(k->words, "reload") || !strcmp(k->words, "stats clear") ||
		    !strcmp(k->words, "log-level"))
			ck_assert_int_eq(k->priv, CTL_ROOT);
		else
			ck_assert_int_eq(k->priv, CTL_READ);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(ctl_cmds[j].words, k->words);
	}
}
END_TEST

START_TEST(test_control_allowed)
{
	unsigned int i;

	for (i = 0; i < ctl_n_cmds; i++) {
		const struct ctl_cmd *k = &ctl_cmds[i];

		ck_assert(control_allowed(k, 0, false));
		ck_assert(control_allowed(k, 1000, true) == (k->priv == CTL_READ));
		ck_assert(!control_allowed(k, 1000, false));
	}
}
END_TEST

/* ---- the server, over the socket ---- */

enum who { ROOT, MEMBER, OUTSIDER };

static const struct {
	enum who who;
	const char *line;
	const char *want;	/* a substring of the reply */
	bool is_error;
} serve_cases[] = {
	{ ROOT, "ktlsd-control 1 text status\n", "uptime: 42s\n", false },
	{ MEMBER, "ktlsd-control 1 text status\n", "worker 0: pid 4321, 2 in flight", false },
	{ MEMBER, "ktlsd-control 1 json status\n", "\"uptime_s\":42,\"config\":\"/etc/ktlsd.conf\",\"mode\":\"ktlsd\"", false },
	{ MEMBER, "ktlsd-control 1 json status\n", "\"ciphers\":[\"TLS_AES_128_GCM_SHA256\",\"TLS_AES_256_GCM_SHA384\"]", false },
	{ OUTSIDER, "ktlsd-control 1 text status\n", "error: permission denied\n", true },
	{ OUTSIDER, "ktlsd-control 1 text stats\n", "error: permission denied\n", true },
	{ MEMBER, "ktlsd-control 1 text stats\n", "requests_accepted=7\n", false },
	{ MEMBER, "ktlsd-control 1 prometheus stats\n", "ktlsd_requests_accepted_total 7\n", false },
	{ MEMBER, "ktlsd-control 1 text stats clear\n", "error: permission denied\n", true },
	{ MEMBER, "ktlsd-control 1 text reload\n", "error: permission denied\n", true },
	{ MEMBER, "ktlsd-control 1 text log-level debug\n", "error: permission denied\n", true },
	{ ROOT, "ktlsd-control 1 text log-level loud\n", "error: usage: log-level", true },
	{ ROOT, "ktlsd-control 1 json log-level warning\n", "{\"result\":\"ok\",\"log_level\":\"warning\"}\n", false },
	{ ROOT, "ktlsd-control 1 text reload\n", "ok: 1 workers, configuration /etc/ktlsd.conf\n", false },
	{ ROOT, "ktlsd-control 1 prometheus handshakes\n", "error: prometheus output not supported by handshakes\n", true },
	{ ROOT, "ktlsd-control 1 text handshakes\n", "handshaking client psk      1500    4321 nfs.example\n", false },
	{ MEMBER, "ktlsd-control 1 json handshakes\n", "\"role\":\"server\",\"auth\":\"x509\",\"peer\":\"q\\\"\\\\\\u0001\",\"state\":\"signing\",\"age_ms\":1500,\"worker_pid\":4321}", false },
	{ MEMBER, "ktlsd-control 1 text help\n", "stats [clear]", false },
	{ ROOT, "ktlsd-control 2 text status\n", "error: unsupported version 2\n", true },
	{ ROOT, "hello\n", "error: bad magic\n", true },
	{ ROOT, "ktlsd-control 1 text frob\n", "error: unknown command: frob\n", true },
	{ ROOT, "ktlsd-control 1 text status\r\n", "version: ", false },
};

START_TEST(test_control_serve)
{
	fx_setup(64);
	fx_stats.v[STAT_requests_accepted] = 7;
	fx_request(KTLS_ROLE_CLIENT, KTLS_HANDSHAKE_AUTH_PSK, "nfs.example", 0, false);
	fx_request(KTLS_ROLE_SERVER, KTLS_HANDSHAKE_AUTH_X509, "q\"\\\001", 0, true);
	fx_request(KTLS_ROLE_SERVER, KTLS_HANDSHAKE_AUTH_UNAUTH, "", -1, false);
	peer_uid = serve_cases[_i].who == ROOT ? 0 : 1000;
	peer_gid = serve_cases[_i].who == MEMBER ? GROUP_GID : 1000;
	ck_assert_uint_gt(ask(serve_cases[_i].line), 0);
	ck_assert_msg(strstr(reply, serve_cases[_i].want), "\"%s\": got \"%s\"",
		      serve_cases[_i].line, reply);
	/* An error is one line and nothing more. */
	ck_assert_int_eq(!strncmp(reply, "error: ", 7), serve_cases[_i].is_error);
	if (serve_cases[_i].is_error)
		ck_assert_ptr_eq(strchr(reply, '\n'), reply + strlen(reply) - 1);
	fx_teardown();
}
END_TEST

/* `stats clear` answers with what was there, then zeroes the counters only. */
START_TEST(test_control_stats_clear)
{
	fx_setup(16);
	fx_stats.v[STAT_handshakes_ok] = 9;
	fx_stats.v[STAT_inflight] = 3;
	fx_stats.by_mode[0][STAT_AUTH_X509] = 9;
	ask("ktlsd-control 1 json stats clear\n");
	ck_assert_ptr_nonnull(strstr(reply, "\"handshakes_ok\":9,"));
	ck_assert_uint_eq(fx_stats.v[STAT_handshakes_ok], 0);
	ck_assert_uint_eq(fx_stats.by_mode[0][STAT_AUTH_X509], 0);
	ck_assert_uint_eq(fx_stats.v[STAT_inflight], 3);
	/* A reader cannot. */
	peer_uid = 1000;
	peer_gid = GROUP_GID;
	fx_stats.v[STAT_handshakes_ok] = 5;
	ask("ktlsd-control 1 text stats clear\n");
	ck_assert_str_eq(reply, "error: permission denied\n");
	ck_assert_uint_eq(fx_stats.v[STAT_handshakes_ok], 5);
	fx_teardown();
}
END_TEST

/* A refused reload prints the configuration error, file and line. */
START_TEST(test_control_reload_error)
{
	fx_setup(16);
	reload_err = "/etc/ktlsd.conf:12: unknown key \"bogus\" in [ktlsd]";
	ask("ktlsd-control 1 json reload\n");
	ck_assert_str_eq(reply, "error: reload refused: /etc/ktlsd.conf:12: unknown key "
				"\"bogus\" in [ktlsd]\n");
	ck_assert_int_eq(reloads, 1);
	/* And no reload at all for someone who may not. */
	peer_uid = 1000;
	peer_gid = GROUP_GID;
	ask("ktlsd-control 1 text reload\n");
	ck_assert_int_eq(reloads, 1);
	fx_teardown();
}
END_TEST

/* Far more than one buffer: made in steps, nothing lost, valid to the end. */
START_TEST(test_control_big_output_in_steps)
{
	unsigned int i, rows = 0;
	size_t len;
	const char *p;

	fx_setup(3000);
	for (i = 0; i < 3000; i++)
		fx_request(i % 2 ? KTLS_ROLE_SERVER : KTLS_ROLE_CLIENT, KTLS_HANDSHAKE_AUTH_X509,
			   "host.example", 0, false);
	len = ask("ktlsd-control 1 json handshakes\n");
	ck_assert_uint_gt(len, 10 * CONTROL_OUT_MAX);
	for (p = reply; (p = strstr(p, "{\"id\":")); p++)
		rows++;
	ck_assert_uint_eq(rows, 3000);
	ck_assert_str_eq(reply + len - 21, "],\"truncated\":false}\n");
	len = ask("ktlsd-control 1 text handshakes\n");
	for (p = reply, rows = 0; (p = strchr(p, '\n')); p++)
		rows++;
	ck_assert_uint_eq(rows, 3001);	/* and the header */
	fx_teardown();
}
END_TEST

/* The longest peer name, all control bytes: escaped whole, the row intact. */
START_TEST(test_control_hostile_peer_name)
{
	char peer[KTLS_PEERNAME_MAX];
	const char *p;
	unsigned int n = 0;

	fx_setup(16);
	memset(peer, 0x01, sizeof(peer) - 1);
	peer[sizeof(peer) - 1] = 0;
	fx_request(KTLS_ROLE_SERVER, KTLS_HANDSHAKE_AUTH_X509, peer, 0, false);
	ask("ktlsd-control 1 json handshakes\n");
	for (p = reply; (p = strstr(p, "\\u0001")); p++)
		n++;
	ck_assert_uint_eq(n, KTLS_PEERNAME_MAX - 1);
	ck_assert_ptr_nonnull(strstr(reply, "\\u0001\",\"state\":\"handshaking\",\"age_ms\":1500,\"worker_pid\":4321}],\"truncated\":false}\n"));
	ask("ktlsd-control 1 text handshakes\n");
	ck_assert_ptr_null(strchr(reply, 0x01));
	fx_teardown();
}
END_TEST

/* The JSON replies parse (vectors_json.c), with the documented fields. */
static struct vj *ask_json(const char *line)
{
	char err[128];
	struct vj *v;

	ask(line);
	v = vj_parse(reply, strlen(reply), err, sizeof(err));
	ck_assert_msg(v, "\"%s\": %s in \"%.200s\"", line, err, reply);
	ck_assert_int_eq(v->type, VJ_OBJECT);
	return v;
}

START_TEST(test_control_json_parses)
{
	static const char *const status_keys[] = {
		"version", "pid", "uptime_s", "config", "mode", "log_level", "generation",
		"workers", "limits", "requests", "kernel",
	};
	char peer[KTLS_PEERNAME_MAX];
	const struct vj *h, *b, *row;
	double d, count = 0, last = 0;
	struct stat_done sd = { .auth = STAT_AUTH_ANON, .total_ms = 30, .queued_ms = 2 };
	struct vj *v;
	size_t i;

	fx_setup(16);
	memset(peer, 0x01, sizeof(peer) - 1);
	peer[sizeof(peer) - 1] = 0;
	peer[7] = '"';
	fx_request(KTLS_ROLE_CLIENT, KTLS_HANDSHAKE_AUTH_X509, peer, 0, false);
	for (i = 0; i < 5; i++)
		stats_note_done(&fx_stats, &sd);
	fx_stats.v[STAT_handshakes_ok] = 5;

	v = ask_json("ktlsd-control 1 json status\n");
	for (i = 0; i < ARRAY_SIZE(status_keys); i++)
		ck_assert_msg(vj_get(v, status_keys[i]), "status: no %s", status_keys[i]);
	ck_assert(vj_get_num(v, "pid", &d) && d == getpid());
	ck_assert_str_eq(vj_get_str(v, "mode"), "ktlsd");
	ck_assert_uint_eq(vj_get(v, "workers")->n, 1);
	ck_assert(vj_get_num(vj_get(v, "workers")->items[0], "pid", &d) && d == 4321);
	ck_assert(vj_get_num(vj_get(v, "limits"), "table_size", &d) && d == 16);
	ck_assert(vj_array_has_str(vj_get(v, "kernel"), "ciphers", "TLS_AES_256_GCM_SHA384"));
	vj_free(v);

	v = ask_json("ktlsd-control 1 json stats\n");
	ck_assert(vj_get_num(v, "handshakes_ok", &d) && d == 5);
	ck_assert(vj_get_num(vj_get(vj_get(v, "handshakes_by_mode"), "client"), "anon", &d) &&
		  d == 5);
	h = vj_get(v, "handshake_duration_ms");
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(vj_get_str(h, "unit"), "ms");
	b = vj_get(h, "buckets");
	ck_assert_uint_eq(b->n, STAT_HIST_NB + 1);
	for (i = 0; i < b->n; i++) {
		ck_assert(vj_get_num(b->items[i], "count", &d));
		ck_assert(d >= last);	/* cumulative */
		last = d;
	}
	ck_assert_str_eq(vj_get_str(b->items[b->n - 1], "le"), "+Inf");
	ck_assert(vj_get_num(h, "count", &count) && count == last && count == 5);
	ck_assert(vj_get_num(h, "sum", &d) && d == 150);
	ck_assert(vj_get_num(b->items[4], "count", &d) && d == 0);	/* le 25 */
	ck_assert(vj_get_num(b->items[5], "count", &d) && d == 5);	/* le 50 */
	vj_free(v);

	v = ask_json("ktlsd-control 1 json handshakes\n");
	ck_assert_uint_eq(vj_get(v, "handshakes")->n, 1);
	row = vj_get(v, "handshakes")->items[0];
	/* The escaped peer name decodes to exactly the bytes the kernel gave. */
	ck_assert_uint_eq(strlen(vj_get_str(row, "peer")), strlen(peer));
	ck_assert_str_eq(vj_get_str(row, "peer"), peer);
	ck_assert_str_eq(vj_get_str(row, "state"), "handshaking");
	ck_assert_str_eq(vj_get_str(row, "auth"), "x509");
	ck_assert(vj_get_num(row, "age_ms", &d) && d == 1500);
	ck_assert_int_eq(vj_get(v, "truncated")->type, VJ_FALSE);
	vj_free(v);

	v = ask_json("ktlsd-control 1 json help\n");
	ck_assert_uint_eq(vj_get(v, "commands")->n, ctl_n_cmds);
	vj_free(v);
	v = ask_json("ktlsd-control 1 json reload\n");
	ck_assert_str_eq(vj_get_str(v, "result"), "ok");
	vj_free(v);
	fx_teardown();
}
END_TEST

/*
 * The real SO_PEERCRED and group lookup, no seam: a socket left 0666 by
 * mistake still answers a uid outside the group with "permission denied",
 * and root with the status. Not run as root, the test is that uid.
 */
START_TEST(test_control_real_peercred)
{
	int st, fd, out[2];
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	fx_setup(16);
	control_peercred = real_peercred;
	control_in_group = real_in_group;
	if (geteuid() != 0) {
		/* Not root: we are the uid outside the group ourselves. */
		ask("ktlsd-control 1 text status\n");
		ck_assert_str_eq(reply, "error: permission denied\n");
		fx_teardown();
		return;
	}
	ck_assert_int_eq(chmod(fx_path, 0666), 0);
	ck_assert_int_eq(chmod(fx_dir, 0711), 0);
	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		char buf[256];
		ssize_t k;

		close(out[0]);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fx_path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
			_exit(4);
		if (write(fd, "ktlsd-control 1 text status\n", 28) != 28)
			_exit(5);
		while ((k = read(fd, buf, sizeof(buf))) > 0)
			if (write(out[1], buf, (size_t)k) != k)
				_exit(6);
		_exit(0);
	}
	close(out[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	for (st = 0; st < 500; st++) {
		serve(5);
		while ((n = read(out[0], reply + got, sizeof(reply) - 1 - got)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;
	}
	reply[got] = 0;
	close(out[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	ck_assert_str_eq(reply, "error: permission denied\n");
	/* Root, by the kernel's word. */
	ask("ktlsd-control 1 text status\n");
	ck_assert_ptr_nonnull(strstr(reply, "version: "));
	fx_teardown();
}
END_TEST

/* A line that never ends, and bytes after the limit: the error, then close. */
START_TEST(test_control_overlong_line)
{
	char line[CONTROL_LINE_MAX + 100];

	fx_setup(16);
	memset(line, 'x', sizeof(line));
	exchange(line, sizeof(line));
	ck_assert_str_eq(reply, "error: request line too long\n");
	fx_teardown();
}
END_TEST

/* One uid other than root cannot take more than CONTROL_MAX_PER_UID slots. */
START_TEST(test_control_per_uid_cap)
{
	int c[CONTROL_MAX_PER_UID + 3];
	unsigned int i, closed = 0, r;
	char b;

	fx_setup(16);
	peer_uid = 1000;
	peer_gid = GROUP_GID;
	for (i = 0; i < ARRAY_SIZE(c); i++)
		c[i] = cl_connect();
	for (r = 0; r < 3; r++)
		serve(10);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		/* Closed without a byte: EOF; held: nothing to read yet. */
		if (recv(c[i], &b, 1, MSG_DONTWAIT) == 0)
			closed++;
	}
	ck_assert_uint_eq(closed, ARRAY_SIZE(c) - CONTROL_MAX_PER_UID);
	/* Root is not capped by it. */
	peer_uid = 0;
	ask("ktlsd-control 1 text status\n");
	ck_assert_ptr_nonnull(strstr(reply, "version: "));
	for (i = 0; i < ARRAY_SIZE(c); i++)
		close(c[i]);
	fx_teardown();
}
END_TEST

/* Silent clients hold a slot only until their deadline. */
START_TEST(test_control_deadline)
{
	int fd;
	char b;

	fx_setup(16);
	fd = cl_connect();
	ck_assert_int_eq(write(fd, "ktlsd", 5), 5);
	serve(10);
	serve(10);
	ck_assert_int_eq(recv(fd, &b, 1, MSG_DONTWAIT), -1);
	ck_assert_uint_eq(control_next_deadline(&fx_c), fake_now + CONTROL_DEADLINE_MS);
	fake_now += CONTROL_DEADLINE_MS;
	serve(0);
	ck_assert_int_eq(recv(fd, &b, 1, MSG_DONTWAIT), 0);
	ck_assert_uint_eq(control_next_deadline(&fx_c), UINT64_MAX);
	close(fd);
	fx_teardown();
}
END_TEST

/* A reload that moves the socket: the old path is gone, the new one answers. */
START_TEST(test_control_reconfigure_moves_socket)
{
	char old[96];

	fx_setup(16);
	snprintf(old, sizeof(old), "%s", fx_path);
	snprintf(fx_path, sizeof(fx_path), "%s/control2", fx_dir);
	snprintf(fx_cfg.stats_socket, sizeof(fx_cfg.stats_socket), "%s", fx_path);
	control_reconfigure(&fx_c, &fx_cfg);
	fx_c.gid = GROUP_GID;
	ck_assert_int_ne(access(old, F_OK), 0);
	ck_assert_str_eq(fx_c.path, fx_path);
	ask("ktlsd-control 1 text status\n");
	ck_assert_ptr_nonnull(strstr(reply, "version: "));
	/* Unchanged: nothing happens (the socket keeps its inode). */
	{
		struct stat a, b;

		ck_assert_int_eq(stat(fx_path, &a), 0);
		control_reconfigure(&fx_c, &fx_cfg);
		ck_assert_int_eq(stat(fx_path, &b), 0);
		ck_assert_uint_eq(a.st_ino, b.st_ino);
	}
	fx_teardown();
}
END_TEST

/* ---- ktlsctl, the program, against this server ---- */

static pid_t server_pid;

static void start_server(void)
{
	int ready[2];
	char b;

	fx_setup(64);
	fx_stats.v[STAT_handshakes_ok] = 11;
	fx_stats.by_mode[1][STAT_AUTH_PSK] = 11;
	fx_request(KTLS_ROLE_SERVER, KTLS_HANDSHAKE_AUTH_PSK, "nvme-host", 0, false);
	reload_err = NULL;
	ck_assert_int_eq(pipe(ready), 0);
	server_pid = fork();
	ck_assert_int_ge(server_pid, 0);
	if (server_pid == 0) {
		close(ready[0]);
		close(ready[1]);
		for (;;) {
			/* The root-only commands are allowed here: authorization is tested above. */
			peer_uid = 0;
			reload_err = fx_stats.v[STAT_reloads] ? "/tmp/x.conf:3: bad value" : NULL;
			serve(100);
			if (reloads) {
				fx_stats.v[STAT_reloads]++;
				reloads = 0;
			}
		}
	}
	close(ready[1]);
	(void)!read(ready[0], &b, 1);	/* EOF once the child runs */
	close(ready[0]);
}

static void stop_server(void)
{
	int st;

	kill(server_pid, SIGKILL);
	waitpid(server_pid, &st, 0);
	control_close(&fx_c);
	reqtab_fini(&fx_t);
	rmdir(fx_dir);
}

/* Run ktlsctl with @args; stdout and stderr together in `reply`. */
static int run_ktlsctl(const char *const *args)
{
	const char *exe = getenv("KTLSCTL");
	char *argv[16];
	int out[2], st, n = 0;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	ck_assert_msg(exe && exe[0], "KTLSCTL is not set");
	argv[n++] = (char *)exe;
	for (; *args && n < 15; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(out[0]);
		execv(exe, argv);
		_exit(127);
	}
	close(out[1]);
	while ((r = read(out[0], reply + got, sizeof(reply) - 1 - got)) > 0)
		got += (size_t)r;
	close(out[0]);
	reply[got] = 0;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

#define S "-s", fx_path
static const struct {
	const char *args[8];
	int status;
	const char *want;
} cli_cases[] = {
	{ { "-h" }, 0, "usage: ktlsctl [-h] [-s socket] command" },
	{ { NULL }, 2, "usage: ktlsctl" },
	{ { "-x", "status" }, 2, "usage: ktlsctl" },
	{ { "frobnicate" }, 2, "ktlsctl: unknown command frobnicate" },
	{ { "status", "extra" }, 2, "usage:" },
	{ { "status", "--prometheus" }, 2, "usage:" },
	{ { "stats", "--json", "--prometheus" }, 2, "exclude each other" },
	{ { "log-level" }, 2, "usage:" },
	{ { "check-config", "a", "b" }, 2, "usage:" },
	{ { "-s", "/nonexistent/sock", "status" }, 1, "ktlsctl: /nonexistent/sock: No such file" },
	{ { "-s" }, 2, "usage:" },
	{ { "-s", "PATH", "status" }, 0, "version: " },
	{ { "-s", "PATH", "status", "--json" }, 0, "\"pid\":" },
	{ { "-s", "PATH", "stats" }, 0, "handshakes_ok=11\nhandshakes_failed=0\n" },
	{ { "-s", "PATH", "stats", "--json" }, 0, "\"handshakes_by_mode\":{\"client\":{\"anon\":0,\"psk\":0,\"x509\":0},\"server\":{\"anon\":0,\"psk\":11," },
	{ { "-s", "PATH", "stats", "--prometheus" }, 0, "ktlsd_handshakes_by_mode_total{role=\"server\",auth=\"psk\"} 11\n" },
	{ { "-s", "PATH", "handshakes" }, 0, "handshaking server psk      1500    4321 nvme-host\n" },
	{ { "-s", "PATH", "handshakes", "--json" }, 0, "\"peer\":\"nvme-host\",\"state\":\"handshaking\"" },
	{ { "-s", "PATH", "log-level", "debug" }, 0, "ok: log level debug\n" },
	{ { "-s", "PATH", "log-level", "loud" }, 1, "ktlsctl: usage: log-level error|warning|info|debug\n" },
	{ { "-s", "PATH", "reload" }, 0, "ok: 1 workers" },
	{ { "-s", "PATH", "reload", "--json" }, 1, "ktlsctl: reload refused: /tmp/x.conf:3: bad value\n" },
	{ { "-s", "PATH", "stats", "--clear" }, 0, "handshakes_ok=11\n" },
	{ { "-s", "PATH", "stats" }, 0, "handshakes_ok=0\n" },
};

START_TEST(test_control_ktlsctl_cli)
{
	const char *args[8];
	unsigned int i, k;
	int st;

	start_server();
	for (i = 0; i < ARRAY_SIZE(cli_cases); i++) {
		for (k = 0; k < 7 && cli_cases[i].args[k]; k++)
			args[k] = strcmp(cli_cases[i].args[k], "PATH") ? cli_cases[i].args[k] : fx_path;
		args[k] = NULL;
		st = run_ktlsctl(args);
		ck_assert_msg(st == cli_cases[i].status, "case %u (%s ...): exit %d, not %d: %s", i,
			      args[0] ? args[0] : "", st, cli_cases[i].status, reply);
		ck_assert_msg(strstr(reply, cli_cases[i].want), "case %u: \"%s\" not in \"%s\"", i,
			      cli_cases[i].want, reply);
	}
	stop_server();
}
END_TEST

/* check-config runs ktlsd --check-config and passes its verdict on. */
START_TEST(test_control_ktlsctl_check_config)
{
	static const char *const args[] = { "check-config", "/nonexistent/ktlsd.conf", NULL };
	const char *ktlsd = getenv("KTLSD");
	char conf[] = "/tmp/ktlsd-ctl-conf-XXXXXX";
	const char *bad[] = { "check-config", conf, NULL };
	int fd;

	ck_assert_msg(ktlsd && ktlsd[0], "KTLSD is not set");
	ck_assert_int_eq(run_ktlsctl(args), 1);
	fd = mkstemp(conf);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(write(fd, "[ktlsd]\nmax_inflight = 10\nbogus_key = 1\n", 40), 0);
	close(fd);
	ck_assert_int_eq(run_ktlsctl(bad), 1);
	ck_assert_msg(strstr(reply, ":3:"), "no line number in \"%s\"", reply);
	fd = open(conf, O_WRONLY | O_TRUNC);
	ck_assert_int_gt(write(fd, "[ktlsd]\nmax_inflight = 10\n", 26), 0);
	close(fd);
	ck_assert_int_eq(run_ktlsctl(bad), 0);
	ck_assert_ptr_nonnull(strstr(reply, "configuration OK"));
	unlink(conf);
}
END_TEST

/* ---- ktlsctl(8) names every command ---- */

START_TEST(test_control_manpage_commands)
{
	const char *dir = getenv("KTLS_MANDIR");
	char path[4096], it[128], *text;
	unsigned int i;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ktlsctl.8", dir ? dir : "../../docs/man");
	f = fopen(path, "re");
	ck_assert_msg(f, "cannot open %s (set KTLS_MANDIR)", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (i = 0; i < ctl_n_cmds; i++) {
		char first[32];

		snprintf(first, sizeof(first), "%.*s", (int)strcspn(ctl_cmds[i].words, " "),
			 ctl_cmds[i].words);
		if (!strcmp(first, "help"))
			continue;	/* the protocol's; ktlsctl has -h */
		snprintf(it, sizeof(it), "\n.It Cm %s", first);
		ck_assert_msg(strstr(text, it), "%s: no \".It Cm %s\"", path, first);
	}
	ck_assert_ptr_nonnull(strstr(text, "\n.It Cm check-config"));
	ck_assert_ptr_nonnull(strstr(text, "\n.It Cm probe"));
	free(text);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");

	tcase_add_loop_test(tc, test_control_parse, 0, ARRAY_SIZE(parse_cases));
	tcase_add_test(tc, test_control_parse_overlong);
	tcase_add_loop_test(tc, test_control_lookup, 0, ARRAY_SIZE(lookup_cases));
	tcase_add_test(tc, test_control_table);
	tcase_add_test(tc, test_control_allowed);
	tcase_add_loop_test(tc, test_control_serve, 0, ARRAY_SIZE(serve_cases));
	tcase_add_test(tc, test_control_stats_clear);
	tcase_add_test(tc, test_control_reload_error);
	tcase_add_test(tc, test_control_big_output_in_steps);
	tcase_add_test(tc, test_control_overlong_line);
	tcase_add_test(tc, test_control_hostile_peer_name);
	tcase_add_test(tc, test_control_json_parses);
	tcase_add_test(tc, test_control_real_peercred);
	tcase_add_test(tc, test_control_per_uid_cap);
	tcase_add_test(tc, test_control_deadline);
	tcase_add_test(tc, test_control_reconfigure_moves_socket);
	tcase_add_test(tc, test_control_ktlsctl_cli);
	tcase_add_test(tc, test_control_ktlsctl_check_config);
	tcase_add_test(tc, test_control_manpage_commands);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	log_init("test_control", 0, 1);
	real_peercred = control_peercred;
	real_in_group = control_in_group;
	sr = srunner_create(control_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
