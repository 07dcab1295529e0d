/*
 * resolve.h: host names to addresses without the C library's resolver
 * (a sixth of the static binary): the lines of hosts(5) and resolv.conf(5),
 * and DNS queries and their answers (RFC 1035, 4.1) for A and AAAA records.
 * Pure: net.c reads the files and asks the name servers.  Answers come from
 * the network, so every length in one is checked against the bytes there.
 */
#ifndef P2P_RESOLVE_H
#define P2P_RESOLVE_H

#include <stddef.h>

#include "proto.h"

#define DNS_MAX    512  /* a DNS message over UDP */
#define DNS_A      1
#define DNS_AAAA   28
#define RES_NS_MAX 3    /* name servers used, as the C libraries do */

/* What resolv.conf says: its name servers (port 53) and search domains. */
struct res_conf {
	struct p2p_ep ns[RES_NS_MAX];
	int nns;
	char search[256];       /* domains, one space between */
};

/* dns_answer's verdicts besides an address (1) */
enum {
	DNS_NODATA = 0,         /* the name has no address of the kind asked */
	DNS_NOT_OURS = -1,      /* not the answer to this query: ignore it */
	DNS_NONAME = -2,        /* the name does not exist (NXDOMAIN) */
	DNS_FAILED = -3         /* the server failed or refused */
};

/* A hosts(5) line: 1 and its address in *ep (port 0) if it names name
 * (ASCII case folded), else 0. */
int res_hosts_line(const char *line, size_t len, const char *name, struct p2p_ep *ep);
/* A resolv.conf(5) line into rc: nameserver (up to RES_NS_MAX), and search
 * or domain (the last such line counts); others are ignored. */
void res_conf_line(const char *line, size_t len, struct res_conf *rc);
/* A recursive query for name's records of type (DNS_A, DNS_AAAA) with id
 * into q: its length, or -1 when name is not a host name (letters,
 * digits, '-' and '_' in labels of 1 to 63 bytes, 253 bytes in all, one
 * trailing dot allowed). */
int dns_query(unsigned char q[DNS_MAX], const char *name, unsigned id, int type);
/* r, len bytes, read as the answer to query q of qlen bytes: 1 with the
 * first address of the kind asked in *ep (port 0), or a DNS_ verdict. */
int dns_answer(const unsigned char *r, size_t len, const unsigned char *q, size_t qlen, struct p2p_ep *ep);

#endif
