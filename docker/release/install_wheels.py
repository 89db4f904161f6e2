"""Install our own wheels (the app and its local packages) into this Python's environment.

Usage: install_wheels.py WHEEL...

What `pip install --no-deps --no-index WHEEL...` does for a wheel, after the wheel format's
specification (https://packaging.python.org/specifications/binary-distribution-format/), in the
standard library alone and without pip's 0.3 s start-up: every file's hash is checked against the
wheel's RECORD, the root goes to purelib or platlib (WHEEL's Root-Is-Purelib), NAME-VER.data/*
to the scheme's scripts/data/headers/purelib/platlib folders, `#!python` scripts get this
interpreter, console and GUI entry points get launchers, modules are compiled to bytecode, and
the .dist-info gets INSTALLER and a RECORD of what was installed. Dependencies are not resolved
(the release installs them from the wheelhouse with pip, in the layer before). A distribution
that is already installed, or a file that already exists, fails the install.
"""
import base64
import compileall
import configparser
import csv
import hashlib
import importlib.util
import io
import os
import re
import sys
import sysconfig
import zipfile
from email.parser import Parser
from importlib import metadata

SCHEME = sysconfig.get_paths()
LAUNCHER = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {head}
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit({call}())
"""


def fail(message):
    sys.exit("install_wheels.py: " + message)


def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def install(path):
    with zipfile.ZipFile(path) as whl:
        names = whl.namelist()
        info = sorted({n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")})
        if len(info) != 1:
            fail("%s: expected one .dist-info folder, found %s" % (path, info or "none"))
        info = info[0]
        wheel = Parser().parsestr(whl.read(info + "/WHEEL").decode())
        if not wheel["Wheel-Version"] or wheel["Wheel-Version"].split(".")[0] != "1":
            fail("%s: unsupported Wheel-Version %s" % (path, wheel["Wheel-Version"]))
        dist = Parser().parsestr(whl.read(info + "/METADATA").decode())["Name"]
        try:
            fail("%s is installed already (%s): the app layer installs on top of the dependencies, not over them"
                 % (dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            pass
        record = {row[0]: row[1] for row in csv.reader(io.StringIO(whl.read(info + "/RECORD").decode())) if row}
        root = SCHEME["purelib"] if (wheel["Root-Is-Purelib"] or "").strip().lower() == "true" else SCHEME["platlib"]
        data = info[: -len(".dist-info")] + ".data/"
        # Every file is checked and placed before the first is written: a bad wheel installs nothing.
        plan = []  # (absolute path, content, mode)
        for item in whl.infolist():
            name = item.filename
            if name.endswith("/") or name == info + "/RECORD":
                continue
            if name.startswith("/") or ".." in name.split("/"):
                fail("%s: unsafe path %s" % (path, name))
            content = whl.read(item)
            if record.get(name) != digest(content):
                fail("%s: %s does not match the wheel's RECORD (a damaged or altered wheel)" % (path, name))
            mode = 0o755 if (item.external_attr >> 16) & 0o111 else 0o644
            if not name.startswith(data):
                plan.append((os.path.join(root, name), content, mode))
                continue
            key, _, rest = name[len(data):].partition("/")
            folder = {"purelib": SCHEME["purelib"], "platlib": SCHEME["platlib"], "scripts": SCHEME["scripts"],
                      "data": SCHEME["data"], "headers": os.path.join(SCHEME["data"], "include", "site",
                      "python%d.%d" % sys.version_info[:2], dist)}.get(key)
            if folder is None:
                fail("%s: unknown .data folder %s" % (path, key))
            if key == "scripts":
                mode = 0o755
                first, newline, tail = content.partition(b"\n")
                if re.fullmatch(rb"#!pythonw?\s*", first):
                    content = b"#!" + sys.executable.encode() + newline + tail
            plan.append((os.path.join(folder, rest), content, mode))

        if info + "/entry_points.txt" in names:
            points = configparser.ConfigParser(delimiters="=", interpolation=None)
            points.optionxform = str
            points.read_string(whl.read(info + "/entry_points.txt").decode())
            for section in ("console_scripts", "gui_scripts"):
                for script, target in (points.items(section) if points.has_section(section) else []):
                    module, _, attr = target.partition(":")
                    attr = attr.split("[")[0].strip()
                    launcher = LAUNCHER.format(python=sys.executable, module=module.strip(),
                                               head=attr.split(".")[0], call=attr)
                    plan.append((os.path.join(SCHEME["scripts"], script), launcher.encode(), 0o755))
        info_dir = os.path.join(root, info)
        plan += [(os.path.join(info_dir, "INSTALLER"), b"pypackage-tasks\n", 0o644), (os.path.join(info_dir, "REQUESTED"), b"", 0o644)]
        clash = [target for target, _, _ in plan if os.path.lexists(target)]
        if clash:
            fail("%s: would overwrite %s" % (path, ", ".join(clash[:5])))

        installed = []  # (absolute path, record hash, size)
        for target, content, mode in plan:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(content)
            os.chmod(target, mode)
            installed.append((target, digest(content), len(content)))
        for target, _, _ in list(installed):
            if target.endswith(".py") and target.startswith(root):
                compileall.compile_file(target, quiet=2, force=True)
                pyc = importlib.util.cache_from_source(target)
                if os.path.exists(pyc):
                    installed.append((pyc, "", ""))
        out = io.StringIO()
        rows = csv.writer(out, lineterminator="\n")
        for target, hash_, size in installed:
            rows.writerow((os.path.relpath(target, root), hash_, size))
        rows.writerow((os.path.relpath(os.path.join(info_dir, "RECORD"), root), "", ""))
        with open(os.path.join(info_dir, "RECORD"), "w") as f:
            f.write(out.getvalue())
        print("Installed %s (%d files)" % (os.path.basename(path), len(installed)))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        fail("usage: install_wheels.py WHEEL...")
    for wheel in sys.argv[1:]:
        install(wheel)
