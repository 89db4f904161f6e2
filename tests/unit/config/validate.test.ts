import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSchema, type Config } from '../../../lib/config/schema.js'
import { distance, validate, type ConfigProblem } from '../../../lib/config/validate.js'

const schema = loadSchema()
const check = (value: unknown, folderExists?: (p: string) => boolean) => validate(value, schema, folderExists)
const keys = (problems: ConfigProblem[]) => problems.map((p) => p.key)

// ---------------------------------------------------------------------------------------------
const Distance = suite('distance')

const distances: [string, string, number][] = [
  ['', '', 0],
  ['', 'abc', 3],
  ['abc', '', 3],
  ['namespace', 'namespace', 0],
  ['namspace', 'namespace', 1],
  ['kitten', 'sitting', 3],
  ['indexURL', 'indexUrl', 0], // case does not count: a wrong case is the same key to a human
  ['findLink', 'findLinks', 1],
  ['source', 'wheelhouse', 8],
]
for (const [a, b, want] of distances) {
  Distance(`"${a}" → "${b}" is ${want}`, () => {
    assert.is(distance(a, b), want, `edit distance from "${a}" to "${b}" should be ${want}`)
    assert.is(distance(b, a), want, `edit distance should be symmetric ("${b}" → "${a}" is also ${want})`)
  })
}

Distance.run()

// ---------------------------------------------------------------------------------------------
const Validate = suite('validate')

Validate('an empty object gets every default from the schema', () => {
  const { value, problems } = check({})
  assert.equal(problems, [], 'an empty config should have no problems')
  const c = value as Config
  assert.is(c.namespace, 'pypackage', 'namespace should default to "pypackage"')
  assert.is(c.app, null, 'app should default to null (derived from pyproject.toml later)')
  assert.is(c.source, '.', 'source should default to "."')
  assert.is(c.wheelhouse, 'wheelhouse', 'wheelhouse should default to "wheelhouse"')
  assert.is(c.dockerDir, 'docker', 'dockerDir should default to "docker"')
  assert.equal(c.localPackages, [], 'localPackages should default to []')
  assert.equal(c.images, { builder: 'builder', release: 'release' }, 'images should default to builder/release folders')
  assert.equal(c.buildArgs, {}, 'buildArgs should default to {}')
  assert.equal(c.pip, { indexUrl: null, extraIndexUrls: [], findLinks: [], noIndex: false, buildIsolation: true }, "pip should default to pip's own index with build isolation")
  assert.equal(
    c.release,
    { settings: null, wsgi: null, asgi: null, command: null, releaseCommand: null, releaseOnStart: false, env: {}, port: 8000 },
    'release should default to port 8000, the entry point found later, no release phase at start',
  )
  assert.equal(c.run, { hostPort: 8000, env: {} }, 'run should default to host port 8000 and no env')
  assert.not.ok('$schema' in c, '$schema has no default and should not be added')
})

Validate('a partial nested object keeps its values and gets the missing children defaulted', () => {
  const { value, problems } = check({ pip: { noIndex: true, findLinks: ['wheels'] }, release: { port: 9000 } })
  assert.equal(problems, [], 'a valid partial config should have no problems')
  const c = value as Config
  assert.is(c.pip.noIndex, true, 'the given pip.noIndex should be kept')
  assert.equal(c.pip.findLinks, ['wheels'], 'the given pip.findLinks should be kept')
  assert.is(c.pip.buildIsolation, true, 'the missing pip.buildIsolation should get its default')
  assert.is(c.pip.indexUrl, null, 'the missing pip.indexUrl should get its default')
  assert.is(c.release.port, 9000, 'the given release.port should be kept')
  assert.is(c.release.settings, null, 'the missing release.settings should get its default')
})

Validate('defaults are copies: changing one result does not change the next', () => {
  const first = check({}).value as Config
  first.localPackages.push('leak')
  first.pip.findLinks.push('leak')
  first.run.env.LEAK = '1'
  const second = check({}).value as Config
  assert.equal(second.localPackages, [], 'localPackages default should not be shared between results')
  assert.equal(second.pip.findLinks, [], 'pip.findLinks default should not be shared between results')
  assert.equal(second.run.env, {}, 'run.env default should not be shared between results')
})

Validate('does not modify its input', () => {
  const input = { pip: { noIndex: true } }
  check(input)
  assert.equal(input, { pip: { noIndex: true } }, 'the input object should be left as it was (no defaults written into it)')
})

Validate('accepts $schema, free-form buildArgs and run.env', () => {
  const input = { $schema: './schema/pypackagerc.schema.json', buildArgs: { PYTHON_VERSION: '3.11' }, run: { env: { DEBUG: '1' } } }
  const { value, problems } = check(input)
  assert.equal(problems, [], 'these keys should be valid')
  const c = value as Config & { $schema: string }
  assert.is(c.$schema, './schema/pypackagerc.schema.json', '$schema should be kept')
  assert.equal(c.buildArgs, { PYTHON_VERSION: '3.11' }, 'any build arg name should be allowed')
  assert.equal(c.run.env, { DEBUG: '1' }, 'any env name should be allowed')
})

Validate('null is accepted where the type allows it', () => {
  const { problems } = check({ app: null, pip: { indexUrl: null }, release: { settings: null, wsgi: null } })
  assert.equal(problems, [], 'null should be accepted for app, pip.indexUrl, release.settings and release.wsgi')
})

interface Bad {
  name: string
  input: unknown
  key: string
  message: RegExp
  fix: RegExp
}
const bad: Bad[] = [
  { name: 'a misspelt top-level key', input: { namspace: 'x' }, key: 'namspace', message: /^unknown key "namspace"$/, fix: /did you mean "namespace"\?/ },
  { name: 'a misspelt nested key', input: { pip: { indexURL: 'x' } }, key: 'pip.indexURL', message: /unknown key "pip\.indexURL"/, fix: /did you mean "pip\.indexUrl"\?/ },
  {
    name: 'an unknown key like no known one',
    input: { zzzzzzzz: 1 },
    key: 'zzzzzzzz',
    message: /unknown key "zzzzzzzz"/,
    fix: /^remove it; known keys: namespace, registry, app, source, .*test, run, environment$/,
  },
  {
    name: 'an unknown nested key like no known one',
    input: { images: { zzzzzzzz: 'x' } },
    key: 'images.zzzzzzzz',
    message: /unknown key "images\.zzzzzzzz"/,
    fix: /known keys of "images": builder, release$/,
  },
  { name: 'a string for a boolean', input: { pip: { noIndex: 'yes' } }, key: 'pip.noIndex', message: /"pip\.noIndex" must be a boolean, got string "yes"/, fix: /set "pip\.noIndex" to a boolean/ },
  {
    name: 'a number in a string array',
    input: { pip: { findLinks: [3] } },
    key: 'pip.findLinks[0]',
    message: /"pip\.findLinks\[0\]" must be a string, got integer 3/,
    fix: /set "pip\.findLinks\[0\]" to a string/,
  },
  { name: 'a string for an array', input: { localPackages: 'pkg' }, key: 'localPackages', message: /"localPackages" must be an array, got string "pkg"/, fix: /an array/ },
  { name: 'a number for string-or-null', input: { app: 3 }, key: 'app', message: /"app" must be a string or null, got integer 3/, fix: /set "app" to a string or null/ },
  { name: 'a fraction for an integer', input: { release: { port: 80.5 } }, key: 'release.port', message: /"release\.port" must be an integer, got number 80\.5/, fix: /an integer/ },
  { name: 'a string port', input: { release: { port: '8000' } }, key: 'release.port', message: /"release\.port" must be an integer, got string "8000"/, fix: /an integer/ },
  { name: 'a non-string build arg', input: { buildArgs: { X: 1 } }, key: 'buildArgs.X', message: /"buildArgs\.X" must be a string/, fix: /a string/ },
  { name: 'a non-string env value', input: { run: { env: { DEBUG: true } } }, key: 'run.env.DEBUG', message: /"run\.env\.DEBUG" must be a string, got boolean true/, fix: /a string/ },
  { name: 'a namespace with a space and capitals', input: { namespace: 'Bad Name' }, key: 'namespace', message: /"namespace" is "Bad Name", which is not a valid value/, fix: /lower-case letters/ },
  { name: 'a namespace with a double dot', input: { namespace: 'a..b' }, key: 'namespace', message: /"namespace" is "a\.\.b"/, fix: /single separators/ },
  { name: 'an app name with a slash', input: { app: 'a/b' }, key: 'app', message: /"app" is "a\/b"/, fix: /lower-case/ },
  { name: 'a port above 65535', input: { release: { port: 70000 } }, key: 'release.port', message: /"release\.port" is 70000, above the maximum 65535/, fix: /from 1 to 65535/ },
  { name: 'a port of 0 for release', input: { release: { port: 0 } }, key: 'release.port', message: /"release\.port" is 0, below the minimum 1/, fix: /from 1 to 65535/ },
  { name: 'a negative host port', input: { run: { hostPort: -1 } }, key: 'run.hostPort', message: /"run\.hostPort" is -1, below the minimum 0/, fix: /from 0 to 65535/ },
  { name: 'a config that is not an object', input: ['namespace'], key: 'the configuration', message: /"the configuration" must be an object, got array/, fix: /an object/ },
]
for (const b of bad) {
  Validate(`reports ${b.name}`, () => {
    const { problems } = check(b.input)
    assert.is(problems.length, 1, `${b.name} should give exactly one problem, got ${JSON.stringify(problems)}`)
    assert.is(problems[0].key, b.key, `the problem should name the key "${b.key}"`)
    assert.match(problems[0].message, b.message, `the message should match ${b.message}`)
    assert.match(problems[0].fix, b.fix, `the fix should match ${b.fix}`)
  })
}

Validate('a port at either bound is valid', () => {
  for (const port of [1, 65535]) {
    assert.equal(check({ release: { port } }).problems, [], `release.port ${port} should be accepted`)
  }
  assert.equal(check({ run: { hostPort: 0 } }).problems, [], 'run.hostPort 0 (any free port) should be accepted')
})

Validate('valid namespaces, including a registry path', () => {
  for (const namespace of ['acme', 'my-team', 'a_b', 'a__b', 'registry.example.com/team', 'ghcr.io/acme/apps']) {
    assert.equal(check({ namespace }).problems, [], `namespace "${namespace}" should be accepted`)
  }
})

Validate('asks about every x-folder path and reports the missing ones by key', () => {
  const asked: string[] = []
  const exists = (p: string) => {
    asked.push(p)
    return p !== 'nope' && p !== 'missing'
  }
  const { problems } = check({ source: 'nope', dockerDir: 'docker', localPackages: ['pkg'], pip: { findLinks: ['wheels', 'missing'] } }, exists)
  assert.equal(asked.sort(), ['docker', 'missing', 'nope', 'pkg', 'wheels'], 'every folder-valued key should be checked, and nothing else')
  assert.equal(keys(problems), ['source', 'pip.findLinks[1]'], 'only the two missing folders should be reported, in input order')
  assert.match(problems[0].message, '"source" names folder "nope", which does not exist', 'the message should name the key and the folder')
  assert.match(problems[1].message, '"pip.findLinks[1]" names folder "missing"', 'an array item should be named with its index')
  assert.match(problems[0].fix, 'relative to the project root', 'the fix should say what paths are relative to')
})

Validate('the wheelhouse is not checked for existence (it is created)', () => {
  const { problems } = check({ wheelhouse: 'not-there-yet' }, () => false)
  assert.equal(problems, [], 'a missing wheelhouse folder should not be a problem')
})

Validate('a default folder is not checked (the file system is asked only about given values)', () => {
  const { problems } = check({}, () => false)
  assert.equal(problems, [], 'defaults such as source "." and dockerDir "docker" should not be reported')
})

Validate('an invalid pattern is reported once, without also checking the folder', () => {
  let asked = 0
  const { problems } = validate('Bad Name', { type: 'string', pattern: '^[a-z]+$', 'x-folder': true }, () => {
    asked++
    return false
  })
  assert.is(problems.length, 1, 'a value failing the pattern should give one problem, not two')
  assert.is(asked, 0, 'the folder check should be skipped for a value that fails the pattern')
})

Validate('a pattern with x-fix: the fix it names, not the advice for names ("python": "three")', () => {
  const { problems } = check({ python: 'three' })
  assert.equal(
    problems.map((p) => [p.key, p.message, p.fix]),
    [['python', '"python" is "three", which is not a valid value', 'use a Python version, major.minor, e.g. "3.13" for "python"']],
  )
  assert.equal(check({ python: '3.13', pythonImages: { '3.12': 'ubuntu:24.04' } }).problems, [], 'a version and an image table are valid')
})

Validate('reports several problems at once, in input order', () => {
  const { problems } = check({ namspace: 'x', release: { port: 0 }, pip: { noIndex: 1, findLinks: [3] } })
  assert.equal(keys(problems), ['namspace', 'release.port', 'pip.noIndex', 'pip.findLinks[0]'], 'every problem should be reported, in the order of the input')
})

Validate.run()
