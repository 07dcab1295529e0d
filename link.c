/*
 * link.c: reliable, ordered chat over datagrams, one struct link per peer.
 *
 * Sending: fragments wait in a ring in sequence order.  Those within
 * LINK_WINDOW of the oldest are sent, and resent on a timer that starts at
 * the RTO (RFC 6298's estimator, Karn's rule: no sample from a resent
 * fragment) and doubles up to LINK_BACKOFF_MAX.  An ack names one fragment
 * (stop resending it) and the highest one received in order (cum: all up to
 * it are delivered and leave the ring).  When the oldest has gone unanswered
 * for LINK_GIVEUP, every queued message is given up and the stream restarts
 * under a new sid, because the receiver could never deliver what follows a
 * hole.
 *
 * Receiving: every data fragment carries `first`, the oldest fragment its
 * sender has not seen delivered.  A receiver meeting a new sid starts
 * delivering at `first`: everything before it was delivered to an earlier
 * incarnation of this peer (or there is none), and everything after it will
 * be sent again.  Old sids are remembered and ignored, so a late datagram of
 * an earlier stream cannot reset the new one.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "link.h"

void
link_init(struct link *l, uint32_t sid)
{
	memset(l, 0, sizeof(*l));
	l->sid = sid;
	l->next_seq = 1;
	l->rto = LINK_RTO_INIT;
}

static struct link_frag *
frag(const struct link *l, size_t i)
{
	return &l->q[(l->qhead + i) % l->qcap];
}

static void
drop_slot(struct link_slot *s)
{
	free(s->text);
	memset(s, 0, sizeof(*s));
}

static void
reset_receiver(struct link *l)
{
	int i;

	for (i = 0; l->slot != NULL && i < LINK_WINDOW; i++)
		drop_slot(&l->slot[i]);
	l->msglen = 0;
	l->truncated = 0;
}

void
link_free(struct link *l)
{
	size_t i;

	for (i = 0; i < l->qlen; i++)
		free(frag(l, i)->text);
	free(l->q);
	reset_receiver(l);
	free(l->slot);
	free(l->msg);
	memset(l, 0, sizeof(*l));
}

static int
push(struct link *l, const char *text, size_t len, int more)
{
	struct link_frag *f;
	size_t i;

	if (l->qlen == l->qcap) {
		size_t cap = l->qcap ? l->qcap * 2 : 16;
		struct link_frag *q = malloc(cap * sizeof(*q));

		if (q == NULL)
			return -1;
		for (i = 0; i < l->qlen; i++)
			q[i] = *frag(l, i);
		free(l->q);
		l->q = q;
		l->qcap = cap;
		l->qhead = 0;
	}
	f = &l->q[(l->qhead + l->qlen) % l->qcap];
	memset(f, 0, sizeof(*f));
	if ((f->text = malloc(len)) == NULL)
		return -1;
	memcpy(f->text, text, len);
	f->len = len;
	f->more = more;
	f->seq = l->next_seq++;
	l->qlen++;
	return 0;
}

/* The longest prefix of at most max bytes that ends on a UTF-8 boundary. */
static size_t
cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

int
link_send(struct link *l, const char *text, size_t len)
{
	size_t n, pieces = 0, at;

	/* the peer would reject what is not UTF-8, so refuse it here */
	if (len == 0 || !proto_valid_utf8(text, len))
		return -1;
	for (at = 0; at < len; at += cut(text + at, len - at, P2P_TEXT_MAX))
		pieces++;
	if (l->qlen + pieces > LINK_QUEUE)
		return -1;
	for (at = 0; at < len; at += n) {
		n = cut(text + at, len - at, P2P_TEXT_MAX);
		if (push(l, text + at, n, at + n < len) == -1)
			return -1;
	}
	return 0;
}

/* Fragments within the window of the oldest may be sent. */
static size_t
in_flight(const struct link *l)
{
	return l->qlen < LINK_WINDOW ? l->qlen : LINK_WINDOW;
}

int
link_output(struct link *l, const char *self, long long now, char *buf, size_t size)
{
	struct p2p_msg m;
	struct link_frag *f;
	long long wait;
	size_t i;
	int n;

	if (l->failing)
		return 0;
	for (i = 0; i < in_flight(l); i++) {
		f = frag(l, i);
		if (f->got || (f->tries > 0 && f->due > now))
			continue;
		memset(&m, 0, sizeof(m));
		m.type = P2P_MSG;
		fmt(m.name, sizeof(m.name), "%s", self);
		m.sid = l->sid;
		m.seq = f->seq;
		m.first = frag(l, 0)->seq;
		m.more = f->more;
		m.text = f->text;
		m.textlen = f->len;
		wait = l->rto << (f->tries < 8 ? f->tries : 8);
		if (wait > LINK_BACKOFF_MAX)
			wait = l->rto > LINK_BACKOFF_MAX ? l->rto : LINK_BACKOFF_MAX;
		if (f->tries == 0)
			f->sent = now;
		f->tries++;
		f->due = now + wait;
		n = proto_format(buf, size, &m);
		return n < 0 ? 0 : n;
	}
	return 0;
}

long long
link_next(const struct link *l)
{
	long long t = -1;
	size_t i;

	for (i = 0; i < in_flight(l) && !l->failing; i++) {
		const struct link_frag *f = frag(l, i);

		if (f->got)
			continue;
		if (f->tries == 0)
			return 0;
		if (t == -1 || f->due < t)
			t = f->due;
	}
	if (l->qlen > 0 && frag(l, 0)->sent > 0) {
		long long give = frag(l, 0)->sent + LINK_GIVEUP;

		if (t == -1 || give < t)
			t = give;
	}
	return t;
}

static void
rtt_sample(struct link *l, long long r)
{
	long long d;

	if (l->srtt == 0) {
		l->srtt = r > 0 ? r : 1;
		l->rttvar = r / 2;
	} else {
		d = l->srtt > r ? l->srtt - r : r - l->srtt;
		l->rttvar = (3 * l->rttvar + d) / 4;
		l->srtt = (7 * l->srtt + r) / 8;
	}
	l->rto = l->srtt + 4 * l->rttvar;
	if (l->rto < LINK_RTO_MIN)
		l->rto = LINK_RTO_MIN;
}

void
link_acked(struct link *l, const struct p2p_msg *m, long long now)
{
	struct link_frag *f;
	size_t i;

	if (m->sid != l->sid || l->qlen == 0 || l->failing)
		return;
	/* seq - first, in 32-bit arithmetic, is the place in the ring */
	i = (size_t)(uint32_t)(m->seq - frag(l, 0)->seq);
	if (i < l->qlen) {
		f = frag(l, i);
		if (!f->got && f->tries == 1)
			rtt_sample(l, now - f->sent);
		f->got = 1;
	}
	/* everything up to cum is delivered */
	while (l->qlen > 0 && (uint32_t)(m->cum - frag(l, 0)->seq) < (uint32_t)l->qlen) {
		free(frag(l, 0)->text);
		l->qhead = (l->qhead + 1) % l->qcap;
		l->qlen--;
	}
}

int
link_failed(struct link *l, long long now, int all, char *buf, size_t size, size_t *len)
{
	struct link_frag *f;
	size_t n;
	int first = 1;

	if (l->qlen == 0)
		return 0;
	if (!l->failing && !all && !(frag(l, 0)->sent > 0 && now - frag(l, 0)->sent >= LINK_GIVEUP))
		return 0;
	l->failing = 1;
	*len = 0;
	/* pop one message: its fragments up to one without more */
	while (l->qlen > 0) {
		f = frag(l, 0);
		if (first) {
			n = f->len < size - 1 ? f->len : size - 1;
			memcpy(buf, f->text, n);
			buf[n] = '\0';
			*len = n;
			first = 0;
		}
		l->qhead = (l->qhead + 1) % l->qcap;
		l->qlen--;
		free(f->text);
		if (!f->more)
			break;
	}
	if (l->qlen == 0) {
		/* a new stream: the receiver skips the hole with the old sid */
		l->failing = 0;
		l->sid++;
		l->next_seq = 1;
	}
	return 1;
}

int
link_delivered(const struct link *l, uint32_t sid, uint32_t seq)
{
	return l->sid == sid && !l->failing &&
	    (l->qlen == 0 || (uint32_t)(frag(l, 0)->seq - seq - 1) < 0x80000000u);
}

void
link_restart(struct link *l)
{
	size_t i;

	for (i = 0; i < l->qlen; i++) {
		frag(l, i)->got = 0;
		frag(l, i)->due = 0;
	}
}

void
link_hurry(struct link *l)
{
	size_t i;

	for (i = 0; i < l->qlen; i++)
		if (frag(l, i)->sent != 0 && !frag(l, i)->got)
			frag(l, i)->due = 0;
}

const struct link_frag *
link_pending(const struct link *l, size_t i)
{
	return i < l->qlen ? frag(l, i) : NULL;
}

static int
retired(const struct link *l, uint32_t sid)
{
	int i;

	for (i = 0; i < LINK_RETIRED; i++)
		if (l->retired[i] == sid && sid != 0)
			return 1;
	return 0;
}

int
link_input(struct link *l, const struct p2p_msg *m, const char *self, char *buf, size_t size)
{
	struct link_slot *s;
	struct p2p_msg a;
	uint32_t ahead, k;
	int n;

	if (m->type != P2P_MSG || m->textlen == 0)
		return 0; /* only a fragment of chat (a probe is no fragment) */
	/* a peer that never chats costs no room for fragments */
	if (l->slot == NULL && (l->slot = calloc(LINK_WINDOW, sizeof(*l->slot))) == NULL)
		return 0;
	if (!l->rknown || m->sid != l->rsid) {
		if (retired(l, m->sid))
			return 0;
		if (l->rknown) {
			memmove(l->retired + 1, l->retired, sizeof(l->retired) - sizeof(l->retired[0]));
			l->retired[0] = l->rsid;
		}
		reset_receiver(l);
		l->rknown = 1;
		l->rsid = m->sid;
		l->rnext = m->first;
	}
	ahead = m->seq - l->rnext;
	if (ahead >= LINK_WINDOW && ahead < 0x80000000u)
		return 0; /* too far ahead to hold: it will come again */
	if (ahead < LINK_WINDOW) {
		s = &l->slot[m->seq % LINK_WINDOW];
		if (!s->have) {
			if ((s->text = malloc(m->textlen)) == NULL)
				return 0;
			memcpy(s->text, m->text, m->textlen);
			s->len = m->textlen;
			s->more = m->more;
			s->have = 1;
		}
	}
	/* ahead >= 2^31: an old fragment, delivered already; ack it again */
	for (k = l->rnext; l->slot[k % LINK_WINDOW].have && k - l->rnext < LINK_WINDOW; k++)
		;
	memset(&a, 0, sizeof(a));
	a.type = P2P_ACK;
	fmt(a.name, sizeof(a.name), "%s", self);
	a.sid = m->sid;
	a.cum = k - 1;
	a.seq = m->seq;
	n = proto_format(buf, size, &a);
	return n < 0 ? 0 : n;
}

int
link_deliver(struct link *l, const char **text, size_t *len, int *truncated)
{
	struct link_slot *s;
	size_t n;

	if (l->slot == NULL || (l->msg == NULL && (l->msg = malloc(P2P_MSG_MAX)) == NULL))
		return 0;
	while ((s = &l->slot[l->rnext % LINK_WINDOW])->have) {
		n = s->len;
		if (n > P2P_MSG_MAX - l->msglen) {
			n = P2P_MSG_MAX - l->msglen;
			l->truncated = 1;
		}
		memcpy(l->msg + l->msglen, s->text, n);
		l->msglen += n;
		l->rnext++;
		if (!s->more) {
			drop_slot(s);
			*text = l->msg;
			*len = l->msglen;
			*truncated = l->truncated;
			l->msglen = 0;
			l->truncated = 0;
			return 1;
		}
		drop_slot(s);
	}
	return 0;
}
