/*
 * unit_crypto.c: the official vectors of crypto.c's primitives: FIPS 180-2
 * examples for SHA-256, RFC 4231 for HMAC-SHA256, RFC 5869 for HKDF,
 * RFC 8439 (section 2 and Appendix A) for the quarter round, ChaCha20,
 * Poly1305 and their AEAD,
 * RFC 7748 (5.2 and 6.1) for X25519.  Included by unit.c.  The randomized
 * comparison with openssl and python is tests/crypto_diff.py.
 */

#define CHECK_PARSE(from, s, want, what) parse_as(from, s, strlen(s), want, what)

/* Hex (blanks and colons allowed) into out: its length. */
static size_t
unhex(const char *s, unsigned char *out)
{
	size_t n = 0;
	int hi = -1, v = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static void
bytes_are(const unsigned char *got, const char *want_hex, const char *what)
{
	unsigned char want[512];
	char detail[80];
	size_t n = unhex(want_hex, want), i;

	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	snprintf(detail, sizeof(detail), "differs at byte %zu", i);
	check(i == n, what, detail);
}

/* Public keys in logins, notices and roster entries (proto.c). */
static void
test_key_fields(void)
{
	static const char key[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char buf[300], in[300];
	struct p2p_msg m;
	int n;

	snprintf(in, sizeof(in), "login,alice,10.0.0.1:5,%s", key);
	check(proto_parse(in, strlen(in), P2P_FROM_CLIENT, &m) == 0 && m.haskey && m.key[0] == 0x00 &&
	    m.key[5] == 0x55 && m.key[31] == 0xff, "a login carries a key", in);
	n = proto_format(buf, sizeof(buf), &m);
	check(n > 0 && strcmp(buf, in) == 0, "a login with a key formats back the same", buf);
	snprintf(in, sizeof(in), "login,alice,10.0.0.1:5,%.63sF", key);
	CHECK_PARSE(P2P_FROM_CLIENT, in, P2P_EKEY, "a key in upper case is refused");
	snprintf(in, sizeof(in), "login,alice,10.0.0.1:5,%.62s", key);
	CHECK_PARSE(P2P_FROM_CLIENT, in, P2P_EKEY, "a short key is refused");
	CHECK_PARSE(P2P_FROM_CLIENT, "login,alice,10.0.0.1:5", 0, "a login without a key (--insecure)");

	snprintf(in, sizeof(in), "login,bob,1.2.3.4:5,10.0.0.2:5,%s", key);
	check(proto_parse(in, strlen(in), P2P_FROM_SERVER, &m) == 0 && m.haskey && m.ep2.family &&
	    m.key[31] == 0xff, "a notice with two endpoints and a key", in);
	check(proto_format(buf, sizeof(buf), &m) > 0 && strcmp(buf, in) == 0, "the notice formats back the same", buf);
	snprintf(in, sizeof(in), "login,bob,1.2.3.4:5,%s,later,fields", key);
	check(proto_parse(in, strlen(in), P2P_FROM_SERVER, &m) == 0 && m.haskey && !m.ep2.family,
	    "a notice with a key and no second endpoint; later fields ignored", in);
	snprintf(in, sizeof(in), "bob,1.2.3.4:5,10.0.0.2:5,%s", key);
	check(proto_roster_record(in, strlen(in), ';', &m) == 1 && m.haskey, "a roster entry with a key", in);
	check(proto_roster_record("bob,1.2.3.4:5,10.0.0.2:5", 24, ';', &m) == 1 && !m.haskey,
	    "a roster entry without one", NULL);
	m.type = P2P_LOGOUT;
	check(proto_format(buf, sizeof(buf), &m) > 0 && strcmp(buf, "logout,bob,1.2.3.4:5,10.0.0.2:5") == 0,
	    "a logout names no key", buf);

	/* a relayed datagram may be binary; its header may not */
	memcpy(in, "relay,bob,\x06\x00\xff\x80,x", 16);
	check(proto_parse(in, 16, P2P_FROM_CLIENT, &m) == 0 && m.type == P2P_RELAY && m.textlen == 6 &&
	    memcmp(m.text, "\x06\x00\xff\x80,x", 6) == 0, "a relay request carries binary bytes", NULL);
	check(proto_parse(in, 16, P2P_FROM_SERVER, &m) == 0 && m.textlen == 6, "a relayed datagram carries binary bytes", NULL);
	memcpy(in, "relay,b\xff" "b,xyz", 14);
	CHECK_PARSE(P2P_FROM_SERVER, in, P2P_EUTF8, "a relay header must be UTF-8");
	memset(in, 'x', sizeof(in));
	memcpy(in, "relay,bob,", 10);
	check(proto_parse(in, P2P_DGRAM_MAX + 1, P2P_FROM_CLIENT, &m) == -P2P_ELONG, "an oversized relay request is refused", NULL);
}

static const char ietf[] = "Any submission to the IETF intended by the Contributor for publication "
    "as all or part of an IETF Internet-Draft or RFC and any statement made within the context "
    "of an IETF activity is considered an \"IETF Contribution\". Such statements include oral "
    "statements in IETF sessions, as well as written and electronic communications made at any "
    "time or place, which are addressed to";
static const char jabberwocky[] = "'Twas brillig, and the slithy toves\nDid gyre and gimble in the "
    "wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.";
static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
    "only one tip for the future, sunscreen would be it.";
static const char key_0_31[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char key_80_9f[] = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
static const char key_1c92[] = "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";

static void
test_sha256(void)
{
	static const char *const v[][2] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	unsigned char out[32], a[1001];
	struct sha256 s;
	size_t k;
	int i;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		crypto_sha256(v[k][0], strlen(v[k][0]), out);
		bytes_are(out, v[k][1], "SHA-256 of a FIPS 180-2 example");
	}
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	for (i = 0; i < 1000; i++)
		sha256_update(&s, a, i % 2 ? 999 : 1001); /* pieces that straddle blocks */
	sha256_final(&s, out);
	bytes_are(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "SHA-256 of a million 'a', in pieces");
}

static void
test_hmac_hkdf(void)
{
	/* RFC 4231 test cases 1-7: key, data, HMAC-SHA256 */
	static const char *const v[][3] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
		  "a3b6167473100ee06e0c796c2955552b" },
	};
	static const char big1[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char big2[] = "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";
	unsigned char key[200], data[200], out[82], ikm[80], salt[80], info[80];
	size_t k, kl, dl;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		kl = unhex(v[k][0], key);
		dl = unhex(v[k][1], data);
		crypto_hmac(key, kl, data, dl, out);
		bytes_are(out, v[k][2], "HMAC-SHA256, RFC 4231");
	}
	memset(key, 0xaa, 131);
	crypto_hmac(key, 131, big1, strlen(big1), out);
	bytes_are(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "HMAC-SHA256, RFC 4231 case 6: a key longer than a block");
	crypto_hmac(key, 131, big2, strlen(big2), out);
	bytes_are(out, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	    "HMAC-SHA256, RFC 4231 case 7: key and data longer than a block");

	/* RFC 5869 A.1-A.3 */
	memset(ikm, 0x0b, 22);
	unhex("000102030405060708090a0b0c", salt);
	unhex("f0f1f2f3f4f5f6f7f8f9", info);
	crypto_hkdf(salt, 13, ikm, 22, info, 10, out, 42);
	bytes_are(out, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
	    "HKDF-SHA256, RFC 5869 case 1");
	for (k = 0; k < 80; k++)
		ikm[k] = (unsigned char)k, salt[k] = (unsigned char)(0x60 + k), info[k] = (unsigned char)(0xb0 + k);
	crypto_hkdf(salt, 80, ikm, 80, info, 80, out, 82);
	bytes_are(out, "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	    "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
	    "HKDF-SHA256, RFC 5869 case 2: long inputs");
	memset(ikm, 0x0b, 22);
	crypto_hkdf("", 0, ikm, 22, "", 0, out, 42);
	bytes_are(out, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
	    "HKDF-SHA256, RFC 5869 case 3: no salt, no info");
	check(crypto_hkdf("", 0, ikm, 22, "", 0, out, 255 * 32 + 1) == -1, "HKDF refuses more than 255 blocks", NULL);
}

static void
test_chacha20(void)
{
	/* RFC 8439 2.3.2, A.1 #1-#5 (keystream: a block of zeros encrypted), 2.4.2, A.2 #1-#3 */
	static const struct {
		const char *key, *nonce;
		uint32_t counter;
		const char *plain; /* NULL: 64 zero bytes */
		const char *out, *what;
	} v[] = {
		{ key_0_31, "000000090000004a00000000", 1, NULL,
		  "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
		  "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e", "ChaCha20 block, RFC 8439 2.3.2" },
		{ "00", "000000000000000000000000", 0, NULL,
		  "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
		  "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586", "ChaCha20 block, RFC 8439 A.1 #1" },
		{ "00", "000000000000000000000000", 1, NULL,
		  "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
		  "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f", "ChaCha20 block, RFC 8439 A.1 #2" },
		{ "0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000000", 1, NULL,
		  "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
		  "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0", "ChaCha20 block, RFC 8439 A.1 #3" },
		{ "00ff", "000000000000000000000000", 2, NULL,
		  "72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
		  "13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096", "ChaCha20 block, RFC 8439 A.1 #4" },
		{ "00", "000000000000000000000002", 0, NULL,
		  "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
		  "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d", "ChaCha20 block, RFC 8439 A.1 #5" },
		{ key_0_31, "000000000000004a00000000", 1, sunscreen,
		  "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
		  "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
		  "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
		  "5af90bbf74a35be6b40b8eedf2785e42874d", "ChaCha20 encryption, RFC 8439 2.4.2" },
		{ "0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000002", 1, ietf,
		  "a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec"
		  "2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d"
		  "4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e527950"
		  "42bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a"
		  "d00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259d"
		  "c4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b"
		  "0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6c"
		  "cc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b"
		  "c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f"
		  "5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6"
		  "98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab"
		  "7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221", "ChaCha20 encryption, RFC 8439 A.2 #2" },
		{ key_1c92, "000000000000000000000002", 42, jabberwocky,
		  "62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf"
		  "166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb"
		  "f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77"
		  "04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1", "ChaCha20 encryption, RFC 8439 A.2 #3" },
	};
	/* 2.2.1: a state, and QUARTERROUND(2, 7, 8, 13) applied to it */
	static const uint32_t st[16] = {
		0x879531e0, 0xc5ecf37d, 0x516461b1, 0xc9a62f8a, 0x44c20ef3, 0x3390af7f, 0xd9fc690b, 0x2a5f714c,
		0x53372767, 0xb00a5631, 0x974c541a, 0x359e9963, 0x5c971061, 0x3d631689, 0x2098d9d6, 0x91dbd320
	};
	unsigned char key[32], nonce[12], in[400], out[400];
	uint32_t x[16] = { 0x11111111, 0x01020304, 0x9b8d6f43, 0x01234567 };
	size_t k, n;

	crypto_quarter_round(x, 0, 1, 2, 3);
	check(x[0] == 0xea2a92f4 && x[1] == 0xcb1cf8ce && x[2] == 0x4581472e && x[3] == 0x5881c4bb,
	    "ChaCha quarter round, RFC 8439 2.1.1", NULL);
	memcpy(x, st, sizeof(x));
	crypto_quarter_round(x, 2, 7, 8, 13);
	check(x[2] == 0xbdb886dc && x[7] == 0xcfacafd2 && x[8] == 0xe46bea80 && x[13] == 0xccc07c79 &&
	    x[0] == st[0] && x[1] == st[1] && x[15] == st[15], "ChaCha quarter round on a state, RFC 8439 2.2.1", NULL);
	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		memset(key, 0, sizeof(key));
		unhex(v[k].key, key);
		unhex(v[k].nonce, nonce);
		n = v[k].plain ? strlen(v[k].plain) : 64;
		memset(in, 0, sizeof(in));
		if (v[k].plain)
			memcpy(in, v[k].plain, n);
		crypto_chacha20(key, v[k].counter, nonce, in, out, n);
		bytes_are(out, v[k].out, v[k].what);
	}
	/* A.2 #1 is A.1 #1 (64 zeros encrypted); decryption is encryption */
	unhex(key_1c92, key);
	unhex("000000000000000000000002", nonce);
	crypto_chacha20(key, 42, nonce, out, in, n);
	check(memcmp(in, jabberwocky, n) == 0, "ChaCha20 decrypts what it encrypted", NULL);
}

static void
test_poly1305(void)
{
	/* RFC 8439 2.5.2 and A.3 #1-#11: key (r then s), message, tag */
	static const struct {
		const char *key, *msg_hex, *msg, *tag, *what;
	} v[] = {
		{ "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
		  "43727970746f6772617068696320466f72756d2052657365617263682047726f7570", NULL,
		  "a8061dc1305136c6c22b8baf0c0127a9", "Poly1305, RFC 8439 2.5.2" },
		{ "00", "", NULL, "00000000000000000000000000000000", "Poly1305, RFC 8439 A.3 #1" },
		{ "0000000000000000000000000000000036e5f6b5c5e06070f0efca96227a863e", NULL, ietf,
		  "36e5f6b5c5e06070f0efca96227a863e", "Poly1305, RFC 8439 A.3 #2 (r = 0)" },
		{ "36e5f6b5c5e06070f0efca96227a863e00000000000000000000000000000000", NULL, ietf,
		  "f3477e7cd95417af89a6b8794c310cf0", "Poly1305, RFC 8439 A.3 #3" },
		{ key_1c92, NULL, jabberwocky, "4541669a7eaaee61e708dc7cbcc5eb62", "Poly1305, RFC 8439 A.3 #4" },
		{ "02000000000000000000000000000000", "ffffffffffffffffffffffffffffffff", NULL,
		  "03000000000000000000000000000000", "Poly1305, RFC 8439 A.3 #5: a result not fully reduced" },
		{ "02000000000000000000000000000000ffffffffffffffffffffffffffffffff",
		  "02000000000000000000000000000000", NULL,
		  "03000000000000000000000000000000", "Poly1305, RFC 8439 A.3 #6: s overflows 2^128" },
		{ "01", "ffffffffffffffffffffffffffffffff f0ffffffffffffffffffffffffffffff 11000000000000000000000000000000",
		  NULL, "05000000000000000000000000000000", "Poly1305, RFC 8439 A.3 #7: a carry into a full limb" },
		{ "01", "ffffffffffffffffffffffffffffffff fbfefefefefefefefefefefefefefefe 01010101010101010101010101010101",
		  NULL, "00000000000000000000000000000000", "Poly1305, RFC 8439 A.3 #8: exactly 2^130-5" },
		{ "02", "fdffffffffffffffffffffffffffffff", NULL,
		  "faffffffffffffffffffffffffffffff", "Poly1305, RFC 8439 A.3 #9: exactly 2^130-6" },
		{ "01000000000000000400000000000000",
		  "e33594d7505e43b90000000000000000 3394d7505e4379cd0100000000000000 "
		  "00000000000000000000000000000000 01000000000000000000000000000000", NULL,
		  "14000000000000005500000000000000", "Poly1305, RFC 8439 A.3 #10: a 131-bit intermediate" },
		{ "01000000000000000400000000000000",
		  "e33594d7505e43b90000000000000000 3394d7505e4379cd0100000000000000 "
		  "00000000000000000000000000000000", NULL,
		  "13000000000000000000000000000000", "Poly1305, RFC 8439 A.3 #11: a 131-bit result" },
	};
	unsigned char key[32], msg[400], tag[16];
	size_t k, n;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		memset(key, 0, sizeof(key));
		unhex(v[k].key, key);
		if (v[k].msg) {
			n = strlen(v[k].msg);
			memcpy(msg, v[k].msg, n);
		} else {
			n = unhex(v[k].msg_hex, msg);
		}
		crypto_poly1305(key, msg, n, tag);
		bytes_are(tag, v[k].tag, v[k].what);
	}
}

static void
test_aead(void)
{
	/* RFC 8439 2.6.2 and A.4: the one-time key is ChaCha20's block 0 */
	static const char *const otk[][3] = {
		{ key_80_9f, "000000000001020304050607",
		  "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646" },
		{ "00", "000000000000000000000000",
		  "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7" },
		{ "0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000002",
		  "ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739" },
		{ key_1c92, "000000000000000000000002",
		  "965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae" },
	};
	static const char a5_ct[] =
	    "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	    "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	    "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	    "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	    "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	    "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	    "0bb2316053fa769919 55ebd63159434ecebb4e466dae5a1073a6727627097a10"
	    "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	    "a6ad5cb4022b02709b" "eead9d67890cbb22392336fea1851f38";
	static const char a5_pt[] = "Internet-Drafts are draft documents valid for a maximum of six "
	    "months and may be updated, replaced, or obsoleted by other documents at any time. It is "
	    "inappropriate to use Internet-Drafts as reference material or to cite them other than as "
	    "/\xe2\x80\x9cwork in progress./\xe2\x80\x9d";
	static const unsigned char zero[32];
	unsigned char key[32], nonce[12], ad[12], buf[400], out[400];
	size_t k, n = strlen(sunscreen);

	for (k = 0; k < sizeof(otk) / sizeof(otk[0]); k++) {
		memset(key, 0, sizeof(key));
		unhex(otk[k][0], key);
		unhex(otk[k][1], nonce);
		crypto_chacha20(key, 0, nonce, zero, out, 32);
		bytes_are(out, otk[k][2], k == 0 ? "Poly1305 key generation, RFC 8439 2.6.2" :
		    "Poly1305 key generation, RFC 8439 A.4");
	}

	/* 2.8.2 */
	unhex(key_80_9f, key);
	unhex("070000004041424344454647", nonce);
	unhex("50515253c0c1c2c3c4c5c6c7", ad);
	crypto_seal(key, nonce, ad, 12, (const unsigned char *)sunscreen, n, out);
	bytes_are(out, "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	    "3ff4def08e4b7a9de576d26586cec64b6116" "1ae10b594f09e26a7e902ecbd0600691",
	    "AEAD seal, RFC 8439 2.8.2");
	check(crypto_open(key, nonce, ad, 12, out, n + 16, buf) == 0 && memcmp(buf, sunscreen, n) == 0,
	    "AEAD open, RFC 8439 2.8.2", NULL);
	out[5] ^= 1;
	check(crypto_open(key, nonce, ad, 12, out, n + 16, buf) == -1, "AEAD: a changed ciphertext is refused", NULL);
	out[5] ^= 1;
	out[n + 15] ^= 0x80;
	check(crypto_open(key, nonce, ad, 12, out, n + 16, buf) == -1, "AEAD: a changed tag is refused", NULL);
	out[n + 15] ^= 0x80;
	ad[0] ^= 1;
	check(crypto_open(key, nonce, ad, 12, out, n + 16, buf) == -1, "AEAD: changed data is refused", NULL);
	ad[0] ^= 1;
	check(crypto_open(key, nonce, ad, 12, out, n + 15, buf) == -1, "AEAD: a cut datagram is refused", NULL);
	check(crypto_open(key, nonce, ad, 12, out, 15, buf) == -1, "AEAD: shorter than a tag is refused", NULL);

	/* A.5 */
	unhex(key_1c92, key);
	unhex("000000000102030405060708", nonce);
	unhex("f33388860000000000004e91", ad);
	n = unhex(a5_ct, buf);
	check(crypto_open(key, nonce, ad, 12, buf, n, out) == 0 && n - 16 == strlen(a5_pt) &&
	    memcmp(out, a5_pt, n - 16) == 0, "AEAD open, RFC 8439 A.5", NULL);
}

static void
test_x25519(void)
{
	/* RFC 7748 5.2: scalar, u, result */
	static const char *const v[][3] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	unsigned char k[32], u[32], out[32], a[32], b[32], apub[32], bpub[32], s1[32], s2[32];
	size_t i;
	int it;

	for (i = 0; i < 2; i++) {
		unhex(v[i][0], k);
		unhex(v[i][1], u);
		check(crypto_x25519(out, k, u) == 0, "X25519 succeeds", NULL);
		bytes_are(out, v[i][2], "X25519, RFC 7748 5.2");
	}
	/* 5.2, iterated: k = X25519(k, u), u = the old k, from k = u = 9 */
	memset(k, 0, 32);
	k[0] = 9;
	memcpy(u, k, 32);
	for (it = 1; it <= 1000; it++) {
		crypto_x25519(out, k, u);
		memcpy(u, k, 32);
		memcpy(k, out, 32);
		if (it == 1)
			bytes_are(k, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
			    "X25519, RFC 7748 5.2, after 1 iteration");
	}
	bytes_are(k, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
	    "X25519, RFC 7748 5.2, after 1,000 iterations");

	/* 6.1 */
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b);
	crypto_x25519_public(apub, a);
	crypto_x25519_public(bpub, b);
	bytes_are(apub, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", "X25519, RFC 7748 6.1: Alice's public key");
	bytes_are(bpub, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", "X25519, RFC 7748 6.1: Bob's public key");
	crypto_x25519(s1, a, bpub);
	crypto_x25519(s2, b, apub);
	bytes_are(s1, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", "X25519, RFC 7748 6.1: Alice's shared secret");
	bytes_are(s2, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", "X25519, RFC 7748 6.1: Bob's shared secret");

	/* points of small order give all zeros: refused */
	memset(u, 0, 32);
	check(crypto_x25519(out, a, u) == -1, "X25519 refuses the point 0", NULL);
	u[0] = 1;
	check(crypto_x25519(out, a, u) == -1, "X25519 refuses the point 1 (order 1)", NULL);
	unhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", u); /* p - 1, order 2 */
	check(crypto_x25519(out, a, u) == -1, "X25519 refuses p - 1 (order 2)", NULL);
	check(crypto_equal("abc", "abc", 3) && !crypto_equal("abc", "abd", 3), "crypto_equal", NULL);
}
