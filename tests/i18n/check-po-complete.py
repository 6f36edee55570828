#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every catalogue in po/LINGUAS translates the current sources completely.
#
# The template is extracted afresh into a temporary directory, from the
# sources POTFILES.in lists and with the build's burrow-pot command (not the
# committed po/burrow.pot, which may lag behind), and each po/LANG.po is
# merged into it there as `ninja burrow-update-po` would.  The merged
# catalogue must have no untranslated and no fuzzy message (msgmerge marks a
# changed string fuzzy) and pass `msgfmt --check` (format directives, header,
# plural forms) and --check-accelerators=_ (one mnemonic where the original
# has one).  The committed catalogue must pass the same msgfmt checks as it
# is.  A stale po/burrow.pot is only reported.

import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burrowpo  # noqa: E402

MSGFMT_CHECKS = ['--check', '--check-accelerators=_']


def tool(argv):
    """(exit status, stdout, stderr) of a gettext tool."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True)
    except FileNotFoundError:
        raise burrowpo.Failure(f'{argv[0]} is not installed (package gettext)')
    return result.returncode, result.stdout, result.stderr


def statistics(text):
    """{translated, fuzzy, untranslated} from msgfmt --statistics."""
    counts = {'translated': 0, 'fuzzy': 0, 'untranslated': 0}
    for number, kind in re.findall(r'(\d+) (translated|fuzzy|untranslated)', text):
        counts[kind] = int(number)
    return counts


def selected(po, selection):
    """The msgids msgattrib selects (--untranslated, --only-fuzzy), for the log."""
    status, out, err = tool(['msgattrib', '--no-obsolete', selection, po])
    if status != 0:
        return [f'(msgattrib failed: {err.strip()})']
    return burrowpo.msgids(out)


def check_language(source, lang, pot, tmp):
    po = os.path.join(source, 'po', f'{lang}.po')
    if not os.path.isfile(po):
        print(f'FAIL: po/LINGUAS names {lang}, but po/{lang}.po does not exist')
        return False
    ok = True

    status, _, err = tool(['msgfmt', *MSGFMT_CHECKS, '-o', os.devnull, po])
    if status != 0:
        print(f'FAIL: msgfmt --check po/{lang}.po:\n{err.rstrip()}')
        ok = False

    merged = os.path.join(tmp, f'{lang}.po')
    status, _, err = tool(['msgmerge', '--quiet', '--previous', '-o', merged, po, pot])
    if status != 0:
        print(f'FAIL: msgmerge po/{lang}.po with the current template:\n{err.rstrip()}')
        return False
    status, _, err = tool(['msgfmt', *MSGFMT_CHECKS, '--statistics', '-o', os.devnull, merged])
    counts = statistics(err)
    print(f'# {lang}: {err.strip().splitlines()[-1] if err.strip() else "(no statistics)"}')
    if status != 0:
        print(f'FAIL: msgfmt --check of po/{lang}.po merged with the current sources:\n{err.rstrip()}')
        ok = False
    if counts['translated'] == 0:
        print(f'FAIL: {lang}: no translated message at all')
        ok = False
    for kind, selection in (('untranslated', '--untranslated'), ('fuzzy', '--only-fuzzy')):
        if counts[kind]:
            print(f'FAIL: {lang}: {counts[kind]} {kind} message(s):')
            for msgid in selected(merged, selection):
                print(f'#   {msgid!r}')
            ok = False
    obsolete = len(re.findall(r'^#~ msgid ', open(merged, encoding='utf-8').read(), re.MULTILINE))
    if obsolete:
        print(f'# note: {lang}: {obsolete} obsolete message(s); `ninja -C build burrow-update-po` drops them')
    return ok


def same_messages(pot_a, pot_b):
    """Whether two templates hold the same messages, ignoring locations and dates."""
    def messages(pot):
        status, out, err = tool(['msgcat', '--no-location', '--sort-output', '--no-wrap', pot])
        if status != 0:
            raise burrowpo.Failure(f'msgcat {pot}: {err.strip()}')
        return [line for line in out.splitlines() if not line.startswith('"POT-Creation-Date:')]
    return messages(pot_a) == messages(pot_b)


def main():
    source, build = burrowpo.roots()
    langs = burrowpo.linguas(source)
    if not langs:
        print('FAIL: po/LINGUAS names no language')
        return 1
    with tempfile.TemporaryDirectory(prefix='burrow-po-') as tmp:
        pot = os.path.join(tmp, f'{burrowpo.PACKAGE}.pot')
        burrowpo.xgettext(source, build, pot)
        if not os.path.exists(pot):
            print('FAIL: xgettext found no translatable string in the files po/POTFILES.in lists')
            return 1
        with open(pot, encoding='utf-8') as f:
            total = len(burrowpo.msgids(f.read()))
        print(f'# template extracted from the current sources: {total} messages')
        results = [check_language(source, lang, pot, tmp) for lang in langs]
        committed = os.path.join(source, 'po', f'{burrowpo.PACKAGE}.pot')
        if os.path.exists(committed) and not same_messages(pot, committed):
            print('# note: po/burrow.pot is out of date: `ninja -C build burrow-pot` regenerates it')
    if all(results):
        print(f'PASS: {", ".join(langs)}: every message translated, none fuzzy, msgfmt --check clean')
        return 0
    return 1


if __name__ == '__main__':
    sys.exit(burrowpo.run(main))
