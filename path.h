/*
 * path.h: which way datagrams to one peer go, across NATs.
 *
 * A peer has up to three candidates: the endpoint the server saw its login
 * come from (public, through any NAT in between), its own LAN endpoint, and
 * the relay through the server.  Rounds of probes go to every candidate;
 * the first direct one that answers carries the chat, and the relay does
 * when none has answered PATH_RELAY_AFTER ms into a burst.  A direct path is
 * kept open by a probe every PATH_KEEPALIVE ms, and one whose probe goes
 * unanswered for PATH_ANSWER ms starts a new burst (its mappings may have
 * expired).  Probes are few and small: a burst is a round every
 * PATH_ROUND ms for PATH_BURST ms, and a new one waits PATH_REST ms after
 * the last began, so no endpoint, however forged, gets more than that.  No
 * sockets and no clock: the caller sends the probes and passes the time in.
 */
#ifndef P2P_PATH_H
#define P2P_PATH_H

#include <stdint.h>

#include "proto.h"

#define PATH_ROUND       250    /* ms between rounds of a burst */
#define PATH_BURST       5000   /* ms a burst lasts */
#define PATH_REST        10000  /* ms from the start of a burst to the next */
#define PATH_RELAY_AFTER 3000   /* ms into a burst without a direct path: relay */
#define PATH_KEEPALIVE   15000  /* ms between probes on a direct path */
#define PATH_ANSWER      2000   /* ms a probe on the path in use may take */

enum path_via { PATH_PUBLIC, PATH_LAN, PATH_RELAY, PATH_NCAND, PATH_NONE = PATH_NCAND };

#define PATH_ROUNDS 4           /* rounds whose answers are still taken */

struct path {
	struct p2p_ep cand[2];  /* PATH_PUBLIC and PATH_LAN; family 0 if none */
	int relay;              /* the relay may be used */
	enum path_via via;      /* what carries chat; PATH_NONE: nothing has answered yet */
	int lost;               /* the direct path in use stopped answering */
	uint32_t nonce;         /* of the last round; the ones before it counted down */
	long long sent[PATH_ROUNDS]; /* when the last rounds went, by nonce % PATH_ROUNDS */
	long long wait;         /* an answer on the path in use is due by then, or 0 */
	long long next;         /* the next round, or 0 for none */
	long long burst;        /* when the last burst began, or 0 */
	long long rtt[PATH_NCAND]; /* ms of the last answer on each, -1 unknown */
};

/* A peer at pub (the endpoint the server saw) and lan (its own, family 0 if
 * none); relay: whether the relay may carry chat; seed: a random number. */
void path_init(struct path *p, const struct p2p_ep *pub, const struct p2p_ep *lan, int relay,
    uint32_t seed);
/* Begin a burst of probes now, unless one began less than PATH_REST ago:
 * 1 if it began. */
int path_burst(struct path *p, long long now);
#define PATH_ASK (1 << PATH_NCAND) /* path_round: a burst began; have the peer probe too */

/* The candidates to probe by now: a bit per enum path_via (1 << via), with
 * the round's nonce in *nonce, and PATH_ASK when the path in use stopped
 * answering; 0 when no round is due. */
int path_round(struct path *p, long long now, uint32_t *nonce);
/* An answer with nonce, from src, or by the relay when src is NULL: 1 when
 * it opened a path or moved chat to a better one. */
int path_answered(struct path *p, uint32_t nonce, const struct p2p_ep *src, long long now);
/* Where chat goes now: the endpoint, or NULL for the relay. */
const struct p2p_ep *path_dest(const struct path *p);
/* When path_round next has something: a time, or -1. */
long long path_next(const struct path *p);

#endif
