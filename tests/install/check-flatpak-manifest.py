#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks flatpak/io.github.burrow.Burrow.json offline.

  check-flatpak-manifest.py MANIFEST WRAP APP_ID BROKER_BUS_NAME

- flatpak-builder --show-manifest parses it without a warning (it warns on
  unknown keys: a misspelt "sha256" would otherwise go unnoticed);
- a stable GNOME runtime;
- libssh comes from the same place as in every other build: Burrow's meson
  wrap (subprojects/libssh.wrap, its patches in subprojects/packagefiles/),
  the tarball handed to meson's package cache with the wrap's own hash, as
  flatpak-builder may not download during the build;
- the finish-args are exactly those docs/desktop-integration.md justifies;
  the broker's bus name, under the application id, needs none.

Exits 77 (skipped) without flatpak-builder (Debian package flatpak-builder).
"""
import configparser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

# Each finish-arg, and why (docs/desktop-integration.md says it at length).
FINISH_ARGS = {
    "--share=network": "SSH connections; tunnels' listeners on the host's loopback",
    "--share=ipc": "X11 shared memory for the window under fallback-x11",
    "--socket=wayland": "the window",
    "--socket=fallback-x11": "the window where there is no Wayland",
    "--device=dri": "GTK 4's GL renderer",
    "--socket=ssh-auth": "the user's ssh-agent for public-key authentication",
    "--filesystem=~/.ssh": "identity files, known_hosts read and new host keys saved",
}

failures = []


def check(condition, message):
    print(("ok: " if condition else "FAILED: ") + message)
    if not condition:
        failures.append(message)


def show_manifest(manifest):
    """What flatpak-builder makes of the manifest, as JSON."""
    with tempfile.TemporaryDirectory() as state:
        # It keeps a .flatpak-builder/ directory in the working directory.
        done = subprocess.run(["flatpak-builder", "--show-manifest", manifest], cwd=state,
                              capture_output=True, text=True, timeout=120)
    sys.stderr.write(done.stderr)
    check(done.returncode == 0, f"flatpak-builder --show-manifest exits 0 ({done.returncode})")
    check("WARNING" not in done.stderr, "flatpak-builder --show-manifest warns of nothing")
    return json.loads(done.stdout) if done.returncode == 0 else None


def read_wrap(path):
    wrap = configparser.ConfigParser(interpolation=None)
    wrap.read(path)
    return wrap["wrap-file"]


def url_path(url):
    parsed = urllib.parse.urlsplit(url)
    return parsed.netloc + parsed.path


def check_runtime(manifest, app_id):
    check(manifest.get("id") == app_id, f"id is {app_id}")
    check(manifest.get("command") == "burrow", "command is burrow")
    check(manifest.get("runtime") == "org.gnome.Platform", "runtime org.gnome.Platform")
    check(manifest.get("sdk") == "org.gnome.Sdk", "sdk org.gnome.Sdk")
    version = manifest.get("runtime-version", "")
    check(version.isdigit() and int(version) >= 49,
          f"a stable GNOME runtime, 49 or later ({version!r})")


def check_finish_args(manifest, app_id, bus_name):
    args = manifest.get("finish-args", [])
    check(sorted(args) == sorted(FINISH_ARGS),
          f"finish-args are exactly the justified ones ({sorted(set(args) ^ set(FINISH_ARGS))})")
    check(bus_name.startswith(app_id + "."),
          f"{bus_name} is under {app_id}: Flatpak lets the app own it without --own-name")
    own = [a for a in args if a.startswith("--own-name=")
           and (a[len("--own-name="):] + ".").startswith(app_id + ".")]
    check(not own, f"no --own-name of the app's own names (flatpak-builder-lint: {own})")


def check_libssh(manifest, wrap, patches_dir):
    modules = manifest.get("modules", [])
    names = [m.get("name") for m in modules if isinstance(m, dict)]
    check(names == ["burrow"], f"one module, burrow; libssh is its meson wrap ({names})")
    if names != ["burrow"]:
        return
    burrow = modules[0]
    options = burrow.get("config-opts", [])
    for option in ("--wrap-mode=nodownload", "-Dsystemd_user_unit_dir=no",
                   "-Dxdg_autostart=false"):
        check(option in options, f"meson is configured with {option}")
    sources = burrow.get("sources", [])
    files = [s for s in sources if s.get("type") == "file"
             and s.get("dest") == "subprojects/packagecache"]
    check(len(files) == 1, "one file source for meson's package cache")
    if len(files) == 1:
        tarball = files[0]
        check(tarball.get("sha256") == wrap["source_hash"],
              "the tarball's sha256 is the wrap's source_hash")
        check(tarball.get("dest-filename") == wrap["source_filename"],
              "the tarball is saved under the wrap's source_filename")
        check(url_path(tarball.get("url", "")) == url_path(wrap["source_url"]),
              "the tarball comes from the wrap's source_url")
    dirs = [s for s in sources if s.get("type") == "dir"]
    check(len(dirs) == 1 and dirs[0].get("path") == "..", "the checkout is the dir source")
    if len(dirs) == 1:
        skip = dirs[0].get("skip", [])
        extracted = "subprojects/" + wrap["directory"]
        check(extracted in skip, f"a checkout's extracted {extracted} is not copied in")
        check(not any(s.startswith("subprojects/packagefiles") or s == "subprojects"
                      for s in skip), "the patches in subprojects/packagefiles are copied in")
    for patch in wrap.get("diff_files", "").split(","):
        patch = patch.strip()
        if patch:
            check(os.path.isfile(os.path.join(patches_dir, patch)),
                  f"the wrap's patch {patch} is in subprojects/packagefiles")


def main():
    manifest_path, wrap_path, app_id, bus_name = sys.argv[1:5]
    manifest_path = os.path.abspath(manifest_path)
    if shutil.which("flatpak-builder") is None:
        print("SKIP: no flatpak-builder (Debian package flatpak-builder)")
        return 77
    manifest = show_manifest(manifest_path)
    if manifest is None:
        return 1
    with open(manifest_path) as raw:
        check(json.load(raw) == manifest, "flatpak-builder read every key as written")
    wrap = read_wrap(wrap_path)
    check_runtime(manifest, app_id)
    check_finish_args(manifest, app_id, bus_name)
    check_libssh(manifest, wrap, os.path.join(os.path.dirname(wrap_path), "packagefiles"))
    if failures:
        print(f"{len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
