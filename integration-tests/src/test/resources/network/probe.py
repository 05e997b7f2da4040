# Connects to each ADDRESS:PORT given and prints "ADDRESS:PORT reached TAG" or "ADDRESS:PORT refused ERRNO".
import socket
import sys

for spec in sys.argv[1:]:
    address, port = spec.rsplit(":", 1)
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((address, int(port)))
        print(spec, "reached", s.recv(100).decode().strip(), flush=True)
    except OSError as e:
        print(spec, "refused", e.errno if e.errno is not None else "timeout", flush=True)
    finally:
        s.close()
