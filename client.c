/*
 * client.c: a user, the loop's side.  The client logs in over UDP, opens the
 * session over TCP, keeps its roster live from the server's notices
 * (session.c), and chats with peers directly over UDP through one reliable
 * link, path and secure session per peer (peers.c); ui.c is what the user
 * types and sees.  The server never carries a chat message.  Here: the
 * client's state made and freed, its keys, and what the loop waits on and
 * hands to the modules.
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

void
client_fail(struct client *c, const char *why)
{
	logmsg("%s", why);
	c->status = 1;
	c->quit = DONE;
}

void
client_close_fd(struct client *c, int slot)
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
	c->pfd[KEYS].fd = (c->been_online || c->screen) && c->quit <= LINGER && !c->keys_done &&
	    peers_longest_queue(c) < LINK_QUEUE / 2 ? STDIN_FILENO : -1;
	c->pfd[KEYS].events = POLLIN;

	if (c->quit != STAYING)
		soonest(&t, c->deadline);
	soonest(&t, ui_next(c));
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

/* The UDP socket: datagrams from the server (and the relay), and from peers. */
static void
udp_read(struct client *c, long long now)
{
	char buf[P2P_DGRAM_MAX + 1];
	struct p2p_ep src;
	ssize_t n;
	int k;

	for (k = 0; k < 64 && (n = net_recvfrom(c->pfd[UDP].fd, buf, sizeof(buf), &src)) != -1; k++) {
		if (proto_ep_eq(&src, &c->server) && (size_t)n <= P2P_DGRAM_MAX)
			session_datagram(c, buf, (size_t)n, now);
		else if (c->been_online)
			peer_datagram(c, &src, NULL, buf, (size_t)n, now);
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
			session_connected(c, now);
		if (c->pfd[TCP].fd != -1 && net_out_flush(c->pfd[TCP].fd, &c->tout) == -1)
			session_lost(c, strerror(errno), now);
	}
	if ((c->st == ROSTER || c->st == ONLINE) && c->pfd[TCP].fd != -1 &&
	    (c->pfd[TCP].revents & (POLLIN | POLLHUP | POLLERR)))
		session_read(c, now);
	if (c->pfd[UDP].revents & POLLIN)
		udp_read(c, now);
	if (c->pfd[KEYS].revents)
		ui_read(c, now);
	if (c->quit != DONE) {
		peer_timers(c, now);
		session_timers(c, now);
		ui_timers(c, now);
	}
}

static void
client_stop(void *p)
{
	session_quit(p, net_now());
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
		client_fail(c, err);
		return -1;
	}
	if (net_random(rnd, sizeof(rnd)) == -1) {
		crypto_wipe(priv, sizeof(priv));
		fmt(err, sizeof(err), "no random bytes for the cookie secret: %s", strerror(errno));
		client_fail(c, err);
		return -1;
	}
	fmt(dir + strlen(dir), 16, "/known_peers");
	if (id_pins_load(&c->known, dir, err, sizeof(err)) == -1) {
		crypto_wipe(priv, sizeof(priv));
		client_fail(c, err);
		return -1;
	}
	sec_self_init(&c->me, priv, c->o->name, rnd, net_now());
	crypto_wipe(priv, sizeof(priv));
	crypto_wipe(rnd, sizeof(rnd));
	if (r == 1)
		ui_say("* a new key is yours, kept in %s", c->o->identity ? c->o->identity : path);
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
		client_fail(c, msg);
		return -1;
	}
	memset(&any, 0, sizeof(any));
	any.family = c->server.family;
	any.port = c->o->lport;
	if ((c->pfd[UDP].fd = net_udp(&any)) == -1 || net_sockname(c->pfd[UDP].fd, &any) == -1 ||
	    net_route(&c->server, &c->self) == -1) {
		fmt(msg, sizeof(msg), "cannot open UDP port %u: %s", (unsigned)c->o->lport, strerror(errno));
		client_fail(c, msg);
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
	c->screen = ui_open(c);
	return 0;
}

int
client_close(void *p)
{
	struct client *c = p;
	int status = c->status;

	ui_close(c); /* the terminal back first, whatever ended the client */
	client_close_fd(c, UDP);
	client_close_fd(c, TCP);
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
