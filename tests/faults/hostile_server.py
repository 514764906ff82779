# SPDX-License-Identifier: MIT
# A collector and an S3 endpoint that answer every upload with terminal escapes in the error body
# (clear the screen, return the carriage, forge a "profile-bee:" line). Prints its port.
import http.server
import sys

FORGE = b"\x1b[2J\x1b[H\rprofile-bee: forged line\n\xc2\x9b31m\xe2\x80\xaeevil"


class Hostile(http.server.BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path.startswith("/ingest") or self.path.startswith("/push"):
            status, body = 400, b"rejected: " + FORGE
        else:
            status = 403
            body = (b"<?xml version=\"1.0\"?><Error><Code>AccessDenied" + FORGE +
                    b"</Code><Message>" + FORGE + b"</Message></Error>")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_GET = answer

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
print(server.server_address[1], flush=True)
server.serve_forever()
