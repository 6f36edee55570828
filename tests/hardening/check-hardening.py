#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks what meson.build's hardening promises, in the built binaries.

check-hardening.py [--exe PATH]… [--lib PATH]…: every file is an ELF with a
GNU_RELRO segment and BIND_NOW (full RELRO), calls __stack_chk_fail (all of
them have arrays on the stack) and at least one fortified __*_chk function
(all of them call memcpy, snprintf, read or the like); executables are
position-independent (type DYN with the PIE flag).  TAP on stdout.
"""

import argparse
import re
import subprocess
import sys


def readelf(*args):
    return subprocess.run(['readelf', '-W', *args], check=True, capture_output=True,
                          text=True).stdout


def imported_symbols(path):
    """Names of the undefined dynamic symbols, without their versions."""
    names = set()
    for row in readelf('--dyn-syms', path).splitlines():
        fields = row.split()
        if len(fields) >= 8 and fields[6] == 'UND':
            names.add(fields[7].split('@')[0])
    return names


def problems(path, executable):
    found = []
    header = readelf('-h', path)
    if not re.search(r'Type:\s+DYN', header):
        found.append('not of ELF type DYN')
    dynamic = readelf('-d', path)
    if executable and not re.search(r'\(FLAGS_1\).*\bPIE\b', dynamic):
        found.append('no PIE flag in FLAGS_1: not position-independent')
    if 'GNU_RELRO' not in readelf('-l', path):
        found.append('no GNU_RELRO segment')
    if not (re.search(r'\(BIND_NOW\)', dynamic) or re.search(r'\(FLAGS_1\).*\bNOW\b', dynamic)
            or re.search(r'\(FLAGS\).*\bBIND_NOW\b', dynamic)):
        found.append('no BIND_NOW: RELRO is partial')
    symbols = imported_symbols(path)
    if '__stack_chk_fail' not in symbols:
        found.append('no __stack_chk_fail: built without the stack protector')
    fortified = sorted(s for s in symbols if re.fullmatch(r'__\w+_chk', s)
                       and s != '__stack_chk_fail')
    if not fortified:
        found.append('no __*_chk function: built without _FORTIFY_SOURCE')
    return found, fortified


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--exe', action='append', default=[])
    parser.add_argument('--lib', action='append', default=[])
    args = parser.parse_args()
    files = [(p, True) for p in args.exe] + [(p, False) for p in args.lib]
    print(f'1..{len(files)}')
    failed = 0
    for number, (path, executable) in enumerate(files, 1):
        found, fortified = problems(path, executable)
        if found:
            failed += 1
            print(f'not ok {number} {path}')
            for problem in found:
                print(f'# {problem}')
        else:
            print(f'ok {number} {path} # {len(fortified)} fortified: {" ".join(fortified)}')
    return 1 if failed or not files else 0


if __name__ == '__main__':
    sys.exit(main())
