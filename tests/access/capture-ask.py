#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Asks the broker's capture socket one question, as a captured program's
library would, and prints its answer on one line.

  capture-ask.py SOCKET resolve NAME   -> "resolved ADDRESS" | "resolved none"
  capture-ask.py SOCKET connect PORT   -> "verdict direct" | "verdict tunnelled"
                                          | "verdict fail ERRNO"
(a connect to 127.0.0.1:PORT, with an unconnected TCP socket beside it)

Other lines: "closed" (no answer), "error ERRNO", "type 0xNN" (an answer
of another type), or the errno name of a failed connect to SOCKET
(EACCES).  The wire format is in broker/capture/burrow-capture-protocol.h.
"""
import errno
import ipaddress
import socket
import struct
import sys

VERSION = 1
CONNECT, RESOLVE = 1, 2
VERDICT, RESOLVED, ERROR = 0x81, 0x82, 0xFF
TAG_ADDRESS, TAG_NAME = 1, 2
TAG_ACTION, TAG_ERRNO = 10, 11
ACTIONS = {0: "direct", 1: "tunnelled", 2: "fail"}


def field(tag, value):
    return bytes([tag, len(value)]) + value


def frame(kind, body):
    return struct.pack(">BBH", VERSION, kind, len(body)) + body


def read_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def fields(body):
    found = {}
    while len(body) >= 2:
        tag, length = body[0], body[1]
        found[tag] = body[2:2 + length]
        body = body[2 + length:]
    return found


def describe(kind, found):
    if kind == RESOLVED:
        address = found.get(TAG_ADDRESS)
        if address is None:
            return "resolved none"
        return "resolved %s" % ipaddress.ip_address(address[3:])
    if kind == VERDICT:
        action = ACTIONS.get(found[TAG_ACTION][0], "unknown")
        if TAG_ERRNO in found:
            return "verdict %s %d" % (action, struct.unpack(">I", found[TAG_ERRNO])[0])
        return "verdict " + action
    if kind == ERROR and TAG_ERRNO in found:
        return "error %d" % struct.unpack(">I", found[TAG_ERRNO])[0]
    return "type %#x" % kind


def main():
    path, question, argument = sys.argv[1:4]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(20)
    try:
        sock.connect(path)
    except OSError as e:
        print(errno.errorcode[e.errno])
        return
    if question == "resolve":
        sock.sendall(frame(RESOLVE, field(TAG_NAME, argument.encode())))
    else:
        address = struct.pack(">BH", 4, int(argument)) + socket.inet_aton("127.0.0.1")
        target = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        socket.send_fds(sock, [frame(CONNECT, field(TAG_ADDRESS, address))], [target.fileno()])
    header = read_exactly(sock, 4)
    if header is None:
        print("closed")
        return
    _, kind, length = struct.unpack(">BBH", header)
    body = read_exactly(sock, length) or b""
    print(describe(kind, fields(body)))


if __name__ == "__main__":
    main()
