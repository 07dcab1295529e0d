/*
 * unit_edit.c: the line editor, keys in and line, cursor and view out, as
 * the terminal would drive it; included by unit.c.
 */

/* Type a string as EK_TEXT, one UTF-8 character at a time, as a terminal sends it. */
static void
type(struct edit *e, const char *s)
{
	size_t i = 0, at;
	uint32_t c;

	while (s[i]) {
		at = i;
		if (utf8_next((const unsigned char *)s, strlen(s), &i, &c) == -1)
			i = at + 1;
		edit_key(e, EK_TEXT, s + at, i - at);
	}
}

static void
keys(struct edit *e, int key, int times)
{
	while (times-- > 0)
		edit_key(e, key, NULL, 0);
}

static void
line_is(const struct edit *e, const char *want, size_t cur, const char *what)
{
	char detail[200];

	snprintf(detail, sizeof(detail), "line \"%.80s\" cursor %zu, want \"%.80s\" cursor %zu", e->buf, e->cur,
	    want, cur);
	check(strcmp(e->buf, want) == 0 && e->len == strlen(want) && e->cur == cur, what, detail);
}

static const char *const words[] = { "/msg", "/me", "/quit", "Carol", "carl", "bob", NULL };

static const char *
word_of(void *ctx, int i)
{
	(void)ctx;
	return words[i];
}

static void
test_edit_keys(void)
{
	struct edit e;
	size_t from, to;
	int col, r;

	edit_init(&e);
	type(&e, "你好世界");
	keys(&e, EK_BACKSPACE, 2);
	line_is(&e, "你好", 6, "editor: two Backspaces take two Chinese characters");
	edit_view(&e, 80, &from, &to, &col);
	check(col == 4 && from == 0 && to == 6, "editor: two wide characters put the cursor at column 4", NULL);
	type(&e, "世界");
	keys(&e, EK_LEFT, 2);
	type(&e, "X");
	line_is(&e, "你好X世界", 7, "editor: Left over wide characters, then text put in between");
	keys(&e, EK_RIGHT, 1);
	keys(&e, EK_DELETE, 1);
	line_is(&e, "你好X世", 10, "editor: Right and Delete by character");
	keys(&e, EK_HOME, 1);
	keys(&e, EK_KILL_END, 1);
	line_is(&e, "", 0, "editor: Home and Ctrl-K");

	type(&e, "cafe\xcc\x81!");
	keys(&e, EK_LEFT, 2);
	line_is(&e, "cafe\xcc\x81!", 3, "editor: Left steps over a letter and its combining mark together");
	keys(&e, EK_RIGHT, 1);
	keys(&e, EK_BACKSPACE, 1);
	line_is(&e, "caf!", 3, "editor: Backspace takes the letter with its mark");
	check(edit_width("e\xcc\x81", 3) == 1 && edit_width("\xf0\x9f\x98\x80", 4) == 2 &&
	    edit_width("abc", 3) == 3, "editor: widths: a combining mark 0, an emoji 2, ASCII 1", NULL);
	keys(&e, EK_END, 1);
	keys(&e, EK_KILL_START, 1);
	line_is(&e, "", 0, "editor: Ctrl-U");

	type(&e, "hello big  world");
	keys(&e, EK_KILL_WORD, 1);
	line_is(&e, "hello big  ", 11, "editor: Ctrl-W takes the word before the cursor");
	keys(&e, EK_KILL_WORD, 1);
	line_is(&e, "hello ", 6, "editor: Ctrl-W again takes the spaces and the word before them");
	type(&e, "big world");
	keys(&e, EK_WORD_LEFT, 2);
	line_is(&e, "hello big world", 6, "editor: Alt-B twice, to the start of the word before");
	keys(&e, EK_WORD_RIGHT, 1);
	line_is(&e, "hello big world", 9, "editor: Alt-F, to the end of the word");

	edit_key(&e, EK_TEXT, "a\x1b[Db\x07\x7f\xff\tc", 10);
	line_is(&e, "hello biga[Db c world", 15,
	    "editor: controls and bytes that are not UTF-8 never go in, a tab is a space");
	edit_free(&e);

	edit_init(&e);
	memset(e.buf, 'a', EDIT_MAX);
	e.buf[EDIT_MAX] = '\0';
	e.len = e.cur = EDIT_MAX - 1;
	r = edit_key(&e, EK_TEXT, "\xc3\xa9", 2);
	check(r == EDIT_FULL && e.len == EDIT_MAX - 1, "editor: a character that does not fit is refused whole", NULL);
	r = edit_key(&e, EK_TEXT, "bc", 2);
	check(r == EDIT_FULL && e.len == EDIT_MAX - 1, "editor: a paste that does not fit is refused whole", NULL);
	r = edit_key(&e, EK_TEXT, "b", 1);
	check(r == EDIT_DRAW && e.len == EDIT_MAX, "editor: the line holds EDIT_MAX bytes", NULL);
	edit_view(&e, 20, &from, &to, &col);
	check(col <= 19 && to == e.len && edit_width(e.buf + from, to - from) <= 20,
	    "editor: a long line scrolls so that the cursor shows", NULL);
	keys(&e, EK_HOME, 1);
	edit_view(&e, 20, &from, &to, &col);
	check(col == 0 && from == 0 && to == 20, "editor: and back at its start", NULL);
	edit_free(&e);
}

static void
test_edit_history_and_tab(void)
{
	struct edit e;

	edit_init(&e);
	type(&e, "one");
	check(edit_key(&e, EK_ENTER, NULL, 0) == EDIT_LINE, "editor: Enter gives the line", NULL);
	edit_done(&e);
	line_is(&e, "", 0, "editor: and an empty one follows");
	type(&e, "two");
	edit_done(&e);
	type(&e, "two");
	edit_done(&e);
	type(&e, "dr");
	keys(&e, EK_UP, 1);
	line_is(&e, "two", 3, "editor: Up recalls the last line");
	keys(&e, EK_UP, 1);
	line_is(&e, "one", 3, "editor: Up again, the one before (a repeat is kept once)");
	keys(&e, EK_UP, 1);
	line_is(&e, "one", 3, "editor: Up at the oldest stays");
	keys(&e, EK_DOWN, 2);
	line_is(&e, "dr", 2, "editor: Down back to the line being typed");
	keys(&e, EK_KILL_START, 1);

	type(&e, "/q");
	check(edit_complete(&e, word_of, NULL) == 1, "editor: Tab: one command matches", NULL);
	line_is(&e, "/quit ", 6, "editor: Tab completes a command, with a space");
	keys(&e, EK_KILL_START, 1);
	type(&e, "/M");
	check(edit_complete(&e, word_of, NULL) == 2, "editor: Tab: two commands match", NULL);
	line_is(&e, "/M", 2, "editor: as far as they agree, what was typed kept");
	keys(&e, EK_BACKSPACE, 1);
	type(&e, "msg ca");
	check(edit_complete(&e, word_of, NULL) == 2, "editor: Tab: two names match", NULL);
	line_is(&e, "/msg car", 8, "editor: as far as they agree, case folded");
	type(&e, "o");
	edit_complete(&e, word_of, NULL);
	line_is(&e, "/msg Carol ", 11, "editor: one name, as the roster spells it");
	check(edit_complete(&e, word_of, NULL) == 6, "editor: Tab after a space: every word matches", NULL);
	line_is(&e, "/msg Carol ", 11, "editor: and nothing is added");
	edit_free(&e);
}
