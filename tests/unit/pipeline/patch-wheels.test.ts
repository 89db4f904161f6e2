import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { patchWheels } from '../../../lib/pipeline/patch-wheels.js'
import { wheelInputs } from '../../../lib/pipeline/wheel-inputs.js'
import { manifestOf, readManifest, writeManifest } from '../../../lib/pipeline/wheel-manifest.js'
import { recordHash } from '../../../lib/pipeline/wheel-patch.js'
import { buildWheels } from '../../../lib/pipeline/wheels.js'
import { entryContent, readZip, withContent, writeZip } from '../../../lib/pipeline/wheel-zip.js'
import { createFakeEngine, type FakeEngine } from '../../helpers/fake-engine.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// The patch on disk: an application (the tool's own app wheel) with a previous wheelhouse whose
// app wheel holds app.py verbatim, as its manifest says; then app.py edited.

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../tests/fixtures/wheels')
const APP = 'app-0-py3-none-any.whl'
const FLASK = 'flask-2.2.2-py3-none-any.whl'

/** A wheel holding `files` (and their RECORD), its entries shaped as the fixture's. */
function wheelOf(files: Record<string, string>): Buffer {
  const template = readZip(readFileSync(path.join(fixtures, 'tiny-0.1-py3-none-any.whl'))).entries[1]
  const record = Object.entries(files).map(([n, t]) => `${n},${recordHash(Buffer.from(t))},${Buffer.byteLength(t)}\n`)
  const all = { ...files, 'app-0.dist-info/RECORD': `${record.join('')}app-0.dist-info/RECORD,,\n` }
  return writeZip({ entries: Object.entries(all).map(([name, text]) => ({ ...withContent(template, Buffer.from(text)), name })), comment: Buffer.alloc(0) })
}

let root: string
let engine: FakeEngine

/** The task context, over a fake engine that must not be called. */
const contextOf = (config: Record<string, unknown> = {}) => taskContext(engine, { root, shape: 'detect', config: { pip: { findLinks: ['.cache/links'], noIndex: true }, ...config } }).ctx

const Patch = suite('patchWheels')
Patch.before.each(async () => {
  root = makeTemp('patch-wheels')
  writeTree(root, { 'app.py': 'app = None\n', 'requirements.txt': 'flask\n', '.cache/links/flask-2.2.2-py3-none-any.whl': 'flask' })
  engine = createFakeEngine({ images: [] })
  const wheelhouse = path.join(root, 'wheelhouse')
  writeTree(wheelhouse, { [FLASK]: 'flask' })
  writeFileSync(path.join(wheelhouse, APP), wheelOf({ 'app.py': 'app = None\n' }))
  const inputs = await wheelInputs(contextOf().project, 'sha256:builder')
  await writeManifest(wheelhouse, await manifestOf(wheelhouse, inputs, { app: APP }))
})
Patch.after.each(() => removeTemp(root))

/** Edit app.py, then patch for the inputs that gives. */
async function editAndPatch(config: Record<string, unknown> = {}) {
  writeFileSync(path.join(root, 'app.py'), 'app = "patched"\n')
  const ctx = contextOf(config)
  return patchWheels(ctx, await wheelInputs(ctx.project, 'sha256:builder'))
}

const appPy = () => entryContent(readZip(readFileSync(path.join(root, 'wheelhouse', APP))).entries.find((e) => e.name === 'app.py')!).toString()

Patch('an edit of app.py: the app wheel patched, the other wheels as they were, the manifest of the new inputs; no engine call', async () => {
  const r = await editAndPatch()
  assert.ok(!('refuse' in r), `the patch should be done, got ${JSON.stringify(r)}`)
  if ('refuse' in r) return
  assert.equal(r.built.patched, [{ file: APP, files: ['app.py'] }], 'the app wheel, one file')
  assert.equal(r.built.built, [], 'nothing built')
  assert.is(appPy(), 'app = "patched"\n', 'the wheelhouse’s app wheel holds the new app.py')
  assert.is(readFileSync(path.join(root, 'wheelhouse', FLASK), 'utf8'), 'flask', 'the dependency wheel is kept')
  const manifest = await readManifest(path.join(root, 'wheelhouse'))
  assert.is(manifest?.inputs['file:app.py'], r.manifest.inputs['file:app.py'], 'the manifest on disk is the new one')
  assert.equal(engine.calls, [], 'the engine is not asked anything')
})

Patch('buildWheels patches it too, without the builder', async () => {
  writeFileSync(path.join(root, 'app.py'), 'app = "patched"\n')
  const ctx = contextOf()
  const { built } = await buildWheels(ctx, 'acme/app-builder:abc1234', await wheelInputs(ctx.project, 'sha256:builder'), () => {})
  assert.equal(built.patched?.[0]?.file, APP, 'the app wheel is patched')
  assert.equal(engine.calls, [], 'no container runs')
})

Patch('engine.patchWheels false: refused, the wheelhouse as it was', async () => {
  const r = await editAndPatch({ engine: { patchWheels: false } })
  assert.ok('refuse' in r && /patchWheels/.test(r.refuse), `refused by the setting, got ${JSON.stringify(r)}`)
  assert.is(appPy(), 'app = None\n', 'the app wheel is untouched')
})

Patch('the app wheel is not the one the manifest lists: refused, the wheelhouse as it was', async () => {
  writeFileSync(path.join(root, 'wheelhouse', APP), wheelOf({ 'app.py': 'app = None\n', 'extra.py': '' }))
  const r = await editAndPatch()
  assert.ok('refuse' in r && /not the last build's/.test(r.refuse), `refused, got ${JSON.stringify(r)}`)
})

Patch('a file edited again after it was hashed: refused', async () => {
  const ctx = contextOf()
  writeFileSync(path.join(root, 'app.py'), 'app = "patched"\n')
  const inputs = await wheelInputs(ctx.project, 'sha256:builder')
  writeFileSync(path.join(root, 'app.py'), 'app = "again"\n')
  const r = await patchWheels(ctx, inputs)
  assert.ok('refuse' in r && /changed while it was read/.test(r.refuse), `refused, got ${JSON.stringify(r)}`)
  assert.is(appPy(), 'app = None\n', 'the app wheel is untouched')
})

Patch.run()
