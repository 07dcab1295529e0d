/*
 * fmt.c: formatted text without stdio (see fmt.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"

struct out {
	char *buf;
	size_t size, len;       /* len counts what did not fit too */
};

static void
put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* A number: its digits in base, at least width wide, padded with pad. */
static void
number(struct out *o, unsigned long long v, int neg, unsigned base, int width, char pad)
{
	char d[24];
	int n = 0;

	do
		d[n++] = "0123456789abcdef"[v % base];
	while ((v /= base) != 0);
	width -= n + neg;
	if (neg && pad == '0')
		put(o, '-');
	while (width-- > 0)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n > 0)
		put(o, d[--n]);
}

int
vfmt(char *buf, size_t size, const char *f, va_list ap)
{
	struct out o = { buf, size, 0 };
	const char *s;
	long long sv;
	unsigned long long uv;
	int width, lng;
	char pad;

	for (; *f != '\0'; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		pad = *++f == '0' ? '0' : ' ';
		for (width = 0; *f >= '0' && *f <= '9'; f++)
			width = width * 10 + (*f - '0');
		for (lng = 0; *f == 'l'; f++)
			lng++;
		switch (*f) {
		case 's':
			if ((s = va_arg(ap, const char *)) == NULL)
				s = "(null)";
			for (width -= (int)strlen(s); width > 0; width--)
				put(&o, ' ');
			while (*s != '\0')
				put(&o, *s++);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd':
			sv = lng > 1 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
			number(&o, sv < 0 ? 0 - (unsigned long long)sv : (unsigned long long)sv, sv < 0, 10,
			    width, pad);
			break;
		case 'u':
		case 'x':
			uv = lng > 1 ? va_arg(ap, unsigned long long) : lng ? va_arg(ap, unsigned long) :
			    va_arg(ap, unsigned);
			number(&o, uv, 0, *f == 'x' ? 16 : 10, width, pad);
			break;
		case '\0':
			f--; /* a lone % at the end */
			/* FALLTHROUGH */
		default:
			put(&o, '%');
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int
fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vfmt(buf, size, f, ap);
	va_end(ap);
	return n;
}

int
fmt_write(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

void
vfmt_line(int fd, const char *f, va_list ap)
{
	char small[1024], *buf = small;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vfmt(small, sizeof(small) - 1, f, ap);
	if ((size_t)n >= sizeof(small) - 1 && (buf = malloc((size_t)n + 2)) != NULL)
		vfmt(buf, (size_t)n + 1, f, again);
	va_end(again);
	if (buf == NULL) { /* no memory for a long line: what fits */
		buf = small;
		n = (int)strlen(small);
	}
	buf[n] = '\n';
	fmt_write(fd, buf, (size_t)n + 1);
	if (buf != small)
		free(buf);
}

void
fmt_line(int fd, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vfmt_line(fd, f, ap);
	va_end(ap);
}
