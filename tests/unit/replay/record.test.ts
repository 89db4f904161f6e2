import { rmSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Engine } from '../../../lib/docker/engine.js'
import type { Event } from '../../../lib/events.js'
import { makeRecord, replayable, replayKey, saveRecord, type ReplayRecord } from '../../../lib/replay/record.js'
import type { Reads } from '../../../lib/replay/track.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// lib/replay/record.ts: which words make a command's record, which runs may be recorded (those
// that only looked, whose reads are settled), and that a record answers only while every path,
// folder, variable, git answer and image id it lists is as it was.

const Key = suite('replayKey')

Key('how the output is shown is not part of the command; everything else is', () => {
  const base = replayKey(['release'], '/p').key
  for (const argv of [
    ['release', '--json'],
    ['release', '--plain'],
    ['--progress', 'json', 'release'],
    ['release', '--progress=plain'],
    ['release', '--no-color'],
  ]) {
    assert.is(replayKey(argv, '/p').key, base, argv.join(' '))
  }
  for (const argv of [['release', 'v1'], ['release', '--force'], ['release', '-v'], ['release', '--context', 'x'], ['build']]) {
    assert.is.not(replayKey(argv, '/p').key, base, argv.join(' '))
  }
  assert.is.not(replayKey(['release'], '/q').key, base, 'another folder')
  assert.is(replayKey(['release', '--progress', 'json'], '/p').progress, 'json')
  assert.is(replayKey(['release', '--json'], '/p').progress, 'json')
  assert.is(replayKey(['release', '--', '--json'], '/p').progress, undefined, 'words after -- are the command’s')
})

Key.run()

// ---------------------------------------------------------------------------------------------
const skip = (id: string): Event => ({ type: 'task:skip', id, title: id, reason: { is: 'current', ref: `r/${id}:1` } }) as Event
const emptyReads = (): Reads => ({ paths: new Set(), written: new Set(), env: new Map(), images: new Map(), acted: false })
const later = () => Date.now() + 60_000

let dir: string
let cache: string
let file: string
const engineWith = (ids: Record<string, string>) => async () =>
  ({ images: { look: async (refs: string[]) => Object.fromEntries(refs.filter((r) => ids[r]).map((r) => [r, { id: ids[r]!, size: 1 }])) } }) as unknown as Engine

/** A record of a run that read a.py, listed src/, asked for PPTEST_X and saw image r:1. */
function recordOf(overrides: Partial<Reads> = {}): ReplayRecord {
  const reads = { ...emptyReads(), ...overrides }
  for (const p of ['a.py', 'src', 'absent.txt']) reads.paths.add(path.join(dir, p))
  reads.env.set('PPTEST_X', 'one')
  reads.images.set('r:1', 'sha256:1')
  const record = makeRecord(reads, { events: [skip('a')], lines: ['↓ a'] }, later())
  assert.ok(record, 'recorded')
  return record!
}

const Records = suite('makeRecord, replayable')
Records.before.each(async () => {
  dir = writeTree(makeTemp('replay'), { 'a.py': 'print(1)\n', 'src/m.py': '' })
  cache = makeTemp('replay-cache')
  file = path.join(cache, 'replay.json')
})
Records.after.each(() => {
  removeTemp(dir)
  removeTemp(cache)
})

const env = { PPTEST_X: 'one' }

Records('nothing changed: the record answers, with what the run said', async () => {
  await saveRecord(file, recordOf())
  const r = await replayable(file, engineWith({ 'r:1': 'sha256:1' }), env)
  assert.equal(r?.lines, ['↓ a'])
  assert.equal(r?.events, [skip('a')])
})

Records('only a run that looked: not one that acted, built, failed or said nothing', () => {
  assert.is(makeRecord({ ...emptyReads(), acted: true }, { events: [skip('a')], lines: [] }, later()), undefined, 'acted')
  assert.is(makeRecord(emptyReads(), { events: [{ ...skip('a'), type: 'task:done' } as Event], lines: [] }, later()), undefined, 'built')
  assert.is(makeRecord(emptyReads(), { events: [], lines: [] }, later()), undefined, 'said nothing')
})

Records('a path changed just before the record would be made: no record (the racy rule)', () => {
  const reads = emptyReads()
  reads.paths.add(path.join(dir, 'a.py'))
  assert.is(makeRecord(reads, { events: [skip('a')], lines: [] }, Date.now()), undefined)
})

const changes: [string, () => void, Record<string, string>?, Record<string, string>?][] = [
  ['a file read was edited', () => writeFileSync(path.join(dir, 'a.py'), 'print(2)\n')],
  ['a file read was touched', () => utimesSync(path.join(dir, 'a.py'), new Date(), new Date(Date.now() + 5000))],
  ['a file it found missing now exists', () => writeFileSync(path.join(dir, 'absent.txt'), '')],
  ['a file was added in a folder it read', () => writeFileSync(path.join(dir, 'src/new.py'), '')],
  ['a file read was removed', () => rmSync(path.join(dir, 'a.py'))],
  ['a variable it asked for changed', () => undefined, { PPTEST_X: 'two' }],
  ['an image it saw has another id', () => undefined, undefined, { 'r:1': 'sha256:2' }],
  ['an image it saw is gone', () => undefined, undefined, {}],
]
for (const [what, change, envNow, ids] of changes) {
  Records(`${what}: no answer (the full run)`, async () => {
    await saveRecord(file, recordOf())
    change()
    assert.is(await replayable(file, engineWith(ids ?? { 'r:1': 'sha256:1' }), envNow ?? env), undefined)
  })
}

Records('no engine answering, or no record, or a record of another kind: no answer', async () => {
  await saveRecord(file, recordOf())
  assert.is(await replayable(file, async () => Promise.reject(new Error('no engine')), env), undefined, 'no engine')
  assert.is(await replayable(path.join(dir, 'none.json'), engineWith({}), env), undefined, 'no record')
  writeFileSync(file, '{"version": 0}')
  assert.is(await replayable(file, engineWith({ 'r:1': 'sha256:1' }), env), undefined, 'another version')
})

Records('a .git folder counts by its kind only (git changes its times on every run; git is asked again instead)', async () => {
  const git = path.join(dir, '.git')
  writeTree(git, { HEAD: 'ref: refs/heads/main\n' })
  const reads = emptyReads()
  reads.paths.add(git)
  await saveRecord(file, makeRecord(reads, { events: [skip('a')], lines: [] }, Date.now())!)
  writeFileSync(path.join(git, 'index'), 'refreshed')
  assert.ok(await replayable(file, engineWith({}), {}), 'its times changed: still the same')
  rmSync(git, { recursive: true })
  assert.is(await replayable(file, engineWith({}), {}), undefined, 'no longer a git folder: no answer')
})

Records('a folder the run wrote in (its lock) is compared by its entries, not its times', async () => {
  const reads = emptyReads()
  reads.paths.add(dir)
  reads.written.add(path.join(dir, '.lock'))
  const record = makeRecord(reads, { events: [skip('a')], lines: [] }, later())!
  assert.equal(record.entries[dir], ['a.py', 'src'], 'its entries')
  assert.is(record.paths[path.join(dir, '.lock')], null, 'what it wrote and removed: absent')
  await saveRecord(file, record)
  utimesSync(dir, new Date(), new Date(Date.now() + 5000))
  assert.ok(await replayable(file, engineWith({}), {}), 'its times changed: still the same')
  writeFileSync(path.join(dir, 'requirements.txt'), '')
  assert.is(await replayable(file, engineWith({}), {}), undefined, 'a new entry: no answer')
})

Records.run()
