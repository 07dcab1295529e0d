/*
 * client.h: what the client's modules share: its state, and each module's
 * functions that the others call.  The client is the session with the
 * server (session.c: login, roster, notices, logins again), the peers
 * (peers.c: per peer a link, a path and a secure session), what the user
 * sees and types (ui.c), and the loop's side that ties them (client.c).
 */
#ifndef P2P_CLIENT_H
#define P2P_CLIENT_H

#include <poll.h>

#include "identity.h"
#include "link.h"
#include "net.h"
#include "p2pchat.h"
#include "path.h"
#include "rate.h"
#include "roster.h"
#include "secure.h"

#define LOGIN_TRIES    4      /* first login: UDP logins sent before giving up */
#define LOGIN_RTO      500    /* ms before the first resend; doubles */
#define RELOGIN_MAX    8000   /* ms: the longest wait between logins again */
#define SETUP_TIMEOUT  10000  /* ms from Accept to a complete roster */
#define KEEPALIVE      25000  /* ms between keepalives to the server */
#define SILENCE        90000  /* ms without a word from the server: it is lost */
#define LINGER_TIMEOUT 5000   /* ms quitting waits for messages to be acknowledged */
#define QUIT_TIMEOUT   2000   /* ms the logout may take to drain */
#define LEFT_GRACE     5000   /* ms a user who left is still heard: datagrams
                                 sent before the logout may arrive after it */
#define STALE_GRACE    20000  /* ms after a login again that users the new roster
                                 lacks are still taken as online: after a server
                                 restart the others come back one by one */
#define PEERS_MAX      100000 /* users a roster may hold */
#define INPUT_MAX      (P2P_MSG_MAX + P2P_NAME_MAX + 8) /* "/msg NAME TEXT" */
#define OUT_MAX        4096   /* session output: a hello or a logout */
#define TIN_MAX        65536  /* session input read at once (lines are P2P_LINE_MAX) */
/* Every datagram the client sends on its own (probes, handshakes, answers;
 * not chat, which the links pace) is paid from a budget of its destination's
 * address and from one in total, so that no one, not a lying server nor a
 * flood of strangers, can make it send more than these anywhere. */
#define SEND_DEST      64     /* datagrams to one address at once, */
#define SEND_DEST_S    32     /* then per second (to the server's port: only the total) */
#define SEND_ALL       256    /* datagrams to all together at once, */
#define SEND_ALL_S     128    /* then per second */
#define SEND_SLOTS     256    /* addresses the budget tells apart */

enum state { LOGIN, CONNECT, ROSTER, ONLINE };
enum quitting { STAYING, LINGER, DRAIN, DONE }; /* in this order */
enum { UDP, TCP, KEYS, NFDS };

struct client {
	const struct opts *o;
	enum state st;
	enum quitting quit;
	int status;
	int been_online;           /* once online, a lost server is not fatal */
	struct p2p_ep server, self;
	struct pollfd pfd[NFDS];  /* the fds, what to wait for and what came */
	struct net_poller *poller;
	struct net_in tin, keys;
	struct net_out tout;
	struct roster peers;
	int tries;
	long long next;            /* LOGIN: the next login; ONLINE: the next keepalive */
	long long deadline;        /* CONNECT, ROSTER, quitting: the end of the state */
	long long heard;           /* the last word from the server */
	int refused;               /* a login again was refused: said once */
	int keys_done;             /* stdin is at its end */
	int screen;                /* the client drives the terminal (ui.c) */
	long long stale_at;        /* then users that no roster or notice named since
	                              the login again have left; 0: none wait */
	uint16_t tcpport;
	char token[P2P_TOKEN_LEN + 1];
	int relay;                 /* the server relays for us */
	char target[P2P_NAME_MAX + 1];
	struct hush noise;         /* lines about dropped datagrams */
	struct hush junk;          /* lines about lines from the server it ignored */
	struct rate_slot dest[SEND_SLOTS]; /* the budget of each destination, */
	struct rate sent;          /* and the total */
	int *act, nact, actcap;    /* the ids of users with peer state (struct peer) */
	struct gone *gone;         /* users who left, oldest first (a ring) */
	size_t gone0, ngone, gonecap;
	int secure;                /* not --insecure */
	struct sec_self me;        /* our key pair and cookie secrets */
	struct id_pins known;      /* known_peers, read at start */
};

enum trust { UNKNOWN, TRUSTED, REFUSED };

/* What the client keeps of a peer it chats with, as its roster entry's data:
 * made when there is something to say or to answer, freed when there is no
 * longer (peer_idle), so that a roster entry alone costs only its line. */
struct peer {
	struct link link;
	struct path path;
	struct sec_peer sec;
	enum trust trust;          /* of the key its last handshake proved */
	unsigned char refused[32]; /* REFUSED: that key, for /accept */
	int id;                    /* its user's roster id */
	int act;                   /* its place in c->act */
	int fresh;                 /* its session opened since the user last left */
	int unread;                /* messages from it while it was not the /to user */
};

/* A user who left, due to be forgotten at expires. */
struct gone {
	int id;
	long long expires;
};

enum { CHAT, OWN }; /* what send_to sends: chat, or a datagram of its own (budget) */

/* ---- client.c: the loop's side ---- */

/* A fatal error: say why, and end with status 1. */
void client_fail(struct client *c, const char *why);
/* Close one of the client's fds. */
void client_close_fd(struct client *c, int slot);

/* ---- session.c: the session with the server ---- */

/* Back to LOGIN after a lost or failed session, if it is not fatal. */
void session_lost(struct client *c, const char *why, long long now);
/* The session's connect finished: say hello. */
void session_connected(struct client *c, long long now);
/* A datagram from the server: an answer to the login, a pong, relayed chat. */
void session_datagram(struct client *c, const char *buf, size_t len, long long now);
/* Lines from the server: the roster, then notices. */
void session_read(struct client *c, long long now);
/* The user quits: linger for what is unacknowledged, then log out; at once when asked twice. */
void session_quit(struct client *c, long long now);
/* Logins again, deadlines, keepalives, lingering and draining. */
void session_timers(struct client *c, long long now);

/* ---- peers.c: the peers ---- */

/* Iterate over the users online now, not those who just left. */
int peers_next_online(const struct client *c, int id);
/* Free what the client keeps of u, its secrets wiped. */
void peer_free(struct client *c, struct roster_user *u);
/* A user from a roster entry or login notice: online, at that endpoint. */
void peer_set(struct client *c, const struct p2p_msg *m, int quiet, long long now);
/* u left: still heard for LEFT_GRACE. */
void peer_left(struct client *c, struct roster_user *u, long long now);
/* Send what the link to u has due, by the path it has. */
void peer_pump(struct client *c, struct roster_user *u, long long now);
/* Look for a path to u: probe it now, and, if ask, have the server ask u to probe us too. */
void peer_punch(struct client *c, struct roster_user *u, long long now, int ask);
/* Send text to u, reliably and sealed: 0, or -1 after a line that says why not. */
int peer_send_chat(struct client *c, struct roster_user *u, const char *text, size_t len, long long now);
/* Report what the link to u gave up on; all: everything it holds. */
void peer_report_failed(struct roster_user *u, long long now, int all);
/* A datagram from a peer: from src, or, when src is NULL, by the relay from `via`. */
void peer_datagram(struct client *c, const struct p2p_ep *src, const char *via, const char *buf,
    size_t len, long long now);
/* The most fragments any link holds that its peer has not yet taken. */
size_t peers_longest_queue(const struct client *c);
/* Fragments not yet delivered, to everyone. */
size_t peers_pending(const struct client *c);
/* Timers of the peers with state and of the users who left. */
void peer_timers(struct client *c, long long now);

/* ---- ui.c: what the user sees and types ---- */

/* Drive the screen if stdin and stdout are a terminal (and not TERM=dumb or
 * --plain): 1, or 0 for line mode.  ui_close gives the terminal back. */
int ui_open(struct client *c);
void ui_close(struct client *c);
/* A chat line: from `from`, or our own to `to`, its text escaped already;
 * a text that starts "/all " was sent to everyone, one that starts "/me "
 * is an action. */
void ui_chat(struct client *c, const char *from, const char *to, const char *esc, size_t len, int cut);
/* u acknowledged something: mark our lines to u that are now delivered. */
void ui_acked(struct client *c, const struct roster_user *u);
/* After every turn: a lone Escape, the status row, a new size; and when next. */
void ui_timers(struct client *c, long long now);
long long ui_next(const struct client *c);

/* A line for the user on stdout. */
void ui_say(const char *fmt, ...);
/* Say who is online, after prefix. */
void ui_who(struct client *c, const char *prefix);
/* Lines typed (or piped) on stdin: commands and chat. */
void ui_read(struct client *c, long long now);

#endif
