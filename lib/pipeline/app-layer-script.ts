/**
 * The app step of docker/release/Dockerfile again, on the previous release image (app-layer.ts):
 * prepare.py checks that appending gives what the Docker build would (exit 3 with a line if not)
 * and removes the app as installed; step.py runs it, then the Dockerfile's RUN line (install,
 * manifest, SBOM, links) without collectstatic (its result is kept) and pip check (the requirements
 * are unchanged), then pack.py, which tars what that step made: all in one interpreter, each Python
 * start costing ~40 ms. run.sh runs it in a fresh container (the warm appender runs it itself,
 * warm-appender.ts). Pure data.
 */
export const APP_LAYER_FILES: Record<string, string> = {
  'prepare.py': `"""Before the app layer is made again: check that appending is exact, then remove the app as installed.

Runs in a container of the previous release image, as root. Exit 3 (with a line saying why):
appending would not give what the Docker build gives, so the tool builds instead.
"""
import csv
import io
import os
import shutil
import sys
import sysconfig
import zipfile

WHEELS = "/tmp/wheels/app"
SITE = sysconfig.get_path("purelib")
ROOTS = sorted({SITE, sysconfig.get_path("platlib")})
SETTINGS = os.environ.get("DJANGO_SETTINGS_MODULE", "")
DATA_FILES = os.environ.get("DATA_FILES", "").split()


def refuse(why):
    print("pypackage-tasks append: " + why, flush=True)
    sys.exit(3)


def rows(text):
    return {r[0]: r[1] for r in csv.reader(io.StringIO(text)) if r}


def installed_root(info):
    return next((r for r in ROOTS if os.path.isdir(os.path.join(r, info))), None)


def static_safe(key, old, new):
    """A change collectstatic cannot see: a module edited in place, outside static folders and the settings."""
    folders = key.split("/")[:-1]
    settings = SETTINGS.replace(".", "/")
    if key not in old or key not in new or "static" in folders:
        return False
    if key == settings + ".py" or key.startswith(settings + "/"):
        return False
    return key.endswith(".py") or "templates" in folders


def owned_names():
    """Top-level names in site-packages that some installed wheel's RECORD lists."""
    names = set()
    for root in ROOTS:
        for entry in os.listdir(root):
            if entry.endswith(".dist-info") and os.path.isfile(os.path.join(root, entry, "RECORD")):
                names.add(entry)
                with open(os.path.join(root, entry, "RECORD")) as f:
                    names |= {k.split("/")[0] for k in rows(f.read())}
    return names


def main():
    installed = []
    for name in sorted(os.listdir(WHEELS)):
        with zipfile.ZipFile(os.path.join(WHEELS, name)) as whl:
            infos = {n.split("/")[0] for n in whl.namelist() if n.split("/")[0].endswith(".dist-info")}
            if len(infos) != 1:
                refuse("%s has %d .dist-info folders" % (name, len(infos)))
            info = infos.pop()
            new = rows(whl.read(info + "/RECORD").decode())
        root = installed_root(info)
        if root is None:
            refuse("%s is not installed in the previous image (a new distribution or version)" % info)
        with open(os.path.join(root, info, "RECORD")) as f:
            old = rows(f.read())
        skip = {info + "/RECORD", info + "/INSTALLER", info + "/REQUESTED"}
        own = lambda record: {k: v for k, v in record.items() if v and k not in skip and not k.startswith("../")}
        a, b = own(old), own(new)
        changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if info + "/METADATA" in changed:
            refuse("%s/METADATA changed (requirements: pip check would have to run)" % info)
        unsafe = [k for k in changed if SETTINGS and not static_safe(k, a, b)]
        if unsafe:
            refuse("collectstatic could collect something else: %s changed" % ", ".join(unsafe[:3]))
        installed.append((root, info, old))
    if SETTINGS:
        if not os.path.isdir("/app/static"):
            refuse("collectstatic wrote no /app/static (STATIC_ROOT elsewhere?)")
        owned = owned_names() | set(DATA_FILES) | {"__pycache__"}
        stray = sorted(e for r in ROOTS for e in os.listdir(r) if e not in owned)
        if stray:
            refuse("site-packages holds %s, which no wheel installed" % ", ".join(stray[:3]))
    # As if the app had never been installed: the app step runs again on the layers below it.
    for root, info, old in installed:
        for rel in old:
            target = os.path.normpath(os.path.join(root, rel))
            if os.path.lexists(target) and not os.path.isdir(target):
                os.unlink(target)
        shutil.rmtree(os.path.join(root, info), ignore_errors=True)
    for link in [os.path.join(d, f) for f in DATA_FILES for d in (SITE, "/app")] + ["/app/manage.py", "/app/code"]:
        if os.path.islink(link):
            os.unlink(link)


main()
`,
  'pack.py': `"""Pack what the app step made into one layer tar: the installed files (every RECORD row), the
manifest and SBOM, the links, the static files, and each one's folders, as they are here."""
import csv
import os
import sys
import sysconfig
import tarfile
import zipfile

WHEELS = "/tmp/wheels/app"
SITE = sysconfig.get_path("purelib")
ROOTS = sorted({SITE, sysconfig.get_path("platlib")})

paths = {"/app/pypackage-manifest.json", "/app/sbom.cdx.json"}
for name in os.listdir(WHEELS):
    with zipfile.ZipFile(os.path.join(WHEELS, name)) as whl:
        info = next(n.split("/")[0] for n in whl.namelist() if n.split("/")[0].endswith(".dist-info"))
    root = next(r for r in ROOTS if os.path.isdir(os.path.join(r, info)))
    with open(os.path.join(root, info, "RECORD")) as f:
        paths |= {os.path.normpath(os.path.join(root, row[0])) for row in csv.reader(f) if row}
paths |= {os.path.join(d, f) for f in os.environ.get("DATA_FILES", "").split() for d in (SITE, "/app")}
paths |= {p for p in ("/app/manage.py", "/app/code") if os.path.islink(p)}
for top, dirs, files in os.walk("/app/static"):
    paths |= {os.path.join(top, n) for n in dirs + files}
for p in list(paths):
    parent = os.path.dirname(p)
    while parent != "/":
        paths.add(parent)
        parent = os.path.dirname(parent)
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as tar:
    for p in sorted(paths):
        tar.add(p, arcname=p[1:], recursive=False)
`,
  'step.py': `"""The app step in one interpreter: prepare.py, then what the Dockerfile's RUN line does (the wheels
installed, the manifest, the SBOM, the links) without collectstatic (its result is kept) and pip check
(the requirements are unchanged), then pack.py, each run as its own process would run it (runpy, as
__main__ with its arguments). Exit 3 comes from prepare.py alone (a refusal, before anything changed).
The layer's sha256 goes beside it, for the warm appender's marker (warm-appender.ts)."""
import glob
import hashlib
import importlib
import os
import runpy
import sys
import sysconfig

LAYER = "/tmp/append/layer.tar"


def script(path, *args):
    # What one script installed, the next one's importlib.metadata finds (its cache keys on a folder's mtime).
    importlib.invalidate_caches()
    sys.argv = [path, *args]
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            raise
    sys.stdout.flush()


def ln(target, name, replace):
    """ln -s (replace: ln -sfn): into a folder that name is, a link to one replaced only with -n."""
    if os.path.isdir(name) and not (replace and os.path.islink(name)):
        name = os.path.join(name, os.path.basename(target))
    if replace and os.path.lexists(name):
        os.unlink(name)
    os.symlink(target, name)


script("/tmp/append/prepare.py")
try:
    script("/install_wheels.py", *sorted(glob.glob("/tmp/wheels/app/*.whl")))
    script("/manifest.py", "/tmp/wheels/app", "/app/pypackage-manifest.json")
    script("/sbom.py", "/app/pypackage-manifest.json", "/app/sbom.cdx.json", "--app", os.environ.get("APP_WHEEL", ""))
    site = sysconfig.get_path("purelib")
    for f in os.environ.get("DATA_FILES", "").split():
        ln("/app/data/" + f, os.path.join(site, f), True)
        ln("/app/data/" + f, "/app/" + f, True)
    if os.path.isfile(os.path.join(site, "manage.py")):
        ln(os.path.join(site, "manage.py"), "/app/manage.py", False)
    if os.environ.get("APP_LAYOUT") == "application":
        ln(site, "/app/code", False)
    script("/tmp/append/pack.py", LAYER)
except SystemExit as e:
    # Only prepare.py refuses: any later failure is one (not 3, which would read as a refusal).
    sys.exit(1 if e.code == 3 else e.code)
with open(LAYER, "rb") as f, open(LAYER + ".sha256", "w") as out:
    out.write(hashlib.sha256(f.read()).hexdigest())
`,
  'run.sh': `exec python /tmp/append/step.py
`,
}
