/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test-vector plumbing shared by the unit tests: where the vector files
 * live ($KTLS_VECTORS, set by tests/unit/Makefile.am), reading a whole
 * file, and hex decoding. A missing file is an error, never a skip.
 */
#ifndef KTLS_TEST_VECTORS_UTIL_H
#define KTLS_TEST_VECTORS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * vec_path() - $KTLS_VECTORS/@rel in a malloc'd string, or NULL when
 * KTLS_VECTORS is unset.
 */
char *vec_path(const char *rel);

/*
 * vec_read_file() - the whole file plus a terminating NUL, malloc'd;
 * NULL when it cannot be read. @len gets the size without the NUL.
 */
char *vec_read_file(const char *path, size_t *len);

/*
 * vec_unhex() - decode @n hex digits (upper or lower case) from @hex into
 * a malloc'd buffer of at least one byte. Return: false on odd length or a
 * non-hex digit.
 */
bool vec_unhex(const char *hex, size_t n, uint8_t **out, size_t *len);

#endif /* KTLS_TEST_VECTORS_UTIL_H */
