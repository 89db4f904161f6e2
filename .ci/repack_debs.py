#!/usr/bin/env python3
"""Turn extracted Debian packages into an offline pip --find-links folder.

Usage: repack_debs.py --python VERSION EXTRACTED_DIR OUT_DIR ROOT...
       repack_debs.py --provided-elsewhere      (names pyindex.sh must not download)
PYINDEX_VERBOSE=1: one line per wheel and per note on stderr.

EXTRACTED_DIR holds one sub-folder per .deb (the output of `dpkg-deb -x`, plus the control
file in DEBIAN/control). ROOT are the Debian packages asked for; the wheels written are those
of the ROOTs and of everything their Depends reach (VERSION is the suite's python3 package
version: bookworm's 3.11 or trixie's 3.13; it decides alternatives such as
`python3-tomli | python3 (>> 3.11)`). Then:
  * usr/lib/python3/dist-packages/<name>-<version>.{egg,dist}-info plus the files that package
    ships under dist-packages are repacked into a py3-none-any wheel; a package that ships
    CPython extension modules (python3-psycopg2, python3-markupsafe) becomes a binary wheel
    tagged from their file names (cp311-cp311-linux_x86_64 on bookworm, cp313-cp313-... on
    trixie; Root-Is-Purelib: false). A .deb
    that ships two distributions (flit: flit and flit_core) is split by each one's RECORD;
  * usr/share/python-wheels/*.whl (python3-{setuptools,wheel,pip}-whl) are copied as they are;
  * anything else (libjs-jquery) is only there to resolve symlinks: Debian's Django and
    Werkzeug link jQuery into /usr/share/javascript, and wheels must carry the real files.

Requires-Dist. Debian strips most install_requires from the metadata it ships and states them
as Depends instead, so each wheel's requirements are (see requirements()):
  * the distribution of every python3-* package in its .deb's Depends (no version: Debian
    versions do not translate to PEP 440, and apt picked one consistent set anyway);
  * plus the metadata's own Requires-Dist: the ones that do not apply to the suite's Python
    (extras, other Pythons/platforms) unchanged; the ones that apply kept when the folder can
    satisfy them, without their version when only that is unsatisfiable (fastapi 0.92 asks for
    starlette<0.26, Debian ships 0.26.1), and dropped when Debian ships no such project at all
    (hatchling's editables). Each wheel's DEBIAN-SOURCE records what was changed, and the
    non-Python Debian packages it needs at run time (libpq5, tzdata, ca-certificates).
The folder is checked to be closed: every requirement that applies to the suite's Python, with
the extras it names, resolves to a wheel in it.

Standard library only, plus `packaging` taken from the extracted python3-packaging (a ROOT's
dependency, pure Python); runs on Python 3.11 and 3.13. Output is deterministic: entries
sorted, timestamps taken from the files (dpkg-deb keeps the package's mtimes) or
SOURCE_DATE_EPOCH.
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

# Debian packages that are the interpreter or its standard library: a dependency on them is
# met by the Python that installs the wheels (bookworm's 3.11, trixie's 3.13: the binary
# wheels' cp3XX tag says which), so they become no requirement. Matched after dropping an
# architecture qualifier (python3:any).
INTERPRETER = re.compile(r"^(python3(\.\d+)?(-minimal|-distutils|-lib2to3|-venv|-dev)?"
                         r"|libpython3(\.\d+)?(-minimal|-stdlib)?"
                         r"|python3-supported-(min|max))$")
# Virtual packages trixie's python3 provides with its X.Y as version (`python3-supported-min
# (= 3.13)`): `python3-importlib-metadata | python3-supported-min (>= 3.8)` (gunicorn) needs
# nothing on 3.13. bookworm has none.
INTERPRETER_XY = re.compile(r"^python3-supported-(min|max)$")
# Debian packages whose distribution the folder takes from another .deb: the real wheels in
# python3-*-whl rather than a repack of the installed copy (python3-pkg-resources is the
# pkg_resources half of setuptools, which setuptools' wheel contains).
DEB_ALIASES = {
    "python3-setuptools": "python3-setuptools-whl",
    "python3-pkg-resources": "python3-setuptools-whl",
    "python3-wheel": "python3-wheel-whl",
    "python3-pip": "python3-pip-whl",
}
# The same, only when the wheel's .deb was fetched: trixie's python3-wheel-whl depends on
# python3-packaging-whl, so packaging comes from that wheel rather than twice (bookworm has no
# such package: there python3-packaging is repacked).
DEB_ALIASES_IF_FETCHED = {"python3-packaging": "python3-packaging-whl"}
# Distributions left out although their .deb is fetched, with why; their .deb's Depends are
# not followed either. flit is fetched for flit_core (the build backend, no dependencies);
# the flit CLI would bring docutils, which Debian patched to read its writers' templates from
# /usr/share/docutils (docutils-common), a path no wheel can provide.
SKIP_DISTS = {"flit": "its docutils needs /usr/share/docutils from docutils-common"}

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
# One Debian relation: name[:arch] [(op version)] [arch list] [profiles].
RELATION = re.compile(r"^([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\s*"
                      r"(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?\s*(?:\[[^]]*\])?\s*"
                      r"(?:<[^>]*>\s*)*$")


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


# ---------------------------------------------------------------------------------------------
# Metadata text


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


def header(headers, key):
    values = [v for k, v in headers if k.lower() == key]
    return values[0] if values else ""


# ---------------------------------------------------------------------------------------------
# Debian control data


def deb_version_cmp(a, b):
    """dpkg's version comparison (epoch, then upstream, then revision; `~` sorts first)."""
    def split(v):
        epoch, _, rest = v.partition(":") if ":" in v else ("0", "", v)
        upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
        return int(epoch or 0), upstream, revision

    def order(c):
        if c == "~":
            return -1
        return ord(c) if c.isalpha() else ord(c) + 256

    def cmp_part(x, y):
        i = j = 0
        while i < len(x) or j < len(y):
            while (i < len(x) and not x[i].isdigit()) or (j < len(y) and not y[j].isdigit()):
                xc = order(x[i]) if i < len(x) and not x[i].isdigit() else 0
                yc = order(y[j]) if j < len(y) and not y[j].isdigit() else 0
                if xc != yc:
                    return xc - yc
                i, j = i + 1, j + 1
            ni, nj = i, j
            while i < len(x) and x[i].isdigit():
                i += 1
            while j < len(y) and y[j].isdigit():
                j += 1
            d = int(x[ni:i] or 0) - int(y[nj:j] or 0)
            if d:
                return d
        return 0

    (ea, ua, ra), (eb, ub, rb) = split(a), split(b)
    return (ea - eb) or cmp_part(ua, ub) or cmp_part(ra, rb)


def relation_holds(version, op, wanted):
    c = deb_version_cmp(version, wanted)
    return {"<<": c < 0, "<": c <= 0, "<=": c <= 0, "=": c == 0,
            ">=": c >= 0, ">": c >= 0, ">>": c > 0}[op]


def parse_relations(field):
    """'a (>= 1) | b, c' -> [[('a', '>=', '1'), ('b', None, None)], [('c', None, None)]]."""
    groups = []
    for group in field.split(","):
        if not group.strip():
            continue
        alts = []
        for alt in group.split("|"):
            m = RELATION.match(alt.strip())
            if not m:
                die("cannot parse Debian relation %r" % alt.strip())
            alts.append(m.groups())
        groups.append(alts)
    return groups


def relation_text(group):
    return " | ".join(n + (" (%s %s)" % (op, v) if op else "") for n, op, v in group)


class Deb:
    """One extracted .deb: its control fields and the distributions it carries."""

    def __init__(self, pkgdir):
        self.dir = pkgdir
        control = os.path.join(pkgdir, "DEBIAN", "control")
        if not os.path.isfile(control):
            die("%s: no DEBIAN/control" % pkgdir)
        with open(control, encoding="utf-8") as f:
            headers, _ = split_metadata(f.read())
        self.name = header(headers, "package")
        self.version = header(headers, "version")
        self.depends = parse_relations(header(headers, "pre-depends") + ","
                                       + header(headers, "depends"))
        self.provides = [g[0][0] for g in parse_relations(header(headers, "provides"))]
        self.dists = find_dists(self)

    def label(self):
        return "%s %s" % (self.name, self.version)

    def main_dist(self):
        """The distribution the package's Depends are about: its only one, or (flit) the one
        named like the package."""
        if len(self.dists) == 1:
            return self.dists[0]
        short = canonical(re.sub(r"^python3-", "", self.name))
        for d in self.dists:
            if d.key == short:
                return d
        die("%s ships %s: cannot tell which one its Depends are for"
            % (self.name, ", ".join(d.name for d in self.dists)))


# ---------------------------------------------------------------------------------------------
# Distributions inside a .deb


class Dist:
    """One distribution: repacked from an installed *-info folder, or a wheel copied as is."""

    def __init__(self, deb, name, version, reqs, extras=(), info=None, wheel=None):
        self.deb, self.name, self.version = deb, name, version
        self.key = canonical(name)
        self.meta_reqs = list(reqs)   # Requires-Dist as the metadata states them
        self.extras = list(extras)    # Provides-Extra found only in requires.txt
        self.info, self.wheel = info, wheel
        self.entries = []             # its top-level names under dist-packages
        self.reqs = list(reqs)        # final Requires-Dist (requirements())
        self.notes = []               # what requirements() changed, for DEBIAN-SOURCE

    def skipped(self):
        return self.key in SKIP_DISTS


def read_info(deb, info_name):
    """Dist from usr/lib/python3/dist-packages/<info_name>."""
    info = os.path.join(deb.dir, DIST_PACKAGES, info_name)
    meta_file = os.path.join(info, "METADATA" if info_name.endswith(".dist-info") else "PKG-INFO")
    with open(meta_file, encoding="utf-8") as f:
        headers, _ = split_metadata(f.read())
    name, version = header(headers, "name"), header(headers, "version")
    if not name or not version:
        die("%s: no Name/Version" % meta_file)
    reqs = [v for k, v in headers if k.lower() == "requires-dist"]
    have = {canonical(v) for k, v in headers if k.lower() == "provides-extra"}
    extras = []
    req_file = os.path.join(info, "requires.txt")
    if os.path.exists(req_file):
        with open(req_file, encoding="utf-8") as f:
            more, found = parse_requires_txt(f.read())
        reqs += more
        extras = [e for e in found if e not in have]
    return Dist(deb, name, version, reqs, extras, info=info)


def read_wheel(deb, path):
    """Dist for a wheel Debian ships ready-made (python3-*-whl)."""
    with zipfile.ZipFile(path) as zf:
        meta = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(meta) != 1:
            die("%s: expected one .dist-info/METADATA" % path)
        headers, _ = split_metadata(zf.read(meta[0]).decode("utf-8"))
    reqs = [v for k, v in headers if k.lower() == "requires-dist"]
    return Dist(deb, header(headers, "name"), header(headers, "version"), reqs, wheel=path)


def record_tops(info, name):
    """Top-level names under dist-packages that an installed *-info folder claims: from its
    RECORD or top_level.txt, or (trixie's .dist-info folders have neither) the one named like
    the distribution."""
    tops = set()
    for fname, col in (("RECORD", True), ("top_level.txt", False)):
        p = os.path.join(info, fname)
        if not os.path.isfile(p):
            continue
        with open(p, encoding="utf-8") as f:
            for line in f:
                entry = line.split(",", 1)[0].strip() if col else line.strip()
                top = entry.split("/", 1)[0]
                if top and top != ".." and top != os.path.basename(info):
                    tops.add(top)
        break
    return tops or {escaped(name)}


def find_dists(deb):
    dists = []
    wd = os.path.join(deb.dir, PY_WHEELS)
    if os.path.isdir(wd):
        dists += [read_wheel(deb, os.path.join(wd, w)) for w in sorted(os.listdir(wd))
                  if w.endswith(".whl")]
    dp = os.path.join(deb.dir, DIST_PACKAGES)
    if not os.path.isdir(dp):
        return dists
    entries = sorted(e for e in os.listdir(dp)
                     if e not in SKIP_DIRS and not e.endswith(SKIP_SUFFIXES))
    infos = [e for e in entries if e.endswith((".egg-info", ".dist-info"))]
    if not infos:
        die("%s: modules under dist-packages but no *-info folder" % deb.name)
    found = [read_info(deb, i) for i in infos]
    assign_entries(deb, found, [e for e in entries if e not in infos])
    return dists + found


def assign_entries(deb, dists, entries):
    """Give each top-level entry of dist-packages to its distribution; with several in one
    .deb, to the one whose RECORD (or top_level.txt) lists it."""
    if len(dists) == 1:
        dists[0].entries = entries
        return
    claims = {d.key: record_tops(d.info, d.name) for d in dists}
    for e in entries:
        owners = [d for d in dists if e in claims[d.key] or e.rsplit(".py", 1)[0] in claims[d.key]]
        if len(owners) != 1:
            die("%s: %s is claimed by %s" % (deb.name, e, [d.name for d in owners] or "nobody"))
        owners[0].entries.append(e)


def load_debs(src):
    debs = {}
    for d in sorted(os.listdir(src)):
        if os.path.isdir(os.path.join(src, d)):
            deb = Deb(os.path.join(src, d))
            if deb.name in debs:
                die("two folders for %s" % deb.name)
            debs[deb.name] = deb
    return debs


# ---------------------------------------------------------------------------------------------
# Which packages: the ROOTs and what their Depends reach


class Resolver:
    """Answers what one Depends group means for the folder, given the suite's python3."""

    def __init__(self, debs, python):
        self.python = python
        self.by_name = dict(debs)
        for deb in debs.values():
            for p in deb.provides:
                self.by_name.setdefault(p, deb)

    def deb(self, name):
        name = DEB_ALIASES.get(name, name)
        if self.by_name.get(DEB_ALIASES_IF_FETCHED.get(name)):
            name = DEB_ALIASES_IF_FETCHED[name]
        return self.by_name.get(name)

    def resolve(self, group):
        """('python', None): met by the interpreter; ('deb', Deb): a fetched package;
        ('system', text): a non-Python Debian package the wheel needs at run time."""
        # An interpreter alternative that holds wins: `python3-tomli | python3 (>> 3.11)`
        # needs nothing on 3.11.2, as Debian means it (upstream: `tomli; python_version<3.11`).
        interp = [a for a in group if INTERPRETER.match(a[0])]
        if any(op is None or relation_holds(self.interpreter_version(n), op, v)
               for n, op, v in interp):
            return "python", None
        for name, _, _ in group:
            if self.deb(name):
                return "deb", self.deb(name)
        if interp and len(interp) == len(group):
            die("%s does not hold for this python3 %s" % (relation_text(group), self.python))
        if any(n.startswith("python3") for n, _, _ in group):
            die("%s: not fetched (pyindex.sh's closure and this script disagree)"
                % relation_text(group))
        return "system", relation_text(group)

    def interpreter_version(self, name):
        """The version an interpreter package has: python3's own, or its X.Y for the virtual
        python3-supported-min/-max."""
        if INTERPRETER_XY.match(name):
            return ".".join(re.sub(r"^\d+:", "", self.python).split(".")[:2])
        return self.python

    def followed(self, deb):
        """What the package's Depends lead to: ([Deb], [run-time notes]). Not followed for a
        skipped distribution (flit's Depends are the flit CLI's)."""
        if not deb.dists or deb.main_dist().skipped():
            return [], []
        targets, system = [], []
        for group in deb.depends:
            kind, what = self.resolve(group)
            if kind == "deb":
                targets.append(what)
            elif kind == "system":
                system.append(what)
        return targets, system


def reach(resolver, roots):
    """The packages to turn into wheels: the roots and their Depends, transitively."""
    order, seen = [], set()
    queue = []
    for r in roots:
        deb = resolver.deb(r)
        if not deb:
            die("%s was asked for but not fetched" % r)
        if r.startswith("python3-") and not deb.dists:
            # e.g. trixie's python3-tz, an empty transitional package for python3-pytz
            die("%s was asked for but ships no Python distribution (a transitional package? "
                "ask for the package it depends on)" % r)
        queue.append(deb)
    while queue:
        deb = queue.pop(0)
        if deb.name in seen:
            continue
        seen.add(deb.name)
        order.append(deb)
        queue += resolver.followed(deb)[0]
    return sorted(order, key=lambda d: d.name)


# ---------------------------------------------------------------------------------------------
# Requirements


def load_packaging(debs):
    """`packaging` from the extracted python3-packaging: the same parser pip uses, and the
    same version whatever Python the host has."""
    deb = debs.get("python3-packaging")
    if not deb:
        die("python3-packaging must be fetched (requirements are parsed with it)")
    sys.path.insert(0, os.path.join(deb.dir, DIST_PACKAGES))
    import packaging.markers
    import packaging.requirements
    import packaging.specifiers
    import packaging.version
    return packaging


class Target:
    """The suite's Python as PEP 508 markers see it, and the distributions in the folder."""

    def __init__(self, pkg, python, dists):
        self.pkg = pkg
        upstream = re.sub(r"^\d+:", "", python).rsplit("-", 1)[0]   # 3.11.2-1+b1 -> 3.11.2
        m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", upstream)
        if not m:
            die("cannot read python3 version %r" % python)
        full = "%s.%s.%s" % (m.group(1), m.group(2), m.group(3) or "0")
        self.env = dict(pkg.markers.default_environment(),
                        python_version="%s.%s" % (m.group(1), m.group(2)),
                        python_full_version=full, implementation_version=full,
                        implementation_name="cpython", platform_python_implementation="CPython",
                        sys_platform="linux", platform_system="Linux", os_name="posix")
        self.dists = {d.key: d for d in dists}

    def parse(self, text):
        try:
            return self.pkg.requirements.Requirement(text)
        except Exception as e:  # packaging's InvalidRequirement
            die("cannot parse requirement %r: %s" % (text, e))

    def applies(self, req, extra=""):
        return req.marker is None or req.marker.evaluate(dict(self.env, extra=extra))

    def satisfied(self, req):
        dist = self.dists.get(canonical(req.name))
        if not dist:
            return False
        try:
            version = self.pkg.version.Version(dist.version)
        except self.pkg.version.InvalidVersion:
            return not str(req.specifier)
        return req.specifier.contains(version, prereleases=True)


def requirements(dist, depends_on, target):
    """Final Requires-Dist of one distribution (see the module docstring), and notes."""
    out, notes, named = [], [], set()
    for text in dist.meta_reqs:
        req = target.parse(text)
        key = canonical(req.name)
        if not target.applies(req):
            out.append(text)                                  # an extra, another Python
            continue
        if key not in target.dists:
            notes.append("dropped %s (not in Debian's Depends, no such package here)" % text)
            continue
        if not target.satisfied(req):
            notes.append("dropped the version of %s (this folder has %s %s)"
                         % (text, target.dists[key].name, target.dists[key].version))
            req.specifier = target.pkg.specifiers.SpecifierSet("")
            text = str(req)
        out.append(text)
        named.add(key)
    for other in depends_on:
        if other.key not in named and other.key != dist.key:
            out.append(other.name)
            named.add(other.key)
    return out, notes


def check_closed(dists, target):
    """Every requirement that applies on the suite's Python, and the extras it names, must
    resolve inside the folder, or pip --no-index fails (or, worse, `pip check` passes and the
    import fails)."""
    problems, seen = [], set()
    work = [(d, "") for d in dists]
    while work:
        dist, extra = work.pop()
        if (dist.key, extra) in seen:
            continue
        seen.add((dist.key, extra))
        for text in dist.reqs:
            req = target.parse(text)
            if not target.applies(req, extra):
                continue
            if not target.satisfied(req):
                problems.append("%s%s needs %s" % (dist.name, "[%s]" % extra if extra else "", text))
                continue
            work += [(target.dists[canonical(req.name)], canonical(e)) for e in req.extras]
    if problems:
        die("the folder is not closed: " + "; ".join(sorted(problems)))


# ---------------------------------------------------------------------------------------------
# Wheels


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


def metadata_text(dist):
    """METADATA: the shipped headers with Requires-Dist replaced (and License-File dropped:
    Debian ships the licence elsewhere), Provides-Extra completed from requires.txt."""
    meta_file = os.path.join(dist.info, "METADATA" if dist.info.endswith(".dist-info")
                             else "PKG-INFO")
    with open(meta_file, encoding="utf-8") as f:
        headers, body = split_metadata(f.read())
    keep = [(k, v) for k, v in headers if k.lower() not in ("requires-dist", "license-file")]
    keep += [("Provides-Extra", e) for e in dist.extras]
    lines = ["%s: %s" % (k, v) for k, v in keep] + ["Requires-Dist: %s" % r for r in dist.reqs]
    text = "\n".join(lines) + "\n"
    if body.strip():
        text += "\n" + body.rstrip("\n") + "\n"
    return text


def debian_source(dist, system):
    """DEBIAN-SOURCE: where the wheel comes from, what it needs from Debian at run time, and
    what was changed in its requirements."""
    text = "Repacked from Debian package %s\n" % dist.deb.label()
    if system:
        text += "Needs at run time the Debian packages: %s\n" % ", ".join(system)
    text += "".join("Requires-Dist: %s\n" % n for n in dist.notes)
    return text


def repack(tree, dist, system, out_dir):
    """Write one repacked wheel; its file name."""
    files, seen = [], set()
    for entry in dist.entries:
        collect(tree, dist.deb.dir, DIST_PACKAGES + "/" + entry, entry, files, seen)
    if not files:
        die("%s: no files for %s" % (dist.deb.name, dist.name))

    base = "%s-%s" % (escaped(dist.name), dist.version.replace("-", "_"))
    di = base + ".dist-info"
    newest = max(int(os.stat(real).st_mtime) for _, real in files)
    tag, purelib = wheel_tag(files)
    wheel_txt = ("Wheel-Version: 1.0\nGenerator: %s\nRoot-Is-Purelib: %s\nTag: %s\n"
                 % (GENERATOR, "true" if purelib else "false", tag))
    generated = [(di + "/METADATA", metadata_text(dist).encode("utf-8")),
                 (di + "/WHEEL", wheel_txt.encode("utf-8"))]
    generated += info_files(dist, di, files)
    generated.append((di + "/DEBIAN-SOURCE", debian_source(dist, system).encode("utf-8")))
    copyright_dir = os.path.join(dist.deb.dir, "usr/share/doc")
    for d in sorted(os.listdir(copyright_dir)) if os.path.isdir(copyright_dir) else []:
        c = os.path.join(copyright_dir, d, "copyright")
        if os.path.isfile(c):
            with open(c, "rb") as f:
                generated.append((di + "/licenses/debian-copyright", f.read()))
            break

    whl = os.path.join(out_dir, "%s-%s.whl" % (base, tag))
    write_wheel(whl, files, generated, newest)
    return os.path.basename(whl)


def info_files(dist, di, files):
    """entry_points.txt, top_level.txt (made from the files when missing) and the *-info
    folder's other files, as (arcname, bytes)."""
    out = []
    for extra in ("entry_points.txt", "top_level.txt"):
        p = os.path.join(dist.info, extra)
        if os.path.exists(p):
            with open(p, "rb") as f:
                out.append((di + "/" + extra, f.read()))
    if not any(a.endswith("/top_level.txt") for a, _ in out):
        tops = sorted({a.split("/", 1)[0].rsplit(".py", 1)[0] for a, _ in files})
        out.append((di + "/top_level.txt", ("\n".join(tops) + "\n").encode("utf-8")))
    for extra in sorted(os.listdir(dist.info)):
        p = os.path.join(dist.info, extra)
        if extra in INFO_DROP or extra in ("entry_points.txt", "top_level.txt") \
                or not os.path.isfile(p):
            continue
        with open(p, "rb") as f:
            out.append((di + "/" + extra, f.read()))
    return out


def copy_wheel(dist, out_dir):
    name = os.path.basename(dist.wheel)
    shutil.copyfile(dist.wheel, os.path.join(out_dir, name))
    shutil.copystat(dist.wheel, os.path.join(out_dir, name))
    return name


# ---------------------------------------------------------------------------------------------


def plan(debs, roots, python):
    """Pick the distributions and compute their requirements: ([(Dist, system needs)], unused
    .debs, skipped distributions)."""
    pkg = load_packaging(debs)
    resolver = Resolver(debs, python)
    chosen = reach(resolver, roots)
    dists = [d for deb in chosen for d in deb.dists if not d.skipped()]
    keys = [d.key for d in dists]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        die("two wheels for %s" % ", ".join(dupes))
    target = Target(pkg, python, dists)
    out = []
    for dist in dists:
        targets, system = resolver.followed(dist.deb) if dist is dist.deb.main_dist() else ([], [])
        depends_on = [t.main_dist() for t in targets if t.dists]
        if any(t.skipped() for t in depends_on):
            die("%s depends on a skipped distribution" % dist.name)
        if dist.info:   # a copied wheel keeps its metadata (and pulls in nothing)
            dist.reqs, dist.notes = requirements(dist, depends_on, target)
        out.append((dist, system))
    check_closed(dists, target)
    names = {d.name for d in chosen}
    unused = sorted(n for n in debs if n not in names)
    skipped = sorted(d.name for deb in chosen for d in deb.dists if d.skipped())
    return out, unused, skipped


def main(argv):
    if argv[1:] == ["--provided-elsewhere"]:
        # Interpreter packages and the aliased ones: pyindex.sh leaves them out of the closure
        # it downloads (a closure package matching neither must be fetched).
        print("python3-(minimal|distutils|lib2to3|venv|dev)|" + "|".join(sorted(DEB_ALIASES)))
        return 0
    args = argv[1:]
    if len(args) < 5 or args[0] != "--python":
        die("usage: repack_debs.py --python VERSION EXTRACTED_DIR OUT_DIR ROOT...")
    python, src, out_dir, roots = args[1], args[2], args[3], args[4:]
    os.makedirs(out_dir, exist_ok=True)
    debs = load_debs(src)
    tree = Tree([deb.dir for deb in debs.values()])
    chosen, unused, skipped = plan(debs, roots, python)

    repacked = copied = 0
    for dist, system in chosen:
        if dist.wheel:
            fn = copy_wheel(dist, out_dir)
            copied += 1
        else:
            fn = repack(tree, dist, system, out_dir)
            repacked += 1
        log("  %-8s %s%s" % ("copied" if dist.wheel else "repacked", fn,
                             "  [needs %s]" % ", ".join(system) if system and not dist.wheel else ""))
        for n in dist.notes:
            log("           %s: %s" % (dist.name, n))
    notes = sum(len(d.notes) for d, _ in chosen)
    print("repacked %d distributions, copied %d wheels; Requires-Dist from Depends, %d metadata "
          "requirements changed (see DEBIAN-SOURCE); skipped %s; fetched but not needed: %s"
          % (repacked, copied, notes, ", ".join(skipped) or "none", ", ".join(unused) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
