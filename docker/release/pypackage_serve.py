"""The app as gunicorn serves it (start.sh: `gunicorn pypackage_serve:wsgi`).

APP_TARGET names it, `module:callable` or `module:factory()` (Flask's create_app). A Django app
whose settings do not serve static files themselves (no WhiteNoise middleware) gets its
collected files answered at STATIC_URL from STATIC_ROOT (collectstatic ran at build time into
the same folder), so every Django project serves its CSS without configuring anything.
"""
import ast
import importlib
import mimetypes
import os
import sys
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


class StaticFiles:
    """GET/HEAD under `prefix` answered from files under `root`; everything else goes to the app."""

    def __init__(self, app, prefix, root):
        self.app, self.prefix, self.root = app, prefix, os.path.realpath(root)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and path.startswith(self.prefix):
            full = os.path.realpath(os.path.join(self.root, path[len(self.prefix):]))
            if full.startswith(self.root + os.sep) and os.path.isfile(full):
                return self.serve(full, environ, start_response)
        return self.app(environ, start_response)

    def serve(self, full, environ, start_response):
        stat = os.stat(full)
        kind, encoding = mimetypes.guess_type(full)
        headers = [("Content-Type", kind or "application/octet-stream"), ("Content-Length", str(stat.st_size)),
                   ("Last-Modified", formatdate(stat.st_mtime, usegmt=True)), ("Cache-Control", "public, max-age=3600")]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        start_response("200 OK", headers)
        if environ["REQUEST_METHOD"] == "HEAD":
            return [b""]
        f = open(full, "rb")
        wrapper = environ.get("wsgi.file_wrapper")
        return wrapper(f, 65536) if wrapper else iter(lambda: f.read(65536), b"")


def django_static(app):
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return app
    try:
        from django.conf import settings
        installed, middleware = settings.INSTALLED_APPS, settings.MIDDLEWARE
        url, root = settings.STATIC_URL or "", settings.STATIC_ROOT or DEFAULT_STATIC_ROOT
    except Exception:  # not a Django app after all, or its settings cannot load: the app reports it
        return app
    if "django.contrib.staticfiles" not in installed or any("whitenoise" in m.lower() for m in middleware):
        return app
    if "://" in url or url.startswith("//"):
        return app  # static files on a CDN: nothing to serve here
    prefix = "/" + url.lstrip("/")
    return StaticFiles(app, prefix if prefix.endswith("/") else prefix + "/", str(root))


target = os.environ.get("APP_TARGET")
if not target:
    sys.exit("pypackage-tasks: APP_TARGET is not set: the release image does not know which app to serve")
wsgi = django_static(load(target))
