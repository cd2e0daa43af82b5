#!/usr/bin/python3
"""Run every benchmark for the runtime and its peers in one go, take the
median of several runs, and report ratios against the peers as a table
(build/bench/report.md) and as JSON (build/bench/results.json).

Usage: run.py BUILD_DIR [--runs N] [--only NAME,...] [--smoke]

--smoke: a check that every benchmark runs, on tiny counts (make test): it
says which ran and gives no figures or verdicts, which such counts cannot
support.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))
import processes  # noqa: E402
from counted import serve_counted  # noqa: E402

# name: (commands per implementation, lower_is_better, target)
# A target is ("faster", peer, factor), ("below", limit) or None (report only).
def benches(build):
    tasks, sync = f"{build}/bench/ac_tasks", f"{build}/bench/ac_sync"
    peers = f"{HERE}/py/peers.py"

    def impls(ac_cmd, name, extra=None):
        out = {"ac": ac_cmd}
        out.update(extra or {})
        out["asyncio"] = [PY, peers, name]
        out["uvloop"] = [PY, peers, "--uvloop", name]
        return out

    return {
        "switch": (impls([tasks, "switch"], "switch", {"swapcontext": [f"{build}/bench/swapcontext"]}),
                   True, ("faster", "swapcontext", 20)),
        # Compact tasks switch through the loop and copy their stacks: the
        # price of sleeping_1m_compact, beside asyncio's switch.
        "switch_compact": (impls([tasks, "switch_compact"], "switch"), True, None),
        "spawn_await": (impls([tasks, "spawn_await"], "spawn_await", {"floor": [f"{build}/bench/floor_spawn"]}),
                        True, ("faster", "asyncio", 50)),
        "create_run_destroy": (impls([tasks, "create_run_destroy"], "create_run_destroy"), True, ("below", 100)),
        "call_soon": (impls([tasks, "call_soon"], "call_soon"), True, ("faster", "asyncio", 20)),
        "sleeping_rss": (impls([tasks, "sleeping_rss"], "sleeping_rss"), True, ("below", 5)),
        "sleeping_1m": (impls([tasks, "sleeping_1m"], "sleeping_1m"), True, ("faster", "asyncio", 1)),
        "sleeping_1m_compact": (impls([tasks, "sleeping_1m_compact"], "sleeping_1m"), True,
                                ("faster", "asyncio", 1)),
        "queue_pingpong": (impls([sync, "queue_pingpong"], "queue_pingpong"), True, ("faster", "asyncio", 20)),
        "lock": (impls([sync, "lock"], "lock"), True, None),
        "executor_latency": (impls([sync, "executor_latency"], "executor_latency"), True,
                             ("faster", "asyncio", 10)),
        # The same round trip on a loaded machine: a busy neighbour on every
        # CPU; and with the whole program held to one CPU, where the loop
        # and the worker must take turns on it.
        "executor_latency_busy": ({impl: [PY, f"{HERE}/busy.py", *cmd] for impl, cmd in
                                   impls([sync, "executor_latency"], "executor_latency").items()},
                                  True, ("faster", "asyncio", 10)),
        "executor_latency_one_cpu": ({impl: one_cpu(cmd) for impl, cmd in
                                      impls([sync, "executor_latency"], "executor_latency").items()},
                                     True, ("faster", "asyncio", 10)),
        "executor_throughput": (impls([sync, "executor_throughput"], "executor_throughput"), False, None),
        "idle_conn_rss": ({"ac": [f"{build}/bench/ac_idle_conns"]}, True, ("below", 6)),
    }


def one_cpu(cmd):
    """CMD held to the first CPU this process may use."""
    return ["taskset", "-c", str(min(os.sched_getaffinity(0)))] + cmd


# Run once, not --runs times: a memory figure that varies little, from runs
# that take a minute each (a million tasks).
ONCE = {"sleeping_1m", "sleeping_1m_compact"}

ECHO_SECONDS = float(os.environ.get("ECHO_SECONDS", "10"))
TICKS = os.sysconf("SC_CLK_TCK")


def pinned(which, cmd):
    """Run CMD on one CPU (the first or the second this process may use)
    when it may use two or more: server and load apart."""
    cpus = sorted(os.sched_getaffinity(0))
    return (["taskset", "-c", str(cpus[which])] + cmd) if len(cpus) >= 2 and shutil.which("taskset") else cmd


def taking_turns(runs, keys, measure):
    """MEASURE(key) RUNS times for each of KEYS, in turn (all of them once,
    then all again...), so that a shared machine whose load changes during
    the benchmark weighs on each alike: {key: [results]}."""
    got = {key: [] for key in keys}
    for _ in range(runs):
        for key in keys:
            got[key].append(measure(key))
    return got


def spread(values):
    """The median and the range of VALUES, for the progress lines."""
    return f"{statistics.median(values):12.1f} ({min(values):.1f}..{max(values):.1f})"


def echo_once(server_cmd, build):
    """Start an echo server, load it for ECHO_SECONDS with 50 connections;
    return (messages per second, server user CPU in us per message)."""
    server = processes.start(pinned(0, server_cmd), stdout=subprocess.PIPE, text=True)
    try:
        port = server.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"{server_cmd} printed no port")
        def cpu_ticks():
            with open(f"/proc/{server.pid}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[11])  # utime
        before = cpu_ticks()
        load = subprocess.run(pinned(1, [f"{build}/bench/echo_load", port, "50", str(ECHO_SECONDS)]),
                              capture_output=True, text=True, timeout=ECHO_SECONDS + 60)
        if load.returncode != 0:
            raise RuntimeError(f"echo_load failed: {load.stderr.strip()}")
        rate = float(load.stdout.strip())
        user_s = (cpu_ticks() - before) / TICKS
        return rate, user_s / max(1.0, rate * ECHO_SECONDS) * 1e6
    finally:
        processes.stop(server)
        server.stdout.close()


COUNT_SECONDS = float(os.environ.get("COUNT_SECONDS", "2"))


def echo_load_for(build, seconds):
    """A load function for serve_counted: echo_load on the port, SECONDS
    long; returns the messages echoed."""
    def load(port):
        out = subprocess.run([f"{build}/bench/echo_load", port, "50", str(seconds)],
                             capture_output=True, text=True, timeout=seconds + 120)
        if out.returncode != 0:
            raise RuntimeError(f"echo_load failed: {out.stderr.strip()}")
        return float(out.stdout.strip()) * seconds
    return load


def count_rows(name, servers, load, what, prepare=None):
    """System calls and instructions per WHAT of each of SERVERS under
    LOAD (serve_counted): two report rows."""
    rows = []
    for tool, unit in (("syscalls", f"syscalls/{what}"), ("instructions", f"instructions/{what}")):
        figures = {impl: serve_counted(cmd, tool, load, prepare) for impl, cmd in servers.items()}
        for impl, v in figures.items():
            progress(f"{name + ' ' + tool:22} {impl:12} {v:12.2f} {unit}")
        rows.append((f"{name}_{tool}", figures, unit, True, None))
    return rows


def echo_rows(build, runs):
    servers = {"ac": [f"{build}/bench/echo_ac"], "ac-debug": ["env", "AC_DEBUG=1", f"{build}/bench/echo_ac"],
               "libuv": [f"{build}/bench/echo_uv"],
               "asyncio": [PY, f"{HERE}/py/echo_server.py"], "uvloop": [PY, f"{HERE}/py/echo_server.py", "--uvloop"]}
    # In turn, as the other servers: a changing load weighs on each alike.
    got = taking_turns(runs, servers, lambda impl: echo_once(servers[impl], build))
    rates = {impl: statistics.median(r for r, _ in v) for impl, v in got.items()}
    cpus = {impl: statistics.median(c for _, c in v) for impl, v in got.items()}
    for impl in servers:
        progress(f"{'echo':22} {impl:12} {spread([r for r, _ in got[impl]])} msgs/s "
                 f"{cpus[impl]:8.3f} us user CPU/msg")
    counted = {impl: servers[impl] for impl in ("ac", "libuv", "asyncio", "uvloop")}
    return [("echo_throughput", rates, "msgs/s", False, ("faster", "libuv", 0.9)),
            ("echo_user_cpu", cpus, "us user CPU/msg", True, ("faster", "libuv", 0.5))] + \
        count_rows("echo", counted, echo_load_for(build, COUNT_SECONDS), "msg")


HTTP_REQUESTS = int(os.environ.get("HTTP_REQUESTS", "10000"))


def nginx_serving(tmp, files=None):
    """Start Debian's nginx on a free loopback port serving FILES (name:
    bytes; by default file0..file99 of 1 KiB each); return (process, base URL)."""
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    for name, data in (files or {f"file{i}": b"x" * 1024 for i in range(100)}).items():
        with open(os.path.join(www, name), "wb") as f:
            f.write(data)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"daemon off; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/error.log;\n"
                f"events {{ worker_connections 1024; }}\n"
                f"http {{ access_log off; keepalive_requests 1000000;\n"
                f"  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};\n"
                f"  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};\n"
                f"  server {{ listen 127.0.0.1:{port}; root {www}; }} }}\n")
    # SIGQUIT: nginx's graceful stop, the master ends its workers and then itself.
    proc = processes.start(pinned(0, ["/usr/sbin/nginx", "-c", conf, "-p", tmp]), signal.SIGQUIT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as c:
            if c.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.05)
    processes.stop(proc)
    raise RuntimeError("nginx did not start")


def http_rows(build, runs):
    import tempfile
    tmp = tempfile.mkdtemp(prefix="bench-nginx-")
    proc, base = nginx_serving(tmp)
    try:
        n = str(HTTP_REQUESTS)
        cmds = {"ac": pinned(1, [f"{build}/bench/http_ac", base, n, "100"]),
                "aiohttp": pinned(1, [PY, f"{HERE}/py/http_aiohttp.py", base, n, "100"])}
        rates = {}
        for impl, cmd in cmds.items():
            got = []
            for _ in range(runs):
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
                if out.returncode != 0:
                    raise RuntimeError(f"{impl}: {out.stderr.strip()}")
                got.append(float(out.stdout.strip()))
            rates[impl] = statistics.median(got)
        if shutil.which("wrk"):  # the ceiling: a C load generator on the same server
            secs = max(1, min(5, HTTP_REQUESTS // 2000))
            out = subprocess.run(pinned(1, ["wrk", "-t1", "-c100", f"-d{secs}s", f"{base}/file1"]),
                                 capture_output=True, text=True, timeout=120)
            m = re.search(r"Requests/sec:\s*([0-9.]+)", out.stdout)
            if m:
                rates["wrk"] = float(m.group(1))
        for impl, v in rates.items():
            progress(f"{'http':22} {impl:12} {v:12.1f} req/s")
        return [("http_client", rates, "requests/s", False, ("faster", "aiohttp", 3))]
    finally:
        try:
            processes.stop(proc)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


CRAWL_PAGES = int(os.environ.get("CRAWL_PAGES", "3000"))
CRAWL_SITE = os.path.join(os.path.dirname(HERE), "chapters", "06-crawler", "tests", "site.py")


def crawl_rows(build, runs):
    """Chapter 06's reference crawler against an aiohttp crawler written to
    the same rules, over the same generated site (nginx on 127.0.0.1 and
    127.0.0.2), at the same limits: pages per second."""
    binary = f"{build}/bench/crawl_ac"
    if not os.path.exists(binary):
        print("crawl: not run (it needs chapter 06's reference solution, solutions/06-crawler)", file=sys.stderr)
        return []
    site = processes.start([PY, CRAWL_SITE, "serve", "--no-peer", "--pages", str(CRAWL_PAGES)],
                           stdout=subprocess.PIPE, text=True)
    try:
        line = site.stdout.readline().split()
        if len(line) != 4 or line[0] != "READY":
            raise RuntimeError("the crawl benchmark's site did not start")
        port = line[1]
        hosts = [f"127.0.0.1:{port}", f"127.0.0.2:{port}"]
        start = f"http://127.0.0.1:{port}/index.html"
        limits = ["16", "8"]  # in flight in all, per host
        cmds = {"ac": pinned(1, [binary, start, *limits, *hosts]),
                "aiohttp": pinned(1, [PY, f"{HERE}/crawl/crawl_aiohttp.py", start, *limits, *hosts])}
        rates, pages = {}, {}
        for impl, cmd in cmds.items():
            got = []
            for _ in range(runs):
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
                if out.returncode != 0:
                    raise RuntimeError(f"crawl {impl}: {out.stderr.strip()}")
                n, secs = out.stdout.split()
                pages[impl] = int(n)
                got.append(int(n) / float(secs))
            rates[impl] = statistics.median(got)
            progress(f"{'crawl':22} {impl:12} {rates[impl]:12.1f} pages/s ({pages[impl]} pages)")
        if len(set(pages.values())) != 1:
            raise RuntimeError(f"the crawlers fetched different numbers of pages: {pages}")
        return [("crawl", rates, "pages/s", False, ("faster", "aiohttp", 3))]
    finally:
        try:
            processes.stop(site)
        finally:
            site.stdout.close()


LINES_IDLE = int(os.environ.get("LINES_IDLE", "10000"))
LINES_MAX = 4096  # the longest line, its newline included
LINES_IDLE_MS = 600000  # the idle deadline: longer than any measurement


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def idle_rss_once(server_cmd, build, n):
    """Start a server that prints its port, open N connections that each
    send a line, get it back and stay quiet (bench/c/idle_clients.c, in a
    process of its own); return the KiB of RSS the server gained per
    connection."""
    import select
    server = processes.start(pinned(0, server_cmd), stdout=subprocess.PIPE, text=True)
    try:
        port = server.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"{server_cmd} printed no port")
        time.sleep(0.2)
        before = vm_rss_kib(server.pid)
        clients = subprocess.Popen(pinned(1, [f"{build}/bench/idle_clients", port, str(n)]),
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            if not select.select([clients.stdout], [], [], 120)[0] or clients.stdout.readline() != "ready\n":
                raise RuntimeError(f"idle_clients did not open {n} connections to {server_cmd[0]} in 120 s")
            time.sleep(0.2)  # every handler is back in its wait
            during = vm_rss_kib(server.pid)
        finally:
            clients.stdin.close()  # it hangs up
            if clients.wait(60) != 0:
                raise RuntimeError("idle_clients failed")
            clients.stdout.close()
        return (during - before) / n
    finally:
        processes.stop(server)
        server.stdout.close()


def lines_rows(build, runs):
    """Chapter 05's reference line server against an asyncio streams server
    written to the same rules (bench/lines/line_server_asyncio.py): lines
    echoed per second under echo_load, and memory per idle connection."""
    binary = f"{build}/bench/line_server_ac"
    if not os.path.exists(binary):
        print("lines: not run (it needs chapter 05's reference solution, solutions/05-streams)", file=sys.stderr)
        return []
    args = [str(LINES_MAX), str(LINES_IDLE_MS), str(LINES_IDLE)]
    servers = {"ac": [binary, *args], "asyncio": [PY, f"{HERE}/lines/line_server_asyncio.py", *args]}
    echoed = taking_turns(runs, servers, lambda impl: echo_once(servers[impl], build))
    held = taking_turns(runs, servers, lambda impl: idle_rss_once(servers[impl], build, LINES_IDLE))
    rates = {impl: statistics.median(r for r, _ in v) for impl, v in echoed.items()}
    cpus = {impl: statistics.median(c for _, c in v) for impl, v in echoed.items()}
    rss = {impl: statistics.median(v) for impl, v in held.items()}
    for impl in servers:
        progress(f"{'lines':22} {impl:12} {spread([r for r, _ in echoed[impl]])} lines/s "
                 f"{cpus[impl]:8.3f} us user CPU/line {rss[impl]:8.2f} KiB per idle connection")
    return [("lines_throughput", rates, "lines/s", False, ("faster", "asyncio", 3)),
            ("lines_user_cpu", cpus, "us user CPU/line", True, ("faster", "asyncio", 10)),
            ("lines_idle_rss", rss, "KiB/idle conn", True, ("faster", "asyncio", 1))] + \
        count_rows("lines", servers, echo_load_for(build, COUNT_SECONDS), "line")


STREAMS_ENTRIES = int(os.environ.get("STREAMS_ENTRIES", "50000"))
STREAMS_BATCH, STREAMS_CONCURRENCY = 500, 100
STREAMS_PY = f"{HERE}/streams/streams_redis_py.py"
# One batch read for the group and acknowledged, on the server: the
# ceiling's unit of work (its rate times the batch is entries/s).
CEILING_SCRIPT = ("local r = redis.call('XREADGROUP', 'GROUP', 'workers', 'ceiling', 'COUNT', ARGV[1], "
                  "'STREAMS', 'jobs', '>') if not r then return 0 end local ids = {} "
                  "for i, e in ipairs(r[1][2]) do ids[i] = e[1] end "
                  "redis.call('XACK', 'jobs', 'workers', unpack(ids)) return #ids")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streams_rows(build, runs):
    """Chapter 09's reference consumer against the same consumer on
    redis.asyncio, each reading, processing (counting) and acknowledging
    every entry of one stream on a redis-server of their own; and, as the
    ceiling, redis-benchmark running the same commands on the server alone
    (a Lua script that reads a batch for the group and acknowledges it, ten
    calls pipelined): entries/s."""
    binary = f"{build}/bench/streams_ac"
    if not os.path.exists(binary):
        print("streams: not run (it needs chapter 09's reference solution, solutions/09-executors-streams)",
              file=sys.stderr)
        return []
    import tempfile
    with tempfile.TemporaryDirectory(prefix="ac-bench-redis-") as tmp:
        port = free_port()
        server = processes.start(pinned(0, ["/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", str(port),
                                            "--dir", tmp, "--save", "", "--appendonly", "no",
                                            "--logfile", f"{tmp}/redis.log"]))
        try:
            for _ in range(500):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.01)
            n = str(STREAMS_ENTRIES)
            subprocess.run([PY, STREAMS_PY, "fill", str(port), n], check=True, timeout=600)
            subprocess.run(["redis-cli", "-p", str(port), "XGROUP", "CREATE", "jobs", "workers", "0"],
                           check=True, capture_output=True, timeout=60)
            args = [str(port), n, str(STREAMS_BATCH), str(STREAMS_CONCURRENCY)]
            cmds = {"ac": pinned(1, [binary, *args]),
                    "redis.asyncio": pinned(1, [PY, STREAMS_PY, "consume", *args])}

            def consume(impl):
                subprocess.run([PY, STREAMS_PY, "reset", str(port)], check=True, timeout=60)
                out = subprocess.run(cmds[impl], capture_output=True, text=True, timeout=600)
                if out.returncode != 0:
                    raise RuntimeError(f"streams {impl}: {out.stderr.strip()}")
                got, secs = out.stdout.split()
                return int(got) / float(secs)

            def ceiling(_):
                # The server alone doing what the consumers ask of it: each
                # call of the script reads a batch for the group and
                # acknowledges it, with no client work in between.
                subprocess.run([PY, STREAMS_PY, "reset", str(port)], check=True, timeout=60)
                calls = str(-(-STREAMS_ENTRIES // STREAMS_BATCH))
                out = subprocess.run(pinned(1, ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", "1",
                                                "-P", "10", "-n", calls, "--csv", "EVAL", CEILING_SCRIPT, "0",
                                                str(STREAMS_BATCH)]),
                                     capture_output=True, text=True, timeout=600)
                rows = [line for line in out.stdout.splitlines() if line.startswith('"EVAL')]
                if out.returncode != 0 or not rows:
                    raise RuntimeError(f"redis-benchmark: {out.stderr.strip() or out.stdout.strip()}")
                return float(rows[0].rsplit('","', 7)[1].strip('"')) * STREAMS_BATCH

            rates = taking_turns(runs, cmds, consume)
            rates["redis-benchmark"] = taking_turns(runs, ["x"], ceiling)["x"]
        finally:
            processes.stop(server)
    figures = {impl: statistics.median(v) for impl, v in rates.items()}
    for impl, v in rates.items():
        progress(f"{'streams':22} {impl:16} {spread(v)} entries/s")
    return [("streams_consume", figures, "entries/s", False, ("faster", "redis.asyncio", 3)),
            ("streams_vs_ceiling", figures, "entries/s", False, ("faster", "redis-benchmark", 0.5))]


API_SECONDS = float(os.environ.get("API_SECONDS", "5"))
API_CONNECTIONS = 50
API_ITEMS = 100


def group_cpu(pgid):
    """CPU seconds (user and system) used so far by the processes of group PGID."""
    total = 0
    for pid, _, _, group, _ in processes._processes():
        if group == pgid:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except OSError:
                pass
    return total / TICKS


def wrk_measured(url, seconds, server):
    """wrk(), and the server's CPU per request in microseconds: a figure a
    busy machine changes much less than requests per second."""
    before = group_cpu(server.pid)
    rate, p99 = wrk(url, seconds)
    return rate, p99, (group_cpu(server.pid) - before) / max(1.0, rate * seconds) * 1e6


def wrk(url, seconds):
    """Load URL with wrk for SECONDS at API_CONNECTIONS keep-alive
    connections; return (requests per second, 99th percentile latency in ms)."""
    # wrk on no CPU in particular: the server has one to itself, and wrk held
    # to the other got only what that CPU's other tenants left it.
    out = subprocess.run(["wrk", "-t1", f"-c{API_CONNECTIONS}", f"-d{seconds:g}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 60)
    rps = re.search(r"Requests/sec:\s*([0-9.]+)", out.stdout)
    p99 = re.search(r"^\s*99%\s+([0-9.]+)(us|ms|s)\s*$", out.stdout, re.M)
    if out.returncode != 0 or not rps or not p99 or "Non-2xx" in out.stdout or "Socket errors" in out.stdout:
        raise RuntimeError(f"wrk {url}: {out.stdout.strip()} {out.stderr.strip()}")
    return float(rps.group(1)), float(p99.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]


class NotServing(RuntimeError):
    """The API server did not start: in a learner's copy, chapter 07's
    exercises are not done yet."""


def api_serving(cmd):
    """Start an API server that prints its port; fill it with API_ITEMS
    to-dos; return (process, base URL)."""
    proc = processes.start(pinned(0, cmd), stdout=subprocess.PIPE, text=True)
    port = proc.stdout.readline().strip()
    if not port.isdigit():
        try:
            processes.stop(proc)
        except processes.NotStoppedCleanly:
            pass  # it ended on its own, which is what it was expected to do here
        proc.stdout.close()
        raise NotServing(f"{' '.join(cmd)} printed no port")
    try:
        fill_todos(port)
    except RuntimeError as e:
        processes.stop(proc)
        raise RuntimeError(f"{' '.join(cmd)}: {e}")
    return proc, f"http://127.0.0.1:{port}"


def fill_todos(port):
    """POST API_ITEMS to-dos to the API server on PORT."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    for i in range(API_ITEMS):
        conn.request("POST", "/todos", body=f'{{"title": "to-do number {i + 1}"}}',
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 201:
            raise RuntimeError(f"POST /todos answered {r.status}")
    conn.close()


def wrk_requests(path, seconds):
    """A load function for serve_counted: wrk on PATH for SECONDS, with few
    connections and a long timeout (a server under callgrind is slow);
    returns the requests answered."""
    def load(port):
        whole = max(1, round(seconds))  # wrk takes whole seconds
        out = subprocess.run(["wrk", "-t1", "-c4", f"-d{whole}s", "--timeout", "60s",
                              f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                             timeout=whole + 120)
        m = re.search(r"^\s*(\d+) requests in", out.stdout, re.M)
        if out.returncode != 0 or not m or "Non-2xx" in out.stdout:
            raise RuntimeError(f"wrk {path}: {out.stdout.strip()} {out.stderr.strip()}")
        return int(m.group(1))
    return load


def stop_all(procs):
    """Stop every server of PROCS (made by api_serving or nginx_serving),
    then raise the first failure, if any."""
    failure = None
    for proc in procs:
        try:
            if proc.stdout:
                proc.stdout.close()
            processes.stop(proc)
        except processes.NotStoppedCleanly as e:
            failure = failure or e
    if failure:
        raise failure


def api_rows(build, runs):
    """The same requests, at the same concurrency, to the course's API
    server and to FastAPI, and for the ceiling to nginx serving a file of
    the size of one to-do. All three run at once and are loaded in turn."""
    import tempfile
    import urllib.request
    servers = {"ac": [f"{build}/bench/api_server"], "fastapi": [PY, f"{HERE}/py/api_fastapi.py"]}
    paths = {"get": "/todos/42", "list": "/todos?limit=10&after=20"}
    procs, bases = {}, {}
    tmp = tempfile.mkdtemp(prefix="bench-nginx-")
    try:
        for impl, cmd in servers.items():
            procs[impl], bases[impl] = api_serving(cmd)
        with urllib.request.urlopen(bases["ac"] + paths["get"], timeout=10) as r:
            one_todo = r.read()
        procs["nginx"], bases["nginx"] = nginx_serving(tmp, {"todo": one_todo})
        # In turn: each path on ac then on FastAPI, then the file on nginx.
        urls = {(impl, p): bases[impl] + path for p, path in paths.items() for impl in servers}
        urls["nginx", "file"] = bases["nginx"] + "/todo"
        got = taking_turns(runs, urls, lambda key: wrk_measured(urls[key], API_SECONDS, procs[key[0]]))
    finally:
        try:
            stop_all(procs.values())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    for (impl, p), results in got.items():
        progress(f"{'api ' + p:22} {impl:12} {spread([r for r, _, _ in results])} req/s "
                 f"{statistics.median(l for _, l, _ in results):8.2f} ms p99 "
                 f"{statistics.median(c for _, _, c in results):8.1f} us CPU/req")
    rows = []
    for p in paths:
        keys = {"ac": ("ac", p), "fastapi": ("fastapi", p), "nginx": ("nginx", "file")}
        rps, p99, cpu = ({impl: statistics.median(r[i] for r in got[key]) for impl, key in keys.items()}
                         for i in range(3))
        rows += [(f"api_{p}_rps", rps, "requests/s", False, ("faster", "fastapi", 5)),
                 (f"api_{p}_rps_of_nginx", rps, "requests/s", False, ("faster", "nginx", 0.5)),
                 (f"api_{p}_p99", p99, "ms p99", True, ("faster", "fastapi", 1)),
                 (f"api_{p}_cpu", cpu, "us CPU/request", True, ("faster", "fastapi", 5))]
        rows += count_rows(f"api_{p}", servers, wrk_requests(paths[p], COUNT_SECONDS), "request", fill_todos)
    return rows


SMOKE = False

# Why a row can miss its target, said in the report beside the GAP.
GAP_NOTES = {
    "spawn_await": "a spawn + await costs the runtime about 700 instructions (make bench-check) against the "
                   "floor's 307: the floor has no loop to iterate, no task list, ids, names or reference counts, "
                   "no cancellation, done callbacks or debug hooks, all of which every task of the runtime pays "
                   "for; asyncio's ratio also moves with the machine's load (about 25x on a quiet one)",
    "create_run_destroy": "about 500 instructions per task (a structure from the slab, a stack from the pool, two "
                          "switches, the finish); the time per task is the figure a loaded machine inflates most",
    "sleeping_1m": "the default mode keeps a suspended task's top stack page (4 KiB); sleeping_1m_compact, the "
                   "compact mode (AC_TASK_COMPACT), is the row that meets asyncio's memory",
    "executor_latency": "when the loop's thread and the worker land on one CPU (a loaded machine), a round trip "
                        "needs two context switches, about 10 us here; the busy-neighbour row shows the round "
                        "trip when the threads get CPUs of their own part of the time",
    "executor_latency_one_cpu": "with one CPU for every thread, each round trip needs two context switches "
                                "(about 10 us on this machine); asyncio pays them too, and its interpreter",
    "echo_user_cpu": "the runtime spends about 800 more instructions per message than raw libuv "
                     "(echo_instructions: the handler task's switch in and out, the stream's read and write "
                     "paths); both make the same two system calls per message",
    "lines_throughput": "the load generator shares the machine with the servers: on a quiet machine the ratio "
                        "was 5.8x; the CPU per line (lines_user_cpu) is the figure load does not move",
    "lines_idle_rss": "each idle connection's handler task keeps its stack page (4 KiB) in the default mode",
}


def machine_state():
    """The load average and CPUs, to name the machine's state in the report."""
    load = os.getloadavg()[0]
    cpus = len(os.sched_getaffinity(0))
    return load, cpus, "loaded" if load > 0.5 * cpus else "quiet"


def progress(line):
    """A figure as it comes (not in a smoke run, whose figures mean nothing)."""
    if not SMOKE:
        print(line, file=sys.stderr, flush=True)


def run_once(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.strip()}")
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"{' '.join(cmd)} printed no result")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--out", default="build/bench", help="where the report and JSON go")
    ap.add_argument("--smoke", action="store_true", help="check that every benchmark runs; no figures")
    args = ap.parse_args()
    global SMOKE
    SMOKE = args.smoke
    only = set(filter(None, args.only.split(",")))
    state_before = machine_state()
    results = []
    failed = False
    for name, (impls, lower_better, target) in benches(args.build).items():
        if only and name not in only:
            continue
        row = {"bench": name, "lower_is_better": lower_better, "figures": {}, "unit": None}
        for impl, cmd in impls.items():
            values = []
            for _ in range(1 if name in ONCE else args.runs):
                r = run_once(cmd)
                values.append(r["value"])
                row["unit"] = r["unit"]
            row["figures"][impl] = statistics.median(values)
            progress(f"{name:22} {impl:12} {row['figures'][impl]:12.4f} {row['unit']}")
        ac = row["figures"]["ac"]
        row["ratios"] = {}
        for impl, v in row["figures"].items():
            if impl != "ac" and ac > 0 and v > 0:
                row["ratios"][impl] = v / ac if lower_better else ac / v
        if target and target[0] == "faster":
            row["target"] = f">= {target[2]}x {target[1]}"
            row["met"] = row["ratios"].get(target[1], 0) >= target[2]
        elif target:
            row["target"] = f"<= {target[1]} {row['unit']}"
            row["met"] = ac <= target[1]
        else:
            row["target"], row["met"] = "report", None
        failed |= row["met"] is False
        results.append(row)

    extra = []
    if not only or "echo" in only:
        extra += echo_rows(args.build, args.runs)
    if not only or "http" in only:
        extra += http_rows(args.build, args.runs)
    if not only or "crawl" in only:
        extra += crawl_rows(args.build, args.runs)
    if not only or "lines" in only:
        extra += lines_rows(args.build, args.runs)
    if not only or "streams" in only:
        extra += streams_rows(args.build, args.runs)
    if not only or "api" in only:
        try:
            extra += api_rows(args.build, args.runs)
        except NotServing as e:
            print(f"not run: bench api ({e}: chapter 07's http_server and todo_api do not serve yet)")
    for name, figures, unit, lower_better, target in extra:
        ac = figures["ac"]
        ratios = {i: (v / ac if lower_better else ac / v) for i, v in figures.items() if i != "ac" and v > 0 and ac > 0}
        met = ratios.get(target[1], 0) >= target[2] if target else None
        results.append({"bench": name, "lower_is_better": lower_better, "figures": figures, "unit": unit,
                        "ratios": ratios, "target": f">= {target[2]}x {target[1]}" if target else "report",
                        "met": met})
        failed |= met is False

    if SMOKE:
        for r in results:
            print(f"ok   bench {r['bench']} runs ({', '.join(r['figures'])})")
        print("A smoke run: each benchmark ran once on a tiny count, to show that it still works. "
              "It measures nothing; `make bench` measures and compares.")
        return 0

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    peers = ["floor", "swapcontext", "libuv", "asyncio", "uvloop", "ac-debug", "aiohttp", "wrk", "fastapi", "nginx",
             "redis.asyncio", "redis-benchmark"]
    lines = ["| benchmark | unit | ac | " + " | ".join(peers) + " | ac vs " + " | ac vs ".join(peers)
             + " | target | |", "|" + "---|" * (5 + 2 * len(peers))]
    for r in results:
        figs = [f"{r['figures'][p]:.4g}" if p in r["figures"] else "" for p in peers]
        ratios = [f"{r['ratios'][p]:.1f}x" if p in r["ratios"] else "" for p in peers]
        status = {True: "PASS", False: "GAP", None: ""}[r["met"]]
        lines.append(f"| {r['bench']} | {r['unit']} | {r['figures']['ac']:.4g} | " + " | ".join(figs)
                     + " | " + " | ".join(ratios) + f" | {r['target']} | {status} |")
    table = "\n".join(lines) + ("\n\nRatios say how many times better ac is (time and CPU: peer/ac; "
                                 "throughput: ac/peer). Crawl: chapter 06's reference crawler and an aiohttp one, "
                                 f"{CRAWL_PAGES} generated pages on nginx, 16 requests in flight, 8 per host. "
                                 "Echo: 64-byte messages, 50 connections, "
                                 f"{ECHO_SECONDS:g} s, server and load on different CPUs, the servers in turn. "
                                 "syscalls and instructions rows: per message or request, counted in a "
                                 f"{COUNT_SECONDS:g}-s run with the server under strace -c or callgrind. "
                                 "Lines: chapter 05's reference line server and an asyncio one, the same "
                                 f"load in 64-byte lines; memory with {LINES_IDLE} idle connections. "
                                 "Streams: chapter 09's reference consumer and the same consumer on "
                                 f"redis.asyncio, {STREAMS_ENTRIES} entries read, processed and acknowledged "
                                 f"(batches of {STREAMS_BATCH}, {STREAMS_CONCURRENCY} at once); "
                                 "redis-benchmark: the same commands run on the server alone (a script reading "
                                 "a batch for the group and acknowledging it), 10 pipelined.\n")
    gaps = [f"- {r['bench']}: {GAP_NOTES[r['bench']]}" for r in results
            if r["met"] is False and r["bench"] in GAP_NOTES]
    if gaps:
        table += "\nWhy the rows marked GAP miss their target:\n\n" + "\n".join(gaps) + "\n"
    state_after = machine_state()
    table += (f"\nMachine: {state_before[1]} CPUs, load average {state_before[0]:.1f} at the start and "
              f"{state_after[0]:.1f} at the end ({state_before[2]}, then {state_after[2]}).\n")
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(table)
    print(table)
    return 1 if failed and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main())
