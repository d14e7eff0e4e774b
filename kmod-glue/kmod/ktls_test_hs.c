// SPDX-License-Identifier: GPL-2.0
/*
 * ktls_test_hs - a test-only kernel TLS handshake consumer.
 *
 * Kernel users of the handshake upcall (NFS, NFSD, NVMe/TCP) are heavy to
 * set up in a test VM. This module plays their part for any TCP socket:
 * user space opens /dev/ktls_test_hs and passes a connected socket fd and
 * the handshake parameters with KTLS_TEST_HS_IOC_HANDSHAKE. We look the
 * socket up, call tls_client_hello_{anon,x509,psk}() or
 * tls_server_hello_{x509,psk}() (include/net/handshake.h), which makes
 * net/handshake announce READY to the agent, then sleep until the agent's
 * DONE reaches our done callback, or cancel the request after a bounded
 * wait. The status and peer id go back to user space. On success the
 * socket carries kernel TLS, so the test reads and writes plaintext
 * through the same fd.
 *
 * For testing only: it lets CAP_NET_ADMIN drive handshakes on arbitrary
 * sockets.
 */
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/key.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/handshake.h>
#include <net/sock.h>

#include "ktls_test_hs.h"

/* What the done callback hands back to the sleeping ioctl. */
struct ktls_test_hs_ctx {
	struct completion done;
	int status;
	key_serial_t peerid;
};

/*
 * Called by net/handshake once, when the agent's DONE arrives (or the
 * network namespace goes away). Never called after tls_handshake_cancel()
 * returned true.
 */
static void ktls_test_hs_done(void *data, int status, key_serial_t peerid)
{
	struct ktls_test_hs_ctx *ctx = data;

	ctx->status = status;
	ctx->peerid = peerid;
	complete(&ctx->done);
}

static int ktls_test_hs_check(const struct ktls_test_hs_req *req)
{
	unsigned int i;

	if (req->role != KTLS_TEST_HS_CLIENT && req->role != KTLS_TEST_HS_SERVER)
		return -EINVAL;
	if (req->auth != KTLS_TEST_HS_ANON && req->auth != KTLS_TEST_HS_X509 &&
	    req->auth != KTLS_TEST_HS_PSK)
		return -EINVAL;
	if (req->role == KTLS_TEST_HS_SERVER && req->auth == KTLS_TEST_HS_ANON)
		return -EINVAL;
	if (req->num_peerids > KTLS_TEST_HS_MAX_PEERIDS)
		return -EINVAL;
	if (req->auth == KTLS_TEST_HS_PSK && req->role == KTLS_TEST_HS_CLIENT &&
	    !req->num_peerids)
		return -EINVAL;
	if (strnlen(req->peername, sizeof(req->peername)) >=
	    sizeof(req->peername))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(req->reserved); i++)
		if (req->reserved[i])
			return -EINVAL;
	return 0;
}

/* Submit the request matching @req's role and auth mode. */
static int ktls_test_hs_submit(const struct ktls_test_hs_req *req,
			       struct tls_handshake_args *args)
{
	unsigned int i;

	if (req->auth == KTLS_TEST_HS_X509) {
		args->ta_my_cert = req->cert;
		args->ta_my_privkey = req->privkey;
	}
	if (req->auth == KTLS_TEST_HS_PSK) {
		args->ta_num_peerids = req->num_peerids;
		for (i = 0; i < req->num_peerids; i++)
			args->ta_my_peerids[i] = req->peerids[i];
	}

	if (req->role == KTLS_TEST_HS_CLIENT) {
		switch (req->auth) {
		case KTLS_TEST_HS_ANON:
			return tls_client_hello_anon(args, GFP_KERNEL);
		case KTLS_TEST_HS_X509:
			return tls_client_hello_x509(args, GFP_KERNEL);
		default:
			return tls_client_hello_psk(args, GFP_KERNEL);
		}
	}
	if (req->auth == KTLS_TEST_HS_X509)
		return tls_server_hello_x509(args, GFP_KERNEL);
	return tls_server_hello_psk(args, GFP_KERNEL);
}

static long ktls_test_hs_handshake(struct ktls_test_hs_req __user *ureq)
{
	struct tls_handshake_args args = {};
	struct ktls_test_hs_ctx *ctx = NULL;
	struct ktls_test_hs_req *req;
	struct socket *sock;
	unsigned int wait_ms;
	long left;
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;

	req = memdup_user(ureq, sizeof(*req));
	if (IS_ERR(req))
		return PTR_ERR(req);
	err = ktls_test_hs_check(req);
	if (err)
		goto out;

	err = -ENOMEM;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		goto out;
	init_completion(&ctx->done);

	/* Holds a reference on the socket's file until sockfd_put(). */
	sock = sockfd_lookup(req->sockfd, &err);
	if (!sock)
		goto out;
	err = -EINVAL;
	if (sock->type != SOCK_STREAM || !sock->sk ||
	    sock->sk->sk_protocol != IPPROTO_TCP)
		goto out_put;

	args.ta_sock = sock;
	args.ta_done = ktls_test_hs_done;
	args.ta_data = ctx;
	/* net/handshake keeps this pointer until the request completes. */
	args.ta_peername = req->peername[0] ? req->peername : NULL;
	args.ta_timeout_ms = req->timeout_ms;
	args.ta_keyring = req->keyring;

	err = ktls_test_hs_submit(req, &args);
	if (err)
		goto out_put;

	wait_ms = req->wait_ms ? req->wait_ms : KTLS_TEST_HS_DEFAULT_WAIT_MS;
	wait_ms = min_t(unsigned int, wait_ms, KTLS_TEST_HS_MAX_WAIT_MS);
	left = wait_for_completion_killable_timeout(&ctx->done,
						    msecs_to_jiffies(wait_ms));
	req->flags = 0;
	if (left <= 0) {
		if (tls_handshake_cancel(sock->sk)) {
			/* Cancelled: the done callback will never run. */
			req->flags = KTLS_TEST_HS_F_CANCELLED;
			if (!left)
				req->flags |= KTLS_TEST_HS_F_TIMEDOUT;
			req->status = left ? -EINTR : -ETIMEDOUT;
			req->peerid = 0;
			goto copy_out;
		}
		/*
		 * Completion won the race: the callback has run or is running
		 * now, so this wait is short. ctx and req->peername must stay
		 * alive until it is over.
		 */
		wait_for_completion(&ctx->done);
	}
	req->flags |= KTLS_TEST_HS_F_DONE;
	req->status = ctx->status;
	req->peerid = ctx->peerid;

copy_out:
	err = 0;
	if (copy_to_user(ureq, req, sizeof(*req)))
		err = -EFAULT;
out_put:
	sockfd_put(sock);
out:
	kfree(ctx);
	kfree(req);
	return err;
}

static long ktls_test_hs_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	switch (cmd) {
	case KTLS_TEST_HS_IOC_HANDSHAKE:
		return ktls_test_hs_handshake((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ktls_test_hs_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = ktls_test_hs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice ktls_test_hs_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KTLS_TEST_HS_DEVICE,
	.fops = &ktls_test_hs_fops,
	.mode = 0600,
};

module_misc_device(ktls_test_hs_misc);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only kernel TLS handshake consumer for ktlsd");
