/*
 * unit_resolve.c: hosts and resolv.conf lines, DNS queries and answers;
 * included by unit.c.  The messages are spelled out byte by byte from
 * RFC 1035, 4.1: header, question, answers.
 */

/* The header of an answer to id 0x1234: flags, then QD, AN counts. */
#define DNS_HDR(flags, an) "\x12\x34" flags "\x00\x01\x00" an "\x00\x00\x00\x00"
#define DNS_Q_A "\x04" "chat" "\x04" "test" "\x00" "\x00\x01\x00\x01"

static void
test_dns_query(void)
{
	static const unsigned char want[] = DNS_HDR("\x01\x00", "\x00") DNS_Q_A;
	unsigned char q[DNS_MAX];
	char long_label[80], long_name[400];
	int n = dns_query(q, "chat.test", 0x1234, DNS_A);

	check(n == (int)sizeof(want) - 1 && memcmp(q, want, sizeof(want) - 1) == 0, "dns query: header, question", NULL);
	check(dns_query(q, "chat.test.", 0x1234, DNS_A) == n && memcmp(q, want, sizeof(want) - 1) == 0,
	    "dns query: a trailing dot is the root", NULL);
	n = dns_query(q, "chat.test", 0xbeef, DNS_AAAA);
	check(n == 27 && q[0] == 0xbe && q[1] == 0xef && q[24] == 28, "dns query: id and type AAAA", NULL);
	check(dns_query(q, "a..b", 1, DNS_A) == -1 && dns_query(q, ".", 1, DNS_A) == -1 &&
	    dns_query(q, "", 1, DNS_A) == -1 && dns_query(q, "a b", 1, DNS_A) == -1 &&
	    dns_query(q, "a\\.b", 1, DNS_A) == -1 && dns_query(q, "caf\xc3\xa9", 1, DNS_A) == -1,
	    "dns query: empty labels, blanks, escapes and non-ASCII refused", NULL);
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	check(dns_query(q, long_label, 1, DNS_A) == -1, "dns query: a 64-byte label refused", NULL);
	long_label[63] = '\0';
	check(dns_query(q, long_label, 1, DNS_A) == 12 + 65 + 4, "dns query: a 63-byte label taken", NULL);
	/* 4 labels of 63 (256 bytes encoded with the root) is over 255 */
	snprintf(long_name, sizeof(long_name), "%s.%s.%s.%.61s", long_label, long_label, long_label, long_label);
	check(dns_query(q, long_name, 1, DNS_A) == 12 + 255 + 4, "dns query: a 253-byte name taken", long_name);
	snprintf(long_name, sizeof(long_name), "%s.%s.%s.%.62s", long_label, long_label, long_label, long_label);
	check(dns_query(q, long_name, 1, DNS_A) == -1, "dns query: a 254-byte name refused", NULL);
}

/* dns_answer on the reply r (a C string literal) to the query for chat.test A. */
#define ANSWER(r, ep) answer_to_a((const unsigned char *)(r), sizeof(r) - 1, (ep))

static int
answer_to_a(const unsigned char *r, size_t len, struct p2p_ep *ep)
{
	unsigned char q[DNS_MAX];
	int n = dns_query(q, "chat.test", 0x1234, DNS_A);

	memset(ep, 0, sizeof(*ep));
	return dns_answer(r, len, q, (size_t)n, ep);
}

static void
test_dns_answer(void)
{
	struct p2p_ep ep;
	unsigned char q[DNS_MAX];
	int n;
	/* a CNAME to www.chat.test (its name a pointer to the question's),
	 * then www's A record, its owner "www" + pointer */
	static const char cname_then_a[] = DNS_HDR("\x81\x80", "\x02") DNS_Q_A
	    "\xc0\x0c" "\x00\x05\x00\x01" "\x00\x00\x00\x3c" "\x00\x06" "\x03" "www" "\xc0\x0c"
	    "\x03" "www" "\xc0\x0c" "\x00\x01\x00\x01" "\x00\x00\x00\x3c" "\x00\x04" "\x0a\x01\x02\x03";

	check(ANSWER(cname_then_a, &ep) == 1 && ep.family == AF_INET && memcmp(ep.addr, "\x0a\x01\x02\x03", 4) == 0 &&
	    ep.port == 0, "dns answer: the A record after a CNAME", NULL);
	check(ANSWER(DNS_HDR("\x81\x80", "\x02") "\x04" "CHAT" "\x04" "Test" "\x00" "\x00\x01\x00\x01"
	    "\xc0\x0c" "\x00\x01\x00\x01" "\x00\x00\x00\x3c" "\x00\x04" "\x0a\x01\x02\x04", &ep) == 1 &&
	    ep.addr[3] == 4, "dns answer: the question's case changed (0x20) is ours", NULL);
	check(ANSWER(DNS_HDR("\x81\x83", "\x00") DNS_Q_A, &ep) == DNS_NONAME, "dns answer: NXDOMAIN", NULL);
	check(ANSWER(DNS_HDR("\x81\x80", "\x00") DNS_Q_A, &ep) == DNS_NODATA, "dns answer: no records", NULL);
	check(ANSWER(DNS_HDR("\x81\x82", "\x00") DNS_Q_A, &ep) == DNS_FAILED &&
	    ANSWER(DNS_HDR("\x81\x85", "\x00") DNS_Q_A, &ep) == DNS_FAILED, "dns answer: SERVFAIL, REFUSED", NULL);
	/* an AAAA record in the answer to an A query is not taken */
	check(ANSWER(DNS_HDR("\x81\x80", "\x01") DNS_Q_A "\xc0\x0c" "\x00\x1c\x00\x01" "\x00\x00\x00\x3c" "\x00\x10"
	    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", &ep) == DNS_NODATA,
	    "dns answer: a record of another type passed over", NULL);
	check(ANSWER(DNS_HDR("\x81\x80", "\x01") DNS_Q_A "\xc0\x0c" "\x00\x01\x00\x01" "\x00\x00\x00\x3c" "\x00\x05"
	    "\x0a\x01\x02\x03\x04", &ep) == DNS_NODATA, "dns answer: an A record of 5 bytes passed over", NULL);
	/* not ours: another id, a query (no QR), another question, two questions, a short one */
	check(ANSWER("\x12\x35\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00" DNS_Q_A, &ep) == DNS_NOT_OURS &&
	    ANSWER(DNS_HDR("\x01\x80", "\x00") DNS_Q_A, &ep) == DNS_NOT_OURS &&
	    ANSWER(DNS_HDR("\x81\x80", "\x00") "\x04" "chat" "\x04" "tesu" "\x00" "\x00\x01\x00\x01", &ep) == DNS_NOT_OURS &&
	    ANSWER("\x12\x34\x81\x80\x00\x02\x00\x00\x00\x00\x00\x00" DNS_Q_A, &ep) == DNS_NOT_OURS &&
	    ANSWER(DNS_HDR("\x81\x80", "\x00") "\x04" "chat", &ep) == DNS_NOT_OURS,
	    "dns answer: other ids, questions, queries, short replies are not ours", NULL);
	/* lengths that run past the end: the count, the rdata, the name */
	check(ANSWER(DNS_HDR("\x81\x80", "\x05") DNS_Q_A "\xc0\x0c" "\x00\x01\x00\x01" "\x00\x00\x00\x3c" "\x00\x04"
	    "\x0a\x01\x02", &ep) == DNS_NODATA &&
	    ANSWER(DNS_HDR("\x81\x80", "\x01") DNS_Q_A "\x3f" "abc", &ep) == DNS_NODATA &&
	    ANSWER(DNS_HDR("\x81\x80", "\x01") DNS_Q_A "\x80\x0c" "\x00\x01\x00\x01" "\x00\x00\x00\x3c" "\x00\x04"
	    "\x0a\x01\x02\x03", &ep) == DNS_NODATA &&
	    ANSWER(DNS_HDR("\x81\x80", "\xff") DNS_Q_A "\xc0", &ep) == DNS_NODATA && ep.family == 0,
	    "dns answer: a record running past the end, a bad label, a cut pointer: no address", NULL);
	n = dns_query(q, "v6.test", 0x1234, DNS_AAAA);
	check(dns_answer((const unsigned char *)DNS_HDR("\x81\x80", "\x01") "\x02" "v6" "\x04" "test" "\x00"
	    "\x00\x1c\x00\x01" "\xc0\x0c" "\x00\x1c\x00\x01" "\x00\x00\x00\x3c" "\x00\x10"
	    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 12 + 13 + 28, q, (size_t)n, &ep) == 1 &&
	    ep.family == AF_INET6 && ep.addr[0] == 0x20 && ep.addr[15] == 1, "dns answer: AAAA", NULL);
}

static void
test_hosts_and_resolv_conf(void)
{
	struct p2p_ep ep;
	struct res_conf rc;
	char eps[P2P_EPSTR_MAX];

#define HOSTS(line, name) res_hosts_line(line, sizeof(line) - 1, name, &ep)
	check(HOSTS("10.0.0.7\tchat.lan chat  # the box", "chat") == 1 && proto_format_ep(eps, sizeof(eps), &ep) > 0 &&
	    strcmp(eps, "10.0.0.7:0") == 0, "hosts: an alias after tabs and blanks", eps);
	check(HOSTS("10.0.0.7 Chat.LAN", "chat.lan") == 1, "hosts: names case folded", NULL);
	check(HOSTS("fe80::1 v6host", "v6host") == 1 && ep.family == AF_INET6 && ep.addr[0] == 0xfe,
	    "hosts: an IPv6 address", NULL);
	check(HOSTS("10.0.0.7 chat.lan", "chat") == 0 && HOSTS("10.0.0.7 chatter", "chat") == 0 &&
	    HOSTS("# 10.0.0.7 chat", "chat") == 0 && HOSTS("10.0.0.7 other #chat", "chat") == 0 &&
	    HOSTS("10.0.0.300 chat", "chat") == 0 && HOSTS("fe80::1%eth0 chat", "chat") == 0 &&
	    HOSTS("", "chat") == 0 && HOSTS("chat 10.0.0.7", "chat") == 0,
	    "hosts: other names, comments, bad addresses, empty lines", NULL);
	check(res_hosts_line("10.0.0.7 chat", 9, "chat", &ep) == 0, "hosts: only len bytes are read", NULL);

	memset(&rc, 0, sizeof(rc));
#define CONF(line) res_conf_line(line, sizeof(line) - 1, &rc)
	CONF("# a comment");
	CONF("nameserver 192.0.2.53 # the first");
	CONF("nameserver\t2001:db8::53");
	CONF("nameserver not-an-address");
	CONF("options ndots:2");
	CONF("nameserver 192.0.2.54");
	CONF("nameserver 192.0.2.55");
	check(rc.nns == 3 && rc.ns[0].port == 53 && rc.ns[0].addr[3] == 53 && rc.ns[1].family == AF_INET6 &&
	    rc.ns[2].addr[3] == 54, "resolv.conf: the first three name servers, port 53", NULL);
	CONF("domain old.example");
	CONF("search corp.example  lab.example ;x");
	check(strcmp(rc.search, "corp.example lab.example") == 0, "resolv.conf: the last search line", rc.search);
	CONF("domain only.example");
	check(strcmp(rc.search, "only.example") == 0, "resolv.conf: domain is a search list of one", rc.search);
}
