/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small, bounded JSON reader for the Wycheproof vector files: parses a
 * whole document into a tree (RFC 8259; nesting limited to VJ_MAX_DEPTH)
 * and looks members up by name. Enough for test data, not a general
 * library: numbers are kept as text and as a double.
 */
#ifndef KTLS_TEST_VECTORS_JSON_H
#define KTLS_TEST_VECTORS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VJ_MAX_DEPTH 64

enum vj_type {
	VJ_NULL,
	VJ_FALSE,
	VJ_TRUE,
	VJ_NUMBER,
	VJ_STRING,
	VJ_ARRAY,
	VJ_OBJECT,
};

struct vj {
	enum vj_type type;
	char *key;		/* member name inside an object, else NULL */
	char *str;		/* decoded string, or a number's text */
	size_t str_len;
	double num;
	struct vj **items;	/* array elements or object members, in order */
	size_t n;
};

/*
 * vj_parse() - parse @len bytes of JSON text
 * @err: room for an error message (may be NULL)
 * Return: the root (free with vj_free()), or NULL on a syntax error.
 */
struct vj *vj_parse(const char *text, size_t len, char *err, size_t err_len);
/* vj_load() - read and parse a file; NULL if missing or malformed. */
struct vj *vj_load(const char *path, char *err, size_t err_len);
void vj_free(struct vj *v);

/* The member @key of object @obj, or NULL. */
const struct vj *vj_get(const struct vj *obj, const char *key);
/* Member @key as a string / number; NULL / false if absent or mistyped. */
const char *vj_get_str(const struct vj *obj, const char *key);
bool vj_get_num(const struct vj *obj, const char *key, double *out);
/* Member @key (a hex string) decoded into a malloc'd buffer. */
bool vj_get_hex(const struct vj *obj, const char *key, uint8_t **out,
		size_t *len);
/* Whether array member @key holds the string @s. */
bool vj_array_has_str(const struct vj *obj, const char *key, const char *s);

#endif /* KTLS_TEST_VECTORS_JSON_H */
