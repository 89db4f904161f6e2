/**
 * Files into and out of a container through the Engine API (PUT and GET /containers/{id}/archive),
 * so a container gets this machine's folders on an engine that has its own filesystem (a build
 * host, a CI service, a dockerd in a container), where a bind mount would name a path that does
 * not exist there.
 */
import { chmod, lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type Dockerode from 'dockerode'
import { UserError } from '../errors.js'
import { engineFailure } from './engine.js'
import { entryAdder } from './tar-pack.js'

/** A folder of this machine a container gets before it starts. */
export interface Upload {
  /** The folder here. */
  from: string
  /** Where its files are in the container (made, parents too). */
  to: string
  /** Only these files ('/'-separated paths relative to `from`); default: every file under it. */
  files?: string[]
}

/** A container folder whose files come back here once the container has exited with code 0. */
export interface Download {
  from: string
  /** The folder here its files go into (made when missing; files already there are overwritten). */
  to: string
}

/** The files of an upload, relative to its folder: the list given, else every file under it (dotfiles too, symlinks as links, not followed). */
async function filesOf(u: Upload): Promise<string[]> {
  if (u.files) return u.files
  const { default: fg } = await import('fast-glob') // loaded to list: the engine's client loads without it
  const names = await fg('**/*', { cwd: u.from, dot: true, onlyFiles: false, markDirectories: true, followSymbolicLinks: false })
  return names.filter((n) => !n.endsWith('/')).sort()
}

/** The folders an entry list needs, parents first: `a/b/c` needs `a` and `a/b`; `a/b/` (a folder) needs both too. Pure. */
export function foldersOf(names: string[]): string[] {
  const dirs = new Set<string>()
  for (const name of names) {
    const first = name.endsWith('/') ? name.slice(0, -1) : path.posix.dirname(name)
    for (let d = first; d !== '.' && d !== '' && d !== '/' && !dirs.has(d); d = path.posix.dirname(d)) dirs.add(d)
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))
}

/**
 * One tar of every upload, to be unpacked at the container's `/`: each file under its `to`
 * (without the leading slash), owned by root, with its mode and mtime here, the folders it needs
 * made first (0755). Symlinks travel as links, as a bind mount shows them.
 */
export async function packUploads(uploads: Upload[]): Promise<Readable> {
  const { default: tar } = await import('tar-stream')
  const pack = tar.pack()
  const owner = { uid: 0, gid: 0 }
  const entry = entryAdder(pack)
  ;(async () => {
    const lists = await Promise.all(uploads.map(async (u) => ({ u, files: await filesOf(u) })))
    const names = lists.flatMap(({ u, files }) => [`${trimRoot(u.to)}/`, ...files.map((f) => path.posix.join(trimRoot(u.to), f))])
    for (const dir of foldersOf(names)) entry({ name: dir, type: 'directory', mode: 0o755, mtime: new Date(0), ...owner })
    for (const { u, files } of lists) {
      for (const f of files) {
        const abs = path.join(u.from, f)
        const st = await lstat(abs).catch((e: NodeJS.ErrnoException) => {
          throw unreadable(abs, e)
        })
        const header = { name: path.posix.join(trimRoot(u.to), f), mode: st.mode & 0o7777, mtime: st.mtime, ...owner }
        if (st.isSymbolicLink()) entry({ ...header, type: 'symlink', linkname: await readlink(abs) })
        else if (st.isFile()) {
          const body = await readFile(abs).catch((e: NodeJS.ErrnoException) => {
            throw unreadable(abs, e)
          })
          entry({ ...header, size: body.length }, body)
        }
      }
    }
    pack.finalize()
  })().catch((err) => pack.destroy(err))
  return pack as unknown as Readable
}

const trimRoot = (p: string) => p.replace(/^\/+/, '')

function unreadable(abs: string, e: NodeJS.ErrnoException): UserError {
  return new UserError(`cannot read ${abs} (${e.code ?? e.message})`, { hint: e.code === 'EACCES' ? `fix its permissions (chmod a+r "${abs}")` : 'check the file, then retry', cause: e })
}

/** Copy every upload into the (created, not yet started) container: one request. */
export async function uploadInto(container: Dockerode.Container, uploads: Upload[], signal?: AbortSignal): Promise<void> {
  if (!uploads.length) return
  const archive = await packUploads(uploads)
  // A file that cannot be read fails the stream: that error, not the engine's broken request, is the one to report.
  let packFailure: unknown
  archive.on('error', (e) => (packFailure ??= e))
  try {
    await container.putArchive(archive as unknown as NodeJS.ReadableStream, { path: '/', abortSignal: signal } as never)
  } catch (e) {
    if (packFailure) throw packFailure
    throw engineFailure(`copy ${uploads.map((u) => u.to).join(', ')} into the container`, e)
  }
  if (packFailure) throw packFailure
}

/**
 * Unpack an archive the engine sent for a folder (its entries start with the folder's own name)
 * into `to`: files are ours (this process writes them), with the container's modes. An entry that
 * would land outside `to` is refused.
 */
export async function extractInto(archive: NodeJS.ReadableStream, to: string): Promise<void> {
  const { default: tar } = await import('tar-stream')
  const extract = tar.extract()
  await mkdir(to, { recursive: true })
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    stream.on('error', next)
    stream.on('end', () => {
      writeEntry(to, header, Buffer.concat(chunks)).then(() => next(), next)
    })
  })
  await pipeline(archive, extract)
}

async function writeEntry(to: string, header: { name: string; type?: string | null; mode?: number; linkname?: string | null }, body: Buffer): Promise<void> {
  const rel = header.name.split('/').slice(1).join('/')
  const abs = path.resolve(to, rel)
  if (abs !== path.resolve(to) && !abs.startsWith(path.resolve(to) + path.sep)) throw new Error(`the archive's entry ${header.name} points outside ${to}`)
  const mode = (header.mode ?? 0o644) & 0o777
  if (header.type === 'directory') {
    await mkdir(abs, { recursive: true })
    await chmod(abs, mode)
  } else if (header.type === 'symlink' && header.linkname) {
    await mkdir(path.dirname(abs), { recursive: true })
    await symlink(header.linkname, abs)
  } else if (header.type === 'file' || !header.type) {
    await mkdir(path.dirname(abs), { recursive: true })
    await writeFile(abs, body)
    // The container's mode, not this process's umask: as a bind mount would have left it.
    await chmod(abs, mode)
  }
}

/** Copy every download out of the (stopped) container. */
export async function downloadFrom(container: Dockerode.Container, downloads: Download[], signal?: AbortSignal): Promise<void> {
  for (const d of downloads) {
    const what = `copy ${d.from} out of the container`
    let archive: NodeJS.ReadableStream
    try {
      archive = await container.getArchive({ path: d.from, abortSignal: signal } as never)
    } catch (e) {
      throw engineFailure(what, e)
    }
    try {
      await extractInto(archive, d.to)
    } catch (e) {
      throw engineFailure(what, e)
    }
  }
}
