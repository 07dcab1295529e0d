/*
 * proto.h: the p2pchat wire protocol, version 1 (see PROTOCOL in p2pchat(1)).
 *
 * Every message is parsed from (buf, len) into a struct p2p_msg and formatted
 * back from one.  Nothing here does I/O, allocates or prints: the functions are
 * pure, so the unit tests drive them directly.  Input is untrusted: explicit
 * lengths, no NUL assumed or accepted, exact field counts where the sender is a
 * client, every number parsed with a range.
 */
#ifndef P2P_PROTO_H
#define P2P_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define P2P_PORT       20000  /* default server port, UDP and TCP */
#define P2P_NAME_MAX   32     /* bytes of UTF-8 in a user name */
#define P2P_SKEL_MAX   48     /* bytes of a name's skeleton: at most 3/2 of the name's */
#define P2P_TOKEN_LEN  16     /* lower-case hex digits in a login token */
#define P2P_EPSTR_MAX  54     /* "[" v6 "]:" port, plus NUL */
#define P2P_LINE_MAX   256    /* a TCP line or roster entry, without "\n" */
#define P2P_DGRAM_MAX  1200   /* a UDP datagram */
#define P2P_TEXT_MAX   1024   /* chat text in one datagram */
#define P2P_MSG_MAX    8192   /* chat text of one message, split into datagrams */
#define P2P_REASON_MAX 64     /* text of a Reject */
#define P2P_ESC_MAX(n) (4 * (n) + 1) /* room proto_escape needs for n bytes */
#define P2P_KEY_LEN    32     /* bytes of a public key; 64 hex digits on the wire */

/* An endpoint: an IPv4 or IPv6 address and a port, in network byte order. */
struct p2p_ep {
	int family;              /* AF_INET or AF_INET6; 0 when unset */
	unsigned char addr[16];  /* 4 bytes used for AF_INET */
	uint16_t port;           /* host byte order, 1..65535 */
};

enum p2p_type {
	P2P_LOGIN,   /* login,NAME,EP[,KEY]   client request (UDP);
	                login,NAME,EP[,EP2][,KEY] notice (TCP) */
	P2P_ACCEPT,  /* Accept,PORT,TOKEN     server reply (UDP) */
	P2P_REJECT,  /* Reject,REASON         server reply (UDP) */
	P2P_HELLO,   /* hello,NAME,TOKEN      client, first line of a session */
	P2P_LOGOUT,  /* logout,NAME,EP        client request or notice */
	P2P_ENTRY,   /* NAME,EP[,EP2][,KEY]   one user in the roster */
	P2P_PING,    /* ping,NAME             client keepalive (UDP) */
	P2P_PONG,    /* pong                  the server's answer */
	P2P_MSG,     /* msg,NAME,SID,SEQ,FIRST,TEXT (part,... when more follows) */
	P2P_ACK,     /* ack,NAME,SID,CUM,SEQ  chat, peer to peer (UDP) */
	P2P_PROBE,   /* probe,NAME,NONCE      a path probe, peer to peer (UDP) */
	P2P_PROBED,  /* probed,NAME,NONCE     its answer, to where the probe came from */
	P2P_PUNCH,   /* punch,NAME            (TCP) client: open a path to NAME;
	                                      server: NAME wants a path to you */
	P2P_RELAY,   /* relay,NAME,DATAGRAM   (UDP) client: pass it to NAME;
	                                      server: NAME sent it.  The datagram
	                                      may be any bytes (sealed chat) */
	P2P_KICKED   /* kicked,SECONDS        (TCP) server: your session ends, and
	                                      logins of your name from your
	                                      address are refused for SECONDS */
};

/* Which side sent a message decides how strictly it is read. */
enum p2p_from {
	P2P_FROM_CLIENT, /* requests: exact field counts */
	P2P_FROM_SERVER, /* replies, notices, roster: unknown trailing fields ignored */
	P2P_FROM_PEER    /* chat */
};

struct p2p_msg {
	enum p2p_type type;
	char name[P2P_NAME_MAX + 1];
	struct p2p_ep ep;    /* login: LOCAL_EP from a client, EP in a notice */
	struct p2p_ep ep2;   /* second endpoint of a notice or entry; family 0 if none */
	char token[P2P_TOKEN_LEN + 1];
	unsigned char key[P2P_KEY_LEN]; /* login, entry: the user's public key, if haskey */
	int haskey;
	uint16_t port;       /* Accept */
	uint32_t secs;       /* kicked */
	int relay;           /* Accept: the server relays for peers with no direct path */
	char reason[P2P_REASON_MAX + 1];
	uint32_t sid;        /* msg, ack: the sender's stream; probe, probed: the nonce */
	uint32_t seq;        /* msg: this fragment; ack: the fragment acknowledged */
	uint32_t first;      /* msg: the oldest fragment not yet delivered */
	uint32_t cum;        /* ack: every fragment up to this one is received */
	int more;            /* msg: a "part": the message goes on in the next */
	const char *text;    /* msg, relay: points into the parsed buffer, not NUL-ended */
	size_t textlen;
};

/* Errors returned (negated) by the parsers; proto_strerror names them. */
enum p2p_err {
	P2P_OK, P2P_EEMPTY, P2P_ENUL, P2P_EUTF8, P2P_ETYPE, P2P_EFIELDS,
	P2P_ENAME, P2P_EEP, P2P_EPORT, P2P_ETOKEN, P2P_ESEQ, P2P_ELONG, P2P_EROSTER,
	P2P_ESID, P2P_EKEY
};

/* Parse one message sent by `from`: 0, or a negative enum p2p_err. */
int proto_parse(const char *buf, size_t len, enum p2p_from from, struct p2p_msg *m);
/* Format m into buf (no "\n"): the length, or -1 when it does not fit. */
int proto_format(char *buf, size_t size, const struct p2p_msg *m);
/* One record of a roster stream, ended by term (';' or '\n'): 1 entry in m, 0 "end", or a negative error. */
int proto_roster_record(const char *rec, size_t len, char term, struct p2p_msg *m);
/* A short text for a parser error. */
const char *proto_strerror(int err);

/* 1 when (s, len) is an acceptable user name: letters of the scripts of
 * names, ASCII digits and "-" "_" "." (see name_chars in proto.c). */
int proto_valid_name(const char *s, size_t len);
/* The skeleton of the name (name, len) and a NUL into out: case folded, and
 * letters that look alike (0 O o, 1 I l i, Cyrillic о, Greek ο ...) and
 * "rn" ("m") made one, so that look-alike names have the same skeleton.
 * Returns its length, or size when it does not fit (P2P_SKEL_MAX + 1 bytes
 * hold any name's); bytes that are not UTF-8 stand for themselves. */
size_t proto_name_skeleton(const char *name, size_t len, char *out, size_t size);
/* 1 when (s, len) is valid UTF-8 (no overlongs, surrogates or NUL). */
int proto_valid_utf8(const char *s, size_t len);
/* 1 when the names a (NUL-ended) and (b, blen) are the same name: their
 * skeletons are equal (strings longer than names compare by their bytes). */
int proto_name_eq(const char *a, const char *b, size_t blen);
/* Parse "a.b.c.d:port" or "[v6]:port": 0, or a negative enum p2p_err. */
int proto_parse_ep(const char *s, size_t len, struct p2p_ep *ep);
/* Format an endpoint into buf (at least P2P_EPSTR_MAX): the length, or -1. */
int proto_format_ep(char *buf, size_t size, const struct p2p_ep *ep);
/* The endpoint as text in buf (P2P_EPSTR_MAX bytes), "?" when it has none: buf. */
const char *proto_ep_str(const struct p2p_ep *ep, char *buf);
/* Parse a public key, 64 lower-case hex digits: 0, or -1. */
int proto_parse_key(const char *s, size_t len, unsigned char key[P2P_KEY_LEN]);
/* Format a key as 64 lower-case hex digits and a NUL into out. */
void proto_format_key(const unsigned char key[P2P_KEY_LEN], char out[2 * P2P_KEY_LEN + 1]);
/* 1 when ep is on loopback (127/8, ::1, or ::ffff:127/104). */
int proto_ep_loopback(const struct p2p_ep *ep);
/* 1 when a peer may be at ep: a port, and an address some host has: not
 * unspecified, multicast, broadcast or reserved, nor loopback unless
 * loopback_ok. */
int proto_ep_usable(const struct p2p_ep *ep, int loopback_ok);
/* 1 when two endpoints are the same address and port. */
int proto_ep_eq(const struct p2p_ep *a, const struct p2p_ep *b);
/* Copy (in, len) to out for a terminal: controls, invalid UTF-8 and bidi
 * overrides escaped as \xNN or \uNNNN; truncated to fit; returns the length. */
size_t proto_escape(const char *in, size_t len, char *out, size_t size);

#endif
