/**
 * The wheels of an in-place edit, made in this process: when only modules or templates that the
 * previous wheels hold verbatim were edited (wheel-patch.ts decides), each such wheel is the
 * previous one with those entries replaced, every other wheel is the previous one, and the
 * wheelhouse is replaced as a build replaces it. No container runs. Any doubt is a refusal, and
 * the caller runs the backend build.
 */
import { existsSync } from 'node:fs'
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Context } from '../context.js'
import type { Project } from '../project.js'
import { appPython } from './image-graph.js'
import { hashContent, sha256, type Inputs } from './inputs.js'
import { linkOrCopy, makeStaging, removeStaging, replaceDir } from './staging.js'
import type { WheelsBuilt } from './wheels.js'
import { localPackages } from './wheel-inputs.js'
import { builtForOther, forgetManifests, manifestOf, readManifest, writeManifest, type WheelManifest } from './wheel-manifest.js'
import { backendRefusal, patchableChanges, patchWheel, type ChangedFile, type Refusal, type Replacement } from './wheel-patch.js'

/** The wheels node's result, as data. */

/** The patched wheels: package key → the wheel's new bytes and the files replaced in it. */
type Patched = Record<string, { wheel: string; bytes: Buffer; files: string[] }>

/**
 * Patch the previous wheels for `inputs` and make them the wheelhouse: its manifest and the
 * node's result, or why not (nothing was written then).
 */
export async function patchWheels(ctx: Context, inputs: Inputs): Promise<{ manifest: WheelManifest; built: WheelsBuilt } | Refusal> {
  const { project } = ctx
  if (!project.config.engine.patchWheels) return { refuse: 'engine.patchWheels is false' }
  const previous = await readManifest(project.wheelhouse)
  const python = appPython(ctx)
  if (previous && python && builtForOther(previous, python)) return { refuse: 'built for another Python' }
  const made = await patchedWheels(project, previous, inputs)
  if ('refuse' in made) return made
  const { patched } = made
  const staging = await makeStaging(project, 'wheels', ctx.runId)
  try {
    const next = path.join(staging, 'all')
    await mkdir(next)
    const own = new Map(Object.values(patched).map((p) => [p.wheel, p.bytes]))
    for (const wheel of Object.keys(previous!.sha256)) {
      const bytes = own.get(wheel)
      await (bytes ? writeFile(path.join(next, wheel), bytes) : linkOrCopy(path.join(project.wheelhouse, wheel), path.join(next, wheel)))
    }
    const manifest = await manifestOf(next, inputs, previous!.packages, python)
    await writeManifest(next, manifest)
    await replaceDir(project.wheelhouse, next, path.join(staging, 'previous'))
    return { manifest, built: outcomeOf(project, manifest, patched) }
  } finally {
    forgetManifests()
    await removeStaging(staging)
  }
}

/** Each package with edits: its previous wheel patched; or why not. */
async function patchedWheels(project: Project, previous: WheelManifest | undefined, inputs: Inputs): Promise<{ patched: Patched } | Refusal> {
  const pkgs = localPackages(project).map((p) => ({ ...p, rel: path.relative(project.root, p.dir) }))
  const changed = patchableChanges(previous, inputs, pkgs)
  if ('refuse' in changed) return changed
  const patched: Patched = {}
  for (const [key, files] of Object.entries(changed.changes)) {
    const pkg = pkgs.find((p) => p.key === key)!
    const backend = backendRefusal(await packagingFiles(pkg.dir), key === 'app')
    if (backend) return backend
    const wheel = previous!.packages[key]
    const bytes = await readFile(path.join(project.wheelhouse, wheel))
    // The wheel the manifest's inputs describe, as that build wrote it.
    if (sha256(bytes) !== previous!.sha256[wheel]) return { refuse: `${wheel} is not the last build's` }
    const replacements = await replacementsOf(project, previous!, inputs, files)
    if ('refuse' in replacements) return replacements
    const result = patchWheel(bytes, replacements)
    if ('refuse' in result) return result
    patched[key] = { wheel, bytes: result, files: files.map((f) => f.path) }
  }
  return { patched }
}

/** What a backend reads as configuration in a package folder. */
async function packagingFiles(dir: string): Promise<Parameters<typeof backendRefusal>[0]> {
  const pyproject = await readFile(path.join(dir, 'pyproject.toml'), 'utf8').catch(() => undefined)
  return { pyproject, setupPy: existsSync(path.join(dir, 'setup.py')), setupCfg: existsSync(path.join(dir, 'setup.cfg')) }
}

/** Each edited file's content now, checked against the hash the inputs hold (a file edited since it was hashed is refused). */
async function replacementsOf(project: Project, previous: WheelManifest, inputs: Inputs, files: ChangedFile[]): Promise<Replacement[] | Refusal> {
  const out: Replacement[] = []
  for (const f of files) {
    const abs = path.join(project.root, f.input.slice(5))
    const st = await lstat(abs)
    if (!st.isFile()) return { refuse: `${f.path} is not a regular file` }
    const content = await readFile(abs)
    const executable = (st.mode & 0o111) !== 0
    if (hashContent(content, executable) !== inputs[f.input]) return { refuse: `${f.path} changed while it was read` }
    out.push({ path: f.path, previousHash: previous.inputs[f.input], content, executable })
  }
  return out
}

/** A hard link (the wheelhouse and the staging folder are both under the project), else a copy. */
/** What the patch made, as the wheels node's result. */
function outcomeOf(project: Project, manifest: WheelManifest, patched: Patched): WheelsBuilt {
  const own = new Set(Object.values(patched).map((p) => p.wheel))
  return {
    wheels: [...Object.values(manifest.packages), ...manifest.dependencies].map((file) => ({ file, sha256: manifest.sha256[file] })),
    built: [],
    patched: Object.values(patched).map((p) => ({ file: p.wheel, files: p.files })),
    reused: Object.values(manifest.packages).filter((w) => !own.has(w)),
    dependencies: manifest.dependencies.length,
    folder: path.relative(project.root, project.wheelhouse),
  }
}
