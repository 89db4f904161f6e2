import path from 'node:path'
import { UserError } from '../errors.js'
import type { Project } from '../project.js'
import { knownRequirements, type Shape } from '../shape/detect.js'
import { dependencyNamedLike } from '../shape/requirements.js'
import { MOUNT } from './builder-mounts.js'
import { hashAll, hashFile, sha256, type Inputs } from './inputs.js'
import { ignoreTop, sourceFiles } from './sources.js'
import type { WheelManifest } from './wheel-manifest.js'

// What the wheels are made from (the packages, their files, the dependency inputs) and which of
// them a change touches: read on every run, before anything is built, so it loads without the
// build's own modules (wheels.ts).

/** A Python project we build from source: the app, or one of `localPackages`. */
export interface LocalPackage {
  key: string
  dir: string
  /** Where it is mounted in the builder. */
  mount: string
}

export function localPackages(project: Project): LocalPackage[] {
  const taken = new Set(['app'])
  return [
    { key: 'app', dir: project.source, mount: MOUNT.source },
    ...project.localPackages.map((dir) => {
      // Keys name folders in the builder: two packages called `core` become core and core-2.
      let key = path.basename(dir)
      for (let i = 2; taken.has(key); i++) key = `${path.basename(dir)}-${i}`
      taken.add(key)
      return { key, dir, mount: `${MOUNT.packages}/${key}` }
    }),
  ]
}

/** The files of one package that make its wheel (see sources.ts): nested packages, the wheelhouse and `alsoSkip` left out. */
export async function packageFiles(pkg: LocalPackage, others: LocalPackage[], wheelhouse: string, alsoSkip: string[] = [], top = pkg.dir): Promise<string[]> {
  return sourceFiles(pkg.dir, top, [...others.map((o) => o.dir), wheelhouse, ...alsoSkip])
}

/** Inputs that decide the dependency set beyond Requires-Dist: requirement files, locks, the server. */
export const isDependencyInput = (key: string) =>
  key === 'server' || /^file:(.*\/)?(requirements[^/]*|[^/]*requirements[^/]*\.txt|constraints[^/]*\.txt|poetry\.lock|uv\.lock|Pipfile(\.lock)?)$/.test(key)

/**
 * Inputs of the wheel build: every source file of every package, the builder image, pip settings,
 * the server. `hash`: how a file is hashed (a release's state record: inputs.ts hashFile behind a stat cache).
 */
export async function wheelInputs(project: Project, builderId: string, hash: (abs: string) => Promise<string> = hashFile): Promise<Inputs> {
  const pkgs = localPackages(project)
  const shape = await project.shape()
  const inputs: Inputs = { builder: builderId, pip: sha256(JSON.stringify(project.config.pip)).slice(0, 16), server: shape.server.join(' ') }
  for (const pkg of pkgs) {
    // What the tool itself writes or reads beside the source (the release manifest, the Dockerfiles)
    // is not the package's source: changing it must not rebuild wheels.
    // The config, the npm files that install the tool and the Makefiles forwarding to it are not the app either.
    const tooling = [
      `${project.wheelhouse}-manifest.json`,
      `${project.wheelhouse}-sbom.cdx.json`,
      project.dockerDir,
      path.join(project.root, '.pypackage'),
      ...(project.configFile ? [project.configFile] : []),
      ...['package.json', 'package-lock.json', 'pypackage.mk'].map((f) => path.join(project.root, f)),
    ]
    const files = await packageFiles(
      pkg,
      pkgs.filter((o) => o !== pkg),
      project.wheelhouse,
      tooling,
      ignoreTop(pkg.dir, project.root),
    )
    const hashes = await hashAll(files, hash)
    files.forEach((f, i) => (inputs[`file:${path.relative(project.root, f)}`] = hashes[i]))
  }
  return inputs
}

/** The package a `file:` input belongs to: the deepest package folder holding it. */
export function ownerOf(rel: string, pkgs: { key: string; rel: string }[]): string | undefined {
  return pkgs.filter((p) => p.rel === '' || rel === p.rel || rel.startsWith(`${p.rel}/`)).sort((a, b) => b.rel.length - a.rel.length)[0]?.key
}

/**
 * Which packages need a new wheel: all when nothing was built before or the builder or pip
 * settings changed; otherwise only those whose files changed or whose wheel is gone. Pure.
 */
export function packagesToBuild(previous: WheelManifest | undefined, inputs: Inputs, pkgs: { key: string; rel: string }[]): string[] {
  if (!previous || previous.inputs.builder !== inputs.builder || previous.inputs.pip !== inputs.pip) return pkgs.map((p) => p.key)
  const changed = new Set<string>()
  const keys = new Set([...Object.keys(previous.inputs), ...Object.keys(inputs)])
  for (const key of keys) {
    if (!key.startsWith('file:') || previous.inputs[key] === inputs[key]) continue
    const owner = ownerOf(key.slice(5), pkgs)
    if (owner) changed.add(owner)
  }
  return pkgs.filter((p) => changed.has(p.key) || !previous.packages[p.key]).map((p) => p.key)
}

/** Each package's source files, relative to its folder: the `file:` inputs it owns. Pure. */
export function sourceLists(inputs: Inputs, pkgs: { key: string; rel: string }[]): Record<string, string[]> {
  const lists: Record<string, string[]> = Object.fromEntries(pkgs.map((p) => [p.key, []]))
  for (const key of Object.keys(inputs).sort()) {
    if (!key.startsWith('file:')) continue
    const rel = key.slice(5)
    const owner = pkgs.find((p) => p.key === ownerOf(rel, pkgs))
    if (owner) lists[owner.key].push(owner.rel ? path.posix.relative(owner.rel, rel) : rel)
  }
  return lists
}

/** The name the tool packs an application under (its wheel's distribution name). */
export function appDistribution(project: Project, shape: Shape): string {
  return project.config.app ?? shape.pyproject?.name ?? project.app
}

/** An application whose wheel would be named like one of its requirements: said before anything is built, not as pip's or the release build's conflict. */
export function refuseShadowedDependency(project: Project, shape: Shape): void {
  if (shape.kind !== 'application') return
  const app = appDistribution(project, shape)
  const req = dependencyNamedLike(app, knownRequirements(shape, project.source) ?? [])
  if (!req) return
  throw new UserError(`the app's own wheel would be named "${app}", like its requirement ${req}: the release cannot install both`, {
    hint: `name the app otherwise: set "app" in ${project.configFile ? path.basename(project.configFile) : '.pypackagerc.json'} (e.g. "${app}-app")`,
  })
}
