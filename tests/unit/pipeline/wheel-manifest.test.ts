import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { assertWheelsFor, builtForOther, forgetManifests, MANIFEST, manifestOf, projectManifest, readManifest, writeManifest, type WheelManifest } from '../../../lib/pipeline/wheel-manifest.js'
import { userError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

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

// ---------------------------------------------------------------------------------------------
const ManifestOf = suite('manifestOf')

let built: string
ManifestOf.before(() => {
  built = writeTree(makeTemp('manifest-of'), { 'b-1.0-py3-none-any.whl': 'b', 'app-0.1-py3-none-any.whl': 'app', 'a-2.0-py3-none-any.whl': 'a', 'notes.txt': 'not a wheel' })
})
ManifestOf.after(() => removeTemp(built))

ManifestOf('the local wheels are packages, every other wheel a dependency (sorted), each hashed as written', async () => {
  const inputs = { builder: 'sha256:b1' }
  const m = await manifestOf(built, inputs, { app: 'app-0.1-py3-none-any.whl' })
  const sum = (text: string) => createHash('sha256').update(text).digest('hex')
  assert.equal(m.inputs, inputs, 'the inputs should be kept as given')
  assert.equal(m.packages, { app: 'app-0.1-py3-none-any.whl' }, 'the packages should be kept as given')
  assert.equal(m.dependencies, ['a-2.0-py3-none-any.whl', 'b-1.0-py3-none-any.whl'], 'the other wheels, sorted, should be the dependencies')
  assert.equal(m.sha256, { 'a-2.0-py3-none-any.whl': sum('a'), 'app-0.1-py3-none-any.whl': sum('app'), 'b-1.0-py3-none-any.whl': sum('b') }, 'every wheel (and nothing else) should be hashed')
})

ManifestOf('the Python the wheels were built for is recorded (version and OS image); none given, none recorded', async () => {
  const python = { version: '3.13', image: 'debian:trixie-slim', imageFrom: 'built-in', from: { source: 'default' } }
  assert.equal((await manifestOf(built, {}, { app: 'app-0.1-py3-none-any.whl' }, python)).python, { version: '3.13', image: 'debian:trixie-slim' })
  assert.not.ok('python' in (await manifestOf(built, {}, { app: 'app-0.1-py3-none-any.whl' })), 'no python key without one')
})

ManifestOf.run()

// ---------------------------------------------------------------------------------------------
const ForOther = suite('builtForOther, assertWheelsFor: wheels for one Python never go into another')

const withPython = (version?: string): WheelManifest => ({ ...goodManifest, ...(version ? { python: { version, image: 'os' } } : {}) })

ForOther('the other Python when it differs; nothing when it is the same, or the manifest predates the record', () => {
  assert.is(builtForOther(withPython('3.11'), { version: '3.13' }), '3.11')
  assert.is(builtForOther(withPython('3.13'), { version: '3.13' }), undefined)
  assert.is(builtForOther(withPython(), { version: '3.13' }), undefined, 'an older manifest names no Python: taken as fitting')
  assert.is(builtForOther(undefined, { version: '3.13' }), undefined, 'no manifest')
})

ForOther('a wheelhouse for another Python: an error naming both Pythons and the folder, with the task that rebuilds it', () => {
  const e = userError(() => assertWheelsFor(withPython('3.11'), { version: '3.13' }, 'wheelhouse'), 'other Python')
  assert.is(e.message, 'the wheelhouse (wheelhouse) holds wheels built for Python 3.11, and the project now runs Python 3.13')
  assert.match(e.hint ?? '', /pypackage-tasks build/)
  assertWheelsFor(withPython('3.13'), { version: '3.13' }, 'wheelhouse')
})

ForOther.run()

// ---------------------------------------------------------------------------------------------
const WriteManifest = suite('writeManifest')

let written: string
WriteManifest.before(() => {
  written = writeTree(makeTemp('write-manifest'), wheels)
})
WriteManifest.after(() => removeTemp(written))

WriteManifest('writes what readManifest reads back, as indented JSON ending in a newline', async () => {
  await writeManifest(written, goodManifest)
  assert.ok(readFileSync(path.join(written, MANIFEST), 'utf8').endsWith('}\n'), 'the file should end with a newline')
  assert.equal(await readManifest(written), goodManifest, 'the manifest should read back as written')
})

WriteManifest.run()

// ---------------------------------------------------------------------------------------------
const ProjectManifest = suite('projectManifest, forgetManifests: read once per run, again after a wheelhouse was written')

let memoDir: string
ProjectManifest.before(() => {
  memoDir = makeTemp('manifest-memo')
  writeTree(memoDir, wheels)
  writeFileSync(path.join(memoDir, MANIFEST), JSON.stringify(goodManifest))
})
ProjectManifest.after(() => removeTemp(memoDir))

ProjectManifest('one read per project object; another object (the next run) reads the folder again', async () => {
  const project = { wheelhouse: memoDir }
  const first = await projectManifest(project)
  assert.equal(first, goodManifest, 'the manifest should be read')
  writeFileSync(path.join(memoDir, MANIFEST), JSON.stringify({ ...goodManifest, inputs: { changed: '1' } }))
  assert.is(await projectManifest(project), first, 'the same run should get what it read')
  assert.equal((await projectManifest({ wheelhouse: memoDir }))?.inputs, { changed: '1' }, 'another run should read the file as it is now')
})

ProjectManifest('forgetManifests: the same project reads the wheelhouse again', async () => {
  const project = { wheelhouse: memoDir }
  writeFileSync(path.join(memoDir, MANIFEST), JSON.stringify(goodManifest))
  assert.equal(await projectManifest(project), goodManifest)
  writeFileSync(path.join(memoDir, MANIFEST), JSON.stringify({ ...goodManifest, inputs: { again: '2' } }))
  forgetManifests()
  assert.equal((await projectManifest(project))?.inputs, { again: '2' }, 'the manifest written after the first read should be read')
})

ProjectManifest.run()
