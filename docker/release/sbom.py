"""Write the image's software bill of materials as CycloneDX 1.5 JSON.

Usage: sbom.py MANIFEST_JSON OUT_JSON [--app WHEEL] [--site DIR]... [--dpkg-status FILE] [--os-release FILE]

Components: every Python distribution in the environment (MANIFEST_JSON, written by manifest.py,
gives the wheel and its sha256 for what pip installed from the wheelhouse; what the virtualenv
brought itself, pip, is listed without a hash), then every Debian package dpkg has installed.
--app names the app's own wheel (a file name in the manifest): it becomes metadata.component and
its component is of type application. No timestamp and no serial number: the same image contents
give the same bytes, so the file changes only when what it lists does.
"""
import argparse
import json
import os
import re
import sys
import sysconfig
from importlib import metadata
from urllib.parse import quote

SPEC = "1.5"


def normalize(name):
    """PEP 503: the name pip and the pypi purl type compare."""
    return re.sub(r"[-_.]+", "-", name).lower()


def purl_part(text):
    # packageurl-python's quoting: everything but unreserved characters, and ':' left as is.
    return quote(text, safe="").replace("%3A", ":")


def read_os_release(path):
    fields = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            key, sep, value = line.strip().partition("=")
            if sep:
                fields[key] = value.strip().strip("\"'")
    return fields


def read_dpkg_status(path):
    """The installed packages of a dpkg status file: paragraphs of `Field: value` lines."""
    packages, fields, last = [], {}, None
    for line in open(path, encoding="utf-8", errors="replace").read().splitlines() + [""]:
        if not line.strip():
            # Only "install ok installed": removed packages keep a paragraph (config-files, ...).
            if fields.get("Package") and fields.get("Status", "").split()[-1:] == ["installed"]:
                packages.append(fields)
            fields, last = {}, None
        elif line[0] in " \t":
            if last:
                fields[last] += "\n" + line.strip()
        else:
            last, _, value = line.partition(":")
            fields[last] = value.strip()
    return packages


def python_components(manifest, sites, app_wheel):
    installed = {}
    for dist in metadata.distributions(path=sites):
        name = dist.metadata["Name"]
        if name:
            installed.setdefault(normalize(name), (name, dist.version))
    wheels = {normalize(e["name"]): e for e in manifest}
    components = []
    for key in sorted(set(installed) | set(wheels)):
        entry = wheels.get(key)
        name, version = (entry["name"], entry["version"]) if entry else installed[key]
        purl = "pkg:pypi/%s@%s" % (purl_part(key), purl_part(version))
        component = {
            "type": "application" if entry and entry["wheel"] == app_wheel else "library",
            "bom-ref": purl,
            "name": name,
            "version": version,
            "purl": purl,
        }
        if entry:
            component["hashes"] = [{"alg": "SHA-256", "content": entry["sha256"]}]
            component["properties"] = [{"name": "pypackage-tasks:wheel", "value": entry["wheel"]}]
        components.append(component)
    return components


def deb_components(status, os_release):
    vendor = os_release.get("ID", "debian")
    # Debian testing has no VERSION_ID: its codename is the next best name for the release.
    release = os_release.get("VERSION_ID") or os_release.get("VERSION_CODENAME")
    components = []
    for p in sorted(read_dpkg_status(status), key=lambda p: (p["Package"], p.get("Architecture", ""))):
        qualifiers = []
        if p.get("Architecture"):
            qualifiers.append("arch=" + purl_part(p["Architecture"]))
        if release:
            qualifiers.append("distro=" + purl_part("%s-%s" % (vendor, release)))
        purl = "pkg:deb/%s/%s@%s" % (purl_part(vendor), purl_part(p["Package"]), purl_part(p.get("Version", "")))
        if qualifiers:
            purl += "?" + "&".join(qualifiers)
        components.append({"type": "library", "bom-ref": purl, "name": p["Package"], "version": p.get("Version", ""), "purl": purl})
    return components


def build_bom(manifest, sites, app_wheel, status, os_release):
    python = python_components(manifest, sites, app_wheel)
    bom = {
        "$schema": "http://cyclonedx.org/schema/bom-%s.schema.json" % SPEC,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC,
        "version": 1,
        "metadata": {"tools": {"components": [{"type": "application", "name": "pypackage-tasks"}]}},
        "components": python + deb_components(status, os_release),
    }
    app = next((c for c in python if c["type"] == "application"), None)
    if app:
        # No bom-ref: a bom-ref names one object, and the app's wheel is in components too.
        bom["metadata"]["component"] = {"type": "application", "name": app["name"], "version": app["version"], "purl": app["purl"]}
    return bom


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("manifest")
    parser.add_argument("out")
    parser.add_argument("--app", default="", help="the app's wheel file (default: none)")
    parser.add_argument("--site", action="append", help="where distributions are installed (default: this Python's purelib and platlib)")
    parser.add_argument("--dpkg-status", default="/var/lib/dpkg/status")
    parser.add_argument("--os-release", default="/etc/os-release")
    args = parser.parse_args(argv)
    manifest = json.load(open(args.manifest, encoding="utf-8"))
    if args.app and not any(e["wheel"] == args.app for e in manifest):
        sys.exit("sbom.py: the app's wheel %s is not in %s" % (args.app, args.manifest))
    paths = sysconfig.get_paths()
    sites = args.site or sorted({paths["purelib"], paths["platlib"]})
    bom = build_bom(manifest, sites, args.app, args.dpkg_status, read_os_release(args.os_release))
    with open(args.out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(bom, f, indent=2)
        f.write("\n")
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
