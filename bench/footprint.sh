#!/usr/bin/env bash
# bench/footprint.sh: `make footprint`.  Binary sizes per architecture and
# the idle memory of a server and a client, written into bench/RESULTS.md
# (between its footprint markers, so other results stay) and printed.  Sizes are of stripped copies; RSS is read from /proc after
# the processes have settled (native builds only: under qemu the RSS would
# be qemu's).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
trap cleanup EXIT
fail() { echo "footprint: $*" >&2; exit 1; }
out=$T/footprint.md

size_of() { # size_of BINARY STRIP
	cp "$1" "$T/s" && "$2" "$T/s" && wc -c <"$T/s"
}

rss_of() { # rss_of BINARY: idle VmRSS (kB) of a server and of a client
	BIN=$1
	STARTS=0
	rm -f "$T"/server.log
	start_server
	start_client idle
	sleep 2 # settled: logged in, nothing to do
	printf '%s %s\n' "$(awk '/VmRSS/ { print $2 }' /proc/"$SPID"/status)" \
		"$(awk '/VmRSS/ { print $2 }' /proc/"${CPID[idle]}"/status)"
	say idle /quit
	wait_exit "${CPID[idle]}"
	console quit
	wait_exit "$SPID"
}

{
	echo "<!-- footprint: made by bench/footprint.sh -->"
	echo "## Footprint"
	echo
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -m), $(nproc) cores, $(uname -sr);"
	echo "$(cc --version | head -n 1); p2pchat $(./p2pchat --version | cut -d' ' -f2)."
	echo "Command: \`make footprint\` (bench/footprint.sh)."
	echo
	echo "### Binary size, stripped"
	echo
	echo "| build | bytes | KiB |"
	echo "|---|---:|---:|"
	row() { [ -n "$2" ] && printf '| %s | %s | %.1f |\n' "$1" "$2" "$(echo "$2 / 1024" | bc -l)"; }
	row "x86_64, glibc, dynamic (make)" "$(size_of p2pchat strip)"
	[ -f p2pchat-static ] && row "x86_64, musl, static (make static)" "$(wc -c <p2pchat-static)"
	[ -f cross/armhf/p2pchat ] && row "armhf, glibc, dynamic (make cross)" "$(size_of cross/armhf/p2pchat arm-linux-gnueabihf-strip)"
	[ -f cross/aarch64/p2pchat ] && row "aarch64, glibc, dynamic (make cross)" "$(size_of cross/aarch64/p2pchat aarch64-linux-gnu-strip)"
	[ -f cross/mips/p2pchat ] && row "mips (big-endian), glibc, dynamic (make cross)" "$(size_of cross/mips/p2pchat mips-linux-gnu-strip)"
	echo
	echo "### Idle memory (VmRSS), one server and one client logged in"
	echo
	echo "| build | server kB | client kB |"
	echo "|---|---:|---:|"
	read -r s c < <(rss_of "$PWD/p2pchat")
	echo "| x86_64, glibc, dynamic | $s | $c |"
	if [ -f p2pchat-static ]; then
		read -r s c < <(rss_of "$PWD/p2pchat-static")
		echo "| x86_64, musl, static | $s | $c |"
	fi
	echo "<!-- end of footprint -->"
} >"$out"
cat "$out"
bash bench/section.sh footprint "$out"
