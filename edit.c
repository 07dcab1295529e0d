/*
 * edit.c: the pure line editor (edit.h).
 *
 * The buffer always holds valid UTF-8 without controls, and the cursor
 * always sits where a character begins: every change keeps both true, so
 * what is drawn is what is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "utf8.h"

void
edit_init(struct edit *e)
{
	memset(e, 0, sizeof(*e));
}

void
edit_free(struct edit *e)
{
	int k;

	for (k = 0; k < e->nhist; k++)
		free(e->hist[k]);
	free(e->draft);
	edit_init(e);
}

/* The code point at buf[i], and its end in *end. */
static uint32_t
cp_at(const char *buf, size_t len, size_t i, size_t *end)
{
	uint32_t c = 0xfffd;

	*end = i;
	if (utf8_next((const unsigned char *)buf, len, end, &c) == -1)
		*end = i + 1; /* not in the buffer; on the screen, one column */
	return c;
}

int
edit_width(const char *s, size_t len)
{
	size_t i = 0;
	int w = 0;

	while (i < len)
		w += utf8_width(cp_at(s, len, i, &i));
	return w;
}

/* The start of the character after the one at i, its marks included. */
static size_t
next_char(const struct edit *e, size_t i)
{
	size_t end;

	if (i >= e->len)
		return e->len;
	cp_at(e->buf, e->len, i, &i);
	while (i < e->len && utf8_width(cp_at(e->buf, e->len, i, &end)) == 0)
		i = end;
	return i;
}

/* The start of the character before i, with the marks after it. */
static size_t
prev_char(const struct edit *e, size_t i)
{
	const unsigned char *b = (const unsigned char *)e->buf;
	size_t end;

	while (i > 0) {
		do
			i--;
		while (i > 0 && (b[i] & 0xc0) == 0x80);
		if (utf8_width(cp_at(e->buf, e->len, i, &end)) != 0)
			break;
	}
	return i;
}

static size_t
word_left(const struct edit *e, size_t i)
{
	while (i > 0 && e->buf[i - 1] == ' ')
		i--;
	while (i > 0 && e->buf[i - 1] != ' ')
		i = prev_char(e, i);
	return i;
}

static size_t
word_right(const struct edit *e, size_t i)
{
	while (i < e->len && e->buf[i] == ' ')
		i++;
	while (i < e->len && e->buf[i] != ' ')
		i = next_char(e, i);
	return i;
}

/* Cut bytes [a, b) out of the line, the cursor to a. */
static int
cut(struct edit *e, size_t a, size_t b)
{
	if (a >= b)
		return EDIT_SAME;
	memmove(e->buf + a, e->buf + b, e->len - b + 1);
	e->len -= b - a;
	e->cur = a;
	return EDIT_DRAW;
}

/* Put the printable characters of (text, len) in at the cursor: all or none. */
static int
insert(struct edit *e, const char *text, size_t len)
{
	unsigned char clean[EDIT_MAX + 4];
	size_t i = 0, n = 0;
	uint32_t c;

	while (i < len && n <= EDIT_MAX - e->len) {
		if (utf8_next((const unsigned char *)text, len, &i, &c) == -1) {
			i++; /* not UTF-8: dropped */
			continue;
		}
		if (c == '\t')
			c = ' ';
		if (c >= 0x20 && c != 0x7f && (c < 0x80 || c >= 0xa0))
			n += utf8_put(c, clean + n);
	}
	if (e->len + n > EDIT_MAX)
		return EDIT_FULL;
	memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, clean, n);
	e->len += n;
	e->cur += n;
	return n > 0 ? EDIT_DRAW : EDIT_SAME;
}

/* Show line (s, len) for editing, the cursor at its end. */
static void
load(struct edit *e, const char *s)
{
	e->len = strlen(s);
	memcpy(e->buf, s, e->len + 1);
	e->cur = e->len;
}

/* Up (dir -1) or Down (1) through the history. */
static int
recall(struct edit *e, int dir)
{
	int to = e->at + dir;

	if (to < 0 || to > e->nhist)
		return EDIT_SAME;
	if (e->at == e->nhist) {
		free(e->draft);
		if ((e->draft = malloc(e->len + 1)) == NULL)
			return EDIT_SAME;
		memcpy(e->draft, e->buf, e->len + 1);
	}
	e->at = to;
	load(e, to == e->nhist ? e->draft : e->hist[to]);
	return EDIT_DRAW;
}

static int
move(struct edit *e, size_t to)
{
	if (to == e->cur)
		return EDIT_SAME;
	e->cur = to;
	return EDIT_DRAW;
}

int
edit_key(struct edit *e, int key, const char *text, size_t len)
{
	switch (key) {
	case EK_TEXT:
		return insert(e, text, len);
	case EK_ENTER:
		return EDIT_LINE;
	case EK_BACKSPACE:
		return cut(e, prev_char(e, e->cur), e->cur);
	case EK_DELETE:
		return cut(e, e->cur, next_char(e, e->cur));
	case EK_LEFT:
		return move(e, prev_char(e, e->cur));
	case EK_RIGHT:
		return move(e, next_char(e, e->cur));
	case EK_HOME:
		return move(e, 0);
	case EK_END:
		return move(e, e->len);
	case EK_WORD_LEFT:
		return move(e, word_left(e, e->cur));
	case EK_WORD_RIGHT:
		return move(e, word_right(e, e->cur));
	case EK_KILL_END:
		return cut(e, e->cur, e->len);
	case EK_KILL_START:
		return cut(e, 0, e->cur);
	case EK_KILL_WORD:
		return cut(e, word_left(e, e->cur), e->cur);
	case EK_UP:
		return recall(e, -1);
	case EK_DOWN:
		return recall(e, 1);
	}
	return EDIT_SAME;
}

void
edit_done(struct edit *e)
{
	char *s;

	if (e->len > 0 && (e->nhist == 0 || strcmp(e->hist[e->nhist - 1], e->buf) != 0) &&
	    (s = malloc(e->len + 1)) != NULL) {
		memcpy(s, e->buf, e->len + 1);
		if (e->nhist == EDIT_HIST) {
			free(e->hist[0]);
			memmove(e->hist, e->hist + 1, (EDIT_HIST - 1) * sizeof(e->hist[0]));
			e->nhist--;
		}
		e->hist[e->nhist++] = s;
	}
	free(e->draft);
	e->draft = NULL;
	e->at = e->nhist;
	e->len = e->cur = e->scroll = 0;
	e->buf[0] = '\0';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* How many bytes a and b agree on, ASCII case folded, up to n. */
static size_t
agree(const char *a, const char *b, size_t n)
{
	size_t k = 0;

	while (k < n && a[k] && lower((unsigned char)a[k]) == lower((unsigned char)b[k]))
		k++;
	return k;
}

int
edit_complete(struct edit *e, const char *(*cand)(void *ctx, int i), void *ctx)
{
	size_t start = e->cur, plen, common = 0;
	const char *w, *first = NULL;
	int i, matched = 0;
	char add[P2P_LINE_MAX + 1];

	while (start > 0 && e->buf[start - 1] != ' ')
		start--;
	plen = e->cur - start;
	for (i = 0; (w = cand(ctx, i)) != NULL; i++) {
		if (agree(w, e->buf + start, plen) != plen)
			continue;
		if (matched++ == 0)
			common = strnlen(first = w, P2P_LINE_MAX);
		else
			common = agree(first, w, common);
	}
	if (matched == 0 || common < plen)
		return matched;
	/* one: the word as it is spelled, and a space; several: what was
	 * typed, then as far as they agree */
	memcpy(add, first, common);
	if (matched > 1)
		memcpy(add, e->buf + start, plen);
	else if (e->buf[e->cur] != ' ')
		add[common++] = ' ';
	if (e->len - plen + common <= EDIT_MAX) {
		cut(e, start, e->cur);
		insert(e, add, common);
	}
	return matched;
}

void
edit_view(struct edit *e, int cols, size_t *from, size_t *to, int *col)
{
	size_t i, end;
	int w;

	if (cols < 2)
		cols = 2;
	if (edit_width(e->buf, e->len) < cols)
		e->scroll = 0; /* all of it fits */
	if (e->cur < e->scroll)
		e->scroll = prev_char(e, prev_char(e, e->cur)); /* a little of what is before, too */
	while (edit_width(e->buf + e->scroll, e->cur - e->scroll) > cols - 1)
		e->scroll = next_char(e, e->scroll);
	*col = edit_width(e->buf + e->scroll, e->cur - e->scroll);
	for (i = e->scroll, w = 0; i < e->len; i = end) {
		end = next_char(e, i);
		if ((w += edit_width(e->buf + i, end - i)) > cols)
			break;
	}
	*from = e->scroll;
	*to = i;
}
