import { lstat, readFile } from 'node:fs/promises'
import path from 'node:path'
import { cacheFolder, isSettled, writeCacheFile } from '../cache-file.js'
import { hashFile, sha256 } from './inputs.js'

// The state record: what the last successful release found (each image's inputs hash, tag and id)
// and a stat cache of the input files' hashes, so a release that changes nothing hashes no file
// it hashed before and asks the engine once. A cache only: every skip it allows is still checked
// against the files' stats and the engine's ids, and a record that is missing, corrupt or of
// another version is no record (the full path runs).

const VERSION = 1

/** One image as the last release left it: inputs hash, the tag it had, its id. */
interface ImageState {
  hash: string
  ref: string
  id: string
}

/** What a file's hash was recorded with: size, times, inode and mode (the executable bit is hashed too). */
interface FileStat {
  size: number
  mtimeMs: number
  ctimeMs: number
  ino: number
  mode: number
  hash: string
}

interface StateRecord {
  version: typeof VERSION
  images: Record<string, ImageState>
  files: Record<string, FileStat>
  /** The external FROM images of the release's images (absent in records made before). */
  external?: string[]
}

/** The record of one run: read at its start, written (save) when the release is done. */
export interface RunState {
  /** What the last release recorded for the image `name`. */
  image(name: string): ImageState | undefined
  /** The image as this run leaves it. */
  record(name: string, image: ImageState): void
  /** A file's hash (inputs.ts hashFile), not read again when its stat is the one recorded with it. */
  hashFile(abs: string): Promise<string>
  /**
   * What the one look (nodes/image.ts lookOnce) will ask if nothing changed since the last
   * release: its external FROM images, each recorded image's tag and :latest. Undefined when the
   * record does not say.
   */
  lastLook(): string[] | undefined
  /** This run's external FROM images, for the next run's lastLook. */
  recordExternal(refs: string[]): void
  /** Write the record: this run's images (over the last run's) and the files hashed in this run. */
  save(): Promise<void>
}

/**
 * Where the record of a project (and of the Python it releases) is kept: the user's cache folder
 * ($XDG_CACHE_HOME or ~/.cache), never the project (which the tool leaves as it found it).
 */
export function statePath(root: string, python: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheFolder(env), `${sha256(root).slice(0, 16)}${python ? `-py${python}` : ''}.json`)
}

/** Where the listing cache of a project is kept (lib/glob.ts): beside its state records, whatever the Python. */
export function listingsPath(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return statePath(root, undefined, env).replace(/\.json$/, '.listings.json')
}

/** The record at `file`, or an empty one when there is none that this version reads. */
async function readRecord(file: string): Promise<StateRecord> {
  const empty: StateRecord = { version: VERSION, images: {}, files: {} }
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<StateRecord>
    const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)
    return data.version === VERSION && isMap(data.images) && isMap(data.files) ? (data as StateRecord) : empty
  } catch {
    return empty // none yet, unreadable or not JSON: the full path, never an error
  }
}

/** Same file as recorded: size, modification and change times, inode, mode. */
const sameStat = (a: FileStat, b: Omit<FileStat, 'hash'>) => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.mode === b.mode

export async function openState(file: string, now: () => number = Date.now): Promise<RunState> {
  const last = await readRecord(file)
  const images: Record<string, ImageState> = { ...last.images }
  const files: Record<string, FileStat> = {}
  let external: string[] | undefined
  return {
    image: (name) => last.images[name],
    lastLook: () => (Array.isArray(last.external) ? [...last.external, ...Object.values(last.images).flatMap((i) => [i.ref, `${i.ref.slice(0, i.ref.lastIndexOf(':'))}:latest`])] : undefined),
    recordExternal(refs) {
      external = refs
    },
    record(name, image) {
      images[name] = image
    },
    async hashFile(abs) {
      let stat: Omit<FileStat, 'hash'> | undefined
      try {
        const st = await lstat(abs)
        stat = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, mode: st.mode }
      } catch {
        return hashFile(abs) // which says why the file cannot be read
      }
      const known = last.files[abs]
      const hash = known && sameStat(known, stat) ? known.hash : await hashFile(abs)
      // A file changed this close to being hashed is hashed again next time, then cached.
      if (isSettled(stat, now())) files[abs] = { ...stat, hash }
      return hash
    },
    async save() {
      const record: StateRecord = { version: VERSION, images, files, ...(external ? { external } : {}) }
      await writeCacheFile(file, JSON.stringify(record))
    },
  }
}
