import { mkdir, rename, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

// The files this tool keeps between runs to do less next time (the state record, the listing
// cache, the replay record): where they live, when a stat is trusted, how they are written.
// Caches only: a missing, unreadable or unwritable one costs a shortcut, never a result.

/**
 * A file changed this close to being recorded is not trusted by its stat: on a file system whose
 * clock is coarse (1-2 s steps) a second change in the same step would keep its size and times
 * ("racy" files, as git calls them). It is looked at again next time, then recorded.
 */
const RACY_MS = 2000

/** Whether a stat taken `now` can stand for the file's content later (git's racy rule). */
export const isSettled = (st: { mtimeMs: number; ctimeMs: number }, now: number): boolean => now - Math.max(st.mtimeMs, st.ctimeMs) > RACY_MS

/** The user's cache folder for this tool ($XDG_CACHE_HOME or ~/.cache), never the project (which the tool leaves as it found it). */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache')
  return path.join(cache, 'pypackage-tasks')
}

/** Write `text` to `file` under a new name, then rename: a run reading it at the same time sees the old file or the new one. Failures are swallowed. */
export async function writeCacheFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(tmp, text)
    await rename(tmp, file)
  } catch {
    // A cache folder we cannot write to costs the next run its shortcut, not this run its result.
  }
}
