/*
 * roster.h: the table of users, online or with a login pending.
 *
 * Slots are stable: an id stays valid until roster_remove, so sessions can
 * refer to users by id.  Time is passed in by the caller.  Lookups by name
 * and by endpoint are hashed; the endpoint is set with roster_set_ep so that
 * its index stays true.
 */
#ifndef P2P_ROSTER_H
#define P2P_ROSTER_H

#include "proto.h"

struct roster_user {
	int used;
	int online;          /* 0: login pending (server only), 1: online */
	char name[P2P_NAME_MAX + 1];
	struct p2p_ep ep;    /* the endpoint the server saw the login come from */
	struct p2p_ep lep;   /* the client's own LOCAL_EP; family 0 if unknown */
	char token[P2P_TOKEN_LEN + 1];
	unsigned char key[P2P_KEY_LEN]; /* the public key its login announced, if haskey */
	int haskey;
	long long expires;   /* a pending login lapses at this time (ms) */
	int sess;            /* the server's session slot, -1 if none */
	void *data;          /* the caller's (the client's link); the caller frees it */
	int mark;            /* the caller's scratch mark */
	int name_next;       /* hash chains, -1 at the end */
	int ep_next;
};

struct roster {
	struct roster_user *u;
	int cap;             /* slots allocated */
	int max;             /* slots allowed */
	int count;           /* slots used */
	int free_hint;       /* every slot below it is used */
	int *name_head;      /* hash buckets: the first id of each chain, or -1 */
	int *ep_head;
	int nbuckets;        /* a power of two */
};

/* An empty roster that will hold at most max users. */
void roster_init(struct roster *r, int max);
/* Free the table. */
void roster_free(struct roster *r);
/* Add a user named (name, len): its id, or -1 when full or out of memory. */
int roster_add(struct roster *r, const char *name, size_t len);
/* Remove user id. */
void roster_remove(struct roster *r, int id);
/* Set the endpoint of user id (the one the server saw). */
void roster_set_ep(struct roster *r, int id, const struct p2p_ep *ep);
/* The user with id, or NULL. */
struct roster_user *roster_get(struct roster *r, int id);
/* The id of the user named (name, len) or a name the same as it (proto_name_eq: case
 * and look-alike letters ignored), or -1. */
int roster_find(const struct roster *r, const char *name, size_t len);
/* The id of the online user whose endpoint is ep, or -1. */
int roster_find_ep(const struct roster *r, const struct p2p_ep *ep);
/* Iterate: the first used id after id (start with -1), or -1 at the end. */
int roster_next(const struct roster *r, int id);
/* A pending login whose time ran out by now, or -1. */
int roster_expired(const struct roster *r, long long now);
/* The earliest time a pending login runs out, or -1 if none is pending. */
long long roster_next_expiry(const struct roster *r);

#endif
