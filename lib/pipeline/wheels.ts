/**
 * The wheels of a project: its local packages, the inputs a wheel build is made of, which packages
 * need a new wheel, and the build itself (the builder container run into a staging folder that
 * replaces the wheelhouse only when everything succeeded).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Context } from '../context.js'
import type { ContainerSpec, Engine } from '../docker/engine.js'
import { LABEL_PROJECT, labelsFor } from '../docker/labels.js'
import { UserError } from '../errors.js'
import type { Project } from '../project.js'
import type { Done, StageEvent } from '../events.js'
import type { Shape } from '../shape/detect.js'
import { checkWheelsAgainstLock, lockConstraints, type Lock } from '../shape/locks.js'
import { appPython } from './image-graph.js'
import type { Inputs } from './inputs.js'
import { appDistribution, isDependencyInput, localPackages, packagesToBuild, sourceLists, type LocalPackage } from './wheel-inputs.js'
import { findLinksMounts, hostOwner, MOUNT, PIP_CACHE_VOLUME, pipEnv } from './builder-mounts.js'
import { builderScript } from './builder-script.js'
import { patchWheels } from './patch-wheels.js'
import { describeIndex, explainPip, versionsInFolders } from './pip-errors.js'
import { makeStaging, removeStaging, replaceDir } from './staging.js'
import { runWarmBuild, type WarmBuild } from './warm-builder.js'
import { forgetManifests, manifestOf, readManifest, writeManifest, type WheelManifest } from './wheel-manifest.js'

/** What one wheel build does: the packages, which of them it builds, which previous wheels it reuses. */
interface WheelPlan {
  pkgs: LocalPackage[]
  /** Each package's folder relative to the project root: what `file:` inputs are matched against. */
  rels: { key: string; rel: string }[]
  previous: WheelManifest | undefined
  toBuild: Set<string>
  reuse: { key: string; wheel: string }[]
}

/** The wheels node's result, as data (render/ words it). */
export type WheelsBuilt = Extract<Done, { built: string[] }>

/**
 * Run the builder with the sources at /application (and /packages/*); what it leaves in
 * /wheelhouse comes back into a staging folder. The wheelhouse is replaced only when pip
 * succeeded, so a failure or an interrupt leaves it exactly as it was.
 */
export async function buildWheels(ctx: Context, builderRef: string, inputs: Inputs, emit: (e: StageEvent) => void): Promise<{ manifest: WheelManifest; built: WheelsBuilt }> {
  const { project } = ctx
  // An edit of modules or templates the previous wheels hold verbatim: those wheels patched, no container run.
  const patched = await patchWheels(ctx, inputs)
  if (!('refuse' in patched)) return patched
  const plan = planWheels(project, await readManifest(project.wheelhouse), inputs)
  // Everything that can fail before the build runs comes first: the staging folder is made last, so it is always removed.
  const engine = await ctx.engine()
  await engine.volumes.create(PIP_CACHE_VOLUME, { [LABEL_PROJECT]: 'shared' })
  const shape = await project.shape()
  const script = builderScript(scriptOptions(project, shape, plan, inputs))
  const lists = sourceLists(inputs, plan.rels)
  const staging = await stageSourceLists(project, ctx.runId, lists)
  try {
    const spec = { ...builderContainer(ctx, builderRef, script), ...builderFolders(project, plan, lists, staging) }
    const { code, tail, builder } = await runBuilder(ctx, engine, { spec, imageId: inputs.builder, script, plan, staging }, emit)
    if (code !== 0) throw builderFailure(project, shape.lock, code, tail)
    const packages = await builtPackageWheels(project, plan.pkgs, staging, tail)
    const next = path.join(staging, 'all')
    const manifest = await manifestOf(next, inputs, packages, appPython(ctx))
    // The locked versions and hashes, checked before the wheelhouse is replaced.
    if (shape.lock)
      checkWheelsAgainstLock(
        shape.lock,
        manifest.dependencies.map((file) => ({ file, sha256: manifest.sha256[file] })),
      )
    await writeManifest(next, manifest)
    await replaceDir(project.wheelhouse, next, path.join(staging, 'previous'))
    return { manifest, built: { ...outcomeOf(project, plan, manifest), builder } }
  } finally {
    forgetManifests() // replaced, or maybe half-way
    await removeStaging(staging)
  }
}

/** Which packages to build and which previous wheels to reuse, from the previous manifest. */
function planWheels(project: Project, previous: WheelManifest | undefined, inputs: Inputs): WheelPlan {
  const pkgs = localPackages(project)
  const rels = pkgs.map((p) => ({ key: p.key, rel: path.relative(project.root, p.dir) }))
  const planned = packagesToBuild(previous, inputs, rels)
  // Nothing changed yet we run (--force): rebuild every package.
  const toBuild = new Set(planned.length ? planned : pkgs.map((p) => p.key))
  const reuse = pkgs.filter((p) => !toBuild.has(p.key)).map((p) => ({ key: p.key, wheel: previous!.packages[p.key] }))
  return { pkgs, rels, previous, toBuild, reuse }
}

/** A fresh staging folder holding each package's source list (sources/<key>.list, NUL-separated), where the builder's tar reads it. */
async function stageSourceLists(project: Project, runId: string, lists: Record<string, string[]>): Promise<string> {
  const staging = await makeStaging(project, 'wheels', runId)
  await mkdir(path.join(staging, 'sources'))
  for (const [key, files] of Object.entries(lists)) {
    await writeFile(path.join(staging, 'sources', `${key}.list`), files.map((f) => `${f}\0`).join(''))
  }
  return staging
}

/**
 * What goes into the builder and what comes out: each package's listed source files, the lists,
 * the find-links folders, the previous wheelhouse if any; pip's cache (a volume on the engine);
 * the wheels back into the staging folder.
 */
function builderFolders(project: Project, plan: WheelPlan, lists: Record<string, string[]>, staging: string): Pick<ContainerSpec, 'uploads' | 'downloads' | 'binds'> {
  return {
    uploads: [
      ...plan.pkgs.map((p) => ({ from: p.dir, to: p.mount, files: lists[p.key] })),
      { from: path.join(staging, 'sources'), to: MOUNT.sources },
      ...findLinksMounts(project).map((f) => ({ from: f.host, to: f.mount })),
      ...(plan.previous ? [{ from: project.wheelhouse, to: MOUNT.previous }] : []),
    ],
    binds: [`${PIP_CACHE_VOLUME}:${MOUNT.pipCache}`],
    downloads: [{ from: MOUNT.wheelhouse, to: staging }],
  }
}

/** What the builder script is told: the plan, the project's shape (app, requirement files, lock, server), the host user. */
function scriptOptions(project: Project, shape: Shape, plan: WheelPlan, inputs: Inputs): Parameters<typeof builderScript>[0] {
  return {
    build: plan.pkgs.filter((p) => plan.toBuild.has(p.key)),
    reuse: plan.reuse,
    buildIsolation: project.config.pip.buildIsolation,
    hasPrevious: Boolean(plan.previous),
    previous: reusableDependencies(plan.previous, inputs),
    // The warm builder's wheels come back through the API, as ours: nothing to give back.
    owner: project.config.engine.warmBuilder ? undefined : hostOwner(),
    app: shape.kind === 'application' ? { name: appDistribution(project, shape), version: shape.pyproject?.version ?? '0', requires: shape.declared } : undefined,
    requirements: shape.requirements.map((f) => `${MOUNT.source}/${f}`),
    constraints: shape.lock ? lockConstraints(shape.lock) : [],
    server: shape.server,
  }
}

/**
 * The previous build's wheels, when its dependency wheels may be reused: only from a build by the
 * same builder and pip settings (a new builder, another Python or platform, needs its own), and
 * only when no requirement file, lock or server changed (then the previous dependency set says nothing).
 */
function reusableDependencies(previous: WheelManifest | undefined, inputs: Inputs): { wheels: Record<string, string>; dependencies: string[] } | undefined {
  if (!previous || previous.inputs.builder !== inputs.builder || previous.inputs.pip !== inputs.pip) return undefined
  const depsChanged = Object.keys({ ...previous.inputs, ...inputs }).some((k) => isDependencyInput(k) && previous.inputs[k] !== inputs[k])
  return depsChanged ? undefined : { wheels: previous.packages, dependencies: previous.dependencies }
}

/** The builder container: the script, pip's settings as environment, no network when there is no index. */
function builderContainer(ctx: Context, image: string, script: string): ContainerSpec {
  const { project } = ctx
  return {
    image,
    cmd: ['sh', '-c', script],
    env: {
      ...pipEnv(
        project.config.pip,
        findLinksMounts(project).map((f) => f.mount),
      ),
      PIP_CACHE_DIR: MOUNT.pipCache,
      // Same sources, same bytes: wheels are byte-identical across builds, so caches keep hitting.
      SOURCE_DATE_EPOCH: '315532800',
    },
    // No index to reach: no network either (a container without one also starts faster).
    ...(project.config.pip.noIndex ? { network: 'none' } : {}),
    labels: labelsFor(project.prefix, 'build', ctx.runId),
  }
}

/** One builder run: the container a fresh run would get, and what the warm builder needs besides. */
interface BuilderRun {
  spec: ContainerSpec
  imageId: string
  script: string
  plan: WheelPlan
  staging: string
}

/**
 * Run the builder to its end, in a fresh container or the warm one (engine.warmBuilder): its exit
 * code, its last 30 output lines (every line also goes to `emit`), and which container it was.
 */
async function runBuilder(ctx: Context, engine: Engine, run: BuilderRun, emit: (e: StageEvent) => void): Promise<{ code: number; tail: string[]; builder: WheelsBuilt['builder'] }> {
  const tail: string[] = []
  const onOutput = (line: string) => {
    tail.push(line)
    if (tail.length > 30) tail.shift()
    emit({ type: 'build:output', line })
  }
  if (!ctx.project.config.engine.warmBuilder) return { code: await engine.containers.run({ ...run.spec, onOutput }, ctx.signal), tail, builder: 'cold' }
  const { code, state } = await runWarmBuild(engine, warmBuildOf(ctx, run, onOutput))
  return { code, tail, builder: state }
}

/** The fresh container's settings, split for the warm builder: the find-links folders are fixed for its life, the previous wheelhouse stays in it. */
function warmBuildOf(ctx: Context, run: BuilderRun, onOutput: (line: string) => void): WarmBuild {
  const { project } = ctx
  const { spec, plan } = run
  const fixed = findLinksMounts(project).map((f) => ({ from: f.host, to: f.mount }))
  return {
    project: project.prefix,
    root: project.root,
    image: spec.image,
    imageId: run.imageId,
    network: spec.network,
    binds: spec.binds ?? [],
    fixed,
    uploads: (spec.uploads ?? []).filter((u) => u.to !== MOUNT.previous && !fixed.some((f) => f.to === u.to)),
    env: spec.env ?? {},
    script: run.script,
    previous: plan.previous && { dir: project.wheelhouse, sha256: plan.previous.sha256 },
    staging: run.staging,
    onOutput,
    signal: ctx.signal,
  }
}

/** A failed builder run as the user's error: pip's output explained against the lock and the find-links folders. */
function builderFailure(project: Project, lock: Lock | undefined, code: number, tail: string[]): UserError {
  const folders = findLinksMounts(project).map((f) => f.host)
  const why = explainPip(tail, lock, describeIndex(project), (name) => versionsInFolders(folders, name))
  return new UserError(`building wheels failed: ${why.message ?? `the builder exited with code ${code}`}`, { details: tail, hint: why.hint })
}

/** Package key → the wheel the builder left in local/<key>; a package without one is an error. */
async function builtPackageWheels(project: Project, pkgs: LocalPackage[], staging: string, tail: string[]): Promise<Record<string, string>> {
  const packages: Record<string, string> = {}
  for (const p of pkgs) {
    const [wheel] = (await readdir(path.join(staging, 'local', p.key))).filter((f) => f.endsWith('.whl'))
    if (!wheel) throw new UserError(`pip built no wheel for ${path.relative(project.root, p.dir) || '.'}`, { details: tail })
    packages[p.key] = wheel
  }
  return packages
}

/** What the build made: every wheel with its hash, which of ours were built or reused, where. */
function outcomeOf(project: Project, plan: WheelPlan, manifest: WheelManifest): WheelsBuilt {
  return {
    wheels: [...Object.values(manifest.packages), ...manifest.dependencies].map((file) => ({ file, sha256: manifest.sha256[file] })),
    built: [...plan.toBuild].map((k) => manifest.packages[k]),
    reused: plan.reuse.map((r) => r.wheel),
    dependencies: manifest.dependencies.length,
    folder: path.relative(project.root, project.wheelhouse),
  }
}
