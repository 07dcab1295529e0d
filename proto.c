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
#include "utf8.h"

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
	return (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x061c ||
	    c == 0x200e || c == 0x200f;
}

/* Code points that take no room on screen: zero-width and invisible
 * format characters, Hangul fillers, the tag block. */
static int
is_unseen(uint32_t c)
{
	return c == 0xad || c == 0x34f || c == 0x115f || c == 0x1160 || c == 0x180e ||
	    (c >= 0x200b && c <= 0x200d) || (c >= 0x2060 && c <= 0x2064) || c == 0x3164 ||
	    c == 0xfeff || c == 0xffa0 || (c >= 0xe0000 && c <= 0xe007f);
}

static int
is_emoji(uint32_t c)
{
	return (c >= 0x2600 && c <= 0x27bf) || (c >= 0x1f000 && c <= 0x1faff);
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
		if (!utf8_in(name_chars, sizeof(name_chars) / sizeof(name_chars[0]), c) &&
		    !deva_sign_ok(prev, c))
			return 0;
		prev = c;
	}
	return 1;
}

/*
 * Look-alikes, from Unicode's confusables.txt (UTS #39) for Latin, Greek
 * and Cyrillic, and for the letters of the other scripts above that look
 * like one of theirs: each letter a name may hold that looks like another
 * goes to one representative, before case is folded (capital I looks like
 * l, its small i does not).  confusables.txt works on decomposed text;
 * names hold no combining marks, so its mappings of marks are applied here
 * to the precomposed letters (Greek tonos is the acute, the caron looks
 * like the breve, the cedilla like the comma below).  Because names are
 * the same whatever their case, I (like l) and i (its small letter) are
 * one letter: so are l, 1 and every i.  "rn", which looks like "m", is
 * joined in proto_name_skeleton.  Sorted by the first column.
 */
static const uint16_t lookalike[][2] = {
	{ 0x0030, 'O' },    /* 0 */
	{ 0x0031, 'l' },    /* 1 */
	{ 0x0049, 'l' },    /* I */
	{ 0x0069, 'l' },    /* i: see above */
	{ 0x00cd, 0x013a }, /* Í, like Ĺ */
	{ 0x00d0, 0x0110 }, /* Ð, like Đ */
	{ 0x00ed, 0x013a }, /* í */
	{ 0x0131, 'l' },    /* ı */
	{ 0x015e, 0x0218 }, /* Ş Ș: cedilla, comma below */
	{ 0x015f, 0x0219 }, /* ş ș */
	{ 0x0162, 0x021a }, /* Ţ Ț */
	{ 0x0163, 0x021b }, /* ţ ț */
	{ 0x0189, 0x0110 }, /* Ɖ Đ */
	{ 0x01b7, '3' },    /* Ʒ */
	{ 0x01cd, 0x0102 }, /* Ǎ Ă: caron, breve */
	{ 0x01ce, 0x0103 }, /* ǎ ă */
	{ 0x01cf, 0x012c }, /* Ǐ Ĭ */
	{ 0x01d0, 0x012d }, /* ǐ ĭ */
	{ 0x01d1, 0x014e }, /* Ǒ Ŏ */
	{ 0x01d2, 0x014f }, /* ǒ ŏ */
	{ 0x01d3, 0x016c }, /* Ǔ Ŭ */
	{ 0x01d4, 0x016d }, /* ǔ ŭ */
	{ 0x01dd, 0x0259 }, /* ǝ ə */
	{ 0x01e6, 0x011e }, /* Ǧ Ğ */
	{ 0x01e7, 0x011f }, /* ǧ ğ */
	{ 0x0263, 'y' },    /* ɣ */
	{ 0x028b, 'u' },    /* ʋ */
	{ 0x0386, 0x00c1 }, /* Ά Á */
	{ 0x0388, 0x00c9 }, /* Έ É */
	{ 0x038a, 0x013a }, /* Ί ĺ */
	{ 0x038c, 0x00d3 }, /* Ό Ó */
	{ 0x038e, 0x00dd }, /* Ύ Ý */
	{ 0x0390, 0x1e2f }, /* ΐ ḯ */
	{ 0x0391, 'A' },    /* Greek capitals */
	{ 0x0392, 'B' },
	{ 0x0395, 'E' },
	{ 0x0396, 'Z' },
	{ 0x0397, 'H' },
	{ 0x0399, 'l' },
	{ 0x039a, 'K' },
	{ 0x039c, 'M' },
	{ 0x039d, 'N' },
	{ 0x039f, 'O' },
	{ 0x03a1, 'P' },
	{ 0x03a4, 'T' },
	{ 0x03a5, 'Y' },
	{ 0x03a7, 'X' },
	{ 0x03aa, 0x00cf }, /* Ϊ Ï */
	{ 0x03ab, 0x0178 }, /* Ϋ Ÿ */
	{ 0x03ac, 0x00e1 }, /* ά á */
	{ 0x03af, 0x013a }, /* ί ĺ */
	{ 0x03b0, 0x01d8 }, /* ΰ ǘ */
	{ 0x03b1, 'a' },    /* Greek small letters */
	{ 0x03b2, 0x00df }, /* β ß */
	{ 0x03b3, 'y' },
	{ 0x03b5, 0x025b }, /* ε ɛ */
	{ 0x03b9, 'l' },
	{ 0x03ba, 0x0138 }, /* κ ĸ */
	{ 0x03bd, 'v' },
	{ 0x03bf, 'o' },
	{ 0x03c1, 'p' },
	{ 0x03c3, 'o' },    /* σ */
	{ 0x03c5, 'u' },
	{ 0x03ca, 0x00ef }, /* ϊ ï */
	{ 0x03cb, 0x00fc }, /* ϋ ü */
	{ 0x03cc, 0x00f3 }, /* ό ó */
	{ 0x03cd, 0x00fa }, /* ύ ú */
	{ 0x0400, 0x00c8 }, /* Ѐ È */
	{ 0x0401, 0x00cb }, /* Ё Ë */
	{ 0x0405, 'S' },
	{ 0x0406, 'l' },    /* І */
	{ 0x0407, 0x00cf }, /* Ї Ï */
	{ 0x0408, 'J' },
	{ 0x040c, 0x1e30 }, /* Ќ Ḱ */
	{ 0x0410, 'A' },    /* Cyrillic capitals */
	{ 0x0412, 'B' },
	{ 0x0413, 0x0393 }, /* Г Γ */
	{ 0x0415, 'E' },
	{ 0x0417, '3' },
	{ 0x041a, 'K' },
	{ 0x041c, 'M' },
	{ 0x041d, 'H' },
	{ 0x041e, 'O' },
	{ 0x041f, 0x03a0 }, /* П Π */
	{ 0x0420, 'P' },
	{ 0x0421, 'C' },
	{ 0x0422, 'T' },
	{ 0x0423, 'Y' },
	{ 0x0424, 0x03a6 }, /* Ф Φ */
	{ 0x0425, 'X' },
	{ 0x042c, 'b' },    /* Ь */
	{ 0x0430, 'a' },    /* Cyrillic small letters */
	{ 0x0431, '6' },
	{ 0x0433, 'r' },
	{ 0x0435, 'e' },
	{ 0x043a, 0x0138 }, /* к ĸ */
	{ 0x043e, 'o' },
	{ 0x043f, 0x03c0 }, /* п π */
	{ 0x0440, 'p' },
	{ 0x0441, 'c' },
	{ 0x0442, 0x03c4 }, /* т τ */
	{ 0x0443, 'y' },
	{ 0x0444, 0x03c6 }, /* ф φ */
	{ 0x0445, 'x' },
	{ 0x0450, 0x00e8 }, /* ѐ è */
	{ 0x0451, 0x00eb }, /* ё ë */
	{ 0x0455, 's' },
	{ 0x0456, 'l' },    /* і */
	{ 0x0457, 0x00ef }, /* ї ï */
	{ 0x0458, 'j' },
	{ 0x045b, 0x0127 }, /* ћ ħ */
	{ 0x04aa, 0x00c7 }, /* Ҫ Ç */
	{ 0x04ab, 0x00e7 }, /* ҫ ç */
	{ 0x04ae, 'Y' },    /* Ү */
	{ 0x04af, 'y' },    /* ү */
	{ 0x04bb, 'h' },    /* һ */
	{ 0x04bd, 'e' },    /* ҽ */
	{ 0x04c0, 'l' },    /* Ӏ */
	{ 0x04cf, 'l' },    /* ӏ */
	{ 0x04d0, 0x0102 }, /* Ӑ Ă */
	{ 0x04d1, 0x0103 }, /* ӑ ă */
	{ 0x04d2, 0x00c4 }, /* Ӓ Ä */
	{ 0x04d3, 0x00e4 }, /* ӓ ä */
	{ 0x04d4, 0x00c6 }, /* Ӕ Æ */
	{ 0x04d5, 0x00e6 }, /* ӕ æ */
	{ 0x04d6, 0x0114 }, /* Ӗ Ĕ */
	{ 0x04d7, 0x0115 }, /* ӗ ĕ */
	{ 0x04d8, 0x018f }, /* Ә Ə */
	{ 0x04d9, 0x0259 }, /* ә ə */
	{ 0x04e0, '3' },    /* Ӡ */
	{ 0x04e1, 0x0292 }, /* ӡ ʒ */
	{ 0x04e6, 0x00d6 }, /* Ӧ Ö */
	{ 0x04e7, 0x00f6 }, /* ӧ ö */
	{ 0x04e8, 0x019f }, /* Ө Ɵ */
	{ 0x04e9, 0x0275 }, /* ө ɵ */
	{ 0x04ee, 0x0232 }, /* Ӯ Ȳ */
	{ 0x04ef, 0x0233 }, /* ӯ ȳ */
	{ 0x04f0, 0x0178 }, /* Ӱ Ÿ */
	{ 0x04f1, 0x00ff }, /* ӱ ÿ */
	{ 0x0501, 'd' },    /* ԁ */
	{ 0x050c, 'G' },    /* Ԍ */
	{ 0x0510, 0x0190 }, /* Ԑ Ɛ */
	{ 0x0511, 0x025b }, /* ԑ ɛ */
	{ 0x051a, 'Q' },    /* Ԛ */
	{ 0x051b, 'q' },    /* ԛ */
	{ 0x051c, 'W' },    /* Ԝ */
	{ 0x051d, 'w' },    /* ԝ */
	{ 0x05d5, 'l' },    /* Hebrew vav */
	{ 0x05d8, 'v' },    /* tet */
	{ 0x05df, 'l' },    /* final nun */
	{ 0x05e1, 'o' },    /* samekh */
	{ 0x0627, 'l' },    /* Arabic alef */
	{ 0x0643, 0x06a9 }, /* kaf, keheh */
	{ 0x0647, 'o' },    /* heh */
	{ 0x0649, 0x06cc }, /* alef maksura, Farsi yeh */
	{ 0x064a, 0x06cc }, /* yeh, Farsi yeh */
	{ 0x06d5, 'o' },    /* ae, like heh */
	{ 0x1eca, 0x1e37 }, /* Ị ḷ */
	{ 0x1ecb, 0x1e37 }, /* ị ḷ */
	{ 0x30a8, 0x5de5 }, /* katakana e, 工 */
	{ 0x30aa, 0x624d }, /* o, 才 */
	{ 0x30ab, 0x529b }, /* ka, 力 */
	{ 0x30bf, 0x5915 }, /* ta, 夕 */
	{ 0x30c8, 0x535c }, /* to, 卜 */
	{ 0x30cb, 0x4e8c }, /* ni, 二 */
	{ 0x30ce, 0x4e3f }, /* no, 丿 */
	{ 0x30cf, 0x516b }, /* ha, 八 */
	{ 0x30d2, 0x5315 }, /* hi, 匕 */
	{ 0x30d8, 0x3078 }, /* katakana he, hiragana he */
	{ 0x30d9, 0x3079 }, /* be */
	{ 0x30da, 0x307a }, /* pe */
	{ 0x30e0, 0x53b6 }, /* mu, 厶 */
	{ 0x30ed, 0x53e3 }, /* ro, 口 */
	{ 0x30fc, 0x4e00 }  /* the long vowel mark, 一 */
};

/*
 * Simple case folding (Unicode's CaseFolding.txt, status C and S) for the
 * letters names may hold and the representatives above, as runs: from lo
 * to hi, every code point (step 1) or every other one (step 2, the rest
 * having no case) adds delta.  Code points names may not hold are folded
 * only as far as the runs happen to cover them.
 */
static const struct {
	uint16_t lo, hi;
	int16_t delta;
	uint16_t step;
} folds[] = {
	{ 0x0041, 0x005a, 32, 1 },    /* A-Z */
	{ 0x00c0, 0x00de, 32, 1 },    /* Latin-1 */
	{ 0x0100, 0x012e, 1, 2 },     /* Latin Extended-A */
	{ 0x0134, 0x0136, 1, 2 },
	{ 0x0139, 0x0147, 1, 2 },
	{ 0x014a, 0x0176, 1, 2 },
	{ 0x0178, 0x0178, -121, 1 },  /* Ÿ ÿ */
	{ 0x0179, 0x017d, 1, 2 },
	{ 0x0181, 0x0181, 210, 1 },   /* Latin Extended-B to IPA and back */
	{ 0x0186, 0x0186, 206, 1 },
	{ 0x0189, 0x018a, 205, 1 },
	{ 0x018e, 0x018e, 79, 1 },
	{ 0x018f, 0x018f, 202, 1 },
	{ 0x0190, 0x0190, 203, 1 },
	{ 0x0191, 0x0191, 1, 1 },
	{ 0x0194, 0x0194, 207, 1 },
	{ 0x0198, 0x0198, 1, 1 },
	{ 0x019d, 0x019d, 213, 1 },
	{ 0x019f, 0x019f, 214, 1 },
	{ 0x01a0, 0x01a0, 1, 1 },
	{ 0x01af, 0x01af, 1, 1 },
	{ 0x01b2, 0x01b2, 217, 1 },
	{ 0x01b3, 0x01b3, 1, 1 },
	{ 0x01b7, 0x01b7, 219, 1 },
	{ 0x01cd, 0x01db, 1, 2 },
	{ 0x01de, 0x01ee, 1, 2 },
	{ 0x01f4, 0x0232, 1, 2 },
	{ 0x0386, 0x0386, 38, 1 },    /* Greek */
	{ 0x0388, 0x038a, 37, 1 },
	{ 0x038c, 0x038c, 64, 1 },
	{ 0x038e, 0x038f, 63, 1 },
	{ 0x0391, 0x03ab, 32, 1 },
	{ 0x03c2, 0x03c2, 1, 1 },     /* final sigma */
	{ 0x0400, 0x040f, 80, 1 },    /* Cyrillic */
	{ 0x0410, 0x042f, 32, 1 },
	{ 0x048a, 0x04be, 1, 2 },
	{ 0x04c0, 0x04c0, 15, 1 },
	{ 0x04c1, 0x04cd, 1, 2 },
	{ 0x04d0, 0x052e, 1, 2 },
	{ 0x1e00, 0x1e94, 1, 2 },     /* Latin Extended Additional */
	{ 0x1e9e, 0x1e9e, -7615, 1 }, /* ẞ ß */
	{ 0x1ea0, 0x1ef8, 1, 2 }
};

static uint32_t
unlookalike(uint32_t c)
{
	size_t lo = 0, hi = sizeof(lookalike) / sizeof(lookalike[0]), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c < lookalike[mid][0])
			hi = mid;
		else if (c > lookalike[mid][0])
			lo = mid + 1;
		else
			return lookalike[mid][1];
	}
	return c;
}

static uint32_t
fold(uint32_t c)
{
	size_t k;

	for (k = 0; k < sizeof(folds) / sizeof(folds[0]) && c >= folds[k].lo; k++)
		if (c <= folds[k].hi && (c - folds[k].lo) % folds[k].step == 0)
			return (uint32_t)((int32_t)c + folds[k].delta);
	return c;
}

size_t
proto_name_skeleton(const char *name, size_t len, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)name;
	unsigned char u8[4];
	size_t i = 0, at, o = 0, n;
	uint32_t c;

	if (size == 0)
		return 0;
	while (i < len) {
		at = i;
		if (utf8_next(s, len, &i, &c) == -1) {
			/* not UTF-8 (no name): a stray byte stands for itself */
			u8[0] = s[at];
			n = 1;
			i = at + 1;
		} else if ((c = fold(unlookalike(c))) == 'n' && o > 0 && out[o - 1] == 'r') {
			out[o - 1] = 'm';
			continue;
		} else {
			n = utf8_put(c, u8);
		}
		if (o + n >= size) {
			out[o] = '\0';
			return size;
		}
		memcpy(out + o, u8, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

int
proto_name_eq(const char *a, const char *b, size_t blen)
{
	char sa[P2P_SKEL_MAX + 1], sb[P2P_SKEL_MAX + 1];
	size_t alen = strlen(a), na = sizeof(sa), nb = sizeof(sb);

	if (alen <= P2P_NAME_MAX && blen <= P2P_NAME_MAX) {
		na = proto_name_skeleton(a, alen, sa, sizeof(sa));
		nb = proto_name_skeleton(b, blen, sb, sizeof(sb));
	}
	if (na == sizeof(sa) || nb == sizeof(sb)) /* no names: their bytes */
		return alen == blen && memcmp(a, b, blen) == 0;
	return na == nb && memcmp(sa, sb, na) == 0;
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

/* The IPv4 address of ep, plain or mapped into IPv6, in *a: 1, or 0 if none. */
static int
v4_of(const struct p2p_ep *ep, const unsigned char **a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (ep->family == AF_INET)
		*a = ep->addr;
	else if (ep->family == AF_INET6 && memcmp(ep->addr, mapped, 12) == 0)
		*a = ep->addr + 12;
	else
		return 0;
	return 1;
}

int
proto_ep_loopback(const struct p2p_ep *ep)
{
	static const unsigned char one[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const unsigned char *a;

	if (v4_of(ep, &a))
		return a[0] == 127;
	return ep->family == AF_INET6 && memcmp(ep->addr, one, 16) == 0;
}

int
proto_ep_usable(const struct p2p_ep *ep, int loopback_ok)
{
	static const unsigned char zero[16];
	const unsigned char *a;

	if (ep->port == 0 || (proto_ep_loopback(ep) && !loopback_ok))
		return 0;
	if (v4_of(ep, &a)) /* 0/8 unspecified, 224/4 multicast, 240/4 reserved and broadcast */
		return a[0] != 0 && a[0] < 224;
	return ep->family == AF_INET6 && memcmp(ep->addr, zero, 16) != 0 && ep->addr[0] != 0xff;
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
	if (is(&f[0], "kicked")) {
		m->type = P2P_KICKED;
		return n < 2 || parse_num(f[1].s, f[1].len, UINT32_MAX, &m->secs) == -1 ? -P2P_EFIELDS : 0;
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
	case P2P_KICKED:
		n = fmt(buf, size, "kicked,%lu", (unsigned long)m->secs);
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
	size_t i = 0, at, o = 0, plen, k;
	uint32_t c, prev = 0, next;

	if (size == 0)
		return 0;
	while (i < len) {
		at = i;
		if (utf8_next(s, len, &i, &c) == -1) {
			fmt(piece, sizeof(piece), "\\x%02x", s[at]);
			i = at + 1;
			c = 0;
		} else if (c < 0x20 || c == 0x7f) {
			fmt(piece, sizeof(piece), "\\x%02x", (unsigned)c);
		} else if ((c >= 0x80 && c <= 0x9f) || is_bidi(c) ||
		    /* a zero width joiner is kept only inside an emoji sequence */
		    (is_unseen(c) && !(c == 0x200d && is_emoji(prev) && (k = i) < len &&
		    utf8_next(s, len, &k, &next) == 0 && is_emoji(next)))) {
			fmt(piece, sizeof(piece), "\\u%04x", (unsigned)c);
		} else {
			piece[0] = '\0';
		}
		plen = piece[0] ? strlen(piece) : i - at;
		if (o + plen >= size)
			break;
		memcpy(out + o, piece[0] ? piece : in + at, plen);
		o += plen;
		prev = c;
	}
	out[o] = '\0';
	return o;
}
