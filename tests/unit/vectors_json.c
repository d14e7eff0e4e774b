// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounded recursive-descent JSON reader for test vectors (vectors_json.h).
 * Every read checks the end pointer; nesting is capped so a hostile file
 * cannot exhaust the stack.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors_json.h"
#include "vectors_util.h"

struct vj_parser {
	const char *p;
	const char *end;
	char *err;
	size_t err_len;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void vj_fail(struct vj_parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	if (!ps->err || !ps->err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err, ps->err_len, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct vj_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool take(struct vj_parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return true;
	}
	return false;
}

static bool take_word(struct vj_parser *ps, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n))
		return false;
	ps->p += n;
	return true;
}

static int hex4(const char *p)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string starting at the opening quote; decoded into a malloc'd copy. */
static char *parse_string(struct vj_parser *ps, size_t *out_len)
{
	const char *start;
	char *buf, *o;

	if (!take(ps, '"')) {
		vj_fail(ps, "expected string");
		return NULL;
	}
	start = ps->p;
	/* Decoding never grows the text, so its raw length bounds it. */
	while (ps->p < ps->end && *ps->p != '"') {
		if (*ps->p == '\\' && ps->end - ps->p < 2)
			break;
		ps->p += *ps->p == '\\' ? 2 : 1;
	}
	if (ps->p >= ps->end || *ps->p != '"') {
		vj_fail(ps, "unterminated string");
		return NULL;
	}
	buf = malloc((size_t)(ps->p - start) + 1);
	if (!buf) {
		vj_fail(ps, "out of memory");
		return NULL;
	}
	o = buf;
	for (const char *s = start; s < ps->p; s++) {
		static const char simple_from[] = "\"\\/bfnrt";
		static const char simple_to[] = "\"\\/\b\f\n\r\t";
		const char *esc;
		unsigned long cp;
		int v;

		if ((unsigned char)*s < 0x20)
			goto bad;
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		s++;
		esc = strchr(simple_from, *s);
		if (*s && esc) {
			*o++ = simple_to[esc - simple_from];
			continue;
		}
		if (*s != 'u' || ps->p - s < 5 || (v = hex4(s + 1)) < 0)
			goto bad;
		s += 4;
		cp = (unsigned long)v;
		if (cp >= 0xd800 && cp < 0xdc00 && ps->p - s >= 7 &&
		    s[1] == '\\' && s[2] == 'u' &&
		    (v = hex4(s + 3)) >= 0xdc00 && v < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     ((unsigned long)v - 0xdc00);
			s += 6;
		}
		/* \uXXXX never yields more bytes than its 6 chars. */
		o += put_utf8(o, cp);
	}
	*o = '\0';
	*out_len = (size_t)(o - buf);
	ps->p++;	/* closing quote */
	return buf;
bad:
	free(buf);
	vj_fail(ps, "bad string escape");
	return NULL;
}

static struct vj *parse_value(struct vj_parser *ps, int depth);

static bool vj_push(struct vj *parent, struct vj *child, size_t *cap)
{
	if (parent->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct vj **items = realloc(parent->items,
					    ncap * sizeof(*items));

		if (!items)
			return false;
		parent->items = items;
		*cap = ncap;
	}
	parent->items[parent->n++] = child;
	return true;
}

static struct vj *parse_container(struct vj_parser *ps, int depth,
				  bool object)
{
	struct vj *v = calloc(1, sizeof(*v));
	char close = object ? '}' : ']';
	size_t cap = 0;

	if (!v) {
		vj_fail(ps, "out of memory");
		return NULL;
	}
	v->type = object ? VJ_OBJECT : VJ_ARRAY;
	ps->p++;	/* opening bracket */
	if (take(ps, close))
		return v;
	for (;;) {
		struct vj *child;
		char *key = NULL;
		size_t key_len;

		if (object) {
			skip_ws(ps);
			key = parse_string(ps, &key_len);
			if (!key)
				goto fail;
			if (!take(ps, ':')) {
				free(key);
				vj_fail(ps, "expected ':'");
				goto fail;
			}
		}
		child = parse_value(ps, depth + 1);
		if (!child) {
			free(key);
			goto fail;
		}
		child->key = key;
		if (!vj_push(v, child, &cap)) {
			vj_free(child);
			vj_fail(ps, "out of memory");
			goto fail;
		}
		if (take(ps, ','))
			continue;
		if (take(ps, close))
			return v;
		vj_fail(ps, "expected ',' or '%c'", close);
		goto fail;
	}
fail:
	vj_free(v);
	return NULL;
}

static struct vj *parse_number(struct vj_parser *ps)
{
	const char *start = ps->p;
	struct vj *v;
	char *end;

	while (ps->p < ps->end && strchr("+-0123456789.eE", *ps->p))
		ps->p++;
	if (ps->p == start) {
		vj_fail(ps, "unexpected character");
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (v)
		v->str = strndup(start, (size_t)(ps->p - start));
	if (!v || !v->str) {
		free(v);
		vj_fail(ps, "out of memory");
		return NULL;
	}
	v->type = VJ_NUMBER;
	v->str_len = strlen(v->str);
	v->num = strtod(v->str, &end);
	if (*end) {
		vj_free(v);
		vj_fail(ps, "bad number");
		return NULL;
	}
	return v;
}

static struct vj *new_literal(struct vj_parser *ps, enum vj_type type)
{
	struct vj *v = calloc(1, sizeof(*v));

	if (!v) {
		vj_fail(ps, "out of memory");
		return NULL;
	}
	v->type = type;
	return v;
}

static struct vj *parse_value(struct vj_parser *ps, int depth)
{
	struct vj *v;

	if (depth > VJ_MAX_DEPTH) {
		vj_fail(ps, "nesting too deep");
		return NULL;
	}
	skip_ws(ps);
	if (ps->p >= ps->end) {
		vj_fail(ps, "unexpected end of input");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		return parse_container(ps, depth, true);
	case '[':
		return parse_container(ps, depth, false);
	case '"':
		v = calloc(1, sizeof(*v));
		if (!v) {
			vj_fail(ps, "out of memory");
			return NULL;
		}
		v->type = VJ_STRING;
		v->str = parse_string(ps, &v->str_len);
		if (!v->str) {
			free(v);
			return NULL;
		}
		return v;
	default:
		break;
	}
	if (take_word(ps, "null"))
		return new_literal(ps, VJ_NULL);
	if (take_word(ps, "false"))
		return new_literal(ps, VJ_FALSE);
	if (take_word(ps, "true"))
		return new_literal(ps, VJ_TRUE);
	return parse_number(ps);
}

struct vj *vj_parse(const char *text, size_t len, char *err, size_t err_len)
{
	struct vj_parser ps = {
		.p = text, .end = text + len, .err = err, .err_len = err_len,
	};
	struct vj *root;

	if (err && err_len)
		err[0] = '\0';
	root = parse_value(&ps, 0);
	if (!root)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		vj_fail(&ps, "trailing bytes after the document");
		vj_free(root);
		return NULL;
	}
	return root;
}

struct vj *vj_load(const char *path, char *err, size_t err_len)
{
	struct vj *root;
	size_t len;
	char *text = vec_read_file(path, &len);

	if (!text) {
		if (err && err_len)
			snprintf(err, err_len, "cannot read %s", path);
		return NULL;
	}
	root = vj_parse(text, len, err, err_len);
	free(text);
	return root;
}

void vj_free(struct vj *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++)
		vj_free(v->items[i]);
	free(v->items);
	free(v->key);
	free(v->str);
	free(v);
}

const struct vj *vj_get(const struct vj *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != VJ_OBJECT)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->items[i]->key, key))
			return obj->items[i];
	return NULL;
}

const char *vj_get_str(const struct vj *obj, const char *key)
{
	const struct vj *v = vj_get(obj, key);

	return v && v->type == VJ_STRING ? v->str : NULL;
}

bool vj_get_num(const struct vj *obj, const char *key, double *out)
{
	const struct vj *v = vj_get(obj, key);

	if (!v || v->type != VJ_NUMBER)
		return false;
	*out = v->num;
	return true;
}

bool vj_get_hex(const struct vj *obj, const char *key, uint8_t **out,
		size_t *len)
{
	const struct vj *v = vj_get(obj, key);

	*out = NULL;
	*len = 0;
	if (!v || v->type != VJ_STRING)
		return false;
	return vec_unhex(v->str, v->str_len, out, len);
}

bool vj_array_has_str(const struct vj *obj, const char *key, const char *s)
{
	const struct vj *v = vj_get(obj, key);
	size_t i;

	if (!v || v->type != VJ_ARRAY)
		return false;
	for (i = 0; i < v->n; i++)
		if (v->items[i]->type == VJ_STRING &&
		    !strcmp(v->items[i]->str, s))
			return true;
	return false;
}
