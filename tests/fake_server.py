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
