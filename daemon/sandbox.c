// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The worker's sandbox (see sandbox.h): io_uring restrictions, and a
 * classic-BPF seccomp filter written out here, so that the daemon needs
 * no library for it. The filter is a deny-list of what a compromised
 * worker would want to reach beyond the connections it holds.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sched.h>

#include "log.h"
#include "sandbox.h"

int sandbox_ring_init(unsigned int entries, struct io_uring *ring, unsigned int flags,
		      bool *restricted)
{
	static const uint8_t ops[] = {
		IORING_OP_RECVMSG, IORING_OP_READ, IORING_OP_RECV, IORING_OP_SEND,
		IORING_OP_TIMEOUT, IORING_OP_TIMEOUT_REMOVE, IORING_OP_ASYNC_CANCEL,
	};
	struct io_uring_restriction res[sizeof(ops) + 1];
	unsigned int i;
	int ret;

	*restricted = false;
	ret = io_uring_queue_init(entries, ring, flags | IORING_SETUP_R_DISABLED);
	if (ret == -EINVAL)
		return io_uring_queue_init(entries, ring, flags);
	if (ret < 0)
		return ret;
	memset(res, 0, sizeof(res));
	for (i = 0; i < sizeof(ops); i++) {
		res[i].opcode = IORING_RESTRICTION_SQE_OP;
		res[i].sqe_op = ops[i];
	}
	/* No SQE flag at all (no IOSQE_FIXED_FILE, no links, no buffers). */
	res[i].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
	res[i].sqe_flags = 0;
	/* The raw call: liburing 2.3 (Debian 12) does not export its wrappers. */
	ret = (int)syscall(__NR_io_uring_register, ring->ring_fd, IORING_REGISTER_RESTRICTIONS,
			   res, sizeof(ops) + 1);
	if (!ret)
		ret = (int)syscall(__NR_io_uring_register, ring->ring_fd,
				   IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	if (ret)
		ret = -errno;
	if (ret < 0) {
		io_uring_queue_exit(ring);
		return ret;
	}
	*restricted = true;
	return 0;
}

#if defined(__x86_64__)
#define SB_ARCH AUDIT_ARCH_X86_64
#define SB_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define SB_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define SB_ARCH AUDIT_ARCH_I386
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SB_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define SB_ARCH AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#define SB_ARCH AUDIT_ARCH_RISCV64
#endif

#define SB_NR offsetof(struct seccomp_data, nr)
/* The low 32 bits of an argument. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SB_ARG_LO(n) (offsetof(struct seccomp_data, args[n]) + 4)
#else
#define SB_ARG_LO(n) offsetof(struct seccomp_data, args[n])
#endif
/* clone's flags: the second argument on s390x, the first elsewhere. */
#if defined(__s390x__)
#define SB_CLONE_FLAGS 1
#else
#define SB_CLONE_FLAGS 0
#endif
#define SB_MAX_INSNS 160
#define SB_STMT(c, k) ((struct sock_filter)BPF_STMT((c), (k)))
#define SB_JUMP(c, k, t, f) ((struct sock_filter)BPF_JUMP((c), (k), (t), (f)))

/* Calls refused outright. */
static const int denied[] = {
#ifdef __NR_socket
	__NR_socket, __NR_socketpair, __NR_connect, __NR_bind, __NR_listen,
	__NR_accept, __NR_accept4,
#endif
#ifdef __NR_socketcall
	__NR_socketcall,
#endif
	__NR_keyctl, __NR_add_key, __NR_request_key,
#ifdef __NR_fork
	__NR_fork,
#endif
#ifdef __NR_vfork
	__NR_vfork,
#endif
	__NR_execve, __NR_execveat, __NR_ptrace,
	__NR_process_vm_readv, __NR_process_vm_writev,
	__NR_io_uring_setup, __NR_io_uring_register,
	__NR_unshare, __NR_setns, __NR_mount, __NR_chroot, __NR_bpf,
	__NR_perf_event_open, __NR_userfaultfd, __NR_pidfd_send_signal,
#ifdef __NR_pidfd_open
	__NR_pidfd_open,
#endif
};

int sandbox_seccomp(void)
{
#ifdef SB_ARCH
	struct sock_filter f[SB_MAX_INSNS];
	struct sock_fprog prog;
	uint32_t self = (uint32_t)getpid();
	unsigned int n = 0, i;

	/* Every path below emits at most this many; checked before use. */
	_Static_assert(2 * (sizeof(denied) / sizeof(denied[0])) + 32 <= SB_MAX_INSNS,
		       "the filter fits");
#define EMIT(x) (f[n++] = (x))
	EMIT(SB_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
	EMIT(SB_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SB_ARCH, 1, 0));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	EMIT(SB_STMT(BPF_LD | BPF_W | BPF_ABS, SB_NR));
#ifdef SB_X32_BIT
	/* x32 calls on x86-64: none of ours, and another numbering. */
	EMIT(SB_JUMP(BPF_JMP | BPF_JSET | BPF_K, SB_X32_BIT, 0, 1));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
#endif
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		EMIT(SB_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)denied[i], 0, 1));
		EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	}
	/* clone3's flags are behind a pointer: make glibc fall back to clone. */
	EMIT(SB_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
	/* clone: threads only (CLONE_THREAD in the flags). */
	EMIT(SB_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4));
	EMIT(SB_STMT(BPF_LD | BPF_W | BPF_ABS, SB_ARG_LO(SB_CLONE_FLAGS)));
	EMIT(SB_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	/* kill and tgkill: only ourselves (abort() and raise() signal us). */
	EMIT(SB_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_kill, 1, 0));
	EMIT(SB_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 0, 4));
	EMIT(SB_STMT(BPF_LD | BPF_W | BPF_ABS, SB_ARG_LO(0)));
	EMIT(SB_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 1, 0));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	/* tkill names a thread, not a process: ours are few, nobody else's. */
	EMIT(SB_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tkill, 0, 1));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	EMIT(SB_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
#undef EMIT
	prog.len = (unsigned short)n;
	prog.filter = f;
	/* Without NO_NEW_PRIVS an unprivileged process may not add a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
#else
	return -ENOSYS;
#endif
}
