"""The echo benchmark's Python servers: asyncio streams, or uvloop's with
--uvloop. Prints the port, then serves until killed."""
import asyncio
import sys


async def echo(reader, writer):
    try:
        while data := await reader.read(4096):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # the load generator resets its connections when its time is up
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if "--uvloop" in sys.argv:
    import uvloop
    uvloop.install()
asyncio.run(main())
