#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a program sees of its TCP connects, printed for the capture tests.

  connect-check.py nonblocking HOST PORT PATH
      a non-blocking connect: prints what connect_ex() returned, whether the
      socket became writable, SO_ERROR, getpeername(), then the body of an
      HTTP GET of PATH.
  connect-check.py threads N HOST PORT PATH
      N threads connect at once (blocking) and GET PATH; prints
      "ok N/N" and the distinct bodies.
  connect-check.py errno HOST PORT
      a blocking connect: prints "connected" or the errno's name.
Every wait is bounded (10 s a socket operation, 60 s a thread)."""
import errno
import select
import socket
import sys
import threading

TIMEOUT = 10


def http_get(sock, host, path):
    sock.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
    reply = b"".join(chunks)
    head, _, body = reply.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or b" 200 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(f"bad reply: {head[:80]!r}")
    return body.decode()


def nonblocking(host, port, path):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    result = sock.connect_ex((host, port))
    print("connect_ex", errno.errorcode.get(result, result))
    _, writable, _ = select.select([], [sock], [], TIMEOUT)
    print("writable", bool(writable))
    print("SO_ERROR", sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
    peer = sock.getpeername()
    print("peer", peer[0], peer[1])
    sock.settimeout(TIMEOUT)
    print("body", http_get(sock, host, path).strip())
    sock.close()


def threads(count, host, port, path):
    barrier = threading.Barrier(count, timeout=60)
    bodies = []
    errors = []
    lock = threading.Lock()

    def one():
        try:
            barrier.wait()
            with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
                peer = sock.getpeername()
                if (peer[0], peer[1]) != (host, port):
                    raise RuntimeError(f"getpeername gave {peer}")
                body = http_get(sock, host, path).strip()
            with lock:
                bodies.append(body)
        except Exception as error:  # every failure is counted and shown
            with lock:
                errors.append(repr(error))

    workers = [threading.Thread(target=one) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    print(f"ok {len(bodies)}/{count}")
    for body in sorted(set(bodies)):
        print("body", body)
    for error in errors[:5]:
        print("error", error)


def blocking_errno(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    try:
        sock.connect((host, port))
        print("connected")
    except OSError as error:
        print(errno.errorcode.get(error.errno, error.errno))
    finally:
        sock.close()


def main(argv):
    mode = argv[1]
    if mode == "nonblocking":
        nonblocking(argv[2], int(argv[3]), argv[4])
    elif mode == "threads":
        threads(int(argv[2]), argv[3], int(argv[4]), argv[5])
    elif mode == "errno":
        blocking_errno(argv[2], int(argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
