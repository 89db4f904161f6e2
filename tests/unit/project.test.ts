import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { UserError } from '../../lib/errors.js'
import { isInside, normalizeName, pyprojectArray, pyprojectField, pyprojectName, refuseSecretBuildArgs } from '../../lib/project.js'

const toml = (...l: string[]) => l.join('\n') + '\n'

// ---------------------------------------------------------------------------------------------
const PyprojectName = suite('pyprojectName')

const names: { name: string; text: string; want: string | undefined }[] = [
  { name: 'the name in [project]', text: toml('[project]', 'name = "pollsite"', 'version = "0.1.0"'), want: 'pollsite' },
  { name: 'single quotes and spaces around =', text: toml('[project]', "name   =   'my-app'"), want: 'my-app' },
  { name: 'name after other keys', text: toml('[project]', 'version = "1"', 'description = "x"', 'name = "late"'), want: 'late' },
  {
    name: 'the [project] name, not a [tool.x] name before it',
    text: toml('[build-system]', 'requires = ["setuptools"]', '', '[tool.poetry]', 'name = "poetry-name"', '', '[project]', 'name = "real"'),
    want: 'real',
  },
  {
    name: 'the [project] name, not a [tool.x] name after it',
    text: toml('[project]', 'version = "1"', '', '[tool.setuptools]', 'name = "tool-name"'),
    want: undefined,
  },
  { name: 'nothing when only [tool.x] has a name', text: toml('[tool.poetry]', 'name = "poetry-name"'), want: undefined },
  { name: 'nothing from a [project.*] sub-table', text: toml('[project.urls]', 'name = "not-it"', '[project]', 'version = "1"'), want: undefined },
  { name: 'nothing from a key that only ends in name', text: toml('[project]', 'fullname = "x"'), want: undefined },
  { name: 'nothing from an empty file', text: '', want: undefined },
  { name: 'CRLF line endings', text: '[project]\r\nname = "win"\r\n', want: 'win' },
]
for (const c of names) {
  PyprojectName(c.name, () => {
    assert.is(pyprojectName(c.text), c.want, `the project name should be ${JSON.stringify(c.want)}`)
  })
}

PyprojectName.run()

// ---------------------------------------------------------------------------------------------
const PyprojectArray = suite('pyprojectArray (PEP 621 dependencies)')

const arrays: { name: string; text: string; want: string[] | undefined }[] = [
  { name: 'one line', text: toml('[project]', 'dependencies = ["Django>=3.2", "gunicorn"]'), want: ['Django>=3.2', 'gunicorn'] },
  {
    name: 'several lines, comments, a trailing comma',
    text: toml('[project]', 'dependencies = [', '    "Django>=3.2,<4",  # the framework', '    # PostgreSQL', "    'psycopg2',", ']'),
    want: ['Django>=3.2,<4', 'psycopg2'],
  },
  { name: 'brackets and # inside a requirement', text: toml('[project]', 'dependencies = ["uvicorn[standard]>=0.20", "pkg @ https://x/y#egg=pkg"]'), want: ['uvicorn[standard]>=0.20', 'pkg @ https://x/y#egg=pkg'] },
  { name: 'an empty list', text: toml('[project]', 'dependencies = []'), want: [] },
  { name: 'nothing when declared dynamic', text: toml('[project]', 'dynamic = ["version", "dependencies"]'), want: undefined },
  { name: 'nothing when absent', text: toml('[project]', 'name = "x"'), want: undefined },
  { name: 'not the optional-dependencies table', text: toml('[project]', 'name = "x"', '[project.optional-dependencies]', 'dependencies = ["pytest"]'), want: undefined },
  { name: 'not another table\'s key', text: toml('[tool.poetry]', 'dependencies = ["x"]', '[project]', 'name = "y"'), want: undefined },
  { name: 'nothing when the bracket never closes', text: toml('[project]', 'dependencies = ["a",'), want: undefined },
]
for (const c of arrays) {
  PyprojectArray(c.name, () => {
    assert.equal(pyprojectArray(c.text, 'dependencies'), c.want, `the dependencies should be ${JSON.stringify(c.want)}`)
  })
}

PyprojectArray('names compare as PEP 503 normalizes them', () => {
  for (const [a, b] of [['Django', 'django'], ['zope.interface', 'zope-interface'], ['Foo__Bar', 'foo-bar']]) assert.is(normalizeName(a), normalizeName(b), `${a} and ${b} should be the same name`)
  assert.is.not(normalizeName('speedups'), normalizeName('speedup'))
})

PyprojectArray.run()

// ---------------------------------------------------------------------------------------------
const IsInside = suite('isInside')

const root = path.resolve('/work/proj')
const inside: [string, boolean][] = [
  [root, true],
  [path.join(root, 'src'), true],
  [path.join(root, 'a/b/c'), true],
  [path.join(root, 'src/../wheelhouse'), true],
  [path.resolve(root, '..'), false],
  [path.resolve(root, '../proj-other'), false],
  [path.resolve(root, '../../etc'), false],
  ['/', false],
]
for (const [p, want] of inside) {
  IsInside(`${p} → ${want}`, () => {
    assert.is(isInside(root, p), want, `"${p}" should ${want ? '' : 'not '}be inside "${root}"`)
  })
}

IsInside.run()


const RefuseSecretBuildArgs = suite('refuseSecretBuildArgs')

for (const name of ['API_TOKEN', 'DB_PASSWORD', 'django_secret_key', 'AWS_SECRET_ACCESS_KEY', 'SSH_KEY', 'PASSWD']) {
  RefuseSecretBuildArgs(`${name} is refused with the safe way named`, () => {
    try {
      refuseSecretBuildArgs({ OK: '1', [name]: 'x' }, '.pypackagerc.json')
      assert.unreachable(`${name} must be refused`)
    } catch (e) {
      assert.instance(e, UserError)
      assert.match((e as UserError).message, `build arg "${name}" looks like a secret`, 'names the arg')
      assert.match((e as UserError).hint ?? '', /run\.env/, 'points at run-time env')
      assert.match((e as UserError).hint ?? '', /--mount=type=secret/, 'points at BuildKit secrets')
    }
  })
}

RefuseSecretBuildArgs('ordinary build args pass', () => {
  refuseSecretBuildArgs({ OS_IMAGE: 'debian:bookworm-slim', PYTHON_VERSION: '3.11', DEBIAN_FRONTEND: 'noninteractive' }, 'x')
})

RefuseSecretBuildArgs.run()

const PyprojectField = suite('pyprojectField')

PyprojectField('reads version from [project], not from another table', () => {
  const text = '[tool.x]\nversion = "9"\n\n[project]\nname = "app"\nversion = "1.2.3"\n'
  assert.is(pyprojectField(text, 'version'), '1.2.3', 'the [project] version')
  assert.is(pyprojectField('[project]\nname = "a"\n', 'version'), undefined, 'no version: undefined')
})

PyprojectField.run()
