# tests/it_names.sh: names that look like others, and text that hides
# characters; sourced by tests/integration.sh.

# names_login NAME...: a raw UDP login for each name, from one socket; the
# server's answers, one a line.
names_login() {
	python3 - "$PORT" "$@" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(3)
	s.bind(("127.0.0.1", 0))
	me = "127.0.0.1:%d" % s.getsockname()[1]
	for name in sys.argv[2:]:
	    s.sendto(b"login," + name.encode("utf-8", "surrogateescape") + b"," + me.encode(),
	             ("127.0.0.1", int(sys.argv[1])))
	    print(s.recvfrom(2000)[0].decode())
	EOF
}

# Invisible, joining and combining characters make names that look like
# "bob": the client refuses them, and so does the server.
t_names_with_invisible_or_combining_characters_are_refused() {
	local n k=0 out
	local -a names=(
		$'b\xe2\x80\x8bob'        # zero width space
		$'bob\xf3\xa0\x81\xa2'    # a tag character
		$'bo\xcc\x81b'            # a combining acute
		$'bob\xef\xb8\x8f'        # a variation selector
		$'b\xe3\x85\xa4ob'        # a Hangul filler
		$'bo\xe2\x80\xafb'        # narrow no-break space
	)
	start_server
	start_client bob
	for n in "${names[@]}"; do
		k=$((k + 1))
		"$BIN" --login "$n" "127.0.0.1:$PORT" </dev/null >"$T/bad$k.out" 2>"$T/bad$k.err"
		[ $? = 2 ] || fail "name $k: exit status not 2: $(cat "$T/bad$k.err")"
		head -n 1 "$T/bad$k.err" | grep -q '^p2pchat: invalid name "' || fail "name $k: $(cat "$T/bad$k.err")"
	done
	out=$(names_login "${names[@]}") || fail "python: $out"
	[ "$(printf '%s\n' "$out" | grep -cx 'Reject,bad name')" = ${#names[@]} ] ||
		fail "the server took one: $out"
	console who
	wait_for "$T/server.out" '^1 online$' || fail "server roster: $(cat "$T/server.out")"
	[ "$(grep -c 'logged in from' "$T/server.log")" = 1 ] || fail "someone else logged in: $(cat "$T/server.log")"
}

# With bob online, names that look like bob are his, taken: each login is
# refused with one line, and the server still has bob alone.
t_lookalike_names_are_refused() {
	local n k=0
	local -a names=(
		$'b\xd0\xbeb'             # Cyrillic o
		BOB                       # capitals
		b0b                       # a zero
		$'\xd0\x92\xce\x9f\xd0\x92' # Cyrillic and Greek capitals
		$'b\xd7\xa1b'             # Hebrew samekh
	)
	start_server
	start_client bob
	for n in "${names[@]}"; do
		k=$((k + 1))
		"$BIN" --login "$n" "127.0.0.1:$PORT" </dev/null >"$T/dup$k.out" 2>"$T/dup$k.err"
		[ $? = 1 ] || fail "name $k: exit status not 1: $(cat "$T/dup$k.err")"
		grep -qxF "p2pchat: login refused: name \"$n\" is already online" "$T/dup$k.err" ||
			fail "name $k: $(cat "$T/dup$k.err")"
		[ "$(wc -l <"$T/dup$k.err")" = 1 ] || fail "name $k: more than one line: $(cat "$T/dup$k.err")"
	done
	say bob /who
	wait_for "$T/bob.out" '^\* no one else is online$' || fail "bob sees a ghost"
	console who
	wait_for "$T/server.out" '^1 online$' || fail "server roster: $(cat "$T/server.out")"
}

# bob's key is pinned; later a look-alike of bob with another key is no
# new contact, pinned silently, but bob with a key that is not his.
t_lookalike_of_a_pinned_name_is_warned() {
	local n fake=$'b\xd0\xbeb' # Cyrillic o
	start_server
	start_client alice
	start_client bob
	say alice '/msg bob hello bob'
	wait_for "$T/bob.out" '<alice> hello bob$' || fail "first chat"
	wait_for "$T/alice.out" "^\* bob's key is pinned" || fail "alice did not pin bob"
	for n in alice bob; do
		say $n /quit
		wait_exit "${CPID[$n]}" || fail "$n did not quit"
	done
	start_client alice
	start_client "$fake"
	say alice "/msg $fake the vault code is 1234"
	wait_for "$T/alice.out" "^\* WARNING: $fake proved a key that is not the one pinned for that name" 10 ||
		fail "no warning: $(cat "$T/alice.out")"
	grep -q "pinned (first contact)" "$T/alice.out" && fail "pinned as a new contact"
	grep -q vault "$T/$fake.out" && fail "the look-alike read it"
	return 0
}

# A login repeated while its Accept may have been lost gets the same
# answer, but only for the very same name: a look-alike from the same
# address is another name, and taken.
t_lookalike_of_a_pending_login_is_taken() {
	local out
	start_server
	out=$(names_login frank frank FRANK $'fr\xd0\xb0nk') || fail "python: $out"
	[ "$(printf '%s\n' "$out" | sed -n 1p)" = "$(printf '%s\n' "$out" | sed -n 2p)" ] &&
		printf '%s\n' "$out" | sed -n 1p | grep -q '^Accept,' || fail "the same login: $out"
	[ "$(printf '%s\n' "$out" | sed -n 3,4p | grep -cx 'Reject,name taken')" = 2 ] ||
		fail "a look-alike got the same answer: $out"
}
