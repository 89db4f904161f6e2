import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import tar from 'tar-stream'
import { entryAdder } from '../../../lib/docker/tar-pack.js'

// lib/docker/tar-pack.ts: a pack whose reader went away (the engine closed a build's request, a
// command exited before reading its stdin: EPIPE) is destroyed with its pending entries. The
// error reaches whoever reads the pack; it must not also end the process from an entry.

const T = suite('entryAdder')

T('a destroyed pack takes its pending entries with it, and no error goes unheard', async () => {
  const pack = tar.pack()
  const add = entryAdder(pack)
  for (let i = 0; i < 3; i++) add({ name: `f${i}`, size: 1 << 20 }, Buffer.alloc(1 << 20))
  add({ name: 'd', type: 'directory' })
  const uncaught: unknown[] = []
  const listeners = process.listeners('uncaughtException')
  process.removeAllListeners('uncaughtException')
  process.on('uncaughtException', (e) => uncaught.push(e))
  try {
    const heard = new Promise<Error>((resolve) => pack.on('error', resolve))
    pack.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    assert.is((await heard).message, 'write EPIPE', 'the reader’s side hears it')
    await new Promise((resolve) => setTimeout(resolve, 50))
  } finally {
    process.removeAllListeners('uncaughtException')
    for (const l of listeners) process.on('uncaughtException', l)
  }
  assert.equal(uncaught, [], 'no entry’s error went unheard (with pack.entry alone, one does: the process would end)')
})

T('entries still make the tar: names, bodies, a directory', async () => {
  const pack = tar.pack()
  const add = entryAdder(pack)
  add({ name: 'a.txt', size: 2 }, Buffer.from('hi'))
  add({ name: 'sub', type: 'directory' })
  pack.finalize()
  const names: string[] = []
  const extract = tar.extract()
  extract.on('entry', (h, stream, next) => {
    names.push(`${h.type}:${h.name}`)
    stream.resume()
    stream.on('end', next)
  })
  const done = new Promise<void>((resolve) => extract.on('finish', () => resolve()))
  pack.pipe(extract)
  await done
  assert.equal(names, ['file:a.txt', 'directory:sub'])
})

T.run()
