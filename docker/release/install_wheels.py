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

Like pip, a wheel this interpreter cannot load is refused, before any wheel is installed: its
tags (file name and WHEEL file) must include one of this interpreter's, which are computed as
the `packaging` library does for CPython on Linux (packaging is not in the image).
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


def glibc():
    """This machine's glibc as (major, minor), or None (musl, or not Linux)."""
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
        major, minor = re.match(r"(\d+)\.(\d+)", version).groups()
    except (AttributeError, ValueError, OSError):
        return None
    return (int(major), int(minor)) if name == "glibc" else None


def platforms(plat=None, libc=None):
    """The platform tags this machine runs: linux_<arch>, then manylinux down to the oldest glibc."""
    plat = (plat or sysconfig.get_platform()).replace("-", "_").replace(".", "_")
    if plat == "linux_x86_64" and sys.maxsize <= 2 ** 32:
        plat = "linux_i686"  # a 32-bit Python on a 64-bit kernel
    tags = [plat]
    arch = plat[len("linux_"):] if plat.startswith("linux_") else None
    if arch and libc and libc[0] == 2:
        oldest = 5 if arch in ("x86_64", "i686") else 17  # manylinux1 existed for x86 only
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
        for minor in range(libc[1], oldest - 1, -1):
            tags.append("manylinux_2_%d_%s" % (minor, arch))
            if minor in legacy:
                tags.append("%s_%s" % (legacy[minor], arch))
    return tags


def supported(version=None, plats=None, impl=None, debug=None, threaded=None):
    """Every (python, abi, platform) tag this interpreter loads, as packaging.tags.sys_tags()."""
    major, minor = version or sys.version_info[:2]
    plats = plats if plats is not None else platforms(libc=glibc())
    impl = impl or {"cpython": "cp", "pypy": "pp"}.get(sys.implementation.name, sys.implementation.name[:2])
    if debug is None:
        debug = bool(sysconfig.get_config_var("Py_DEBUG")) or hasattr(sys, "gettotalrefcount")
    if threaded is None:
        threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    nodot = "%d%d" % (major, minor)
    interpreter = impl + nodot
    if impl == "cp":
        flags = "t" if threaded else ""
        abis = ["cp%s%s%s" % (nodot, flags, "d" if debug else "")] + (["cp%s%s" % (nodot, flags)] if debug else [])
        # The stable ABI: abi3 wheels of this and every older CPython 3 (not free-threaded builds).
        olders = [] if threaded else ["cp%d%d" % (major, m) for m in range(minor - 1, 1, -1)]
        abis += [] if threaded else ["abi3"]
    else:
        soabi = (sysconfig.get_config_var("SOABI") or "").split("-")
        abis, olders = ["_".join(soabi[:2] if impl == "pp" else soabi[:1])] if soabi[0] else [], []
    tags = {(interpreter, abi, plat) for abi in abis + ["none"] for plat in plats}
    tags |= {(older, "abi3", plat) for older in olders for plat in plats}
    pythons = ["py" + nodot, "py%d" % major] + ["py%d%d" % (major, m) for m in range(minor - 1, -1, -1)]
    tags |= {(py, "none", plat) for py in pythons for plat in plats + ["any"]}
    tags.add((interpreter, "none", "any"))
    return tags


def expand(tag):
    """A compressed tag (py2.py3-none-any) as its (python, abi, platform) tags."""
    py, abi, plat = tag.lower().split("-")
    return {(p, a, q) for p in py.split(".") for a in abi.split(".") for q in plat.split(".")}


def this_python():
    """This interpreter as a user would name it: CPython 3.11.2 on linux_x86_64, glibc 2.36."""
    libc = glibc()
    name = {"cpython": "CPython", "pypy": "PyPy"}.get(sys.implementation.name, sys.implementation.name)
    return "%s %d.%d.%d on %s%s" % ((name,) + tuple(sys.version_info[:3]) + (platforms()[0], ", glibc %d.%d" % libc if libc else ""))


def loads(given, tags):
    """Whether one of the wheel tags `given` is among this interpreter's `tags`."""
    try:
        return any(expand(t.strip()) & tags for t in given)
    except ValueError:
        return False  # not PYTHON-ABI-PLATFORM


def check_tags(path, tags):
    """Refuse a wheel none of whose tags this interpreter loads, by its name and by its WHEEL file."""
    name = os.path.basename(path)
    parts = name[:-len(".whl")].split("-") if name.endswith(".whl") else []
    if len(parts) not in (5, 6):
        fail("%s is not a wheel file name (NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl)" % name)
    named = "-".join(parts[-3:])
    try:
        with zipfile.ZipFile(path) as whl:
            info = [n for n in whl.namelist() if re.fullmatch(r"[^/]+\.dist-info/WHEEL", n)]
            declared = (Parser().parsestr(whl.read(info[0]).decode()).get_all("Tag") or []) if len(info) == 1 else []
    except zipfile.BadZipFile:
        fail("%s is not a zip file (a damaged or unfinished wheel)" % name)
    why = "build it with the Python of the image that installs it"
    if not loads([named], tags):
        fail("%s is built for %s, which this Python (%s) cannot load: %s" % (name, named, this_python(), why))
    if declared and not loads(declared, tags):
        fail("%s says %s in its WHEEL file (not %s, as its name does), which this Python (%s) cannot load: %s"
             % (name, ", ".join(declared), named, this_python(), why))


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
    here = supported()
    for wheel in sys.argv[1:]:
        check_tags(wheel, here)  # every wheel, before the first is installed
    for wheel in sys.argv[1:]:
        install(wheel)
