/*
 * crypto.c: SHA-256, HMAC, HKDF, ChaCha20-Poly1305 and X25519 (crypto.h).
 *
 * Multi-byte values are read and written a byte at a time, so the code is the
 * same on every byte order and alignment.
 */
#include <string.h>

#include "crypto.h"

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t
rol32(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

int
crypto_equal(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;
	unsigned d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= (unsigned)(x[i] ^ y[i]);
	return (int)(1 & ((d - 1) >> 8));
}

void
crypto_wipe(void *p, size_t len)
{
	volatile unsigned char *v = p;

	while (len-- > 0)
		*v++ = 0;
}

/* ---- SHA-256 (FIPS 180-4) ---- */

/* The first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes (FIPS 180-4, 4.2.2). */
static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static uint32_t
ror32(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

static void
sha256_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], v[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = (ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ w[i - 2] >> 10) + w[i - 7] +
		    (ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ w[i - 15] >> 3) + w[i - 16];
	memcpy(v, h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25)) +
		    ((v[4] & v[5]) ^ (~v[4] & v[6])) + K256[i] + w[i];
		t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
		    ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		h[i] += v[i];
	crypto_wipe(w, sizeof(w));
	crypto_wipe(v, sizeof(v));
}

void
sha256_init(struct sha256 *s)
{
	/* the fractional parts of the square roots of the first 8 primes */
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->n = 0;
}

void
sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t k;

	s->len += len;
	while (len > 0) {
		k = 64 - s->n < len ? 64 - s->n : len;
		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		len -= k;
		if (s->n == 64) {
			sha256_block(s->h, s->buf);
			s->n = 0;
		}
	}
}

void
sha256_final(struct sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = (s->n < 56 ? 56 : 120) - s->n;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(s->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s->h[i];
	}
	crypto_wipe(s, sizeof(*s));
}

void
crypto_sha256(const void *data, size_t len, unsigned char out[32])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
}

/* ---- HMAC (RFC 2104) and HKDF (RFC 5869) ---- */

void
hmac_init(struct hmac *h, const void *key, size_t keylen)
{
	unsigned char k[64];
	int i;

	memset(k, 0, sizeof(k));
	if (keylen > 64)
		crypto_sha256(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < 64; i++)
		k[i] ^= 0x36;
	sha256_init(&h->inner);
	sha256_update(&h->inner, k, 64);
	for (i = 0; i < 64; i++)
		k[i] ^= 0x36 ^ 0x5c;
	sha256_init(&h->outer);
	sha256_update(&h->outer, k, 64);
	crypto_wipe(k, sizeof(k));
}

void
hmac_update(struct hmac *h, const void *data, size_t len)
{
	sha256_update(&h->inner, data, len);
}

void
hmac_final(struct hmac *h, unsigned char out[32])
{
	unsigned char d[32];

	sha256_final(&h->inner, d);
	sha256_update(&h->outer, d, sizeof(d));
	sha256_final(&h->outer, out);
	crypto_wipe(d, sizeof(d));
}

void
crypto_hmac(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[32])
{
	struct hmac h;

	hmac_init(&h, key, keylen);
	hmac_update(&h, data, len);
	hmac_final(&h, out);
}

int
crypto_hkdf(const void *salt, size_t saltlen, const void *ikm, size_t ikmlen,
    const void *info, size_t infolen, unsigned char *out, size_t outlen)
{
	unsigned char prk[32], t[32];
	unsigned char i;
	struct hmac h;
	size_t k, done;

	if (outlen > 255 * 32)
		return -1;
	crypto_hmac(salt, saltlen, ikm, ikmlen, prk);
	for (done = 0, i = 1; done < outlen; done += k, i++) {
		hmac_init(&h, prk, sizeof(prk));
		if (i > 1)
			hmac_update(&h, t, sizeof(t));
		hmac_update(&h, info, infolen);
		hmac_update(&h, &i, 1);
		hmac_final(&h, t);
		k = outlen - done < 32 ? outlen - done : 32;
		memcpy(out + done, t, k);
	}
	crypto_wipe(prk, sizeof(prk));
	crypto_wipe(t, sizeof(t));
	return 0;
}

/* ---- ChaCha20 (RFC 8439, 2.3-2.4) ---- */

void
crypto_quarter_round(uint32_t *x, int a, int b, int c, int d)
{
	x[a] += x[b], x[d] = rol32(x[d] ^ x[a], 16);
	x[c] += x[d], x[b] = rol32(x[b] ^ x[c], 12);
	x[a] += x[b], x[d] = rol32(x[d] ^ x[a], 8);
	x[c] += x[d], x[b] = rol32(x[b] ^ x[c], 7);
}

static void
chacha20_block(const uint32_t in[16], unsigned char out[64])
{
	/* a column round, then a diagonal round: ten times */
	static const unsigned char q[8][4] = {
		{ 0, 4, 8, 12 }, { 1, 5, 9, 13 }, { 2, 6, 10, 14 }, { 3, 7, 11, 15 },
		{ 0, 5, 10, 15 }, { 1, 6, 11, 12 }, { 2, 7, 8, 13 }, { 3, 4, 9, 14 }
	};
	uint32_t x[16];
	int i;

	memcpy(x, in, sizeof(x));
	for (i = 0; i < 80; i++)
		crypto_quarter_round(x, q[i % 8][0], q[i % 8][1], q[i % 8][2], q[i % 8][3]);
	for (i = 0; i < 16; i++)
		put_le32(out + 4 * i, x[i] + in[i]);
	crypto_wipe(x, sizeof(x));
}

void
crypto_chacha20(const unsigned char key[32], uint32_t counter, const unsigned char nonce[12],
    const unsigned char *in, unsigned char *out, size_t len)
{
	uint32_t st[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 }; /* "expand 32-byte k" */
	unsigned char ks[64];
	size_t i, k;
	int j;

	for (j = 0; j < 8; j++)
		st[4 + j] = le32(key + 4 * j);
	st[12] = counter;
	for (j = 0; j < 3; j++)
		st[13 + j] = le32(nonce + 4 * j);
	while (len > 0) {
		chacha20_block(st, ks);
		st[12]++;
		k = len < 64 ? len : 64;
		for (i = 0; i < k; i++)
			out[i] = in[i] ^ ks[i];
		in += k;
		out += k;
		len -= k;
	}
	crypto_wipe(st, sizeof(st));
	crypto_wipe(ks, sizeof(ks));
}

/* ---- Poly1305 (RFC 8439, 2.5), in five limbs of 26 bits ---- */

struct poly1305 {
	uint32_t r[5], h[5], pad[4];
	unsigned char buf[16];
	size_t n;
};

static void
poly1305_init(struct poly1305 *p, const unsigned char key[32])
{
	unsigned char r[16];
	int i;

	memcpy(r, key, 16);
	r[3] &= 15, r[7] &= 15, r[11] &= 15, r[15] &= 15; /* clamp */
	r[4] &= 252, r[8] &= 252, r[12] &= 252;
	p->r[0] = le32(r) & 0x3ffffff;
	p->r[1] = le32(r + 3) >> 2 & 0x3ffffff;
	p->r[2] = le32(r + 6) >> 4 & 0x3ffffff;
	p->r[3] = le32(r + 9) >> 6 & 0x3ffffff;
	p->r[4] = le32(r + 12) >> 8;
	for (i = 0; i < 4; i++)
		p->pad[i] = le32(key + 16 + 4 * i);
	memset(p->h, 0, sizeof(p->h));
	p->n = 0;
	crypto_wipe(r, sizeof(r));
}

/* h = (h + block) * r mod 2^130 - 5; hibit is 2^128 above the block's bits. */
static void
poly1305_block(struct poly1305 *p, const unsigned char m[16], uint32_t hibit)
{
	uint32_t *h = p->h;
	uint64_t d[5], c;
	int i, j;

	h[0] += le32(m) & 0x3ffffff;
	h[1] += le32(m + 3) >> 2 & 0x3ffffff;
	h[2] += le32(m + 6) >> 4 & 0x3ffffff;
	h[3] += le32(m + 9) >> 6 & 0x3ffffff;
	h[4] += le32(m + 12) >> 8 | hibit;
	/* limb i of the product: h[j] * r[i - j], where a product past the
	 * top limb wraps around times 5 (2^130 = 5 mod p) */
	for (i = 0; i < 5; i++)
		for (d[i] = 0, j = 0; j < 5; j++)
			d[i] += (uint64_t)h[j] * (j <= i ? p->r[i - j] : p->r[i - j + 5] * 5);
	for (c = 0, i = 0; i < 5; i++) {
		d[i] += c;
		h[i] = (uint32_t)d[i] & 0x3ffffff;
		c = d[i] >> 26;
	}
	c = h[0] + c * 5;
	h[0] = (uint32_t)c & 0x3ffffff;
	h[1] += (uint32_t)(c >> 26);
}

static void
poly1305_update(struct poly1305 *p, const unsigned char *m, size_t len)
{
	size_t k;

	while (len > 0) {
		k = 16 - p->n < len ? 16 - p->n : len;
		memcpy(p->buf + p->n, m, k);
		p->n += k;
		m += k;
		len -= k;
		if (p->n == 16) {
			poly1305_block(p, p->buf, 1u << 24);
			p->n = 0;
		}
	}
}

/* Zeros up to a multiple of 16 bytes, as the AEAD pads its parts. */
static void
poly1305_pad16(struct poly1305 *p)
{
	static const unsigned char zero[16];

	if (p->n > 0)
		poly1305_update(p, zero, 16 - p->n);
}

static void
poly1305_final(struct poly1305 *p, unsigned char tag[16])
{
	uint32_t *h = p->h, g[5], c, mask;
	uint64_t f;
	int i;

	if (p->n > 0) { /* the last, short block: a 1 after it, no 2^128 */
		p->buf[p->n] = 1;
		memset(p->buf + p->n + 1, 0, 15 - p->n);
		poly1305_block(p, p->buf, 0);
	}
	for (i = 1; i < 5; i++) /* carry fully */
		c = h[i] >> 26, h[i] &= 0x3ffffff, h[(i + 1) % 5] += i == 4 ? c * 5 : c;
	c = h[0] >> 26, h[0] &= 0x3ffffff, h[1] += c;
	/* g = h + 5 - 2^130: h if that is negative, else g */
	g[0] = h[0] + 5, c = g[0] >> 26, g[0] &= 0x3ffffff;
	for (i = 1; i < 4; i++)
		g[i] = h[i] + c, c = g[i] >> 26, g[i] &= 0x3ffffff;
	g[4] = h[4] + c - (1u << 26);
	mask = (g[4] >> 31) - 1; /* all ones when g is not negative */
	for (i = 0; i < 5; i++)
		h[i] = (h[i] & ~mask) | (g[i] & mask);
	/* to 128 bits, plus the pad */
	h[0] = h[0] | h[1] << 26;
	h[1] = h[1] >> 6 | h[2] << 20;
	h[2] = h[2] >> 12 | h[3] << 14;
	h[3] = h[3] >> 18 | h[4] << 8;
	for (f = 0, i = 0; i < 4; i++) {
		f = (uint64_t)h[i] + p->pad[i] + (f >> 32);
		put_le32(tag + 4 * i, (uint32_t)f);
	}
	crypto_wipe(p, sizeof(*p));
	crypto_wipe(g, sizeof(g));
}

void
crypto_poly1305(const unsigned char key[32], const unsigned char *msg, size_t len, unsigned char tag[16])
{
	struct poly1305 p;

	poly1305_init(&p, key);
	poly1305_update(&p, msg, len);
	poly1305_final(&p, tag);
}

/* ---- AEAD_CHACHA20_POLY1305 (RFC 8439, 2.8) ---- */

static void
aead_tag(const unsigned char key[32], const unsigned char nonce[12], const void *ad, size_t adlen,
    const unsigned char *ct, size_t len, unsigned char tag[16])
{
	static const unsigned char zero[32];
	unsigned char otk[32], lens[16];
	struct poly1305 p;
	int i;

	crypto_chacha20(key, 0, nonce, zero, otk, sizeof(otk));
	poly1305_init(&p, otk);
	poly1305_update(&p, ad, adlen);
	poly1305_pad16(&p);
	poly1305_update(&p, ct, len);
	poly1305_pad16(&p);
	for (i = 0; i < 8; i++) {
		lens[i] = (unsigned char)((uint64_t)adlen >> 8 * i);
		lens[8 + i] = (unsigned char)((uint64_t)len >> 8 * i);
	}
	poly1305_update(&p, lens, sizeof(lens));
	poly1305_final(&p, tag);
	crypto_wipe(otk, sizeof(otk));
}

void
crypto_seal(const unsigned char key[32], const unsigned char nonce[12], const void *ad,
    size_t adlen, const unsigned char *in, size_t len, unsigned char *out)
{
	crypto_chacha20(key, 1, nonce, in, out, len);
	aead_tag(key, nonce, ad, adlen, out, len, out + len);
}

int
crypto_open(const unsigned char key[32], const unsigned char nonce[12], const void *ad,
    size_t adlen, const unsigned char *in, size_t len, unsigned char *out)
{
	unsigned char tag[16];

	if (len < CRYPTO_TAG)
		return -1;
	len -= CRYPTO_TAG;
	aead_tag(key, nonce, ad, adlen, in, len, tag);
	if (!crypto_equal(tag, in + len, CRYPTO_TAG)) {
		memset(out, 0, len);
		return -1;
	}
	crypto_chacha20(key, 1, nonce, in, out, len);
	return 0;
}

/* ---- X25519 (RFC 7748) ----
 * A field element mod p = 2^255 - 19 is 16 limbs of 16 bits, little end
 * first, each held in 64 bits so that sums and products need no carry until
 * the end.  Limbs stay non-negative: a subtraction adds 4p first. */

typedef uint64_t fe[16];

static void
fe_carry(fe a)
{
	uint64_t c;
	int i;

	for (i = 0; i < 16; i++) {
		c = a[i] >> 16;
		a[i] &= 0xffff;
		if (i < 15)
			a[i + 1] += c;
		else
			a[0] += 38 * c; /* 2^256 = 38 mod p */
	}
}

static void
fe_add(fe out, const fe a, const fe b)
{
	int i;

	for (i = 0; i < 16; i++)
		out[i] = a[i] + b[i];
}

/* a - b + 4p; b is carried (limbs at most 2^16 + 38) */
static void
fe_sub(fe out, const fe a, const fe b)
{
	int i;

	out[0] = a[0] + 0x3ffb4 - b[0];
	for (i = 1; i < 15; i++)
		out[i] = a[i] + 0x3fffc - b[i];
	out[15] = a[15] + 0x1fffc - b[15];
}

static void
fe_mul(fe out, const fe a, const fe b)
{
	uint64_t t[31];
	int i, j;

	memset(t, 0, sizeof(t));
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			t[i + j] += a[i] * b[j];
	for (i = 0; i < 15; i++)
		t[i] += 38 * t[i + 16];
	memcpy(out, t, 16 * sizeof(t[0]));
	fe_carry(out);
	fe_carry(out);
	crypto_wipe(t, sizeof(t));
}

/* Swap a and b when bit is 1, without a branch. */
static void
fe_cswap(fe a, fe b, uint64_t bit)
{
	uint64_t m = 0 - bit, t;
	int i;

	for (i = 0; i < 16; i++) {
		t = m & (a[i] ^ b[i]);
		a[i] ^= t;
		b[i] ^= t;
	}
}

static void
fe_unpack(fe out, const unsigned char in[32])
{
	int i;

	for (i = 0; i < 16; i++)
		out[i] = in[2 * i] | (uint64_t)in[2 * i + 1] << 8;
	out[15] &= 0x7fff; /* the top bit is ignored (RFC 7748, 5) */
}

static void
fe_pack(unsigned char out[32], const fe a)
{
	static const uint64_t p[16] = { 0xffed, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
		0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0x7fff };
	uint64_t t[16], m[16], borrow, keep;
	int i, k;

	memcpy(t, a, sizeof(t));
	fe_carry(t);
	fe_carry(t);
	fe_carry(t);
	/* now t < 2^256 with limbs below 2^16: subtract p while it fits */
	for (k = 0; k < 3; k++) {
		for (borrow = 0, i = 0; i < 16; i++) {
			m[i] = t[i] - p[i] - borrow;
			borrow = m[i] >> 16 & 1;
			m[i] &= 0xffff;
		}
		keep = 0 - borrow; /* all ones: t < p, keep t */
		for (i = 0; i < 16; i++)
			t[i] = (t[i] & keep) | (m[i] & ~keep);
	}
	for (i = 0; i < 16; i++) {
		out[2 * i] = (unsigned char)t[i];
		out[2 * i + 1] = (unsigned char)(t[i] >> 8);
	}
	crypto_wipe(t, sizeof(t));
	crypto_wipe(m, sizeof(m));
}

/* a^(p-2) = 1/a: p - 2 = 2^255 - 21 has every bit set but bits 2 and 4. */
static void
fe_invert(fe out, const fe a)
{
	fe c;
	int i;

	memcpy(c, a, sizeof(c));
	for (i = 253; i >= 0; i--) {
		fe_mul(c, c, c);
		if (i != 2 && i != 4)
			fe_mul(c, c, a);
	}
	memcpy(out, c, sizeof(c));
	crypto_wipe(c, sizeof(c));
}

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* Fuzzing only (p2pchat.c refuses to be built so): a stand-in as cheap as
 * one multiplication, the clamped scalar times the point in the field.  It
 * commutes as X25519 does (a * (b * 9) = b * (a * 9)), so handshakes still
 * complete while the fuzzer explores the protocol around them, at a
 * thousandth of the cost; the unit tests check the real one. */
static int
fuzz_x25519(unsigned char out[32], const unsigned char scalar[32], const unsigned char point[32])
{
	unsigned char k[32];
	unsigned zero = 0;
	fe a, b;
	int i;

	memcpy(k, scalar, 32);
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
	fe_unpack(a, k);
	fe_unpack(b, point);
	fe_mul(a, a, b);
	fe_pack(out, a);
	for (i = 0; i < 32; i++)
		zero |= out[i];
	return zero == 0 ? -1 : 0;
}
#endif

int
crypto_x25519(unsigned char out[32], const unsigned char scalar[32], const unsigned char point[32])
{
	static const fe a24 = { 0xdb41, 1 }; /* 121665 = (486662 - 2) / 4 */
	struct { /* every secret, wiped at once */
		unsigned char k[32];
		fe x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb;
	} v;
	uint64_t swap = 0, bit;
	unsigned zero = 0;
	int t, i;

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	if (scalar != NULL) /* (the rest stays compiled, unused) */
		return fuzz_x25519(out, scalar, point);
#endif
	memset(&v, 0, sizeof(v));
	memcpy(v.k, scalar, 32);
	v.k[0] &= 248; /* RFC 7748, 5: decodeScalar25519 */
	v.k[31] &= 127;
	v.k[31] |= 64;
	fe_unpack(v.x1, point);
	v.x2[0] = 1;
	memcpy(v.x3, v.x1, sizeof(v.x3));
	v.z3[0] = 1;
	for (t = 254; t >= 0; t--) { /* the Montgomery ladder of RFC 7748, 5 */
		bit = (uint64_t)(v.k[t / 8] >> (t % 8) & 1);
		swap ^= bit;
		fe_cswap(v.x2, v.x3, swap);
		fe_cswap(v.z2, v.z3, swap);
		swap = bit;
		fe_add(v.a, v.x2, v.z2);
		fe_mul(v.aa, v.a, v.a);
		fe_sub(v.b, v.x2, v.z2);
		fe_mul(v.bb, v.b, v.b);
		fe_sub(v.e, v.aa, v.bb);
		fe_add(v.c, v.x3, v.z3);
		fe_sub(v.d, v.x3, v.z3);
		fe_mul(v.da, v.d, v.a);
		fe_mul(v.cb, v.c, v.b);
		fe_add(v.x3, v.da, v.cb);
		fe_mul(v.x3, v.x3, v.x3);
		fe_sub(v.z3, v.da, v.cb);
		fe_mul(v.z3, v.z3, v.z3);
		fe_mul(v.z3, v.z3, v.x1);
		fe_mul(v.x2, v.aa, v.bb);
		fe_mul(v.z2, a24, v.e);
		fe_add(v.z2, v.z2, v.aa);
		fe_mul(v.z2, v.z2, v.e);
	}
	fe_cswap(v.x2, v.x3, swap);
	fe_cswap(v.z2, v.z3, swap);
	fe_invert(v.z2, v.z2);
	fe_mul(v.x2, v.x2, v.z2);
	fe_pack(out, v.x2);
	for (i = 0; i < 32; i++)
		zero |= out[i];
	crypto_wipe(&v, sizeof(v));
	return zero == 0 ? -1 : 0;
}

void
crypto_x25519_public(unsigned char pub[32], const unsigned char priv[32])
{
	static const unsigned char base[32] = { 9 };

	crypto_x25519(pub, priv, base);
}
