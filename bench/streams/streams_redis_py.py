#!/usr/bin/python3
"""The streams benchmark's Python side, on redis.asyncio (Debian's
python3-redis): the same consumer as chapter 09's reference (a batch per
XREADGROUP, each entry processed in a task under a semaphore, one XACK
for the entries of the batch once all are processed), and the set-up of
the stream both consumers read.

Usage: streams_redis_py.py consume PORT ENTRIES BATCH CONCURRENCY
       streams_redis_py.py fill PORT ENTRIES    (the stream "jobs")
       streams_redis_py.py reset PORT           (the group "workers", at 0)
"""
import asyncio
import sys
import time

import redis
import redis.asyncio


async def consume(port, want, batch, concurrency):
    r = redis.asyncio.Redis(host="127.0.0.1", port=port)
    slots = asyncio.Semaphore(concurrency)
    seen = 0

    async def process_one(entry_id, processed):
        nonlocal seen
        try:
            seen += 1  # the processing: count it, as the C side does
            processed.append(entry_id)
        finally:
            slots.release()

    while seen < want:
        reply = await r.xreadgroup("workers", "bench", {"jobs": ">"}, count=batch, block=100)
        processed = []
        async with asyncio.TaskGroup() as batch_group:
            for _, entries in reply:
                for entry_id, _fields in entries:
                    await slots.acquire()
                    batch_group.create_task(process_one(entry_id, processed))
        if processed:
            await r.xack("jobs", "workers", *processed)
    await (r.aclose() if hasattr(r, "aclose") else r.close())
    return seen


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "consume":
        want, batch, concurrency = map(int, sys.argv[3:6])
        start = time.monotonic()
        seen = asyncio.run(consume(port, want, batch, concurrency))
        print(f"{seen} {time.monotonic() - start:.6f}")
    elif cmd == "fill":
        r = redis.Redis(host="127.0.0.1", port=port)
        n = int(sys.argv[3])
        for first in range(0, n, 1000):
            pipe = r.pipeline(transaction=False)
            for i in range(first, min(n, first + 1000)):
                pipe.xadd("jobs", {"data": str(i)})
            pipe.execute()
    elif cmd == "reset":
        r = redis.Redis(host="127.0.0.1", port=port)
        r.xgroup_destroy("jobs", "workers")
        r.xgroup_create("jobs", "workers", id="0")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
