import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { hashFile } from '../../../lib/pipeline/inputs.js'
import { openState, statePath } from '../../../lib/pipeline/state-record.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// lib/pipeline/state-record.ts: where a release's state record is kept, the stat cache it holds
// (a file's hash reused only while its stat is the one recorded, and never for a file changed just
// before it was hashed), and that a record it cannot read is no record.

const Where = suite('statePath')

Where('in $XDG_CACHE_HOME/pypackage-tasks, one per project folder and Python', () => {
  const env = { XDG_CACHE_HOME: '/c' }
  const a = statePath('/p/one', '3.11', env)
  assert.match(a, /^\/c\/pypackage-tasks\/[0-9a-f]{16}-py3\.11\.json$/)
  assert.is.not(statePath('/p/one', '3.13', env), a, 'another Python: another record')
  assert.is.not(statePath('/p/two', '3.11', env), a, 'another project: another record')
  assert.is(statePath('/p/one', '3.11', env), a, 'the same project and Python: the same record')
})

Where('without XDG_CACHE_HOME (or a relative one): ~/.cache', () => {
  assert.match(statePath('/p', undefined, {}), /\/\.cache\/pypackage-tasks\/[0-9a-f]{16}\.json$/)
  assert.match(statePath('/p', undefined, { XDG_CACHE_HOME: 'rel' }), /\/\.cache\/pypackage-tasks\//)
})

Where.run()

// ---------------------------------------------------------------------------------------------
const Stat = suite('openState: the stat cache')
let dir: string
let record: string
/** A clock well after every file here was written: their stats are settled. */
const later = () => Date.now() + 60_000
Stat.before.each(() => {
  dir = writeTree(makeTemp('state'), { 'a.py': 'print(1)\n' })
  record = path.join(dir, 'cache/record.json')
})
Stat.after.each(() => removeTemp(dir))

/** The record with every recorded file's hash replaced by `hash`: a hash read back from it is told apart. */
function forgeHashes(hash: string): void {
  const data = JSON.parse(readFileSync(record, 'utf8'))
  for (const f of Object.values(data.files) as { hash: string }[]) f.hash = hash
  writeFileSync(record, JSON.stringify(data))
}

Stat('a file whose stat is the recorded one: the recorded hash, the file not read', async () => {
  const file = path.join(dir, 'a.py')
  const first = await openState(record, later)
  assert.is(await first.hashFile(file), await hashFile(file), 'the hash inputs.ts gives')
  await first.save()
  forgeHashes('recorded')
  assert.is(await (await openState(record, later)).hashFile(file), 'recorded')
})

Stat('edited to the same size, its modification time put back: hashed again (its change time moved)', async () => {
  const file = path.join(dir, 'a.py')
  const before = statSync(file)
  const first = await openState(record, later)
  await first.hashFile(file)
  await first.save()
  forgeHashes('recorded')
  writeFileSync(file, 'print(2)\n')
  utimesSync(file, before.atime, before.mtime)
  assert.is(await (await openState(record, later)).hashFile(file), await hashFile(file))
})

Stat('touched, not changed: hashed again, to the same hash', async () => {
  const file = path.join(dir, 'a.py')
  const first = await openState(record, later)
  const hash = await first.hashFile(file)
  await first.save()
  utimesSync(file, new Date(), new Date(Date.now() + 5000))
  assert.is(await (await openState(record, later)).hashFile(file), hash)
})

Stat('a file changed within the racy window of being hashed is not recorded (a second edit in the same clock tick would keep its stat)', async () => {
  const file = path.join(dir, 'a.py')
  const state = await openState(record) // now: the file was just written
  await state.hashFile(file)
  await state.save()
  assert.equal(JSON.parse(readFileSync(record, 'utf8')).files, {})
})

Stat('a file that cannot be read: the error inputs.ts gives', async () => {
  const state = await openState(record, later)
  try {
    await state.hashFile(path.join(dir, 'missing.py'))
    assert.unreachable('a missing input is an error')
  } catch (e) {
    assert.match((e as Error).message, /cannot read .*missing\.py \(ENOENT\)/)
  }
})

Stat.run()

// ---------------------------------------------------------------------------------------------
const Record = suite('openState: the record')
Record.before.each(() => {
  dir = makeTemp('state-record')
  record = path.join(dir, 'cache/record.json')
})
Record.after.each(() => removeTemp(dir))

Record('saved and read back: the images recorded, over the last run`s; no temporary file left', async () => {
  const first = await openState(record)
  first.record('base', { hash: 'h1', ref: 'a/b-base:1', id: 'i1' })
  first.record('release', { hash: 'h2', ref: 'a/b-release:1', id: 'i2' })
  await first.save()
  const second = await openState(record)
  second.record('release', { hash: 'h3', ref: 'a/b-release:2', id: 'i3' })
  await second.save()
  const third = await openState(record)
  assert.equal(third.image('base'), { hash: 'h1', ref: 'a/b-base:1', id: 'i1' }, 'kept from the first run')
  assert.equal(third.image('release'), { hash: 'h3', ref: 'a/b-release:2', id: 'i3' }, 'as the second run left it')
  assert.equal(readdirSync(path.dirname(record)), ['record.json'])
})

Record('missing, corrupt, or of another version: no record, no error', async () => {
  assert.is((await openState(record)).image('base'), undefined, 'none yet')
  writeTree(dir, { 'cache/record.json': '{"version": 1, "images": {' })
  assert.is((await openState(record)).image('base'), undefined, 'corrupt')
  writeTree(dir, { 'cache/record.json': JSON.stringify({ version: 0, images: { base: { hash: 'h', ref: 'r', id: 'i' } }, files: {} }) })
  assert.is((await openState(record)).image('base'), undefined, 'another version')
})

Record('a cache folder that cannot be written: the run goes on (the next one takes the full path)', async () => {
  writeTree(dir, { cache: 'a file where the folder should be' })
  await (await openState(record)).save()
  assert.not.ok(existsSync(record))
})

Record('lastLook: the external images recorded, each image`s tag and :latest; undefined in a record without them', async () => {
  const first = await openState(record)
  first.record('base', { hash: 'h1', ref: 'a/b-base:1', id: 'i1' })
  first.record('release', { hash: 'h2', ref: 'localhost:5000/a/b-release:2', id: 'i2' })
  await first.save()
  assert.is((await openState(record)).lastLook(), undefined, 'no external images recorded')
  const second = await openState(record)
  second.recordExternal(['debian:bookworm-slim'])
  await second.save()
  assert.equal((await openState(record)).lastLook(), ['debian:bookworm-slim', 'a/b-base:1', 'a/b-base:latest', 'localhost:5000/a/b-release:2', 'localhost:5000/a/b-release:latest'])
})

Record.run()
