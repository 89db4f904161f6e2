import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BUILD_WHEEL_PY } from '../../lib/pipeline/pep517.js'
import { repoRoot, runCli } from '../helpers/cli.js'
import { docker, removeProject } from '../helpers/engine.js'
import { LABEL_PROJECT } from '../../lib/docker/labels.js'

// The two Python helpers the pipeline puts in containers, checked in a real builder image against
// pip itself: our PEP 517 frontend (builds the app's wheel without pip) and install_wheels.py
// (installs our wheels in the release image without pip).
// The builder comes from the tool, in a project of its own (BuildKit's cache makes it quick
// after the pipeline suite built the same Dockerfiles).
const ns = `pptestwt${process.pid}`
const builder = `${ns}/pollsite-builder:latest`
const work = mkdtempSync(path.join(os.tmpdir(), 'pptest-wheeltools-'))
writeFileSync(path.join(work, 'build_wheel.py'), BUILD_WHEEL_PY)
// craft.py OUT DIST TAG...: a minimal wheel whose WHEEL file lists TAGs (its name, and the version in it, are the caller's).
writeFileSync(
  path.join(work, 'craft.py'),
  [
    'import base64, hashlib, sys, zipfile',
    'out, dist, tags = sys.argv[1], sys.argv[2], sys.argv[3:]',
    'version = out.split("/")[-1].split("-")[1]',
    'info = "%s-%s.dist-info/" % (dist, version)',
    'files = {dist + "/__init__.py": b"X = 1\\n", info + "METADATA": ("Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (dist, version)).encode(),',
    '         info + "WHEEL": ("Wheel-Version: 1.0\\nRoot-Is-Purelib: false\\n" + "".join("Tag: %s\\n" % t for t in tags)).encode()}',
    'digest = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()',
    'with zipfile.ZipFile(out, "w") as z:',
    '    for n, b in files.items():',
    '        z.writestr(n, b)',
    '    z.writestr(info + "RECORD", "".join("%s,%s,%d\\n" % (n, digest(b), len(b)) for n, b in files.items()) + info + "RECORD,,\\n")',
    '',
  ].join('\n'),
)
const projectDir = mkdtempSync(path.join(os.tmpdir(), 'pptest-wheeltools-project-'))
for (const p of ['example', 'docker']) cpSync(path.join(repoRoot, p), path.join(projectDir, p), { recursive: true })
const config = JSON.parse(readFileSync(path.join(repoRoot, '.pypackagerc.json'), 'utf8'))
delete config.$schema
writeFileSync(path.join(projectDir, '.pypackagerc.json'), JSON.stringify({ ...config, namespace: ns, pip: { ...config.pip, findLinks: [path.join(repoRoot, '.cache/pyindex')] } }))

/** A package with what a wheel can carry: modules, package data, a console script, a #!python script. */
const files: Record<string, string> = {
  'pyproject.toml': [
    '[build-system]',
    'requires = ["setuptools>=61", "wheel"]',
    'build-backend = "setuptools.build_meta"',
    '[project]',
    'name = "ew-pkg"',
    'version = "1.2"',
    'dependencies = ["sqlparse"]',
    '[project.scripts]',
    'ew-hello = "ewpkg.cli:main"',
    '[tool.setuptools]',
    'script-files = ["bin/ew-raw"]',
    '[tool.setuptools.packages.find]',
    'where = ["src"]',
    '[tool.setuptools.package-data]',
    'ewpkg = ["data/*.txt"]',
    '',
  ].join('\n'),
  'bin/ew-raw': '#!python\nprint("raw script")\n',
  'src/ewpkg/__init__.py': '',
  'src/ewpkg/cli.py': 'def main():\n    print("hello from ew")\n    return 0\n',
  'src/ewpkg/data/a.txt': 'data\n',
}

/** The package's pyproject.toml with `extra` build requirements, at /work/<name>.toml in the container. */
function variant(name: string, extra: string[]): string {
  writeFileSync(path.join(work, `${name}.toml`), files['pyproject.toml'].replace('"wheel"]', ['"wheel"', ...extra.map((r) => JSON.stringify(r))].join(', ') + ']'))
  return `/work/${name}.toml`
}

/** Run a shell script in the builder with the work folder at /work (read-only) and the repo's release helpers. */
async function inBuilder(script: string): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({
    Image: builder,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [`. /appenv/bin/activate; ${script}`],
    Tty: true,
    Labels: { [LABEL_PROJECT]: 'tests' },
    HostConfig: { NetworkMode: 'none', Binds: [`${work}:/work:ro`, `${path.join(repoRoot, 'docker/release/install_wheels.py')}:/install_wheels.py:ro`] },
  })
  try {
    const wait = container.wait({ condition: 'next-exit' })
    await container.start()
    const { StatusCode } = await wait
    return { code: StatusCode, output: (await container.logs({ stdout: true, stderr: true })).toString() }
  } finally {
    await container.remove({ force: true })
  }
}

const setup = Object.entries(files)
  .map(([f, text]) => `mkdir -p /tmp/src/$(dirname ${f}) && printf '%s' '${text.replace(/'/g, `'\\''`)}' > /tmp/src/${f}`)
  .join(' && ')

const tools = suite('wheel tools in the builder image (real engine): PEP 517 frontend and install_wheels.py against pip')

tools.before(async () => {
  const r = await runCli(['image', 'docker/builder'], { cwd: projectDir })
  if (r.code !== 0) throw new Error(`building the builder failed:\n${r.stdout}\n${r.stderr}`)
})

tools.after(async () => {
  await removeProject(`${ns}/pollsite`)
  for (const d of [work, projectDir]) rmSync(d, { recursive: true, force: true })
})

tools('the frontend builds the same wheel as pip wheel --no-build-isolation, byte for byte', async () => {
  const r = await inBuilder(
    `set -e; export SOURCE_DATE_EPOCH=315532800; ${setup}; cp -a /tmp/src /tmp/src2
     python /work/build_wheel.py /tmp/src /tmp/ours
     pip wheel -q --no-deps --no-build-isolation --no-index -w /tmp/pips /tmp/src2
     cd /tmp/ours && sha256sum *.whl > /tmp/sums && cd /tmp/pips && sha256sum -c /tmp/sums && echo SAME`,
  )
  assert.is(r.code, 0, r.output)
  assert.match(r.output, /built ew_pkg-1\.2-py3-none-any\.whl \(setuptools\.build_meta\)/, 'the frontend names the wheel and the backend')
  assert.match(r.output, /ew_pkg-1\.2-py3-none-any\.whl: OK\s+SAME/, 'both wheels have the same sha256')
})

tools('the frontend installs missing build requirements from the index, and names one it cannot find', async () => {
  const r = await inBuilder(`${setup} && sed -i 's/"wheel"]/"wheel", "no-such-backend>=1"]/' /tmp/src/pyproject.toml && PIP_NO_INDEX=1 python /work/build_wheel.py /tmp/src /tmp/out`)
  assert.is(r.code, 1, r.output)
  assert.match(r.output, /error: cannot install no-such-backend>=1, the build requirements of \/tmp\/src, from the package index or pip\.findLinks: add a folder holding it to "pip\.findLinks"/)
  assert.not.match(r.output, /Traceback/, 'no traceback for a missing requirement')
})

tools("the frontend shows the backend's output only when the build fails", async () => {
  const r = await inBuilder(`${setup} && printf 'raise SystemExit("broken setup")\\n' > /tmp/src/setup.py && python /work/build_wheel.py /tmp/src /tmp/out`)
  assert.is(r.code, 1, r.output)
  assert.match(r.output, /broken setup/, "the backend's own message is shown")
  assert.match(r.output, /error: setuptools\.build_meta could not build a wheel of \/tmp\/src/)
})

tools('install_wheels.py installs what pip installs: same files and modes, working scripts, a RECORD pip can uninstall', async () => {
  const snap = `(cd /appenv && find . -path ./lib/python3.11/site-packages/pip -prune -o -newer /tmp/mark -type f -printf '%p %m\\n' | grep -v direct_url.json | sort)`
  const r = await inBuilder(
    `set -e; ${setup}; python /work/build_wheel.py /tmp/src /tmp/w >/dev/null; W=/tmp/w/ew_pkg-1.2-py3-none-any.whl
     touch /tmp/mark; sleep 1
     pip install -q --no-index --no-deps $W; ${snap} > /tmp/pip.txt; pip uninstall -q -y ew-pkg
     sleep 1; touch /tmp/mark; sleep 1
     python /install_wheels.py $W; ${snap} > /tmp/ours.txt
     diff /tmp/pip.txt /tmp/ours.txt && echo SAME-FILES
     ew-hello; ew-raw; head -1 /appenv/bin/ew-raw; python -c 'import importlib.resources as r; print(r.files("ewpkg").joinpath("data/a.txt").read_text().strip())'
     pip show ew-pkg | grep -i '^requires'
     pip uninstall -y ew-pkg | tail -1; ls /appenv/lib/python3.11/site-packages | grep -c ew || true`,
  )
  assert.is(r.code, 0, r.output)
  assert.match(r.output, /Installed ew_pkg-1\.2-py3-none-any\.whl \(\d+ files\)/)
  assert.match(r.output, /SAME-FILES/, 'the same files with the same modes as pip (direct_url.json aside)')
  assert.match(r.output, /hello from ew/, 'the console-script launcher runs')
  assert.match(r.output, /raw script\s+#!\/appenv\/bin\/python\s/, "the #!python script runs with the environment's interpreter")
  assert.match(r.output, /\ndata\s/, 'package data is installed')
  assert.match(r.output, /Requires: sqlparse/, 'pip reads the metadata')
  assert.match(r.output, /Successfully uninstalled ew-pkg-1\.2\s+0\s*$/, 'pip uninstalls every file from our RECORD')
})

tools('install_wheels.py refuses a wheel whose file does not match its RECORD, and an installed distribution', async () => {
  const r = await inBuilder(
    `${setup}; python /work/build_wheel.py /tmp/src /tmp/w >/dev/null; W=/tmp/w/ew_pkg-1.2-py3-none-any.whl
     mkdir /tmp/bad && B=/tmp/bad/$(basename $W) && cp $W $B && cd /tmp && mkdir -p ewpkg && echo 'print("tampered")' > ewpkg/cli.py && python -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "a"); z.write("ewpkg/cli.py")' $B 2>/dev/null
     python /install_wheels.py $B; echo "tampered: $?"; ls /appenv/bin | grep -c ew-hello
     python /install_wheels.py $W >/dev/null; python /install_wheels.py $W; echo "again: $?"`,
  )
  assert.match(r.output, /does not match the wheel's RECORD \(a damaged or altered wheel\)\s+tampered: 1\s+0\s/, `refused before writing anything:\n${r.output}`)
  assert.match(r.output, /ew-pkg is installed already \(1\.2\)[^\n]*\s+again: 1/, r.output)
})

tools("install_wheels.py accepts and refuses a wheel's tags as pip does, and refuses before writing anything", async () => {
  // Tags relative to the builder's own Python and machine: this CPython, the next one, glibc 2.17 and 2.99.
  const r = await inBuilder(
    `set -e; mkdir /tmp/t; cd /tmp/t
     CP=cp3$(python -c 'import sys; print(sys.version_info[1])'); NEXT=cp3$(python -c 'import sys; print(sys.version_info[1] + 1)'); A=$(uname -m)
     i=0
     for tag in py3-none-any py2.py3-none-any $CP-$CP-linux_$A $CP-$CP-manylinux_2_17_$A $CP-$CP-manylinux2014_$A cp37-abi3-manylinux1_$A \\
                $NEXT-$NEXT-manylinux_2_17_$A $NEXT-abi3-linux_$A $CP-$CP-manylinux_2_99_$A $CP-$CP-musllinux_1_2_$A $CP-$CP-win_amd64 py2-none-any; do
       i=$((i + 1)); W=tw$i-1.0-$tag.whl; python /work/craft.py $W tw$i $tag
       if pip install -q --dry-run --no-index --no-deps ./$W >/dev/null 2>&1; then P=yes; else P=no; fi
       if python /install_wheels.py ./$W >/dev/null 2>&1; then O=yes; else O=no; fi
       echo "verdict $tag pip=$P ours=$O"
     done
     python /work/craft.py good-1.0-py3-none-any.whl good py3-none-any
     python /work/craft.py bad-1.0-$NEXT-$NEXT-linux_$A.whl bad $NEXT-$NEXT-linux_$A
     python /install_wheels.py good-1.0-py3-none-any.whl bad-1.0-$NEXT-$NEXT-linux_$A.whl || echo "refused: $?"
     pip show -q good 2>/dev/null && echo GOOD-INSTALLED || echo GOOD-ABSENT`,
  )
  assert.is(r.code, 0, r.output)
  const verdicts = [...r.output.matchAll(/verdict (\S+) pip=(yes|no) ours=(yes|no)/g)]
  assert.is(verdicts.length, 12, `a verdict for every tag:\n${r.output}`)
  for (const [, tag, pip, ours] of verdicts) assert.is(ours, pip, `${tag}: install_wheels.py should decide as pip does (pip: ${pip}, ours: ${ours})`)
  assert.is(verdicts.filter((v) => v[2] === 'yes').length, 6, `six of the tags fit this Python:\n${r.output}`)
  assert.match(
    r.output,
    /install_wheels\.py: bad-1\.0-cp3\d+-cp3\d+-linux_\w+\.whl is built for cp3\d+-cp3\d+-linux_\w+, which this Python \(CPython 3\.\d+\.\d+ on linux_\w+, glibc 2\.\d+\) cannot load[^\n]*\s+refused: 1/,
    r.output,
  )
  assert.match(r.output, /GOOD-ABSENT/, 'the good wheel named first is not installed when a later one is refused')
})

tools('the frontend checks build requirements by version: setuptools>=70 with 66 installed is missing, named with its version', async () => {
  const toml = variant('too-old', ['setuptools>=70'])
  const r = await inBuilder(`${setup} && cp ${toml} /tmp/src/pyproject.toml && PIP_NO_INDEX=1 python /work/build_wheel.py /tmp/src /tmp/out; echo "exit $?"; ls /tmp/out 2>/dev/null | wc -l`)
  assert.match(r.output, /error: cannot install setuptools>=70 \(66\.1\.1 is installed\), the build requirements of \/tmp\/src, from the package index or pip\.findLinks/, r.output)
  assert.match(r.output, /exit 1\s+0\s*$/, `no wheel is built with the wrong setuptools:\n${r.output}`)
})

tools('the frontend upgrades a build requirement installed at too old a version, from find-links', async () => {
  const toml = variant('upgrade', ['ppt-helper>=2'])
  const r = await inBuilder(
    `set -e; ${setup}; mkdir -p /tmp/fl1 /tmp/fl2; python /work/craft.py /tmp/fl1/ppt_helper-1.0-py3-none-any.whl ppt_helper py3-none-any
     python /work/craft.py /tmp/fl2/ppt_helper-2.0-py3-none-any.whl ppt_helper py3-none-any
     pip install -q --no-index /tmp/fl1/ppt_helper-1.0-py3-none-any.whl; cp ${toml} /tmp/src/pyproject.toml
     PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/fl2 python /work/build_wheel.py /tmp/src /tmp/out; pip show ppt-helper | grep '^Version'`,
  )
  assert.is(r.code, 0, r.output)
  assert.match(r.output, /installed build requirements: ppt-helper>=2 \(replacing 1\.0\)/, r.output)
  assert.match(r.output, /built ew_pkg-1\.2-py3-none-any\.whl/)
  assert.match(r.output, /Version: 2\.0/)
})

tools("the frontend evaluates a build requirement's marker: needed when true here, skipped when false", async () => {
  const needed = variant('marker-true', ['no-such-backend>=1; python_version >= "3" and platform_machine != "no-such-machine"'])
  const skipped = variant('marker-false', ['no-such-backend>=1; python_version < "3"', 'other-missing; sys_platform == "win32"'])
  const r = await inBuilder(
    `${setup}; cp ${needed} /tmp/src/pyproject.toml; PIP_NO_INDEX=1 python /work/build_wheel.py /tmp/src /tmp/a; echo "needed: $?"
     cp ${skipped} /tmp/src/pyproject.toml; PIP_NO_INDEX=1 python /work/build_wheel.py /tmp/src /tmp/b; echo "skipped: $?"`,
  )
  assert.match(r.output, /error: cannot install no-such-backend>=1; python_version >= "3" and platform_machine != "no-such-machine", the build requirements[^\n]*\s+needed: 1/, r.output)
  assert.match(r.output, /built ew_pkg-1\.2-py3-none-any\.whl \(setuptools\.build_meta\)\s+skipped: 0/, r.output)
})

tools("without tomllib (as on Python < 3.11) the frontend builds the same wheel, reading pyproject.toml with pip's tomli or its own reader", async () => {
  const hide = `import runpy, sys; sys.modules["tomllib"] = None; sys.modules["tomli"] = None`
  const r = await inBuilder(
    `set -e; export SOURCE_DATE_EPOCH=315532800; ${setup}; cp -a /tmp/src /tmp/src2; cp -a /tmp/src /tmp/src3
     python /work/build_wheel.py /tmp/src /tmp/w1 >/dev/null
     python -c '${hide}; sys.argv = ["/work/build_wheel.py", "/tmp/src2", "/tmp/w2"]; runpy.run_path(sys.argv[0], run_name="__main__")'
     python -c '${hide}; ns = runpy.run_path("/work/build_wheel.py", run_name="reader"); print("pip reader:", ns["read_pip_tomli"](open("/tmp/src3/pyproject.toml").read()) == ns["read_minimal"](open("/tmp/src3/pyproject.toml").read()))'
     python -c '${hide}; ns = runpy.run_path("/work/build_wheel.py", run_name="reader"); ns["TOML_READERS"][:] = [ns["read_minimal"]]; sys.argv = ["/work/build_wheel.py", "/tmp/src3", "/tmp/w3"]; ns["main"](sys.argv[1:])'
     cd /tmp/w1 && sha256sum *.whl > /tmp/sums && cd /tmp/w2 && sha256sum -c /tmp/sums && cd /tmp/w3 && sha256sum -c /tmp/sums && echo SAME`,
  )
  assert.is(r.code, 0, r.output)
  assert.not.match(r.output, /ModuleNotFoundError|Traceback/, r.output)
  assert.match(r.output, /pip reader: True/, "pip's vendored tomli (in a child process) and the minimal reader agree")
  assert.match(r.output, /SAME/, 'the same wheel, byte for byte, from every reader')
})

tools("the frontend's version and marker checks decide as pip's own packaging does", async () => {
  // pip 23 vendors packaging 21.3; later packaging releases refined > and < for pre-, post- and
  // local releases of the specifier's own version (followed here): those pairs are left out.
  const versions = [
    '0.9',
    '1',
    '1.0',
    '1.0.1',
    '1.0a1',
    '1.0b2',
    '1.0rc1',
    '1.0.dev1',
    '1.0.post1',
    '1.0+local',
    '1.1',
    '1.4.5',
    '1.5',
    '2.0',
    '2.2.post3',
    '1!0.5',
    '66.1.1',
    '70.0.0',
    '3.11.2',
    'V1.0',
    '1.0-rc-2',
    '1.0.alpha1',
  ]
  const specs = [
    '==1.0',
    '!=1.0',
    '==1.0.*',
    '!=1.*',
    '~=1.0',
    '~=1.4.2',
    '~=2.2.post3',
    '>1.0',
    '>=1.0',
    '<1.0',
    '<=1.0',
    '<1.0rc2',
    '>=70',
    '<2',
    '>=1.0.dev0',
    '==1!0.5',
    '===1.0',
    '>=3.10',
    '~=3.9',
    '>=0.9,<2,!=1.5',
  ]
  const markers = [
    'python_version < "3.11"',
    'python_version >= "3.10"',
    '"3.9" < python_version',
    'python_full_version == "3.11.*"',
    'sys_platform == "linux" and platform_machine in "x86_64 aarch64"',
    'implementation_name == "pypy" or (os_name == "posix" and extra == "")',
    '"arm" not in platform_machine',
    'platform_python_implementation != "CPython"',
    'python_version ~= "3.8"',
  ]
  writeFileSync(path.join(work, 'pairs.json'), JSON.stringify({ versions, specs, markers }))
  const r = await inBuilder(
    `python -c '
import json, runpy, sys
from pip._vendor.packaging.specifiers import SpecifierSet
from pip._vendor.packaging.markers import Marker
ns = runpy.run_path("/work/build_wheel.py", run_name="checks")
t = json.load(open("/work/pairs.json"))
bad = ["%s %s: ours %s" % (v, s, ns["satisfies"](v, s)) for v in t["versions"] for s in t["specs"] if ns["satisfies"](v, s) != SpecifierSet(s).contains(v, prereleases=True)]
bad += ["%s: ours %s" % (m, ns["marker_true"](m, ns["marker_env"]())) for m in t["markers"] if ns["marker_true"](m, ns["marker_env"]()) != Marker(m).evaluate({"extra": ""})]
print("compared %d, differ %d: %s" % (len(t["versions"]) * len(t["specs"]) + len(t["markers"]), len(bad), bad))'`,
  )
  assert.is(r.code, 0, r.output)
  assert.match(r.output, /compared 449, differ 0:/, r.output)
})

tools.run()
