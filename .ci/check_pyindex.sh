#!/usr/bin/env bash
# Check the offline wheel folder built by .ci/pyindex.sh for real, not by pip's exit code only:
# in a clean container of the Debian release it was built from (debian:bookworm-slim for
# .cache/pyindex, debian:trixie-slim for .cache/pyindex-3.13; python3-venv plus the Debian
# packages the wheels' DEBIAN-SOURCE files say they need at run time, e.g. libpq5, tzdata,
# ca-certificates):
#   0. the Django stack alone, by name, in a fresh venv: Django, gunicorn, whitenoise,
#      psycopg2 and pytest-django, then `pip check` and `django-admin --version`;
#   1. pip install --no-index --find-links of every distribution in the folder into that venv,
#      each pinned to the version there, then `pip check`;
#   2. import every top-level module of every distribution (top_level.txt), check that the
#      requirements Debian strips are back (Django -> asgiref/pytz/sqlparse, ...), and use the
#      frameworks a little: Flask and FastAPI/Starlette through their test clients (httpx),
#      uvicorn serving one request, Django's system checks, pytest with pytest-django, pytz's
#      zoneinfo, psycopg2's libpq, MarkupSafe's C speedups;
#   3. `pip wheel` of a tiny flit_core, hatchling and poetry-core project, without and with
#      build isolation (the backends must work offline from this folder alone), and install and
#      import the built wheels.
# ~30 s per folder: the container installs Python first.
#
# Usage: check_pyindex.sh [FOLDER]
#   FOLDER defaults to the one pyindex.sh builds ($PYINDEX_DIR, else PYINDEX_SUITE's:
#   bookworm .cache/pyindex, trixie .cache/pyindex-3.13). The container's image is
#   $PYINDEX_IMAGE, else the one the folder's .complete names, else debian:<suite>-slim.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
index=${1:-$(bash "$here/pyindex.sh" --dir)}
index=$(cd "$index" && pwd)
image=${PYINDEX_IMAGE:-$(sed -n 's/^image \([^ ]*\) .*/\1/p' "$index/.complete" 2>/dev/null || true)}
image=${image:-debian:${PYINDEX_SUITE:-bookworm}-slim}
label=pypackage-tasks.project=ci

# Every wheel as name==version (from the file name: the folder holds one version of each).
pins=()
for whl in "$index"/*.whl; do
  base=$(basename "$whl" .whl)
  rest=${base#*-}
  pins+=("${base%%-*}==${rest%%-*}")
done
[ ${#pins[@]} -gt 0 ] || { echo "check_pyindex: no wheels in $index" >&2; exit 1; }

# Run-time Debian packages, as the wheels declare them (first alternative, no version).
needs=$(python3 - "$index" <<'EOF'
import glob, re, sys, zipfile
needs = set()
for whl in glob.glob(sys.argv[1] + "/*.whl"):
    with zipfile.ZipFile(whl) as zf:
        for n in zf.namelist():
            if n.endswith(".dist-info/DEBIAN-SOURCE"):
                for line in zf.read(n).decode().splitlines():
                    if line.startswith("Needs at run time the Debian packages:"):
                        for group in line.split(":", 1)[1].split(","):
                            needs.add(re.split(r"[\s(|]", group.strip())[0])
print(" ".join(sorted(needs)))
EOF
)
echo "check_pyindex: ${#pins[@]} distributions from $index in $image; Debian run-time packages: $needs"

start=$SECONDS
docker run --rm -i --label "$label" -v "$index:/index:ro" -e "NEEDS=$needs" "$image" \
  bash -s -- "${pins[@]}" <<'CONTAINER'
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PIP_NO_INDEX=1 PIP_FIND_LINKS=/index \
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends python3-venv $NEEDS >/tmp/apt.log 2>&1 ||
  { cat /tmp/apt.log; exit 1; }
python3 -m venv /venv
pip=/venv/bin/pip py=/venv/bin/python

echo "== the Django stack alone, by name: $(python3 --version) [${SECONDS}s]"
$pip install -q Django gunicorn whitenoise psycopg2 pytest-django
$pip check
echo "django-admin --version: $(/venv/bin/django-admin --version)"
$pip list --format=freeze | tr '\n' ' '
echo

echo "== pip install (${#} distributions, into the same venv) [${SECONDS}s]"
$pip install -q "$@"
echo "== pip check [${SECONDS}s]"
$pip check

echo "== imports and use [${SECONDS}s]"
cd /tmp
$py - <<'PY'
import importlib, importlib.metadata as md, pathlib, re, sys, threading, time, warnings
warnings.filterwarnings("ignore", "Setuptools is replacing distutils")

# Every top-level module of every installed distribution, found from its files (Debian's
# top_level.txt lists subfolders too). setuptools first: its distutils shim must be imported
# before anything else touches distutils (Debian's pip and setuptools wheels, as in any venv).
def tops(dist):
    out = set()
    for f in dist.files or []:
        parts = f.parts
        if parts[0].endswith((".dist-info", ".egg-info", ".pth")) or parts[0] in ("..", "bin"):
            continue
        name = parts[0] if len(parts) > 1 else parts[0].split(".")[0]
        if (len(parts) > 1 or f.suffix in (".py", ".so")) and name.isidentifier() \
                and name != "__pycache__":
            out.add(name)
    return out

failed, imported = [], []
dists = sorted(md.distributions(), key=lambda d: (d.metadata["Name"].lower() != "setuptools",
                                                  d.metadata["Name"].lower()))
for dist in dists:
    for top in sorted(tops(dist)):
        try:
            importlib.import_module(top)
            imported.append(top)
        except Exception as e:
            failed.append("%s (%s): %r" % (top, dist.metadata["Name"], e))
print("imported %d top-level modules of %d distributions: %s"
      % (len(imported), len(dists), " ".join(sorted(imported))))
if failed:
    sys.exit("import failed: " + "; ".join(failed))

# The ones the project shapes name, whatever top_level.txt says.
for mod in ("flask werkzeug jinja2 markupsafe click itsdangerous blinker flit_core.buildapi "
            "hatchling.build poetry.core.masonry.api uvicorn h11 starlette anyio fastapi pydantic "
            "django gunicorn whitenoise dj_database_url pytest pytest_django psycopg2 httpx").split():
    importlib.import_module(mod)

# Requirements Debian strips, back from its Depends.
want = {"django": "asgiref pytz sqlparse", "gunicorn": "setuptools", "pytest-django": "pytest",
        "pytest": "attrs iniconfig packaging pluggy", "flask": "werkzeug jinja2 itsdangerous click",
        "werkzeug": "markupsafe", "jinja2": "markupsafe", "uvicorn": "h11 click",
        "starlette": "anyio", "fastapi": "pydantic starlette", "httpx": "httpcore certifi"}
if sys.version_info >= (3, 13):   # trixie: Django 4.2, gunicorn 23, pytest 8, pydantic 2
    want.update(django="asgiref sqlparse", gunicorn="packaging",
                pytest="iniconfig packaging pluggy", pydantic="pydantic-core")
for name, reqs in want.items():
    have = {re.match(r"[A-Za-z0-9._-]+", r).group(0).lower().replace("_", "-")
            for r in md.requires(name) or [] if "extra ==" not in r}
    missing = set(reqs.split()) - have
    assert not missing, "%s lacks Requires-Dist %s" % (name, missing)
print("Requires-Dist restored: " + ", ".join(sorted(want)))

import markupsafe._speedups, psycopg2, pytz
print("markupsafe C speedups; psycopg2 %s on libpq %s; pytz Europe/Paris %s"
      % (psycopg2.__version__.split()[0], psycopg2.extensions.libpq_version(),
         pytz.timezone("Europe/Paris").zone))

import flask
app = flask.Flask("t")
app.get("/")(lambda: flask.render_template_string("<b>{{ x }}</b>", x="<&>"))
r = app.test_client().get("/")
assert r.status_code == 200 and r.data == b"<b>&lt;&amp;&gt;</b>", r.data
print("flask test client: 200", r.data.decode())

import fastapi, pydantic
from fastapi.testclient import TestClient
class Item(pydantic.BaseModel):
    name: str
    qty: int = 1
api = fastapi.FastAPI()
@api.post("/items")
def items(item: Item):
    return {"name": item.name, "qty": item.qty * 2}
with TestClient(api) as c:
    r = c.post("/items", json={"name": "a", "qty": 2})
    assert r.status_code == 200 and r.json() == {"name": "a", "qty": 4}, r.text
    assert c.post("/items", json={"qty": "x"}).status_code == 422
print("fastapi + pydantic via starlette TestClient (httpx): 200, 422")

import socket, uvicorn, httpx
async def asgi(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"uvicorn ok"})
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="warning"))
threading.Thread(target=server.run, daemon=True).start()
for _ in range(100):
    if server.started:
        break
    time.sleep(0.05)
r = httpx.get("http://127.0.0.1:%d/" % port)
server.should_exit = True
assert r.text == "uvicorn ok", r.text
print("uvicorn served one request (h11), read with httpx:", r.text)

import django
from django.conf import settings
settings.configure(INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth",
                                   "django.contrib.contenttypes", "django.contrib.sessions",
                                   "django.contrib.messages", "django.contrib.staticfiles"],
                   DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
                   TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                               "APP_DIRS": True, "OPTIONS": {"context_processors": [
                                   "django.contrib.auth.context_processors.auth",
                                   "django.contrib.messages.context_processors.messages",
                                   "django.template.context_processors.request"]}}],
                   MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                               "django.contrib.auth.middleware.AuthenticationMiddleware",
                               "django.contrib.messages.middleware.MessageMiddleware"],
                   STATIC_URL="/static/", SECRET_KEY="x", USE_TZ=True, TIME_ZONE="Europe/Paris")
django.setup()
from django.core.management import call_command
call_command("check", verbosity=0)
jq = pathlib.Path(django.__file__).parent / "contrib/admin/static/admin/js/vendor/jquery/jquery.js"
assert jq.is_file() and jq.stat().st_size > 50000, jq
print("django %s: system checks pass, admin jquery.js %d bytes" % (django.get_version(), jq.stat().st_size))
PY

mkdir -p /tmp/t && cat >/tmp/t/test_x.py <<'PY'
def test_settings(settings):
    settings.DEBUG = True
    from django.conf import settings as s
    assert s.DEBUG
PY
cat >/tmp/t/settings.py <<'PY'
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PY
(cd /tmp/t && PYTHONPATH=/tmp/t DJANGO_SETTINGS_MODULE=settings /venv/bin/pytest -q -p no:cacheprovider \
   | tail -n 1 | sed 's/^/pytest + pytest-django: /')
/venv/bin/gunicorn --version

echo "== build backends (pip wheel, offline) [${SECONDS}s]"
mk() { # dir pyproject package
  mkdir -p "$1/$3"
  printf '%s\n' "$2" >"$1/pyproject.toml"
  printf '"""Tiny test package."""\n__version__ = "0.1.0"\n' >"$1/$3/__init__.py"
}
mk /tmp/b/flit '[build-system]
requires = ["flit_core>=3.2,<4"]
build-backend = "flit_core.buildapi"
[project]
name = "tiny_flit"
version = "0.1.0"
description = "tiny"' tiny_flit
mk /tmp/b/hatch '[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
[project]
name = "tiny-hatch"
version = "0.1.0"' tiny_hatch
mk /tmp/b/poetry '[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
[tool.poetry]
name = "tiny-poetry"
version = "0.1.0"
description = "tiny"
authors = ["Nobody <nobody@example.invalid>"]' tiny_poetry
for isolation in --no-build-isolation ""; do
  for p in flit hatch poetry; do
    out=/tmp/wh/$p${isolation:+-noiso}
    $pip wheel -q --no-deps $isolation -w "$out" "/tmp/b/$p"
    echo "$p ${isolation:-(build isolation)}: $(cd "$out" && ls)"
  done
done
$pip install -q --no-deps /tmp/wh/*-noiso/*.whl
$py -c 'import tiny_flit, tiny_hatch, tiny_poetry; print("built wheels install and import:", tiny_flit.__name__, tiny_hatch.__name__, tiny_poetry.__name__)'
echo "== OK [${SECONDS}s]"
CONTAINER
echo "check_pyindex: OK ($((SECONDS - start))s)"
