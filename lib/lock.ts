import type { Event } from './events.js'
import { link, mkdir, readFile, rm, rmdir, stat, unlink, writeFile, open } from 'node:fs/promises'
import path from 'node:path'
import { interrupted } from './errors.js'

interface Holder {
  pid: number
  task: string
  since: string
}

/** What a run that waits for the lock knows: the lock-wait event's payload. */
export type LockWait = Omit<Extract<Event, { type: 'lock:wait' }>, 'type'>

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' // exists, owned by someone else
  }
}

/** A lock file with no readable holder (empty, truncated) is stale once it is this old. */
const UNREADABLE_STALE_MS = 2000
/** A takeover whose process died mid-way frees the way after this long. */
const TAKEOVER_STALE_MS = 10_000

const code = (e: unknown) => (e as NodeJS.ErrnoException).code
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Who holds the lock: the holder, 'stale', or 'gone' (no file). */
async function inspect(file: string): Promise<Holder | 'stale' | 'gone'> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if (code(e) === 'ENOENT') return 'gone'
    throw e
  }
  try {
    const holder = JSON.parse(text) as Holder
    return alive(holder.pid) ? holder : 'stale'
  } catch {
    // Every holder writes its file whole (link from a finished temp file): an unreadable one is
    // left by an older version or a crash. Stale once it is not being written any more.
    const age = await stat(file).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    )
    return age > UNREADABLE_STALE_MS ? 'stale' : { pid: 0, task: 'another run', since: 'just now' }
  }
}

/**
 * Remove a stale lock, one process at a time: under a second, short-lived lock (`lock.takeover`,
 * O_EXCL), the lock is looked at again and removed only if it is still stale. Without it, a
 * process that judged the lock stale could remove the fresh lock another process had just taken.
 */
async function takeOver(file: string): Promise<void> {
  const mutex = `${file}.takeover`
  try {
    await (await open(mutex, 'wx')).close()
  } catch (e) {
    if (code(e) === 'ENOENT') return // the folder went away: the caller starts over
    if (code(e) !== 'EEXIST') throw e
    const age = await stat(mutex).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    )
    if (age > TAKEOVER_STALE_MS) await rm(mutex, { force: true }) // its process died mid-takeover
    await sleep(20)
    return
  }
  try {
    if ((await inspect(file)) === 'stale') await rm(file, { force: true })
  } finally {
    await rm(mutex, { force: true })
  }
}

/**
 * One run at a time per project: builds share the wheelhouse and the tags. The lock is a file
 * holding the owner's pid, created whole and atomically (written to a temp file, then hard-linked
 * to `lock`, which fails when it exists); a lock whose process is gone is stale and taken over
 * (see takeOver). A second run says what it waits for, then waits (Ctrl-C still works).
 */
export async function withProjectLock<T>(root: string, task: string, opts: { signal: AbortSignal; onWait: (wait: LockWait) => void; pollMs?: number }, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(root, '.pypackage')
  const file = path.join(dir, 'lock')
  const mine = path.join(dir, `lock.${process.pid}.${Math.random().toString(36).slice(2)}`)
  const content = JSON.stringify({ pid: process.pid, task, since: new Date().toISOString() } satisfies Holder)
  let told = false
  for (;;) {
    if (opts.signal.aborted) throw interrupted(opts.signal)
    try {
      // Each time: the run that held the lock removes the folder when it leaves it empty.
      await mkdir(dir, { recursive: true })
      await writeFile(mine, content)
      try {
        await link(mine, file)
        break
      } finally {
        await unlink(mine).catch(() => undefined)
      }
    } catch (e) {
      if (code(e) === 'ENOENT') continue // the folder went away under us: again
      if (code(e) !== 'EEXIST') throw e
    }
    const holder = await inspect(file)
    if (holder === 'gone') continue
    if (holder === 'stale') {
      await takeOver(file)
      continue
    }
    if (!told) {
      opts.onWait({ task, holder: { task: holder.task, pid: holder.pid, since: holder.since }, file: path.relative(root, file) })
      told = true
    }
    await sleep(opts.pollMs ?? 200)
  }
  try {
    return await fn()
  } finally {
    // Ours to remove only while it is ours (never another run's, whatever happened meanwhile).
    if ((await readFile(file, 'utf8').catch(() => '')) === content) await rm(file, { force: true })
    // The folder too, when nothing else is in it (ENOTEMPTY: another run's staging, keep it).
    await rmdir(dir).catch(() => undefined)
  }
}
