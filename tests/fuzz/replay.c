// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Corpus replay without libFuzzer: a main() that hands every file of the
 * given files and directories to the target's LLVMFuzzerTestOneInput(), so
 * `make check` runs each seed corpus with the ordinary compiler (and under
 * whatever sanitizer or valgrind the build uses).
 *
 *	fuzz_<target> [file|dir]...
 *
 * With no arguments it replays $FUZZ_CORPUS_DIR/<target>, <target> being
 * the program name without its "fuzz_" prefix (the Makefile sets the
 * variable). A crash or abort fails the test by itself; an input that runs
 * longer than FUZZ_REPLAY_TIMEOUT seconds (default 60) is killed by
 * SIGALRM. Replaying nothing is a hard error (exit 99), so a missing
 * corpus cannot pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

static unsigned int timeout_s = 60;
static size_t replayed;

static int replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			data = realloc(data, cap);
			if (!data) {
				fclose(f);
				return -1;
			}
		}
		n = fread(data + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "replaying %s (%zu bytes)\n", path, len);
	/* An exact-size copy, so reads past the end hit the redzone. */
	data = realloc(data, len ? len : 1);
	alarm(timeout_s);
	LLVMFuzzerTestOneInput(data, len);
	alarm(0);
	free(data);
	replayed++;
	return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_path(const char *path)
{
	struct dirent **ents;
	struct stat st;
	char sub[4096];
	int n, i, ret = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	n = scandir(path, &ents, NULL, name_cmp);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			if (!stat(sub, &st) && S_ISREG(st.st_mode) && replay_file(sub))
				ret = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

int main(int argc, char **argv)
{
	const char *env = getenv("FUZZ_REPLAY_TIMEOUT");
	const char *base = strrchr(argv[0], '/');
	char def[4096];
	int i, ret = 0;

	if (env && atoi(env) > 0)
		timeout_s = (unsigned int)atoi(env);
	base = base ? base + 1 : argv[0];
	if (!strncmp(base, "fuzz_", 5))
		base += 5;
	LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		env = getenv("FUZZ_CORPUS_DIR");
		if (!env) {
			fprintf(stderr, "usage: %s [file|dir]... (or set FUZZ_CORPUS_DIR)\n",
				argv[0]);
			return 99;
		}
		snprintf(def, sizeof(def), "%s/%s", env, base);
		ret = replay_path(def);
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]))
			ret = -1;
	if (ret || !replayed) {
		fprintf(stderr, "%s: nothing replayed or unreadable input\n", argv[0]);
		return 99;
	}
	printf("%s: replayed %zu inputs\n", argv[0], replayed);
	return 0;
}
