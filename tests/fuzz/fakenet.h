/*
 * fakenet.h: net.h's sockets, poller, clock and randomness faked in memory,
 * for the harnesses that run the server and the client (fuzz_server.c,
 * fuzz_client.c): datagrams, connections and bytes come from the harness's
 * script, and what the mode sends goes to the harness's hooks.  The stream
 * buffers are the program's own (buf.c).
 */
#ifndef FAKENET_H
#define FAKENET_H

#include <stddef.h>

#include "proto.h"

#define FAKE_FDS 64

/* Forget every fd and everything queued; the clock to 1000000 ms. */
void fake_reset(void);
/* Let time pass. */
void fake_time(long long ms);
/* A datagram from `from` for the first UDP socket. */
void fake_dgram(const struct p2p_ep *from, const void *buf, size_t len);
/* A connection from `from` for the listening socket to accept. */
void fake_incoming(const struct p2p_ep *from);
/* The fd of the connection whose peer is `peer` (the latest), or -1. */
int fake_conn(const struct p2p_ep *peer);
/* Bytes for fd to read (a connection, or 0: stdin), and its end. */
void fake_bytes(int fd, const void *buf, size_t len);
void fake_eof(int fd);
/* How much each write to fd takes from now on (0: it would block). */
void fake_room(int fd, size_t n);
/* Make connects (net_connect, net_connected) fail, or not. */
void fake_refuse(int refuse);
/* What the mode sends: set by the harness. */
extern void (*fake_sent)(const struct p2p_ep *to, const unsigned char *buf, size_t len);
extern void (*fake_wrote)(int fd, const char *buf, size_t len);

#endif
