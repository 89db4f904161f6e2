import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { findProjectRoot, loadConfig } from '../../../lib/config/load.js'
import { rejectedUserError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

/**
 * Every project below holds a marker (pyproject.toml or a config file), so findProjectRoot stops
 * inside the temp folder whatever lies above os.tmpdir().
 */
let tmp = ''
let n = 0
const project = (files: Record<string, string | null>) => writeTree(path.join(tmp, `p${++n}`), files)
const rc = (config: unknown) => JSON.stringify(config, null, 2)

// ---------------------------------------------------------------------------------------------
const FindProjectRoot = suite('findProjectRoot')
FindProjectRoot.before(() => {
  tmp = makeTemp('root')
})
FindProjectRoot.after(() => removeTemp(tmp))

const roots: { name: string; files: Record<string, string | null>; cwd: string; want: string }[] = [
  { name: 'the folder itself when it holds pyproject.toml', files: { 'pyproject.toml': '' }, cwd: '.', want: '.' },
  { name: 'the nearest parent with pyproject.toml, from a deep sub-folder', files: { 'pyproject.toml': '', 'a/b/c': null }, cwd: 'a/b/c', want: '.' },
  { name: 'a folder with setup.py', files: { 'setup.py': '', src: null }, cwd: 'src', want: '.' },
  { name: 'a folder with .git', files: { '.git': null, src: null }, cwd: 'src', want: '.' },
  { name: 'a folder with .pypackagerc.json', files: { '.pypackagerc.json': '{}', src: null }, cwd: 'src', want: '.' },
  { name: 'a folder with .config/pypackagerc.yaml', files: { '.config/pypackagerc.yaml': '', src: null }, cwd: 'src', want: '.' },
  { name: 'the inner project, not the outer one above it', files: { '.pypackagerc.json': '{}', 'inner/pyproject.toml': '', 'inner/src': null }, cwd: 'inner/src', want: 'inner' },
  { name: 'past a folder holding only package.json (not a project marker)', files: { 'pyproject.toml': '', 'web/package.json': '{}' }, cwd: 'web', want: '.' },
]
for (const r of roots) {
  FindProjectRoot(`finds ${r.name}`, () => {
    const root = project(r.files)
    mkdirSync(path.join(root, r.cwd), { recursive: true })
    const got = findProjectRoot(path.join(root, r.cwd))
    assert.is(got, path.join(root, r.want), `the project root from "${r.cwd}" should be "${r.want}"`)
  })
}

FindProjectRoot('accepts a relative cwd and returns an absolute path', () => {
  const root = project({ 'pyproject.toml': '', sub: null })
  const got = findProjectRoot(path.relative(process.cwd(), path.join(root, 'sub')))
  assert.is(got, root, 'a relative cwd should be resolved against process.cwd()')
})

FindProjectRoot.run()

// ---------------------------------------------------------------------------------------------
const LoadConfig = suite('loadConfig')
LoadConfig.before(() => {
  tmp = makeTemp('load')
})
LoadConfig.after(() => removeTemp(tmp))

LoadConfig('with no config file at all, the defaults apply and no file is reported', async () => {
  const root = project({ 'pyproject.toml': '[project]\nname = "x"\n' })
  const loaded = await loadConfig({ cwd: root })
  assert.is(loaded.file, undefined, 'no config file should be reported')
  assert.is(loaded.root, root, 'the root should be the folder holding pyproject.toml')
  assert.is(loaded.config.namespace, 'pypackage', 'namespace should default to "pypackage"')
  assert.is(loaded.config.pip.noIndex, false, 'pip.noIndex should default to false')
  assert.is(loaded.config.pip.buildIsolation, true, 'pip.buildIsolation should default to true')
  assert.is(loaded.config.release.port, 8000, 'release.port should default to 8000')
  assert.is(loaded.config.run.hostPort, 8000, 'run.hostPort should default to 8000')
  assert.is(loaded.config.images.builder, 'builder', 'images.builder should default to "builder"')
  assert.is(loaded.config.images.release, 'release', 'images.release should default to "release"')
  assert.is(loaded.config.dockerDir, 'docker', 'dockerDir should default to "docker"')
})

LoadConfig('with no file, the defaults are not checked against the file system', async () => {
  // No docker/ folder here: the default dockerDir must not be reported by loadConfig.
  const root = project({ 'setup.py': '' })
  const loaded = await loadConfig({ cwd: root })
  assert.is(loaded.config.dockerDir, 'docker', 'the default dockerDir should be returned even though the folder is missing')
})

LoadConfig('reads a valid .pypackagerc.json and defaults the rest', async () => {
  const root = project({
    '.pypackagerc.json': rc({
      $schema: './node_modules/pypackage-tasks/schema/pypackagerc.schema.json',
      namespace: 'acme',
      app: 'polls',
      source: 'example',
      pip: { noIndex: true, findLinks: ['vendor/wheels'], buildIsolation: false },
      release: { port: 8080 },
    }),
    example: null,
    'vendor/wheels': null,
    docker: null,
  })
  const loaded = await loadConfig({ cwd: root })
  assert.is(loaded.file, path.join(root, '.pypackagerc.json'), 'the file should be the .pypackagerc.json found')
  assert.is(loaded.root, root, "the root should be the config file's folder")
  const c = loaded.config
  assert.is(c.namespace, 'acme', 'namespace should come from the file')
  assert.is(c.app, 'polls', 'app should come from the file')
  assert.is(c.source, 'example', 'source should come from the file')
  assert.equal(c.pip, { noIndex: true, findLinks: ['vendor/wheels'], buildIsolation: false, indexUrl: null, extraIndexUrls: [] }, 'pip should merge the file with defaults')
  assert.equal(c.release, { port: 8080, settings: null, wsgi: null, asgi: null, command: null, releaseCommand: null, releaseOnStart: false, env: {} }, 'release should merge the file with defaults')
  assert.is(c.images.builder, 'builder', 'an absent images key should be defaulted')
})

LoadConfig('finds the config of the project from a sub-folder and resolves folders against the config file', async () => {
  const root = project({ '.pypackagerc.json': rc({ source: 'app' }), 'app/src/pkg': null, docker: null })
  const loaded = await loadConfig({ cwd: path.join(root, 'app/src/pkg') })
  assert.is(loaded.file, path.join(root, '.pypackagerc.json'), 'the config two levels up should be found')
  assert.is(loaded.root, root, "the root should be the config file's folder, not the cwd")
  assert.is(loaded.config.source, 'app', '"source" should be valid: "app" exists relative to the config file, not to the cwd')
})

// A plain .pypackagerc.json is read without cosmiconfig; anything else is cosmiconfig's to find.
LoadConfig('a .pypackagerc.json with $import: the file it names is merged under it (cosmiconfig)', async () => {
  const root = project({ '.pypackagerc.json': rc({ $import: 'base.json', app: 'own' }), 'base.json': rc({ namespace: 'from-base', app: 'base' }) })
  const loaded = await loadConfig({ cwd: root })
  assert.is(loaded.config.namespace, 'from-base', 'the imported key should apply')
  assert.is(loaded.config.app, 'own', "the file's own key should win")
})

LoadConfig('an empty .pypackagerc.json is passed over for the next place (cosmiconfig)', async () => {
  const root = project({ '.pypackagerc.json': '  \n', '.pypackagerc.yaml': 'namespace: from-yaml\n' })
  const loaded = await loadConfig({ cwd: root })
  assert.is(loaded.file, path.join(root, '.pypackagerc.yaml'))
  assert.is(loaded.config.namespace, 'from-yaml')
})

LoadConfig('a "pypackage" key in package.json comes before .pypackagerc.json (cosmiconfig\'s order)', async () => {
  const root = project({ 'package.json': rc({ name: 'x', pypackage: { namespace: 'from-package' } }), '.pypackagerc.json': rc({ namespace: 'from-rc' }) })
  assert.is((await loadConfig({ cwd: root })).config.namespace, 'from-package')
})

LoadConfig("cosmiconfig's own settings in the working folder (.config/config.json) still count", async () => {
  const root = project({ '.config/config.json': rc({ pypackage: { namespace: 'from-meta' } }), '.pypackagerc.json': rc({ namespace: 'from-rc' }) })
  const cwd = process.cwd()
  process.chdir(root)
  try {
    assert.is((await loadConfig({ cwd: root })).config.namespace, 'from-meta', 'the meta config should be read as cosmiconfig reads it')
  } finally {
    process.chdir(cwd)
  }
})

LoadConfig("a .pypackagerc.json that is not JSON: the parser's error, as before", async () => {
  const root = project({ '.pypackagerc.json': '{ "namespace": "x", }' })
  const e = await loadConfig({ cwd: root }).then(
    () => undefined,
    (err: Error) => err,
  )
  assert.match(e?.message ?? '', /^cannot read \.pypackagerc\.json/)
})

// The root is not asserted here: for .config/pypackagerc.json lib takes .config/ itself as the root,
// which is questionable (defaults such as dockerDir "docker" then point inside .config/).
const places: { file: string; text: string; namespace: string }[] = [
  { file: '.pypackagerc', text: '{ "namespace": "from-rc" }', namespace: 'from-rc' },
  { file: '.pypackagerc.yaml', text: 'namespace: from-yaml\n', namespace: 'from-yaml' },
  { file: '.pypackagerc.yml', text: 'namespace: from-yml\n', namespace: 'from-yml' },
  { file: '.config/pypackagerc.json', text: '{ "namespace": "from-config-dir" }', namespace: 'from-config-dir' },
  { file: '.pypackagerc.cjs', text: "module.exports = { namespace: 'from-cjs' }", namespace: 'from-cjs' },
  { file: 'pypackage.config.mjs', text: "export default { namespace: 'from-mjs' }", namespace: 'from-mjs' },
]
for (const c of places) {
  LoadConfig(`reads ${c.file}`, async () => {
    const root = project({ [c.file]: c.text })
    const loaded = await loadConfig({ cwd: root })
    assert.is(loaded.file, path.join(root, c.file), `${c.file} should be found as the config file`)
    assert.is(loaded.config.namespace, c.namespace, `the namespace should be the one written in ${c.file}`)
  })
}

LoadConfig('reads the "pypackage" key of package.json', async () => {
  const root = project({ 'pyproject.toml': '', 'package.json': rc({ name: 'web', pypackage: { namespace: 'acme', release: { port: 9000 } } }) })
  const loaded = await loadConfig({ cwd: root })
  assert.is(loaded.file, path.join(root, 'package.json'), 'the file should be package.json')
  assert.is(loaded.config.namespace, 'acme', 'namespace should come from package.json#pypackage')
  assert.is(loaded.config.release.port, 9000, 'release.port should come from package.json#pypackage')
})

LoadConfig('ignores a package.json without a "pypackage" key', async () => {
  const root = project({ 'pyproject.toml': '', 'package.json': rc({ name: 'web', namespace: 'not-ours' }) })
  const loaded = await loadConfig({ cwd: root })
  assert.is(loaded.file, undefined, 'a package.json without our key should not count as a config file')
  assert.is(loaded.config.namespace, 'pypackage', 'its top-level keys should not be read as our config')
})

LoadConfig('validation errors in package.json name package.json', async () => {
  const root = project({ 'pyproject.toml': '', 'package.json': rc({ name: 'web', pypackage: { namespace: 'Acme' } }) })
  const e = await rejectedUserError(loadConfig({ cwd: root }), 'an invalid namespace in package.json')
  assert.match(e.message, /^package\.json: "namespace" is "Acme"/, 'the message should start with the file, then name the key')
})

LoadConfig('does not pick up a config file from a parent above the project root', async () => {
  const outer = project({ '.pypackagerc.json': rc({ namespace: 'outer' }), 'inner/pyproject.toml': '', 'inner/src': null })
  const inner = path.join(outer, 'inner')
  const loaded = await loadConfig({ cwd: path.join(inner, 'src') })
  assert.is(loaded.root, inner, 'the root should be the inner project holding pyproject.toml')
  assert.is(loaded.file, undefined, "the parent's .pypackagerc.json should not be used")
  assert.is(loaded.config.namespace, 'pypackage', "the parent's namespace should not leak into the inner project")
})

LoadConfig('an explicit file (--config) is read relative to the cwd, and folders relative to it', async () => {
  const root = project({ 'pyproject.toml': '', 'ci/pypackage.json': rc({ namespace: 'ci', source: '..', dockerDir: 'images' }), 'ci/images': null })
  const loaded = await loadConfig({ cwd: root, file: 'ci/pypackage.json' })
  assert.is(loaded.file, path.join(root, 'ci/pypackage.json'), 'the explicit file should be reported')
  assert.is(loaded.root, path.join(root, 'ci'), "the root should be the explicit file's folder")
  assert.is(loaded.config.namespace, 'ci', 'values should come from the explicit file')
})

LoadConfig("an explicit file is used instead of the project's own config", async () => {
  const root = project({ '.pypackagerc.json': rc({ namespace: 'found' }), 'other.json': rc({ namespace: 'explicit' }) })
  const loaded = await loadConfig({ cwd: root, file: path.join(root, 'other.json') })
  assert.is(loaded.config.namespace, 'explicit', 'an absolute --config path should win over the searched .pypackagerc.json')
})

LoadConfig('an explicit file that does not exist is a UserError naming it', async () => {
  const root = project({ 'pyproject.toml': '' })
  const e = await rejectedUserError(loadConfig({ cwd: root, file: 'conf/missing.json' }), 'a missing --config file')
  assert.match(e.message, 'conf/missing.json', 'the message should name the missing file as given')
  assert.match(e.message, 'not found', 'the message should say the file was not found')
  assert.match(e.hint ?? '', '--config', 'the hint should name the --config option')
  assert.ok(e.cause, 'the file system error should be kept as the cause (shown under --verbose)')
})

LoadConfig('malformed JSON is a UserError naming the file, with a hint about syntax', async () => {
  const root = project({ '.pypackagerc.json': '{ "namespace": "acme", }\n' })
  const e = await rejectedUserError(loadConfig({ cwd: root }), 'a trailing comma')
  assert.match(e.message, /^cannot read /, 'the message should say the file cannot be read')
  assert.match(e.message, /^cannot read \.pypackagerc\.json: /, 'the message should name the file (relative to the cwd)')
  assert.match(e.message, /Expected double-quoted property name|Unexpected token/, 'and say what the parser found')
  assert.match(e.hint ?? '', /syntax/, 'the hint should point at the syntax')
  assert.match(e.hint ?? '', /trailing commas/, 'the hint should mention trailing commas')
  assert.ok(e.cause, 'the parser error should be kept as the cause (shown under --verbose)')
})

LoadConfig('a malformed explicit file is named as given', async () => {
  const root = project({ 'pyproject.toml': '', 'ci/conf.json': '{ "namespace": ' })
  const e = await rejectedUserError(loadConfig({ cwd: root, file: 'ci/conf.json' }), 'truncated JSON in --config')
  assert.match(e.message, /^cannot read ci\/conf\.json: /, 'the message should name the --config path as the user typed it')
  assert.match(e.hint ?? '', /syntax/, 'the hint should point at the syntax')
})

interface Invalid {
  name: string
  config: unknown
  files?: Record<string, string | null>
  key: string
  message: RegExp
  hint: RegExp
}
const invalid: Invalid[] = [
  { name: 'unknown top-level key', config: { namspace: 'acme' }, key: 'namspace', message: /unknown key "namspace"/, hint: /did you mean "namespace"\?/ },
  { name: 'unknown nested key', config: { pip: { indexURL: 'https://pypi.example/simple' } }, key: 'pip.indexURL', message: /unknown key "pip\.indexURL"/, hint: /did you mean "pip\.indexUrl"\?/ },
  { name: 'wrong type', config: { pip: { noIndex: 'yes' } }, key: 'pip.noIndex', message: /"pip\.noIndex" must be a boolean, got string "yes"/, hint: /set "pip\.noIndex" to a boolean/ },
  {
    name: 'wrong type in an array item',
    config: { pip: { findLinks: [3] } },
    key: 'pip.findLinks[0]',
    message: /"pip\.findLinks\[0\]" must be a string, got integer 3/,
    hint: /set "pip\.findLinks\[0\]" to a string/,
  },
  { name: 'missing source folder', config: { source: 'nope' }, key: 'source', message: /"source" names folder "nope", which does not exist/, hint: /create the folder/ },
  {
    name: 'missing findLinks folder',
    config: { pip: { findLinks: ['missing'] } },
    key: 'pip.findLinks[0]',
    message: /"pip\.findLinks\[0\]" names folder "missing", which does not exist/,
    hint: /relative to the project root/,
  },
  {
    name: 'a file where a folder is needed',
    config: { source: 'setup.py' },
    files: { 'setup.py': '' },
    key: 'source',
    message: /"source" names folder "setup\.py", which does not exist/,
    hint: /existing one/,
  },
  { name: 'pattern violation', config: { namespace: 'Bad Name' }, key: 'namespace', message: /"namespace" is "Bad Name", which is not a valid value/, hint: /lower-case letters/ },
  { name: 'port out of range', config: { release: { port: 70000 } }, key: 'release.port', message: /"release\.port" is 70000, above the maximum 65535/, hint: /from 1 to 65535/ },
]
for (const c of invalid) {
  LoadConfig(`${c.name} is a UserError naming the key and the file`, async () => {
    const root = project({ '.pypackagerc.json': rc(c.config), ...c.files })
    const e = await rejectedUserError(loadConfig({ cwd: root }), c.name)
    assert.match(e.message, /^\.pypackagerc\.json: /, "the message should start with the config file's name")
    assert.match(e.message, `"${c.key}"`, `the message should name the key "${c.key}"`)
    assert.match(e.message, c.message, `the message should match ${c.message}`)
    assert.match(e.hint ?? '', c.hint, `the hint should match ${c.hint}`)
    assert.equal(e.details, [], 'a single problem should have no further details')
  })
}

LoadConfig('a folder that does exist relative to the config file is accepted', async () => {
  const root = project({ '.pypackagerc.json': rc({ source: 'app', pip: { findLinks: ['wheels'] } }), app: null, wheels: null, docker: null })
  const loaded = await loadConfig({ cwd: root })
  assert.is(loaded.config.source, 'app', 'an existing source folder should be accepted')
})

LoadConfig('names the file relative to the cwd when run from a sub-folder', async () => {
  const root = project({ '.pypackagerc.json': rc({ namespace: 'Bad' }), 'src/pkg': null })
  const e = await rejectedUserError(loadConfig({ cwd: path.join(root, 'src/pkg') }), 'an invalid namespace seen from a sub-folder')
  assert.match(e.message, /^\.\.\/\.\.\/\.pypackagerc\.json: /, 'the file should be named by a path the user can open from the cwd')
})

LoadConfig('several problems: the first in the message and hint, the rest in details', async () => {
  const root = project({ '.pypackagerc.json': rc({ namspace: 'x', release: { port: 0 }, pip: { noIndex: 1 } }) })
  const e = await rejectedUserError(loadConfig({ cwd: root }), 'three problems')
  assert.is(e.message, '.pypackagerc.json: unknown key "namspace"', 'the message should hold the first problem only')
  assert.is(e.hint, 'did you mean "namespace"?', "the hint should be the first problem's fix")
  assert.is(e.details?.length, 2, 'the two other problems should be in details')
  assert.match(e.details![0], /^"release\.port" is 0, below the minimum 1 \(use a value from 1 to 65535\)$/, 'each detail should hold the problem and, in brackets, its fix')
  assert.match(e.details![1], /^"pip\.noIndex" must be a boolean, got integer 1 \(/, 'details should keep the input order')
})

LoadConfig.run()
