# tests/fake_relay.py DIR [tamper] [lie]: a hostile p2pchat server for the
# encryption tests.  It coordinates like the real one (logins, sessions,
# rosters, notices, keepalives) but tells every client that its peers are
# at 127.0.0.1:9, where nothing answers, so all chat goes through its relay,
# and it keeps every relayed datagram in DIR/relayed (4-byte length, bytes).
#   tamper: before each relayed datagram send a copy with one byte changed
#           and one cut short (so that its counter is still fresh), and
#           after it the datagram again (a replay)
#   lie:    announce a random key for every user instead of its own
import os, select, socket, struct, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_server import listen

d = sys.argv[1]
tamper, lie = "tamper" in sys.argv[2:], "lie" in sys.argv[2:]
u, l, port = listen(d)
users = {}      # name -> {"addr", "key", "token", "conn"}
conns = {}      # socket -> [name or None, buffer]
log = open(d + "/relayed", "ab")
NOWHERE = "127.0.0.1:9"


def announced(name):
    return os.urandom(32).hex() if lie else users[name]["key"]


def entry(name):
    k = announced(name)
    return "%s,%s%s" % (name, NOWHERE, "," + k if k else "")


def tell_others(name, line):
    for n, v in users.items():
        if n != name and v.get("conn"):
            v["conn"].sendall((line + "\n").encode())


while True:
    r, _, _ = select.select([u, l] + list(conns), [], [])
    for s in r:
        if s is u:
            data, addr = u.recvfrom(2048)
            if data.startswith(b"login,"):
                f = data.decode().split(",")
                tok = os.urandom(8).hex()
                users[f[1]] = {"addr": addr, "key": f[3] if len(f) > 3 else "", "token": tok, "conn": None}
                u.sendto(("Accept,%d,%s,relay" % (port, tok)).encode(), addr)
            elif data.startswith(b"ping,"):
                u.sendto(b"pong", addr)
            elif data.startswith(b"relay,"):
                to, dgram = data[6:].split(b",", 1)
                frm = [n for n, v in users.items() if v["addr"] == addr]
                to = to.decode()
                if not frm or to not in users:
                    continue
                log.write(struct.pack(">I", len(dgram)) + dgram)
                log.flush()
                out = b"relay," + frm[0].encode() + b","
                copies = [dgram]
                if tamper:
                    changed = bytearray(dgram)
                    changed[len(changed) // 2] ^= 0x01
                    copies = [bytes(changed), dgram[:-5], dgram, dgram]
                for c in copies:
                    u.sendto(out + c, users[to]["addr"])
        elif s is l:
            c, _ = l.accept()
            conns[c] = [None, b""]
        else:
            data = s.recv(4096)
            if not data:
                name = conns.pop(s)[0]
                if name in users and users[name]["conn"] is s:
                    del users[name]
                    tell_others(name, "logout,%s,%s" % (name, NOWHERE))
                s.close()
                continue
            conns[s][1] += data
            while b"\n" in conns[s][1]:
                line, conns[s][1] = conns[s][1].split(b"\n", 1)
                f = line.decode(errors="replace").split(",")
                if f[0] == "hello" and f[1] in users and users[f[1]]["token"] == f[2]:
                    name = f[1]
                    conns[s][0] = name
                    users[name]["conn"] = s
                    roster = "".join(entry(n) + ";" for n in users if n != name and users[n]["conn"])
                    s.sendall((roster + "end\n").encode())
                    tell_others(name, "login," + entry(name))
