#!/usr/bin/env python3
"""Turn extracted Debian packages into an offline pip --find-links folder.

Usage: repack_debs.py EXTRACTED_DIR OUT_DIR    (PYINDEX_VERBOSE=1: one line per wheel on stderr)

EXTRACTED_DIR holds one sub-folder per .deb (the output of `dpkg-deb -x`, plus the control
file in DEBIAN/control). For each of them:
  * usr/lib/python3/dist-packages/<name>-<version>.{egg,dist}-info plus the files that package
    ships under dist-packages are repacked into a py3-none-any wheel; a package that ships
    CPython extension modules (python3-psycopg2: _psycopg.cpython-311-x86_64-linux-gnu.so)
    becomes a binary wheel tagged from their file names (cp311-cp311-linux_x86_64,
    Root-Is-Purelib: false), its DEBIAN-SOURCE naming the Debian packages it needs at run time;
  * usr/share/python-wheels/*.whl (python3-{setuptools,wheel,pip}-whl) are copied as they are;
  * anything else (libjs-jquery) is only there to resolve symlinks: Debian's Django links the
    admin's jQuery into /usr/share/javascript, and wheels must carry the real files.

Debian strips unconditional install_requires from the metadata it ships (dependencies become
Debian Depends); RESTORE puts the upstream ones back so that pip resolves and `pip check` passes.

Standard library only; runs on Python 3.11 and 3.13. Output is deterministic: entries sorted,
timestamps taken from the files (dpkg-deb keeps the package's mtimes) or SOURCE_DATE_EPOCH.
"""

import base64
import hashlib
import os
import re
import shutil
import stat
import sys
import time
import zipfile

DIST_PACKAGES = "usr/lib/python3/dist-packages"
PY_WHEELS = "usr/share/python-wheels"

# Upstream's unconditional requirements, which Debian removes from the egg-info it ships (bookworm
# versions: Django 3.2, gunicorn 20.1, pytest-django 4.5, asgiref 3.6, pluggy 1.0; pytest 7.2 still
# lists its own). Each is added only when the metadata has no Requires-Dist for that project
# outside an extra, so a Debian that stops stripping them changes nothing.
RESTORE = {
    "django": ["asgiref>=3.3.2,<4", "pytz", "sqlparse>=0.2.2"],  # Django 3.2
    "gunicorn": ["setuptools>=3.0"],  # gunicorn 20.1 imports pkg_resources
    "pytest-django": ["pytest>=5.4.0"],
    "pytest": ["attrs>=19.2.0", "iniconfig", "packaging", "pluggy>=0.12,<2.0"],
    "asgiref": ['typing_extensions; python_version < "3.8"'],  # empty [:python_version] left
    "pluggy": ['importlib-metadata>=0.12; python_version < "3.8"'],
}

GENERATOR = "pypackage-tasks .ci/repack_debs.py"
SKIP_DIRS = {"__pycache__"}
SKIP_SUFFIXES = (".pyc", ".pyo")
# Files of an installed *-info folder that are regenerated or make no sense in a wheel.
INFO_DROP = {"RECORD", "WHEEL", "INSTALLER", "REQUESTED", "direct_url.json", "PKG-INFO",
             "METADATA", "requires.txt", "SOURCES.txt", "dependency_links.txt",
             "not-zip-safe", "zip-safe", "installed-files.txt"}
# CPython extension module names as Debian ships them (PEP 3149 SOABI with the multiarch
# triplet), and the wheel platform tag (sysconfig.get_platform()) of each Debian architecture.
EXT_MODULE = re.compile(r"\.cpython-(\d)(\d+)-([a-z0-9_]+)-linux-gnu[a-z0-9]*\.so$")
PLATFORM = {"x86_64": "linux_x86_64", "aarch64": "linux_aarch64", "i386": "linux_i686",
            "arm": "linux_armv7l", "powerpc64le": "linux_ppc64le", "s390x": "linux_s390x"}


def die(msg):
    sys.stderr.write("repack_debs: %s\n" % msg)
    sys.exit(1)


def log(msg):
    if os.environ.get("PYINDEX_VERBOSE"):
        sys.stderr.write(msg + "\n")


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def escaped(name):
    """Distribution name as used in wheel file names and the .dist-info folder."""
    return re.sub(r"[-_.]+", "_", name).lower()


def req_name(req):
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    if not m:
        die("cannot parse requirement %r" % req)
    return canonical(m.group(1))


def split_marker(req):
    if ";" in req:
        spec, marker = req.split(";", 1)
        return spec.strip(), marker.strip()
    return req.strip(), ""


def and_markers(*markers):
    parts = [m for m in markers if m]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return " and ".join("(%s)" % p for p in parts)


def parse_requires_txt(text):
    """setuptools requires.txt -> (Requires-Dist values, extras).

    Sections: none (unconditional), [extra], [:marker] and [extra:marker]."""
    reqs, extras = [], []
    section_marker = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[([^\]:]*)(?::(.*))?\]", line)
        if m:
            extra, cond = (m.group(1) or "").strip(), (m.group(2) or "").strip()
            extra_marker = ""
            if extra:
                extra = canonical(extra)
                if extra not in extras:
                    extras.append(extra)
                extra_marker = 'extra == "%s"' % extra
            section_marker = and_markers(cond, extra_marker)
            continue
        spec, line_marker = split_marker(line)
        marker = and_markers(line_marker, section_marker)
        reqs.append(spec + ("; " + marker if marker else ""))
    return reqs, extras


def split_metadata(text):
    """RFC 822-ish metadata -> (list of (key, value) header lines incl. continuations, body)."""
    head, sep, body = text.partition("\n\n")
    headers = []
    for line in head.splitlines():
        if line[:1] in (" ", "\t") and headers:
            k, v = headers[-1]
            headers[-1] = (k, v + "\n" + line)
        elif ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip(), v.strip()))
        elif line.strip():
            die("bad metadata line %r" % line)
    return headers, body


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Tree:
    """All extracted packages as one file system (a union), to dereference symlinks that cross
    packages, the way they resolve once dpkg has installed them all."""

    def __init__(self, roots):
        self.roots = roots

    def resolve(self, rel, hops=0):
        """`rel` (relative to /) with every symlink component followed."""
        if hops > 40:
            die("symlink loop at /%s" % rel)
        parts = rel.split("/")
        for i in range(len(parts)):
            prefix = "/".join(parts[:i + 1])
            for root in self.roots:
                p = os.path.join(root, prefix)
                if os.path.islink(p):
                    target = os.readlink(p)
                    if target.startswith("/"):
                        new = os.path.normpath(target.lstrip("/"))
                    else:
                        new = os.path.normpath(os.path.join("/".join(parts[:i]), target))
                    if new == ".." or new.startswith("../"):
                        die("symlink /%s -> %s leaves the root" % (prefix, target))
                    rest = "/".join(parts[i + 1:])
                    return self.resolve(new + ("/" + rest if rest else ""), hops + 1)
        return rel

    def holders(self, rel):
        return [r for r in self.roots if os.path.exists(os.path.join(r, rel))]


def collect(tree, root, rel, arc, out, seen):
    """Add the regular files at root/rel (a file or a folder; symlinks followed) to out as
    (arcname, real path)."""
    if arc in seen:
        return
    p = os.path.join(root, rel)
    name = rel.rsplit("/", 1)[-1]
    if name in SKIP_DIRS or name.endswith(SKIP_SUFFIXES):
        return
    if os.path.islink(p):
        real = tree.resolve(rel)
        roots = tree.holders(real)
        if not roots:
            die("symlink /%s -> /%s: target is in none of the fetched packages" % (rel, real))
        if os.path.isfile(os.path.join(roots[0], real)):
            seen.add(arc)
            out.append((arc, os.path.join(roots[0], real)))
            return
        for r in roots:  # a linked folder: merged over the packages that fill it
            for child in sorted(os.listdir(os.path.join(r, real))):
                collect(tree, r, real + "/" + child, arc + "/" + child, out, seen)
    elif os.path.isdir(p):
        for child in sorted(os.listdir(p)):
            collect(tree, root, rel + "/" + child, arc + "/" + child, out, seen)
    elif os.path.isfile(p):
        seen.add(arc)
        out.append((arc, p))
    else:
        die("unsupported file type: %s" % p)


def zip_time(mtime):
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde:
        mtime = min(mtime, int(sde))
    mtime = max(mtime, 315532800)  # zip cannot store dates before 1980
    return time.gmtime(mtime)[:6]


def write_wheel(path, files, generated, mtime):
    """files: [(arcname, real path)]; generated: [(arcname, bytes)] written last, RECORD after."""
    record_lines = []
    tmp = path + ".part"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        def add(arc, data, mode, when):
            info = zipfile.ZipInfo(arc, date_time=zip_time(when))
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            zf.writestr(info, data)
            record_lines.append("%s,%s,%d" % (arc, record_hash(data), len(data)))

        for arc, real in sorted(files):
            with open(real, "rb") as f:
                data = f.read()
            st = os.stat(real)
            add(arc, data, 0o755 if st.st_mode & 0o111 else 0o644, int(st.st_mtime))
        for arc, data in generated:
            add(arc, data, 0o644, mtime)
        record_arc = generated[0][0].rsplit("/", 1)[0] + "/RECORD"
        record_lines.append(record_arc + ",,")
        data = ("\n".join(record_lines) + "\n").encode("utf-8")
        info = zipfile.ZipInfo(record_arc, date_time=zip_time(mtime))
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        zf.writestr(info, data)
    os.replace(tmp, path)


def wheel_tag(files):
    """(tag, purelib) for the files of one distribution: py3-none-any unless it ships extension
    modules, which must all be for one interpreter and platform."""
    tags = set()
    for arc, _ in files:
        if not re.search(r"\.so(\.|$)", arc):
            continue
        m = EXT_MODULE.search(arc)
        if not m or m.group(3) not in PLATFORM:
            die("%s: cannot tell the wheel tag of this shared object" % arc)
        py = "cp%s%s" % (m.group(1), m.group(2))
        tags.add("%s-%s-%s" % (py, py, PLATFORM[m.group(3)]))
    if len(tags) > 1:
        die("extension modules for several interpreters or platforms: %s" % sorted(tags))
    return (tags.pop(), False) if tags else ("py3-none-any", True)


def runtime_depends(pkgdir):
    """The non-Python entries of the package's Depends (the shared libraries an extension module
    links), from DEBIAN/control; empty when there is no control file."""
    control = os.path.join(pkgdir, "DEBIAN", "control")
    if not os.path.isfile(control):
        return []
    with open(control, encoding="utf-8") as f:
        headers, _ = split_metadata(f.read())
    depends = " ".join(v for k, v in headers if k.lower() == "depends")
    return [d.strip() for d in depends.split(",")
            if d.strip() and not re.match(r"python3(\W|$)", d.strip())]


def deb_label(pkgdir):
    """'python3-django 3:3.2.25-0+deb12u3' from the folder name bash gave (<package>_<version>)."""
    name = os.path.basename(pkgdir)
    return name.replace("_", " ", 1)


def repack(tree, pkgdir, info_name, out_dir):
    dp = os.path.join(pkgdir, DIST_PACKAGES)
    info = os.path.join(dp, info_name)
    meta_file = os.path.join(info, "METADATA" if info_name.endswith(".dist-info") else "PKG-INFO")
    with open(meta_file, encoding="utf-8") as f:
        headers, body = split_metadata(f.read())
    get = {k.lower(): v for k, v in headers}
    name, version = get.get("name"), get.get("version")
    if not name or not version:
        die("%s: no Name/Version" % meta_file)

    extras_have = [canonical(v) for k, v in headers if k.lower() == "provides-extra"]
    reqs = [v for k, v in headers if k.lower() == "requires-dist"]
    req_file = os.path.join(info, "requires.txt")
    if os.path.exists(req_file):
        with open(req_file, encoding="utf-8") as f:
            more, extras = parse_requires_txt(f.read())
        reqs += more
        for e in extras:
            if e not in extras_have:
                headers.append(("Provides-Extra", e))
                extras_have.append(e)
    plain = {req_name(r) for r in reqs if "extra" not in split_marker(r)[1]}
    restored = []
    for r in RESTORE.get(canonical(name), []):
        if req_name(r) not in plain:
            reqs.append(r)
            restored.append(req_name(r))
    # Drop the headers we rewrite and License-File (Debian ships the licence elsewhere).
    keep = [(k, v) for k, v in headers
            if k.lower() not in ("requires-dist", "license-file")]
    lines = ["%s: %s" % (k, v) for k, v in keep] + ["Requires-Dist: %s" % r for r in reqs]
    metadata = "\n".join(lines) + "\n"
    if body.strip():
        metadata += "\n" + body.rstrip("\n") + "\n"

    # Files of this distribution: everything this .deb puts under dist-packages except *-info.
    files, seen = [], set()
    for entry in sorted(os.listdir(dp)):
        if entry == info_name or entry in SKIP_DIRS or entry.endswith(SKIP_SUFFIXES):
            continue
        if entry.endswith((".egg-info", ".dist-info")):
            die("%s ships two metadata folders" % pkgdir)
        collect(tree, pkgdir, DIST_PACKAGES + "/" + entry, entry, files, seen)
    if not files:
        die("%s: no files" % pkgdir)

    dist = "%s-%s" % (escaped(name), version.replace("-", "_"))
    di = dist + ".dist-info"
    newest = max(int(os.stat(real).st_mtime) for _, real in files)
    tag, purelib = wheel_tag(files)
    wheel_txt = ("Wheel-Version: 1.0\nGenerator: %s\nRoot-Is-Purelib: %s\nTag: %s\n"
                 % (GENERATOR, "true" if purelib else "false", tag))
    generated = [(di + "/METADATA", metadata.encode("utf-8")),
                 (di + "/WHEEL", wheel_txt.encode("utf-8"))]
    for extra in ("entry_points.txt", "top_level.txt"):
        p = os.path.join(info, extra)
        if os.path.exists(p):
            with open(p, "rb") as f:
                generated.append((di + "/" + extra, f.read()))
    if not any(a.endswith("/top_level.txt") for a, _ in generated):
        tops = sorted({a.split("/", 1)[0].rsplit(".py", 1)[0] for a, _ in files})
        generated.append((di + "/top_level.txt", ("\n".join(tops) + "\n").encode("utf-8")))
    for extra in sorted(os.listdir(info)):
        p = os.path.join(info, extra)
        if extra in INFO_DROP or extra in ("entry_points.txt", "top_level.txt") \
                or not os.path.isfile(p):
            continue
        with open(p, "rb") as f:
            generated.append((di + "/" + extra, f.read()))
    source = "Repacked from Debian package %s\n" % deb_label(pkgdir)
    if not purelib:
        needs = runtime_depends(pkgdir)
        if needs:
            source += "Needs at run time the Debian packages: %s\n" % ", ".join(needs)
    generated.append((di + "/DEBIAN-SOURCE", source.encode("utf-8")))
    copyright_dir = os.path.join(pkgdir, "usr/share/doc")
    for d in sorted(os.listdir(copyright_dir)) if os.path.isdir(copyright_dir) else []:
        c = os.path.join(copyright_dir, d, "copyright")
        if os.path.isfile(c):
            with open(c, "rb") as f:
                generated.append((di + "/licenses/debian-copyright", f.read()))
            break

    whl = os.path.join(out_dir, "%s-%s.whl" % (dist, tag))
    write_wheel(whl, files, generated, newest)
    return os.path.basename(whl), canonical(name), version, reqs, restored


def main(argv):
    if len(argv) != 3:
        die("usage: repack_debs.py EXTRACTED_DIR OUT_DIR")
    src, out_dir = argv[1], argv[2]
    os.makedirs(out_dir, exist_ok=True)
    pkgdirs = [os.path.join(src, d) for d in sorted(os.listdir(src))
               if os.path.isdir(os.path.join(src, d))]
    tree = Tree(pkgdirs)
    built = []  # (filename, project, version, requires)
    repacked, copied, fixed = 0, 0, []
    for pkgdir in pkgdirs:
        dp = os.path.join(pkgdir, DIST_PACKAGES)
        if os.path.isdir(dp):
            infos = [e for e in os.listdir(dp) if e.endswith((".egg-info", ".dist-info"))]
            if len(infos) != 1:
                die("%s: expected one *-info folder, found %s" % (pkgdir, infos))
            fn, project, version, reqs, restored = repack(tree, pkgdir, infos[0], out_dir)
            note = " (restored: %s)" % ", ".join(restored) if restored else ""
            log("  repacked %s%s" % (fn, note))
            built.append((fn, project, version, reqs))
            repacked += 1
            if restored:
                fixed.append(project)
        wd = os.path.join(pkgdir, PY_WHEELS)
        if os.path.isdir(wd):
            for whl in sorted(os.listdir(wd)):
                if not whl.endswith(".whl"):
                    continue
                shutil.copyfile(os.path.join(wd, whl), os.path.join(out_dir, whl))
                shutil.copystat(os.path.join(wd, whl), os.path.join(out_dir, whl))
                project = canonical(whl.split("-", 1)[0])
                log("  copied   %s" % whl)
                built.append((whl, project, whl.split("-")[1], []))
                copied += 1

    # Every unconditional requirement must be in the folder, or pip --no-index fails later.
    have = {p for _, p, _, _ in built}
    missing = sorted({"%s (needed by %s)" % (req_name(r), fn)
                      for fn, _, _, reqs in built for r in reqs
                      if not split_marker(r)[1] and req_name(r) not in have})
    if missing:
        die("requirements not in the folder: " + ", ".join(missing))
    names = [fn for fn, _, _, _ in built]
    if len(set(p for _, p, _, _ in built)) != len(built):
        die("two wheels for one project: %s" % names)
    print("repacked %d packages, copied %d wheels, restored requirements of %s"
          % (repacked, copied, ", ".join(sorted(fixed)) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
