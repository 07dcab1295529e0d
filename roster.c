/*
 * roster.c: the table of users.  A data structure only: no sockets, no
 * printing, no clock.  Users live in a growable array and never move to
 * another id; two hash tables of chains through the array find a user by
 * name (by its skeleton, so that look-alikes are found: proto_name_eq) and
 * by endpoint in constant time on average.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "roster.h"

void
roster_init(struct roster *r, int max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
roster_free(struct roster *r)
{
	free(r->u);
	free(r->name_head);
	free(r->ep_head);
	memset(r, 0, sizeof(*r));
}

static uint32_t
fnv(uint32_t h, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The chain of a name: its skeleton is hashed, so that every name it is
 * the same as (proto_name_eq) is in the same chain. */
static int *
name_bucket(const struct roster *r, const char *name, size_t len)
{
	char skel[P2P_SKEL_MAX + 1];
	size_t n = sizeof(skel);

	if (len <= P2P_NAME_MAX)
		n = proto_name_skeleton(name, len, skel, sizeof(skel));
	if (n == sizeof(skel)) /* no name: its bytes, as proto_name_eq compares them */
		return &r->name_head[fnv(2166136261u, (const unsigned char *)name, len) & (r->nbuckets - 1)];
	return &r->name_head[fnv(2166136261u, (const unsigned char *)skel, n) & (r->nbuckets - 1)];
}

static int *
ep_bucket(const struct roster *r, const struct p2p_ep *ep)
{
	unsigned char port[2];
	uint32_t h;

	port[0] = (unsigned char)(ep->port >> 8);
	port[1] = (unsigned char)ep->port;
	h = fnv(2166136261u, ep->addr, ep->family == AF_INET6 ? 16 : 4);
	return &r->ep_head[fnv(h, port, 2) & (r->nbuckets - 1)];
}

static void
link_in(const struct roster *r, int id)
{
	int *b = name_bucket(r, r->u[id].name, strlen(r->u[id].name));

	r->u[id].name_next = *b;
	*b = id;
	b = ep_bucket(r, &r->u[id].ep);
	r->u[id].ep_next = *b;
	*b = id;
}

/* Take id out of the chain starting at *head, linked by the field at off. */
static void
unlink_from(struct roster *r, int *head, int id, size_t off)
{
	int *p = head;

	while (*p != -1 && *p != id)
		p = (int *)((char *)&r->u[*p] + off);
	if (*p == id)
		*p = *(int *)((char *)&r->u[id] + off);
}

static int
grow(struct roster *r)
{
	struct roster_user *u;
	int cap = r->cap ? r->cap * 2 : 16, *nh, *eh, id;

	if (cap > r->max)
		cap = r->max;
	if (cap <= r->cap)
		return -1;
	if ((u = realloc(r->u, (size_t)cap * sizeof(*u))) == NULL)
		return -1;
	memset(u + r->cap, 0, (size_t)(cap - r->cap) * sizeof(*u));
	r->u = u;
	r->cap = cap;
	/* twice as many buckets as slots, a power of two: rehash everyone */
	for (r->nbuckets = 1; r->nbuckets < 2 * cap; r->nbuckets *= 2)
		;
	nh = malloc((size_t)r->nbuckets * sizeof(int));
	eh = malloc((size_t)r->nbuckets * sizeof(int));
	if (nh == NULL || eh == NULL) {
		free(nh);
		free(eh);
		return -1;
	}
	free(r->name_head);
	free(r->ep_head);
	r->name_head = nh;
	r->ep_head = eh;
	memset(nh, 0xff, (size_t)r->nbuckets * sizeof(int)); /* all -1 */
	memset(eh, 0xff, (size_t)r->nbuckets * sizeof(int));
	for (id = roster_next(r, -1); id != -1; id = roster_next(r, id))
		link_in(r, id);
	return 0;
}

int
roster_add(struct roster *r, const char *name, size_t len)
{
	int id;

	if (len > P2P_NAME_MAX || r->count >= r->max)
		return -1;
	if (r->count == r->cap && grow(r) == -1)
		return -1;
	/* the lowest free slot: ids stay small, so a scan to the last one is short */
	for (id = r->free_hint; r->u[id].used; id++)
		;
	memset(&r->u[id], 0, sizeof(r->u[id]));
	r->u[id].used = 1;
	r->u[id].sess = -1;
	memcpy(r->u[id].name, name, len);
	r->u[id].name[len] = '\0';
	link_in(r, id);
	r->count++;
	r->free_hint = id + 1;
	return id;
}

void
roster_remove(struct roster *r, int id)
{
	struct roster_user *u = roster_get(r, id);

	if (u == NULL)
		return;
	unlink_from(r, name_bucket(r, u->name, strlen(u->name)), id,
	    offsetof(struct roster_user, name_next));
	unlink_from(r, ep_bucket(r, &u->ep), id, offsetof(struct roster_user, ep_next));
	memset(u, 0, sizeof(*u));
	r->count--;
	if (id < r->free_hint)
		r->free_hint = id;
}

void
roster_set_ep(struct roster *r, int id, const struct p2p_ep *ep)
{
	struct roster_user *u = roster_get(r, id);
	int *b;

	if (u == NULL)
		return;
	unlink_from(r, ep_bucket(r, &u->ep), id, offsetof(struct roster_user, ep_next));
	u->ep = *ep;
	b = ep_bucket(r, &u->ep);
	u->ep_next = *b;
	*b = id;
}

struct roster_user *
roster_get(struct roster *r, int id)
{
	if (id < 0 || id >= r->cap || !r->u[id].used)
		return NULL;
	return &r->u[id];
}

int
roster_next(const struct roster *r, int id)
{
	for (id++; id >= 0 && id < r->cap; id++)
		if (r->u[id].used)
			return id;
	return -1;
}

int
roster_find(const struct roster *r, const char *name, size_t len)
{
	int id;

	if (r->cap == 0)
		return -1;
	for (id = *name_bucket(r, name, len); id != -1; id = r->u[id].name_next)
		if (proto_name_eq(r->u[id].name, name, len))
			return id;
	return -1;
}

int
roster_find_ep(const struct roster *r, const struct p2p_ep *ep)
{
	int id;

	if (r->cap == 0)
		return -1;
	for (id = *ep_bucket(r, ep); id != -1; id = r->u[id].ep_next)
		if (r->u[id].online && proto_ep_eq(&r->u[id].ep, ep))
			return id;
	return -1;
}

int
roster_expired(const struct roster *r, long long now)
{
	int id;

	for (id = roster_next(r, -1); id != -1; id = roster_next(r, id))
		if (!r->u[id].online && r->u[id].expires <= now)
			return id;
	return -1;
}

long long
roster_next_expiry(const struct roster *r)
{
	long long t = -1;
	int id;

	for (id = roster_next(r, -1); id != -1; id = roster_next(r, id))
		if (!r->u[id].online && (t == -1 || r->u[id].expires < t))
			t = r->u[id].expires;
	return t;
}
