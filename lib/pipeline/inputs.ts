import { createHash } from 'node:crypto'
import { lstat, readFile, readlink } from 'node:fs/promises'
import { UserError } from '../errors.js'

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

/** A file's content hash (and executable bit, which Docker keeps). Symlinks hash their target. */
export async function hashFile(abs: string): Promise<string> {
  try {
    const st = await lstat(abs)
    const body = st.isSymbolicLink() ? `->${await readlink(abs)}` : await readFile(abs)
    return sha256(Buffer.concat([Buffer.from(st.mode & 0o111 ? 'x:' : '-:'), Buffer.from(body)])).slice(0, 16)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UserError(`cannot read ${abs}${code ? ` (${code})` : ''}: every input of a build must be readable`, {
      hint: code === 'EACCES' ? `fix its permissions (chmod a+r "${abs}"), or exclude it (.dockerignore for an image folder)` : 'check the file, then retry',
      cause: e,
    })
  }
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

/** Human words for one input key. */
export function describeKey(key: string, parentLabel: (name: string) => string = (n) => n): string {
  const [kind, ...rest] = key.split(':')
  const name = rest.join(':')
  if (kind === 'file') return name
  if (kind === 'arg') return `build arg ${name}`
  if (kind === 'parent') return `parent image ${parentLabel(name)}`
  if (kind === 'from') return `FROM image ${name}`
  if (key === 'builder') return 'builder image'
  if (key === 'pip') return 'pip settings'
  return key
}

/**
 * Why a build must run, comparing what the last build recorded with the inputs now: "src/x.py
 * changed", "docker/base/Dockerfile added", "parent image docker/base rebuilt". Pure.
 */
export function explainChanges(previous: Inputs | undefined, current: Inputs, parentLabel?: (name: string) => string, limit = 3): string {
  if (!previous) return 'never built'
  const changes: string[] = []
  for (const key of Object.keys(current).sort()) {
    const what = describeKey(key, parentLabel)
    if (!(key in previous)) changes.push(key.startsWith('file:') ? `${what} added` : `${what} set`)
    else if (previous[key] !== current[key]) changes.push(key.startsWith('parent:') || key === 'builder' ? `${what} rebuilt` : key.startsWith('from:') ? `${what} replaced` : `${what} changed`)
  }
  for (const key of Object.keys(previous).sort()) {
    if (!(key in current)) changes.push(`${describeKey(key, parentLabel)} removed`)
  }
  if (changes.length === 0) return 'inputs unchanged but no image holds them'
  const shown = changes.slice(0, limit).join(', ')
  return changes.length > limit ? `${shown} (+${changes.length - limit} more)` : shown
}
