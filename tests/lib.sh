# tests/lib.sh: helpers for driving the real p2pchat binary over loopback.
# Sourced by tests/integration.sh and tests/demo.sh; needs $BIN.
#
# Every process a test starts is recorded and killed by cleanup; clients read
# their stdin from a FIFO the test writes to, and every wait has a deadline.

T=$(mktemp -d "${TMPDIR:-/tmp}/p2pchat-test.XXXXXX")
# keys and known_peers stay in the test's directory: each client started
# by start_client has a directory of its own, $T/cfg/NAME
export XDG_CONFIG_HOME=$T/cfg
PIDS=()
SESSIONS=() # sessions (a terminal's processes, tests/it_terminal.sh) killed whole
FDS=()
NETNS=()
declare -A CFD CPID
SERVER_ADDR=127.0.0.1 # where clients find the server
IN_NS=                # set to run the next server or client in that network namespace
WRAP=()               # a command to run the server and clients under (valgrind, prlimit)
LIMIT=5               # seconds a wait lasts unless told

cleanup() {
	local p fd
	# first what runs on a test's terminals: a client left to exit on the
	# hangup of its terminal's end would be in LeakSanitizer's exit-time
	# check, which can hang for good, with its terminal gone
	for p in "${SESSIONS[@]}"; do
		pkill -KILL -s "$p" 2>/dev/null
	done
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
		rm -rf "/etc/netns/$ns" # its hosts and resolv.conf, if it had any
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
# $T/NAME.out and $T/NAME.err; waits until it is logged in and every other
# client running has heard of it, as a user waits for "* NAME is online"
# before writing to NAME (HEARD=no: not the others).
start_client() {
	local name=$1 fd other
	local -A seen=()
	shift
	for other in "${!CPID[@]}"; do
		[ "$other" != "$name" ] && [ "${HEARD:-}" != no ] && kill -0 "${CPID[$other]}" 2>/dev/null || continue
		seen[$other]=$(grep -c "^\* $name is online\$" "$T/$other.out" 2>/dev/null)
	done
	rm -f "$T/$name.in"
	mkfifo "$T/$name.in"
	(XDG_CONFIG_HOME=$T/cfg/$name spawn ${WRAP[@]+"${WRAP[@]}"} "${CBIN:-$BIN}" --login "$name" "$@" "$SERVER_ADDR:$PORT" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err") &
	CPID[$name]=$!
	PIDS+=("$!")
	exec {fd}>"$T/$name.in"
	CFD[$name]=$fd
	FDS+=("$fd")
	wait_for "$T/$name.out" "^\* logged in as $name" || fail "$name did not log in: $(cat "$T/$name.err")"
	for other in "${!seen[@]}"; do
		kill -0 "${CPID[$other]}" 2>/dev/null || continue
		wait_count "$T/$other.out" "^\* $name is online\$" $((seen[$other] + 1)) ||
			fail "$other did not hear that $name is online"
	done
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

# ---- NAT: an internet, homes behind routers that masquerade, hosts in them ----

# internet: the namespace $WAN, whose bridge joins the server (10.77.0.1,
# where clients find it) and the routers' outer ends.
internet() {
	WAN=p2pt-w-$$
	netns "$WAN"
	ip -n "$WAN" link add br0 type bridge || fail "bridge"
	ip -n "$WAN" addr add 10.77.0.1/24 dev br0
	ip -n "$WAN" link set br0 up
	SERVER_ADDR=10.77.0.1
}

# home N [random]: a router namespace p2pt-rN-$$ at 10.77.0.N on the internet
# and 192.168.N.1 on its LAN (a bridge), masquerading what leaves (with
# "random": a new random port per destination, a symmetric NAT) and
# dropping what comes in unasked, as home routers do.  It counts the chat
# datagrams that leave it (out_chat).
home() {
	local n=$1 r=p2pt-r$1-$$
	netns "$r"
	ip link add "pw$n-$$" type veth peer name "pu$n-$$" || fail "veth"
	ip link set "pw$n-$$" netns "$WAN"
	ip link set "pu$n-$$" netns "$r"
	ip -n "$WAN" link set "pw$n-$$" master br0 up
	ip -n "$r" addr add "10.77.0.$n/24" dev "pu$n-$$"
	ip -n "$r" link set "pu$n-$$" up
	ip -n "$r" link add lan0 type bridge
	ip -n "$r" addr add "192.168.$n.1/24" dev lan0
	ip -n "$r" link set lan0 up
	in_ns "$r" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$r" nft -f - <<-EOF || fail "nft in $r"
	table ip nat {
		chain post { type nat hook postrouting priority srcnat; oifname "pu$n-$$" masquerade ${2:-}; }
	}
	table inet fw {
		counter out_chat { }
		chain forward {
			type filter hook forward priority 0;
			iifname "pu$n-$$" ct state new drop
			# sealed chat (DATA: its first byte is 6) leaving the home
			oifname "pu$n-$$" meta l4proto udp @th,64,8 0x06 counter name out_chat
		}
		# to the router itself too: a probe that came before our own
		# would otherwise leave a mapping that moves our port
		chain input {
			type filter hook input priority 0;
			iifname "pu$n-$$" ct state new drop
		}
	}
	EOF
}

# host N NAME: a host namespace p2pt-NAME-$$ on home N's LAN, at 192.168.N.K.
host() {
	local n=$1 h=p2pt-$2-$$ k=$((10 + ${#NETNS[@]}))
	netns "$h"
	ip link add "pl$k-$$" type veth peer name eth0 netns "$h" || fail "veth"
	ip link set "pl$k-$$" netns "p2pt-r$n-$$"
	ip -n "p2pt-r$n-$$" link set "pl$k-$$" master lan0 up
	ip -n "$h" addr add "192.168.$n.$k/24" dev eth0
	ip -n "$h" link set eth0 up
	ip -n "$h" route add default via "192.168.$n.1"
}

# nat_users A N B M [ARGS...]: users A in home N and B in home M (the homes
# made already), logged in to a server in the internet started with ARGS;
# returns when A knows B.
nat_users() {
	host "$2" "$1"
	host "$4" "$3"
	IN_NS=$WAN start_server "${@:5}"
	IN_NS=p2pt-$1-$$ start_client "$1"
	IN_NS=p2pt-$3-$$ start_client "$3"
	wait_for "$T/$1.out" "^\* $3 is online\$" || fail "$3 is not online for $1"
}

# conntrack_timeouts N SECONDS: how long home N keeps an idle UDP mapping,
# replied to or not (it holds for mappings made from now on).
conntrack_timeouts() {
	in_ns "p2pt-r$1-$$" sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$2" \
		net.netfilter.nf_conntrack_udp_timeout_stream="$2" || fail "sysctl"
}

# nft_count NS COUNTER: the packets a named nftables counter of table inet fw has seen.
nft_count() {
	in_ns "$1" nft list counter inet fw "$2" | grep -Eo 'packets [0-9]+' | cut -d' ' -f2
}

# start_victim: once a fake server (tests/fake_server.py) has written its
# port, a client "victim" logged in to it, driven through $T/v.in, its output
# in $T/v.out and $T/v.err; sets PORT and VPID.
start_victim() {
	local fd
	# python may take a while to start on a busy machine
	wait_for "$T/fakeport" '^[0-9]+$' 20 || fail "fake server: $(cat "$T/fake.out")"
	PORT=$(cat "$T/fakeport")
	mkfifo "$T/v.in"
	(spawn "$BIN" --login victim "127.0.0.1:$PORT" <"$T/v.in" >"$T/v.out" 2>"$T/v.err") &
	VPID=$!
	PIDS+=("$!")
	exec {fd}>"$T/v.in"
	FDS+=("$fd")
}

# start_fake_relay [tamper] [lie]: the hostile server tests/fake_relay.py,
# which carries all chat through its relay and keeps what it relayed in
# $T/relayed; sets PORT for start_client.
start_fake_relay() {
	(spawn python3 tests/fake_relay.py "$T" "$@" >"$T/fake.out" 2>&1) &
	PIDS+=("$!")
	wait_for "$T/fakeport" '^[0-9]+$' 20 || fail "fake relay: $(cat "$T/fake.out")"
	PORT=$(cat "$T/fakeport")
}

# relayed_holds TEXT: does any datagram the fake relay carried hold TEXT?
# relayed_count: how many it carried.
relayed_holds() {
	python3 -c 'import sys; print(int(sys.argv[1].encode() in open(sys.argv[2], "rb").read()))' "$1" "$T/relayed"
}
relayed_count() {
	python3 - "$T/relayed" <<-'EOF'
	import struct, sys
	b, n, k = open(sys.argv[1], "rb").read(), 0, 0
	while k + 4 <= len(b):
	    k += 4 + struct.unpack(">I", b[k:k + 4])[0]
	    n += 1
	print(n)
	EOF
}

# server_counters: count what reaches the server's namespace as relayed
# datagrams and as chat (the server should never see chat in the clear).
server_counters() {
	in_ns "$WAN" nft -f - <<-'EOF' || fail "nft in $WAN"
	table inet fw {
		counter relayed { }
		counter chat { }
		chain input {
			type filter hook input priority 0;
			meta l4proto udp @th,64,48 0x72656c61792c counter name relayed
			meta l4proto udp @th,64,32 0x6d73672c counter name chat
		}
	}
	EOF
}

# chat_both_ways A B FIRST LAST: lines FIRST..LAST from A to B and from B to
# A, sent at the same time, each of which must arrive exactly once.
chat_both_ways() {
	local k
	for k in $(seq "$3" "$4"); do
		say "$1" "/msg $2 $1 says $k"
		say "$2" "/msg $1 $2 says $k"
	done
	arrived "$1" "$2" "$3" "$4"
	arrived "$2" "$1" "$3" "$4"
}

# chat_one_way A B FIRST LAST: lines FIRST..LAST from A to B only.
chat_one_way() {
	local k
	for k in $(seq "$3" "$4"); do
		say "$1" "/msg $2 $1 says $k"
	done
	arrived "$1" "$2" "$3" "$4"
}

# arrived A B FIRST LAST: A's lines FIRST..LAST reached B, each once, in order.
arrived() {
	local k
	wait_for "$T/$2.out" "<$1> $1 says $4\$" 30 || fail "$1 to $2"
	[ "$(grep -Eo "<$1> $1 says [0-9]+\$" "$T/$2.out" | grep -Eo '[0-9]+$' |
		awk -v a="$3" -v b="$4" '$1 >= a && $1 <= b' | tr '\n' ' ')" = "$(seq -s ' ' "$3" "$4") " ] ||
		fail "$1's lines $3 to $4 did not reach $2 once each and in order"
}

# server_stat NAME: a figure of the server's stats line, asked for now.
server_stat() {
	local n
	n=$(grep -c '^online ' "$T/server.out" 2>/dev/null)
	console stats
	wait_count "$T/server.out" '^online ' $((n + 1)) || fail "no stats"
	grep '^online ' "$T/server.out" | tail -n 1 | grep -Eo "(^|, )$1 [0-9]+" | grep -Eo '[0-9]+$'
}
