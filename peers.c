/*
 * peers.c: the peers.  Chat is end-to-end encrypted (secure.c): a handshake
 * with each peer proves both long-term keys, the first key a peer proves is
 * pinned in known_peers (identity.c), and every chat datagram goes sealed
 * through the peer's reliable link (link.c), by the path found to it
 * (path.c).  Path probes go in the clear: they carry a name and a nonce, no
 * chat.  --insecure drops all of it, for peers that run --insecure too.
 * State is kept only for peers there is something to say to or answer.
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

/* Iterate over the users online now, not those who just left. */
int
peers_next_online(const struct client *c, int id)
{
	while ((id = roster_next(&c->peers, id)) != -1 && !c->peers.u[id].online)
		;
	return id;
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
void
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
void
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
		ui_say("* %s is online", u->name);
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

void
peer_left(struct client *c, struct roster_user *u, long long now)
{
	if (u == NULL || !u->online)
		return;
	u->online = 0;
	u->expires = now + LEFT_GRACE;
	if (u->data != NULL)
		((struct peer *)u->data)->fresh = 0;
	ui_say("* %s left", u->name);
	forget_at(c, u);
}

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
void
peer_pump(struct client *c, struct roster_user *u, long long now)
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

/* Look for a path to u: probe it at once, and, if ask, have the server ask
 * it to probe us at the same time, so that both NATs let the other in. */
void
peer_punch(struct client *c, struct roster_user *u, long long now, int ask)
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

int
peer_send_chat(struct client *c, struct roster_user *u, const char *text, size_t len, long long now)
{
	struct peer *p = peer_of(c, u);

	if (c->secure && !u->haskey) {
		logmsg("not sent: %s chats unencrypted (--insecure), which only --insecure peers do", u->name);
		return -1;
	}
	if (!c->secure && u->haskey) {
		logmsg("not sent: %s encrypts, and this client runs --insecure", u->name);
		return -1;
	}
	if (len > P2P_MSG_MAX) {
		logmsg("not sent: a message holds at most %d bytes, and this one has %lu", P2P_MSG_MAX,
		    (unsigned long)len);
		return -1;
	}
	if (p == NULL || link_send(&p->link, text, len) == -1) {
		logmsg("not sent: too many messages waiting for %s", u->name);
		return -1;
	}
	if (p->path.burst == 0)
		peer_punch(c, u, now, 1);
	peer_pump(c, u, now);
	return 0;
}

/* Report what the link to u gave up on; all: everything it holds. */
void
peer_report_failed(struct roster_user *u, long long now, int all)
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
	size_t len;
	int n, cut;

	if (l == NULL)
		return;
	n = link_input(l, m, c->o->name, ack, sizeof(ack));
	while (link_deliver(l, &text, &len, &cut)) {
		ui_chat(c, u->name, NULL, esc, proto_escape(text, len, esc, sizeof(esc)), cut);
		if (strcmp(c->target, u->name) != 0)
			((struct peer *)u->data)->unread++;
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
		ui_acked(c, u);
		peer_pump(c, u, now); /* the window may have opened */
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
		ui_say("* WARNING: %s proved a key that is not %s: someone may be posing as %s. "
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
		ui_say("* %s's key is pinned (first contact); safety number %s", u->name, num);
	}
	debug("%s: an encrypted session is open", u->name);
	link_hurry(&p->link);
	peer_pump(c, u, now);
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

void
peer_datagram(struct client *c, const struct p2p_ep *src, const char *via, const char *buf,
    size_t len, long long now)
{
	char eps[P2P_EPSTR_MAX], out[P2P_NAME_MAX + 24];
	struct roster_user *u;
	struct peer *p;
	struct p2p_msg m;
	int r;

	if (len > P2P_DGRAM_MAX) {
		if (noisy(c, now))
			logmsg("dropped an oversized datagram from %s", origin(src, via, eps));
		return;
	}
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
			peer_pump(c, u, now);
		}
	} else if (c->secure) {
		if (noisy(c, now))
			logmsg("dropped a message in the clear from %s: chat is encrypted "
			    "(to chat in the clear, both sides need --insecure)", u->name);
	} else {
		chat_datagram(c, u, src, &m, now);
	}
}

/* The most fragments any link holds that its peer has not yet taken. */
size_t
peers_longest_queue(const struct client *c)
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
size_t
peers_pending(const struct client *c)
{
	size_t n = 0;
	int k;

	for (k = 0; k < c->nact; k++)
		n += ((const struct link *)c->peers.u[c->act[k]].data)->qlen;
	return n;
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
void
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
				peer_punch(c, u, now, 1);
			probe(c, u, now);
		}
		peer_pump(c, u, now);
		peer_report_failed(u, now, 0);
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
