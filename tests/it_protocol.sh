# tests/it_protocol.sh: the protocol as the man page gives it: an
# independent client (tests/indie.py, written from p2pchat(1) alone, in
# python with python3-cryptography) logs in, runs the handshake in both
# roles and chats sealed with the real binary, keys moving on in both
# directions; sourced by tests/integration.sh.

# start_indie NAME [ENV...]: the independent client, driven through
# $T/NAME.in like start_client's, once it has read its roster.
start_indie() {
	local name=$1 fd
	shift
	rm -f "$T/$name.in"
	mkfifo "$T/$name.in"
	(spawn env "$@" python3 tests/indie.py "$SERVER_ADDR" "$PORT" "$name" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err") &
	CPID[$name]=$!
	PIDS+=("$!")
	exec {fd}>"$T/$name.in"
	CFD[$name]=$fd
	FDS+=("$fd")
	wait_for "$T/$name.out" "^\* logged in as $name$" || fail "$name did not log in: $(cat "$T/$name.err")"
}

# public_key NAME: the public key of a real client's identity, in hex.
public_key() {
	python3 -c 'import sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
k = X25519PrivateKey.from_private_bytes(bytes.fromhex(open(sys.argv[1]).read().strip()))
print(k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex())' "$T/cfg/$1/p2pchat/identity"
}

t_independent_client_interoperates() {
	python3 -c 'import cryptography' 2>/dev/null || skip "needs python3-cryptography"
	local k i
	export P2PCHAT_TEST_REKEY_MS=300
	start_server
	start_client alice
	start_indie pyth INDIE_REKEY_MS=300
	wait_for "$T/alice.out" '^\* pyth is online$' || fail "alice did not hear of pyth"

	# the independent client begins: it is the initiator
	say pyth "/msg alice hello from python, sealed"
	wait_for "$T/alice.out" '<pyth> hello from python, sealed$' || fail "alice: $(cat "$T/alice.out") / pyth: $(tail -n 5 "$T/pyth.err")"
	k=$(public_key alice)
	grep -q "^\* session with alice open as initiator key $k$" "$T/pyth.out" ||
		fail "pyth did not open a session as initiator with alice's key: $(cat "$T/pyth.out")"
	say alice "/msg pyth hi back, 你好"
	wait_for "$T/pyth.out" '^<alice> hi back, 你好$' || fail "pyth: $(cat "$T/pyth.out")"
	wait_for "$T/pyth.out" '^\* delivered to alice: hello from python, sealed$' || fail "no ack from alice"

	# a real client begins: the independent one is the responder
	start_client bob
	wait_for "$T/pyth.out" '^\* bob is online$' || fail "pyth did not hear of bob"
	say bob "/msg pyth from bob"
	wait_for "$T/pyth.out" '^<bob> from bob$' || fail "pyth: $(cat "$T/pyth.out")"
	k=$(public_key bob)
	grep -q "^\* session with bob open as responder key $k$" "$T/pyth.out" ||
		fail "pyth did not open a session as responder with bob's key: $(cat "$T/pyth.out")"
	say pyth "/msg bob answered"
	wait_for "$T/bob.out" '<pyth> answered$' || fail "bob: $(cat "$T/bob.out")"

	# keys move on every 300 ms on every side: a conversation over some
	# seconds (the time between rounds is what is tested: keys get old)
	for i in 1 2 3 4 5 6 7 8; do
		say alice "/msg pyth a$i"
		say bob "/msg pyth b$i"
		say pyth "/msg alice p$i"
		say pyth "/msg bob q$i"
		wait_for "$T/pyth.out" "^<alice> a$i$" && wait_for "$T/pyth.out" "^<bob> b$i$" &&
			wait_for "$T/alice.out" "<pyth> p$i$" && wait_for "$T/bob.out" "<pyth> q$i$" ||
			fail "round $i: $(tail -n 5 "$T/pyth.err")"
		sleep 0.35
	done
	for who in alice bob; do
		[ "$(grep -Ec "^<$who> [ab][1-8]$" "$T/pyth.out")" = 8 ] || fail "pyth saw $who's lines other than once each"
		grep -Eq "the key of $who moved on to epoch ([3-9]|[1-9][0-9])$" "$T/pyth.err" ||
			fail "$who's key did not move on 3 times: $(grep epoch "$T/pyth.err")"
		grep -Eq "our key to $who moves on to epoch ([3-9]|[1-9][0-9])$" "$T/pyth.err" ||
			fail "pyth's key to $who did not move on 3 times"
	done
	[ "$(grep -Ec '<pyth> p[1-8]$' "$T/alice.out")" = 8 ] || fail "alice saw pyth's lines other than once each"
	! grep -q "dropped" "$T/alice.err" "$T/bob.err" || fail "dropped: $(grep -h dropped "$T/alice.err" "$T/bob.err")"

	# and it leaves as the man page says
	say pyth /quit
	wait_exit "${CPID[pyth]}" || fail "pyth did not quit"
	[ "$STATUS" = 0 ] || fail "pyth exit status $STATUS: $(tail -n 3 "$T/pyth.err")"
	wait_for "$T/alice.out" '^\* pyth left$' && wait_for "$T/bob.out" '^\* pyth left$' || fail "no word of pyth leaving"
}
