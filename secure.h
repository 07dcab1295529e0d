/*
 * secure.h: end-to-end sessions between two peers.
 *
 * A session starts with a handshake: HELLO asks for a cookie, COOKIE gives
 * one (stateless: an HMAC of where the HELLO came from), and only an INIT
 * that returns it costs the responder any Diffie-Hellman work.  INIT, REPLY
 * and FINISH carry Noise_XX_25519_ChaChaPoly_SHA256 with both names in the
 * prologue, so each side learns the other's long-term key, proven by its
 * owner.  Chat datagrams then go as DATA: sealed with the sender's key and
 * an explicit counter, checked against a window of the last 64 counters,
 * and the keys move on by a one-way step (Noise's REKEY) every
 * SEC_REKEY_MSGS datagrams or SEC_REKEY_TIME ms, the old ones wiped.
 *
 * Every datagram is binary and starts with its type (below 0x20, where no
 * text datagram starts), then the sender's name as a length and bytes.
 *
 * Diffie-Hellman work is what a stranger could make us spend: every X25519
 * operation is paid for from a budget of the peer's and one of this side's
 * in total (SEC_DH_*), and a REPLY must echo the INIT it answers before any
 * is spent on it.
 *
 * Pure: no I/O, no clock, no randomness of its own; the caller passes the
 * time and random bytes, and decides whom to trust.
 */
#ifndef P2P_SECURE_H
#define P2P_SECURE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "proto.h"
#include "rate.h"

enum sec_type { SEC_HELLO = 1, SEC_COOKIE, SEC_INIT, SEC_REPLY, SEC_FINISH, SEC_DATA };

#define SEC_COOKIE_LEN  16
#define SEC_ECHO        8        /* bytes of the INIT's e that its REPLY echoes */
#define SEC_HEAD_MAX    (2 + P2P_NAME_MAX)           /* type, name length, name */
#define SEC_OVERHEAD    (SEC_HEAD_MAX + 9 + CRYPTO_TAG) /* what DATA adds to a datagram */
#define SEC_MSG_MAX     (SEC_HEAD_MAX + SEC_ECHO + 32 + 48 + CRYPTO_TAG) /* the longest: REPLY */
#define SEC_RESEND      1000     /* ms before a handshake message goes again */
#define SEC_TRIES       8        /* sends of one handshake message before giving up */
#define SEC_REPLIES     4        /* REPLYs that wait for a FINISH at once */
#define SEC_DH_PEER     12       /* X25519 operations one peer may cost at once, */
#define SEC_DH_PEER_S   4        /* then per second (a handshake costs 4 a side) */
#define SEC_DH_ALL      48       /* X25519 operations all peers together, at once, */
#define SEC_DH_ALL_S    24       /* then per second */
#define SEC_AHEAD       16       /* epochs a receiver steps forward over, at most */
#define SEC_REKEY_MSGS  100000   /* datagrams sealed under one key */
#define SEC_REKEY_TIME  120000   /* ms a key is used for sealing (sec_self.rekey_ms) */
#define SEC_SECRET_TIME 120000   /* ms a cookie secret lasts (and then one more period) */

/* This side: its long-term key pair, its name and its cookie secrets. */
struct sec_self {
	unsigned char priv[32], pub[32];
	char name[P2P_NAME_MAX + 1];
	unsigned char secret[2][32]; /* the cookie secret now, and the one before */
	long long secret_t;          /* when secret[0] was made */
	long long rekey_ms;          /* SEC_REKEY_TIME, shorter in tests */
	struct rate dh;              /* X25519 operations, all peers together */
};

/* One direction of a session's keys. */
struct sec_keys {
	unsigned char key[32];
	uint8_t epoch;               /* rekeys so far, modulo 256 */
	uint64_t n;                  /* sending: the next counter */
	long long start;             /* sending: when this key was first used */
	uint64_t top, bits;          /* receiving: the highest counter + 1, and the 64 below it */
	unsigned char prev[32];      /* receiving: the key before (late datagrams) */
	uint64_t ptop, pbits;
	int hasprev;
};

/* Noise's symmetric state: the hash of the transcript, the chaining key and the key. */
struct sec_sym {
	unsigned char h[32], ck[32], k[32];
	uint64_t n;                  /* the nonce under k */
	int haskey;                  /* k is set */
};

/* A REPLY we sent, waiting for its FINISH.  A few are kept: a forged INIT
 * (a valid cookie, another e) must not push out the real one. */
struct sec_reply {
	int used;
	unsigned char re[32], e[32];
	struct sec_sym sym;
	unsigned char msg[SEC_MSG_MAX];
	size_t msglen;
};

/* What one side keeps of a peer: the handshake it began, the REPLYs it
 * sent to handshakes the peer began, and a session. */
struct sec_peer {
	int hs;                      /* as initiator, the message we last sent: 0, HELLO or INIT */
	unsigned char e[32], epub[32];
	struct sec_sym sym;
	unsigned char msg[SEC_MSG_MAX]; /* that message, for resends */
	size_t msglen;
	long long sent;              /* when it was last sent */
	int tries;
	struct sec_reply rep[SEC_REPLIES]; /* as responder */
	int rep_next;                /* the slot the next REPLY takes */
	int rep_last;                /* the slot of the latest, -1 if none waits */
	long long rep_sent;
	int rep_tries;
	struct rate dh;              /* X25519 operations this peer made us do */
	unsigned char fin[SEC_MSG_MAX], fin_re[32]; /* our last FINISH and the REPLY it answered */
	size_t finlen;

	int ready;                   /* a session is open */
	unsigned char rs[32];        /* the peer's long-term key, proven in the handshake */
	struct sec_keys tx, rx;
};

/* Set up this side: its private key, its name, 32 random bytes for the cookie secret. */
void sec_self_init(struct sec_self *s, const unsigned char priv[32], const char *name,
    const unsigned char rnd[32], long long now);
/* The sender's name and the type of a binary datagram: the type, or -1. */
int sec_header(const unsigned char *in, size_t len, char name[P2P_NAME_MAX + 1]);
/* Begin a handshake as the initiator: the HELLO into out, its length. */
size_t sec_begin(struct sec_peer *p, const struct sec_self *self, long long now, unsigned char *out,
    size_t size);
/* The handshake message due again by now into out: its length, 0 when
 * none is due, -1 when the handshake we began went SEC_TRIES times
 * unanswered (given up). */
int sec_resend(struct sec_peer *p, long long now, unsigned char *out, size_t size);
/* When sec_resend next has something to do, or -1. */
long long sec_next(const struct sec_peer *p);

/* What sec_input did, as flags. */
#define SEC_SEND  1 /* out holds a datagram for the peer, back where this one came from */
#define SEC_PLAIN 2 /* out holds a datagram opened */
#define SEC_READY 4 /* a session just opened: rs holds the peer's key */
#define SEC_RENEW 8 /* alone: dropped (why set), and a new handshake would mend it */

/* A binary datagram whose header names `peer` (found and checked by the
 * caller), from the place src names (any bytes: the cookie is bound to it):
 * flags, or -1 (or SEC_RENEW) with *why set when it is dropped. */
int sec_input(struct sec_peer *p, struct sec_self *self, const char *peer, const void *src,
    size_t srclen, const unsigned char *in, size_t len, long long now, const unsigned char rnd[32],
    unsigned char *out, size_t size, size_t *outlen, const char **why);
/* Seal a datagram for the peer into out: its length, or -1 with no session. */
int sec_seal(struct sec_peer *p, const struct sec_self *self, long long now, const unsigned char *in,
    size_t len, unsigned char *out, size_t size);
/*
 * Noise XX itself, message by message, with any prologue and payloads: the
 * handshakes above are made of these (their prologue binds both names, and
 * every payload is empty), and tests replay Noise's published vectors
 * through them.  e and spriv are private keys, re the peer's ephemeral key,
 * rs gets the peer's static key; pl holds (or gets) the payload.  Each
 * returns the bytes written to out (or the payload's length), or -1: a
 * message that does not check, or a key of small order.
 */
void sec_xx_init(struct sec_sym *y, const void *prologue, size_t len); /* Initialize, MixHash(prologue) */
int sec_xx_write_e(struct sec_sym *y, const unsigned char e[32], const void *pl, size_t len,
    unsigned char *out);                                         /* -> e */
int sec_xx_read_e(struct sec_sym *y, const unsigned char *in, size_t len, unsigned char re[32],
    unsigned char *pl);
int sec_xx_write_ees(struct sec_sym *y, const unsigned char e[32], const unsigned char re[32],
    const unsigned char spriv[32], const unsigned char spub[32], const void *pl, size_t len,
    unsigned char *out);                                         /* <- e, ee, s, es */
int sec_xx_read_ees(struct sec_sym *y, const unsigned char e[32], const unsigned char *in, size_t len,
    unsigned char rs[32], unsigned char *pl);
int sec_xx_write_se(struct sec_sym *y, const unsigned char spriv[32], const unsigned char spub[32],
    const unsigned char re[32], const void *pl, size_t len, unsigned char *out); /* -> s, se */
int sec_xx_read_se(struct sec_sym *y, const unsigned char e[32], const unsigned char *in, size_t len,
    unsigned char rs[32], unsigned char *pl);
/* Split(): the initiator's sending key k1 and the responder's k2. */
void sec_xx_split(const struct sec_sym *y, unsigned char k1[32], unsigned char k2[32]);
/* A transport message under key k and nonce n (four zero bytes, then n
 * little end first); DATA is one, its header the associated data.
 * Opening: 0, or -1 when it does not authenticate. */
void sec_xx_seal(const unsigned char k[32], uint64_t n, const void *ad, size_t adlen, const void *pt,
    size_t len, unsigned char *out);
int sec_xx_open(const unsigned char k[32], uint64_t n, const void *ad, size_t adlen,
    const unsigned char *ct, size_t len, unsigned char *out);

/* Forget the handshake we began (its HELLO could not go). */
void sec_cancel(struct sec_peer *p);
/* Forget every secret of the peer's handshake and session. */
void sec_wipe(struct sec_peer *p);

#endif
