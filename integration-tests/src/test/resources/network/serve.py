# Serves "TAG\n" to every connection on each ADDRESS,PORT,TAG given; "once" as the first argument: one
# connection on the first address, then exit. Prints "ready" when every listener is bound.
import socket
import sys
import threading

def listener(address, port):
    s = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, int(port)))
    s.listen(16)
    return s

def serve(s, tag, once):
    while True:
        c, _ = s.accept()
        c.sendall((tag + "\n").encode())
        c.close()
        if once:
            return

once = sys.argv[1] == "once"
specs = [a.split(",") for a in sys.argv[2 if once else 1:]]
sockets = [(listener(a, p), t) for a, p, t in specs]
print("ready", flush=True)
if once:
    serve(sockets[0][0], sockets[0][1], True)
else:
    for s, t in sockets:
        threading.Thread(target=serve, args=(s, t, False), daemon=True).start()
    threading.Event().wait()
