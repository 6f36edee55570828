#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# po/POTFILES.in is complete and names only files that exist.
#
# Which files have translatable strings is xgettext's answer, not a pattern's:
# every C file, GtkBuilder template, desktop entry, AppStream metainfo and
# GSettings schema of the shipped tree (not tests/, subprojects/ or a build
# directory) goes through xgettext with the keywords and flags the build's
# burrow-pot target uses (_, N_, C_, NC_, g_dngettext, ngettext, …;
# translatable="yes" through the ITS rules), and each file the result refers
# to must be listed.  A listed file with no strings is only reported.

import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burrowpo  # noqa: E402

# What xgettext can read (the ITS rules match the name without .in).
SUFFIXES = ('.c', '.h', '.ui', '.desktop.in', '.metainfo.xml.in', '.appdata.xml.in',
            '.metainfo.xml', '.gschema.xml', '.policy.in')
# Not shipped, or not ours.
SKIP_TOP = {'tests', 'subprojects', 'po', 'flatpak'}


def is_build_dir(path):
    return any(os.path.exists(os.path.join(path, marker))
               for marker in ('meson-private', 'meson-info', 'build.ninja'))


def candidates(source):
    """Source-relative paths of every file xgettext could find strings in."""
    found = []
    for top, dirs, files in os.walk(source):
        rel = os.path.relpath(top, source)
        keep = []
        for d in sorted(dirs):
            if d.startswith('.') or is_build_dir(os.path.join(top, d)):
                continue
            if rel == '.' and d in SKIP_TOP:
                continue
            keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            if name.endswith(SUFFIXES):
                found.append(os.path.normpath(os.path.join(rel, name)))
    return found


def main():
    source, build = burrowpo.roots()
    listed = burrowpo.potfiles(source)
    status = 0

    for path in listed:
        if not os.path.isfile(os.path.join(source, path)):
            print(f'FAIL: po/POTFILES.in lists {path}, which does not exist')
            status = 1

    files = candidates(source)
    with tempfile.TemporaryDirectory(prefix='burrow-potfiles-') as tmp:
        pot = os.path.join(tmp, 'all.pot')
        warnings = burrowpo.xgettext(source, build, pot, files)
        translatable = burrowpo.references(pot) if os.path.exists(pot) else set()
    if warnings.strip():
        print(f'# xgettext:\n{warnings.rstrip()}')

    for path in sorted(translatable - set(listed)):
        print(f'FAIL: {path} has translatable strings but is missing from po/POTFILES.in')
        status = 1
    for path in sorted(set(listed) - translatable):
        if os.path.isfile(os.path.join(source, path)):
            print(f'# note: po/POTFILES.in lists {path}, which has no translatable strings')

    print(f'# {len(files)} files scanned, {len(translatable)} with translatable strings, '
          f'{len(listed)} listed in po/POTFILES.in')
    if status == 0:
        print('PASS: po/POTFILES.in lists every file with translatable strings')
    return status


if __name__ == '__main__':
    sys.exit(burrowpo.run(main))
