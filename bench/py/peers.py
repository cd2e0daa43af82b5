"""The benchmarks' Python peers, on asyncio or (with --uvloop) uvloop.
Each prints the same JSON line as the C programs."""
import asyncio
import concurrent.futures
import json
import os
import statistics
import sys
import time

SCALE = max(1, int(os.environ.get("BENCH_SCALE", "1")))
IMPL = "asyncio"


def count(n):
    return max(1, n // SCALE)


def report(bench, value, unit):
    print(json.dumps({"bench": bench, "impl": IMPL, "value": value, "unit": unit}), flush=True)


async def switch():
    n = count(200000)

    async def yielder():
        for _ in range(n):
            await asyncio.sleep(0)

    t0 = time.perf_counter()
    await asyncio.gather(yielder(), yielder())
    report("switch", (time.perf_counter() - t0) / (2 * n) * 1e9, "ns/switch")


async def trivial():
    return None


async def spawn_await():
    n = count(200000)
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(trivial()) for _ in range(n)]
    for t in tasks:
        await t
    report("spawn_await", (time.perf_counter() - t0) / n * 1e6, "us/task")


async def create_run_destroy():
    batches, batch = count(200), 1000
    t0 = time.perf_counter()
    for _ in range(batches):
        for _ in range(batch):
            asyncio.create_task(trivial())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    report("create_run_destroy", (time.perf_counter() - t0) / (batches * batch) * 1e9, "ns/task")


async def call_soon():
    loop = asyncio.get_running_loop()
    n = count(1000000)
    done = loop.create_future()
    left = [n]

    def link():
        left[0] -= 1
        if left[0] > 0:
            loop.call_soon(link)
        else:
            done.set_result(None)

    t0 = time.perf_counter()
    loop.call_soon(link)
    await done
    report("call_soon", (time.perf_counter() - t0) / n * 1e9, "ns/callback")


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def sleepers(name, n):
    """N tasks asleep at once (until cancelled): the RSS they add, per task."""
    before = rss_kib()
    tasks = [asyncio.create_task(asyncio.sleep(3600)) for _ in range(n)]
    await asyncio.sleep(0.1)  # all of them are asleep now
    during = rss_kib()
    report(name, (during - before) / n, "KiB/task")
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def sleeping_rss():
    await sleepers("sleeping_rss", count(100000))


async def sleeping_1m():
    await sleepers("sleeping_1m", count(1000000))


async def queue_pingpong():
    n = count(200000)
    ping, pong = asyncio.Queue(1), asyncio.Queue(1)

    async def ponger():
        for _ in range(n):
            await pong.put(await ping.get())

    t0 = time.perf_counter()
    task = asyncio.create_task(ponger())
    for _ in range(n):
        await ping.put(1)
        await pong.get()
    await task
    report("queue_pingpong", (time.perf_counter() - t0) / n * 1e6, "us/roundtrip")


async def lock():
    n = count(1000000)
    lk = asyncio.Lock()
    t0 = time.perf_counter()
    for _ in range(n):
        await lk.acquire()
        lk.release()
    report("lock", (time.perf_counter() - t0) / n * 1e9, "ns/pair")


def trivial_job():
    return None


async def executor_latency():
    loop = asyncio.get_running_loop()
    n = count(20000)
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        await loop.run_in_executor(None, trivial_job)
        lat.append(time.perf_counter() - t0)
    report("executor_latency", statistics.median(lat) * 1e6, "us/job (median)")


async def executor_throughput():
    loop = asyncio.get_running_loop()
    n = count(100000)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        async def submitter(jobs):
            for _ in range(jobs):
                await loop.run_in_executor(pool, trivial_job)

        t0 = time.perf_counter()
        await asyncio.gather(*(submitter(max(1, n // 64)) for _ in range(64)))
        report("executor_throughput", max(1, n // 64) * 64 / (time.perf_counter() - t0), "jobs/s")


BENCHES = {f.__name__: f for f in (switch, spawn_await, create_run_destroy, call_soon, sleeping_rss, sleeping_1m,
                                   queue_pingpong, lock, executor_latency, executor_throughput)}

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--uvloop" in args:
        import uvloop
        args.remove("--uvloop")
        IMPL = "uvloop"
        uvloop.install()
    if len(args) != 1 or args[0] not in BENCHES:
        sys.exit(f"usage: peers.py [--uvloop] {'|'.join(BENCHES)}")
    asyncio.run(BENCHES[args[0]]())
