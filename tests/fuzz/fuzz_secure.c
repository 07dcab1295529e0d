/*
 * fuzz_secure.c: libFuzzer harness for secure.c.  Alice and bob open a
 * session; then the input is a script of steps: a hostile datagram (the next
 * bytes) to either side, honest chat sealed by one and opened by the other,
 * a new honest handshake, resends, or time passing.  Whatever the hostile
 * bytes, they must never open as chat or open a session (that would be a
 * forgery), and honest chat that opens must open intact.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secure.h"

struct party {
	struct sec_self self;
	struct sec_peer peer;
	const char *src;
};

static unsigned char *
rnd(void)
{
	static unsigned char r[32];
	static uint32_t n;

	n++;
	crypto_sha256(&n, sizeof(n), r);
	return r;
}

/* Deliver (in, len) to `to` as if from `from`: sec_input's result; answers go back. */
static int
deliver(struct party *from, struct party *to, const unsigned char *in, size_t len, long long now,
    int depth)
{
	unsigned char out[2048];
	char name[P2P_NAME_MAX + 1];
	const char *why;
	size_t n;
	int r;

	if (sec_header(in, len, name) == -1 || len > 1200)
		return -1;
	r = sec_input(&to->peer, &to->self, name, from->src, strlen(from->src), in, len, now, rnd(),
	    out, sizeof(out), &n, &why);
	if (r > 0 && (r & SEC_PLAIN) && n > len)
		abort();
	if (r > 0 && (r & SEC_SEND) && depth < 8)
		deliver(to, from, out, n, now, depth + 1);
	return r;
}

static void
handshake(struct party *a, struct party *b, long long now)
{
	unsigned char out[SEC_MSG_MAX];
	size_t n = sec_begin(&a->peer, &a->self, now, out, sizeof(out));

	deliver(a, b, out, n, now, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct party a0, b0, a, b;
	static int ready;
	unsigned char sealed[2048], out[2048], key[32];
	size_t i = 0, n;
	long long now = 1000;
	int r, k;

	if (!ready) { /* the session opened once; every input starts from it */
		memset(key, 1, sizeof(key));
		sec_self_init(&a0.self, key, "alice", key, now);
		memset(key, 2, sizeof(key));
		sec_self_init(&b0.self, key, "bob", key, now);
		a0.src = "10.0.0.1:1";
		b0.src = "10.0.0.2:2";
		handshake(&a0, &b0, now);
		if (!a0.peer.ready || !b0.peer.ready)
			abort();
		ready = 1;
	}
	a = a0;
	b = b0;
	while (i < size) {
		uint8_t op = data[i++];
		struct party *x = op & 8 ? &a : &b, *y = x == &a ? &b : &a;

		n = i < size ? data[i++] : 0;
		n = n * 5 > size - i ? size - i : n * 5;
		switch (op % 6) {
		case 0: /* hostile bytes to y, as if from x's address */
			r = deliver(x, y, data + i, n, now, 0);
			if (r > 0 && (r & (SEC_PLAIN | SEC_READY)))
				abort();
			break;
		case 1: /* honest chat from x to y */
			if ((k = sec_seal(&x->peer, &x->self, now, data + i, n, sealed, sizeof(sealed))) > 0) {
				char name[P2P_NAME_MAX + 1];
				const char *why;
				size_t m;

				sec_header(sealed, (size_t)k, name);
				r = sec_input(&y->peer, &y->self, name, x->src, strlen(x->src), sealed, (size_t)k, now,
				    rnd(), out, sizeof(out), &m, &why);
				if (r == SEC_PLAIN && (m != n || memcmp(out, data + i, n) != 0))
					abort();
			}
			break;
		case 2:
			handshake(x, y, now);
			break;
		case 3:
			if ((k = sec_resend(&x->peer, now, sealed, sizeof(sealed))) > 0)
				deliver(x, y, sealed, (size_t)k, now, 0);
			break;
		case 4:
			now += (long long)n * 997;
			break;
		default: /* a copy of an honest datagram, changed in one byte */
			if ((k = sec_seal(&x->peer, &x->self, now, (const unsigned char *)"hi", 2, sealed,
			    sizeof(sealed))) > 0) {
				sealed[n % (size_t)k] ^= (unsigned char)(1 + op);
				r = deliver(x, y, sealed, (size_t)k, now, 0);
				if (r > 0 && (r & SEC_PLAIN))
					abort();
			}
		}
		i += n;
	}
	return 0;
}
