"""100 slow requests at once with asyncio.gather, to a small server on 127.0.0.1 that
this program starts itself. Our own program, standard library only.
"""
import asyncio
import time

REQUESTS = 100
DELAY = 0.050  # seconds the server waits before each answer


async def handle(reader, writer):
    """The slow server: read a number and, after DELAY, answer its double."""
    line = await reader.readline()
    await asyncio.sleep(DELAY)  # waits without holding a thread
    writer.write(f"{float(line) * 2:g}\n".encode())
    await writer.drain()
    writer.close()


async def request(port, value):
    """One slow request: connect, send the value, wait for the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{value}\n".encode())
    answer = await reader.readline()
    writer.close()
    return float(answer)


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)  # port 0: any free port
    port = server.sockets[0].getsockname()[1]
    start = time.perf_counter()
    # Start every request, then wait for all of them; answers come back in order.
    answers = await asyncio.gather(*(request(port, 4.5) for _ in range(REQUESTS)))
    took = time.perf_counter() - start
    print(f"{REQUESTS} requests of 50ms each took {took * 1000:.0f}ms")
    server.close()
    await server.wait_closed()
    print(f"Result: {answers[0]:g}")


asyncio.run(main())
