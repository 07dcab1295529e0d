/*
 * client.c: a user.  It logs in over UDP, opens the session over TCP, keeps
 * its roster live from the server's notices, and chats with peers directly
 * over UDP.  The server never carries a chat message.
 *
 * States, in order: LOGIN (UDP login, resent until answered), CONNECT (the TCP
 * session), ROSTER (reading it), ONLINE; OFFLINE when the server is lost
 * (peers still work); QUIT while the logout drains; DONE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "p2pchat.h"
#include "roster.h"

#define LOGIN_TRIES   4      /* UDP logins sent before giving up */
#define LOGIN_RTO     500    /* ms before the first resend; doubles */
#define SETUP_TIMEOUT 10000  /* ms from Accept to a complete roster */
#define QUIT_TIMEOUT  2000   /* ms the logout may take to drain */
#define LEFT_GRACE    5000   /* ms a user who left is still heard: datagrams
                                sent before the logout may arrive after it */
#define PEERS_MAX     100000 /* users a roster may hold */
#define INPUT_MAX     (P2P_TEXT_MAX + P2P_NAME_MAX + 8) /* "/msg NAME TEXT" */
#define OUT_MAX       4096   /* session output: a hello or a logout */

enum state { LOGIN, CONNECT, ROSTER, ONLINE, OFFLINE, QUIT, DONE };
enum { UDP, TCP, KEYS, NFDS };

struct client {
	const struct opts *o;
	enum state st;
	int status;
	struct p2p_ep server, self;
	struct pollfd pfd[NFDS];
	struct net_in tin, keys;
	struct net_out tout;
	struct roster peers;
	int tries;
	long long next, deadline;  /* the next resend; the end of this state */
	uint16_t tcpport;
	char token[P2P_TOKEN_LEN + 1];
	uint32_t seq;
	char target[P2P_NAME_MAX + 1];
};

/* A line for the user on stdout. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
fail(struct client *c, const char *why)
{
	logmsg("%s", why);
	c->status = 1;
	c->st = DONE;
}

static void
close_fd(struct client *c, int slot)
{
	if (c->pfd[slot].fd != -1)
		close(c->pfd[slot].fd);
	c->pfd[slot].fd = -1;
}

/* ---- logging in ---- */

static void
send_login(struct client *c, long long now)
{
	char buf[P2P_DGRAM_MAX];
	struct p2p_msg m;
	int n;

	memset(&m, 0, sizeof(m));
	m.type = P2P_LOGIN;
	strcpy(m.name, c->o->name);
	m.ep = c->self;
	if ((n = proto_format(buf, sizeof(buf), &m)) < 0)
		return;
	debug("udp > %s", buf);
	if (net_sendto(c->pfd[UDP].fd, buf, (size_t)n, &c->server) == -1)
		debug("login: %s", strerror(errno));
	c->next = now + ((long long)LOGIN_RTO << c->tries);
	c->tries++;
}

static void
rejected(struct client *c, const char *reason)
{
	char msg[300], esc[P2P_ESC_MAX(P2P_REASON_MAX)];

	if (strcmp(reason, "name taken") == 0)
		snprintf(msg, sizeof(msg), "login refused: name \"%s\" is already online", c->o->name);
	else if (strcmp(reason, "bad name") == 0)
		snprintf(msg, sizeof(msg), "login refused: the server does not allow the name \"%s\"", c->o->name);
	else if (strcmp(reason, "server full") == 0)
		snprintf(msg, sizeof(msg), "login refused: the server is full");
	else
		snprintf(msg, sizeof(msg), "login refused: %s",
		    (proto_escape(reason, strlen(reason), esc, sizeof(esc)), esc));
	fail(c, msg);
}

static void
accepted(struct client *c, const struct p2p_msg *m, long long now)
{
	struct p2p_ep to = c->server;
	char msg[100];

	to.port = m->port;
	strcpy(c->token, m->token);
	if ((c->pfd[TCP].fd = net_connect(&to)) == -1) {
		snprintf(msg, sizeof(msg), "cannot connect to the server: %s", strerror(errno));
		fail(c, msg);
		return;
	}
	c->tcpport = m->port;
	c->st = CONNECT;
	c->deadline = now + SETUP_TIMEOUT;
}

static void
connected(struct client *c)
{
	char buf[P2P_LINE_MAX + 1], msg[100];
	struct p2p_msg m;
	int n;

	if (net_connected(c->pfd[TCP].fd) == -1) {
		snprintf(msg, sizeof(msg), "cannot connect to the server's port %u: %s",
		    (unsigned)c->tcpport, strerror(errno));
		fail(c, msg);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = P2P_HELLO;
	strcpy(m.name, c->o->name);
	strcpy(m.token, c->token);
	n = proto_format(buf, sizeof(buf) - 1, &m);
	buf[n++] = '\n';
	net_out_add(&c->tout, buf, (size_t)n, OUT_MAX);
	c->st = ROSTER;
}

/* ---- the roster ---- */

/* Iterate over the users online now, not those who just left. */
static int
next_online(const struct client *c, int id)
{
	while ((id = roster_next(&c->peers, id)) != -1 && !c->peers.u[id].online)
		;
	return id;
}

static void
print_who(struct client *c, const char *prefix)
{
	char line[1024];
	size_t o = 0;
	int id, n = 0;

	for (id = next_online(c, -1); id != -1; id = next_online(c, id))
		n++;
	if (n == 0) {
		say("* %sno one else is online", prefix);
		return;
	}
	line[0] = '\0';
	for (id = next_online(c, -1); id != -1 && o < sizeof(line) - 40; id = next_online(c, id))
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s", o ? ", " : "",
		    c->peers.u[id].name);
	say("* %s%d online: %s%s", prefix, n, line, id != -1 ? ", ..." : "");
}

/* Add or update a user from a roster entry or login notice. */
static int
peer_set(struct client *c, const struct p2p_msg *m)
{
	struct roster_user *u;
	int id = roster_find(&c->peers, m->name, strlen(m->name));

	if (id == -1)
		id = roster_add(&c->peers, m->name, strlen(m->name));
	if ((u = roster_get(&c->peers, id)) == NULL)
		return -1;
	u->online = 1;
	u->ep = m->ep;
	u->lep = m->ep2;
	return 0;
}

static void
roster_record(struct client *c, const char *rec, size_t len, char term)
{
	struct p2p_msg m;
	char msg[100], who[P2P_NAME_MAX + 40];
	int r = proto_roster_record(rec, len, term, &m);

	if (r < 0) {
		snprintf(msg, sizeof(msg), "bad roster from the server: %s", proto_strerror(r));
		fail(c, msg);
	} else if (r == 1) {
		if (proto_name_eq(c->o->name, m.name, strlen(m.name)) || peer_set(c, &m) == -1)
			debug("roster: skipped %s", m.name);
	} else {
		c->st = ONLINE;
		snprintf(who, sizeof(who), "logged in as %s; ", c->o->name);
		print_who(c, who);
	}
}

static void
notice(struct client *c, const char *line, size_t len, long long now)
{
	char esc[P2P_ESC_MAX(P2P_LINE_MAX)];
	struct roster_user *u;
	struct p2p_msg m;
	int r = proto_parse(line, len, P2P_FROM_SERVER, &m);

	if (r == 0 && proto_name_eq(c->o->name, m.name, strlen(m.name))) {
		debug("ignored a notice about myself");
	} else if (r == 0 && m.type == P2P_LOGIN) {
		if (peer_set(c, &m) == 0)
			say("* %s is online", m.name);
	} else if (r == 0 && m.type == P2P_LOGOUT) {
		u = roster_get(&c->peers, roster_find(&c->peers, m.name, strlen(m.name)));
		if (u != NULL && u->online) {
			u->online = 0;
			u->expires = now + LEFT_GRACE;
			say("* %s left", u->name);
		}
	} else {
		proto_escape(line, len, esc, sizeof(esc));
		logmsg("ignored a line from the server (%s): %s",
		    r < 0 ? proto_strerror(r) : "unexpected", esc);
	}
}

static void
lost_server(struct client *c, const char *why)
{
	char msg[120];

	close_fd(c, TCP);
	net_out_free(&c->tout);
	if (c->st == ONLINE) {
		say("* lost the server (%s); chat with peers goes on", why);
		c->st = OFFLINE;
	} else if (c->st == QUIT) {
		c->st = DONE;
	} else {
		snprintf(msg, sizeof(msg), "lost the server while logging in: %s", why);
		fail(c, msg);
	}
}

static void
tcp_read(struct client *c, long long now)
{
	ssize_t n = net_in_fill(c->pfd[TCP].fd, &c->tin);
	size_t len;
	char *rec, term;
	int r;

	while ((c->st == ROSTER || c->st == ONLINE) &&
	    (r = net_in_record(&c->tin, c->st == ROSTER ? ";\n" : "\n", &rec, &len, &term)) != 0) {
		if (r == -1)
			logmsg("skipped an over-long line from the server");
		else if (c->st == ROSTER)
			roster_record(c, rec, len, term);
		else
			notice(c, rec, len, now);
	}
	if (n == 0)
		lost_server(c, "connection closed");
	else if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		lost_server(c, strerror(errno));
}

/* ---- chat ---- */

static void
send_chat(struct client *c, const struct roster_user *u, const char *text, size_t len)
{
	char buf[P2P_DGRAM_MAX + 1];
	struct p2p_msg m;
	int n;

	memset(&m, 0, sizeof(m));
	m.type = P2P_MSG;
	strcpy(m.name, c->o->name);
	m.seq = ++c->seq;
	m.text = text;
	m.textlen = len;
	if ((n = proto_format(buf, sizeof(buf), &m)) < 0 || n > P2P_DGRAM_MAX) {
		logmsg("message too long (at most %d bytes)", P2P_TEXT_MAX);
		return;
	}
	if (net_sendto(c->pfd[UDP].fd, buf, (size_t)n, &u->ep) == -1)
		logmsg("cannot send to %s: %s", u->name, strerror(errno));
}

static void
show_chat(struct client *c, const struct p2p_ep *src, const char *buf, size_t len)
{
	char esc[P2P_ESC_MAX(P2P_TEXT_MAX)], eps[P2P_EPSTR_MAX], stamp[16];
	const struct roster_user *u;
	struct p2p_msg m;
	time_t t = time(NULL);
	struct tm tm;
	int r;

	if ((r = proto_parse(buf, len, P2P_FROM_PEER, &m)) < 0) {
		logmsg("dropped a bad datagram from %s: %s", proto_ep_str(src, eps), proto_strerror(r));
		return;
	}
	/* a name is only a claim: it must come from that user's endpoint */
	u = roster_get(&c->peers, roster_find(&c->peers, m.name, strlen(m.name)));
	if (u == NULL || !(proto_ep_eq(&u->ep, src) || (u->lep.family && proto_ep_eq(&u->lep, src)))) {
		logmsg("dropped a message from %s claiming to be %s", proto_ep_str(src, eps), m.name);
		return;
	}
	proto_escape(m.text, m.textlen, esc, sizeof(esc));
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	say("[%s] <%s> %s", stamp, u->name, esc);
}

static void
udp_read(struct client *c, long long now)
{
	char buf[P2P_DGRAM_MAX + 1], eps[P2P_EPSTR_MAX];
	struct p2p_ep src;
	struct p2p_msg m;
	ssize_t n;
	int k;

	for (k = 0; k < 64; k++) {
		if ((n = net_recvfrom(c->pfd[UDP].fd, buf, sizeof(buf), &src)) == -1)
			return;
		if ((size_t)n > P2P_DGRAM_MAX) {
			logmsg("dropped an oversized datagram from %s", proto_ep_str(&src, eps));
		} else if (proto_ep_eq(&src, &c->server)) {
			if (c->st != LOGIN || proto_parse(buf, (size_t)n, P2P_FROM_SERVER, &m) < 0)
				debug("ignored a datagram from the server");
			else if (m.type == P2P_ACCEPT)
				accepted(c, &m, now);
			else if (m.type == P2P_REJECT)
				rejected(c, m.reason);
		} else if (c->st == ONLINE || c->st == OFFLINE) {
			show_chat(c, &src, buf, (size_t)n);
		}
	}
}

/* ---- the keyboard ---- */

static void
quit(struct client *c, long long now)
{
	char buf[P2P_LINE_MAX + 1];
	struct p2p_msg m;
	int n;

	if (c->st != ONLINE) {
		c->st = DONE;
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = P2P_LOGOUT;
	strcpy(m.name, c->o->name);
	m.ep = c->self;
	n = proto_format(buf, sizeof(buf) - 1, &m);
	buf[n++] = '\n';
	net_out_add(&c->tout, buf, (size_t)n, OUT_MAX);
	c->st = QUIT;
	c->deadline = now + QUIT_TIMEOUT;
}

/* The online user called (name, len), or NULL after an error line. */
static const struct roster_user *
online(struct client *c, const char *name, size_t len)
{
	struct roster_user *u = roster_get(&c->peers, roster_find(&c->peers, name, len));
	char esc[P2P_ESC_MAX(64)];

	if (u == NULL || !u->online) {
		proto_escape(name, len > 64 ? 64 : len, esc, sizeof(esc));
		logmsg("%s is not online", esc);
	}
	return u;
}

static void
say_help(void)
{
	say("* commands: /msg NAME TEXT, /to NAME, /all TEXT, /who, /help, /quit;");
	say("*   a line without / goes to the /to user; start it with // to send a /");
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

static void
command(struct client *c, const char *line, size_t len, long long now)
{
	const struct roster_user *u;
	const char *arg, *text;
	size_t cmd, alen, nlen, tlen;
	char esc[P2P_ESC_MAX(32)];
	int id;

	cmd = word(line, len, &arg, &alen);
	if (cmd == 4 && memcmp(line, "/msg", 4) == 0) {
		nlen = word(arg, alen, &text, &tlen);
		if (nlen == 0 || tlen == 0)
			logmsg("usage: /msg NAME TEXT");
		else if ((u = online(c, arg, nlen)) != NULL)
			send_chat(c, u, text, tlen);
	} else if (cmd == 3 && memcmp(line, "/to", 3) == 0) {
		if (alen == 0 && c->target[0] == '\0')
			say("* no /to user yet");
		else if (alen == 0)
			say("* lines go to %s", c->target);
		else if ((u = online(c, arg, alen)) != NULL) {
			strcpy(c->target, u->name);
			say("* lines go to %s", c->target);
		}
	} else if (cmd == 4 && memcmp(line, "/all", 4) == 0) {
		id = next_online(c, -1);
		if (alen == 0)
			logmsg("usage: /all TEXT");
		else if (id == -1)
			logmsg("no one else is online");
		for (; id != -1 && alen > 0; id = next_online(c, id))
			send_chat(c, &c->peers.u[id], arg, alen);
	} else if (cmd == 4 && memcmp(line, "/who", 4) == 0) {
		print_who(c, "");
	} else if (cmd == 5 && memcmp(line, "/help", 5) == 0) {
		say_help();
	} else if (cmd == 5 && memcmp(line, "/quit", 5) == 0) {
		quit(c, now);
	} else {
		proto_escape(line, cmd > 32 ? 32 : cmd, esc, sizeof(esc));
		logmsg("unknown command %s (try /help)", esc);
	}
}

static void
key_line(struct client *c, const char *line, size_t len, long long now)
{
	const struct roster_user *u;

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
		send_chat(c, u, line, len);
	}
}

static void
keys_read(struct client *c, long long now)
{
	ssize_t n = net_in_fill(c->pfd[KEYS].fd, &c->keys);
	size_t len;
	char *rec, term;
	int r;

	while ((c->st == ONLINE || c->st == OFFLINE) &&
	    (r = net_in_record(&c->keys, "\n", &rec, &len, &term)) != 0) {
		if (r == -1)
			logmsg("not sent: the line is longer than %d bytes", (int)c->keys.size - 1);
		else
			key_line(c, rec, len, now);
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		/* EOF: the user is done, after a last line that had no newline */
		if (c->keys.len > 0 && !c->keys.skipping && (c->st == ONLINE || c->st == OFFLINE))
			key_line(c, c->keys.buf + c->keys.start, c->keys.len, now);
		quit(c, now);
	}
}

/* ---- the loop's side ---- */

static int
client_prepare(void *p, long long now, struct pollfd **fds, int *timeout)
{
	struct client *c = p;
	long long t = c->deadline;
	int i;

	if (c->st == DONE)
		return -1;
	for (i = 0; i < NFDS; i++)
		c->pfd[i].events = c->pfd[i].revents = 0;
	c->pfd[UDP].events = POLLIN;
	if (c->st == CONNECT || c->tout.len > 0)
		c->pfd[TCP].events = POLLOUT;
	if (c->st == ROSTER || c->st == ONLINE || c->st == QUIT)
		c->pfd[TCP].events |= POLLIN;
	/* stdin is read only once online; poll would report its EOF even unasked */
	c->pfd[KEYS].fd = c->st == ONLINE || c->st == OFFLINE ? STDIN_FILENO : -1;
	c->pfd[KEYS].events = POLLIN;
	if (c->st == LOGIN)
		t = c->next;
	else if (c->st == ONLINE || c->st == OFFLINE)
		t = roster_next_expiry(&c->peers);
	*timeout = t == -1 ? -1 : t <= now ? 0 : (int)(t - now);
	*fds = c->pfd;
	return NFDS;
}

static void
client_dispatch(void *p, long long now)
{
	struct client *c = p;
	char msg[120];
	int id;

	if (c->pfd[TCP].revents & POLLOUT) {
		if (c->st == CONNECT)
			connected(c);
		if (c->st != DONE && net_out_flush(c->pfd[TCP].fd, &c->tout) == -1)
			lost_server(c, strerror(errno));
	}
	if ((c->st == ROSTER || c->st == ONLINE || c->st == QUIT) &&
	    (c->pfd[TCP].revents & (POLLIN | POLLHUP | POLLERR)))
		tcp_read(c, now);
	if (c->pfd[UDP].revents & POLLIN)
		udp_read(c, now);
	if (c->pfd[KEYS].revents)
		keys_read(c, now);
	while ((id = roster_expired(&c->peers, now)) != -1)
		roster_remove(&c->peers, id);
	if (c->st == QUIT && c->tout.len == 0) {
		close_fd(c, TCP); /* the logout is written; closing says the same again */
		c->st = DONE;
	}
	if (c->st == LOGIN && now >= c->next && c->tries < LOGIN_TRIES) {
		send_login(c, now);
	} else if ((c->st == LOGIN && now >= c->next) ||
	    ((c->st == CONNECT || c->st == ROSTER) && now >= c->deadline)) {
		snprintf(msg, sizeof(msg), "no answer from the server at %s%s",
		    c->o->host, c->st == LOGIN ? "" : " (session)");
		fail(c, msg);
	} else if (c->st == QUIT && now >= c->deadline) {
		c->st = DONE;
	}
}

static void
client_stop(void *p)
{
	struct client *c = p;

	quit(c, net_now());
}

static const struct mode client_mode = { client_prepare, client_dispatch, client_stop };

static int
setup(struct client *c)
{
	struct p2p_ep any;
	char msg[200];
	int r;

	if ((r = net_resolve(c->o->host, c->o->port, &c->server)) != 0) {
		snprintf(msg, sizeof(msg), "cannot resolve %s: %s", c->o->host, net_resolve_error(r));
		fail(c, msg);
		return -1;
	}
	memset(&any, 0, sizeof(any));
	any.family = c->server.family;
	any.port = c->o->lport;
	if ((c->pfd[UDP].fd = net_udp(&any)) == -1 || net_sockname(c->pfd[UDP].fd, &any) == -1 ||
	    net_route(&c->server, &c->self) == -1) {
		snprintf(msg, sizeof(msg), "cannot open UDP port %u: %s", (unsigned)c->o->lport, strerror(errno));
		fail(c, msg);
		return -1;
	}
	c->self.port = any.port;
	if (net_in_init(&c->tin, P2P_LINE_MAX + 1) == -1 || net_in_init(&c->keys, INPUT_MAX + 1) == -1) {
		fail(c, "out of memory");
		return -1;
	}
	return 0;
}

int
client_run(const struct opts *o)
{
	struct client c;
	int i;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.st = LOGIN;
	for (i = 0; i < NFDS; i++)
		c.pfd[i].fd = -1;
	c.pfd[KEYS].fd = STDIN_FILENO;
	roster_init(&c.peers, PEERS_MAX);
	if (setup(&c) == 0 && loop_run(&client_mode, &c) == -1)
		c.status = 1;
	close_fd(&c, UDP);
	close_fd(&c, TCP);
	net_in_free(&c.tin);
	net_in_free(&c.keys);
	net_out_free(&c.tout);
	roster_free(&c.peers);
	return c.status;
}
