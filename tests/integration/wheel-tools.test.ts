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
  const r = await inBuilder(
    `${setup} && sed -i 's/"wheel"]/"wheel", "no-such-backend>=1"]/' /tmp/src/pyproject.toml && PIP_NO_INDEX=1 python /work/build_wheel.py /tmp/src /tmp/out`,
  )
  assert.is(r.code, 1, r.output)
  assert.match(r.output, /error: cannot install no-such-backend>=1, the build requirements of \/tmp\/src, from the package index or pip\.findLinks: add a folder holding it to "pip\.findLinks"/)
  assert.not.match(r.output, /Traceback/, 'no traceback for a missing requirement')
})

tools('the frontend shows the backend\'s output only when the build fails', async () => {
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
  assert.match(r.output, /raw script\s+#!\/appenv\/bin\/python\s/, 'the #!python script runs with the environment\'s interpreter')
  assert.match(r.output, /\ndata\s/, 'package data is installed')
  assert.match(r.output, /Requires: sqlparse/, 'pip reads the metadata')
  assert.match(r.output, /Successfully uninstalled ew-pkg-1\.2\s+0\s*$/, 'pip uninstalls every file from our RECORD')
})

tools('install_wheels.py refuses a wheel whose file does not match its RECORD, and an installed distribution', async () => {
  const r = await inBuilder(
    `${setup}; python /work/build_wheel.py /tmp/src /tmp/w >/dev/null; W=/tmp/w/ew_pkg-1.2-py3-none-any.whl
     cp $W /tmp/bad.whl && cd /tmp && mkdir -p ewpkg && echo 'print("tampered")' > ewpkg/cli.py && python -c 'import zipfile; z = zipfile.ZipFile("/tmp/bad.whl", "a"); z.write("ewpkg/cli.py")' 2>/dev/null
     python /install_wheels.py /tmp/bad.whl; echo "tampered: $?"; ls /appenv/bin | grep -c ew-hello
     python /install_wheels.py $W >/dev/null; python /install_wheels.py $W; echo "again: $?"`,
  )
  assert.match(r.output, /does not match the wheel's RECORD \(a damaged or altered wheel\)\s+tampered: 1\s+0\s/, `refused before writing anything:\n${r.output}`)
  assert.match(r.output, /ew-pkg is installed already \(1\.2\)[^\n]*\s+again: 1/, r.output)
})

tools.run()
