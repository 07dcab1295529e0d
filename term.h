/*
 * term.h: the terminal itself: raw mode and giving it back, keys decoded
 * from what the terminal sends, and the few VT100 sequences the screen is
 * drawn with.  Nothing here knows chat: ui.c decides what to draw.
 */
#ifndef P2P_TERM_H
#define P2P_TERM_H

#include <stddef.h>

#include "edit.h"

/* Keys beyond the editor's (edit.h), which the screen handles itself. */
enum term_key {
	TK_NONE = 64, /* a key or sequence that means nothing here: dropped */
	TK_ESC,       /* Escape alone */
	TK_TAB, TK_REDRAW, TK_INTR, TK_EOF, TK_SUSPEND, TK_PASTE_BEGIN, TK_PASTE_END
};

/* Decode the next key from (in, len): the bytes it took, with *key set
 * (EK_TEXT: the first *textlen bytes of in are printable text, whole UTF-8
 * characters); 0 when in ends inside a key and more may come, unless
 * `now` says nothing more is coming (after a pause: a lone Escape). */
size_t term_key(const char *in, size_t len, int now, int *key, size_t *textlen);
/* The first row of (s, len) in cols columns: its bytes, broken after the
 * last space that fits where there is one, else between characters; the
 * next row starts at *next (the space it broke at is not carried over). */
size_t term_wrap(const char *s, size_t len, int cols, size_t *next);

/* Put the terminal on fd in raw mode (no echo, no line editing, no signals
 * from keys, bracketed paste on): 0, or -1 when it is no terminal. */
int term_raw(int fd);
/* Give the terminal back as term_raw found it; safe to call more than
 * once, and from a signal handler. */
void term_restore(void);
/* The terminal's size; 24 by 80 when it cannot say. */
void term_size(int fd, int *rows, int *cols);

/*
 * The screen: lines scroll up as on any terminal (its scrollback keeps
 * them), above two rows of our own at the bottom, a status row and the
 * input row with its prompt.  A line printed clears those two, goes out
 * wrapped, and they are drawn again under it, the cursor where it was.
 * Text given here may hold SGR sequences (ESC [ ... m, colours) and no
 * other control: they take no columns.
 */
struct term_screen {
	int fd, rows, cols;
	int drawn;                /* the two rows are on the terminal */
	char status[256];         /* the status row's text */
	char prompt[64];          /* before the input */
	struct edit *ed;          /* the input */
	long long printed;        /* rows of lines printed so far */
	int last_col;             /* the columns of the last line's last row */
	unsigned epoch;           /* changes when what is printed may have moved */
};

/* Begin drawing on fd (a terminal in raw mode) with the editor ed. */
void term_screen_init(struct term_screen *s, int fd, struct edit *ed);
/* Print a line above the two rows. */
void term_screen_line(struct term_screen *s, const char *line, size_t len);
/* Add text (width columns, on one row) after the end of a line printed
 * before, which ended at row `row` (printed, then) and column col, if it is
 * still on the screen where it was (epoch unchanged): 1, or 0. */
int term_screen_mark(struct term_screen *s, long long row, int col, unsigned epoch, const char *text, int width);
/* Draw the two rows again (after a key, a new status or a resize). */
void term_screen_draw(struct term_screen *s);
/* Take the two rows away, as before leaving. */
void term_screen_clear(struct term_screen *s);

#endif
