import { lstat, readFile, readlink } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { glob } from '../glob.js'
import dockerignore from '@balena/dockerignore'
import { entryAdder } from './tar-pack.js'

/** One file of a build context: its name inside the context and where it is on disk. */
export interface ContextEntry {
  name: string
  abs: string
  /** Content hash when already known (wheels: from the wheelhouse manifest), to skip re-reading. */
  hash?: string
  /** Sent instead of the file at `abs` (a Dockerfile the tool derived). */
  content?: Buffer
}

/** Not sent to the engine unless .dockerignore brings one back (`!rule`): JavaScript dependencies, wheelhouses, Python caches. */
const DEFAULT_IGNORE = ['node_modules', '**/node_modules', 'wheelhouse', '**/__pycache__', '**/*.pyc']
/** Never sent, whatever .dockerignore says: VCS data and local secrets (a `!.env` cannot bring them back). */
const NEVER_SENT = ['.git', '**/.git', '**/.git/**', '.env', '**/.env', '.env.*', '**/.env.*']

/** The files we send for `dir`: everything the default rules and .dockerignore keep (Dockerfile always). */
export async function listContext(dir: string): Promise<ContextEntry[]> {
  const names = await glob('**/*', { cwd: dir, dot: true, onlyFiles: false, markDirectories: true, followSymbolicLinks: false })
  let rules = ''
  try {
    rules = await readFile(path.join(dir, '.dockerignore'), 'utf8')
  } catch {
    // No .dockerignore: the default rules alone.
  }
  const make = dockerignore as unknown as typeof dockerignore.default
  const keep = make({ ignorecase: false }).add(DEFAULT_IGNORE).add(rules).createFilter()
  const allowed = make({ ignorecase: false }).add(NEVER_SENT).createFilter()
  return names
    .filter((n) => !n.endsWith('/'))
    .filter((n) => n === 'Dockerfile' || n === '.dockerignore' || (keep(n) && allowed(n)))
    .sort()
    .map((name) => ({ name, abs: path.join(dir, name) }))
}

/** A tar stream of the entries, for the Engine API's /build (tar-stream loaded only to build). */
export async function packContext(entries: ContextEntry[]): Promise<Readable> {
  const { default: tar } = await import('tar-stream')
  const pack = tar.pack()
  const entry = entryAdder(pack)
  ;(async () => {
    for (const e of entries) {
      if (e.content) {
        entry({ name: e.name, mode: 0o644, mtime: new Date(0), size: e.content.length }, e.content)
        continue
      }
      const st = await lstat(e.abs)
      const header = { name: e.name, mode: st.mode & 0o7777, mtime: st.mtime }
      if (st.isSymbolicLink()) {
        entry({ ...header, type: 'symlink', linkname: await readlink(e.abs) })
      } else {
        entry({ ...header, size: st.size }, await readFile(e.abs))
      }
    }
    pack.finalize()
  })().catch((err) => pack.destroy(err))
  return pack as unknown as Readable
}
