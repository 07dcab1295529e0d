# tests/lib.sh: helpers for driving the real p2pchat binary over loopback.
# Sourced by tests/integration.sh and tests/demo.sh; needs $BIN.
#
# Every process a test starts is recorded and killed by cleanup; clients read
# their stdin from a FIFO the test writes to, and every wait has a deadline.

T=$(mktemp -d "${TMPDIR:-/tmp}/p2pchat-test.XXXXXX")
PIDS=()
FDS=()
NETNS=()
declare -A CFD CPID
SERVER_ADDR=127.0.0.1 # where clients find the server
IN_NS=                # set to run the next server or client in that network namespace
WRAP=()               # a command to run the server and clients under (valgrind, prlimit)
LIMIT=5               # seconds a wait lasts unless told

cleanup() {
	local p fd
	for p in "${PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -9 "$p" 2>/dev/null
	done
	for fd in "${FDS[@]}"; do
		eval "exec $fd>&-" 2>/dev/null
	done
	wait 2>/dev/null
	for ns in "${NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$KEEP" ] || rm -rf "$T"
}

fail() {
	echo "    $*" >&2
	exit 1
}

# Run a command with none of the test's FIFO write ends open, so that closing
# one in the test really gives its reader EOF.
spawn() {
	local fd
	for fd in "${FDS[@]}"; do
		eval "exec $fd>&-"
	done
	[ -z "$IN_NS" ] || set -- ip netns exec "$IN_NS" "$@"
	exec "$@"
}

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches.
wait_for() {
	local file=$1 re=$2 limit=${3:-$LIMIT} end
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	while (($(date +%s%N) / 1000000 < end)); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.02
	done
	echo "    timed out after ${limit}s waiting for /$re/ in ${file#"$T"/}" >&2
	return 1
}

# wait_count FILE REGEX N [SECONDS]: until N lines of FILE match.
wait_count() {
	local file=$1 re=$2 n=$3 limit=${4:-$LIMIT} end
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	while (($(date +%s%N) / 1000000 < end)); do
		(($(grep -Ec -- "$re" "$file" 2>/dev/null) >= n)) && return 0
		sleep 0.02
	done
	echo "    timed out after ${limit}s waiting for $n lines /$re/ in ${file#"$T"/}" >&2
	return 1
}

# wait_exit PID [SECONDS]: until PID ends; its status in $STATUS.
wait_exit() {
	local pid=$1 limit=${2:-$LIMIT} end
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	while kill -0 "$pid" 2>/dev/null; do
		if (($(date +%s%N) / 1000000 >= end)); then
			echo "    pid $pid still running after ${limit}s" >&2
			return 1
		fi
		sleep 0.02
	done
	wait "$pid"
	STATUS=$?
	return 0
}

# start_server [ARGS...]: a server on 127.0.0.1 and a free port; its console
# is the FIFO $T/server.in (fd $SFD); sets PORT and SPID.
start_server() {
	rm -f "$T/server.in"
	mkfifo "$T/server.in"
	(spawn ${WRAP[@]+"${WRAP[@]}"} "$BIN" --server -p "${SERVER_PORT:-0}" -b "$SERVER_ADDR" "$@" <"$T/server.in" >"$T/server.out" 2>>"$T/server.log") &
	SPID=$!
	PIDS+=("$SPID")
	exec {SFD}>"$T/server.in"
	FDS+=("$SFD")
	wait_count "$T/server.log" "listening on UDP and TCP port [0-9]+" $((++STARTS)) || fail "server did not start"
	PORT=$(grep -Eo 'port [0-9]+' "$T/server.log" | tail -n 1 | cut -d' ' -f2)
}

# start_client NAME [ARGS...]: a client driven through $T/NAME.in, printing to
# $T/NAME.out and $T/NAME.err; waits until it is logged in.
start_client() {
	local name=$1 fd
	shift
	rm -f "$T/$name.in"
	mkfifo "$T/$name.in"
	(spawn ${WRAP[@]+"${WRAP[@]}"} "${CBIN:-$BIN}" --login "$name" "$@" "$SERVER_ADDR:$PORT" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err") &
	CPID[$name]=$!
	PIDS+=("$!")
	exec {fd}>"$T/$name.in"
	CFD[$name]=$fd
	FDS+=("$fd")
	wait_for "$T/$name.out" "^\* logged in as $name" || fail "$name did not log in: $(cat "$T/$name.err")"
}

# crash NAME: kill -9 a client, as a crash would.
crash() {
	kill -9 "${CPID[$1]}"
	wait "${CPID[$1]}" 2>/dev/null
}

# say NAME LINE: type a line into a client.
say() {
	printf '%s\n' "$2" >&"${CFD[$1]}"
}

# console LINE: type a line at the server's console.
console() {
	printf '%s\n' "$1" >&"$SFD"
}

# close_stdin NAME: EOF on a client's stdin.
close_stdin() {
	eval "exec ${CFD[$1]}>&-"
}

# udp_port NAME: the UDP port the server saw NAME log in from.
udp_port() {
	grep -Eo "$1 logged in from [0-9.]+:[0-9]+" "$T/server.log" | tail -n 1 | cut -d: -f2
}

# skip WHY: this test cannot run here.
skip() {
	echo "$*"
	exit 77
}

# need_root: skip (exit 77) unless network namespaces and nftables work here.
need_root() {
	[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
	command -v ip >/dev/null && command -v nft >/dev/null || { echo "needs iproute2 and nftables"; exit 77; }
	ip netns add "p2pt-probe-$$" 2>/dev/null || { echo "cannot make network namespaces"; exit 77; }
	ip netns del "p2pt-probe-$$"
}

# netns NAME: a network namespace with loopback up, removed by cleanup.
netns() {
	ip netns add "$1" || fail "ip netns add $1"
	NETNS+=("$1")
	ip -n "$1" link set lo up
}

# in_ns NAME CMD...: run a command in a namespace.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}
