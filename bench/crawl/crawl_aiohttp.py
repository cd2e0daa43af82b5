"""The crawl benchmark's Python peer: a crawler on aiohttp written to the
rules of chapter 06's crawl() (crawler.h): a FIFO frontier, a set of the
normalised URLs ever queued, a task per page, robots.txt once per host
before its pages, a semaphore per host taken before the global one and held
across the request, retries with jittered exponential backoff on 5xx and
timeouts, redirects followed by the crawler, links by lxml (libxml2, as the
C crawler's). Prints "PAGES SECONDS".
Usage: crawl_aiohttp.py START_URL IN_FLIGHT PER_HOST HOST..."""
import asyncio
import random
import sys
import time
import re
import urllib.parse

import aiohttp
import lxml.html

AGENT = "ac-test-crawler/1.0"
MAX_DEPTH, MAX_REDIRECTS, ATTEMPTS, BASE_MS, MAX_MS = 1000, 5, 3, 50, 1000
DEFAULT_PORT = {"http": 80, "https": 443}


def normalise(base, href):
    """Resolved against BASE, scheme and host lower case, default port
    dropped, dot segments resolved, fragment dropped; None if not a URL."""
    try:
        url = urllib.parse.urljoin(base, href.strip())
        p = urllib.parse.urlsplit(url)
        host = (p.hostname or "").lower()
        port = p.port
    except ValueError:
        return None
    scheme = p.scheme.lower()
    if scheme not in DEFAULT_PORT or not host:
        return url  # the crawler refuses it
    netloc = host if port in (None, DEFAULT_PORT[scheme]) else f"{host}:{port}"
    return urllib.parse.urlunsplit((scheme, netloc, p.path or "/", p.query, ""))


class Robots:
    """robots.txt as chapter 06's support/robots.c reads it (RFC 9309): the
    group naming the agent, else "*"; the longest matching rule wins, Allow
    on a tie; '*' and a final '$' as wildcards."""

    def __init__(self, text=None, allow=True):
        self.deny_all = not allow
        self.rules = []
        if text is not None:
            self.rules = self.group(text, True) or self.group(text, False)

    @staticmethod
    def group(text, named):
        rules, in_group, agents_done = [], False, False
        for line in text.splitlines():
            key, _, value = line.split("#", 1)[0].partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "user-agent":
                if agents_done:
                    in_group = agents_done = False
                hit = (value != "*" and AGENT.lower().startswith(value.lower())) if named else value == "*"
                in_group |= bool(value) and hit
            elif key in ("allow", "disallow"):
                agents_done = True
                if in_group and value:
                    regex = re.escape(value).replace(r"\*", ".*")
                    if regex.endswith(r"\$"):
                        regex = regex[:-2] + "$"
                    rules.append((len(value), key == "allow", re.compile(regex)))
        return rules

    def allows(self, path):
        if self.deny_all:
            return False
        best, allow = 0, True
        for length, is_allow, regex in self.rules:
            if regex.match(path) and (length > best or (length == best and is_allow)):
                best, allow = length, is_allow
        return allow


def host_of(url):
    p = urllib.parse.urlsplit(url)
    return f"{p.hostname}:{p.port or DEFAULT_PORT[p.scheme]}"


class Crawler:
    def __init__(self, session, allowed, in_flight, per_host):
        self.session, self.allowed, self.per_host = session, set(allowed), per_host
        self.frontier = asyncio.Queue()
        self.seen, self.pending, self.count = set(), 0, 0
        self.all = asyncio.Semaphore(in_flight)
        self.hosts, self.robots = {}, {}

    def consider(self, url, depth, hops):
        if (url is None or depth > MAX_DEPTH or not url.startswith(("http://", "https://"))
                or host_of(url) not in self.allowed or url in self.seen):
            return
        self.seen.add(url)
        self.pending += 1
        self.frontier.put_nowait((url, depth, hops))

    async def request(self, host, url):
        """(status, body, location) under the limits, with retries."""
        sem = self.hosts.setdefault(host, asyncio.Semaphore(self.per_host))
        async with sem, self.all:  # the host's place first, then one of all
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    async with self.session.get(url, allow_redirects=False, headers={"User-Agent": AGENT},
                                                timeout=aiohttp.ClientTimeout(total=30)) as resp:
                        body = await resp.read()
                        status, location = resp.status, resp.headers.get("Location")
                    if status < 500 or attempt == ATTEMPTS:
                        return status, body, location
                except (asyncio.TimeoutError, aiohttp.ClientConnectionError):
                    if attempt == ATTEMPTS:
                        return 0, b"", None
                d = min(MAX_MS, BASE_MS << (attempt - 1))
                await asyncio.sleep((d / 2 + random.uniform(0, d / 2)) / 1000)

    async def rules(self, url, host):
        if host not in self.robots:
            ready = self.robots[host] = asyncio.get_running_loop().create_future()
            scheme = urllib.parse.urlsplit(url).scheme
            status, body, _ = await self.request(host, f"{scheme}://{host}/robots.txt")
            if 200 <= status < 300:
                ready.set_result(Robots(body.decode("utf-8", "replace")))
            else:
                ready.set_result(Robots(allow=400 <= status < 500))
        return await self.robots[host]

    async def visit(self, url, depth, hops):
        try:
            host = host_of(url)
            p = urllib.parse.urlsplit(url)
            if not (await self.rules(url, host)).allows(p.path + ("?" + p.query if p.query else "")):
                return
            self.count += 1
            status, body, location = await self.request(host, url)
            if 300 <= status < 400 and location and hops < MAX_REDIRECTS:
                self.consider(normalise(url, location), depth, hops + 1)
            elif 200 <= status < 300 and body:
                doc = lxml.html.document_fromstring(body)
                base = url
                for b in doc.xpath("//base/@href")[:1]:
                    base = normalise(url, b) or url
                for href in doc.xpath("//a/@href"):
                    self.consider(normalise(base, href), depth + 1, 0)
        finally:
            self.pending -= 1
            if self.pending == 0:
                self.frontier.put_nowait(None)  # the end

    async def run(self, start):
        self.consider(normalise(start, start), 0, 0)
        tasks = []
        while (entry := await self.frontier.get()) is not None:
            tasks.append(asyncio.create_task(self.visit(*entry)))
        await asyncio.gather(*tasks)


async def main(start, in_flight, per_host, hosts):
    connector = aiohttp.TCPConnector(limit=in_flight, limit_per_host=per_host)
    async with aiohttp.ClientSession(connector=connector) as session:
        crawler = Crawler(session, hosts, in_flight, per_host)
        t0 = time.perf_counter()
        await crawler.run(start)
        took = time.perf_counter() - t0
    print(f"{crawler.count} {took:.6f}")


asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]))
