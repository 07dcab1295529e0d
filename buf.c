/*
 * buf.c: the input and output buffers of streams (net.h), on net_read and
 * net_write alone, so that the fuzz harnesses' fake sockets
 * (tests/fuzz/fakenet.c) share them with the program.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

void
net_in_init(struct net_in *in, size_t size)
{
	memset(in, 0, sizeof(*in));
	in->size = size;
}

void
net_in_free(struct net_in *in)
{
	free(in->buf);
	memset(in, 0, sizeof(*in));
}

ssize_t
net_in_fill(int fd, struct net_in *in)
{
	ssize_t n;

	if (in->buf == NULL && (in->buf = malloc(in->size)) == NULL)
		return -1;
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->len);
		in->start = 0;
	}
	if (in->len == in->size) {
		errno = ENOBUFS;
		return -1;
	}
	if ((n = net_read(fd, in->buf + in->len, in->size - in->len)) > 0)
		in->len += (size_t)n;
	return n;
}

int
net_in_record(struct net_in *in, const char *seps, char **rec, size_t *len, char *term)
{
	char *p, *end;

	for (;;) {
		if (in->len == 0) {
			/* all read: an idle stream holds no buffer */
			free(in->buf);
			in->buf = NULL;
			in->start = 0;
			return 0;
		}
		p = in->buf + in->start;
		end = p + in->len;
		while (p < end && (*p == '\0' || strchr(seps, *p) == NULL))
			p++;
		if (p == end) {
			if (in->skipping) {
				in->start = in->len = 0;
			} else if (in->len == in->size) {
				in->skipping = 1;
				in->start = in->len = 0;
				return -1;
			}
			return 0;
		}
		*rec = in->buf + in->start;
		*len = (size_t)(p - *rec);
		*term = *p;
		in->len -= *len + 1;
		in->start += *len + 1;
		if (!in->skipping)
			return 1;
		in->skipping = 0; /* that was the tail of an over-long record */
	}
}

int
net_out_add(struct net_out *out, const char *buf, size_t len, size_t max)
{
	size_t cap = out->cap ? out->cap : 256;
	char *p;

	if (len > max || out->len > max - len)
		return -1;
	while (cap < out->len + len)
		cap *= 2;
	if (cap != out->cap) {
		if ((p = realloc(out->buf, cap)) == NULL)
			return -1;
		out->buf = p;
		out->cap = cap;
	}
	memcpy(out->buf + out->len, buf, len);
	out->len += len;
	return 0;
}

int
net_out_flush(int fd, struct net_out *out)
{
	ssize_t n;

	if (out->len == 0)
		return 0;
	if ((n = net_write(fd, out->buf, out->len)) == -1)
		return -1;
	net_out_drop(out, (size_t)n);
	return 0;
}

void
net_out_drop(struct net_out *out, size_t n)
{
	memmove(out->buf, out->buf + n, out->len - n);
	out->len -= n;
	if (out->len == 0)
		net_out_free(out); /* an idle stream holds no buffer */
}

void
net_out_free(struct net_out *out)
{
	free(out->buf);
	memset(out, 0, sizeof(*out));
}
