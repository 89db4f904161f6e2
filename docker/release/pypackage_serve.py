"""The app as the server serves it: `gunicorn pypackage_serve:wsgi` (start.sh), `pypackage_serve:asgi`
with uvicorn workers, or in a Procfile command the tool rewrote (`uvicorn pypackage_serve:asgi …`).

APP_CALLABLE (a rewritten command's app), else APP_TARGET, names it: `module:callable` or
`module:factory()` (Flask's create_app). A Django app whose settings do not serve static files
themselves (no WhiteNoise middleware) gets its collected files answered at STATIC_URL from
STATIC_ROOT (collectstatic ran at build time into the same folder), so every Django project serves
its CSS without configuring anything, over WSGI and ASGI alike.
"""
import ast
import importlib
import mimetypes
import os
from email.utils import formatdate

DEFAULT_STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", "/app/static")


def load(target):
    """`pkg.mod:app`, `pkg.mod:make()`, `pkg.mod:make('prod')` (literal arguments only)."""
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    name, paren, args = (attr or "application").partition("(")
    for part in name.strip().split("."):
        obj = getattr(obj, part)
    if paren:
        parsed = ast.parse("f(" + args, mode="eval").body
        obj = obj(*[ast.literal_eval(a) for a in parsed.args], **{k.arg: ast.literal_eval(k.value) for k in parsed.keywords})
    return obj


class Files:
    """The files under `root`, answered for paths under `prefix`."""

    def __init__(self, prefix, root):
        self.prefix, self.root = prefix, os.path.realpath(root)

    def find(self, method, path):
        if method not in ("GET", "HEAD") or not path.startswith(self.prefix):
            return None
        full = os.path.realpath(os.path.join(self.root, path[len(self.prefix):]))
        return full if full.startswith(self.root + os.sep) and os.path.isfile(full) else None

    @staticmethod
    def headers(full):
        stat = os.stat(full)
        kind, encoding = mimetypes.guess_type(full)
        headers = [("Content-Type", kind or "application/octet-stream"), ("Content-Length", str(stat.st_size)),
                   ("Last-Modified", formatdate(stat.st_mtime, usegmt=True)), ("Cache-Control", "public, max-age=3600")]
        return headers + ([("Content-Encoding", encoding)] if encoding else [])


class StaticFiles:
    """WSGI: GET/HEAD of a file under the prefix answered from the folder; everything else goes to the app."""

    def __init__(self, app, files):
        self.app, self.files = app, files

    def __call__(self, environ, start_response):
        full = self.files.find(environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", ""))
        if not full:
            return self.app(environ, start_response)
        start_response("200 OK", Files.headers(full))
        if environ["REQUEST_METHOD"] == "HEAD":
            return [b""]
        f = open(full, "rb")
        wrapper = environ.get("wsgi.file_wrapper")
        return wrapper(f, 65536) if wrapper else iter(lambda: f.read(65536), b"")


class AsgiStaticFiles:
    """ASGI: the same, for HTTP requests; lifespan and websockets go to the app as they are."""

    def __init__(self, app, files):
        self.app, self.files = app, files

    async def __call__(self, scope, receive, send):
        full = self.files.find(scope.get("method"), scope.get("path", "")) if scope["type"] == "http" else None
        if not full:
            return await self.app(scope, receive, send)
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in Files.headers(full)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if scope["method"] == "GET":
            with open(full, "rb") as f:
                for chunk in iter(lambda: f.read(65536), b""):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def django_files():
    """The static files to serve in front of a Django app, or None (not Django, WhiteNoise, a CDN)."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return None
    try:
        from django.conf import settings
        installed, middleware = settings.INSTALLED_APPS, settings.MIDDLEWARE
        url, root = settings.STATIC_URL or "", settings.STATIC_ROOT or DEFAULT_STATIC_ROOT
    except Exception:  # not a Django app after all, or its settings cannot load: the app reports it
        return None
    if "django.contrib.staticfiles" not in installed or any("whitenoise" in m.lower() for m in middleware):
        return None
    if "://" in url or url.startswith("//"):
        return None  # static files on a CDN: nothing to serve here
    prefix = "/" + url.lstrip("/")
    return Files(prefix if prefix.endswith("/") else prefix + "/", str(root))


_loaded = {}


def __getattr__(name):
    """`wsgi` and `asgi`, made when the server asks for one (PEP 562): the app is loaded then."""
    if name not in ("wsgi", "asgi"):
        raise AttributeError(name)
    if name not in _loaded:
        target = os.environ.get("APP_CALLABLE") or os.environ.get("APP_TARGET")
        if not target:
            raise RuntimeError("pypackage-tasks: APP_TARGET is not set: the release image does not know which app to serve")
        try:
            app = load(target)
        except AttributeError as e:  # the server would report it as pypackage_serve lacking `wsgi`
            raise RuntimeError("pypackage-tasks: cannot load %s: %s" % (target, e)) from e
        files = django_files()
        _loaded[name] = app if files is None else (StaticFiles if name == "wsgi" else AsgiStaticFiles)(app, files)
    return _loaded[name]
