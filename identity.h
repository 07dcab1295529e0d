/*
 * identity.h: the user's long-term key pair and the keys of the peers met.
 *
 * Both live in the configuration directory, $XDG_CONFIG_HOME/p2pchat or
 * else ~/.config/p2pchat (made with mode 0700): "identity" holds the
 * private key as 64 hex digits (mode 0600, made on first run; --identity
 * names another file), "known_peers" a line "NAME KEY" per pin: a peer's
 * key is pinned the first time it proves it (trust on first use, as ssh's
 * known_hosts), and again when the user accepts a new one; the last line
 * for a name holds.
 */
#ifndef P2P_IDENTITY_H
#define P2P_IDENTITY_H

#include <stddef.h>

#define ID_PATH_MAX 4096
#define ID_SAFETY_LEN 36 /* a safety number: six groups of five digits, NUL */

/* The configuration directory into dir, made if need be: 0, or -1 with
 * err (a line for the user) set. */
int id_dir(char *dir, size_t size, char *err, size_t errsize);
/* Read the private key from path (0), or make one there if it does not
 * exist (1); -1 with err set (unreadable, open to others, malformed). */
int id_load(const char *path, unsigned char priv[32], char *err, size_t errsize);
/* The key pinned for name in the file at path: 1 with key, 0 if none, -1 on error. */
int id_known(const char *path, const char *name, unsigned char key[32]);
/* Pin key for name (a line appended: the last pin of a name holds): 0, or -1. */
int id_pin(const char *path, const char *name, const unsigned char key[32]);
/* The safety number of two public keys (the same whichever comes first). */
void id_safety(const unsigned char a[32], const unsigned char b[32], char out[ID_SAFETY_LEN]);

#endif
