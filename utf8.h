/*
 * utf8.h: UTF-8 by code point, and how many terminal columns each takes.
 * Pure: no I/O, no allocation.
 */
#ifndef P2P_UTF8_H
#define P2P_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* A range of code points, lo to hi. */
struct cprange {
	uint32_t lo, hi;
};

/* Decode the code point at s[*i] (len bytes in all), advancing *i: 0, or
 * -1 when it is not UTF-8 (overlong forms and surrogates are not). */
int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp);
/* Write c as UTF-8 into buf (4 bytes of room): the length. */
size_t utf8_put(uint32_t c, unsigned char *buf);
/* 1 when c is in one of the n sorted ranges r. */
int utf8_in(const struct cprange *r, size_t n, uint32_t c);
/* The columns c takes on a terminal: 0 for combining marks and
 * zero-width characters, 2 for East Asian wide ones and emoji, else 1. */
int utf8_width(uint32_t c);

#endif
