# SPDX-License-Identifier: GPL-3.0-or-later
"""What the po/ checks share: the source and build trees meson's test
environment names, POTFILES.in and LINGUAS read as meson reads them, and
xgettext run exactly as the build's burrow-pot target runs it, into a file
of the caller's choosing (burrow-pot itself writes po/burrow.pot in the
source tree, which a test must not touch)."""

import os
import re
import shlex
import subprocess

PACKAGE = 'burrow'


class Failure(Exception):
    """The check cannot even run: reported as a failure, never a skip."""


def roots():
    """(source root, build root) from meson's test environment."""
    source = os.environ.get('BURROW_SOURCE_ROOT')
    build = os.environ.get('BURROW_BUILD_ROOT')
    if not source or not build:
        raise Failure('BURROW_SOURCE_ROOT and BURROW_BUILD_ROOT are not set (run through meson test)')
    return source, build


def read_list(path):
    """The entries of POTFILES.in or LINGUAS: one or more a line, blank
    lines and # comments ignored.  POTFILES.in may prefix an entry with
    [type: …] or [encoding: …]."""
    entries = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            line = re.sub(r'^(\[[^]]*\]\s*)+', '', line)
            entries.extend(line.split())
    return entries


def potfiles(source):
    return read_list(os.path.join(source, 'po', 'POTFILES.in'))


def linguas(source):
    return read_list(os.path.join(source, 'po', 'LINGUAS'))


def pot_command(build):
    """(xgettext, extra arguments) of the burrow-pot run target, read from
    build.ninja: the keywords, flags and options meson's gettext preset and
    po/meson.build give it, so a check extracts what the template would."""
    ninja = os.path.join(build, 'build.ninja')
    target = f'build meson-internal__{PACKAGE}-pot:'
    try:
        with open(ninja, encoding='utf-8') as f:
            lines = f.read().splitlines()
    except OSError as error:
        raise Failure(f'cannot read {ninja}: {error}')
    for i, line in enumerate(lines):
        if line.startswith(target) and i + 1 < len(lines):
            command = lines[i + 1].strip()
            if not command.startswith('COMMAND = '):
                break
            argv = shlex.split(command[len('COMMAND = '):])
            options = dict(a.split('=', 1) for a in argv if a.startswith('--') and '=' in a)
            extra = options.get('--extra-args', '')
            return options.get('--xgettext', 'xgettext'), extra.split('@@') if extra else []
    raise Failure(f'no {PACKAGE}-pot target in {ninja}: is po/ built with i18n.gettext()?')


def xgettext(source, build, output, files=None):
    """Runs xgettext as burrow-pot does (scripts/gettext.py in meson:
    --package-name, -f POTFILES.in, -D source root, -k_, the extra
    arguments), writing output; files in place of POTFILES.in if given.
    Returns xgettext's stderr (warnings); raises Failure if it fails."""
    program, extra = pot_command(build)
    inputs = files if files is not None else ['-f', os.path.join(source, 'po', 'POTFILES.in')]
    argv = [program, f'--package-name={PACKAGE}', '-D', source, '-k_', '-o', output] + extra + inputs
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise Failure(f'{shlex.join(argv)} failed ({result.returncode}):\n{result.stderr}')
    return result.stderr


def references(pot):
    """The source files a template's "#:" lines name, each once."""
    files = set()
    with open(pot, encoding='utf-8') as f:
        for line in f:
            if line.startswith('#: '):
                for ref in line[3:].split():
                    files.add(re.sub(r':\d+$', '', ref))
    return files


def _unquote(quoted):
    escapes = {'n': '\n', 't': '\t', '"': '"', '\\': '\\'}
    return re.sub(r'\\(.)', lambda m: escapes.get(m.group(1), m.group(0)), quoted[1:-1])


def msgids(text):
    """The msgids of a catalogue's text (obsolete entries and the header
    left out), continuation lines joined."""
    ids, current = [], None
    for line in text.splitlines() + ['']:
        line = line.strip()
        if line.startswith('msgid '):
            current = _unquote(line[len('msgid '):])
        elif line.startswith('"') and current is not None:
            current += _unquote(line)
        else:
            if current:
                ids.append(current)
            current = None
    return ids


def run(main):
    """main() returns the exit status; a Failure is reported and fails."""
    try:
        return main()
    except Failure as failure:
        print(f'FAIL: {failure}', flush=True)
        return 1
