/**
 * The wheel of an application that has no packaging metadata (manage.py, requirements.txt, a few
 * modules), made by the builder's Python: the release installs only wheels, so the app's own
 * code becomes one too. It holds every top-level module and folder — packages and the data beside
 * them (templates/, static/, statics/, locale/, fixtures/, whatever the app reads) — at the root of
 * site-packages, and so does what a src/ folder holds (the src layout, installed as setuptools
 * installs it; entry points and settings are named without `src.`):
 * `BASE_DIR = Path(__file__).resolve().parent.parent` in mysite/settings.py then still finds `BASE_DIR / "templates"`, and the release serves from there, so a path relative to
 * the working directory (`StaticFiles(directory="statics")`) works too. Never packed: VCS,
 * virtualenvs, node_modules, caches, .env files, media uploads, sqlite databases, logs, the tests,
 * docs and deployment folders at the top, setup/tooling scripts.
 * Deterministic: entries sorted, times from SOURCE_DATE_EPOCH, so unchanged sources give the
 * same bytes.
 *
 * Usage: python pack_app.py SRC OUT NAME VERSION REQUIRES_JSON
 */
export const PACK_APP_PY = String.raw`
import base64, hashlib, json, os, re, sys, time, zipfile

src, out, name, version, requires = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
# Top-level folders that are not the app: its tests and docs, uploads, environments, build output,
# and what deploys it (the tool's own docker/ and wheelhouse among them).
SKIP_TOP = {"tests", "test", "docs", "doc", "media", "uploads", "node_modules", "venv", "env", "build", "dist",
            "wheelhouse", "docker", "requirements", "scripts", "deploy", "k8s", "helm", "terraform", "htmlcov"}
SKIP_MODULES = {"setup.py", "conftest.py", "noxfile.py", "fabfile.py"}
SKIP_NAMES = {"__pycache__", ".git", "node_modules", ".pytest_cache", ".mypy_cache", ".tox", ".DS_Store"}
SKIP_SUFFIXES = (".pyc", ".pyo", ".sqlite3", ".sqlite", ".db", ".log", ".swp")

def skipped(entry):
    return entry in SKIP_NAMES or entry.startswith(".env") or entry.endswith(SKIP_SUFFIXES)

def walk(base, top):
    for root, dirs, files in os.walk(os.path.join(base, top)):
        # A virtualenv inside the tree (pyvenv.cfg) is never part of the app.
        dirs[:] = sorted(d for d in dirs if not skipped(d) and not os.path.exists(os.path.join(root, d, "pyvenv.cfg")))
        for f in sorted(files):
            if not skipped(f):
                yield os.path.relpath(os.path.join(root, f), base)

def members():
    # A src layout (src/ that is no package itself) installs as setuptools installs one: what src/
    # holds goes to the root, beside the top-level modules (manage.py), so src/mysite is the module mysite.
    inner = os.path.join(src, "src")
    bases = [src] + ([inner] if os.path.isdir(inner) and not os.path.exists(os.path.join(inner, "__init__.py")) else [])
    found, tops = {}, set()
    for base in bases:
        for entry in sorted(os.listdir(base)):
            path = os.path.join(base, entry)
            if skipped(entry) or entry in SKIP_TOP or entry.startswith(".") or path == inner and len(bases) > 1:
                continue
            if os.path.isfile(path) and entry.endswith(".py") and entry not in SKIP_MODULES:
                found.setdefault(entry, path)
                tops.add(entry[:-3])
            elif os.path.isdir(path) and not os.path.exists(os.path.join(path, "pyvenv.cfg")):
                # A name at the root and in src/ both: the root's file is kept (one member per name).
                for rel in walk(base, entry):
                    found.setdefault(rel.replace(os.sep, "/"), os.path.join(base, rel))
                if os.path.exists(os.path.join(path, "__init__.py")):
                    tops.add(entry)
    return list(found.items()), sorted(tops)

files, tops = members()
if not files:
    print("error: %s holds no Python package or module to pack" % src)
    sys.exit(1)
dist = re.sub(r"[-_.]+", "_", name).lower()
info = "%s-%s.dist-info" % (dist, version)
when = time.gmtime(max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800))[:6]
records = []

def add(z, arc, data, mode=0o644):
    zi = zipfile.ZipInfo(arc, when)
    zi.external_attr = (0o100000 | mode) << 16
    zi.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(zi, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    records.append("%s,sha256=%s,%d" % (arc, digest, len(data)))

os.makedirs(out, exist_ok=True)
wheel = os.path.join(out, "%s-%s-py3-none-any.whl" % (dist, version))
with zipfile.ZipFile(wheel, "w") as z:
    for arc, full in files:
        with open(full, "rb") as f:
            add(z, arc, f.read(), 0o755 if os.stat(full).st_mode & 0o111 else 0o644)
    meta = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version,
            "Summary: %s, packed by pypackage-tasks (no packaging metadata)" % name]
    meta += ["Requires-Dist: " + r for r in requires]
    add(z, info + "/METADATA", ("\n".join(meta) + "\n").encode())
    add(z, info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: pypackage-tasks\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    add(z, info + "/top_level.txt", ("\n".join(tops) + "\n").encode())
    record = "\n".join(records + [info + "/RECORD,,"]) + "\n"
    zi = zipfile.ZipInfo(info + "/RECORD", when)
    zi.external_attr = 0o100644 << 16
    z.writestr(zi, record)
print("packed %s (%d files: %s)" % (os.path.basename(wheel), len(files), ", ".join(tops) or "data only"))
`
