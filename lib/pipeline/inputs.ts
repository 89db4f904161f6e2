import { createHash } from 'node:crypto'
import { lstat, readFile, readlink } from 'node:fs/promises'
import { UserError } from '../errors.js'
import type { InputChange, Reason } from '../events.js'

/**
 * What a build reads, as a map key → short hash: `file:<path>` for every input file (path relative
 * to the project root), `arg:<NAME>` for build args, `parent:<name>` for a parent image's id,
 * anything else for settings. Stored with the result (image label, wheelhouse manifest), so a
 * later run can say exactly which input changed.
 */
export type Inputs = Record<string, string>

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** An input's hash: its executable bit (which Docker keeps), then its content. */
export const hashContent = (body: Buffer | string, executable: boolean): string => sha256(Buffer.concat([Buffer.from(executable ? 'x:' : '-:'), Buffer.from(body)])).slice(0, 16)

/** A file's content hash (and executable bit, which Docker keeps). Symlinks hash their target. */
export async function hashFile(abs: string): Promise<string> {
  try {
    const st = await lstat(abs)
    const body = st.isSymbolicLink() ? `->${await readlink(abs)}` : await readFile(abs)
    return hashContent(body, (st.mode & 0o111) !== 0)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UserError(`cannot read ${abs}${code ? ` (${code})` : ''}: every input of a build must be readable`, {
      hint: code === 'EACCES' ? `fix its permissions (chmod a+r "${abs}"), or exclude it (.dockerignore for an image folder)` : 'check the file, then retry',
      cause: e,
    })
  }
}

/**
 * The hashes of `files`, in their order, read side by side (each a wait on the disk otherwise);
 * a file that cannot be read fails it with the first such file's error, as one after another would.
 */
export async function hashAll(files: string[], hash: (abs: string) => Promise<string> = hashFile): Promise<string[]> {
  const settled = await Promise.allSettled(files.map((f) => hash(f)))
  return settled.map((r) => {
    if (r.status === 'rejected') throw r.reason
    return r.value
  })
}

/** The one hash that stands for all inputs: equal maps give equal hashes, whatever the key order. */
export function hashInputs(inputs: Inputs): string {
  return sha256(
    JSON.stringify(
      Object.keys(inputs)
        .sort()
        .map((k) => [k, inputs[k]]),
    ),
  )
}

/**
 * Why a build must run, comparing what the last build recorded with the inputs now: never built,
 * or the inputs that changed ("src/x.py" changed, "docker/base/Dockerfile" added, a parent image
 * rebuilt; none: the same inputs, but no image holds them). Pure; render/ words it.
 */
export function diffInputs(previous: Inputs | undefined, current: Inputs, parentLabel?: (name: string) => string): Reason {
  if (!previous) return { is: 'never-built' }
  const changes: InputChange[] = []
  const label = (key: string) => (key.startsWith('parent:') && parentLabel ? { label: parentLabel(key.slice('parent:'.length)) } : {})
  for (const key of Object.keys(current).sort()) {
    if (!(key in previous)) changes.push({ input: key, change: key.startsWith('file:') ? 'added' : 'set', ...label(key) })
    else if (previous[key] !== current[key]) {
      const change = key.startsWith('parent:') || key === 'builder' ? 'rebuilt' : key.startsWith('from:') ? 'replaced' : 'changed'
      changes.push({ input: key, change, ...label(key) })
    }
  }
  for (const key of Object.keys(previous).sort()) {
    if (!(key in current)) changes.push({ input: key, change: 'removed', ...label(key) })
  }
  return { is: 'changed', changes }
}
