// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Authentication material from the kernel keyrings (keyutils).
 *
 * The kernel passes certificates, private keys and PSKs by key serial
 * (KERNEL-INTERFACE.md §1.8). We check each key's type before reading it,
 * read payloads with our own bounded loop so that every buffer that ever
 * held key bytes is wiped before it is freed (keyctl_read_alloc() frees
 * its retry buffers unwiped), and search PSKs inside one given keyring,
 * preferring an exact identity match over the "psk" type's prefix match.
 *
 * Reachability without tlshd's race (gotcha 8): the consumers' keyrings
 * are kept in a private keyring of ours (the "stash"), linked into our
 * *process* keyring, never the session keyring shared with other
 * processes. The kernel links each request's keyring into our process
 * keyring during ACCEPT but, before 6.17, does not say which keyring that
 * was; ktls_keyring_take_request() finds out by keeping the process
 * keyring holding nothing but the stash, moves the new link into the
 * stash and holds it; ktls_keyring_hold()/ktls_keyring_release() count
 * the handshakes using a keyring and unlink it when the last one finishes,
 * but never unlink a keyring pinned at startup (.nvme, .nfs, .nfsd,
 * configured ones). The tracking table is process-global and not locked:
 * call these from the one thread that does ACCEPT.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4(), explicit_bzero() */
#endif

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>

#include "keyring.h"

/* Most keys we descend through when looking for an exact PSK match. */
#define KTLS_KEYRING_SEARCH_BUDGET 4096
/* Keyring nesting depth we search (the kernel's own search stops at 6). */
#define KTLS_KEYRING_SEARCH_DEPTH 6
/* Times we re-read a key whose payload grew between size and read. */
#define KTLS_KEY_READ_TRIES 3
/* Our keyring for the consumers' keyrings, inside the process keyring. */
#define KTLS_KEYRING_STASH_DESC "ktlsd"

struct tracked_keyring {
	int32_t serial;
	unsigned int refs;
	bool pinned;
};

static struct tracked_keyring tracked[KTLS_KEYRING_MAX_TRACKED];
static int32_t stash;

/* Key types whose payload is a DER certificate or private key. */
static const char *const der_types[] = { "user", "big_key", NULL };
static const char *const psk_types[] = { "psk", NULL };
static const char *const keyring_types[] = { "keyring", NULL };

static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

static void wipe_free(void *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

/*
 * "type;uid;gid;perm;description": return the type's length and point
 * @desc at the description. The description may itself contain ';'.
 */
static int split_description(const char *s, size_t *type_len,
			     const char **desc)
{
	const char *p = s;
	int i;

	*type_len = strcspn(s, ";");
	for (i = 0; i < 4; i++) {
		p = strchr(p, ';');
		if (!p)
			return -EINVAL;
		p++;
	}
	*desc = p;
	return 0;
}

/*
 * Check that @serial names a key of one of @types. When @desc is non-NULL,
 * copy the description (bounded by @desc_size) there.
 */
static int check_type(int32_t serial, const char *const *types, char *desc,
		      size_t desc_size)
{
	char *info = NULL;
	const char *d;
	size_t tlen;
	int ret, i;

	if (serial <= 0)
		return -EINVAL;
	if (keyctl_describe_alloc(serial, &info) < 0) {
		ret = neg_errno();
		goto out;
	}
	ret = split_description(info, &tlen, &d);
	if (ret)
		goto out;
	ret = -EINVAL;
	for (i = 0; types[i]; i++) {
		if (strlen(types[i]) == tlen && !strncmp(info, types[i], tlen)) {
			ret = 0;
			break;
		}
	}
	if (ret || !desc)
		goto out;
	ret = -EMSGSIZE;
	if (strlen(d) >= desc_size)
		goto out;
	strcpy(desc, d);
	ret = 0;
out:
	free(info);
	return ret;
}

/*
 * Read a key's payload into a fresh buffer of exactly its size, at most
 * @max bytes. Every buffer is wiped before it is freed.
 */
static int read_payload(int32_t serial, size_t max, struct ktls_key_blob *out)
{
	int tries;

	out->data = NULL;
	out->len = 0;
	for (tries = 0; tries < KTLS_KEY_READ_TRIES; tries++) {
		uint8_t *buf;
		long size, got;

		size = keyctl_read(serial, NULL, 0);
		if (size < 0)
			return errno == EOPNOTSUPP ? -EINVAL : neg_errno();
		if ((size_t)size > max)
			return -EMSGSIZE;
		buf = malloc(size ? (size_t)size : 1);
		if (!buf)
			return -ENOMEM;
		got = keyctl_read(serial, (char *)buf, (size_t)size);
		if (got < 0) {
			int err = neg_errno();

			wipe_free(buf, (size_t)size);
			return err;
		}
		if (got <= size) {
			out->data = buf;
			out->len = (size_t)got;
			return 0;
		}
		/* Updated between the two calls: the copy is partial. */
		wipe_free(buf, (size_t)size);
	}
	return -EAGAIN;
}

static int read_der(int32_t serial, struct ktls_key_blob *out)
{
	int ret;

	out->data = NULL;
	out->len = 0;
	ret = check_type(serial, der_types, NULL, 0);
	if (ret)
		return ret;
	ret = read_payload(serial, KTLS_KEY_DER_MAX, out);
	if (!ret && !out->len) {
		ktls_key_blob_free(out);
		ret = -EMSGSIZE;
	}
	return ret;
}

/**
 * ktls_keyring_read_cert() - read our certificate (one DER certificate)
 * @serial: key serial from ACCEPT CERTIFICATE.X509_CERT
 * @out: set to the payload; free with ktls_key_blob_free()
 *
 * The key must be of type "user" or "big_key" (readable payloads).
 *
 * Return: 0; -EINVAL for another key type or a serial <= 0; -EMSGSIZE if
 * empty or larger than KTLS_KEY_DER_MAX; -ENOKEY, -EKEYREVOKED,
 * -EKEYEXPIRED, -EACCES, -ENOMEM.
 */
int ktls_keyring_read_cert(int32_t serial, struct ktls_key_blob *out)
{
	return read_der(serial, out);
}

/**
 * ktls_keyring_read_privkey() - read our private key (DER PKCS#1/PKCS#8)
 * @serial: key serial from ACCEPT CERTIFICATE.X509_PRIVKEY
 * @out: set to the payload (secret); free with ktls_key_blob_free()
 *
 * Return: as ktls_keyring_read_cert().
 */
int ktls_keyring_read_privkey(int32_t serial, struct ktls_key_blob *out)
{
	return read_der(serial, out);
}

/**
 * ktls_key_blob_free() - wipe and free a blob
 * @blob: blob to clear; safe on an empty blob
 */
void ktls_key_blob_free(struct ktls_key_blob *blob)
{
	wipe_free(blob->data, blob->len);
	blob->data = NULL;
	blob->len = 0;
}

/**
 * ktls_keyring_psk_wipe() - wipe a PSK and its identity
 * @psk: PSK to clear
 */
void ktls_keyring_psk_wipe(struct ktls_keyring_psk *psk)
{
	explicit_bzero(psk, sizeof(*psk));
}

/**
 * ktls_keyring_read_psk() - read a TLS PSK and its identity by serial
 * @serial: a PEER_IDENTITY serial from ACCEPT, or a search result
 * @psk: filled in: serial, key bytes, identity (the key's description)
 *
 * Return: 0; -EINVAL if the key is not of type "psk"; -EMSGSIZE for an
 * empty key, one longer than KTLS_KEY_PSK_MAX bytes or an identity longer
 * than KTLS_KEY_PSK_IDENTITY_MAX - 1; -ENOKEY, -EKEYREVOKED, -EKEYEXPIRED,
 * -EACCES, -ENOMEM. On error @psk is wiped.
 */
int ktls_keyring_read_psk(int32_t serial, struct ktls_keyring_psk *psk)
{
	struct ktls_key_blob blob = { 0 };
	int ret;

	ktls_keyring_psk_wipe(psk);
	ret = check_type(serial, psk_types, psk->identity,
			 sizeof(psk->identity));
	if (ret)
		goto out;
	ret = read_payload(serial, KTLS_KEY_PSK_MAX, &blob);
	if (ret)
		goto out;
	ret = -EMSGSIZE;
	if (!blob.len || blob.len > sizeof(psk->key))
		goto out;
	memcpy(psk->key, blob.data, blob.len);
	psk->key_len = blob.len;
	psk->serial = serial;
	ret = 0;
out:
	ktls_key_blob_free(&blob);
	if (ret)
		ktls_keyring_psk_wipe(psk);
	return ret;
}

/* Is @serial a "psk" key described exactly as @identity? */
static bool psk_is_exact(int32_t serial, const char *identity)
{
	char desc[KTLS_KEY_PSK_IDENTITY_MAX];
	bool same;

	if (check_type(serial, psk_types, desc, sizeof(desc)))
		return false;
	same = !strcmp(desc, identity);
	explicit_bzero(desc, sizeof(desc));
	return same;
}

/*
 * Walk @keyring (and keyrings linked in it, to a bounded depth) for a
 * "psk" key whose description is exactly @identity. Keys we may not view
 * are skipped. Return its serial, or 0.
 */
static int32_t find_exact(int32_t keyring, const char *identity, int depth,
			  unsigned int *budget)
{
	struct ktls_key_blob list = { 0 };
	int32_t found = 0;
	size_t i, n;

	if (depth > KTLS_KEYRING_SEARCH_DEPTH)
		return 0;
	/* A keyring's payload is its array of member serials. */
	if (read_payload(keyring, KTLS_KEYRING_SEARCH_BUDGET * sizeof(int32_t),
			 &list))
		return 0;
	n = list.len / sizeof(int32_t);
	for (i = 0; i < n && !found && *budget; i++) {
		int32_t member;

		memcpy(&member, list.data + i * sizeof(member), sizeof(member));
		(*budget)--;
		if (psk_is_exact(member, identity))
			found = member;
		else if (!check_type(member, keyring_types, NULL, 0))
			found = find_exact(member, identity, depth + 1, budget);
	}
	ktls_key_blob_free(&list);
	return found;
}

/**
 * ktls_keyring_search_psk() - find a PSK by TLS identity in one keyring
 * @keyring: the request's keyring serial, or KEY_SPEC_PROCESS_KEYRING
 *	(where, in the stash, the consumers' keyrings are linked) when the
 *	request had none
 * @identity: PSK identity from the ClientHello, NUL-terminated
 * @flags: KTLS_KEYRING_EXACT_ONLY to refuse a prefix match
 * @psk: filled in with the key found
 *
 * Searches only inside @keyring, never the session keyring. The "psk"
 * key type matches by prefix, so the kernel's search may return a key
 * whose description merely starts with @identity; an exact description
 * match anywhere under @keyring wins over it (gotcha 9).
 *
 * Return: 0; -ENOKEY if no key matches; -EINVAL for a bad keyring or
 * identity; errors of ktls_keyring_read_psk() for the key found.
 */
int ktls_keyring_search_psk(int32_t keyring, const char *identity,
			    unsigned int flags, struct ktls_keyring_psk *psk)
{
	unsigned int budget = KTLS_KEYRING_SEARCH_BUDGET;
	long found;
	int32_t exact;
	int ret;

	ktls_keyring_psk_wipe(psk);
	if (keyring <= 0 && keyring != KEY_SPEC_PROCESS_KEYRING)
		return -EINVAL;
	if (!identity || !identity[0] ||
	    strlen(identity) >= KTLS_KEY_PSK_IDENTITY_MAX)
		return -EINVAL;

	found = keyctl_search(keyring, "psk", identity, 0);
	if (found < 0 && errno != ENOKEY)
		return neg_errno();
	if (found > 0 && psk_is_exact((int32_t)found, identity))
		return ktls_keyring_read_psk((int32_t)found, psk);

	exact = find_exact(keyring, identity, 0, &budget);
	if (exact > 0)
		return ktls_keyring_read_psk(exact, psk);

	ret = -ENOKEY;
	if (found > 0 && !(flags & KTLS_KEYRING_EXACT_ONLY))
		ret = ktls_keyring_read_psk((int32_t)found, psk);
	return ret;
}

static struct tracked_keyring *track_find(int32_t serial)
{
	size_t i;

	for (i = 0; i < KTLS_KEYRING_MAX_TRACKED; i++)
		if (tracked[i].serial == serial)
			return &tracked[i];
	return NULL;
}

static struct tracked_keyring *track_get(int32_t serial)
{
	struct tracked_keyring *t = track_find(serial);

	if (!t) {
		t = track_find(0);
		if (!t)
			return NULL;
		t->serial = serial;
		t->refs = 0;
		t->pinned = false;
	}
	return t;
}

/*
 * The stash: created on first use in our process keyring (which that
 * creates too), so the keyrings in it stay possessed, i.e. searchable.
 */
static int32_t stash_get(void)
{
	key_serial_t s;

	if (stash > 0)
		return stash;
	s = add_key("keyring", KTLS_KEYRING_STASH_DESC, NULL, 0,
		    KEY_SPEC_PROCESS_KEYRING);
	if (s < 0)
		return neg_errno();
	stash = s;
	return stash;
}

/* Link a keyring into the stash for good. */
static int pin_keyring(int32_t serial)
{
	struct tracked_keyring *t;
	int32_t s = stash_get();

	if (s < 0)
		return s;
	if (keyctl_link(serial, s) < 0)
		return neg_errno();
	t = track_get(serial);
	if (t)
		t->pinned = true;
	/* Untracked (table full) simply means never unlinked: still pinned. */
	return 0;
}

/**
 * ktls_keyring_link_defaults() - make .nvme, .nfs and .nfsd reachable
 * @linked: set to the KTLS_KEYRING_* bits of the keyrings linked
 *
 * Links each of these keyrings that exists into our stash (inside our
 * process keyring) and pins it. A keyring that does not exist (module not
 * loaded) is skipped silently; call again later (e.g. on reload) to pick
 * it up.
 *
 * Return: 0, or the first error linking a keyring that does exist (the
 * others are still tried).
 */
int ktls_keyring_link_defaults(unsigned int *linked)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} defaults[] = {
		{ ".nvme", KTLS_KEYRING_NVME },
		{ ".nfs", KTLS_KEYRING_NFS },
		{ ".nfsd", KTLS_KEYRING_NFSD },
	};
	size_t i;
	int ret = 0;

	*linked = 0;
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		key_serial_t serial;
		int err;

		serial = find_key_by_type_and_desc("keyring", defaults[i].name,
						   0);
		if (serial < 0)
			continue;
		err = pin_keyring(serial);
		if (err) {
			if (!ret)
				ret = err;
			continue;
		}
		*linked |= defaults[i].bit;
	}
	return ret;
}

/**
 * ktls_keyring_link_named() - make a configured keyring reachable
 * @name: keyring description, or its serial in decimal or 0x-hex
 * @serial: set to the keyring's serial on success
 *
 * Return: 0; -ENOKEY if no such keyring; -EINVAL if @serial names a key
 * that is not a keyring; -EACCES and others from keyctl_link().
 */
int ktls_keyring_link_named(const char *name, int32_t *serial)
{
	char *end = NULL;
	long num;
	int ret;

	*serial = 0;
	if (!name || !name[0])
		return -EINVAL;
	errno = 0;
	num = strtol(name, &end, 0);
	if (!errno && end && !*end && num > 0 && num <= INT32_MAX) {
		ret = check_type((int32_t)num, keyring_types, NULL, 0);
		if (ret)
			return ret;
	} else {
		num = find_key_by_type_and_desc("keyring", name, 0);
		if (num < 0)
			return -ENOKEY;
	}
	ret = pin_keyring((int32_t)num);
	if (!ret)
		*serial = (int32_t)num;
	return ret;
}

/**
 * ktls_keyring_hold() - note that a handshake uses a request's keyring
 * @keyring: the request's keyring; 0 is ignored
 *
 * Links @keyring into our stash (linking twice is harmless) and counts
 * the reference.
 *
 * Return: 0; -ENOSPC if KTLS_KEYRING_MAX_TRACKED keyrings are in use;
 * errors of keyctl_link(). On error no reference is taken.
 */
int ktls_keyring_hold(int32_t keyring)
{
	struct tracked_keyring *t;
	int32_t s;

	if (keyring <= 0)
		return 0;
	s = stash_get();
	if (s < 0)
		return s;
	t = track_get(keyring);
	if (!t)
		return -ENOSPC;
	if (keyctl_link(keyring, s) < 0) {
		int err = neg_errno();

		if (!t->refs && !t->pinned)
			t->serial = 0;
		return err;
	}
	t->refs++;
	return 0;
}

/**
 * ktls_keyring_take_request() - claim the keyring the kernel linked at ACCEPT
 * @named: the request's KEYRING attribute (kernels 6.17+); 0 if absent
 * @held: set to the request's keyring, held (give it back with
 *	ktls_keyring_release()); 0 when the request has none or it could not
 *	be told apart
 *
 * During ACCEPT the kernel links the consumer's keyring (ta_keyring) into
 * the caller's process keyring; kernels before 6.17 do not say which one.
 * We keep the process keyring holding only the stash, so whatever else is
 * linked there directly right after an ACCEPT is that request's keyring,
 * even when another request already uses the same keyring (the kernel's
 * direct link is new although the stash already holds it). It is moved
 * into the stash, which keeps it possessed (searchable) and keeps the
 * next ACCEPT telling. Without this, every request's PSK lookup searched
 * all keyrings ever linked, and two consumers with the same identity in
 * different keyrings got each other's keys.
 *
 * Call right after every ACCEPT, a failed one too (then release what it
 * returns: the kernel may have linked before it failed), from the thread
 * that does ACCEPT.
 *
 * Return: 0; or the first error moving a keyring (it then stays linked
 * directly, still reachable, but not told apart); @held is set either way.
 */
int ktls_keyring_take_request(int32_t named, int32_t *held)
{
	struct ktls_key_blob list = { 0 };
	int32_t s, member, found = 0;
	size_t i, n;
	int ret, err = 0;

	*held = 0;
	s = stash_get();
	if (s < 0)
		return s;
	ret = read_payload(KEY_SPEC_PROCESS_KEYRING,
			   KTLS_KEYRING_SEARCH_BUDGET * sizeof(int32_t), &list);
	if (ret)
		return ret;
	n = list.len / sizeof(int32_t);
	for (i = 0; i < n; i++) {
		memcpy(&member, list.data + i * sizeof(member), sizeof(member));
		/*
		 * Anything but the stash came from ACCEPT, even a key that is
		 * not a keyring (the kernel links whatever serial the consumer
		 * gave): it is then the request's "keyring", and a PSK search
		 * in it fails closed.
		 */
		if (member == s)
			continue;
		ret = ktls_keyring_hold(member);
		if (!ret && keyctl_unlink(member, KEY_SPEC_PROCESS_KEYRING) < 0) {
			ret = neg_errno();
			ktls_keyring_release(member);
		}
		if (ret) {
			if (!err)
				err = ret;
			continue;
		}
		if (!found && (named <= 0 || member == named))
			found = member;
		else
			ktls_keyring_release(member);	/* not this request's */
	}
	ktls_key_blob_free(&list);
	/* Named but not linked by this ACCEPT (should not happen): hold it. */
	if (named > 0 && !found && !ktls_keyring_hold(named))
		found = named;
	*held = found;
	return err;
}

/**
 * ktls_keyring_release() - a handshake no longer uses a keyring
 * @keyring: the serial given to ktls_keyring_hold()
 *
 * When the last user goes and the keyring was not pinned, unlink it from
 * our stash so that it does not accumulate every consumer's keyring
 * (KERNEL-INTERFACE.md §3.5).
 */
void ktls_keyring_release(int32_t keyring)
{
	struct tracked_keyring *t;

	if (keyring <= 0)
		return;
	t = track_find(keyring);
	if (!t || !t->refs)
		return;
	if (--t->refs || t->pinned)
		return;
	if (stash > 0)
		(void)keyctl_unlink(keyring, stash);
	t->serial = 0;
}
