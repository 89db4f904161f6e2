import { statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { isSettled, writeCacheFile } from './cache-file.js'
import type { Options } from 'fast-glob'

// fast-glob behind a listing cache: a release that changes nothing lists no folder (and does not
// load fast-glob). A listing is kept with the stat (modification and change times, inode) of
// every folder it could have walked; it is reused only while each of them is unchanged: adding,
// removing or renaming an entry changes its folder's times, so a new file anywhere, in a new
// subfolder too, is seen. What is read from the files listed (ignore rules, contents) is not
// cached here: the callers read it each time. A cache only: any doubt (a folder that cannot be
// stat'ed, a walk that fails) means no cache, and the listing is made as before.

/** Past this many folders, checking their stats costs about what listing them does: not cached. */
const MAX_DIRS = 2000

/** A folder's modification time, change time and inode, as recorded with a listing. */
type Stamp = [mtimeMs: number, ctimeMs: number, ino: number]

interface Listing {
  /** Every folder the walk could have read (absolute path) → its stamp then. */
  dirs: Record<string, Stamp>
  files: string[]
}

/** Listings by call (patterns and options): the record's (loadListings), then this run's. */
let known: Record<string, Listing> = {}
/** Those this run used or made: what saveListings writes. */
let touched: Record<string, Listing> = {}
/** The record being read (loadListings): a listing waits for it. */
let loading: Promise<void> | undefined
/** Off until a run loads a record: other tasks list as before, at no extra cost. */
let enabled = false

/** Start reading the listings recorded at `file` (a missing or unreadable record is an empty one); turns the cache on. */
export function loadListings(file: string): void {
  enabled = true
  touched = {}
  loading = readFile(file, 'utf8').then(
    (text) => {
      const data = JSON.parse(text) as { version?: number; listings?: Record<string, Listing> }
      if (data.version === 1 && typeof data.listings === 'object' && data.listings) known = data.listings
    },
    () => undefined,
  )
  loading = loading.catch(() => undefined) // not JSON: no record
}

/** Write the listings this run used or made to `file` (a new name, then rename). A failure costs the next run its shortcut only. */
export async function saveListings(file: string): Promise<void> {
  await writeCacheFile(file, JSON.stringify({ version: 1, listings: touched }))
}

function stampOf(dir: string): Stamp | undefined {
  try {
    const st = statSync(dir)
    return st.isDirectory() ? [st.mtimeMs, st.ctimeMs, st.ino] : undefined
  } catch {
    return undefined
  }
}

/** Every recorded folder still has the stamp it had. */
function unchanged(listing: Listing): boolean {
  return Object.entries(listing.dirs).every(([dir, [m, c, ino]]) => {
    const now = stampOf(dir)
    return now !== undefined && now[0] === m && now[1] === c && now[2] === ino
  })
}

type GlobOptions = Options & { cwd: string }
type FastGlob = (patterns: string | string[], options: Options) => Promise<string[]>

/** How deep a walk for `patterns` can read: any depth with `**`, else as many folders as a pattern has parts (one more: a superset). */
function reach(patterns: string[], deep = Infinity): number {
  return Math.min(deep, patterns.some((p) => p.includes('**')) ? Infinity : Math.max(...patterns.map((p) => p.split('/').length)) - 1)
}

/**
 * The folders a fast-glob walk of `patterns` with `options` could read: `cwd` and every folder
 * under it that the same depth, symbolic-link and `…/**` ignore rules let it reach (its patterns
 * may prune more: a superset, so nothing it read is missed). Undefined when it cannot be had.
 */
async function walkedDirs(fg: FastGlob, patterns: string[], options: GlobOptions): Promise<string[] | undefined> {
  try {
    const ignore = (options.ignore ?? []).filter((p) => p.endsWith('/**'))
    const dirs = await fg('**', { cwd: options.cwd, dot: true, onlyDirectories: true, followSymbolicLinks: options.followSymbolicLinks ?? true, deep: reach(patterns, options.deep), ignore })
    return [options.cwd, ...dirs.map((d) => path.join(options.cwd, d))]
  } catch {
    return undefined
  }
}

/** The stamps of `dirs`, or undefined when one is gone or changed too recently to tell a later change in the same clock step. */
function settledStamps(dirs: string[], now: number): Record<string, Stamp> | undefined {
  const stamps: Record<string, Stamp> = {}
  for (const dir of dirs) {
    const stamp = stampOf(dir)
    if (!stamp || !isSettled({ mtimeMs: stamp[0], ctimeMs: stamp[1] }, now)) return undefined
    stamps[dir] = stamp
  }
  return stamps
}

/** fast-glob's answer for `patterns` in `options.cwd`: from the cache while every folder it covers is unchanged. */
export async function glob(patterns: string | string[], options: GlobOptions, now: () => number = Date.now): Promise<string[]> {
  const fg = async (): Promise<FastGlob> => (await import('fast-glob')).default
  if (!enabled) return (await fg())(patterns, options)
  await loading
  const opts = { ...options, cwd: path.resolve(options.cwd) }
  const key = JSON.stringify([patterns, opts])
  const cached = known[key]
  if (cached && unchanged(cached)) {
    touched[key] = cached
    return [...cached.files]
  }
  const fastGlob = await fg()
  const files = await fastGlob(patterns, options)
  const dirs = await walkedDirs(fastGlob, [patterns].flat(), opts)
  const stamps = dirs && dirs.length <= MAX_DIRS ? settledStamps(dirs, now()) : undefined
  if (stamps) known[key] = touched[key] = { dirs: stamps, files: [...files] }
  return files
}
