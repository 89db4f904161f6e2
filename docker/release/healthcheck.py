"""Container health: the WSGI server answers HTTP on $PORT (any status below 500 counts)."""
import os
import sys
import urllib.error
import urllib.request

url = "http://127.0.0.1:%s%s" % (os.environ.get("PORT", "8000"), os.environ.get("HEALTHCHECK_PATH", "/"))
try:
    urllib.request.urlopen(url, timeout=4)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code < 500 else 1)
except Exception:
    sys.exit(1)
