"""Build-time steps of a Django release (the release Dockerfile runs `collectstatic`).

Settings often read the environment at import (SECRET_KEY, DATABASE_URL): BUILD_ENV (JSON, from
"release.env" in .pypackagerc.json) supplies placeholders, and a variable that is still missing
is named, with the key to set, instead of a traceback. A project without STATIC_ROOT gets the
tool's folder (DJANGO_STATIC_ROOT), which pypackage_serve.py serves at run time.
"""
import json
import os
import sys


def fail(message, hint):
    print("pypackage-tasks error: " + message)
    print("pypackage-tasks hint: " + hint)
    sys.exit(3)


def setup():
    for key, value in json.loads(os.environ.get("BUILD_ENV") or "{}").items():
        os.environ.setdefault(key, value)
    import django
    from django.core.exceptions import ImproperlyConfigured
    try:
        django.setup()
    except KeyError as e:
        fail("the settings (%s) read the environment variable %s, which is not set" % (os.environ["DJANGO_SETTINGS_MODULE"], e.args[0]),
             'give it a placeholder for build-time steps in .pypackagerc.json: "release": { "env": { "%s": "..." } }' % e.args[0])
    except ImproperlyConfigured as e:
        fail("the settings (%s) cannot load: %s" % (os.environ["DJANGO_SETTINGS_MODULE"], e),
             'if they need an environment variable, set it in .pypackagerc.json: "release": { "env": { ... } }')


def collectstatic():
    setup()
    from django.conf import settings
    from django.core.management import call_command
    if "django.contrib.staticfiles" not in settings.INSTALLED_APPS:
        return
    if not settings.STATIC_ROOT:
        settings.STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", "/app/static")
    call_command("collectstatic", interactive=False, verbosity=0)


if __name__ == "__main__":
    {"collectstatic": collectstatic}[sys.argv[1]]()
