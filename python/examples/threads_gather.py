"""The same 100 slow requests with threads: one thread per request, and a server on
127.0.0.1 (started by this program) with one thread per connection. Our own program,
standard library only.
"""
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

REQUESTS = 100
DELAY = 0.050  # seconds the server waits before each answer


def answer(conn):
    """The slow server's thread for one connection: a number in, its double out."""
    with conn:
        line = conn.makefile().readline()
        time.sleep(DELAY)  # this thread does nothing else meanwhile
        conn.sendall(f"{float(line) * 2:g}\n".encode())


def serve(listener):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


def request(port, value):
    """One slow request: connect, send the value, wait for the answer."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"{value}\n".encode())
        return float(sock.makefile().readline())


listener = socket.create_server(("127.0.0.1", 0), backlog=128)  # port 0: any free port
port = listener.getsockname()[1]
threading.Thread(target=serve, args=(listener,), daemon=True).start()

start = time.perf_counter()
# A thread per request; `map` hands back each one's return value, in order.
with ThreadPoolExecutor(max_workers=REQUESTS) as executor:
    answers = list(executor.map(lambda _: request(port, 4.5), range(REQUESTS)))
took = time.perf_counter() - start
print(f"{REQUESTS} requests of 50ms each took {took * 1000:.0f}ms")
print(f"Result: {answers[0]:g}")
