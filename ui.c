/*
 * ui.c: what the user types and sees: commands, chat lines to send, and
 * the lines said back.
 *
 * In line mode (a pipe, a file, TERM=dumb, --plain) lines come in on stdin
 * and go out on stdout as they always have, for scripts.  On a terminal the
 * client drives the screen (term.c): messages scroll above a status row and
 * an input row edited in place (edit.c), every line with its time, names in
 * colours of their own (none with NO_COLOR), and log lines on the screen
 * too, so that nothing garbles the input.  A paste of several lines is held
 * until Enter sends it, as chat, never as commands.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "edit.h"
#include "fmt.h"
#include "term.h"

#define PASTE_MAX 65536 /* bytes of a paste held for Enter */
#define ESC_WAIT  50    /* ms after a lone Escape before it is taken as one */
#define MARKS     128   /* our messages waiting for their delivered mark */
#define DELIVERED " \xe2\x9c\x93" /* " ✓", after a line of ours once it is delivered */

/* The screen, when the client drives one. */
struct screen {
	struct edit ed;
	struct term_screen ts;
	char keys[16];          /* a key cut short, waiting for its end */
	size_t nkeys;
	long long esc_at;       /* then a lone Escape counts */
	int pasting;            /* between a paste's two ends */
	char *paste;            /* a paste of several lines, held for Enter */
	size_t pastelen;
	int pastelines, held;
	int color;
	int err_tty;            /* stderr is a terminal (this one): log lines only on the screen */
	char note[120];         /* a passing word in the status row */
	struct mark {           /* one of our messages, to be marked when delivered */
		int id;         /* to the peer with this roster id */
		uint32_t sid, seq; /* its link's stream, and the message's last fragment */
		long long row;  /* where its line ended (term_screen_mark); -1: not shown yet */
		int col;
		unsigned epoch;
	} marks[MARKS];
	int nmarks;
	struct client *c;
};

static struct screen *scr; /* one client a process: the one on the screen, if any */
static volatile sig_atomic_t resized;

static void draw(void);
static void screen_read(struct client *c, long long now);

/* "HH:MM" now, into buf. */
static const char *
now_hm(char buf[8])
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	fmt(buf, 8, "%02d:%02d", tm.tm_hour, tm.tm_min);
	return buf;
}

/* A line on the screen, its time first: style is an SGR (dim, bold...) or "". */
static void
show(const char *style, const char *line)
{
	char buf[P2P_ESC_MAX(P2P_MSG_MAX) + 200], hm[8];
	int n;

	n = fmt(buf, sizeof(buf), "%s[%s] %s%s", scr->color ? style : "", now_hm(hm), line,
	    scr->color && *style ? "\x1b[m" : "");
	term_screen_line(&scr->ts, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Log lines, on the screen: errors in red. */
static void
show_log(const char *line)
{
	char buf[1100];

	fmt(buf, sizeof(buf), "! %s", line);
	show("\x1b[31m", buf);
	if (!scr->err_tty) /* stderr kept elsewhere: there too */
		fmt_line(STDERR_FILENO, "p2pchat: %s", line);
}

void
ui_say(const char *fmt, ...)
{
	char line[P2P_ESC_MAX(P2P_MSG_MAX) + 200];
	va_list ap;

	va_start(ap, fmt);
	if (scr == NULL) {
		vfmt_line(STDOUT_FILENO, fmt, ap);
	} else {
		vfmt(line, sizeof(line), fmt, ap);
		show(line[0] == '*' ? "\x1b[2m" : "", line); /* what the client says: dim */
	}
	va_end(ap);
}

/* A colour of its own for each name, the same every time. */
static int
color_of(const char *name)
{
	unsigned h = 5381;

	for (; *name; name++)
		h = h * 33 + (unsigned char)(*name >= 'A' && *name <= 'Z' ? *name + 32 : *name);
	return (int)(h % 6) + 31;
}

/* Does text name me (ASCII case folded, as a word)? */
static int
names_me(const char *me, const char *text, size_t len)
{
	size_t n = strlen(me), i, k;

	for (i = 0; i + n <= len; i++) {
		for (k = 0; k < n && (text[i + k] | 0x20) == (me[k] | 0x20); k++)
			;
		if (k == n && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '@') &&
		    (i + n == len || !((text[i + n] | 0x20) >= 'a' && (text[i + n] | 0x20) <= 'z')))
			return 1;
	}
	return 0;
}

void
ui_chat(struct client *c, const char *from, const char *to, const char *esc, size_t len, int cut)
{
	char buf[P2P_ESC_MAX(P2P_MSG_MAX) + 200], who[2 * P2P_NAME_MAX + 40], hm[8];
	char text[P2P_ESC_MAX(P2P_MSG_MAX)];
	time_t t;
	struct tm tm;
	int all = !to && len >= 5 && memcmp(esc, "/all ", 5) == 0, act, me, n;

	if (all) /* sent to everyone: its text after the mark */
		esc += 5, len -= 5;
	act = len >= 4 && memcmp(esc, "/me ", 4) == 0;
	me = !to && names_me(c->o->name, esc, len);
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, esc, len); /* (one line of a paste is not NUL-ended) */
	text[len] = '\0';
	esc = text;

	if (scr == NULL) { /* line mode: as it always was */
		t = time(NULL);
		localtime_r(&t, &tm);
		if (to == NULL)
			ui_say(act ? "[%02d:%02d:%02d] %s* %s %s%s" : "[%02d:%02d:%02d] %s<%s> %s%s", tm.tm_hour,
			    tm.tm_min, tm.tm_sec, c->secure ? "" : "(insecure) ", from, act ? esc + 4 : esc,
			    cut ? " [cut: too long]" : "");
		return;
	}
	if (all)
		to = "everyone";
	if (scr->color)
		fmt(who, sizeof(who), "\x1b[%dm%s\x1b[m%s%s", color_of(from), from, to ? " -> " : "", to ? to : "");
	else
		fmt(who, sizeof(who), "%s%s%s", from, to ? " -> " : "", to ? to : "");
	n = fmt(buf, sizeof(buf), "%s[%s] %s%s%s%s %s%s%s", me && scr->color ? "\x1b[1m" : "", now_hm(hm),
	    c->secure ? "" : "(insecure) ", act ? "* " : "<", who, act ? "" : ">", act ? esc + 4 : esc,
	    cut ? " [cut: too long]" : "", me && scr->color ? "\x1b[m" : "");
	term_screen_line(&scr->ts, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	if (me)
		fmt_write(STDOUT_FILENO, "\a", 1); /* named: the bell */
}

void
ui_who(struct client *c, const char *prefix)
{
	char line[1024];
	size_t o = 0;
	int id, n = 0;

	for (id = peers_next_online(c, -1); id != -1; id = peers_next_online(c, id))
		n++;
	if (n == 0) {
		ui_say("* %sno one else is online", prefix);
		return;
	}
	line[0] = '\0';
	for (id = peers_next_online(c, -1); id != -1 && o < sizeof(line) - 40; id = peers_next_online(c, id))
		o += (size_t)fmt(line + o, sizeof(line) - o, "%s%s", o ? ", " : "",
		    c->peers.u[id].name);
	ui_say("* %s%d online: %s%s", prefix, n, line, id != -1 ? ", ..." : "");
}

/* The online user called (name, len), or NULL after an error line. */
static struct roster_user *
online(struct client *c, const char *name, size_t len)
{
	struct roster_user *u = roster_get(&c->peers, roster_find(&c->peers, name, len));
	char esc[P2P_ESC_MAX(64)];

	if (u == NULL || !u->online) {
		proto_escape(name, len > 64 ? 64 : len, esc, sizeof(esc));
		logmsg("%s is not online", esc);
		return NULL;
	}
	return u;
}

/* How datagrams to u go, and their last round trip. */
static void
print_path(const struct roster_user *u)
{
	static const char *const how[] = { "direct", "LAN", "relay through the server" };
	const struct peer *p = u->data;
	char eps[P2P_EPSTR_MAX], rtt[40] = "round trip not measured yet";
	enum path_via via;

	if (p == NULL || p->path.via == PATH_NONE) {
		ui_say("* %s: no path yet; chat goes to %s until one answers", u->name, proto_ep_str(&u->ep, eps));
		return;
	}
	via = p->path.via;
	if (p->path.rtt[via] >= 0)
		fmt(rtt, sizeof(rtt), "round trip %lld ms", p->path.rtt[via]);
	ui_say("* %s: %s%s%s%s, %s", u->name, how[via],
	    via == PATH_PUBLIC && p->path.cand[PATH_LAN].family ? " through NAT" : "",
	    via != PATH_RELAY ? " to " : "", via != PATH_RELAY ? proto_ep_str(&p->path.cand[via], eps) : "",
	    rtt);
}

/* /fingerprint: our key; /fingerprint NAME: the safety number of our key
 * and NAME's, which both sides see alike and can compare aloud. */
static void
fingerprint(struct client *c, const char *name, size_t len)
{
	struct roster_user *u = roster_get(&c->peers, roster_find(&c->peers, name, len));
	const struct peer *p = u ? u->data : NULL;
	char hex[65], num[ID_SAFETY_LEN], who[P2P_NAME_MAX + 1];
	unsigned char key[32];
	const char *whose;

	if (!c->secure) {
		logmsg("no keys: this client runs --insecure");
		return;
	}
	if (len == 0) {
		proto_format_key(c->me.pub, hex);
		ui_say("* your key: %s", hex);
		return;
	}
	if (len > P2P_NAME_MAX || !proto_valid_name(name, len)) {
		logmsg("usage: /fingerprint [NAME]");
		return;
	}
	memcpy(who, u ? u->name : name, u ? strlen(u->name) + 1 : len);
	who[u ? strlen(u->name) : len] = '\0';
	if (p != NULL && p->sec.ready) {
		memcpy(key, p->sec.rs, 32);
		whose = p->trust == TRUSTED ? "proven in this session"
		    : "proven, but REFUSED: /accept NAME SAFETY-NUMBER trusts it";
	} else if (id_pins_find(&c->known, who, key) == 1) {
		whose = "pinned";
	} else if (u != NULL && u->haskey) {
		memcpy(key, u->key, 32);
		whose = "announced by the server, not yet proven";
	} else {
		ui_say("* no key of %s yet", who);
		return;
	}
	id_safety(c->me.pub, key, num);
	proto_format_key(key, hex);
	ui_say("* safety number with %s: %s (%s's key %s, %s)", who, num, who, hex, whose);
}

/* /accept NAME SAFETY-NUMBER: trust the key NAME proved though it was
 * refused, if it is the one whose number the user compared: a key that
 * changed since (the server may swap it) has another number. */
static void
accept_key(struct client *c, const char *arg, size_t alen, long long now)
{
	struct roster_user *u;
	struct peer *p;
	char num[ID_SAFETY_LEN], err[ID_PATH_MAX + 160];
	size_t nlen, tlen;

	for (nlen = 0; nlen < alen && arg[nlen] != ' ' && arg[nlen] != '\t'; nlen++)
		;
	tlen = alen - nlen; /* the number, after blanks that id_safety_eq skips */
	if (nlen == 0) {
		logmsg("usage: /accept NAME SAFETY-NUMBER");
		return;
	}
	if ((u = online(c, arg, nlen)) == NULL)
		return;
	if ((p = u->data) == NULL || p->trust != REFUSED) {
		logmsg("no refused key of %s to accept", u->name);
		return;
	}
	id_safety(c->me.pub, p->refused, num);
	if (tlen == 0) {
		logmsg("usage: /accept %s SAFETY-NUMBER, once you have compared %s with %s", u->name, num, u->name);
		return;
	}
	if (!id_safety_eq(num, arg + nlen, tlen)) {
		logmsg("nothing pinned: the safety number of %s's refused key is now %s, not the one typed",
		    u->name, num);
		return;
	}
	if (id_pins_add(&c->known, u->name, p->refused, err, sizeof(err)) == -1) {
		logmsg("%s: nothing pinned", err);
		return;
	}
	ui_say("* %s's new key is pinned; safety number %s", u->name, num);
	if (p->sec.ready && memcmp(p->sec.rs, p->refused, 32) == 0) {
		p->trust = TRUSTED;
		link_hurry(&p->link);
		peer_pump(c, u, now);
	} else {
		p->trust = UNKNOWN;
	}
}

static void
say_help(const struct client *c)
{
	ui_say("* commands: /msg NAME TEXT, /to NAME, /all TEXT, /who, /path NAME, /pending,");
	ui_say("*   /fingerprint [NAME], /accept NAME SAFETY-NUMBER, /help, /quit;");
	ui_say("*   a line without / goes to the /to user; start it with // to send a /;");
	ui_say("*   /me ACTION sends an action to the /to user: * %s ACTION", c->o->name);
}

static void
print_pending(struct client *c, long long now)
{
	const struct link_frag *f;
	char esc[P2P_ESC_MAX(40)];
	int id, n = 0;
	size_t i;

	for (id = roster_next(&c->peers, -1); id != -1; id = roster_next(&c->peers, id)) {
		for (i = 0; c->peers.u[id].data && (f = link_pending(c->peers.u[id].data, i)); i++) {
			if (n++ < 20) {
				proto_escape(f->text, f->len < 40 ? f->len : 40, esc, sizeof(esc));
				ui_say("* pending to %s: \"%s%s\" (%d sent, %llds)", c->peers.u[id].name, esc,
				    f->len > 40 ? "..." : "", f->tries,
				    f->sent ? (now - f->sent) / 1000 : 0LL);
			}
		}
	}
	if (n == 0)
		ui_say("* nothing pending");
	else if (n > 20)
		ui_say("* and %d more", n - 20);
}

/* Send text to u; on the screen, its line is to be marked when delivered. */
static int
send_to(struct client *c, struct roster_user *u, const char *text, size_t len, long long now)
{
	struct peer *p;

	if (peer_send_chat(c, u, text, len, now) == -1)
		return -1;
	if (scr != NULL && (p = u->data) != NULL) {
		if (scr->nmarks == MARKS) /* the oldest, long scrolled away: no mark */
			memmove(scr->marks, scr->marks + 1, (size_t)--scr->nmarks * sizeof(scr->marks[0]));
		scr->marks[scr->nmarks].id = p->id;
		scr->marks[scr->nmarks].sid = p->link.sid;
		scr->marks[scr->nmarks].seq = p->link.next_seq - 1;
		scr->marks[scr->nmarks++].row = -1;
	}
	return 0;
}

/* Our own message, shown as sent (to: its recipient, or "everyone"). */
static void
echo(struct client *c, const char *to, const char *text, size_t len)
{
	int i;

	ui_chat(c, c->o->name, to, text, len, 0);
	for (i = 0; scr != NULL && i < scr->nmarks; i++)
		if (scr->marks[i].row == -1) {
			scr->marks[i].row = scr->ts.printed;
			scr->marks[i].col = scr->ts.last_col;
			scr->marks[i].epoch = scr->ts.epoch;
		}
}

void
ui_acked(struct client *c, const struct roster_user *u)
{
	const struct peer *p = u->data;
	struct mark m;
	int i = 0, k;

	(void)c;
	while (scr != NULL && p != NULL && i < scr->nmarks) {
		m = scr->marks[i];
		if (m.id != p->id || m.row == -1 || !link_delivered(&p->link, m.sid, m.seq)) {
			i++;
			continue;
		}
		memmove(scr->marks + i, scr->marks + i + 1, (size_t)(--scr->nmarks - i) * sizeof(m));
		for (k = 0; k < scr->nmarks && scr->marks[k].row != m.row; k++)
			;
		if (k == scr->nmarks) /* (to everyone: once every peer has it) */
			term_screen_mark(&scr->ts, m.row, m.col, m.epoch, DELIVERED, 2);
	}
}

/* Cut "WORD REST": the length of WORD, with *rest after the blanks. */
static size_t
word(const char *s, size_t len, const char **rest, size_t *restlen)
{
	size_t w = 0, i;

	while (w < len && s[w] != ' ' && s[w] != '\t')
		w++;
	for (i = w; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	*rest = s + i;
	*restlen = len - i;
	return w;
}

/* Is (line, len) the command cmd (lower case), whatever the case it was typed in? */
static int
is_cmd(const char *line, size_t len, const char *cmd)
{
	size_t i;

	if (len != strlen(cmd))
		return 0;
	for (i = 0; i < len; i++)
		if ((line[i] >= 'A' && line[i] <= 'Z' ? line[i] - 'A' + 'a' : line[i]) != cmd[i])
			return 0;
	return 1;
}

static void
command(struct client *c, const char *line, size_t len, long long now)
{
	struct roster_user *u;
	const char *arg, *text;
	size_t cmd, alen, nlen, tlen, one;
	char esc[P2P_ESC_MAX(32)], all[P2P_MSG_MAX];
	int id, sent;

	cmd = word(line, len, &arg, &alen);
	/* a name alone, without the blank that Tab leaves after it ("/to bob ") */
	for (one = alen; one > 0 && (arg[one - 1] == ' ' || arg[one - 1] == '\t'); one--)
		;
	if (is_cmd(line, cmd, "/msg")) {
		nlen = word(arg, alen, &text, &tlen);
		if (nlen == 0 || tlen == 0)
			logmsg("usage: /msg NAME TEXT");
		else if ((u = online(c, arg, nlen)) != NULL && send_to(c, u, text, tlen, now) == 0)
			echo(c, u->name, text, tlen);
	} else if (is_cmd(line, cmd, "/to")) {
		if (one == 0 && c->target[0] == '\0')
			ui_say("* no /to user yet");
		else if (one == 0)
			ui_say("* lines go to %s", c->target);
		else if ((u = online(c, arg, one)) != NULL) {
			strcpy(c->target, u->name);
			if (u->data != NULL)
				((struct peer *)u->data)->unread = 0;
			ui_say("* lines go to %s", c->target);
		}
	} else if (is_cmd(line, cmd, "/all")) {
		/* it goes as "/all TEXT", which the peers show as to everyone */
		id = peers_next_online(c, -1);
		if (alen == 0)
			logmsg("usage: /all TEXT");
		else if (alen > P2P_MSG_MAX - 5)
			logmsg("not sent: a message to everyone holds at most %d bytes", P2P_MSG_MAX - 5);
		else if (id == -1)
			logmsg("no one else is online");
		else
			memcpy(all, "/all ", 5), memcpy(all + 5, arg, alen);
		for (sent = 0; id != -1 && alen > 0 && alen <= P2P_MSG_MAX - 5; id = peers_next_online(c, id))
			sent += send_to(c, &c->peers.u[id], all, alen + 5, now) == 0;
		if (sent > 0)
			echo(c, "everyone", arg, alen);
	} else if (is_cmd(line, cmd, "/me")) {
		if (alen == 0)
			logmsg("usage: /me ACTION");
		else if (c->target[0] == '\0')
			logmsg("no one to send to: use /to NAME first");
		else if ((u = online(c, c->target, strlen(c->target))) != NULL && send_to(c, u, line, len, now) == 0)
			echo(c, u->name, line, len);
	} else if (is_cmd(line, cmd, "/who")) {
		ui_who(c, c->st == ONLINE ? "" : "the server is lost, so this may be stale: ");
	} else if (is_cmd(line, cmd, "/pending")) {
		print_pending(c, now);
	} else if (is_cmd(line, cmd, "/path")) {
		if (one == 0)
			logmsg("usage: /path NAME");
		else if ((u = online(c, arg, one)) != NULL)
			print_path(u);
	} else if (is_cmd(line, cmd, "/fingerprint")) {
		fingerprint(c, arg, one);
	} else if (is_cmd(line, cmd, "/accept")) {
		accept_key(c, arg, alen, now);
	} else if (is_cmd(line, cmd, "/help")) {
		say_help(c);
	} else if (is_cmd(line, cmd, "/quit")) {
		session_quit(c, now);
	} else {
		proto_escape(line, cmd > 32 ? 32 : cmd, esc, sizeof(esc));
		logmsg("unknown command %s (try /help)", esc);
	}
}

static void
key_line(struct client *c, const char *line, size_t len, long long now)
{
	struct roster_user *u;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	if (!proto_valid_utf8(line, len)) {
		logmsg("not sent: the line is not valid UTF-8");
	} else if (line[0] == '/' && (len < 2 || line[1] != '/')) {
		command(c, line, len, now);
	} else if (c->target[0] == '\0') {
		logmsg("no one to send to: use /to NAME or /msg NAME TEXT");
	} else if ((u = online(c, c->target, strlen(c->target))) != NULL) {
		if (line[0] == '/')
			line++, len--;
		if (send_to(c, u, line, len, now) == 0)
			echo(c, u->name, line, len);
	}
}

void
ui_read(struct client *c, long long now)
{
	ssize_t n;
	size_t len;
	char *rec, term;
	int r;

	if (scr != NULL) {
		screen_read(c, now);
		return;
	}
	n = net_in_fill(c->pfd[KEYS].fd, &c->keys);
	/* (while it waits to quit, LINGER, only a /quit counts) */
	while (c->quit <= LINGER && (r = net_in_record(&c->keys, "\n", &rec, &len, &term)) != 0) {
		if (r == -1)
			logmsg("not sent: a message holds at most %d bytes, and this line is longer", P2P_MSG_MAX);
		else if (c->quit == STAYING)
			key_line(c, rec, len, now);
		else if (is_cmd(rec, len - (len > 0 && rec[len - 1] == '\r'), "/quit"))
			session_quit(c, now);
		else if (len > 0)
			logmsg("quitting: not sent (/quit again to leave now)");
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		/* EOF: the user is done, after a last line that had no newline */
		if (c->quit == STAYING && c->keys.len > 0 && !c->keys.skipping)
			key_line(c, c->keys.buf + c->keys.start, c->keys.len, now);
		c->keys_done = 1;
		if (c->quit == STAYING)
			session_quit(c, now);
	}
}

/* ---- the screen ---- */

static const char *const commands[] = {
	"/msg", "/to", "/all", "/me", "/who", "/path", "/pending", "/fingerprint", "/accept", "/help", "/quit",
};

/* Tab's words: the commands, then the names online. */
static const char *
word_at(void *ctx, int i)
{
	struct client *c = ctx;
	int n = (int)(sizeof(commands) / sizeof(commands[0])), id;

	if (i < n)
		return scr->ed.buf[0] == '/' && memchr(scr->ed.buf, ' ', scr->ed.cur) == NULL ? commands[i] : "";
	for (id = peers_next_online(c, -1), i -= n; id != -1; id = peers_next_online(c, id))
		if (i-- == 0)
			return c->peers.u[id].name;
	return NULL;
}

/* The status row and the prompt, from the client's state. */
static void
status(struct client *c)
{
	struct term_screen *ts = &scr->ts;
	size_t o = 0;
	int id, n = 0, more = 0;
	struct peer *p;

	for (id = peers_next_online(c, -1); id != -1; id = peers_next_online(c, id))
		n++;
	o += (size_t)fmt(ts->status + o, sizeof(ts->status) - o, " %s", c->o->name);
	if (!c->been_online)
		o += (size_t)fmt(ts->status + o, sizeof(ts->status) - o, " | logging in to %s:%u ...", c->o->host,
		    (unsigned)c->server.port);
	else
		o += (size_t)fmt(ts->status + o, sizeof(ts->status) - o, " | %d online", n);
	if (c->been_online && c->st != ONLINE)
		o += (size_t)fmt(ts->status + o, sizeof(ts->status) - o, " | server lost: list may be stale");
	for (id = peers_next_online(c, -1); id != -1 && o < sizeof(ts->status) - 60; id = peers_next_online(c, id))
		if ((p = c->peers.u[id].data) != NULL && p->unread > 0)
			o += (size_t)fmt(ts->status + o, sizeof(ts->status) - o, "%s %s %d", more++ ? "," : " | unread:",
			    c->peers.u[id].name, p->unread);
	if (peers_pending(c) > 0)
		o += (size_t)fmt(ts->status + o, sizeof(ts->status) - o, " | %lu unacknowledged",
		    (unsigned long)peers_pending(c));
	if (scr->note[0])
		fmt(ts->status + o, sizeof(ts->status) - o, " | %s", scr->note);
	if (scr->held)
		fmt(ts->prompt, sizeof(ts->prompt), "[paste: %d lines: Enter sends, Esc drops] ", scr->pastelines);
	else if (c->target[0])
		fmt(ts->prompt, sizeof(ts->prompt), "[%s] ", c->target);
	else
		fmt(ts->prompt, sizeof(ts->prompt), "[/to NAME] ");
}

static void
draw(void)
{
	status(scr->c);
	term_screen_draw(&scr->ts);
}

/* Crashes too give the terminal back. */
static void
on_crash(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

int
ui_open(struct client *c)
{
	static const int crash[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	const char *term = getenv("TERM");
	struct sigaction sa;
	size_t k;

	if (c->o->plain || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || term == NULL ||
	    strcmp(term, "dumb") == 0 || (scr = calloc(1, sizeof(*scr))) == NULL)
		return 0;
	if (term_raw(STDIN_FILENO) == -1) {
		free(scr);
		scr = NULL;
		return 0;
	}
	scr->c = c;
	scr->err_tty = isatty(STDERR_FILENO);
	scr->color = getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0';
	edit_init(&scr->ed);
	term_screen_init(&scr->ts, STDOUT_FILENO, &scr->ed);
	for (k = 1; k < (size_t)scr->ts.rows; k++) /* the rows of our own at the bottom, from the start */
		fmt_write(STDOUT_FILENO, "\r\n", 2);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_crash;
	for (k = 0; k < sizeof(crash) / sizeof(crash[0]); k++)
		sigaction(crash[k], &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	log_show(show_log);
	ui_say("* p2pchat %s: /help lists the commands, Tab completes, Ctrl-C quits", P2P_VERSION);
	return 1;
}

void
ui_close(struct client *c)
{
	(void)c;
	if (scr == NULL)
		return;
	log_show(NULL);
	term_screen_clear(&scr->ts);
	term_restore();
	signal(SIGWINCH, SIG_DFL);
	edit_free(&scr->ed);
	free(scr->paste);
	free(scr);
	scr = NULL;
}

/* Ctrl-Z: the terminal back to the shell until fg, then the screen again. */
static void
suspend(void)
{
	term_screen_clear(&scr->ts);
	term_restore();
	raise(SIGTSTP);
	term_raw(STDIN_FILENO); /* continued */
	scr->ts.epoch++; /* the shell printed on the screen meanwhile */
	draw();
}

/* Enter on a held paste: each of its lines goes as chat to the /to user. */
static void
send_paste(struct client *c, long long now)
{
	struct roster_user *u = c->target[0] ? online(c, c->target, strlen(c->target)) : NULL;
	char *line = scr->paste, *nl, *end = scr->paste + scr->pastelen;

	if (u == NULL) {
		if (!c->target[0])
			logmsg("no one to send the paste to: /to NAME first (it is still held)");
		return;
	}
	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		if (nl > line && send_to(c, u, line, (size_t)(nl - line), now) == 0)
			echo(c, u->name, line, (size_t)(nl - line));
	}
	scr->held = 0;
	scr->pastelen = 0;
}

/* A key inside a paste: text and newlines go into the paste. */
static void
paste_key(int key, const char *text, size_t len)
{
	char *p;

	if (key == EK_TEXT || key == EK_ENTER || key == TK_TAB) {
		if (key != EK_TEXT)
			text = key == EK_ENTER ? "\n" : " ", len = 1;
		if (scr->pastelen + len > PASTE_MAX) {
			fmt(scr->note, sizeof(scr->note), "the paste is over %d bytes: the rest is dropped", PASTE_MAX);
			return;
		}
		if ((p = realloc(scr->paste, scr->pastelen + len)) == NULL)
			return;
		scr->paste = p;
		memcpy(scr->paste + scr->pastelen, text, len);
		scr->pastelen += len;
	}
}

/* A paste ended: one line is typed in; several are held for Enter. */
static void
paste_end(void)
{
	size_t i;
	int lines = 0;

	while (scr->pastelen > 0 && scr->paste[scr->pastelen - 1] == '\n')
		scr->pastelen--;
	for (i = 0; i < scr->pastelen; i++)
		lines += scr->paste[i] == '\n';
	if (lines == 0) {
		if (edit_key(&scr->ed, EK_TEXT, scr->paste, scr->pastelen) == EDIT_FULL)
			fmt(scr->note, sizeof(scr->note), "not pasted: the line is full: %d bytes of text at most",
			    P2P_MSG_MAX);
		scr->pastelen = 0;
		return;
	}
	scr->held = 1;
	scr->pastelines = lines + 1;
}

/* One key on the screen. */
static void
screen_key(struct client *c, int key, const char *text, size_t len, long long now)
{
	int r, n;

	if (key != TK_NONE)
		scr->note[0] = '\0';
	if (scr->pasting && key != TK_PASTE_END) {
		paste_key(key, text, len);
		return;
	}
	switch (key) {
	case TK_PASTE_BEGIN:
		scr->pasting = 1;
		scr->pastelen = 0;
		return;
	case TK_PASTE_END:
		scr->pasting = 0;
		paste_end();
		return;
	case TK_TAB:
		if ((n = edit_complete(&scr->ed, word_at, c)) == 0)
			fmt(scr->note, sizeof(scr->note), "no match");
		else if (n > 1)
			fmt(scr->note, sizeof(scr->note), "%d matches", n);
		return;
	case TK_REDRAW:
		fmt_write(STDOUT_FILENO, "\x1b[H\x1b[2J", 7);
		scr->ts.drawn = 0;
		scr->ts.epoch++; /* the lines are gone */
		return;
	case TK_SUSPEND:
		suspend();
		return;
	case TK_INTR:
		if (scr->held) {
			scr->held = 0; /* Ctrl-C drops a held paste first */
			scr->pastelen = 0;
			return;
		}
		session_quit(c, now);
		return;
	case TK_EOF:
		if (scr->ed.len == 0)
			session_quit(c, now);
		else
			edit_key(&scr->ed, EK_DELETE, NULL, 0);
		return;
	case TK_ESC:
		scr->held = 0; /* Escape drops a held paste */
		scr->pastelen = 0;
		return;
	case TK_NONE:
		return;
	}
	if (scr->held) {
		if (key == EK_ENTER)
			send_paste(c, now);
		return;
	}
	if ((r = edit_key(&scr->ed, key, text, len)) == EDIT_FULL) {
		fmt(scr->note, sizeof(scr->note), "the line is full: %d bytes of text at most", P2P_MSG_MAX);
		fmt_write(STDOUT_FILENO, "\a", 1);
	} else if (r == EDIT_LINE) {
		if (c->quit == STAYING)
			key_line(c, scr->ed.buf, scr->ed.len, now);
		else if (is_cmd(scr->ed.buf, scr->ed.len, "/quit"))
			session_quit(c, now);
		edit_done(&scr->ed);
	}
}

/* The keys that came on the terminal. */
static void
screen_read(struct client *c, long long now)
{
	char buf[4096 + sizeof(scr->keys)];
	size_t have = scr->nkeys, at = 0, n, tl;
	ssize_t r;
	int key;

	memcpy(buf, scr->keys, have);
	r = net_read(STDIN_FILENO, buf + have, sizeof(buf) - have);
	if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR)) {
		c->keys_done = 1;
		session_quit(c, now);
		return;
	}
	have += r > 0 ? (size_t)r : 0;
	while (at < have && (n = term_key(buf + at, have - at, 0, &key, &tl)) > 0) {
		screen_key(c, key, buf + at, key == EK_TEXT ? tl : 0, now);
		at += n;
	}
	scr->nkeys = have - at < sizeof(scr->keys) ? have - at : 0; /* a key cut short waits */
	memcpy(scr->keys, buf + at, scr->nkeys);
	scr->esc_at = scr->nkeys > 0 ? now + ESC_WAIT : 0;
	draw();
}

void
ui_timers(struct client *c, long long now)
{
	char before[sizeof(scr->ts.status)], prompt[sizeof(scr->ts.prompt)];
	size_t n, tl;
	int key;

	if (scr == NULL)
		return;
	if (scr->esc_at != 0 && now >= scr->esc_at) { /* no more came: what waits is what it is */
		n = term_key(scr->keys, scr->nkeys, 1, &key, &tl);
		screen_key(c, key, scr->keys, key == EK_TEXT ? tl : 0, now);
		memmove(scr->keys, scr->keys + n, scr->nkeys - n);
		scr->nkeys -= n;
		scr->esc_at = scr->nkeys > 0 ? now : 0;
	}
	/* the two rows again only when what they say changed, or the size */
	memcpy(before, scr->ts.status, sizeof(before));
	memcpy(prompt, scr->ts.prompt, sizeof(prompt));
	status(c);
	if (resized || strcmp(before, scr->ts.status) != 0 || strcmp(prompt, scr->ts.prompt) != 0) {
		resized = 0;
		term_screen_draw(&scr->ts);
	}
}

long long
ui_next(const struct client *c)
{
	(void)c;
	return scr != NULL && scr->esc_at != 0 ? scr->esc_at : -1;
}
