import { PYPROJECT_PY } from './pep517-pyproject.js'
import { REQUIREMENTS_PY } from './pep517-requirements.js'

/**
 * A PEP 517 build frontend for the builder container, for `pip.buildIsolation: false`: the
 * backend named in pyproject.toml ([build-system] build-backend, backend-path; setuptools'
 * legacy backend when there is none) is imported and asked for one wheel, as `pip wheel
 * --no-deps --no-build-isolation` does, without pip's start-up (0.6 s → 0.2 s for the example
 * app, byte-identical wheel). Build requirements the builder lacks (flit_core, hatchling,
 * poetry-core…) are installed from the configured index / find-links first, offline too; one
 * that cannot be found is named instead of a traceback. A requirement counts as there only at a
 * version its specifier allows (setuptools>=70 with 66 installed is missing), and one whose
 * marker is false for this interpreter is not needed. It runs on Python 3.9+ (no tomllib before
 * 3.11: see pep517-pyproject.ts). The backend's own output is kept back and shown only when the
 * build fails.
 *
 * Usage: python build_wheel.py SRC OUT [NEW_DIR=OLD_WHEEL ...]
 *        python build_wheel.py --compare NEW_DIR=OLD_WHEEL ...
 * With NEW_DIR=OLD_WHEEL pairs it also compares Requires-Dist of the wheel in NEW_DIR with
 * OLD_WHEEL (all pairs) and creates /tmp/requires-unchanged when every pair declares the same:
 * then the dependency set cannot have changed, and the previous dependency wheels are reused.
 */
export const BUILD_WHEEL_PY =
  String.raw`
import importlib, os, re, sys, tempfile, traceback
` +
  PYPROJECT_PY +
  REQUIREMENTS_PY +
  String.raw`

def compare(pairs):
    import glob, zipfile
    def requires(path):
        with zipfile.ZipFile(path) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
            return sorted(l for l in z.read(meta).decode().splitlines() if l.startswith("Requires-Dist:"))
    if all(requires(glob.glob(new + "/*.whl")[0]) == requires(old) for new, old in (p.split("=") for p in pairs)):
        open("/tmp/requires-unchanged", "w").close()


def fail(message, log=None):
    if log:
        with open(log, errors="replace") as f:
            lines = f.read().splitlines()
        print("\n".join(lines[-40:]))
    print("error: " + message)
    sys.exit(1)


def describe(absent, installed):
    """The requirements, each with the version it found installed: setuptools>=70 (66.1.1 is installed)."""
    return ", ".join(text if have is None else "%s (%s)" % (text, installed % have) for text, have in absent)


def ensure(requirements, why, src):
    """Install the build requirements this builder lacks (absent, or at a version they exclude)
    from the configured index or find-links (PIP_* in the environment): the builder container is
    thrown away afterwards, and a project's backend (flit_core, hatchling, poetry-core) is never
    something to bake into the image."""
    try:
        absent = missing(requirements)
    except ValueError as e:
        fail("%s, %s of %s, is not a PEP 508 requirement: fix [build-system] requires in pyproject.toml" % (e, why, src))
    if not absent:
        return
    import subprocess
    wanted = [text for text, _ in absent]
    run = subprocess.run([sys.executable, "-m", "pip", "install", "-q"] + wanted, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if run.returncode != 0 or missing(wanted):
        print(run.stdout.rstrip())
        fail("cannot install %s, %s of %s, from the package index or pip.findLinks: add a folder "
             "holding %s to \"pip.findLinks\" (or set \"pip.indexUrl\") in .pypackagerc.json"
             % (describe(absent, "%s is installed"), why, src, "them" if len(absent) > 1 else "it"))
    print("installed build requirements: " + describe(absent, "replacing %s"))


def main(argv):
    if argv[0] == "--compare":
        compare(argv[1:])
        return
    src, out, pairs = os.path.abspath(argv[0]), os.path.abspath(argv[1]), argv[2:]
    # The script's folder is on sys.path; a backend must not import from there by accident.
    sys.path[:] = [p for p in sys.path if p not in ("", ".", os.path.dirname(os.path.abspath(__file__)))]
    os.chdir(src)
    system = {}
    if os.path.exists("pyproject.toml"):
        try:
            system = build_system("pyproject.toml")
        except ValueError as e:
            fail("%s/pyproject.toml is not valid TOML (%s): fix it" % (src, e))
        except NotATable as e:
            fail("%s/pyproject.toml: %s: write it as a [build-system] header with its keys "
                 "(requires, build-backend) under it" % (src, e))
    spec = system.get("build-backend", "setuptools.build_meta:__legacy__")
    for p in reversed(system.get("backend-path", [])):
        sys.path.insert(0, os.path.abspath(p))
    ensure(system.get("requires", ["setuptools>=40.8.0", "wheel"]), "the build requirements", src)

    module, _, attr = spec.partition(":")
    fd, log = tempfile.mkstemp(suffix=".log")
    os.close(fd)
    saved = os.dup(1), os.dup(2)
    absent, unknown = [], None
    with open(log, "w") as f:
        # The backend and the compilers it runs write to fds 1 and 2: keep it all back.
        sys.stdout.flush(); sys.stderr.flush()
        os.dup2(f.fileno(), 1); os.dup2(f.fileno(), 2)
        try:
            try:
                backend = importlib.import_module(module)
                for part in filter(None, attr.split(".")):
                    backend = getattr(backend, part)
            except (ImportError, AttributeError) as e:
                unknown = "%s (%s)" % (spec, e)
                raise
            dynamic = getattr(backend, "get_requires_for_build_wheel", lambda: [])()
            absent = missing(dynamic)
            os.makedirs(out, exist_ok=True)
            wheel = None if absent else backend.build_wheel(out)
            error = None
        except SystemExit as e:
            # setuptools ends a failed build (a compiler error, say) with SystemExit("error: …"):
            # its message, as Python would print it, not a traceback through setuptools.
            error = e.code if isinstance(e.code, str) else "exited with code %s" % e.code
        except BaseException:
            error = traceback.format_exc()
        finally:
            sys.stdout.flush(); sys.stderr.flush()
            os.dup2(saved[0], 1); os.dup2(saved[1], 2)
    if absent:
        # Asked for by the backend itself (setuptools: wheel): installed, then built in a fresh process.
        ensure([text for text, _ in absent], "needed by %s" % spec, src)
        os.execv(sys.executable, [sys.executable] + sys.argv)
    if unknown:
        fail("the build backend %s, named in %s, cannot be imported: check [build-system] build-backend "
             "and requires (e.g. setuptools.build_meta, flit_core.buildapi, hatchling.build, "
             "poetry.core.masonry.api)" % (unknown, "pyproject.toml" if system else "setup.py"))
    if error:
        print(error.rstrip(), file=open(log, "a"))
        fail("%s could not build a wheel of %s (its output is above)" % (spec, src), log)
    print("built %s (%s)" % (wheel, spec))
    os.unlink(log)
    if pairs:
        compare(pairs)


if __name__ == "__main__":
    main(sys.argv[1:])
`
