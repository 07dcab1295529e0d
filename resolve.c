/*
 * resolve.c: the lines of hosts(5) and resolv.conf(5), and DNS messages
 * (RFC 1035, 4.1.1 to 4.1.3) for A and AAAA records; see resolve.h.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "resolve.h"

/* The next field of the line in [*s, end), blank separated, with '#' or
 * ';' starting a comment: its start, its length in *len (0: no more). */
static const char *
field(const char **s, const char *end, size_t *len)
{
	const char *p = *s, *f;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	for (f = p; p < end && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#' && *p != ';'; p++)
		;
	*len = (size_t)(p - f);
	*s = *len > 0 ? p : end;
	return f;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

/* Are (a, alen) and the string b the same, ASCII case folded? */
static int
same(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i] != '\0' && lower((unsigned char)a[i]) == lower((unsigned char)b[i]); i++)
		;
	return i == alen && b[i] == '\0';
}

/* An address literal: 1 with it in *ep, else 0. */
static int
address(const char *s, size_t len, struct p2p_ep *ep)
{
	char a[48];

	memset(ep, 0, sizeof(*ep));
	if (len >= sizeof(a))
		return 0;
	memcpy(a, s, len);
	a[len] = '\0';
	if (inet_pton(AF_INET, a, ep->addr) == 1)
		ep->family = AF_INET;
	else if (inet_pton(AF_INET6, a, ep->addr) == 1)
		ep->family = AF_INET6;
	return ep->family != 0;
}

int
res_hosts_line(const char *line, size_t len, const char *name, struct p2p_ep *ep)
{
	const char *s = line, *end = line + len, *f = field(&s, end, &len);

	if (!address(f, len, ep))
		return 0;
	while ((f = field(&s, end, &len)), len > 0)
		if (same(f, len, name))
			return 1;
	return 0;
}

void
res_conf_line(const char *line, size_t len, struct res_conf *rc)
{
	const char *s = line, *end = line + len, *f = field(&s, end, &len);
	size_t o = 0;

	if (same(f, len, "nameserver")) {
		f = field(&s, end, &len);
		if (rc->nns < RES_NS_MAX && address(f, len, &rc->ns[rc->nns]))
			rc->ns[rc->nns++].port = 53;
	} else if (same(f, len, "search") || same(f, len, "domain")) {
		while ((f = field(&s, end, &len)), len > 0 && o + len + 2 <= sizeof(rc->search)) {
			if (o > 0)
				rc->search[o++] = ' ';
			memcpy(rc->search + o, f, len);
			o += len;
		}
		rc->search[o] = '\0';
	}
}

int
dns_query(unsigned char q[DNS_MAX], const char *name, unsigned id, int type)
{
	size_t o = 12, n;
	int c;

	memset(q, 0, 12);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 1; /* RD: recursion desired */
	q[5] = 1; /* QDCOUNT */
	while (*name != '\0') {
		for (n = 0; (c = (unsigned char)name[n]) != '\0' && c != '.'; n++)
			if (!((lower(c) >= 'a' && lower(c) <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return -1;
		if (n == 0 || n > 63 || o + 1 + n > 12 + 254)
			return -1;
		q[o++] = (unsigned char)n;
		memcpy(q + o, name, n);
		o += n;
		name += n + (name[n] == '.');
	}
	if (o == 12)
		return -1;
	q[o++] = 0; /* the root */
	q[o++] = 0;
	q[o++] = (unsigned char)type;
	q[o++] = 0;
	q[o++] = 1; /* class IN */
	return (int)o;
}

/* Past the name at r[o]: where it ends, or 0 when it runs past len. */
static size_t
skip_name(const unsigned char *r, size_t len, size_t o)
{
	while (o < len) {
		if (r[o] == 0)
			return o + 1;
		if ((r[o] & 0xc0) == 0xc0) /* a pointer ends it */
			return o + 2 <= len ? o + 2 : 0;
		if (r[o] & 0xc0)
			return 0;
		o += 1u + r[o];
	}
	return 0;
}

int
dns_answer(const unsigned char *r, size_t len, const unsigned char *q, size_t qlen, struct p2p_ep *ep)
{
	size_t o = qlen, i, rdlen;
	unsigned an, type = q[qlen - 3], want = type == DNS_AAAA ? 16 : 4;

	/* our id, a response to a standard query, one question: ours */
	if (len < qlen || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80) || (r[2] & 0x78) != 0 || r[4] != 0 ||
	    r[5] != 1)
		return DNS_NOT_OURS;
	for (i = 12; i < qlen; i++) /* (servers may change the case of a name's letters) */
		if (lower(r[i]) != lower(q[i]))
			return DNS_NOT_OURS;
	if ((r[3] & 15) == 3)
		return DNS_NONAME;
	if ((r[3] & 15) != 0)
		return DNS_FAILED;
	/* the answers: CNAMEs, then the addresses; the first of ours is taken */
	for (an = (unsigned)r[6] << 8 | r[7]; an > 0; an--) {
		if ((o = skip_name(r, len, o)) == 0 || o + 10 > len)
			break;
		rdlen = (size_t)r[o + 8] << 8 | r[o + 9];
		if (o + 10 + rdlen > len)
			break;
		if (r[o] == 0 && r[o + 1] == type && r[o + 2] == 0 && r[o + 3] == 1 && rdlen == want) {
			memset(ep, 0, sizeof(*ep));
			ep->family = type == DNS_AAAA ? AF_INET6 : AF_INET;
			memcpy(ep->addr, r + o + 10, want);
			return 1;
		}
		o += 10 + rdlen;
	}
	return DNS_NODATA;
}
