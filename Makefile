# p2pchat: GNU Make.  The user's CFLAGS and LDFLAGS are kept; the project's
# own flags are added after them.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man
MANDIR    ?= $(MANPREFIX)/man1
CC        ?= cc
CFLAGS    ?= -O2 -g
WERROR    ?= -Werror
P2P_CFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic $(WERROR)
SANFLAGS   = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

PURE = proto.c roster.c link.c
SRCS = p2pchat.c server.c client.c net.c $(PURE)
HDRS = p2pchat.h proto.h roster.h net.h link.h

all: p2pchat

p2pchat: $(SRCS) $(HDRS)
	$(CC) $(CFLAGS) $(P2P_CFLAGS) -o $@ $(SRCS) $(LDFLAGS)

tests/unit: tests/unit.c tests/unit_link.c $(PURE) proto.h roster.h link.h
	$(CC) $(CFLAGS) $(P2P_CFLAGS) -I. -o $@ tests/unit.c $(PURE) $(LDFLAGS)

# The same program and unit tests under AddressSanitizer and UBSan.
san/p2pchat: $(SRCS) $(HDRS)
	@mkdir -p san
	$(CC) $(SANFLAGS) $(P2P_CFLAGS) -o $@ $(SRCS) $(LDFLAGS)

san/unit: tests/unit.c tests/unit_link.c $(PURE) proto.h roster.h link.h
	@mkdir -p san
	$(CC) $(SANFLAGS) $(P2P_CFLAGS) -I. -o $@ tests/unit.c $(PURE) $(LDFLAGS)

# A fully static binary with musl (Debian musl-tools), built for size:
# -Oz with link-time optimisation, unused functions dropped, no unwind tables
# (C needs none), and segments packed without page padding.  RELRO is off because musl applies it only
# when it loads a program dynamically: in this static binary the region
# stays writable either way (see /proc/PID/maps), and aligning it costs 4 KiB.
STATIC_CC      ?= musl-gcc
STATIC_CFLAGS   = -Oz -flto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
STATIC_LDFLAGS  = -static -s -Wl,--gc-sections -Wl,-z,noseparate-code \
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

cross/%/p2pchat: $(SRCS) $(HDRS) tests/unit.c tests/unit_link.c
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

# libFuzzer harnesses (clang): every parser in proto.c, the link layer, the roster.
FUZZ_CC      ?= clang
FUZZFLAGS     = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
FUZZERS       = proto link roster

fuzz: $(FUZZERS:%=fuzzbin/%)

fuzzbin/%: tests/fuzz/fuzz_%.c $(PURE) proto.h roster.h link.h
	@mkdir -p fuzzbin
	$(FUZZ_CC) $(FUZZFLAGS) $(P2P_CFLAGS) -I. -o $@ $< $(PURE)

fuzz-run: fuzz
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

check: p2pchat tests/unit san/p2pchat san/unit
	@bash tests/run.sh "plain:./p2pchat:./tests/unit" "asan+ubsan:san/p2pchat:san/unit"

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
	rm -rf p2pchat p2pchat-static tests/unit san fuzzbin cross bench/load

.PHONY: all check demo static cross cross-check footprint bench bench-smoke fuzz fuzz-run install uninstall clean
