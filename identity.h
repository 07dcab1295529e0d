/*
 * identity.h: the user's long-term key pair and the keys of the peers met.
 *
 * Both live in the configuration directory, $XDG_CONFIG_HOME/p2pchat or
 * else ~/.config/p2pchat (made with mode 0700): "identity" holds the
 * private key as 64 hex digits (mode 0600, made on first run; --identity
 * names another file), "known_peers" a line "NAME KEY" per pin: a peer's
 * key is pinned the first time it proves it (trust on first use, as ssh's
 * known_hosts), and again when the user accepts a new one; the last line
 * for a name holds.  None of them is trusted unless it is the effective
 * user's and no one else may write it (the identity: nor read it), and
 * known_peers is never reached through a symbolic link.
 */
#ifndef P2P_IDENTITY_H
#define P2P_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define ID_PATH_MAX   4096
#define ID_SAFETY_LEN 36    /* a safety number: six groups of five digits, NUL */
#define ID_PINS_MAX   10000 /* names known_peers may hold */
#define ID_PINS_SLACK 64    /* superseded lines always let be: the file is
                               written again only past these and past as
                               many as it has live ones */

struct id_pin {
	char name[P2P_NAME_MAX + 1];
	unsigned char key[32];
	uint32_t hash;             /* of the name's skeleton, to look it up fast */
};

/* known_peers in memory: a pin per name, from the last line for it. */
struct id_pins {
	struct id_pin *v;
	size_t n, cap;
	size_t lines;              /* lines in the file, live or superseded */
	int partial;               /* its last line has no newline */
	char path[ID_PATH_MAX];
};

/* The configuration directory into dir, made if need be and checked: 0,
 * or -1 with err (a line for the user: what is wrong and how to fix it). */
int id_dir(char *dir, size_t size, char *err, size_t errsize);
/* Read the private key from path (0), or make one there if it does not
 * exist (1); -1 with err set (unreadable, open to others, malformed). */
int id_load(const char *path, unsigned char priv[32], char *err, size_t errsize);
/* Read known_peers at path into p (none if it does not exist): 0, or -1
 * with err set (unreadable, a link, open to others, too many names). */
int id_pins_load(struct id_pins *p, const char *path, char *err, size_t errsize);
/* The key pinned for name: 1 with key, 0 if none. */
int id_pins_find(const struct id_pins *p, const char *name, unsigned char key[32]);
/* Pin key for name, in the file (a line appended, synced) and in p: 0, or
 * -1 with err set and nothing pinned (the file is not writable, or full). */
int id_pins_add(struct id_pins *p, const char *name, const unsigned char key[32], char *err, size_t errsize);
/* Forget the pins in memory. */
void id_pins_free(struct id_pins *p);
/* The safety number of two public keys (the same whichever comes first). */
void id_safety(const unsigned char a[32], const unsigned char b[32], char out[ID_SAFETY_LEN]);
/* Is (s, len) the safety number num, with or without its blanks? 1 or 0. */
int id_safety_eq(const char num[ID_SAFETY_LEN], const char *s, size_t len);

#endif
