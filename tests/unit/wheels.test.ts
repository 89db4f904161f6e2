import { suite } from 'uvu'
import type { Lock } from '../../lib/shape/locks.js'
import * as assert from 'uvu/assert'
import type { PipConfig } from '../../lib/config/schema.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Inputs } from '../../lib/pipeline/inputs.js'
import type { Project } from '../../lib/project.js'
import {
  builderScript,
  FRONTEND,
  localPackages,
  MANIFEST,
  MOUNT,
  ownerOf,
  packageFiles,
  packagesToBuild,
  pipEnv,
  explainPip,
  pipHint,
  readManifest,
  sourceList,
  sourceLists,
  type LocalPackage,
  type WheelManifest,
} from '../../lib/pipeline/wheels.js'
import { makeTemp, removeTemp, writeTree } from './helpers/tmp.js'

const pipDefaults: PipConfig = { indexUrl: null, extraIndexUrls: [], findLinks: [], noIndex: false, buildIsolation: true }
const pip = (over: Partial<PipConfig>): PipConfig => ({ ...pipDefaults, ...over })

// ---------------------------------------------------------------------------------------------
const PipEnv = suite('pipEnv')

const envCases: { name: string; pip: PipConfig; mounts: string[]; want: Record<string, string> }[] = [
  { name: 'defaults: only the version check is silenced', pip: pipDefaults, mounts: [], want: { PIP_DISABLE_PIP_VERSION_CHECK: '1' } },
  { name: 'noIndex', pip: pip({ noIndex: true }), mounts: [], want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INDEX: '1' } },
  {
    name: 'indexUrl',
    pip: pip({ indexUrl: 'https://pypi.example.com/simple' }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_INDEX_URL: 'https://pypi.example.com/simple' },
  },
  {
    name: 'extraIndexUrls joined by spaces, as pip reads a list from the environment',
    pip: pip({ extraIndexUrls: ['https://a.example/simple', 'https://b.example/simple'] }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_EXTRA_INDEX_URL: 'https://a.example/simple https://b.example/simple' },
  },
  {
    name: 'findLinks as the container mounts, not the host paths',
    pip: pip({ findLinks: ['/home/me/wheels', 'vendor'] }),
    mounts: ['/find-links/0', '/find-links/1'],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_FIND_LINKS: '/find-links/0 /find-links/1' },
  },
  {
    name: 'offline: noIndex with findLinks',
    pip: pip({ noIndex: true, findLinks: ['vendor'] }),
    mounts: ['/find-links/0'],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INDEX: '1', PIP_FIND_LINKS: '/find-links/0' },
  },
  {
    name: 'buildIsolation is not an environment setting (it is in the script)',
    pip: pip({ buildIsolation: false }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  },
]
for (const c of envCases) {
  PipEnv(c.name, () => {
    assert.equal(pipEnv(c.pip, c.mounts), c.want, `the builder environment should be ${JSON.stringify(c.want)}`)
  })
}

PipEnv.run()

// ---------------------------------------------------------------------------------------------
const BuilderScript = suite('builderScript')

const app: LocalPackage = { key: 'app', dir: '/project', mount: MOUNT.source }
const speedups: LocalPackage = { key: 'speedups', dir: '/project/libs/speedups', mount: `${MOUNT.packages}/speedups` }
const shared: LocalPackage = { key: 'shared', dir: '/project/libs/shared', mount: `${MOUNT.packages}/shared` }

type ScriptOpts = Parameters<typeof builderScript>[0]
const scriptLines = (over: Partial<ScriptOpts> = {}) => builderScript({ build: [app], reuse: [], buildIsolation: true, hasPrevious: false, ...over }).split('\n')
const resolveLine = (lines: string[]) => lines.find((l) => l.trim().startsWith('pip wheel --wheel-dir /tmp/all '))

BuilderScript('stops at the first failing command', () => {
  assert.is(scriptLines()[0], 'set -eu', 'the script should start with "set -eu"')
})

BuilderScript('with build isolation, pip builds each package (it installs the build requirements)', () => {
  const lines = scriptLines({ build: [app, speedups], buildIsolation: true })
  for (const p of [app, speedups]) assert.ok(lines.includes(`pip wheel --no-deps --wheel-dir /tmp/local/${p.key} /tmp/src/${p.key}`), `pip should build ${p.key}`)
  assert.not.ok(
    lines.some((l) => l.startsWith(`python ${FRONTEND} /tmp/src/`)),
    'the PEP 517 frontend should not build anything',
  )
})

BuilderScript('without build isolation, our PEP 517 frontend builds each package (no pip start-up)', () => {
  const lines = scriptLines({ build: [app, speedups], buildIsolation: false })
  const written = lines.indexOf(`cat > ${FRONTEND} <<'PY'`)
  assert.ok(written > 0 && lines.indexOf('PY', written) > written, 'the frontend should be written first, from a quoted here-document')
  for (const p of [app, speedups]) assert.ok(lines.includes(`python ${FRONTEND} /tmp/src/${p.key} /tmp/local/${p.key}`), `the frontend should build ${p.key}`)
  assert.not.ok(
    lines.some((l) => l.startsWith('pip wheel --no-deps')),
    'pip should not build our own packages',
  )
})

for (const pkg of [app, speedups]) {
  BuilderScript(`copies ${pkg.key} out of its read-only mount, then builds the copy into its own folder`, () => {
    const lines = scriptLines({ build: [pkg] })
    const copy = lines.findIndex((l) => l.startsWith(`tar -C ${pkg.mount} `))
    const build = lines.indexOf(`pip wheel --no-deps --wheel-dir /tmp/local/${pkg.key} /tmp/src/${pkg.key}`) // buildIsolation: true
    assert.ok(copy >= 0, `${pkg.key} should be copied out of ${pkg.mount}`)
    assert.match(lines[copy], new RegExp(`\\| tar -C /tmp/src/${pkg.key} -xf -$`), `the copy should land in /tmp/src/${pkg.key}`)
    assert.ok(build > copy, `pip should build /tmp/src/${pkg.key} into /tmp/local/${pkg.key}, after the copy`)
    assert.ok(lines.indexOf(`mkdir -p /tmp/src/${pkg.key} /tmp/local/${pkg.key}`) < copy, 'its folders should be made before the copy')
  })
}

BuilderScript('each copy takes exactly the listed files (NUL-separated, no recursion): the list is the inputs', () => {
  const lines = scriptLines({ build: [app, speedups] })
  for (const p of [app, speedups]) {
    const copy = lines.find((l) => l.startsWith(`tar -C ${p.mount} `))!
    assert.match(copy, ` --null --no-recursion -T ${sourceList(p.key)} -cf - `, `${p.key} should be copied from its list only`)
    assert.not.match(copy, /--exclude|-cf - \./, 'no tree walk of its own: what the list leaves out never reaches the builder')
  }
})

const SourceLists = suite('sourceLists')

SourceLists('each file input goes to the deepest package holding it, relative to that package', () => {
  const inputs: Inputs = { builder: 'b', 'file:manage.py': '1', 'file:site/views.py': '2', 'file:libs/speedups/setup.py': '3', 'file:libs/speedups/s.c': '4', 'file:libs/other.txt': '5' }
  const lists = sourceLists(inputs, [
    { key: 'app', rel: '' },
    { key: 'speedups', rel: 'libs/speedups' },
  ])
  assert.equal(lists, { app: ['libs/other.txt', 'manage.py', 'site/views.py'], speedups: ['s.c', 'setup.py'] })
})

SourceLists('a package with no file input gets an empty list (tar then copies nothing)', () => {
  assert.equal(sourceLists({ builder: 'b' }, [{ key: 'app', rel: '' }]), { app: [] })
})

SourceLists.run()

BuilderScript('a reused package is copied from the previous wheelhouse, not built', () => {
  const lines = scriptLines({ build: [app], reuse: [{ key: 'speedups', wheel: 'speedups-1.0-cp312-linux_x86_64.whl' }], hasPrevious: true })
  assert.ok(lines.includes(`cp ${MOUNT.previous}/speedups-1.0-cp312-linux_x86_64.whl /tmp/local/speedups/`), 'the previous wheel should be copied to /tmp/local/speedups')
  assert.not.ok(
    lines.some((l) => l.includes('/tmp/src/speedups')),
    'a reused package should be neither copied nor built',
  )
})

BuilderScript('every command that can fail stands on its own line: under set -e an && list would hide its failure', () => {
  const lines = scriptLines({
    build: [app, shared],
    reuse: [{ key: 'speedups', wheel: 's.whl' }],
    hasPrevious: true,
    requirements: ['/application/requirements.txt'],
    previous: { wheels: { app: 'a.whl', shared: 'b.whl' }, dependencies: ['d.whl'] },
  })
  const chained = lines.filter((l) => l.includes('&&') && /\b(pip|cp|python)\b/.test(l))
  assert.equal(chained, [], 'no pip, cp or python command inside an && list')
})

const links: { name: string; over: Partial<ScriptOpts>; want: string }[] = [
  { name: 'the built package, without a previous wheelhouse', over: {}, want: '--find-links /tmp/local/app --find-links /tmp/all /tmp/local/*/*.whl' },
  {
    name: 'built and reused packages, then the previous wheelhouse',
    over: { build: [app, shared], reuse: [{ key: 'speedups', wheel: 's.whl' }], hasPrevious: true },
    want: `--find-links /tmp/local/app --find-links /tmp/local/shared --find-links /tmp/local/speedups --find-links ${MOUNT.previous} --find-links /tmp/all /tmp/local/*/*.whl`,
  },
]
for (const c of links) {
  BuilderScript(`resolves dependencies with find-links: ${c.name}`, () => {
    assert.is(resolveLine(scriptLines(c.over)), `pip wheel --wheel-dir /tmp/all ${c.want}`, `the resolve command should end with "${c.want}"`)
  })
}

BuilderScript('fills the wheelhouse after the dependencies were resolved', () => {
  const lines = scriptLines()
  const resolve = lines.indexOf(resolveLine(lines)!)
  const out = lines.indexOf(`cp /tmp/all/*.whl ${MOUNT.wheelhouse}/all/`)
  assert.ok(resolve >= 0, 'dependencies should be resolved')
  assert.ok(out > resolve, 'the wheels should be copied to the wheelhouse after all were built')
})

for (const buildIsolation of [true, false]) {
  BuilderScript(`reuses the previous dependency wheels when every rebuilt wheel had one before (Requires-Dist compared${buildIsolation ? ', after pip' : ', by the last build'})`, () => {
    const lines = scriptLines({
      build: [app],
      buildIsolation,
      hasPrevious: true,
      previous: { wheels: { app: 'app-0.1-py3-none-any.whl' }, dependencies: ['django-5.0-py3-none-any.whl', 'asgiref-3.8-py3-none-any.whl'] },
    })
    const pair = `/tmp/local/app=${MOUNT.previous}/app-0.1-py3-none-any.whl`
    const compare = lines.indexOf(buildIsolation ? `python ${FRONTEND} --compare ${pair}` : `python ${FRONTEND} /tmp/src/app /tmp/local/app ${pair}`)
    assert.ok(compare > 0, 'the new app wheel should be compared with its previous wheel')
    const test = lines.indexOf('if [ -e /tmp/requires-unchanged ]; then')
    const otherwise = lines.indexOf('else')
    const reuse = lines.indexOf(`  cp ${MOUNT.previous}/django-5.0-py3-none-any.whl ${MOUNT.previous}/asgiref-3.8-py3-none-any.whl /tmp/all/`)
    assert.ok(compare < test && test < reuse && reuse < otherwise, 'when Requires-Dist is unchanged the previous dependency wheels should be copied')
    assert.ok(lines.indexOf(resolveLine(lines)!) > otherwise && lines.indexOf('fi') > otherwise, 'otherwise the dependencies should be resolved again')
  })
}

BuilderScript('with no previous dependency wheels the unchanged branch copies only the local wheels', () => {
  const lines = scriptLines({ hasPrevious: true, previous: { wheels: { app: 'app-0.1-py3-none-any.whl' }, dependencies: [] } })
  assert.ok(lines.includes('  cp /tmp/local/*/*.whl /tmp/all/'), 'only the local wheels should be copied')
  assert.not.ok(
    lines.some((l) => l.includes(`cd ${MOUNT.previous}`)),
    'no dependency copy should appear',
  )
})

BuilderScript('always resolves when a rebuilt package had no wheel before', () => {
  const lines = scriptLines({ build: [app, speedups], hasPrevious: true, previous: { wheels: { app: 'app-0.1-py3-none-any.whl' }, dependencies: ['django-5.0-py3-none-any.whl'] } })
  assert.not.ok(
    lines.some((l) => l.startsWith('if [ -e /tmp/requires-unchanged') || (l.startsWith(`python ${FRONTEND} `) && l.includes('='))),
    'there should be no Requires-Dist comparison',
  )
  assert.ok(lines.includes(resolveLine(lines)!) && !resolveLine(lines)!.startsWith(' '), 'the dependencies should be resolved unconditionally')
})

BuilderScript('always resolves without a previous build', () => {
  const lines = scriptLines()
  assert.not.ok(
    lines.some((l) => l.startsWith('if [ -e /tmp/requires-unchanged') || (l.startsWith(`python ${FRONTEND} `) && l.includes('='))),
    'there should be no Requires-Dist comparison',
  )
  assert.ok(resolveLine(lines)?.startsWith('pip wheel'), 'the dependencies should be resolved unconditionally')
})

BuilderScript('gives the wheelhouse back to the owner when one is given', () => {
  const lines = scriptLines({ owner: '1000:1000' })
  assert.is(lines[lines.length - 1], `chown -R 1000:1000 ${MOUNT.wheelhouse}`, 'the last command should chown the wheelhouse to the owner')
})

BuilderScript('does not chown without an owner', () => {
  assert.not.ok(
    scriptLines().some((l) => l.includes('chown')),
    'without an owner there should be no chown',
  )
})

BuilderScript.run()

// ---------------------------------------------------------------------------------------------
const ExplainPip = suite('explainPip')

const lock: Lock = { file: 'poetry.lock', kind: 'poetry', packages: [{ name: 'flask', version: '2.3.0', hashes: [], groups: ['main'] }] }
const hints: { name: string; lines: string[]; lock?: Lock; message?: RegExp; want: RegExp }[] = [
  {
    name: 'a missing distribution is named, and what the index has, with the config keys that fix it',
    lines: [
      'Looking in links: /find-links/0',
      'ERROR: Could not find a version that satisfies the requirement gunicorn>=20 (from versions: none)',
      'ERROR: No matching distribution found for gunicorn>=20',
    ],
    message: /^the package index has no gunicorn>=20 \(it has no gunicorn at all\)$/,
    want: /^add a folder holding it to "pip\.findLinks", or set "pip\.indexUrl"/,
  },
  {
    name: "a lock's pin the index lacks: the package, the locked version, what the index has",
    lines: ['ERROR: Could not find a version that satisfies the requirement flask==2.3.0 (from versions: 2.2.2)', 'ERROR: No matching distribution found for flask==2.3.0'],
    lock,
    message: /^poetry\.lock pins flask 2\.3\.0, but the package index has only 2\.2\.2$/,
    want: /update the lock.*"pip\.indexUrl"/,
  },
  {
    name: 'a requirements line pip cannot read: file and line',
    lines: ["ERROR: Invalid requirement: 'Django>>3' (from line 2 of /application/requirements/base.txt)"],
    message: /^requirements\/base\.txt:2: pip cannot read the requirement "Django>>3"$/,
    want: /fix that line/,
  },
  {
    name: "the tool's own frontend explains itself",
    lines: [
      'ERROR: No matching distribution found for flit_core<4',
      'error: cannot install flit_core<4, the build requirements of /tmp/src/app, from the package index or pip.findLinks: add a folder',
    ],
    message: /^cannot install flit_core<4, the build requirements of \/tmp\/src\/app/,
    want: /output is above/,
  },
  {
    name: 'a compiler failure points at the C extension and the builder Dockerfile',
    lines: ["building 'speedups' extension", "error: command '/usr/bin/gcc' failed with exit code 1"],
    want: /C extension failed to compile.*docker\/builder\/Dockerfile/,
  },
  {
    name: 'a missing header is a compile failure too',
    lines: ['speedups.c:1:10: fatal error: Python.h: No such file or directory'],
    want: /C extension failed to compile/,
  },
  {
    name: 'no usable version without the "No matching distribution" line',
    lines: ['ERROR: Could not find a version that satisfies the requirement django<1'],
    want: /no wheel or sdist usable here.*"pip\.findLinks"/,
  },
  {
    name: 'a Python version mismatch',
    lines: ["ERROR: Package 'x' requires a different Python: 3.11.2 not in '>=3.12'"],
    want: /no wheel or sdist usable here/,
  },
  { name: 'anything else falls back to reading the output', lines: ['Killed'], want: /^read pip's output above; run with --verbose/ },
  { name: 'no output at all falls back too', lines: [], want: /^read pip's output above/ },
]
for (const c of hints) {
  ExplainPip(c.name, () => {
    const why = explainPip(c.lines, c.lock)
    assert.match(why.hint, c.want, `the hint should match ${c.want}`)
    if (c.message) assert.match(why.message ?? '', c.message, `the message should match ${c.message}`)
    assert.is(pipHint(c.lines), explainPip(c.lines).hint, 'pipHint is the hint alone')
  })
}

ExplainPip.run()

// ---------------------------------------------------------------------------------------------
const LocalPackages = suite('localPackages')

/** Only the fields localPackages reads. */
const projectWith = (source: string, locals: string[]) => ({ source, localPackages: locals }) as Project

LocalPackages('the app alone, mounted at the source mount', () => {
  assert.equal(localPackages(projectWith('/p/src', [])), [{ key: 'app', dir: '/p/src', mount: MOUNT.source }], 'only the app should be listed')
})

LocalPackages('the app first, then each local package keyed and mounted by its folder name', () => {
  assert.equal(
    localPackages(projectWith('/p', ['/p/libs/speedups', '/p/vendor/shared'])),
    [
      { key: 'app', dir: '/p', mount: MOUNT.source },
      { key: 'speedups', dir: '/p/libs/speedups', mount: `${MOUNT.packages}/speedups` },
      { key: 'shared', dir: '/p/vendor/shared', mount: `${MOUNT.packages}/shared` },
    ],
    'packages should follow the app, in config order, keyed by folder name',
  )
})

const clashes: { name: string; locals: string[]; want: string[] }[] = [
  { name: 'two packages with the same folder name', locals: ['/p/a/common', '/p/b/common'], want: ['app', 'common', 'common-2'] },
  { name: 'a package folder called app', locals: ['/p/libs/app'], want: ['app', 'app-2'] },
  { name: 'three of a kind', locals: ['/p/a/core', '/p/b/core', '/p/c/core'], want: ['app', 'core', 'core-2', 'core-3'] },
]
for (const c of clashes) {
  LocalPackages(`unique keys and mounts when folder names clash: ${c.name}`, () => {
    const pkgs = localPackages(projectWith('/p', c.locals))
    assert.equal(
      pkgs.map((p) => p.key),
      c.want,
      `the keys should be ${c.want.join(', ')}`,
    )
    assert.equal(
      pkgs.slice(1).map((p) => p.mount),
      c.want.slice(1).map((k) => `${MOUNT.packages}/${k}`),
      'each package should be mounted under its own key',
    )
    assert.equal(
      pkgs.map((p) => p.dir),
      ['/p', ...c.locals],
      'each key should keep its own folder',
    )
  })
}

LocalPackages.run()

// ---------------------------------------------------------------------------------------------
const OwnerOf = suite('ownerOf')

const rootApp = [
  { key: 'app', rel: '' },
  { key: 'speedups', rel: 'libs/speedups' },
  { key: 'inner', rel: 'libs/speedups/inner' },
]
const srcApp = [
  { key: 'app', rel: 'src' },
  { key: 'shared', rel: 'packages/shared' },
]
const owners: { name: string; rel: string; pkgs: { key: string; rel: string }[]; want: string | undefined }[] = [
  { name: 'a file of an app at the root', rel: 'manage.py', pkgs: rootApp, want: 'app' },
  { name: 'a file of a package nested in the app', rel: 'libs/speedups/setup.py', pkgs: rootApp, want: 'speedups' },
  { name: 'the deepest package wins', rel: 'libs/speedups/inner/x.py', pkgs: rootApp, want: 'inner' },
  { name: 'a folder that only starts like a package belongs to the app', rel: 'libs/speedups-old/x.py', pkgs: rootApp, want: 'app' },
  { name: 'a file of an app in src/', rel: 'src/pollsite/settings.py', pkgs: srcApp, want: 'app' },
  { name: 'a package beside the app', rel: 'packages/shared/pyproject.toml', pkgs: srcApp, want: 'shared' },
  { name: 'a file in no package', rel: 'docs/index.md', pkgs: srcApp, want: undefined },
  { name: 'a sibling whose name starts like src', rel: 'src2/x.py', pkgs: srcApp, want: undefined },
]
for (const c of owners) {
  OwnerOf(`${c.name}: ${c.rel} → ${c.want}`, () => {
    assert.is(ownerOf(c.rel, c.pkgs), c.want, `${c.rel} should belong to ${c.want}`)
  })
}

OwnerOf.run()

// ---------------------------------------------------------------------------------------------
const PackagesToBuild = suite('packagesToBuild')

const pkgRels = [
  { key: 'app', rel: '' },
  { key: 'speedups', rel: 'libs/speedups' },
]
const baseInputs: Inputs = { builder: 'sha256:b1', pip: 'p1', 'file:manage.py': 'h1', 'file:libs/speedups/setup.py': 'h2' }
const manifest = (inputs: Inputs, packages: Record<string, string> = { app: 'app.whl', speedups: 'speedups.whl' }): WheelManifest => ({
  inputs,
  packages,
  dependencies: ['django.whl'],
  sha256: {},
})

const toBuild: { name: string; previous: WheelManifest | undefined; inputs: Inputs; want: string[] }[] = [
  { name: 'everything when nothing was built before', previous: undefined, inputs: baseInputs, want: ['app', 'speedups'] },
  { name: 'everything when the builder image changed', previous: manifest(baseInputs), inputs: { ...baseInputs, builder: 'sha256:b2' }, want: ['app', 'speedups'] },
  { name: 'everything when the pip settings changed', previous: manifest(baseInputs), inputs: { ...baseInputs, pip: 'p2' }, want: ['app', 'speedups'] },
  { name: 'nothing when nothing changed', previous: manifest(baseInputs), inputs: baseInputs, want: [] },
  { name: 'the app when one of its files changed', previous: manifest(baseInputs), inputs: { ...baseInputs, 'file:manage.py': 'h9' }, want: ['app'] },
  { name: 'only the nested package when its file changed', previous: manifest(baseInputs), inputs: { ...baseInputs, 'file:libs/speedups/setup.py': 'h9' }, want: ['speedups'] },
  { name: 'the owner of an added file', previous: manifest(baseInputs), inputs: { ...baseInputs, 'file:libs/speedups/fast.c': 'h3' }, want: ['speedups'] },
  {
    name: 'the owner of a removed file',
    previous: manifest(baseInputs),
    inputs: Object.fromEntries(Object.entries(baseInputs).filter(([k]) => k !== 'file:manage.py')),
    want: ['app'],
  },
  { name: 'a package with no previous wheel', previous: manifest(baseInputs, { app: 'app.whl' }), inputs: baseInputs, want: ['speedups'] },
  {
    name: 'both, in package order, when both changed',
    previous: manifest(baseInputs),
    inputs: { ...baseInputs, 'file:libs/speedups/setup.py': 'h8', 'file:manage.py': 'h9' },
    want: ['app', 'speedups'],
  },
]
for (const c of toBuild) {
  PackagesToBuild(c.name, () => {
    assert.equal(packagesToBuild(c.previous, c.inputs, pkgRels), c.want, `the packages to build should be [${c.want.join(', ')}]`)
  })
}

PackagesToBuild.run()

// ---------------------------------------------------------------------------------------------
const PackageFiles = suite('packageFiles')

let tmp: string
let appPkg: LocalPackage
let nestedPkg: LocalPackage
PackageFiles.before(() => {
  tmp = makeTemp('package-files')
  writeTree(tmp, {
    'pyproject.toml': '[project]\nname = "app"\n',
    '.gitignore': '/coverage/\n',
    'pollsite/__init__.py': '',
    'pollsite/settings.py': 'DEBUG = False\n',
    // build, dist and .venv are leftovers at the top, but ordinary folders deeper down
    'pollsite/build/helpers.py': '',
    'pollsite/dist/readme.txt': '',
    'pollsite/.venv/keep.txt': '',
    'build/lib/pollsite/__init__.py': '',
    'dist/app-0.1.tar.gz': 'x',
    '.venv/bin/python': '',
    // caches and VCS anywhere
    '.git/HEAD': 'ref: refs/heads/main\n',
    'vendor/lib/.git/config': '',
    'node_modules/x/index.js': '',
    'pollsite/__pycache__/settings.cpython-312.pyc': '',
    'pollsite/old.pyc': '',
    'app.egg-info/PKG-INFO': '',
    'pollsite/sub.egg-info/PKG-INFO': '',
    // the wheelhouse and a nested local package belong elsewhere
    'wheelhouse/app-0.1-py3-none-any.whl': '',
    'wheelhouse.txt': 'not the wheelhouse',
    'libs/speedups/setup.py': '',
    'libs/speedups/speedups.c': '',
    'libs/speedups/build/temp.o': '',
    'libs/speedups-notes.txt': '',
  })
  appPkg = { key: 'app', dir: tmp, mount: MOUNT.source }
  nestedPkg = { key: 'speedups', dir: path.join(tmp, 'libs/speedups'), mount: `${MOUNT.packages}/speedups` }
})
PackageFiles.after(() => removeTemp(tmp))

PackageFiles('the app: sources kept, excludes, the wheelhouse and the nested package left out', async () => {
  const files = await packageFiles(appPkg, [nestedPkg], path.join(tmp, 'wheelhouse'))
  assert.equal(
    files.map((f) => path.relative(tmp, f)),
    [
      '.gitignore',
      'libs/speedups-notes.txt',
      'pollsite/.venv/keep.txt',
      'pollsite/__init__.py',
      'pollsite/build/helpers.py',
      'pollsite/dist/readme.txt',
      'pollsite/settings.py',
      'pyproject.toml',
      'wheelhouse.txt',
    ],
    "only the app's own sources should be listed, sorted",
  )
})

PackageFiles('absolute paths under the package folder', async () => {
  const files = await packageFiles(appPkg, [nestedPkg], path.join(tmp, 'wheelhouse'))
  assert.ok(files.length > 0 && files.every((f) => path.isAbsolute(f) && f.startsWith(tmp + path.sep)), 'every path should be absolute, inside the package')
})

PackageFiles('a nested package: its own files, its own top-level build left out, the app outside it ignored', async () => {
  const files = await packageFiles(nestedPkg, [appPkg], path.join(tmp, 'wheelhouse'))
  assert.equal(
    files.map((f) => path.relative(nestedPkg.dir, f)),
    ['setup.py', 'speedups.c'],
    "only the package's sources should be listed",
  )
})

PackageFiles('a folder that is not a local package is part of the app, deep build folders included', async () => {
  const files = (await packageFiles(appPkg, [], path.join(tmp, 'wheelhouse'))).map((f) => path.relative(tmp, f))
  for (const f of ['libs/speedups/setup.py', 'libs/speedups/build/temp.o']) {
    assert.ok(files.includes(f), `${f} should belong to the app when libs/speedups is not a local package`)
  }
})

PackageFiles.run()

// ---------------------------------------------------------------------------------------------
const ReadManifest = suite('readManifest')

const goodManifest: WheelManifest = {
  inputs: { builder: 'sha256:b1', pip: 'p1', 'file:manage.py': 'h1' },
  packages: { app: 'app-0.1-py3-none-any.whl' },
  dependencies: ['django-5.0-py3-none-any.whl'],
  sha256: { 'app-0.1-py3-none-any.whl': 'aa', 'django-5.0-py3-none-any.whl': 'bb' },
}
const wheels = { 'app-0.1-py3-none-any.whl': 'zip', 'django-5.0-py3-none-any.whl': 'zip' }

let manifests: string
ReadManifest.before(() => {
  manifests = makeTemp('manifest')
})
ReadManifest.after(() => removeTemp(manifests))

/** A wheelhouse folder holding `files`, and a manifest (an object, raw text, or none). */
function wheelhouse(name: string, files: Record<string, string>, m?: unknown): string {
  const dir = path.join(manifests, name)
  mkdirSync(dir, { recursive: true })
  writeTree(dir, files)
  if (m !== undefined) writeFileSync(path.join(dir, MANIFEST), typeof m === 'string' ? m : JSON.stringify(m))
  return dir
}

ReadManifest('a valid manifest whose wheels are all there', async () => {
  assert.equal(await readManifest(wheelhouse('valid', wheels, goodManifest)), goodManifest, 'the manifest should be returned as written')
})

const invalid: { name: string; files: Record<string, string>; manifest?: unknown }[] = [
  { name: 'a listed dependency wheel is missing', files: { 'app-0.1-py3-none-any.whl': 'zip' }, manifest: goodManifest },
  { name: 'a listed package wheel is missing', files: { 'django-5.0-py3-none-any.whl': 'zip' }, manifest: goodManifest },
  { name: 'the old layout without inputs', files: wheels, manifest: { packages: goodManifest.packages, dependencies: goodManifest.dependencies, sha256: goodManifest.sha256 } },
  { name: 'no sha256 map', files: wheels, manifest: { ...goodManifest, sha256: undefined } },
  { name: 'no package wheels', files: wheels, manifest: { ...goodManifest, packages: {} } },
  { name: 'no dependencies list', files: wheels, manifest: { ...goodManifest, dependencies: undefined } },
  { name: 'not JSON', files: wheels, manifest: '{ nope' },
  { name: 'no manifest', files: wheels },
]
for (const c of invalid) {
  ReadManifest(`undefined when ${c.name}`, async () => {
    const dir = wheelhouse(c.name.replace(/\W+/g, '-'), c.files, c.manifest)
    assert.is(await readManifest(dir), undefined, `${c.name}: the wheels should be treated as never built`)
  })
}

ReadManifest('undefined when the wheelhouse does not exist', async () => {
  assert.is(await readManifest(path.join(manifests, 'absent')), undefined, 'a missing folder should read as no manifest')
})

ReadManifest.run()
