/*
 * fuzz_resolve.c: libFuzzer harness for resolve.c.  The first byte picks
 * what the rest is: a DNS reply as it came, a reply whose header and
 * question are the query's and whose answers are the input, a hosts line,
 * resolv.conf lines, or a host name to query.  Checked with abort(): every
 * verdict is one of dns_answer's, an address is of the kind asked, the
 * search list stays a string, and a query's own bytes, flagged as a
 * response, read as an answer with no address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "resolve.h"

static void
verdict(int v, const struct p2p_ep *ep, int type)
{
	if (v < DNS_FAILED || v > 1 || (v == 1 && ep->family != (type == DNS_AAAA ? AF_INET6 : AF_INET)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char q[DNS_MAX], r[DNS_MAX + 600];
	char name[300];
	struct res_conf rc;
	struct p2p_ep ep;
	const char *s, *nl, *end;
	int type, n;

	if (size < 3 || size > DNS_MAX + 512)
		return 0;
	type = data[0] & 0x10 ? DNS_AAAA : DNS_A;
	switch (data[0] & 7) {
	case 0: /* a reply as it came, to the query with its id */
		n = dns_query(q, "chat.test", (unsigned)data[1] << 8 | data[2], type);
		verdict(dns_answer(data + 1, size - 1, q, (size_t)n, &ep), &ep, type);
		break;
	case 1: /* our header and question, then flags, counts and answers of the input's */
		n = dns_query(q, "chat.example", 7, type);
		memcpy(r, q, (size_t)n);
		r[2] = data[1] | 0x80;
		r[3] = data[2];
		memcpy(r + n, data + 3, size - 3);
		if (size > 4)
			r[6] = data[3], r[7] = data[4];
		verdict(dns_answer(r, (size_t)n + size - 3, q, (size_t)n, &ep), &ep, type);
		break;
	case 2:
		res_hosts_line((const char *)data + 1, size - 1, "chat.example", &ep);
		break;
	case 3:
		memset(&rc, 0, sizeof(rc));
		for (s = (const char *)data + 1, end = (const char *)data + size; s < end; s = nl + 1) {
			if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
				nl = end;
			res_conf_line(s, (size_t)(nl - s), &rc);
		}
		if (rc.nns < 0 || rc.nns > RES_NS_MAX || memchr(rc.search, '\0', sizeof(rc.search)) == NULL)
			abort();
		break;
	default: /* a name: its query, flagged as a response, has no answer */
		if (size - 1 >= sizeof(name))
			return 0;
		memcpy(name, data + 1, size - 1);
		name[size - 1] = '\0';
		if ((n = dns_query(q, name, 0x4242, type)) == -1)
			break;
		if (n > 12 + 255 + 4)
			abort();
		memcpy(r, q, (size_t)n);
		r[2] |= 0x80;
		if (dns_answer(r, (size_t)n, q, (size_t)n, &ep) != DNS_NODATA)
			abort();
	}
	return 0;
}
