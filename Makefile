# p2pchat: GNU Make.  The user's CFLAGS and LDFLAGS are kept; the project's
# own flags are added after them.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man
MANDIR    ?= $(MANPREFIX)/man1
CC        ?= cc
CFLAGS    ?= -O2 -g
WERROR    ?= -Werror
# POLLER=epoll: the server waits with epoll (Linux), for many thousands of
# users; the default, poll, builds everywhere.
POLLER    ?= poll
P2P_CFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic $(WERROR) \
             $(if $(filter epoll,$(POLLER)),-DP2P_EPOLL)
SANFLAGS   = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

PURE = proto.c roster.c link.c path.c fmt.c crypto.c secure.c rate.c utf8.c edit.c term.c resolve.c
SRCS = p2pchat.c loop.c server.c client.c session.c peers.c ui.c net.c buf.c identity.c $(PURE)
UNITS = tests/unit.c tests/unit_link.c tests/unit_path.c tests/unit_crypto.c tests/unit_secure.c \
        tests/unit_names.c tests/unit_edit.c tests/unit_term.c tests/unit_resolve.c
HDRS = p2pchat.h client.h proto.h roster.h net.h link.h path.h fmt.h crypto.h secure.h identity.h rate.h utf8.h edit.h term.h resolve.h

all: p2pchat

p2pchat: $(SRCS) $(HDRS)
	$(CC) $(CFLAGS) $(P2P_CFLAGS) -o $@ $(SRCS) $(LDFLAGS)

# The same, waiting with epoll: what make POLLER=epoll installs (for the benchmark).
p2pchat-epoll: $(SRCS) $(HDRS)
	$(CC) $(CFLAGS) $(P2P_CFLAGS) -DP2P_EPOLL -o $@ $(SRCS) $(LDFLAGS)

tests/unit: $(UNITS) $(PURE) $(HDRS)
	$(CC) $(CFLAGS) $(P2P_CFLAGS) -I. -o $@ tests/unit.c $(PURE) $(LDFLAGS)

# crypto.c on stdin and stdout, for the comparison with openssl and python.
tests/crypto_tool: tests/crypto_tool.c $(PURE) $(HDRS)
	$(CC) $(CFLAGS) $(P2P_CFLAGS) -I. -o $@ tests/crypto_tool.c $(PURE) $(LDFLAGS)

# The same program and unit tests under AddressSanitizer and UBSan.
san/p2pchat: $(SRCS) $(HDRS)
	@mkdir -p san
	$(CC) $(SANFLAGS) $(P2P_CFLAGS) -o $@ $(SRCS) $(LDFLAGS)

san/unit: $(UNITS) $(PURE) $(HDRS)
	@mkdir -p san
	$(CC) $(SANFLAGS) $(P2P_CFLAGS) -I. -o $@ tests/unit.c $(PURE) $(LDFLAGS)

# A fully static binary with musl (Debian musl-tools), built for size:
# -Oz with link-time optimisation, unused functions dropped, no unwind tables
# (C needs none), compare chains rather than jump tables, small functions
# called rather than copied, no position-independent code (a -static program
# is loaded at its fixed address either way), and segments packed without
# page padding.  RELRO is off because musl applies it only when it loads a
# program dynamically: in this static binary the region stays writable
# either way (see /proc/PID/maps), and aligning it costs 4 KiB.
STATIC_CC      ?= musl-gcc
STATIC_CFLAGS   = -Oz -flto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                  -fno-jump-tables -fno-inline-small-functions -fno-pie
STATIC_LDFLAGS  = -static -no-pie -s -Wl,--gc-sections -Wl,-z,noseparate-code \
                  -Wl,-z,norelro -Wl,-z,common-page-size=64

static: p2pchat-static

p2pchat-static: $(SRCS) $(HDRS)
	$(STATIC_CC) $(STATIC_CFLAGS) $(P2P_CFLAGS) -o $@ $(SRCS) $(STATIC_LDFLAGS)
	@echo "p2pchat-static: `wc -c <$@` bytes"

# Other CPUs with Debian's cross compilers; the tests run them under qemu-user.
CROSS_ARCHS  ?= armhf aarch64 mips
CC_armhf      = arm-linux-gnueabihf-gcc
CC_aarch64    = aarch64-linux-gnu-gcc
CC_mips       = mips-linux-gnu-gcc
QEMU_armhf    = qemu-arm -L /usr/arm-linux-gnueabihf
QEMU_aarch64  = qemu-aarch64 -L /usr/aarch64-linux-gnu
QEMU_mips     = qemu-mips -L /usr/mips-linux-gnu

cross: $(CROSS_ARCHS:%=cross/%/p2pchat)

cross/%/p2pchat: $(SRCS) $(HDRS) $(UNITS)
	@mkdir -p cross/$*
	$(CC_$*) -O2 -g $(P2P_CFLAGS) -o $@ $(SRCS)
	$(CC_$*) -O2 -g $(P2P_CFLAGS) -I. -o cross/$*/unit tests/unit.c $(PURE)
	printf '#!/bin/sh\nexec %s %s "$$@"\n' '$(QEMU_$*)' '$(CURDIR)/$@' >cross/$*/run
	printf '#!/bin/sh\nexec %s %s "$$@"\n' '$(QEMU_$*)' '$(CURDIR)/cross/$*/unit' >cross/$*/unit-run
	chmod +x cross/$*/run cross/$*/unit-run

cross-check: p2pchat cross
	@bash tests/cross.sh $(CROSS_ARCHS)

# The coordinator side by side with ngircd, and the peer path (bench/RESULTS.md).
bench: p2pchat
	@bash bench/run.sh

bench-smoke: p2pchat
	@bash bench/run.sh -s

# Binary sizes per architecture and idle memory, into bench/RESULTS.md.
footprint: p2pchat static cross
	@bash bench/footprint.sh

# libFuzzer harnesses (clang): every parser in proto.c, the link layer, the roster,
# the resolver's files and DNS answers,
# the handshakes and sealed datagrams.
FUZZ_CC      ?= clang
# Built with a cheap stand-in for X25519 (crypto.c), so that handshakes
# cost the fuzzer next to nothing; p2pchat.c refuses that macro.
FUZZFLAGS     = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
FUZZ_SECONDS ?= 60
FUZZERS       = proto link roster secure resolve server client
# the modes, run whole on fake sockets (tests/fuzz/fakenet.c)
MODES         = tests/fuzz/fakenet.c loop.c buf.c identity.c server.c client.c session.c peers.c ui.c

fuzz: $(FUZZERS:%=fuzzbin/%)

fuzzbin/%: tests/fuzz/fuzz_%.c $(PURE) $(HDRS)
	@mkdir -p fuzzbin
	$(FUZZ_CC) $(FUZZFLAGS) $(P2P_CFLAGS) -I. -o $@ $< $(PURE)

fuzzbin/server fuzzbin/client: fuzzbin/%: tests/fuzz/fuzz_%.c $(MODES) tests/fuzz/fakenet.h $(PURE) $(HDRS)
	@mkdir -p fuzzbin
	$(FUZZ_CC) $(FUZZFLAGS) $(P2P_CFLAGS) -I. -Itests/fuzz -o $@ $< $(MODES) $(PURE)

fuzz-run: fuzz
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# The server waiting with epoll (POLLER=epoll), under the sanitizers too.
san/crypto_tool: tests/crypto_tool.c $(PURE) $(HDRS)
	@mkdir -p san
	$(CC) $(SANFLAGS) $(P2P_CFLAGS) -I. -o $@ tests/crypto_tool.c $(PURE) $(LDFLAGS)

san/p2pchat-epoll: $(SRCS) $(HDRS)
	@mkdir -p san
	$(CC) $(SANFLAGS) $(P2P_CFLAGS) -DP2P_EPOLL -o $@ $(SRCS) $(LDFLAGS)

# the tests of the server's side, for the epoll build
EPOLL_TESTS = t_three_clients_see_each_other,t_notices_arrive_once_and_in_order,\
t_quit_removes_user_from_every_roster,t_kill_9_client_is_seen_leaving,\
t_client_that_never_reads_is_dropped,t_fd_exhaustion_keeps_serving,\
t_hostile_session_lines,t_idle_connections_and_slowloris,\
t_junk_session_lines_are_logged_within_bounds,t_login_rate_is_shared_by_addresses_in_one_bucket,\
t_login_squat_from_two_addresses_leaves_room,t_resent_login_keeps_its_first_expiry,\
t_login_again_replaces_a_broken_session,t_max_users_refuses_with_server_full,\
t_raw_protocol_and_udp_logout,t_server_console,t_server_console_from_a_file,\
t_server_runs_without_stdin_and_stops_on_signals,t_server_survives_bad_input,\
t_random_datagrams_harm_no_one,t_server_restart_everyone_comes_back,\
t_ns_nat_symmetric_nat_goes_by_relay

check: p2pchat tests/unit tests/crypto_tool san/p2pchat san/unit san/crypto_tool san/p2pchat-epoll
	@bash tests/run.sh "plain:./p2pchat:./tests/unit" "asan+ubsan:san/p2pchat:san/unit" \
		"epoll+asan+ubsan:san/p2pchat-epoll:-::$(EPOLL_TESTS)"

demo: p2pchat
	@bash tests/demo.sh ./p2pchat

install: p2pchat
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	cp -f p2pchat $(DESTDIR)$(BINDIR)/p2pchat
	chmod 755 $(DESTDIR)$(BINDIR)/p2pchat
	cp -f man/p2pchat.1 $(DESTDIR)$(MANDIR)/p2pchat.1
	chmod 644 $(DESTDIR)$(MANDIR)/p2pchat.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/p2pchat $(DESTDIR)$(MANDIR)/p2pchat.1

clean:
	rm -rf p2pchat p2pchat-epoll p2pchat-static tests/unit tests/crypto_tool san fuzzbin cross bench/load

.PHONY: all check demo static cross cross-check footprint bench bench-smoke fuzz fuzz-run install uninstall clean
