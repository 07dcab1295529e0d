/*
 * fmt.h: formatted text without stdio.  printf's floating point, which this
 * program never uses, alone is about a tenth of a static binary's budget;
 * these are the conversions it does use: %s %c %d %u %x and %%, with l or
 * ll before d, u or x, a field width, and 0 to pad numbers with zeros.
 */
#ifndef P2P_FMT_H
#define P2P_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Format into buf as snprintf does: the length of the whole text, so that
 * a result >= size says it was cut; buf is NUL-ended when size > 0. */
int fmt(char *buf, size_t size, const char *f, ...);
int vfmt(char *buf, size_t size, const char *f, va_list ap);
/* Write all of (s, len) to fd, as long as it takes it: 0, or -1. */
int fmt_write(int fd, const char *s, size_t len);
/* Write a formatted line, with its newline, to fd in one write. */
void fmt_line(int fd, const char *f, ...);
void vfmt_line(int fd, const char *f, va_list ap);

#endif
