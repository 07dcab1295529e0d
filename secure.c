/*
 * secure.c: handshakes and sealed datagrams between peers (secure.h).
 *
 * The handshake follows the Noise Protocol Framework, revision 34, pattern
 * XX, with X25519, ChaCha20-Poly1305 and SHA-256.  Datagrams:
 *
 *   HELLO  type len name  16 zero bytes (as long as the COOKIE it asks for)
 *   COOKIE type len name  cookie[16]
 *   INIT   type len name  cookie[16]  e[32]                  -> e
 *   REPLY  type len name  echo[8]  e[32]  s[32+16]  payload tag[16]   <- e, ee, s, es
 *   FINISH type len name  s[32+16]  payload tag[16]          -> s, se
 *   DATA   type len name  epoch[1]  counter[8]  ciphertext  tag[16]
 *
 * DATA is sealed with the key of its epoch, the counter as the nonce (four
 * zero bytes and the counter, little end first, as Noise's ChaChaPoly) and
 * its header as the associated data.
 *
 * The echo is the first bytes of the INIT's e, outside the handshake's
 * hash: a REPLY that does not carry it answers no INIT of ours and is
 * dropped before it costs any Diffie-Hellman work.
 */
#include <string.h>

#include "secure.h"

static const char protocol[32] = "Noise_XX_25519_ChaChaPoly_SHA256";
static const char prologue[10] = "p2pchat 1"; /* with its zero byte */

/* [type][name length][name]: its length. */
static size_t
head(unsigned char *out, int type, const char *name)
{
	size_t n = strlen(name);

	out[0] = (unsigned char)type;
	out[1] = (unsigned char)n;
	memcpy(out + 2, name, n);
	return 2 + n;
}

int
sec_header(const unsigned char *in, size_t len, char name[P2P_NAME_MAX + 1])
{
	if (len < 2 || in[0] < SEC_HELLO || in[0] > SEC_DATA || in[1] == 0 || in[1] > P2P_NAME_MAX ||
	    len < 2u + in[1] || !proto_valid_name((const char *)in + 2, in[1]))
		return -1;
	memcpy(name, in + 2, in[1]);
	name[in[1]] = '\0';
	return in[0];
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Names compare with ASCII case folded, as the server compares them. */
static int
name_before(const char *a, const char *b)
{
	while (*a && lower((unsigned char)*a) == lower((unsigned char)*b))
		a++, b++;
	return lower((unsigned char)*a) < lower((unsigned char)*b);
}

/* ---- Noise's symmetric state ---- */

static void
mix_hash(struct sec_sym *y, const void *data, size_t len)
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, y->h, 32);
	sha256_update(&s, data, len);
	sha256_final(&s, y->h);
}

static void
mix_key(struct sec_sym *y, const unsigned char ikm[32])
{
	unsigned char o[64];

	crypto_hkdf(y->ck, 32, ikm, 32, "", 0, o, 64);
	memcpy(y->ck, o, 32);
	memcpy(y->k, o + 32, 32);
	y->n = 0;
	y->haskey = 1;
	crypto_wipe(o, sizeof(o));
}

static void
nonce_of(unsigned char nonce[12], uint64_t n)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (unsigned char)(n >> 8 * i);
}

void
sec_xx_seal(const unsigned char k[32], uint64_t n, const void *ad, size_t adlen, const void *pt,
    size_t len, unsigned char *out)
{
	unsigned char nonce[12];

	nonce_of(nonce, n);
	crypto_seal(k, nonce, ad, adlen, pt, len, out);
}

int
sec_xx_open(const unsigned char k[32], uint64_t n, const void *ad, size_t adlen,
    const unsigned char *ct, size_t len, unsigned char *out)
{
	unsigned char nonce[12];

	nonce_of(nonce, n);
	return crypto_open(k, nonce, ad, adlen, ct, len, out);
}

/* EncryptAndHash: the length written to out. */
static size_t
encrypt_hash(struct sec_sym *y, const unsigned char *pt, size_t len, unsigned char *out)
{
	if (y->haskey) {
		sec_xx_seal(y->k, y->n++, y->h, 32, pt, len, out);
		len += CRYPTO_TAG;
	} else if (len > 0) {
		memcpy(out, pt, len);
	}
	mix_hash(y, out, len);
	return len;
}

/* DecryptAndHash of len bytes (tag included): 0, or -1. */
static int
decrypt_hash(struct sec_sym *y, const unsigned char *ct, size_t len, unsigned char *out)
{
	if (y->haskey) {
		if (sec_xx_open(y->k, y->n, y->h, 32, ct, len, out) == -1)
			return -1;
		y->n++;
	} else if (len > 0) {
		memcpy(out, ct, len);
	}
	mix_hash(y, ct, len);
	return 0;
}

void
sec_xx_init(struct sec_sym *y, const void *pro, size_t len)
{
	memset(y, 0, sizeof(*y));
	memcpy(y->h, protocol, 32);
	memcpy(y->ck, protocol, 32);
	mix_hash(y, pro, len);
}

/* Initialize with the prologue that binds both names: "p2pchat 1", the
 * initiator's name and the responder's, ASCII case folded, each of the
 * three ended by a zero byte. */
static void
sym_init(struct sec_sym *y, const char *iname, const char *rname)
{
	unsigned char pro[sizeof(prologue) + 2 * (P2P_NAME_MAX + 1)];
	size_t n = sizeof(prologue);
	const char *name;
	int k;

	memcpy(pro, prologue, n);
	for (k = 0; k < 2; k++) {
		for (name = k == 0 ? iname : rname; *name && n < sizeof(pro) - 1; name++)
			pro[n++] = lower((unsigned char)*name);
		pro[n++] = '\0';
	}
	sec_xx_init(y, pro, n);
}

/* DH into a symmetric state: 0, or -1 for a point of small order. */
static int
mix_dh(struct sec_sym *y, const unsigned char priv[32], const unsigned char pub[32])
{
	unsigned char shared[32];
	int r = crypto_x25519(shared, priv, pub);

	if (r == 0)
		mix_key(y, shared);
	crypto_wipe(shared, sizeof(shared));
	return r;
}

/* ---- Noise XX, message by message (secure.h) ---- */

int
sec_xx_write_e(struct sec_sym *y, const unsigned char e[32], const void *pl, size_t len,
    unsigned char *out)
{
	crypto_x25519_public(out, e);
	mix_hash(y, out, 32);
	return 32 + (int)encrypt_hash(y, pl, len, out + 32);
}

int
sec_xx_read_e(struct sec_sym *y, const unsigned char *in, size_t len, unsigned char re[32],
    unsigned char *pl)
{
	if (len < 32)
		return -1;
	memcpy(re, in, 32);
	mix_hash(y, re, 32);
	decrypt_hash(y, in + 32, len - 32, pl); /* no key yet: it cannot fail */
	return (int)len - 32;
}

int
sec_xx_write_ees(struct sec_sym *y, const unsigned char e[32], const unsigned char re[32],
    const unsigned char spriv[32], const unsigned char spub[32], const void *pl, size_t len,
    unsigned char *out)
{
	size_t n;

	crypto_x25519_public(out, e);
	mix_hash(y, out, 32);
	if (mix_dh(y, e, re) == -1)
		return -1;
	n = 32 + encrypt_hash(y, spub, 32, out + 32);
	mix_dh(y, spriv, re); /* re was checked just above */
	return (int)(n + encrypt_hash(y, pl, len, out + n));
}

int
sec_xx_read_ees(struct sec_sym *y, const unsigned char e[32], const unsigned char *in, size_t len,
    unsigned char rs[32], unsigned char *pl)
{
	if (len < 32 + 48 + CRYPTO_TAG)
		return -1;
	mix_hash(y, in, 32);
	if (mix_dh(y, e, in) == -1 || decrypt_hash(y, in + 32, 48, rs) == -1 || mix_dh(y, e, rs) == -1 ||
	    decrypt_hash(y, in + 80, len - 80, pl) == -1)
		return -1;
	return (int)(len - 80 - CRYPTO_TAG);
}

int
sec_xx_write_se(struct sec_sym *y, const unsigned char spriv[32], const unsigned char spub[32],
    const unsigned char re[32], const void *pl, size_t len, unsigned char *out)
{
	size_t n = encrypt_hash(y, spub, 32, out);

	if (mix_dh(y, spriv, re) == -1)
		return -1;
	return (int)(n + encrypt_hash(y, pl, len, out + n));
}

int
sec_xx_read_se(struct sec_sym *y, const unsigned char e[32], const unsigned char *in, size_t len,
    unsigned char rs[32], unsigned char *pl)
{
	if (len < 48 + CRYPTO_TAG || decrypt_hash(y, in, 48, rs) == -1 || mix_dh(y, e, rs) == -1 ||
	    decrypt_hash(y, in + 48, len - 48, pl) == -1)
		return -1;
	return (int)(len - 48 - CRYPTO_TAG);
}

void
sec_xx_split(const struct sec_sym *y, unsigned char k1[32], unsigned char k2[32])
{
	unsigned char k[64];

	crypto_hkdf(y->ck, 32, "", 0, "", 0, k, 64);
	memcpy(k1, k, 32);
	memcpy(k2, k + 32, 32);
	crypto_wipe(k, sizeof(k));
}

/* May the peer make us do n X25519 operations now?  Paid from its budget
 * and from the total; 0 (nothing spent) when either is short. */
static int
afford(struct sec_peer *p, struct sec_self *self, long long now, int n, const char **why)
{
	struct rate peer = p->dh;

	if (rate_take(&peer, now, SEC_DH_PEER, SEC_DH_PEER_S, n) &&
	    rate_take(&self->dh, now, SEC_DH_ALL, SEC_DH_ALL_S, n)) {
		p->dh = peer;
		return 1;
	}
	*why = "key exchanges too fast";
	return 0;
}

/* Noise's REKEY: the key encrypts 32 zeros under the last nonce. */
static void
rekey(unsigned char k[32])
{
	static const unsigned char zero[32];
	unsigned char out[48];

	sec_xx_seal(k, UINT64_MAX, "", 0, zero, 32, out);
	memcpy(k, out, 32);
	crypto_wipe(out, sizeof(out));
}

/* ---- handshakes ---- */

void
sec_self_init(struct sec_self *s, const unsigned char priv[32], const char *name,
    const unsigned char rnd[32], long long now)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->priv, priv, 32);
	crypto_x25519_public(s->pub, priv);
	strncpy(s->name, name, P2P_NAME_MAX);
	memcpy(s->secret[0], rnd, 32);
	memcpy(s->secret[1], rnd, 32);
	s->secret_t = now;
	s->rekey_ms = SEC_REKEY_TIME;
}

/* The cookie for a HELLO from src naming peer, under secret k. */
static void
cookie(const unsigned char k[32], const void *src, size_t srclen, const char *peer,
    unsigned char out[SEC_COOKIE_LEN])
{
	unsigned char mac[32];
	struct hmac h;
	unsigned char c;

	hmac_init(&h, k, 32);
	hmac_update(&h, src, srclen);
	hmac_update(&h, "", 1); /* no source and name run into another pair */
	for (; *peer; peer++) {
		c = lower((unsigned char)*peer);
		hmac_update(&h, &c, 1);
	}
	hmac_final(&h, mac);
	memcpy(out, mac, SEC_COOKIE_LEN);
}

/* Forget the handshake we began. */
static void
hs_wipe(struct sec_peer *p)
{
	crypto_wipe(p->e, sizeof(p->e));
	crypto_wipe(&p->sym, sizeof(p->sym));
	p->hs = 0;
}

/* Forget the REPLYs that wait. */
static void
rep_wipe(struct sec_peer *p)
{
	crypto_wipe(p->rep, sizeof(p->rep));
	p->rep_last = -1;
	p->rep_tries = 0;
}

/* Remember msg as the handshake message we last sent. */
static void
sent_msg(struct sec_peer *p, int type, const unsigned char *msg, size_t len, long long now)
{
	if (msg != p->msg)
		memcpy(p->msg, msg, len);
	p->msglen = len;
	p->hs = type;
	p->sent = now;
	p->tries = 1;
}

size_t
sec_begin(struct sec_peer *p, const struct sec_self *self, long long now, unsigned char *out,
    size_t size)
{
	size_t n;

	(void)size; /* at least SEC_MSG_MAX */
	hs_wipe(p);
	n = head(p->msg, SEC_HELLO, self->name);
	memset(p->msg + n, 0, SEC_COOKIE_LEN);
	sent_msg(p, SEC_HELLO, p->msg, n + SEC_COOKIE_LEN, now);
	memcpy(out, p->msg, p->msglen);
	return p->msglen;
}

int
sec_resend(struct sec_peer *p, long long now, unsigned char *out, size_t size)
{
	const struct sec_reply *r;

	if (size < SEC_MSG_MAX)
		return 0;
	if (p->rep_tries > 0 && now - p->rep_sent >= SEC_RESEND) {
		/* the latest REPLY again, until its FINISH comes */
		if (p->rep_tries >= SEC_TRIES) {
			rep_wipe(p);
		} else {
			r = &p->rep[p->rep_last];
			p->rep_tries++;
			p->rep_sent = now;
			memcpy(out, r->msg, r->msglen);
			return (int)r->msglen;
		}
	}
	if (p->hs == 0 || now - p->sent < SEC_RESEND)
		return 0;
	if (p->tries >= SEC_TRIES) {
		hs_wipe(p);
		return -1;
	}
	p->tries++;
	p->sent = now;
	memcpy(out, p->msg, p->msglen);
	return (int)p->msglen;
}

long long
sec_next(const struct sec_peer *p)
{
	long long t = p->hs ? p->sent + SEC_RESEND : -1;

	if (p->rep_tries > 0 && (t == -1 || p->rep_sent + SEC_RESEND < t))
		t = p->rep_sent + SEC_RESEND;
	return t;
}

/* Split() the finished handshake y into the session's keys. */
static void
open_session(struct sec_peer *p, const struct sec_sym *y, int initiator, const unsigned char rs[32],
    long long now)
{
	memset(&p->tx, 0, sizeof(p->tx));
	memset(&p->rx, 0, sizeof(p->rx));
	if (initiator)
		sec_xx_split(y, p->tx.key, p->rx.key);
	else
		sec_xx_split(y, p->rx.key, p->tx.key);
	p->tx.start = now;
	memcpy(p->rs, rs, 32);
	p->ready = 1;
	hs_wipe(p);
	rep_wipe(p);
}

/* INIT from the peer, whose cookie checked: answer with REPLY, which
 * waits for its FINISH in a slot of its own. */
static int
reply(struct sec_peer *p, const struct sec_self *self, const char *peer, const unsigned char re[32],
    long long now, const unsigned char rnd[32], unsigned char *out, size_t *outlen, const char **why)
{
	struct sec_reply *r = &p->rep[p->rep_next];
	size_t n;
	int k;

	crypto_wipe(r, sizeof(*r));
	sym_init(&r->sym, peer, self->name);
	sec_xx_read_e(&r->sym, re, 32, r->re, NULL);
	memcpy(r->e, rnd, 32);
	n = head(r->msg, SEC_REPLY, self->name);
	memcpy(r->msg + n, re, SEC_ECHO);
	n += SEC_ECHO;
	if ((k = sec_xx_write_ees(&r->sym, r->e, re, self->priv, self->pub, NULL, 0, r->msg + n)) == -1) {
		crypto_wipe(r, sizeof(*r));
		*why = "a key of small order";
		return -1;
	}
	n += (size_t)k;
	r->msglen = n;
	r->used = 1;
	p->rep_last = p->rep_next;
	p->rep_next = (p->rep_next + 1) % SEC_REPLIES;
	p->rep_sent = now;
	p->rep_tries = 1;
	memcpy(out, r->msg, n);
	*outlen = n;
	return SEC_SEND;
}

/* REPLY to our INIT: check it, answer with FINISH and open the session. */
static int
finish(struct sec_peer *p, const struct sec_self *self, const unsigned char *in, long long now,
    unsigned char *out, size_t *outlen, const char **why)
{
	struct sec_sym y = p->sym; /* kept as it was if the REPLY is forged */
	unsigned char rs[32], none[1];
	size_t n;

	if (sec_xx_read_ees(&y, p->e, in, 32 + 48 + CRYPTO_TAG, rs, none) == -1) {
		crypto_wipe(&y, sizeof(y));
		*why = "a reply that does not check";
		return -1;
	}
	n = head(p->fin, SEC_FINISH, self->name);
	n += (size_t)sec_xx_write_se(&y, self->priv, self->pub, in, NULL, 0, p->fin + n); /* in was checked */
	p->finlen = n;
	memcpy(p->fin_re, in, 32);
	open_session(p, &y, 1, rs, now);
	crypto_wipe(&y, sizeof(y));
	memcpy(out, p->fin, n);
	*outlen = n;
	return SEC_SEND | SEC_READY;
}

/* FINISH to one of our REPLYs: check it and open the session. */
static int
finished(struct sec_peer *p, struct sec_self *self, const unsigned char *in, long long now,
    const char **why)
{
	unsigned char rs[32], none[1];
	struct sec_sym y;
	int k, waiting = 0;

	for (k = 0; k < SEC_REPLIES; k++) {
		if (!p->rep[k].used)
			continue;
		waiting++;
		if (!afford(p, self, now, 1, why))
			return -1;
		y = p->rep[k].sym;
		if (sec_xx_read_se(&y, p->rep[k].e, in, 48 + CRYPTO_TAG, rs, none) == 0) {
			open_session(p, &y, 0, rs, now);
			crypto_wipe(&y, sizeof(y));
			return SEC_READY;
		}
	}
	crypto_wipe(&y, sizeof(y));
	*why = waiting ? "a finish that does not check" : "a finish to no handshake";
	return -1;
}

/* ---- sealed datagrams ---- */

/* May counter c pass a window of top and bits? */
static int
fresh(uint64_t top, uint64_t bits, uint64_t c)
{
	return c >= top || (top - 1 - c < 64 && !(bits >> (top - 1 - c) & 1));
}

static void
mark(uint64_t *top, uint64_t *bits, uint64_t c)
{
	if (c >= *top) {
		*bits = c + 1 - *top >= 64 ? 0 : *bits << (c + 1 - *top);
		*bits |= 1;
		*top = c + 1;
	} else {
		*bits |= (uint64_t)1 << (*top - 1 - c);
	}
}

/* A DATA from the peer.  The sender steps its key on its own clock, so a
 * receiver that missed whole epochs (one-way loss) steps forward over up to
 * SEC_AHEAD of them; past that, or behind the key before, a new handshake
 * mends the session (SEC_RENEW). */
static int
open_data(struct sec_peer *p, const unsigned char *in, size_t len, size_t off, unsigned char *out,
    size_t *outlen, const char **why)
{
	struct sec_keys *rx = &p->rx;
	unsigned char next[32], before[32];
	const unsigned char *key;
	uint64_t c = 0, *top, *bits, ntop = 0, nbits = 0;
	int i, ahead;

	if (!p->ready) {
		*why = "sealed with no session open";
		return SEC_RENEW;
	}
	if (len < off + 9 + CRYPTO_TAG) {
		*why = "too short";
		return -1;
	}
	for (i = 0; i < 8; i++)
		c = c << 8 | in[off + 1 + i];
	ahead = (uint8_t)(in[off] - rx->epoch);
	if (ahead == 0) {
		key = rx->key, top = &rx->top, bits = &rx->bits;
	} else if (ahead <= SEC_AHEAD) {
		memcpy(next, rx->key, 32);
		for (i = 0; i < ahead; i++) {
			memcpy(before, next, 32);
			rekey(next);
		}
		key = next, top = &ntop, bits = &nbits;
	} else if (ahead == 255 && rx->hasprev) {
		key = rx->prev, top = &rx->ptop, bits = &rx->pbits;
	} else {
		*why = "sealed with a key no longer in use";
		return SEC_RENEW;
	}
	if (!fresh(*top, *bits, c)) {
		*why = "a replay";
		return -1;
	}
	if (sec_xx_open(key, c, in, off + 9, in + off + 9, len - off - 9, out) == -1) {
		crypto_wipe(next, sizeof(next));
		crypto_wipe(before, sizeof(before));
		*why = "it does not authenticate (changed, cut or forged)";
		return -1;
	}
	if (ahead > 0 && ahead <= SEC_AHEAD) { /* the peer moved on: so do we */
		if (ahead == 1) {
			memcpy(rx->prev, rx->key, 32);
			rx->ptop = rx->top, rx->pbits = rx->bits;
		} else { /* the key just before, of which nothing came yet */
			memcpy(rx->prev, before, 32);
			rx->ptop = rx->pbits = 0;
		}
		rx->hasprev = 1;
		memcpy(rx->key, next, 32);
		rx->epoch = in[off];
		rx->top = rx->bits = 0;
		top = &rx->top, bits = &rx->bits;
		crypto_wipe(next, sizeof(next));
		crypto_wipe(before, sizeof(before));
	}
	mark(top, bits, c);
	*outlen = len - off - 9 - CRYPTO_TAG;
	return SEC_PLAIN;
}

int
sec_seal(struct sec_peer *p, const struct sec_self *self, long long now, const unsigned char *in,
    size_t len, unsigned char *out, size_t size)
{
	struct sec_keys *tx = &p->tx;
	size_t n;
	int i;

	if (!p->ready || size < SEC_OVERHEAD + len)
		return -1;
	if (tx->n >= SEC_REKEY_MSGS || now - tx->start >= self->rekey_ms) {
		rekey(tx->key);
		tx->epoch++;
		tx->n = 0;
		tx->start = now;
	}
	n = head(out, SEC_DATA, self->name);
	out[n++] = tx->epoch;
	for (i = 7; i >= 0; i--)
		out[n++] = (unsigned char)(tx->n >> 8 * i);
	sec_xx_seal(tx->key, tx->n++, out, n, in, len, out + n);
	return (int)(n + len + CRYPTO_TAG);
}

void
sec_cancel(struct sec_peer *p)
{
	hs_wipe(p);
}

void
sec_wipe(struct sec_peer *p)
{
	crypto_wipe(p, sizeof(*p));
}

int
sec_input(struct sec_peer *p, struct sec_self *self, const char *peer, const void *src,
    size_t srclen, const unsigned char *in, size_t len, long long now, const unsigned char rnd[32],
    unsigned char *out, size_t size, size_t *outlen, const char **why)
{
	unsigned char c[SEC_COOKIE_LEN], c1[SEC_COOKIE_LEN];
	size_t off = 2u + in[1], n;
	int type = in[0], k;

	*outlen = 0;
	if (size < SEC_MSG_MAX || size < len) {
		*why = "no room";
		return -1;
	}
	if (now - self->secret_t >= SEC_SECRET_TIME) {
		memcpy(self->secret[1], self->secret[0], 32);
		crypto_hmac(self->secret[0], 32, "next", 4, self->secret[0]);
		self->secret_t = now;
	}
	switch (type) {
	case SEC_HELLO: /* stateless: only a cookie for where it came from */
		if (len != off + SEC_COOKIE_LEN)
			break;
		n = head(out, SEC_COOKIE, self->name);
		cookie(self->secret[0], src, srclen, peer, out + n);
		*outlen = n + SEC_COOKIE_LEN;
		return SEC_SEND;
	case SEC_COOKIE:
		if (len != off + SEC_COOKIE_LEN || (p->hs != SEC_HELLO && p->hs != SEC_INIT)) {
			*why = "a cookie not asked for";
			return -1;
		}
		if (p->hs == SEC_INIT) {
			/* another cookie: one of the two was forged on the way, and
			 * we cannot tell which, so INIT goes with this one too (the
			 * cookie is not in the handshake's hash: the same e serves) */
			if (memcmp(p->msg + 2 + strlen(self->name), in + off, SEC_COOKIE_LEN) == 0) {
				*why = "the same cookie again";
				return -1;
			}
		} else {
			if (!afford(p, self, now, 1, why))
				return -1;
			sym_init(&p->sym, self->name, peer);
			memcpy(p->e, rnd, 32);
			sec_xx_write_e(&p->sym, p->e, NULL, 0, p->epub); /* no payload: e alone */
		}
		n = head(p->msg, SEC_INIT, self->name);
		memcpy(p->msg + n, in + off, SEC_COOKIE_LEN);
		memcpy(p->msg + n + SEC_COOKIE_LEN, p->epub, 32);
		sent_msg(p, SEC_INIT, p->msg, n + SEC_COOKIE_LEN + 32, now);
		memcpy(out, p->msg, p->msglen);
		*outlen = p->msglen;
		return SEC_SEND;
	case SEC_INIT:
		if (len != off + SEC_COOKIE_LEN + 32)
			break;
		cookie(self->secret[0], src, srclen, peer, c);
		cookie(self->secret[1], src, srclen, peer, c1);
		if (!crypto_equal(c, in + off, SEC_COOKIE_LEN) && !crypto_equal(c1, in + off, SEC_COOKIE_LEN)) {
			*why = "no valid cookie";
			return -1;
		}
		if (p->hs != 0 && name_before(self->name, peer)) {
			*why = "both began a handshake: the peer answers ours";
			return -1;
		}
		for (k = 0; k < SEC_REPLIES; k++)
			if (p->rep[k].used && memcmp(p->rep[k].re, in + off + SEC_COOKIE_LEN, 32) == 0) {
				memcpy(out, p->rep[k].msg, p->rep[k].msglen); /* our REPLY was lost */
				*outlen = p->rep[k].msglen;
				return SEC_SEND;
			}
		/* each INIT with a valid cookie and a new e gets a REPLY, the
		 * latest replacing the one before (a forged e sent first must not
		 * shut out the real one), within the budget */
		if (!afford(p, self, now, 3, why))
			return -1;
		hs_wipe(p); /* ours, if we began one too, yields */
		return reply(p, self, peer, in + off + SEC_COOKIE_LEN, now, rnd, out, outlen, why);
	case SEC_REPLY:
		if (len != off + SEC_ECHO + 32 + 48 + CRYPTO_TAG)
			break;
		in += SEC_ECHO;
		if (p->hs != SEC_INIT) {
			if (p->ready && p->finlen > 0 && memcmp(p->fin_re, in + off, 32) == 0) {
				memcpy(out, p->fin, p->finlen); /* our FINISH was lost */
				*outlen = p->finlen;
				return SEC_SEND;
			}
			*why = "a reply to no handshake";
			return -1;
		}
		if (memcmp(in + off - SEC_ECHO, p->epub, SEC_ECHO) != 0) {
			*why = "a reply to another handshake";
			return -1;
		}
		if (!afford(p, self, now, 3, why))
			return -1;
		return finish(p, self, in + off, now, out, outlen, why);
	case SEC_FINISH:
		if (len != off + 48 + CRYPTO_TAG)
			break;
		return finished(p, self, in + off, now, why);
	case SEC_DATA:
		return open_data(p, in, len, off, out, outlen, why);
	}
	*why = "a handshake message of the wrong size";
	return -1;
}
