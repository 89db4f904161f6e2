import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { availablePythons, parsePythonVersionFile, parseRuntimeTxt, poetrySets, readRequiresPython, resolvePython, satisfies, type PythonProject } from '../../lib/python.js'
import { userError } from './helpers/catch.js'
import { config } from './helpers/config.js'
import { makeTemp, removeTemp, writeTree } from './helpers/tmp.js'

// lib/python.ts: which Python a release runs, from which file, on which OS image, and the errors.

// ---------------------------------------------------------------------------------------------
const PythonVersionFile = suite('parsePythonVersionFile: the first usable line of a pyenv .python-version')

for (const [text, want, why] of [
  ['3.13\n', '3.13', 'a major.minor'],
  ['3.13.1\n', '3.13.1', 'a full version'],
  ['# pinned for CI\n\n  3.12.4  # the server\n3.11\n', '3.12.4', 'comments, blank lines and spaces skipped; the first version wins'],
  ['system\npypy3.10-7.3.12\n3.11\n', '3.11', 'system and PyPy are not usable: the next line is'],
  ['3.13.0rc1\n', '3.13.0', 'a pre-release names its series'],
  ['cpython-3.13\n', '3.13', "uv's cpython- prefix"],
  ['3.13 3.12\n', '3.13', 'several on one line: the first'],
  ['myenv\n', undefined, 'a named virtualenv only: nothing usable'],
  ['', undefined, 'an empty file'],
] as const) {
  PythonVersionFile(`${why}: ${JSON.stringify(text)}`, () => {
    assert.is(parsePythonVersionFile(text), want, `${JSON.stringify(text)} should give ${String(want)}`)
  })
}

PythonVersionFile.run()

// ---------------------------------------------------------------------------------------------
const RuntimeTxt = suite("parseRuntimeTxt: Heroku's runtime.txt")

for (const [text, want] of [
  ['python-3.13.1\n', '3.13.1'],
  ['python-3.12', '3.12'],
  ['\n  python-3.11.9  \n', '3.11.9'],
  ['pypy3.10\n', undefined],
  ['3.13\n', undefined],
] as const) {
  RuntimeTxt(JSON.stringify(text), () => {
    assert.is(parseRuntimeTxt(text), want, `${JSON.stringify(text)} should give ${String(want)}`)
  })
}

RuntimeTxt.run()

// ---------------------------------------------------------------------------------------------
const Satisfies = suite('satisfies: a major.minor against PEP 440 specifiers (as its newest patch release)')

const CASES: [spec: string, yes: string[], no: string[]][] = [
  ['>=3.11', ['3.11', '3.13'], ['3.9', '3.10']],
  ['>=3.12,<3.14', ['3.12', '3.13'], ['3.11', '3.14']],
  ['>=3.12, <3.14', ['3.13'], ['3.11']],
  ['~=3.11', ['3.11', '3.13'], ['3.10']],
  ['~=3.11.0', ['3.11'], ['3.12', '3.10']],
  ['==3.12.*', ['3.12'], ['3.11', '3.13']],
  ['!=3.12.*', ['3.11', '3.13'], ['3.12']],
  ['<3.12', ['3.11'], ['3.12', '3.13']],
  ['<=3.12', ['3.11'], ['3.12']],
  ['>3.11', ['3.11', '3.12'], ['3.10']],
  ['>=3.11.4', ['3.11', '3.13'], ['3.10']],
  ['==3.11.4', ['3.11'], ['3.12']],
  ['!=3.11.4', ['3.11'], []],
  ['', ['3.11'], []],
]
for (const [spec, yes, no] of CASES) {
  Satisfies(JSON.stringify(spec), () => {
    for (const v of yes) assert.ok(satisfies(spec, v), `${v} should satisfy ${spec}`)
    for (const v of no) assert.not.ok(satisfies(spec, v), `${v} should not satisfy ${spec}`)
  })
}

Satisfies('an unreadable clause is an error naming it, with the form to use', () => {
  const e = userError(() => satisfies('python3', '3.11'), 'not a specifier')
  assert.match(e.message, /"python3" is not a Python version range/)
  assert.match(e.hint ?? '', />=3\.11,<3\.14/)
})

Satisfies.run()

// ---------------------------------------------------------------------------------------------
const PoetrySets = suite("poetrySets: poetry's python constraint as PEP 440 sets")

for (const [constraint, want] of [
  ['^3.11', ['>=3.11,<4']],
  ['~3.11', ['>=3.11,<3.12']],
  ['^0.2', ['>=0.2,<0.3']],
  ['>=3.11,<3.14', ['>=3.11,<3.14']],
  ['>= 3.11 < 3.14', ['>=3.11,<3.14']],
  ['3.11.*', ['==3.11.*']],
  ['3.12', ['==3.12']],
  ['>=3.8 || ^3.12', ['>=3.8', '>=3.12,<4']],
  ['*', ['']],
] as const) {
  PoetrySets(constraint, () => {
    assert.equal(poetrySets(constraint), want, `${constraint} should read as ${JSON.stringify(want)}`)
  })
}

PoetrySets.run()

// ---------------------------------------------------------------------------------------------
const ReadRequires = suite('readRequiresPython: [project], poetry, setup.cfg, setup.py')

let dir: string
ReadRequires.before.each(() => {
  dir = makeTemp('requires')
})
ReadRequires.after.each(() => removeTemp(dir))

ReadRequires('[project] requires-python first, over poetry in the same file', () => {
  writeTree(dir, { 'pyproject.toml': '[project]\nname = "a"\nrequires-python = ">=3.12"\n[tool.poetry.dependencies]\npython = "^3.9"\n' })
  assert.equal(readRequiresPython(dir), { file: 'pyproject.toml', value: '>=3.12', sets: ['>=3.12'] })
})

ReadRequires("poetry's python dependency", () => {
  writeTree(dir, { 'pyproject.toml': '[tool.poetry]\nname = "a"\n[tool.poetry.dependencies]\npython = "^3.11"\ndjango = "^4.2"\n' })
  assert.equal(readRequiresPython(dir), { file: 'pyproject.toml', value: '^3.11', sets: ['>=3.11,<4'] })
})

ReadRequires("setup.cfg's [options] python_requires", () => {
  writeTree(dir, { 'setup.cfg': '[metadata]\nname = a\n\n[options]\npackages = find:\npython_requires = >=3.12\n\n[options.extras_require]\ntest = pytest\n' })
  assert.equal(readRequiresPython(dir), { file: 'setup.cfg', value: '>=3.12', sets: ['>=3.12'] })
})

ReadRequires("setup.py's python_requires, when the pyproject has none", () => {
  writeTree(dir, { 'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\n', 'setup.py': 'setup(name="a", python_requires=">=3.11")\n' })
  assert.equal(readRequiresPython(dir), { file: 'setup.py', value: '>=3.11', sets: ['>=3.11'] })
})

ReadRequires('nothing declared: undefined (an unparsable pyproject too: the shape reports it)', () => {
  assert.is(readRequiresPython(dir), undefined)
  writeTree(dir, { 'pyproject.toml': '[project\n' })
  assert.is(readRequiresPython(dir), undefined)
})

ReadRequires.run()

// ---------------------------------------------------------------------------------------------
const Available = suite('availablePythons: the table and "pythonImages"')

Available('the built-in table: 3.11 on bookworm, 3.13 on trixie', () => {
  assert.equal(availablePythons(config()), { '3.11': { image: 'debian:bookworm-slim', from: 'built-in' }, '3.13': { image: 'debian:trixie-slim', from: 'built-in' } })
})

Available('"pythonImages" adds a version and replaces a built-in image', () => {
  const t = availablePythons(config({ pythonImages: { '3.12': 'ubuntu:24.04', '3.11': 'mirror.local/debian:bookworm-slim' } }))
  assert.equal(t['3.12'], { image: 'ubuntu:24.04', from: 'pythonImages' })
  assert.equal(t['3.11'], { image: 'mirror.local/debian:bookworm-slim', from: 'pythonImages' })
  assert.equal(t['3.13'], { image: 'debian:trixie-slim', from: 'built-in' })
})

Available('a key that is no major.minor, or an empty image: an error with the form', () => {
  for (const bad of [{ '3': 'x' }, { 'python3.12': 'x' }, { '3.12': ' ' }]) {
    const e = userError(() => availablePythons(config({ pythonImages: bad })), JSON.stringify(bad))
    assert.match(e.message, /"pythonImages" entry/)
    assert.match(e.hint ?? '', /"3\.12": "ubuntu:24\.04"/)
  }
})

Available.run()

// ---------------------------------------------------------------------------------------------
const Resolve = suite('resolvePython: the source, the precedence, the errors')

let root: string
Resolve.before.each(() => {
  root = makeTemp('python')
})
Resolve.after.each(() => removeTemp(root))

/** The project at `root` (source: `src` when given) with .pypackagerc.json holding `overrides`. */
const project = (overrides: Record<string, unknown> = {}, src = ''): PythonProject => ({ root, source: path.join(root, src), config: config(overrides) })
const pyproject = (requires: string) => `[project]\nname = "app"\nrequires-python = "${requires}"\n`

Resolve('nothing asked, nothing required: 3.11 on bookworm, the default', () => {
  assert.equal(resolvePython(project()), { version: '3.11', image: 'debian:bookworm-slim', imageFrom: 'built-in', from: { source: 'default' } })
})

Resolve('.python-version: its version, named with the file and the text', () => {
  writeTree(root, { '.python-version': '3.13.1\n' })
  assert.equal(resolvePython(project()), { version: '3.13', image: 'debian:trixie-slim', imageFrom: 'built-in', from: { source: '.python-version', file: '.python-version', value: '3.13.1' } })
})

Resolve('runtime.txt when there is no .python-version', () => {
  writeTree(root, { 'runtime.txt': 'python-3.13.1\n' })
  assert.equal(resolvePython(project()).from, { source: 'runtime.txt', file: 'runtime.txt', value: '3.13.1' })
})

Resolve('precedence: "python" over .python-version over runtime.txt over requires-python', () => {
  writeTree(root, { 'pyproject.toml': pyproject('>=3.11'), 'runtime.txt': 'python-3.11.9\n', '.python-version': '3.13\n' })
  assert.equal(resolvePython(project({ python: '3.11' })).from, { source: 'config', file: '.pypackagerc.json', value: '3.11' }, 'the config first')
  assert.is(resolvePython(project()).version, '3.13', '.python-version before runtime.txt')
  writeTree(root, { '.python-version': 'system\n' })
  assert.equal(resolvePython(project()).from, { source: 'runtime.txt', file: 'runtime.txt', value: '3.11.9' }, 'a .python-version with nothing usable says nothing')
})

Resolve('the source folder first, then the project root; the file named relative to the root', () => {
  writeTree(root, { '.python-version': '3.11\n', 'app/.python-version': '3.13\n' })
  assert.equal(resolvePython(project({}, 'app')).from, { source: '.python-version', file: 'app/.python-version', value: '3.13' })
  writeTree(root, { 'web/manage.py': '' })
  assert.equal(resolvePython(project({}, 'web')).from, { source: '.python-version', file: '.python-version', value: '3.11' }, 'the root when the source has none')
})

Resolve('requires-python that allows the default: the default, not the newest', () => {
  writeTree(root, { 'pyproject.toml': pyproject('>=3.9') })
  assert.equal(resolvePython(project()).from, { source: 'requires-python', file: 'pyproject.toml', value: '>=3.9', pick: 'default' })
  assert.is(resolvePython(project()).version, '3.11')
})

Resolve('requires-python that excludes the default: the newest available it allows', () => {
  for (const spec of ['>=3.12', '>=3.12,<3.14', '~=3.13', '==3.13.*']) {
    writeTree(root, { 'pyproject.toml': pyproject(spec) })
    const p = resolvePython(project())
    assert.is(p.version, '3.13', `${spec} should choose 3.13`)
    assert.equal(p.from, { source: 'requires-python', file: 'pyproject.toml', value: spec, pick: 'newest' })
  }
  writeTree(root, { 'pyproject.toml': pyproject('>=3.12,<3.14') })
  assert.is(resolvePython(project({ pythonImages: { '3.12': 'ubuntu:24.04' } })).version, '3.13', 'the newest of 3.12 and 3.13')
  assert.is(resolvePython(project({ pythonImages: { '3.12': 'ubuntu:24.04' } })).image, 'debian:trixie-slim')
  writeTree(root, { 'pyproject.toml': pyproject('>=3.12,<3.13') })
  assert.equal(resolvePython(project({ pythonImages: { '3.12': 'ubuntu:24.04' } })), {
    version: '3.12',
    image: 'ubuntu:24.04',
    imageFrom: 'pythonImages',
    from: { source: 'requires-python', file: 'pyproject.toml', value: '>=3.12,<3.13', pick: 'newest' },
  })
})

Resolve("poetry's ^3.12 and setup.cfg's python_requires choose too", () => {
  writeTree(root, { 'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.12"\n' })
  assert.is(resolvePython(project()).version, '3.13')
  removeTemp(root)
  writeTree(root, { 'setup.cfg': '[options]\npython_requires = >=3.13\n' })
  assert.equal(resolvePython(project()).from, { source: 'requires-python', file: 'setup.cfg', value: '>=3.13', pick: 'newest' })
})

Resolve('an unavailable version asked for (3.9): one error listing the available ones and how to add one', () => {
  writeTree(root, { '.python-version': '3.9.18\n' })
  const e = userError(() => resolvePython(project()), '3.9')
  assert.is(e.message, 'Python 3.9, asked for by .python-version ("3.9.18"), is not available: the tool has 3.11 (debian:bookworm-slim), 3.13 (debian:trixie-slim)')
  assert.is(e.hint, 'ask for one of those in .python-version, or add an OS image whose python3 is 3.9: "pythonImages": { "3.9": "<image>" } in .pypackagerc.json')
  const c = userError(() => resolvePython(project({ python: '3.12' })), 'config 3.12')
  assert.match(c.message, /^Python 3\.12, asked for by "python" in \.pypackagerc\.json \("3\.12"\), is not available/)
})

Resolve('a range no available Python satisfies (>=3.14): one error listing them and how to add one', () => {
  writeTree(root, { 'pyproject.toml': pyproject('>=3.14') })
  const e = userError(() => resolvePython(project()), '>=3.14')
  assert.is(e.message, 'no available Python satisfies requires-python ">=3.14" (pyproject.toml): the tool has 3.11 (debian:bookworm-slim), 3.13 (debian:trixie-slim)')
  assert.match(e.hint ?? '', /widen requires-python, or add an OS image .*"pythonImages"/)
})

Resolve('.python-version contradicting requires-python: an error naming both files and values', () => {
  writeTree(root, { '.python-version': '3.11\n', 'pyproject.toml': pyproject('>=3.12') })
  const e = userError(() => resolvePython(project()), 'contradiction')
  assert.is(e.message, '.python-version ("3.11") asks for Python 3.11, but requires-python in pyproject.toml (">=3.12") excludes it')
  assert.is(e.hint, 'make them agree: ask for 3.13 in .python-version, or change requires-python')
  const c = userError(() => resolvePython(project({ python: '3.11' })), 'config contradiction')
  assert.match(c.message, /^"python" in \.pypackagerc\.json \("3\.11"\) asks for Python 3\.11, but requires-python/)
})

Resolve('an unreadable requires-python is an error, not a silent default', () => {
  writeTree(root, { 'pyproject.toml': pyproject('python 3') })
  assert.match(userError(() => resolvePython(project()), 'bad spec').message, /not a Python version range/)
})

Resolve('"buildArgs.OS_IMAGE": still the default Python\'s image; for another Python it must agree', () => {
  const mirror = { buildArgs: { OS_IMAGE: 'mirror.local/debian:bookworm-slim' } }
  assert.equal(resolvePython(project(mirror)), { version: '3.11', image: 'mirror.local/debian:bookworm-slim', imageFrom: 'buildArgs.OS_IMAGE', from: { source: 'default' } })
  writeTree(root, { '.python-version': '3.13\n' })
  const e = userError(() => resolvePython(project(mirror)), 'disagree')
  assert.is(e.message, '.pypackagerc.json: "buildArgs.OS_IMAGE" (mirror.local/debian:bookworm-slim) and Python 3.13 disagree: 3.13 runs on debian:trixie-slim')
  assert.match(e.hint ?? '', /"pythonImages": \{ "3\.13": "mirror\.local\/debian:bookworm-slim" \} and remove "buildArgs\.OS_IMAGE"/)
  assert.is(resolvePython(project({ buildArgs: { OS_IMAGE: 'debian:trixie-slim' } })).image, 'debian:trixie-slim', 'agreeing is fine')
  removeTemp(root)
  const both = userError(() => resolvePython(project({ ...mirror, pythonImages: { '3.11': 'other:os' } })), 'both for 3.11')
  assert.match(both.message, /disagree: 3\.11 runs on other:os \("pythonImages"\)/)
})

Resolve.run()
