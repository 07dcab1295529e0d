/*
 * fuzz_proto.c: libFuzzer harness for every parser in proto.c.  Any input,
 * read as each sender would send it; what parses must format back to text
 * that parses to the same message (checked with abort()).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static void
roundtrip(const struct p2p_msg *m, enum p2p_from from)
{
	char a[P2P_DGRAM_MAX + 64], b[P2P_DGRAM_MAX + 64];
	struct p2p_msg again;
	int n = proto_format(a, sizeof(a), m), r;

	if (n < 0)
		abort(); /* what parsed must format */
	if (m->type == P2P_ENTRY)
		r = proto_roster_record(a, (size_t)n, ';', &again) == 1 ? 0 : -1;
	else
		r = proto_parse(a, (size_t)n, from, &again);
	if (r != 0 || proto_format(b, sizeof(b), &again) != n || memcmp(a, b, (size_t)n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static char esc[P2P_ESC_MAX(4096)];
	enum p2p_from from;
	struct p2p_msg m;
	struct p2p_ep ep;
	char eps[P2P_EPSTR_MAX];

	if (size > 4096)
		return 0;
	for (from = P2P_FROM_CLIENT; from <= P2P_FROM_PEER; from++)
		if (proto_parse(s, size, from, &m) == 0)
			roundtrip(&m, from);
	if (proto_roster_record(s, size, ';', &m) == 1)
		roundtrip(&m, P2P_FROM_SERVER);
	proto_roster_record(s, size, '\n', &m);
	if (proto_parse_ep(s, size, &ep) == 0 && proto_format_ep(eps, sizeof(eps), &ep) < 0)
		abort();
	if (proto_valid_name(s, size) && !proto_valid_utf8(s, size))
		abort();
	if (proto_escape(s, size, esc, sizeof(esc)) >= sizeof(esc))
		abort();
	return 0;
}
