// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for kmod-glue/netlink.c, without a kernel: ACCEPT replies and
 * READY notifications as recorded bytes and as hand-built variants
 * (repeated PEER_IDENTITY, nested CERTIFICATE with and without
 * NLA_F_NESTED, missing optional and mandatory attributes, unknown,
 * truncated and malformed attributes, kernel errors), the exact bytes of
 * the DONE and ACCEPT messages we build, and the GETPOLICY capability
 * probe.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "handshake-uapi.h"
#include "netlink.h"

#define FAMILY 0x1c	/* any dynamic genl family id */
#define SEQ 0x01020304u
#define PORT 0x00001234u
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a tiny netlink message builder for test input ---- */

struct mb {
	uint8_t buf[4096] __attribute__((aligned(8)));
	size_t len;
};

static void mb_start(struct mb *m, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *genl;

	memset(m, 0, sizeof(*m));
	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORT;
	genl = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	genl->cmd = cmd;
	genl->version = 1;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Append an attribute with an explicit nla_len (may lie about the size). */
static void mb_raw(struct mb *m, uint16_t type, uint16_t nla_len,
		   const void *data, size_t data_len)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + m->len);

	ck_assert_uint_le(m->len + NLA_HDRLEN + data_len + 4, sizeof(m->buf));
	nla->nla_len = nla_len;
	nla->nla_type = type;
	if (data_len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, data_len);
	m->len += NLA_ALIGN(NLA_HDRLEN + data_len);
}

static void mb_attr(struct mb *m, uint16_t type, const void *data, size_t len)
{
	mb_raw(m, type, (uint16_t)(NLA_HDRLEN + len), data, len);
}

static void mb_u32(struct mb *m, uint16_t type, uint32_t v)
{
	mb_attr(m, type, &v, sizeof(v));
}

static void mb_str(struct mb *m, uint16_t type, const char *s)
{
	mb_attr(m, type, s, strlen(s) + 1);
}

static size_t mb_nest_start(struct mb *m, uint16_t type)
{
	size_t off = m->len;

	mb_raw(m, type, 0, NULL, 0);
	return off;
}

static void mb_nest_end(struct mb *m, size_t off)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + off);

	nla->nla_len = (uint16_t)(m->len - off);
}

static size_t mb_end(struct mb *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
	return m->len;
}

static size_t mb_error(struct mb *m, int error)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct nlmsgerr *e = (struct nlmsgerr *)(m->buf + NLMSG_HDRLEN);

	memset(m, 0, sizeof(*m));
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = SEQ;
	e->error = error;
	e->msg.nlmsg_len = NLMSG_HDRLEN;
	m->len = NLMSG_HDRLEN + sizeof(*e);
	return mb_end(m);
}

/* The minimal valid reply: what every kernel always sends. */
static void mb_accept_base(struct mb *m, int fd)
{
	mb_start(m, FAMILY, KTLS_HANDSHAKE_CMD_ACCEPT);
	mb_u32(m, KTLS_HANDSHAKE_A_ACCEPT_SOCKFD, (uint32_t)fd);
	mb_u32(m, KTLS_HANDSHAKE_A_ACCEPT_MESSAGE_TYPE,
	       KTLS_HANDSHAKE_MSG_TYPE_CLIENTHELLO);
	mb_u32(m, KTLS_HANDSHAKE_A_ACCEPT_AUTH_MODE, KTLS_HANDSHAKE_AUTH_UNAUTH);
}

/* Close @m and parse it as an ACCEPT reply into @req. */
static int mb_parse_accept(struct mb *m, struct ktls_request *req)
{
	return ktls_nl_parse_accept(m->buf, mb_end(m), req);
}

/* An attribute added to the minimal reply (fd 4), and the parse result. */
struct extra_attr {
	const char *what;
	uint16_t type;
	const void *data;
	size_t len;
	int ret;
};

/*
 * check_extra_attrs() - each of the @n attributes in @tab, added to the
 * minimal reply, gives its result; a refused reply still reports the fd
 * (so the caller can DONE and close it) and no peer name or identity.
 */
static void check_extra_attrs(const struct extra_attr *tab, size_t n)
{
	struct ktls_request req;
	struct mb m;
	size_t i;

	for (i = 0; i < n; i++) {
		int ret;

		mb_accept_base(&m, 4);
		mb_attr(&m, tab[i].type, tab[i].data, tab[i].len);
		ret = mb_parse_accept(&m, &req);
		ck_assert_msg(ret == tab[i].ret, "%s: got %d, want %d",
			      tab[i].what, ret, tab[i].ret);
		ck_assert_msg(req.sockfd == 4, "%s: sockfd %d", tab[i].what,
			      req.sockfd);
		ck_assert_msg(!req.peername[0], "%s: peername \"%s\"",
			      tab[i].what, req.peername);
		ck_assert_msg(req.num_peer_identities == 0,
			      "%s: %u peer identities", tab[i].what,
			      (unsigned int)req.num_peer_identities);
	}
}

/* ---- recorded bytes ---- */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * An NVMe/TCP host PSK request as a 6.17+ kernel sends it (x86-64, family
 * 0x1c, attribute order of net/handshake/tlshd.c), except that it carries
 * three PEER_IDENTITY attributes where the NVMe host sends one, and the
 * last attribute (type 0x63) is one we do not know.
 */
static const uint8_t recorded_psk[] __attribute__((aligned(8))) = {
	0x78, 0x00, 0x00, 0x00,	/* nlmsg_len 120 */
	0x1c, 0x00,		/* nlmsg_type = family */
	0x00, 0x00,		/* flags */
	0x04, 0x03, 0x02, 0x01,	/* seq */
	0x34, 0x12, 0x00, 0x00,	/* portid */
	0x02, 0x01, 0x00, 0x00,	/* genl: cmd ACCEPT, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00, /* SOCKFD 7 */
	0x08, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, /* MSG_TYPE client */
	0x08, 0x00, 0x04, 0x00, 0x10, 0x27, 0x00, 0x00, /* TIMEOUT 10000 */
	0x08, 0x00, 0x09, 0x00, 0x2a, 0x00, 0x00, 0x00, /* KEYRING 42 */
	0x08, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00, /* AUTH_MODE psk */
	0x08, 0x00, 0x06, 0x00, 0x11, 0x11, 0x00, 0x00, /* PEER_ID 0x1111 */
	0x08, 0x00, 0x06, 0x00, 0x22, 0x22, 0x00, 0x00, /* PEER_ID 0x2222 */
	0x08, 0x00, 0x06, 0x00, 0x33, 0x33, 0x00, 0x00, /* PEER_ID 0x3333 */
	0x0c, 0x00, 0x08, 0x00, 'n', 'v', 'm', 'e', '-', 't', '1', 0x00,
							/* PEERNAME */
	0x0c, 0x00, 0x63, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00,
							/* unknown 0x63 */
	0x09, 0x00, 0x64, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
							/* unknown, 5 + 3 pad */
};
#endif

START_TEST(test_netlink_accept_recorded_psk)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	struct ktls_request req;

	ck_assert_uint_eq(((const struct nlmsghdr *)recorded_psk)->nlmsg_len,
			  sizeof(recorded_psk));
	ck_assert_int_eq(ktls_nl_parse_accept(recorded_psk,
					      sizeof(recorded_psk), &req), 0);
	ck_assert_int_eq(req.sockfd, 7);
	ck_assert_uint_eq(req.message_type, KTLS_HANDSHAKE_MSG_TYPE_CLIENTHELLO);
	ck_assert_uint_eq(req.timeout_ms, 10000);
	ck_assert_uint_eq(req.auth_mode, KTLS_HANDSHAKE_AUTH_PSK);
	ck_assert_int_eq(req.keyring_serial, 42);
	ck_assert_uint_eq(req.num_peer_identities, 3);
	ck_assert_int_eq(req.peer_identities[0], 0x1111);
	ck_assert_int_eq(req.peer_identities[1], 0x2222);
	ck_assert_int_eq(req.peer_identities[2], 0x3333);
	ck_assert_str_eq(req.peername, "nvme-t1");
	ck_assert_int_eq(req.cert_serial, 0);
	ck_assert_uint_eq(req.present,
			  KTLS_REQ_HAS_SOCKFD | KTLS_REQ_HAS_MESSAGE_TYPE |
				  KTLS_REQ_HAS_TIMEOUT | KTLS_REQ_HAS_KEYRING |
				  KTLS_REQ_HAS_AUTH_MODE |
				  KTLS_REQ_HAS_PEER_IDENTITY |
				  KTLS_REQ_HAS_PEERNAME);
#endif
}
END_TEST

START_TEST(test_netlink_accept_every_truncation_is_safe)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	struct ktls_request req;
	struct mb m;
	size_t cut;

	/* A buffer shorter than nlmsg_len claims: always rejected. */
	for (cut = 0; cut < sizeof(recorded_psk); cut++) {
		memcpy(m.buf, recorded_psk, cut);
		ck_assert_int_ne(ktls_nl_parse_accept(m.buf, cut, &req), 0);
	}
	/*
	 * nlmsg_len itself cut short (as if the message ended there): only
	 * cuts at attribute boundaries may parse (the last attribute may omit
	 * its padding), the rest must fail cleanly.
	 */
	for (cut = 0; cut < sizeof(recorded_psk); cut++) {
		int ret;

		memcpy(m.buf, recorded_psk, sizeof(recorded_psk));
		((struct nlmsghdr *)m.buf)->nlmsg_len = (uint32_t)cut;
		ret = ktls_nl_parse_accept(m.buf, sizeof(recorded_psk), &req);
		if (cut < 28)
			ck_assert_int_ne(ret, 0); /* no SOCKFD yet */
		else
			ck_assert_int_eq(req.sockfd, 7);
		/*
		 * Cuts inside an attribute never parse; cuts inside the last
		 * attribute's padding ("5 + 3 pad") may.
		 */
		if (ret == 0)
			ck_assert_msg(cut % 4 == 0 ||
					      cut >= sizeof(recorded_psk) - 3,
				      "cut %zu parsed", cut);
	}
#endif
}
END_TEST

/* ---- hand-built variants ---- */

START_TEST(test_netlink_accept_x509_nested_certificate)
{
	struct ktls_request req;
	struct mb m;
	size_t nest;

	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_ACCEPT);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_SOCKFD, 12);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_MESSAGE_TYPE,
	       KTLS_HANDSHAKE_MSG_TYPE_CLIENTHELLO);
	mb_str(&m, KTLS_HANDSHAKE_A_ACCEPT_PEERNAME, "server.example.net");
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_AUTH_MODE, KTLS_HANDSHAKE_AUTH_X509);
	nest = mb_nest_start(&m, KTLS_HANDSHAKE_A_ACCEPT_CERTIFICATE |
					 NLA_F_NESTED);
	mb_u32(&m, KTLS_HANDSHAKE_A_X509_CERT, 0x100);
	mb_u32(&m, KTLS_HANDSHAKE_A_X509_PRIVKEY, 0x200);
	mb_u32(&m, 9, 0xffff); /* unknown x509 attribute */
	mb_nest_end(&m, nest);

	ck_assert_int_eq(mb_parse_accept(&m, &req), 0);
	ck_assert_int_eq(req.sockfd, 12);
	ck_assert_uint_eq(req.auth_mode, KTLS_HANDSHAKE_AUTH_X509);
	ck_assert_int_eq(req.cert_serial, 0x100);
	ck_assert_int_eq(req.privkey_serial, 0x200);
	ck_assert_str_eq(req.peername, "server.example.net");
	ck_assert(req.present & KTLS_REQ_HAS_CERTIFICATE);
	ck_assert(req.present & KTLS_REQ_HAS_CERT);
	ck_assert(req.present & KTLS_REQ_HAS_PRIVKEY);
	ck_assert_uint_eq(req.num_peer_identities, 0);
}
END_TEST

START_TEST(test_netlink_accept_certificate_without_nested_flag)
{
	struct ktls_request req;
	struct mb m;
	size_t nest;

	mb_accept_base(&m, 3);
	nest = mb_nest_start(&m, KTLS_HANDSHAKE_A_ACCEPT_CERTIFICATE);
	mb_u32(&m, KTLS_HANDSHAKE_A_X509_CERT, 0x77);
	mb_nest_end(&m, nest);

	ck_assert_int_eq(mb_parse_accept(&m, &req), 0);
	ck_assert_int_eq(req.cert_serial, 0x77);
	ck_assert_int_eq(req.privkey_serial, 0);
	ck_assert(!(req.present & KTLS_REQ_HAS_PRIVKEY));
}
END_TEST

START_TEST(test_netlink_accept_missing_optional_attrs)
{
	struct ktls_request req;
	struct mb m;

	mb_accept_base(&m, 0);
	ck_assert_int_eq(mb_parse_accept(&m, &req), 0);
	ck_assert_int_eq(req.sockfd, 0);
	ck_assert_uint_eq(req.timeout_ms, 0);
	ck_assert_int_eq(req.keyring_serial, 0);
	ck_assert_str_eq(req.peername, "");
	ck_assert_uint_eq(req.num_peer_identities, 0);
	ck_assert_uint_eq(req.present, KTLS_REQ_HAS_SOCKFD |
					       KTLS_REQ_HAS_MESSAGE_TYPE |
					       KTLS_REQ_HAS_AUTH_MODE);
}
END_TEST

START_TEST(test_netlink_accept_unknown_attrs_ignored)
{
	static const uint8_t junk[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct ktls_request req;
	struct mb m;

	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_ACCEPT);
	mb_attr(&m, 0, junk, 3);		/* type 0 */
	mb_attr(&m, 10, junk, sizeof(junk));	/* proposed, not upstream */
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_SOCKFD, 5);
	mb_attr(&m, 0x7fff, junk, 1);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_HANDLER_CLASS, 1); /* request attr */
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_AUTH_MODE, KTLS_HANDSHAKE_AUTH_PSK);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_PEER_IDENTITY, 0);

	ck_assert_int_eq(mb_parse_accept(&m, &req), 0);
	ck_assert_int_eq(req.sockfd, 5);
	ck_assert_uint_eq(req.num_peer_identities, 1);
	ck_assert_int_eq(req.peer_identities[0], 0);
}
END_TEST

START_TEST(test_netlink_accept_missing_sockfd)
{
	struct ktls_request req;
	struct mb m;

	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_ACCEPT);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_MESSAGE_TYPE, 1);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_AUTH_MODE, 1);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EPROTO);
	ck_assert_int_eq(req.sockfd, -1);

	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_ACCEPT);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EPROTO);
}
END_TEST

START_TEST(test_netlink_accept_truncated_attr_keeps_sockfd)
{
	uint32_t v = 2;
	struct ktls_request req;
	struct mb m;

	mb_accept_base(&m, 9);
	/* Claims 8 bytes, but the message ends after 6. */
	mb_raw(&m, KTLS_HANDSHAKE_A_ACCEPT_TIMEOUT, 8, &v, 2);
	m.len -= 2;
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);
	/* The fd is known, so the caller can still DONE and close it. */
	ck_assert_int_eq(req.sockfd, 9);
}
END_TEST

START_TEST(test_netlink_accept_short_attr_header)
{
	struct ktls_request req;
	struct mb m;

	mb_accept_base(&m, 9);
	/* nla_len below the header size. */
	mb_raw(&m, KTLS_HANDSHAKE_A_ACCEPT_TIMEOUT, 2, NULL, 0);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);

	/* Two stray bytes after the last attribute. */
	mb_accept_base(&m, 9);
	m.len += 2;
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);
}
END_TEST

static const uint16_t short_val = 1;
static const uint64_t long_val = 1;

START_TEST(test_netlink_accept_wrong_u32_length)
{
	static const struct extra_attr wrong_lengths[] = {
		{ "2-byte TIMEOUT", KTLS_HANDSHAKE_A_ACCEPT_TIMEOUT,
		  &short_val, sizeof(short_val), -EBADMSG },
		{ "8-byte PEER_IDENTITY", KTLS_HANDSHAKE_A_ACCEPT_PEER_IDENTITY,
		  &long_val, sizeof(long_val), -EBADMSG },
	};
	struct ktls_request req;
	struct mb m;

	check_extra_attrs(wrong_lengths, ARRAY_SIZE(wrong_lengths));

	/* A SOCKFD of the wrong size is never taken as an fd. */
	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_ACCEPT);
	mb_attr(&m, KTLS_HANDSHAKE_A_ACCEPT_SOCKFD, &short_val,
		sizeof(short_val));
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);
	ck_assert_int_eq(req.sockfd, -1);
}
END_TEST

START_TEST(test_netlink_accept_bad_message_header)
{
	struct ktls_request req;
	struct mb m;
	size_t len;

	mb_accept_base(&m, 4);
	len = mb_end(&m);
	/* nlmsg_len larger than the buffer. */
	ck_assert_int_eq(ktls_nl_parse_accept(m.buf, len - 1, &req), -EBADMSG);
	/* nlmsg_len smaller than the headers. */
	((struct nlmsghdr *)m.buf)->nlmsg_len = NLMSG_HDRLEN + 2;
	ck_assert_int_eq(ktls_nl_parse_accept(m.buf, len, &req), -EBADMSG);
	/* Not an ACCEPT. */
	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_DONE);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_SOCKFD, 4);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);
	/* Control message types are not replies. */
	mb_accept_base(&m, 4);
	((struct nlmsghdr *)m.buf)->nlmsg_type = NLMSG_DONE;
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);
	/* Misaligned input is refused rather than read unaligned. */
	mb_accept_base(&m, 4);
	len = mb_end(&m);
	memmove(m.buf + 1, m.buf, len);
	ck_assert_int_eq(ktls_nl_parse_accept(m.buf + 1, len, &req), -EINVAL);
	ck_assert_int_eq(ktls_nl_parse_accept(NULL, 0, &req), -EINVAL);
}
END_TEST

START_TEST(test_netlink_accept_peername_checks)
{
	static const char unterminated[4] = { 'a', 'b', 'c', 'd' };
	static const char embedded[8] = "ab\0cdef";
	static const struct extra_attr bad_names[] = {
		{ "unterminated", KTLS_HANDSHAKE_A_ACCEPT_PEERNAME,
		  unterminated, sizeof(unterminated), -EBADMSG },
		{ "embedded NUL", KTLS_HANDSHAKE_A_ACCEPT_PEERNAME,
		  embedded, sizeof(embedded), -EBADMSG },
		{ "empty", KTLS_HANDSHAKE_A_ACCEPT_PEERNAME, "", 0, -EBADMSG },
	};
	char longname[KTLS_PEERNAME_MAX + 1];
	struct ktls_request req;
	struct mb m;

	check_extra_attrs(bad_names, ARRAY_SIZE(bad_names));

	/* Longest accepted name: KTLS_PEERNAME_MAX - 1 characters. */
	memset(longname, 'x', sizeof(longname));
	longname[KTLS_PEERNAME_MAX - 1] = '\0';
	mb_accept_base(&m, 4);
	mb_str(&m, KTLS_HANDSHAKE_A_ACCEPT_PEERNAME, longname);
	ck_assert_int_eq(mb_parse_accept(&m, &req), 0);
	ck_assert_uint_eq(strlen(req.peername), KTLS_PEERNAME_MAX - 1);

	longname[KTLS_PEERNAME_MAX - 1] = 'x';
	longname[KTLS_PEERNAME_MAX] = '\0';
	mb_accept_base(&m, 4);
	mb_str(&m, KTLS_HANDSHAKE_A_ACCEPT_PEERNAME, longname);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);
	ck_assert_str_eq(req.peername, "");
}
END_TEST

START_TEST(test_netlink_accept_identity_bound)
{
	struct ktls_request req;
	struct mb m;
	int i;

	mb_accept_base(&m, 4);
	for (i = 0; i < KTLS_MAX_PEER_IDENTITIES; i++)
		mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_PEER_IDENTITY, 100 + i);
	ck_assert_int_eq(mb_parse_accept(&m, &req), 0);
	ck_assert_uint_eq(req.num_peer_identities, KTLS_MAX_PEER_IDENTITIES);
	ck_assert_int_eq(req.peer_identities[KTLS_MAX_PEER_IDENTITIES - 1],
			 100 + KTLS_MAX_PEER_IDENTITIES - 1);

	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_PEER_IDENTITY, 999);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -E2BIG);
	ck_assert_uint_eq(req.num_peer_identities, KTLS_MAX_PEER_IDENTITIES);
	ck_assert_int_eq(req.sockfd, 4);
}
END_TEST

START_TEST(test_netlink_accept_repeats_and_negatives)
{
	static const uint32_t fd5 = 5, psk_mode = 3, serial_m2 = (uint32_t)-2,
			      serial_m3 = (uint32_t)-3;
	static const struct extra_attr repeats[] = {
		/* Two SOCKFDs: refused, and the first is the one reported. */
		{ "second SOCKFD", KTLS_HANDSHAKE_A_ACCEPT_SOCKFD,
		  &fd5, sizeof(fd5), -EPROTO },
		{ "second AUTH_MODE", KTLS_HANDSHAKE_A_ACCEPT_AUTH_MODE,
		  &psk_mode, sizeof(psk_mode), -EPROTO },
		/* Negative serials are KEY_SPEC_* aliases, never from the kernel. */
		{ "PEER_IDENTITY -3", KTLS_HANDSHAKE_A_ACCEPT_PEER_IDENTITY,
		  &serial_m3, sizeof(serial_m3), -EBADMSG },
		{ "KEYRING -2", KTLS_HANDSHAKE_A_ACCEPT_KEYRING,
		  &serial_m2, sizeof(serial_m2), -EBADMSG },
	};
	struct ktls_request req;
	struct mb m;
	size_t nest;

	check_extra_attrs(repeats, ARRAY_SIZE(repeats));
	mb_accept_base(&m, 4);
	nest = mb_nest_start(&m, KTLS_HANDSHAKE_A_ACCEPT_CERTIFICATE |
					 NLA_F_NESTED);
	mb_u32(&m, KTLS_HANDSHAKE_A_X509_PRIVKEY, (uint32_t)-1);
	mb_nest_end(&m, nest);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);

	/* A negative fd is not an fd. */
	mb_accept_base(&m, -1);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);
	ck_assert_int_eq(req.sockfd, -1);
}
END_TEST

START_TEST(test_netlink_accept_malformed_nest)
{
	struct ktls_request req;
	struct mb m;
	size_t nest;

	mb_accept_base(&m, 4);
	nest = mb_nest_start(&m, KTLS_HANDSHAKE_A_ACCEPT_CERTIFICATE |
					 NLA_F_NESTED);
	mb_u32(&m, KTLS_HANDSHAKE_A_X509_CERT, 0x10);
	m.len += 3; /* garbage inside the nest */
	mb_nest_end(&m, nest);
	ck_assert_int_eq(mb_parse_accept(&m, &req), -EBADMSG);
	ck_assert_int_eq(req.sockfd, 4);
}
END_TEST

START_TEST(test_netlink_accept_kernel_errors)
{
	/* The error in an NLMSG_ERROR reply, and what the parser makes of it. */
	static const struct {
		int error, ret;
	} errors[] = {
		{ -EAGAIN, -EAGAIN },
		{ -EPERM, -EPERM },
		{ 0, -ENOMSG },		/* an ACK is no reply */
		{ 5, -EBADMSG },
		{ -100000, -EBADMSG },
	};
	struct ktls_request req;
	struct mb m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errors); i++) {
		int ret = ktls_nl_parse_accept(m.buf,
					       mb_error(&m, errors[i].error),
					       &req);

		ck_assert_msg(ret == errors[i].ret, "error %d: got %d, want %d",
			      errors[i].error, ret, errors[i].ret);
		ck_assert_int_eq(req.sockfd, -1);
	}
	/* An error message too short to hold the error code. */
	mb_error(&m, -EAGAIN);
	((struct nlmsghdr *)m.buf)->nlmsg_len = NLMSG_HDRLEN + 2;
	ck_assert_int_eq(ktls_nl_parse_accept(m.buf, m.len, &req), -EBADMSG);
}
END_TEST

START_TEST(test_netlink_ready_parse)
{
	uint32_t class = 99;
	struct mb m;

	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_READY);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_HANDLER_CLASS,
	       KTLS_HANDSHAKE_HANDLER_CLASS_TLSHD);
	ck_assert_int_eq(ktls_nl_parse_ready(m.buf, mb_end(&m), &class), 0);
	ck_assert_uint_eq(class, KTLS_HANDSHAKE_HANDLER_CLASS_TLSHD);

	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_READY);
	ck_assert_int_eq(ktls_nl_parse_ready(m.buf, mb_end(&m), &class),
			 -EPROTO);

	mb_start(&m, FAMILY, KTLS_HANDSHAKE_CMD_ACCEPT);
	mb_u32(&m, KTLS_HANDSHAKE_A_ACCEPT_HANDLER_CLASS, 1);
	ck_assert_int_eq(ktls_nl_parse_ready(m.buf, mb_end(&m), &class),
			 -EBADMSG);
}
END_TEST

/* ---- messages we build ---- */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Check one attribute at *off and advance past it. */
static void expect_u32_attr(const uint8_t *buf, size_t *off, uint16_t type,
			    uint32_t value)
{
	ck_assert_uint_eq(rd16(buf + *off), 8);
	ck_assert_uint_eq(rd16(buf + *off + 2), type);
	ck_assert_uint_eq(rd32(buf + *off + 4), value);
	*off += 8;
}

/* Build a DONE for @done into @buf (@size bytes), to FAMILY, SEQ and PORT. */
static int build_done(const struct ktls_done *done,
		      const struct ktls_nl_caps *caps, uint8_t *buf,
		      size_t size, size_t *len)
{
	return ktls_nl_build_done(done, caps, FAMILY, SEQ, PORT, buf, size,
				  len);
}

START_TEST(test_netlink_done_build_layout)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct ktls_done done = {
		.sockfd = 9,
		.status = 0,
		.num_remote_auth = 2,
		.remote_auth = { 0x1234, KTLS_HANDSHAKE_PEERID_VERIFIED },
	};
	size_t len, off;

	ck_assert_int_eq(build_done(&done, NULL, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, NLMSG_HDRLEN + GENL_HDRLEN + 4 * 8);
	ck_assert_uint_eq(rd32(buf), len);
	ck_assert_uint_eq(rd16(buf + 4), FAMILY);
	ck_assert_uint_eq(rd16(buf + 6), NLM_F_REQUEST | NLM_F_ACK);
	ck_assert_uint_eq(rd32(buf + 8), SEQ);
	ck_assert_uint_eq(rd32(buf + 12), PORT);
	ck_assert_uint_eq(buf[16], KTLS_HANDSHAKE_CMD_DONE);
	ck_assert_uint_eq(buf[17], KTLS_HANDSHAKE_FAMILY_VERSION);
	off = NLMSG_HDRLEN + GENL_HDRLEN;
	expect_u32_attr(buf, &off, KTLS_HANDSHAKE_A_DONE_STATUS, 0);
	expect_u32_attr(buf, &off, KTLS_HANDSHAKE_A_DONE_SOCKFD, 9);
	expect_u32_attr(buf, &off, KTLS_HANDSHAKE_A_DONE_REMOTE_AUTH, 0x1234);
	expect_u32_attr(buf, &off, KTLS_HANDSHAKE_A_DONE_REMOTE_AUTH,
			0xffffffffu);
	ck_assert_uint_eq(off, len);

	/* A failure: positive errno, no peer ids. */
	done.status = EKEYREJECTED;
	done.num_remote_auth = 0;
	ck_assert_int_eq(build_done(&done, NULL, buf, sizeof(buf), &len), 0);
	off = NLMSG_HDRLEN + GENL_HDRLEN;
	expect_u32_attr(buf, &off, KTLS_HANDSHAKE_A_DONE_STATUS, EKEYREJECTED);
	expect_u32_attr(buf, &off, KTLS_HANDSHAKE_A_DONE_SOCKFD, 9);
	ck_assert_uint_eq(off, len);
}
END_TEST

START_TEST(test_netlink_done_tags_need_kernel_support)
{
	uint8_t buf[256] __attribute__((aligned(8)));
	struct ktls_done done = {
		.sockfd = 3,
		.status = 0,
		.num_tags = 2,
		.tags = { "mtls", "backup-hosts" },
	};
	struct ktls_nl_caps caps;
	size_t len, off;

	/* Mainline kernels: no TAG attribute, so no tags on the wire. */
	ktls_nl_caps_default(&caps);
	ck_assert(!ktls_nl_caps_done_has(&caps, KTLS_HANDSHAKE_A_DONE_TAG));
	ck_assert_int_eq(build_done(&done, &caps, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, NLMSG_HDRLEN + GENL_HDRLEN + 2 * 8);

	caps.probed = true;
	caps.done_attrs |= 1u << KTLS_HANDSHAKE_A_DONE_TAG;
	ck_assert_int_eq(build_done(&done, &caps, buf, sizeof(buf), &len), 0);
	off = NLMSG_HDRLEN + GENL_HDRLEN + 2 * 8;
	ck_assert_uint_eq(rd16(buf + off), 4 + 5);
	ck_assert_uint_eq(rd16(buf + off + 2), KTLS_HANDSHAKE_A_DONE_TAG);
	ck_assert_mem_eq(buf + off + 4, "mtls\0\0\0", 8);
	off += 12;
	ck_assert_uint_eq(rd16(buf + off), 4 + 13);
	ck_assert_mem_eq(buf + off + 4, "backup-hosts\0\0\0\0", 16);
	off += 20;
	ck_assert_uint_eq(off, len);
}
END_TEST

START_TEST(test_netlink_done_rejects_bad_input)
{
	/* A DONE, the room it is given, and the answer. */
	static const struct {
		const char *what;
		struct ktls_done done;
		size_t size;
		int ret;
	} cases[] = {
		/* negative: a caller bug */
		{ "status -EACCES", { .sockfd = 3, .status = -EACCES }, 256, -ERANGE },
		{ "status above the kernel's limit",
		  { .sockfd = 3, .status = KTLS_HANDSHAKE_MAX_ERRNO + 1 }, 256, -ERANGE },
		{ "status at the kernel's limit",
		  { .sockfd = 3, .status = KTLS_HANDSHAKE_MAX_ERRNO }, 256, 0 },
		{ "fd -1", { .sockfd = -1, .status = EIO }, 256, -EBADF },
		{ "too many peer ids",
		  { .sockfd = 3, .status = EIO,
		    .num_remote_auth = KTLS_DONE_MAX_REMOTE_AUTH + 1 }, 256, -E2BIG },
		{ "tag with a space",
		  { .sockfd = 3, .status = EIO, .num_tags = 1, .tags = { "no spaces" } },
		  256, -EINVAL },
		{ "empty tag",
		  { .sockfd = 3, .status = EIO, .num_tags = 1, .tags = { "" } },
		  256, -EINVAL },
		{ "32-byte buffer", { .sockfd = 3, .status = EIO }, 32, -ENOSPC },
	};
	uint8_t buf[256] __attribute__((aligned(8)));
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret;

		ck_assert_uint_le(cases[i].size, sizeof(buf));
		ret = build_done(&cases[i].done, NULL, buf, cases[i].size, &len);
		ck_assert_msg(ret == cases[i].ret, "%s: got %d, want %d",
			      cases[i].what, ret, cases[i].ret);
	}
}
END_TEST

START_TEST(test_netlink_accept_build_layout)
{
	uint8_t buf[64] __attribute__((aligned(8)));
	size_t len, off;

	ck_assert_int_eq(ktls_nl_build_accept(FAMILY, SEQ, PORT, buf,
					      sizeof(buf), &len),
			 0);
	ck_assert_uint_eq(len, NLMSG_HDRLEN + GENL_HDRLEN + 8);
	ck_assert_uint_eq(rd16(buf + 4), FAMILY);
	ck_assert_uint_eq(rd16(buf + 6), NLM_F_REQUEST);
	ck_assert_uint_eq(buf[16], KTLS_HANDSHAKE_CMD_ACCEPT);
	off = NLMSG_HDRLEN + GENL_HDRLEN;
	expect_u32_attr(buf, &off, KTLS_HANDSHAKE_A_ACCEPT_HANDLER_CLASS,
			KTLS_HANDSHAKE_HANDLER_CLASS_TLSHD);
}
END_TEST

/* ---- GETPOLICY probe ---- */

#define CTRL_FAMILY_ID 1
#define CTRL_POLICY 8
#define CTRL_OP_POLICY 9
#define CTRL_POLICY_DO 1
#define CTRL_GETPOLICY 10

static size_t mb_policy_op(struct mb *m, uint16_t family, uint32_t do_idx)
{
	uint16_t fam = family;
	size_t outer, op;

	mb_start(m, GENL_ID_CTRL, CTRL_GETPOLICY);
	mb_attr(m, CTRL_FAMILY_ID, &fam, sizeof(fam));
	outer = mb_nest_start(m, CTRL_OP_POLICY | NLA_F_NESTED);
	op = mb_nest_start(m, KTLS_HANDSHAKE_CMD_DONE | NLA_F_NESTED);
	mb_u32(m, CTRL_POLICY_DO, do_idx);
	mb_nest_end(m, op);
	mb_nest_end(m, outer);
	return mb_end(m);
}

/* One dumped attribute: { [idx] = { [attr] = { NL_POLICY_TYPE_ATTR_TYPE } } } */
static size_t mb_policy_attr(struct mb *m, uint16_t family, uint16_t idx,
			     uint16_t attr)
{
	uint16_t fam = family;
	size_t outer, pol, at;

	mb_start(m, GENL_ID_CTRL, CTRL_GETPOLICY);
	mb_attr(m, CTRL_FAMILY_ID, &fam, sizeof(fam));
	outer = mb_nest_start(m, CTRL_POLICY | NLA_F_NESTED);
	pol = mb_nest_start(m, idx | NLA_F_NESTED);
	at = mb_nest_start(m, attr | NLA_F_NESTED);
	mb_u32(m, 1 /* NL_POLICY_TYPE_ATTR_TYPE */, 3 /* NL_ATTR_TYPE_U32 */);
	mb_nest_end(m, at);
	mb_nest_end(m, pol);
	mb_nest_end(m, outer);
	return mb_end(m);
}

START_TEST(test_netlink_policy_probe_finds_tag)
{
	struct ktls_nl_policy_scan scan;
	struct ktls_nl_caps caps;
	struct mb m;
	uint16_t a;

	ktls_nl_policy_scan_init(&scan, FAMILY);
	ck_assert_int_eq(ktls_nl_parse_policy(&scan, m.buf,
					      mb_policy_op(&m, FAMILY, 0)),
			 0);
	for (a = 1; a <= 4; a++)
		ck_assert_int_eq(ktls_nl_parse_policy(&scan, m.buf,
						      mb_policy_attr(&m, FAMILY,
								     0, a)),
				 0);
	/* Another family's policy must not count. */
	ck_assert_int_eq(ktls_nl_parse_policy(&scan, m.buf,
					      mb_policy_attr(&m, FAMILY + 1, 0,
							     7)),
			 0);
	ktls_nl_policy_caps(&scan, &caps);
	ck_assert(caps.probed);
	ck_assert(ktls_nl_caps_done_has(&caps, KTLS_HANDSHAKE_A_DONE_TAG));
	ck_assert(ktls_nl_caps_done_has(&caps,
					KTLS_HANDSHAKE_A_DONE_REMOTE_AUTH));
	ck_assert(!ktls_nl_caps_done_has(&caps, 7));
}
END_TEST

START_TEST(test_netlink_policy_probe_mainline)
{
	struct ktls_nl_policy_scan scan;
	struct ktls_nl_caps caps;
	struct mb m;
	uint16_t a;

	ktls_nl_policy_scan_init(&scan, FAMILY);
	/* Attributes may come before the op message; order must not matter. */
	for (a = 1; a <= 3; a++)
		ck_assert_int_eq(ktls_nl_parse_policy(&scan, m.buf,
						      mb_policy_attr(&m, FAMILY,
								     1, a)),
				 0);
	ck_assert_int_eq(ktls_nl_parse_policy(&scan, m.buf,
					      mb_policy_attr(&m, FAMILY, 0, 4)),
			 0);
	ck_assert_int_eq(ktls_nl_parse_policy(&scan, m.buf,
					      mb_policy_op(&m, FAMILY, 1)),
			 0);
	ktls_nl_policy_caps(&scan, &caps);
	ck_assert(caps.probed);
	ck_assert_uint_eq(caps.done_attrs, (1u << 1) | (1u << 2) | (1u << 3));
	ck_assert(!ktls_nl_caps_done_has(&caps, KTLS_HANDSHAKE_A_DONE_TAG));
}
END_TEST

START_TEST(test_netlink_policy_probe_defaults)
{
	struct ktls_nl_policy_scan scan;
	struct ktls_nl_caps caps;
	struct mb m;
	size_t len;

	/* No op message at all: keep the conservative defaults. */
	ktls_nl_policy_scan_init(&scan, FAMILY);
	ktls_nl_policy_caps(&scan, &caps);
	ck_assert(!caps.probed);
	ck_assert(ktls_nl_caps_done_has(&caps, KTLS_HANDSHAKE_A_DONE_SOCKFD));
	ck_assert(!ktls_nl_caps_done_has(&caps, KTLS_HANDSHAKE_A_DONE_TAG));
	ck_assert(!ktls_nl_caps_done_has(NULL, KTLS_HANDSHAKE_A_DONE_TAG));
	ck_assert(!ktls_nl_caps_done_has(&caps, 40));

	/* A malformed dump message is an error, not a crash. */
	len = mb_policy_attr(&m, FAMILY, 0, 4);
	((struct nlmsghdr *)m.buf)->nlmsg_len = (uint32_t)(len - 2);
	ck_assert_int_eq(ktls_nl_parse_policy(&scan, m.buf, len), -EBADMSG);
}
END_TEST

START_TEST(test_netlink_request_init)
{
	struct ktls_request req;

	memset(&req, 0xa5, sizeof(req));
	ktls_request_init(&req);
	ck_assert_int_eq(req.sockfd, -1);
	ck_assert_uint_eq(req.present, 0);
	ck_assert_str_eq(req.peername, "");
}
END_TEST

static Suite *netlink_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *tc = tcase_create("netlink");

	tcase_add_test(tc, test_netlink_accept_recorded_psk);
	tcase_add_test(tc, test_netlink_accept_every_truncation_is_safe);
	tcase_add_test(tc, test_netlink_accept_x509_nested_certificate);
	tcase_add_test(tc, test_netlink_accept_certificate_without_nested_flag);
	tcase_add_test(tc, test_netlink_accept_missing_optional_attrs);
	tcase_add_test(tc, test_netlink_accept_unknown_attrs_ignored);
	tcase_add_test(tc, test_netlink_accept_missing_sockfd);
	tcase_add_test(tc, test_netlink_accept_truncated_attr_keeps_sockfd);
	tcase_add_test(tc, test_netlink_accept_short_attr_header);
	tcase_add_test(tc, test_netlink_accept_wrong_u32_length);
	tcase_add_test(tc, test_netlink_accept_bad_message_header);
	tcase_add_test(tc, test_netlink_accept_peername_checks);
	tcase_add_test(tc, test_netlink_accept_identity_bound);
	tcase_add_test(tc, test_netlink_accept_repeats_and_negatives);
	tcase_add_test(tc, test_netlink_accept_malformed_nest);
	tcase_add_test(tc, test_netlink_accept_kernel_errors);
	tcase_add_test(tc, test_netlink_ready_parse);
	tcase_add_test(tc, test_netlink_done_build_layout);
	tcase_add_test(tc, test_netlink_done_tags_need_kernel_support);
	tcase_add_test(tc, test_netlink_done_rejects_bad_input);
	tcase_add_test(tc, test_netlink_accept_build_layout);
	tcase_add_test(tc, test_netlink_policy_probe_finds_tag);
	tcase_add_test(tc, test_netlink_policy_probe_mainline);
	tcase_add_test(tc, test_netlink_policy_probe_defaults);
	tcase_add_test(tc, test_netlink_request_init);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(netlink_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
