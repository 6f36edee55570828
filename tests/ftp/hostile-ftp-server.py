#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small FTP server for Burrow's tests that answers like a hostile one.

It serves one file (RETR, SIZE, LIST, NLST) to an anonymous login, passive
mode only, and sends the replies an FTP tunnel must not be fooled by:

  split           every reply goes out one byte per write, --delay-ms apart
  banner          the 220 greeting and the 230 login reply are multi-line
                  blocks whose inner lines look like 227/229 replies: "227-…",
                  " 227 …" and "230-227 Entering Passive Mode (…)".  (No inner
                  line starts "227 ": RFC 959 has such lines padded, and curl
                  takes any "ddd " line for the end of a reply.)
  multiline-pasv  the reply to PASV is a "227-" block, every line of it a
                  227 naming the trap address
  pasv-to-other   TYPE, CWD and NOOP are answered with a 227 naming the trap
                  address (a 227 that answers no PASV)
  unsolicited     an extra, unasked-for 227 naming the trap address follows
                  the 257 reply to PWD, the command curl sends just before
                  PASV: a client reading replies in order takes it for the
                  reply to its PASV, and is one reply behind from then on

Whatever the behaviour, the single-line 227 answering PASV names the trap
address (127.77.0.9 unless --trap-address says otherwise) and the port
--trap-port, while the real data listener is on 127.0.0.1 at that same
port.  A "trap" listener on the trap address and port counts the
connections it gets and writes the count to --trap-count (it starts at 0,
written before the control port listens): a test asserts it stays 0, i.e.
nothing was ever steered to the address the server named.

Everything listens on loopback addresses only.  SIGTERM ends it.
"""

import argparse
import ipaddress
import os
import select
import signal
import socket
import sys
import threading
import time

BEHAVIOURS = ("split", "banner", "multiline-pasv", "pasv-to-other", "unsolicited")
DATA_ACCEPT_TIMEOUT = 10.0
CONTROL_IDLE_TIMEOUT = 60.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True, help="control port on 127.0.0.1")
    parser.add_argument("--trap-port", type=int, required=True,
                        help="port named in 227 replies; data listens on 127.0.0.1 there")
    parser.add_argument("--trap-address", default="127.77.0.9",
                        help="loopback address the 227 replies name (default 127.77.0.9)")
    parser.add_argument("--trap-count", required=True, help="file the trap count is written to")
    parser.add_argument("--file", required=True, help="the one file served")
    parser.add_argument("--behaviour", action="append", default=[], choices=BEHAVIOURS,
                        help="hostile behaviour; repeat to combine")
    parser.add_argument("--delay-ms", type=float, default=2.0,
                        help="pause between the bytes of a split reply")
    args = parser.parse_args()
    if not ipaddress.ip_address(args.trap_address).is_loopback:
        parser.error("--trap-address must be a loopback address")
    return args


def listen(address, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(16)
    return sock


class Trap:
    def __init__(self, address, port, path):
        self.sock = listen(address, port)
        self.path = path
        self.count = 0
        self.write()

    def write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % self.count)
        os.replace(tmp, self.path)

    def run(self):
        while True:
            conn, _ = self.sock.accept()
            conn.close()
            self.count += 1
            self.write()


class Session:
    def __init__(self, server, conn):
        self.server = server
        self.conn = conn
        self.behaviours = server.behaviours
        self.offset = 0
        conn.settimeout(CONTROL_IDLE_TIMEOUT)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def trap_227(self, code_sep="227 "):
        a = self.server.trap_address.split(".")
        p = self.server.trap_port
        return "%sEntering Passive Mode (%s,%s,%s,%s,%d,%d)" % (
            code_sep, a[0], a[1], a[2], a[3], p >> 8, p & 0xFF)

    def send(self, *lines):
        data = "".join(line + "\r\n" for line in lines).encode()
        if "split" in self.behaviours:
            for i in range(len(data)):
                self.conn.sendall(data[i:i + 1])
                time.sleep(self.server.delay)
        else:
            self.conn.sendall(data)

    def greet(self):
        if "banner" in self.behaviours:
            self.send("220-Welcome.  Your data connections go here:",
                      self.trap_227("227-"),
                      " " + self.trap_227(),
                      " 229 Entering Extended Passive Mode (|||%d|)" % self.server.trap_port,
                      "220-" + self.trap_227(""),
                      "220 Ready.")
        else:
            self.send("220 Ready.")

    def logged_in(self):
        if "banner" in self.behaviours:
            self.send("230-Login successful.",
                      self.trap_227("227-"),
                      " " + self.trap_227(),
                      "230-227 " + self.trap_227(""),
                      self.trap_227(""),
                      "230 Proceed.")
        else:
            self.send("230 Login successful.")

    def ok_or_227(self, text):
        if "pasv-to-other" in self.behaviours:
            self.send(self.trap_227())
        else:
            self.send(text)

    def pasv(self):
        if "multiline-pasv" in self.behaviours:
            self.send(self.trap_227("227-"),
                      self.trap_227(""),
                      self.trap_227())
        else:
            self.send(self.trap_227())

    def accept_data(self):
        """The next connection to the data listener, or None once the
        client closes its control connection or sends anything (ABOR) or
        the wait times out: a session its client left must not take the
        next session's data connection."""
        listener = self.server.data
        deadline = time.monotonic() + DATA_ACCEPT_TIMEOUT
        with self.server.data_lock:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                readable, _, _ = select.select([listener, self.conn], [], [], remaining)
                if self.conn in readable:
                    return None
                if listener in readable:
                    try:
                        conn, _ = listener.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    conn.setblocking(True)
                    conn.settimeout(DATA_ACCEPT_TIMEOUT)
                    return conn

    def transfer(self, payload_writer, opening):
        self.send(opening)
        data = self.accept_data()
        if data is None:
            self.send("425 No data connection.")
            return
        try:
            payload_writer(data)
            data.shutdown(socket.SHUT_WR)
        except OSError:
            data.close()
            self.send("426 Data connection broken.")
            return
        data.close()
        self.send("226 Transfer complete.")

    def write_file(self, data):
        with open(self.server.path, "rb") as f:
            f.seek(self.offset)
            while True:
                chunk = f.read(65536)
                if not chunk:
                    break
                data.sendall(chunk)
        self.offset = 0

    def listing(self, long_form):
        name = self.server.name
        if long_form:
            line = "-rw-r--r--    1 ftp      ftp      %12d Jan 01  2024 %s\r\n" % (
                self.server.size, name)
        else:
            line = name + "\r\n"
        return lambda data: data.sendall(line.encode())

    def handle(self, verb, arg):
        server = self.server
        if verb == "USER":
            self.send("331 Any password will do.")
        elif verb == "PASS":
            self.logged_in()
        elif verb == "SYST":
            self.send("215 UNIX Type: L8")
        elif verb == "FEAT":
            self.send("211-Features:", " EPSV", " PASV", " SIZE", " REST STREAM", "211 End")
        elif verb == "PWD":
            self.send('257 "/" is the current directory')
            if "unsolicited" in self.behaviours:
                self.send(self.trap_227())
        elif verb in ("CWD", "TYPE", "NOOP"):
            self.ok_or_227("250 OK." if verb == "CWD" else "200 OK.")
        elif verb == "OPTS":
            self.send("200 OK.")
        elif verb == "PASV":
            self.pasv()
        elif verb == "EPSV":
            self.send("229 Entering Extended Passive Mode (|||%d|)" % server.trap_port)
        elif verb in ("PORT", "EPRT", "LPRT"):
            self.send("502 Passive mode only.")
        elif verb == "SIZE":
            if arg.lstrip("/") == server.name:
                self.send("213 %d" % server.size)
            else:
                self.send("550 No such file.")
        elif verb == "MDTM":
            self.send("213 20240101000000")
        elif verb == "REST":
            try:
                self.offset = max(0, min(int(arg), server.size))
                self.send("350 Restarting at %d." % self.offset)
            except ValueError:
                self.send("501 Bad offset.")
        elif verb == "RETR":
            if arg.lstrip("/") == server.name:
                self.transfer(self.write_file, "150 Opening BINARY mode data connection.")
            else:
                self.send("550 No such file.")
        elif verb in ("LIST", "NLST"):
            self.transfer(self.listing(verb == "LIST"), "150 Here comes the listing.")
        elif verb == "ABOR":
            self.send("226 Nothing to abort.")
        elif verb == "QUIT":
            self.send("221 Goodbye.")
            return False
        else:
            self.send("502 Not implemented.")
        return True

    def run(self):
        reader = self.conn.makefile("rb")
        try:
            self.greet()
            for raw in reader:
                line = raw.decode("latin-1").rstrip("\r\n")
                verb, _, arg = line.partition(" ")
                if not self.handle(verb.upper(), arg.strip()):
                    break
        except OSError:
            pass
        finally:
            reader.close()
            self.conn.close()


class Server:
    def __init__(self, args):
        self.behaviours = set(args.behaviour)
        self.delay = args.delay_ms / 1000.0
        self.trap_address = args.trap_address
        self.trap_port = args.trap_port
        self.path = args.file
        self.name = os.path.basename(args.file)
        self.size = os.path.getsize(args.file)
        self.trap = Trap(args.trap_address, args.trap_port, args.trap_count)
        self.data = listen("127.0.0.1", args.trap_port)
        self.data.setblocking(False)
        self.data_lock = threading.Lock()
        self.control = listen("127.0.0.1", args.port)

    def run(self):
        threading.Thread(target=self.trap.run, daemon=True).start()
        while True:
            conn, _ = self.control.accept()
            threading.Thread(target=Session(self, conn).run, daemon=True).start()


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    try:
        server = Server(args)
    except OSError as e:
        # The helper tells a lost port race from other failures by this.
        print("hostile-ftp-server: cannot listen: %s" % e, file=sys.stderr, flush=True)
        return 3
    print("hostile-ftp-server: ready on 127.0.0.1:%d, trap %s:%d" % (
        args.port, args.trap_address, args.trap_port), file=sys.stderr, flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
