/*
 * rate.h: token buckets, alone or one per address.
 *
 * A bucket holds up to `burst` units and gains `per_s` a second; spending
 * takes units out or is refused.  A table keeps a bucket per address in a
 * fixed number of slots, found by a hash of the address.  When an address
 * lands in a slot held by another, it takes the slot over only if that
 * bucket has refilled to full (a fresh bucket is no more than that); until
 * then the two share it, so a collision never hands anyone a full bucket.
 * Pure: the caller passes the time in (ms).
 */
#ifndef P2P_RATE_H
#define P2P_RATE_H

#include "proto.h"

struct rate {
	long long t;            /* when it was last filled; 0: never, so full */
	long long milli;        /* thousandths of a unit */
};

struct rate_slot {
	int family;             /* 0: unused */
	unsigned char addr[16];
	struct rate r;
};

/* Spend units from r, which holds up to burst and gains per_s a second:
 * 1, or 0 when it has too few (and nothing is spent). */
int rate_take(struct rate *r, long long now, long burst, long per_s, long units);
/* The bucket for ep's address (its port ignored) among n slots. */
struct rate *rate_of(struct rate_slot *slots, size_t n, const struct p2p_ep *ep, long long now,
    long burst, long per_s);

#endif
