/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor decides what DONE says. A worker's KP_RESULT is a claim:
 * success stands only when kernel TLS is installed on the monitor's own
 * copy of the socket, and a peer identity (REMOTE_AUTH) only when the
 * monitor itself established it for this request. Anything else is a
 * worker that lies, and its handshake fails closed.
 */
#ifndef KTLSD_VERDICT_H
#define KTLSD_VERDICT_H

#include "monitor-types.h"

/**
 * verdict_check() - the status DONE carries for @r, given the worker's @res
 * @r: the request (its worker sent @res)
 * @res: the worker's result; its REMOTE_AUTH values are cleared unless
 *	they stand
 * @why: set to the reason when a success is turned into a failure
 *
 * A failure stands as reported (with no peer identity). A success needs
 * kernel TLS on the socket in both directions (kernel_tls_installed())
 * and at most one REMOTE_AUTH value: for a PSK request exactly one, the
 * serial of a key the monitor resolved for this request; for an x509
 * server request either none or the verified-certificate sentinel, and
 * that one only after the monitor made this request's CertificateVerify;
 * for any other request none.
 * Return: 0, or a positive errno for DONE.
 */
int verdict_check(const struct mreq *r, struct kp_result *res, const char **why);

#endif /* KTLSD_VERDICT_H */
