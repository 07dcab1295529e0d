/*
 * crypto_tool.c: crypto.c on stdin and stdout, for tests/crypto_diff.py to
 * compare with openssl and python's cryptography.  One request per line,
 * byte strings in hex ("-" for none), one answer line each:
 *
 *   sha256 MSG            hmac KEY MSG            hkdf SALT IKM INFO LEN
 *   seal KEY NONCE AD PT  open KEY NONCE AD CT    (ciphertext then tag)
 *   x25519 SCALAR POINT   pub SCALAR
 *   xx PROLOGUE INIT_STATIC INIT_EPHEMERAL RESP_STATIC RESP_EPHEMERAL PAYLOAD...
 *
 * Answers are hex, "refused" when crypto.c refuses (a wrong tag, an
 * all-zero X25519 result), "?" for a request it cannot read.  xx runs a
 * Noise XX handshake through secure.c's sec_xx_* with the keys given, the
 * first three payloads in its messages and the rest as transport messages
 * (each side in turn, the initiator first), and answers every message as
 * sent, then the handshake hash; a message the other side does not open to
 * the same payload is answered "refused".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "secure.h"

#define MAX 4096
#define FIELDS 16

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

/* The xx request: keys in k[0..4] (prologue, is, ie, rs, re), payloads in pl. */
static void
xx(char **k, char **pl, int npl)
{
	static unsigned char pro[MAX], key[4][32], p[MAX], msg[MAX + 128], got[MAX + 128];
	struct sec_sym i, r;
	unsigned char ipub[32], rpub[32], re[32], ie[32], rs[32], is[32], t[2][2][32];
	size_t npro = unhex(k[0], pro), n;
	uint64_t sent[2] = { 0, 0 };
	int m, len, ok, w;

	for (m = 0; m < 4; m++)
		if (unhex(k[m + 1], key[m]) != 32) {
			printf("?\n");
			return;
		}
	crypto_x25519_public(ipub, key[0]);
	crypto_x25519_public(rpub, key[2]);
	sec_xx_init(&i, pro, npro);
	sec_xx_init(&r, pro, npro);
	for (m = 0; m < npl; m++) {
		n = unhex(pl[m], p);
		switch (m) {
		case 0:
			len = sec_xx_write_e(&i, key[1], p, n, msg);
			ok = sec_xx_read_e(&r, msg, (size_t)len, ie, got) == (int)n;
			break;
		case 1:
			len = sec_xx_write_ees(&r, key[3], ie, key[2], rpub, p, n, msg);
			ok = len > 0 && sec_xx_read_ees(&i, key[1], msg, (size_t)len, rs, got) == (int)n &&
			    memcmp(rs, rpub, 32) == 0;
			memcpy(re, msg, 32);
			break;
		case 2:
			len = sec_xx_write_se(&i, key[0], ipub, re, p, n, msg);
			ok = len > 0 && sec_xx_read_se(&r, key[3], msg, (size_t)len, is, got) == (int)n &&
			    memcmp(is, ipub, 32) == 0 && memcmp(i.h, r.h, 32) == 0;
			sec_xx_split(&i, t[0][0], t[0][1]);
			sec_xx_split(&r, t[1][0], t[1][1]);
			break;
		default: /* transport, the turns going on: the initiator's under k1, the responder's under k2 */
			w = m % 2;
			sec_xx_seal(t[w][w], sent[w], "", 0, p, n, msg);
			len = (int)(n + CRYPTO_TAG);
			ok = sec_xx_open(t[1 - w][w], sent[w]++, "", 0, msg, (size_t)len, got) == 0;
		}
		if (!ok || memcmp(got, p, n) != 0) {
			printf("refused\n");
			return;
		}
		for (w = 0; w < len; w++)
			printf("%02x", msg[w]);
		printf(" ");
	}
	hex(i.h, 32);
}

int
main(void)
{
	static unsigned char a[MAX], b[MAX], c[MAX], d[MAX], out[MAX + 16];
	char line[4 * MAX + 64], *f[FIELDS];
	size_t na, nb, nc, nd;
	int k;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		for (k = 0; k < FIELDS; k++)
			f[k] = strtok(k == 0 ? line : NULL, " \n");
		if (f[0] == NULL || f[1] == NULL) {
			printf("?\n");
			continue;
		}
		na = unhex(f[1], a);
		nb = f[2] ? unhex(f[2], b) : 0;
		nc = f[3] ? unhex(f[3], c) : 0;
		nd = f[4] ? unhex(f[4], d) : 0;
		if (strcmp(f[0], "xx") == 0) {
			for (k = 6; k < FIELDS && f[k] != NULL; k++)
				;
			if (f[5] != NULL)
				xx(f + 1, f + 6, k - 6);
			else
				printf("?\n");
		} else if (strcmp(f[0], "sha256") == 0) {
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
