/*
 * net.h: sockets and buffers.  Every descriptor made here is non-blocking and
 * close-on-exec.  Functions return -1 with errno kept; none of them exits or
 * decides policy.
 */
#ifndef P2P_NET_H
#define P2P_NET_H

#include <poll.h>
#include <sys/types.h>

#include "proto.h"

/* Input of one stream: records are cut at separators, in place. */
struct net_in {
	char *buf;
	size_t size, start, len;  /* bytes buf[start, start + len) are unread */
	int skipping;             /* dropping an over-long record up to its end */
};

/* Output of one stream: what is not written yet. */
struct net_out {
	char *buf;
	size_t len, cap;
};

/* The descriptors a loop waits on, each under a key 0..max-1 of the caller's
 * choosing.  poll() everywhere; built with -DP2P_EPOLL (Linux), a poller made
 * with scalable set waits with epoll, whose cost does not grow with the
 * number of idle descriptors. */
struct net_poller;
struct net_poller *net_poller_new(int max, int scalable);
void net_poller_free(struct net_poller *p);
/* Wait on fd under key for events (POLLIN, POLLOUT; 0 for none); fd -1
 * forgets the key, and must come before the fd is closed.  0, or -1. */
int net_poller_set(struct net_poller *p, int key, int fd, short events);
/* Wait up to timeout ms (-1: no limit): how many keys are ready, or -1. */
int net_poller_wait(struct net_poller *p, int timeout);
/* The next ready key, with what it is ready for, or -1 when none is left.
 * A key given another fd since the wait is not reported. */
int net_poller_next(struct net_poller *p, short *revents);
/* A bound UDP socket. */
int net_udp(const struct p2p_ep *bind);
/* A listening TCP socket. */
int net_listen(const struct p2p_ep *bind);
/* Accept a connection, with the peer's endpoint. */
int net_accept(int lfd, struct p2p_ep *peer);
/* Have the system notice a dead TCP peer (keepalive probes, a timeout on
 * unacknowledged data) within about secs seconds, where it can. */
void net_keepalive(int fd, int secs);
/* Cap the system's send buffer of a socket at about bytes. */
int net_sndbuf(int fd, int bytes);
/* Start a TCP connection; it completes when the fd is writable. */
int net_connect(const struct p2p_ep *to);
/* After the fd turned writable: 0 when the connect succeeded, else -1 and errno. */
int net_connected(int fd);
/* Send one datagram: 0, or -1. */
int net_sendto(int fd, const void *buf, size_t len, const struct p2p_ep *to);
/* Receive one datagram: its length, or -1 (EAGAIN when none is waiting). */
ssize_t net_recvfrom(int fd, void *buf, size_t size, struct p2p_ep *from);
/* The local endpoint of a socket. */
int net_sockname(int fd, struct p2p_ep *ep);
/* The local address the system would use to reach `to` (port left 0). */
int net_route(const struct p2p_ep *to, struct p2p_ep *local);
/* Resolve a host name or address literal: an address literal as it is, a
 * name from /etc/hosts, else from the name servers of /etc/resolv.conf
 * (search domains for a name without a dot; IPv4 when it has both; up to
 * 5 seconds a name).  0, or a RES_ code. */
enum { RES_NONAME = 1, RES_NODATA, RES_NOANSWER, RES_FAILED, RES_BADNAME };
int net_resolve(const char *host, uint16_t port, struct p2p_ep *ep);
/* The text of a net_resolve error. */
const char *net_resolve_error(int code);
/* Read what fd has: the bytes read, 0 at its end, or -1 (EAGAIN: nothing yet). */
ssize_t net_read(int fd, void *buf, size_t len);
/* Write what fd takes of buf: the bytes written (0: it would block), or -1. */
ssize_t net_write(int fd, const char *buf, size_t len);
/* Close a descriptor made here. */
int net_close(int fd);
/* Fill buf with random bytes from /dev/urandom. */
int net_random(void *buf, size_t len);
/* Milliseconds of the monotonic clock. */
long long net_now(void);

/* The buffers (buf.c), on net_read and net_write. */

/* Give an input buffer room for records of size - 1 bytes.  Memory is held
 * only while unread bytes are: an idle stream costs none. */
void net_in_init(struct net_in *in, size_t size);
/* Read what fits: bytes read, 0 at EOF, -1 on error (EAGAIN: nothing yet). */
ssize_t net_in_fill(int fd, struct net_in *in);
/* The next record ended by a byte of seps: 1 (rec, len, *term set), 0 when
 * none is complete, -1 when one is longer than the buffer (it is skipped). */
int net_in_record(struct net_in *in, const char *seps, char **rec, size_t *len, char *term);
/* Free an input buffer. */
void net_in_free(struct net_in *in);
/* Queue bytes, unless that would make more than max unsent: 0, or -1. */
int net_out_add(struct net_out *out, const char *buf, size_t len, size_t max);
/* Write what the socket takes: 0 (done or would block), or -1 on error. */
int net_out_flush(int fd, struct net_out *out);
/* Forget the first n bytes. */
void net_out_drop(struct net_out *out, size_t n);
/* Free an output buffer. */
void net_out_free(struct net_out *out);

#endif
