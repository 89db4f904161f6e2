/**
 * The app step of docker/release/Dockerfile again, on the previous release image (app-layer.ts):
 * prepare.py checks that appending gives what the Docker build would (exit 3 with a line if not)
 * and removes the app as installed; install.sh is the Dockerfile's RUN line (install, manifest, SBOM,
 * links) without collectstatic (its result is kept) and pip check (the requirements are unchanged),
 * then pack.py, which tars what that step made; run.sh runs the two in a fresh container (the warm
 * appender runs them itself, warm-appender.ts). Pure data.
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
  'run.sh': `set -e
python /tmp/append/prepare.py
sh /tmp/append/install.sh
`,
  'install.sh': `set -e
python /install_wheels.py /tmp/wheels/app/*.whl
python /manifest.py /tmp/wheels/app /app/pypackage-manifest.json
python /sbom.py /app/pypackage-manifest.json /app/sbom.cdx.json --app "$APP_WHEEL"
site=$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
for f in $DATA_FILES; do ln -sfn "/app/data/$f" "$site/$f"; ln -sfn "/app/data/$f" "/app/$f"; done
if [ -f "$site/manage.py" ]; then ln -s "$site/manage.py" /app/manage.py; fi
if [ "$APP_LAYOUT" = application ]; then ln -s "$site" /app/code; fi
python /tmp/append/pack.py /tmp/append/layer.tar
`,
}
