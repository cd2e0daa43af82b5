#!/usr/bin/python3
"""A real HTTP server for the HTTP client's tests (Python's http.server, not
ours): serves the files of a directory, plus /redirect/N (N redirects, then
the file hello.txt), /redirect-to/URL (one redirect to URL, which may be of
any scheme), /slow (answers after 3 s), /not-http (bytes that are no HTTP
answer) and /huge-header (a 200 KB header line). Listens on 127.0.0.1 on a
free port, prints the port, and serves until killed.

Usage: http_peer.py DIRECTORY"""
import functools
import http.server
import sys
import time
import urllib.parse


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/redirect/"):
            left = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/redirect/{left - 1}" if left > 1 else "/hello.txt")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/redirect-to/"):
            self.send_response(302)
            self.send_header("Location", urllib.parse.unquote(self.path[len("/redirect-to/"):]))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/not-http":
            self.wfile.write(b"this is not an HTTP answer\r\n\r\n")
            self.close_connection = True
        elif self.path == "/huge-header":
            self.send_response(200)
            self.send_header("X-Huge", "h" * 200_000)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(3)
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"slow")
        else:
            super().do_GET()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Echo", self.headers.get("X-Test", ""))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer is what the cancellation and
        # size-cap tests do on purpose: no traceback for that.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


server = Server(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print(server.server_address[1], flush=True)
server.serve_forever()
