import { mkdir, rename, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

// The files this tool keeps between runs to do less next time (the state record, the listing
// cache, the replay record): where they live, when a stat is trusted, how they are written.
// Caches only: a missing, unreadable or unwritable one costs a shortcut, never a result.

/**
 * A file changed this close to being recorded is not trusted by its stat: a second change within
 * the same tick of the file system's clock would keep its size and times ("racy" files, as git
 * calls them). It is looked at again next time, then recorded. The tick is the file system's:
 * times in whole seconds (FAT's 2 s steps, ext3's, HFS+'s) mean a coarse clock, 2 s; times
 * with sub-second parts (ext4, XFS, btrfs, APFS: nanoseconds, set from the kernel's clock,
 * which moves in steps of 1-10 ms) a fine one, where 100 ms is ten steps or more.
 */
const COARSE_MS = 2000
const FINE_MS = 100

/** Whether a stat taken `now` can stand for the file's content later (git's racy rule, at the file system's tick). */
export function isSettled(st: { mtimeMs: number; ctimeMs: number }, now: number): boolean {
  const fine = st.mtimeMs % 1000 !== 0 || st.ctimeMs % 1000 !== 0
  return now - Math.max(st.mtimeMs, st.ctimeMs) > (fine ? FINE_MS : COARSE_MS)
}

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
