/*
 * client.c: a user.  It logs in over UDP, opens the session over TCP, keeps
 * its roster live from the server's notices, and chats with peers directly
 * over UDP through one reliable link per peer (link.c).  The server never
 * carries a chat message.
 *
 * The session goes LOGIN (UDP login, resent until answered), CONNECT (the
 * TCP session), ROSTER (reading it), ONLINE.  A session lost once online
 * goes back to LOGIN and tries again with backoff, forever, while chat with
 * the peers it knows goes on; the first login gives up instead.  Quitting
 * first waits a little for unacknowledged messages (linger), then logs out
 * and waits for that line to be written (drain).
 *
 * Chat is end-to-end encrypted (secure.c): a handshake with each peer
 * proves both long-term keys, the first key a peer proves is pinned in
 * known_peers (identity.c), and every chat datagram goes sealed.  Path
 * probes go in the clear: they carry a name and a nonce, no chat.
 * --insecure drops all of it, for peers that run --insecure too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "identity.h"
#include "link.h"
#include "net.h"
#include "p2pchat.h"
#include "path.h"
#include "rate.h"
#include "roster.h"
#include "secure.h"

#define LOGIN_TRIES    4      /* first login: UDP logins sent before giving up */
#define LOGIN_RTO      500    /* ms before the first resend; doubles */
#define RELOGIN_MAX    8000   /* ms: the longest wait between logins again */
#define SETUP_TIMEOUT  10000  /* ms from Accept to a complete roster */
#define KEEPALIVE      25000  /* ms between keepalives to the server */
#define SILENCE        90000  /* ms without a word from the server: it is lost */
#define LINGER_TIMEOUT 5000   /* ms quitting waits for messages to be acknowledged */
#define QUIT_TIMEOUT   2000   /* ms the logout may take to drain */
#define LEFT_GRACE     5000   /* ms a user who left is still heard: datagrams
                                 sent before the logout may arrive after it */
#define STALE_GRACE    20000  /* ms after a login again that users the new roster
                                 lacks are still taken as online: after a server
                                 restart the others come back one by one */
#define PEERS_MAX      100000 /* users a roster may hold */
#define INPUT_MAX      (P2P_MSG_MAX + P2P_NAME_MAX + 8) /* "/msg NAME TEXT" */
#define OUT_MAX        4096   /* session output: a hello or a logout */
#define TIN_MAX        65536  /* session input read at once (lines are P2P_LINE_MAX) */
/* Every datagram the client sends on its own (probes, handshakes, answers;
 * not chat, which the links pace) is paid from a budget of its destination's
 * address and from one in total, so that no one, not a lying server nor a
 * flood of strangers, can make it send more than these anywhere. */
#define SEND_DEST      64     /* datagrams to one address at once, */
#define SEND_DEST_S    32     /* then per second (to the server's port: only the total) */
#define SEND_ALL       256    /* datagrams to all together at once, */
#define SEND_ALL_S     128    /* then per second */
#define SEND_SLOTS     256    /* addresses the budget tells apart */

enum state { LOGIN, CONNECT, ROSTER, ONLINE };
enum quitting { STAYING, LINGER, DRAIN, DONE }; /* in this order */
enum { UDP, TCP, KEYS, NFDS };

struct client {
	const struct opts *o;
	enum state st;
	enum quitting quit;
	int status;
	int been_online;           /* once online, a lost server is not fatal */
	struct p2p_ep server, self;
	struct pollfd pfd[NFDS];  /* the fds, what to wait for and what came */
	struct net_poller *poller;
	struct net_in tin, keys;
	struct net_out tout;
	struct roster peers;
	int tries;
	long long next;            /* LOGIN: the next login; ONLINE: the next keepalive */
	long long deadline;        /* CONNECT, ROSTER, quitting: the end of the state */
	long long heard;           /* the last word from the server */
	int refused;               /* a login again was refused: said once */
	int keys_done;             /* stdin is at its end */
	long long stale_at;        /* then users that no roster or notice named since
	                              the login again have left; 0: none wait */
	uint16_t tcpport;
	char token[P2P_TOKEN_LEN + 1];
	int relay;                 /* the server relays for us */
	char target[P2P_NAME_MAX + 1];
	struct hush noise;         /* lines about dropped datagrams */
	struct hush junk;          /* lines about lines from the server it ignored */
	struct rate_slot dest[SEND_SLOTS]; /* the budget of each destination, */
	struct rate sent;          /* and the total */
	int *act, nact, actcap;    /* the ids of users with peer state (struct peer) */
	struct gone *gone;         /* users who left, oldest first (a ring) */
	size_t gone0, ngone, gonecap;
	int secure;                /* not --insecure */
	struct sec_self me;        /* our key pair and cookie secrets */
	struct id_pins known;      /* known_peers, read at start */
};

enum trust { UNKNOWN, TRUSTED, REFUSED };

/* What the client keeps of a peer it chats with, as its roster entry's data:
 * made when there is something to say or to answer, freed when there is no
 * longer (peer_idle), so that a roster entry alone costs only its line. */
struct peer {
	struct link link;
	struct path path;
	struct sec_peer sec;
	enum trust trust;          /* of the key its last handshake proved */
	unsigned char refused[32]; /* REFUSED: that key, for /accept */
	int id;                    /* its user's roster id */
	int act;                   /* its place in c->act */
	int fresh;                 /* its session opened since the user last left */
};

/* A user who left, due to be forgotten at expires. */
struct gone {
	int id;
	long long expires;
};

/* A line for the user on stdout. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfmt_line(STDOUT_FILENO, fmt, ap);
	va_end(ap);
}

static void
fail(struct client *c, const char *why)
{
	logmsg("%s", why);
	c->status = 1;
	c->quit = DONE;
}

static void
close_fd(struct client *c, int slot)
{
	if (c->pfd[slot].fd != -1)
		net_close(c->pfd[slot].fd);
	c->pfd[slot].fd = -1;
}

static void
soonest(long long *t, long long x)
{
	if (x != -1 && (*t == -1 || x < *t))
		*t = x;
}

static long long
jitter(long long ms)
{
	unsigned char r = 0;

	net_random(&r, 1);
	return ms + ms * r / 1024; /* up to a quarter more, so clients spread out */
}

/* ---- logging in ---- */

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
static void
session_lost(struct client *c, const char *why, long long now)
{
	char msg[160];

	close_fd(c, TCP);
	net_out_free(&c->tout);
	c->tin.start = c->tin.len = 0;
	c->tin.skipping = 0;
	if (c->quit == DRAIN) {
		c->quit = DONE;
	} else if (!c->been_online) {
		fmt(msg, sizeof(msg), "lost the server while logging in: %s", why);
		fail(c, msg);
	} else {
		if (c->st == ONLINE)
			say("* lost the server (%s); chat with peers goes on; logging in again", why);
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
		fail(c, msg);
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
	close_fd(c, TCP);
	if ((c->pfd[TCP].fd = net_connect(&to)) == -1) {
		fmt(msg, sizeof(msg), "cannot connect to the server: %s", strerror(errno));
		session_lost(c, msg, now);
		return;
	}
	c->tcpport = m->port;
	c->st = CONNECT;
	c->deadline = now + SETUP_TIMEOUT;
}

static void
connected(struct client *c, long long now)
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
		o += (size_t)fmt(line + o, sizeof(line) - o, "%s%s", o ? ", " : "",
		    c->peers.u[id].name);
	say("* %s%d online: %s%s", prefix, n, line, id != -1 ? ", ..." : "");
}

/* The peer state of u, made when first needed; NULL when out of memory.
 * Users with peer state are listed in c->act, so that timers cost nothing
 * for the rest of the roster, however long. */
static struct peer *
peer_of(struct client *c, struct roster_user *u)
{
	struct peer *p = u->data;
	uint32_t r[2];
	int *a;

	if (p != NULL)
		return p;
	if (c->nact == c->actcap) {
		if ((a = realloc(c->act, (size_t)(c->actcap ? 2 * c->actcap : 16) * sizeof(*a))) == NULL)
			return NULL;
		c->act = a;
		c->actcap = c->actcap ? 2 * c->actcap : 16;
	}
	if ((p = u->data = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	net_random(r, sizeof(r));
	link_init(&p->link, r[0]);
	path_init(&p->path, &u->ep, &u->lep, c->relay, r[1]);
	p->id = (int)(u - c->peers.u);
	p->act = c->nact;
	c->act[c->nact++] = p->id;
	return p;
}

/* Free what the client keeps of u, its secrets wiped. */
static void
peer_free(struct client *c, struct roster_user *u)
{
	struct peer *p = u->data;

	if (p == NULL)
		return;
	c->act[p->act] = c->act[--c->nact];
	((struct peer *)c->peers.u[c->act[p->act]].data)->act = p->act;
	link_free(&p->link);
	sec_wipe(&p->sec);
	free(p);
	u->data = NULL;
}

/* Does p hold nothing worth keeping: no session, no handshake, no chat
 * sent or heard, no key refused, no probing?  Then it goes: a stranger
 * who makes us answer costs memory only while we answer. */
static int
peer_idle(const struct peer *p, long long now)
{
	return !p->sec.ready && p->sec.hs == 0 && p->sec.rep_tries == 0 && p->link.qlen == 0 &&
	    !p->link.rknown && p->trust != REFUSED && now - p->path.burst >= PATH_BURST &&
	    p->path.next == 0;
}

/* May a peer be at ep?  Not at an address no host has, nor on loopback
 * unless the server is there too: a lying server must not point us at our
 * own services or at a whole network. */
static int
usable_ep(const struct client *c, const struct p2p_ep *ep)
{
	return proto_ep_usable(ep, proto_ep_loopback(&c->server));
}

/* A user from a roster entry or login notice: online, at that endpoint. */
static void
peer_set(struct client *c, const struct p2p_msg *m, int quiet, long long now)
{
	static const struct p2p_ep none;
	const struct p2p_ep *lep = m->ep2.family && usable_ep(c, &m->ep2) ? &m->ep2 : &none;
	char eps[P2P_EPSTR_MAX];
	struct roster_user *u;
	struct peer *p;
	int id = roster_find(&c->peers, m->name, strlen(m->name)), was;

	if (!usable_ep(c, &m->ep)) {
		if (hush_ok(&c->junk, now, "lines about the server's roster"))
			logmsg("ignored %s at %s: no peer can be there", m->name, proto_ep_str(&m->ep, eps));
		return;
	}
	if (id == -1)
		id = roster_add(&c->peers, m->name, strlen(m->name));
	if ((u = roster_get(&c->peers, id)) == NULL) {
		debug("roster full: skipped %s", m->name);
		return;
	}
	if (!u->online && !quiet)
		say("* %s is online", u->name);
	/* a user back from a logout, or somewhere else, or with another key,
	 * may be a new incarnation that never saw what is unacknowledged: the
	 * path is found again, and its keys went with it, unless the session
	 * was opened after the logout (with the new one, heard first) */
	was = u->online && proto_ep_eq(&u->ep, &m->ep) && proto_ep_eq(&u->lep, lep) &&
	    u->haskey == m->haskey && memcmp(u->key, m->key, sizeof(u->key)) == 0;
	u->online = 1;
	u->mark = 1;
	roster_set_ep(&c->peers, id, &m->ep);
	u->lep = *lep;
	u->haskey = m->haskey; /* a hint: the handshake proves the key */
	memcpy(u->key, m->key, sizeof(u->key));
	if ((p = u->data) != NULL && !was) {
		link_restart(&p->link);
		path_init(&p->path, &u->ep, &u->lep, c->relay, p->path.nonce);
		if (!p->fresh) {
			sec_wipe(&p->sec);
			p->trust = UNKNOWN;
		}
	}
}

/* Forget u, who left, at u->expires: queued in the ring of those who left. */
static void
forget_at(struct client *c, struct roster_user *u)
{
	struct gone *g;
	size_t cap;

	if (c->ngone == c->gonecap) { /* the ring grows, its oldest first again */
		cap = c->gonecap ? 2 * c->gonecap : 16;
		if ((g = malloc(cap * sizeof(*g))) == NULL)
			return; /* kept until the client ends */
		for (cap = 0; cap < c->ngone; cap++)
			g[cap] = c->gone[(c->gone0 + cap) % c->gonecap];
		free(c->gone);
		c->gone = g;
		c->gone0 = 0;
		c->gonecap = c->gonecap ? 2 * c->gonecap : 16;
	}
	g = &c->gone[(c->gone0 + c->ngone++) % c->gonecap];
	g->id = (int)(u - c->peers.u);
	g->expires = u->expires;
}

static void
peer_left(struct client *c, struct roster_user *u, long long now)
{
	if (u == NULL || !u->online)
		return;
	u->online = 0;
	u->expires = now + LEFT_GRACE;
	if (u->data != NULL)
		((struct peer *)u->data)->fresh = 0;
	say("* %s left", u->name);
	forget_at(c, u);
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
		print_who(c, who);
	}
}

static void punch(struct client *c, struct roster_user *u, long long now, int ask);
static void probe(struct client *c, struct roster_user *u, long long now);

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
		fail(c, esc);
	} else if (r == 0 && m.type == P2P_PUNCH) {
		/* a peer looks for a path to us: probe it at the same time */
		debug("%s looks for a path to us", m.name);
		if ((u = roster_get(&c->peers, roster_find(&c->peers, m.name, strlen(m.name)))) != NULL &&
		    u->online)
			punch(c, u, now, 0);
	} else if (hush_ok(&c->junk, now, "lines about the server's lines")) {
		proto_escape(line, len, esc, sizeof(esc));
		logmsg("ignored a line from the server (%s): %s",
		    r < 0 ? proto_strerror(r) : "unexpected", esc);
	}
}

static void
tcp_read(struct client *c, long long now)
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

/* ---- chat ---- */

/* May the client send a datagram of its own (not chat) to `to` (NULL: the
 * relay, the server's port) now?  With spend, it is paid from the budget of
 * the destination's address and from the total; without, only asked. */
static int
budget(struct client *c, const struct p2p_ep *to, long long now, int spend)
{
	struct rate all = c->sent, *dest = NULL, d;

	if (to != NULL && !proto_ep_eq(to, &c->server))
		d = *(dest = rate_of(c->dest, SEND_SLOTS, to, now, SEND_DEST, SEND_DEST_S));
	if (!rate_take(&all, now, SEND_ALL, SEND_ALL_S, 1) ||
	    (dest != NULL && !rate_take(&d, now, SEND_DEST, SEND_DEST_S, 1)))
		return 0;
	if (spend) {
		c->sent = all;
		if (dest != NULL)
			*dest = d;
	}
	return 1;
}

enum { CHAT, OWN }; /* what send_to sends: chat, or a datagram of its own (budget) */

/* Send a datagram to u at `to`, or through the server's relay when to is
 * NULL: 1, or 0 when the budget refused it. */
static int
send_to(struct client *c, const struct roster_user *u, const struct p2p_ep *to, const char *buf, int n,
    int own, long long now)
{
	char wrap[P2P_DGRAM_MAX + 1], eps[P2P_EPSTR_MAX];
	struct p2p_msg m;

	if (own == OWN && !budget(c, to, now, 1)) {
		debug("not sent to %s at %s: over the budget", u->name, to ? proto_ep_str(to, eps) : "the relay");
		return 0;
	}
	if (to == NULL) {
		memset(&m, 0, sizeof(m));
		m.type = P2P_RELAY;
		strcpy(m.name, u->name);
		m.text = buf;
		m.textlen = (size_t)n;
		if ((n = proto_format(wrap, sizeof(wrap), &m)) < 0)
			return 1;
		buf = wrap;
		to = &c->server;
	}
	if (net_sendto(c->pfd[UDP].fd, buf, (size_t)n, to) == -1)
		debug("send to %s: %s", u->name, strerror(errno));
	return 1;
}

/* Begin a handshake with u, by `to` (NULL: the relay). */
static void
begin_handshake(struct client *c, struct roster_user *u, const struct p2p_ep *to, long long now)
{
	struct peer *p = u->data;
	unsigned char out[SEC_MSG_MAX];
	size_t n = sec_begin(&p->sec, &c->me, now, out, sizeof(out));

	debug("a handshake with %s begins", u->name);
	if (!send_to(c, u, to, (const char *)out, (int)n, OWN, now))
		sec_cancel(&p->sec); /* begun again when there is budget */
}

/* A chat datagram (msg, part or ack) for u: sealed, unless --insecure.
 * With no session yet a handshake begins, and the link sends the datagram
 * again once the session is open. */
static void
send_chat_dgram(struct client *c, struct roster_user *u, const struct p2p_ep *to, const char *buf,
    int n, long long now)
{
	unsigned char out[P2P_DGRAM_MAX + 1];
	struct peer *p = u->data;
	int k;

	if (!c->secure)
		send_to(c, u, to, buf, n, CHAT, now);
	else if (p->sec.ready && p->trust == TRUSTED &&
	    (k = sec_seal(&p->sec, &c->me, now, (const unsigned char *)buf, (size_t)n, out, sizeof(out))) > 0)
		send_to(c, u, to, (const char *)out, k, CHAT, now);
	else if (!p->sec.ready && p->sec.hs == 0 && p->sec.rep_tries == 0)
		begin_handshake(c, u, to, now); /* (not while our REPLY to the peer's waits) */
}

/* Send what the link to u has due, by the path it has. */
static void
pump(struct client *c, struct roster_user *u, long long now)
{
	struct peer *p = u->data;
	char buf[P2P_DGRAM_MAX + 1];
	int n;

	while ((n = link_output(&p->link, c->o->name, now, buf, sizeof(buf))) > 0)
		send_chat_dgram(c, u, path_dest(&p->path), buf, n, now);
}

/* Have the server ask u to probe us now. */
static void
ask_punch(struct client *c, const struct roster_user *u)
{
	char buf[P2P_NAME_MAX + 8];

	debug("looking for a path to %s", u->name);
	if (c->st == ONLINE && c->quit == STAYING) {
		fmt(buf, sizeof(buf), "punch,%s\n", u->name);
		net_out_add(&c->tout, buf, strlen(buf), OUT_MAX);
	}
}

/* Look for a path to u: probe it at once, and, if ask, have the server ask
 * it to probe us at the same time, so that both NATs let the other in. */
static void
punch(struct client *c, struct roster_user *u, long long now, int ask)
{
	struct peer *p;

	/* a peer not yet met gets state only if it can be probed now: a server
	 * asking for punches to many cannot make us keep a peer for each */
	if ((u->data == NULL && !budget(c, &u->ep, now, 0)) || (p = peer_of(c, u)) == NULL ||
	    !path_burst(&p->path, now))
		return;
	if (ask)
		ask_punch(c, u);
	probe(c, u, now); /* the first round at once: its cost counts now */
}

/* Probe u's candidates if a round is due. */
static void
probe(struct client *c, struct roster_user *u, long long now)
{
	struct peer *p = u->data;
	char buf[P2P_NAME_MAX + 24];
	struct p2p_msg m;
	uint32_t nonce;
	int mask, k, n;

	if ((mask = path_round(&p->path, now, &nonce)) == 0)
		return;
	if (mask & PATH_ASK)
		ask_punch(c, u);
	memset(&m, 0, sizeof(m));
	m.type = P2P_PROBE;
	strcpy(m.name, c->o->name);
	m.sid = nonce;
	n = proto_format(buf, sizeof(buf), &m);
	/* however many peers (or forged endpoints) there are: the budget */
	for (k = 0; k < PATH_NCAND && n > 0; k++)
		if (mask & 1 << k)
			send_to(c, u, k == PATH_RELAY ? NULL : &p->path.cand[k], buf, n, OWN, now);
}

static void
send_chat(struct client *c, struct roster_user *u, const char *text, size_t len, long long now)
{
	struct peer *p = peer_of(c, u);

	if (c->secure && !u->haskey) {
		logmsg("not sent: %s chats unencrypted (--insecure), which only --insecure peers do", u->name);
		return;
	}
	if (!c->secure && u->haskey) {
		logmsg("not sent: %s encrypts, and this client runs --insecure", u->name);
		return;
	}
	if (p == NULL || link_send(&p->link, text, len) == -1) {
		logmsg("not sent: too many messages waiting for %s", u->name);
		return;
	}
	if (p->path.burst == 0)
		punch(c, u, now, 1);
	pump(c, u, now);
}

/* Report what the link to u gave up on; all: everything it holds. */
static void
report_failed(struct roster_user *u, long long now, int all)
{
	char text[64], esc[P2P_ESC_MAX(64)];
	size_t len;

	while (u->data != NULL && link_failed(u->data, now, all, text, sizeof(text), &len)) {
		proto_escape(text, len < 48 ? len : 48, esc, sizeof(esc));
		logmsg("not delivered to %s: \"%s%s\"", u->name, esc, len > 48 ? "..." : "");
	}
}

static void
show_chat(struct client *c, struct roster_user *u, const struct p2p_ep *src,
    const struct p2p_msg *m, long long now)
{
	char ack[P2P_DGRAM_MAX + 1], esc[P2P_ESC_MAX(P2P_MSG_MAX)];
	const char *text;
	struct link *l = (struct link *)peer_of(c, u);
	time_t t;
	struct tm tm;
	size_t len;
	int n, cut;

	if (l == NULL)
		return;
	n = link_input(l, m, c->o->name, ack, sizeof(ack));
	while (link_deliver(l, &text, &len, &cut)) {
		proto_escape(text, len, esc, sizeof(esc));
		t = time(NULL);
		localtime_r(&t, &tm);
		say("[%02d:%02d:%02d] %s<%s> %s%s", tm.tm_hour, tm.tm_min, tm.tm_sec,
		    c->secure ? "" : "(insecure) ", u->name, esc, cut ? " [cut: too long]" : "");
	}
	/* the ack after the line is shown: the reader waits on the line; it
	 * goes back the way the message came */
	if (n > 0)
		send_chat_dgram(c, u, src, ack, n, now);
}

/* May one more line about a dropped datagram be said?  A flood of junk
 * gets a few lines, then a count, not a line per datagram. */
static int
noisy(struct client *c, long long now)
{
	return hush_ok(&c->noise, now, "lines about dropped datagrams");
}

/* Where a datagram came from, for a log line. */
static const char *
origin(const struct p2p_ep *src, const char *via, char *buf)
{
	if (src != NULL)
		return proto_ep_str(src, buf);
	fmt(buf, P2P_EPSTR_MAX, "%s by relay", via);
	return buf;
}

/* The user a datagram naming `name` comes from, or NULL (said why).  A name
 * is only a claim: it must come from that user's endpoint, or from the relay
 * that knows who sent it. */
static struct roster_user *
sender(struct client *c, const struct p2p_ep *src, const char *via, const char *name, long long now)
{
	struct roster_user *u = roster_get(&c->peers, roster_find(&c->peers, name, strlen(name)));
	char eps[P2P_EPSTR_MAX];

	if (u == NULL) {
		/* a newcomer may speak before the server's notice of it arrives:
		 * unanswered, it tries again */
		debug("dropped a datagram from %s: no user %s here (yet)", origin(src, via, eps), name);
		return NULL;
	}
	if (src == NULL ? !proto_name_eq(via, name, strlen(name)) :
	    !(proto_ep_eq(&u->ep, src) || (u->lep.family && proto_ep_eq(&u->lep, src)))) {
		if (noisy(c, now))
			logmsg("dropped a message from %s claiming to be %s", origin(src, via, eps), name);
		return NULL;
	}
	return u;
}

/* A msg, part or ack from u, which came from src. */
static void
chat_datagram(struct client *c, struct roster_user *u, const struct p2p_ep *src,
    const struct p2p_msg *m, long long now)
{
	struct peer *p = u->data;

	if (m->type != P2P_ACK) {
		show_chat(c, u, src, m, now);
	} else if (p != NULL) {
		link_acked(&p->link, m, now);
		pump(c, u, now); /* the window may have opened */
	}
}

/* The key u proved in a handshake: pinned the first time, refused when it
 * is not the one pinned, or not the one the server announced. */
static void
check_key(struct client *c, struct roster_user *u, struct peer *p, long long now)
{
	unsigned char pinned[32];
	char num[ID_SAFETY_LEN], err[ID_PATH_MAX + 160];
	int k = id_pins_find(&c->known, u->name, pinned);

	id_safety(c->me.pub, p->sec.rs, num);
	if (k == 1 && memcmp(pinned, p->sec.rs, 32) == 0) {
		p->trust = TRUSTED;
		if (u->haskey && memcmp(u->key, p->sec.rs, 32) != 0)
			logmsg("the server announced a key for %s other than the one pinned, "
			    "which %s proved: the server may be lying", u->name, u->name);
	} else if (k == 1 || (u->haskey && memcmp(u->key, p->sec.rs, 32) != 0)) {
		p->trust = REFUSED;
		memcpy(p->refused, p->sec.rs, 32);
		say("* WARNING: %s proved a key that is not %s: someone may be posing as %s. "
		    "Chat with %s is refused. If %s really has a new key, compare the safety number "
		    "%s with %s's (/fingerprint %s), then /accept %s %s", u->name,
		    k == 1 ? "the one pinned for that name" : "the one the server announced",
		    u->name, u->name, u->name, num, u->name, u->name, u->name, num);
		return;
	} else if (id_pins_add(&c->known, u->name, p->sec.rs, err, sizeof(err)) == -1) {
		p->trust = REFUSED; /* a pin that cannot be kept: closed, not open */
		memcpy(p->refused, p->sec.rs, 32);
		logmsg("%s: chat with %s refused", err, u->name);
		return;
	} else {
		p->trust = TRUSTED;
		say("* %s's key is pinned (first contact); safety number %s", u->name, num);
	}
	debug("%s: an encrypted session is open", u->name);
	link_hurry(&p->link);
	pump(c, u, now);
}

/* A binary datagram: a handshake message or sealed chat. */
static void
sealed_datagram(struct client *c, const struct p2p_ep *src, const char *via,
    const unsigned char *in, size_t len, long long now)
{
	unsigned char out[P2P_DGRAM_MAX + 1], rnd[32];
	char name[P2P_NAME_MAX + 1], where[P2P_EPSTR_MAX];
	struct roster_user *u;
	struct p2p_msg m;
	struct peer *p;
	const char *why;
	size_t n;
	int r;

	if (!c->secure) {
		if (noisy(c, now))
			logmsg("dropped an encrypted datagram from %s: this client runs --insecure",
			    origin(src, via, where));
		return;
	}
	if (sec_header(in, len, name) == -1) {
		if (noisy(c, now))
			logmsg("dropped a bad datagram from %s", origin(src, via, where));
		return;
	}
	/* a peer not yet met gets state only if we may answer it now */
	if ((u = sender(c, src, via, name, now)) == NULL || (u->data == NULL && !budget(c, src, now, 0)) ||
	    (p = peer_of(c, u)) == NULL)
		return;
	/* a cookie is bound to where its HELLO came from */
	origin(src, via, where);
	if ((in[0] == SEC_COOKIE || in[0] == SEC_INIT) && net_random(rnd, sizeof(rnd)) == -1) {
		if (noisy(c, now)) /* no ephemeral key without randomness: closed */
			logmsg("no random bytes for a handshake with %s: %s", u->name, strerror(errno));
		return;
	}
	r = sec_input(&p->sec, &c->me, name, where, strlen(where), in, len, now, rnd, out,
	    sizeof(out), &n, &why);
	crypto_wipe(rnd, sizeof(rnd));
	if (r == SEC_RENEW) {
		/* a session we lost, or keys that moved on too far: a new one,
		 * unless one is on its way (and within the budget) */
		debug("dropped a sealed datagram from %s: %s; a new handshake", where, why);
		if (p->sec.hs == 0 && p->sec.rep_tries == 0)
			begin_handshake(c, u, src, now);
		return;
	}
	if (r == -1) {
		debug("dropped a sealed datagram from %s: %s", where, why);
		if (in[0] == SEC_DATA && p->sec.ready && noisy(c, now))
			logmsg("dropped a datagram from %s: %s", u->name, why);
		return;
	}
	if (r & SEC_SEND)
		send_to(c, u, src, (const char *)out, (int)n, OWN, now); /* back where it came from */
	if (r & SEC_READY)
		p->fresh = 1;
	if (r & SEC_READY)
		check_key(c, u, p, now);
	if (!(r & SEC_PLAIN))
		return;
	if (p->trust != TRUSTED) {
		if (noisy(c, now))
			logmsg("not shown: a message from %s, whose key is refused", u->name);
	} else if (proto_parse((const char *)out, n, P2P_FROM_PEER, &m) < 0 ||
	    !(m.type == P2P_MSG || m.type == P2P_ACK) || !proto_name_eq(u->name, m.name, strlen(m.name))) {
		if (noisy(c, now))
			logmsg("dropped a sealed datagram from %s that holds no chat of %s", where, u->name);
	} else {
		chat_datagram(c, u, src, &m, now);
	}
}

/* A datagram from a peer: from src, or, when src is NULL, through the relay
 * from the user `via`. */
static void
peer_datagram(struct client *c, const struct p2p_ep *src, const char *via, const char *buf,
    size_t len, long long now)
{
	char eps[P2P_EPSTR_MAX], out[P2P_NAME_MAX + 24];
	struct roster_user *u;
	struct peer *p;
	struct p2p_msg m;
	int r;

	if (len > 0 && (unsigned char)buf[0] < 0x20) {
		sealed_datagram(c, src, via, (const unsigned char *)buf, len, now);
		return;
	}
	if ((r = proto_parse(buf, len, P2P_FROM_PEER, &m)) < 0) {
		if (noisy(c, now))
			logmsg("dropped a bad datagram from %s: %s", origin(src, via, eps), proto_strerror(r));
		return;
	}
	if ((u = sender(c, src, via, m.name, now)) == NULL)
		return;
	p = u->data;
	if (m.type == P2P_PROBE) {
		debug("probed by %s from %s", u->name, src ? proto_ep_str(src, eps) : "the relay");
		m.type = P2P_PROBED;
		strcpy(m.name, c->o->name);
		if ((r = proto_format(out, sizeof(out), &m)) > 0)
			send_to(c, u, src, out, r, OWN, now);
	} else if (m.type == P2P_PROBED) {
		if (p != NULL && path_answered(&p->path, m.sid, src, now)) {
			debug("%s: a path opened, %s", u->name, src ? proto_ep_str(src, eps) : "by relay");
			link_hurry(&p->link);
			pump(c, u, now);
		}
	} else if (c->secure) {
		if (noisy(c, now))
			logmsg("dropped a message in the clear from %s: chat is encrypted "
			    "(to chat in the clear, both sides need --insecure)", u->name);
	} else {
		chat_datagram(c, u, src, &m, now);
	}
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
			if (noisy(c, now))
				logmsg("dropped an oversized datagram from %s", proto_ep_str(&src, eps));
		} else if (proto_ep_eq(&src, &c->server)) {
			if (proto_parse(buf, (size_t)n, P2P_FROM_SERVER, &m) < 0)
				debug("ignored a datagram from the server");
			else if (m.type == P2P_PONG)
				c->heard = now;
			else if (c->st == LOGIN && c->quit == STAYING && m.type == P2P_ACCEPT)
				accepted(c, &m, now);
			else if (c->st == LOGIN && c->quit == STAYING && m.type == P2P_REJECT)
				rejected(c, m.reason, now);
			else if (m.type == P2P_RELAY && c->been_online)
				peer_datagram(c, NULL, m.name, m.text, m.textlen, now);
		} else if (c->been_online) {
			peer_datagram(c, &src, NULL, buf, (size_t)n, now);
		}
	}
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

/* ---- quitting ---- */

/* The most fragments any link holds that its peer has not yet taken. */
static size_t
longest_queue(const struct client *c)
{
	const struct link *l;
	size_t most = 0;
	int k;

	for (k = 0; k < c->nact; k++)
		if ((l = c->peers.u[c->act[k]].data)->qlen > most)
			most = l->qlen;
	return most;
}

/* Fragments not yet delivered, to everyone. */
static size_t
pending_count(const struct client *c)
{
	size_t n = 0;
	int k;

	for (k = 0; k < c->nact; k++)
		n += ((const struct link *)c->peers.u[c->act[k]].data)->qlen;
	return n;
}

/* Give up on what is unacknowledged, then log out. */
static void
log_out(struct client *c, long long now)
{
	char buf[P2P_LINE_MAX + 1];
	struct p2p_msg m;
	int n, k;

	for (k = 0; k < c->nact; k++)
		report_failed(&c->peers.u[c->act[k]], now, 1);
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

static void
quit(struct client *c, long long now)
{
	if (!c->been_online || c->quit == DRAIN) {
		c->quit = DONE;
	} else if (c->quit == LINGER || longest_queue(c) == 0) {
		log_out(c, now); /* asked twice: no more waiting */
	} else {
		c->quit = LINGER;
		c->deadline = now + LINGER_TIMEOUT;
		if (!c->keys_done) /* (a script at its end needs no word of it) */
			logmsg("waiting up to %d s for chat not yet acknowledged (%lu datagrams); "
			    "quit again to leave now", LINGER_TIMEOUT / 1000, (unsigned long)pending_count(c));
	}
}

/* ---- the keyboard ---- */

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
		say("* %s: no path yet; chat goes to %s until one answers", u->name, proto_ep_str(&u->ep, eps));
		return;
	}
	via = p->path.via;
	if (p->path.rtt[via] >= 0)
		fmt(rtt, sizeof(rtt), "round trip %lld ms", p->path.rtt[via]);
	say("* %s: %s%s%s%s, %s", u->name, how[via],
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
		say("* your key: %s", hex);
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
		say("* no key of %s yet", who);
		return;
	}
	id_safety(c->me.pub, key, num);
	proto_format_key(key, hex);
	say("* safety number with %s: %s (%s's key %s, %s)", who, num, who, hex, whose);
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
	say("* %s's new key is pinned; safety number %s", u->name, num);
	if (p->sec.ready && memcmp(p->sec.rs, p->refused, 32) == 0) {
		p->trust = TRUSTED;
		link_hurry(&p->link);
		pump(c, u, now);
	} else {
		p->trust = UNKNOWN;
	}
}

static void
say_help(void)
{
	say("* commands: /msg NAME TEXT, /to NAME, /all TEXT, /who, /path NAME, /pending,");
	say("*   /fingerprint [NAME], /accept NAME SAFETY-NUMBER, /help, /quit;");
	say("*   a line without / goes to the /to user; start it with // to send a /");
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
				say("* pending to %s: \"%s%s\" (%d sent, %llds)", c->peers.u[id].name, esc,
				    f->len > 40 ? "..." : "", f->tries,
				    f->sent ? (now - f->sent) / 1000 : 0LL);
			}
		}
	}
	if (n == 0)
		say("* nothing pending");
	else if (n > 20)
		say("* and %d more", n - 20);
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
			send_chat(c, u, text, tlen, now);
	} else if (is_cmd(line, cmd, "/to")) {
		if (alen == 0 && c->target[0] == '\0')
			say("* no /to user yet");
		else if (alen == 0)
			say("* lines go to %s", c->target);
		else if ((u = online(c, arg, alen)) != NULL) {
			strcpy(c->target, u->name);
			say("* lines go to %s", c->target);
		}
	} else if (is_cmd(line, cmd, "/all")) {
		id = next_online(c, -1);
		if (alen == 0)
			logmsg("usage: /all TEXT");
		else if (id == -1)
			logmsg("no one else is online");
		for (; id != -1 && alen > 0; id = next_online(c, id))
			send_chat(c, &c->peers.u[id], arg, alen, now);
	} else if (is_cmd(line, cmd, "/who")) {
		print_who(c, c->st == ONLINE ? "" : "the server is lost, so this may be stale: ");
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
		quit(c, now);
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
		send_chat(c, u, line, len, now);
	}
}

static void
keys_read(struct client *c, long long now)
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
			quit(c, now);
		else if (len > 0)
			logmsg("quitting: not sent (/quit again to leave now)");
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		/* EOF: the user is done, after a last line that had no newline */
		if (c->quit == STAYING && c->keys.len > 0 && !c->keys.skipping)
			key_line(c, c->keys.buf + c->keys.start, c->keys.len, now);
		c->keys_done = 1;
		if (c->quit == STAYING)
			quit(c, now);
	}
}

/* ---- the loop's side ---- */

static struct net_poller *
client_prepare(void *p, long long now, int *timeout)
{
	struct client *c = p;
	struct roster_user *u;
	struct peer *q;
	long long t = -1;
	int i;

	if (c->quit == DONE)
		return NULL;
	for (i = 0; i < NFDS; i++)
		c->pfd[i].events = c->pfd[i].revents = 0;
	c->pfd[UDP].events = POLLIN;
	if (c->st == CONNECT || c->tout.len > 0)
		c->pfd[TCP].events = POLLOUT;
	if (c->st == ROSTER || c->st == ONLINE)
		c->pfd[TCP].events |= POLLIN;
	/* stdin is read only once online (poll would report its EOF even
	 * unasked), and not while a link is half full: reading more would only
	 * fill it and refuse messages, so a script that types faster than a peer
	 * takes them is slowed down instead */
	c->pfd[KEYS].fd = c->been_online && c->quit <= LINGER && !c->keys_done &&
	    longest_queue(c) < LINK_QUEUE / 2 ? STDIN_FILENO : -1;
	c->pfd[KEYS].events = POLLIN;

	if (c->quit != STAYING)
		soonest(&t, c->deadline);
	if (c->st == LOGIN && c->quit == STAYING)
		soonest(&t, c->next);
	if (c->st == CONNECT || c->st == ROSTER)
		soonest(&t, c->deadline);
	if (c->st == ONLINE) {
		soonest(&t, c->next);
		soonest(&t, c->heard + SILENCE);
		if (c->stale_at != 0)
			soonest(&t, c->stale_at);
	}
	if (c->ngone > 0)
		soonest(&t, c->gone[c->gone0].expires);
	for (i = 0; i < c->nact; i++) {
		u = &c->peers.u[c->act[i]];
		q = u->data;
		soonest(&t, link_next(&q->link));
		/* (peer_timers runs these only for users online) */
		if (u->online) {
			soonest(&t, path_next(&q->path));
			soonest(&t, sec_next(&q->sec));
			if (q->path.burst + PATH_BURST > now)
				soonest(&t, q->path.burst + PATH_BURST); /* when it may go idle */
		}
	}
	*timeout = t == -1 ? -1 : t <= now ? 0 : (int)(t - now);
	for (i = 0; i < NFDS; i++)
		net_poller_set(c->poller, i, c->pfd[i].fd, c->pfd[i].events);
	return c->poller;
}

/* A handshake message due again for u: sent, or -1 when the handshake we
 * began gave up (the link begins another while it has chat to send). */
static int
handshake_timer(struct client *c, struct roster_user *u, long long now)
{
	struct peer *p = u->data;
	unsigned char out[SEC_MSG_MAX];
	int n;

	if ((n = sec_resend(&p->sec, now, out, sizeof(out))) > 0)
		send_to(c, u, path_dest(&p->path), (const char *)out, n, OWN, now);
	return n;
}

/* Timers of the peers with state and of the users who left.  The list
 * is walked from its end, so that a peer freed (its place taken by the
 * last) is not missed. */
static void
peer_timers(struct client *c, long long now)
{
	const struct link_frag *f;
	struct roster_user *u;
	struct gone *g;
	int k;

	for (k = c->nact - 1; k >= 0; k--) {
		u = &c->peers.u[c->act[k]];
		if (u->online && handshake_timer(c, u, now) == -1 && noisy(c, now))
			logmsg("no encrypted session with %s: the handshake went unanswered", u->name);
		if (u->online) {
			/* chat that waits too long for its acks: the path may be gone */
			if ((f = link_pending(u->data, 0)) != NULL && f->sent != 0 &&
			    now - f->sent >= PATH_ANSWER)
				punch(c, u, now, 1);
			probe(c, u, now);
		}
		pump(c, u, now);
		report_failed(u, now, 0);
		if (u->online && peer_idle(u->data, now))
			peer_free(c, u);
	}
	while (c->ngone > 0 && (g = &c->gone[c->gone0])->expires <= now) {
		struct gone was = *g;

		c->gone0 = (c->gone0 + 1) % c->gonecap;
		c->ngone--;
		u = roster_get(&c->peers, was.id);
		if (u == NULL || u->online || u->expires != was.expires)
			continue; /* back since, or gone already */
		if (u->data != NULL && link_pending(u->data, 0) != NULL) {
			u->expires = now + 1000; /* still resending to them: kept a second more */
			forget_at(c, u);
			continue;
		}
		peer_free(c, u);
		roster_remove(&c->peers, was.id);
	}
	hush_tick(&c->noise, now, "lines about dropped datagrams");
	hush_tick(&c->junk, now, "lines about the server's lines");
}

static void
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
			fail(c, msg);
		}
	} else if ((c->st == CONNECT || c->st == ROSTER) && now >= c->deadline) {
		session_lost(c, "no answer on the session", now);
	} else if (c->st == ONLINE && now - c->heard >= SILENCE) {
		session_lost(c, "no answer to keepalives", now);
	} else if (c->st == ONLINE && now >= c->next) {
		send_ping(c, now);
	}
	if (c->stale_at != 0 && now >= c->stale_at && c->st == ONLINE) {
		for (id = next_online(c, -1); id != -1; id = next_online(c, id))
			if (!c->peers.u[id].mark)
				peer_left(c, &c->peers.u[id], now);
		c->stale_at = 0;
	}
	if (c->quit == LINGER && (now >= c->deadline || longest_queue(c) == 0))
		log_out(c, now);
	if (c->quit == DRAIN && (c->tout.len == 0 || now >= c->deadline)) {
		close_fd(c, TCP); /* the logout is written; closing says the same again */
		c->quit = DONE;
	}
}

static void
client_dispatch(void *p, long long now)
{
	struct client *c = p;
	short re;
	int k;

	while ((k = net_poller_next(c->poller, &re)) != -1)
		c->pfd[k].revents = re;
	if (c->pfd[TCP].revents & POLLOUT) {
		if (c->st == CONNECT)
			connected(c, now);
		if (c->pfd[TCP].fd != -1 && net_out_flush(c->pfd[TCP].fd, &c->tout) == -1)
			session_lost(c, strerror(errno), now);
	}
	if ((c->st == ROSTER || c->st == ONLINE) && c->pfd[TCP].fd != -1 &&
	    (c->pfd[TCP].revents & (POLLIN | POLLHUP | POLLERR)))
		tcp_read(c, now);
	if (c->pfd[UDP].revents & POLLIN)
		udp_read(c, now);
	if (c->pfd[KEYS].revents)
		keys_read(c, now);
	if (c->quit != DONE) {
		peer_timers(c, now);
		session_timers(c, now);
	}
}

static void
client_stop(void *p)
{
	quit(p, net_now());
}

const struct mode client_mode = { client_prepare, client_dispatch, client_stop };

/* Our key pair, from the identity file (made on the first run), and the
 * pins of known_peers: a client that cannot trust them does not start. */
static int
keys(struct client *c)
{
	char dir[ID_PATH_MAX], path[ID_PATH_MAX], err[ID_PATH_MAX + 80];
	unsigned char priv[32], rnd[32];
	int r;

	if (id_dir(dir, sizeof(dir) - 16, err, sizeof(err)) == -1 ||
	    (r = id_load(c->o->identity ? c->o->identity : (fmt(path, sizeof(path), "%s/identity", dir), path),
	    priv, err, sizeof(err))) == -1) {
		fail(c, err);
		return -1;
	}
	if (net_random(rnd, sizeof(rnd)) == -1) {
		crypto_wipe(priv, sizeof(priv));
		fmt(err, sizeof(err), "no random bytes for the cookie secret: %s", strerror(errno));
		fail(c, err);
		return -1;
	}
	fmt(dir + strlen(dir), 16, "/known_peers");
	if (id_pins_load(&c->known, dir, err, sizeof(err)) == -1) {
		crypto_wipe(priv, sizeof(priv));
		fail(c, err);
		return -1;
	}
	sec_self_init(&c->me, priv, c->o->name, rnd, net_now());
	crypto_wipe(priv, sizeof(priv));
	crypto_wipe(rnd, sizeof(rnd));
	if (r == 1)
		say("* a new key is yours, kept in %s", c->o->identity ? c->o->identity : path);
	return 0;
}

static int
setup(struct client *c)
{
	struct p2p_ep any;
	const char *rekey;
	char msg[200];
	int r;

	if ((r = net_resolve(c->o->host, c->o->port, &c->server)) != 0) {
		fmt(msg, sizeof(msg), "cannot resolve %s: %s", c->o->host, net_resolve_error(r));
		fail(c, msg);
		return -1;
	}
	memset(&any, 0, sizeof(any));
	any.family = c->server.family;
	any.port = c->o->lport;
	if ((c->pfd[UDP].fd = net_udp(&any)) == -1 || net_sockname(c->pfd[UDP].fd, &any) == -1 ||
	    net_route(&c->server, &c->self) == -1) {
		fmt(msg, sizeof(msg), "cannot open UDP port %u: %s", (unsigned)c->o->lport, strerror(errno));
		fail(c, msg);
		return -1;
	}
	c->self.port = any.port;
	if (c->secure && keys(c) == -1)
		return -1;
	/* for tests only (p2pchat(1), ENVIRONMENT): keys that move on sooner */
	if ((rekey = getenv("P2PCHAT_TEST_REKEY_MS")) != NULL && atoi(rekey) >= 100)
		c->me.rekey_ms = atoi(rekey);
	net_in_init(&c->tin, TIN_MAX);
	net_in_init(&c->keys, INPUT_MAX + 1);
	return 0;
}

int
client_close(void *p)
{
	struct client *c = p;
	int status = c->status;

	close_fd(c, UDP);
	close_fd(c, TCP);
	while (c->nact > 0)
		peer_free(c, &c->peers.u[c->act[0]]);
	free(c->act);
	free(c->gone);
	crypto_wipe(&c->me, sizeof(c->me));
	id_pins_free(&c->known);
	net_in_free(&c->tin);
	net_in_free(&c->keys);
	net_out_free(&c->tout);
	roster_free(&c->peers);
	net_poller_free(c->poller);
	free(c);
	return status;
}

void *
client_open(const struct opts *o)
{
	struct client *c = calloc(1, sizeof(*c));
	int i;

	if (c == NULL || (c->poller = net_poller_new(NFDS, 0)) == NULL) {
		free(c);
		logmsg("out of memory");
		return NULL;
	}
	c->o = o;
	c->st = LOGIN;
	c->secure = !o->insecure;
	for (i = 0; i < NFDS; i++)
		c->pfd[i].fd = -1;
	roster_init(&c->peers, PEERS_MAX);
	if (setup(c) == -1) {
		client_close(c);
		return NULL;
	}
	return c;
}

int
client_run(const struct opts *o)
{
	struct client *c = client_open(o);

	if (c == NULL)
		return 1;
	if (loop_run(&client_mode, c) == -1)
		c->status = 1;
	return client_close(c);
}
