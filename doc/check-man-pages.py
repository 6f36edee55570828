#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks Burrow's manual pages (meson tests man-render and man-coverage).

render PAGE...
    Formats every page with groff, all warnings on (-ww), and with man -l
    when man-db is there; any warning, error or missing section fails.

coverage --burrowctl EXE --broker EXE --capture EXE --gui EXE
         --source-root DIR PAGE...
    Compares the pages with what the programs and the configuration loader
    really accept, so that a page cannot go stale silently:
    - every command `burrowctl --help` lists has a subsection in
      burrowctl(1)'s COMMANDS, and every subsection there is a command;
    - every option and keyword of `burrowctl COMMAND --help` appears in that
      command's subsection; the exit statuses of `burrowctl --help` are in
      EXIT STATUS;
    - every option in the --help of burrow-broker, burrow-capture and burrow
      is in the OPTIONS section of their page;
    - every element and attribute the configuration loader reads, and every
      value of its enumerations, is in burrow-config(5)'s ELEMENTS section.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

REQUIRED_SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO")
PAGES = ("burrow.1", "burrow-broker.1", "burrowctl.1", "burrow-capture.1", "burrow-config.5")

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}")


def report(before, message):
    """Prints "ok MESSAGE" when no failure was added since @before."""
    if len(failures) == before:
        print(f"ok {message}")


def environment():
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    env["MANWIDTH"] = "80"
    env.pop("MANPAGER", None)
    env.pop("PAGER", None)
    return env


def run(command, check_status=True):
    result = subprocess.run(command, capture_output=True, text=True, env=environment(),
                            timeout=60)
    if check_status and result.returncode != 0:
        fail(f"{' '.join(command)} exited with {result.returncode}: {result.stderr.strip()}")
    return result


def plain_text(page):
    """The page as a reader sees it, without bold or underline, on lines long
    enough and without hyphenation, so that no option is split."""
    result = run(["groff", "-k", "-t", "-man", "-Tutf8", "-P-cbou", "-rLL=250n", "-rHY=0", page])
    text = result.stdout.replace("\u2010", "-").replace("\u2212", "-").replace("\u2011", "-")
    # groff still breaks lines after a hyphen: "gssapi-" / "with-mic".
    return re.sub(r"(?<=\w)-\n\s+(?=\w)", "-", text)


def sections(text):
    """{SECTION: {"": text before any subsection, SUBSECTION: text}}; groff's
    man macros put section headings in column 0, subsections in column 3."""
    found = {}
    section = sub = None
    for line in text.splitlines():
        if re.match(r"^\S", line):
            section, sub = line.strip(), ""
            found.setdefault(section, {"": ""})
        elif section is not None and re.match(r"^ {3}\S", line):
            sub = line.strip()
            found[section].setdefault(sub, "")
        elif section is not None:
            found[section][sub] += line + "\n"
    return found


def section_text(parsed, name):
    return "".join(sub + "\n" + text for sub, text in parsed.get(name, {}).items())


def has_token(text, token):
    return re.search(r"(?<![\w-])" + re.escape(token) + r"(?![\w-])", text) is not None


# render


def check_render(pages):
    groff = shutil.which("groff")
    if groff is None:
        print("groff not found (Debian package groff-base): cannot check the pages")
        sys.exit(77)
    man = shutil.which("man")
    if man is None:
        print("# man not found (man-db): checking with groff only")
    for page in pages:
        name = os.path.basename(page)
        before = len(failures)
        result = run([groff, "-k", "-t", "-man", "-Tutf8", "-ww", "-z", page], check_status=False)
        if result.returncode != 0 or result.stderr.strip():
            fail(f"{name}: groff -ww: {result.stderr.strip() or 'exit status %d' % result.returncode}")
        if man is not None:
            result = run([man, "--warnings=w", "-l", page], check_status=False)
            if result.returncode != 0 or result.stderr.strip():
                fail(f"{name}: man --warnings -l: "
                     f"{result.stderr.strip() or 'exit status %d' % result.returncode}")
            elif not result.stdout.strip():
                fail(f"{name}: man -l rendered nothing")
        parsed = sections(plain_text(page))
        for section in REQUIRED_SECTIONS:
            if section not in parsed:
                fail(f"{name}: no {section} section")
        title = name.rsplit(".", 1)[0]
        if not parsed.get("NAME", {}).get("", "").strip().startswith(title + " - "):
            fail(f"{name}: the NAME line does not start with \"{title} - \"")
        left = re.findall(r"@[A-Z_]+@", open(page, encoding="utf-8").read())
        if left:
            fail(f"{name}: not substituted: {', '.join(sorted(set(left)))}")
        report(before, f"{name}: {len(parsed)} sections, no warnings")


# coverage: programs


def help_options(text, application_only=False):
    """-x and --long options at the start of --help lines; with
    @application_only, those of GOption's "Application Options:" only."""
    options = []
    if application_only:
        text = text.split("Application Options:", 1)[1] if "Application Options:" in text else ""
    for line in text.splitlines():
        match = re.match(r"^\s+((?:-\w|--[\w-]+)(?:[ =]\S+)?(?:,\s*(?:-\w|--[\w-]+)(?:[ =]\S+)?)*)",
                         line)
        if match:
            options += re.findall(r"(?<![\w-])(--[\w-]+|-\w)", match.group(1))
    return options


def check_options(program, page_name, parsed, options):
    before = len(failures)
    text = section_text(parsed, "OPTIONS")
    if not options:
        fail(f"{program} --help lists no options: has its format changed?")
    for option in options:
        if not has_token(text, option):
            fail(f"{page_name}: OPTIONS does not mention {option} (from {program} --help)")
    report(before, f"{page_name}: OPTIONS covers {program}'s {len(options)} options")


def burrowctl_commands(help_text):
    commands, statuses = [], []
    block = None
    for line in help_text.splitlines():
        if line.startswith("Commands:"):
            block = commands
        elif line.startswith("Exit status:"):
            block = statuses
        elif not line.strip():
            block = None
        elif block is not None:
            block.append(line.split()[0])
    return commands, statuses


def command_keywords(usage_line):
    """Literal words of a command's usage, such as show, test, on, off."""
    usage = usage_line.split("]", 1)[-1] if "[OPTION" in usage_line else ""
    return [word for word in re.findall(r"(?<![\w-])[a-z][a-z-]*(?![\w-])", usage)]


def agent_script_answers(help_text):
    """The --script line kinds listed in `burrowctl agent --help`."""
    lines = help_text.split("--script FILE answers", 1)
    if len(lines) < 2:
        return []
    return re.findall(r"^  ([a-z][a-z-]*)\b", lines[1], re.M)


def check_burrowctl(burrowctl, page):
    before = len(failures)
    name = os.path.basename(page)
    parsed = sections(plain_text(page))
    documented = {sub for sub in parsed.get("COMMANDS", {}) if sub}
    help_text = run([burrowctl, "--help"]).stdout
    commands, statuses = burrowctl_commands(help_text)
    if not commands:
        fail("burrowctl --help lists no commands: has its format changed?")
    for command in commands:
        if command not in documented:
            fail(f"{name}: COMMANDS has no subsection for \"{command}\" (from burrowctl --help)")
    for sub in sorted(documented - set(commands)):
        fail(f"{name}: COMMANDS documents \"{sub}\", which burrowctl --help does not list")
    for command in commands:
        text = parsed.get("COMMANDS", {}).get(command, "")
        result = run([burrowctl, command, "--help"])
        usage = next((l for l in result.stdout.splitlines() if "[OPTION" in l), "")
        words = command_keywords(usage) + help_options(result.stdout, application_only=True)
        if command == "agent":
            answers = agent_script_answers(result.stdout)
            if not answers:
                fail("burrowctl agent --help lists no --script answers: has its format changed?")
            words += answers
        for word in words:
            if not has_token(text, word):
                fail(f"{name}: the \"{command}\" subsection does not mention {word} "
                     f"(from burrowctl {command} --help)")
    exit_text = section_text(parsed, "EXIT STATUS")
    if not statuses:
        fail("burrowctl --help lists no exit statuses: has its format changed?")
    for status in statuses:
        if not re.search(r"^\s+" + re.escape(status) + r"\s*$", exit_text, re.M):
            fail(f"{name}: EXIT STATUS does not describe {status} (from burrowctl --help)")
    report(before, f"{name}: {len(commands)} commands, their options, {len(statuses)} exit statuses")


def check_program(program, arguments, page):
    name = os.path.basename(page)
    parsed = sections(plain_text(page))
    result = run([program] + arguments)
    check_options(os.path.basename(program), name, parsed, help_options(result.stdout))


# coverage: the configuration format


def c_strings(source, pattern):
    """The string literals of the C array or call that @pattern matches."""
    return re.findall(r'"([^"]*)"', " ".join(re.findall(pattern, source, re.S)))


def loader_vocabulary(root):
    def read(path):
        with open(os.path.join(root, path), encoding="utf-8") as f:
            return f.read()

    loader = read("broker/broker-config-loader.c")
    elements = set(c_strings(loader, r'#define ROOT_ELEMENT\s+("[^"]+")'))
    elements |= set(re.findall(r'broker_xml_is_element\s*\([^;"]*?"([a-z][a-z0-9-]*)"', loader,
                               re.S))
    elements |= set(c_strings(read("broker/broker-tunnel-config.c"),
                              r"kind_elements\[\]\s*=\s*\{([^}]*)\}"))
    attributes = set(re.findall(
        r'\b(?:broker_xml_get_attr|read_bool|read_uint|read_port|read_name)\s*\('
        r'[^;"]*?"([a-z][a-z0-9-]*)"', loader, re.S))
    values = set(c_strings(read("broker/broker-profile.c"),
                           r"known_auth_methods\[\]\s*=\s*\{([^}]*)\}"))
    values |= set(c_strings(read("broker/broker-config.c"), r"policy_names\[\]\s*=\s*\{([^}]*)\}"))
    values |= set(c_strings(read("broker/broker-rule.c"), r"action_names\[\]\s*=\s*\{([^}]*)\}"))
    values |= set(c_strings(read("broker/broker-tunnel-config.c"),
                            r"type_names\[\]\s*=\s*\{([^}]*)\}"))
    return elements, attributes, values


def check_config(root, page):
    before = len(failures)
    name = os.path.basename(page)
    text = section_text(sections(plain_text(page)), "ELEMENTS")
    elements, attributes, values = loader_vocabulary(root)
    # A floor, so that a change in the sources' shape cannot empty the check.
    if len(elements) < 15 or len(attributes) < 20 or len(values) < 13:
        fail(f"read only {len(elements)} elements, {len(attributes)} attributes and "
             f"{len(values)} values from the loader's sources: update check-man-pages.py")
    for element in sorted(elements):
        if "<" + element not in text:
            fail(f"{name}: ELEMENTS does not document <{element}> (the loader reads it)")
    for attribute in sorted(attributes):
        tag = re.search(r"^\s+" + re.escape(attribute) + r"\s*$", text, re.M)
        inline = re.search(r"(?<![\w-])" + re.escape(attribute) + '="', text)
        if tag is None and inline is None:
            fail(f"{name}: ELEMENTS does not document the attribute {attribute} "
                 f"(the loader reads it)")
    for value in sorted(values):
        if not has_token(text, value):
            fail(f"{name}: ELEMENTS does not mention the value {value} (the loader accepts it)")
    report(before, f"{name}: {len(elements)} elements, {len(attributes)} attributes, "
           f"{len(values)} values of the loader")


def page_paths(pages):
    by_name = {os.path.basename(p): p for p in pages}
    missing = [p for p in PAGES if p not in by_name]
    if missing:
        fail(f"pages not given: {', '.join(missing)}")
        sys.exit(1)
    return by_name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("render", "coverage"))
    parser.add_argument("--burrowctl")
    parser.add_argument("--broker")
    parser.add_argument("--capture")
    parser.add_argument("--gui")
    parser.add_argument("--source-root")
    parser.add_argument("pages", nargs="+")
    args = parser.parse_args()

    if args.mode == "render":
        check_render(args.pages)
    else:
        if shutil.which("groff") is None:
            print("groff not found (Debian package groff-base): cannot check the pages")
            sys.exit(77)
        pages = page_paths(args.pages)
        check_burrowctl(args.burrowctl, pages["burrowctl.1"])
        check_program(args.broker, ["--help"], pages["burrow-broker.1"])
        check_program(args.capture, ["--help"], pages["burrow-capture.1"])
        check_program(args.gui, ["--help-all"], pages["burrow.1"])
        check_config(args.source_root, pages["burrow-config.5"])
    if failures:
        print(f"{len(failures)} problems")
        sys.exit(1)


if __name__ == "__main__":
    main()
