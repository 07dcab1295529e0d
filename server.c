/*
 * server.c: the coordinator.  It answers UDP logins with a token, binds each
 * TCP session to its login by that token, sends the newcomer the roster and
 * tells everyone else of every login and logout.  It never sees a chat message.
 *
 * Sessions live in a fixed array whose slot i is the poller's key BASE + i,
 * so no lookup is needed between the two.  A notice is written once, into a
 * log that every session reads from at its own pace; a session is written
 * once per flush of the log however many notices it missed, and the log
 * keeps only what someone has yet to take.  A session that must go is marked
 * (doom) and closed at the end of the turn, never in the middle of a flush.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fmt.h"
#include "net.h"
#include "p2pchat.h"
#include "rate.h"
#include "roster.h"

#define PENDING_MAX   64     /* logins waiting for their TCP session, */
#define PENDING_PER_ADDR 8   /* of them from one address (any port) */
#define TOKEN_TTL     10000  /* ms a token stays valid */
#define HELLO_TIMEOUT 10000  /* ms a new connection has to say hello */
#define BURST         64     /* datagrams or accepts handled per turn */
#define OUT_BASE      65536  /* session output cap, beyond the roster */
#define SILENCE       90000  /* ms without a keepalive or a line ends a session */
#define SNDBUF        32768  /* the system's send buffer per session: fixed, so
                                that a reader that stops fills our capped one */
#define HANDSHAKE_MAX 256    /* connections that have not said hello yet */
#define LOGIN_BURST   20     /* logins one address may send at once, */
#define LOGIN_RATE    5      /* then per second */
#define RATE_SLOTS    1024   /* addresses the login rate limit remembers */
#define ACCEPT_PAUSE  100    /* ms without accepting after running out of fds */
#define TICK          500    /* ms between checks of deadlines and silences */
#define FLUSH_PACE_MAX 100   /* ms a notice may wait for the next flush */
#define PUNCH_BURST   20     /* punch requests a session may send at once, */
#define PUNCH_RATE    2      /* then per second */
#define RELAY_BURST   65536  /* bytes a user may have relayed at once, */
#define RELAY_RATE    32768  /* then per second */
#define BANS          64     /* kicks remembered (the oldest goes first) */
#define KICK_SECS     60     /* s a kicked name is refused from its address, */
#define KICK_SECS_MAX 86400  /* or as the console says, up to this */

enum { UDP4, UDP6, TCP4, TCP6, CONSOLE, BASE };

/* The causes of log lines that a user or a stranger can repeat at will:
 * each says HUSH_LINES a period, then how many more it held back. */
enum { H_IGNORED, H_REFUSED, H_LIMITED, H_CONN, H_ACCEPT, H_CAUSES };
static const char *const hush_what[H_CAUSES] = {
	"ignored session lines", "refused logins", "logins over the rate",
	"refused connections", "accept errors",
};

struct session {
	struct p2p_ep peer;
	struct net_in in;
	struct net_out out;
	int user;               /* roster id once hello is done, else -1 */
	long long deadline;     /* hello is due by then */
	long long heard;        /* the last sign of life: a line or a keepalive */
	const char *doom;       /* why it is to be closed; NULL keeps it */
	char *entry;            /* the user's roster entry, "NAME,EP[,EP2];" */
	size_t entrylen;
	long long told;         /* where it is in the log of notices */
	struct rate punch, relay;
};

/* A kick: logins of this name from this address are refused until then. */
struct ban {
	char name[P2P_NAME_MAX + 1];
	struct p2p_ep addr;
	long long until;
};

struct server {
	const struct opts *o;
	uint16_t port;
	struct roster users;
	int online;
	int pending[PENDING_MAX]; /* the ids of logins waiting for their session, in no order */
	int npending;
	struct session *s;
	int nsess;
	size_t out_max;
	int *fd;                 /* per slot: UDP4 ... CONSOLE, then sessions */
	struct net_poller *poller;
	struct net_in console;
	int stopping;
	struct net_out log;      /* notices, once each, until every session has them */
	long long log_base;      /* the place of log.buf[0] in the stream of notices */
	long long log_told;      /* the end of the log at the last flush of notices */
	long long flush_at;      /* when notices are written next, unless idle sooner */
	int idle;                /* the last wait found nothing to do */
	int sending;             /* sessions with output of their own (a roster) to write */
	int doomed;              /* a session was doomed since the last settle */
	long long next_tick;     /* when deadlines are checked next */
	int handshakes;          /* sessions without a hello */
	int free_hint;           /* every slot below it is in use */
	long long accept_pause;  /* no accepting until then: out of fds */
	struct rate_slot rate[RATE_SLOTS]; /* logins per address */
	struct ban ban[BANS];
	struct hush hush[H_CAUSES];
	long long started;
	unsigned long logins, refused, dgrams, bad, sessions, limited, crowded;
	unsigned long relayed, relayed_bytes, unrelayed, punches;
};

static int
fd_of(struct server *sv, int slot)
{
	return sv->fd[slot];
}

/* Wait on slot's fd for events: 0, or -1 (the system can watch no more). */
static int
watch(struct server *sv, int slot, short events)
{
	return net_poller_set(sv->poller, slot, sv->fd[slot], events);
}

static void
close_slot(struct server *sv, int slot)
{
	if (sv->fd[slot] != -1) {
		net_poller_set(sv->poller, slot, -1, 0);
		net_close(sv->fd[slot]);
	}
	sv->fd[slot] = -1;
}

/* May a line of this cause be logged now? */
static int
may_log(struct server *sv, int cause, long long now)
{
	return hush_ok(&sv->hush[cause], now, hush_what[cause]);
}

/* ---- sockets ---- */

/* Bind UDP and TCP on one address and port; with port 0, the system picks a
 * port for the first socket and the rest follow it. */
static int
open_family(struct server *sv, const struct p2p_ep *addr, int udp, int tcp)
{
	struct p2p_ep ep = *addr;

	ep.port = sv->port;
	if ((sv->fd[udp] = net_udp(&ep)) == -1 || watch(sv, udp, POLLIN) == -1)
		return -1;
	if (sv->port == 0) {
		if (net_sockname(sv->fd[udp], &ep) == -1)
			return -1;
		sv->port = ep.port;
	}
	return (sv->fd[tcp] = net_listen(&ep)) == -1 || watch(sv, tcp, POLLIN) == -1 ? -1 : 0;
}

static int
open_sockets(struct server *sv)
{
	struct p2p_ep any4 = { AF_INET, { 0 }, 0 }, any6 = { AF_INET6, { 0 }, 0 };
	int r, tries;

	if (sv->o->host != NULL) {
		if ((r = net_resolve(sv->o->host, 0, &any4)) != 0) {
			logmsg("cannot use address %s: %s", sv->o->host, net_resolve_error(r));
			return -1;
		}
	}
	for (tries = 0; tries < 20; tries++) {
		sv->port = sv->o->port;
		if (sv->o->host != NULL) {
			r = any4.family == AF_INET ? open_family(sv, &any4, UDP4, TCP4)
			    : open_family(sv, &any4, UDP6, TCP6);
		} else {
			r = open_family(sv, &any4, UDP4, TCP4);
			/* IPv6 is a bonus where the host has it */
			if (r == 0 && open_family(sv, &any6, UDP6, TCP6) == -1 &&
			    errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL)
				r = -1;
			if (r == 0 && sv->fd[TCP6] == -1)
				close_slot(sv, UDP6);
		}
		if (r == 0)
			return 0;
		r = errno;
		close_slot(sv, UDP4), close_slot(sv, UDP6);
		close_slot(sv, TCP4), close_slot(sv, TCP6);
		errno = r;
		if (sv->o->port != 0 || errno != EADDRINUSE)
			break;
	}
	logmsg("cannot listen on port %u: %s", (unsigned)sv->o->port, strerror(errno));
	return -1;
}

/* ---- sessions ---- */

static void
doom(struct server *sv, int i, const char *why)
{
	if (sv->s[i].doom == NULL) {
		sv->s[i].doom = why;
		sv->doomed = 1;
	}
}

static long long
log_end(const struct server *sv)
{
	return sv->log_base + (long long)sv->log.len;
}

/* Queue bytes of session i's own (its roster); it is doomed if they do not
 * fit under its cap. */
static void
queue(struct server *sv, int i, const char *buf, size_t len)
{
	struct net_out *out = &sv->s[i].out;
	int was = out->len > 0;

	if (sv->s[i].doom == NULL && net_out_add(out, buf, len, sv->out_max) == -1)
		doom(sv, i, "output buffer full");
	sv->sending += (out->len > 0) - was;
}

/* Write what session i's socket takes: its own output, then the notices it
 * has not had, straight from the log; wait to write the rest. */
static void
flush(struct server *sv, int i)
{
	struct session *s = &sv->s[i];
	int fd = fd_of(sv, BASE + i), had = s->out.len > 0, behind;
	ssize_t n = 0;

	if (s->doom != NULL || fd == -1)
		return;
	if (net_out_flush(fd, &s->out) == -1)
		n = -1;
	else if (s->out.len == 0 && s->user != -1 && s->told < log_end(sv) &&
	    (n = net_write(fd, sv->log.buf + (s->told - sv->log_base), (size_t)(log_end(sv) - s->told))) > 0)
		s->told += n;
	sv->sending -= had && s->out.len == 0;
	behind = s->out.len > 0 || (s->user != -1 && s->told < log_end(sv));
	if (n == -1 || watch(sv, BASE + i, behind ? POLLIN | POLLOUT : POLLIN) == -1)
		doom(sv, i, strerror(errno));
}

/* Write the notices of the log to every session, each in one write however
 * many there are, then drop what all have had.  Notices go when the server
 * has nothing else to do (no wait found work, no roster is still going out),
 * or else paced by their own cost: after a flush that took d ms, the next
 * comes d ms later.  So a lone login is told as soon as its roster is out,
 * and a storm of them in a few large writes rather than one per login
 * per user.  A newcomer's roster goes at once, so it may be heard of a
 * little after it could speak: a message it sends before its peer knows it
 * is not acknowledged, and comes again (the client drops it quietly). */
static void
flush_notices(struct server *sv)
{
	long long start, end = log_end(sv), low = end, t;
	int i;

	if (sv->log_told == end || ((start = net_now()) < sv->flush_at && (!sv->idle || sv->sending > 0)))
		return;
	for (i = 0; i < sv->nsess; i++) {
		struct session *s = &sv->s[i];

		if (fd_of(sv, BASE + i) == -1 || s->user == -1 || s->doom != NULL)
			continue;
		if (s->told < end && s->out.len == 0)
			flush(sv, i);
		if (end - s->told > (long long)sv->out_max)
			doom(sv, i, "output buffer full");
		else if (s->told < low)
			low = s->told;
	}
	net_out_drop(&sv->log, (size_t)(low - sv->log_base));
	sv->log_base = low;
	sv->log_told = end;
	t = net_now() - start;
	sv->flush_at = start + t + (t < FLUSH_PACE_MAX ? t : FLUSH_PACE_MAX);
}

/* A user's line: NAME,EP with its LOCAL_EP when that differs, and its key. */
static int
format_user(char *buf, size_t size, enum p2p_type type, const struct roster_user *u)
{
	struct p2p_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	strcpy(m.name, u->name);
	m.ep = u->ep;
	if (u->lep.family != 0 && !proto_ep_eq(&u->lep, &u->ep))
		m.ep2 = u->lep;
	m.haskey = u->haskey;
	memcpy(m.key, u->key, sizeof(m.key));
	return proto_format(buf, size, &m);
}

/* Tell every online user that u came or went: the line goes once into the
 * log of notices, which every session then reads on its own.  Those who see
 * it appended are the sessions online now; u's own, if it has one, skips it. */
static void
broadcast(struct server *sv, enum p2p_type type, const struct roster_user *u)
{
	char line[P2P_LINE_MAX + 1];
	int n = format_user(line, sizeof(line) - 1, type, u), i;

	if (n < 0)
		return;
	line[n++] = '\n';
	if (net_out_add(&sv->log, line, (size_t)n, (size_t)-1 / 2) == -1) {
		/* no memory for a notice: no session may go on missing it */
		for (i = 0; i < sv->nsess; i++)
			if (fd_of(sv, BASE + i) != -1 && sv->s[i].user != -1)
				doom(sv, i, "out of memory");
		return;
	}
	if (u->online)
		sv->s[u->sess].told = log_end(sv);
}

static void
end_session(struct server *sv, int i)
{
	struct session *s = &sv->s[i];
	struct roster_user *u = roster_get(&sv->users, s->user);
	char eps[P2P_EPSTR_MAX];

	if (u != NULL) {
		logmsg("%s left (%s)", u->name, s->doom);
		broadcast(sv, P2P_LOGOUT, u);
		roster_remove(&sv->users, s->user);
		sv->online--;
	} else {
		debug("connection from %s closed (%s)", proto_ep_str(&s->peer, eps), s->doom);
		sv->handshakes--;
	}
	close_slot(sv, BASE + i);
	if (i < sv->free_hint)
		sv->free_hint = i;
	net_in_free(&s->in);
	sv->sending -= s->out.len > 0;
	net_out_free(&s->out);
	free(s->entry);
	s->entry = NULL;
	s->user = -1;
	s->doom = NULL;
}

/* End session i at once, outside any broadcast, for why. */
static void
end_now(struct server *sv, int i, const char *why)
{
	sv->s[i].doom = why;
	end_session(sv, i);
}

/* End the turn: close every doomed session and write what was queued, if
 * its time has come.  A logout may doom another session (its output is
 * full), and so may a failed write, so go round until nothing more is
 * doomed. */
static void
settle(struct server *sv)
{
	int i;

	for (;;) {
		flush_notices(sv);
		if (!sv->doomed)
			return;
		sv->doomed = 0;
		for (i = 0; i < sv->nsess; i++)
			if (fd_of(sv, BASE + i) != -1 && sv->s[i].doom != NULL)
				end_session(sv, i);
	}
}

/* Do a and b have the same address, whatever their ports? */
static int
same_addr(const struct p2p_ep *a, const struct p2p_ep *b)
{
	return a->family == b->family &&
	    memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

/* Logins pending from src's address: a walk of the pending ones (at most
 * PENDING_MAX), never of every user. */
static int
pending_from(struct server *sv, const struct p2p_ep *src)
{
	int k, n = 0;

	for (k = 0; k < sv->npending; k++)
		n += same_addr(&roster_get(&sv->users, sv->pending[k])->ep, src);
	return n;
}

/* Login id waits no more: it has its session, or it lapsed. */
static void
unpend(struct server *sv, int id)
{
	int k;

	for (k = 0; k < sv->npending; k++)
		if (sv->pending[k] == id) {
			sv->pending[k] = sv->pending[--sv->npending];
			return;
		}
}

/* Compare tokens in time that does not depend on where they differ. */
static int
token_eq(const char *a, const char *b)
{
	unsigned char d = 0;
	int k;

	for (k = 0; k < P2P_TOKEN_LEN; k++)
		d |= (unsigned char)(a[k] ^ b[k]);
	return d == 0;
}

static void
do_hello(struct server *sv, int i, const struct p2p_msg *m, long long now)
{
	char line[P2P_LINE_MAX + 1], eps[P2P_EPSTR_MAX];
	struct roster_user *u, *v;
	int id, n;

	id = roster_find(&sv->users, m->name, strlen(m->name));
	u = roster_get(&sv->users, id);
	/* lapsed is lapsed, though the next tick has yet to remove it */
	if (u == NULL || u->online || u->expires <= now || !token_eq(u->token, m->token)) {
		doom(sv, i, "hello without a valid token");
		return;
	}
	if (sv->online >= sv->o->max_users) {
		doom(sv, i, "server full");
		return;
	}
	/* the roster of everyone else: each entry was formatted once, at login */
	for (n = roster_next(&sv->users, -1); n != -1; n = roster_next(&sv->users, n)) {
		v = roster_get(&sv->users, n);
		if (v->online)
			queue(sv, i, sv->s[v->sess].entry, sv->s[v->sess].entrylen);
	}
	queue(sv, i, "end\n", 4);
	if ((n = format_user(line, sizeof(line) - 1, P2P_ENTRY, u)) < 0 ||
	    (sv->s[i].entry = malloc((size_t)n + 1)) == NULL) {
		doom(sv, i, "out of memory");
		return;
	}
	line[n++] = ';';
	memcpy(sv->s[i].entry, line, (size_t)n);
	sv->s[i].entrylen = (size_t)n;
	unpend(sv, id);
	u->online = 1;
	u->sess = i;
	sv->s[i].user = id;
	sv->online++;
	sv->handshakes--;
	sv->logins++;
	logmsg("%s logged in from %s", u->name, proto_ep_str(&u->ep, eps));
	broadcast(sv, P2P_LOGIN, u);
	flush(sv, i); /* the roster goes at once; the others hear with the next notices */
}

/* Session i's user wants a path to m->name: tell that user to probe it now,
 * so that both send at once and their NATs let each other in. */
static void
do_punch(struct server *sv, int i, const struct p2p_msg *m, long long now)
{
	struct roster_user *u = roster_get(&sv->users, sv->s[i].user);
	struct roster_user *v = roster_get(&sv->users, roster_find(&sv->users, m->name, strlen(m->name)));
	char line[P2P_NAME_MAX + 8];

	if (v == NULL || !v->online || v->sess == i) {
		debug("%s: no one to punch to as %s", u->name, m->name);
		return;
	}
	if (!rate_take(&sv->s[i].punch, now, PUNCH_BURST, PUNCH_RATE, 1)) {
		sv->limited++;
		debug("%s: too many punch requests", u->name);
		return;
	}
	sv->punches++;
	fmt(line, sizeof(line), "punch,%s\n", u->name);
	queue(sv, v->sess, line, strlen(line));
	flush(sv, v->sess);
}

static void
session_line(struct server *sv, int i, const char *line, size_t len, long long now)
{
	struct session *s = &sv->s[i];
	struct roster_user *u = roster_get(&sv->users, s->user);
	char esc[P2P_ESC_MAX(P2P_LINE_MAX)];
	struct p2p_msg m;
	int r;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	s->heard = now;
	r = proto_parse(line, len, P2P_FROM_CLIENT, &m);
	if (verbose) {
		proto_escape(line, len, esc, sizeof(esc));
		debug("tcp %s < %s", u ? u->name : "?", esc);
	}
	if (u == NULL) {
		if (r < 0 || m.type != P2P_HELLO)
			doom(sv, i, "the first line was not a hello");
		else
			do_hello(sv, i, &m, now);
	} else if (r == 0 && m.type == P2P_LOGOUT && strcmp(m.name, u->name) == 0) {
		doom(sv, i, "quit");
	} else if (r == 0 && m.type == P2P_PUNCH) {
		do_punch(sv, i, &m, now);
	} else {
		sv->bad++;
		if (may_log(sv, H_IGNORED, now))
			logmsg("%s: ignored a line: %s", u->name,
			    r < 0 ? proto_strerror(r) : "unexpected message");
	}
}

static void
session_read(struct server *sv, int i, long long now)
{
	struct session *s = &sv->s[i];
	ssize_t n = net_in_fill(fd_of(sv, BASE + i), &s->in);
	size_t len;
	char *rec, term;
	int r;

	if (n == 0)
		doom(sv, i, "connection closed");
	else if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		doom(sv, i, strerror(errno));
	while (s->doom == NULL && (r = net_in_record(&s->in, "\n", &rec, &len, &term)) != 0) {
		if (r == -1)
			doom(sv, i, "line too long");
		else
			session_line(sv, i, rec, len, now);
	}
}

/* Close the connection that has waited longest for its hello: a flood of
 * idle connections crowds out its own oldest, not the users. */
static int
crowd_out(struct server *sv)
{
	int i, old = -1;

	for (i = 0; i < sv->nsess; i++)
		if (fd_of(sv, BASE + i) != -1 && sv->s[i].user == -1 &&
		    (old == -1 || sv->s[i].deadline < sv->s[old].deadline))
			old = i;
	if (old == -1)
		return -1;
	sv->crowded++;
	end_now(sv, old, "crowded out before its hello");
	return 0;
}

static void
do_accept(struct server *sv, int lslot, long long now)
{
	struct p2p_ep peer;
	char eps[P2P_EPSTR_MAX];
	int k, fd, i;

	for (k = 0; k < BURST; k++) {
		if ((fd = net_accept(fd_of(sv, lslot), &peer)) == -1) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				if (crowd_out(sv) == 0)
					continue;
				if (sv->accept_pause == 0 && may_log(sv, H_ACCEPT, now))
					logmsg("accept: %s; serving the users online, accepting again shortly",
					    strerror(errno));
				sv->accept_pause = now + ACCEPT_PAUSE;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED && may_log(sv, H_ACCEPT, now)) {
				logmsg("accept: %s", strerror(errno));
			}
			return;
		}
		if (sv->handshakes >= HANDSHAKE_MAX)
			crowd_out(sv);
		for (i = sv->free_hint; i < sv->nsess && fd_of(sv, BASE + i) != -1; i++)
			;
		sv->free_hint = i;
		if (i < sv->nsess)
			sv->fd[BASE + i] = fd;
		if (i == sv->nsess || watch(sv, BASE + i, POLLIN) == -1) {
			if (may_log(sv, H_CONN, now))
				logmsg("refused a connection from %s: %s", proto_ep_str(&peer, eps),
				    i == sv->nsess ? "too many sessions" : strerror(errno));
			if (i < sv->nsess)
				sv->fd[BASE + i] = -1;
			net_close(fd);
			continue;
		}
		if (sv->accept_pause != 0 && may_log(sv, H_ACCEPT, now))
			logmsg("accepting connections again");
		sv->accept_pause = 0;
		net_in_init(&sv->s[i].in, P2P_LINE_MAX + 1);
		sv->s[i].peer = peer;
		sv->s[i].user = -1;
		sv->s[i].deadline = now + HELLO_TIMEOUT;
		sv->s[i].heard = now;
		sv->s[i].doom = NULL;
		sv->s[i].punch.t = sv->s[i].relay.t = 0;
		sv->handshakes++;
		sv->sessions++;
		net_keepalive(fd, SILENCE / 1000);
		net_sndbuf(fd, SNDBUF);
		debug("connection from %s", proto_ep_str(&peer, eps));
	}
}

/* ---- UDP ---- */

/* A datagram for the user m->name from the one online at src, whose peers
 * cannot reach it directly: passed on, and never more than the rate allows.
 * The server sees only what the peers send each other (sealed, with
 * encryption). */
static void
do_relay(struct server *sv, int slot, const struct p2p_ep *src, const struct p2p_msg *m,
    size_t inlen, long long now)
{
	struct roster_user *u = roster_get(&sv->users, roster_find_ep(&sv->users, src));
	struct roster_user *v = roster_get(&sv->users, roster_find(&sv->users, m->name, strlen(m->name)));
	char buf[P2P_DGRAM_MAX + P2P_NAME_MAX + 1], eps[P2P_EPSTR_MAX];
	struct p2p_msg out = *m;
	int n, to;

	if (u == NULL || !u->online || v == NULL || !v->online || v == u || sv->o->no_relay ||
	    !rate_take(&sv->s[u->sess].relay, now, RELAY_BURST, RELAY_RATE, (long)inlen)) {
		sv->unrelayed++;
		debug("not relayed: %s from %s", m->name, proto_ep_str(src, eps));
		return;
	}
	strcpy(out.name, u->name);
	if ((n = proto_format(buf, sizeof(buf), &out)) < 0 || n > P2P_DGRAM_MAX) {
		sv->unrelayed++;
		return;
	}
	to = v->ep.family == AF_INET6 ? UDP6 : UDP4;
	if (net_sendto(fd_of(sv, fd_of(sv, to) != -1 ? to : slot), buf, (size_t)n, &v->ep) == -1)
		debug("relay to %s: %s", v->name, strerror(errno));
	sv->relayed++;
	sv->relayed_bytes += (unsigned long)n;
}

/* May src send another login now?  A token bucket per address, in a
 * table of RATE_SLOTS: an address that lands in another's slot shares that
 * bucket until it has refilled (rate.h), so a second address never brings a
 * full bucket with it.  Nothing fancier: an attacker who can pick addresses
 * can also spread a flood over them.  What is ignored is logged, within the
 * limit of its cause. */
static int
login_allowed(struct server *sv, const struct p2p_ep *src, long long now)
{
	char eps[P2P_EPSTR_MAX];

	if (rate_take(rate_of(sv->rate, RATE_SLOTS, src, now, LOGIN_BURST, LOGIN_RATE), now,
	    LOGIN_BURST, LOGIN_RATE, 1))
		return 1;
	if (may_log(sv, H_LIMITED, now))
		logmsg("too many logins from %s: one ignored", proto_ep_str(src, eps));
	sv->limited++;
	return 0;
}

/* Answer a datagram, never with more than 3 times its bytes (no amplifier). */
static void
reply(struct server *sv, int slot, const struct p2p_ep *to, const struct p2p_msg *m, size_t inlen)
{
	char buf[P2P_DGRAM_MAX], eps[P2P_EPSTR_MAX];
	int n = proto_format(buf, sizeof(buf), m);

	if (n < 0 || (size_t)n > 3 * inlen)
		return;
	debug("udp %s > %s", proto_ep_str(to, eps), buf);
	if (net_sendto(fd_of(sv, slot), buf, (size_t)n, to) == -1)
		debug("udp send to %s: %s", eps, strerror(errno));
}

static void
refuse(struct server *sv, int slot, const struct p2p_ep *src, const char *name,
    const char *reason, size_t inlen, long long now)
{
	char eps[P2P_EPSTR_MAX];
	struct p2p_msg m;

	memset(&m, 0, sizeof(m));
	m.type = P2P_REJECT;
	fmt(m.reason, sizeof(m.reason), "%s", reason);
	sv->refused++;
	if (may_log(sv, H_REFUSED, now))
		logmsg("refused login%s%s from %s: %s", name ? " of " : "", name ? name : "",
		    proto_ep_str(src, eps), reason);
	reply(sv, slot, src, &m, inlen);
}

static void
do_login(struct server *sv, int slot, const struct p2p_ep *src, const struct p2p_msg *m,
    size_t inlen, long long now)
{
	struct roster_user *u;
	struct p2p_msg a;
	unsigned char rnd[P2P_TOKEN_LEN / 2];
	char why[P2P_REASON_MAX + 1];
	int id, k;

	for (k = 0; k < BANS; k++)
		if (sv->ban[k].until > now && same_addr(&sv->ban[k].addr, src) &&
		    proto_name_eq(sv->ban[k].name, m->name, strlen(m->name))) {
			fmt(why, sizeof(why), "kicked out: try again in %lld s",
			    (sv->ban[k].until - now + 999) / 1000);
			refuse(sv, slot, src, m->name, why, inlen, now);
			return;
		}
	id = roster_find(&sv->users, m->name, strlen(m->name));
	if ((u = roster_get(&sv->users, id)) != NULL && u->online && proto_ep_eq(&u->ep, src)) {
		/* the client logs in again from where it is online: its session
		 * broke without our noticing, so end the old one now */
		end_now(sv, u->sess, "logged in again");
		u = NULL;
	}
	if (u != NULL) {
		/* the same client again (its Accept was lost): the same answer;
		 * a look-alike of the name is another name, taken */
		if (u->online || !proto_ep_eq(&u->ep, src) || strcmp(u->name, m->name) != 0) {
			refuse(sv, slot, src, m->name, "name taken", inlen, now);
			return;
		}
	} else {
		/* a few addresses must not hold every pending slot */
		const char *why = "server full";

		id = -1;
		if (sv->online < sv->o->max_users && pending_from(sv, src) >= PENDING_PER_ADDR)
			why = "too many logins pending from your address";
		else if (sv->online < sv->o->max_users && sv->npending < PENDING_MAX &&
		    net_random(rnd, sizeof(rnd)) == 0)
			id = roster_add(&sv->users, m->name, strlen(m->name));
		if ((u = roster_get(&sv->users, id)) == NULL) {
			refuse(sv, slot, src, m->name, why, inlen, now);
			return;
		}
		sv->pending[sv->npending++] = id;
		roster_set_ep(&sv->users, id, src);
		u->lep = m->ep;
		for (k = 0; k < (int)sizeof(rnd); k++)
			fmt(u->token + 2 * k, 3, "%02x", rnd[k]);
		/* from the first login: sending it again gets no more time */
		u->expires = now + TOKEN_TTL;
	}
	/* passed on as it came: peers check it themselves (a hint, no more) */
	u->haskey = m->haskey;
	memcpy(u->key, m->key, sizeof(u->key));
	memset(&a, 0, sizeof(a));
	a.type = P2P_ACCEPT;
	a.port = sv->port;
	a.relay = !sv->o->no_relay;
	strcpy(a.token, u->token);
	reply(sv, slot, src, &a, inlen);
}

/* A logout or keepalive over UDP: it counts only from the user's own
 * endpoint, since anyone can write a name. */
static void
do_udp_user(struct server *sv, int slot, const struct p2p_ep *src, const struct p2p_msg *m,
    size_t inlen, long long now)
{
	struct roster_user *u = roster_get(&sv->users, roster_find_ep(&sv->users, src));
	char eps[P2P_EPSTR_MAX];
	struct p2p_msg pong;

	if (u == NULL || strcmp(u->name, m->name) != 0) {
		sv->bad++;
		debug("ignored a %s of %s from %s", m->type == P2P_PING ? "keepalive" : "logout",
		    m->name, proto_ep_str(src, eps));
		return;
	}
	if (m->type == P2P_LOGOUT) {
		doom(sv, u->sess, "logout");
		return;
	}
	sv->s[u->sess].heard = now;
	memset(&pong, 0, sizeof(pong));
	pong.type = P2P_PONG;
	reply(sv, slot, src, &pong, inlen);
}

static void
udp_read(struct server *sv, int slot, long long now)
{
	char buf[P2P_DGRAM_MAX + 1], esc[P2P_ESC_MAX(64)], eps[P2P_EPSTR_MAX];
	struct p2p_ep src;
	struct p2p_msg m;
	ssize_t n;
	int k, r;

	for (k = 0; k < BURST; k++) {
		if ((n = net_recvfrom(fd_of(sv, slot), buf, sizeof(buf), &src)) == -1)
			return;
		sv->dgrams++;
		if (verbose) {
			proto_escape(buf, (size_t)n < 64 ? (size_t)n : 64, esc, sizeof(esc));
			debug("udp %s < %s", proto_ep_str(&src, eps), esc);
		}
		if ((size_t)n > P2P_DGRAM_MAX) {
			sv->bad++;
			continue;
		}
		if (n >= 6 && memcmp(buf, "login,", 6) == 0 && !login_allowed(sv, &src, now))
			continue;
		r = proto_parse(buf, (size_t)n, P2P_FROM_CLIENT, &m);
		if (r == 0 && m.type == P2P_LOGIN) {
			do_login(sv, slot, &src, &m, (size_t)n, now);
		} else if (r == 0 && (m.type == P2P_LOGOUT || m.type == P2P_PING)) {
			do_udp_user(sv, slot, &src, &m, (size_t)n, now);
		} else if (r == 0 && m.type == P2P_RELAY) {
			do_relay(sv, slot, &src, &m, (size_t)n, now);
		} else {
			sv->bad++;
			/* a login we cannot read still deserves an answer */
			if (n > 6 && memcmp(buf, "login,", 6) == 0)
				refuse(sv, slot, &src, NULL,
				    r == -P2P_ENAME ? "bad name" : "bad request", (size_t)n, now);
		}
	}
}

/* ---- console ---- */

static void
cmd_who(struct server *sv)
{
	char eps[P2P_EPSTR_MAX], leps[P2P_EPSTR_MAX];
	int id;

	fmt_line(STDOUT_FILENO, "%d online", sv->online);
	for (id = roster_next(&sv->users, -1); id != -1; id = roster_next(&sv->users, id)) {
		const struct roster_user *u = roster_get(&sv->users, id);

		if (u->online)
			fmt_line(STDOUT_FILENO, "  %s %s %s", u->name, proto_ep_str(&u->ep, eps), proto_ep_str(&u->lep, leps));
	}
}

/* Seconds typed at the console, 0 to KICK_SECS_MAX: the number, or -1. */
static long
seconds(const char *s, size_t len)
{
	long v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9' && v <= KICK_SECS_MAX; i++)
		v = v * 10 + (s[i] - '0');
	return len == 0 || i < len || v > KICK_SECS_MAX ? -1 : v;
}

/* kick NAME [SECONDS]: end NAME's session, telling it why, and refuse its
 * name from its address for that long. */
static void
kick(struct server *sv, const char *arg, size_t len)
{
	char esc[P2P_ESC_MAX(P2P_LINE_MAX)], line[32];
	const char *sp = memchr(arg, ' ', len);
	size_t nlen = sp ? (size_t)(sp - arg) : len;
	struct roster_user *u = roster_get(&sv->users, roster_find(&sv->users, arg, nlen));
	struct ban *b = &sv->ban[0];
	long secs = KICK_SECS;
	int k;

	if (sp != NULL && (secs = seconds(sp + 1, len - nlen - 1)) < 0) {
		fmt_line(STDOUT_FILENO, "usage: kick NAME [SECONDS], at most %d seconds", KICK_SECS_MAX);
		return;
	}
	proto_escape(arg, nlen, esc, sizeof(esc));
	if (u == NULL || !u->online) {
		fmt_line(STDOUT_FILENO, "%s is not online", esc);
		return;
	}
	for (k = 1; k < BANS; k++) /* the slot that lapses first */
		if (sv->ban[k].until < b->until)
			b = &sv->ban[k];
	strcpy(b->name, u->name);
	b->addr = u->ep;
	b->until = net_now() + secs * 1000;
	fmt(line, sizeof(line), "kicked,%ld\n", secs);
	queue(sv, u->sess, line, strlen(line));
	flush(sv, u->sess);
	doom(sv, u->sess, "kicked");
	fmt_line(STDOUT_FILENO, "kicked %s; refused from %s's address for %ld s", u->name, u->name, secs);
}

static void
console_line(struct server *sv, char *line, size_t len)
{
	char esc[P2P_ESC_MAX(P2P_LINE_MAX)];
	int i, open;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	if (strcmp(line, "who") == 0) {
		cmd_who(sv);
	} else if (strncmp(line, "kick ", 5) == 0) {
		kick(sv, line + 5, len - 5);
	} else if (strcmp(line, "stats") == 0) {
		for (i = 0, open = 0; i < sv->nsess; i++)
			open += fd_of(sv, BASE + i) != -1;
		fmt_line(STDOUT_FILENO, "online %d, pending %d, sessions %d, logins %lu, refused %lu, "
		    "rate-limited %lu, datagrams %lu, bad input %lu, connections %lu, "
		    "crowded out %lu, punches %lu, relayed %lu (%lu bytes), not relayed %lu%s, "
		    "uptime %llds",
		    sv->online, sv->users.count - sv->online, open, sv->logins,
		    sv->refused, sv->limited, sv->dgrams, sv->bad, sv->sessions, sv->crowded,
		    sv->punches, sv->relayed, sv->relayed_bytes, sv->unrelayed,
		    sv->o->no_relay ? " (relay off)" : "", (net_now() - sv->started) / 1000);
	} else if (strcmp(line, "quit") == 0) {
		sv->stopping = 1;
	} else if (strcmp(line, "help") == 0) {
		fmt_line(STDOUT_FILENO, "commands: who, kick NAME [SECONDS], stats, quit");
	} else if (len > 0) {
		proto_escape(line, len, esc, sizeof(esc));
		fmt_line(STDOUT_FILENO, "unknown command: %s (try help)", esc);
	}
}

static void
console_read(struct server *sv)
{
	ssize_t n = net_in_fill(fd_of(sv, CONSOLE), &sv->console);
	size_t len;
	char *rec, term;
	int r;

	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		/* no console (</dev/null, a service): keep serving */
		net_poller_set(sv->poller, CONSOLE, -1, 0);
		sv->fd[CONSOLE] = -1;
		return;
	}
	while ((r = net_in_record(&sv->console, "\n", &rec, &len, &term)) != 0) {
		if (r == -1)
			fmt_line(STDOUT_FILENO, "line too long");
		else
			console_line(sv, rec, len);
	}
}

/* ---- the loop's side ---- */

/* What the poller waits on changes where it happens (accept, flush, close);
 * a turn costs nothing per idle session. */
static struct net_poller *
server_prepare(void *p, long long now, int *timeout)
{
	struct server *sv = p;
	long long next = sv->next_tick;
	int i;

	if (sv->stopping)
		return NULL;
	for (i = TCP4; i <= TCP6; i++)
		if (fd_of(sv, i) != -1)
			watch(sv, i, sv->accept_pause > now ? 0 : POLLIN);
	if (sv->accept_pause > now && sv->accept_pause < next)
		next = sv->accept_pause;
	/* notices wait: if the wait finds nothing else to do, they go */
	*timeout = sv->log_told < log_end(sv) || next <= now ? 0 : (int)(next - now);
	return sv->poller;
}

/* Every TICK: sessions silent too long, hellos late, logins lapsed (a
 * walk of the pending ones only), and the counts of log lines held back
 * in a period that has ended (a flood that stops still has its count
 * said). */
static void
deadlines(struct server *sv, long long now)
{
	char eps[P2P_EPSTR_MAX];
	struct roster_user *u;
	int i, id;

	for (i = 0; i < H_CAUSES; i++)
		hush_tick(&sv->hush[i], now, hush_what[i]);

	for (i = 0; i < sv->nsess; i++) {
		if (fd_of(sv, BASE + i) == -1)
			continue;
		if (sv->s[i].user == -1 && sv->s[i].deadline <= now)
			doom(sv, i, "no hello in time");
		else if (now - sv->s[i].heard >= SILENCE)
			doom(sv, i, "timed out");
	}
	for (i = 0; i < sv->npending;) {
		u = roster_get(&sv->users, id = sv->pending[i]);
		if (u->expires > now) {
			i++;
			continue;
		}
		debug("login of %s from %s expired", u->name, proto_ep_str(&u->ep, eps));
		sv->pending[i] = sv->pending[--sv->npending];
		roster_remove(&sv->users, id);
	}
	sv->next_tick = now + TICK;
}

static void
server_dispatch(void *p, long long now)
{
	struct server *sv = p;
	short re;
	int k, i;

	sv->idle = 1;
	while ((k = net_poller_next(sv->poller, &re)) != -1) {
		sv->idle = 0;
		i = k - BASE;
		if (k >= BASE && re & (POLLIN | POLLHUP | POLLERR))
			session_read(sv, i, now);
		if (k >= BASE && re & POLLOUT)
			flush(sv, i);
		if ((k == UDP4 || k == UDP6) && re & POLLIN)
			udp_read(sv, k, now);
		if ((k == TCP4 || k == TCP6) && re & POLLIN && sv->accept_pause <= now)
			do_accept(sv, k, now);
		if (k == CONSOLE)
			console_read(sv);
	}
	if (now >= sv->next_tick)
		deadlines(sv, now);
	settle(sv);
}

static void
server_stop(void *p)
{
	((struct server *)p)->stopping = 1;
}

const struct mode server_mode = { server_prepare, server_dispatch, server_stop };

/* Everything a server holds, given back; the sessions' sockets closed. */
void
server_close(void *p)
{
	struct server *sv = p;
	int i;

	if (sv == NULL)
		return;
	for (i = 0; sv->fd != NULL && sv->poller != NULL && i < BASE + sv->nsess; i++)
		if (i != CONSOLE && fd_of(sv, i) != -1) {
			if (i >= BASE) {
				free(sv->s[i - BASE].entry);
				net_in_free(&sv->s[i - BASE].in);
				net_out_free(&sv->s[i - BASE].out);
			}
			close_slot(sv, i);
		}
	net_in_free(&sv->console);
	roster_free(&sv->users);
	free(sv->s);
	free(sv->fd);
	net_poller_free(sv->poller);
	net_out_free(&sv->log);
	free(sv);
}

void *
server_open(const struct opts *o)
{
	struct server *sv = calloc(1, sizeof(*sv));
	int i;

	if (sv == NULL) {
		logmsg("out of memory");
		return NULL;
	}
	sv->o = o;
	sv->nsess = o->max_users + HANDSHAKE_MAX;
	sv->out_max = OUT_BASE + (size_t)o->max_users * P2P_LINE_MAX; /* a roster of full lines */
	roster_init(&sv->users, o->max_users + PENDING_MAX);
	sv->s = calloc((size_t)sv->nsess, sizeof(*sv->s));
	sv->fd = malloc((size_t)(BASE + sv->nsess) * sizeof(*sv->fd));
	sv->poller = net_poller_new(BASE + sv->nsess, 1);
	net_in_init(&sv->console, P2P_LINE_MAX + 1);
	for (i = 0; sv->fd != NULL && i < BASE + sv->nsess; i++)
		sv->fd[i] = -1;
	if (sv->s == NULL || sv->fd == NULL || sv->poller == NULL) {
		logmsg("out of memory for %d users", o->max_users);
		server_close(sv);
		return NULL;
	}
	if (open_sockets(sv) == -1) {
		server_close(sv);
		return NULL;
	}
	sv->fd[CONSOLE] = STDIN_FILENO;
	if (watch(sv, CONSOLE, POLLIN) == -1)
		sv->fd[CONSOLE] = -1; /* served without a console */
	sv->started = net_now();
	logmsg("listening on UDP and TCP port %u (%s%s%s)", (unsigned)sv->port,
	    fd_of(sv, UDP4) != -1 ? "IPv4" : "",
	    fd_of(sv, UDP4) != -1 && fd_of(sv, UDP6) != -1 ? ", " : "",
	    fd_of(sv, UDP6) != -1 ? "IPv6" : "");
	return sv;
}

int
server_run(const struct opts *o)
{
	struct server *sv = server_open(o);
	int status;

	if (sv == NULL)
		return 1;
	status = loop_run(&server_mode, sv) == 0 ? 0 : 1;
	logmsg("shutting down with %d online", sv->online);
	server_close(sv);
	return status;
}
