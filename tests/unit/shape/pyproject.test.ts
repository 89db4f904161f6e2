import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { dependencyGroups, parsePyproject, readPyproject, requirementName, type Pyproject } from '../../../lib/shape/pyproject.js'
import { userError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const toml = (...l: string[]) => l.join('\n') + '\n'

// ---------------------------------------------------------------------------------------------
const ParsePyproject = suite('parsePyproject')

/** The parts a case checks; keys left out are not compared. */
type Want = Partial<Pyproject>

const documents: { name: string; text: string; want: Want }[] = [
  {
    name: '[project] name, version and dependencies (a setuptools package)',
    text: toml(
      '[build-system]',
      'requires = ["setuptools>=61"]',
      'build-backend = "setuptools.build_meta"',
      '',
      '[project]',
      'name = "pollsite"',
      'version = "1.4.0"',
      'dependencies = ["Django>=4.2,<5", "psycopg[binary]>=3.1"]',
      '',
      '[project.optional-dependencies]',
      'test = ["pytest>=8", "pytest-django"]',
    ),
    want: {
      name: 'pollsite',
      version: '1.4.0',
      backend: 'setuptools.build_meta',
      hasBuildSystem: true,
      hasProjectTable: true,
      isPoetry: false,
      dependencies: ['Django>=4.2,<5', 'psycopg[binary]>=3.1'],
      extras: { test: ['pytest>=8', 'pytest-django'] },
    },
  },
  {
    name: '[tool.poetry] name, version and dependencies, without the python key',
    text: toml(
      '[tool.poetry]',
      'name = "shop"',
      'version = "0.3.1"',
      'description = ""',
      '',
      '[tool.poetry.dependencies]',
      'python = "^3.11"',
      'Flask = "^3.0"',
      'SQLAlchemy = { version = "^2.0", extras = ["asyncio"] }',
      '',
      '[build-system]',
      'requires = ["poetry-core>=1.0.0"]',
      'build-backend = "poetry.core.masonry.api"',
    ),
    want: { name: 'shop', version: '0.3.1', backend: 'poetry.core.masonry.api', isPoetry: true, hasProjectTable: false, dependencies: ['Flask', 'SQLAlchemy'] },
  },
  {
    name: 'poetry groups, with the old dev-dependencies merged into dev',
    text: toml(
      '[tool.poetry]',
      'name = "shop"',
      'version = "0.3.1"',
      '',
      '[tool.poetry.dependencies]',
      'python = ">=3.10,<4"',
      'flask = "^3.0"',
      '',
      '[tool.poetry.dev-dependencies]',
      'black = "^24.1"',
      '',
      '[tool.poetry.group.dev.dependencies]',
      'ruff = "^0.4"',
      '',
      '[tool.poetry.group.test.dependencies]',
      'pytest = "^8.0"',
      'pytest-flask = "*"',
    ),
    want: { poetryGroups: { dev: ['ruff', 'black'], test: ['pytest', 'pytest-flask'] }, dependencies: ['flask'] },
  },
  {
    name: 'dynamic dependencies are unknown until built: undefined, not []',
    text: toml('[project]', 'name = "dyn"', 'dynamic = ["version", "dependencies"]', '', '[tool.setuptools.dynamic]', 'dependencies = { file = ["requirements.txt"] }'),
    want: { name: 'dyn', version: undefined, dependencies: undefined, hasProjectTable: true },
  },
  {
    name: 'only a dynamic version keeps the dependencies',
    text: toml('[project]', 'name = "dynver"', 'dynamic = ["version"]', 'dependencies = ["requests"]'),
    want: { version: undefined, dependencies: ['requests'] },
  },
  {
    name: 'neither [project] nor [tool.poetry] (a tool-config-only pyproject)',
    text: toml('[tool.black]', 'line-length = 100', '', '[tool.ruff]', 'select = ["E", "F"]'),
    want: { name: undefined, version: undefined, dependencies: undefined, hasProjectTable: false, isPoetry: false, hasBuildSystem: false, backend: undefined },
  },
  {
    name: 'dotted keys at the top level',
    text: toml('project.name = "dotted"', 'project.version = "2.0"', 'project.dependencies = ["requests>=2.31"]'),
    want: { name: 'dotted', version: '2.0', dependencies: ['requests>=2.31'], hasProjectTable: true },
  },
  {
    name: 'a [ project ] header with spaces inside the brackets',
    text: toml('[ project ]', 'name = "spaced"', 'version = "0.1"', '', '[ build-system ]', 'requires = ["hatchling"]', 'build-backend = "hatchling.build"'),
    want: { name: 'spaced', version: '0.1', backend: 'hatchling.build' },
  },
  {
    name: 'escaped quotes in a marker, and a literal string',
    text: toml('[project]', 'name = "markers"', 'dependencies = ["tomli; python_version < \\"3.11\\"", \'colorama; sys_platform == "win32"\']'),
    want: { dependencies: ['tomli; python_version < "3.11"', 'colorama; sys_platform == "win32"'] },
  },
  {
    name: 'a multi-line array with comments and a trailing comma',
    text: toml('[project]', 'name = "commented"', 'dependencies = [', '    "django>=4.2",  # the web framework', '    # "celery>=5",  not yet', '    "whitenoise",', ']'),
    want: { dependencies: ['django>=4.2', 'whitenoise'] },
  },
  {
    name: 'CRLF line endings',
    text: ['[project]', 'name = "windows"', 'version = "1.0"', 'dependencies = [', '  "flask",', ']', ''].join('\r\n'),
    want: { name: 'windows', version: '1.0', dependencies: ['flask'] },
  },
  {
    name: 'a [build-system] without build-backend (setuptools legacy)',
    text: toml('[build-system]', 'requires = ["setuptools", "wheel"]'),
    want: { hasBuildSystem: true, backend: undefined, hasProjectTable: false },
  },
  {
    name: '[tool.pytest.ini_options] marks pytest as configured',
    text: toml('[project]', 'name = "p"', '', '[tool.pytest.ini_options]', 'addopts = "-ra"'),
    want: { pytestConfigured: true },
  },
  {
    name: 'PEP 735 groups, include-group expanded',
    text: toml('[project]', 'name = "g"', '', '[dependency-groups]', 'test = ["pytest>=8", "coverage"]', 'lint = ["ruff"]', 'dev = [{include-group = "test"}, {include-group = "lint"}, "ipython"]'),
    want: { groups: { test: ['pytest>=8', 'coverage'], lint: ['ruff'], dev: ['pytest>=8', 'coverage', 'ruff', 'ipython'] } },
  },
]

for (const d of documents) {
  ParsePyproject(d.name, () => {
    const got = parsePyproject(d.text)
    for (const [key, want] of Object.entries(d.want)) {
      assert.equal(got[key as keyof Pyproject], want, `${key} should be ${JSON.stringify(want)}`)
    }
  })
}

ParsePyproject('defaults: no extras, groups or poetry groups, pytest not configured', () => {
  const got = parsePyproject(toml('[project]', 'name = "bare"'))
  assert.equal(got.extras, {}, 'extras should be {}')
  assert.equal(got.groups, {}, 'groups should be {}')
  assert.equal(got.poetryGroups, {}, 'poetryGroups should be {}')
  assert.is(got.pytestConfigured, false, 'pytestConfigured should be false')
  assert.equal(got.dependencies, [], 'a [project] without dependencies declares none ([])')
})

const invalid: { name: string; text: string; line: number }[] = [
  { name: 'an unquoted version', text: toml('[project]', 'name = "x"', 'version = 1.0.0'), line: 3 },
  { name: 'a missing comma in a multi-line array', text: toml('[project]', 'name = "x"', 'dependencies = [', '  "a",', '  "b"', '  "c",', ']'), line: 6 },
  { name: 'an unclosed table header', text: toml('[project', 'name = "x"'), line: 1 },
]
for (const c of invalid) {
  ParsePyproject(`invalid TOML (${c.name}) is a UserError naming the file and line ${c.line}`, () => {
    const e = userError(() => parsePyproject(c.text, '/src/app/pyproject.toml'), c.name)
    assert.match(e.message, '/src/app/pyproject.toml', 'the message should name the file')
    assert.match(e.message, new RegExp(`pyproject\\.toml(:| line )${c.line}\\b`), `the message should name line ${c.line} (file:line), got: ${e.message}`)
  })
}

const badBuildSystems: { name: string; text: string; key: string }[] = [
  { name: 'build-system as a string', text: toml('build-system = "setuptools"'), key: 'must be a table' },
  { name: 'build-system as an array of tables', text: toml('[[build-system]]', 'requires = []'), key: 'must be a table' },
  { name: 'requires as a string', text: toml('[build-system]', 'requires = "setuptools"'), key: 'requires must be an array of strings' },
  { name: 'requires with a number', text: toml('[build-system]', 'requires = ["setuptools", 61]'), key: 'requires must be an array of strings' },
  { name: 'build-backend as an array', text: toml('[build-system]', 'build-backend = ["setuptools.build_meta"]'), key: 'build-backend must be a string' },
  { name: 'backend-path as a string', text: toml('[build-system]', 'backend-path = "."'), key: 'backend-path must be an array of strings' },
]
for (const c of badBuildSystems) {
  ParsePyproject(`[build-system] of the wrong shape (${c.name}): a UserError naming the key, with an example`, () => {
    const e = userError(() => parsePyproject(c.text, '/src/app/pyproject.toml'), c.name)
    assert.is(e.message, `/src/app/pyproject.toml: [build-system] ${c.key}`, 'the file and the key')
    assert.match(e.hint ?? '', /PEP 518/, 'the hint shows the right form')
  })
}

ParsePyproject('a well-formed [build-system] passes, with backend-path', () => {
  const p = parsePyproject(toml('[build-system]', 'requires = ["flit_core>=3.2,<4"]', 'build-backend = "backend"', 'backend-path = ["."]'))
  assert.is(p.backend, 'backend')
})

ParsePyproject.run()

// ---------------------------------------------------------------------------------------------
const DependencyGroups = suite('dependencyGroups')

const groupCases: { name: string; raw: Record<string, unknown>; want: Record<string, string[]> }[] = [
  { name: 'plain lists as they are', raw: { test: ['pytest'], docs: ['sphinx', 'furo'] }, want: { test: ['pytest'], docs: ['sphinx', 'furo'] } },
  {
    name: 'nested include-group (dev → test → typing)',
    raw: { typing: ['mypy'], test: [{ 'include-group': 'typing' }, 'pytest'], dev: [{ 'include-group': 'test' }, 'ruff'] },
    want: { typing: ['mypy'], test: ['mypy', 'pytest'], dev: ['mypy', 'pytest', 'ruff'] },
  },
  { name: 'no groups', raw: {}, want: {} },
]
for (const c of groupCases) {
  DependencyGroups(c.name, () => {
    assert.equal(dependencyGroups(c.raw), c.want, `groups should expand to ${JSON.stringify(c.want)}`)
  })
}

DependencyGroups('a group reached along two paths is not a cycle', () => {
  const raw = { base: ['pytest'], unit: [{ 'include-group': 'base' }, 'pytest-cov'], all: [{ 'include-group': 'base' }, { 'include-group': 'unit' }] }
  const got = dependencyGroups(raw)
  assert.equal([...new Set(got.all)], ['pytest', 'pytest-cov'], 'all should hold base and unit, without a cycle error')
})

const cycles: { name: string; raw: Record<string, unknown>; loop: string }[] = [
  { name: 'two groups including each other', raw: { dev: [{ 'include-group': 'test' }], test: ['pytest', { 'include-group': 'dev' }] }, loop: 'dev → test → dev' },
  { name: 'a group including itself', raw: { all: ['ruff', { 'include-group': 'all' }] }, loop: 'all → all' },
]
for (const c of cycles) {
  DependencyGroups(`a cycle (${c.name}) is a UserError naming the loop`, () => {
    const e = userError(() => dependencyGroups(c.raw), c.name)
    assert.match(e.message, c.loop, `the message should name the loop "${c.loop}"`)
    assert.match(e.message, '[dependency-groups]', 'the message should name the table')
    assert.ok(e.hint, 'the error should carry a hint')
  })
}

DependencyGroups('a cycle inside pyproject.toml surfaces from parsePyproject', () => {
  const text = toml('[dependency-groups]', 'dev = [{include-group = "test"}]', 'test = [{include-group = "dev"}]')
  const e = userError(() => parsePyproject(text), 'a pyproject with a group cycle')
  assert.match(e.message, 'dev → test → dev', 'the message should name the loop')
})

DependencyGroups.run()

// ---------------------------------------------------------------------------------------------
const RequirementName = suite('requirementName')

const names: [string, string][] = [
  ['Django[argon2]>=3.2; python_version>"3"', 'django'],
  ['zope.interface', 'zope-interface'],
  ['my_pkg==1', 'my-pkg'],
  ['  requests >= 2.31', 'requests'],
  ['Flask_SQLAlchemy~=3.1', 'flask-sqlalchemy'],
  ['mylib @ https://example.com/mylib-1.0-py3-none-any.whl', 'mylib'],
  ['psycopg[binary,pool]', 'psycopg'],
]
for (const [req, want] of names) {
  RequirementName(`${req} → ${want}`, () => {
    assert.is(requirementName(req), want, `"${req}" should name the distribution "${want}"`)
  })
}

RequirementName.run()

// ---------------------------------------------------------------------------------------------
const ReadPyproject = suite('readPyproject')
let dir = ''
ReadPyproject.before.each(() => {
  dir = makeTemp('pyproject')
})
ReadPyproject.after.each(() => removeTemp(dir))

ReadPyproject('undefined when the folder has no pyproject.toml', () => {
  writeTree(dir, { 'setup.py': 'from setuptools import setup\nsetup()\n' })
  assert.is(readPyproject(dir), undefined, 'a folder without pyproject.toml should give undefined')
})

ReadPyproject('reads the file in the folder', () => {
  writeTree(dir, { 'pyproject.toml': toml('[project]', 'name = "onfile"') })
  assert.is(readPyproject(dir)?.name, 'onfile', 'the name should come from <dir>/pyproject.toml')
})

ReadPyproject('an invalid file is named by its full path', () => {
  writeTree(dir, { 'pyproject.toml': toml('[project]', 'name = ') })
  const e = userError(() => readPyproject(dir), 'an invalid pyproject.toml')
  assert.match(e.message, path.join(dir, 'pyproject.toml'), 'the message should name the full path of the file')
})

ReadPyproject('the same text is parsed once; a changed file is read as it is now', () => {
  writeTree(dir, { 'pyproject.toml': toml('[project]', 'name = "one"') })
  const first = readPyproject(dir)
  assert.is(readPyproject(dir), first, 'unchanged: the same answer')
  writeTree(dir, { 'pyproject.toml': toml('[project]', 'name = "two"') })
  assert.is(readPyproject(dir)?.name, 'two', 'changed: parsed again')
  writeTree(dir, { 'pyproject.toml': toml('[project]', 'name = ') })
  userError(() => readPyproject(dir), 'a file broken since: its error, not the last answer')
})

ReadPyproject.run()
