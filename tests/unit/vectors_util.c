// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test-vector plumbing: locate, read and hex-decode (see vectors_util.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors_util.h"

char *vec_path(const char *rel)
{
	const char *dir = getenv("KTLS_VECTORS");
	size_t n;
	char *p;

	if (!dir || !*dir)
		return NULL;
	n = strlen(dir) + 1 + strlen(rel) + 1;
	p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

char *vec_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)size + 1);
	if (!buf)
		goto out;
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[size] = '\0';
	*len = (size_t)size;
out:
	fclose(f);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool vec_unhex(const char *hex, size_t n, uint8_t **out, size_t *len)
{
	uint8_t *buf;
	size_t i;

	*out = NULL;
	*len = 0;
	if (n % 2)
		return false;
	buf = malloc(n / 2 + 1);
	if (!buf)
		return false;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(buf);
			return false;
		}
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = buf;
	*len = n / 2;
	return true;
}
