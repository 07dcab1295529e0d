/*
 * net.c: the only file that makes sockets.  Endpoints cross this boundary as
 * struct p2p_ep; sockaddrs stay inside.  IPv4-mapped IPv6 addresses are given
 * back as IPv4, so one host has one endpoint whatever socket saw it.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef P2P_EPOLL
#include <sys/epoll.h>
#endif

#include "net.h"
#include "resolve.h"

static socklen_t
ep_to_sa(const struct p2p_ep *ep, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (ep->family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ep->port);
		memcpy(&s6->sin6_addr, ep->addr, 16);
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons(ep->port);
	memcpy(&s4->sin_addr, ep->addr, 4);
	return sizeof(*s4);
}

static void
sa_to_ep(const struct sockaddr_storage *ss, struct p2p_ep *ep)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET6) {
		ep->port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			ep->family = AF_INET;
			memcpy(ep->addr, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			ep->family = AF_INET6;
			memcpy(ep->addr, &s6->sin6_addr, 16);
		}
	} else if (ss->ss_family == AF_INET) {
		ep->family = AF_INET;
		ep->port = ntohs(s4->sin_port);
		memcpy(ep->addr, &s4->sin_addr, 4);
	}
}

/* Non-blocking and close-on-exec, so no exec'd child inherits it. */
static int
setup(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return fd;
}

static int
close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

static int
socket_for(int family, int type)
{
	int fd = socket(family, type, 0), on = 1;

	if (fd == -1)
		return -1;
	if (setup(fd) == -1)
		return close_keep_errno(fd);
	/* one socket per family, so that an IPv4 peer never looks like ::ffff:a.b.c.d */
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		return close_keep_errno(fd);
	return fd;
}

static int
bound(int fd, const struct p2p_ep *ep)
{
	struct sockaddr_storage ss;
	socklen_t sl = ep_to_sa(ep, &ss);

	if (bind(fd, (struct sockaddr *)&ss, sl) == -1)
		return close_keep_errno(fd);
	return fd;
}

int
net_udp(const struct p2p_ep *ep)
{
	int fd = socket_for(ep->family, SOCK_DGRAM);

	return fd == -1 ? -1 : bound(fd, ep);
}

int
net_listen(const struct p2p_ep *ep)
{
	int fd = socket_for(ep->family, SOCK_STREAM), on = 1;

	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		return close_keep_errno(fd);
	if (bound(fd, ep) == -1)
		return -1;
	if (listen(fd, 128) == -1)
		return close_keep_errno(fd);
	return fd;
}

int
net_accept(int lfd, struct p2p_ep *peer)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = accept(lfd, (struct sockaddr *)&ss, &sl);

	if (fd == -1)
		return -1;
	if (setup(fd) == -1)
		return close_keep_errno(fd);
	sa_to_ep(&ss, peer);
	return fd;
}

void
net_keepalive(int fd, int secs)
{
	int on = 1, idle = secs / 3, intvl = secs / 9, cnt = 3, ms = secs * 1000;

	/* POSIX has SO_KEEPALIVE; its timing is an extension where it exists */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
#ifdef TCP_KEEPIDLE
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
#endif
#ifdef TCP_KEEPINTVL
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
#endif
#ifdef TCP_KEEPCNT
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
#endif
#ifdef TCP_USER_TIMEOUT
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
#endif
	(void)idle, (void)intvl, (void)cnt, (void)ms;
}

int
net_sndbuf(int fd, int bytes)
{
	return setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

int
net_connect(const struct p2p_ep *to)
{
	struct sockaddr_storage ss;
	socklen_t sl = ep_to_sa(to, &ss);
	int fd = socket_for(to->family, SOCK_STREAM);

	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 && errno != EINPROGRESS)
		return close_keep_errno(fd);
	return fd;
}

int
net_connected(int fd)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
net_sendto(int fd, const void *buf, size_t len, const struct p2p_ep *to)
{
	struct sockaddr_storage ss;
	socklen_t sl = ep_to_sa(to, &ss);

	return sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) == -1 ? -1 : 0;
}

ssize_t
net_recvfrom(int fd, void *buf, size_t size, struct p2p_ep *from)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&ss, &sl);

	if (n >= 0)
		sa_to_ep(&ss, from);
	return n;
}

int
net_sockname(int fd, struct p2p_ep *ep)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	sa_to_ep(&ss, ep);
	return 0;
}

int
net_route(const struct p2p_ep *to, struct p2p_ep *local)
{
	struct sockaddr_storage ss;
	socklen_t sl = ep_to_sa(to, &ss);
	int fd = socket_for(to->family, SOCK_DGRAM);

	/* connecting a UDP socket sends nothing; it only picks the route */
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 || net_sockname(fd, local) == -1)
		return close_keep_errno(fd);
	close(fd);
	local->port = 0;
	return 0;
}

/* Call fn with each line of the file at path, up to 4 KiB a line (longer
 * ones are passed over): 0, or -1 when it cannot be read. */
static int
each_line(const char *path, int (*fn)(void *ctx, const char *line, size_t len), void *ctx)
{
	char buf[4096], *nl;
	size_t len = 0, k;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), skip = 0, done = 0;

	if (fd == -1)
		return -1;
	while (!done && ((n = read(fd, buf + len, sizeof(buf) - len)) > 0 || (n == -1 && errno == EINTR))) {
		len += n > 0 ? (size_t)n : 0;
		for (k = 0; !done && (nl = memchr(buf + k, '\n', len - k)) != NULL; k = (size_t)(nl - buf) + 1) {
			if (!skip)
				done = fn(ctx, buf + k, (size_t)(nl - buf) - k);
			skip = 0;
		}
		len -= k;
		memmove(buf, buf + k, len);
		if (len == sizeof(buf))
			skip = 1, len = 0;
	}
	if (!done && !skip && len > 0)
		fn(ctx, buf, len);
	close(fd);
	return 0;
}

struct hosts_find {
	const char *name;
	struct p2p_ep ep[2];    /* the first IPv4 and IPv6 address found */
};

static int
hosts_line(void *ctx, const char *line, size_t len)
{
	struct hosts_find *h = ctx;
	struct p2p_ep ep;

	if (res_hosts_line(line, len, h->name, &ep) && h->ep[ep.family == AF_INET6].family == 0)
		h->ep[ep.family == AF_INET6] = ep;
	return h->ep[0].family != 0;
}

static int
conf_line(void *ctx, const char *line, size_t len)
{
	res_conf_line(line, len, ctx);
	return 0;
}

/* Ask the name servers for name's A and AAAA records, each server at once
 * and again every second, for 5 seconds: 0 with the address in *ep (IPv4
 * when there is one), or a RES_ code. */
static int
dns(const struct res_conf *rc, const char *name, struct p2p_ep *ep)
{
	unsigned char q[2][DNS_MAX], r[DNS_MAX];
	struct pollfd pfd[RES_NS_MAX];
	struct sockaddr_storage ss;
	struct p2p_ep found[2];
	int qlen[2], got[2] = { 0, 0 }, i, k, v, open = 0, err = RES_NOANSWER;
	unsigned short id[2];
	long long now = net_now(), end = now + 5000, next = now;
	ssize_t n;

	if (net_random(id, sizeof(id)) == -1 || (qlen[0] = dns_query(q[0], name, id[0], DNS_A)) == -1 ||
	    (qlen[1] = dns_query(q[1], name, id[1], DNS_AAAA)) == -1)
		return RES_BADNAME;
	for (i = 0; i < rc->nns; i++) { /* connected: only that server's datagrams come */
		pfd[i].events = POLLIN;
		if ((pfd[i].fd = socket(rc->ns[i].family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1 &&
		    connect(pfd[i].fd, (struct sockaddr *)&ss, ep_to_sa(&rc->ns[i], &ss)) == -1)
			pfd[i].fd = close_keep_errno(pfd[i].fd);
		open += pfd[i].fd != -1;
	}
	/* an IPv4 address will do at once; otherwise both answers are awaited */
	while (got[0] != 1 && !(got[0] && got[1]) && open > 0 && (now = net_now()) < end) {
		if (now >= next) {
			for (i = 0; i < rc->nns; i++)
				for (k = 0; k < 2; k++)
					if (pfd[i].fd != -1 && !got[k])
						send(pfd[i].fd, q[k], (size_t)qlen[k], MSG_NOSIGNAL);
			next = now + 1000;
		}
		if (poll(pfd, (nfds_t)rc->nns, (int)((next < end ? next : end) - now)) <= 0)
			continue;
		for (i = 0; i < rc->nns; i++) {
			while (pfd[i].fd != -1 && pfd[i].revents && (n = recv(pfd[i].fd, r, sizeof(r), MSG_DONTWAIT)) != -1)
				for (k = 0; k < 2; k++) {
					if (got[k] || (v = dns_answer(r, (size_t)n, q[k], (size_t)qlen[k], &found[k])) == DNS_NOT_OURS)
						continue;
					if (v == DNS_FAILED) /* another server may know */
						err = RES_FAILED;
					else
						got[k] = v == 1 ? 1 : 2, err = v == DNS_NONAME ? RES_NONAME : RES_NODATA;
				}
			if (pfd[i].fd != -1 && pfd[i].revents && errno == ECONNREFUSED) { /* none listens there */
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open--;
			}
		}
	}
	for (i = 0; i < rc->nns; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	for (k = 0; k < 2; k++)
		if (got[k] == 1) {
			*ep = found[k];
			return 0;
		}
	return err;
}

int
net_resolve(const char *host, uint16_t port, struct p2p_ep *ep)
{
	struct hosts_find h;
	struct res_conf rc;
	char name[256], *dom, *sp;
	size_t len = strlen(host), n;
	int r;

	memset(ep, 0, sizeof(*ep));
	if (inet_pton(AF_INET, host, ep->addr) == 1 || inet_pton(AF_INET6, host, ep->addr) == 1) {
		ep->family = strchr(host, ':') ? AF_INET6 : AF_INET;
		ep->port = port;
		return 0;
	}
	if (len == 0 || len >= sizeof(name))
		return RES_BADNAME;
	memcpy(name, host, len + 1);
	if (name[len - 1] == '.') /* absolute: no search domains */
		name[--len] = '\0';
	memset(&h, 0, sizeof(h));
	h.name = name;
	each_line("/etc/hosts", hosts_line, &h);
	if (h.ep[0].family != 0 || h.ep[1].family != 0) {
		*ep = h.ep[h.ep[0].family == 0];
		ep->port = port;
		return 0;
	}
	memset(&rc, 0, sizeof(rc));
	each_line("/etc/resolv.conf", conf_line, &rc);
	if (rc.nns == 0) { /* none named: one on this host, as the C libraries assume */
		rc.nns = 1;
		rc.ns[0].family = AF_INET;
		rc.ns[0].addr[0] = 127;
		rc.ns[0].addr[3] = 1;
		rc.ns[0].port = 53;
	}
	/* a name without a dot is tried in each search domain first */
	r = RES_NONAME;
	for (dom = strchr(name, '.') || host[len] == '.' ? NULL : rc.search; dom && *dom; dom += n + (dom[n] == ' ')) {
		n = (sp = strchr(dom, ' ')) ? (size_t)(sp - dom) : strlen(dom);
		if (len + 1 + n < sizeof(name)) {
			name[len] = '.';
			memcpy(name + len + 1, dom, n);
			name[len + 1 + n] = '\0';
			if ((r = dns(&rc, name, ep)) == 0)
				break;
			name[len] = '\0';
		}
	}
	if (r != 0)
		r = dns(&rc, name, ep);
	ep->port = port;
	return r;
}

const char *
net_resolve_error(int code)
{
	static const char *const why[] = {
		"no such host", "it has no address", "no answer from the name servers",
		"the name servers failed", "not a host name",
	};

	return code >= RES_NONAME && code <= RES_BADNAME ? why[code - RES_NONAME] : "cannot resolve";
}

int
net_random(void *buf, size_t len)
{
	static int fd = -1;
	unsigned char *p = buf;
	ssize_t n;

	if (fd == -1 && (fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (len > 0) {
		n = read(fd, p, len);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long long
net_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ssize_t
net_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return n;
}

ssize_t
net_write(int fd, const char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, buf + done, len - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int
net_close(int fd)
{
	return close(fd);
}

/* ---- the poller ---- */

#define NET_EVENTS 256  /* epoll events taken per wait */
#define NET_ALWAYS 4    /* fds epoll cannot watch (files), taken as ever ready */

struct net_poller {
	struct pollfd *pfd;   /* per key: the fd, its events, what poll reported */
	int max, top;         /* keys in use are below top */
	int cursor, left;     /* net_poller_next's place, and ready keys not yet given */
	int epfd;             /* -1: poll() */
#ifdef P2P_EPOLL
	unsigned *gen;        /* bumped by each set, so stale events are dropped */
	struct epoll_event ev[NET_EVENTS];
	int always[NET_ALWAYS], nalways;
#endif
};

struct net_poller *
net_poller_new(int max, int scalable)
{
	struct net_poller *p = calloc(1, sizeof(*p));
	int k;

	if (p == NULL || (p->pfd = calloc((size_t)max, sizeof(*p->pfd))) == NULL)
		goto fail;
	for (k = 0; k < max; k++)
		p->pfd[k].fd = -1;
	p->max = max;
	p->epfd = -1;
	(void)scalable;
#ifdef P2P_EPOLL
	if (scalable && ((p->gen = calloc((size_t)max, sizeof(*p->gen))) == NULL ||
	    (p->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1))
		goto fail;
#endif
	return p;
fail:
	net_poller_free(p);
	return NULL;
}

void
net_poller_free(struct net_poller *p)
{
	if (p == NULL)
		return;
	if (p->epfd != -1)
		close(p->epfd);
	free(p->pfd);
#ifdef P2P_EPOLL
	free(p->gen);
#endif
	free(p);
}

#ifdef P2P_EPOLL
static int
ep_set(struct net_poller *p, int key, int fd, short events)
{
	struct pollfd *f = &p->pfd[key];
	struct epoll_event e;
	int k, op;

	for (k = 0; k < p->nalways && p->always[k] != key; k++)
		;
	if (k < p->nalways) {   /* an ever-ready fd: no epoll to tell */
		if (fd == f->fd)
			return 0;
		p->always[k] = p->always[--p->nalways];
	} else if (f->fd != -1 && fd != f->fd) {
		epoll_ctl(p->epfd, EPOLL_CTL_DEL, f->fd, NULL);
		f->fd = -1;
	}
	if (fd == -1)
		return 0;
	if (fd == f->fd && events == f->events)
		return 0;
	memset(&e, 0, sizeof(e));
	e.events = (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0);
	if (fd != f->fd)
		p->gen[key]++; /* what the last wait said of the old fd is stale */
	e.data.u64 = (uint64_t)(unsigned)key << 32 | p->gen[key];
	op = fd == f->fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(p->epfd, op, fd, &e) == -1) {
		if (errno != EPERM || p->nalways == NET_ALWAYS)
			return -1;
		p->always[p->nalways++] = key;
	}
	return 0;
}
#endif

int
net_poller_set(struct net_poller *p, int key, int fd, short events)
{
	struct pollfd *f;

	if (key < 0 || key >= p->max) {
		errno = EINVAL;
		return -1;
	}
	f = &p->pfd[key];
#ifdef P2P_EPOLL
	if (p->epfd != -1 && ep_set(p, key, fd, events) == -1)
		return -1;
#endif
	if (fd != f->fd)
		f->revents = 0;
	f->fd = fd;
	f->events = fd == -1 ? 0 : events;
	if (fd != -1 && key >= p->top)
		p->top = key + 1;
	while (p->top > 0 && p->pfd[p->top - 1].fd == -1)
		p->top--;
	return 0;
}

int
net_poller_wait(struct net_poller *p, int timeout)
{
	int n;

	p->cursor = 0;
	p->left = 0;
#ifdef P2P_EPOLL
	if (p->epfd != -1) {
		int k;

		if (p->nalways > 0)
			timeout = 0;
		if ((n = epoll_wait(p->epfd, p->ev, NET_EVENTS, timeout)) == -1)
			return -1;
		for (k = 0; k < p->nalways; k++) {
			struct pollfd *f = &p->pfd[p->always[k]];

			if (n == NET_EVENTS || !(f->events & POLLIN))
				continue;
			p->ev[n].events = EPOLLIN;
			p->ev[n++].data.u64 = (uint64_t)(unsigned)p->always[k] << 32 | p->gen[p->always[k]];
		}
		p->left = n;
		return n;
	}
#endif
	/* poll refuses more fds than may be open: pass only the keys in use */
	if ((n = poll(p->pfd, (nfds_t)p->top, timeout)) == -1)
		return -1;
	p->left = n;
	return n;
}

int
net_poller_next(struct net_poller *p, short *revents)
{
#ifdef P2P_EPOLL
	if (p->epfd != -1) {
		while (p->left > 0) {
			struct epoll_event *e = &p->ev[--p->left];
			int key = (int)(e->data.u64 >> 32);

			if ((unsigned)e->data.u64 != p->gen[key] || p->pfd[key].fd == -1)
				continue;
			*revents = (short)((e->events & EPOLLIN ? POLLIN : 0) | (e->events & EPOLLOUT ? POLLOUT : 0) |
			    (e->events & EPOLLERR ? POLLERR : 0) | (e->events & EPOLLHUP ? POLLHUP : 0));
			return key;
		}
		return -1;
	}
#endif
	while (p->left > 0 && p->cursor < p->top) {
		struct pollfd *f = &p->pfd[p->cursor++];

		if (f->fd != -1 && f->revents != 0) {
			p->left--;
			*revents = f->revents;
			return (int)(f - p->pfd);
		}
	}
	return -1;
}
