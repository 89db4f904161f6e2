/** The wheelhouse's manifest: what its wheels were built from, which came from which package, their hashes. */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { UserError } from '../errors.js'
import { sha256, type Inputs } from './inputs.js'

/** Written next to the wheels: what they were built from, and which wheel came from which package. */
export const MANIFEST = 'pypackage-wheels.json'

export interface WheelManifest {
  /** The build's inputs (source files, builder image, pip settings): the next run compares them. */
  inputs: Inputs
  /** Local package key ("app" or the folder name) → the wheel built from it. */
  packages: Record<string, string>
  /** Every other wheel: the dependencies. */
  dependencies: string[]
  /** Wheel file → sha256 (hex), as written: what the release build's inputs are made of. */
  sha256: Record<string, string>
  /** The Python the wheels were built for (major.minor) and its OS image; absent in manifests older than the choice. */
  python?: { version: string; image: string }
}

/** The Python a wheelhouse was built for, when it is not `python` (a manifest that names none is taken as fitting). */
export function builtForOther(manifest: WheelManifest | undefined, python: { version: string }): string | undefined {
  const was = manifest?.python?.version
  return was && was !== python.version ? was : undefined
}

/**
 * Wheels for one Python never go into another's image: a task that only installs the wheelhouse
 * (image docker/release) refuses one built for another Python; build and release rebuild it.
 */
export function assertWheelsFor(manifest: WheelManifest, python: { version: string }, folder: string): void {
  const was = builtForOther(manifest, python)
  if (!was) return
  throw new UserError(`the wheelhouse (${folder}) holds wheels built for Python ${was}, and the project now runs Python ${python.version}`, {
    hint: 'rebuild them for it: pypackage-tasks build (release does it for you)',
  })
}

/** Read the manifest of a wheelhouse; undefined when it has none or any wheel it lists is gone. */
export async function readManifest(wheelhouse: string): Promise<WheelManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(wheelhouse, MANIFEST), 'utf8')) as WheelManifest
    const present = new Set(await readdir(wheelhouse))
    const local = Object.values(m.packages ?? {})
    return m.inputs && m.sha256 && local.length && [...local, ...m.dependencies].every((w) => present.has(w)) ? m : undefined
  } catch {
    return undefined // no manifest, or one from an older layout: the wheels are rebuilt
  }
}

/** Bumped when this process wrote a wheelhouse: every manifest read before is stale. */
let generation = 0
const memo = new WeakMap<object, { generation: number; read: Promise<WheelManifest | undefined> }>()

/**
 * readManifest of the project's wheelhouse, read once per run (a run opens its own Project)
 * and read again after a wheelhouse was written (forgetManifests). Callers only read it.
 */
export function projectManifest(project: { wheelhouse: string }): Promise<WheelManifest | undefined> {
  const known = memo.get(project)
  if (known?.generation === generation) return known.read
  const read = readManifest(project.wheelhouse)
  memo.set(project, { generation, read })
  return read
}

/** A wheelhouse was written (or may have been, after a failure): what projectManifest read is forgotten. */
export function forgetManifests(): void {
  generation++
}

/**
 * The manifest of the wheels in `dir` (every `.whl` there, hashed as written): `packages` are the
 * local packages' wheels, every other wheel is a dependency; `python`: the Python they were built for.
 */
export async function manifestOf(dir: string, inputs: Inputs, packages: Record<string, string>, python?: { version: string; image: string }): Promise<WheelManifest> {
  const all = (await readdir(dir)).filter((f) => f.endsWith('.whl')).sort()
  const local = Object.values(packages)
  const sums: Record<string, string> = {}
  for (const w of all) sums[w] = sha256(await readFile(path.join(dir, w)))
  return { inputs, packages, dependencies: all.filter((f) => !local.includes(f)), sha256: sums, ...(python ? { python: { version: python.version, image: python.image } } : {}) }
}

/** Write `manifest` into the wheelhouse folder `dir` (where readManifest looks for it). */
export async function writeManifest(dir: string, manifest: WheelManifest): Promise<void> {
  await writeFile(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
}
