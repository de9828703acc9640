"""Many slow connections at once: N clients, each opening a connection to a server on
127.0.0.1, sending one request ("wait D ms, then double 4.5") and reading the answer, with
asyncio (one coroutine per connection) or with threads (one thread per connection).

The server is not ours: the Rust harness runs lesson 11's slow server and passes its port.
Every request waits D ms at the server whatever the client does, so what concurrency costs
is the time beyond D: that is the first line. The second is this process's peak memory
(ru_maxrss). Every call has a timeout, so nothing waits for ever.
"""
import asyncio
import resource
import socket
import sys
import threading
import time

import common

TIMEOUT = 10  # seconds one connection may take, connecting and answering


async def one_async(port, request):
    async def talk():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        answer = await reader.readline()
        writer.close()
        return float(answer)

    return await asyncio.wait_for(talk(), TIMEOUT)


async def run_asyncio(port, connections, request):
    start = time.perf_counter()
    answers = await asyncio.gather(*(one_async(port, request) for _ in range(connections)))
    return time.perf_counter() - start, answers


def one_thread(port, request, answers, index):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        answers[index] = float(sock.makefile().readline())


def run_threads(port, connections, request):
    answers = [None] * connections
    start = time.perf_counter()
    threads = [threading.Thread(target=one_thread, args=(port, request, answers, i))
               for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, answers


def peak_mb():
    """ru_maxrss: KiB on Linux, bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def main():
    p = common.parser(__doc__)
    p.add_argument("--mode", choices=["asyncio", "threads"], required=True)
    p.add_argument("--port", type=common.positive, required=True)
    p.add_argument("--connections", type=common.positive, default=1000)
    p.add_argument("--delay-ms", type=common.positive, default=50)
    args = p.parse_args()
    request = f"{args.delay_ms} 4.5\n".encode()
    samples = []
    for _ in range(args.repeats):
        if args.mode == "asyncio":
            took, answers = asyncio.run(run_asyncio(args.port, args.connections, request))
        else:
            took, answers = run_threads(args.port, args.connections, request)
        assert answers == [9.0] * args.connections, "a connection got no answer"
        samples.append(took * 1000 - args.delay_ms)
    common.report(f"io-{args.mode}", samples, "ms")
    common.report(f"io-{args.mode}-memory", [peak_mb()], "MB")


if __name__ == "__main__":
    main()
