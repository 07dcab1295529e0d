/*
 * load.c: a load generator for the coordinator benchmarks (make bench).
 *
 *   load p2pchat PORT N TRIALS   N simulated clients against a p2pchat server
 *   load irc PORT N TRIALS       the same shape of work against an IRC server:
 *                                register, JOIN one channel, read every JOIN
 *   load floor N TRIALS          the fan-out floor: a bare process writing one
 *                                line to each of N-1 TCP connections (baseline)
 *   load udpping N               a raw UDP ping-pong on loopback (baseline)
 *   load peer PORT N M           two real p2pchat clients (./p2pchat) through the
 *                                server at PORT: N messages one at a time for
 *                                latency, then M at once for throughput
 *
 * Every client is real sockets on 127.0.0.1.  A p2pchat client logs in over
 * UDP from an address of its own in 127/8 (as distinct hosts would; the
 * server limits logins per address), opens its session, reads the roster
 * and counts notices.  All of them share one UDP socket, each sending from
 * its own address with IP_PKTINFO, so that a client costs one descriptor
 * (its TCP session) and N=10,000 fits a limit of 20,000 open files.  Results are printed as "key value" lines:
 *   storm_ms      N-1 clients: until all are online and each knows every other
 *   fanout_ms     one more login until all N-1 have heard of it (per trial;
 *                 its own roster may come later: that is login_ms)
 *   login_ms      that login until its own roster is read (per trial)
 * Online p2pchat clients send the keepalive real clients send.
 * Linux only (epoll): this is a bench tool, not the portable program.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum mode { P2P, IRC };
enum st { IDLE, LOGIN, CONNECTING, SETUP, ONLINE, GONE };

struct cl {
	enum st st;
	int fd;
	uint32_t addr;       /* its own address in 127/8 (host order) */
	char name[24];
	char buf[8192];
	size_t len;
	long known;          /* others this client knows of: roster entries and logins */
	long left;           /* logouts it has heard */
	long long t0;        /* when its login started */
	long long sent;      /* when its login datagram or keepalive was last sent */
	long long t_online;  /* when its roster (or NAMES) was complete */
};

static enum mode mode;
static int port, ep;
static struct cl *cl;
static int ncl, online, inflight;
static long gen; /* a counter for fresh names */
static int udp = -1; /* the one UDP socket of all p2pchat clients */
static int *owner; /* owner[a]: the client using address 127.0.0.0 + a */
static size_t nowner;
/* Progress is counted as it happens rather than found by scanning every
 * client after each wait, so the generator's work per event does not grow
 * with N: of the first `counted` clients, `full` know at least `target`
 * others. */
static int counted, full;
static long target;

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *what)
{
	fprintf(stderr, "load: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Client c learns of d more (or fewer) others. */
static void
knows(struct cl *c, long d)
{
	int was = c->known >= target;

	c->known += d;
	if (c - cl < counted)
		full += (c->known >= target) - was;
}

/* From now on count which of the first n clients know at least t others. */
static void
aim(int n, long t)
{
	int i;

	counted = n;
	target = t;
	for (full = 0, i = 0; i < n; i++)
		full += cl[i].known >= t;
}

static void
watch(int fd, int idx, unsigned ev, int op)
{
	struct epoll_event e;

	memset(&e, 0, sizeof(e));
	e.events = ev;
	e.data.u64 = (uint64_t)idx;
	if (epoll_ctl(ep, op, fd, &e) == -1)
		die("epoll_ctl");
}

static int
tcp_connect(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd == -1)
		die("socket");
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1 && errno != EINPROGRESS)
		die("connect");
	return fd;
}

static void
send_all(int fd, const char *s)
{
	size_t len = strlen(s), done = 0;
	ssize_t n;

	while (done < len) {
		if ((n = write(fd, s + done, len - done)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return; /* the server closed it: counted elsewhere */
		}
		done += (size_t)n;
	}
}

/* Send s to the server's UDP port from client c's own address. */
static void
udp_send(const struct cl *c, const char *s)
{
	struct sockaddr_in srv;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} u;
	struct in_pktinfo pi;
	struct iovec iov;
	struct msghdr m;
	struct cmsghdr *h;

	memset(&srv, 0, sizeof(srv));
	srv.sin_family = AF_INET;
	srv.sin_port = htons((uint16_t)port);
	srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&u, 0, sizeof(u));
	memset(&pi, 0, sizeof(pi));
	pi.ipi_spec_dst.s_addr = htonl(c->addr);
	iov.iov_base = (void *)s;
	iov.iov_len = strlen(s);
	memset(&m, 0, sizeof(m));
	m.msg_name = &srv;
	m.msg_namelen = sizeof(srv);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.b;
	m.msg_controllen = sizeof(u.b);
	h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = IPPROTO_IP;
	h->cmsg_type = IP_PKTINFO;
	h->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(h), &pi, sizeof(pi));
	if (sendmsg(udp, &m, 0) == -1 && errno != EAGAIN)
		die("sendmsg");
}

/* Start the login of client i. */
static void
start(int i)
{
	struct cl *c = &cl[i];

	c->st = LOGIN;
	knows(c, -c->known);
	c->left = 0;
	c->len = 0;
	c->t0 = now_us();
	snprintf(c->name, sizeof(c->name), "b%ld", gen++);
	inflight++;
	if (mode == IRC) {
		c->fd = tcp_connect();
		watch(c->fd, i, EPOLLOUT | EPOLLIN, EPOLL_CTL_ADD);
		c->st = CONNECTING;
		return;
	}
	/* an address of its own, as a host of its own would have */
	c->addr = 0x7f000000u | (uint32_t)(gen % 0xfffffe + 1);
	if ((c->addr & 0xffffffu) >= nowner) {
		size_t want = 2 * ((c->addr & 0xffffffu) + 1);

		if ((owner = realloc(owner, want * sizeof(*owner))) == NULL)
			die("realloc");
		nowner = want;
	}
	owner[c->addr & 0xffffffu] = i;
	/* kept in buf (unused until the session), to be sent again if lost */
	snprintf(c->buf, sizeof(c->buf), "login,%s,%u.%u.%u.%u:9", c->name, c->addr >> 24,
	    c->addr >> 16 & 255, c->addr >> 8 & 255, c->addr & 255);
	c->sent = c->t0;
	udp_send(c, c->buf);
}

/* A datagram for some client: Accept,PORT,TOKEN[,...] to the address it
 * was sent to (the token is the third field). */
static void
got_accept(void)
{
	struct cl *c;
	char buf[256], ctl[CMSG_SPACE(sizeof(struct in_pktinfo))], *tok;
	struct in_pktinfo pi;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr m;
	struct cmsghdr *h;
	ssize_t n;
	uint32_t a;

	for (;;) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		if ((n = recvmsg(udp, &m, 0)) <= 0)
			return;
		buf[n] = '\0';
		if ((h = CMSG_FIRSTHDR(&m)) == NULL || h->cmsg_type != IP_PKTINFO)
			continue;
		memcpy(&pi, CMSG_DATA(h), sizeof(pi));
		a = ntohl(pi.ipi_addr.s_addr) & 0xffffffu;
		if (a >= nowner || (c = &cl[owner[a]])->st != LOGIN)
			continue; /* an answer to a login sent again: the first counted */
		if (strncmp(buf, "Accept,", 7) != 0 || (tok = strchr(buf + 7, ',')) == NULL) {
			fprintf(stderr, "load: %s: %s\n", c->name, buf);
			exit(1);
		}
		tok[strcspn(tok + 1, ",") + 1] = '\0';
		c->fd = tcp_connect();
		c->st = CONNECTING;
		snprintf(c->buf, sizeof(c->buf), "hello,%s,%s\n", c->name, tok + 1);
		watch(c->fd, (int)(c - cl), EPOLLOUT | EPOLLIN, EPOLL_CTL_ADD);
	}
}

static void
connected(int i)
{
	struct cl *c = &cl[i];
	char msg[128];

	if (mode == P2P) {
		send_all(c->fd, c->buf);
	} else {
		snprintf(msg, sizeof(msg), "NICK %s\r\nUSER %s 0 * :bench\r\n", c->name, c->name);
		send_all(c->fd, msg);
	}
	c->len = 0;
	c->st = SETUP;
	watch(c->fd, i, EPOLLIN, EPOLL_CTL_MOD);
}

static void
now_online(struct cl *c)
{
	c->st = ONLINE;
	c->t_online = c->sent = now_us();
	online++;
	inflight--;
}

/* One record of a p2pchat session: roster entries end in ';', lines in '\n'. */
static void
p2p_record(struct cl *c, const char *r, char term)
{
	if (c->st == SETUP) {
		if (strcmp(r, "end") == 0 && term == '\n')
			now_online(c);
		else
			knows(c, 1);
	} else if (strncmp(r, "login,", 6) == 0) {
		knows(c, 1);
	} else if (strncmp(r, "logout,", 7) == 0) {
		knows(c, -1);
		c->left++;
	}
}

static void
irc_line(struct cl *c, char *r)
{
	char msg[128], *p;

	if (strncmp(r, "PING ", 5) == 0) {
		snprintf(msg, sizeof(msg), "PONG %s\r\n", r + 5);
		send_all(c->fd, msg);
	} else if ((p = strchr(r, ' ')) == NULL) {
		return;
	} else if (strncmp(p, " 001 ", 5) == 0) {
		send_all(c->fd, "JOIN #bench\r\n");
	} else if (strncmp(p, " 353 ", 5) == 0 && (p = strstr(p, " :")) != NULL) {
		for (p += 2; *p; p++) /* NAMES: count the names, then not ourselves */
			if (*p != ' ' && (p[1] == ' ' || p[1] == '\0'))
				knows(c, 1);
	} else if (strncmp(p, " 366 ", 5) == 0) {
		knows(c, -1); /* NAMES named us too */
		now_online(c);
	} else if (strncmp(p, " JOIN ", 6) == 0 && c->st == ONLINE) {
		knows(c, 1);
	} else if ((strncmp(p, " PART ", 6) == 0 || strncmp(p, " QUIT ", 6) == 0) && c->st == ONLINE) {
		knows(c, -1);
		c->left++;
	}
}

static void
readable(int i)
{
	struct cl *c = &cl[i];
	char *p, *r;
	ssize_t n;

	for (;;) {
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			fprintf(stderr, "load: %s: the server closed the session\n", c->name);
			exit(1);
		}
		if (n == -1)
			return;
		/* While its roster (or NAMES) comes, a client acknowledges at once:
		 * a server that writes a reply in pieces without TCP_NODELAY (ngircd)
		 * would otherwise wait for our delayed ACK, 40 ms, before each
		 * piece after the first: a cost of this generator, not of the server. */
		if (c->st == SETUP) {
			int on = 1;

			setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
		}
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		r = c->buf;
		for (p = c->buf; p < c->buf + c->len; p++) {
			if (mode == P2P && (*p == '\n' || (*p == ';' && c->st == SETUP))) {
				char term = *p;

				*p = '\0';
				p2p_record(c, r, term);
				r = p + 1;
			} else if (mode == IRC && *p == '\n') {
				*p = '\0';
				if (p > r && p[-1] == '\r')
					p[-1] = '\0';
				irc_line(c, r);
				r = p + 1;
			}
		}
		c->len -= (size_t)(r - c->buf);
		memmove(c->buf, r, c->len);
		if ((size_t)n < sizeof(c->buf) / 2)
			return; /* likely all there was; epoll says if more is waiting */
	}
}

/* Keepalives every 20 s, and logins again after a second without an
 * answer, as real clients send them: a long storm must not look like silence
 * to the server, and a datagram lost in a burst must not stall it. */
static void
keepalives(void)
{
	static long long last;
	char msg[64];
	long long t = now_us();
	int i;

	if (mode != P2P || udp == -1 || t - last < 100000)
		return;
	last = t;
	for (i = 0; i < ncl; i++)
		if (cl[i].st == LOGIN && t - cl[i].sent > 1000000) {
			udp_send(&cl[i], cl[i].buf);
			cl[i].sent = t;
		} else if (cl[i].st == ONLINE && t - cl[i].sent > 20000000) {
			snprintf(msg, sizeof(msg), "ping,%s", cl[i].name);
			udp_send(&cl[i], msg);
			cl[i].sent = t;
		}
}

/* Run the loop until done() says so.  The wait is short, so that logins
 * lost in a burst are sent again in time (keepalives()). */
static void
run(int (*done)(void))
{
	struct epoll_event ev[256];
	long long heard = now_us();
	int n, k, i;

	while (!done()) {
		keepalives();
		if ((n = epoll_wait(ep, ev, 256, 100)) == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		if (n > 0)
			heard = now_us();
		else if (now_us() - heard > 10000000) {
			static const char *st[] = { "idle", "login", "connecting", "setup", "online", "gone" };

			fprintf(stderr, "load: nothing for 10 s (%d online)\n", online);
			for (i = 0; i < ncl; i++)
				if (cl[i].st != IDLE && cl[i].st != ONLINE)
					fprintf(stderr, "load: %s is stuck in %s\n", cl[i].name, st[cl[i].st]);
			exit(1);
		}
		for (k = 0; k < n; k++) {
			i = (int)(ev[k].data.u64 & ((1 << 30) - 1));
			if (ev[k].data.u64 & (1 << 30))
				got_accept();
			else if (cl[i].st == CONNECTING && (ev[k].events & EPOLLOUT))
				connected(i);
			else if (ev[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				readable(i);
		}
	}
}

static int storm_n, storm_next;

/* The storm: keep a few logins in flight (the server holds 64 pending
 * logins; ngircd listens with a backlog of 10) until all are online and each
 * knows every other. */
static int
storm_done(void)
{
	while (inflight < 8 && storm_next < storm_n)
		start(storm_next++);
	return online == storm_n && full == storm_n;
}

static int fan_i;
static long long fan_told; /* when all the others had heard of the newcomer */

/* All the others know of the newcomer (aim(fan_i, fan_i)): the fan-out,
 * whether or not its own roster is read yet; and it is online. */
static int
fanout_done(void)
{
	if (fan_told == 0 && full == fan_i)
		fan_told = now_us();
	return fan_told != 0 && cl[fan_i].st == ONLINE;
}

/* All the others know of one more (the fan-out floor). */
static int
floor_told(void)
{
	return full == fan_i;
}

/* The newcomer left and none of the others knows it any more. */
static int
gone_done(void)
{
	return full == 0;
}

static int
cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *key, long long *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%s_median_ms %.3f\n%s_p99_ms %.3f\n", key, v[n / 2] / 1000.0, key,
	    v[(n * 99 + 99) / 100 - 1] / 1000.0);
}

/* A ping-pong between two processes over UDP on loopback: the practical
 * limit of a round trip here, wakeups included. */
static void
udpping(int n)
{
	struct sockaddr_in a, b;
	socklen_t sl = sizeof(b);
	long long *rtt = malloc((size_t)n * sizeof(*rtt)), t;
	int s1 = socket(AF_INET, SOCK_DGRAM, 0), s2 = socket(AF_INET, SOCK_DGRAM, 0), i;
	char buf[64] = "msg,alice,0000abcd,1,1,ping";
	pid_t pid;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b = a;
	if (bind(s1, (struct sockaddr *)&a, sizeof(a)) == -1 || bind(s2, (struct sockaddr *)&b, sizeof(b)) == -1 ||
	    getsockname(s2, (struct sockaddr *)&b, &sl) == -1 || connect(s1, (struct sockaddr *)&b, sizeof(b)) == -1)
		die("udp");
	if ((pid = fork()) == 0) {
		for (i = 0; i < n; i++) {
			ssize_t k = recvfrom(s2, buf, sizeof(buf), 0, (struct sockaddr *)&a, &sl);

			sendto(s2, buf, k > 0 ? (size_t)k : 0, 0, (struct sockaddr *)&a, sl);
		}
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		t = now_us();
		send(s1, buf, strlen(buf), 0);
		recv(s1, buf, sizeof(buf), 0);
		rtt[i] = now_us() - t;
	}
	waitpid(pid, NULL, 0);
	report("udp_rtt", rtt, n);
}

/* The floor of a fan-out here: a child that does nothing but write one
 * notice-sized line to each of n-1 TCP connections on loopback, read by this
 * loop as a server's notices are.  No server tells n-1 sessions sooner than
 * it takes to make n-1 writes and have them read. */
static void
floor_run(int n, int trials)
{
	struct sockaddr_in a;
	socklen_t sl = sizeof(a);
	long long *fan = calloc((size_t)trials, sizeof(*fan)), t0;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), go[2], i, k;
	pid_t pid;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fan == NULL || lfd == -1 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(lfd, 1024) == -1 || getsockname(lfd, (struct sockaddr *)&a, &sl) == -1 || pipe(go) == -1)
		die("floor");
	port = ntohs(a.sin_port);
	if ((pid = fork()) == 0) {
		int *fd = malloc((size_t)n * sizeof(*fd)), m = 0;
		char c, line[64];

		close(go[1]);
		while (fd != NULL && m < n - 1)
			if ((fd[m] = accept(lfd, NULL, NULL)) != -1)
				m++;
		close(lfd);
		/* per trial: a login line to all, then a logout line to all */
		for (k = 0; read(go[0], &c, 1) == 1; k++) {
			snprintf(line, sizeof(line), "%s,b%d,127.0.%d.%d:45704,127.0.%d.%d:9\n",
			    k % 2 ? "logout" : "login", 90000 + k / 2, k % 200, 1 + k % 250, k % 200, 1 + k % 250);

			for (i = 0; i < m; i++)
				send_all(fd[i], line);
		}
		_exit(0);
	}
	close(lfd);
	close(go[0]);
	for (i = 0; i < n - 1; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd == -1 || connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1)
			die("floor: connect");
		fcntl(fd, F_SETFL, O_NONBLOCK);
		cl[i].fd = fd;
		cl[i].st = ONLINE;
		watch(fd, i, EPOLLIN, EPOLL_CTL_ADD);
	}
	aim(n - 1, 1);
	fan_i = n - 1;
	for (k = 0; k < trials; k++) {
		t0 = now_us();
		if (write(go[1], "l", 1) != 1)
			die("floor: write");
		run(floor_told);
		fan[k] = now_us() - t0;
		if (write(go[1], "l", 1) != 1)
			die("floor: write");
		run(gone_done);
	}
	close(go[1]);
	waitpid(pid, NULL, 0);
	report("fanout_floor", fan, trials);
}

/* A real client: its stdin and stdout are pipes of ours. */
struct proc {
	pid_t pid;
	int in, out;
	char buf[65536];
	size_t len;
};

static void
spawn(struct proc *p, const char *name, int srvport)
{
	int a[2], b[2];
	char hp[64], cfg[4096];
	const char *base = getenv("XDG_CONFIG_HOME");

	if (pipe(a) == -1 || pipe(b) == -1)
		die("pipe");
	snprintf(hp, sizeof(hp), "127.0.0.1:%d", srvport);
	/* each client's key in a directory of its own (bench/peer.sh sets the base) */
	snprintf(cfg, sizeof(cfg), "%s/%s", base ? base : "/tmp", name);
	if ((p->pid = fork()) == 0) {
		setenv("XDG_CONFIG_HOME", cfg, 1);
		dup2(a[0], 0);
		dup2(b[1], 1);
		close(a[1]);
		close(b[0]);
		execl("./p2pchat", "p2pchat", "--login", name, hp, (char *)NULL);
		_exit(127);
	}
	close(a[0]);
	close(b[1]);
	p->in = a[1];
	p->out = b[0];
	p->len = 0;
}

/* Read p's output until a line ending in `want` appears. */
static void
expect(struct proc *p, const char *want)
{
	char *nl, *line;
	ssize_t n;

	for (;;) {
		line = p->buf;
		while ((nl = memchr(line, '\n', p->len - (size_t)(line - p->buf))) != NULL) {
			*nl = '\0';
			if (nl - line >= (long)strlen(want) && strcmp(nl - strlen(want), want) == 0) {
				p->len -= (size_t)(nl + 1 - p->buf);
				memmove(p->buf, nl + 1, p->len);
				return;
			}
			line = nl + 1;
		}
		p->len -= (size_t)(line - p->buf);
		memmove(p->buf, line, p->len);
		if ((n = read(p->out, p->buf + p->len, sizeof(p->buf) - p->len)) <= 0)
			die("client output ended");
		p->len += (size_t)n;
	}
}

static void
peer(int srvport, int n, int m)
{
	struct proc a, b;
	long long *lat = malloc((size_t)n * sizeof(*lat)), t0;
	char line[64], want[64], *all;
	size_t at = 0, len;
	int k;

	spawn(&a, "alice", srvport);
	expect(&a, "online");
	spawn(&b, "bob", srvport);
	expect(&b, "1 online: alice");
	expect(&a, "* bob is online");
	/* one message first: the path and the handshake are found before timing */
	send_all(a.in, "/msg bob warm up\n");
	expect(&b, "<alice> warm up");
	for (k = 0; k < n; k++) {
		snprintf(line, sizeof(line), "/msg bob p%d\n", k);
		snprintf(want, sizeof(want), "<alice> p%d", k);
		t0 = now_us();
		send_all(a.in, line);
		expect(&b, want);
		lat[k] = now_us() - t0;
	}
	report("peer_oneway", lat, n);
	/* m messages at once: written while bob's output is read */
	all = malloc((size_t)m * 24);
	for (len = 0, k = 0; k < m; k++)
		len += (size_t)sprintf(all + len, "/msg bob q%d\n", k);
	fcntl(a.in, F_SETFL, O_NONBLOCK);
	snprintf(want, sizeof(want), "<alice> q%d", m - 1);
	t0 = now_us();
	while (at < len) {
		ssize_t w = write(a.in, all + at, len - at);

		if (w > 0)
			at += (size_t)w;
		if (b.len < sizeof(b.buf) / 2) { /* keep bob's pipe moving */
			struct pollfd pf = { b.out, POLLIN, 0 };

			if (poll(&pf, 1, 0) == 1 && (w = read(b.out, b.buf + b.len, sizeof(b.buf) - b.len)) > 0)
				b.len += (size_t)w;
		}
		if (b.len >= sizeof(b.buf) / 2)
			b.len = 0; /* only the last line matters; drop what is read */
	}
	expect(&b, want);
	printf("peer_throughput_msgs_per_s %.0f\n", m / ((now_us() - t0) / 1e6));
	send_all(a.in, "/quit\n");
	send_all(b.in, "/quit\n");
	waitpid(a.pid, NULL, 0);
	waitpid(b.pid, NULL, 0);
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	long long t0, *fan, *login;
	int n, trials, k;

	if (argc == 3 && strcmp(argv[1], "udpping") == 0) {
		udpping(atoi(argv[2]));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "floor") == 0) {
		n = atoi(argv[2]);
		rl.rlim_cur = rl.rlim_max = (rlim_t)(n + 256);
		if (n < 2 || (setrlimit(RLIMIT_NOFILE, &rl) == -1 && (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
		    rl.rlim_cur < (rlim_t)n + 16)) || (cl = calloc((size_t)n, sizeof(*cl))) == NULL ||
		    (ep = epoll_create1(0)) == -1)
			die("floor: setup");
		ncl = n;
		floor_run(n, atoi(argv[3]));
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "peer") == 0) {
		peer(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
		return 0;
	}
	if (argc != 5 || (strcmp(argv[1], "p2pchat") != 0 && strcmp(argv[1], "irc") != 0)) {
		fprintf(stderr, "usage: load p2pchat|irc PORT N TRIALS | load floor N TRIALS | load udpping N\n");
		return 2;
	}
	mode = strcmp(argv[1], "irc") == 0 ? IRC : P2P;
	port = atoi(argv[2]);
	n = atoi(argv[3]);
	trials = atoi(argv[4]);
	/* a socket a client: as root, past the hard limit if need be */
	rl.rlim_cur = rl.rlim_max = (rlim_t)(atoi(argv[3]) + 256);
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	ncl = n + 1;
	cl = calloc((size_t)ncl, sizeof(*cl));
	fan = calloc((size_t)trials + 1, sizeof(*fan));
	login = calloc((size_t)trials + 1, sizeof(*login));
	if ((ep = epoll_create1(0)) == -1 || cl == NULL || fan == NULL || login == NULL)
		die("setup");
	if (mode == P2P) {
		struct sockaddr_in a;
		int on = 1;

		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		if ((udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1 ||
		    setsockopt(udp, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == -1 ||
		    bind(udp, (struct sockaddr *)&a, sizeof(a)) == -1)
			die("udp");
		watch(udp, 1 << 30, EPOLLIN, EPOLL_CTL_ADD);
	}

	/* (a) the storm: N-1 clients, so that the trials make N */
	storm_n = n - 1;
	aim(storm_n, storm_n - 1);
	t0 = now_us();
	run(storm_done);
	printf("storm_n %d\nstorm_ms %.1f\n", storm_n, (now_us() - t0) / 1000.0);
	fflush(stdout);

	/* (b, c) one more login, again and again: its fan-out and its own latency */
	fan_i = n - 1;
	aim(fan_i, fan_i);
	for (k = 0; k < trials; k++) {
		fan_told = 0;
		t0 = now_us();
		start(fan_i);
		run(fanout_done);
		fan[k] = fan_told - t0;
		login[k] = cl[fan_i].t_online - t0;
		epoll_ctl(ep, EPOLL_CTL_DEL, cl[fan_i].fd, NULL);
		close(cl[fan_i].fd); /* it leaves: wait until all have heard */
		cl[fan_i].st = GONE;
		online--;
		run(gone_done);
	}
	report("fanout", fan, trials);
	report("login", login, trials);
	return 0;
}
