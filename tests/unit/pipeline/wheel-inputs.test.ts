import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import path from 'node:path'
import type { Inputs } from '../../../lib/pipeline/inputs.js'
import type { Project } from '../../../lib/project.js'
import { MOUNT } from '../../../lib/pipeline/builder-mounts.js'
import type { WheelManifest } from '../../../lib/pipeline/wheel-manifest.js'
import { localPackages, ownerOf, packageFiles, packagesToBuild, sourceLists, type LocalPackage } from '../../../lib/pipeline/wheel-inputs.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// ---------------------------------------------------------------------------------------------
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
