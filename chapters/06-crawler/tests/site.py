#!/usr/bin/python3
"""The web site the crawler's tests (and its benchmark) crawl, on loopback.

  site.py serve [--seed N] [--pages N] [--no-peer]

generates a site into a temporary directory (deterministic from the seed),
serves it and prints one line, "READY NGINX_PORT PEER_PORT DIR", once both
servers answer; on SIGTERM (or SIGINT) it stops them, removes the directory
and exits 0 only if both stopped cleanly. Tests run it under
`scripts/processes.py server`, which sends that SIGTERM when the test's end
of its stdin closes, however the test ends.

- nginx (Debian's nginx-light), run as the current user with `daemon off`
  and everything in DIR, serves the generated pages on 127.0.0.1:NGINX_PORT
  (host "a") and 127.0.0.2:NGINX_PORT (host "b"): a tree of pages with
  links back up (cycles), links written every way a URL can be (relative,
  absolute, upper case, dot segments, fragments, <base href>), 404s,
  redirects (`return 301`, a chain, a loop, to another host, to ftp://),
  robots.txt, and links that must never be followed: other schemes
  (javascript:, mailto:, ftp://, file://, data:, tel:), other hosts
  (localhost, 127.0.0.3), paths robots.txt forbids. Its access log,
  DIR/access.log, has "$msec $connection $server_addr $http_host $status
  $request_uri" per request.
- the peer (Python's threaded http.server, in this process) serves
  127.0.0.1, .2 and .3 on PEER_PORT: /slow/* (?ms= later), /flaky/*
  (?fails= times 503, then 200), /hang/* (never answers), /status/*
  (?code=), a robots.txt that takes 150 ms, and counts: DIR/peer.log has
  "B ms host path in_flight_host in_flight_all" when a request arrives and
  "E ms host path status" just before its answer goes out (so the counts
  never exceed what the client really had in flight).
- DIR/site.txt lists what the tree from /index.html holds: one line per
  link target, "depth kind url", kind being page (200, with links), leaf
  (200, no links), missing (404), moved (301 to a page), private (robots.txt
  forbids it), offsite (another host), scheme (not http).
"""
import argparse
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
import processes  # noqa: E402

AGENT = "ac-test-crawler"
NGINX = "/usr/sbin/nginx"


# ---- the generated site ------------------------------------------------------

def page_path(depth, pid):
    return "/index.html" if pid == 0 else f"/pages/d{depth}/p{pid}.html"


def html(title, links, base=None):
    head = f'<base href="{base}">' if base else ""
    items = "\n".join(f'<li><a href="{href}">link {i}</a></li>' for i, href in enumerate(links))
    return (f"<!DOCTYPE html>\n<html><head><title>{title}</title>{head}</head>\n"
            f"<body><h1>{title}</h1><ul>\n{items}\n</ul><p>{'text ' * 40}</p></body></html>\n")


def generate(root, seed, count, nginx_port, peer_port):
    """Write the pages of hosts a and b under ROOT/www/{a,b} and the
    manifest ROOT/site.txt; return the extra nginx locations."""
    rng = random.Random(seed)
    host = {"a": f"127.0.0.1:{nginx_port}", "b": f"127.0.0.2:{nginx_port}"}
    trap = f"127.0.0.3:{peer_port}"
    pages = [{"id": 0, "host": "a", "depth": 0, "parent": None, "children": []}]
    frontier = [0]
    while len(pages) < count:
        parent = pages[frontier.pop(0)]
        for _ in range(rng.randint(2, 4)):
            if len(pages) >= count:
                break
            child = {"id": len(pages), "host": "b" if rng.random() < 0.3 else "a",
                     "depth": parent["depth"] + 1, "parent": parent["id"], "children": []}
            pages.append(child)
            parent["children"].append(child["id"])
            frontier.append(child["id"])
    manifest = []  # (depth, kind, url)

    def url(h, path):
        return f"http://{host[h]}{path}"

    files = {"a": {}, "b": {}}
    for p in pages:
        h, d, pid = p["host"], p["depth"], p["id"]
        here = page_path(d, pid)
        base = f"/pages/d{d + 1}/" if pid % 7 == 3 else None
        links = []
        for cid in p["children"]:
            c = pages[cid]
            target = page_path(c["depth"], cid)
            if c["host"] != h:
                links.append(rng.choice([url(c["host"], target), f"//{host[c['host']]}{target}"]))
            elif base:
                links.append(f"p{cid}.html")
            elif rng.random() < 0.08:
                moved = "/moved" + target
                links.append(moved)
                manifest.append((c["depth"], "moved", url(h, moved)))
            else:
                rel = os.path.relpath(target, os.path.dirname(here))
                links.append(rng.choice([rel, target, f"HTTP://{host[h].upper()}{target}",
                                         f"/pages/./d{c['depth']}/../d{c['depth']}/p{cid}.html",
                                         f"{target}#top", f"./{rel}"]))
            manifest.append((c["depth"], "page", url(c["host"], target)))
        if p["children"]:  # the same link again, another way: one fetch
            links.append(f"{url(pages[p['children'][0]]['host'], page_path(d + 1, p['children'][0]))}#again")
        if p["parent"] is not None:  # cycles: up to the parent and the root
            q = pages[p["parent"]]
            links.append(url(q["host"], page_path(q["depth"], q["id"])))
            links.append(url("a", "/index.html"))
        roll = rng.random()
        if roll < 0.15:
            links.append(f"/missing/p{pid}.html")
            manifest.append((d + 1, "missing", url(h, f"/missing/p{pid}.html")))
        elif roll < 0.30:
            links.append(f"/private/p{pid}.html")
            manifest.append((d + 1, "private", url(h, f"/private/p{pid}.html")))
            files[h][f"/private/p{pid}.html"] = html("private", [])
        elif roll < 0.40 and h == "a":
            links.append(f"/private/open/p{pid}.html")
            manifest.append((d + 1, "leaf", url(h, f"/private/open/p{pid}.html")))
            files[h][f"/private/open/p{pid}.html"] = html("open", [])
        elif roll < 0.50:
            offsite = rng.choice([f"http://localhost:{nginx_port}{here}", f"http://{trap}/trap/p{pid}.html",
                                  f"https://{trap}/trap/s{pid}.html"])
            links.append(offsite)
            manifest.append((d + 1, "offsite", offsite))
        elif roll < 0.65:
            other = rng.choice(["javascript:void(0)", "JavaScript:alert(1)", "mailto:webmaster@example.invalid",
                                f"ftp://{trap}/p{pid}.txt", "file:///etc/passwd", "data:text/html,hello",
                                "tel:+10000000"])
            links.append(other)
            manifest.append((d + 1, "scheme", other))
        rng.shuffle(links)
        files[h][here] = html(f"page {pid}", links, base)
    files["a"]["/robots.txt"] = (f"User-agent: *\nDisallow: /\n\nUser-agent: {AGENT}\n"
                                 "Disallow: /private/\nAllow: /private/open/\n")
    files["b"]["/robots.txt"] = "User-agent: *\nDisallow: /private/\n"

    peer = f"http://127.0.0.1:{peer_port}"
    peer2 = f"http://127.0.0.2:{peer_port}"
    hubs = {
        "slow": [f"{peer}/slow/s{i}.html?ms=150" for i in range(12)]
        + [f"{peer2}/slow/s{i}.html?ms=150" for i in range(12)]
        + [f"{peer}/private/p{i}.html" for i in range(3)] + [f"{peer2}/private/p{i}.html" for i in range(3)],
        "flaky": [f"{peer}/flaky/f{i}.html?fails=2" for i in range(4)]
        + [f"{peer}/status/e{i}.html?code=404" for i in range(3)]
        + [f"{peer}/status/g.html?code=410", f"{peer}/status/x0.html?code=500", "/missing/hub.html"],
        "hang": [f"{peer}/hang/h{i}.html" for i in range(3)] + [f"{peer2}/slow/q{i}.html?ms=100" for i in range(4)],
        "redirects": ["/chain/1", "/loop/a", "/away", "/toftp", "/moved/pages/d1/p1.html", "/pages/d1/p1.html"],
    }
    for name, links in hubs.items():
        files["a"][f"/hubs/{name}.html"] = html(f"hub {name}", links)
    locations = [f"location = /chain/{i} {{ return 301 /chain/{i + 1}; }}" for i in range(1, 8)]
    locations += ["location = /chain/8 { return 301 /index.html; }",
                  "location = /loop/a { return 301 /loop/b; }", "location = /loop/b { return 301 /loop/a; }",
                  f"location = /away {{ return 301 http://{trap}/trap/away.html; }}",
                  f"location = /toftp {{ return 301 ftp://{trap}/file.txt; }}"]

    for h, entries in files.items():
        for path, text in entries.items():
            full = os.path.join(root, "www", h, path.lstrip("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
    with open(os.path.join(root, "site.txt"), "w") as f:
        f.write(f"0 page {url('a', '/index.html')}\n")
        for depth, kind, u in manifest:
            f.write(f"{depth} {kind} {u}\n")
    return locations


def nginx_conf(root, port, locations):
    log_format = "'$msec $connection $server_addr $http_host $status $request_uri'"
    servers = ""
    for h, addr in (("a", "127.0.0.1"), ("b", "127.0.0.2")):
        servers += (f"  server {{ listen {addr}:{port}; root {root}/www/{h};\n"
                    f"    location /moved/ {{ rewrite ^/moved/(.*)$ /$1 permanent; }}\n"
                    + "".join(f"    {loc}\n" for loc in locations) + "  }\n")
    # worker_shutdown_timeout: a graceful stop closes what a client left open.
    return (f"daemon off; worker_processes 1; worker_shutdown_timeout 1s; pid {root}/nginx.pid; "
            f"error_log {root}/error.log;\n"
            f"events {{ worker_connections 200; }}\n"
            f"http {{ log_format crawl {log_format}; access_log {root}/access.log crawl;\n"
            f"  default_type text/html; keepalive_requests 100000;\n"
            f"  client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;\n"
            f"  uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;\n{servers}}}\n")


# ---- the slow and flaky peer -------------------------------------------------

class Peer:
    """What the peer's three servers share: counts and the log."""

    def __init__(self, log_path):
        self.lock = threading.Lock()
        self.log = open(log_path, "w", buffering=1)
        self.in_flight = {}
        self.total = 0
        self.seen = {}  # path -> requests so far (for /flaky)
        self.stopping = threading.Event()

    def begin(self, host, path):
        with self.lock:
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.total += 1
            self.seen[path] = self.seen.get(path, 0) + 1
            self.log.write(f"B {time.time() * 1000:.3f} {host} {path} {self.in_flight[host]} {self.total}\n")
            return self.seen[path]

    def end(self, host, path, status):
        with self.lock:
            self.in_flight[host] -= 1
            self.total -= 1
            self.log.write(f"E {time.time() * 1000:.3f} {host} {path} {status}\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: a thread lives as long as its request
    timeout = 10  # seconds a connection may stay silent: one opened and never written to ends

    def log_message(self, *args):
        pass

    def do_GET(self):
        peer = self.server.peer
        host = f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        nth = peer.begin(host, self.path)
        status, body, delay = self.answer(nth)
        if delay:
            if peer.stopping.wait(delay):
                peer.end(host, self.path, 0)
                return
        peer.end(host, self.path, status)
        if status == 0:
            return
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if not self.path.endswith(".txt") else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (cancelled): expected

    def answer(self, nth):
        """(status, body, seconds to wait first); status 0: never answer."""
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        arg = lambda name, default: int(query.get(name, [default])[0])  # noqa: E731
        if url.path == "/robots.txt":
            return 200, "User-agent: *\nDisallow: /private/\n", 0.15
        if url.path.startswith("/slow/"):
            return 200, html("slow", []), arg("ms", 100) / 1000
        if url.path.startswith("/flaky/"):
            return (503, "busy", 0) if nth <= arg("fails", 1) else (200, html("flaky", []), 0)
        if url.path.startswith("/hang/"):
            return 0, "", 60
        if url.path.startswith("/status/"):
            return arg("code", 500), "status", 0
        return 404, "not here", 0


class PeerServer(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops connections a crawler opens at once
    daemon_threads = True
    block_on_close = False  # stopping must not wait for a client that keeps its connection open


def serve_peer(peer, port):
    servers = []
    for addr in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        srv = PeerServer((addr, port), Handler)
        srv.peer = peer
        threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(srv)
    return servers


def free_port(addrs):
    """A port free on every address of ADDRS (tried until one is)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind((addrs[0], 0))
            port = s.getsockname()[1]
        ok = True
        for addr in addrs[1:]:
            with socket.socket() as s:
                try:
                    s.bind((addr, port))
                except OSError:
                    ok = False
        if ok:
            return port
    raise RuntimeError("no free port")


def wait_listening(addr, port, proc):
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}")
        with socket.socket() as c:
            if c.connect_ex((addr, port)) == 0:
                return
        time.sleep(0.025)
    raise RuntimeError("nginx did not start listening")


def serve(args):
    root = tempfile.mkdtemp(prefix="crawl-site-")
    os.chmod(root, 0o755)  # nginx's worker runs as nobody when started by root
    nginx = None
    peer = servers = None
    status = 0
    stop = threading.Event()

    def on_signal(signum, frame):  # told to stop (or our starter died): stop the servers first
        stop.set()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    try:
        os.makedirs(os.path.join(root, "tmp"))
        nginx_port = free_port(["127.0.0.1", "127.0.0.2"])
        peer_port = 0
        if not args.no_peer:
            for _ in range(20):
                peer_port = free_port(["127.0.0.1", "127.0.0.2", "127.0.0.3"])
                try:
                    peer = Peer(os.path.join(root, "peer.log"))
                    servers = serve_peer(peer, peer_port)
                    break
                except OSError:
                    for srv in servers or []:
                        srv.shutdown()
                    servers = None
        locations = generate(root, args.seed, args.pages, nginx_port, peer_port or 1)
        conf = os.path.join(root, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(root, nginx_port, locations))
        # SIGQUIT: nginx's graceful stop (the master ends its worker, then itself).
        nginx = processes.start([NGINX, "-c", conf, "-p", root, "-e", os.path.join(root, "error.log")],
                                signal.SIGQUIT, stdout=subprocess_devnull(), stderr=subprocess_devnull())
        wait_listening("127.0.0.1", nginx_port, nginx)
        wait_listening("127.0.0.2", nginx_port, nginx)
        print(f"READY {nginx_port} {peer_port} {root}", flush=True)
        while not stop.wait(0.1):
            pass
    except Exception as e:  # noqa: BLE001 - said, then the servers are stopped
        print(f"site.py: {e}", file=sys.stderr, flush=True)
        status = 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)  # stopping already: a second signal must not cut it short
        began = time.monotonic()
        if peer is not None:
            peer.stopping.set()
        for srv in servers or []:
            srv.shutdown()
            srv.server_close()
        peer_done = time.monotonic()
        if nginx is not None:
            try:
                # Half the grace our own stopper gives us, so that a slow nginx is named here.
                processes.stop(nginx, processes.GRACE / 2)
            except processes.NotStoppedCleanly as e:
                print(f"site.py: {e}", file=sys.stderr, flush=True)
                status = 1
        shutil.rmtree(root, ignore_errors=True)
        ended = time.monotonic()
        if ended - began > 2:
            print(f"site.py: stopping took {ended - began:.1f} s "
                  f"(the peer {peer_done - began:.1f} s, nginx {ended - peer_done:.1f} s)",
                  file=sys.stderr, flush=True)
    return status


def subprocess_devnull():
    return open(os.devnull, "w")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--seed", type=int, default=6)
    s.add_argument("--pages", type=int, default=400)
    s.add_argument("--no-peer", action="store_true", help="nginx only (the benchmark)")
    return serve(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
