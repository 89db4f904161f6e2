import { existsSync, mkdirSync, watch, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { UserError } from '../../lib/errors.js'
import { withProjectLock, type LockWait } from '../../lib/lock.js'
import { poll } from '../helpers/poll.js'
import { makeTemp, removeTemp } from './helpers/tmp.js'

const WithProjectLock = suite('withProjectLock')
let dir: string
WithProjectLock.before.each(() => {
  dir = makeTemp('lock')
})
WithProjectLock.after.each(() => removeTemp(dir))

const never = new AbortController().signal

WithProjectLock('runs the work and removes the lock (and its empty folder) afterwards', async () => {
  let seen = false
  const out = await withProjectLock(dir, 'release', { signal: never, onWait: () => {} }, async () => {
    seen = existsSync(path.join(dir, '.pypackage/lock'))
    return 42
  })
  assert.is(out, 42, "the work's result is returned")
  assert.ok(seen, 'the lock file exists while the work runs')
  assert.not.ok(existsSync(path.join(dir, '.pypackage')), 'nothing is left behind')
})

WithProjectLock('a second holder waits, says what for, and runs after the first', async () => {
  const order: string[] = []
  const waits: LockWait[] = []
  let release!: () => void
  const first = withProjectLock(dir, 'release', { signal: never, onWait: () => {} }, () => {
    order.push('first:start')
    return new Promise<void>(
      (r) =>
        (release = () => {
          order.push('first:end')
          r()
        }),
    )
  })
  await poll('the first run to hold the lock', async () => (order.includes('first:start') ? true : undefined), 5000, 5)
  // Every attempt to take the lock writes its temp file (lock.<pid>.<random>) beside it: counted
  // here, the writes prove the second run tried again after it said it waits, without guessing a delay.
  let attempts = 0
  const watcher = watch(path.join(dir, '.pypackage'), (event, name) => {
    if (event === 'change' && name && /^lock\.\d+\.\w+$/.test(name)) attempts++
  })
  const second = withProjectLock(dir, 'build', { signal: never, onWait: (w) => waits.push(w), pollMs: 10 }, async () => {
    order.push('second')
  })
  try {
    await poll('the second run to say it waits', async () => (waits.length > 0 ? true : undefined), 5000, 5)
    await poll('the second run to try the lock again, three more times', async () => (attempts >= 4 ? true : undefined), 5000, 5)
  } finally {
    watcher.close()
  }
  assert.equal(order, ['first:start'], 'the second run does not start while the first holds the lock')
  assert.is(waits.length, 1, 'it says once that it waits, however often it tries again')
  assert.equal(waits[0], { task: 'build', holder: { task: 'release', pid: process.pid, since: waits[0].holder.since }, file: '.pypackage/lock' }, 'naming the task and pid it waits for')
  release()
  await Promise.all([first, second])
  assert.equal(order, ['first:start', 'first:end', 'second'], 'then it runs')
})

WithProjectLock('a lock left by a dead process is taken over', async () => {
  mkdirSync(path.join(dir, '.pypackage'))
  writeFileSync(path.join(dir, '.pypackage/lock'), JSON.stringify({ pid: 2 ** 22 + 12345, task: 'release', since: 'then' }))
  const waits: LockWait[] = []
  const out = await withProjectLock(dir, 'build', { signal: never, onWait: (w) => waits.push(w) }, async () => 'ran')
  assert.is(out, 'ran', 'the stale lock does not block')
  assert.equal(waits, [], 'no waiting message for a stale lock')
})

WithProjectLock('waiting ends with an interrupt when the signal fires', async () => {
  mkdirSync(path.join(dir, '.pypackage'))
  writeFileSync(path.join(dir, '.pypackage/lock'), JSON.stringify({ pid: process.pid, task: 'release', since: 'now' }))
  const controller = new AbortController()
  try {
    // The signal fires once the run waits (its onWait), the moment the test is about.
    await withProjectLock(dir, 'build', { signal: controller.signal, onWait: () => controller.abort('SIGTERM'), pollMs: 5 }, async () => 'ran')
    assert.unreachable('an aborted wait must reject')
  } catch (e) {
    assert.instance(e, UserError, 'the interrupt is a UserError')
    assert.is((e as UserError).exitCode, 143, 'SIGTERM exits 143')
  }
  assert.ok(existsSync(path.join(dir, '.pypackage/lock')), "the other run's lock is left alone")
})

WithProjectLock.run()
