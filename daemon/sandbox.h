/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker's sandbox, set up after its ring and before its first peer
 * byte: an io_uring ring that only runs the operations the loop submits,
 * and a seccomp filter that refuses what a worker never needs (a socket
 * of its own, a keyring, a new process or program, another process).
 */
#ifndef KTLSD_SANDBOX_H
#define KTLSD_SANDBOX_H

#include <liburing.h>

/**
 * sandbox_ring_init() - io_uring_queue_init() of a restricted ring
 * @entries, @ring, @flags: as for io_uring_queue_init()
 *
 * The ring is created disabled, limited with IORING_REGISTER_RESTRICTIONS
 * to the opcodes the worker uses (RECVMSG, READ, RECV, SEND, TIMEOUT,
 * TIMEOUT_REMOVE, ASYNC_CANCEL), no SQE flags and no register call, then
 * enabled. A kernel without restrictions (before 5.10) gets a plain ring
 * and *@restricted false.
 * Return: 0 or -errno, as io_uring_queue_init().
 */
int sandbox_ring_init(unsigned int entries, struct io_uring *ring, unsigned int flags,
		      bool *restricted);

/**
 * sandbox_seccomp() - install the worker's seccomp filter
 *
 * Refused with EPERM from then on: socket, socketpair, connect, bind,
 * listen, accept(4); keyctl, add_key, request_key; fork, vfork, clone
 * without CLONE_THREAD, execve(at); ptrace, process_vm_readv/writev;
 * kill, tkill, tgkill and pidfd_send_signal of any process but itself;
 * io_uring_setup and io_uring_register; unshare, setns, mount, chroot,
 * bpf, perf_event_open, userfaultfd. clone3 gets ENOSYS (glibc then uses
 * clone, whose flags the filter can see).
 * Return: 0, or -errno (then no filter is installed).
 */
int sandbox_seccomp(void);

#endif /* KTLSD_SANDBOX_H */
