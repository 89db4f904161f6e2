import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { cacheFolder, isSettled, writeCacheFile } from '../../lib/cache-file.js'
import { makeTemp, removeTemp } from './helpers/tmp.js'

// lib/cache-file.ts: where the caches live, when a stat is trusted (git's racy rule at the file
// system's tick), and that a cache file is written whole.

const Settled = suite('isSettled')

Settled('a file system with sub-second times: trusted 100 ms after the last change, not before', () => {
  const t = 1_800_000_000_123.456
  assert.is(isSettled({ mtimeMs: t, ctimeMs: t }, t + 50), false)
  assert.is(isSettled({ mtimeMs: t, ctimeMs: t }, t + 150), true)
  assert.is(isSettled({ mtimeMs: t - 60_000, ctimeMs: t }, t + 50), false, 'the change time counts too')
})

Settled('times in whole seconds (a coarse clock: FAT, ext3, HFS+): 2 s', () => {
  const t = 1_800_000_000_000
  assert.is(isSettled({ mtimeMs: t, ctimeMs: t }, t + 1500), false)
  assert.is(isSettled({ mtimeMs: t, ctimeMs: t }, t + 2500), true)
})

Settled.run()

const Files = suite('cacheFolder, writeCacheFile')

Files('$XDG_CACHE_HOME when absolute, else ~/.cache', () => {
  assert.is(cacheFolder({ XDG_CACHE_HOME: '/c' }), '/c/pypackage-tasks')
  assert.match(cacheFolder({ XDG_CACHE_HOME: 'relative' }), /\/\.cache\/pypackage-tasks$/)
})

Files('written whole under its name, its folder made; no temporary file left', async () => {
  const dir = makeTemp('cache-file')
  try {
    const file = path.join(dir, 'a/b/record.json')
    await writeCacheFile(file, '{"x":1}')
    assert.is(readFileSync(file, 'utf8'), '{"x":1}')
    assert.equal(readdirSync(path.dirname(file)), ['record.json'])
  } finally {
    removeTemp(dir)
  }
})

Files('a folder it cannot make (a file stands in its way): no error (the cache costs a shortcut, never a result)', async () => {
  const dir = makeTemp('cache-file')
  try {
    writeFileSync(path.join(dir, 'a'), 'a file')
    await writeCacheFile(path.join(dir, 'a/record.json'), '{}')
    assert.equal(readdirSync(dir), ['a'], 'nothing else written')
  } finally {
    removeTemp(dir)
  }
})

Files.run()
