/*
 * fuzz_client.c: libFuzzer harness for the client (client.c), run whole on
 * fake sockets (fakenet.c) as alice: each input is a script of what a
 * server (datagrams, an Accept, session bytes, rosters and notices), three
 * peers (any datagrams, or honest ones: handshakes, sealed chat, probes
 * answered by a real secure.c on their side) and the user (lines typed)
 * do, and time passing; then the client is freed (LeakSanitizer sees what
 * it kept).  Checked on the way: no datagram over 1200 bytes
 * (fakenet.c), and no chat sent in the clear to a peer, whatever happens.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakenet.h"
#include "fmt.h"
#include "net.h"
#include "p2pchat.h"
#include "secure.h"

#define PEERS 3

static const char *const names[PEERS] = { "bob", "carol", "B0b" };
static struct p2p_ep server, peer_ep[PEERS];
static struct { struct sec_self self; struct sec_peer sec; int honest; uint32_t seq; } peer[PEERS];
static char alice_ep[P2P_EPSTR_MAX];
static char dir[64], pins[128];

static int
peer_of(const struct p2p_ep *ep)
{
	int k;

	for (k = 0; k < PEERS; k++)
		if (proto_ep_eq(ep, &peer_ep[k]))
			return k;
	return -1;
}

/* What a peer does with a datagram from alice: an honest one answers. */
static void
to_peer(int k, const unsigned char *buf, size_t len)
{
	unsigned char out[P2P_DGRAM_MAX + 64], rnd[32];
	char name[P2P_NAME_MAX + 1], ack[128];
	const char *why;
	struct p2p_msg m;
	size_t n;
	int r;

	if (buf[0] >= 0x20) {
		if (proto_parse((const char *)buf, len, P2P_FROM_PEER, &m) == 0 &&
		    (m.type == P2P_MSG || m.type == P2P_ACK))
			abort(); /* chat in the clear from a client that encrypts */
		if (peer[k].honest && m.type == P2P_PROBE) {
			m.type = P2P_PROBED;
			strcpy(m.name, names[k]);
			if ((r = proto_format(ack, sizeof(ack), &m)) > 0)
				fake_dgram(&peer_ep[k], ack, (size_t)r);
		}
		return;
	}
	if (!peer[k].honest || sec_header(buf, len, name) == -1)
		return;
	net_random(rnd, sizeof(rnd));
	r = sec_input(&peer[k].sec, &peer[k].self, name, alice_ep, strlen(alice_ep), buf, len, net_now(), rnd,
	    out, sizeof(out), &n, &why);
	if (r > 0 && (r & SEC_SEND))
		fake_dgram(&peer_ep[k], out, n);
	if (r > 0 && (r & SEC_PLAIN) && proto_parse((const char *)out, n, P2P_FROM_PEER, &m) == 0 &&
	    m.type == P2P_MSG) {
		m.type = P2P_ACK;
		m.cum = m.seq;
		strcpy(m.name, names[k]);
		if ((r = proto_format(ack, sizeof(ack), &m)) > 0 &&
		    (r = sec_seal(&peer[k].sec, &peer[k].self, net_now(), (unsigned char *)ack, (size_t)r, out,
		    sizeof(out))) > 0)
			fake_dgram(&peer_ep[k], out, (size_t)r);
	}
}

static void
on_sent(const struct p2p_ep *to, const unsigned char *buf, size_t len)
{
	int k = peer_of(to);

	if (k != -1 && len > 0)
		to_peer(k, buf, len);
}

static int
turns(void *c)
{
	struct net_poller *p;
	int timeout, k;

	for (k = 0; k < 8; k++) {
		if ((p = client_mode.prepare(c, net_now(), &timeout)) == NULL)
			return -1;
		if (net_poller_wait(p, 0) == 0 && k > 0)
			break;
		client_mode.dispatch(c, net_now());
	}
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	strcpy(dir, "/tmp/p2pchat-fuzz.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	setenv("XDG_CONFIG_HOME", dir, 1);
	if (freopen("/dev/null", "w", stdout) == NULL) /* what alice shows: not the fuzzer's business */
		abort();
	fmt(pins, sizeof(pins), "%s/p2pchat/known_peers", dir);
	return 0;
}

/* The session's fd, once alice has connected. */
static int
session(void)
{
	struct p2p_ep tcp = server;

	return fake_conn(&tcp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct opts o;
	unsigned char key[32], out[P2P_DGRAM_MAX + 64];
	char line[1400], hex[65], msg[1100];
	size_t i = 0, n, at;
	int k, r;
	void *c;

	fake_reset();
	fake_sent = on_sent;
	unlink(pins); /* every input meets the peers for the first time */
	memset(&o, 0, sizeof(o));
	o.name = "alice";
	o.host = "10.0.0.100";
	o.port = 20000;
	memset(&server, 0, sizeof(server));
	server.family = AF_INET;
	server.addr[0] = 10, server.addr[3] = 100;
	server.port = 20000;
	fmt(alice_ep, sizeof(alice_ep), "10.0.0.50:20000");
	for (k = 0; k < PEERS; k++) {
		peer_ep[k] = server;
		peer_ep[k].addr[3] = (unsigned char)(2 + k);
		peer_ep[k].port = (uint16_t)(5000 + k);
		memset(key, 7 + k, sizeof(key));
		sec_self_init(&peer[k].self, key, names[k], key, net_now());
		sec_wipe(&peer[k].sec);
		peer[k].honest = 1;
		peer[k].seq = 1;
	}
	if ((c = client_open(&o)) == NULL)
		abort();
	turns(c);
	while (i + 1 < size) {
		uint8_t op = data[i++], arg = data[i++];

		k = (op >> 4) % PEERS;
		n = (size_t)arg * 5 > size - i ? size - i : (size_t)arg * 5;
		switch (op & 15) {
		case 0: /* any datagram from the server */
			fake_dgram(&server, data + i, n);
			i += n;
			break;
		case 1:
			fmt(line, sizeof(line), "Accept,20000,0123456789abcdef%s", arg & 1 ? ",relay" : "");
			fake_dgram(&server, line, strlen(line));
			break;
		case 2: /* any bytes on the session */
			fake_bytes(session(), data + i, n);
			i += n;
			break;
		case 3: /* a roster of some of the peers, with their keys or not */
			for (at = 0, k = 0; k < PEERS; k++)
				if (arg >> k & 1) {
					proto_format_key(peer[k].self.pub, hex);
					at += (size_t)fmt(line + at, sizeof(line) - at, "%s,10.0.0.%d:%d%s%s;", names[k],
					    2 + k, 5000 + k, arg & 8 ? "" : ",", arg & 8 ? "" : hex);
				}
			fmt(line + at, sizeof(line) - at, "end\n");
			fake_bytes(session(), line, strlen(line));
			break;
		case 4: /* a notice of a peer's login or logout */
			proto_format_key(peer[k].self.pub, hex);
			fmt(line, sizeof(line), "%s,%s,10.0.0.%d:%d,%s\n", arg & 1 ? "logout" : arg & 2 ? "punch" : "login",
			    names[k], 2 + k, 5000 + k, hex);
			if (arg & 2)
				fmt(line, sizeof(line), "punch,%s\n", names[k]);
			fake_bytes(session(), line, strlen(line));
			break;
		case 5: /* any datagram from a peer */
			fake_dgram(&peer_ep[k], data + i, n);
			i += n;
			break;
		case 6: /* a line typed: to a peer, or any bytes */
			if (arg & 1) {
				fmt(line, sizeof(line), "/msg %s %d\n", names[k], arg);
			} else {
				memcpy(line, data + i, n < 1000 ? n : 1000);
				line[n < 1000 ? n : 1000] = '\n';
				line[(n < 1000 ? n : 1000) + 1] = '\0';
				i += n;
			}
			fake_bytes(0, line, strlen(line));
			break;
		case 7:
			fake_time((long long)arg * 100);
			break;
		case 8: /* a peer begins a handshake */
			r = (int)sec_begin(&peer[k].sec, &peer[k].self, net_now(), out, sizeof(out));
			fake_dgram(&peer_ep[k], out, (size_t)r);
			break;
		case 9: /* a peer sends chat sealed, as its link would */
			fmt(msg, sizeof(msg), "%s,%s,0000abcd,%u,1,", arg & 1 ? "part" : "msg", names[k], peer[k].seq++);
			at = strlen(msg);
			memcpy(msg + at, data + i, n < 900 ? n : 900);
			if ((r = sec_seal(&peer[k].sec, &peer[k].self, net_now(), (unsigned char *)msg,
			    at + (n < 900 ? n : 900), out, sizeof(out))) > 0)
				fake_dgram(&peer_ep[k], out, (size_t)r);
			i += n;
			break;
		case 10:
			peer[k].honest = arg & 1;
			break;
		case 11: /* the session ends, or takes writes slowly */
			if (arg & 1)
				fake_eof(session());
			else
				fake_room(session(), (size_t)arg * 3);
			break;
		case 12: /* stdin ends */
			fake_eof(0);
			break;
		default:
			break;
		}
		if (turns(c) == -1)
			break;
	}
	client_close(c);
	for (k = 0; k < PEERS; k++)
		sec_wipe(&peer[k].sec);
	return 0;
}
