import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { WheelManifest } from '../../../lib/pipeline/wheel-manifest.js'
import { backendRefusal, isVerbatimFile, patchableChanges, patchWheel, recordHash, type Replacement } from '../../../lib/pipeline/wheel-patch.js'
import { entryContent, readZip, withContent, writeZip } from '../../../lib/pipeline/wheel-zip.js'

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../tests/fixtures/wheels')
/** A wheel as Python's zipfile wrote it (tests/fixtures/wheels/README.md). */
const tiny = () => readFileSync(path.join(fixtures, 'tiny-0.1-py3-none-any.whl'))
/** A file's input hash, as inputs.ts hashFile makes it. */
const inputHash = (text: string | Buffer, x = false) =>
  createHash('sha256')
    .update(Buffer.concat([Buffer.from(x ? 'x:' : '-:'), Buffer.from(text)]))
    .digest('hex')
    .slice(0, 16)

// ---------------------------------------------------------------------------------------------
const IsVerbatimFile = suite('isVerbatimFile')

const verbatim: [string, boolean][] = [
  ['polls/views.py', true],
  ['manage.py', true],
  ['polls/templates/polls/index.html', true],
  ['templates/base.html', true],
  ['setup.py', false],
  ['pyproject.toml', false],
  ['setup.cfg', false],
  ['MANIFEST.in', false],
  ['requirements.txt', false],
  ['Procfile', false],
  ['polls/static/polls/style.css', false],
  ['README.md', false],
]
for (const [rel, is] of verbatim) IsVerbatimFile(`${rel}: ${is ? 'verbatim' : 'not'}`, () => assert.is(isVerbatimFile(rel), is, `${rel} should ${is ? '' : 'not '}be a file a backend copies verbatim`))

IsVerbatimFile.run()

// ---------------------------------------------------------------------------------------------
const PatchableChanges = suite('patchableChanges')

const pkgs = [
  { key: 'app', rel: 'example' },
  { key: 'speedups', rel: 'example/speedups' },
]
const previous: WheelManifest = {
  inputs: { builder: 'sha256:b', pip: 'p', server: 'gunicorn', 'file:example/polls/views.py': 'v1', 'file:example/pyproject.toml': 't1', 'file:example/speedups/src/s.c': 'c1' },
  packages: { app: 'pollsite-0.1.0-py3-none-any.whl', speedups: 'speedups-0.1.0-cp311-cp311-linux_x86_64.whl' },
  dependencies: [],
  sha256: {},
}
const edit = (changes: Record<string, string | undefined>) => {
  const inputs = { ...previous.inputs, ...changes }
  for (const k of Object.keys(changes)) if (changes[k] === undefined) delete inputs[k]
  return inputs as Record<string, string>
}

PatchableChanges('an edit of views.py: the app, with the file relative to its folder', () => {
  assert.equal(
    patchableChanges(previous, edit({ 'file:example/polls/views.py': 'v2' }), pkgs),
    { changes: { app: [{ input: 'file:example/polls/views.py', path: 'polls/views.py' }] } },
    'the app should be patched for polls/views.py',
  )
})

const refusals: { name: string; prev?: WheelManifest; inputs: Record<string, string>; why: RegExp }[] = [
  { name: 'no previous wheels', prev: undefined, inputs: previous.inputs, why: /no previous wheels/ },
  { name: 'nothing changed (--force)', inputs: previous.inputs, why: /nothing changed/ },
  { name: 'the builder changed', inputs: edit({ 'file:example/polls/views.py': 'v2', builder: 'sha256:c' }), why: /builder changed/ },
  { name: 'the pip settings changed', inputs: edit({ pip: 'q' }), why: /pip changed/ },
  { name: 'the server changed', inputs: edit({ server: 'uvicorn' }), why: /server changed/ },
  { name: 'a file added', inputs: edit({ 'file:example/polls/new.py': 'n' }), why: /new\.py added/ },
  { name: 'a file removed (or renamed)', inputs: edit({ 'file:example/polls/views.py': undefined, 'file:example/polls/views2.py': 'v1' }), why: /(added|removed)/ },
  { name: 'packaging metadata edited', inputs: edit({ 'file:example/pyproject.toml': 't2' }), why: /pyproject\.toml is not a module or template/ },
  { name: 'a C source edited', inputs: edit({ 'file:example/speedups/src/s.c': 'c2' }), why: /s\.c is not a module or template/ },
  { name: 'a package without a previous wheel', prev: { ...previous, packages: { app: previous.packages.app } }, inputs: edit({ 'file:example/speedups/src/s.c': 'c2' }), why: /no previous wheel/ },
]
for (const c of refusals) {
  PatchableChanges(`refuses: ${c.name}`, () => {
    const r = patchableChanges('prev' in c ? c.prev : previous, c.inputs, pkgs)
    assert.ok('refuse' in r && c.why.test(r.refuse), `${c.name} should be refused (${c.why}), got ${JSON.stringify(r)}`)
  })
}

PatchableChanges.run()

// ---------------------------------------------------------------------------------------------
const BackendRefusal = suite('backendRefusal')

const setuptools = '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "pollsite"\nversion = "0.1.0"\n'
const backends: { name: string; files: Parameters<typeof backendRefusal>[0]; app?: boolean; why?: RegExp }[] = [
  { name: 'setuptools.build_meta, static metadata', files: { pyproject: setuptools, setupPy: false, setupCfg: false } },
  { name: "the tool's app wheel (no [build-system], no setup.py)", files: { pyproject: '[project]\nname = "a"\n', setupPy: false, setupCfg: false }, app: true },
  { name: "the tool's app wheel (no pyproject.toml)", files: { setupPy: false, setupCfg: false }, app: true },
  { name: 'a setup.py', files: { pyproject: setuptools, setupPy: true, setupCfg: false }, why: /setup\.py/ },
  { name: 'a setup.cfg', files: { pyproject: setuptools, setupPy: false, setupCfg: true }, why: /setup\.cfg/ },
  { name: 'a local package without [build-system]', files: { setupPy: false, setupCfg: false }, why: /no \[build-system\]/ },
  { name: 'another backend', files: { pyproject: setuptools.replace('setuptools.build_meta', 'hatchling.build'), setupPy: false, setupCfg: false }, why: /backend hatchling\.build/ },
  { name: "setuptools' legacy backend", files: { pyproject: '[build-system]\nrequires = ["setuptools"]\n', setupPy: false, setupCfg: false }, why: /legacy/ },
  { name: 'an in-tree backend', files: { pyproject: setuptools.replace('[project]', 'backend-path = ["."]\n[project]'), setupPy: false, setupCfg: false }, why: /in-tree/ },
  { name: 'dynamic metadata', files: { pyproject: `${setuptools}dynamic = ["version"]\n`, setupPy: false, setupCfg: false }, why: /dynamic/ },
  { name: 'no [project] table', files: { pyproject: '[build-system]\nbuild-backend = "setuptools.build_meta"\n', setupPy: false, setupCfg: false }, why: /no \[project\]/ },
  { name: 'a pyproject.toml that does not parse', files: { pyproject: '[build-system\n', setupPy: false, setupCfg: false }, why: /does not parse/ },
]
for (const c of backends) {
  BackendRefusal(`${c.why ? 'refuses' : 'accepts'}: ${c.name}`, () => {
    const r = backendRefusal(c.files, c.app ?? false)
    if (!c.why) assert.is(r, undefined, `${c.name} should be patchable, got ${JSON.stringify(r)}`)
    else assert.ok(r && c.why.test(r.refuse), `${c.name} should be refused (${c.why}), got ${JSON.stringify(r)}`)
  })
}

BackendRefusal.run()

// ---------------------------------------------------------------------------------------------
const PatchWheel = suite('patchWheel')

const VIEWS = 'def index():\n    return "hello"\n'
const NEW = Buffer.from('def index():\n    return "patched"\n')
const replacement = (over: Partial<Replacement> = {}): Replacement => ({ path: 'src/tiny/views.py', previousHash: inputHash(VIEWS), content: NEW, executable: false, ...over })
const refusedWith = (r: Buffer | { refuse: string }, why: RegExp, what: string) =>
  assert.ok(!Buffer.isBuffer(r) && why.test(r.refuse), `${what} should be refused (${why}), got ${Buffer.isBuffer(r) ? 'a wheel' : r.refuse}`)

PatchWheel('the entry holding the file is replaced, its RECORD line updated, every other entry copied byte for byte', () => {
  const old = readZip(tiny())
  const r = patchWheel(tiny(), [replacement()])
  assert.ok(Buffer.isBuffer(r), `the patch should be done, got ${JSON.stringify(r)}`)
  const zip = readZip(r as Buffer)
  assert.equal(entryContent(zip.entries.find((e) => e.name === 'tiny/views.py')!), NEW, 'tiny/views.py should hold the new content')
  const record = entryContent(zip.entries.find((e) => e.name.endsWith('RECORD'))!).toString()
  assert.ok(record.includes(`tiny/views.py,${recordHash(NEW)},${NEW.length}\n`), `RECORD should list the new hash and size:\n${record}`)
  const oldRecord = entryContent(old.entries.find((e) => e.name.endsWith('RECORD'))!).toString()
  assert.equal(
    record.split('\n').filter((l) => !l.startsWith('tiny/views.py,')),
    oldRecord.split('\n').filter((l) => !l.startsWith('tiny/views.py,')),
    'RECORD’s other lines should be unchanged',
  )
  for (const [i, e] of zip.entries.entries()) {
    if (/views\.py$|RECORD$/.test(e.name) && e.name !== 'other/views.py') continue
    assert.ok(e.data.equals(old.entries[i].data), `${e.name} should be copied byte for byte`)
  }
})

PatchWheel('a template, and a stored entry kept stored', () => {
  const r = patchWheel(tiny(), [{ path: 'tiny/templates/tiny/index.html', previousHash: inputHash('<p>{{ text }}</p>\n'), content: Buffer.from('<b>new</b>\n'), executable: false }])
  assert.ok(Buffer.isBuffer(r), `the template should be patched, got ${JSON.stringify(r)}`)
  assert.is(entryContent(readZip(r as Buffer).entries[2]).toString(), '<b>new</b>\n', 'the template entry should hold the new content')
})

PatchWheel('refuses: the previous content is in no entry (the wheel is not from the build the hash was recorded with)', () => {
  refusedWith(patchWheel(tiny(), [replacement({ previousHash: inputHash('something else') })]), /not in the wheel as it was/, 'an unknown previous hash')
})

PatchWheel('refuses: the executable bit changed (the hash is of another mode)', () => {
  refusedWith(patchWheel(tiny(), [replacement({ executable: true })]), /not in the wheel as it was/, 'a changed executable bit')
})

PatchWheel('refuses: a file the wheel does not hold', () => {
  refusedWith(patchWheel(tiny(), [replacement({ path: 'tiny/missing.py' })]), /not in the wheel/, 'a file the wheel lacks')
})

PatchWheel('refuses: the previous content found twice under names the path ends with', () => {
  const zip = readZip(tiny())
  const views = zip.entries.find((e) => e.name === 'tiny/views.py')!
  const twice = writeZip({ ...zip, entries: [...zip.entries, { ...withContent(views, Buffer.from(VIEWS)), name: 'views.py' }] })
  refusedWith(patchWheel(twice, [replacement()]), /twice/, 'two matching entries')
})

PatchWheel('refuses: RECORD does not list the entry as it is', () => {
  const zip = readZip(tiny())
  const entries = zip.entries.map((e) =>
    e.name.endsWith('RECORD')
      ? withContent(
          e,
          Buffer.from(
            entryContent(e)
              .toString()
              .replace(/^tiny\/views\.py,.*\n/m, ''),
          ),
        )
      : e,
  )
  refusedWith(patchWheel(writeZip({ ...zip, entries }), [replacement()]), /RECORD/, 'a RECORD without the entry')
})

PatchWheel('refuses: an archive the reader does not handle, and a corrupt entry', () => {
  const b = tiny()
  const cd = b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
  b.writeUInt16LE(b.readUInt16LE(cd + 8) | 0x8, cd + 8)
  refusedWith(patchWheel(b, [replacement()]), /data descriptor/, 'a data descriptor')
  const zip = readZip(tiny())
  const corrupt = zip.entries.map((e) => (e.name === 'tiny/views.py' ? { ...e, data: Buffer.from([0xff, 0xff, 0xff]) } : e))
  refusedWith(patchWheel(writeZip({ ...zip, entries: corrupt }), [replacement()]), /zip/, 'a corrupt deflated entry')
})

PatchWheel.run()
