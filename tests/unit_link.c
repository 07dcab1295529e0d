/*
 * unit_link.c: unit tests of link.c, two links joined by a simulated channel
 * that may lose, duplicate and reorder datagrams.  Included by unit.c.
 */

#define CHAN_MAX 8192

struct chan {              /* datagrams in flight, delivered in random order */
	char *d[CHAN_MAX];
	size_t n;
};

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void
chan_put(struct chan *c, const char *buf, int len, int loss)
{
	if (len <= 0 || (int)(rnd() % 100) < loss || c->n == CHAN_MAX)
		return;
	c->d[c->n] = malloc((size_t)len + 1);
	memcpy(c->d[c->n], buf, (size_t)len);
	c->d[c->n++][len] = '\0';
}

/* Take a datagram; with shuffle, any of them. */
static char *
chan_get(struct chan *c, int shuffle)
{
	size_t i;
	char *d;

	if (c->n == 0)
		return NULL;
	i = shuffle ? rnd() % c->n : 0;
	d = c->d[i];
	memmove(c->d + i, c->d + i + 1, (c->n - i - 1) * sizeof(d));
	c->n--;
	return d;
}

struct side {
	struct link l;
	const char *name;
	char got[64][P2P_MSG_MAX + 1];  /* what was delivered, in order, first 64 */
	int ngot;
	unsigned long dups;             /* a delivery out of order or twice */
	int next;                       /* the number expected in the next "m%d" */
};

/* Move every datagram: sender's output into the channel, the receiver's acks back. */
static void
step(struct side *a, struct side *b, struct chan *ab, struct chan *ba, long long now,
    int loss, int shuffle)
{
	char buf[P2P_DGRAM_MAX + 1];
	struct p2p_msg m;
	const char *text;
	size_t len;
	int n, trunc;
	char *d;

	while ((n = link_output(&a->l, a->name, now, buf, sizeof(buf))) > 0)
		chan_put(ab, buf, n, loss);
	while ((d = chan_get(ab, shuffle)) != NULL) {
		if (proto_parse(d, strlen(d), P2P_FROM_PEER, &m) == 0 && m.type == P2P_MSG) {
			n = link_input(&b->l, &m, b->name, buf, sizeof(buf));
			chan_put(ba, buf, n, loss);
			while (link_deliver(&b->l, &text, &len, &trunc)) {
				char num[16];
				int k = -1;

				/* the text is not NUL-ended */
				memcpy(num, text, len < 15 ? len : 15);
				num[len < 15 ? len : 15] = '\0';
				if (b->ngot < 64) {
					memcpy(b->got[b->ngot], text, len);
					b->got[b->ngot][len] = '\0';
				}
				b->ngot++;
				if (sscanf(num, "m%d", &k) == 1 && k != b->next++)
					b->dups++;
			}
		}
		free(d);
	}
	while ((d = chan_get(ba, shuffle)) != NULL) {
		if (proto_parse(d, strlen(d), P2P_FROM_PEER, &m) == 0 && m.type == P2P_ACK)
			link_acked(&a->l, &m, now);
		free(d);
	}
}

static void
side_init(struct side *s, const char *name, uint32_t sid)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	link_init(&s->l, sid);
}

static void
test_link_basic(void)
{
	struct side a, b;
	struct chan ab = { { 0 }, 0 }, ba = { { 0 }, 0 };
	char big[3000 + 1], buf[P2P_DGRAM_MAX + 1], first[P2P_DGRAM_MAX + 1];
	struct p2p_msg m;
	const char *text;
	size_t len, i;
	int n, trunc, ok;

	side_init(&a, "alice", 0x100);
	side_init(&b, "bob", 0x200);
	proto_parse("probe,bob,0000abcd", 18, P2P_FROM_PEER, &m);
	check(link_input(&a.l, &m, "alice", buf, sizeof(buf)) == 0 && !a.l.rknown,
	    "a probe is no fragment: the link takes none", NULL);
	link_send(&a.l, "hello, bob", 10);
	step(&a, &b, &ab, &ba, 1000, 0, 0);
	check(b.ngot == 1 && strcmp(b.got[0], "hello, bob") == 0, "link: a message arrives", b.got[0]);
	check(link_pending(&a.l, 0) == NULL, "link: the ack empties the queue", NULL);
	check(a.l.rto == LINK_RTO_MIN, "link: an RTT sample sets the RTO (at least the minimum)", NULL);

	/* 1000 three-byte characters: cut only between characters */
	for (i = 0; i < 1000; i++)
		memcpy(big + 3 * i, "\xe4\xbd\xa0", 3);
	link_send(&a.l, big, 3000);
	for (ok = 1, i = 0; link_pending(&a.l, i) != NULL; i++)
		ok &= link_pending(&a.l, i)->len <= P2P_TEXT_MAX && link_pending(&a.l, i)->len % 3 == 0;
	check(ok && i == 3, "link: long text is split into datagrams on UTF-8 boundaries", NULL);
	step(&a, &b, &ab, &ba, 2000, 0, 0);
	check(b.ngot == 2 && strlen(b.got[1]) == 3000 && memcmp(b.got[1], big, 3000) == 0,
	    "link: the parts are joined into the whole message", NULL);

	/* the same datagram twice: delivered once, acknowledged twice */
	link_send(&a.l, "once", 4);
	n = link_output(&a.l, "alice", 3000, first, sizeof(first));
	proto_parse(first, (size_t)n, P2P_FROM_PEER, &m);
	check(link_input(&b.l, &m, "bob", buf, sizeof(buf)) > 0 &&
	    link_deliver(&b.l, &text, &len, &trunc) == 1, "link: first copy delivered", NULL);
	proto_parse(first, (size_t)n, P2P_FROM_PEER, &m);
	check(link_input(&b.l, &m, "bob", buf, sizeof(buf)) > 0 &&
	    link_deliver(&b.l, &text, &len, &trunc) == 0, "link: a duplicate is acked, not delivered", buf);

	/* resend timing: 1 s, then doubled, before any RTT is known */
	link_free(&a.l);
	side_init(&a, "alice", 0x300);
	link_send(&a.l, "x", 1);
	link_output(&a.l, "alice", 0, buf, sizeof(buf));
	check(link_output(&a.l, "alice", LINK_RTO_INIT - 1, buf, sizeof(buf)) == 0 &&
	    link_output(&a.l, "alice", LINK_RTO_INIT, buf, sizeof(buf)) > 0 &&
	    link_next(&a.l) == LINK_RTO_INIT + 2 * LINK_RTO_INIT,
	    "link: first resend after 1 s, the next 2 s later", NULL);
	link_free(&a.l);
	link_free(&b.l);
}

static void
test_link_order_and_window(void)
{
	struct side a, b;
	struct chan ab = { { 0 }, 0 }, ba = { { 0 }, 0 };
	char buf[P2P_DGRAM_MAX + 1], msg[16];
	int i, n, sent = 0;

	side_init(&a, "alice", 1);
	side_init(&b, "bob", 2);
	for (i = 0; i < 100; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		link_send(&a.l, msg, strlen(msg));
	}
	while ((n = link_output(&a.l, "alice", 0, buf, sizeof(buf))) > 0) {
		chan_put(&ab, buf, n, 0);
		sent++;
	}
	check(sent == LINK_WINDOW, "link: no more than the window in flight", NULL);
	/* deliver them in a random order */
	step(&a, &b, &ab, &ba, 10, 0, 1);
	step(&a, &b, &ab, &ba, 20, 0, 1);
	check(b.ngot == 100 && b.dups == 0 && strcmp(b.got[63], "m63") == 0,
	    "link: reordered datagrams are shown in order", NULL);
	for (i = 0; i < LINK_QUEUE; i++)
		if (link_send(&a.l, "q", 1) == -1)
			break;
	check(i == LINK_QUEUE && link_send(&a.l, "q", 1) == -1, "link: the queue has a cap", NULL);
	link_free(&a.l);
	link_init(&a.l, 3);
	check(link_send(&a.l, "a\0b", 3) == -1 && link_send(&a.l, "\xff", 1) == -1 &&
	    link_send(&a.l, "", 0) == -1 && link_pending(&a.l, 0) == NULL,
	    "link: text with NUL, invalid UTF-8 or nothing is refused (found by fuzzing)", NULL);
	link_free(&a.l);
	link_free(&b.l);
}

static void
test_link_lossy(void)
{
	struct side a, b;
	struct chan ab = { { 0 }, 0 }, ba = { { 0 }, 0 };
	char msg[16];
	long long now;
	int i;

	side_init(&a, "alice", 7);
	side_init(&b, "bob", 8);
	for (i = 0; i < 1000; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		link_send(&a.l, msg, strlen(msg));
	}
	/* 30% loss each way, reordered, time in 10 ms steps */
	for (now = 0; now < 600000 && b.ngot < 1000; now += 10)
		step(&a, &b, &ab, &ba, now, 30, 1);
	check(b.ngot == 1000 && b.dups == 0, "link: 1000 messages through 30% loss both ways, once each, in order", NULL);
	for (i = 0; i < 20 && now < 700000; i++, now += 2000)
		step(&a, &b, &ab, &ba, now, 30, 1);
	check(link_pending(&a.l, 0) == NULL, "link: and the sender knows they all arrived", NULL);
	link_free(&a.l);
	link_free(&b.l);
}

static void
test_link_giveup_and_restart(void)
{
	struct side a, b, a2;
	struct chan ab = { { 0 }, 0 }, ba = { { 0 }, 0 };
	char buf[P2P_DGRAM_MAX + 1], lost[64], late[P2P_DGRAM_MAX + 1];
	struct p2p_msg m;
	size_t len;
	uint32_t sid, seq0, seq1;
	int n;

	side_init(&a, "alice", 0x10);
	side_init(&b, "bob", 0x20);
	link_send(&a.l, "m0", 2);
	sid = a.l.sid;
	seq0 = a.l.next_seq - 1;
	check(!link_delivered(&a.l, sid, seq0), "link: a message queued is not delivered", NULL);
	step(&a, &b, &ab, &ba, 0, 0, 0);
	check(link_delivered(&a.l, sid, seq0), "link: a message acknowledged is delivered", NULL);
	/* two messages lost for good: bob hears nothing for 40 s */
	link_send(&a.l, "lost one", 8);
	seq1 = a.l.next_seq - 1;
	link_send(&a.l, "lost two", 8);
	step(&a, &b, &ab, &ba, 100, 100, 0);
	check(link_delivered(&a.l, sid, seq0) && !link_delivered(&a.l, sid, seq1) &&
	    !link_delivered(&a.l, sid, a.l.next_seq - 1), "link: delivered up to the first one lost", NULL);
	check(link_failed(&a.l, 100 + LINK_GIVEUP - 1, 0, lost, sizeof(lost), &len) == 0,
	    "link: nothing given up before 40 s", NULL);
	check(link_failed(&a.l, 100 + LINK_GIVEUP, 0, lost, sizeof(lost), &len) == 1 &&
	    strcmp(lost, "lost one") == 0, "link: after 40 s the message is given up", lost);
	check(!link_delivered(&a.l, sid, seq1) && !link_delivered(&a.l, sid, seq1 + 1),
	    "link: a message given up, or being given up, is never delivered", NULL);
	check(link_failed(&a.l, 100 + LINK_GIVEUP, 0, lost, sizeof(lost), &len) == 1 &&
	    strcmp(lost, "lost two") == 0 && link_failed(&a.l, 100 + LINK_GIVEUP, 0, lost, sizeof(lost), &len) == 0,
	    "link: with every message queued behind it, each reported once", lost);
	link_send(&a.l, "m1", 2);
	step(&a, &b, &ab, &ba, 50000, 0, 0);
	check(b.ngot == 2 && strcmp(b.got[1], "m1") == 0, "link: after a give-up the next message still arrives", b.got[1]);

	/* alice restarts: a new stream numbered from 1 again */
	n = link_output(&a.l, "alice", 50000, late, sizeof(late)); /* nothing due */
	link_send(&a.l, "m2", 2);
	n = link_output(&a.l, "alice", 50001, late, sizeof(late));
	side_init(&a2, "alice", 0x99);
	link_send(&a2.l, "m0 again", 8);
	step(&a2, &b, &ab, &ba, 60000, 0, 0);
	check(b.ngot == 3 && strcmp(b.got[2], "m0 again") == 0,
	    "link: a restarted peer's numbering is not taken for duplicates", b.got[2]);
	proto_parse(late, (size_t)n, P2P_FROM_PEER, &m);
	check(link_input(&b.l, &m, "bob", buf, sizeof(buf)) == 0 && b.l.rsid == 0x99,
	    "link: a late datagram of the old stream is ignored", NULL);
	link_send(&a2.l, "m1 again", 8);
	step(&a2, &b, &ab, &ba, 61000, 0, 0);
	check(b.ngot == 4 && strcmp(b.got[3], "m1 again") == 0, "link: the new stream goes on", b.got[3]);

	/* a receiver that restarted starts where the sender's undelivered part starts */
	link_free(&b.l);
	side_init(&b, "bob", 0x21);
	link_send(&a2.l, "m2 again", 8);
	step(&a2, &b, &ab, &ba, 62000, 0, 0);
	check(b.ngot == 1 && strcmp(b.got[0], "m2 again") == 0,
	    "link: a restarted receiver starts at the sender's first undelivered fragment", b.got[0]);

	/* acknowledged but held out of order by a receiver that then restarts:
	 * after link_restart the sender sends it again */
	link_send(&a2.l, "m3", 2);
	link_send(&a2.l, "m4", 2);
	n = link_output(&a2.l, "alice", 63000, late, sizeof(late)); /* m3: lost */
	n = link_output(&a2.l, "alice", 63000, late, sizeof(late)); /* m4 */
	proto_parse(late, (size_t)n, P2P_FROM_PEER, &m);
	n = link_input(&b.l, &m, "bob", buf, sizeof(buf));
	proto_parse(buf, (size_t)n, P2P_FROM_PEER, &m);
	link_acked(&a2.l, &m, 63001);
	check(link_pending(&a2.l, 1) != NULL && link_pending(&a2.l, 1)->got, "link: m4 is held, acked, not delivered", NULL);
	link_free(&b.l);
	side_init(&b, "bob", 0x22);
	link_restart(&a2.l);
	step(&a2, &b, &ab, &ba, 63002, 0, 0);
	check(b.ngot == 2 && strcmp(b.got[0], "m3") == 0 && strcmp(b.got[1], "m4") == 0,
	    "link: after a restart everything undelivered is sent again", b.got[1]);

	/* the peer left: everything queued is reported at once */
	link_send(&a2.l, "to nobody", 9);
	link_send(&a2.l, "and this", 8);
	check(link_failed(&a2.l, 0, 1, lost, sizeof(lost), &len) == 1 &&
	    link_failed(&a2.l, 0, 1, lost, sizeof(lost), &len) == 1 &&
	    strcmp(lost, "and this") == 0 && link_failed(&a2.l, 0, 1, lost, sizeof(lost), &len) == 0,
	    "link: giving up everything at once", lost);
	link_free(&a.l);
	link_free(&a2.l);
	link_free(&b.l);
}
