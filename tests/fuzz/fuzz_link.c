/*
 * fuzz_link.c: libFuzzer harness for link.c.  The input is a script: each
 * step sends text, feeds a datagram (the next bytes, through proto_parse) to
 * the link as if from its peer, or lets time pass; the link's own output is
 * looped back through a second link, so both the sending and the receiving
 * side meet hostile and honest traffic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"

static void
drain(struct link *a, struct link *b, long long now)
{
	char buf[P2P_DGRAM_MAX + 1], ack[P2P_DGRAM_MAX + 1];
	const char *text;
	struct p2p_msg m, am;
	size_t len;
	int n, cut, k;

	for (k = 0; k < 200 && (n = link_output(a, "a", now, buf, sizeof(buf))) > 0; k++) {
		if (n > P2P_DGRAM_MAX || proto_parse(buf, (size_t)n, P2P_FROM_PEER, &m) != 0)
			abort(); /* the link must only say what the protocol allows */
		n = link_input(b, &m, "b", ack, sizeof(ack));
		if (n > 0 && (proto_parse(ack, (size_t)n, P2P_FROM_PEER, &am) != 0 || am.type != P2P_ACK))
			abort();
		if (n > 0)
			link_acked(a, &am, now);
		while (link_deliver(b, &text, &len, &cut))
			if (len > P2P_MSG_MAX)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct link a, b;
	struct p2p_msg m;
	char buf[P2P_DGRAM_MAX + 1], failed[64];
	const char *text;
	size_t i = 0, n, len;
	long long now = 1;
	int cut;

	link_init(&a, 1);
	link_init(&b, 2);
	while (i < size) {
		uint8_t op = data[i++];

		n = i < size ? data[i++] : 0;
		if (n > size - i)
			n = size - i;
		switch (op % 5) {
		case 0: /* the user sends text */
			link_send(&a, (const char *)data + i, n * 37 > size - i ? n : n * 37);
			break;
		case 1: /* a datagram from "b" reaches a */
			if (proto_parse((const char *)data + i, n, P2P_FROM_PEER, &m) == 0) {
				/* probes too: link_input must refuse what is no fragment */
				if (m.type == P2P_ACK)
					link_acked(&a, &m, now);
				else
					link_input(&a, &m, "a", buf, sizeof(buf));
				while (link_deliver(&a, &text, &len, &cut))
					;
			}
			break;
		case 2: /* time passes */
			now += (long long)n * 250;
			break;
		case 3:
			link_restart(&a);
			break;
		default:
			while (link_failed(&a, now, op & 8, failed, sizeof(failed), &len))
				if (len >= sizeof(failed))
					abort();
		}
		i += n;
		drain(&a, &b, now);
	}
	link_free(&a);
	link_free(&b);
	return 0;
}
