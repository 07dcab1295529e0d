/*
 * rate.c: token buckets (rate.h).
 */
#include <string.h>
#include <sys/socket.h>

#include "rate.h"

/* Refill r to now. */
static void
fill(struct rate *r, long long now, long burst, long per_s)
{
	r->milli = r->t == 0 ? burst * 1000LL : r->milli + (now - r->t) * per_s;
	if (r->milli > burst * 1000LL)
		r->milli = burst * 1000LL;
	r->t = now;
}

int
rate_take(struct rate *r, long long now, long burst, long per_s, long units)
{
	fill(r, now, burst, per_s);
	if (r->milli < units * 1000LL)
		return 0;
	r->milli -= units * 1000LL;
	return 1;
}

struct rate *
rate_of(struct rate_slot *slots, size_t n, const struct p2p_ep *ep, long long now, long burst,
    long per_s)
{
	size_t alen = ep->family == AF_INET ? 4 : 16, k;
	uint32_t h = 2166136261u;
	struct rate_slot *s;

	for (k = 0; k < alen; k++)
		h = (h ^ ep->addr[k]) * 16777619u;
	h ^= (uint32_t)ep->family;
	s = &slots[h % n];
	if (s->family != ep->family || memcmp(s->addr, ep->addr, alen) != 0) {
		fill(&s->r, now, burst, per_s);
		if (s->r.milli >= burst * 1000LL) { /* full: nothing to keep */
			memset(s, 0, sizeof(*s));
			s->family = ep->family;
			memcpy(s->addr, ep->addr, alen);
		}
	}
	return &s->r;
}
