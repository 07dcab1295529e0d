#!/usr/bin/env bash
# tests/demo.sh BINARY: `make demo`.  A server and three scripted clients on
# loopback: they log in, chat directly, and leave; then the transcript of
# each is shown.
cd "$(dirname "$0")/.." || exit 2
BIN=$PWD/${1:-./p2pchat}
BIN=${BIN/\/.\//\/}
. tests/lib.sh
trap cleanup EXIT
fail() { echo "demo: $*" >&2; exit 1; }

step() { printf '\n### %s\n' "$*"; }

start_server
step "server up on 127.0.0.1:$PORT; alice, bob and carol log in"
start_client alice
start_client bob
start_client carol
wait_for "$T/alice.out" '^\* carol is online$' || fail "alice does not see carol"

step "they chat peer to peer (the server never sees these)"
say alice '/msg bob hi bob, 你好!'
wait_for "$T/bob.out" '<alice> hi bob' || fail "bob got nothing"
say bob '/to alice'
say bob 'hello alice, this goes straight to you'
say carol '/all hello everyone'
wait_for "$T/alice.out" '<carol> hello everyone' || fail "carol's /all"
wait_for "$T/alice.out" '<bob> hello alice' || fail "bob's reply"

step "carol quits; bob crashes (kill -9); the others are told"
say carol /quit
wait_for "$T/alice.out" '^\* carol left$' || fail "carol's logout"
crash bob
wait_for "$T/alice.out" '^\* bob left$' || fail "bob's crash"
say alice /quit
wait_exit "${CPID[alice]}"

for f in server.log alice.out bob.out carol.out; do
	printf '\n--- %s\n' "$f"
	cat "$T/$f"
done
