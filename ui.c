/*
 * ui.c: what the user types and sees: commands, chat lines to send, and
 * the lines said back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "fmt.h"

/* A line for the user on stdout. */
void
ui_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfmt_line(STDOUT_FILENO, fmt, ap);
	va_end(ap);
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
say_help(void)
{
	ui_say("* commands: /msg NAME TEXT, /to NAME, /all TEXT, /who, /path NAME, /pending,");
	ui_say("*   /fingerprint [NAME], /accept NAME SAFETY-NUMBER, /help, /quit;");
	ui_say("*   a line without / goes to the /to user; start it with // to send a /");
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
	size_t cmd, alen, nlen, tlen;
	char esc[P2P_ESC_MAX(32)];
	int id;

	cmd = word(line, len, &arg, &alen);
	if (is_cmd(line, cmd, "/msg")) {
		nlen = word(arg, alen, &text, &tlen);
		if (nlen == 0 || tlen == 0)
			logmsg("usage: /msg NAME TEXT");
		else if ((u = online(c, arg, nlen)) != NULL)
			peer_send_chat(c, u, text, tlen, now);
	} else if (is_cmd(line, cmd, "/to")) {
		if (alen == 0 && c->target[0] == '\0')
			ui_say("* no /to user yet");
		else if (alen == 0)
			ui_say("* lines go to %s", c->target);
		else if ((u = online(c, arg, alen)) != NULL) {
			strcpy(c->target, u->name);
			ui_say("* lines go to %s", c->target);
		}
	} else if (is_cmd(line, cmd, "/all")) {
		id = peers_next_online(c, -1);
		if (alen == 0)
			logmsg("usage: /all TEXT");
		else if (id == -1)
			logmsg("no one else is online");
		for (; id != -1 && alen > 0; id = peers_next_online(c, id))
			peer_send_chat(c, &c->peers.u[id], arg, alen, now);
	} else if (is_cmd(line, cmd, "/who")) {
		ui_who(c, c->st == ONLINE ? "" : "the server is lost, so this may be stale: ");
	} else if (is_cmd(line, cmd, "/pending")) {
		print_pending(c, now);
	} else if (is_cmd(line, cmd, "/path")) {
		if (alen == 0)
			logmsg("usage: /path NAME");
		else if ((u = online(c, arg, alen)) != NULL)
			print_path(u);
	} else if (is_cmd(line, cmd, "/fingerprint")) {
		fingerprint(c, arg, alen);
	} else if (is_cmd(line, cmd, "/accept")) {
		accept_key(c, arg, alen, now);
	} else if (is_cmd(line, cmd, "/help")) {
		say_help();
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
		peer_send_chat(c, u, line, len, now);
	}
}

void
ui_read(struct client *c, long long now)
{
	ssize_t n = net_in_fill(c->pfd[KEYS].fd, &c->keys);
	size_t len;
	char *rec, term;
	int r;

	/* (while it waits to quit, LINGER, only a /quit counts) */
	while (c->quit <= LINGER && (r = net_in_record(&c->keys, "\n", &rec, &len, &term)) != 0) {
		if (r == -1)
			logmsg("not sent: the line is longer than %d bytes", (int)c->keys.size - 1);
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
