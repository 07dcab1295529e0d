/*
 * roster.c: the table of users.  A data structure only: no sockets, no
 * printing, no clock.  Lookups scan the slots in order; the table grows by
 * doubling up to its maximum and never moves a user to another id.
 */
#include <stdlib.h>
#include <string.h>

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
	memset(r, 0, sizeof(*r));
}

static int
grow(struct roster *r)
{
	struct roster_user *u;
	int cap = r->cap ? r->cap * 2 : 16;

	if (cap > r->max)
		cap = r->max;
	if (cap <= r->cap)
		return -1;
	u = realloc(r->u, (size_t)cap * sizeof(*u));
	if (u == NULL)
		return -1;
	memset(u + r->cap, 0, (size_t)(cap - r->cap) * sizeof(*u));
	r->u = u;
	r->cap = cap;
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
	for (id = 0; r->u[id].used; id++)
		;
	memset(&r->u[id], 0, sizeof(r->u[id]));
	r->u[id].used = 1;
	r->u[id].sess = -1;
	memcpy(r->u[id].name, name, len);
	r->u[id].name[len] = '\0';
	r->count++;
	return id;
}

void
roster_remove(struct roster *r, int id)
{
	if (roster_get(r, id) == NULL)
		return;
	memset(&r->u[id], 0, sizeof(r->u[id]));
	r->count--;
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

	for (id = roster_next(r, -1); id != -1; id = roster_next(r, id))
		if (proto_name_eq(r->u[id].name, name, len))
			return id;
	return -1;
}

int
roster_find_ep(const struct roster *r, const struct p2p_ep *ep)
{
	int id;

	for (id = roster_next(r, -1); id != -1; id = roster_next(r, id))
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
