/*
 * proto.c: parse and format every p2pchat wire message, validate names and
 * endpoints, and escape text for the terminal.
 *
 * A message is split at commas into fields; the first field names the kind
 * and the sender decides how strict the count is: a client's request must have
 * exactly its fields, while a server's notice may carry fields added by a later
 * version, which are ignored.  Chat text is the last field and may itself hold
 * commas.  No I/O, no allocation, no printing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "fmt.h"
#include "proto.h"

#define MAXFIELDS 6
#define SID_LEN   8  /* hex digits of a stream id */

struct field {
	const char *s;
	size_t len;
};

static const char *errors[] = {
	"ok", "empty message", "NUL byte", "invalid UTF-8", "unknown message",
	"wrong number of fields", "invalid name", "invalid endpoint",
	"invalid port", "invalid token", "invalid sequence number",
	"message too long", "roster not ended by \"end\"", "invalid stream id",
	"invalid key"
};

const char *
proto_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= (int)(sizeof(errors) / sizeof(errors[0])))
		return "unknown error";
	return errors[err];
}

/* Decode the code point at s[*i], advancing *i: 0, or -1 when invalid. */
static int
utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	unsigned int c = s[*i];
	uint32_t v, min;
	size_t n, k;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 0;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3, v = c & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (len - *i <= n)
		return -1;
	for (k = 1; k <= n; k++) {
		c = s[*i + k];
		if ((c & 0xc0) != 0x80)
			return -1;
		v = v << 6 | (c & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*i += n + 1;
	*cp = v;
	return 0;
}

int
proto_valid_utf8(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t c;

	while (i < len)
		if (utf8_next((const unsigned char *)s, len, &i, &c) == -1 || c == 0)
			return 0;
	return 1;
}

/* Code points that reorder or hide text: bidi controls, line separators. */
static int
is_bidi(uint32_t c)
{
	return (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

struct cprange {
	uint32_t lo, hi;
};

/* 1 when c is in one of the n sorted ranges r. */
static int
in_ranges(const struct cprange *r, size_t n, uint32_t c)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c < r[mid].lo)
			hi = mid;
		else if (c > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/*
 * What a name may hold: the letters of the scripts people write names in,
 * ASCII digits and "-" "_" ".", nothing else.  Every range is of assigned
 * letters (Unicode 14), so nothing unassigned, no combining mark, no format
 * or blank character, no symbol and no other script's digits gets in: each
 * of those can make a name that looks like another one.  Left out on
 * purpose: compatibility letters (ligatures like "ĳ", digraphs like "ǆ",
 * "ŉ", "ŀ", long s, CJK compatibility ideographs, Arabic presentation forms
 * and high-hamza forms), letters that look like digits or punctuation
 * (Latin tone letters, clicks, glottal stops, yogh), the IPA block but for
 * the African letters below, Greek archaic letters and polytonic Greek,
 * historic Cyrillic, the Arabic tatweel (it only stretches a word), and
 * Devanagari letters with a nukta built in (U+0958-U+095F: written as the
 * letter and U+093C, as NFC does).  Devanagari's vowel signs, virama and
 * the like are allowed apart, in deva_sign.
 */
static const struct cprange name_chars[] = {
	{ 0x002d, 0x002e },   /* - . */
	{ 0x0030, 0x0039 },   /* 0-9 */
	{ 0x0041, 0x005a },   /* A-Z */
	{ 0x005f, 0x005f },   /* _ */
	{ 0x0061, 0x007a },   /* a-z */
	{ 0x00c0, 0x00d6 },   /* Latin-1 letters, without × and ÷ */
	{ 0x00d8, 0x00f6 },
	{ 0x00f8, 0x00ff },
	{ 0x0100, 0x0131 },   /* Latin Extended-A, without Ĳ ĳ ... */
	{ 0x0134, 0x013e },   /* ... Ŀ ŀ ... */
	{ 0x0141, 0x0148 },   /* ... ŉ ... */
	{ 0x014a, 0x017e },   /* ... and ſ */
	{ 0x0181, 0x0181 },   /* Latin Extended-B: Ɓ, Africa */
	{ 0x0186, 0x0186 },   /* Ɔ */
	{ 0x0189, 0x018a },   /* Ɖ Ɗ */
	{ 0x018e, 0x0192 },   /* Ǝ Ə Ɛ Ƒ ƒ (Ə: Azerbaijani) */
	{ 0x0194, 0x0194 },   /* Ɣ */
	{ 0x0198, 0x0199 },   /* Ƙ ƙ */
	{ 0x019d, 0x019d },   /* Ɲ */
	{ 0x01a0, 0x01a1 },   /* Ơ ơ, Vietnamese */
	{ 0x01af, 0x01b0 },   /* Ư ư, Vietnamese */
	{ 0x01b2, 0x01b4 },   /* Ʋ Ƴ ƴ */
	{ 0x01b7, 0x01b7 },   /* Ʒ, Sami */
	{ 0x01cd, 0x01f0 },   /* pinyin's tones, Sami, ǝ */
	{ 0x01f4, 0x01f5 },   /* Ǵ ǵ */
	{ 0x01f8, 0x021b },   /* ... Romanian Ș ș Ț ț */
	{ 0x021e, 0x021f },   /* Ȟ ȟ */
	{ 0x0224, 0x0233 },   /* ... Livonian Ȳ ȳ */
	{ 0x0253, 0x0254 },   /* IPA: the small letters of the African ones above */
	{ 0x0256, 0x0257 },
	{ 0x0259, 0x0259 },
	{ 0x025b, 0x025b },
	{ 0x0263, 0x0263 },
	{ 0x0272, 0x0272 },
	{ 0x028b, 0x028b },
	{ 0x0292, 0x0292 },
	{ 0x0386, 0x0386 },   /* Greek: monotonic letters */
	{ 0x0388, 0x038a },
	{ 0x038c, 0x038c },
	{ 0x038e, 0x03a1 },
	{ 0x03a3, 0x03ce },
	{ 0x0400, 0x045f },   /* Cyrillic: Russian, Ukrainian, Serbian ... */
	{ 0x048a, 0x052f },   /* ... the letters of the other languages written in it */
	{ 0x05d0, 0x05ea },   /* Hebrew letters, without points */
	{ 0x0620, 0x063f },   /* Arabic letters, without tatweel and marks */
	{ 0x0641, 0x064a },
	{ 0x0671, 0x0673 },   /* Persian, Urdu, Pashto, Kurdish ... */
	{ 0x0679, 0x06d3 },
	{ 0x06d5, 0x06d5 },
	{ 0x06ee, 0x06ef },
	{ 0x06fa, 0x06fc },
	{ 0x06ff, 0x06ff },
	{ 0x0750, 0x077f },   /* Arabic Supplement (African languages) */
	{ 0x0904, 0x0939 },   /* Devanagari letters */
	{ 0x0960, 0x0961 },
	{ 0x0972, 0x097f },
	{ 0x1e00, 0x1e99 },   /* Latin Extended Additional: Vietnamese, Yoruba ... */
	{ 0x1e9e, 0x1e9e },   /* ẞ */
	{ 0x1ea0, 0x1ef9 },
	{ 0x3005, 0x3005 },   /* 々, the ideographic iteration mark */
	{ 0x3041, 0x3096 },   /* hiragana */
	{ 0x309d, 0x309e },   /* ゝ ゞ */
	{ 0x30a1, 0x30fa },   /* katakana */
	{ 0x30fc, 0x30fe },   /* ー ヽ ヾ */
	{ 0x3400, 0x4dbf },   /* CJK ideographs, Extension A */
	{ 0x4e00, 0x9fff },   /* CJK ideographs */
	{ 0xac00, 0xd7a3 },   /* Hangul syllables (no jamo, no fillers) */
	{ 0x20000, 0x2a6df }  /* CJK ideographs, Extension B */
};

/* The kind of a Devanagari code point, for the order of a syllable. */
enum deva { DEVA_NONE, DEVA_CONSONANT, DEVA_VOWEL, DEVA_NUKTA, DEVA_SIGN, DEVA_VIRAMA, DEVA_MOD };

static enum deva
deva_kind(uint32_t c)
{
	if ((c >= 0x0915 && c <= 0x0939) || (c >= 0x0978 && c <= 0x097f))
		return DEVA_CONSONANT;
	if ((c >= 0x0904 && c <= 0x0914) || c == 0x0960 || c == 0x0961 || (c >= 0x0972 && c <= 0x0977))
		return DEVA_VOWEL;
	if (c == 0x093c)
		return DEVA_NUKTA;
	if (c >= 0x093e && c <= 0x094c)
		return DEVA_SIGN;  /* the dependent vowel signs */
	if (c == 0x094d)
		return DEVA_VIRAMA;
	if (c >= 0x0901 && c <= 0x0903)
		return DEVA_MOD;   /* candrabindu, anusvara, visarga */
	return DEVA_NONE;
}

/*
 * Devanagari's marks may follow only what they belong to, in a syllable's
 * order: a consonant, then a nukta, then a vowel sign or the virama, then
 * a candrabindu, anusvara or visarga (which may also follow an independent
 * vowel).  So a mark never starts a name, none comes twice, and no vowel
 * sign sits on an independent vowel, where "अ" and "ा" would look like "आ".
 * The nukta may not follow न र ळ (whose nukta forms are letters of their
 * own) nor a letter that has one already.  1 when c may follow prev.
 */
static int
deva_sign_ok(uint32_t prev, uint32_t c)
{
	enum deva p = deva_kind(prev);

	switch (deva_kind(c)) {
	case DEVA_NUKTA:
		return p == DEVA_CONSONANT && prev != 0x0928 && prev != 0x0929 && prev != 0x0930 &&
		    prev != 0x0931 && prev != 0x0933 && prev != 0x0934;
	case DEVA_SIGN:
	case DEVA_VIRAMA:
		return p == DEVA_CONSONANT || p == DEVA_NUKTA;
	case DEVA_MOD:
		return p == DEVA_CONSONANT || p == DEVA_NUKTA || p == DEVA_SIGN || p == DEVA_VOWEL;
	default:
		return 0;
	}
}

int
proto_valid_name(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t c, prev = 0;

	if (len == 0 || len > P2P_NAME_MAX)
		return 0;
	while (i < len) {
		if (utf8_next((const unsigned char *)s, len, &i, &c) == -1)
			return 0;
		if (!in_ranges(name_chars, sizeof(name_chars) / sizeof(name_chars[0]), c) &&
		    !deva_sign_ok(prev, c))
			return 0;
		prev = c;
	}
	return 1;
}

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
proto_name_eq(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen; i++)
		if (a[i] == '\0' || fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return 0;
	return a[i] == '\0';
}

/* A decimal number without sign or leading zeros, at most max. */
static int
parse_num(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_port(const char *s, size_t len, uint16_t *port)
{
	uint32_t v;

	if (parse_num(s, len, 65535, &v) == -1 || v == 0)
		return -P2P_EPORT;
	*port = (uint16_t)v;
	return 0;
}

int
proto_parse_ep(const char *s, size_t len, struct p2p_ep *ep)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = s;
	size_t hlen;

	memset(ep, 0, sizeof(*ep));
	if (len > 0 && s[0] == '[') {
		colon = NULL;
		for (hlen = 1; hlen + 1 < len; hlen++)
			if (s[hlen] == ']' && s[hlen + 1] == ':')
				colon = s + hlen + 1;
		if (colon == NULL)
			return -P2P_EEP;
		h = s + 1;
		hlen = (size_t)(colon - 1 - h);
		ep->family = AF_INET6;
	} else {
		for (colon = s + len; colon > s && colon[-1] != ':'; colon--)
			;
		if (colon == s)
			return -P2P_EEP;
		colon--;
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return -P2P_EEP; /* IPv6 needs brackets */
		ep->family = AF_INET;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -P2P_EEP;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(ep->family, host, ep->addr) != 1)
		return -P2P_EEP;
	return parse_port(colon + 1, (size_t)(s + len - colon - 1), &ep->port);
}

/* An IPv6 address as RFC 5952 writes it: hex groups without leading
 * zeros, the longest run of two or more zero groups (the first of equals)
 * as "::", and an IPv4-mapped address with its IPv4 part dotted. */
static void
format_v6(char *host, size_t size, const unsigned char *a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	int g, best = -1, blen = 1, run, o = 0;

	if (memcmp(a, mapped, 12) == 0) {
		fmt(host, size, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return;
	}
	for (g = 0; g < 8; g += run ? run : 1) {
		for (run = 0; g + run < 8 && a[2 * (g + run)] == 0 && a[2 * (g + run) + 1] == 0; run++)
			;
		if (run > blen)
			best = g, blen = run;
	}
	for (g = 0; g < 8; g++) {
		if (g == best) {
			o += fmt(host + o, size - (size_t)o, "::");
			g += blen - 1;
			continue;
		}
		o += fmt(host + o, size - (size_t)o, "%s%x", o > 0 && host[o - 1] != ':' ? ":" : "",
		    (unsigned)(a[2 * g] << 8 | a[2 * g + 1]));
	}
}

int
proto_format_ep(char *buf, size_t size, const struct p2p_ep *ep)
{
	char host[P2P_EPSTR_MAX];
	const unsigned char *a = ep->addr;
	int n;

	if (ep->family == AF_INET6) {
		format_v6(host, sizeof(host), a);
		n = fmt(buf, size, "[%s]:%u", host, (unsigned)ep->port);
	} else if (ep->family == AF_INET) {
		n = fmt(buf, size, "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], (unsigned)ep->port);
	} else {
		return -1;
	}
	return n < 0 || (size_t)n >= size ? -1 : n;
}

const char *
proto_ep_str(const struct p2p_ep *ep, char *buf)
{
	if (proto_format_ep(buf, P2P_EPSTR_MAX, ep) < 0)
		strcpy(buf, "?");
	return buf;
}

int
proto_ep_eq(const struct p2p_ep *a, const struct p2p_ep *b)
{
	size_t alen = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && a->port == b->port &&
	    memcmp(a->addr, b->addr, alen) == 0;
}

/* Split at commas into at most max fields, the last taking the rest. */
static int
split(const char *buf, size_t len, struct field *f, int max)
{
	const char *end = buf + len, *c;
	int n = 0;

	for (;;) {
		f[n].s = buf;
		c = n + 1 < max ? memchr(buf, ',', (size_t)(end - buf)) : NULL;
		if (c == NULL) {
			f[n].len = (size_t)(end - buf);
			return n + 1;
		}
		f[n++].len = (size_t)(c - buf);
		buf = c + 1;
	}
}

static int
is(const struct field *f, const char *word)
{
	return f->len == strlen(word) && memcmp(f->s, word, f->len) == 0;
}

static int
get_name(const struct field *f, char *name)
{
	if (!proto_valid_name(f->s, f->len))
		return -P2P_ENAME;
	memcpy(name, f->s, f->len);
	name[f->len] = '\0';
	return 0;
}

static int
get_token(const struct field *f, char *token)
{
	size_t i;

	if (f->len != P2P_TOKEN_LEN)
		return -P2P_ETOKEN;
	for (i = 0; i < f->len; i++)
		if (!((f->s[i] >= '0' && f->s[i] <= '9') || (f->s[i] >= 'a' && f->s[i] <= 'f')))
			return -P2P_ETOKEN;
	memcpy(token, f->s, f->len);
	token[f->len] = '\0';
	return 0;
}

int
proto_parse_key(const char *s, size_t len, unsigned char key[P2P_KEY_LEN])
{
	unsigned d;
	size_t i;

	if (len != 2 * P2P_KEY_LEN)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else
			return -1;
		key[i / 2] = (unsigned char)(i % 2 ? key[i / 2] | d : d << 4);
	}
	return 0;
}

void
proto_format_key(const unsigned char key[P2P_KEY_LEN], char out[2 * P2P_KEY_LEN + 1])
{
	int i;

	for (i = 0; i < P2P_KEY_LEN; i++)
		fmt(out + 2 * i, 3, "%02x", key[i]);
}

/* A public key in f: 1 when f is one, read into m. */
static int
get_key(const struct field *f, struct p2p_msg *m)
{
	return m->haskey = proto_parse_key(f->s, f->len, m->key) == 0;
}

/* NAME,EP[,EP2][,KEY,...] starting at f: a roster entry or the body of a
 * notice; fields after these are for later versions. */
static int
get_user(const struct field *f, int n, struct p2p_msg *m)
{
	int r;

	if (n < 2)
		return -P2P_EFIELDS;
	if ((r = get_name(&f[0], m->name)) < 0 ||
	    (r = proto_parse_ep(f[1].s, f[1].len, &m->ep)) < 0)
		return r;
	if (n > 2 && !get_key(&f[2], m)) {
		if ((r = proto_parse_ep(f[2].s, f[2].len, &m->ep2)) < 0)
			return r;
		if (n > 3)
			get_key(&f[3], m);
	}
	return 0;
}

/* relay,NAME,DATAGRAM: the datagram is the rest, commas and all */
static int
get_relay(const struct field *f, int n, struct p2p_msg *m)
{
	m->type = P2P_RELAY;
	if (n < 3 || f[2].len == 0)
		return -P2P_EFIELDS;
	m->text = f[2].s;
	m->textlen = (size_t)(f[n - 1].s + f[n - 1].len - f[2].s);
	return get_name(&f[1], m->name);
}

static int
parse_client(const struct field *f, int n, struct p2p_msg *m)
{
	int r;

	if (is(&f[0], "login"))
		m->type = P2P_LOGIN;
	else if (is(&f[0], "hello"))
		m->type = P2P_HELLO;
	else if (is(&f[0], "logout"))
		m->type = P2P_LOGOUT;
	else if (is(&f[0], "ping"))
		m->type = P2P_PING;
	else if (is(&f[0], "punch"))
		m->type = P2P_PUNCH;
	else if (is(&f[0], "relay"))
		return get_relay(f, n, m);
	else
		return -P2P_ETYPE;
	if (n != (m->type == P2P_PING || m->type == P2P_PUNCH ? 2 : 3) &&
	    !(m->type == P2P_LOGIN && n == 4))
		return -P2P_EFIELDS;
	if ((r = get_name(&f[1], m->name)) < 0 || m->type == P2P_PING || m->type == P2P_PUNCH)
		return r;
	if (m->type == P2P_HELLO)
		return get_token(&f[2], m->token);
	if (n == 4 && !get_key(&f[3], m))
		return -P2P_EKEY;
	return proto_parse_ep(f[2].s, f[2].len, &m->ep);
}

static int
parse_server(const struct field *f, int n, struct p2p_msg *m)
{
	size_t len;
	int r;

	if (is(&f[0], "Accept")) {
		m->type = P2P_ACCEPT;
		if (n < 3)
			return -P2P_EFIELDS;
		if ((r = parse_port(f[1].s, f[1].len, &m->port)) < 0)
			return r;
		m->relay = n >= 4 && is(&f[3], "relay");
		return get_token(&f[2], m->token);
	}
	if (is(&f[0], "Reject")) {
		m->type = P2P_REJECT;
		if (n < 2 || f[1].len == 0)
			return -P2P_EFIELDS;
		/* the reason is the rest of the message, commas and all */
		len = (size_t)(f[n - 1].s + f[n - 1].len - f[1].s);
		if (len > P2P_REASON_MAX)
			return -P2P_ELONG;
		memcpy(m->reason, f[1].s, len);
		m->reason[len] = '\0';
		return 0;
	}
	if (is(&f[0], "pong")) {
		m->type = P2P_PONG;
		return 0;
	}
	if (is(&f[0], "relay"))
		return get_relay(f, n, m);
	if (is(&f[0], "punch")) {
		m->type = P2P_PUNCH;
		return n < 2 ? -P2P_EFIELDS : get_name(&f[1], m->name);
	}
	if (is(&f[0], "login"))
		m->type = P2P_LOGIN;
	else if (is(&f[0], "logout"))
		m->type = P2P_LOGOUT;
	else
		return -P2P_ETYPE;
	return get_user(f + 1, n - 1, m);
}

static int
get_sid(const struct field *f, uint32_t *sid)
{
	uint32_t v = 0;
	size_t i;

	if (f->len != SID_LEN)
		return -P2P_ESID;
	for (i = 0; i < f->len; i++) {
		char d = f->s[i];

		if (d >= '0' && d <= '9')
			v = v << 4 | (uint32_t)(d - '0');
		else if (d >= 'a' && d <= 'f')
			v = v << 4 | (uint32_t)(d - 'a' + 10);
		else
			return -P2P_ESID;
	}
	*sid = v;
	return 0;
}

static int
get_seq(const struct field *f, uint32_t *seq)
{
	return parse_num(f->s, f->len, UINT32_MAX, seq) == -1 ? -P2P_ESEQ : 0;
}

/* msg,NAME,SID,SEQ,FIRST,TEXT and part,...; ack,NAME,SID,CUM,SEQ;
 * probe,NAME,NONCE and probed,NAME,NONCE */
static int
parse_peer(const struct field *f, int n, struct p2p_msg *m)
{
	int r;

	if (is(&f[0], "msg") || is(&f[0], "part")) {
		m->type = P2P_MSG;
		m->more = f[0].s[0] == 'p';
		if (n != 6 || f[5].len == 0)
			return -P2P_EFIELDS;
	} else if (is(&f[0], "ack")) {
		m->type = P2P_ACK;
		if (n != 5)
			return -P2P_EFIELDS;
	} else if (is(&f[0], "probe") || is(&f[0], "probed")) {
		m->type = f[0].len == 5 ? P2P_PROBE : P2P_PROBED;
		if (n != 3)
			return -P2P_EFIELDS;
	} else {
		return -P2P_ETYPE;
	}
	if ((r = get_name(&f[1], m->name)) < 0 || (r = get_sid(&f[2], &m->sid)) < 0 ||
	    m->type == P2P_PROBE || m->type == P2P_PROBED)
		return r;
	if (m->type == P2P_ACK) {
		if ((r = get_seq(&f[3], &m->cum)) < 0)
			return r;
		return get_seq(&f[4], &m->seq);
	}
	if ((r = get_seq(&f[3], &m->seq)) < 0 || (r = get_seq(&f[4], &m->first)) < 0)
		return r;
	if (f[5].len > P2P_TEXT_MAX)
		return -P2P_ELONG;
	m->text = f[5].s;
	m->textlen = f[5].len;
	return 0;
}

/* The plain checks every message passes before its fields are read. */
static int
check_bytes(const char *buf, size_t len)
{
	if (len == 0)
		return -P2P_EEMPTY;
	if (len > P2P_DGRAM_MAX)
		return -P2P_ELONG;
	if (memchr(buf, '\0', len) != NULL)
		return -P2P_ENUL;
	if (!proto_valid_utf8(buf, len))
		return -P2P_EUTF8;
	return 0;
}

int
proto_parse(const char *buf, size_t len, enum p2p_from from, struct p2p_msg *m)
{
	struct field f[MAXFIELDS];
	const char *c;
	int n, r;

	memset(m, 0, sizeof(*m));
	/* a relayed datagram may be any bytes: only its header must be text */
	if (from != P2P_FROM_PEER && len > 6 && memcmp(buf, "relay,", 6) == 0 &&
	    (c = memchr(buf + 6, ',', len - 6)) != NULL)
		r = check_bytes(buf, (size_t)(c - buf));
	else
		r = check_bytes(buf, len);
	if (r < 0)
		return r;
	if (len > P2P_DGRAM_MAX)
		return -P2P_ELONG;
	switch (from) {
	case P2P_FROM_CLIENT:
		/* one field more than any request has, so that extras are seen */
		n = split(buf, len, f, 5);
		return parse_client(f, n, m);
	case P2P_FROM_SERVER:
		n = split(buf, len, f, MAXFIELDS);
		return parse_server(f, n, m);
	default:
		/* the text is the sixth field and may hold commas */
		n = split(buf, len, f, 6);
		return parse_peer(f, n, m);
	}
}

int
proto_roster_record(const char *rec, size_t len, char term, struct p2p_msg *m)
{
	struct field f[MAXFIELDS];
	int r;

	memset(m, 0, sizeof(*m));
	if (len == 3 && memcmp(rec, "end", 3) == 0)
		return term == '\n' ? 0 : -P2P_EROSTER;
	if (term != ';')
		return -P2P_EROSTER;
	if ((r = check_bytes(rec, len)) < 0)
		return r;
	m->type = P2P_ENTRY;
	r = get_user(f, split(rec, len, f, MAXFIELDS), m);
	return r < 0 ? r : 1;
}

int
proto_format(char *buf, size_t size, const struct p2p_msg *m)
{
	char ep[P2P_EPSTR_MAX], ep2[P2P_EPSTR_MAX + 2 * P2P_KEY_LEN + 2] = "";
	int n = -1;

	if (m->type == P2P_LOGIN || m->type == P2P_LOGOUT || m->type == P2P_ENTRY) {
		if (proto_format_ep(ep, sizeof(ep), &m->ep) < 0)
			return -1;
		ep2[0] = ',';
		if (m->ep2.family == 0)
			ep2[0] = '\0';
		else if (proto_format_ep(ep2 + 1, P2P_EPSTR_MAX, &m->ep2) < 0)
			return -1;
		if (m->haskey && m->type != P2P_LOGOUT) {
			n = (int)strlen(ep2);
			ep2[n] = ',';
			proto_format_key(m->key, ep2 + n + 1);
		}
	}
	switch (m->type) {
	case P2P_LOGIN:
		n = fmt(buf, size, "login,%s,%s%s", m->name, ep, ep2);
		break;
	case P2P_LOGOUT:
		n = fmt(buf, size, "logout,%s,%s%s", m->name, ep, ep2);
		break;
	case P2P_ENTRY:
		n = fmt(buf, size, "%s,%s%s", m->name, ep, ep2);
		break;
	case P2P_ACCEPT:
		n = fmt(buf, size, "Accept,%u,%s%s", (unsigned)m->port, m->token, m->relay ? ",relay" : "");
		break;
	case P2P_REJECT:
		n = fmt(buf, size, "Reject,%s", m->reason);
		break;
	case P2P_HELLO:
		n = fmt(buf, size, "hello,%s,%s", m->name, m->token);
		break;
	case P2P_PING:
		n = fmt(buf, size, "ping,%s", m->name);
		break;
	case P2P_PONG:
		n = fmt(buf, size, "pong");
		break;
	case P2P_PUNCH:
		n = fmt(buf, size, "punch,%s", m->name);
		break;
	case P2P_PROBE:
	case P2P_PROBED:
		n = fmt(buf, size, "%s,%s,%08lx", m->type == P2P_PROBE ? "probe" : "probed",
		    m->name, (unsigned long)m->sid);
		break;
	case P2P_ACK:
		n = fmt(buf, size, "ack,%s,%08lx,%lu,%lu", m->name, (unsigned long)m->sid,
		    (unsigned long)m->cum, (unsigned long)m->seq);
		break;
	case P2P_MSG:
	case P2P_RELAY:
		if (m->type == P2P_RELAY)
			n = fmt(buf, size, "relay,%s,", m->name);
		else
			n = fmt(buf, size, "%s,%s,%08lx,%lu,%lu,", m->more ? "part" : "msg", m->name,
			    (unsigned long)m->sid, (unsigned long)m->seq, (unsigned long)m->first);
		if (n < 0 || (size_t)n + m->textlen >= size)
			return -1;
		memcpy(buf + n, m->text, m->textlen);
		n += (int)m->textlen;
		buf[n] = '\0';
		return n;
	}
	return n < 0 || (size_t)n >= size ? -1 : n;
}

size_t
proto_escape(const char *in, size_t len, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	char piece[12];
	size_t i = 0, at, o = 0, plen;
	uint32_t c;

	if (size == 0)
		return 0;
	while (i < len) {
		at = i;
		if (utf8_next(s, len, &i, &c) == -1) {
			fmt(piece, sizeof(piece), "\\x%02x", s[at]);
			i = at + 1;
		} else if (c < 0x20 || c == 0x7f) {
			fmt(piece, sizeof(piece), "\\x%02x", (unsigned)c);
		} else if ((c >= 0x80 && c <= 0x9f) || is_bidi(c)) {
			fmt(piece, sizeof(piece), "\\u%04x", (unsigned)c);
		} else {
			piece[0] = '\0';
		}
		plen = piece[0] ? strlen(piece) : i - at;
		if (o + plen >= size)
			break;
		memcpy(out + o, piece[0] ? piece : in + at, plen);
		o += plen;
	}
	out[o] = '\0';
	return o;
}
