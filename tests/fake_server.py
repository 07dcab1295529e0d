# tests/fake_server.py: the start of a fake p2pchat server for tests that
# need a lying one: a UDP socket and a TCP listener on one free port of
# 127.0.0.1, the port written to DIR/fakeport for the test to read.
import socket


def listen(d):
    # the UDP port's number may be taken for TCP: then try another
    while True:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        l = socket.socket()
        l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            l.bind(("127.0.0.1", port))
            break
        except OSError:
            u.close()
            l.close()
    l.listen()
    open(d + "/fakeport", "w").write("%d\n" % port)
    return u, l, port


def serve_one(d, relay=False):
    """Listen, answer the first login and take its session: the UDP socket,
    the session, the client's UDP endpoint and the port."""
    u, l, port = listen(d)
    data, src = u.recvfrom(2000)
    u.sendto(b"Accept,%d,0123456789abcdef%s" % (port, b",relay" if relay else b""), src)
    c, _ = l.accept()
    c.recv(100)
    return u, c, src, port


def victim():
    """A UDP socket that only counts what reaches it, and its endpoint."""
    v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    v.bind(("127.0.0.1", 0))
    v.settimeout(0.1)
    return v, "127.0.0.1:%d" % v.getsockname()[1]


def log_in(port, name, key, ep=None):
    """Log in to the real server on 127.0.0.1:port as name, giving ep (or
    the UDP socket's own) as the LOCAL_EP: the UDP socket and the session."""
    import socket as s
    u = s.socket(s.AF_INET, s.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    u.settimeout(2)
    ep = ep or "127.0.0.1:%d" % u.getsockname()[1]
    u.sendto(("login,%s,%s,%s" % (name, ep, key)).encode(), ("127.0.0.1", port))
    acc = u.recv(100).decode().split(",")
    t = s.create_connection(("127.0.0.1", int(acc[1])))
    t.sendall(("hello,%s,%s\n" % (name, acc[2])).encode())
    return u, t


def count_for(v, seconds):
    """How many datagrams reach the socket v (with a timeout) in seconds."""
    import time
    got, start = 0, time.time()
    while time.time() - start < seconds:
        try:
            v.recv(2000)
            got += 1
        except socket.timeout:
            pass
    return got
