/*
 * crypto.h: the primitives of end-to-end encryption, written here from the
 * specifications: SHA-256 (FIPS 180-4) with HMAC (RFC 2104) and HKDF
 * (RFC 5869), ChaCha20 and Poly1305 as one AEAD (RFC 8439), and X25519
 * (RFC 7748).
 *
 * Bytes in, bytes out: no I/O, no allocation, no randomness (the caller
 * brings it).  Whatever touches a secret runs in time that depends only on
 * lengths: no branch and no table index on secret data.  Tags are compared
 * in constant time; callers wipe their secrets with crypto_wipe.
 */
#ifndef P2P_CRYPTO_H
#define P2P_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY   32 /* bytes: an X25519 key, an AEAD key, a SHA-256 hash */
#define CRYPTO_NONCE 12 /* bytes: an AEAD nonce */
#define CRYPTO_TAG   16 /* bytes: an AEAD tag */

struct sha256 {
	uint32_t h[8];
	uint64_t len;            /* bytes hashed so far */
	unsigned char buf[64];
	size_t n;                /* bytes waiting in buf */
};

struct hmac {
	struct sha256 inner, outer;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[32]);
void crypto_sha256(const void *data, size_t len, unsigned char out[32]);

void hmac_init(struct hmac *h, const void *key, size_t keylen);
void hmac_update(struct hmac *h, const void *data, size_t len);
void hmac_final(struct hmac *h, unsigned char out[32]);
void crypto_hmac(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[32]);
/* HKDF-SHA256 extract then expand into out (at most 255 * 32 bytes): 0, or -1. */
int crypto_hkdf(const void *salt, size_t saltlen, const void *ikm, size_t ikmlen,
    const void *info, size_t infolen, unsigned char *out, size_t outlen);

/* ChaCha's quarter round on the words a, b, c and d of x (RFC 8439, 2.1):
 * ChaCha20's building block, public for its test vectors. */
void crypto_quarter_round(uint32_t *x, int a, int b, int c, int d);
/* XOR len bytes of the ChaCha20 stream from block `counter` into out. */
void crypto_chacha20(const unsigned char key[32], uint32_t counter, const unsigned char nonce[12],
    const unsigned char *in, unsigned char *out, size_t len);
/* The one-time Poly1305 tag of a message. */
void crypto_poly1305(const unsigned char key[32], const unsigned char *msg, size_t len,
    unsigned char tag[16]);
/* AEAD_CHACHA20_POLY1305: out gets len bytes of ciphertext, then the tag. */
void crypto_seal(const unsigned char key[32], const unsigned char nonce[12], const void *ad,
    size_t adlen, const unsigned char *in, size_t len, unsigned char *out);
/* Its inverse, for len bytes of ciphertext and tag: 0 with len - 16 bytes
 * in out, or -1 (and out zeroed) when the tag is wrong or len too short. */
int crypto_open(const unsigned char key[32], const unsigned char nonce[12], const void *ad,
    size_t adlen, const unsigned char *in, size_t len, unsigned char *out);

/* X25519(scalar, point) into out: 0, or -1 when the result is all zeros
 * (a point of small order: no shared secret). */
int crypto_x25519(unsigned char out[32], const unsigned char scalar[32], const unsigned char point[32]);
/* The public key of a private one (the scalar times the base point 9). */
void crypto_x25519_public(unsigned char pub[32], const unsigned char priv[32]);

/* 1 when a and b hold the same len bytes, in time that depends on len only. */
int crypto_equal(const void *a, const void *b, size_t len);
/* Overwrite a secret, in a way the compiler may not drop. */
void crypto_wipe(void *p, size_t len);

#endif
