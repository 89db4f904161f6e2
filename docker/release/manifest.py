"""Record what pip installed from a folder of wheels: name, version, wheel file, sha256.

Usage: manifest.py WHEEL_DIR MANIFEST_JSON  (entries are merged into MANIFEST_JSON).
Each wheel must match an installed distribution of the same version, or this fails the build.
"""
import hashlib
import json
import os
import sys
from importlib import metadata

wheel_dir, out = sys.argv[1], sys.argv[2]
entries = json.load(open(out)) if os.path.exists(out) else []
for name in sorted(os.listdir(wheel_dir)):
    if not name.endswith(".whl"):
        continue
    dist, version = name.split("-")[:2]
    installed = metadata.version(dist.replace("_", "-"))
    if installed != version:
        sys.exit("%s: pip installed %s %s, not %s" % (name, dist, installed, version))
    with open(os.path.join(wheel_dir, name), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    entries = [e for e in entries if e["name"] != metadata.metadata(dist.replace("_", "-"))["Name"]]
    entries.append({"name": metadata.metadata(dist.replace("_", "-"))["Name"], "version": installed, "wheel": name, "sha256": digest})
with open(out, "w") as f:
    json.dump(sorted(entries, key=lambda e: e["name"].lower()), f, indent=2)
    f.write("\n")
