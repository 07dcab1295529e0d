# tests/it_hardening.sh: what a hostile user, a hostile server and a
# stranger on the network could make a client do (sourced by integration.sh).

# cpu_ticks PID: the user and system time a process has used, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# A user who makes the victim begin a handshake, then floods it with forged
# REPLYs (1,000 a second, some echoing the INIT, some in the old layout):
# each would cost an X25519 if it were not for the budget.  The victim stays
# under 20% of a core and keeps chatting.
t_forged_replies_cannot_peg_the_cpu() {
	start_server
	start_client alice
	start_client victim
	say alice '/msg victim before'
	wait_for "$T/victim.out" '<alice> before$' || fail "no chat before"
	python3 - "$T" "$PORT" "$(udp_port victim)" >"$T/mallory.out" 2>&1 <<-'EOF' &
	import os, socket, sys, time
	sys.path.insert(0, "tests")
	from fake_server import log_in
	d, port, vport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	u, t = log_in(port, "mallory", os.urandom(32).hex())
	t.recv(65536)
	head = bytes([len("mallory")]) + b"mallory"
	victim = ("127.0.0.1", vport)
	time.sleep(0.5)  # the victim hears of mallory (the notice)
	u.settimeout(0.05)
	init, start, sent, last_data = None, time.time(), 0, 0
	while time.time() - start < 8:
	    if time.time() - last_data > 1:  # a sealed DATA with no session
	        u.sendto(bytes([6]) + head + bytes(9 + 16 + 10), victim)
	        last_data = time.time()
	    try:
	        while True:
	            b, src = u.recvfrom(2000)
	            if b[0] == 1:  # HELLO: any cookie back
	                u.sendto(bytes([2]) + head + os.urandom(16), src)
	            elif b[0] == 3:  # INIT: its e, at the end
	                init = b[-32:]
	                open(d + "/init", "w").write("1\n")
	    except (socket.timeout, BlockingIOError):
	        pass
	    if init is not None:
	        for k in range(50):  # 50 each 50 ms: 1,000 a second
	            body = os.urandom(32 + 48 + 16)
	            u.sendto(bytes([4]) + head + (init[:8] + body if k % 2 else body), victim)
	            sent += 1
	open(d + "/replies", "w").write("%d\n" % sent)
	time.sleep(30)
	EOF
	PIDS+=("$!")
	wait_for "$T/init" '^1$' 10 || fail "the victim sent no INIT: $(cat "$T/mallory.out")"
	pid=${CPID[victim]}
	t0=$(cpu_ticks "$pid")
	s0=$(date +%s%N)
	say alice '/msg victim during the flood'
	wait_for "$T/victim.out" '<alice> during the flood$' || fail "no chat during the flood"
	wait_for "$T/replies" '^[0-9]+$' 15 || fail "the flood did not end: $(cat "$T/mallory.out")"
	t1=$(cpu_ticks "$pid")
	s1=$(date +%s%N)
	replies=$(cat "$T/replies")
	[ "$replies" -ge 4000 ] || fail "only $replies forged REPLYs were sent"
	hz=$(getconf CLK_TCK)
	# the share of a core: ticks over the elapsed time in ticks
	pct=$(( (t1 - t0) * 100 * 1000000000 / ((s1 - s0) * hz) ))
	echo "    $replies forged REPLYs in about 7 s: the victim used $pct% of a core"
	[ "$pct" -lt 20 ] || fail "the victim used $pct% of a core"
	say alice '/msg victim after'
	wait_for "$T/victim.out" '<alice> after$' || fail "no chat after"
}

# A lying server: 2,000 made-up users all at one victim's endpoint, a
# relayed DATA "from" each, a punch request for each, and a user whose LAN
# endpoint is the victim.  What reaches the victim is bounded by the
# client's budget for one address (64 at once, 32 a second), and the client
# grows by about the size of the roster's lines, not by a peer per entry.
t_hostile_server_cannot_make_a_client_flood() {
	python3 - "$T" >"$T/fake.out" 2>&1 <<-'EOF' &
	import os, socket, sys, time
	sys.path.insert(0, "tests")
	from fake_server import count_for, serve_one, victim
	d = sys.argv[1]
	victim, vep = victim()
	u, c, src, port = serve_one(d, relay=True)
	n = 2000
	key = os.urandom(32).hex()
	# everyone at the victim; lan0 says it is elsewhere, its LAN the victim
	c.sendall("".join("u%d,%s,%s;" % (k, vep, key) for k in range(n)).encode() +
	          ("lan0,127.0.0.1:9,%s,%s;" % (vep, key)).encode() + b"end\n")
	open(d + "/rostered", "w").write("1\n")
	while not os.path.exists(d + "/go"):
	    time.sleep(0.05)
	c.sendall("".join("punch,u%d\n" % k for k in range(n)).encode() + b"punch,lan0\n")
	for k in range(n):
	    name = ("u%d" % k).encode()
	    dg = bytes([6, len(name)]) + name + bytes(9 + 16 + 4)
	    u.sendto(b"relay," + name + b"," + dg, src)
	got = count_for(victim, 5)
	open(d + "/got", "w").write("%d\n" % got)
	time.sleep(30)
	EOF
	PIDS+=("$!")
	start_victim
	wait_for "$T/v.out" '^\* logged in as victim' 20 || fail "no login: $(cat "$T/v.err")"
	wait_for "$T/rostered" '^1$' || fail "no roster"
	vpid=$VPID
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$vpid/status")
	touch "$T/go"
	wait_for "$T/got" '^[0-9]+$' 20 || fail "$(cat "$T/fake.out" "$T/v.err")"
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$vpid/status")
	got=$(cat "$T/got")
	echo "    $got datagrams reached the victim in 5 s; the client grew by $((rss1 - rss0)) KiB"
	# 64 at once and 32 a second, for the 5 s counted and the clock's edges
	[ "$got" -gt 0 ] && [ "$got" -le $((64 + 32 * 6)) ] || fail "$got datagrams reached the victim in 5 s"
	# a peer per entry would be 2,000 times some KiB
	[ $((rss1 - rss0)) -lt 4096 ] || fail "the client grew by $((rss1 - rss0)) KiB"
	kill -0 "$vpid" || fail "the client died"
}

# Roster endpoints that no peer can have are refused: multicast, broadcast,
# unspecified, and loopback when the server is not on loopback (here the
# server's address is 127.0.0.1, so loopback stays; the rest go).
t_roster_endpoints_no_peer_can_have_are_refused() {
	python3 - "$T" >"$T/fake.out" 2>&1 <<-'EOF' &
	import os, socket, sys, time
	sys.path.insert(0, "tests")
	from fake_server import serve_one
	d = sys.argv[1]
	u, c, src, port = serve_one(d)
	key = os.urandom(32).hex()
	bad = ["224.0.0.1:5000", "255.255.255.255:5000", "0.0.0.0:5000", "[ff02::1]:5000", "[::]:5000",
	       "239.1.2.3:9", "[::ffff:224.0.0.1]:7"]
	c.sendall("".join("b%d,%s,%s;" % (k, ep, key) for k, ep in enumerate(bad)).encode() +
	          ("good,127.0.0.1:4000,%s;" % key).encode() + b"end\n")
	time.sleep(0.5)
	c.sendall(("login,late,224.0.0.9:1,%s\n" % key).encode())
	time.sleep(30)
	EOF
	PIDS+=("$!")
	start_victim
	wait_for "$T/v.out" '^\* logged in as victim; 1 online: good$' 20 || fail "roster: $(cat "$T/v.out" "$T/v.err")"
	wait_for "$T/v.err" 'ignored late at 224\.0\.0\.9:1: no peer can be there' || fail "the notice"
	for k in 0 1 2 3 4 5 6; do
		grep -q "ignored b$k at" "$T/v.err" || fail "b$k not refused: $(cat "$T/v.err")"
	done
	echo /who >"$T/v.in"
	wait_for "$T/v.out" '^\* 1 online: good$' || fail "/who: $(cat "$T/v.out")"
}

# The same through namespaces, where the server is not on loopback: a
# roster entry at 127.0.0.1 (a lying server pointing a client at its own
# services) is refused, and so is a LAN endpoint on loopback.
t_ns_roster_loopback_refused_when_the_server_is_not_there() {
	need_root
	netns "p2pt-lo-$$"
	ip -n "p2pt-lo-$$" addr add 10.78.0.1/24 dev lo
	in_ns "p2pt-lo-$$" python3 - "$T" >"$T/fake.out" 2>&1 <<-'EOF' &
	import os, socket, sys, time
	d = sys.argv[1]
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.bind(("10.78.0.1", 0))
	port = u.getsockname()[1]
	l = socket.socket()
	l.bind(("10.78.0.1", port))
	l.listen()
	open(d + "/fakeport", "w").write("%d\n" % port)
	data, src = u.recvfrom(2000)
	u.sendto(b"Accept,%d,0123456789abcdef" % port, src)
	c, _ = l.accept()
	c.recv(100)
	key = os.urandom(32).hex()
	c.sendall(("self,127.0.0.1:22,%s;lanlo,10.78.0.5:4000,127.0.0.1:22,%s;end\n" % (key, key)).encode())
	time.sleep(30)
	EOF
	PIDS+=("$!")
	wait_for "$T/fakeport" '^[0-9]+$' 20 || fail "fake server: $(cat "$T/fake.out")"
	mkfifo "$T/v.in"
	(IN_NS=p2pt-lo-$$ spawn "$BIN" --login victim "10.78.0.1:$(cat "$T/fakeport")" <"$T/v.in" >"$T/v.out" 2>"$T/v.err") &
	PIDS+=("$!")
	exec {fd}>"$T/v.in"
	FDS+=("$fd")
	wait_for "$T/v.out" '^\* logged in as victim; 1 online: lanlo$' 20 || fail "roster: $(cat "$T/v.out" "$T/v.err")"
	grep -q 'ignored self at 127\.0\.0\.1:22' "$T/v.err" || fail "loopback entry: $(cat "$T/v.err")"
	echo '/path lanlo' >&"$fd"
	wait_for "$T/v.out" '^\* lanlo: no path yet' || fail "/path"
}

# A server with 100,000 users: the client logs in within 5 s, and a turn of
# its loop costs what it costs with 10 users (junk datagrams, each a turn or
# so, use about the same CPU with either roster).
t_client_with_100000_users_online() {
	local n pid t0 t1 small big
	for n in 10 100000; do
		rm -f "$T/fakeport" "$T/vport" "$T/v.in" "$T/done"
		python3 - "$T" "$n" >"$T/fake.out" 2>&1 <<-'EOF' &
		import socket, sys, time
		sys.path.insert(0, "tests")
		from fake_server import serve_one
		d, n = sys.argv[1], int(sys.argv[2])
		roster = "".join("u%d,10.%d.%d.%d:%d;" % (k, k >> 16 & 255, k >> 8 & 255, k & 255, 1000 + k % 60000)
		                 for k in range(n)).encode() + b"end\n"
		u, c, src, port = serve_one(d)
		open(d + "/vport", "w").write("%d\n" % src[1])
		c.sendall(roster)
		while True:
		    if c.recv(65536) == b"":
		        break
		EOF
		PIDS+=("$!")
		wait_for "$T/fakeport" '^[0-9]+$' 20 || fail "fake server: $(cat "$T/fake.out")"
		PORT=$(cat "$T/fakeport")
		mkfifo "$T/v.in"
		start=$(date +%s%N)
		(spawn "$BIN" --login victim "127.0.0.1:$PORT" <"$T/v.in" >"$T/v.out" 2>"$T/v.err") &
		pid=$!
		PIDS+=("$pid")
		exec {fd}>"$T/v.in"
		FDS+=("$fd")
		wait_for "$T/v.out" "^\\* logged in as victim; $n online" 20 || fail "no login with $n: $(cat "$T/v.err")"
		ms=$((($(date +%s%N) - start) / 1000000))
		echo "    $n users: logged in in $ms ms"
		[ "$ms" -lt 5000 ] || fail "logging in with $n users took $ms ms"
		t0=$(cpu_ticks "$pid")
		python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for k in range(20000):
    s.sendto(b"junk", ("127.0.0.1", int(sys.argv[1])))
    if k % 64 == 63:
        s.sendto(b"junk", ("127.0.0.1", int(sys.argv[1])))
' "$(cat "$T/vport")"
		echo /who >&"$fd"
		wait_count "$T/v.out" "^\\* $n online" 1 10 || fail "no /who"
		t1=$(cpu_ticks "$pid")
		eval "c_$n=$((t1 - t0))"
		echo "    $n users: 20,000 junk datagrams took $((t1 - t0)) ticks"
		kill "$pid"
		eval "exec $fd>&-"
	done
	# the same work, whatever the roster: a tenth of a second of slack for a busy machine
	[ "$c_100000" -le $((3 * c_10 + 10)) ] || fail "a turn costs more with 100,000 users: $c_100000 ticks against $c_10"
}

# One-way loss for many rekey intervals: the receiver steps over the epochs
# it missed (a few), or the session is mended by a new handshake (many);
# either way every message arrives once the loss ends.
t_ns_one_way_loss_across_rekeys_recovers() {
	need_root
	local ns=p2pt-rk-$$ k
	netns "$ns"
	export P2PCHAT_TEST_REKEY_MS=200
	IN_NS=$ns start_server
	IN_NS=$ns start_client alice
	IN_NS=$ns start_client bob -P 40001
	say alice '/msg bob before'
	wait_for "$T/bob.out" '<alice> before$' || fail "no chat before"
	in_ns "$ns" nft -f - <<-'EOF' || fail "nft"
	table inet loss {
		counter dropped { }
		chain input { type filter hook input priority 0; udp dport 40001 counter name dropped drop; }
	}
	EOF
	# a few epochs missed: alice's resends seal under new keys
	say alice '/msg bob during a short loss'
	wait_until_dropped() {
		local end=$(($(date +%s) + 20))
		while (($(date +%s) < end)); do
			(($(in_ns "$ns" nft list counter inet loss dropped | grep -Eo 'packets [0-9]+' | cut -d' ' -f2) >= $1)) &&
				return 0
			sleep 0.05
		done
		return 1
	}
	wait_until_dropped 4 || fail "nothing dropped"
	in_ns "$ns" nft delete table inet loss
	wait_for "$T/bob.out" '<alice> during a short loss$' 15 || fail "lost after a short loss"
	# many epochs missed (more than a receiver steps over): a new handshake
	in_ns "$ns" nft -f - <<-'EOF' || fail "nft"
	table inet loss {
		counter dropped { }
		chain input { type filter hook input priority 0; udp dport 40001 counter name dropped drop; }
	}
	EOF
	for k in $(seq 1 24); do
		say alice "/msg bob long loss $k"
		sleep 0.25 # time passes between messages: each is sealed under a new key
	done
	wait_until_dropped 24 || fail "not enough dropped"
	in_ns "$ns" nft delete table inet loss
	wait_for "$T/bob.out" '<alice> long loss 24$' 30 || fail "lost after a long loss"
	[ "$(grep -c '<alice> long loss' "$T/bob.out")" = 24 ] || fail "not each once: $(grep -c '<alice> long loss' "$T/bob.out")"
	say bob '/msg alice and back'
	wait_for "$T/alice.out" '<bob> and back$' || fail "bob to alice"
}

# A server that sends a flood of junk lines: a few log lines, then a count.
t_junk_from_the_server_is_logged_in_few_lines() {
	python3 - "$T" >"$T/fake.out" 2>&1 <<-'EOF' &
	import socket, sys, time
	sys.path.insert(0, "tests")
	from fake_server import serve_one
	d = sys.argv[1]
	u, c, src, port = serve_one(d)
	c.sendall(b"end\n")
	junk = b"junk line\n" * 100000 + b"x" * 300 + b"\n"
	c.sendall(junk)
	time.sleep(30)
	EOF
	PIDS+=("$!")
	start_victim
	wait_for "$T/v.out" '^\* logged in as victim' 20 || fail "no login: $(cat "$T/v.err")"
	wait_for "$T/v.err" '^p2pchat: [0-9]+ more lines about the server.s lines suppressed$' 15 ||
		fail "no summary: $(tail -n 3 "$T/v.err")"
	n=$(wc -l <"$T/v.err")
	echo "    1 MB of junk: $n lines in the log"
	[ "$n" -le 12 ] || fail "$n lines for 1 MB of junk"
	echo /who >"$T/v.in"
	wait_for "$T/v.out" '^\* no one else is online$' || fail "the client stopped"
}

# A user who gives a victim's address as its LAN endpoint and asks for
# punches to everyone: each client probes the victim at most as its
# budget for one address allows (and its bursts, 20 rounds in 10 s).
t_user_cannot_make_others_probe_a_victim() {
	start_server
	start_client alice
	start_client bob
	start_client carol
	python3 - "$T" "$PORT" >"$T/mallory.out" 2>&1 <<-'EOF2' &
	import os, socket, sys, time
	sys.path.insert(0, "tests")
	from fake_server import log_in, victim
	d, port = sys.argv[1], int(sys.argv[2])
	victim, vep = victim()
	u, t = log_in(port, "mallory", os.urandom(32).hex(), vep)
	t.settimeout(0.01)
	got, start, asked = 0, time.time(), 0
	while time.time() - start < 12:
	    if time.time() - start > asked * 0.5:  # as fast as the server passes them on
	        t.sendall(b"punch,alice\npunch,bob\npunch,carol\n" * 10)
	        asked += 1
	    try:
	        t.recv(65536)
	    except socket.timeout:
	        pass
	    try:
	        victim.recv(2000)
	        got += 1
	    except socket.timeout:
	        pass
	open(d + "/got", "w").write("%d\n" % got)
	time.sleep(20)
	EOF2
	PIDS+=("$!")
	wait_for "$T/got" '^[0-9]+$' 30 || fail "$(cat "$T/mallory.out")"
	got=$(cat "$T/got")
	echo "    $got probes reached the victim in 12 s from 3 clients"
	# each client: 64 at once and 32 a second for 12 s (and the edges)
	[ "$got" -le $((3 * (64 + 32 * 13))) ] || fail "$got probes reached the victim"
	say alice '/msg bob still chatting'
	wait_for "$T/bob.out" '<alice> still chatting$' || fail "chat"
}
