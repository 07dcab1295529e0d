/*
 * edit.h: the line the user types on the terminal, as a pure editor: keys
 * in; the line, the cursor and which part of the line to draw out.  Text
 * is UTF-8 and the cursor moves by character: a combining mark goes with
 * the letter before it, and a wide character takes two columns.  No
 * terminal and no I/O here: term.c decodes the keys and draws.
 */
#ifndef P2P_EDIT_H
#define P2P_EDIT_H

#include <stddef.h>

#include "proto.h"

#define EDIT_MAX  (P2P_MSG_MAX + P2P_NAME_MAX + 6) /* bytes of a line: "/msg NAME " and a message */
#define EDIT_HIST 100                              /* lines kept for Up and Down */

/* The keys the editor knows (term.c maps Ctrl-A, Alt-B and the rest to them). */
enum edit_key {
	EK_TEXT = 1, EK_ENTER, EK_BACKSPACE, EK_DELETE, EK_LEFT, EK_RIGHT, EK_HOME, EK_END,
	EK_UP, EK_DOWN, EK_WORD_LEFT, EK_WORD_RIGHT, EK_KILL_END, EK_KILL_START, EK_KILL_WORD
};

/* What a key did. */
#define EDIT_SAME 0 /* nothing to redraw */
#define EDIT_DRAW 1 /* the line changed, or the cursor moved */
#define EDIT_LINE 2 /* Enter: buf holds a line; edit_done when it is used */
#define EDIT_FULL 3 /* the text did not fit, and none of it went in */

struct edit {
	char buf[EDIT_MAX + 1];      /* the line, NUL-ended */
	size_t len, cur;             /* its length, and the cursor, at a character's start */
	size_t scroll;               /* the first byte shown */
	char *hist[EDIT_HIST];       /* lines entered, the oldest first */
	int nhist, at;               /* at: the one shown; nhist for the line being typed */
	char *draft;                 /* the line being typed, while one from history is shown */
};

void edit_init(struct edit *e);
void edit_free(struct edit *e);
/* Apply a key; text and len are the typed text of EK_TEXT (controls in it
 * are dropped, tabs made spaces): EDIT_SAME, EDIT_DRAW, EDIT_LINE or EDIT_FULL. */
int edit_key(struct edit *e, int key, const char *text, size_t len);
/* After EDIT_LINE: keep the line in the history and begin an empty one. */
void edit_done(struct edit *e);
/* Tab: complete the word before the cursor from the words cand(ctx, 0),
 * cand(ctx, 1) ... up to NULL, matched with ASCII case folded: how many
 * matched.  One is put in whole with a space after it; several, as far as
 * they agree. */
int edit_complete(struct edit *e, const char *(*cand)(void *ctx, int i), void *ctx);
/* In cols columns: draw bytes [*from, *to) of buf, the cursor at column *col. */
void edit_view(struct edit *e, int cols, size_t *from, size_t *to, int *col);
/* The columns the UTF-8 text (s, len) takes on a terminal. */
int edit_width(const char *s, size_t len);

#endif
