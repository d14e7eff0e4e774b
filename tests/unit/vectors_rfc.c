// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Readers for RFC 8448 traces and RFC 5869 test cases (vectors_rfc.h).
 * The text is first split into lines with the page breaks removed; the
 * value parsers then read hex across line (and former page) boundaries
 * until they have the number of octets the RFC announces.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors_rfc.h"
#include "vectors_util.h"

struct rfc_lines {
	char *text;
	char **line;
	size_t n;
};

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool is_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return !*s;
}

/*
 * Split @path into lines and drop each page break: the form-feed line,
 * the "[Page N]" footer before it and the "RFC NNNN ..." header after it.
 */
static int lines_load(const char *path, struct rfc_lines *l)
{
	size_t len, i, cap = 0, out = 0;
	char *p;

	memset(l, 0, sizeof(*l));
	l->text = vec_read_file(path, &len);
	if (!l->text)
		return -1;
	for (p = l->text; *p; p++)
		if (*p == '\n')
			cap++;
	l->line = calloc(cap + 2, sizeof(*l->line));
	if (!l->line)
		return -1;
	for (p = l->text; *p;) {
		char *nl = strchr(p, '\n');

		l->line[l->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		p = nl + 1;
	}
	for (i = 0; i < l->n; i++) {
		if (strchr(l->line[i], '\f')) {
			/* the footer: last non-blank line kept so far */
			size_t j = out;

			while (j > 0 && is_blank(l->line[j - 1]))
				j--;
			if (j > 0 && strstr(l->line[j - 1], "[Page "))
				l->line[j - 1] = "";
			if (i + 1 < l->n && starts_with(l->line[i + 1], "RFC "))
				i++;
			continue;
		}
		l->line[out++] = l->line[i];
	}
	l->n = out;
	return 0;
}

static void lines_free(struct rfc_lines *l)
{
	free(l->line);
	free(l->text);
	memset(l, 0, sizeof(*l));
}

/* ---- RFC 8448 ---- */

/*
 * Read @want octets written as "xx xx ..." from @first and the lines after
 * *@i (blank lines allowed). *@i is left on the last line used.
 */
static int read_octets(const struct rfc_lines *l, size_t *i, const char *first,
		       size_t want, uint8_t *out)
{
	const char *s = first;
	size_t got = 0;

	for (;;) {
		while (got < want) {
			char hex[3];
			uint8_t *b;
			size_t n;

			while (*s == ' ')
				s++;
			if (!*s)
				break;
			if (!isxdigit((unsigned char)s[0]) ||
			    !isxdigit((unsigned char)s[1]) ||
			    (s[2] && s[2] != ' '))
				return -1;
			hex[0] = s[0];
			hex[1] = s[1];
			hex[2] = '\0';
			if (!vec_unhex(hex, 2, &b, &n))
				return -1;
			out[got++] = b[0];
			free(b);
			s += 2;
		}
		if (got == want)
			return is_blank(s) ? 0 : -1;
		if (++*i >= l->n)
			return -1;
		s = l->line[*i];
	}
}

static int trace_push(struct rfc_trace *t, size_t *cap, int section,
		      const char *step, const char *label, size_t label_len,
		      uint8_t *data, size_t len)
{
	struct rfc_value *v;

	if (t->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;

		v = realloc(t->v, ncap * sizeof(*v));
		if (!v)
			return -1;
		t->v = v;
		*cap = ncap;
	}
	v = &t->v[t->n];
	v->section = section;
	v->step = strdup(step);
	v->label = strndup(label, label_len);
	v->data = data;
	v->len = len;
	if (!v->step || !v->label) {
		free(v->step);
		free(v->label);
		return -1;
	}
	t->n++;
	return 0;
}

int rfc8448_load(const char *path, struct rfc_trace *t)
{
	struct rfc_lines l;
	const char *step = "";
	size_t i, cap = 0;
	int section = 0;

	memset(t, 0, sizeof(*t));
	if (lines_load(path, &l))
		goto fail;
	for (i = 0; i < l.n; i++) {
		const char *s = l.line[i], *open, *colon;
		unsigned long want;
		uint8_t *data;
		char *end;
		int sec;

		/*
		 * "3.  Simple 1-RTT Handshake" (the table of contents is
		 * indented, so only real headings start in column 0)
		 */
		if (isdigit((unsigned char)s[0])) {
			sec = (int)strtol(s, &end, 10);
			if (end[0] == '.' && end[1] == ' ')
				section = sec;
			continue;
		}
		if (starts_with(s, "   {")) {
			step = s + 3;
			continue;
		}
		if (!starts_with(s, "      ") || s[6] == ' ')
			continue;
		/* "      label (N octets):  xx xx ..." */
		open = strstr(s, " (");
		colon = strstr(s, " octets):");
		if (!open || !colon || colon < open)
			continue;
		want = strtoul(open + 2, &end, 10);
		if (end != colon)
			continue;
		data = malloc(want + 1);
		if (!data)
			goto fail;
		if (want == 0 ? !strstr(colon, "(empty)") :
		    read_octets(&l, &i, colon + strlen(" octets):"), want,
				data)) {
			fprintf(stderr, "%s: bad value near line %zu\n", path, i);
			free(data);
			goto fail;
		}
		if (trace_push(t, &cap, section, step, s + 6,
			       (size_t)(open - (s + 6)), data, want)) {
			free(data);
			goto fail;
		}
	}
	lines_free(&l);
	return 0;
fail:
	lines_free(&l);
	rfc8448_free(t);
	return -1;
}

void rfc8448_free(struct rfc_trace *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].step);
		free(t->v[i].label);
		free(t->v[i].data);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

const struct rfc_value *rfc8448_find(const struct rfc_trace *t, int section,
				     const char *step, const char *label,
				     int nth)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct rfc_value *v = &t->v[i];

		if (v->section != section || strcmp(v->label, label) ||
		    !strstr(v->step, step))
			continue;
		if (nth-- == 0)
			return v;
	}
	return NULL;
}

/* ---- RFC 5869 ---- */

/*
 * "   NAME = 0x0001...\n          0203... (N octets)" or "(0 octets)":
 * gather the hex digits up to the "(N octets)" marker and check N.
 */
static int read_hex_field(const struct rfc_lines *l, size_t *i,
			  const char *first, uint8_t **out, size_t *len)
{
	char *hex = NULL, *marker;
	size_t hn = 0, cap = 0;
	const char *s = first;
	unsigned long want;

	while (*s == ' ')
		s++;
	if (starts_with(s, "0x"))
		s += 2;
	for (;;) {
		marker = strstr(s, "(");
		while (*s && s != marker) {
			if (isxdigit((unsigned char)*s)) {
				if (hn + 1 >= cap) {
					char *nh = realloc(hex, cap = cap * 2 + 64);

					if (!nh)
						goto fail;
					hex = nh;
				}
				hex[hn++] = *s;
			} else if (*s != ' ') {
				goto fail;
			}
			s++;
		}
		if (marker)
			break;
		if (++*i >= l->n)
			goto fail;
		s = l->line[*i];
	}
	want = strtoul(marker + 1, NULL, 10);
	if (!strstr(marker, " octets)") || !vec_unhex(hex ? hex : "", hn, out, len) ||
	    *len != want)
		goto fail;
	free(hex);
	return 0;
fail:
	free(hex);
	free(*out);
	*out = NULL;
	return -1;
}

int rfc5869_load(const char *path, struct rfc5869_case *cases, size_t max,
		 size_t *n)
{
	struct rfc5869_case *c = NULL;
	struct rfc_lines l;
	size_t i;

	*n = 0;
	memset(cases, 0, max * sizeof(*cases));
	if (lines_load(path, &l))
		goto fail;
	for (i = 0; i < l.n; i++) {
		const char *s = l.line[i], *eq;
		uint8_t **field = NULL;
		size_t *field_len = NULL;
		char name[8];
		int num;

		if (sscanf(s, "A.%d.  Test Case %d", &num, &num) == 2) {
			if (*n == max)
				goto fail;
			c = &cases[(*n)++];
			c->number = num;
			continue;
		}
		if (!c || !starts_with(s, "   ") || !(eq = strstr(s, " = ")))
			continue;
		if (sscanf(s, " %7s", name) != 1)
			continue;
		if (!strcmp(name, "Hash")) {
			snprintf(c->hash, sizeof(c->hash), "%s", eq + 3);
			continue;
		}
		if (!strcmp(name, "L")) {
			c->L = strtoul(eq + 3, NULL, 10);
			continue;
		}
		if (!strcmp(name, "IKM")) {
			field = &c->ikm;
			field_len = &c->ikm_len;
		} else if (!strcmp(name, "salt")) {
			/* "not provided" means HashLen zeros (RFC 5869 §2.2) */
			if (starts_with(eq + 3, "not provided"))
				continue;
			field = &c->salt;
			field_len = &c->salt_len;
		} else if (!strcmp(name, "info")) {
			field = &c->info;
			field_len = &c->info_len;
		} else if (!strcmp(name, "PRK")) {
			field = &c->prk;
			field_len = &c->prk_len;
		} else if (!strcmp(name, "OKM")) {
			field = &c->okm;
			field_len = &c->okm_len;
		} else {
			continue;
		}
		if (*field || read_hex_field(&l, &i, eq + 3, field, field_len))
			goto fail;
	}
	lines_free(&l);
	return *n ? 0 : -1;
fail:
	lines_free(&l);
	rfc5869_free(cases, *n);
	*n = 0;
	return -1;
}

void rfc5869_free(struct rfc5869_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(cases[i].ikm);
		free(cases[i].salt);
		free(cases[i].info);
		free(cases[i].prk);
		free(cases[i].okm);
	}
	memset(cases, 0, n * sizeof(*cases));
}
