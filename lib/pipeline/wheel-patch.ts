/**
 * When a wheel may be patched instead of built, and the patch itself: an in-place edit of files
 * the previous wheel holds verbatim (modules, templates) gives the previous wheel with those
 * entries' content and their RECORD lines replaced. Every rule here refuses on doubt: a refusal
 * is a reason, and the caller builds the wheel with its backend as before. Pure.
 */
import { createHash } from 'node:crypto'
import { parse } from 'smol-toml'
import { hashContent, type Inputs } from './inputs.js'
import { ownerOf } from './wheel-inputs.js'
import type { WheelManifest } from './wheel-manifest.js'
import { entryContent, readZip, withContent, writeZip, ZipUnsupported, type ZipEntry } from './wheel-zip.js'

/** Why a patch was not done (the wheel is built). */
export interface Refusal {
  refuse: string
}

/** A changed source file: its input key, and its path relative to its package's folder. */
export interface ChangedFile {
  input: string
  path: string
}

/** Files a backend copies as they are and never reads as configuration: modules and templates (setup.py is the backend's own). */
export function isVerbatimFile(rel: string): boolean {
  const base = rel.slice(rel.lastIndexOf('/') + 1)
  return (rel.endsWith('.py') && base !== 'setup.py') || /(^|\/)templates\//.test(rel)
}

/**
 * The changed files of each package, when the only changes since the previous wheels are edits of
 * verbatim files: same builder, pip settings and server, no file added or removed. Pure.
 */
export function patchableChanges(previous: WheelManifest | undefined, inputs: Inputs, pkgs: { key: string; rel: string }[]): { changes: Record<string, ChangedFile[]> } | Refusal {
  if (!previous) return { refuse: 'no previous wheels' }
  const changes: Record<string, ChangedFile[]> = {}
  for (const key of [...new Set([...Object.keys(previous.inputs), ...Object.keys(inputs)])].sort()) {
    if (previous.inputs[key] === inputs[key]) continue
    if (!key.startsWith('file:')) return { refuse: `${key} changed` }
    if (!(key in previous.inputs)) return { refuse: `${key.slice(5)} added` }
    if (!(key in inputs)) return { refuse: `${key.slice(5)} removed` }
    const rel = key.slice(5)
    const owner = pkgs.find((p) => p.key === ownerOf(rel, pkgs))
    if (!owner || !previous.packages[owner.key]) return { refuse: `no previous wheel holds ${rel}` }
    const inPkg = owner.rel ? rel.slice(owner.rel.length + 1) : rel
    if (!isVerbatimFile(inPkg)) return { refuse: `${rel} is not a module or template` }
    ;(changes[owner.key] ??= []).push({ input: key, path: inPkg })
  }
  return Object.keys(changes).length ? { changes } : { refuse: 'nothing changed' }
}

/**
 * Whether a package's wheel comes from a backend that copies modules and templates and reads no
 * other file for its metadata: setuptools.build_meta with static [project] metadata (no setup.py,
 * setup.cfg, in-tree backend or `dynamic`), or the tool's own app wheel (`app`: an application
 * without [build-system] or setup.py). Pure: `pyproject` is the file's text, if any.
 */
export function backendRefusal(files: { pyproject?: string; setupPy: boolean; setupCfg: boolean }, app: boolean): Refusal | undefined {
  if (files.setupPy) return { refuse: 'setup.py (the backend runs it)' }
  if (files.setupCfg) return { refuse: 'setup.cfg (the backend reads it)' }
  let doc: Record<string, unknown>
  try {
    doc = files.pyproject === undefined ? {} : (parse(files.pyproject) as Record<string, unknown>)
  } catch {
    return { refuse: 'pyproject.toml does not parse' }
  }
  const system = doc['build-system'] as Record<string, unknown> | undefined
  if (!system) return app ? undefined : { refuse: 'no [build-system]' }
  if (system['build-backend'] !== 'setuptools.build_meta') return { refuse: `backend ${String(system['build-backend'] ?? 'setuptools legacy')}` }
  if (system['backend-path'] !== undefined) return { refuse: 'in-tree backend' }
  const project = doc.project as Record<string, unknown> | undefined
  if (!project) return { refuse: 'no [project] metadata' }
  if (Array.isArray(project.dynamic) && project.dynamic.length) return { refuse: 'dynamic metadata' }
  return undefined
}

/** RECORD's hash of some bytes: `sha256=` and the urlsafe base64 digest without padding. */
export const recordHash = (content: Buffer) => `sha256=${createHash('sha256').update(content).digest('base64url')}`

/** One replacement: a source file's new content, its hash when the previous wheel was built, its executable bit. */
export interface Replacement {
  path: string
  previousHash: string
  content: Buffer
  executable: boolean
}

/**
 * The entry that holds `r.path`'s previous content verbatim: the one entry (outside .dist-info)
 * whose name ends `r.path` and whose content hashes as the file did when this wheel was built.
 */
function entryFor(entries: ZipEntry[], r: Replacement, contents: Map<string, Buffer>): ZipEntry | Refusal {
  const named = entries.filter((e) => !e.name.includes('.dist-info/') && (r.path === e.name || r.path.endsWith(`/${e.name}`)))
  const held = named.filter((e) => {
    if (!contents.has(e.name)) contents.set(e.name, entryContent(e))
    return hashContent(contents.get(e.name)!, r.executable) === r.previousHash
  })
  if (held.length !== 1) return { refuse: `${r.path}: ${held.length ? 'in the wheel twice' : 'not in the wheel as it was'}` }
  return held[0]
}

/** The RECORD with each replaced entry's line set to its new hash and size; undefined when one is missing or unlike its entry. */
function patchRecord(record: string, replaced: { name: string; old: Buffer; content: Buffer }[]): string | undefined {
  const lines = record.split('\n')
  for (const r of replaced) {
    const i = lines.findIndex((l) => l.startsWith(`${r.name},`))
    const fields = lines[i]?.replace(/\r$/, '').split(',')
    if (!fields || fields.length !== 3 || fields[1] !== recordHash(r.old) || fields[2] !== String(r.old.length)) return undefined
    lines[i] = `${r.name},${recordHash(r.content)},${r.content.length}${lines[i].endsWith('\r') ? '\r' : ''}`
  }
  return lines.join('\n')
}

/** The previous wheel (`wheel`, bytes) with the replacements made, or why not. */
export function patchWheel(wheel: Buffer, replacements: Replacement[]): Buffer | Refusal {
  try {
    const zip = readZip(wheel)
    const contents = new Map<string, Buffer>()
    const replaced: { name: string; old: Buffer; content: Buffer }[] = []
    for (const r of replacements) {
      const entry = entryFor(zip.entries, r, contents)
      if ('refuse' in entry) return entry
      if (replaced.some((x) => x.name === entry.name)) return { refuse: `${entry.name} replaced twice` }
      if (/[",\r\n]/.test(entry.name)) return { refuse: `${entry.name}: a name RECORD quotes` }
      replaced.push({ name: entry.name, old: contents.get(entry.name)!, content: r.content })
    }
    const records = zip.entries.filter((e) => /^[^/]+\.dist-info\/RECORD$/.test(e.name))
    if (records.length !== 1) return { refuse: `${records.length} RECORD files` }
    const record = patchRecord(entryContent(records[0]).toString('utf8'), replaced)
    if (record === undefined) return { refuse: 'RECORD does not list a replaced entry as it is' }
    const entries = zip.entries.map((e) => {
      const r = replaced.find((x) => x.name === e.name)
      return r ? withContent(e, r.content) : e === records[0] ? withContent(e, Buffer.from(record, 'utf8')) : e
    })
    return writeZip({ entries, comment: zip.comment })
  } catch (e) {
    if (e instanceof ZipUnsupported) return { refuse: e.message }
    // zlib's own errors (Z_DATA_ERROR…): a corrupt entry.
    if (typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).code!.startsWith('Z_')) return { refuse: `zip: ${(e as Error).message}` }
    throw e
  }
}
