#!/usr/bin/python3
"""The lines benchmark's peer: chapter 05's line server in asyncio streams,
to the same rules as the reference (solutions/05-streams/exercises/
line_server.c): a task per client echoing each line, a line of at most
MAX_LINE bytes (its newline included), a deadline of IDLE_TIMEOUT_MS on
every wait (for a line, for the echo to drain), the same last words
("idle timeout", "line too long", "bye"), and on SIGTERM or SIGINT a
shutdown that cancels every handler, which says goodbye. Prints its port,
then serves until one of those signals.
Usage: line_server_asyncio.py MAX_LINE IDLE_TIMEOUT_MS CONNECTIONS"""
import asyncio
import resource
import signal
import sys

IDLE = b"idle timeout\n"
TOO_LONG = b"line too long\n"
BYE = b"bye\n"


async def serve_client(reader, writer, idle_s):
    """Echo lines until the client ends, fails or breaks a rule; the last
    words the client gets, if any."""
    try:
        while True:
            async with asyncio.timeout(idle_s):
                line = await reader.readline()
            if not line.endswith(b"\n"):  # the end, or a last line cut short
                return None
            writer.write(line)
            async with asyncio.timeout(idle_s):
                await writer.drain()
    except TimeoutError:
        return IDLE
    except ValueError:  # readline's limit overrun: a line longer than the limit
        return TOO_LONG
    except asyncio.CancelledError:
        return BYE  # the server is shutting down
    except ConnectionError:
        return None  # the client left or failed: no one to tell


async def main(max_line, idle_s):
    handlers = set()

    async def handler(reader, writer):
        handlers.add(asyncio.current_task())
        try:
            last = await serve_client(reader, writer, idle_s)
            if last:
                writer.write(last)  # no wait: it is short, and we are done
        finally:
            handlers.discard(asyncio.current_task())
            writer.close()

    # readline's limit is the line without its newline.
    server = await asyncio.start_server(handler, "127.0.0.1", 0, limit=max_line - 1, backlog=1024)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    print(server.sockets[0].getsockname()[1], flush=True)
    await stop.wait()
    server.close()
    running = list(handlers)
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)  # each says goodbye and closes
    await server.wait_closed()


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.rsplit("\n", 1)[-1])
    max_line, idle_ms, connections = map(int, sys.argv[1:])
    raise_nofile(connections + 64)
    asyncio.run(main(max_line, idle_ms / 1000))
