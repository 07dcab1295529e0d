/*
 * unit_names.c: the name rule (letters of the scripts people write names
 * in, nothing invisible or combining); included by unit.c.
 */

struct name_case {
	const char *name;
	const char *what;
};

static void
test_name_rule(void)
{
	static const struct name_case good[] = {
		{ "alice", "ASCII" },
		{ "bob-2.x_y", "ASCII digits, - . _" },
		{ "Zoë", "Latin-1 letter" },
		{ "Łukasz", "Latin Extended-A" },
		{ "Ștefan", "Romanian comma below" },
		{ "Lǚ", "pinyin tone letter" },
		{ "Nguyễn", "Vietnamese" },
		{ "Ɛsi_Əli", "African and Azerbaijani letters" },
		{ "Αλέξης", "Greek" },
		{ "Дмитрий", "Cyrillic" },
		{ "Қазақ", "Cyrillic of Kazakh" },
		{ "中文", "CJK ideographs" },
		{ "佐々木", "CJK with the iteration mark" },
		{ "𠀋", "CJK Extension B" },
		{ "かな", "hiragana" },
		{ "カタカナ", "katakana" },
		{ "ルーシー", "katakana with the long vowel mark" },
		{ "한글", "Hangul syllables" },
		{ "العربية", "Arabic" },
		{ "فارسی", "Persian" },
		{ "עברית", "Hebrew" },
		{ "राम", "Devanagari with a vowel sign" },
		{ "देवनागरी", "Devanagari, several vowel signs" },
		{ "हिंदी", "Devanagari, vowel sign then anusvara" },
		{ "श्री", "Devanagari conjunct (virama)" },
		{ "फ़ैज़", "Devanagari with nukta" },
		{ "अंकित", "Devanagari anusvara on an independent vowel" },
		{ "दुःख", "Devanagari visarga" },
	};
	static const struct name_case bad[] = {
		{ "b\xd8\x9c" "ob", "U+061C arabic letter mark" },
		{ "bob\xf3\xa0\x81\xa2", "a tag character (U+E0062)" },
		{ "bob\xf3\xa0\x81\xbf", "the cancel tag U+E007F" },
		{ "bo\xe2\x80\xaf" "b", "U+202F narrow no-break space" },
		{ "\xe1\x85\x9f" "bob", "U+115F Hangul choseong filler" },
		{ "bob\xe1\x85\xa0", "U+1160 Hangul jungseong filler" },
		{ "bob\xe3\x85\xa4", "U+3164 Hangul filler" },
		{ "bob\xef\xbe\xa0", "U+FFA0 halfwidth Hangul filler" },
		{ "bob\xe2\xa0\x80", "U+2800 braille blank" },
		{ "bo\xcd\x8f" "b", "U+034F combining grapheme joiner" },
		{ "bo\xcc\x81" "b", "a combining acute on Latin" },
		{ "\xcc\x81" "bob", "a combining mark first" },
		{ "bob\xef\xb8\x8f", "variation selector 16" },
		{ "bob\xf3\xa0\x84\x80", "variation selector 17 (U+E0100)" },
		{ "bob\xcd\xb8", "unassigned U+0378" },
		{ "bob\xf0\xaf\xbf\xbf", "unassigned U+2FFFF" },
		{ "bob\xf4\x8f\xbf\xbf", "noncharacter U+10FFFF" },
		{ "bob\xee\x80\x80", "private use U+E000" },
		{ "b\xe2\x80\x8b" "ob", "U+200B zero width space" },
		{ "b\xe2\x80\x8c" "ob", "U+200C zero width non-joiner" },
		{ "b\xe2\x80\x8d" "ob", "U+200D zero width joiner" },
		{ "bob\xe2\x81\xa0", "U+2060 word joiner" },
		{ "bob\xc2\xad", "U+00AD soft hyphen" },
		{ "\xef\xbb\xbf" "bob", "U+FEFF byte order mark" },
		{ "bob\xe1\xa0\x8e", "U+180E Mongolian vowel separator" },
		{ "bob\xe3\x80\x80", "U+3000 ideographic space" },
		{ "bob 1", "a space" },
		{ "bob!", "ASCII punctuation other than - . _" },
		{ "bob@home", "@" },
		{ "bob\xf0\x9f\x98\x80", "an emoji" },
		{ "bob\xe2\x84\xa2", "a symbol (trade mark)" },
		{ "b\xc2\xb2", "a superscript digit" },
		{ "\xc2\xaa", "an ordinal indicator" },
		{ "\xef\xbd\x82\xef\xbd\x8f\xef\xbd\x82", "fullwidth Latin" },
		{ "\xf0\x9d\x90\x9b\xf0\x9d\x90\xa8\xf0\x9d\x90\x9b", "mathematical bold Latin" },
		{ "\xc4\xb3", "the ligature ĳ" },
		{ "\xc7\x86", "the digraph ǆ" },
		{ "\xc5\xbf" "bob", "long s" },
		{ "bob\xc7\x83", "a click letter that looks like !" },
		{ "\xc6\xa7", "a tone letter that looks like 2" },
		{ "\xef\xa4\x80", "a CJK compatibility ideograph" },
		{ "\xe1\x84\x80", "a Hangul jamo" },
		{ "\xef\xbd\xb6", "halfwidth katakana" },
		{ "\xe3\x82\xb8\xe3\x83\xa7\xe3\x83\xb3\xe3\x83\xbb\xe3\x82\xb9", "the katakana middle dot" },
		{ "\xd8\xa8\xd9\x80\xd9\x88\xd8\xa8", "the Arabic tatweel" },
		{ "\xd8\xb9\xd9\x84\xd9\x8a\xd9\xa3", "an Arabic-Indic digit" },
		{ "\xd8\xa8\xd9\x8e", "an Arabic vowel mark" },
		{ "\xd7\xa9\xd6\xb8", "a Hebrew point" },
		{ "\xe0\xa4\xbe", "a lone Devanagari vowel sign" },
		{ "\xe0\xa4\x82" "bob", "a Devanagari anusvara first" },
		{ "b\xe0\xa5\x8d", "a virama on a Latin letter" },
		{ "\xe0\xa4\xb0\xe0\xa4\xbe\xe0\xa4\xbe", "the same Devanagari sign twice" },
		{ "\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa5\x8d", "two viramas" },
		{ "\xe0\xa4\x85\xe0\xa4\xbe", "a vowel sign on an independent vowel (looks like आ)" },
		{ "\xe0\xa4\x95\xe0\xa4\xbe\xe0\xa5\x87", "two vowel signs" },
		{ "\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\x82", "an anusvara after the virama" },
		{ "\xe0\xa4\xa8\xe0\xa4\xbc", "a nukta on न (ऩ is a letter)" },
		{ "\xe0\xa5\x98", "क़ as one code point (NFC writes क and the nukta)" },
		{ "\xe0\xa5\xa6", "a Devanagari digit" },
		{ "\xe0\xa5\x90", "om" },
	};
	char what[120];
	size_t k;

	for (k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		snprintf(what, sizeof(what), "name allowed: %s", good[k].what);
		check(proto_valid_name(good[k].name, strlen(good[k].name)), what, good[k].name);
	}
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		snprintf(what, sizeof(what), "name refused: %s", bad[k].what);
		check(!proto_valid_name(bad[k].name, strlen(bad[k].name)), what, NULL);
	}
}

/* Encode c as UTF-8 into buf: the length. */
static size_t
utf8_of(uint32_t c, char *buf)
{
	if (c < 0x80) {
		buf[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		buf[0] = (char)(0xc0 | c >> 6);
		buf[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		buf[0] = (char)(0xe0 | c >> 12);
		buf[1] = (char)(0x80 | (c >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | c >> 18);
	buf[1] = (char)(0x80 | (c >> 12 & 0x3f));
	buf[2] = (char)(0x80 | (c >> 6 & 0x3f));
	buf[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Over every code point: none of the classes that hide or join text, nor
 * any character outside the scripts of names, may be in a name, after a
 * letter or alone. */
static void
test_name_rule_everywhere(void)
{
	static const struct {
		uint32_t lo, hi;
		const char *what;
	} never[] = {
		{ 0x0000, 0x002c, "ASCII controls, blank and punctuation" },
		{ 0x007f, 0x00bf, "DEL, C1 controls, Latin-1 symbols" },
		{ 0x0300, 0x036f, "combining diacritical marks" },
		{ 0x0483, 0x0489, "Cyrillic combining marks" },
		{ 0x0591, 0x05c7, "Hebrew points and accents" },
		{ 0x0600, 0x061f, "Arabic signs, marks and punctuation" },
		{ 0x064b, 0x0670, "Arabic marks and digits" },
		{ 0x1100, 0x11ff, "Hangul jamo and fillers" },
		{ 0x1ab0, 0x1aff, "combining marks extended" },
		{ 0x1dc0, 0x1dff, "combining marks supplement" },
		{ 0x2000, 0x2bff, "spaces, format characters, symbols, braille" },
		{ 0x3000, 0x3004, "CJK blank and symbols" },
		{ 0x3099, 0x309c, "kana voicing marks" },
		{ 0x3130, 0x318f, "Hangul compatibility jamo and filler" },
		{ 0xd800, 0xdfff, "surrogates" },
		{ 0xe000, 0xf8ff, "private use" },
		{ 0xf900, 0xfaff, "CJK compatibility ideographs" },
		{ 0xfb00, 0xfffd, "presentation forms, variation selectors, fullwidth, specials" },
		{ 0x1f000, 0x1faff, "emoji" },
		{ 0xe0000, 0xe01ef, "tags and variation selectors supplement" },
		{ 0xf0000, 0x10ffff, "private use planes" },
	};
	char buf[8], what[120], count[16];
	size_t k, n;
	uint32_t c;
	int leaks;

	for (k = 0; k < sizeof(never) / sizeof(never[0]); k++) {
		leaks = 0;
		for (c = never[k].lo; c <= never[k].hi; c++) {
			buf[0] = 'b';
			n = 1 + utf8_of(c, buf + 1);
			if ((c < 0xd800 || c > 0xdfff) &&
			    (proto_valid_name(buf, n) || proto_valid_name(buf + 1, n - 1)))
				leaks++;
		}
		snprintf(what, sizeof(what), "no name holds U+%04lX-U+%04lX, %s",
		    (unsigned long)never[k].lo, (unsigned long)never[k].hi, never[k].what);
		snprintf(count, sizeof(count), "%d leak", leaks);
		check(leaks == 0, what, count);
	}
}

/* Two names and whether they are the same name. */
struct name_pair {
	const char *a, *b;
	int same;
	const char *what;
};

static void
test_skeleton(void)
{
	static const struct name_pair pairs[] = {
		{ "bob", "b\xd0\xbe" "b", 1, "Cyrillic o in bob" },
		{ "bob", "BOB", 1, "capitals" },
		{ "bob", "b0b", 1, "a zero for the o" },
		{ "bob", "b\xce\xbf" "b", 1, "Greek omicron in bob" },
		{ "bob", "\xd0\x92" "ob", 1, "Cyrillic capital Ve for B" },
		{ "bob", "b\xd7\xa1" "b", 1, "Hebrew samekh for o" },
		{ "bob", "b\xd9\x87" "b", 1, "Arabic heh for o" },
		{ "Al", "AI", 1, "capital I for small l" },
		{ "alice", "ALICE", 1, "capital I and small i are one letter" },
		{ "bill", "b1ll", 1, "a one for the i" },
		{ "rn", "m", 1, "rn looks like m" },
		{ "mike", "rnike", 1, "rn for the m of a name" },
		{ "corn", "com", 1, "rn at the end" },
		{ "Mary", "RNary", 1, "RN for M" },
		{ "paypal", "\xd1\x80\xd0\xb0\xd1\x83\xd1\x80\xd0\xb0l", 1, "Cyrillic р а у" },
		{ "hello", "\xd2\xbb\xd0\xb5ll\xd0\xbe", 1, "Cyrillic һ е о" },
		{ "Zo\xc3\xab", "Zo\xd1\x91", 1, "Cyrillic ё for ë" },
		{ "Zo\xc3\xab", "ZO\xc3\x8b", 1, "Latin-1 capitals" },
		{ "\xc8\x98tefan", "\xc5\x9etefan", 1, "cedilla for comma below" },
		{ "L\xc7\x8e", "L\xc4\x83", 1, "caron for breve" },
		{ "\xc3\x9f", "\xce\xb2", 1, "Greek beta for sharp s" },
		{ "\xc3\x9f", "\xe1\xba\x9e", 1, "capital sharp s" },
		{ "\xd0\x94\xd0\xb0\xd1\x88\xd0\xb0", "\xd0\x94\xd0\x90\xd0\xa8\xd0\x90", 1, "Cyrillic capitals" },
		{ "\xce\xa0\xce\xbf", "\xd0\x9f\xd0\xbe", 1, "Greek Π and Cyrillic П" },
		{ "\xce\xac", "\xc3\xa1", 1, "Greek tonos for the acute" },
		{ "\xe3\x83\xab\xe3\x83\xbc\xe3\x82\xb7\xe3\x83\xbc",
		    "\xe3\x83\xab\xe4\xb8\x80\xe3\x82\xb7\xe4\xb8\x80", 1, "CJK 一 for the long vowel mark" },
		{ "\xe3\x83\x98", "\xe3\x81\xb8", 1, "katakana and hiragana he" },
		{ "bob", "rob", 0, "bob and rob" },
		{ "bob", "bobb", 0, "one letter more" },
		{ "bob", "bo", 0, "one letter less" },
		{ "bob", "\xce\xb2" "ob", 0, "Greek beta does not look like b" },
		{ "bob", "b\xc3\xb6" "b", 0, "an umlaut" },
		{ "bob", "bob-", 0, "a hyphen" },
		{ "a-b", "a_b", 0, "hyphen and underscore" },
		{ "n", "v", 0, "n and v" },
		{ "\xe5\xbc\xa0\xe4\xb8\x89", "\xe6\x9d\x8e\xe5\x9b\x9b", 0, "two Chinese names" },
	};
	char what[120], skel[P2P_SKEL_MAX + 1], long1[60], long2[60];
	size_t k, n;

	for (k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
		snprintf(what, sizeof(what), "%s name: %s", pairs[k].same ? "the same" : "another",
		    pairs[k].what);
		check(proto_name_eq(pairs[k].a, pairs[k].b, strlen(pairs[k].b)) == pairs[k].same &&
		    proto_name_eq(pairs[k].b, pairs[k].a, strlen(pairs[k].a)) == pairs[k].same,
		    what, pairs[k].b);
	}
	n = proto_name_skeleton("B0B", 3, skel, sizeof(skel));
	check(n == 3 && strcmp(skel, "bob") == 0, "the skeleton of B0B is bob", skel);
	n = proto_name_skeleton("Ilya", 4, skel, sizeof(skel));
	check(n == 4 && strcmp(skel, "llya") == 0, "the skeleton of Ilya is llya", skel);
	check(proto_name_skeleton("bob", 3, skel, 3) == 3, "a skeleton that does not fit", NULL);
	check(proto_name_skeleton("ab\xff", 3, skel, sizeof(skel)) == 3 && memcmp(skel, "ab\xff", 4) == 0,
	    "a byte that is not UTF-8 stands for itself", NULL);
	memset(long1, 'a', sizeof(long1));
	memcpy(long2, long1, sizeof(long2));
	long1[40] = '\0';
	long2[0] = 'A'; /* the same name, were it one */
	check(!proto_name_eq(long1, long2, 40) && proto_name_eq(long1, long1, 40),
	    "strings longer than names compare by their bytes", NULL);
}

/* Over every code point a name may hold: its skeleton is at most 3/2 of
 * its bytes (P2P_SKEL_MAX), and the same for its case. */
static void
test_skeleton_everywhere(void)
{
	char buf[8], skel[P2P_SKEL_MAX + 1], up[P2P_SKEL_MAX + 1], count[40];
	size_t n, m;
	uint32_t c;
	int names = 0, long_skel = 0, ascii_case = 0;

	for (c = 1; c <= 0x10ffff; c++) {
		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		n = utf8_of(c, buf);
		if (!proto_valid_name(buf, n))
			continue;
		names++;
		m = proto_name_skeleton(buf, n, skel, sizeof(skel));
		if (2 * m > 3 * n)
			long_skel++;
	}
	snprintf(count, sizeof(count), "%d of %d", long_skel, names);
	check(names > 80000 && long_skel == 0, "no skeleton is longer than 3/2 of its name", count);
	for (c = 'a'; c <= 'z'; c++) {
		buf[0] = (char)c;
		proto_name_skeleton(buf, 1, skel, sizeof(skel));
		buf[0] = (char)(c - 'a' + 'A');
		proto_name_skeleton(buf, 1, up, sizeof(up));
		ascii_case += strcmp(skel, up) != 0;
	}
	check(ascii_case == 0, "every ASCII letter is the same as its capital", NULL);
}

/* The roster finds a user by any name the same as its own. */
static void
test_roster_lookalikes(void)
{
	static const char *const same[] = {
		"bob", "BOB", "b0b", "B0B", "b\xd0\xbe" "b", "\xd0\x92\xd0\x9e\xd0\x92", "b\xce\xbf" "b"
	};
	struct roster r;
	char name[16];
	int id, i, found = 0;
	size_t k;

	roster_init(&r, 2000);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		roster_add(&r, name, strlen(name));
	}
	id = roster_add(&r, "bob", 3);
	for (k = 0; k < sizeof(same) / sizeof(same[0]); k++)
		found += roster_find(&r, same[k], strlen(same[k])) == id;
	check(found == (int)(sizeof(same) / sizeof(same[0])), "roster_find finds look-alikes", NULL);
	check(roster_find(&r, "USER7", 5) == roster_find(&r, "user7", 5) && roster_find(&r, "user7", 5) != -1 &&
	    roster_find(&r, "rob", 3) == -1, "roster_find after growing", NULL);
	roster_free(&r);
}
