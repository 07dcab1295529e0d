/*
 * crypto_tool.c: crypto.c on stdin and stdout, for tests/crypto_diff.py to
 * compare with openssl and python's cryptography.  One request per line,
 * byte strings in hex ("-" for none), one answer line each:
 *
 *   sha256 MSG            hmac KEY MSG            hkdf SALT IKM INFO LEN
 *   seal KEY NONCE AD PT  open KEY NONCE AD CT    (ciphertext then tag)
 *   x25519 SCALAR POINT   pub SCALAR
 *
 * Answers are hex, "refused" when crypto.c refuses (a wrong tag, an
 * all-zero X25519 result), "?" for a request it cannot read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define MAX 4096

static size_t
unhex(const char *s, unsigned char *out)
{
	size_t n = 0;
	unsigned v;

	if (strcmp(s, "-") == 0)
		return 0;
	while (n < MAX && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (unsigned char)v;
		s += 2;
	}
	return n;
}

static void
hex(const unsigned char *p, size_t n)
{
	while (n-- > 0)
		printf("%02x", *p++);
	printf("\n");
}

int
main(void)
{
	static unsigned char a[MAX], b[MAX], c[MAX], d[MAX], out[MAX + 16];
	char line[4 * MAX + 64], *f[6];
	size_t na, nb, nc, nd;
	int k;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		for (k = 0; k < 6; k++)
			f[k] = strtok(k == 0 ? line : NULL, " \n");
		if (f[0] == NULL || f[1] == NULL) {
			printf("?\n");
			continue;
		}
		na = unhex(f[1], a);
		nb = f[2] ? unhex(f[2], b) : 0;
		nc = f[3] ? unhex(f[3], c) : 0;
		nd = f[4] ? unhex(f[4], d) : 0;
		if (strcmp(f[0], "sha256") == 0) {
			crypto_sha256(a, na, out);
			hex(out, 32);
		} else if (strcmp(f[0], "hmac") == 0 && f[2]) {
			crypto_hmac(a, na, b, nb, out);
			hex(out, 32);
		} else if (strcmp(f[0], "hkdf") == 0 && f[4] && (size_t)atoi(f[4]) <= MAX) {
			if (crypto_hkdf(a, na, b, nb, c, nc, out, (size_t)atoi(f[4])) == 0)
				hex(out, (size_t)atoi(f[4]));
			else
				printf("refused\n");
		} else if (strcmp(f[0], "seal") == 0 && f[4] && na == 32 && nb == 12) {
			crypto_seal(a, b, c, nc, d, nd, out);
			hex(out, nd + 16);
		} else if (strcmp(f[0], "open") == 0 && f[4] && na == 32 && nb == 12) {
			if (crypto_open(a, b, c, nc, d, nd, out) == 0)
				hex(out, nd - 16);
			else
				printf("refused\n");
		} else if (strcmp(f[0], "x25519") == 0 && f[2] && na == 32 && nb == 32) {
			if (crypto_x25519(out, a, b) == 0)
				hex(out, 32);
			else
				printf("refused\n");
		} else if (strcmp(f[0], "pub") == 0 && na == 32) {
			crypto_x25519_public(out, a);
			hex(out, 32);
		} else {
			printf("?\n");
		}
		fflush(stdout);
	}
	return 0;
}
