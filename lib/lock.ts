import { mkdir, open, readFile, rm, rmdir } from 'node:fs/promises'
import path from 'node:path'
import { interrupted } from './errors.js'

interface Holder {
  pid: number
  task: string
  since: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' // exists, owned by someone else
  }
}

/**
 * One run at a time per project: builds share the wheelhouse and the tags. The lock is a file
 * created with O_EXCL holding the owner's pid; a lock whose process is gone is stale and taken
 * over. A second run says what it waits for, then waits (Ctrl-C still works).
 */
export async function withProjectLock<T>(
  root: string,
  task: string,
  opts: { signal: AbortSignal; onWait: (message: string) => void; pollMs?: number },
  fn: () => Promise<T>,
): Promise<T> {
  const dir = path.join(root, '.pypackage')
  const file = path.join(dir, 'lock')
  let told = false
  for (;;) {
    if (opts.signal.aborted) throw interrupted(opts.signal)
    // Each time: the run that held the lock removes the folder when it leaves it empty.
    await mkdir(dir, { recursive: true })
    try {
      const handle = await open(file, 'wx')
      await handle.writeFile(JSON.stringify({ pid: process.pid, task, since: new Date().toISOString() } satisfies Holder))
      await handle.close()
      break
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT') continue // the folder went away between mkdir and open: again
      if (code !== 'EEXIST') throw e
    }
    let holder: Holder | undefined
    try {
      holder = JSON.parse(await readFile(file, 'utf8')) as Holder
    } catch {
      holder = undefined // being written right now, or removed: look again
    }
    if (holder && !alive(holder.pid)) {
      await rm(file, { force: true }) // stale: its run died without cleaning up
      continue
    }
    if (holder && !told) {
      opts.onWait(`waiting for ${holder.task} (pid ${holder.pid}, since ${holder.since}) to finish: another pypackage-tasks run holds ${path.relative(root, file)}`)
      told = true
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200))
  }
  try {
    return await fn()
  } finally {
    await rm(file, { force: true })
    // The folder too, when nothing else is in it (ENOTEMPTY: another run's staging, keep it).
    await rmdir(dir).catch(() => undefined)
  }
}
