#!/usr/bin/env bash
# tests/integration.sh: integration tests of the real binary ($BIN) over
# loopback.  `integration.sh --list` names the tests; `integration.sh NAME`
# runs one: exit 0 pass, 77 skip, else fail.  tests/run.sh runs them all.

cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh

# ---- the seed's flow ----

t_three_clients_see_each_other() {
	start_server
	start_client alice
	start_client bob
	start_client carol
	wait_for "$T/bob.out" '^\* logged in as bob; 1 online: alice$' || fail "bob's roster"
	wait_for "$T/carol.out" '^\* logged in as carol; 2 online: (alice, bob|bob, alice)$' || fail "carol's roster"
	wait_for "$T/alice.out" '^\* carol is online$' || fail "alice not told of carol"
	wait_for "$T/bob.out" '^\* carol is online$' || fail "bob not told of carol"
	for n in alice bob carol; do
		say $n /who
	done
	wait_for "$T/alice.out" '^\* 2 online: (bob, carol|carol, bob)$' || fail "alice /who"
	wait_for "$T/bob.out" '^\* 2 online: (alice, carol|carol, alice)$' || fail "bob /who"
	wait_for "$T/carol.out" '^\* 2 online: (alice, bob|bob, alice)$' || fail "carol /who"
}

t_text_with_commas_and_chinese_arrives_intact() {
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob 你好，世界, hello, a,b;c:d "quoted" end'
	wait_for "$T/bob.out" '^\[[0-9:]{8}\] <alice> 你好，世界, hello, a,b;c:d "quoted" end$' || fail "text changed"
	say bob '/to alice'
	say bob '//slash and ümlaut'
	wait_for "$T/alice.out" '^\[[0-9:]{8}\] <bob> /slash and ümlaut$' || fail "/to line"
}

t_chat_goes_on_while_server_is_stopped() {
	start_server
	start_client alice
	start_client bob
	kill -STOP "$SPID"
	say alice '/msg bob while the server sleeps'
	say bob '/all back to you'
	wait_for "$T/bob.out" '<alice> while the server sleeps$' || fail "alice to bob"
	wait_for "$T/alice.out" '<bob> back to you$' || fail "bob to alice"
	kill -CONT "$SPID"
}

t_kill_9_client_is_seen_leaving() {
	start_server
	start_client alice
	start_client bob
	start_client carol
	crash carol
	wait_for "$T/alice.out" '^\* carol left$' 2 || fail "alice not told within 2 s"
	wait_for "$T/bob.out" '^\* carol left$' 2 || fail "bob not told within 2 s"
	wait_for "$T/server.log" 'carol left \(connection closed\)' || fail "server log"
}

t_duplicate_name_is_refused() {
	start_server
	start_client alice
	"$BIN" --login ALICE "127.0.0.1:$PORT" </dev/null >"$T/dup.out" 2>"$T/dup.err"
	[ $? = 1 ] || fail "exit status $? not 1"
	grep -qx 'p2pchat: login refused: name "ALICE" is already online' "$T/dup.err" ||
		fail "message: $(cat "$T/dup.err")"
	[ "$(wc -l <"$T/dup.err")" = 1 ] || fail "more than one line: $(cat "$T/dup.err")"
	say alice /who
	wait_for "$T/alice.out" '^\* no one else is online$' || fail "alice sees a ghost"
}

# /quit with chat not yet acknowledged says what it waits for, and a
# second /quit leaves at once; commands are taken in any case
t_quit_says_what_it_waits_for() {
	start_server
	start_client alice
	start_client bob
	say alice '/WHO'
	wait_for "$T/alice.out" '^\* 1 online: bob$' || fail "/WHO: $(cat "$T/alice.err")"
	kill -STOP "${CPID[bob]}"
	say alice '/Msg bob are you there?'
	say alice /quit
	wait_for "$T/alice.err" '^p2pchat: waiting up to 5 s for chat not yet acknowledged \(1 datagrams\); quit again to leave now$' ||
		fail "no word of the wait: $(cat "$T/alice.err")"
	say alice /QUIT
	wait_exit "${CPID[alice]}" 2 || fail "a second /quit did not leave at once"
	grep -q '^p2pchat: not delivered to bob: "are you there?"$' "$T/alice.err" || fail "$(cat "$T/alice.err")"
	kill -CONT "${CPID[bob]}"
}

t_quit_removes_user_from_every_roster() {
	start_server
	start_client alice
	start_client bob
	start_client carol
	say bob /quit
	wait_exit "${CPID[bob]}" || fail "bob did not exit"
	[ "$STATUS" = 0 ] || fail "bob exit status $STATUS"
	wait_for "$T/alice.out" '^\* bob left$' || fail "alice"
	wait_for "$T/carol.out" '^\* bob left$' || fail "carol"
	wait_for "$T/server.log" 'bob left \(quit\)' || fail "server did not log the logout"
	say alice /who
	wait_for "$T/alice.out" '^\* 1 online: carol$' || fail "alice's roster"
	console who
	wait_for "$T/server.out" '^2 online$' || fail "server roster"
	grep -q ' bob ' "$T/server.out" && fail "bob still in the server's roster"
	say alice '/msg bob are you there'
	wait_for "$T/alice.err" '^p2pchat: bob is not online$' || fail "message to bob accepted"
}

t_client_driven_by_pipes() {
	start_server
	start_client bob
	printf '/msg bob hi from a pipe\n/all to everyone\n' |
		timeout 10 "$BIN" --login dave "127.0.0.1:$PORT" >"$T/dave.out" 2>"$T/dave.err"
	[ $? = 0 ] || fail "exit status $?: $(cat "$T/dave.err")"
	wait_for "$T/bob.out" '<dave> hi from a pipe$' || fail "message"
	wait_for "$T/bob.out" '<dave> to everyone$' || fail "/all"
	wait_for "$T/bob.out" '^\* dave left$' || fail "no logout"
	wait_for "$T/server.log" 'dave left \(quit\)' || fail "not a clean logout"
	# the last line needs no newline
	printf '/msg bob no newline' | timeout 10 "$BIN" --login erin "127.0.0.1:$PORT" >/dev/null 2>&1
	wait_for "$T/bob.out" '<erin> no newline$' || fail "last line without newline"
}

t_signals_log_the_client_out() {
	start_server
	start_client alice
	start_client bob
	start_client carol
	kill -TERM "${CPID[bob]}"
	kill -INT "${CPID[carol]}"
	wait_exit "${CPID[bob]}" && [ "$STATUS" = 0 ] || fail "bob after SIGTERM: $STATUS"
	wait_exit "${CPID[carol]}" && [ "$STATUS" = 0 ] || fail "carol after SIGINT: $STATUS"
	wait_for "$T/server.log" 'bob left \(quit\)' || fail "bob's logout"
	wait_for "$T/server.log" 'carol left \(quit\)' || fail "carol's logout"
	wait_count "$T/alice.out" '^\* (bob|carol) left$' 2 || fail "alice not told"
}

t_notices_arrive_once_and_in_order() {
	start_server
	start_client watcher
	expect=()
	for n in u1 u2 u3; do
		start_client $n
		expect+=("* $n is online")
		wait_for "$T/watcher.out" "^\* $n is online$" || fail "$n login"
	done
	for n in u2 u1; do
		say $n /quit
		expect+=("* $n left")
		wait_for "$T/watcher.out" "^\* $n left$" || fail "$n logout"
	done
	crash u3
	expect+=("* u3 left")
	wait_for "$T/watcher.out" '^\* u3 left$' || fail "u3 crash"
	start_client u1
	expect+=("* u1 is online")
	wait_for "$T/watcher.out" '^\* u1 is online$' || fail "u1 again"
	got=$(grep -E '^\* [^ ]+ (is online|left)$' "$T/watcher.out")
	[ "$got" = "$(printf '%s\n' "${expect[@]}")" ] || fail "notices: $got"
	wait_for "$T/u1.out" '^\* logged in as u1; 1 online: watcher$' || fail "u1's second roster"
}

t_names_in_utf8() {
	start_server
	start_client 张三
	start_client Zoë
	wait_for "$T/Zoë.out" '^\* logged in as Zoë; 1 online: 张三$' || fail "roster"
	say Zoë '/msg 张三 ni hao'
	wait_for "$T/张三.out" '<Zoë> ni hao$' || fail "message"
}

t_ipv6_loopback() {
	ip -6 addr show lo 2>/dev/null | grep -q '::1' || exit 77
	mkfifo "$T/server.in"
	(spawn "$BIN" --server -p 0 -b ::1 <"$T/server.in" >/dev/null 2>"$T/server.log") &
	PIDS+=("$!")
	exec {SFD}>"$T/server.in"
	FDS+=("$SFD")
	wait_for "$T/server.log" 'listening on UDP and TCP port [0-9]+ \(IPv6\)' || fail "server"
	PORT=$(grep -Eo 'port [0-9]+' "$T/server.log" | cut -d' ' -f2)
	printf '' | timeout 10 "$BIN" --login alice "[::1]:$PORT" >"$T/a.out" 2>&1 || fail "alice: $(cat "$T/a.out")"
	grep -q '^\* logged in as alice' "$T/a.out" || fail "no login"
	wait_for "$T/server.log" 'alice logged in from \[::1\]:[0-9]+' || fail "endpoint"
}

# ---- reliable delivery and recovery ----

t_long_message_is_split_and_shown_whole() {
	start_server
	start_client alice
	start_client bob
	text=$(for i in $(seq 1 300); do printf '第%03d段, ' "$i"; done)
	say alice "/msg bob $text"
	wait_for "$T/bob.out" "<alice> $text\$" || fail "not whole"
	[ "$(grep -c '<alice>' "$T/bob.out")" = 1 ] || fail "shown in pieces"
	say alice /pending
	wait_for "$T/alice.out" '^\* nothing pending$' || fail "/pending"
}

# A script that types faster than the peer takes messages is slowed down,
# not refused: 6000 lines at once, more than a link holds.
t_fast_script_is_slowed_not_refused() {
	start_server
	start_client bob
	seq -f '/msg bob m%05g' 1 6000 | timeout 60 "$BIN" --login fast "127.0.0.1:$PORT" >"$T/fast.out" 2>"$T/fast.err" ||
		fail "exit status $?: $(tail -n 3 "$T/fast.err")"
	wait_count "$T/bob.out" '<fast> m[0-9]{5}$' 6000 30 || fail "bob got $(grep -c '<fast>' "$T/bob.out")"
	diff <(seq -f 'm%05g' 1 6000) <(grep -Eo 'm[0-9]{5}$' "$T/bob.out") >/dev/null || fail "lost, doubled or out of order"
	[ -s "$T/fast.err" ] && fail "errors: $(head -n 3 "$T/fast.err")"
	return 0
}

# A peer that logs in and reads nothing: chat to it is resent, listed by
# /pending, and given up after 40 s with a line naming the message.
t_unacknowledged_message_is_given_up() {
	start_server
	start_client alice --insecure # the sink speaks in the clear
	python3 - "$PORT" "$T/sink" <<-'EOF' &
	import socket, sys, time
	port = int(sys.argv[1])
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.bind(("127.0.0.1", 0))
	u.sendto(("login,sink,127.0.0.1:%d" % u.getsockname()[1]).encode(), ("127.0.0.1", port))
	token = u.recv(2000).decode().split(",")[2]
	t = socket.create_connection(("127.0.0.1", port))
	t.sendall(("hello,sink,%s\n" % token).encode())
	out = open(sys.argv[2], "w")
	u.settimeout(60)
	try:
	    while True:
	        out.write("%.3f %s\n" % (time.monotonic(), u.recv(2000).decode()))
	        out.flush()
	except socket.timeout:
	    pass
	EOF
	PIDS+=("$!")
	wait_for "$T/alice.out" '^\* sink is online$' || fail "sink"
	say alice '/msg sink are you there?'
	say alice /pending
	wait_for "$T/alice.out" '^\* pending to sink: "are you there\?" \([0-9]+ sent, [0-9]+s\)$' || fail "/pending"
	wait_for "$T/alice.err" '^p2pchat: not delivered to sink: "are you there\?"$' 50 || fail "not given up"
	n=$(grep -c 'msg,alice,[0-9a-f]*,1,1,are you there?$' "$T/sink")
	# sent at 0, then 1 s and 2 s apart: about 20 times in 40 s
	[ "$n" -ge 15 ] && [ "$n" -le 25 ] || fail "sent $n times"
	say alice /pending
	wait_for "$T/alice.out" '^\* nothing pending$' || fail "still pending"
}

t_restarted_peer_is_a_new_session() {
	start_server
	start_client alice
	p=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	start_client bob -P "$p"
	say bob '/msg alice before 1'
	say alice '/msg bob hello 1'
	say alice '/msg bob hello 2'
	wait_for "$T/alice.out" '<bob> before 1$' || fail "before"
	wait_for "$T/bob.out" '<alice> hello 2$' || fail "hello 2"
	crash bob
	wait_for "$T/alice.out" '^\* bob left$' || fail "crash"
	start_client bob -P "$p"
	say bob '/msg alice after 1'
	say alice '/msg bob hello 3'
	wait_for "$T/alice.out" '<bob> after 1$' || fail "the new bob's first message was taken for a duplicate"
	wait_for "$T/bob.out" '<alice> hello 3$' || fail "the new bob did not get alice's next message"
	[ "$(grep -c '<bob>' "$T/alice.out")" = 2 ] || fail "alice shows: $(grep '<bob>' "$T/alice.out")"
}

t_server_restart_everyone_comes_back() {
	start_server
	SERVER_PORT=$PORT
	start_client alice
	start_client bob
	start_client carol
	kill -9 "$SPID"
	wait "$SPID" 2>/dev/null
	for n in alice bob carol; do
		wait_for "$T/$n.out" '^\* lost the server \(connection closed\); chat with peers goes on; logging in again$' ||
			fail "$n did not notice"
	done
	say alice '/msg bob while the server is down'
	say carol '/all carol here too'
	wait_for "$T/bob.out" '<alice> while the server is down$' || fail "chat during the outage"
	wait_for "$T/alice.out" '<carol> carol here too$' || fail "/all during the outage"
	say alice /who
	wait_for "$T/alice.out" '^\* the server is lost, so this may be stale: 2 online: ' || fail "/who while lost"
	sleep 2 # down for a while, so the clients back off
	for n in alice bob carol; do
		cp "$T/$n.out" "$T/$n.before"
	done
	start_server
	for n in alice bob carol; do
		wait_for "$T/$n.out" '^\* back online; ' 15 || fail "$n not back within 15 s"
	done
	for n in alice bob carol; do
		say $n /who
		wait_for "$T/$n.out" '^\* 2 online: ' || fail "$n's roster after the restart: $(tail -n 3 "$T/$n.out")"
	done
	console who
	wait_for "$T/server.out" '^3 online$' || fail "server roster"
	# nobody left: no one is shown leaving or coming
	for n in alice bob carol; do
		! diff "$T/$n.before" "$T/$n.out" | grep -E '^> \* [a-z]+ (left|is online)$' ||
			fail "$n was shown what did not happen: $(diff "$T/$n.before" "$T/$n.out")"
	done
	say bob '/msg carol all is well'
	wait_for "$T/carol.out" '<bob> all is well$' || fail "chat after the restart"
}

t_login_again_replaces_a_broken_session() {
	start_server
	start_client alice
	python3 - "$PORT" >"$T/py.out" 2>&1 <<-'EOF' || fail "$(cat "$T/py.out")"
	import socket, sys
	port = int(sys.argv[1])
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.settimeout(5)
	u.bind(("127.0.0.1", 0))
	me = "127.0.0.1:%d" % u.getsockname()[1]
	def session():
	    u.sendto(("login,py," + me).encode(), ("127.0.0.1", port))
	    tok = u.recv(2000).decode().split(",")[2]
	    t = socket.create_connection(("127.0.0.1", port), timeout=5)
	    t.sendall(("hello,py,%s\n" % tok).encode())
	    return t, t.makefile("rb").readline()
	old, r1 = session()
	new, r2 = session()  # as if the first session broke unnoticed
	assert old.recv(100) == b"", "the old session stays open"
	print("ok", r2.decode().strip())
	EOF
	grep -q '^ok alice,' "$T/py.out" || fail "$(cat "$T/py.out")"
	wait_for "$T/server.log" 'py left \(logged in again\)' || fail "log"
	[ "$(grep -c 'py logged in' "$T/server.log")" = 2 ] || fail "second login"
	wait_count "$T/alice.out" '^\* py (is online|left)$' 4 || fail "alice's notices"
}

t_client_that_never_reads_is_dropped() {
	start_server -m 20
	start_client alice
	start_client bob
	python3 - "$PORT" "$T/slow.out" <<-'EOF' &
	import socket, sys, time
	port = int(sys.argv[1])
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.bind(("127.0.0.1", 0))
	u.sendto(("login,slow,127.0.0.1:%d" % u.getsockname()[1]).encode(), ("127.0.0.1", port))
	tok = u.recv(2000).decode().split(",")[2]
	t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	t.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	t.connect(("127.0.0.1", port))
	t.sendall(("hello,slow,%s\n" % tok).encode())
	open(sys.argv[2], "w").write("connected\n")
	time.sleep(120)  # and never read
	EOF
	PIDS+=("$!")
	wait_for "$T/alice.out" '^\* slow is online$' || fail "slow"
	rss0=$(awk '/VmRSS/ { print $2 }' /proc/"$SPID"/status)
	# logins and logouts of long names, until the slow session overflows
	python3 - "$PORT" "$T/server.log" >"$T/churn.out" 2>&1 <<-'EOF' || fail "churn: $(tail -n 3 "$T/churn.out")"
	import socket, sys
	port = int(sys.argv[1])
	for i in range(20000):
	    # from many addresses: the server limits logins per address
	    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    u.settimeout(5)
	    u.bind(("127.1.%d.%d" % (i // 250 % 250 + 1, i % 250 + 1), 0))
	    me = "%s:%d" % u.getsockname()
	    name = "churn%027d" % i
	    u.sendto(("login,%s,%s" % (name, me)).encode(), ("127.0.0.1", port))
	    tok = u.recv(2000).decode().split(",")[2]
	    t = socket.create_connection(("127.0.0.1", port), timeout=5)
	    t.sendall(("hello,%s,%s\n" % (name, tok)).encode())
	    t.makefile("rb").readline()
	    t.sendall(("logout,%s,%s\n" % (name, me)).encode())
	    t.recv(10)
	    t.close()
	    u.close()
	    if i % 100 == 99 and "output buffer full" in open(sys.argv[2]).read():
	        print("cycles", i + 1)
	        break
	else:
	    sys.exit("never dropped")
	EOF
	wait_for "$T/server.log" 'slow left \(output buffer full\)' || fail "not dropped"
	cycles=$(awk '/cycles/ { print $2 }' "$T/churn.out")
	wait_count "$T/alice.out" '^\* churn[0-9]+ left$' "$cycles" 20 || fail "alice missed notices"
	[ "$(grep -c '^\* churn[0-9]* is online$' "$T/alice.out")" = "$cycles" ] || fail "alice's logins"
	say alice '/msg bob unaffected'
	wait_for "$T/bob.out" '<alice> unaffected$' || fail "chat"
	rss1=$(awk '/VmRSS/ { print $2 }' /proc/"$SPID"/status)
	echo "    $cycles login/logout cycles; server RSS ${rss0} kB -> ${rss1} kB"
	# the sanitizers keep freed memory in quarantine; judge growth without them
	if [ "$LABEL" = plain ] && [ $((rss1 - rss0)) -gt 4096 ]; then
		fail "server memory grew by $((rss1 - rss0)) kB"
	fi
	return 0
}

# ---- network faults, in namespaces (root) ----

t_ns_30_percent_loss_1000_messages_each_way() {
	need_root
	ns=p2pt-loss-$$
	netns "$ns"
	IN_NS=$ns
	start_server
	start_client alice -P 41001
	start_client bob -P 41002
	in_ns "$ns" nft -f - <<-'EOF' || fail "nft"
	table inet p2ptest {
		chain input {
			type filter hook input priority 0; policy accept;
			udp dport { 41001, 41002 } numgen random mod 100 < 30 counter drop
		}
	}
	EOF
	seq -f '/msg bob a%04g' 1 1000 >&"${CFD[alice]}"
	seq -f '/msg alice b%04g' 1 1000 >&"${CFD[bob]}"
	wait_count "$T/bob.out" '<alice> a[0-9]{4}$' 1000 180 || fail "bob got $(grep -c '<alice>' "$T/bob.out")"
	wait_count "$T/alice.out" '<bob> b[0-9]{4}$' 1000 180 || fail "alice got $(grep -c '<bob>' "$T/alice.out")"
	diff <(seq -f 'a%04g' 1 1000) <(grep -Eo 'a[0-9]{4}$' "$T/bob.out") >/dev/null || fail "alice to bob: lost, doubled or out of order"
	diff <(seq -f 'b%04g' 1 1000) <(grep -Eo 'b[0-9]{4}$' "$T/alice.out") >/dev/null || fail "bob to alice: lost, doubled or out of order"
	dropped=$(in_ns "$ns" nft list table inet p2ptest | grep -Eo 'packets [0-9]+' | cut -d' ' -f2)
	echo "    $dropped datagrams dropped"
	[ "${dropped:-0}" -ge 300 ] || fail "only ${dropped:-0} datagrams dropped: the loss did not happen"
	grep -q 'not delivered' "$T/alice.err" "$T/bob.err" && fail "a message was given up"
	return 0
}

t_ns_vanished_host_is_seen_leaving() {
	need_root
	s=p2pt-s-$$ c=p2pt-c-$$
	netns "$s"
	netns "$c"
	ip link add "p2s$$" type veth peer name "p2c$$" || fail "veth"
	ip link set "p2s$$" netns "$s"
	ip link set "p2c$$" netns "$c"
	ip -n "$s" addr add 10.231.7.1/24 dev "p2s$$"
	ip -n "$c" addr add 10.231.7.2/24 dev "p2c$$"
	ip -n "$s" link set "p2s$$" up
	ip -n "$c" link set "p2c$$" up
	SERVER_ADDR=10.231.7.1
	IN_NS=$s start_server
	IN_NS=$s start_client alice
	IN_NS=$c start_client carol
	wait_for "$T/alice.out" '^\* carol is online$' || fail "carol"
	# carol's host drops off the network: nothing in, nothing out
	in_ns "$c" nft -f - <<-'EOF' || fail "nft"
	table inet p2ptest {
		chain input { type filter hook input priority 0; policy drop; }
		chain output { type filter hook output priority 0; policy drop; }
	}
	EOF
	start=$(date +%s)
	wait_for "$T/alice.out" '^\* carol left$' 95 || fail "not seen leaving within 90 s"
	echo "    seen leaving after $(($(date +%s) - start)) s: $(grep 'carol left' "$T/server.log")"
	# alice said nothing but keepalives all this time, and is still online
	console who
	wait_for "$T/server.out" '^1 online$' || fail "alice was dropped too"
	grep -q 'alice left' "$T/server.log" && fail "alice was dropped"
	# carol hears no answer to her keepalives: 90 s after the last word
	# from the server, which came at most a keepalive period before the cut
	wait_for "$T/carol.out" '^\* lost the server \(no answer to keepalives\); chat with peers goes on; logging in again$' \
		$((start + 90 + 25 + 5 - $(date +%s))) || fail "carol did not notice the silence"
	echo "    carol noticed after $(($(date +%s) - start)) s"
	return 0
}

# ---- NAT traversal: homes behind routers that masquerade (network namespaces) ----

t_ns_nat_two_homes_chat_directly() {
	need_root
	internet
	home 2
	home 3
	server_counters
	nat_users alice 2 bob 3
	chat_both_ways alice bob 1 20
	say alice "/path bob"
	wait_for "$T/alice.out" '^\* bob: direct through NAT to 10\.77\.0\.3:[0-9]+, round trip [0-9]+ ms$' ||
		fail "path: $(grep '\* bob:' "$T/alice.out")"
	# the chat went from home to home: the server saw none of it
	[ "$(nft_count "$WAN" chat)" = 0 ] || fail "chat reached the server"
	[ "$(nft_count "$WAN" relayed)" = 0 ] || fail "chat went through the relay"
	[ "$(server_stat relayed)" = 0 ] || fail "the server relayed"
	out=$(nft_count "p2pt-r2-$$" out_chat)
	[ "$out" -ge 20 ] || fail "only $out chat datagrams left alice's home"
	echo "    $out chat datagrams left alice's home for bob's; the server relayed none"
}

t_ns_nat_same_home_uses_the_lan() {
	need_root
	internet
	home 2
	server_counters
	nat_users alice 2 carol 2
	chat_both_ways alice carol 1 20
	say carol "/path alice"
	wait_for "$T/carol.out" '^\* alice: LAN to 192\.168\.2\.[0-9]+:[0-9]+, round trip [0-9]+ ms$' ||
		fail "path: $(grep '\* alice:' "$T/carol.out")"
	# no hairpin through the router: the chat stayed on the LAN
	[ "$(nft_count "p2pt-r2-$$" out_chat)" = 0 ] || fail "chat left the home"
	[ "$(nft_count "$WAN" relayed)" = 0 ] || fail "chat went through the relay"
}

t_ns_nat_symmetric_nat_goes_by_relay() {
	need_root
	internet
	home 2
	home 4 random
	server_counters
	nat_users bob 2 dave 4
	chat_both_ways dave bob 1 30
	say dave "/path bob"
	wait_for "$T/dave.out" '^\* bob: relay through the server, round trip [0-9]+ ms$' ||
		fail "path: $(grep '\* bob:' "$T/dave.out")"
	relayed=$(server_stat relayed)
	[ "$relayed" -ge 60 ] || fail "the server relayed only $relayed datagrams"
	[ "$(nft_count "$WAN" chat)" = 0 ] || fail "chat reached the server unwrapped"
	echo "    the server relayed $relayed datagrams ($(nft_count "$WAN" relayed) reached it wrapped)"
}

t_ns_nat_relay_switched_off() {
	need_root
	internet
	home 2
	home 4 random
	nat_users bob 2 dave 4 -R
	say dave "/msg bob anyone there"
	sleep 5 # a burst finds no direct path, and there is no relay to fall back on
	say dave "/path bob"
	wait_for "$T/dave.out" '^\* bob: no path yet; chat goes to 10\.77\.0\.2:[0-9]+ until one answers$' ||
		fail "path: $(grep '\* bob:' "$T/dave.out")"
	grep -q 'anyone there' "$T/bob.out" && fail "it arrived without a path"
	[ "$(server_stat relayed)" = 0 ] || fail "the server relayed"
	grep -q 'not relayed 0 (relay off)' "$T/server.out" || fail "stats do not say the relay is off"
}

t_ns_nat_keepalives_keep_the_path_open() {
	need_root
	internet
	home 2
	home 3
	# mappings live 20 s without traffic: longer than a keepalive period (15 s)
	conntrack_timeouts 2 20
	conntrack_timeouts 3 20
	nat_users alice 2 bob 3
	chat_both_ways alice bob 1 3
	punches=$(server_stat punches)
	sleep 45 # more than twice the mappings' life, with nothing to say
	chat_both_ways alice bob 4 6
	[ "$(server_stat punches)" = "$punches" ] || fail "the path had to be punched again"
	[ "$(server_stat relayed)" = 0 ] || fail "the server relayed"
}

t_ns_nat_mapping_expires_mid_chat_and_is_punched_again() {
	need_root
	internet
	home 2
	home 3
	# mappings live 3 s without traffic: they lapse between keepalives
	conntrack_timeouts 2 3
	conntrack_timeouts 3 3
	nat_users alice 2 bob 3
	chat_both_ways alice bob 1 5
	punches=$(server_stat punches)
	sleep 10 # the probes of the first burst are over; the mappings lapse
	# alice alone speaks: bob's router drops her lines until both punch again
	chat_one_way alice bob 6 15
	again=$(server_stat punches)
	[ "$again" -gt "$punches" ] || fail "no new punch ($punches before, $again after)"
	chat_both_ways alice bob 16 20
	[ "$(server_stat relayed)" = 0 ] || echo "    (the relay carried some of it while the path was found again)"
	echo "    punch requests: $punches before the mappings lapsed, $again after"
}

# ---- errors and bad input ----

t_client_errors_are_one_line_and_it_carries_on() {
	start_server
	start_client alice
	start_client bob
	say alice '/msg nobody hello'
	say alice '/frobnicate'
	say alice 'a line with no recipient'
	say alice '/msg bob'
	say alice "$(printf 'bad \377 utf8')"
	say alice "/msg bob $(head -c 9000 /dev/zero | tr '\0' x)"
	say alice '/msg bob still here'
	wait_for "$T/bob.out" '<alice> still here$' || fail "alice stopped working"
	say alice /help
	wait_for "$T/alice.out" '^\* commands: /msg NAME TEXT, /to NAME, /all TEXT, /who, /path NAME, /pending,$' || fail "/help"
	wait_for "$T/alice.out" '^\*   /fingerprint \[NAME\], /accept NAME SAFETY-NUMBER, /help, /quit;$' || fail "/help, second line"
	diff - "$T/alice.err" <<-'EOF' || fail "error lines"
	p2pchat: nobody is not online
	p2pchat: unknown command /frobnicate (try /help)
	p2pchat: no one to send to: use /to NAME or /msg NAME TEXT
	p2pchat: usage: /msg NAME TEXT
	p2pchat: not sent: the line is not valid UTF-8
	p2pchat: not sent: a message holds at most 8192 bytes, and this line is longer
	EOF
	grep -q xxxx "$T/bob.out" && fail "an over-long line was sent"
	return 0
}

t_control_characters_are_shown_escaped() {
	start_server
	start_client alice
	start_client bob
	say alice "$(printf '/msg bob red\033[31malert\a \302\233x \342\200\256evil')"
	wait_for "$T/bob.out" '<alice> red\\x1b\[31malert\\x07 \\u009bx \\u202eevil$' || fail "not escaped"
	LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$T/bob.out" && fail "a control byte reached the terminal"
	return 0
}

t_spoofed_chat_is_not_shown() {
	start_server
	start_client alice
	start_client bob
	port=$(udp_port alice)
	# from a socket that is not bob's, claiming to be bob
	printf 'msg,bob,00000001,1,1,I am bob, trust me' >/dev/udp/127.0.0.1/"$port"
	printf 'msg,carol,00000001,1,1,who?' >/dev/udp/127.0.0.1/"$port"
	printf 'junk\000\377' >/dev/udp/127.0.0.1/"$port"
	wait_for "$T/alice.err" 'dropped a message from 127\.0\.0\.1:[0-9]+ claiming to be bob$' || fail "bob spoof"
	wait_for "$T/alice.err" 'dropped a bad datagram from .*: NUL byte$' || fail "junk"
	grep -q 'trust me' "$T/alice.out" && fail "the spoof was shown"
	grep -q 'who?' "$T/alice.out" && fail "a message from no one was shown"
	say bob '/msg alice the real bob'
	wait_for "$T/alice.out" '<bob> the real bob$' || fail "real bob"
}

t_server_survives_bad_input() {
	start_server
	start_client alice
	start_client bob
	for d in '' 'login' 'login,x' 'login,a b,1.2.3.4:5' 'login,eve,1.2.3.4:0' \
		'login,eve,1.2.3.4:70000' 'hello,alice,0000000000000000' "$(printf 'login,\033e,1.2.3.4:5')" \
		'login,a;b,1.2.3.4:5' 'login,a:b,1.2.3.4:5' "$(printf 'login,a\nb,1.2.3.4:5')" \
		'login,a,b,1.2.3.4:5' 'login,eve,1.2.3.4:5,extra' "$(printf 'login,\377\376,1.2.3.4:5')" \
		'logout,alice,127.0.0.1:1' "$(head -c 1500 /dev/zero | tr '\0' a)"; do
		printf '%s' "$d" >/dev/udp/127.0.0.1/"$PORT"
	done
	printf 'login,e\000ve,1.2.3.4:5' >/dev/udp/127.0.0.1/"$PORT"
	# a session that does not start with a valid hello is closed
	exec {t}<>/dev/tcp/127.0.0.1/"$PORT"
	printf 'hello,alice,0123456789abcdef\n' >&$t
	timeout 5 cat <&$t >/dev/null 2>&1
	[ $? != 124 ] || fail "bad hello not closed"
	exec {t}<>/dev/tcp/127.0.0.1/"$PORT"
	head -c 5000 /dev/zero | tr '\0' a >&$t 2>/dev/null
	timeout 5 cat <&$t >/dev/null 2>&1
	[ $? != 124 ] || fail "over-long line not closed"
	wait_for "$T/server.log" 'refused login from 127\.0\.0\.1:[0-9]+: bad name' || fail "bad name"
	say alice '/msg bob still fine'
	wait_for "$T/bob.out" '<alice> still fine$' || fail "chat broken"
	console who
	wait_for "$T/server.out" '^2 online$' || fail "roster damaged"
	grep -Eq 'alice left|bob left' "$T/server.log" && fail "a user was dropped"
	return 0
}

t_login_repeated_gets_the_same_answer() {
	start_server
	out=$(python3 - "$PORT" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(3)
	s.bind(("127.0.0.1", 0))
	me = "127.0.0.1:%d" % s.getsockname()[1]
	srv = ("127.0.0.1", int(sys.argv[1]))
	def ask(msg):
	    s.sendto(msg.encode(), srv)
	    return s.recvfrom(2000)[0].decode()
	a = ask("login,frank," + me)
	b = ask("login,frank," + me)
	print(a == b and a.startswith("Accept,%s," % sys.argv[1]), a, b)
	o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	o.settimeout(3)
	o.sendto(("login,FRANK," + me).encode(), srv)
	print(o.recvfrom(2000)[0].decode())
	print(ask("login,bad name," + me))
	print(ask("login,x"))
	EOF
	) || fail "python: $out"
	[ "$(echo "$out" | sed -n 1p | cut -d' ' -f1)" = True ] || fail "answers differ: $out"
	[ "$(echo "$out" | sed -n 2p)" = "Reject,name taken" ] || fail "other source: $out"
	[ "$(echo "$out" | sed -n 3p)" = "Reject,bad name" ] || fail "bad name: $out"
	[ "$(echo "$out" | sed -n 4p)" = "Reject,bad request" ] || fail "bad request: $out"
}

t_login_is_resent_then_given_up() {
	# a "server" that reads logins and never answers
	python3 - "$T/port" >"$T/got" <<-'EOF' &
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0))
	open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
	import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
	s.settimeout(12)
	try:
	    while True:
	        print(s.recv(2000).decode(), flush=True)
	except socket.timeout:
	    pass
	EOF
	PIDS+=("$!")
	wait_for "$T/port" '^[0-9]+$' || fail "python"
	timeout 20 "$BIN" --login alice "127.0.0.1:$(cat "$T/port")" </dev/null >/dev/null 2>"$T/err"
	[ $? = 1 ] || fail "exit status $?"
	grep -qx "p2pchat: no answer from the server at 127.0.0.1:$(cat "$T/port") (UDP)" "$T/err" || fail "$(cat "$T/err")"
	[ "$(grep -Ec '^login,alice,127\.0\.0\.1:[0-9]+,[0-9a-f]{64}$' "$T/got")" = 4 ] || fail "logins sent: $(cat "$T/got")"
	timeout 10 "$BIN" --login alice no-such-host.invalid </dev/null >/dev/null 2>"$T/err"
	[ $? = 1 ] || fail "unresolvable host: exit status $?"
	grep -q "^p2pchat: cannot resolve no-such-host.invalid: " "$T/err" || fail "$(cat "$T/err")"
}

# Host names without the C library's resolver: /etc/hosts, then the name
# servers of resolv.conf (here the namespace's own, as ip netns exec lays
# them over /etc): the first refuses (nothing listens), the second, a fake
# in python, answers with spoofs first (another id, another question),
# then a CNAME and the address; search domains for a name without a dot;
# an AAAA answer when there is no A; no such host; a server that is silent.
t_ns_host_names_from_hosts_and_name_servers() {
	need_root
	local ns=p2pt-dns-$$ name
	netns "$ns"
	ip -n "$ns" -6 addr add ::1/128 dev lo 2>/dev/null
	mkdir -p "/etc/netns/$ns"
	printf '# the namespace'"'"'s own\n127.0.0.1\tother.test  fromhosts.test # alias\n' >"/etc/netns/$ns/hosts"
	printf 'nameserver 127.0.0.2\nnameserver 127.0.0.3 # the fake\nsearch corp.test\n' >"/etc/netns/$ns/resolv.conf"
	in_ns "$ns" python3 - "$T" >"$T/dns.log" 2>&1 <<-'EOF' &
	import os, socket, struct, sys, time
	d = sys.argv[1]
	open(d + "/dns.pid", "w").write("%d\n" % os.getpid())
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.3", 53))
	v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)  # where v6.test points
	v6.bind(("::1", 0))
	open(d + "/v6port", "w").write("%d\n" % v6.getsockname()[1])
	v6.setblocking(False)
	def name(labels):
	    return b"".join(bytes([len(l)]) + l.encode() for l in labels.split(".")) + b"\0"
	def rr(owner, rtype, data):
	    return owner + struct.pack(">HHIH", rtype, 1, 60, len(data)) + data
	print("ready", flush=True)
	stop = time.time() + 120  # (cleanup kills it sooner)
	while time.time() < stop:
	    try:
	        got = v6.recv(2000)
	        open(d + "/v6got", "a").write(got.decode(errors="replace") + "\n")
	    except BlockingIOError:
	        pass
	    s.settimeout(0.05)
	    try:
	        q, src = s.recvfrom(600)
	    except socket.timeout:
	        continue
	    qid, = struct.unpack(">H", q[:2])
	    end = q.index(b"\0", 12) + 1
	    labels, i = [], 12
	    while q[i]:
	        labels.append(q[i + 1:i + 1 + q[i]].decode())
	        i += 1 + q[i]
	    qname, (qtype,) = ".".join(labels).lower(), struct.unpack(">H", q[end:end + 2])
	    question = q[12:end + 4]
	    print("asked", qname, qtype, flush=True)
	    if qname == "slow.test":
	        continue
	    head = lambda i, flags, an: struct.pack(">HHHHHH", i, flags, 1, an, 0, 0)
	    ptr = b"\xc0\x0c"
	    if qname == "dns.test" and qtype == 1:
	        spoof = rr(ptr, 1, bytes([127, 0, 0, 9]))
	        s.sendto(head(qid ^ 1, 0x8180, 1) + question + spoof, src)
	        s.sendto(head(qid, 0x8180, 1) + name("evil.test") + q[end:end + 4] + spoof, src)
	        real = name("real.test")
	        s.sendto(head(qid, 0x8180, 2) + question + rr(ptr, 5, real) +
	                 rr(real, 1, bytes([127, 0, 0, 1])), src)
	    elif qname == "short.corp.test" and qtype == 1:
	        s.sendto(head(qid, 0x8180, 1) + question + rr(ptr, 1, bytes([127, 0, 0, 1])), src)
	    elif qname == "v6.test" and qtype == 28:
	        s.sendto(head(qid, 0x8180, 1) + question + rr(ptr, 28, socket.inet_pton(socket.AF_INET6, "::1")), src)
	    elif qname in ("dns.test", "v6.test"):
	        s.sendto(head(qid, 0x8180, 0) + question, src)  # no address of that kind
	    else:
	        s.sendto(head(qid, 0x8183, 0) + question, src)  # NXDOMAIN
	EOF
	PIDS+=("$!")
	wait_for "$T/dns.log" '^ready$' || fail "fake name server: $(cat "$T/dns.log")"
	PIDS+=("$(cat "$T/dns.pid")") # (not a child of this shell: in_ns runs it)
	IN_NS=$ns start_server
	for name in fromhosts.test dns.test short; do
		in_ns "$ns" timeout 20 "$BIN" --login "alice" "$name:$PORT" </dev/null >"$T/a.out" 2>&1 ||
			fail "$name: $(cat "$T/a.out")"
		grep -q '^\* logged in as alice' "$T/a.out" || fail "$name: $(cat "$T/a.out")"
	done
	[ "$(grep -c 'alice logged in from 127\.0\.0\.1:' "$T/server.log")" = 3 ] || fail "$(cat "$T/server.log")"
	grep -q '^asked short.corp.test 1$' "$T/dns.log" || fail "search domain not asked: $(cat "$T/dns.log")"
	! grep -q 'asked fromhosts' "$T/dns.log" || fail "asked the name servers for a name in hosts"
	in_ns "$ns" timeout 20 "$BIN" --login alice "v6.test:$(cat "$T/v6port")" </dev/null >/dev/null 2>&1 &
	PIDS+=("$!")
	wait_for "$T/v6got" '^login,alice,' || fail "nothing came to [::1] for v6.test: $(cat "$T/dns.log")"
	in_ns "$ns" timeout 20 "$BIN" --login alice "nowhere.test:$PORT" </dev/null >/dev/null 2>"$T/err"
	grep -qx 'p2pchat: cannot resolve nowhere.test: no such host' "$T/err" || fail "$(cat "$T/err")"
	in_ns "$ns" timeout 20 "$BIN" --login alice "slow.test:$PORT" </dev/null >/dev/null 2>"$T/err"
	grep -qx 'p2pchat: cannot resolve slow.test: no answer from the name servers' "$T/err" || fail "$(cat "$T/err")"
}

# A client written from the man page's PROTOCOL, in python: the wire format
# as documented, and a UDP logout that counts only from the user's endpoint.
t_relay_is_rate_limited_and_only_for_users() {
	start_server
	start_client alice --insecure # python speaks in the clear
	python3 - "$PORT" "$(udp_port alice)" >"$T/py.out" 2>&1 <<-'EOF' &
	import socket, sys, time
	port, alice = int(sys.argv[1]), int(sys.argv[2])
	def login(name):
	    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    u.bind(("127.0.0.1", 0))
	    u.settimeout(5)
	    u.sendto(("login,%s,127.0.0.1:%d" % (name, u.getsockname()[1])).encode(), ("127.0.0.1", port))
	    token = u.recv(2000).decode().split(",")[2]
	    t = socket.create_connection(("127.0.0.1", port), timeout=5)
	    t.sendall(("hello,%s,%s\n" % (name, token)).encode())
	    t.makefile("rb").readline()
	    return u, t
	u, t = login("py")
	# a stranger's relay request is not passed on
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.sendto(b"relay,alice,msg,py,0000abcd,1,1,from a stranger", ("127.0.0.1", port))
	# 200 datagrams of 1000 bytes in 0.2 s: 64 KiB pass, then 32 KiB a second
	pad = "x" * 960
	for k in range(200):
	    u.sendto(("relay,alice,msg,py,0000abcd,%d,1,%03d %s" % (k + 1, k, pad)).encode(), ("127.0.0.1", port))
	    time.sleep(0.001)
	print("sent", flush=True)
	time.sleep(10)
	EOF
	PIDS+=("$!")
	wait_for "$T/py.out" '^sent$' || fail "python: $(cat "$T/py.out")"
	sleep 1
	wait_for "$T/alice.out" '<py> 000 x' || fail "the relayed chat did not arrive"
	refused=$(server_stat 'not relayed')
	got=$(grep -c '<py> [0-9][0-9][0-9] x' "$T/alice.out")
	[ "$got" -ge 50 ] && [ "$got" -le 80 ] || fail "$got of 200 sent in 0.2 s reached alice"
	[ "$refused" -ge 120 ] || fail "only $refused not relayed"
	grep -q 'from a stranger' "$T/alice.out" && fail "a stranger's datagram was relayed"
	echo "    of 200 datagrams of 1000 bytes sent in 0.2 s, $got relayed, $refused not"
}

t_raw_protocol_and_udp_logout() {
	start_server -v
	start_client alice --insecure # python speaks in the clear
	python3 - "$PORT" "$(udp_port alice)" >"$T/py.out" 2>&1 <<-'EOF' &
	import socket, sys, time
	port, alice = int(sys.argv[1]), int(sys.argv[2])
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.bind(("127.0.0.1", 0))
	u.settimeout(5)
	me = "127.0.0.1:%d" % u.getsockname()[1]
	u.sendto(("login,py," + me).encode(), ("127.0.0.1", port))
	kind, tport, token, *more = u.recv(2000).decode().split(",")
	assert kind == "Accept" and int(tport) == port and len(token) == 16, (kind, tport, token)
	assert more == ["relay"], more  # the server relays unless -R
	t = socket.create_connection(("127.0.0.1", port), timeout=5)
	t.sendall(("hello,py,%s\n" % token).encode())
	f = t.makefile("rb")
	print("roster:", f.readline().decode().rstrip("\n"), flush=True)
	# sent again until acknowledged, as a client does: alice may hear of py
	# (a notice) after its first datagram, and drops that one
	u.settimeout(0.5)
	for _ in range(10):
	    u.sendto(("msg,py,0000abcd,1,1,hi alice, from python").encode(), ("127.0.0.1", alice))
	    try:
	        ack = u.recv(2000).decode()
	        break
	    except socket.timeout:
	        pass
	u.settimeout(5)
	print("ack:", ack, flush=True)
	print("notice:", f.readline().decode().rstrip("\n"), flush=True)
	other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	other.settimeout(1)
	other.sendto(b"ping,py", ("127.0.0.1", port))
	try:
	    print("pong to a stranger:", other.recv(100), flush=True)
	except socket.timeout:
	    pass
	u.sendto(b"ping,py", ("127.0.0.1", port))
	print("keepalive:", u.recv(100).decode(), flush=True)
	other.sendto(("logout,py," + me).encode(), ("127.0.0.1", port))
	time.sleep(0.3)
	u.sendto(("logout,py," + me).encode(), ("127.0.0.1", port))
	print("after logout:", f.readline().decode(), flush=True)
	EOF
	PIDS+=("$!")
	wait_for "$T/py.out" '^roster: ' || fail "python: $(cat "$T/py.out")"
	grep -qx "roster: alice,127.0.0.1:$(udp_port alice);end" "$T/py.out" || fail "$(cat "$T/py.out")"
	wait_for "$T/alice.out" '^\* py is online$' || fail "alice not told"
	wait_for "$T/alice.out" '<py> hi alice, from python$' || fail "chat from python"
	wait_for "$T/py.out" '^ack: ack,alice,0000abcd,1,1$' || fail "no ack: $(cat "$T/py.out")"
	start_client bob
	wait_for "$T/py.out" "^notice: login,bob,127\.0\.0\.1:$(udp_port bob),[0-9a-f]{64}$" || fail "notice: $(cat "$T/py.out")"
	wait_for "$T/py.out" '^keepalive: pong$' || fail "no pong: $(cat "$T/py.out")"
	grep -q 'pong to a stranger' "$T/py.out" && fail "a keepalive from another endpoint was answered"
	wait_for "$T/server.log" 'ignored a keepalive of py from 127\.0\.0\.1:[0-9]+' || fail "forged keepalive not ignored"
	wait_for "$T/server.log" 'ignored a logout of py from 127\.0\.0\.1:[0-9]+' || fail "forged logout not ignored"
	wait_for "$T/alice.out" '^\* py left$' || fail "UDP logout"
	wait_for "$T/server.log" 'py left \(logout\)' || fail "server log"
	wait_for "$T/py.out" '^after logout: $' || fail "session not closed: $(cat "$T/py.out")"
	grep -q 'udp 127.0.0.1:[0-9]* < login,py,' "$T/server.log" || fail "-v shows no protocol detail"
}

t_token_expires_and_must_match() {
	start_server
	start_client alice --insecure # no key: the roster line as python reads it
	python3 - "$PORT" "$(udp_port alice)" >"$T/py.out" 2>&1 <<-'EOF' || fail "$(cat "$T/py.out")"
	import socket, sys, time
	port, alice = int(sys.argv[1]), int(sys.argv[2])
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.settimeout(5)
	def login(name):
	    u.sendto(("login,%s,127.0.0.1:9" % name).encode(), ("127.0.0.1", port))
	    return u.recv(2000).decode().split(",")[2]
	def hello(name, token):
	    t = socket.create_connection(("127.0.0.1", port), timeout=5)
	    t.sendall(("hello,%s,%s\n" % (name, token)).encode())
	    try:
	        return t.recv(2000)
	    except ConnectionResetError:
	        return b""
	tok = login("late")
	wrong = "0" * 16 if tok != "0" * 16 else "1" * 16
	assert hello("late", wrong) == b"", "a wrong token opened a session"
	assert hello("nobody", tok) == b"", "a token opened another name's session"
	time.sleep(10.5)
	assert hello("late", tok) == b"", "an expired token opened a session"
	tok = login("late")
	got = hello("late", tok)
	assert got == b"alice,127.0.0.1:%d;end\n" % alice, got
	print("ok")
	EOF
	grep -qx ok "$T/py.out" || fail "$(cat "$T/py.out")"
	grep -q 'late logged in' "$T/server.log" || fail "a fresh login after expiry failed"
	[ "$(grep -c 'late logged in' "$T/server.log")" = 1 ] || fail "logged in more than once"
}

t_usage_errors_exit_2() {
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		"$BIN" $args </dev/null >/dev/null 2>"$T/err"
		st=$?
		[ $st = 2 ] || fail "'$args': exit status $st"
		head -n 1 "$T/err" | grep -q "^p2pchat: $want" || fail "'$args': $(head -n 1 "$T/err")"
	done <<-'EOF'
	|choose --server or --login NAME
	--server --login x|--server and --login exclude each other
	--bogus|unknown option --bogus
	-x|unknown option -x
	--server -p|--port needs a value
	--server -p 65536|-p wants a number from 0 to 65535
	--server -p abc|-p wants a number from 0 to 65535
	--server -m 0|-m wants a number from 1 to 100000
	--server extra|the server takes no argument "extra"
	--server -P 5|-P, -i, -I and --plain are for a client
	--server --insecure|-P, -i, -I and --plain are for a client
	--login a -I -i k|--insecure uses no key: drop --identity
	--login a --identity=|--identity needs a file name
	--login a -p 5|-p, -b, -m and -R are for the server
	--login a -R|-p, -b, -m and -R are for the server
	--login a b c|one server only, not "c" too
	--login a,b|invalid name "a,b"
	--login a:9|invalid name "a:9"
	--login abcdefghijklmnopqrstuvwxyz0123456|invalid name
	--login a host:0|the server port wants a number from 1 to 65535
	--login a [::1|bad server address
	--verbose=1 --server|--verbose takes no value
	EOF
	"$BIN" --help >"$T/help" || fail "--help exit status"
	for f in --server --login --port --bind --max-users --no-relay --local-port --verbose --version; do
		grep -q -- "$f" "$T/help" || fail "--help lacks $f"
	done
	"$BIN" -V | grep -q '^p2pchat [0-9]' || fail "--version"
}

# ---- hostile input and overload ----

t_replies_never_amplify() {
	start_server
	start_client alice
	python3 - "$PORT" >"$T/amp.out" 2>&1 <<-'EOF'
	import socket, sys
	port = int(sys.argv[1])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.3", 0))
	s.settimeout(0.3)
	probes = [b"login,", b"login,x", b"login,a", b"login,a,", b"login,a,1.2.3.4:5",
	          b"login,a b,1.2.3.4:5", b"login,alice,1.2.3.4:5", b"login,\xff,1.2.3.4:5",
	          b"login,b,1.2.3.4:0", b"login,c,1.2.3.4:70000", b"ping,alice", b"ping,x",
	          b"logout,alice,1.2.3.4:5", b"hello,a,0123456789abcdef", b"x", b"",
	          b"login,d,1.2.3.4:5,extra", b"login,e\0,1.2.3.4:5"]
	answered = 0
	for p in probes:
	    s.sendto(p, ("127.0.0.1", port))
	    try:
	        r = s.recv(65536)
	    except socket.timeout:
	        continue
	    answered += 1
	    assert len(r) <= 3 * len(p), (p, r)
	    assert b";" not in r and b"end" not in r, (p, r)
	print("ok", answered, "answered of", len(probes))
	EOF
	grep -q '^ok [0-9]' "$T/amp.out" || fail "$(cat "$T/amp.out")"
	echo "    $(cat "$T/amp.out")"
}

t_login_burst_from_one_source_is_limited() {
	start_server
	start_client alice
	start_client bob
	python3 - "$PORT" >"$T/burst.out" 2>&1 <<-'EOF'
	import socket, sys, time
	port = int(sys.argv[1])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0))
	for i in range(200):
	    s.sendto(b"login,burst%03d,127.0.0.1:9" % i, ("127.0.0.1", port))
	s.settimeout(1)
	accepts = 0
	try:
	    while True:
	        accepts += s.recv(100).startswith(b"Accept,")
	except socket.timeout:
	    pass
	o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	o.bind(("127.0.0.2", 0))
	o.settimeout(2)
	o.sendto(b"login,other,127.0.0.2:9", ("127.0.0.1", port))
	print(accepts, o.recv(100).decode())
	EOF
	read -r accepts other <"$T/burst.out" || fail "$(cat "$T/burst.out")"
	[ "$accepts" -le 25 ] || fail "$accepts of 200 logins accepted"
	[ "${other%%,*}" = Accept ] || fail "another address was refused: $(cat "$T/burst.out")"
	# a line for each, as long as the limit of such lines allows (10 in 10 s)
	n=$(grep -c 'too many logins from 127.0.0.1' "$T/server.log")
	[ "$n" -ge 1 ] && [ "$n" -le 10 ] || fail "$n log lines"
	console stats
	wait_for "$T/server.out" 'rate-limited (1[5-9][0-9]|200)' || fail "stats: $(cat "$T/server.out")"
	say alice '/msg bob through the flood'
	wait_for "$T/bob.out" '<alice> through the flood$' || fail "chat"
	# the accepted ones never said hello: no one sees them
	grep -q burst "$T/alice.out" && fail "a login without a session reached a roster"
	console who
	wait_for "$T/server.out" '^2 online$' || fail "roster"
}

t_max_users_refuses_with_server_full() {
	start_server -m 2
	start_client alice
	start_client bob
	"$BIN" --login carol "127.0.0.1:$PORT" </dev/null >/dev/null 2>"$T/carol.err"
	[ $? = 1 ] || fail "exit status"
	grep -qx 'p2pchat: login refused: the server is full' "$T/carol.err" || fail "$(cat "$T/carol.err")"
	say bob /quit
	wait_for "$T/alice.out" '^\* bob left$' || fail "bob"
	printf '/msg alice room now\n' | "$BIN" --login carol "127.0.0.1:$PORT" >/dev/null 2>"$T/carol.err" ||
		fail "carol after bob left: $(cat "$T/carol.err")"
	wait_for "$T/alice.out" '<carol> room now$' || fail "chat"
}

t_idle_connections_and_slowloris() {
	start_server
	start_client alice
	start_client bob
	python3 - "$PORT" >"$T/flood.out" 2>&1 <<-'EOF' &
	import resource, socket, sys, time
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
	port = int(sys.argv[1])
	conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2000)]
	slow = socket.create_connection(("127.0.0.1", port))
	print("flooded", flush=True)
	start = time.monotonic()
	try:
	    for c in b"hello,slowloris,0123456789abcdef\n":
	        slow.send(bytes([c]))
	        slow.settimeout(1)
	        try:
	            if slow.recv(100) == b"":
	                break
	        except socket.timeout:
	            pass
	except OSError:
	    pass
	print("slowloris closed after %.0f s" % (time.monotonic() - start), flush=True)
	time.sleep(30)
	EOF
	PIDS+=("$!")
	wait_for "$T/flood.out" '^flooded$' 30 || fail "flood: $(cat "$T/flood.out")"
	start_client carol
	say carol '/all hello during the flood'
	wait_for "$T/alice.out" '<carol> hello during the flood$' || fail "chat"
	wait_for "$T/flood.out" '^slowloris closed after' 15 || fail "slowloris not closed"
	secs=$(grep -Eo 'after [0-9]+' "$T/flood.out" | cut -d' ' -f2)
	[ "$secs" -le 12 ] || fail "slowloris lasted $secs s"
	console stats
	wait_for "$T/server.out" '^online 3, ' || fail "stats: $(cat "$T/server.out")"
	crowded=$(grep -Eo 'crowded out [0-9]+' "$T/server.out" | tail -n 1 | cut -d' ' -f3)
	[ "${crowded:-0}" -ge 1700 ] || fail "crowded out ${crowded:-0}"
	echo "    $crowded idle connections crowded out; $(grep slowloris "$T/flood.out")"
}

t_fd_exhaustion_keeps_serving() {
	command -v prlimit >/dev/null || skip "needs prlimit"
	WRAP=(prlimit --nofile=64:64 --)
	start_server
	WRAP=()
	start_client alice
	start_client bob
	python3 - "$PORT" "$T/stop" >"$T/fds.out" 2>&1 <<-'EOF' &
	import socket, sys, time
	port = int(sys.argv[1])
	conns = []
	for _ in range(150):
	    try:
	        conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
	    except OSError as e:
	        print("connect:", e, flush=True)
	print("holding", len(conns), flush=True)
	while not __import__("os").path.exists(sys.argv[2]):
	    time.sleep(0.1)
	EOF
	PIDS+=("$!")
	wait_for "$T/fds.out" '^holding' 30 || fail "$(cat "$T/fds.out")"
	start_client carol
	say carol '/msg alice fds are short'
	wait_for "$T/alice.out" '<carol> fds are short$' || fail "chat"
	touch "$T/stop"
	start_client dave
	console stats
	wait_for "$T/server.out" '^online 4, ' || fail "stats: $(cat "$T/server.out")"
	grep -Eq 'crowded out [1-9]' "$T/server.out" || fail "nothing crowded out: the limit was not reached"
}

t_open_files_limit_is_raised_to_the_hard_limit() {
	command -v prlimit >/dev/null || skip "needs prlimit"
	WRAP=(prlimit --nofile=64:4096 --)
	start_server
	[ "$(awk '/Max open files/ { print $4 }' /proc/"$SPID"/limits)" = 4096 ] ||
		fail "$(grep 'Max open files' /proc/"$SPID"/limits)"
}

t_random_datagrams_harm_no_one() {
	start_server
	start_client alice
	start_client bob
	python3 - "$PORT" "$(udp_port alice)" <<-'EOF' || fail "python"
	import random, socket, sys
	port, alice = int(sys.argv[1]), int(sys.argv[2])
	rnd = random.Random(7)
	valid = [b"login,zed,1.2.3.4:5", b"ping,alice", b"logout,bob,127.0.0.1:9", b"msg,bob,00000001,1,1,hi",
	         b"part,bob,00000001,1,1,x", b"ack,bob,00000001,1,1", b"hello,a,0123456789abcdef"]
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.5", 0))
	for i in range(10000):
	    if i % 3:
	        d = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 1400)))
	    else:  # a valid message, mutated
	        d = bytearray(rnd.choice(valid))
	        for _ in range(rnd.randrange(1, 4)):
	            k = rnd.randrange(len(d))
	            d[k] = rnd.randrange(256)
	        d = bytes(d)
	    s.sendto(d, ("127.0.0.1", port if i % 2 else alice))
	EOF
	say alice '/msg bob after the storm'
	wait_for "$T/bob.out" '<alice> after the storm$' || fail "chat"
	say bob '/msg alice me too'
	wait_for "$T/alice.out" '<bob> me too$' || fail "chat back"
	console who
	wait_for "$T/server.out" '^2 online$' || fail "roster"
	n=$(wc -l <"$T/alice.err")
	[ "$n" -le 12 ] || fail "alice printed $n lines about junk"
	return 0
}

t_hostile_session_lines() {
	start_server
	start_client alice
	python3 - "$PORT" >"$T/py.out" 2>&1 <<-'EOF'
	import socket, sys, time
	port = int(sys.argv[1])
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	u.bind(("127.0.0.1", 0))
	u.sendto(("login,py,127.0.0.1:%d" % u.getsockname()[1]).encode(), ("127.0.0.1", port))
	tok = u.recv(100).decode().split(",")[2]
	t = socket.create_connection(("127.0.0.1", port))
	t.sendall(("hello,py,%s\n" % tok).encode())
	t.recv(1000)
	for line in [b"a\0b", b"\xff\xfe", b"logout,alice,127.0.0.1:9", b"login,x,1.2.3.4:5",
	             b"logout,py", b"logout,py,1.2.3.4:0", b"logout,py\x1b[2J,1.2.3.4:5", b""]:
	    t.sendall(line + b"\n")
	time.sleep(0.5)
	print("still open", flush=True)
	t.sendall(b"x" * 5000 + b"\n")
	t.settimeout(5)
	try:
	    print("closed" if t.recv(100) == b"" else "open")
	except ConnectionResetError:
	    print("closed")
	for bad in [b"hello,a,b,c\n", b"hello,a\x1b,0123456789abcdef\n", b"\n", b"junk\n"]:
	    c = socket.create_connection(("127.0.0.1", port))
	    c.sendall(bad)
	    c.settimeout(5)
	    try:
	        print("bad hello", "closed" if c.recv(100) == b"" else "answered")
	    except ConnectionResetError:
	        print("bad hello closed")
	EOF
	grep -q '^still open$' "$T/py.out" || fail "$(cat "$T/py.out")"
	grep -q '^closed$' "$T/py.out" || fail "over-long line: $(cat "$T/py.out")"
	[ "$(grep -c '^bad hello closed$' "$T/py.out")" = 4 ] || fail "$(cat "$T/py.out")"
	[ "$(grep -c 'py: ignored a line' "$T/server.log")" = 8 ] || fail "$(grep 'py:' "$T/server.log")"
	wait_for "$T/server.log" 'py left \(line too long\)' || fail "not dropped"
	grep -q 'alice left' "$T/server.log" && fail "a logout for alice was obeyed"
	LC_ALL=C grep -q "$(printf '\033')" "$T/server.log" && fail "ESC reached the server's log"
	return 0
}

t_forged_endpoints_get_few_probes() {
	# a lying server: 200 users, all at one victim's address, and a punch
	# request for each; the client may probe them all, but only so fast
	python3 - "$T" >"$T/fake.out" 2>&1 <<-'EOF' &
	import socket, sys, time
	sys.path.insert(0, "tests")
	from fake_server import count_for, serve_one, victim
	d = sys.argv[1]
	victim, vep = victim()
	u, c, src, port = serve_one(d, relay=True)
	c.sendall("".join("u%d,%s;" % (k, vep) for k in range(200)).encode() + b"end\n")
	time.sleep(0.5)
	c.sendall("".join("punch,u%d\n" % k for k in range(200)).encode())
	got = count_for(victim, 5)
	open(d + "/probes", "w").write("%d\n" % got)
	time.sleep(5)
	EOF
	PIDS+=("$!")
	start_victim
	wait_for "$T/probes" '^[0-9]+$' 15 || fail "$(cat "$T/fake.out" "$T/v.err")"
	got=$(cat "$T/probes")
	# the budget of one address: 64 at once, 32 a second for the 5 s
	# counted, and a little for the clock's edges
	[ "$got" -gt 0 ] && [ "$got" -le $((64 + 32 * 6)) ] || fail "$got probes reached the forged endpoint in 5 s"
	echo "    $got probes in 5 s for 200 forged users at one address"
}

# A server that sends escape sequences cannot reach the client's terminal.
t_hostile_server_cannot_reach_the_terminal() {
	python3 - "$T" >"$T/fake.out" 2>&1 <<-'EOF' &
	import socket, sys
	sys.path.insert(0, "tests")
	from fake_server import listen
	d = sys.argv[1]
	u, l, port = listen(d)
	def session(roster, *lines):
	    data, src = u.recvfrom(2000)
	    u.sendto(b"Accept,%d,0123456789abcdef" % port, src)
	    c, _ = l.accept()
	    c.recv(100)
	    c.sendall(roster)
	    for x in lines:
	        c.sendall(x)
	    return c
	keep = session(b"end\n", b"login,\x1b[31mevil,1.2.3.4:5\n", b"Reject,\x1b]0;pwned\x07\n",
	               b"login,ok,1.2.3.4:5\n", b"logout,ok,1.2.3.4:5,\x1b[2J\n", b"logout,ok,1.2.3.4:5\n")
	session(b"bad\x1bname,1.2.3.4:5;end\n")
	data, src = u.recvfrom(2000)
	u.sendto(b"Reject,\x1b[5mblink\x07", src)
	import time; time.sleep(10)
	EOF
	PIDS+=("$!")
	start_victim
	wait_for "$T/v.out" '^\* ok left$' || fail "$(cat "$T/v.out" "$T/v.err")"
	wait_count "$T/v.err" 'ignored a line from the server' 3 || fail "$(cat "$T/v.err")"
	timeout 10 "$BIN" --login victim2 "127.0.0.1:$PORT" </dev/null >>"$T/v.out" 2>>"$T/v.err"
	[ $? = 1 ] || fail "a bad roster was accepted"
	timeout 10 "$BIN" --login victim3 "127.0.0.1:$PORT" </dev/null >>"$T/v.out" 2>>"$T/v.err"
	grep -q 'login refused: \\x1b\[5mblink\\x07$' "$T/v.err" || fail "$(cat "$T/v.err")"
	LC_ALL=C grep -q "$(printf '\033')" "$T/v.out" "$T/v.err" && fail "ESC reached the terminal"
	return 0
}

t_valgrind_full_session() {
	[ "$LABEL" = plain ] || skip "valgrind runs on the plain build"
	command -v valgrind >/dev/null || skip "needs valgrind"
	WRAP=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T/vg.%p")
	LIMIT=30
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob under valgrind, 你好'
	wait_for "$T/bob.out" '<alice> under valgrind, 你好$' || fail "chat"
	say bob '/to alice'
	say bob "$(head -c 3000 /dev/zero | tr '\0' y)"
	wait_for "$T/alice.out" '<bob> yyyy' || fail "long message"
	say bob /who
	say bob /pending
	say alice /quit
	wait_exit "${CPID[alice]}" && [ "$STATUS" = 0 ] || fail "alice: exit $STATUS"
	close_stdin bob
	wait_exit "${CPID[bob]}" && [ "$STATUS" = 0 ] || fail "bob: exit $STATUS"
	console quit
	wait_exit "$SPID" && [ "$STATUS" = 0 ] || fail "server: exit $STATUS"
	for f in "$T"/vg.*; do
		[ -s "$f" ] && fail "valgrind: $(head -n 30 "$f")"
	done
	echo "    3 processes under valgrind: no errors, no leaks"
}

# ---- end-to-end encryption ----

t_crypto_agrees_with_openssl_and_python() {
	local tool=tests/crypto_tool
	[ "$LABEL" = plain ] || tool=san/crypto_tool
	[ -x "$tool" ] || fail "no $tool: make check builds it"
	python3 -c 'import cryptography' 2>/dev/null || skip "needs python3-cryptography"
	command -v openssl >/dev/null || skip "needs openssl"
	python3 tests/crypto_diff.py "$tool" 300 >"$T/diff.out" 2>&1
	case $? in
	0) sed 's/^/    /' "$T/diff.out" ;;
	77) skip "$(tail -n 1 "$T/diff.out")" ;;
	*) fail "$(tail -n 3 "$T/diff.out")" ;;
	esac
}

# the handshake is Noise's: the published vectors replay byte for byte through secure.c
t_noise_test_vectors_replay_byte_for_byte() {
	local tool=tests/crypto_tool
	[ "$LABEL" = plain ] || tool=san/crypto_tool
	[ -x "$tool" ] || fail "no $tool: make check builds it"
	python3 tests/noise_vectors.py "$tool" >"$T/vec.out" 2>&1
	case $? in
	0) sed 's/^/    /' "$T/vec.out" ;;
	77) skip "$(tail -n 1 "$T/vec.out")" ;;
	*) fail "$(cat "$T/vec.out")" ;;
	esac
}

# keys: a client's key file is made private, and a bad one is refused in one line
t_e2e_identity_file_is_made_private_and_checked() {
	local f=$T/cfg/alice/p2pchat/identity
	start_server
	start_client alice
	grep -q "^\* a new key is yours, kept in $f$" "$T/alice.out" || fail "no word of the new key: $(cat "$T/alice.out")"
	[ "$(stat -c %a "$f")" = 600 ] || fail "identity mode $(stat -c %a "$f")"
	[ "$(stat -c %a "${f%/identity}")" = 700 ] || fail "directory mode"
	grep -Eqx '[0-9a-f]{64}' "$f" || fail "identity: $(cat "$f")"
	say alice /fingerprint
	wait_for "$T/alice.out" '^\* your key: [0-9a-f]{64}$' || fail "/fingerprint"
	say alice /quit
	wait_exit "${CPID[alice]}" || fail "alice did not quit"
	# the same key next time, and no word of a new one
	start_client alice
	grep -q "new key" "$T/alice.out" && fail "a second new key"
	say alice /quit
	wait_exit "${CPID[alice]}"
	printf 'not a key\n' >"$T/bad.key"
	chmod 600 "$T/bad.key"
	cp "$f" "$T/open.key"
	chmod 644 "$T/open.key"
	for k in "bad:does not hold a key (64 hex digits)" "open:is open to others: chmod 600 $T/open.key"; do
		timeout 10 "$BIN" --login zed -i "$T/${k%%:*}.key" "127.0.0.1:$PORT" </dev/null >"$T/o" 2>"$T/e"
		[ $? = 1 ] || fail "${k%%:*} key: exit status"
		[ "$(wc -l <"$T/e")" = 1 ] && grep -qF "${k#*:}" "$T/e" || fail "${k%%:*} key: $(cat "$T/e")"
	done
	env -u HOME -u XDG_CONFIG_HOME timeout 10 "$BIN" --login zed "127.0.0.1:$PORT" </dev/null 2>"$T/e"
	[ $? = 1 ] && grep -q "no place for keys" "$T/e" || fail "no HOME: $(cat "$T/e")"
	# --identity makes the file it names
	XDG_CONFIG_HOME=$T/cfg/zed timeout 10 "$BIN" --login zed -i "$T/zed.key" "127.0.0.1:$PORT" </dev/null >"$T/o" 2>"$T/e"
	grep -q "^\* a new key is yours, kept in $T/zed.key$" "$T/o" || fail "--identity: $(cat "$T/o" "$T/e")"
}

# two clients pin each other's keys, and meet again after restarts: no prompt
t_e2e_pinned_keys_carry_over_restarts() {
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob first contact'
	wait_for "$T/bob.out" '<alice> first contact$' || fail "first chat"
	grep -Eq "^\* alice's key is pinned \(first contact\); safety number [0-9]{5}( [0-9]{5}){5}$" "$T/bob.out" ||
		fail "bob: $(cat "$T/bob.out")"
	wait_for "$T/alice.out" "^\* bob's key is pinned" || fail "alice did not pin bob"
	say alice '/fingerprint bob'
	say bob '/fingerprint alice'
	wait_for "$T/alice.out" '^\* safety number with bob: ' || fail "alice /fingerprint"
	wait_for "$T/bob.out" '^\* safety number with alice: ' || fail "bob /fingerprint"
	a=$(grep -Eo 'safety number with bob: [0-9 ]{35}' "$T/alice.out" | cut -d: -f2)
	b=$(grep -Eo 'safety number with alice: [0-9 ]{35}' "$T/bob.out" | cut -d: -f2)
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "safety numbers differ: '$a' and '$b'"
	for n in alice bob; do
		say $n /quit
		wait_exit "${CPID[$n]}" || fail "$n did not quit"
	done
	start_client bob
	start_client alice
	say bob '/msg alice we meet again'
	wait_for "$T/alice.out" '<bob> we meet again$' || fail "chat after restarts"
	say alice '/msg bob indeed'
	wait_for "$T/bob.out" '<alice> indeed$' || fail "chat back"
	grep -q 'pinned\|WARNING' "$T/alice.out" "$T/bob.out" && fail "a prompt after restart: $(cat "$T/alice.out" "$T/bob.out")"
	grep -c . "$T/cfg/alice/p2pchat/known_peers" | grep -qx 1 || fail "known_peers: $(cat "$T/cfg/alice/p2pchat/known_peers")"
	return 0
}

# someone else logs in as bob, with another key: alice refuses to chat,
# loudly, until she accepts the new key
t_e2e_impostor_with_another_key_is_refused() {
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob hello bob'
	wait_for "$T/bob.out" '<alice> hello bob$' || fail "first chat"
	say bob /quit
	wait_exit "${CPID[bob]}" || fail "bob did not quit"
	wait_for "$T/alice.out" '^\* bob left$' || fail "bob's logout"
	start_client bob -i "$T/mallory.key"
	say alice '/msg bob the vault code is 1234'
	wait_for "$T/alice.out" "^\* WARNING: bob proved a key that is not the one pinned for that name: someone may be posing as bob\. Chat with bob is refused\." 10 ||
		fail "no warning: $(cat "$T/alice.out")"
	sleep 2
	grep -q 'vault' "$T/bob.out" && fail "the impostor read it"
	say alice '/fingerprint bob'
	wait_for "$T/alice.out" 'proven, but REFUSED' || fail "/fingerprint of a refused key"
	num=$(grep -Eo 'then /accept bob [0-9 ]{35}$' "$T/alice.out" | cut -d' ' -f4-)
	[ -n "$num" ] || fail "no number to /accept in the warning: $(cat "$T/alice.out")"
	say alice "/accept bob $num"
	wait_for "$T/alice.out" "^\* bob's new key is pinned; safety number $num\$" || fail "/accept"
	wait_for "$T/bob.out" '<alice> the vault code is 1234$' 10 || fail "after /accept the line goes"
	grep -q "$(tr -d '\n' <"$T/mallory.key")" "$T/cfg/alice/p2pchat/known_peers" && fail "a private key in known_peers"
	return 0
}

# all chat through a hostile relay: it sees only sealed bytes, and what it
# changes, cuts or replays is refused; each line arrives once, in order
t_e2e_relay_sees_sealed_bytes_and_tampering_fails() {
	local i n
	LIMIT=20
	start_fake_relay tamper
	start_client alice -v
	start_client bob -v
	for i in 1 2 3 4 5 6 7 8 9 10; do
		say alice "/msg bob secret $i of the garden"
	done
	wait_for "$T/bob.out" '<alice> secret 10 of the garden$' || fail "chat through the relay"
	say bob '/msg alice the password is swordfish'
	wait_for "$T/alice.out" '<bob> the password is swordfish$' || fail "bob to alice"
	grep -Eo 'secret [0-9]+ of' "$T/bob.out" | tr -dc '0-9\n' | paste -sd, | grep -qx '1,2,3,4,5,6,7,8,9,10' ||
		fail "not each once in order: $(grep secret "$T/bob.out")"
	relayed=$(relayed_count)
	[ "$relayed" -ge 22 ] || fail "only $relayed datagrams relayed"
	for w in garden swordfish secret password; do
		[ "$(relayed_holds "$w")" = 0 ] || fail "\"$w\" in the clear at the relay"
	done
	# (-v: every one is logged, not only the first few)
	n=$(grep -c 'dropped a sealed datagram from alice by relay: it does not authenticate' "$T/bob.err")
	[ "$n" -ge 20 ] || fail "changed and cut: $n refused"
	n=$(grep -c 'dropped a sealed datagram from alice by relay: a replay' "$T/bob.err")
	[ "$n" -ge 10 ] || fail "replayed: $n refused"
	echo "    $relayed datagrams relayed, none in the clear; changed, cut and replayed copies refused"
}

# the same relay without encryption (both --insecure): the words are there,
# so the test above would see them; every such line is marked
t_e2e_insecure_is_readable_at_the_relay_and_marked() {
	LIMIT=20
	start_fake_relay
	start_client alice --insecure
	start_client bob --insecure
	start_client carol
	say alice '/msg bob in the clear'
	wait_for "$T/bob.out" '^\[[0-9:]{8}\] \(insecure\) <alice> in the clear$' || fail "insecure chat: $(cat "$T/bob.out")"
	[ "$(relayed_holds 'in the clear')" = 1 ] || fail "the relay did not see the words"
	say alice '/msg carol hi'
	wait_for "$T/alice.err" '^p2pchat: not sent: carol encrypts, and this client runs --insecure$' || fail "insecure to secure"
	say carol '/msg bob hi'
	wait_for "$T/carol.err" "^p2pchat: not sent: bob chats unencrypted \(--insecure\), which only --insecure peers do$" ||
		fail "secure to insecure"
}

# known_peers that cannot be read: the client does not start (closed, not
# open: it could not tell a peer from an impostor), and says why in a line
t_e2e_unreadable_known_peers_refuses_to_start() {
	local f=$T/cfg/alice/p2pchat/known_peers st
	start_server
	mkdir -p "$f" # a directory: reading it fails, even as root
	XDG_CONFIG_HOME=$T/cfg/alice timeout 10 "$BIN" --login alice "127.0.0.1:$PORT" </dev/null >"$T/o" 2>"$T/e"
	st=$?
	[ "$st" = 1 ] || fail "exit status $st with known_peers a directory"
	[ "$(wc -l <"$T/e")" = 1 ] && grep -qx "p2pchat: $f is not a regular file: remove it" "$T/e" || fail "$(cat "$T/e")"
	grep -q 'logged in' "$T/o" && fail "logged in: $(cat "$T/o")"
	return 0
}

# a server that announces false keys: first contact is refused, loudly
t_e2e_server_announcing_false_keys_is_caught() {
	LIMIT=20
	start_fake_relay lie
	start_client alice
	start_client bob
	say alice '/msg bob are you really bob?'
	wait_for "$T/alice.out" "^\* WARNING: bob proved a key that is not the one the server announced" ||
		fail "alice: $(cat "$T/alice.out")"
	wait_for "$T/bob.out" "^\* WARNING: alice proved a key that is not the one the server announced" ||
		fail "bob: $(cat "$T/bob.out")"
	sleep 1
	grep -q 'are you really bob' "$T/bob.out" && fail "shown though refused"
	return 0
}

# ---- the server's console, signals and service use ----

# a kick is told to the kicked, and sticks: its name is refused from its
# address for the time given, while others and other names still get in
t_kick_is_told_and_sticks() {
	start_server
	start_client alice
	start_client bob
	console 'kick bob 30'
	wait_for "$T/server.out" '^kicked bob; refused from bob.s address for 30 s$' || fail "no word at the console"
	wait_exit "${CPID[bob]}" || fail "bob goes on after a kick"
	[ "$STATUS" = 1 ] || fail "bob exit status $STATUS"
	grep -qx 'p2pchat: the server kicked you out: it refuses your name from your address for 30 s' "$T/bob.err" ||
		fail "bob was not told: $(cat "$T/bob.err")"
	wait_for "$T/alice.out" '^\* bob left$' || fail "alice did not hear bob leave"
	"$BIN" --login bob "127.0.0.1:$PORT" </dev/null >"$T/bob2.out" 2>"$T/bob2.err"
	[ $? = 1 ] || fail "bob got back in"
	grep -Eqx 'p2pchat: login refused: kicked out: try again in (29|30) s' "$T/bob2.err" || fail "$(cat "$T/bob2.err")"
	start_client carol
	console 'kick carol 0'
	wait_for "$T/server.out" '^kicked carol; refused from carol.s address for 0 s$' || fail "kick for 0 s"
	wait_exit "${CPID[carol]}" || fail "carol goes on after a kick"
	start_client carol
}

t_server_console() {
	start_server
	start_client alice
	start_client bob
	console stats
	wait_for "$T/server.out" '^online 2, pending 0, sessions 2, logins 2,' || fail "stats"
	console 'kick bob'
	wait_for "$T/alice.out" '^\* bob left$' || fail "kick notice"
	wait_for "$T/server.log" 'bob left \(kicked\)' || fail "kick log"
	console 'kick nobody'
	wait_for "$T/server.out" '^nobody is not online$' || fail "kick nobody"
	console 'kick alice 99999999'
	wait_for "$T/server.out" '^usage: kick NAME \[SECONDS\], at most 86400 seconds$' || fail "kick with too long a time"
	console 'frob'
	wait_for "$T/server.out" '^unknown command: frob \(try help\)$' || fail "unknown"
	console quit
	wait_exit "$SPID" || fail "quit did not stop the server"
	[ "$STATUS" = 0 ] || fail "exit status $STATUS"
	wait_for "$T/alice.out" '^\* lost the server \(connection closed\); chat with peers goes on; logging in again$' ||
		fail "alice did not notice"
}

t_server_runs_without_stdin_and_stops_on_signals() {
	for sig in TERM INT; do
		("$BIN" --server -p 0 -b 127.0.0.1 </dev/null 2>"$T/s.log") &
		pid=$!
		PIDS+=("$pid")
		wait_for "$T/s.log" 'listening' || fail "start"
		PORT=$(grep -Eo 'port [0-9]+' "$T/s.log" | cut -d' ' -f2)
		printf '' | timeout 10 "$BIN" --login alice "127.0.0.1:$PORT" >"$T/a.out" 2>&1 ||
			fail "a client could not log in to a server with no stdin: $(cat "$T/a.out")"
		kill -0 "$pid" || fail "EOF on stdin stopped the server"
		kill -$sig "$pid"
		wait_exit "$pid" || fail "SIG$sig did not stop the server"
		[ "$STATUS" = 0 ] || fail "exit status $STATUS after SIG$sig"
		grep -q 'shutting down with 0 online' "$T/s.log" || fail "no shutdown line"
	done
}

t_server_console_from_a_file() {
	# a file is no socket: whatever waits on the fds must still read it
	printf 'stats\nquit\n' >"$T/cmds"
	timeout 10 "$BIN" --server -p 0 -b 127.0.0.1 <"$T/cmds" >"$T/s.out" 2>"$T/s.log"
	[ $? = 0 ] || fail "exit status $? with commands from a file: $(cat "$T/s.log")"
	grep -q '^online 0, ' "$T/s.out" || fail "no stats: $(cat "$T/s.out")"
	grep -q 'shutting down with 0 online' "$T/s.log" || fail "no shutdown line"
}

# an error line of the server's, as every line of its log: the time first
# (ISO 8601, UTC), unless journald, which has its own, keeps the log
t_port_in_use_is_an_error() {
	start_server
	"$BIN" --server -p "$PORT" -b 127.0.0.1 </dev/null 2>"$T/err"
	[ $? = 1 ] || fail "exit status $?"
	grep -Eqx "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z p2pchat: cannot listen on port $PORT: Address already in use" "$T/err" ||
		fail "$(cat "$T/err")"
	JOURNAL_STREAM=8:1234 "$BIN" --server -p "$PORT" -b 127.0.0.1 </dev/null 2>"$T/err"
	grep -qx "p2pchat: cannot listen on port $PORT: Address already in use" "$T/err" ||
		fail "with JOURNAL_STREAM, not as journald wants it: $(cat "$T/err")"
}

# ---- the project ----

t_man_page_is_clean_and_complete() {
	command -v mandoc >/dev/null || exit 77
	mandoc -T lint -W warning man/p2pchat.1 || fail "mandoc -T lint"
	mandoc -T ascii man/p2pchat.1 | col -b >"$T/man.txt"
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS PROTOCOL SECURITY FILES SIGNALS "EXIT STATUS" EXAMPLES "SEE ALSO" CAVEATS; do
		grep -q "^$s" "$T/man.txt" || fail "no $s section"
	done
	for w in --server --login --port --bind --max-users --no-relay --local-port --identity --insecure --verbose \
		/msg /to /all /who /path /pending /fingerprint /accept /help /quit HELLO COOKIE INIT REPLY FINISH DATA \
		known_peers who kick stats quit login, Accept, Reject, hello, logout, punch, kicked, msg, part, \
		ack, probe, probed, relay, ping, pong end; do
		grep -q -- "$w" "$T/man.txt" || fail "man page lacks $w"
	done
}

t_install_and_uninstall() {
	d=$T/root
	make -s install DESTDIR="$d" PREFIX=/opt/p2p >/dev/null || fail "install"
	[ "$(stat -c %a "$d/opt/p2p/bin/p2pchat")" = 755 ] || fail "binary mode"
	[ "$(stat -c %a "$d/opt/p2p/share/man/man1/p2pchat.1")" = 644 ] || fail "man page mode"
	"$d/opt/p2p/bin/p2pchat" --version >/dev/null || fail "installed binary does not run"
	make -s uninstall DESTDIR="$d" PREFIX=/opt/p2p >/dev/null || fail "uninstall"
	[ -z "$(find "$d" -type f)" ] || fail "left behind: $(find "$d" -type f)"
}

# ---- other architectures (make cross-check) ----

# Clients of another architecture ($CBIN, under qemu) and of this one chat
# through a server of this one: the wire carries no byte order.
x_mixed_architectures() {
	[ -n "$CBIN" ] || skip "needs a cross-built client"
	local native=$BIN
	start_server
	CBIN=$native start_client alice
	start_client bob
	start_client carol
	say alice '/msg bob 你好 from the native side, with commas, and more'
	wait_for "$T/bob.out" '<alice> 你好 from the native side, with commas, and more$' || fail "alice to bob"
	text=$(for i in $(seq 1 200); do printf 'piece%03d;' "$i"; done)
	say bob "/msg alice $text"
	wait_for "$T/alice.out" "<bob> $text\$" || fail "a long message from bob"
	say carol '/all carol here'
	wait_for "$T/alice.out" '<carol> carol here$' || fail "carol to alice"
	wait_for "$T/bob.out" '<carol> carol here$' || fail "carol to bob"
	say bob /quit
	wait_for "$T/alice.out" '^\* bob left$' || fail "bob's logout"
}

# ---- portable builds ----

t_static_binary_is_small_and_works() {
	command -v musl-gcc >/dev/null || skip "needs musl-gcc (musl-tools)"
	make -s static >/dev/null || fail "make static"
	size=$(wc -c <p2pchat-static)
	echo "    p2pchat-static: $size bytes"
	# the design card's budget with every feature: 128 KiB (100 KiB until
	# end-to-end encryption, 112 KiB until the hardening of round two)
	[ "$size" -le 131072 ] || fail "p2pchat-static is $size bytes, over 128 KiB"
	readelf -lW p2pchat-static | grep -q INTERP && fail "not static: it names a dynamic loader"
	BIN=$PWD/p2pchat-static
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob from a static binary, 你好'
	wait_for "$T/bob.out" '<alice> from a static binary, 你好$' || fail "chat"
	say bob /quit
	wait_for "$T/alice.out" '^\* bob left$' || fail "logout"
}

t_bmake_builds_the_plain_program() {
	command -v bmake >/dev/null || skip "needs bmake"
	mkdir "$T/src"
	cp Makefile ./*.c ./*.h "$T/src/"
	(cd "$T/src" && bmake >"$T/bmake.log" 2>&1) || fail "bmake: $(tail -n 5 "$T/bmake.log")"
	"$T/src/p2pchat" --version | grep -q '^p2pchat ' || fail "the bmake build does not run"
}

t_cppcheck_is_clean() {
	command -v cppcheck >/dev/null || skip "needs cppcheck"
	cppcheck --enable=warning,portability,performance --std=c99 --quiet --error-exitcode=1 \
		-D_POSIX_C_SOURCE=200809L -I. ./*.c tests/unit.c tests/fuzz/*.c >"$T/cppcheck.log" 2>&1 ||
		fail "$(head -n 20 "$T/cppcheck.log")"
}

# ---- more tests, a file per concern ----

for f in tests/it_*.sh; do
	[ -e "$f" ] && . "$f"
done

# ---- the runner ----

# After a test passed: stop what is left gently, so sanitizers report leaks,
# and fail on any sanitizer report in the logs.
finish() {
	local p
	for p in "${PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait_exit "$p" 5 >/dev/null 2>&1
	done
	logs=$(find "$T" -maxdepth 1 -type f) # not the FIFOs: reading one would block
	# shellcheck disable=SC2086
	if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $logs 2>/dev/null; then
		# shellcheck disable=SC2086
		grep -hE -A 12 'ERROR: (Address|Leak)Sanitizer|runtime error:' $logs | head -n 40
		fail "sanitizer report above"
	fi
}

if [ "$1" = --list ]; then
	declare -F | awk '$3 ~ /^t_/ { print $3 }'
	exit 0
fi
[ -n "$BIN" ] || BIN=$PWD/p2pchat
trap cleanup EXIT
"$1" || exit 1
finish
