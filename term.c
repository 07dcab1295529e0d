/*
 * term.c: raw mode, keys and drawing (term.h).
 *
 * Keys: what an xterm-like terminal sends (VT100 and its CSI and SS3
 * sequences, bracketed paste), with every sequence not known here taken
 * whole and dropped, so that no escape sequence is ever typed as text.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "fmt.h"
#include "term.h"
#include "utf8.h"

#define CSI_MAX 32 /* a longer sequence is junk */

/* A CSI sequence's final byte and first parameter: the key. */
static int
csi_key(char final, long p1, long p2)
{
	int ctrl = p2 == 5 || p2 == 3; /* Ctrl or Alt with an arrow: by word */

	switch (final) {
	case 'A': return EK_UP;
	case 'B': return EK_DOWN;
	case 'C': return ctrl ? EK_WORD_RIGHT : EK_RIGHT;
	case 'D': return ctrl ? EK_WORD_LEFT : EK_LEFT;
	case 'H': return EK_HOME;
	case 'F': return EK_END;
	case '~':
		switch (p1) {
		case 1: case 7: return EK_HOME;
		case 4: case 8: return EK_END;
		case 3: return EK_DELETE;
		case 200: return TK_PASTE_BEGIN;
		case 201: return TK_PASTE_END;
		}
	}
	return TK_NONE;
}

/* The control byte c as a key. */
static int
ctrl_key(unsigned char c)
{
	static const struct { unsigned char c; int key; } map[] = {
		{ 0x01, EK_HOME }, { 0x02, EK_LEFT }, { 0x03, TK_INTR }, { 0x04, TK_EOF },
		{ 0x05, EK_END }, { 0x06, EK_RIGHT }, { 0x08, EK_BACKSPACE }, { 0x09, TK_TAB },
		{ 0x0a, EK_ENTER }, { 0x0b, EK_KILL_END }, { 0x0c, TK_REDRAW }, { 0x0d, EK_ENTER },
		{ 0x0e, EK_DOWN }, { 0x10, EK_UP }, { 0x15, EK_KILL_START }, { 0x17, EK_KILL_WORD },
		{ 0x1a, TK_SUSPEND }, { 0x7f, EK_BACKSPACE },
	};
	size_t k;

	for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
		if (map[k].c == c)
			return map[k].key;
	return TK_NONE;
}

/* An escape sequence at in (in[0] is ESC): its length, or 0 if cut short. */
static size_t
escape(const char *in, size_t len, int now, int *key)
{
	long p[2] = { 0, 0 };
	size_t i;
	int np = 0;

	*key = TK_ESC;
	if (len < 2)
		return now ? 1 : 0;
	*key = TK_NONE;
	if (in[1] == '[' || in[1] == 'O') {
		for (i = 2; i < len && i < CSI_MAX; i++) {
			unsigned char c = (unsigned char)in[i];

			if (c >= '0' && c <= '9') {
				if (np == 0)
					np = 1;
				if (np <= 2 && p[np - 1] < 100000)
					p[np - 1] = p[np - 1] * 10 + (c - '0');
			} else if (c == ';') {
				np++;
			} else if (c >= 0x40 && c <= 0x7e) {
				*key = csi_key((char)c, p[0], p[1]);
				return i + 1;
			} else if (c < 0x20 || c > 0x3f) {
				return i; /* not a sequence after all: dropped up to here */
			}
		}
		return i < CSI_MAX && !now ? 0 : i;
	}
	if (in[1] == 'b' || in[1] == 'B')
		*key = EK_WORD_LEFT;
	else if (in[1] == 'f' || in[1] == 'F')
		*key = EK_WORD_RIGHT;
	else if (in[1] == 0x7f || in[1] == 0x08)
		*key = EK_KILL_WORD;
	else if (in[1] == 0x1b)
		return *key = TK_ESC, 1; /* Escape twice: the first alone */
	return 2;
}

/* Does s hold the start of a UTF-8 character whose last bytes are yet to come? */
static int
cut_short(const unsigned char *s, size_t len)
{
	size_t need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1, k;

	for (k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return len < need;
}

size_t
term_key(const char *in, size_t len, int now, int *key, size_t *textlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, at;
	uint32_t c;

	*textlen = 0;
	if (len == 0)
		return 0;
	if (s[0] == 0x1b)
		return escape(in, len, now, key);
	if (s[0] < 0x20 || s[0] == 0x7f) {
		*key = ctrl_key(s[0]);
		return 1;
	}
	/* a run of printable characters, up to a control or a character cut short */
	while (i < len && s[i] >= 0x20 && s[i] != 0x7f) {
		at = i;
		if (utf8_next(s, len, &i, &c) == -1) {
			i = at;
			if (at > 0 || (cut_short(s, len) && !now))
				break;
			for (i = 1; i < len && (s[i] & 0xc0) == 0x80; i++)
				;
			*key = TK_NONE; /* not UTF-8: dropped, with what follows of it */
			return i;
		}
		if (c >= 0x80 && c < 0xa0) { /* a C1 control */
			if (at == 0) {
				*key = TK_NONE;
				return i;
			}
			i = at;
			break;
		}
	}
	*key = EK_TEXT;
	*textlen = i;
	return i;
}

/* The end of an SGR sequence at s[i] (ESC [ ... m), or i when there is none. */
static size_t
sgr_end(const char *s, size_t len, size_t i)
{
	size_t k = i + 2;

	if (i + 1 >= len || s[i] != 0x1b || s[i + 1] != '[')
		return i;
	while (k < len && ((s[k] >= '0' && s[k] <= '9') || s[k] == ';'))
		k++;
	return k < len && s[k] == 'm' ? k + 1 : i;
}

/* term_wrap, with the columns the row takes in *width. */
static size_t
wrap(const char *s, size_t len, int cols, size_t *next, int *width)
{
	size_t i = 0, end, brk = 0;
	int w = 0, wbrk = 0, cw;
	uint32_t c;

	while (i < len) {
		if ((end = sgr_end(s, len, i)) > i) { /* colour: no columns */
			i = end;
			continue;
		}
		end = i;
		if (utf8_next((const unsigned char *)s, len, &end, &c) == -1)
			c = '?', end = i + 1;
		cw = utf8_width(c);
		if (w + cw > cols && i > 0) {
			if (brk > 0) { /* after the last space: the space is not carried */
				*next = brk;
				*width = wbrk;
				return brk - 1;
			}
			*next = i;
			*width = w;
			return i;
		}
		if (c == ' ')
			brk = end, wbrk = w;
		w += cw;
		i = end;
	}
	*next = len;
	*width = w;
	return len;
}

size_t
term_wrap(const char *s, size_t len, int cols, size_t *next)
{
	int w;

	return wrap(s, len, cols, next, &w);
}

/* ---- the terminal's state ---- */

static struct termios saved;
static int saved_fd = -1;

int
term_raw(int fd)
{
	static const char paste_on[] = "\x1b[?2004h";
	struct termios t;

	if (tcgetattr(fd, &t) == -1)
		return -1;
	if (saved_fd == -1)
		saved = t;
	t.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &t) == -1)
		return -1;
	saved_fd = fd;
	(void)!write(fd, paste_on, sizeof(paste_on) - 1);
	return 0;
}

void
term_restore(void)
{
	static const char paste_off[] = "\x1b[?2004l";
	int fd = saved_fd;

	if (fd == -1)
		return;
	saved_fd = -1;
	(void)!write(fd, paste_off, sizeof(paste_off) - 1);
	tcsetattr(fd, TCSAFLUSH, &saved);
}

void
term_size(int fd, int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24, *cols = 80;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		*rows = ws.ws_row, *cols = ws.ws_col;
}

/* ---- the screen ---- */

#define OUT_MAX 4096

struct out {
	int fd;
	size_t len;
	char buf[OUT_MAX];
};

static void
out_flush(struct out *o)
{
	fmt_write(o->fd, o->buf, o->len);
	o->len = 0;
}

static void
out_add(struct out *o, const char *s, size_t len)
{
	size_t n;

	while (len > 0) {
		if (o->len == OUT_MAX)
			out_flush(o);
		n = len < OUT_MAX - o->len ? len : OUT_MAX - o->len;
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		s += n;
		len -= n;
	}
}

static void
out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

void
term_screen_init(struct term_screen *s, int fd, struct edit *ed)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->ed = ed;
	term_size(fd, &s->rows, &s->cols);
}

/* From the start of the status row (or where the cursor is, if the rows
 * are not drawn), everything below cleared. */
static void
rows_clear(struct term_screen *s, struct out *o)
{
	out_str(o, s->drawn ? "\r\x1b[1A\x1b[J" : "\r\x1b[J");
	s->drawn = 0;
}

/* The status row and the input row, the cursor at the editor's. */
static void
rows_draw(struct term_screen *s, struct out *o)
{
	char move[16];
	size_t from, to, n, next;
	int col, pw = edit_width(s->prompt, strlen(s->prompt));

	n = term_wrap(s->status, strlen(s->status), s->cols - 1, &next);
	out_str(o, "\x1b[7m");
	out_add(o, s->status, n);
	out_str(o, "\x1b[m\x1b[K\r\n");
	out_str(o, s->prompt);
	edit_view(s->ed, s->cols - pw - 1 > 8 ? s->cols - pw - 1 : 8, &from, &to, &col);
	out_add(o, s->ed->buf + from, to - from);
	fmt(move, sizeof(move), "\r\x1b[%dC", pw + col);
	out_str(o, "\x1b[K");
	out_str(o, pw + col > 0 ? move : "\r");
	s->drawn = 1;
}

void
term_screen_line(struct term_screen *s, const char *line, size_t len)
{
	struct out o;
	size_t n, next;

	o.fd = s->fd;
	o.len = 0;
	rows_clear(s, &o);
	do {
		n = wrap(line, len, s->cols, &next, &s->last_col);
		out_add(&o, line, n);
		out_str(&o, "\x1b[m\r\n");
		line += next;
		len -= next;
		s->printed++;
	} while (len > 0);
	rows_draw(s, &o);
	out_flush(&o);
}

int
term_screen_mark(struct term_screen *s, long long row, int col, unsigned epoch, const char *text, int width)
{
	struct out o;
	char at[24];
	long long y = s->rows - 2 - (s->printed - row); /* the line's row now, from 1 */

	if (epoch != s->epoch || y < 1 || col + width > s->cols || !s->drawn)
		return 0;
	o.fd = s->fd;
	o.len = 0;
	fmt(at, sizeof(at), "\x1b[%d;%dH", (int)y, col + 1);
	out_str(&o, at);
	out_str(&o, text);
	fmt(at, sizeof(at), "\x1b[%dH", s->rows); /* back to the input row, drawn again */
	out_str(&o, at);
	rows_clear(s, &o);
	rows_draw(s, &o);
	out_flush(&o);
	return 1;
}

void
term_screen_draw(struct term_screen *s)
{
	struct out o;
	int rows, cols;

	o.fd = s->fd;
	o.len = 0;
	rows = s->rows;
	cols = s->cols;
	term_size(s->fd, &s->rows, &s->cols);
	s->epoch += rows != s->rows || cols != s->cols; /* what was printed moved */
	rows_clear(s, &o);
	rows_draw(s, &o);
	out_flush(&o);
}

void
term_screen_clear(struct term_screen *s)
{
	struct out o;

	o.fd = s->fd;
	o.len = 0;
	rows_clear(s, &o);
	out_flush(&o);
}
