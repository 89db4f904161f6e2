import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { makeTemp, removeTemp } from './helpers/tmp.js'

// Many processes at once against one project lock that a dead run left behind: at every moment
// exactly one of them may hold it. Each holder proves it alone by creating a marker with O_EXCL
// (a second holder finds the marker and records a violation), works a little, removes it.
const lockModule = fileURLToPath(new URL('../../lib/lock.js', import.meta.url))
const HOLDER = `
import { openSync, closeSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
const { withProjectLock } = await import(${JSON.stringify(lockModule)})
const root = process.argv[2]
await withProjectLock(root, 'stress', { signal: new AbortController().signal, onWait: () => {}, pollMs: 5 }, async () => {
  const marker = path.join(root, 'holding')
  try {
    closeSync(openSync(marker, 'wx'))
  } catch {
    writeFileSync(path.join(root, 'violation-' + process.pid), 'two holders at once')
    return
  }
  await new Promise((r) => setTimeout(r, 2))
  unlinkSync(marker)
  writeFileSync(path.join(root, 'done-' + process.pid), '')
})
`

const Stress = suite('withProjectLock under contention')
let dir = ''
Stress.before.each(() => {
  dir = makeTemp('lock-stress')
})
Stress.after.each(() => removeTemp(dir))

/** A pid that no process has: one that just ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!
}

async function race(n: number): Promise<{ done: number; violations: string[] }> {
  const script = path.join(dir, 'holder.mjs')
  writeFileSync(script, HOLDER)
  const children = Array.from({ length: n }, () => spawn(process.execPath, [script, dir], { stdio: 'ignore' }))
  // A deadline, not a hang: a lock that is never given up fails the test.
  const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 60_000)
  const codes = await Promise.all(children.map((c) => new Promise<number | null>((r) => c.on('exit', r))))
  clearTimeout(timer)
  assert.equal(
    codes.filter((c) => c !== 0),
    [],
    'every process exits cleanly',
  )
  const files = readdirSync(dir)
  return { done: files.filter((f) => f.startsWith('done-')).length, violations: files.filter((f) => f.startsWith('violation-')) }
}

Stress('120 processes take over a stale lock: one holder at every moment, every one gets its turn', async () => {
  mkdirSync(path.join(dir, '.pypackage'))
  writeFileSync(path.join(dir, '.pypackage/lock'), JSON.stringify({ pid: deadPid(), task: 'release', since: 'yesterday' }))
  const { done, violations } = await race(120)
  assert.equal(violations, [], 'never two holders at once')
  assert.is(done, 120, 'each process held the lock once')
  assert.not.ok(existsSync(path.join(dir, '.pypackage')), 'nothing is left behind')
})

Stress('an empty lock file (a crash while it was written) is taken over, not waited on forever', async () => {
  mkdirSync(path.join(dir, '.pypackage'))
  const lock = path.join(dir, '.pypackage/lock')
  writeFileSync(lock, '')
  const old = new Date(Date.now() - 60_000)
  utimesSync(lock, old, old)
  const started = Date.now()
  const { done, violations } = await race(20)
  assert.equal(violations, [], 'never two holders at once')
  assert.is(done, 20, 'each process held the lock once')
  assert.ok(Date.now() - started < 30_000, 'nobody waits forever')
})

Stress.run()
