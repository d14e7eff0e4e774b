// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket's request line, as a client that is not ktlsctl
 * sends it: any bytes, parsed and looked up in the command table. The
 * parser must accept or refuse without reading past the input, and what
 * it accepts must be words (non-empty, no blank, printable) of a known
 * format, at most CONTROL_MAX_WORDS of them; a command it finds must take
 * exactly the words given.
 *
 * Input: the line without its newline (as the server hands it over).
 *
 * Target functions: control_parse, control_lookup (daemon/control.c).
 */
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ctl_cmd *cmd;
	struct ctl_req req;
	char err[256];
	unsigned int i;
	const char *p;

	if (control_parse((const char *)data, size, &req, err, sizeof(err))) {
		if (!err[0] || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if (req.fmt > STAT_FMT_PROMETHEUS || req.n_words < 1 || req.n_words > CONTROL_MAX_WORDS)
		abort();
	for (i = 0; i < req.n_words; i++) {
		if (!req.word[i][0])
			abort();
		for (p = req.word[i]; *p; p++)
			if (*p == ' ' || *p == '\t' || *p < 0x20 || *p > 0x7e)
				abort();
	}
	cmd = control_lookup(&req, err, sizeof(err));
	if (cmd) {
		unsigned int n = 1;

		for (p = cmd->words; *p; p++)
			n += *p == ' ';
		if (n + cmd->nargs != req.n_words)
			abort();
	} else if (strncmp(err, "usage: ", 7) && strncmp(err, "unknown command: ", 17)) {
		abort();
	}
	return 0;
}
