import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BUILD_WHEEL_PY } from '../../lib/pipeline/pep517.js'

// The PEP 517 frontend (BUILD_WHEEL_PY) run by the host's python3 in a venv without pip, on a
// project whose backend is in-tree (backend-path), so no setuptools is needed: build
// requirements checked by version and marker, and pyproject.toml read without tomllib (as on
// Python < 3.11). In the builder image, against pip itself: tests/integration/wheel-tools.test.ts.
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-pep517-'))
const script = path.join(dir, 'build_wheel.py')
writeFileSync(script, BUILD_WHEEL_PY)
const venv = path.join(dir, 'venv')
const made = spawnSync('python3', ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' })
if (made.status !== 0) throw new Error(`python3 -m venv failed: ${made.stderr}`)
const python = path.join(venv, 'bin/python')
const minor = spawnSync(python, ['-c', 'import sys; print(sys.version_info[1])'], { encoding: 'utf8' }).stdout.trim()
// An installed distribution, as importlib.metadata finds it: ppt-dep 1.0.
const site = path.join(venv, 'lib', `python3.${minor}`, 'site-packages')
mkdirSync(path.join(site, 'ppt_dep-1.0.dist-info'))
writeFileSync(path.join(site, 'ppt_dep-1.0.dist-info/METADATA'), 'Metadata-Version: 2.1\nName: ppt-dep\nVersion: 1.0\n')

/** An in-tree backend that writes a minimal wheel with zipfile. */
const BACKEND = `
import os, zipfile
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "ppt_app-1.0-py3-none-any.whl"
    os.makedirs(wheel_directory, exist_ok=True)
    with zipfile.ZipFile(wheel_directory + "/" + name, "w") as z:
        z.writestr("ppt_app-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: ppt-app\\nVersion: 1.0\\n")
    return name
`

let n = 0
function project(pyproject: string): string {
  const src = path.join(dir, `src${++n}`)
  mkdirSync(src)
  writeFileSync(path.join(src, 'pyproject.toml'), pyproject)
  writeFileSync(path.join(src, 'backend.py'), BACKEND)
  return src
}

const pyprojectWith = (requires: string[]) =>
  [
    '[project]',
    'name = "ppt-app"',
    '',
    '[build-system]',
    '# a comment, and a multi-line array',
    'requires = [',
    ...requires.map((r) => `  ${JSON.stringify(r)},  # why`),
    ']',
    "build-backend = 'backend'",
    'backend-path = ["."]',
    '',
  ].join('\n')

/** Run the frontend with `python -c <prelude>` then the script as __main__ (the prelude can hide modules). */
function build(src: string, prelude = '', interpreter = python): { code: number | null; output: string } {
  const runner = `import runpy, sys\n${prelude}\nsys.argv = [${JSON.stringify(script)}, ${JSON.stringify(src)}, ${JSON.stringify(path.join(src, 'out'))}]\nrunpy.run_path(sys.argv[0], run_name="__main__")`
  const r = spawnSync(interpreter, ['-c', runner], { encoding: 'utf8', env: { ...process.env, PIP_NO_INDEX: '1' } })
  return { code: r.status, output: r.stdout + r.stderr }
}

/** Call a function of the script (loaded as a module, its __main__ part not run) on JSON arguments. */
function call(fn: string, args: unknown[][], prelude = ''): unknown[] {
  const runner = `import json, runpy, sys\n${prelude}\nns = runpy.run_path(${JSON.stringify(script)}, run_name="build_wheel")\nprint(json.dumps([ns[${JSON.stringify(fn)}](*a) for a in json.load(sys.stdin)]))`
  const r = spawnSync(python, ['-c', runner], { encoding: 'utf8', input: JSON.stringify(args) })
  if (r.status !== 0) throw new Error(`${fn} failed:\n${r.stderr}`)
  return JSON.parse(r.stdout) as unknown[]
}

const HIDE_TOML = 'sys.modules["tomllib"] = None; sys.modules["tomli"] = None  # as on Python < 3.11 without tomli'

// ---------------------------------------------------------------------------------------------
const Requirements = suite('the frontend: build requirements checked by version and marker')

const requirementCases: { name: string; requires: string[]; missing?: RegExp }[] = [
  { name: 'none', requires: [] },
  { name: 'installed at a version the specifier allows', requires: ['ppt-dep>=1', 'ppt_dep (>=0.9, <2)', 'PPT.Dep==1.*', 'ppt-dep~=1.0', 'ppt-dep!=1.0.1'] },
  { name: 'installed, but older than required', requires: ['ppt-dep>=2'], missing: /cannot install ppt-dep>=2 \(1\.0 is installed\), the build requirements of / },
  { name: 'installed, but excluded', requires: ['ppt-dep!=1.0'], missing: /cannot install ppt-dep!=1\.0 \(1\.0 is installed\)/ },
  { name: 'absent, with a marker false here', requires: ['ppt-absent; python_version < "3"', 'ppt-absent2 ; implementation_name == "pypy" or sys_platform == "win32"'] },
  {
    name: 'absent, with a marker true here',
    requires: ['ppt-absent>=1; python_version >= "3" and sys_platform == "linux"'],
    missing: /cannot install ppt-absent>=1; python_version >= "3" and sys_platform == "linux", the build requirements/,
  },
]
for (const c of requirementCases) {
  Requirements(`${c.name}: ${c.missing ? 'named as missing' : 'builds'}`, () => {
    const r = build(project(pyprojectWith(c.requires)))
    if (!c.missing) {
      assert.is(r.code, 0, `should build:\n${r.output}`)
      assert.match(r.output, /built ppt_app-1\.0-py3-none-any\.whl \(backend\)/)
    } else {
      assert.is(r.code, 1, `should stop:\n${r.output}`)
      assert.match(r.output, c.missing, r.output)
      assert.not.match(r.output, /Traceback/, 'no traceback')
    }
  })
}

Requirements.run()

// ---------------------------------------------------------------------------------------------
const Toml = suite('the frontend reads pyproject.toml without tomllib (Python < 3.11)')

Toml('the script is Python 3.9 syntax (the oldest a base image may carry)', () => {
  const r = spawnSync(python, ['-c', `import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 9)); print("ok")`, script], { encoding: 'utf8' })
  assert.is(r.stdout.trim(), 'ok', r.stderr)
})

Toml('builds with tomllib and tomli unimportable, and no pip to borrow tomli from', () => {
  const r = build(project(pyprojectWith(['ppt-dep>=1'])), HIDE_TOML)
  assert.is(r.code, 0, r.output)
  assert.match(r.output, /built ppt_app-1\.0-py3-none-any\.whl \(backend\)/)
})

Toml('an invalid pyproject.toml is named, not a traceback', () => {
  for (const prelude of ['', HIDE_TOML]) {
    const r = build(project('[build-system]\nrequires = ["a",\n'), prelude)
    assert.is(r.code, 1, r.output)
    assert.match(r.output, /error: .*pyproject\.toml is not valid TOML/, r.output)
    assert.not.match(r.output, /Traceback/, r.output)
  }
})

Toml('a [build-system] that is not a table is named, not a traceback and not the defaults', () => {
  for (const text of ['[[build-system]]\nrequires = ["x"]\n', 'build-system = "x"\n']) {
    for (const prelude of ['', HIDE_TOML]) {
      const r = build(project(text), prelude)
      assert.is(r.code, 1, r.output)
      assert.match(r.output, /^error: .*\/pyproject\.toml: \[build-system\] must be a table/m, `${prelude || 'tomllib'}:\n${r.output}`)
      assert.not.match(r.output, /Traceback|built /, r.output)
    }
  }
})

/** pyproject.toml texts whose [build-system] the fallback reader must read as tomllib does. */
const tomlCases: [string, string][] = [
  ['the usual table', '[build-system]\nrequires = ["setuptools>=61", "wheel"]\nbuild-backend = "setuptools.build_meta"\n'],
  [
    'multi-line arrays, comments, trailing commas, literal strings',
    "[build-system] # the frontend's\nrequires = [ # first\n  'flit_core >=3.2,<4',\n\n  \"wheel\",  # second\n]\nbuild-backend = 'flit_core.buildapi'\nbackend-path = ['.', \"src\"]\n",
  ],
  ['escapes in basic strings', '[build-system]\nrequires = ["a; python_version < \\"3.11\\"", "b\\u0041"]\n'],
  ['a spaced and quoted header, quoted keys', '[ "build-system" ]\n"requires" = ["x"]\n\'build-backend\' = "y"\n'],
  ['dotted keys at the root', 'build-system.requires = ["x"]\nbuild-system.build-backend = "y"\n[project]\nname = "p"\n'],
  ['an inline table at the root', 'build-system = { requires = ["x"], build-backend = "y" }\n'],
  [
    'other tables with what could fool a line reader',
    '[project]\nname = "p"\ndescription = """\n[build-system]\nrequires = ["evil"]\n"""\nkeywords = [\n  "a]", \'b\',\n]\nauthors = [{ name = "x", email = "y" }]\nversion = "1"\nreadme = \'\'\'\nliteral [x]\n\'\'\'\n[tool.x]\ndate = 1979-05-27 07:32:00Z\nn = 1_000\nok = true\nf = -1.5e3\n[build-system]\nrequires = ["real"]\n[[tool.y]]\na = 1\n',
  ],
  ['no [build-system] at all', '[project]\nname = "p"\n'],
  ['an array of tables named build-system (not a table)', '[[build-system]]\nrequires = ["x"]\n[[build-system]]\nrequires = ["y"]\n'],
  ['a build-system that is a string (not a table)', 'build-system = "x"\n'],
]
Toml('the fallback reader reads [build-system] as tomllib does', () => {
  const ours = call(
    'read_minimal',
    tomlCases.map(([, text]) => [text]),
  )
  const want = call(
    'read_tomllib',
    tomlCases.map(([, text]) => [text]),
  )
  tomlCases.forEach(([name, text], i) => assert.equal(ours[i], want[i], `${name}:\n${text}`))
})

const invalid = ['[build-system]\nrequires = ["a",\n', '[build-system\nrequires = []\n', '[build-system]\nrequires = "open\n', '[build-system]\nrequires = [] x\n']
Toml('the fallback reader refuses what tomllib refuses', () => {
  const ours = call(
    'read_or_error',
    invalid.map((t) => ['read_minimal', t]),
  )
  invalid.forEach((text, i) => assert.match(String(ours[i]), /^ValueError/, `${JSON.stringify(text)} should be refused: ${JSON.stringify(ours[i])}`))
})

Toml.run()

// ---------------------------------------------------------------------------------------------
const Versions = suite('satisfies: PEP 440 specifiers against an installed version')

const versionCases: [string, string, boolean][] = [
  ['66.1.1', '>=70', false],
  ['70.0.0', '>=70', true],
  ['1.0', '==1', true], // trailing zeros do not count
  ['1.0.0', '==1.0', true],
  ['1.0+local', '==1.0', true], // a local label matches the public version
  ['1.0+local', '==1.0+other', false],
  ['1.0', '==1.0+local', false],
  ['1.0.post1', '==1.0', false],
  ['1.1', '==1.*', true],
  ['1.0rc1', '==1.0.*', true],
  ['2.0', '==1.*', false],
  ['1', '==1.0.*', true],
  ['1.5', '!=1.*', false],
  ['1.4.5', '~=1.4.2', true],
  ['1.5.0', '~=1.4.2', false],
  ['1.9', '~=1.4', true],
  ['2.0', '~=1.4', false],
  ['2.2.post3', '~=2.2.post3', true],
  ['2.3', '~=2.2.post3', true],
  ['1.0', '>1.0', false],
  ['1.0.post1', '>1.0', false], // > excludes post-releases of the same version
  ['1.0.post1', '>1.0.post0', true],
  ['1.0+local', '>1.0', false],
  ['1.1.dev1', '>1.0', true],
  ['1.0rc1', '<1.0', false], // < excludes pre-releases of the same version
  ['0.9', '<1.0', true],
  ['1.0rc1', '<1.0rc2', true],
  ['1.0a1', '<1.0b1', true],
  ['1.0.dev1', '<1.0a1', true], // dev before pre
  ['1.0.dev1', '>=1.0', false],
  ['1.0rc1', '>=1.0b2', true], // an installed pre-release is accepted when it is in range
  ['1.0', '<=1.0', true],
  ['1.0+x', '<=1.0', true],
  ['1!0.5', '>=2.0', true], // epochs first
  ['1.0', '>=0.9,<2,!=1.5', true],
  ['1.5', '>=0.9,<2,!=1.5', false],
  ['1.0', '', true],
  ['1.0.0-1', '>1.0', false], // 1.0.0-1 is 1.0.0.post1: a post-release of 1.0 itself
  ['1.0.0-1', '>=1.0.0', true],
  ['1.0-debian', '>=0', false], // not a PEP 440 version: never satisfies a specifier
  ['1.0-debian', '===1.0-debian', true],
  ['V1.0', '==1.0', true],
  ['1.0.0a.1', '==1.0a1', true], // normalised spellings
  ['1.0-rc-2', '==1.0rc2', true],
  ['1.0.alpha1', '==1.0a1', true],
  ['1.0.post', '==1.0.post0', true],
]
Versions('every case as PEP 440 says', () => {
  const got = call(
    'satisfies',
    versionCases.map(([v, s]) => [v, s]),
  )
  versionCases.forEach(([v, s, want], i) => assert.is(got[i], want, `${v} against "${s}" should be ${want}`))
})

Versions.run()

// ---------------------------------------------------------------------------------------------
const Markers = suite('marker_true: PEP 508 markers for the running interpreter')

Markers.after(() => rmSync(dir, { recursive: true, force: true }))

const env = {
  python_version: '3.9',
  python_full_version: '3.9.18',
  sys_platform: 'linux',
  platform_machine: 'x86_64',
  implementation_name: 'cpython',
  os_name: 'posix',
  platform_system: 'Linux',
  platform_python_implementation: 'CPython',
  implementation_version: '3.9.18',
  platform_release: '6.1.0-18-amd64',
  platform_version: '#1 SMP',
  extra: '',
}
const markerCases: [string, boolean][] = [
  ['python_version < "3.11"', true],
  ['python_version >= "3.10"', false], // by version: "3.9" < "3.10", not as strings
  ["python_version > '3.8' and sys_platform == 'linux'", true],
  ['"3.11" > python_version', true],
  ['python_full_version == "3.9.*"', true],
  ['sys_platform == "win32" or (platform_machine == "x86_64" and implementation_name == "cpython")', true],
  ['sys_platform == "win32" or platform_machine == "aarch64"', false],
  ['platform_machine in "x86_64 amd64"', true],
  ['"arm" not in platform_machine', true],
  ['implementation_name != "pypy"', true],
  ['os.name == "posix" and platform.python_implementation == "CPython"', true], // legacy names
  ['extra == "test"', false],
  ['platform_release >= "6"', true], // not a version: compared as strings
]
Markers('every case for a Python 3.9 on Linux x86_64', () => {
  const got = call(
    'marker_true',
    markerCases.map(([m]) => [m, env]),
  )
  markerCases.forEach(([m, want], i) => assert.is(got[i], want, `${m} should be ${want}`))
})

Markers.run()
