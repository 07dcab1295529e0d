/*
 * session.c: the session with the server.  It goes LOGIN (UDP login, resent
 * until answered), CONNECT (the TCP session), ROSTER (reading it), ONLINE.
 * A session lost once online goes back to LOGIN and tries again with
 * backoff, forever, while chat with the peers it knows goes on; the first
 * login gives up instead.  Quitting first waits a little for
 * unacknowledged messages (linger), then logs out and waits for that line
 * to be written (drain).
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

static long long
jitter(long long ms)
{
	unsigned char r = 0;

	net_random(&r, 1);
	return ms + ms * r / 1024; /* up to a quarter more, so clients spread out */
}

static void
send_login(struct client *c, long long now)
{
	char buf[P2P_DGRAM_MAX];
	struct p2p_msg m;
	long long wait;
	int n;

	memset(&m, 0, sizeof(m));
	m.type = P2P_LOGIN;
	strcpy(m.name, c->o->name);
	m.ep = c->self;
	m.haskey = c->secure;
	memcpy(m.key, c->me.pub, sizeof(m.key));
	if ((n = proto_format(buf, sizeof(buf), &m)) < 0)
		return;
	debug("udp > %s", buf);
	if (net_sendto(c->pfd[UDP].fd, buf, (size_t)n, &c->server) == -1)
		debug("login: %s", strerror(errno));
	wait = (long long)LOGIN_RTO << (c->tries < 5 ? c->tries : 5);
	if (c->been_online)
		wait = jitter(wait < RELOGIN_MAX ? wait : RELOGIN_MAX);
	c->next = now + wait;
	c->tries++;
}

/* Back to LOGIN after a lost or failed session, if it is not fatal. */
void
session_lost(struct client *c, const char *why, long long now)
{
	char msg[160];

	client_close_fd(c, TCP);
	net_out_free(&c->tout);
	c->tin.start = c->tin.len = 0;
	c->tin.skipping = 0;
	if (c->quit == DRAIN) {
		c->quit = DONE;
	} else if (!c->been_online) {
		fmt(msg, sizeof(msg), "lost the server while logging in: %s", why);
		client_fail(c, msg);
	} else {
		if (c->st == ONLINE)
			ui_say("* lost the server (%s); chat with peers goes on; logging in again", why);
		c->st = LOGIN;
		c->tries = 0;
		c->next = now + jitter(LOGIN_RTO);
	}
}

static void
rejected(struct client *c, const char *reason, long long now)
{
	static const char *const known[][2] = {
		{ "name taken", "name \"%s\" is already online" },
		{ "bad name", "the server does not allow the name \"%s\"" },
		{ "server full", "the server is full" },
	};
	char msg[300], why[200];
	size_t k;

	proto_escape(reason, strlen(reason), why, sizeof(why));
	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (strcmp(reason, known[k][0]) == 0)
			fmt(why, sizeof(why), known[k][1], c->o->name);
	fmt(msg, sizeof(msg), "login refused: %s", why);
	/* logins pending from our address (a NAT shared with a crowd) clear
	 * within seconds: worth a few tries even at the first login */
	if ((!c->been_online && (strcmp(reason, "too many logins pending from your address") != 0 ||
	    c->tries >= LOGIN_TRIES)) || strncmp(reason, "kicked out", 10) == 0) {
		client_fail(c, msg);
		return;
	}
	if (!c->refused++)
		logmsg("%s; trying again", msg);
	c->next = now + jitter(RELOGIN_MAX);
}

static void
accepted(struct client *c, const struct p2p_msg *m, long long now)
{
	struct p2p_ep to = c->server;
	char msg[100];

	to.port = m->port;
	strcpy(c->token, m->token);
	c->relay = m->relay;
	client_close_fd(c, TCP);
	if ((c->pfd[TCP].fd = net_connect(&to)) == -1) {
		fmt(msg, sizeof(msg), "cannot connect to the server: %s", strerror(errno));
		session_lost(c, msg, now);
		return;
	}
	c->tcpport = m->port;
	c->st = CONNECT;
	c->deadline = now + SETUP_TIMEOUT;
}

void
session_connected(struct client *c, long long now)
{
	char buf[P2P_LINE_MAX + 1], msg[100];
	struct p2p_msg m;
	int n, id;

	if (net_connected(c->pfd[TCP].fd) == -1) {
		fmt(msg, sizeof(msg), "cannot connect to the server's port %u: %s",
		    (unsigned)c->tcpport, strerror(errno));
		session_lost(c, msg, now);
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
	/* whoever the new roster does not name has left */
	for (id = roster_next(&c->peers, -1); id != -1; id = roster_next(&c->peers, id))
		c->peers.u[id].mark = 0;
}

static void
roster_record(struct client *c, const char *rec, size_t len, char term, long long now)
{
	struct p2p_msg m;
	char msg[100], who[P2P_NAME_MAX + 40];
	int r = proto_roster_record(rec, len, term, &m);

	if (r < 0) {
		fmt(msg, sizeof(msg), "bad roster from the server: %s", proto_strerror(r));
		session_lost(c, msg, now);
	} else if (r == 1) {
		if (!proto_name_eq(c->o->name, m.name, strlen(m.name)))
			peer_set(c, &m, !c->been_online, now);
	} else {
		/* the others log in again too, at their own pace: only those
		 * still unheard of after a while have left */
		if (c->been_online)
			c->stale_at = now + STALE_GRACE;
		fmt(who, sizeof(who), c->been_online ? "back online; " : "logged in as %s; ",
		    c->o->name);
		c->st = ONLINE;
		c->been_online = 1;
		c->refused = 0;
		c->next = now + KEEPALIVE;
		ui_who(c, who);
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
		peer_set(c, &m, 0, now);
	} else if (r == 0 && m.type == P2P_LOGOUT) {
		peer_left(c, roster_get(&c->peers, roster_find(&c->peers, m.name, strlen(m.name))), now);
	} else if (r == 0 && m.type == P2P_KICKED) {
		fmt(esc, sizeof(esc), "the server kicked you out: it refuses your name from your address "
		    "for %lu s", (unsigned long)m.secs);
		client_fail(c, esc);
	} else if (r == 0 && m.type == P2P_PUNCH) {
		/* a peer looks for a path to us: probe it at the same time */
		debug("%s looks for a path to us", m.name);
		if ((u = roster_get(&c->peers, roster_find(&c->peers, m.name, strlen(m.name)))) != NULL &&
		    u->online)
			peer_punch(c, u, now, 0);
	} else if (hush_ok(&c->junk, now, "lines about the server's lines")) {
		proto_escape(line, len, esc, sizeof(esc));
		logmsg("ignored a line from the server (%s): %s",
		    r < 0 ? proto_strerror(r) : "unexpected", esc);
	}
}

void
session_read(struct client *c, long long now)
{
	ssize_t n = net_in_fill(c->pfd[TCP].fd, &c->tin);
	size_t len;
	char *rec, term;
	int r;

	if (n > 0)
		c->heard = now;
	while ((c->st == ROSTER || c->st == ONLINE) &&
	    (r = net_in_record(&c->tin, c->st == ROSTER ? ";\n" : "\n", &rec, &len, &term)) != 0) {
		if (r == -1 || len > P2P_LINE_MAX) {
			if (hush_ok(&c->junk, now, "lines about the server's lines"))
				logmsg("skipped an over-long line from the server");
		} else if (c->st == ROSTER)
			roster_record(c, rec, len, term, now);
		else
			notice(c, rec, len, now);
	}
	if (c->pfd[TCP].fd == -1)
		return; /* a bad roster ended the session */
	if (n == 0)
		session_lost(c, "connection closed", now);
	else if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		session_lost(c, strerror(errno), now);
}

static void
send_ping(struct client *c, long long now)
{
	char buf[P2P_NAME_MAX + 8];
	struct p2p_msg m;
	int n;

	memset(&m, 0, sizeof(m));
	m.type = P2P_PING;
	strcpy(m.name, c->o->name);
	if ((n = proto_format(buf, sizeof(buf), &m)) > 0)
		net_sendto(c->pfd[UDP].fd, buf, (size_t)n, &c->server);
	c->next = now + KEEPALIVE;
}

/* Give up on what is unacknowledged, then log out. */
static void
log_out(struct client *c, long long now)
{
	char buf[P2P_LINE_MAX + 1];
	struct p2p_msg m;
	int n, k;

	for (k = 0; k < c->nact; k++)
		peer_report_failed(&c->peers.u[c->act[k]], now, 1);
	if (c->st != ONLINE) {
		c->quit = DONE;
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = P2P_LOGOUT;
	strcpy(m.name, c->o->name);
	m.ep = c->self;
	n = proto_format(buf, sizeof(buf) - 1, &m);
	buf[n++] = '\n';
	net_out_add(&c->tout, buf, (size_t)n, OUT_MAX);
	c->quit = DRAIN;
	c->deadline = now + QUIT_TIMEOUT;
}

void
session_quit(struct client *c, long long now)
{
	if (!c->been_online || c->quit == DRAIN) {
		c->quit = DONE;
	} else if (c->quit == LINGER || peers_longest_queue(c) == 0) {
		log_out(c, now); /* asked twice: no more waiting */
	} else {
		c->quit = LINGER;
		c->deadline = now + LINGER_TIMEOUT;
		if (!c->keys_done) /* (a script at its end needs no word of it) */
			logmsg("waiting up to %d s for chat not yet acknowledged (%lu datagrams); "
			    "quit again to leave now", LINGER_TIMEOUT / 1000, (unsigned long)peers_pending(c));
	}
}

void
session_timers(struct client *c, long long now)
{
	char msg[P2P_EPSTR_MAX + 340], eps[P2P_EPSTR_MAX];
	int named, id;

	if (c->st == LOGIN && c->quit == STAYING && now >= c->next) {
		if (c->been_online || c->tries < LOGIN_TRIES) {
			send_login(c, now);
		} else {
			proto_ep_str(&c->server, eps);
			named = strncmp(eps, c->o->host, strlen(c->o->host)) != 0;
			fmt(msg, sizeof(msg), "no answer from the server at %s%s%s (UDP)", named ? c->o->host : "",
			    named ? ", " : "", eps);
			client_fail(c, msg);
		}
	} else if ((c->st == CONNECT || c->st == ROSTER) && now >= c->deadline) {
		session_lost(c, "no answer on the session", now);
	} else if (c->st == ONLINE && now - c->heard >= SILENCE) {
		session_lost(c, "no answer to keepalives", now);
	} else if (c->st == ONLINE && now >= c->next) {
		send_ping(c, now);
	}
	if (c->stale_at != 0 && now >= c->stale_at && c->st == ONLINE) {
		for (id = peers_next_online(c, -1); id != -1; id = peers_next_online(c, id))
			if (!c->peers.u[id].mark)
				peer_left(c, &c->peers.u[id], now);
		c->stale_at = 0;
	}
	if (c->quit == LINGER && (now >= c->deadline || peers_longest_queue(c) == 0))
		log_out(c, now);
	if (c->quit == DRAIN && (c->tout.len == 0 || now >= c->deadline)) {
		client_close_fd(c, TCP); /* the logout is written; closing says the same again */
		c->quit = DONE;
	}
}

void
session_datagram(struct client *c, const char *buf, size_t len, long long now)
{
	struct p2p_msg m;

	if (proto_parse(buf, len, P2P_FROM_SERVER, &m) < 0)
		debug("ignored a datagram from the server");
	else if (m.type == P2P_PONG)
		c->heard = now;
	else if (c->st == LOGIN && c->quit == STAYING && m.type == P2P_ACCEPT)
		accepted(c, &m, now);
	else if (c->st == LOGIN && c->quit == STAYING && m.type == P2P_REJECT)
		rejected(c, m.reason, now);
	else if (m.type == P2P_RELAY && c->been_online)
		peer_datagram(c, NULL, m.name, m.text, m.textlen, now);
}
