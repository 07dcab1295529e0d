/*
 * path.c: which way datagrams to one peer go (see path.h).
 *
 * Each round of probes has a nonce one more than the last; the answers to
 * the last PATH_ROUNDS rounds are taken, so a round trip longer than a
 * round still counts.  An answer counts only from the candidate it names by
 * its source address, or through the relay.
 */
#include <string.h>

#include "path.h"

void
path_init(struct path *p, const struct p2p_ep *pub, const struct p2p_ep *lan, int relay,
    uint32_t seed)
{
	int k;

	memset(p, 0, sizeof(*p));
	p->cand[PATH_PUBLIC] = *pub;
	if (lan != NULL && lan->family != 0 && !proto_ep_eq(lan, pub))
		p->cand[PATH_LAN] = *lan;
	p->relay = relay;
	p->via = PATH_NONE;
	p->nonce = seed;
	for (k = 0; k < PATH_NCAND; k++)
		p->rtt[k] = -1;
}

int
path_burst(struct path *p, long long now)
{
	if (p->burst != 0 && now - p->burst < PATH_REST)
		return 0;
	p->burst = now;
	p->next = now;
	return 1;
}

static int
bursting(const struct path *p, long long now)
{
	return p->burst != 0 && now - p->burst < PATH_BURST;
}

static int
direct(enum path_via via)
{
	return via == PATH_PUBLIC || via == PATH_LAN;
}

int
path_round(struct path *p, long long now, uint32_t *nonce)
{
	int mask = 0, ask = 0;

	if (p->wait != 0 && now >= p->wait) {
		/* the path in use stopped answering: its mappings may have
		 * expired, so punch again, whatever the rest says */
		p->wait = 0;
		p->lost = 1;
		p->burst = 0;
		ask = path_burst(p, now) ? PATH_ASK : 0;
	}
	if ((p->via == PATH_NONE || p->lost) && p->relay && p->burst != 0 &&
	    now >= p->burst + PATH_RELAY_AFTER) {
		p->via = PATH_RELAY;
		p->lost = 0;
	}
	if (p->next == 0 || now < p->next)
		return 0;
	if (bursting(p, now) || p->via == PATH_RELAY) {
		/* every candidate; on the relay, the relay too, for its round trip */
		mask = 1 << PATH_PUBLIC | (p->cand[PATH_LAN].family != 0) << PATH_LAN |
		    (p->via == PATH_RELAY) << PATH_RELAY;
	} else if (direct(p->via)) {
		mask = 1 << p->via;
	}
	if (direct(p->via) && !p->lost && mask & 1 << p->via && p->wait == 0)
		p->wait = now + PATH_ANSWER;
	p->next = bursting(p, now) ? now + PATH_ROUND : p->via != PATH_NONE ? now + PATH_KEEPALIVE : 0;
	if (mask == 0)
		return 0;
	*nonce = ++p->nonce;
	p->sent[p->nonce % PATH_ROUNDS] = now;
	return mask | ask;
}

int
path_answered(struct path *p, uint32_t nonce, const struct p2p_ep *src, long long now)
{
	long long sent = p->sent[nonce % PATH_ROUNDS];
	enum path_via c;

	if (p->nonce - nonce >= PATH_ROUNDS || sent == 0)
		return 0;
	if (src == NULL)
		c = PATH_RELAY;
	else if (proto_ep_eq(src, &p->cand[PATH_PUBLIC]))
		c = PATH_PUBLIC;
	else if (p->cand[PATH_LAN].family != 0 && proto_ep_eq(src, &p->cand[PATH_LAN]))
		c = PATH_LAN;
	else
		return 0;
	p->rtt[c] = now - sent;
	if (c == p->via) {
		p->wait = 0;
		p->lost = 0;
		return 0;
	}
	if (!direct(c) || (direct(p->via) && !p->lost))
		return 0; /* the first direct path to answer keeps the chat */
	p->via = c;
	p->wait = 0;
	p->lost = 0;
	return 1;
}

const struct p2p_ep *
path_dest(const struct path *p)
{
	/* before any answer, the endpoint the server saw: it works wherever
	 * no NAT is in the way */
	return p->via == PATH_RELAY ? NULL : &p->cand[p->via == PATH_LAN ? PATH_LAN : PATH_PUBLIC];
}

long long
path_next(const struct path *p)
{
	long long t = p->next != 0 ? p->next : -1;

	if (p->wait != 0 && (t == -1 || p->wait < t))
		t = p->wait;
	if ((p->via == PATH_NONE || p->lost) && p->relay && p->burst != 0 &&
	    (t == -1 || p->burst + PATH_RELAY_AFTER < t))
		t = p->burst + PATH_RELAY_AFTER;
	return t;
}
