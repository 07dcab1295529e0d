/*
 * unit.c: unit tests of the pure modules: proto, roster, link, path, crypto and secure.  One line per
 * case, "ok - what" or "not ok - what (detail)", so tests/run.sh can count.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto.h"
#include "edit.h"
#include "fmt.h"
#include "link.h"
#include "path.h"
#include "proto.h"
#include "resolve.h"
#include "roster.h"
#include "secure.h"
#include "term.h"
#include "utf8.h"

static int failures;

static void
check(int ok, const char *what, const char *detail)
{
	printf("%s - %s%s%s%s\n", ok ? "ok" : "not ok", what,
	    ok || !detail ? "" : " (", ok || !detail ? "" : detail, ok || !detail ? "" : ")");
	failures += !ok;
}

/* Parse a C string as `from` sent it; expect error code want (0: success). */
static int
parse_as(enum p2p_from from, const char *s, size_t len, int want, const char *what)
{
	struct p2p_msg m;
	char detail[64];
	int r = proto_parse(s, len, from, &m);

	snprintf(detail, sizeof(detail), "got %d \"%s\", want %d", r, proto_strerror(r), -want);
	check(r == -want, what, detail);
	return r;
}

#define CLIENT(s, want, what) parse_as(P2P_FROM_CLIENT, s, sizeof(s) - 1, want, what)
#define SERVER(s, want, what) parse_as(P2P_FROM_SERVER, s, sizeof(s) - 1, want, what)
#define PEER(s, want, what) parse_as(P2P_FROM_PEER, s, sizeof(s) - 1, want, what)

static void
test_requests(void)
{
	struct p2p_msg m;
	char eps[P2P_EPSTR_MAX];

	proto_parse("login,alice,127.0.0.1:4000", 26, P2P_FROM_CLIENT, &m);
	proto_format_ep(eps, sizeof(eps), &m.ep);
	check(m.type == P2P_LOGIN && strcmp(m.name, "alice") == 0 &&
	    strcmp(eps, "127.0.0.1:4000") == 0, "login fields", eps);
	CLIENT("login,alice,[::1]:4000", 0, "login with an IPv6 endpoint");
	CLIENT("login,张三,10.0.0.1:1", 0, "login with a Chinese name");
	CLIENT("login,abcdefghijklmnopqrstuvwxyz012345,1.2.3.4:5", 0, "32-byte name");
	CLIENT("hello,alice,0123456789abcdef", 0, "hello");
	CLIENT("logout,alice,1.2.3.4:65535", 0, "logout, port 65535");

	CLIENT("", P2P_EEMPTY, "empty message");
	CLIENT("login", P2P_EFIELDS, "login without fields");
	CLIENT("login,alice", P2P_EFIELDS, "login missing a field");
	CLIENT("login,alice,1.2.3.4:5,x", P2P_EKEY, "login with an extra field that is no key");
	CLIENT("login,alice,1.2.3.4:5,", P2P_EKEY, "login with an empty extra field");
	CLIENT("login,alice,1.2.3.4:5,0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,x",
	    P2P_EFIELDS, "login with a field after the key");
	CLIENT("logon,alice,1.2.3.4:5", P2P_ETYPE, "unknown message");
	CLIENT("Accept,20000,0123456789abcdef", P2P_ETYPE, "a reply sent as a request");
	CLIENT("login,abcdefghijklmnopqrstuvwxyz0123456,1.2.3.4:5", P2P_ENAME, "33-byte name");
	CLIENT("login,,1.2.3.4:5", P2P_ENAME, "empty name");
	CLIENT("login,al ice,1.2.3.4:5", P2P_ENAME, "name with a space");
	CLIENT("login,al\tice,1.2.3.4:5", P2P_ENAME, "name with a tab");
	CLIENT("login,al\nice,1.2.3.4:5", P2P_ENAME, "name with a newline");
	CLIENT("login,al\033[31m,1.2.3.4:5", P2P_ENAME, "name with ESC");
	CLIENT("login,al;ice,1.2.3.4:5", P2P_ENAME, "name with ;");
	CLIENT("login,al:ice,1.2.3.4:5", P2P_ENAME, "name with :");
	CLIENT("login,al\xe2\x80\xaeice,1.2.3.4:5", P2P_ENAME, "name with a bidi override");
	CLIENT("login,al\xc2\xa0ice,1.2.3.4:5", P2P_ENAME, "name with a no-break space");
	CLIENT("login,al\xc2\x9bice,1.2.3.4:5", P2P_ENAME, "name with a C1 control");
	CLIENT("login,alice,1.2.3.4:0", P2P_EPORT, "port 0");
	CLIENT("login,alice,1.2.3.4:65536", P2P_EPORT, "port 65536");
	CLIENT("login,alice,1.2.3.4:070", P2P_EPORT, "port with a leading zero");
	CLIENT("login,alice,1.2.3.4:+80", P2P_EPORT, "port with a sign");
	CLIENT("login,alice,1.2.3.4:99999999999", P2P_EPORT, "port of 11 digits");
	CLIENT("login,alice,1.2.3.4:", P2P_EPORT, "empty port");
	CLIENT("login,alice,1.2.3.4", P2P_EEP, "endpoint without a port");
	CLIENT("login,alice,1.2.3.256:5", P2P_EEP, "IPv4 octet over 255");
	CLIENT("login,alice,::1:5", P2P_EEP, "IPv6 without brackets");
	CLIENT("login,alice,[::1]", P2P_EEP, "IPv6 without a port");
	CLIENT("login,alice,[::1:5", P2P_EEP, "IPv6 without ]");
	CLIENT("login,alice,[fe80::1%eth0]:5", P2P_EEP, "IPv6 with a zone");
	CLIENT("login,alice,host.example:5", P2P_EEP, "host name for an endpoint");
	CLIENT("login,alice,:5", P2P_EEP, "endpoint without an address");
	CLIENT("login,\xff\xfe,1.2.3.4:5", P2P_EUTF8, "invalid UTF-8");
	CLIENT("login,\xc0\xaf,1.2.3.4:5", P2P_EUTF8, "overlong UTF-8");
	CLIENT("login,\xed\xa0\x80,1.2.3.4:5", P2P_EUTF8, "UTF-16 surrogate in UTF-8");
	CLIENT("login,\xf4\x90\x80\x80,1.2.3.4:5", P2P_EUTF8, "code point over U+10FFFF");
	CLIENT("login,ab\xe4\xbd,1.2.3.4:5", P2P_EUTF8, "truncated UTF-8 sequence");
	CLIENT("login,al\0ce,1.2.3.4:5", P2P_ENUL, "NUL byte");
	CLIENT("hello,alice,0123456789ABCDEF", P2P_ETOKEN, "upper-case token");
	CLIENT("hello,alice,0123456789abcde", P2P_ETOKEN, "short token");
	CLIENT("hello,alice,0123456789abcdef0", P2P_ETOKEN, "long token");
	CLIENT("hello,alice,0123456789abcdeg", P2P_ETOKEN, "token with a non-hex digit");
}

static void
test_server_messages(void)
{
	struct p2p_msg m;
	char big[P2P_DGRAM_MAX + 2];

	proto_parse("Accept,20000,0123456789abcdef", 29, P2P_FROM_SERVER, &m);
	check(m.type == P2P_ACCEPT && m.port == 20000 && strcmp(m.token, "0123456789abcdef") == 0,
	    "Accept fields", NULL);
	proto_parse("Reject,name taken", 17, P2P_FROM_SERVER, &m);
	check(m.type == P2P_REJECT && strcmp(m.reason, "name taken") == 0, "Reject reason", m.reason);
	SERVER("Reject,", P2P_EFIELDS, "Reject without a reason");
	SERVER("Accept,0,0123456789abcdef", P2P_EPORT, "Accept with port 0");
	SERVER("Accept,20000", P2P_EFIELDS, "Accept without a token");
	proto_parse("login,bob,1.2.3.4:5,[::1]:6,future", 34, P2P_FROM_SERVER, &m);
	check(m.type == P2P_LOGIN && strcmp(m.name, "bob") == 0 && m.ep2.family == AF_INET6 &&
	    m.ep2.port == 6, "login notice with a second endpoint and an unknown field", NULL);
	SERVER("logout,bob,1.2.3.4:5", 0, "logout notice");
	SERVER("logout,bob", P2P_EFIELDS, "logout notice without an endpoint");
	SERVER("login,bob,1.2.3.4:5,junk", P2P_EEP, "login notice with a bad second endpoint");
	memset(big, 'a', sizeof(big));
	memcpy(big, "Reject,", 7);
	parse_as(P2P_FROM_SERVER, big, sizeof(big), P2P_ELONG, "over-long datagram");
	SERVER("Reject,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    P2P_ELONG, "Reject with a reason of 65 bytes");
	proto_parse("kicked,600", 10, P2P_FROM_SERVER, &m);
	check(m.type == P2P_KICKED && m.secs == 600, "kicked notice with its seconds", NULL);
	SERVER("kicked", P2P_EFIELDS, "kicked without its seconds");
	SERVER("kicked,-1", P2P_EFIELDS, "kicked with a negative number");
}

static void
test_chat(void)
{
	struct p2p_msg m;
	char text[P2P_TEXT_MAX + 60];
	const char *chat = "msg,alice,00c0ffee,7,5,hi, bob; 你好";
	int n;

	proto_parse(chat, strlen(chat), P2P_FROM_PEER, &m);
	check(m.type == P2P_MSG && !m.more && m.sid == 0xc0ffee && m.seq == 7 && m.first == 5 &&
	    m.textlen == strlen("hi, bob; 你好") && memcmp(m.text, "hi, bob; 你好", m.textlen) == 0,
	    "chat text keeps commas", NULL);
	proto_parse("part,alice,00000001,1,1,x", 25, P2P_FROM_PEER, &m);
	check(m.type == P2P_MSG && m.more, "a part says more follows", NULL);
	proto_parse("ack,bob,ffffffff,4294967295,0", 29, P2P_FROM_PEER, &m);
	check(m.type == P2P_ACK && m.sid == 0xffffffffu && m.cum == 4294967295u && m.seq == 0,
	    "ack fields", NULL);
	PEER("msg,alice,00000001,4294967296,1,x", P2P_ESEQ, "sequence 2^32");
	PEER("msg,alice,00000001,-1,1,x", P2P_ESEQ, "negative sequence");
	PEER("msg,alice,00000001,1,01,x", P2P_ESEQ, "first with a leading zero");
	PEER("msg,alice,0000001,1,1,x", P2P_ESID, "stream id of 7 digits");
	PEER("msg,alice,0000000G,1,1,x", P2P_ESID, "stream id not hex");
	PEER("msg,alice,0000000A,1,1,x", P2P_ESID, "stream id in upper case");
	PEER("msg,alice,00000001,1,1,", P2P_EFIELDS, "empty chat text");
	PEER("msg,alice,00000001,1,1", P2P_EFIELDS, "chat without text");
	PEER("ack,bob,00000001,1", P2P_EFIELDS, "ack missing a field");
	PEER("ack,bob,00000001,1,2,3", P2P_EFIELDS, "ack with an extra field");
	PEER("ack,bob,00000001,1,2,", P2P_EFIELDS, "ack with an empty extra field");
	PEER("login,alice,1.2.3.4:5", P2P_ETYPE, "a login sent to a peer");
	CLIENT("ping,alice", 0, "ping");
	CLIENT("ping,alice,x", P2P_EFIELDS, "ping with an extra field");
	SERVER("pong", 0, "pong");
	n = snprintf(text, sizeof(text), "msg,alice,00000001,1,1,");
	memset(text + n, 'x', P2P_TEXT_MAX);
	parse_as(P2P_FROM_PEER, text, (size_t)n + P2P_TEXT_MAX, 0, "text of the maximum length");
	text[n + P2P_TEXT_MAX] = 'x';
	parse_as(P2P_FROM_PEER, text, (size_t)n + P2P_TEXT_MAX + 1, P2P_ELONG, "text one byte too long");
}

/* Feed a whole roster record by record as a stream reader would. */
static int
roster_feed(const char *s, int *entries)
{
	struct p2p_msg m;
	const char *rec = s, *p;
	int r;

	*entries = 0;
	for (p = s; *p; p++) {
		if (*p != ';' && *p != '\n')
			continue;
		r = proto_roster_record(rec, (size_t)(p - rec), *p, &m);
		if (r <= 0)
			return r < 0 ? r : p[1] == '\0' ? 0 : -999; /* nothing may follow here */
		(*entries)++;
		rec = p + 1;
	}
	return -P2P_EROSTER; /* the stream ran out before "end" */
}

static void
test_roster_stream(void)
{
	struct p2p_msg m;
	int n, r;

	r = roster_feed("alice,1.2.3.4:5;bob,[::1]:6,10.0.0.2:6;end\n", &n);
	check(r == 0 && n == 2, "roster of two, then end", NULL);
	check(roster_feed("end\n", &n) == 0 && n == 0, "empty roster", NULL);
	check(roster_feed("alice,1.2.3.4:5;", &n) == -P2P_EROSTER, "roster without end", NULL);
	check(roster_feed("alice,1.2.3.4:5\n", &n) == -P2P_EROSTER, "roster ended by a newline, not end", NULL);
	check(roster_feed("end;bob,1.2.3.4:5;end\n", &n) == -P2P_EROSTER, "junk after end", NULL);
	check(roster_feed("endx\n", &n) == -P2P_EROSTER, "end with junk attached", NULL);
	check(roster_feed("alice,1.2.3.4:0;end\n", &n) == -P2P_EPORT, "roster entry with port 0", NULL);
	check(roster_feed("al ice,1.2.3.4:5;end\n", &n) == -P2P_ENAME, "roster entry with a bad name", NULL);
	check(roster_feed("alice;end\n", &n) == -P2P_EFIELDS, "roster entry without an endpoint", NULL);
	r = proto_roster_record("alice,1.2.3.4:5,1.2.3.5:6,future", 32, ';', &m);
	check(r == 1 && m.ep2.port == 6, "roster entry with an unknown field", NULL);
}

static void
roundtrip(const struct p2p_msg *in, enum p2p_from from, const char *want, const char *what)
{
	char buf[P2P_DGRAM_MAX + 1], again[P2P_DGRAM_MAX + 1];
	struct p2p_msg out;
	int n = proto_format(buf, sizeof(buf), in), r;

	check(n > 0 && strcmp(buf, want) == 0, what, buf);
	if (in->type == P2P_ENTRY)
		r = proto_roster_record(buf, (size_t)n, ';', &out) == 1 ? 0 : -1;
	else
		r = proto_parse(buf, (size_t)n, from, &out);
	check(r == 0 && proto_format(again, sizeof(again), &out) == n && strcmp(again, buf) == 0,
	    "parse(format(m)) == m", buf);
}

static void
test_format(void)
{
	struct p2p_msg m;
	char small[10];

	memset(&m, 0, sizeof(m));
	m.type = P2P_LOGIN;
	strcpy(m.name, "alice");
	proto_parse_ep("10.0.0.1:4000", 13, &m.ep);
	roundtrip(&m, P2P_FROM_CLIENT, "login,alice,10.0.0.1:4000", "format login");
	proto_parse_ep("[2001:db8::1]:4001", 18, &m.ep2);
	roundtrip(&m, P2P_FROM_SERVER, "login,alice,10.0.0.1:4000,[2001:db8::1]:4001",
	    "format login notice with two endpoints");
	m.type = P2P_ENTRY;
	roundtrip(&m, P2P_FROM_SERVER, "alice,10.0.0.1:4000,[2001:db8::1]:4001", "format roster entry");
	m.type = P2P_LOGOUT;
	memset(&m.ep2, 0, sizeof(m.ep2));
	roundtrip(&m, P2P_FROM_CLIENT, "logout,alice,10.0.0.1:4000", "format logout");
	m.type = P2P_HELLO;
	strcpy(m.token, "00ff00ff00ff00ff");
	roundtrip(&m, P2P_FROM_CLIENT, "hello,alice,00ff00ff00ff00ff", "format hello");
	m.type = P2P_ACCEPT;
	m.port = 20000;
	roundtrip(&m, P2P_FROM_SERVER, "Accept,20000,00ff00ff00ff00ff", "format Accept");
	m.type = P2P_REJECT;
	strcpy(m.reason, "name taken");
	roundtrip(&m, P2P_FROM_SERVER, "Reject,name taken", "format Reject");
	m.type = P2P_MSG;
	m.sid = 0xab;
	m.seq = 42;
	m.first = 40;
	m.text = "a,b";
	m.textlen = 3;
	roundtrip(&m, P2P_FROM_PEER, "msg,alice,000000ab,42,40,a,b", "format chat");
	m.more = 1;
	roundtrip(&m, P2P_FROM_PEER, "part,alice,000000ab,42,40,a,b", "format a part");
	check(proto_format(small, sizeof(small), &m) == -1, "format into a buffer too small", NULL);
	m.type = P2P_ACK;
	m.cum = 41;
	roundtrip(&m, P2P_FROM_PEER, "ack,alice,000000ab,41,42", "format ack");
	m.type = P2P_PING;
	roundtrip(&m, P2P_FROM_CLIENT, "ping,alice", "format ping");
	m.type = P2P_PONG;
	roundtrip(&m, P2P_FROM_SERVER, "pong", "format pong");
}

static void
test_escape(void)
{
	char out[64], tiny[6];
	size_t n;

	proto_escape("a\033[31mb", 7, out, sizeof(out));
	check(strcmp(out, "a\\x1b[31mb") == 0, "ESC is escaped", out);
	proto_escape("x\xffy", 3, out, sizeof(out));
	check(strcmp(out, "x\\xffy") == 0, "invalid UTF-8 byte is escaped", out);
	proto_escape("a\xe2\x80\x8b" "b\xd8\x9c" "c\xef\xbb\xbf" "d\xf3\xa0\x81\x81" "e", 17, out, sizeof(out));
	check(strcmp(out, "a\\u200bb\\u061cc\\ufeffd\\ue0041e") == 0,
	    "zero width space, Arabic letter mark, BOM and a tag are escaped", out);
	proto_escape("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 x\xe2\x80\x8dy", 17, out, sizeof(out));
	check(strcmp(out, "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 x\\u200dy") == 0,
	    "a zero width joiner is kept between emoji, escaped elsewhere", out);
	proto_escape("\xe4\xbd\xa0\xe5\xa5\xbd \xc3\xa9\xe2\x9d\xa4\xef\xb8\x8f", 15, out, sizeof(out));
	check(strcmp(out, "\xe4\xbd\xa0\xe5\xa5\xbd \xc3\xa9\xe2\x9d\xa4\xef\xb8\x8f") == 0,
	    "CJK, accents and an emoji with its variation selector are kept", out);
	proto_escape("\xc2\x9b" "1m", 4, out, sizeof(out));
	check(strcmp(out, "\\u009b1m") == 0, "C1 CSI is escaped", out);
	proto_escape("a\xe2\x80\xae" "b", 5, out, sizeof(out));
	check(strcmp(out, "a\\u202eb") == 0, "bidi override is escaped", out);
	proto_escape("你好, world", 13, out, sizeof(out));
	check(strcmp(out, "你好, world") == 0, "UTF-8 text is kept", out);
	proto_escape("a\nb\r\x7f", 5, out, sizeof(out));
	check(strcmp(out, "a\\x0ab\\x0d\\x7f") == 0, "newline, CR and DEL are escaped", out);
	n = proto_escape("ab\033cd", 5, tiny, sizeof(tiny));
	check(n == 2 && strcmp(tiny, "ab") == 0, "escape truncates whole pieces", tiny);
}

static void
test_names(void)
{
	struct p2p_ep a, b;
	char eps[P2P_EPSTR_MAX];

	check(proto_name_eq("Alice", "aLICE", 5), "names compare ASCII case-insensitively", NULL);
	check(!proto_name_eq("alice", "alic", 4), "a prefix is not the name", NULL);
	check(!proto_name_eq("alic", "alice", 5), "a longer name is not the name", NULL);
	check(proto_name_eq("\xc3\x89", "\xc3\xa9", 2), "Latin-1 letters are case folded too", NULL);
	check(proto_valid_name("bob-2", 5) && !proto_valid_name("bob,2", 5), "name characters", NULL);
	proto_parse_ep("1.2.3.4:5", 9, &a);
	proto_parse_ep("1.2.3.4:6", 9, &b);
	check(!proto_ep_eq(&a, &b), "endpoints differ by port", NULL);
	b.port = 5;
	check(proto_ep_eq(&a, &b), "endpoints equal", NULL);
	proto_parse_ep("[::ffff:1.2.3.4]:5", 18, &b);
	proto_format_ep(eps, sizeof(eps), &b);
	check(strcmp(eps, "[::ffff:1.2.3.4]:5") == 0, "mapped IPv6 formats with brackets", eps);
	memset(&b, 0, sizeof(b));
	check(strcmp(proto_ep_str(&b, eps), "?") == 0, "an unset endpoint shows as ?", eps);
}

static void
test_roster(void)
{
	struct roster r;
	struct roster_user *u;
	struct p2p_ep ep;
	char name[16];
	int a, b, c, i, n;

	roster_init(&r, 20);
	a = roster_add(&r, "alice", 5);
	b = roster_add(&r, "bob", 3);
	check(a >= 0 && b >= 0 && a != b && r.count == 2, "add two users", NULL);
	check(roster_find(&r, "ALICE", 5) == a && roster_find(&r, "carol", 5) == -1,
	    "find by name, case-insensitively", NULL);
	proto_parse_ep("1.2.3.4:5", 9, &ep);
	roster_set_ep(&r, b, &ep);
	check(roster_find_ep(&r, &ep) == -1, "a pending user is not found by endpoint", NULL);
	roster_get(&r, b)->online = 1;
	check(roster_find_ep(&r, &ep) == b, "find an online user by endpoint", NULL);
	roster_remove(&r, a);
	check(roster_find(&r, "alice", 5) == -1 && roster_get(&r, a) == NULL && r.count == 1,
	    "remove", NULL);
	check(roster_get(&r, b) != NULL && strcmp(roster_get(&r, b)->name, "bob") == 0,
	    "ids stay valid after another is removed", NULL);
	for (i = 0; i < 19; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		c = roster_add(&r, name, strlen(name));
	}
	check(c >= 0 && r.count == 20 && roster_find(&r, "u18", 3) == c, "grow to the maximum", NULL);
	check(roster_add(&r, "x", 1) == -1, "refuse past the maximum", NULL);
	for (n = 0, i = roster_next(&r, -1); i != -1; i = roster_next(&r, i))
		n++;
	check(n == 20, "iterate over every user", NULL);
	u = roster_get(&r, roster_find(&r, "u3", 2));
	u->expires = 500;
	roster_get(&r, roster_find(&r, "u4", 2))->expires = 300;
	for (i = roster_next(&r, -1); i != -1; i = roster_next(&r, i))
		if (r.u[i].expires == 0)
			r.u[i].online = 1;
	check(roster_next_expiry(&r) == 300, "earliest expiry", NULL);
	check(roster_expired(&r, 299) == -1, "nothing expired yet", NULL);
	c = roster_expired(&r, 300);
	check(c == roster_find(&r, "u4", 2), "a login expires at its time", NULL);
	roster_remove(&r, c);
	check(roster_expired(&r, 1000) == roster_find(&r, "u3", 2), "the next one expires later", NULL);
	check(roster_add(&r, "abcdefghijklmnopqrstuvwxyz0123456", 33) == -1, "refuse an over-long name", NULL);
	roster_free(&r);
}

#include "unit_link.c"
#include "unit_path.c"
#include "unit_crypto.c"
#include "unit_secure.c"
#include "unit_names.c"
#include "unit_edit.c"
#include "unit_term.c"
#include "unit_resolve.c"

int
main(void)
{
	test_requests();
	test_server_messages();
	test_chat();
	test_roster_stream();
	test_format();
	test_escape();
	test_names();
	test_name_rule();
	test_name_rule_everywhere();
	test_skeleton();
	test_skeleton_everywhere();
	test_roster_lookalikes();
	test_roster();
	test_link_basic();
	test_link_order_and_window();
	test_link_lossy();
	test_link_giveup_and_restart();
	test_fmt();
	test_nat_messages();
	test_path();
	test_key_fields();
	test_sha256();
	test_hmac_hkdf();
	test_chacha20();
	test_poly1305();
	test_aead();
	test_x25519();
	test_secure_handshake();
	test_secure_hostile();
	test_edit_keys();
	test_edit_history_and_tab();
	test_term_keys();
	test_term_wrap();
	test_dns_query();
	test_dns_answer();
	test_hosts_and_resolv_conf();
	return failures != 0;
}
