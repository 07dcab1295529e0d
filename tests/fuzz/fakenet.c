/*
 * fakenet.c: net.h in memory (fakenet.h).  Fds are small numbers of its
 * own (0 is stdin); a poller reports a key ready when its fd has what was
 * asked for: a datagram, a connection to accept, bytes or an end to read,
 * room to write, a connect to finish.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fakenet.h"
#include "net.h"

enum kind { FREE, UDP, LISTEN, CONN, CONNECTING };

struct ffd {
	enum kind kind;
	struct p2p_ep local, peer;
	char *in;
	size_t inlen, incap;
	int eof;
	size_t room;
};

#define QUEUE 64

static struct ffd fds[FAKE_FDS];
static struct { struct p2p_ep from; size_t len; unsigned char buf[P2P_DGRAM_MAX + 64]; } dq[QUEUE];
static int ndq;
static struct p2p_ep incoming[QUEUE];
static int nincoming;
static long long clock_ms;
static unsigned long rnd_state;
static int refusing;

void (*fake_sent)(const struct p2p_ep *, const unsigned char *, size_t);
void (*fake_wrote)(int, const char *, size_t);

struct net_poller {
	int max;
	int *fd;
	short *events, *ready;
	int cursor;
};

void
fake_reset(void)
{
	int i;

	for (i = 0; i < FAKE_FDS; i++)
		free(fds[i].in);
	memset(fds, 0, sizeof(fds));
	fds[0].kind = CONN; /* stdin */
	fds[0].room = 0;
	ndq = nincoming = 0;
	clock_ms = 1000000;
	rnd_state = 1;
	refusing = 0;
}

void
fake_time(long long ms)
{
	clock_ms += ms;
}

void
fake_dgram(const struct p2p_ep *from, const void *buf, size_t len)
{
	if (ndq == QUEUE || len > sizeof(dq[0].buf))
		return;
	dq[ndq].from = *from;
	dq[ndq].len = len;
	memcpy(dq[ndq].buf, buf, len);
	ndq++;
}

void
fake_incoming(const struct p2p_ep *from)
{
	if (nincoming < QUEUE)
		incoming[nincoming++] = *from;
}

int
fake_conn(const struct p2p_ep *peer)
{
	int i;

	for (i = FAKE_FDS - 1; i > 0; i--)
		if ((fds[i].kind == CONN || fds[i].kind == CONNECTING) && proto_ep_eq(&fds[i].peer, peer))
			return i;
	return -1;
}

void
fake_bytes(int fd, const void *buf, size_t len)
{
	struct ffd *f;
	char *p;

	if (len == 0 || fd < 0 || fd >= FAKE_FDS || (f = &fds[fd])->kind != CONN || f->eof ||
	    f->inlen + len > 1 << 20)
		return;
	if (f->inlen + len > f->incap) {
		if ((p = realloc(f->in, f->inlen + len)) == NULL)
			return;
		f->in = p;
		f->incap = f->inlen + len;
	}
	memcpy(f->in + f->inlen, buf, len);
	f->inlen += len;
}

void
fake_eof(int fd)
{
	if (fd >= 0 && fd < FAKE_FDS)
		fds[fd].eof = 1;
}

void
fake_room(int fd, size_t n)
{
	if (fd >= 0 && fd < FAKE_FDS)
		fds[fd].room = n;
}

void
fake_refuse(int refuse)
{
	refusing = refuse;
}

static int
new_fd(enum kind kind)
{
	int i;

	for (i = 3; i < FAKE_FDS; i++)
		if (fds[i].kind == FREE) {
			memset(&fds[i], 0, sizeof(fds[i]));
			fds[i].kind = kind;
			fds[i].room = 65536;
			return i;
		}
	errno = EMFILE;
	return -1;
}

static struct ffd *
fd_of(int fd)
{
	return fd >= 0 && fd < FAKE_FDS && fds[fd].kind != FREE ? &fds[fd] : NULL;
}

/* ---- the poller ---- */

struct net_poller *
net_poller_new(int max, int scalable)
{
	struct net_poller *p = calloc(1, sizeof(*p));

	(void)scalable;
	if (p == NULL)
		return NULL;
	p->max = max;
	p->fd = malloc((size_t)max * sizeof(*p->fd));
	p->events = calloc((size_t)max, sizeof(*p->events));
	p->ready = calloc((size_t)max, sizeof(*p->ready));
	if (p->fd == NULL || p->events == NULL || p->ready == NULL) {
		net_poller_free(p);
		return NULL;
	}
	memset(p->fd, 0xff, (size_t)max * sizeof(*p->fd));
	return p;
}

void
net_poller_free(struct net_poller *p)
{
	if (p == NULL)
		return;
	free(p->fd);
	free(p->events);
	free(p->ready);
	free(p);
}

int
net_poller_set(struct net_poller *p, int key, int fd, short events)
{
	if (key < 0 || key >= p->max) {
		errno = EINVAL;
		return -1;
	}
	p->fd[key] = fd;
	p->events[key] = fd == -1 ? 0 : events;
	p->ready[key] = 0;
	return 0;
}

/* What fd is ready for of events. */
static short
ready(int fd, short events)
{
	struct ffd *f = fd_of(fd);
	short r = 0;

	if (f == NULL)
		return 0;
	if (events & POLLIN) {
		if ((f->kind == UDP && ndq > 0) || (f->kind == LISTEN && nincoming > 0) ||
		    (f->kind == CONN && (f->inlen > 0 || f->eof)))
			r |= POLLIN;
	}
	if ((events & POLLOUT) && (f->kind == CONNECTING || (f->kind == CONN && f->room > 0)))
		r |= POLLOUT;
	return r;
}

int
net_poller_wait(struct net_poller *p, int timeout)
{
	int k, n = 0;

	(void)timeout; /* the harness moves the clock */
	for (k = 0; k < p->max; k++)
		if ((p->ready[k] = p->fd[k] == -1 ? 0 : ready(p->fd[k], p->events[k])) != 0)
			n++;
	p->cursor = 0;
	return n;
}

int
net_poller_next(struct net_poller *p, short *revents)
{
	while (p->cursor < p->max) {
		int k = p->cursor++;

		if (p->ready[k] != 0 && p->fd[k] != -1) {
			*revents = p->ready[k];
			p->ready[k] = 0;
			return k;
		}
	}
	return -1;
}

/* ---- sockets ---- */

int
net_udp(const struct p2p_ep *bind)
{
	int fd;

	if (bind->family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if ((fd = new_fd(UDP)) == -1)
		return -1;
	fds[fd].local = *bind;
	if (fds[fd].local.port == 0)
		fds[fd].local.port = 20000;
	return fd;
}

int
net_listen(const struct p2p_ep *bind)
{
	int fd;

	if (bind->family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if ((fd = new_fd(LISTEN)) == -1)
		return -1;
	fds[fd].local = *bind;
	return fd;
}

int
net_accept(int lfd, struct p2p_ep *peer)
{
	int fd;

	if (fd_of(lfd) == NULL || nincoming == 0) {
		errno = EAGAIN;
		return -1;
	}
	if ((fd = new_fd(CONN)) == -1)
		return -1;
	fds[fd].peer = *peer = incoming[0];
	memmove(incoming, incoming + 1, (size_t)--nincoming * sizeof(incoming[0]));
	return fd;
}

void
net_keepalive(int fd, int secs)
{
	(void)fd, (void)secs;
}

int
net_sndbuf(int fd, int bytes)
{
	(void)fd, (void)bytes;
	return 0;
}

int
net_connect(const struct p2p_ep *to)
{
	int fd;

	if (refusing) {
		errno = ECONNREFUSED;
		return -1;
	}
	if ((fd = new_fd(CONNECTING)) == -1)
		return -1;
	fds[fd].peer = *to;
	return fd;
}

int
net_connected(int fd)
{
	struct ffd *f = fd_of(fd);

	if (f == NULL || refusing) {
		errno = ECONNREFUSED;
		return -1;
	}
	f->kind = CONN;
	return 0;
}

int
net_sendto(int fd, const void *buf, size_t len, const struct p2p_ep *to)
{
	if (fd_of(fd) == NULL || fds[fd].kind != UDP) {
		errno = EBADF;
		return -1;
	}
	if (len > P2P_DGRAM_MAX)
		abort(); /* no datagram of any kind is longer (p2pchat(1), PROTOCOL) */
	if (fake_sent != NULL)
		fake_sent(to, buf, len);
	return 0;
}

ssize_t
net_recvfrom(int fd, void *buf, size_t size, struct p2p_ep *from)
{
	size_t n;

	if (fd_of(fd) == NULL || fds[fd].kind != UDP || ndq == 0) {
		errno = EAGAIN;
		return -1;
	}
	n = dq[0].len < size ? dq[0].len : size; /* as recvfrom cuts a datagram to the buffer */
	memcpy(buf, dq[0].buf, n);
	*from = dq[0].from;
	memmove(dq, dq + 1, (size_t)--ndq * sizeof(dq[0]));
	return (ssize_t)n;
}

int
net_sockname(int fd, struct p2p_ep *ep)
{
	if (fd_of(fd) == NULL) {
		errno = EBADF;
		return -1;
	}
	*ep = fds[fd].local;
	return 0;
}

int
net_route(const struct p2p_ep *to, struct p2p_ep *local)
{
	memset(local, 0, sizeof(*local));
	local->family = to->family;
	local->addr[0] = 10, local->addr[3] = 50;
	return 0;
}

int
net_resolve(const char *host, uint16_t port, struct p2p_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	ep->port = port;
	return inet_pton(AF_INET, host, ep->addr) == 1 ? 0 : 1;
}

const char *
net_resolve_error(int code)
{
	(void)code;
	return "not an address (fake)";
}

int
net_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len-- > 0) {
		rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
		*p++ = (unsigned char)(rnd_state >> 33);
	}
	return 0;
}

long long
net_now(void)
{
	return clock_ms;
}

ssize_t
net_read(int fd, void *buf, size_t len)
{
	struct ffd *f = fd_of(fd);
	size_t n;

	if (f == NULL || f->kind != CONN) {
		errno = EBADF;
		return -1;
	}
	if (f->inlen == 0) {
		if (f->eof)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	n = f->inlen < len ? f->inlen : len;
	memcpy(buf, f->in, n);
	memmove(f->in, f->in + n, f->inlen - n);
	f->inlen -= n;
	return (ssize_t)n;
}

ssize_t
net_write(int fd, const char *buf, size_t len)
{
	struct ffd *f = fd_of(fd);
	size_t n;

	if (fd == 1 || fd == 2)
		return (ssize_t)len;
	if (f == NULL || f->kind != CONN) {
		errno = EBADF;
		return -1;
	}
	n = len < f->room ? len : f->room;
	if (fake_wrote != NULL && n > 0)
		fake_wrote(fd, buf, n);
	return (ssize_t)n;
}

int
net_close(int fd)
{
	struct ffd *f = fd_of(fd);

	if (f == NULL || fd == 0) {
		errno = EBADF;
		return -1;
	}
	free(f->in);
	memset(f, 0, sizeof(*f));
	return 0;
}
