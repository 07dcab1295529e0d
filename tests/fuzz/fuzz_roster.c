/*
 * fuzz_roster.c: libFuzzer harness for roster.c.  The input is a list of
 * operations (add a name, remove, find, change state and expiry, expire);
 * after each, the table must agree with itself: the count is the number of
 * slots in use, and each user is found by its own name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roster.h"

static void
check(struct roster *r)
{
	int id, n = 0;

	for (id = roster_next(r, -1); id != -1; id = roster_next(r, id)) {
		n++;
		if (roster_find(r, r->u[id].name, strlen(r->u[id].name)) == -1)
			abort();
	}
	if (n != r->count || r->count > r->max)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster r;
	struct roster_user *u;
	size_t i = 0, n;
	long long now = 0;
	int id;

	roster_init(&r, 40);
	while (i + 2 <= size) {
		uint8_t op = data[i++], arg = data[i++];

		n = arg % (P2P_NAME_MAX + 2);
		if (n > size - i)
			n = size - i;
		switch (op % 6) {
		case 0:
			if (proto_valid_name((const char *)data + i, n) &&
			    roster_find(&r, (const char *)data + i, n) == -1 &&
			    (id = roster_add(&r, (const char *)data + i, n)) != -1 &&
			    roster_find(&r, (const char *)data + i, n) != id)
				abort();
			i += n;
			break;
		case 1:
			roster_remove(&r, arg % 64 - 8);
			break;
		case 2:
			if ((u = roster_get(&r, arg % 64)) != NULL) {
				struct p2p_ep ep;

				memset(&ep, 0, sizeof(ep));
				ep.family = 2;
				ep.port = op;
				u->online = op & 8;
				u->expires = now + (op >> 4);
				roster_set_ep(&r, arg % 64, &ep);
				if (u->online && roster_find_ep(&r, &ep) == -1)
					abort();
			}
			break;
		case 3:
			now += arg;
			while ((id = roster_expired(&r, now)) != -1) {
				if (roster_next_expiry(&r) > now)
					abort();
				roster_remove(&r, id);
			}
			break;
		case 4:
			roster_find(&r, (const char *)data + i, n);
			i += n;
			break;
		default:
			roster_next(&r, arg - 128);
		}
		check(&r);
	}
	roster_free(&r);
	return 0;
}
