"""The HTTP benchmark's Python peer: aiohttp fetching N small files at
concurrency C. Prints the requests per second. Usage: BASE_URL N C"""
import asyncio
import sys
import time

import aiohttp


async def main(base, n, c):
    left = [n]
    ok = [0]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=c)) as session:
        async def worker():
            while left[0] > 0:
                left[0] -= 1
                async with session.get(f"{base}/file{left[0] % 100}") as resp:
                    await resp.read()
                    ok[0] += resp.status == 200
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(c)))
        took = time.perf_counter() - t0
    if ok[0] != n:
        sys.exit(f"http_aiohttp: {n - ok[0]} of {n} requests failed")
    print(f"{n / took:.1f}")


asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
