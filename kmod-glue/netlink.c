// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's generic netlink "handshake" family, seen from the agent:
 * READY notifications, ACCEPT (pop a request, get an fd), DONE (report the
 * result) and a CTRL_CMD_GETPOLICY probe of which DONE attributes this
 * kernel accepts (KERNEL-INTERFACE.md §1).
 *
 * This is the only file that includes libnl. libnl resolves the family and
 * the multicast group, builds messages, and validates every attribute
 * against an nla_policy; we walk the attributes ourselves instead of using
 * a tb[] index so that repeated PEER_IDENTITY attributes are all kept
 * (tlshd kept only the last one, gotcha 3). Parsing never trusts a length:
 * each attribute is checked against the bytes that remain before it is
 * read, and bytes that do not form a whole attribute fail the message.
 *
 * Receiving is done with recvmsg() on the socket's fd rather than
 * nl_recvmsgs(), so that ENOBUFS (multicast overrun), EAGAIN and timeouts
 * stay distinct, and so that datagrams not sent by the kernel (another
 * process can unicast to our port) are dropped before they are parsed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "handshake-uapi.h"
#include "netlink.h"

/*
 * Generic netlink controller numbers for the policy dump (linux/genetlink.h
 * since v5.10). Spelled out so that older build hosts still compile; they
 * are kernel ABI.
 */
#define KTLS_CTRL_CMD_GETPOLICY 10
#define KTLS_CTRL_ATTR_FAMILY_ID 1
#define KTLS_CTRL_ATTR_POLICY 8
#define KTLS_CTRL_ATTR_OP_POLICY 9
#define KTLS_CTRL_ATTR_OP 10
#define KTLS_CTRL_ATTR_MAX KTLS_CTRL_ATTR_OP
#define KTLS_CTRL_ATTR_POLICY_DO 1
#define KTLS_CTRL_ATTR_POLICY_DUMP 2
#define KTLS_CTRL_ATTR_POLICY_DUMP_MAX KTLS_CTRL_ATTR_POLICY_DUMP

/* Largest single message we agree to look at (keeps lengths in int range). */
#define KTLS_NL_MSG_MAX (1u << 20)
/* Datagrams read per ktls_nl_recv_ready() call, so one call stays short. */
#define KTLS_NL_READY_BATCH 64
/* Late ACCEPT replies remembered until we can DONE and close their fds. */
#define KTLS_NL_MAX_ORPHANS 16

/* Mainline DONE attributes: STATUS, SOCKFD, REMOTE_AUTH. */
#define KTLS_NL_DONE_ATTRS_BASE                                               \
	((1u << KTLS_HANDSHAKE_A_DONE_STATUS) |                               \
	 (1u << KTLS_HANDSHAKE_A_DONE_SOCKFD) |                               \
	 (1u << KTLS_HANDSHAKE_A_DONE_REMOTE_AUTH))

struct ktls_nl {
	struct nl_sock *sk;
	int fd;
	uint16_t family;
	uint32_t portid;
	unsigned int flags;
	/* READY seen while waiting for a reply on a subscribed socket. */
	unsigned int pending_ready;
	bool pending_overrun;
	/* fds from ACCEPT replies that arrived after we stopped waiting. */
	unsigned int num_orphans;
	int orphans[KTLS_NL_MAX_ORPHANS];
	struct ktls_nl_caps caps;
	uint8_t buf[KTLS_NL_RECV_BUF] __attribute__((aligned(8)));
};

/* ---- policies: one per attribute set ---- */

#define KTLS_NLA_U32 { .type = NLA_U32, .minlen = 4, .maxlen = 4 }
#define KTLS_NLA_S32 { .type = NLA_S32, .minlen = 4, .maxlen = 4 }

static const struct nla_policy accept_policy[KTLS_HANDSHAKE_A_ACCEPT_MAX + 1] = {
	[KTLS_HANDSHAKE_A_ACCEPT_SOCKFD] = KTLS_NLA_S32,
	[KTLS_HANDSHAKE_A_ACCEPT_HANDLER_CLASS] = KTLS_NLA_U32,
	[KTLS_HANDSHAKE_A_ACCEPT_MESSAGE_TYPE] = KTLS_NLA_U32,
	[KTLS_HANDSHAKE_A_ACCEPT_TIMEOUT] = KTLS_NLA_U32,
	[KTLS_HANDSHAKE_A_ACCEPT_AUTH_MODE] = KTLS_NLA_U32,
	[KTLS_HANDSHAKE_A_ACCEPT_PEER_IDENTITY] = KTLS_NLA_S32,
	[KTLS_HANDSHAKE_A_ACCEPT_CERTIFICATE] = { .type = NLA_NESTED },
	[KTLS_HANDSHAKE_A_ACCEPT_PEERNAME] = { .type = NLA_STRING,
					       .minlen = 1,
					       .maxlen = KTLS_PEERNAME_MAX },
	[KTLS_HANDSHAKE_A_ACCEPT_KEYRING] = KTLS_NLA_S32,
};

static const struct nla_policy x509_policy[KTLS_HANDSHAKE_A_X509_MAX + 1] = {
	[KTLS_HANDSHAKE_A_X509_CERT] = KTLS_NLA_S32,
	[KTLS_HANDSHAKE_A_X509_PRIVKEY] = KTLS_NLA_S32,
};

/* We only build DONE; the policy checks our own output before it is sent. */
static const struct nla_policy done_policy[KTLS_HANDSHAKE_A_DONE_MAX + 1] = {
	[KTLS_HANDSHAKE_A_DONE_STATUS] = KTLS_NLA_U32,
	[KTLS_HANDSHAKE_A_DONE_SOCKFD] = KTLS_NLA_S32,
	[KTLS_HANDSHAKE_A_DONE_REMOTE_AUTH] = KTLS_NLA_U32,
	[KTLS_HANDSHAKE_A_DONE_TAG] = { .type = NLA_STRING,
				       .minlen = 2,
				       .maxlen = KTLS_DONE_TAG_MAX + 1 },
};

static const struct nla_policy ctrl_policy[KTLS_CTRL_ATTR_MAX + 1] = {
	[KTLS_CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16, .minlen = 2,
				       .maxlen = 2 },
	[KTLS_CTRL_ATTR_POLICY] = { .type = NLA_NESTED },
	[KTLS_CTRL_ATTR_OP_POLICY] = { .type = NLA_NESTED },
	[KTLS_CTRL_ATTR_OP] = KTLS_NLA_U32,
};

static const struct nla_policy
	op_policy_policy[KTLS_CTRL_ATTR_POLICY_DUMP_MAX + 1] = {
	[KTLS_CTRL_ATTR_POLICY_DO] = KTLS_NLA_U32,
	[KTLS_CTRL_ATTR_POLICY_DUMP] = KTLS_NLA_U32,
};

/* ---- small helpers ---- */

static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INVAL:
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_TRUNC:
		return -EINVAL;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	default:
		return -EIO;
	}
}

/*
 * The attribute stream in [head, head + len) is well formed: every
 * attribute fits, and what is left over is at most the padding the last
 * attribute may omit. A leftover header or partial attribute is truncation.
 */
static bool attrs_consumed(int rem)
{
	return rem <= 0;
}

/* Validate one attribute against its set's policy. */
static int attr_valid(const struct nlattr *nla, int maxtype,
		      const struct nla_policy *policy)
{
	if (nla_validate(nla, nla->nla_len, maxtype, policy) < 0)
		return -EBADMSG;
	return 0;
}

/* Kernel key serials are positive; 0 means "none". */
static bool serial_ok(int32_t serial)
{
	return serial >= 0;
}

/*
 * Open the first message in @buf: check the netlink and genetlink headers
 * and that the message fits in @len. NLMSG_ERROR yields its error (an ACK
 * where a reply was expected yields -ENOMSG).
 */
static int msg_open(const void *buf, size_t len, uint8_t cmd,
		    const struct nlattr **attrs, int *attrlen)
{
	const struct nlmsghdr *nlh = buf;
	const struct genlmsghdr *genl;
	const struct nlmsgerr *err;

	if (!buf || ((uintptr_t)buf & (NLMSG_ALIGNTO - 1)))
		return -EINVAL;
	if (len < NLMSG_HDRLEN)
		return -EBADMSG;
	if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len > KTLS_NL_MSG_MAX)
		return -EBADMSG;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(err->error))
			return -EBADMSG;
		err = NLMSG_DATA(nlh);
		if (err->error > 0 || err->error < -KTLS_HANDSHAKE_MAX_ERRNO)
			return -EBADMSG;
		return err->error ? err->error : -ENOMSG;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return -EBADMSG;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;

	genl = NLMSG_DATA(nlh);
	if (genl->cmd != cmd)
		return -EBADMSG;

	*attrs = (const struct nlattr *)((const uint8_t *)genl + GENL_HDRLEN);
	*attrlen = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
	return 0;
}

/* Keep the first error; later ones add nothing for the caller. */
static void first_error(int *ret, int err)
{
	if (err && !*ret)
		*ret = err;
}

/* ---- pure functions ---- */

/**
 * ktls_request_init() - reset a request to "nothing received"
 * @req: request to clear
 *
 * All fields are zero except @req->sockfd, which is -1.
 */
void ktls_request_init(struct ktls_request *req)
{
	memset(req, 0, sizeof(*req));
	req->sockfd = -1;
}

/**
 * ktls_nl_caps_default() - capabilities assumed without a probe
 * @caps: filled with the mainline DONE attribute set, probed = false
 */
void ktls_nl_caps_default(struct ktls_nl_caps *caps)
{
	caps->probed = false;
	caps->done_attrs = KTLS_NL_DONE_ATTRS_BASE;
}

/**
 * ktls_nl_caps_done_has() - does the kernel's DONE policy accept @attr?
 * @caps: probed (or default) capabilities; NULL means the default
 * @attr: a KTLS_HANDSHAKE_A_DONE_* number
 *
 * Return: true if DONE may carry @attr.
 */
bool ktls_nl_caps_done_has(const struct ktls_nl_caps *caps, unsigned int attr)
{
	uint32_t attrs = caps ? caps->done_attrs : KTLS_NL_DONE_ATTRS_BASE;

	if (attr >= 32)
		return false;
	return attrs & (1u << attr);
}

static int parse_certificate(const struct nlattr *nest, struct ktls_request *req)
{
	const struct nlattr *nla;
	int rem, ret = 0;

	if (req->present & KTLS_REQ_HAS_CERTIFICATE)
		return -EPROTO;
	req->present |= KTLS_REQ_HAS_CERTIFICATE;

	for (nla = nla_data(nest), rem = nla_len(nest); nla_ok(nla, rem);
	     nla = nla_next(nla, &rem)) {
		int type = nla_type(nla);
		int32_t serial;

		if (type == 0 || type > KTLS_HANDSHAKE_A_X509_MAX)
			continue;
		if (attr_valid(nla, KTLS_HANDSHAKE_A_X509_MAX, x509_policy)) {
			first_error(&ret, -EBADMSG);
			continue;
		}
		serial = nla_get_s32(nla);
		if (!serial_ok(serial)) {
			first_error(&ret, -EBADMSG);
			continue;
		}
		if (type == KTLS_HANDSHAKE_A_X509_CERT) {
			if (req->present & KTLS_REQ_HAS_CERT)
				first_error(&ret, -EPROTO);
			req->cert_serial = serial;
			req->present |= KTLS_REQ_HAS_CERT;
		} else {
			if (req->present & KTLS_REQ_HAS_PRIVKEY)
				first_error(&ret, -EPROTO);
			req->privkey_serial = serial;
			req->present |= KTLS_REQ_HAS_PRIVKEY;
		}
	}
	if (!attrs_consumed(rem))
		first_error(&ret, -EBADMSG);
	return ret;
}

static int parse_peername(const struct nlattr *nla, struct ktls_request *req)
{
	const char *name = nla_data(nla);
	size_t len = (size_t)nla_len(nla);

	/*
	 * The policy checked 1 <= len <= KTLS_PEERNAME_MAX and the final NUL.
	 * An embedded NUL would make the name we verify differ from the one
	 * the kernel meant: reject it.
	 */
	if (strnlen(name, len) != len - 1)
		return -EBADMSG;
	memcpy(req->peername, name, len);
	req->present |= KTLS_REQ_HAS_PEERNAME;
	return 0;
}

/* Record a singleton u32/s32 attribute; a repeat is a protocol error. */
static int set_once(struct ktls_request *req, uint32_t bit)
{
	if (req->present & bit)
		return -EPROTO;
	req->present |= bit;
	return 0;
}

static int parse_accept_attr(const struct nlattr *nla, int type,
			     struct ktls_request *req)
{
	int32_t serial;
	int ret = 0;

	switch (type) {
	case KTLS_HANDSHAKE_A_ACCEPT_SOCKFD:
		/* Keep the first fd: it is the one we may have to close. */
		if (req->present & KTLS_REQ_HAS_SOCKFD)
			return -EPROTO;
		if (nla_get_s32(nla) < 0)
			return -EBADMSG;
		req->sockfd = nla_get_s32(nla);
		req->present |= KTLS_REQ_HAS_SOCKFD;
		break;
	case KTLS_HANDSHAKE_A_ACCEPT_MESSAGE_TYPE:
		ret = set_once(req, KTLS_REQ_HAS_MESSAGE_TYPE);
		req->message_type = nla_get_u32(nla);
		break;
	case KTLS_HANDSHAKE_A_ACCEPT_TIMEOUT:
		ret = set_once(req, KTLS_REQ_HAS_TIMEOUT);
		req->timeout_ms = nla_get_u32(nla);
		break;
	case KTLS_HANDSHAKE_A_ACCEPT_AUTH_MODE:
		ret = set_once(req, KTLS_REQ_HAS_AUTH_MODE);
		req->auth_mode = nla_get_u32(nla);
		break;
	case KTLS_HANDSHAKE_A_ACCEPT_PEER_IDENTITY:
		serial = nla_get_s32(nla);
		if (!serial_ok(serial))
			return -EBADMSG;
		if (req->num_peer_identities >= KTLS_MAX_PEER_IDENTITIES)
			return -E2BIG;
		req->peer_identities[req->num_peer_identities++] = serial;
		req->present |= KTLS_REQ_HAS_PEER_IDENTITY;
		break;
	case KTLS_HANDSHAKE_A_ACCEPT_CERTIFICATE:
		ret = parse_certificate(nla, req);
		break;
	case KTLS_HANDSHAKE_A_ACCEPT_PEERNAME:
		ret = set_once(req, KTLS_REQ_HAS_PEERNAME);
		if (!ret)
			ret = parse_peername(nla, req);
		break;
	case KTLS_HANDSHAKE_A_ACCEPT_KEYRING:
		serial = nla_get_s32(nla);
		if (!serial_ok(serial))
			return -EBADMSG;
		ret = set_once(req, KTLS_REQ_HAS_KEYRING);
		req->keyring_serial = serial;
		break;
	default:
		/* HANDLER_CLASS is a request attribute; ignore it here. */
		break;
	}
	return ret;
}

/**
 * ktls_nl_parse_accept() - turn an ACCEPT reply into a struct ktls_request
 * @buf: one netlink message (nlmsghdr first), 4-byte aligned
 * @len: bytes available at @buf; the message may not claim more
 * @req: filled in; reset first
 *
 * Every attribute is validated against the accept (and nested x509)
 * policy; unknown attribute types are ignored; every PEER_IDENTITY is kept
 * in order. Parsing continues past a bad attribute so that @req->sockfd is
 * known whenever the kernel sent one: on error the caller must still report
 * DONE and close it if @req->sockfd >= 0.
 *
 * Return: 0 on success; the kernel's error if @buf is an NLMSG_ERROR (for
 * example -EAGAIN when no request is pending, -EPERM); -ENOMSG for a bare
 * ACK; -EBADMSG for malformed bytes (truncation, bad lengths, a peername
 * with an embedded NUL, negative serials); -EPROTO for a missing SOCKFD or
 * a repeated singleton attribute; -E2BIG for more than
 * KTLS_MAX_PEER_IDENTITIES identities; -EINVAL for a misaligned buffer.
 */
int ktls_nl_parse_accept(const void *buf, size_t len, struct ktls_request *req)
{
	const struct nlattr *attrs, *nla;
	int attrlen, rem, ret;

	ktls_request_init(req);
	ret = msg_open(buf, len, KTLS_HANDSHAKE_CMD_ACCEPT, &attrs, &attrlen);
	if (ret)
		goto out;

	for (nla = attrs, rem = attrlen; nla_ok(nla, rem);
	     nla = nla_next(nla, &rem)) {
		int type = nla_type(nla);

		if (type == 0 || type > KTLS_HANDSHAKE_A_ACCEPT_MAX)
			continue;
		if (attr_valid(nla, KTLS_HANDSHAKE_A_ACCEPT_MAX,
			       accept_policy)) {
			first_error(&ret, -EBADMSG);
			continue;
		}
		first_error(&ret, parse_accept_attr(nla, type, req));
	}
	if (!attrs_consumed(rem))
		first_error(&ret, -EBADMSG);
	if (!(req->present & KTLS_REQ_HAS_SOCKFD))
		first_error(&ret, -EPROTO);
out:
	return ret;
}

/**
 * ktls_nl_parse_ready() - read the handler class from a READY notification
 * @buf: one netlink message (nlmsghdr first), 4-byte aligned
 * @len: bytes available at @buf
 * @handler_class: set to the HANDLER_CLASS attribute
 *
 * Return: 0 on success, -EBADMSG for malformed bytes or a message that is
 * not READY, -EPROTO if HANDLER_CLASS is missing.
 */
int ktls_nl_parse_ready(const void *buf, size_t len, uint32_t *handler_class)
{
	const struct nlattr *attrs, *nla;
	int attrlen, rem, ret;
	bool found = false;

	*handler_class = KTLS_HANDSHAKE_HANDLER_CLASS_NONE;
	ret = msg_open(buf, len, KTLS_HANDSHAKE_CMD_READY, &attrs, &attrlen);
	if (ret)
		goto out;

	for (nla = attrs, rem = attrlen; nla_ok(nla, rem);
	     nla = nla_next(nla, &rem)) {
		if (nla_type(nla) != KTLS_HANDSHAKE_A_ACCEPT_HANDLER_CLASS)
			continue;
		if (attr_valid(nla, KTLS_HANDSHAKE_A_ACCEPT_MAX,
			       accept_policy)) {
			first_error(&ret, -EBADMSG);
			continue;
		}
		*handler_class = nla_get_u32(nla);
		found = true;
	}
	if (!attrs_consumed(rem))
		first_error(&ret, -EBADMSG);
	if (!found)
		first_error(&ret, -EPROTO);
out:
	return ret;
}

/* Copy a finished libnl message into the caller's buffer. */
static int msg_export(struct nl_msg *msg, void *buf, size_t size, size_t *len)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_len > size)
		return -ENOSPC;
	memcpy(buf, nlh, nlh->nlmsg_len);
	*len = nlh->nlmsg_len;
	return 0;
}

/**
 * ktls_nl_build_accept() - build an ACCEPT request for handler class TLSHD
 * @family: handshake family id
 * @seq: sequence number the reply will carry
 * @portid: our netlink port id
 * @buf: output buffer
 * @size: size of @buf
 * @len: set to the message length
 *
 * The request does not ask for an ACK: success yields the reply, failure
 * an NLMSG_ERROR (KERNEL-INTERFACE.md §1.10).
 *
 * Return: 0, -ENOMEM, or -ENOSPC if @buf is too small.
 */
int ktls_nl_build_accept(uint16_t family, uint32_t seq, uint32_t portid,
			 void *buf, size_t size, size_t *len)
{
	struct nl_msg *msg;
	int ret = -ENOMEM;

	msg = nlmsg_alloc();
	if (!msg)
		goto out;
	if (!genlmsg_put(msg, portid, seq, family, 0, NLM_F_REQUEST,
			 KTLS_HANDSHAKE_CMD_ACCEPT,
			 KTLS_HANDSHAKE_FAMILY_VERSION))
		goto out;
	if (nla_put_u32(msg, KTLS_HANDSHAKE_A_ACCEPT_HANDLER_CLASS,
			KTLS_HANDSHAKE_HANDLER_CLASS_TLSHD) < 0)
		goto out;
	ret = msg_export(msg, buf, size, len);
out:
	nlmsg_free(msg);
	return ret;
}

/* Session tag names: [A-Za-z0-9_-]+, at most KTLS_DONE_TAG_MAX bytes. */
static bool tag_ok(const char *tag)
{
	size_t i;

	if (!tag || !tag[0])
		return false;
	for (i = 0; tag[i]; i++) {
		char c = tag[i];

		if (i >= KTLS_DONE_TAG_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/**
 * ktls_nl_build_done() - build a DONE message
 * @done: the verdict
 * @caps: kernel capabilities (NULL: mainline defaults); tags are only
 *	written when the DONE policy has the TAG attribute, because an
 *	unknown attribute makes the kernel drop the whole DONE (gotcha 4)
 * @family: handshake family id
 * @seq: sequence number
 * @portid: our netlink port id
 * @buf: output buffer
 * @size: size of @buf
 * @len: set to the message length
 *
 * Layout: STATUS, SOCKFD, each REMOTE_AUTH, then each TAG if allowed. The
 * message asks for an ACK so the sender learns whether the kernel took it.
 *
 * Return: 0; -EBADF for a negative fd; -ERANGE for a status outside
 * 0..4095; -E2BIG for too many peer ids or tags; -EINVAL for a bad tag
 * name; -ENOMEM; -ENOSPC if @buf is too small.
 */
int ktls_nl_build_done(const struct ktls_done *done,
		       const struct ktls_nl_caps *caps, uint16_t family,
		       uint32_t seq, uint32_t portid, void *buf, size_t size,
		       size_t *len)
{
	struct nl_msg *msg = NULL;
	bool tags;
	unsigned int i;
	int ret;

	ret = -EBADF;
	if (done->sockfd < 0)
		goto out;
	ret = -ERANGE;
	if (done->status < 0 || done->status > KTLS_HANDSHAKE_MAX_ERRNO)
		goto out;
	ret = -E2BIG;
	if (done->num_remote_auth > KTLS_DONE_MAX_REMOTE_AUTH ||
	    done->num_tags > KTLS_DONE_MAX_TAGS)
		goto out;
	ret = -EINVAL;
	for (i = 0; i < done->num_tags; i++)
		if (!tag_ok(done->tags[i]))
			goto out;
	tags = ktls_nl_caps_done_has(caps, KTLS_HANDSHAKE_A_DONE_TAG);

	ret = -ENOMEM;
	msg = nlmsg_alloc();
	if (!msg)
		goto out;
	if (!genlmsg_put(msg, portid, seq, family, 0,
			 NLM_F_REQUEST | NLM_F_ACK, KTLS_HANDSHAKE_CMD_DONE,
			 KTLS_HANDSHAKE_FAMILY_VERSION))
		goto out;
	if (nla_put_u32(msg, KTLS_HANDSHAKE_A_DONE_STATUS,
			(uint32_t)done->status) < 0 ||
	    nla_put_s32(msg, KTLS_HANDSHAKE_A_DONE_SOCKFD, done->sockfd) < 0)
		goto out;
	for (i = 0; i < done->num_remote_auth; i++)
		if (nla_put_u32(msg, KTLS_HANDSHAKE_A_DONE_REMOTE_AUTH,
				done->remote_auth[i]) < 0)
			goto out;
	for (i = 0; tags && i < done->num_tags; i++)
		if (nla_put_string(msg, KTLS_HANDSHAKE_A_DONE_TAG,
				   done->tags[i]) < 0)
			goto out;
	/* What we send must pass the policy the kernel applies to it. */
	ret = -EINVAL;
	if (nla_validate(genlmsg_attrdata(nlmsg_data(nlmsg_hdr(msg)), 0),
			 genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0),
			 KTLS_HANDSHAKE_A_DONE_MAX, done_policy) < 0)
		goto out;
	ret = msg_export(msg, buf, size, len);
out:
	nlmsg_free(msg);
	return ret;
}

/**
 * ktls_nl_policy_scan_init() - start reading a GETPOLICY dump
 * @scan: state to reset
 * @family: the handshake family id the dump was requested for
 */
void ktls_nl_policy_scan_init(struct ktls_nl_policy_scan *scan,
			      uint16_t family)
{
	memset(scan, 0, sizeof(*scan));
	scan->family = family;
	scan->do_policy = -1;
}

/* CTRL_ATTR_OP_POLICY: { [cmd] = { POLICY_DO, POLICY_DUMP } } */
static int parse_op_policy(struct ktls_nl_policy_scan *scan,
			   const struct nlattr *nest)
{
	const struct nlattr *op, *nla;
	int rem, rem2, ret = 0;

	for (op = nla_data(nest), rem = nla_len(nest); nla_ok(op, rem);
	     op = nla_next(op, &rem)) {
		if (nla_type(op) != KTLS_HANDSHAKE_CMD_DONE)
			continue;
		for (nla = nla_data(op), rem2 = nla_len(op); nla_ok(nla, rem2);
		     nla = nla_next(nla, &rem2)) {
			if (nla_type(nla) != KTLS_CTRL_ATTR_POLICY_DO)
				continue;
			if (attr_valid(nla, KTLS_CTRL_ATTR_POLICY_DUMP_MAX,
				       op_policy_policy)) {
				first_error(&ret, -EBADMSG);
				continue;
			}
			if (nla_get_u32(nla) < KTLS_NL_MAX_POLICIES)
				scan->do_policy = (int)nla_get_u32(nla);
		}
		if (!attrs_consumed(rem2))
			first_error(&ret, -EBADMSG);
	}
	if (!attrs_consumed(rem))
		first_error(&ret, -EBADMSG);
	return ret;
}

/* CTRL_ATTR_POLICY: { [policy idx] = { [attr] = { type, limits... } } } */
static int parse_policy_attrs(struct ktls_nl_policy_scan *scan,
			      const struct nlattr *nest)
{
	const struct nlattr *pol, *nla;
	int rem, rem2, ret = 0;

	for (pol = nla_data(nest), rem = nla_len(nest); nla_ok(pol, rem);
	     pol = nla_next(pol, &rem)) {
		int idx = nla_type(pol);

		for (nla = nla_data(pol), rem2 = nla_len(pol); nla_ok(nla, rem2);
		     nla = nla_next(nla, &rem2)) {
			int attr = nla_type(nla);

			if (idx < KTLS_NL_MAX_POLICIES && attr > 0 && attr < 32)
				scan->attrs[idx] |= 1u << attr;
		}
		if (!attrs_consumed(rem2))
			first_error(&ret, -EBADMSG);
	}
	if (!attrs_consumed(rem))
		first_error(&ret, -EBADMSG);
	return ret;
}

/**
 * ktls_nl_parse_policy() - fold one GETPOLICY dump message into @scan
 * @scan: state from ktls_nl_policy_scan_init()
 * @buf: one netlink message (nlmsghdr first), 4-byte aligned
 * @len: bytes available at @buf
 *
 * Messages about another family are ignored. The dump ends with
 * NLMSG_DONE, which the caller handles; an NLMSG_ERROR yields its error.
 *
 * Return: 0, or a negative error for malformed bytes (-EBADMSG).
 */
int ktls_nl_parse_policy(struct ktls_nl_policy_scan *scan, const void *buf,
			 size_t len)
{
	const struct nlattr *attrs, *nla;
	int attrlen, rem, ret;
	bool ours = false;

	ret = msg_open(buf, len, KTLS_CTRL_CMD_GETPOLICY, &attrs, &attrlen);
	if (ret)
		goto out;

	/* Pass 1: is this message about our family? */
	for (nla = attrs, rem = attrlen; nla_ok(nla, rem);
	     nla = nla_next(nla, &rem)) {
		if (nla_type(nla) != KTLS_CTRL_ATTR_FAMILY_ID)
			continue;
		if (attr_valid(nla, KTLS_CTRL_ATTR_MAX, ctrl_policy)) {
			ret = -EBADMSG;
			goto out;
		}
		ours = nla_get_u16(nla) == scan->family;
	}
	if (!attrs_consumed(rem)) {
		ret = -EBADMSG;
		goto out;
	}
	if (!ours)
		goto out;

	/* Pass 2: op -> policy index, policy index -> attributes. */
	for (nla = attrs, rem = attrlen; nla_ok(nla, rem);
	     nla = nla_next(nla, &rem)) {
		int type = nla_type(nla);

		if (type != KTLS_CTRL_ATTR_OP_POLICY &&
		    type != KTLS_CTRL_ATTR_POLICY)
			continue;
		if (attr_valid(nla, KTLS_CTRL_ATTR_MAX, ctrl_policy)) {
			first_error(&ret, -EBADMSG);
			continue;
		}
		if (type == KTLS_CTRL_ATTR_OP_POLICY)
			first_error(&ret, parse_op_policy(scan, nla));
		else
			first_error(&ret, parse_policy_attrs(scan, nla));
	}
out:
	return ret;
}

/**
 * ktls_nl_policy_caps() - capabilities from a finished GETPOLICY dump
 * @scan: state after the dump's NLMSG_DONE
 * @caps: set to what the DONE doit policy accepts; defaults if the dump
 *	never named DONE's policy
 */
void ktls_nl_policy_caps(const struct ktls_nl_policy_scan *scan,
			 struct ktls_nl_caps *caps)
{
	ktls_nl_caps_default(caps);
	if (scan->do_policy < 0 || scan->do_policy >= KTLS_NL_MAX_POLICIES)
		return;
	caps->probed = true;
	caps->done_attrs = scan->attrs[scan->do_policy];
}

/* ---- socket functions ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does a whole message start at @nlh with @rem bytes left in the datagram? */
static bool dgram_msg_ok(const struct nlmsghdr *nlh, size_t rem)
{
	return rem >= NLMSG_HDRLEN && nlh->nlmsg_len >= NLMSG_HDRLEN &&
	       nlh->nlmsg_len <= rem;
}

static const struct nlmsghdr *dgram_msg_next(const struct nlmsghdr *nlh,
					     size_t *rem)
{
	size_t step = NLMSG_ALIGN(nlh->nlmsg_len);

	if (step > *rem)
		step = *rem;
	*rem -= step;
	return (const struct nlmsghdr *)((const uint8_t *)nlh + step);
}

/*
 * Read one datagram from the kernel into nl->buf. With @timeout_ms > 0,
 * wait that long for one to arrive (-ETIMEDOUT); with 0, don't wait
 * (-EAGAIN). -ENOBUFS reports an overrun; the socket remains usable.
 * Datagrams not sent by the kernel (port 0) are dropped unread.
 */
static int sock_recv(struct ktls_nl *nl, int timeout_ms, size_t *len)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = nl->buf, .iov_len = sizeof(nl->buf) };
	struct msghdr mh;
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	ssize_t n;
	int ret;

	for (;;) {
		if (timeout_ms > 0) {
			ret = poll(&pfd, 1, timeout_ms);
			if (ret < 0 && errno == EINTR)
				continue;
			if (ret < 0)
				return -errno;
			if (ret == 0)
				return -ETIMEDOUT;
		}
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sa;
		mh.msg_namelen = sizeof(sa);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		n = recvmsg(nl->fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (mh.msg_namelen < sizeof(sa) || sa.nl_family != AF_NETLINK ||
		    sa.nl_pid != 0)
			continue;
		*len = (size_t)n;
		return 0;
	}
}

static int sock_send(struct ktls_nl *nl, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	do {
		n = sendto(nl->fd, buf, len, 0, (const struct sockaddr *)&sa,
			   sizeof(sa));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

/* Is this a READY for our handler class? */
static bool is_tlshd_ready(const struct ktls_nl *nl,
			   const struct nlmsghdr *nlh)
{
	uint32_t class;

	if (nlh->nlmsg_type != nl->family)
		return false;
	if (ktls_nl_parse_ready(nlh, nlh->nlmsg_len, &class))
		return false;
	return class == KTLS_HANDSHAKE_HANDLER_CLASS_TLSHD;
}

static int send_done(struct ktls_nl *nl, const struct ktls_done *done);

/*
 * An ACCEPT reply for a request we gave up on (timeout) still installed an
 * fd in our table. Remember it; reap_orphans() fails that handshake fast
 * once nl->buf is free again.
 */
static void note_orphan(struct ktls_nl *nl, const struct nlmsghdr *nlh)
{
	struct ktls_request req;

	if (nlh->nlmsg_type != nl->family)
		return;
	/* Even a malformed reply may carry the fd: only the fd matters here. */
	if (ktls_nl_parse_accept(nlh, nlh->nlmsg_len, &req) && req.sockfd < 0)
		return;
	if (req.sockfd < 0)
		return;
	if (nl->num_orphans < KTLS_NL_MAX_ORPHANS)
		nl->orphans[nl->num_orphans++] = req.sockfd;
	else
		close(req.sockfd); /* the consumer's timeout will fire */
}

static void reap_orphans(struct ktls_nl *nl)
{
	while (nl->num_orphans) {
		struct ktls_done done = { .status = EIO };

		done.sockfd = nl->orphans[--nl->num_orphans];
		send_done(nl, &done);
		close(done.sockfd);
	}
}

/*
 * Called for each message carrying our sequence number. Return > 0 when
 * the exchange is complete, 0 to keep reading, < 0 to abort with an error.
 */
typedef int (*reply_fn)(void *ctx, const struct nlmsghdr *nlh);

/*
 * Wait for the answer to request @seq: NLMSG_ERROR (an ACK is 0), the end
 * of a dump, or whatever @fn says ends it. Unrelated messages are skipped:
 * READY notifications are counted for ktls_nl_recv_ready(), stale ACCEPT
 * replies are reaped.
 */
static int wait_reply(struct ktls_nl *nl, uint32_t seq, reply_fn fn,
		      void *ctx)
{
	int64_t deadline = now_ms() + KTLS_NL_REPLY_TIMEOUT_MS;
	size_t len;
	int ret;

	for (;;) {
		const struct nlmsghdr *nlh;
		int64_t left = deadline - now_ms();
		size_t rem;

		if (left <= 0)
			return -ETIMEDOUT;
		ret = sock_recv(nl, (int)left, &len);
		if (ret == -ENOBUFS) {
			nl->pending_overrun = true;
			continue;
		}
		if (ret == -EAGAIN || ret == -EMSGSIZE)
			continue;
		if (ret)
			return ret;

		nlh = (const struct nlmsghdr *)nl->buf;
		for (rem = len; dgram_msg_ok(nlh, rem);
		     nlh = dgram_msg_next(nlh, &rem)) {
			if (nlh->nlmsg_seq != seq) {
				if (is_tlshd_ready(nl, nlh))
					nl->pending_ready++;
				else if (nlh->nlmsg_seq != 0)
					note_orphan(nl, nlh);
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_NOOP ||
			    nlh->nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
					return -EBADMSG;
				if (e->error > 0)
					return -EBADMSG;
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *err = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int) &&
				    *err < 0)
					return *err;
				return 0;
			}
			ret = fn ? fn(ctx, nlh) : 0;
			if (ret)
				return ret < 0 ? ret : 0;
		}
	}
}

/**
 * ktls_nl_open() - open a generic netlink socket for the handshake family
 * @nlp: set to the new handle
 * @flags: KTLS_NL_SUBSCRIBE to receive READY notifications on this socket
 *
 * Resolves the "handshake" family (and, when subscribing, the "tlshd"
 * group), and asks for short ACKs. A subscribing socket gets a large
 * receive buffer and is non-blocking; use a separate, non-subscribed
 * socket for ACCEPT/DONE so a burst of READYs can never overrun it.
 *
 * Return: 0; -ENOENT if the kernel has no handshake family
 * (CONFIG_NET_HANDSHAKE); -ENOMEM; other negative errno.
 */
int ktls_nl_open(struct ktls_nl **nlp, unsigned int flags)
{
	struct ktls_nl *nl;
	int one = 1, rcvbuf = KTLS_NL_RCVBUF;
	int ret, grp;

	*nlp = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->flags = flags;
	ktls_nl_caps_default(&nl->caps);

	ret = -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		goto out;
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		goto out;
	}
	nl->fd = nl_socket_get_fd(nl->sk);

	ret = genl_ctrl_resolve(nl->sk, KTLS_HANDSHAKE_FAMILY_NAME);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		goto out;
	}
	nl->family = (uint16_t)ret;

	if (flags & KTLS_NL_SUBSCRIBE) {
		grp = genl_ctrl_resolve_grp(nl->sk, KTLS_HANDSHAKE_FAMILY_NAME,
					    KTLS_HANDSHAKE_MCGRP_TLSHD);
		if (grp < 0) {
			ret = nlerr_to_errno(grp);
			goto out;
		}
		ret = nl_socket_add_membership(nl->sk, grp);
		if (ret < 0) {
			ret = nlerr_to_errno(ret);
			goto out;
		}
		/* Privileged callers may exceed rmem_max; others get capped. */
		if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			       sizeof(rcvbuf)) < 0)
			setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				   sizeof(rcvbuf));
		ret = nl_socket_set_nonblocking(nl->sk);
		if (ret < 0) {
			ret = nlerr_to_errno(ret);
			goto out;
		}
	}

	/* Errors need not echo our request back; older kernels lack this. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_disable_seq_check(nl->sk);
	nl->portid = nl_socket_get_local_port(nl->sk);
	*nlp = nl;
	ret = 0;
out:
	if (ret)
		ktls_nl_close(nl);
	return ret;
}

/**
 * ktls_nl_close() - close the socket and free the handle
 * @nl: handle from ktls_nl_open(); NULL is fine
 */
void ktls_nl_close(struct ktls_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

/**
 * ktls_nl_fd() - the socket's file descriptor, for poll/io_uring
 * @nl: handle
 *
 * Return: the fd; it stays owned by @nl.
 */
int ktls_nl_fd(const struct ktls_nl *nl)
{
	return nl->fd;
}

/**
 * ktls_nl_family() - the resolved handshake family id
 * @nl: handle
 *
 * Return: the generic netlink family id.
 */
uint16_t ktls_nl_family(const struct ktls_nl *nl)
{
	return nl->family;
}

/**
 * ktls_nl_set_caps() - use capabilities probed on another socket
 * @nl: handle
 * @caps: result of ktls_nl_probe()
 */
void ktls_nl_set_caps(struct ktls_nl *nl, const struct ktls_nl_caps *caps)
{
	nl->caps = *caps;
}

static uint32_t next_seq(struct ktls_nl *nl)
{
	uint32_t seq = nl_socket_use_seq(nl->sk);

	/* Sequence 0 is what multicast carries; never wait for it. */
	if (!seq)
		seq = nl_socket_use_seq(nl->sk);
	return seq;
}

static int policy_reply(void *ctx, const struct nlmsghdr *nlh)
{
	return ktls_nl_parse_policy(ctx, nlh, nlh->nlmsg_len);
}

/**
 * ktls_nl_probe() - ask the kernel which DONE attributes it accepts
 * @nl: handle
 * @caps: set to the result (defaults if the kernel did not answer)
 *
 * Sends CTRL_CMD_GETPOLICY for the handshake family's DONE command and
 * records the attribute numbers of its doit policy. Call once at startup;
 * the result is also stored in @nl for ktls_nl_done().
 *
 * Return: 0 if the kernel answered; a negative errno otherwise, in which
 * case @caps holds the mainline defaults (no TAG).
 */
int ktls_nl_probe(struct ktls_nl *nl, struct ktls_nl_caps *caps)
{
	struct ktls_nl_policy_scan scan;
	struct nl_msg *msg;
	uint32_t seq = next_seq(nl);
	int ret = -ENOMEM;

	ktls_nl_caps_default(caps);
	ktls_nl_policy_scan_init(&scan, nl->family);
	msg = nlmsg_alloc();
	if (!msg)
		goto out;
	if (!genlmsg_put(msg, nl->portid, seq, GENL_ID_CTRL, 0,
			 NLM_F_REQUEST | NLM_F_DUMP, KTLS_CTRL_CMD_GETPOLICY,
			 1) ||
	    nla_put_u16(msg, KTLS_CTRL_ATTR_FAMILY_ID, nl->family) < 0 ||
	    nla_put_u32(msg, KTLS_CTRL_ATTR_OP, KTLS_HANDSHAKE_CMD_DONE) < 0)
		goto out;
	ret = sock_send(nl, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	if (ret)
		goto out;
	ret = wait_reply(nl, seq, policy_reply, &scan);
	if (ret)
		goto out;
	ktls_nl_policy_caps(&scan, caps);
out:
	nlmsg_free(msg);
	nl->caps = *caps;
	return ret;
}

/**
 * ktls_nl_recv_ready() - read pending READY notifications without blocking
 * @nl: a handle opened with KTLS_NL_SUBSCRIBE
 * @nready: set to the number of READY notifications for handler class
 *	TLSHD read (each announces one queued request)
 *
 * Reads at most a batch of datagrams; call again while the fd polls
 * readable. READY is a hint: respond by calling ktls_nl_accept() until it
 * returns -EAGAIN (gotcha 5).
 *
 * Return: 0; -ENOBUFS if notifications were lost to a socket overrun (the
 * socket stays usable and @nready still counts what was read: drain the
 * queue with ACCEPT and carry on); another negative errno on a real
 * failure.
 */
int ktls_nl_recv_ready(struct ktls_nl *nl, unsigned int *nready)
{
	bool overrun = nl->pending_overrun;
	unsigned int i;
	size_t len;
	int ret = 0;

	*nready = nl->pending_ready;
	nl->pending_ready = 0;
	nl->pending_overrun = false;

	for (i = 0; i < KTLS_NL_READY_BATCH; i++) {
		const struct nlmsghdr *nlh;
		size_t rem;

		ret = sock_recv(nl, 0, &len);
		if (ret == -EAGAIN) {
			ret = 0;
			break;
		}
		if (ret == -ENOBUFS) {
			overrun = true;
			ret = 0;
			continue;
		}
		if (ret == -EMSGSIZE) {
			ret = 0;
			continue;
		}
		if (ret)
			break;

		nlh = (const struct nlmsghdr *)nl->buf;
		for (rem = len; dgram_msg_ok(nlh, rem);
		     nlh = dgram_msg_next(nlh, &rem)) {
			if (is_tlshd_ready(nl, nlh))
				(*nready)++;
			else if (nlh->nlmsg_seq != 0)
				note_orphan(nl, nlh);
		}
	}
	reap_orphans(nl);
	if (!ret && overrun)
		ret = -ENOBUFS;
	return ret;
}

struct accept_ctx {
	struct ktls_request *req;
	bool replied;
	int err;
};

static int accept_reply(void *ctx, const struct nlmsghdr *nlh)
{
	struct accept_ctx *actx = ctx;

	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return 0;
	actx->replied = true;
	actx->err = ktls_nl_parse_accept(nlh, nlh->nlmsg_len, actx->req);
	return 1;
}

/**
 * ktls_nl_accept() - pop the oldest pending handshake request
 * @nl: handle (preferably not subscribed)
 * @req: filled in on success; req->sockfd is then ours to DONE and close
 *
 * The kernel hands out requests FIFO, not the one a READY announced. If
 * the reply is malformed but carried an fd, this function reports DONE
 * with EIO for it and closes it, so no fd or request is ever leaked.
 *
 * Return: 0; -EAGAIN when no request is pending (the queue is drained);
 * -EPERM without CAP_NET_ADMIN; -ETIMEDOUT if the kernel did not answer;
 * a parse error from ktls_nl_parse_accept(); another negative errno.
 */
int ktls_nl_accept(struct ktls_nl *nl, struct ktls_request *req)
{
	struct accept_ctx actx = { .req = req };
	uint8_t msg[64] __attribute__((aligned(8)));
	uint32_t seq = next_seq(nl);
	size_t len;
	int ret;

	ktls_request_init(req);
	ret = ktls_nl_build_accept(nl->family, seq, nl->portid, msg,
				   sizeof(msg), &len);
	if (ret)
		goto out;
	/*
	 * The kernel runs ACCEPT inside this sendto(): when it returns, the
	 * reply is queued and the fd it names is already in our table.
	 */
	ret = sock_send(nl, msg, len);
	if (ret)
		goto out;
	ret = wait_reply(nl, seq, accept_reply, &actx);
	if (ret)
		goto out;
	/* Without NLM_F_ACK a bare ACK is not a success we can use. */
	ret = actx.replied ? actx.err : -ENOMSG;
	if (ret && req->sockfd >= 0) {
		struct ktls_done done = { .sockfd = req->sockfd,
					  .status = EIO };

		send_done(nl, &done);
		close(req->sockfd);
		req->sockfd = -1;
	}
out:
	reap_orphans(nl);
	return ret;
}

static int send_done(struct ktls_nl *nl, const struct ktls_done *done)
{
	uint8_t msg[2048] __attribute__((aligned(8)));
	uint32_t seq = next_seq(nl);
	size_t len;
	int ret;

	ret = ktls_nl_build_done(done, &nl->caps, nl->family, seq, nl->portid,
				 msg, sizeof(msg), &len);
	if (ret)
		return ret;
	ret = sock_send(nl, msg, len);
	if (ret)
		return ret;
	return wait_reply(nl, seq, NULL, NULL);
}

/**
 * ktls_nl_done() - report a handshake's result to the kernel
 * @nl: handle
 * @done: verdict; @done->sockfd must be the fd ACCEPT returned, still open
 *
 * Waits for the kernel's ACK. Tags are sent only if the probe found the
 * TAG attribute; should the kernel still reject the message with -EINVAL,
 * it is sent once more without tags so the consumer is not left to time
 * out. The caller closes @done->sockfd afterwards in every case.
 *
 * Return: 0 once the kernel accepted the message (a DONE for a request the
 * consumer already cancelled is also 0); -EBADF/-EBUSY/-EINVAL from the
 * kernel; -ETIMEDOUT; validation errors from ktls_nl_build_done().
 */
int ktls_nl_done(struct ktls_nl *nl, const struct ktls_done *done)
{
	int ret;

	ret = send_done(nl, done);
	if (ret == -EINVAL && done->num_tags &&
	    ktls_nl_caps_done_has(&nl->caps, KTLS_HANDSHAKE_A_DONE_TAG)) {
		nl->caps.done_attrs &= ~(1u << KTLS_HANDSHAKE_A_DONE_TAG);
		ret = send_done(nl, done);
	}
	reap_orphans(nl);
	return ret;
}
