/*
 * fuzz_server.c: libFuzzer harness for the server (server.c), run whole on
 * fake sockets (fakenet.c): each input is a script of datagrams, logins,
 * connections, session bytes, console lines, short writes and time passing
 * from four addresses, after which the server is freed (LeakSanitizer
 * sees what it kept).  Checked on the way: no datagram over 1200 bytes
 * (fakenet.c), and no reply to an address of more than 3 times the bytes
 * that came from it, relayed chat aside (the server is no amplifier).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fakenet.h"
#include "fmt.h"
#include "net.h"
#include "p2pchat.h"

#define SOURCES 4

static struct p2p_ep src[SOURCES];
static unsigned long got[SOURCES], sent[SOURCES];
static char token[SOURCES][P2P_TOKEN_LEN + 1];

static int
source_of(const struct p2p_ep *ep)
{
	int k;

	for (k = 0; k < SOURCES; k++)
		if (proto_ep_eq(ep, &src[k]))
			return k;
	return -1;
}

/* What the server sends: counted, and the tokens of its Accepts kept. */
static void
on_sent(const struct p2p_ep *to, const unsigned char *buf, size_t len)
{
	int k = source_of(to);
	struct p2p_msg m;

	if (k == -1 || (len > 6 && memcmp(buf, "relay,", 6) == 0))
		return; /* relayed chat goes to a user's endpoint, sent by another */
	sent[k] += len;
	if (sent[k] > 3 * got[k])
		abort();
	if (proto_parse((const char *)buf, len, P2P_FROM_SERVER, &m) == 0 && m.type == P2P_ACCEPT)
		memcpy(token[k], m.token, sizeof(token[k]));
}

static void
dgram(int k, const void *buf, size_t len)
{
	got[k] += len;
	fake_dgram(&src[k], buf, len);
}

/* Turns of the loop until nothing is ready: 0, or -1 when the server ended. */
static int
turns(void *sv)
{
	struct net_poller *p;
	int timeout, k;

	for (k = 0; k < 8; k++) {
		if ((p = server_mode.prepare(sv, net_now(), &timeout)) == NULL)
			return -1;
		if (net_poller_wait(p, 0) == 0 && k > 0)
			break;
		server_mode.dispatch(sv, net_now());
	}
	return 0;
}

static const char *const names[SOURCES] = { "alice", "Bob", "b0b", "\xe4\xbd\xa0\xe5\xa5\xbd" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct opts o;
	char line[P2P_LINE_MAX + 80], key[65];
	size_t i = 0, n;
	void *sv;
	int k, fd;

	fake_reset();
	fake_sent = on_sent;
	memset(&o, 0, sizeof(o));
	o.host = "10.0.0.100";
	o.port = 20000;
	o.max_users = 3;
	o.no_relay = size > 0 && data[0] & 1;
	for (k = 0; k < SOURCES; k++) {
		memset(&src[k], 0, sizeof(src[k]));
		src[k].family = AF_INET;
		src[k].addr[0] = 10, src[k].addr[3] = (unsigned char)(1 + k / 2); /* two ports an address */
		src[k].port = (uint16_t)(4000 + k);
		got[k] = sent[k] = 0;
		token[k][0] = '\0';
	}
	if ((sv = server_open(&o)) == NULL)
		abort();
	while (i + 1 < size) {
		uint8_t op = data[i++], arg = data[i++];

		k = op >> 4 & (SOURCES - 1);
		n = (size_t)arg * 5 > size - i ? size - i : (size_t)arg * 5;
		switch (op & 15) {
		case 0: /* any bytes as a datagram */
			dgram(k, data + i, n);
			i += n;
			break;
		case 1: /* a login, with a key or not */
			memset(key, 'a' + (arg & 7), 64);
			key[64] = '\0';
			fmt(line, sizeof(line), "login,%s,10.0.%d.9:%d%s%s", names[arg & 3], arg >> 4, 5000 + k,
			    arg & 8 ? "," : "", arg & 8 ? key : "");
			dgram(k, line, strlen(line));
			break;
		case 2: /* the session: connect and say hello with the token the Accept gave */
			fake_incoming(&src[k]);
			turns(sv);
			fmt(line, sizeof(line), "hello,%s,%s\n", names[arg & 3], token[k][0] ? token[k] : "0000000000000000");
			fake_bytes(fake_conn(&src[k]), line, strlen(line));
			break;
		case 3: /* any bytes on the session */
			fake_bytes(fake_conn(&src[k]), data + i, n);
			i += n;
			break;
		case 4: /* the session ends */
			fake_eof(fake_conn(&src[k]));
			break;
		case 5:
			fake_time((long long)arg * 250);
			break;
		case 6: /* a console line */
			memcpy(line, data + i, n < P2P_LINE_MAX ? n : P2P_LINE_MAX);
			line[n < P2P_LINE_MAX ? n : P2P_LINE_MAX] = '\n';
			fake_bytes(0, line, (n < P2P_LINE_MAX ? n : P2P_LINE_MAX) + 1);
			i += n;
			break;
		case 7: /* a session that takes only so much a write */
			if ((fd = fake_conn(&src[k])) != -1)
				fake_room(fd, arg & 1 ? (size_t)arg * 7 : 0);
			break;
		case 8: /* a keepalive, a punch, a logout, a relay */
			fmt(line, sizeof(line), "%s,%s%s", arg % 3 == 0 ? "ping" : arg % 3 == 1 ? "logout" : "relay",
			    names[arg >> 2 & 3], arg % 3 == 1 ? ",10.0.0.9:5000" : arg % 3 == 2 ? ",\x01hi" : "");
			dgram(k, line, strlen(line));
			fmt(line, sizeof(line), "punch,%s\n", names[arg >> 4 & 3]);
			fake_bytes(fake_conn(&src[k]), line, strlen(line));
			break;
		default:
			break;
		}
		if (turns(sv) == -1)
			break;
	}
	server_close(sv);
	return 0;
}
