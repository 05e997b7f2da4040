# "serve": answers every UDP datagram to 127.0.0.1:53 with "echo:" and the datagram (a stand-in for a resolver on
# the caller's loopback, such as systemd-resolved's); prints "ready". "ask ADDRESS": sends one datagram to
# ADDRESS:53 and prints "dns reply ..." or "dns error ...".
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[1] == "serve":
    s.bind(("127.0.0.1", 53))
    print("ready", flush=True)
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(b"echo:" + data, peer)
else:
    s.settimeout(3)
    try:
        s.sendto(b"hello", (sys.argv[2], 53))
        print("dns reply", s.recvfrom(100)[0].decode(), flush=True)
    except OSError as e:
        print("dns error", e, flush=True)
