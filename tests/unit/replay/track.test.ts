import fs, { existsSync, readFileSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Engine } from '../../../lib/docker/engine.js'
import { trackReads, watchEngine } from '../../../lib/replay/track.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// lib/replay/track.ts: what a run read is counted whichever way it read it (sync, callback,
// promise, an ES module's named import), what it wrote is kept apart, the variables it asked for
// are counted but not a copy of the whole environment, and stop() puts everything back.

let dir: string
const Reads = suite('trackReads')
Reads.before.each(() => {
  dir = writeTree(makeTemp('track'), { 'a.txt': 'a', 'sub/b.txt': 'b' })
})
Reads.after.each(() => removeTemp(dir))

Reads('every form of read counts the path: sync, callback, promise, named imports, a missing file', async () => {
  const t = trackReads()
  try {
    statSync(path.join(dir, 'a.txt')) // a named import of node:fs
    readFileSync(path.join(dir, 'sub/b.txt'))
    existsSync(path.join(dir, 'missing.txt'))
    await readdir(path.join(dir, 'sub')) // node:fs/promises
    await new Promise((resolve) => fs.lstat(path.join(dir, 'sub'), resolve)) // a callback
  } finally {
    t.stop()
  }
  const want = ['a.txt', 'sub/b.txt', 'missing.txt', 'sub'].map((p) => path.join(dir, p)).sort()
  assert.equal([...t.reads.paths].sort(), want, 'each path read, once')
  assert.equal([...t.reads.written], [], 'nothing written')
})

Reads('what the run wrote is kept apart: written files, made and removed folders, a file opened to write', () => {
  const t = trackReads()
  try {
    fs.mkdirSync(path.join(dir, 'lock'))
    fs.writeFileSync(path.join(dir, 'lock/x'), '1')
    fs.closeSync(fs.openSync(path.join(dir, 'out.txt'), 'w'))
    fs.renameSync(path.join(dir, 'lock/x'), path.join(dir, 'lock/y'))
    fs.rmSync(path.join(dir, 'lock'), { recursive: true })
  } finally {
    t.stop()
  }
  for (const p of ['lock', 'lock/x', 'lock/y', 'out.txt']) assert.ok(t.reads.written.has(path.join(dir, p)), `${p} written`)
})

Reads('stop() puts node:fs back: later reads are not counted', () => {
  const original = fs.statSync
  const t = trackReads()
  assert.is.not(fs.statSync, original, 'wrapped while tracking')
  t.stop()
  assert.is(fs.statSync, original, 'the original again')
  statSync(path.join(dir, 'a.txt'))
  assert.is(t.reads.paths.size, 0)
})

Reads('a variable asked for is counted with its value (or null); a copy of the whole environment is not', async () => {
  process.env.PPTEST_ASKED = 'yes'
  process.env.PPTEST_COPIED = 'no'
  const t = trackReads()
  try {
    void process.env.PPTEST_ASKED
    void ('PPTEST_UNSET' in process.env)
    void { ...process.env }
    await Promise.resolve()
  } finally {
    t.stop()
    delete process.env.PPTEST_ASKED
    delete process.env.PPTEST_COPIED
  }
  assert.is(t.reads.env.get('PPTEST_ASKED'), 'yes')
  assert.is(t.reads.env.get('PPTEST_UNSET'), null)
  assert.not.ok(t.reads.env.has('PPTEST_COPIED'), 'a copy is not a read of each variable')
})

Reads.run()

// ---------------------------------------------------------------------------------------------
const Engines = suite('watchEngine')

const fakeEngine = (): Engine =>
  ({
    images: {
      inspect: async (ref: string) => (ref === 'have:1' ? { id: 'sha256:1' } : undefined),
      look: async (refs: string[]) => Object.fromEntries(refs.filter((r) => r === 'have:1').map((r) => [r, { id: 'sha256:1', size: 1 }])),
      tag: async () => undefined,
    },
    containers: { list: async () => [] },
    networks: {},
    volumes: {},
    build: async () => ({ id: 'x' }),
  }) as unknown as Engine

Engines('images asked about are counted with their ids (absent: empty); looking is not acting', async () => {
  const t = trackReads()
  t.stop() // the engine's counting only
  const reads = t.reads
  const e = watchEngine(fakeEngine(), reads)
  await e.images.inspect('have:1')
  await e.images.look(['have:1', 'gone:2'])
  assert.equal(Object.fromEntries(reads.images), { 'have:1': 'sha256:1', 'gone:2': '' })
  assert.is(reads.acted, false)
})

for (const [what, act] of [
  ['a tag', (e: Engine) => e.images.tag('a', 'b', 'c')],
  ['a container list', (e: Engine) => e.containers.list({})],
  ['a build', (e: Engine) => e.build({} as never)],
] as const) {
  Engines(`${what} is work: the run acted`, async () => {
    const t = trackReads()
    t.stop()
    await act(watchEngine(fakeEngine(), t.reads))
    assert.is(t.reads.acted, true)
  })
}

Engines.run()
