#!/usr/bin/python3
"""indie.py - an independent p2pchat client, written from p2pchat(1) alone.

    python3 indie.py HOST PORT NAME

Section names in the comments (Conventions, Logging in, The session,
Keepalive, Chat, Paths through NAT, Encryption) are those of the PROTOCOL
section of p2pchat(1).  Only python3-cryptography is used, for X25519 and
ChaCha20-Poly1305; SHA-256 and HMAC come from the standard library.
"""

import hashlib
import hmac
import ipaddress
import os
import select
import socket
import sys
import time
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

M32 = 1 << 32                       # Chat: "Numbers wrap at 4294967296"
HELLO, COOKIE, INIT, REPLY, FINISH, DATA = 1, 2, 3, 4, 5, 6
BODY_LEN = {HELLO: 16, COOKIE: 16, INIT: 48, REPLY: 104, FINISH: 64}
MAX_DATAGRAM = 1200                 # Conventions
FRAGMENT = 1024                     # Chat: text is 1 to 1024 bytes
REKEY_AFTER = int(os.environ.get("INDIE_REKEY_MS", "120000")) / 1000.0
REKEY_COUNT = 100000                # Encryption: 100000 datagrams or 2 min


def now():
    return time.monotonic()


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log(msg):
    sys.stderr.write("indie: %s\n" % msg)
    sys.stderr.flush()


def fold(name):
    """ASCII A-Z made a-z, every other byte as it is (Encryption)."""
    return name.encode().lower()          # bytes.lower() touches ASCII only


def fatal(msg):
    log(msg)
    sys.exit(1)


def seq_lt(a, b):
    """a < b in 32-bit wrapping arithmetic (Chat)."""
    return a != b and (b - a) % M32 < M32 // 2


def parse_number(s):
    """Conventions: decimal, no sign, no leading zeros, 0..4294967295."""
    if not s.isdigit() or not s.isascii() or (len(s) > 1 and s[0] == "0"):
        raise ValueError("bad number %r" % s)
    n = int(s)
    if n >= M32:
        raise ValueError("number out of range")
    return n


def is_hex(s, n):
    return len(s) == n and all(c in "0123456789abcdef" for c in s)


def parse_ep(ep):
    """Conventions: a.b.c.d:port or [v6]:port -> (address, port)."""
    host, _, port = ep.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port = parse_number(port)
    if not 1 <= port <= 65535:
        raise ValueError("bad port")
    return (ipaddress.ip_address(host).compressed, port)


def format_ep(addr):
    ip = ipaddress.ip_address(addr[0])
    return ("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip.compressed, addr[1])


# --- Noise_XX_25519_ChaChaPoly_SHA256 (Noise rev. 34; Encryption) -----------

PROTOCOL_NAME = b"Noise_XX_25519_ChaChaPoly_SHA256"   # exactly 32 bytes


def hmac256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def hkdf2(ck, ikm):
    """Noise's HKDF with two outputs."""
    temp = hmac256(ck, ikm)
    out1 = hmac256(temp, b"\x01")
    return out1, hmac256(temp, out1 + b"\x02")


def nonce(n):
    return b"\0\0\0\0" + n.to_bytes(8, "little")   # Noise's nonce encoding


def seal(key, n, ad, plaintext):
    return ChaCha20Poly1305(key).encrypt(nonce(n), plaintext, ad)


def unseal(key, n, ad, ciphertext):
    """The plaintext, or None when it does not authenticate."""
    try:
        return ChaCha20Poly1305(key).decrypt(nonce(n), ciphertext, ad)
    except InvalidTag:
        return None


def rekey(key):
    """Noise's REKEY: the first 32 bytes of ENCRYPT(k, 2^64-1, '', zeros)."""
    return seal(key, (1 << 64) - 1, b"", bytes(32))[:32]


def public(private):
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def dh(private, peer_public):
    return private.exchange(X25519PublicKey.from_public_bytes(peer_public))


class Symmetric:
    """Noise's SymmetricState, started from the p2pchat prologue."""

    def __init__(self, initiator, responder):
        self.h = self.ck = PROTOCOL_NAME
        self.k, self.n = None, 0
        self.mix_hash(b"p2pchat 1\0" + fold(initiator) + b"\0" +
                      fold(responder) + b"\0")

    def copy(self):
        c = Symmetric.__new__(Symmetric)
        c.h, c.ck, c.k, c.n = self.h, self.ck, self.k, self.n
        return c

    def mix_hash(self, data):
        self.h = hashlib.sha256(self.h + data).digest()

    def mix_key(self, ikm):
        self.ck, self.k = hkdf2(self.ck, ikm)
        self.n = 0

    def encrypt_and_hash(self, plaintext):
        c = plaintext
        if self.k is not None:
            c = seal(self.k, self.n, self.h, plaintext)
            self.n += 1
        self.mix_hash(c)
        return c

    def decrypt_and_hash(self, c):
        p = c
        if self.k is not None:
            p = unseal(self.k, self.n, self.h, c)
            if p is None:
                raise ValueError("handshake message does not authenticate")
            self.n += 1
        self.mix_hash(c)
        return p

    def split(self):
        return hkdf2(self.ck, b"")   # (initiator's sending key, responder's)


class Window:
    """Replay check for one receiving key (Encryption)."""

    def __init__(self):
        self.newest, self.seen = -1, set()

    def fresh(self, ctr):
        return ctr > self.newest or (self.newest - ctr <= 64 and ctr not in self.seen)

    def mark(self, ctr):
        self.seen.add(ctr)
        self.newest = max(self.newest, ctr)
        self.seen = {c for c in self.seen if self.newest - c <= 64}


class Session:
    """The keys from Split, each direction moving on alone (Encryption)."""

    def __init__(self, name, tx, rx):
        self.name = name
        self.tx, self.tx_epoch, self.tx_ctr, self.tx_since = tx, 0, 0, now()
        self.rx_epoch, self.rx = 0, (rx, Window())
        self.rx_prev = None

    def seal(self, header, plaintext):
        if self.tx_ctr >= REKEY_COUNT or now() - self.tx_since >= REKEY_AFTER:
            self.tx, self.tx_ctr, self.tx_since = rekey(self.tx), 0, now()
            self.tx_epoch = (self.tx_epoch + 1) % 256
            log("our key to %s moves on to epoch %d" % (self.name, self.tx_epoch))
        head = header + bytes([self.tx_epoch]) + self.tx_ctr.to_bytes(8, "big")
        sealed = seal(self.tx, self.tx_ctr, head, plaintext)
        self.tx_ctr += 1
        return head + sealed

    def open(self, head, epoch, ctr, sealed):
        """The plaintext; None if refused; raises KeyError for a bad epoch."""
        ahead = (epoch - self.rx_epoch) % 256
        if ahead == 0:
            key, win = self.rx
        elif ahead == 255 and self.rx_prev:
            key, win = self.rx_prev
        elif 1 <= ahead <= 16:
            key, win = self.rx[0], Window()
            for _ in range(ahead):
                prev, key = key, rekey(key)
        else:
            raise KeyError("epoch %d, ours %d" % (epoch, self.rx_epoch))
        if not win.fresh(ctr):
            return None
        plaintext = unseal(key, ctr, head, sealed)
        if plaintext is None:
            return None
        win.mark(ctr)
        if 1 <= ahead <= 16:      # the sender moved on: so do we
            self.rx_prev = self.rx if ahead == 1 else (prev, Window())
            self.rx_epoch, self.rx = epoch, (key, win)
            log("the key of %s moved on to epoch %d" % (self.name, epoch))
        return plaintext


# --- Peers ------------------------------------------------------------------

class Fragment:
    def __init__(self, seq, kind, text, message):
        self.seq, self.kind, self.text, self.message = seq, kind, text, message
        self.queued, self.first_sent, self.last_sent = now(), None, None
        self.sends, self.rto, self.acked = 0, 1.0, False


class Peer:
    def __init__(self, name):
        self.name = name
        self.eps, self.key_hint, self.left_at = [], None, None
        self.route = None                 # where chat goes
        self.probe_until, self.probe_next, self.nonces = 0, 0, set()
        # Encryption
        self.session, self.proven = None, None
        self.hs = None                    # our handshake as the initiator
        self.responders = []              # our last 4 REPLYs as the responder
        self.reply_resend = None          # [route, datagram, next time, sends]
        self.last_reply = self.last_finish = None
        # Chat: the stream we send ...
        self.sid, self.next_seq = os.urandom(4).hex(), 1
        self.frags = []                   # not yet acknowledged, oldest first
        self.srtt = self.rttvar = None
        # ... and the one we receive
        self.rx_sid, self.rx_next, self.rx_held, self.rx_text = None, 0, {}, b""
        self.rx_left = []

    def set_entry(self, eps, key):
        self.eps, self.key_hint, self.left_at = eps, key, None
        if self.route is None or (self.route[0] == "udp" and self.route[1] not in eps):
            self.route = ("udp", eps[0])  # Paths: until an answer, the ep seen


class Initiator:
    """Our side of a handshake we began: HELLO, then INIT (Encryption)."""

    def __init__(self, me, peer):
        self.e = X25519PrivateKey.generate()
        self.e_pub = public(self.e)
        self.sym = Symmetric(me, peer)
        self.sym.mix_hash(self.e_pub)     # -> e
        self.sym.encrypt_and_hash(b"")    # its empty payload
        self.cookie, self.sends, self.next_send = None, 0, 0


class Client:
    """One user: the server session, the peers, and the loop that drives them."""

    def __init__(self, host, port, name):
        self.name, self.nameb = name, name.encode()
        self.static = X25519PrivateKey.generate()
        self.static_pub = public(self.static)
        info = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
        self.family, self.server = info[0], info[4][:2]
        self.server = (ipaddress.ip_address(self.server[0]).compressed, self.server[1])
        self.udp = socket.socket(self.family, socket.SOCK_DGRAM)
        self.udp.bind(("", 0))
        self.peers = {}
        self.secrets, self.secret_at = [os.urandom(32)] * 2, now()
        self.quitting = None
        self.stdin_buf, self.stdin_open = b"", True

    # --- Logging in, The session, Keepalive ---------------------------------

    def login(self):
        probe = socket.socket(self.family, socket.SOCK_DGRAM)
        probe.connect(self.server)        # the address we would use to reach it
        own = (probe.getsockname()[0], self.udp.getsockname()[1])
        probe.close()
        self.ep = format_ep(own)
        request = ("login,%s,%s,%s" % (self.name, self.ep, self.static_pub.hex())).encode()
        start, sent = now(), 0
        for at in (0, 0.5, 1.5, 3.5, 7.5):    # 4 sends, 0.5, 1, 2 s apart; +4 s
            while now() < start + at:
                if select.select([self.udp], [], [], start + at - now())[0]:
                    data, src = self.udp.recvfrom(65536)
                    reply = data.decode(errors="replace").split(",")
                    if self.addr(src) != self.server:
                        continue
                    if reply[0] == "Accept" and len(reply) >= 3:
                        return self.session(parse_number(reply[1]), reply[2], start)
                    if reply[0] == "Reject":
                        fatal("login refused: %s" % data[7:].decode(errors="replace"))
            if sent < 4:
                self.udp.sendto(request, self.server)
                sent += 1
        fatal("the server did not answer")

    def session(self, tcp_port, token, accepted):
        self.tcp = socket.create_connection((self.server[0], tcp_port), timeout=10)
        self.tcp.sendall(("hello,%s,%s\n" % (self.name, token)).encode())
        buf = b""
        while True:                       # the roster, a stream of entries
            if buf.startswith(b"end\n") or buf.startswith(b"end\r\n"):
                buf = buf[buf.index(b"\n") + 1:]
                break
            if b";" in buf:
                entry, buf = buf.split(b";", 1)
                self.roster_entry(entry.decode(errors="replace").split(","), "login")
                continue
            self.tcp.settimeout(max(0.01, accepted + 10 - now()))
            try:
                more = self.tcp.recv(65536)
            except socket.timeout:
                more = b""
            if not more:
                fatal("no roster from the server")
            buf += more
        self.tcp.setblocking(False)
        self.tcp_buf = buf
        self.heard_server = self.last_ping = now()
        out("* logged in as %s" % self.name)
        self.server_lines()

    def roster_entry(self, f, kind):
        """name,ep[,ep2][,key]: a roster entry, or a login/logout notice."""
        try:
            name, eps, key, rest = f[0], [parse_ep(f[1])], None, f[2:]
            if rest and not is_hex(rest[0], 64):    # by its form: an endpoint
                eps.append(parse_ep(rest.pop(0)))
            if rest and is_hex(rest[0], 64):
                key = rest[0]                       # a hint only
        except (ValueError, IndexError) as e:
            return log("bad roster entry %r: %s" % (",".join(f), e))
        if name == self.name:
            return
        eps = [ep for ep in eps if self.usable(ep)]
        if not eps and kind == "login":
            return log("roster entry of %s ignored: no usable endpoint" % name)
        peer = self.peers.get(name)
        if kind == "login":
            if peer is None or peer.left_at is not None:
                out("* %s is online" % name)
            peer = peer or self.peers.setdefault(name, Peer(name))
            peer.set_entry(eps, key)
        elif peer is not None and peer.left_at is None:
            out("* %s left" % name)
            peer.left_at = now()       # Chat: still heard for 5 s

    def usable(self, ep):
        """Paths through NAT: an endpoint that a peer can have."""
        ip = ipaddress.ip_address(ep[0])
        if ip.is_loopback:
            return ipaddress.ip_address(self.server[0]).is_loopback
        return not (ip.is_unspecified or ip.is_multicast or ip.is_reserved or
                    ep[0] == "255.255.255.255")

    def server_lines(self):
        while b"\n" in self.tcp_buf:
            line, self.tcp_buf = self.tcp_buf.split(b"\n", 1)
            f = line.rstrip(b"\r").decode(errors="replace").split(",")
            if f[0] in ("login", "logout") and len(f) >= 3:
                self.roster_entry(f[1:], f[0])
            elif f[0] == "punch" and len(f) >= 2 and f[1] in self.peers:
                self.start_probe(self.peers[f[1]])
            else:
                log("server line ignored: %r" % line)

    def logout(self):
        try:
            self.tcp.setblocking(True)
            self.tcp.settimeout(2)
            self.tcp.sendall(("logout,%s,%s\n" % (self.name, self.ep)).encode())
            self.tcp.shutdown(socket.SHUT_WR)
        except OSError as e:
            log("logout: %s" % e)
        self.tcp.close()

    # --- sending ------------------------------------------------------------

    def addr(self, src):
        return (ipaddress.ip_address(src[0]).compressed, src[1])

    def send(self, route, datagram):
        """Paths through NAT: directly, or through the relay."""
        if route[0] == "relay":
            datagram = b"relay," + route[1].encode() + b"," + datagram
            dest = self.server
        else:
            dest = route[1]
        if len(datagram) > MAX_DATAGRAM:
            return log("datagram of %d bytes not sent" % len(datagram))
        try:
            self.udp.sendto(datagram, dest)
        except OSError as e:
            log("send to %s: %s" % (dest, e))

    def header(self, kind):
        return bytes([kind, len(self.nameb)]) + self.nameb

    def send_sealed(self, peer, text, route=None):
        self.send(route or peer.route, peer.session.seal(self.header(DATA), text))

    # --- Paths through NAT --------------------------------------------------

    def start_probe(self, peer):
        if now() > peer.probe_until:
            peer.probe_until, peer.probe_next = now() + 5, 0

    def probe_tick(self, peer):
        if now() < peer.probe_until and now() >= peer.probe_next:
            peer.probe_next = now() + 0.25
            n = os.urandom(4).hex()
            peer.nonces = (peer.nonces | {n}) if len(peer.nonces) < 40 else {n}
            for ep in peer.eps:
                self.send(("udp", ep), ("probe,%s,%s" % (self.name, n)).encode())

    # --- Encryption: the handshake -----------------------------------------

    def begin_handshake(self, peer):
        if peer.hs is None and peer.reply_resend is None:
            log("handshake with %s begins" % peer.name)
            peer.hs = Initiator(self.name, peer.name)
            self.start_probe(peer)

    def handshake_tick(self, peer):
        hs = peer.hs
        if hs and now() >= hs.next_send:
            if hs.sends == 8:             # 8 times in all, then given up
                log("handshake with %s given up" % peer.name)
                peer.hs = None
            else:
                body = bytes(16) if hs.cookie is None else hs.cookie + hs.e_pub
                self.send(peer.route, self.header(HELLO if hs.cookie is None else INIT) + body)
                hs.sends, hs.next_send = hs.sends + 1, now() + 1
        rr = peer.reply_resend
        if rr and now() >= rr[2]:
            if rr[3] == 8:
                peer.reply_resend = None
            else:
                self.send(rr[0], rr[1])
                rr[2], rr[3] = now() + 1, rr[3] + 1

    def cookie(self, secret, route, name):
        where = route[1] if route[0] == "relay" else format_ep(route[1])
        return hmac256(secret, ("%s|%s|%s" % (route[0], where, name)).encode())[:16]

    def on_handshake(self, peer, kind, body, route):
        hs = peer.hs
        if kind == HELLO:                 # stateless: costs one HMAC
            self.send(route, self.header(COOKIE) + self.cookie(self.secrets[0], route, peer.name))
        elif kind == COOKIE and hs:
            if hs.cookie is None:         # HELLO answered: INIT from now on
                hs.cookie, hs.sends, hs.next_send = body, 0, 0
            elif body != hs.cookie:       # another COOKIE: INIT again, same e
                hs.cookie, hs.next_send = body, 0
        elif kind == INIT:
            cookie, re = body[:16], body[16:]
            if not any(hmac.compare_digest(cookie, self.cookie(s, route, peer.name))
                       for s in self.secrets):
                return log("INIT from %s with a wrong cookie" % peer.name)
            if hs and fold(self.name) < fold(peer.name):
                return log("both began; %s drops the INIT of %s" % (self.name, peer.name))
            peer.hs = None                # we answer as the responder
            for r in peer.responders:
                if r[1] == re:            # the same e: its REPLY again, at once
                    return self.send(route, r[3])
            try:
                sym = Symmetric(peer.name, self.name)
                sym.mix_hash(re)          # -> e
                sym.decrypt_and_hash(b"")
                e = X25519PrivateKey.generate()
                sym.mix_hash(public(e))   # <- e, ee, s, es
                sym.mix_key(dh(e, re))
                s = sym.encrypt_and_hash(self.static_pub)
                sym.mix_key(dh(self.static, re))
                p = sym.encrypt_and_hash(b"")
            except ValueError as err:     # e.g. a low-order point
                return log("INIT from %s refused: %s" % (peer.name, err))
            reply = self.header(REPLY) + re[:8] + public(e) + s + p
            peer.responders = (peer.responders + [(sym, re, e, reply)])[-4:]
            peer.reply_resend = [route, reply, now() + 1, 1]
            self.send(route, reply)
        elif kind == REPLY:
            if peer.last_reply == body and hs is None:   # our FINISH was lost
                return self.send(route, peer.last_finish)
            if hs is None or hs.cookie is None or body[:8] != hs.e_pub[:8]:
                return                    # answers no INIT of ours
            try:
                sym = hs.sym.copy()
                re = body[8:40]
                sym.mix_hash(re)          # <- e, ee, s, es
                sym.mix_key(dh(hs.e, re))
                rs = sym.decrypt_and_hash(body[40:88])
                sym.mix_key(dh(hs.e, rs))
                sym.decrypt_and_hash(body[88:104])
                s = sym.encrypt_and_hash(self.static_pub)   # -> s, se
                sym.mix_key(dh(self.static, re))
                p = sym.encrypt_and_hash(b"")
            except ValueError as e:
                return log("REPLY from %s refused: %s" % (peer.name, e))
            peer.last_reply, peer.last_finish = body, self.header(FINISH) + s + p
            peer.hs = None
            self.send(route, peer.last_finish)
            tx, rx = sym.split()
            self.open_session(peer, "initiator", rs, tx, rx, route)
        elif kind == FINISH:
            for r in reversed(peer.responders):   # each of the last 4 REPLYs
                try:
                    sym = r[0].copy()
                    rs = sym.decrypt_and_hash(body[:48])
                    sym.mix_key(dh(r[2], rs))
                    sym.decrypt_and_hash(body[48:])
                except ValueError:
                    continue
                peer.responders, peer.reply_resend = [], None
                rx, tx = sym.split()
                return self.open_session(peer, "responder", rs, tx, rx, route)
            log("FINISH from %s checks against no REPLY" % peer.name)

    def open_session(self, peer, role, rs, tx, rx, route):
        key = rs.hex()
        pinned = peer.proven or peer.key_hint    # SECURITY: first contact
        if pinned and pinned != key:
            return log("WARNING: %s proved key %s, not %s: refused" % (peer.name, key, pinned))
        peer.proven, peer.session, peer.route = key, Session(peer.name, tx, rx), route
        out("* session with %s open as %s key %s" % (peer.name, role, key))
        for f in peer.frags:              # send what waited for the session
            f.last_sent = None

    # --- receiving ----------------------------------------------------------

    def on_datagram(self, data, src):
        route = ("udp", self.addr(src))
        if route[1] == self.server:
            if data.startswith(b"relay,") and b"," in data[6:]:
                name, data = data[6:].split(b",", 1)
                route = ("relay", name.decode(errors="replace"))
            else:
                if data != b"pong":
                    log("from the server: %r" % data[:80])
                self.heard_server = now()
                return
        if not data:
            return
        if data[0] < 0x20:
            return self.on_binary(data, route)
        f = data.decode(errors="replace").split(",")
        peer = self.known(f[1] if len(f) == 3 else None, route)
        if peer and f[0] == "probe":
            self.send(route, ("probed,%s,%s" % (self.name, f[2])).encode())
        elif peer and f[0] == "probed" and f[2] in peer.nonces:
            if peer.route != route:
                log("path to %s: %s" % (peer.name, route))
            peer.route, peer.probe_until = route, 0

    def known(self, name, route):
        """Chat: only from the roster's endpoints for that sender, or its relay."""
        peer = self.peers.get(name)
        if peer and (route == ("relay", name) or route[1] in peer.eps):
            return peer
        return None

    def on_binary(self, data, route):
        kind, n = data[0], data[1] if len(data) > 1 else 0
        if not 1 <= n <= 32 or len(data) < 2 + n:
            return
        head, body = data[:2 + n], data[2 + n:]
        peer = self.known(head[2:].decode(errors="replace"), route)
        if peer is None:
            return                        # a user we do not know (yet)
        if kind in BODY_LEN:
            if len(body) == BODY_LEN[kind]:
                self.on_handshake(peer, kind, body, route)
            return
        if kind != DATA or len(body) < 25:
            return
        if peer.session is None:
            return self.begin_handshake(peer)    # the receiver restarted
        try:
            text = peer.session.open(head + body[:9], body[0],
                                     int.from_bytes(body[1:9], "big"), body[9:])
        except KeyError as e:
            log("DATA from %s dropped: %s" % (peer.name, e))
            return self.begin_handshake(peer)
        if text is not None:
            self.on_chat(peer, text, route)

    # --- Chat ---------------------------------------------------------------

    def on_chat(self, peer, text, route):
        try:
            kind = text.split(b",", 1)[0]
            if kind in (b"msg", b"part"):
                _, name, sid, seq, first, body = text.split(b",", 5)
                seq, first = parse_number(seq.decode()), parse_number(first.decode())
                body.decode()             # must be UTF-8
            elif kind == b"ack":
                _, name, sid, cum, seq = text.split(b",")[:5]
                cum, seq = parse_number(cum.decode()), parse_number(seq.decode())
            else:
                raise ValueError("unknown chat datagram")
            name, sid = name.decode(), sid.decode()
            if name != peer.name or not is_hex(sid, 8):
                raise ValueError("bad name or sid")
        except (ValueError, UnicodeDecodeError) as e:
            return log("bad chat datagram from %s: %s" % (peer.name, e))
        if kind == b"ack":
            return self.on_ack(peer, sid, cum, seq)
        if sid != peer.rx_sid:
            if sid in peer.rx_left:
                return                    # a stream we left
            if peer.rx_sid is not None:
                peer.rx_left = (peer.rx_left + [peer.rx_sid])[-4:]
            peer.rx_sid, peer.rx_next, peer.rx_held, peer.rx_text = sid, first, {}, b""
        if not seq_lt(seq, peer.rx_next):         # not a duplicate
            if (seq - peer.rx_next) % M32 >= 64:
                return                    # beyond what we hold: comes again
            peer.rx_held[seq] = (kind, body)
            while peer.rx_next in peer.rx_held:
                kind, body = peer.rx_held.pop(peer.rx_next)
                peer.rx_next = (peer.rx_next + 1) % M32
                peer.rx_text += body
                if kind == b"msg":
                    self.show(peer, peer.rx_text[:8192])
                    peer.rx_text = b""
        ack = "ack,%s,%s,%d,%d" % (self.name, sid, (peer.rx_next - 1) % M32, seq)
        self.send_sealed(peer, ack.encode(), route)

    def show(self, peer, text):
        shown = ""
        for c in text.decode("utf-8", errors="replace"):   # never raw controls
            if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp"):
                c = ("\\x%02x" if ord(c) < 256 else "\\u%04x") % ord(c)
            shown += c
        out("<%s> %s" % (peer.name, shown))

    def queue(self, peer, text):
        data = text.encode()
        pieces = []
        while data:                       # cut only between UTF-8 characters
            cut = min(len(data), FRAGMENT)
            while cut < len(data) and (data[cut] & 0xC0) == 0x80:
                cut -= 1
            pieces.append(data[:cut])
            data = data[cut:]
        message = {"text": text, "left": len(pieces)}
        for i, piece in enumerate(pieces):
            kind = "msg" if i == len(pieces) - 1 else "part"
            peer.frags.append(Fragment(peer.next_seq, kind, piece, message))
            peer.next_seq = (peer.next_seq + 1) % M32
        if peer.session is None:
            self.begin_handshake(peer)

    def on_ack(self, peer, sid, cum, seq):
        if sid != peer.sid:
            return
        for f in list(peer.frags):
            if f.seq == seq or not seq_lt(cum, f.seq):
                if f.seq == seq and f.sends == 1:     # RFC 6298 round trip
                    r = now() - f.first_sent
                    if peer.srtt is None:
                        peer.srtt, peer.rttvar = r, r / 2
                    else:
                        peer.rttvar = 0.75 * peer.rttvar + 0.25 * abs(peer.srtt - r)
                        peer.srtt = 0.875 * peer.srtt + 0.125 * r
                peer.frags.remove(f)
                f.message["left"] -= 1
                if f.message["left"] == 0:
                    out("* delivered to %s: %s" % (peer.name, f.message["text"]))

    def chat_tick(self, peer):
        oldest = peer.frags and (peer.frags[0].first_sent or peer.frags[0].queued)
        if oldest and now() - oldest > 40:
            for text in dict.fromkeys(f.message["text"] for f in peer.frags):
                log('not delivered to %s: "%s"' % (peer.name, text))
            peer.frags, peer.next_seq = [], 1
            peer.sid = os.urandom(4).hex()
        if peer.session is None:
            return
        first = peer.frags[0].seq if peer.frags else peer.next_seq
        base = 1.0 if peer.srtt is None else max(0.2, peer.srtt + 4 * peer.rttvar)
        for f in peer.frags:
            if (f.seq - first) % M32 >= 64:
                break                     # at most 64 in flight
            if f.last_sent is not None and now() < f.last_sent + f.rto:
                continue
            f.rto = base if f.last_sent is None else min(f.rto * 2, max(2.0, base))
            f.sends += 1
            f.first_sent = f.first_sent or now()
            if f.last_sent is not None and now() - f.first_sent > 2:
                self.start_probe(peer)    # not acknowledged within 2 s
            f.last_sent = now()
            msg = "%s,%s,%s,%d,%d," % (f.kind, self.name, peer.sid, f.seq, first)
            self.send_sealed(peer, msg.encode() + f.text)

    # --- the loop -----------------------------------------------------------

    def command(self, line):
        if line == "/quit":
            self.quitting = now() + 5     # wait up to 5 s for acknowledgements
        elif line.startswith("/msg "):
            parts = line.split(" ", 2)
            peer = self.peers.get(parts[1])
            if len(parts) < 3 or not parts[2]:
                log("usage: /msg NAME TEXT")
            elif peer is None or peer.left_at is not None:
                log("%s is not online" % parts[1])
            else:
                self.queue(peer, parts[2])
        elif line:
            log("unknown command: %s" % line)

    def tick(self):
        if now() - self.last_ping >= 25:  # Keepalive
            self.udp.sendto(("ping,%s" % self.name).encode(), self.server)
            self.last_ping = now()
        if now() - self.heard_server > 90:
            fatal("the server is gone")
        if now() - self.secret_at > 120:  # Encryption: COOKIE secret moves on
            self.secrets, self.secret_at = [os.urandom(32), self.secrets[0]], now()
        for peer in list(self.peers.values()):
            self.handshake_tick(peer)
            self.probe_tick(peer)
            self.chat_tick(peer)
            if peer.left_at and now() - peer.left_at > 5 and not peer.frags:
                del self.peers[peer.name]

    def run(self):
        self.login()
        while True:
            if self.quitting and (now() > self.quitting or
                                  not any(p.frags for p in self.peers.values())):
                for p in self.peers.values():
                    for f in p.frags:
                        log('not delivered to %s: "%s"' % (p.name, f.message["text"]))
                self.logout()
                return 0
            rs = [self.udp, self.tcp] + ([0] if self.stdin_open and not self.quitting else [])
            for r in select.select(rs, [], [], 0.05)[0]:
                if r is self.udp:
                    try:
                        data, src = self.udp.recvfrom(65536)
                    except OSError as e:
                        log("udp: %s" % e)
                        continue
                    self.on_datagram(data, src)
                elif r is self.tcp:
                    try:
                        more = self.tcp.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError as e:
                        more = b""
                        log("session: %s" % e)
                    if not more:
                        fatal("the server closed the session")
                    self.heard_server = now()
                    self.tcp_buf += more
                    self.server_lines()
                else:
                    more = os.read(0, 65536)
                    if not more:          # end of file does what /quit does
                        self.stdin_open, self.quitting = False, now() + 5
                        more = b"\n" if self.stdin_buf else b""
                    self.stdin_buf += more
                    while b"\n" in self.stdin_buf:
                        line, self.stdin_buf = self.stdin_buf.split(b"\n", 1)
                        self.command(line.decode(errors="replace").rstrip("\r"))
            self.tick()


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    sys.stderr.reconfigure(encoding="utf-8", errors="replace")
    if len(sys.argv) != 4:
        sys.exit("usage: indie.py HOST PORT NAME")
    sys.exit(Client(sys.argv[1], int(sys.argv[2]), sys.argv[3]).run())
