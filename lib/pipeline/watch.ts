/**
 * What `dev` watches and how: the files a release is made of (the wheels' inputs and the image
 * folders' build contexts), a snapshot of their contents to tell a real change from noise, and a
 * watcher over their folders that wakes once per burst of saves.
 */
import { watch, type FSWatcher } from 'node:fs'
import path from 'node:path'
import { listContext } from '../docker/build-context.js'
import { interrupted } from '../errors.js'
import { discoverImages } from '../graph/discover.js'
import { builtinDockerDir, type Project } from '../project.js'
import { hashFile } from './inputs.js'
import { sourceFolders } from './sources.js'
import { localPackages, wheelInputs } from './wheel-inputs.js'

/** Each watched file's content hash, by its path relative to the project root. */
export type Snapshot = Record<string, string>

/** The project's own image folders (none when it uses the tool's Dockerfiles, which do not change under it). */
const ownDockerDir = (project: Project) => (project.dockerDir === builtinDockerDir ? undefined : project.dockerDir)

/**
 * The files a release is made of, hashed: the wheels' inputs (what is packed into a wheel, as the
 * wheels node lists them: .dockerignore or .gitignore respected; never the wheelhouse, .pypackage/
 * or .git) and the files each image folder sends to its build.
 */
export async function snapshotSources(project: Project): Promise<Snapshot> {
  const snap: Snapshot = {}
  for (const [key, hash] of Object.entries(await wheelInputs(project, ''))) if (key.startsWith('file:')) snap[key.slice(5)] = hash
  const docker = ownDockerDir(project)
  for (const image of docker ? await discoverImages(docker) : []) {
    for (const e of await listContext(image.dir)) snap[path.relative(project.root, e.abs)] = await hashFile(e.abs)
  }
  return snap
}

/** The files added, changed or removed between two snapshots, sorted. Pure. */
export function changedFiles(before: Snapshot, after: Snapshot): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => before[f] !== after[f]).sort()
}

/** The folders to watch: every package's source folders (not the wheelhouse, .pypackage/ or another package's), and the image folders. */
export async function watchedFolders(project: Project): Promise<string[]> {
  const pkgs = localPackages(project)
  const docker = ownDockerDir(project)
  const skip = [project.wheelhouse, path.join(project.root, '.pypackage'), ...(docker ? [docker] : [])]
  const folders = new Set<string>()
  for (const pkg of pkgs) {
    const others = pkgs.filter((o) => o !== pkg).map((o) => o.dir)
    for (const f of await sourceFolders(pkg.dir, [...others, ...skip])) folders.add(f)
  }
  for (const f of docker ? await sourceFolders(docker) : []) folders.add(f)
  return [...folders].sort()
}

/** What the tool itself writes beside the sources while it builds: the wheelhouse and its manifest and SBOM, `.pypackage/`. */
export function toolOutput(project: Project): (abs: string) => boolean {
  const pypackage = path.join(project.root, '.pypackage')
  return (abs) => abs === project.wheelhouse || abs.startsWith(`${project.wheelhouse}-`) || abs.startsWith(`${project.wheelhouse}${path.sep}`) || abs === pypackage
}

/** Names editors and Python write beside sources that are never one (swap files, vim's probe, bytecode). */
const NOISE = /(^|[\\/])(__pycache__|\.git|\.pypackage|4913|\.#[^\\/]*|[^\\/]*(\.sw[a-p]|~|\.pyc))$/

export interface FolderWatcher {
  /** Watch exactly these folders (each without recursion): new ones are added, gone ones dropped. */
  sync(folders: string[]): void
  /** When the next burst of changes has settled (`debounceMs` without one): the time of its first change. */
  next(signal: AbortSignal): Promise<number>
  close(): void
}

/**
 * fs.watch on each folder, not one recursive watch of the project: Node's recursive watch on
 * Linux walks and watches every folder below, node_modules, .git and the wheelhouse included.
 * A new folder wakes its parent's watcher; the caller then syncs the list.
 */
export function folderWatcher(debounceMs: number, ignored: (abs: string) => boolean = () => false): FolderWatcher {
  const watchers = new Map<string, FSWatcher>()
  let first: number | undefined
  let settled = false
  let timer: NodeJS.Timeout | undefined
  let wake: (() => void) | undefined
  const onChange = (folder: string, name: string | Buffer | null) => {
    if (name && (NOISE.test(String(name)) || ignored(path.join(folder, String(name))))) return
    first ??= Date.now()
    settled = false
    clearTimeout(timer)
    timer = setTimeout(() => {
      settled = true
      wake?.()
    }, debounceMs)
  }
  const drop = (folder: string) => {
    watchers.get(folder)?.close()
    watchers.delete(folder)
  }
  return {
    sync(folders) {
      const wanted = new Set(folders)
      for (const folder of [...watchers.keys()]) if (!wanted.has(folder)) drop(folder)
      for (const folder of wanted) {
        if (watchers.has(folder)) continue
        try {
          const w = watch(folder, (_event, name) => onChange(folder, name))
          w.on('error', () => drop(folder)) // removed meanwhile: its parent saw that
          watchers.set(folder, w)
        } catch {
          // Gone between the listing and now: its parent's watcher reports the change.
        }
      }
    },
    async next(signal) {
      while (!settled) {
        if (signal.aborted) throw interrupted(signal)
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener('abort', done)
            wake = undefined
            resolve()
          }
          wake = done
          signal.addEventListener('abort', done, { once: true })
        })
      }
      const at = first ?? Date.now()
      first = undefined
      settled = false
      return at
    },
    close() {
      clearTimeout(timer)
      for (const folder of [...watchers.keys()]) drop(folder)
    },
  }
}
