/*
 * unit_term.c: keys decoded from what a terminal sends; included by unit.c.
 */

/* Decode all of in as a terminal would send it at once: the keys, as
 * letters (t for text, with the text in text), in got. */
static void
keys_of(const char *in, size_t len, char *got, char *text)
{
	static const char names[] = "?tEbdlrheudLRkuw"; /* by enum edit_key */
	size_t n, tl, k = 0;
	int key;

	*text = '\0';
	while (len > 0 && k < 60 && (n = term_key(in, len, 1, &key, &tl)) > 0) {
		if (key == EK_TEXT)
			strncat(text, in, tl);
		got[k++] = key < (int)sizeof(names) - 1 ? names[key] : key == TK_NONE ? '-' :
		    key == TK_TAB ? 'T' : key == TK_PASTE_BEGIN ? '[' : key == TK_PASTE_END ? ']' :
		    key == TK_INTR ? 'C' : key == TK_SUSPEND ? 'Z' : '*';
		in += n;
		len -= n;
	}
	got[k] = '\0';
}

static void
keys_are(const char *in, const char *want, const char *wtext, const char *what)
{
	char got[64], text[64], detail[200];

	keys_of(in, strlen(in), got, text);
	snprintf(detail, sizeof(detail), "keys \"%s\" text \"%s\", want \"%s\" \"%s\"", got, text, want, wtext);
	check(strcmp(got, want) == 0 && strcmp(text, wtext) == 0, what, detail);
}

static void
test_term_keys(void)
{
	size_t tl;
	int key;

	keys_are("abc\x1b[D\x1b[DX", "tllt", "abcX", "keys: arrows are keys, never text");
	keys_are("\x1b[A\x1b[B\x1bOH\x1bOF\x1b[1~\x1b[4~\x1b[3~", "udhehed", "",
	    "keys: Up, Down, Home and End both ways, Delete");
	keys_are("\x01\x05\x02\x06\x0b\x15\x17\x7f\x08\r\t\x03\x1a", "helrkuwbbETCZ", "",
	    "keys: Ctrl-A E B F K U W, Backspace both ways, Enter, Tab, Ctrl-C, Ctrl-Z");
	keys_are("\x1b" "b\x1b" "f\x1b[1;5D\x1b[1;5C\x1b\x7f", "LRLRw", "", "keys: Alt-B, Alt-F, Ctrl-arrows, Alt-Backspace");
	keys_are("\x1b[200~a\nb\x1b[201~", "[tEt]", "ab", "keys: a bracketed paste is marked at both ends");
	keys_are("\x1b[15;2~\x1b[?1;2c\x1bZ\x07x", "---" "-t", "x", "keys: sequences not known are dropped whole");
	keys_are("你好\xe4\xb8", "t-", "你好", "keys: a character cut short at the end is dropped when no more comes");
	keys_are("\xff\xc3\x28\xc2\x85z", "--t-t", "(z", "keys: bytes that are not UTF-8, and C1 controls, are dropped");
	check(term_key("\xe4\xb8", 2, 0, &key, &tl) == 0, "keys: a character cut short waits for its end", NULL);
	check(term_key("\x1b", 1, 0, &key, &tl) == 0 && term_key("\x1b[1", 3, 0, &key, &tl) == 0,
	    "keys: an escape sequence cut short waits for its end", NULL);
	check(term_key("\x1b", 1, 1, &key, &tl) == 1 && key == TK_ESC, "keys: a lone Escape is a key of its own", NULL);
}

static void
wrap_is(const char *s, int cols, const char *want, const char *what)
{
	char got[256] = "", detail[300];
	size_t len = strlen(s), n, next;

	while (len > 0) {
		n = term_wrap(s, len, cols, &next);
		strncat(got, s, n);
		strcat(got, "|");
		s += next;
		len -= next;
	}
	snprintf(detail, sizeof(detail), "got \"%s\", want \"%s\"", got, want);
	check(strcmp(got, want) == 0, what, detail);
}

static void
test_term_wrap(void)
{
	wrap_is("the quick brown fox", 10, "the quick|brown fox|", "wrap: at the last space that fits");
	wrap_is("abcdefghijklmnop", 6, "abcdef|ghijkl|mnop|", "wrap: a word longer than a row is cut");
	wrap_is("你好世界你好", 5, "你好|世界|你好|", "wrap: a wide character never straddles two rows");
	wrap_is("short", 80, "short|", "wrap: a line that fits is one row");
}
