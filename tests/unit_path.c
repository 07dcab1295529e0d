/*
 * unit_path.c: unit tests of path.c and of the messages NAT traversal adds:
 * probes and their answers, punch requests and the relay; and of fmt.c,
 * which formats them.  Included by unit.c.
 */

static void
fmt_is(const char *got, int n, const char *want, const char *what)
{
	char detail[320];

	fmt(detail, sizeof(detail), "got \"%s\" (%d), want \"%s\"", got, n, want);
	check(strcmp(got, want) == 0 && n == (int)strlen(want), what, detail);
}

static void
test_fmt(void)
{
	static const char *const v6[][3] = {
		{ "2001:db8:0:0:1:0:0:1", "[2001:db8::1:0:0:1]:7", "IPv6: the first of two longest zero runs" },
		{ "2001:db8:0:1:1:1:1:1", "[2001:db8:0:1:1:1:1:1]:7", "IPv6: one zero group is not shortened" },
		{ "::", "[::]:7", "IPv6: all zeros" },
		{ "fe80::", "[fe80::]:7", "IPv6: zeros at the end" },
		{ "::ffff:10.0.0.1", "[::ffff:10.0.0.1]:7", "IPv6: IPv4-mapped, dotted" },
		{ "1:2:3:4:5:6:7:8", "[1:2:3:4:5:6:7:8]:7", "IPv6: no zeros" },
		{ "ABCD:0:0:0:0:0:0:FFFF", "[abcd::ffff]:7", "IPv6: lower case, the middle shortened" },
	};
	char b[128], small[6];
	struct p2p_ep e;
	size_t k;
	int n;

	n = fmt(b, sizeof(b), "%s|%c|%d|%u|%x|%%", "ab", 'z', -42, 42u, 0xbeefu);
	fmt_is(b, n, "ab|z|-42|42|beef|%", "fmt: each conversion");
	n = fmt(b, sizeof(b), "%ld %lu %lld %llu", -2147483647L - 1, 4294967295UL, -9223372036854775807LL - 1,
	    18446744073709551615ULL);
	fmt_is(b, n, "-2147483648 4294967295 -9223372036854775808 18446744073709551615",
	    "fmt: the extremes of long and long long");
	n = fmt(b, sizeof(b), "%02d:%02d %08lx %04x %5s %3d %03d", 7, 0, 0xabcUL, 0x9bu, "ab", -5, -5);
	fmt_is(b, n, "07:00 00000abc 009b    ab  -5 -05", "fmt: widths and zero padding");
	n = fmt(small, sizeof(small), "%s", "abcdefgh");
	check(n == 8 && strcmp(small, "abcde") == 0, "fmt: cut to fit, the full length returned", small);
	check(fmt(NULL, 0, "%d", 12345) == 5, "fmt: size 0 only measures", NULL);

	memset(&e, 0, sizeof(e));
	e.family = AF_INET6;
	e.port = 7;
	for (k = 0; k < sizeof(v6) / sizeof(v6[0]); k++) {
		inet_pton(AF_INET6, v6[k][0], e.addr);
		n = proto_format_ep(b, sizeof(b), &e);
		fmt_is(b, n, v6[k][1], v6[k][2]);
	}
}

static void
test_nat_messages(void)
{
	struct p2p_msg m;
	char buf[P2P_DGRAM_MAX + 1];
	int n;

	PEER("probe,alice,0000abcd", 0, "probe");
	PEER("probed,alice,ffffffff", 0, "probed");
	PEER("probe,alice", P2P_EFIELDS, "probe without a nonce");
	PEER("probe,alice,0000abcd,x", P2P_EFIELDS, "probe with an extra field");
	PEER("probe,alice,0000ABCD", P2P_ESID, "probe with an upper-case nonce");
	PEER("probes,alice,0000abcd", P2P_ETYPE, "unknown peer message");
	CLIENT("punch,bob", 0, "punch request");
	CLIENT("punch", P2P_EFIELDS, "punch request without a name");
	CLIENT("punch,bob,x", P2P_EFIELDS, "punch request with an extra field");
	CLIENT("punch,b ob", P2P_ENAME, "punch request for a bad name");
	SERVER("punch,alice", 0, "punch notice");
	SERVER("punch", P2P_EFIELDS, "punch notice without a name");
	proto_parse("relay,bob,msg,alice,0000abcd,1,1,hi, there", 41, P2P_FROM_CLIENT, &m);
	check(m.type == P2P_RELAY && strcmp(m.name, "bob") == 0 && m.textlen == 31 &&
	    memcmp(m.text, "msg,alice,0000abcd,1,1,hi, there", 31) == 0,
	    "relay request: the datagram is the rest, commas and all", NULL);
	proto_parse("relay,alice,ack,bob,0000abcd,1,1", 32, P2P_FROM_SERVER, &m);
	check(m.type == P2P_RELAY && strcmp(m.name, "alice") == 0 && m.textlen == 20,
	    "relayed datagram", NULL);
	CLIENT("relay,bob", P2P_EFIELDS, "relay without a datagram");
	CLIENT("relay,bob,", P2P_EFIELDS, "relay with an empty datagram");
	CLIENT("relay,,x", P2P_ENAME, "relay to no one");
	proto_parse("Accept,20000,0123456789abcdef,relay", 35, P2P_FROM_SERVER, &m);
	check(m.type == P2P_ACCEPT && m.relay, "Accept offering the relay", NULL);
	proto_parse("Accept,20000,0123456789abcdef", 29, P2P_FROM_SERVER, &m);
	check(m.type == P2P_ACCEPT && !m.relay, "Accept without the relay", NULL);

	memset(&m, 0, sizeof(m));
	m.type = P2P_PROBED;
	strcpy(m.name, "bob");
	m.sid = 0x1234;
	n = proto_format(buf, sizeof(buf), &m);
	check(n > 0 && strcmp(buf, "probed,bob,00001234") == 0, "format probed", buf);
	memset(&m, 0, sizeof(m));
	m.type = P2P_RELAY;
	strcpy(m.name, "bob");
	m.text = "ack,x,00000001,1,1";
	m.textlen = strlen(m.text);
	n = proto_format(buf, sizeof(buf), &m);
	check(n > 0 && strcmp(buf, "relay,bob,ack,x,00000001,1,1") == 0, "format relay", buf);
	n = proto_format(buf, 20, &m);
	check(n == -1, "a relay that does not fit is refused", NULL);
}

static struct p2p_ep
ep4(const char *a, uint16_t port)
{
	struct p2p_ep e;

	memset(&e, 0, sizeof(e));
	e.family = AF_INET;
	inet_pton(AF_INET, a, e.addr);
	e.port = port;
	return e;
}

/* Run rounds from `from` to `to` (ms), answering those to the candidates in
 * `answers` (a mask) after rtt ms: how many probes went out. */
static int
rounds(struct path *p, long long from, long long to, int answers, int rtt)
{
	uint32_t nonce;
	long long t;
	int mask, sent = 0, k;

	for (t = from; t < to; t += 10) {
		if ((mask = path_round(p, t, &nonce)) == 0)
			continue;
		for (k = 0; k < PATH_NCAND; k++) {
			if (!(mask & 1 << k))
				continue;
			sent++;
			if (answers & 1 << k)
				path_answered(p, nonce, k == PATH_RELAY ? NULL : &p->cand[k], t + rtt);
		}
	}
	return sent;
}

static void
test_path(void)
{
	struct p2p_ep pub = ep4("10.77.0.3", 4000), lan = ep4("192.168.3.14", 4000), other;
	struct path p;
	char detail[64];
	uint32_t nonce;
	int sent;

	path_init(&p, &pub, &lan, 1, 7);
	check(p.via == PATH_NONE && proto_ep_eq(path_dest(&p), &pub),
	    "before any answer, chat goes where the server saw the peer", NULL);
	check(path_round(&p, 1000, &nonce) == 0 && path_next(&p) == -1, "no probes until asked", NULL);
	check(path_burst(&p, 1000) == 1, "a burst begins", NULL);
	check(path_burst(&p, 2000) == 0, "and not again while it rests", NULL);
	sent = rounds(&p, 1000, 1600, 1 << PATH_PUBLIC, 30);
	check(p.via == PATH_PUBLIC && proto_ep_eq(path_dest(&p), &pub) && p.rtt[PATH_PUBLIC] == 30,
	    "the public endpoint answers: chat goes there, round trip measured", NULL);
	check(sent <= 2 * (600 / PATH_ROUND + 1), "a burst probes each candidate once a round", NULL);
	/* the LAN answers too, later: the first path keeps the chat */
	check(path_round(&p, 1750, &nonce) != 0 && path_answered(&p, nonce, &lan, 1760) == 0 &&
	    p.via == PATH_PUBLIC && p.rtt[PATH_LAN] == 10, "the first direct path to answer keeps the chat", NULL);
	other = ep4("10.9.9.9", 1);
	path_round(&p, 2000, &nonce);
	check(path_answered(&p, nonce, &other, 2010) == 0 && p.rtt[PATH_PUBLIC] == 30,
	    "an answer from no candidate counts for nothing", NULL);
	check(path_answered(&p, nonce + 1, &lan, 2010) == 0 && path_answered(&p, nonce - 9, &lan, 2010) == 0 &&
	    p.rtt[PATH_LAN] == 10, "an answer to no recent round counts for nothing", NULL);
	rounds(&p, 2250, 6000, 1 << PATH_PUBLIC, 30);

	/* after the burst, keepalives only: one probe per PATH_KEEPALIVE */
	sent = rounds(&p, 6000, 6000 + 4 * PATH_KEEPALIVE, 1 << PATH_PUBLIC, 20);
	snprintf(detail, sizeof(detail), "%d probes, via %d", sent, (int)p.via);
	check(sent >= 4 && sent <= 5 && p.via == PATH_PUBLIC, "keepalives keep the path", detail);
	/* the mapping expires: the path stops answering, a burst looks again
	 * and asks the peer to probe too; with no direct answer, the relay */
	path_round(&p, 100000, &nonce);
	check(p.wait == 100000 + PATH_ANSWER, "a keepalive awaits its answer", NULL);
	check(path_round(&p, 100000 + PATH_ANSWER, &nonce) & PATH_ASK, "unanswered, it asks for a punch", NULL);
	check(p.lost && proto_ep_eq(path_dest(&p), &pub), "chat stays on the lost path while looking", NULL);
	rounds(&p, 102000, 102000 + PATH_RELAY_AFTER + 20, 0, 0);
	check(p.via == PATH_RELAY && path_dest(&p) == NULL, "no direct answer: the relay carries chat", NULL);
	rounds(&p, 105100, 107100, 0, 0); /* the rest of the burst */
	sent = rounds(&p, 107100, 107100 + 2 * PATH_KEEPALIVE, 1 << PATH_RELAY, 5);
	check(p.via == PATH_RELAY && p.rtt[PATH_RELAY] == 5, "on the relay, its round trip is measured", NULL);
	snprintf(detail, sizeof(detail), "%d probes in %d ms", sent, 2 * PATH_KEEPALIVE);
	check(sent <= 3 * 3, "on the relay, direct paths are tried now and then", detail);
	rounds(&p, 137200, 137200 + PATH_KEEPALIVE + 20, 1 << PATH_LAN | 1 << PATH_RELAY, 5);
	check(p.via == PATH_LAN, "a direct path that opens takes chat back from the relay", NULL);

	/* no relay offered: chat stays where the server saw the peer */
	path_init(&p, &pub, NULL, 0, 1);
	path_burst(&p, 1000);
	rounds(&p, 1000, 1000 + PATH_BURST + 20, 0, 0);
	check(p.via == PATH_NONE && proto_ep_eq(path_dest(&p), &pub) && path_next(&p) == -1,
	    "without the relay and an answer, probing stops after the burst", NULL);
	path_init(&p, &pub, &pub, 1, 1);
	check(p.cand[PATH_LAN].family == 0, "a LAN endpoint equal to the public one is no candidate", NULL);
}
