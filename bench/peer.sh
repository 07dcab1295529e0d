#!/usr/bin/env bash
# bench/peer.sh: the peer path, as a markdown table.  Two real p2pchat
# clients log in to a server on loopback and chat, encrypted end to end (the
# handshake is over before the timing starts); bench/load writes chat lines into
# alice's stdin and reads them from bob's stdout (one at a time for the
# one-way latency, 5000 at once for throughput, every one acknowledged),
# next to a UDP ping-pong between two processes in the same run.
cd "$(dirname "$0")/.." || exit 2
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
runs=${RUNS:-5}
# the clients' keys (chat is encrypted end to end) stay in here
export XDG_CONFIG_HOME=$T/cfg
./p2pchat --server -p 0 -b 127.0.0.1 </dev/null 2>"$T/log" &
until grep -q listening "$T/log" 2>/dev/null; do sleep 0.05; done
port=$(grep -Eo 'port [0-9]+' "$T/log" | cut -d' ' -f2)
for r in $(seq 1 "$runs"); do
	bench/load peer "$port" 1000 5000 >>"$T/peer" || exit 1
	bench/load udpping 1000 >>"$T/udp" || exit 1
done
med() { awk -v k="$2" '$1 == k { print $2 }' "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
lat=$(med "$T/peer" peer_oneway_median_ms)
p99=$(med "$T/peer" peer_oneway_p99_ms)
thr=$(med "$T/peer" peer_throughput_msgs_per_s)
rtt=$(med "$T/udp" udp_rtt_median_ms)
rttp=$(med "$T/udp" udp_rtt_p99_ms)
echo "Medians of $runs runs (1000 messages one at a time, then 5000 at once, per run)."
echo
echo "| measure | value |"
echo "|---|---:|"
echo "| p2pchat one-way latency, stdin of one client to stdout of the other, median | $lat ms |"
echo "| p2pchat one-way latency, p99 | $p99 ms |"
echo "| raw UDP round trip between two processes, median | $rtt ms |"
echo "| raw UDP round trip, p99 | $rttp ms |"
echo "| p2pchat one-way / raw UDP round trip | $(echo "scale=2; $lat / $rtt" | bc) |"
echo "| p2pchat acknowledged messages per second, one pair | $thr |"
