/*
 * link.h: reliable, ordered chat with one peer over datagrams.
 *
 * The sender numbers fragments of at most P2P_TEXT_MAX bytes in a stream
 * named by a stream id (sid), sends each until it is acknowledged, with
 * exponential backoff, and gives up on the oldest after LINK_GIVEUP ms.  The
 * receiver acknowledges every fragment, drops duplicates, puts fragments in
 * order and joins them into whole messages.  A new sid is a new stream: a
 * restarted peer, or a sender that gave up, starts again without mixing old
 * and new numbers.  No sockets and no clock: the caller sends the datagrams
 * and passes the time in.
 */
#ifndef P2P_LINK_H
#define P2P_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define LINK_WINDOW      64     /* fragments in flight, and held out of order */
#define LINK_QUEUE       4096   /* fragments waiting per peer */
#define LINK_RTO_INIT    1000   /* ms before the first resend, until an RTT is known */
#define LINK_RTO_MIN     200    /* ms: the least resend timeout */
#define LINK_BACKOFF_MAX 2000   /* ms: backoff grows to this, or to the RTO if larger */
#define LINK_GIVEUP      40000  /* ms after its first send that a fragment is given up */
#define LINK_RETIRED     4      /* old sids of a peer remembered and ignored */

struct link_frag {
	uint32_t seq;
	int more;               /* the message goes on in the next fragment */
	char *text;
	size_t len;
	long long sent;         /* the first send, 0 before */
	long long due;          /* the next send */
	int tries;
	int got;                /* the peer acknowledged it */
};

struct link_slot {              /* a fragment received out of order */
	char *text;
	size_t len;
	int more, have;
};

struct link {
	/* sending */
	uint32_t sid, next_seq;
	struct link_frag *q;    /* ring of fragments not yet delivered, by seq */
	size_t qhead, qlen, qcap;
	long long srtt, rttvar, rto;
	int failing;            /* reporting the queue as not delivered */
	/* receiving */
	uint32_t rsid, rnext;   /* the stream heard, and its next fragment to deliver */
	int rknown;
	uint32_t retired[LINK_RETIRED];
	struct link_slot *slot; /* LINK_WINDOW of them, made with the first fragment */
	char *msg;              /* P2P_MSG_MAX bytes: the message being joined, made when needed */
	size_t msglen;
	int truncated;
};

/* Set up a link that sends in stream sid. */
void link_init(struct link *l, uint32_t sid);
/* Free what the link holds. */
void link_free(struct link *l);
/* Queue a message of valid UTF-8, split into fragments between characters:
 * 0, or -1 when it is empty or not UTF-8, or the queue is full. */
int link_send(struct link *l, const char *text, size_t len);
/* The next datagram due by now, from self, formatted into buf: its length,
 * or 0 when nothing is due. */
int link_output(struct link *l, const char *self, long long now, char *buf, size_t size);
/* When link_output next has something: a time, or -1. */
long long link_next(const struct link *l);
/* A msg or part from the peer: the length of the ack to send back in buf, or
 * 0 (also for anything that is not a fragment, such as a probe). */
int link_input(struct link *l, const struct p2p_msg *m, const char *self, char *buf, size_t size);
/* An ack from the peer. */
void link_acked(struct link *l, const struct p2p_msg *m, long long now);
/* The next whole message received, in order: 1 with (*text, *len), or 0.
 * *truncated says it was longer than P2P_MSG_MAX. */
int link_deliver(struct link *l, const char **text, size_t *len, int *truncated);
/* A message given up: 1, with the start of its text copied to buf (NUL-ended,
 * *len bytes), or 0.  With all, everything queued is given up (the peer left). */
int link_failed(struct link *l, long long now, int all, char *buf, size_t size, size_t *len);
/* Has fragment seq of stream sid been delivered, and every one before it?
 * (Not once the stream was given up.)  The last fragment queued is
 * next_seq - 1 of stream sid. */
int link_delivered(const struct link *l, uint32_t sid, uint32_t seq);
/* The peer may have restarted: resend every fragment not yet delivered. */
void link_restart(struct link *l);
/* A better path opened: what waits for its resend goes now. */
void link_hurry(struct link *l);
/* The i-th fragment not yet delivered, or NULL. */
const struct link_frag *link_pending(const struct link *l, size_t i);

#endif
