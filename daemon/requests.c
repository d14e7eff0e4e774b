// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The request table (see requests.h). Entries are found by index; an id
 * carries the entry's generation too, bumped when the entry is freed, so a
 * worker's message about a request that has ended finds nothing.
 *
 * The FIFOs are doubly linked through the entries, so a request answered
 * while it waits (its deadline, a refusal, stopping) leaves its FIFO at
 * once and its entry is free at once: a flood that expires in the queue
 * frees the table as it expires, whether or not a worker has room.
 *
 * Per-peer fairness (docs/design.md, "Budgets"): each server-side request
 * names its peer key, interned in a small hash table of the keys in use
 * (at most one entry per request, so it never fills). The buckets are
 * chosen by SipHash-2-4 under a random key per table, so a remote peer
 * cannot pick addresses that share a bucket and turn each ACCEPT into a
 * walk of the whole table. Dispatch walks the server FIFO once (bounded by
 * max_server_queued) for the oldest request of the least busy peer.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "handshake-uapi.h"
#include "requests.h"

/* ---- the peer table ---- */

static inline uint64_t rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND(v0, v1, v2, v3) do {					\
		v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);	\
		v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);	\
	} while (0)

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of @len bytes under @k. */
static uint64_t siphash24(const uint64_t k[2], const uint8_t *in, size_t len)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)in[i + j] << (8 * j);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (j = 0; j < 4; j++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static unsigned int peer_bucket(const struct reqtab *t, const struct rq_peer *key)
{
	return (unsigned int)siphash24(t->hash_key, (const uint8_t *)key, sizeof(*key)) &
	       t->bucket_mask;
}

/* @r's peer key, interned: its entry found or made, one more reference. */
static void peer_ref(struct reqtab *t, struct mreq *r)
{
	unsigned int b = peer_bucket(t, &r->peer_key), i;
	struct rq_peerent *pe;

	for (i = t->buckets[b]; i; i = t->peers[i - 1].hnext)
		if (!memcmp(&t->peers[i - 1].key, &r->peer_key, sizeof(r->peer_key)))
			break;
	if (!i) {
		/* One entry per request at most: the free list has one. */
		i = t->peer_free;
		if (!i)
			return;
		pe = &t->peers[i - 1];
		t->peer_free = pe->hnext;
		memset(pe, 0, sizeof(*pe));
		pe->key = r->peer_key;
		pe->hnext = t->buckets[b];
		t->buckets[b] = i;
		t->n_peers++;
	}
	t->peers[i - 1].refs++;
	r->peer = i;
}

/* @r lets go of its peer entry; the last one frees it. */
static void peer_unref(struct reqtab *t, struct mreq *r)
{
	struct rq_peerent *pe;
	unsigned int *link;

	if (!r->peer)
		return;
	pe = &t->peers[r->peer - 1];
	r->peer = 0;
	if (--pe->refs)
		return;
	for (link = &t->buckets[peer_bucket(t, &pe->key)]; *link; link = &t->peers[*link - 1].hnext)
		if (&t->peers[*link - 1] == pe) {
			*link = pe->hnext;
			break;
		}
	pe->hnext = t->peer_free;
	t->peer_free = (unsigned int)(pe - t->peers) + 1;
	t->n_peers--;
}

static unsigned int peer_inflight(const struct reqtab *t, const struct mreq *r)
{
	const struct rq_peerent *pe;

	if (!r->peer)
		return 0;
	pe = &t->peers[r->peer - 1];
	return pe->refs - pe->queued;
}

unsigned int reqtab_peer_inflight(const struct reqtab *t, const struct mreq *r)
{
	return peer_inflight(t, r);
}

/*
 * The bucket key. getrandom() does not fail once the kernel's pool is
 * ready, which it is long before a daemon starts; if it does, a key from
 * the clock still keeps an attacker from knowing the buckets in advance
 * as well as a fixed one would not.
 */
static void hash_key_init(uint64_t k[2])
{
	struct timespec ts;

	if (getrandom(k, 2 * sizeof(*k), GRND_NONBLOCK) == (ssize_t)(2 * sizeof(*k)))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	k[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)k;
	clock_gettime(CLOCK_REALTIME, &ts);
	k[1] = (uint64_t)ts.tv_sec << 32 ^ (uint64_t)ts.tv_nsec;
}

int rq_peer_from_sockaddr(const void *sa, size_t len, struct rq_peer *key)
{
	sa_family_t fam;

	memset(key, 0, sizeof(*key));
	if (!sa || len < sizeof(sa_family_t))
		return -1;
	memcpy(&fam, sa, sizeof(fam));
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		key->family = RQ_PEER_IPV4;
		memcpy(key->addr, &sin.sin_addr, 4);
		return 0;
	}
	if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			key->family = RQ_PEER_IPV4;
			memcpy(key->addr, &sin6.sin6_addr.s6_addr[12], 4);
		} else {
			/* One /64 is one site's LAN, and what one host can take. */
			key->family = RQ_PEER_IPV6;
			memcpy(key->addr, sin6.sin6_addr.s6_addr, 8);
		}
		return 0;
	}
	return -1;
}

/* ---- the table ---- */

int reqtab_init(struct reqtab *t, unsigned int n, reqtab_done_fn done, void *ctx)
{
	unsigned int nb = 1, i;

	memset(t, 0, sizeof(*t));
	while (nb < n && nb < (1u << 30))
		nb <<= 1;
	t->reqs = calloc(n, sizeof(*t->reqs));
	t->peers = calloc(n ? n : 1, sizeof(*t->peers));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->reqs || !t->peers || !t->buckets) {
		reqtab_fini(t);
		return -1;
	}
	for (i = 0; i < n; i++)
		t->peers[i].hnext = i + 1 < n ? i + 2 : 0;
	t->peer_free = n ? 1 : 0;
	t->bucket_mask = nb - 1;
	hash_key_init(t->hash_key);
	t->n = n;
	t->done = done;
	t->ctx = ctx;
	return 0;
}

void reqtab_fini(struct reqtab *t)
{
	free(t->reqs);
	free(t->peers);
	free(t->buckets);
	explicit_bzero(t->hash_key, sizeof(t->hash_key));
	t->reqs = NULL;
	t->peers = NULL;
	t->buckets = NULL;
	t->n = 0;
}

bool reqtab_full(const struct reqtab *t)
{
	return t->used >= t->n;
}

uint64_t reqtab_id(const struct reqtab *t, const struct mreq *r)
{
	return ((uint64_t)r->gen << 32) | (uint64_t)(r - t->reqs);
}

struct mreq *reqtab_by_id(struct reqtab *t, uint64_t id)
{
	uint32_t idx = (uint32_t)id;

	if (idx >= t->n || !t->reqs[idx].used || t->reqs[idx].gen != (uint32_t)(id >> 32))
		return NULL;
	return &t->reqs[idx];
}

struct mreq *reqtab_alloc(struct reqtab *t)
{
	unsigned int i;

	if (reqtab_full(t))
		return NULL;
	for (i = 0; i < t->n; i++) {
		struct mreq *r = &t->reqs[i];
		uint32_t gen = r->gen;

		if (r->used)
			continue;
		memset(r, 0, sizeof(*r));
		r->gen = gen;
		r->used = true;
		r->worker = -1;
		r->fd = -1;
		r->cls = RQ_CLASSES;	/* not counted in a class yet */
		t->used++;
		return r;
	}
	return NULL;
}

enum rq_class reqtab_class(const struct mreq *r)
{
	return r->role == KTLS_ROLE_SERVER ? RQ_SERVER : RQ_CLIENT;
}

void reqtab_push(struct reqtab *t, struct mreq *r)
{
	unsigned int idx = (unsigned int)(r - t->reqs) + 1;
	enum rq_class c = reqtab_class(r);

	if (r->queued)
		return;
	if (r->cls == RQ_CLASSES) {
		r->cls = (uint8_t)c;
		t->n_used[c]++;
	}
	if (c == RQ_SERVER && !r->peer)
		peer_ref(t, r);
	if (r->peer)
		t->peers[r->peer - 1].queued++;
	r->queued = true;
	r->next = 0;
	r->prev = t->q_tail[c];
	if (t->q_tail[c])
		t->reqs[t->q_tail[c] - 1].next = idx;
	else
		t->q_head[c] = idx;
	t->q_tail[c] = idx;
	t->n_queued[c]++;
	t->n_queued_all++;
}

void reqtab_unqueue(struct reqtab *t, struct mreq *r)
{
	enum rq_class c = (enum rq_class)r->cls;

	if (!r->queued)
		return;
	if (r->prev)
		t->reqs[r->prev - 1].next = r->next;
	else
		t->q_head[c] = r->next;
	if (r->next)
		t->reqs[r->next - 1].prev = r->prev;
	else
		t->q_tail[c] = r->prev;
	r->prev = r->next = 0;
	r->queued = false;
	if (r->peer)
		t->peers[r->peer - 1].queued--;
	t->n_queued[c]--;
	t->n_queued_all--;
}

struct mreq *reqtab_pop(struct reqtab *t, enum rq_class cls)
{
	struct mreq *r;

	if (!t->q_head[cls])
		return NULL;
	r = &t->reqs[t->q_head[cls] - 1];
	reqtab_unqueue(t, r);
	return r;
}

struct mreq *reqtab_pop_server(struct reqtab *t, unsigned int per_peer_cap)
{
	struct mreq *r, *best = NULL;
	unsigned int i, inf, best_inf = ~0u;

	/*
	 * Oldest first, so the first request seen at the lowest count is the
	 * oldest among equals; none can beat a peer with none in flight.
	 */
	for (i = t->q_head[RQ_SERVER]; i; i = r->next) {
		r = &t->reqs[i - 1];
		inf = peer_inflight(t, r);
		if (per_peer_cap && inf >= per_peer_cap)
			continue;
		if (inf < best_inf) {
			best = r;
			best_inf = inf;
			if (!inf)
				break;
		}
	}
	if (best)
		reqtab_unqueue(t, best);
	return best;
}

struct mreq *reqtab_server_victim(struct reqtab *t)
{
	struct mreq *r, *victim = NULL;
	unsigned int i, q, most = 0;

	/* Newest first: the first seen at the highest count is the newest. */
	for (i = t->q_tail[RQ_SERVER]; i; i = r->prev) {
		r = &t->reqs[i - 1];
		q = r->peer ? t->peers[r->peer - 1].queued : 1;
		if (!victim || q > most) {
			victim = r;
			most = q;
		}
	}
	return victim;
}

struct mreq *reqtab_next_due(struct reqtab *t, uint64_t now, uint64_t backstop_ms,
			     struct rq_scan *scan, enum rq_due *due)
{
	struct mreq *r;

	/*
	 * One pass over the table for all that is due at @now, however many:
	 * the caller answers each one before asking again, which frees it or
	 * (delayed) makes it due later, never earlier. Stop once every
	 * request in use was seen: the table is mostly empty. The one handed
	 * back is not counted, as it may be gone by the next call.
	 */
	*due = RQ_DUE_NONE;
	for (; scan->pos < t->n && scan->seen < t->used; scan->pos++) {
		r = &t->reqs[scan->pos];
		if (!r->used)
			continue;
		if (r->delayed) {
			if (now >= r->done_at_ms)
				*due = RQ_DUE_DELAYED;
		} else if (r->queued && now >= r->deadline_ms) {
			*due = RQ_DUE_QUEUED;
		} else if (r->worker >= 0 && now >= r->deadline_ms + backstop_ms) {
			*due = RQ_DUE_BACKSTOP;
		}
		if (*due != RQ_DUE_NONE) {
			scan->pos++;
			return r;
		}
		scan->seen++;
	}
	return NULL;
}

uint64_t reqtab_next_deadline(const struct reqtab *t, uint64_t backstop_ms)
{
	uint64_t next = UINT64_MAX, at;
	unsigned int i, seen = 0;

	for (i = 0; i < t->n && seen < t->used; i++) {
		const struct mreq *r = &t->reqs[i];

		if (!r->used)
			continue;
		seen++;
		if (r->delayed)
			at = r->done_at_ms;
		else if (r->queued)
			at = r->deadline_ms;
		else if (r->worker >= 0)
			at = r->deadline_ms + backstop_ms;
		else
			continue;
		if (at < next)
			next = at;
	}
	return next;
}

void reqtab_finish(struct reqtab *t, struct mreq *r, int status,
		   const struct kp_result *res, const char *why)
{
	uint32_t gen;

	if (!r->used)
		return;
	reqtab_unqueue(t, r);
	t->done(t->ctx, r, status, res, why);
	if (r->cls < RQ_CLASSES && t->n_used[r->cls])
		t->n_used[r->cls]--;
	peer_unref(t, r);
	gen = r->gen + 1;
	explicit_bzero(r, sizeof(*r));
	r->gen = gen;
	r->fd = -1;
	r->worker = -1;
	t->used--;
}

const char *rq_auth_name(uint32_t auth_mode)
{
	switch (auth_mode) {
	case KTLS_HANDSHAKE_AUTH_UNAUTH:
		return "anon";
	case KTLS_HANDSHAKE_AUTH_PSK:
		return "psk";
	case KTLS_HANDSHAKE_AUTH_X509:
		return "x509";
	default:
		return "unknown";
	}
}
