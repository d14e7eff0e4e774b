// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for kmod-glue/ktls.c: the exact crypto_info bytes and sizes
 * handed to the kernel for each TLS 1.3 cipher (salt/iv split, big-endian
 * record sequence), cross-checked against <linux/tls.h> where the build
 * host has it, and the order and contents of the setsockopt() calls that
 * install kernel TLS, captured through the replaceable function pointer.
 */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "ktls.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- setsockopt capture ---- */

#define MAX_CALLS 16

struct call {
	int fd, level, optname;
	socklen_t len;
	uint8_t val[128];
};

static struct call calls[MAX_CALLS];
static unsigned int ncalls;
/* Fail this (level, optname) with fail_errno; level 0 = never fail. */
static int fail_level, fail_optname, fail_errno;
/* Probe fake: TLS_TX succeeds only for these cipher types (bitmask). */
static uint32_t tx_cipher_ok;

static int fake_setsockopt(int fd, int level, int optname, const void *val,
			   socklen_t len)
{
	struct call *c;

	ck_assert_uint_lt(ncalls, MAX_CALLS);
	c = &calls[ncalls++];
	c->fd = fd;
	c->level = level;
	c->optname = optname;
	c->len = len;
	ck_assert_uint_le(len, sizeof(c->val));
	memcpy(c->val, val, len);

	if (fail_level && level == fail_level && optname == fail_optname) {
		errno = fail_errno;
		return -1;
	}
	if (tx_cipher_ok && level == SOL_TLS && optname == TLS_TX) {
		struct ktls_crypto_info_hdr h;

		memcpy(&h, val, sizeof(h));
		if (!(tx_cipher_ok & (1u << (h.cipher_type - 50)))) {
			errno = EINVAL;
			return -1;
		}
	}
	return 0;
}

static void capture_setup(void)
{
	memset(calls, 0, sizeof(calls));
	ncalls = 0;
	fail_level = fail_optname = fail_errno = 0;
	tx_cipher_ok = 0;
	ktls_glue_set_setsockopt(fake_setsockopt);
}

static void capture_teardown(void)
{
	ktls_glue_set_setsockopt(NULL);
}

/* key = base, base+1, ...; iv = 0xa0..0xab; seq = 0x0102030405060708 */
static void make_keys(struct ktls_glue_keys *k, uint16_t suite, size_t klen,
		      uint8_t base)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->cipher_suite = suite;
	k->key_len = klen;
	for (i = 0; i < klen; i++)
		k->key[i] = (uint8_t)(base + i);
	for (i = 0; i < KTLS_GLUE_IV_LEN; i++)
		k->iv[i] = (uint8_t)(0xa0 + i);
	k->seq = 0x0102030405060708ull;
}

static const uint8_t seq_be[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* Expected bytes for a GCM/CCM suite: info, iv[4..11], key, salt, rec_seq. */
static size_t expect_aead(uint8_t *out, uint16_t cipher_type, size_t klen,
			  uint8_t base)
{
	size_t off = 0, i;

	out[off++] = 0x04; /* TLS_1_3_VERSION 0x0304, host order (LE) */
	out[off++] = 0x03;
	out[off++] = (uint8_t)cipher_type;
	out[off++] = 0;
	for (i = 4; i < 12; i++)
		out[off++] = (uint8_t)(0xa0 + i);
	for (i = 0; i < klen; i++)
		out[off++] = (uint8_t)(base + i);
	for (i = 0; i < 4; i++)
		out[off++] = (uint8_t)(0xa0 + i);
	memcpy(out + off, seq_be, 8);
	return off + 8;
}

static void check_info(uint16_t suite, size_t klen, uint16_t cipher_type,
		       socklen_t want_len)
{
	union ktls_crypto_info ci;
	struct ktls_glue_keys k;
	uint8_t want[64];
	socklen_t len;
	size_t wlen;

	make_keys(&k, suite, klen, 0x10);
	ck_assert_int_eq(ktls_glue_crypto_info(&k, &ci, &len), 0);
	ck_assert_int_eq(len, want_len);
	ck_assert_uint_eq(ci.info.version, TLS_1_3_VERSION);
	ck_assert_uint_eq(ci.info.cipher_type, cipher_type);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	wlen = expect_aead(want, cipher_type, klen, 0x10);
	ck_assert_uint_eq(wlen, want_len);
	ck_assert_mem_eq(&ci, want, wlen);
#else
	(void)wlen;
	(void)want;
#endif
}

START_TEST(test_ktls_info_aes_128_gcm_layout)
{
	check_info(0x1301, 16, TLS_CIPHER_AES_GCM_128, 40);
}
END_TEST

START_TEST(test_ktls_info_aes_256_gcm_layout)
{
	check_info(0x1302, 32, TLS_CIPHER_AES_GCM_256, 56);
}
END_TEST

START_TEST(test_ktls_info_aes_128_ccm_layout)
{
	check_info(0x1304, 16, TLS_CIPHER_AES_CCM_128, 40);
}
END_TEST

START_TEST(test_ktls_info_chacha20_layout)
{
	union ktls_crypto_info ci;
	struct ktls_glue_keys k;
	const uint8_t *b = (const uint8_t *)&ci;
	socklen_t len;
	size_t i;

	make_keys(&k, 0x1303, 32, 0x40);
	ck_assert_int_eq(ktls_glue_crypto_info(&k, &ci, &len), 0);
	ck_assert_int_eq(len, 56);
	ck_assert_uint_eq(ci.info.version, TLS_1_3_VERSION);
	ck_assert_uint_eq(ci.info.cipher_type, TLS_CIPHER_CHACHA20_POLY1305);
	/* iv: the whole 12-byte write_iv; no salt. */
	for (i = 0; i < 12; i++)
		ck_assert_uint_eq(b[4 + i], 0xa0 + i);
	for (i = 0; i < 32; i++)
		ck_assert_uint_eq(b[16 + i], 0x40 + i);
	ck_assert_mem_eq(b + 48, seq_be, 8);
}
END_TEST

START_TEST(test_ktls_info_matches_system_header)
{
#if defined(__has_include)
#if __has_include(<linux/tls.h>) && defined(TLS_CIPHER_CHACHA20_POLY1305_IV_SIZE)
	ck_assert_uint_eq(sizeof(struct tls12_crypto_info_aes_gcm_128),
			  sizeof(struct ktls_crypto_info_aes_gcm_128));
	ck_assert_uint_eq(offsetof(struct tls12_crypto_info_aes_gcm_128, salt),
			  offsetof(struct ktls_crypto_info_aes_gcm_128, salt));
	ck_assert_uint_eq(offsetof(struct tls12_crypto_info_aes_gcm_128,
				   rec_seq),
			  offsetof(struct ktls_crypto_info_aes_gcm_128,
				   rec_seq));
	ck_assert_uint_eq(sizeof(struct tls12_crypto_info_aes_gcm_256),
			  sizeof(struct ktls_crypto_info_aes_gcm_256));
	ck_assert_uint_eq(offsetof(struct tls12_crypto_info_aes_gcm_256, key),
			  offsetof(struct ktls_crypto_info_aes_gcm_256, key));
	ck_assert_uint_eq(sizeof(struct tls12_crypto_info_aes_ccm_128),
			  sizeof(struct ktls_crypto_info_aes_ccm_128));
	ck_assert_uint_eq(offsetof(struct tls12_crypto_info_aes_ccm_128, salt),
			  offsetof(struct ktls_crypto_info_aes_ccm_128, salt));
	ck_assert_uint_eq(sizeof(struct tls12_crypto_info_chacha20_poly1305),
			  sizeof(struct ktls_crypto_info_chacha20_poly1305));
	ck_assert_uint_eq(offsetof(struct tls12_crypto_info_chacha20_poly1305,
				   rec_seq),
			  offsetof(struct ktls_crypto_info_chacha20_poly1305,
				   rec_seq));
	ck_assert_int_eq(TLS_CIPHER_AES_GCM_128_IV_SIZE +
				 TLS_CIPHER_AES_GCM_128_SALT_SIZE,
			 KTLS_GLUE_IV_LEN);
	ck_assert_int_eq(TLS_CIPHER_CHACHA20_POLY1305_IV_SIZE, KTLS_GLUE_IV_LEN);
#endif
#endif
	ck_assert_int_eq(SOL_TLS, 282);
	ck_assert_int_eq(TCP_ULP, 31);
	ck_assert_int_eq(TLS_TX_MAX_PAYLOAD_LEN, 5);
}
END_TEST

START_TEST(test_ktls_info_rejects_bad_keys)
{
	union ktls_crypto_info ci;
	struct ktls_glue_keys k;
	socklen_t len = 99;

	make_keys(&k, 0x1301, 32, 0);
	ck_assert_int_eq(ktls_glue_crypto_info(&k, &ci, &len), -EINVAL);
	make_keys(&k, 0x1302, 16, 0);
	ck_assert_int_eq(ktls_glue_crypto_info(&k, &ci, &len), -EINVAL);
	make_keys(&k, 0x1303, 16, 0);
	ck_assert_int_eq(ktls_glue_crypto_info(&k, &ci, &len), -EINVAL);
	make_keys(&k, 0x1305, 16, 0); /* TLS_AES_128_CCM_8_SHA256 */
	ck_assert_int_eq(ktls_glue_crypto_info(&k, &ci, &len), -EOPNOTSUPP);
	ck_assert_int_eq(len, 0);
	ck_assert_uint_eq(ktls_glue_cipher_bit(0x1305), 0);
	ck_assert_uint_eq(ktls_glue_cipher_bit(0x1303),
			  KTLS_GLUE_CHACHA20_POLY1305);
}
END_TEST

START_TEST(test_ktls_info_install_sequence)
{
	struct ktls_glue_keys tx, rx;
	union ktls_crypto_info want;
	unsigned int result = 99;
	socklen_t wlen;
	uint16_t limit;

	make_keys(&tx, 0x1302, 32, 0x00);
	make_keys(&rx, 0x1302, 32, 0x80);
	rx.seq = 1;
	ck_assert_int_eq(ktls_glue_install(7, &tx, &rx, 4095, &result), 0);
	ck_assert_uint_eq(result, KTLS_GLUE_MAX_PAYLOAD_SET);
	ck_assert_uint_eq(ncalls, 4);

	ck_assert_int_eq(calls[0].fd, 7);
	ck_assert_int_eq(calls[0].level, IPPROTO_TCP);
	ck_assert_int_eq(calls[0].optname, TCP_ULP);
	ck_assert_int_eq(calls[0].len, 4);
	ck_assert_mem_eq(calls[0].val, "tls", 4);

	ck_assert_int_eq(calls[1].level, SOL_TLS);
	ck_assert_int_eq(calls[1].optname, TLS_TX_MAX_PAYLOAD_LEN);
	ck_assert_int_eq(calls[1].len, sizeof(uint16_t));
	memcpy(&limit, calls[1].val, sizeof(limit));
	ck_assert_uint_eq(limit, 4095);

	ck_assert_int_eq(calls[2].level, SOL_TLS);
	ck_assert_int_eq(calls[2].optname, TLS_TX);
	ck_assert_int_eq(ktls_glue_crypto_info(&tx, &want, &wlen), 0);
	ck_assert_int_eq(calls[2].len, wlen);
	ck_assert_mem_eq(calls[2].val, &want, wlen);

	ck_assert_int_eq(calls[3].level, SOL_TLS);
	ck_assert_int_eq(calls[3].optname, TLS_RX);
	ck_assert_int_eq(ktls_glue_crypto_info(&rx, &want, &wlen), 0);
	ck_assert_int_eq(calls[3].len, 56);
	ck_assert_mem_eq(calls[3].val, &want, wlen);
	/* rec_seq = 1, big-endian, at the end of the 56-byte structure. */
	ck_assert_uint_eq(calls[3].val[55], 1);
	ck_assert_uint_eq(calls[3].val[48], 0);
}
END_TEST

START_TEST(test_ktls_info_install_without_limit)
{
	struct ktls_glue_keys tx, rx;

	make_keys(&tx, 0x1301, 16, 0);
	make_keys(&rx, 0x1301, 16, 1);
	ck_assert_int_eq(ktls_glue_install(3, &tx, &rx, 0, NULL), 0);
	ck_assert_uint_eq(ncalls, 3);
	ck_assert_int_eq(calls[1].optname, TLS_TX);
	ck_assert_int_eq(calls[1].len, 40);
	ck_assert_int_eq(calls[2].optname, TLS_RX);
}
END_TEST

START_TEST(test_ktls_info_install_limit_unsupported)
{
	struct ktls_glue_keys tx, rx;
	unsigned int result;

	make_keys(&tx, 0x1304, 16, 0);
	make_keys(&rx, 0x1304, 16, 1);
	fail_level = SOL_TLS;
	fail_optname = TLS_TX_MAX_PAYLOAD_LEN;
	fail_errno = ENOPROTOOPT;
	ck_assert_int_eq(ktls_glue_install(3, &tx, &rx, 63, &result), 0);
	ck_assert_uint_eq(result, KTLS_GLUE_MAX_PAYLOAD_UNSUPPORTED);
	ck_assert_uint_eq(ncalls, 4);
	ck_assert_int_eq(calls[3].optname, TLS_RX);

	/* Any other error from the limit is a failure. */
	ncalls = 0;
	fail_errno = EINVAL;
	ck_assert_int_eq(ktls_glue_install(3, &tx, &rx, 63, &result), -EINVAL);
	ck_assert_uint_eq(ncalls, 2);
}
END_TEST

/* One setsockopt() the fake fails, what install returns, and the calls made. */
static const struct {
	const char *what;
	int level, optname, err;
	int ret;
	unsigned int ncalls;
} install_failures[] = {
	/* No kTLS in the kernel: stop at the ULP. */
	{ "no ULP", IPPROTO_TCP, TCP_ULP, ENOENT, -ENOENT, 1 },
	/* TX refused: RX is never attempted. */
	{ "TX refused", SOL_TLS, TLS_TX, EINVAL, -EINVAL, 2 },
	{ "RX refused", SOL_TLS, TLS_RX, EBUSY, -EBUSY, 3 },
	/* A fake that forgets errno still yields an error. */
	{ "RX refused, errno 0", SOL_TLS, TLS_RX, 0, -EIO, 3 },
};

START_TEST(test_ktls_info_install_failures)
{
	struct ktls_glue_keys tx, rx;
	int ret;

	make_keys(&tx, 0x1303, 32, 0);
	make_keys(&rx, 0x1303, 32, 1);
	fail_level = install_failures[_i].level;
	fail_optname = install_failures[_i].optname;
	fail_errno = install_failures[_i].err;
	errno = 0;
	ret = ktls_glue_install(3, &tx, &rx, 0, NULL);
	ck_assert_msg(ret == install_failures[_i].ret, "%s: got %d, want %d",
		      install_failures[_i].what, ret, install_failures[_i].ret);
	ck_assert_uint_eq(ncalls, install_failures[_i].ncalls);
}
END_TEST

START_TEST(test_ktls_info_install_checks_before_touching_socket)
{
	struct ktls_glue_keys tx, rx;

	make_keys(&tx, 0x1301, 16, 0);
	make_keys(&rx, 0x1302, 32, 0);
	ck_assert_int_eq(ktls_glue_install(3, &tx, &rx, 0, NULL), -EINVAL);
	make_keys(&rx, 0x1301, 16, 0);
	ck_assert_int_eq(ktls_glue_install(3, &tx, &rx, 62, NULL), -EINVAL);
	ck_assert_int_eq(ktls_glue_install(3, &tx, &rx, 16385, NULL), -EINVAL);
	ck_assert_int_eq(ktls_glue_install(-1, &tx, &rx, 0, NULL), -EINVAL);
	tx.key_len = 15;
	ck_assert_int_eq(ktls_glue_install(3, &tx, &rx, 0, NULL), -EINVAL);
	ck_assert_uint_eq(ncalls, 0);
}
END_TEST

START_TEST(test_ktls_info_probe_with_fake_kernel)
{
	unsigned int mask = 0;
	int ret;

	/* Fake kernel: AES-GCM only (cipher types 51 and 52). */
	tx_cipher_ok = (1u << 1) | (1u << 2);
	ret = ktls_glue_probe_ciphers(&mask);
	if (ret == -EAFNOSUPPORT || ret == -ENETUNREACH)
		return; /* no IPv4 loopback in this sandbox */
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(mask, KTLS_GLUE_AES_128_GCM | KTLS_GLUE_AES_256_GCM);
	ck_assert_uint_eq(ncalls, 8);

	/* Fake kernel without the tls ULP. */
	ncalls = 0;
	fail_level = IPPROTO_TCP;
	fail_optname = TCP_ULP;
	fail_errno = ENOENT;
	ck_assert_int_eq(ktls_glue_probe_ciphers(&mask), -ENOENT);
	ck_assert_uint_eq(mask, 0);
}
END_TEST

START_TEST(test_ktls_info_probe_real_kernel)
{
	unsigned int mask = 99;
	int ret;

	ktls_glue_set_setsockopt(NULL);
	ret = ktls_glue_probe_ciphers(&mask);
	/* Hosts without kTLS fail cleanly; kernels with it report ciphers. */
	if (ret)
		ck_assert_uint_eq(mask, 0);
	else
		ck_assert_uint_eq(mask & ~KTLS_GLUE_ALL_CIPHERS, 0);
}
END_TEST

START_TEST(test_ktls_info_nagle_save_restore)
{
	int fd, saved = -1, val;
	socklen_t len = sizeof(val);

	ktls_glue_set_setsockopt(NULL);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return;
	ck_assert_int_eq(ktls_glue_nagle_save(fd, &saved), 0);
	ck_assert_int_eq(saved, 0);
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &val, &len),
			 0);
	ck_assert_int_ne(val, 0);
	ck_assert_int_eq(ktls_glue_nagle_restore(fd, saved), 0);
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &val, &len),
			 0);
	ck_assert_int_eq(val, 0);
	close(fd);

	ck_assert_int_eq(ktls_glue_nagle_save(-1, &saved), -EBADF);
}
END_TEST

static Suite *ktls_info_suite(void)
{
	Suite *s = suite_create("ktls_info");
	TCase *tc = tcase_create("ktls_info");

	tcase_add_checked_fixture(tc, capture_setup, capture_teardown);
	tcase_add_test(tc, test_ktls_info_aes_128_gcm_layout);
	tcase_add_test(tc, test_ktls_info_aes_256_gcm_layout);
	tcase_add_test(tc, test_ktls_info_aes_128_ccm_layout);
	tcase_add_test(tc, test_ktls_info_chacha20_layout);
	tcase_add_test(tc, test_ktls_info_matches_system_header);
	tcase_add_test(tc, test_ktls_info_rejects_bad_keys);
	tcase_add_test(tc, test_ktls_info_install_sequence);
	tcase_add_test(tc, test_ktls_info_install_without_limit);
	tcase_add_test(tc, test_ktls_info_install_limit_unsupported);
	tcase_add_loop_test(tc, test_ktls_info_install_failures, 0,
			    ARRAY_SIZE(install_failures));
	tcase_add_test(tc, test_ktls_info_install_checks_before_touching_socket);
	tcase_add_test(tc, test_ktls_info_probe_with_fake_kernel);
	tcase_add_test(tc, test_ktls_info_probe_real_kernel);
	tcase_add_test(tc, test_ktls_info_nagle_save_restore);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ktls_info_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
