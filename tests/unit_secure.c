/*
 * unit_secure.c: unit tests of secure.c: the handshake between two sides
 * in memory, sealed datagrams, replays, changes, cuts, rekeying, cookies,
 * names bound into the handshake, lost messages and both sides beginning
 * at once.  Included by unit.c.
 */

/* Does (p, n) hold the string s? */
static int
holds(const unsigned char *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

static unsigned char *
rnd32(void)
{
	static unsigned char r[32];
	static uint32_t n;

	n++;
	crypto_sha256(&n, sizeof(n), r);
	return r;
}

struct party {
	struct sec_self self;
	struct sec_peer peer;   /* what this side keeps of the other */
	const char *src;        /* where its datagrams come from, as the other sees it */
};

static void
party_init(struct party *s, const char *name, const char *src)
{
	memset(s, 0, sizeof(*s));
	sec_self_init(&s->self, rnd32(), name, rnd32(), 0);
	s->src = src;
}

/* Deliver (in, len) from `from` to `to`: sec_input's result, the answer in out. */
static int
deliver(struct party *from, struct party *to, const unsigned char *in, size_t len, long long now,
    unsigned char *out, size_t *outlen, const char **why)
{
	char name[P2P_NAME_MAX + 1];

	*why = "";
	if (sec_header(in, len, name) == -1) {
		*why = "bad header";
		return -1;
	}
	return sec_input(&to->peer, &to->self, name, from->src, strlen(from->src), in, len, now, rnd32(),
	    out, 2048, outlen, why);
}

/* A whole handshake from a to b: 1 when both are ready with the other's key. */
static int
handshake(struct party *a, struct party *b, long long now)
{
	unsigned char m1[2048], m2[2048];
	size_t n1, n2;
	const char *why;
	int r;

	n1 = sec_begin(&a->peer, &a->self, now, m1, sizeof(m1));
	if (deliver(a, b, m1, n1, now, m2, &n2, &why) != SEC_SEND ||      /* HELLO -> COOKIE */
	    deliver(b, a, m2, n2, now, m1, &n1, &why) != SEC_SEND ||      /* COOKIE -> INIT */
	    deliver(a, b, m1, n1, now, m2, &n2, &why) != SEC_SEND ||      /* INIT -> REPLY */
	    (r = deliver(b, a, m2, n2, now, m1, &n1, &why)) != (SEC_SEND | SEC_READY) ||
	    deliver(a, b, m1, n1, now, m2, &n2, &why) != SEC_READY)       /* FINISH */
		return 0;
	return memcmp(a->peer.rs, b->self.pub, 32) == 0 && memcmp(b->peer.rs, a->self.pub, 32) == 0;
}

/* Seal text from a, open it at b: 1 when it arrives intact. */
static int
carry(struct party *a, struct party *b, const char *text, long long now, unsigned char *sealed, int *slen)
{
	unsigned char out[2048];
	size_t n;
	const char *why;

	*slen = sec_seal(&a->peer, &a->self, now, (const unsigned char *)text, strlen(text), sealed, 2048);
	return *slen > 0 && deliver(a, b, sealed, (size_t)*slen, now, out, &n, &why) == SEC_PLAIN &&
	    n == strlen(text) && memcmp(out, text, n) == 0;
}

/* A handshake from a to b where b takes a for `as`: alice's result on bob's REPLY. */
static int
bound(struct party *a, struct party *b, const char *as)
{
	unsigned char m1[2048], m2[2048];
	size_t n1, n2;
	const char *why;

	party_init(a, "alice", "10.0.0.1:1");
	party_init(b, "bob", "10.0.0.2:2");
	n1 = sec_begin(&a->peer, &a->self, 0, m1, sizeof(m1));
	sec_input(&b->peer, &b->self, as, a->src, strlen(a->src), m1, n1, 0, rnd32(), m2, sizeof(m2), &n2, &why);
	deliver(b, a, m2, n2, 0, m1, &n1, &why);
	if (sec_input(&b->peer, &b->self, as, a->src, strlen(a->src), m1, n1, 0, rnd32(), m2, sizeof(m2),
	    &n2, &why) != SEC_SEND)
		return -2;
	return deliver(b, a, m2, n2, 0, m1, &n1, &why);
}

static void
test_secure_handshake(void)
{
	struct party a, b;
	unsigned char s1[2048], s2[2048], out[2048];
	size_t n, k;
	int l1, l2, ok, r;
	const char *why;
	char text[80];

	party_init(&a, "alice", "10.0.0.1:1");
	party_init(&b, "Bob", "10.0.0.2:2");
	check(handshake(&a, &b, 1000), "a handshake opens a session with each other's key", NULL);
	check(carry(&a, &b, "hello bob", 1000, s1, &l1), "alice to bob, sealed", NULL);
	check(carry(&b, &a, "hello alice", 1000, s2, &l2), "bob to alice, sealed", NULL);
	check(!holds(s1, (size_t)l1, "hello"), "no plaintext in the sealed datagram", NULL);
	check(deliver(&a, &b, s1, (size_t)l1, 1000, out, &n, &why) == -1 && strcmp(why, "a replay") == 0,
	    "a replayed datagram is refused", why);
	/* sealed, not yet delivered: every change is caught by the tag, not the window */
	l1 = sec_seal(&a.peer, &a.self, 1000, (const unsigned char *)"again", 5, s1, sizeof(s1));
	for (k = 0, ok = 1; k < (size_t)l1; k++) {
		s1[k] ^= 0x20;
		r = deliver(&a, &b, s1, (size_t)l1, 1000, out, &n, &why);
		ok &= r == -1 || r == SEC_RENEW; /* dropped: a changed epoch asks for a new handshake */
		s1[k] ^= 0x20;
	}
	check(ok, "a datagram changed in any byte is refused", NULL);
	check(deliver(&a, &b, s1, (size_t)l1 - 1, 1000, out, &n, &why) == -1, "a cut datagram is refused", why);
	check(deliver(&a, &b, s1, 20, 1000, out, &n, &why) == -1, "a datagram cut short is refused", why);
	check(deliver(&a, &b, s1, (size_t)l1, 1000, out, &n, &why) == SEC_PLAIN, "the intact one still opens", why);

	/* out of order, within the window and beyond it */
	l1 = sec_seal(&a.peer, &a.self, 1000, (const unsigned char *)"old", 3, s1, sizeof(s1));
	for (k = 0; k < 70; k++)
		l2 = sec_seal(&a.peer, &a.self, 1000, (const unsigned char *)"new", 3, s2, sizeof(s2));
	check(deliver(&a, &b, s2, (size_t)l2, 1000, out, &n, &why) == SEC_PLAIN, "a later datagram first", why);
	check(deliver(&a, &b, s1, (size_t)l1, 1000, out, &n, &why) == -1, "one 70 datagrams older is refused", why);
	l1 = sec_seal(&a.peer, &a.self, 1000, (const unsigned char *)"x", 1, s1, sizeof(s1));
	l2 = sec_seal(&a.peer, &a.self, 1000, (const unsigned char *)"y", 1, s2, sizeof(s2));
	check(deliver(&a, &b, s2, (size_t)l2, 1000, out, &n, &why) == SEC_PLAIN &&
	    deliver(&a, &b, s1, (size_t)l1, 1000, out, &n, &why) == SEC_PLAIN, "two datagrams swapped both open", why);

	/* keys move on with time: late datagrams of the key before still open,
	 * of two keys before no longer */
	l1 = sec_seal(&a.peer, &a.self, 1000, (const unsigned char *)"epoch 0", 7, s1, sizeof(s1));
	check(carry(&a, &b, "after a rekey", 1000 + SEC_REKEY_TIME, s2, &l2) && a.peer.tx.epoch == 1 &&
	    b.peer.rx.epoch == 1, "after SEC_REKEY_TIME the sender moves to a new key, the receiver follows", NULL);
	check(deliver(&a, &b, s1, (size_t)l1, 1000 + SEC_REKEY_TIME, out, &n, &why) == SEC_PLAIN,
	    "a late datagram under the key before opens", why);
	l1 = sec_seal(&a.peer, &a.self, 1000 + SEC_REKEY_TIME, (const unsigned char *)"epoch 1", 7, s1, sizeof(s1));
	carry(&a, &b, "two rekeys", 1000 + 2 * SEC_REKEY_TIME, s2, &l2);
	carry(&a, &b, "three rekeys", 1000 + 3 * SEC_REKEY_TIME, s2, &l2);
	check(b.peer.rx.epoch == 3 &&
	    deliver(&a, &b, s1, (size_t)l1, 1000 + 3 * SEC_REKEY_TIME, out, &n, &why) == SEC_RENEW,
	    "a datagram under a key two steps back is refused (that key is gone), a new handshake would mend it", why);
	for (k = 0; k < SEC_REKEY_MSGS; k++)
		sec_seal(&a.peer, &a.self, 1000 + 3 * SEC_REKEY_TIME, (const unsigned char *)"n", 1, s1, sizeof(s1));
	check(carry(&a, &b, "count", 1000 + 3 * SEC_REKEY_TIME, s2, &l2) && a.peer.tx.epoch == 4,
	    "after SEC_REKEY_MSGS datagrams the key moves on too", NULL);
	check(carry(&b, &a, "the other way", 1000 + 3 * SEC_REKEY_TIME, s2, &l2), "each direction has its own keys", NULL);

	/* a new handshake replaces the session: the peer restarted */
	check(handshake(&b, &a, 9000000) && carry(&a, &b, "new session", 9000000, s1, &l1),
	    "a new handshake opens a new session", NULL);

	/* names are bound into the handshake: a responder that takes the
	 * initiator for someone else (a renamed header) fails it, case aside */
	check(bound(&a, &b, "carol") == -1, "a responder that takes alice for carol fails the handshake", NULL);
	check(bound(&a, &b, "ALICE") == (SEC_SEND | SEC_READY), "names are bound with ASCII case folded", NULL);

	/* a cookie is bound to where the HELLO came from */
	party_init(&a, "alice", "10.0.0.1:1");
	party_init(&b, "bob", "10.0.0.2:2");
	n = sec_begin(&a.peer, &a.self, 0, s1, sizeof(s1));
	deliver(&a, &b, s1, n, 0, s2, &n, &why);
	check(b.peer.hs == 0 && !b.peer.ready, "a HELLO leaves no state at the responder", NULL);
	deliver(&b, &a, s2, n, 0, s1, &n, &why);
	k = n; /* the INIT's length */
	a.src = "10.6.6.6:6";
	check(deliver(&a, &b, s1, k, 0, s2, &n, &why) == -1 && strcmp(why, "no valid cookie") == 0,
	    "an INIT from elsewhere than its HELLO is refused before any DH work", why);
	a.src = "10.0.0.1:1";
	check(k > 32, "an INIT was made", NULL);
	memset(s1 + k - 32, 0, 32);
	check(deliver(&a, &b, s1, k, 0, s2, &n, &why) == -1, "an INIT with a key of small order is refused", why);
	check(deliver(&a, &b, s1, 10, 0, s2, &n, &why) == -1, "a cut INIT is refused", why);
	check(sec_seal(&b.peer, &b.self, 0, (const unsigned char *)"x", 1, s1, sizeof(s1)) == -1,
	    "nothing is sealed without a session", NULL);

	/* a lost FINISH: the responder resends its REPLY, the initiator its FINISH */
	party_init(&a, "alice", "10.0.0.1:1");
	party_init(&b, "bob", "10.0.0.2:2");
	n = sec_begin(&a.peer, &a.self, 0, s1, sizeof(s1));
	deliver(&a, &b, s1, n, 0, s2, &n, &why);
	deliver(&b, &a, s2, n, 0, s1, &n, &why);
	deliver(&a, &b, s1, n, 0, s2, &n, &why);
	check(deliver(&b, &a, s2, n, 0, s1, &n, &why) == (SEC_SEND | SEC_READY), "alice is ready", why);
	check(sec_resend(&b.peer, 999, s2, sizeof(s2)) == 0 && sec_next(&b.peer) == SEC_RESEND,
	    "bob waits SEC_RESEND for the FINISH", NULL);
	l2 = sec_resend(&b.peer, SEC_RESEND, s2, sizeof(s2));
	check(l2 > 0 && s2[0] == SEC_REPLY, "then sends his REPLY again", NULL);
	check(deliver(&b, &a, s2, (size_t)l2, SEC_RESEND, s1, &n, &why) == SEC_SEND && s1[0] == SEC_FINISH,
	    "alice answers it with her FINISH again", why);
	check(deliver(&a, &b, s1, n, SEC_RESEND, s2, &n, &why) == SEC_READY && carry(&b, &a, "at last", SEC_RESEND, s2, &l2),
	    "and the session opens on both sides", why);

	/* both begin at once: the name first in order stays the initiator */
	party_init(&a, "alice", "10.0.0.1:1");
	party_init(&b, "bob", "10.0.0.2:2");
	{
		unsigned char ha[2048], hb[2048], ia[2048], ib[2048], r[2048];
		size_t na, nb, nia, nib, nr;

		na = sec_begin(&a.peer, &a.self, 0, ha, sizeof(ha));
		nb = sec_begin(&b.peer, &b.self, 0, hb, sizeof(hb));
		deliver(&a, &b, ha, na, 0, r, &nr, &why);
		deliver(&b, &a, r, nr, 0, ia, &nia, &why);   /* alice's INIT */
		deliver(&b, &a, hb, nb, 0, r, &nr, &why);
		deliver(&a, &b, r, nr, 0, ib, &nib, &why);   /* bob's INIT */
		check(deliver(&b, &a, ib, nib, 0, r, &nr, &why) == -1, "alice ignores bob's INIT", why);
		check(deliver(&a, &b, ia, nia, 0, r, &nr, &why) == SEC_SEND, "bob answers alice's", why);
		check(deliver(&b, &a, r, nr, 0, ia, &nia, &why) == (SEC_SEND | SEC_READY) &&
		    deliver(&a, &b, ia, nia, 0, r, &nr, &why) == SEC_READY, "one session opens", why);
	}

	/* unanswered, a handshake gives up */
	party_init(&a, "alice", "10.0.0.1:1");
	sec_begin(&a.peer, &a.self, 0, s1, sizeof(s1));
	for (k = 1, l1 = 0; k < 20 && l1 >= 0; k++)
		l1 = sec_resend(&a.peer, (long long)k * SEC_RESEND, s1, sizeof(s1));
	check(l1 == -1 && k == SEC_TRIES + 1 && a.peer.hs == 0, "a handshake gives up after SEC_TRIES sends", NULL);
	check(sec_header((const unsigned char *)"\x06\x00", 2, text) == -1 &&
	    sec_header((const unsigned char *)"\x06\x05" "ab", 4, text) == -1 &&
	    sec_header((const unsigned char *)"\x07\x01" "a", 3, text) == -1 &&
	    sec_header((const unsigned char *)"\x06\x01," "xyz", 6, text) == -1,
	    "bad headers: no name, a cut name, an unknown type, a bad name", NULL);
}

/* A REPLY to alice's INIT, forged: the echo as given, the rest random. */
static size_t
forged_reply(const struct party *a, const unsigned char *echo, unsigned char *out)
{
	size_t n = 2 + strlen("bob"), k;

	out[0] = SEC_REPLY;
	out[1] = 3;
	memcpy(out + 2, "bob", 3);
	memcpy(out + n, echo, SEC_ECHO);
	for (k = n + SEC_ECHO; k < n + SEC_ECHO + 32 + 48 + CRYPTO_TAG; k++)
		out[k] = (unsigned char)(k * 7 + a->self.pub[k % 32]);
	return n + SEC_ECHO + 32 + 48 + CRYPTO_TAG;
}

static void
test_secure_hostile(void)
{
	struct party a, b, m;
	unsigned char s1[2048], s2[2048], out[2048];
	long long now = 5000, t;
	size_t n, k, ilen = 0;
	int l1, r, refused, spent;
	const char *why;

	/* the receiver missed whole epochs (one-way loss): it steps over them */
	party_init(&a, "alice", "10.0.0.1:1");
	party_init(&b, "bob", "10.0.0.2:2");
	handshake(&a, &b, now);
	for (t = now, k = 0; k < 6; k++, t += SEC_REKEY_TIME)
		l1 = sec_seal(&a.peer, &a.self, t, (const unsigned char *)"lost", 4, s1, sizeof(s1));
	check(a.peer.tx.epoch == 5 && deliver(&a, &b, s1, (size_t)l1, t, out, &n, &why) == SEC_PLAIN &&
	    b.peer.rx.epoch == 5, "a receiver that missed 4 epochs steps over them", why);
	for (k = 0; k <= SEC_AHEAD; k++, t += SEC_REKEY_TIME)
		l1 = sec_seal(&a.peer, &a.self, t, (const unsigned char *)"far", 3, s1, sizeof(s1));
	check(deliver(&a, &b, s1, (size_t)l1, t, out, &n, &why) == SEC_RENEW,
	    "past SEC_AHEAD epochs a new handshake is asked for", why);

	/* alice began a handshake and sent her INIT: a REPLY that does not echo
	 * its e is dropped before any DH work */
	party_init(&a, "alice", "10.0.0.1:1");
	party_init(&b, "bob", "10.0.0.2:2");
	n = sec_begin(&a.peer, &a.self, now, s1, sizeof(s1));
	deliver(&a, &b, s1, n, now, s2, &n, &why);
	deliver(&b, &a, s2, n, now, s1, &n, &why); /* alice's INIT in s1 */
	check(a.peer.hs == SEC_INIT, "alice waits for a REPLY", NULL);
	spent = (int)a.self.dh.milli;
	n = forged_reply(&a, (const unsigned char *)"12345678", s2);
	check(deliver(&b, &a, s2, n, now, out, &k, &why) == -1 && strcmp(why, "a reply to another handshake") == 0 &&
	    (int)a.self.dh.milli == spent, "a REPLY without the INIT's echo costs no DH", why);
	/* forged REPLYs that echo it: only SEC_DH_PEER operations' worth */
	for (refused = 0, k = 0; k < 20; k++) {
		n = forged_reply(&a, a.peer.epub, s2);
		s2[n - 1] ^= (unsigned char)k;
		r = deliver(&b, &a, s2, n, now, out, &n, &why);
		refused += r == -1 && strcmp(why, "key exchanges too fast") == 0;
	}
	check(refused == 20 - (SEC_DH_PEER - 1) / 3, "forged REPLYs cost at most the peer's DH budget", NULL);
	check(a.peer.hs == SEC_INIT, "and alice still waits for the real one", NULL);

	/* the total: strangers with names of their own share one budget */
	party_init(&a, "alice", "10.0.0.1:1");
	for (refused = 0, k = 0; k < 40; k++) {
		char name[16];

		memset(&m, 0, sizeof(m));
		snprintf(name, sizeof(name), "m%u", (unsigned)k);
		party_init(&m, name, "10.9.9.9:9");
		memset(&a.peer, 0, sizeof(a.peer)); /* what alice keeps of this stranger */
		n = sec_begin(&m.peer, &m.self, now, s1, sizeof(s1));
		sec_input(&a.peer, &a.self, name, m.src, strlen(m.src), s1, n, now, rnd32(), s2, sizeof(s2), &n, &why);
		sec_input(&m.peer, &m.self, "alice", "a", 1, s2, n, now, rnd32(), s1, sizeof(s1), &n, &why);
		ilen = n;
		r = sec_input(&a.peer, &a.self, name, m.src, strlen(m.src), s1, ilen, now, rnd32(), s2, sizeof(s2), &n,
		    &why); /* the INIT: 3 operations */
		refused += r == -1 && strcmp(why, "key exchanges too fast") == 0;
	}
	check(refused == 40 - SEC_DH_ALL / 3, "all strangers together get SEC_DH_ALL operations at once", NULL);
	check(sec_input(&a.peer, &a.self, "m39", m.src, strlen(m.src), s1, ilen, now + 1000, rnd32(), s2, sizeof(s2),
	    &n, &why) == SEC_SEND, "and more a second later", why);
}
