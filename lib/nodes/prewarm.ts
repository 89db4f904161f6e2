import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Context } from '../context.js'
import { listContext, packContext, type ContextEntry } from '../docker/build-context.js'
import { labelsFor } from '../docker/labels.js'
import { isUserError, UserError } from '../errors.js'
import type { Decision, Node } from '../graph/execute.js'
import type { Reason, StageEvent } from '../events.js'
import { instructions } from '../graph/dockerfile.js'
import type { ImageGraph, ImageNode } from '../graph/resolve.js'
import { requires, type Shape } from '../shape/detect.js'
import { normalizeName, readPyproject, requirementName } from '../shape/pyproject.js'
import { declaredBuildArgs, imageLabel, type NodeResult } from '../pipeline/image-graph.js'
import { releaseBuildArgs } from '../pipeline/release.js'
import { findLinksMounts, hostOwner, pipEnv } from '../pipeline/builder-mounts.js'
import { shellQuote } from '../graph/shell-words.js'
import { makeStaging, removeStaging } from '../pipeline/staging.js'
import { projectManifest } from '../pipeline/wheel-manifest.js'
import { imageNodeId, PREWARM } from '../graph/ids.js'

/**
 * The release Dockerfile up to the first instruction that reads our own wheels (`wheels/app`):
 * the layers that depend only on the parent image and the dependency wheels. Undefined when the
 * file has more than one stage, never copies `wheels/deps`, or never reads `wheels/app`. Pure.
 */
export function dependencyPart(dockerfile: string): string | undefined {
  const ins = instructions(dockerfile)
  if (ins.filter((i) => i.keyword === 'FROM').length !== 1) return undefined
  const cut = ins.findIndex((i) => /(^|[\s/])wheels\/app\b/.test(i.rest))
  if (cut < 0 || !ins.slice(0, cut).some((i) => /(^|[\s/])wheels\/deps\b/.test(i.rest))) return undefined
  return (
    dockerfile
      .split(/\r?\n/)
      .slice(0, ins[cut].line - 1)
      .join('\n') + '\n'
  )
}

/**
 * The app's declared dependencies minus our own local packages (PEP 621 `[project]
 * dependencies`, an application's declared ones), plus the server the tool adds when they lack
 * it; undefined when they are not declared statically (dynamic, or in requirement files).
 */
export function staticDependencies(shape: Shape, localDirs: string[]): string[] | undefined {
  const deps = shape.kind === 'application' ? (shape.requirements.length ? undefined : shape.declared) : shape.pyproject?.dependencies
  if (!deps) return undefined
  const ours = new Set(localDirs.map((dir) => normalizeName(readPyproject(dir)?.name ?? path.basename(dir))))
  const theirs = deps.filter((req) => !ours.has(requirementName(req)))
  return [...theirs, ...shape.server.filter((s) => !requires(theirs, s))]
}

interface PrewarmPlan {
  dockerfile: string
  /** The previous wheelhouse's dependency wheels; undefined: download `requirements` first. */
  wheels: { name: string; abs: string }[] | undefined
  requirements: string[]
}

const skipped = (because: Extract<Reason, { is: 'prewarm-idle' }>['because'], image?: string) => ({
  skip: { id: '', inputs: {} },
  why: { is: 'prewarm-idle' as const, because, ...(image ? { image } : {}) },
})

/** Whether there is anything to build ahead (and can be): the plan, or why not. */
async function decidePrewarm(c: Context, graph: ImageGraph, node: ImageNode, parent: NodeResult | undefined): Promise<Decision<NodeResult>> {
  if (parent && !parent.built) return { skip: { id: parent.id, inputs: {} }, why: { is: 'prewarm-idle', because: 'parent-current', image: imageLabel(c, graph.get(node.parents[0])!) } }
  if ((await (await c.engine()).builder(c.project.config.builder)) !== 'buildkit') return skipped('legacy-builder')
  const dockerfile = dependencyPart(await readFile(node.dockerfile, 'utf8'))
  if (!dockerfile) return skipped('no-dependency-part', imageLabel(c, node))
  const previous = await projectManifest(c.project)
  const wheels = previous?.dependencies.map((f) => ({ name: `wheels/deps/${f}`, abs: path.join(c.project.wheelhouse, f) }))
  const requirements = wheels ? [] : staticDependencies(await c.project.shape(), c.project.localPackages)
  if (!requirements) return skipped('dynamic-dependencies')
  const plan: PrewarmPlan = { dockerfile, wheels, requirements }
  return { run: true, why: { is: 'prewarm', parentBuilt: Boolean(parent) }, plan }
}

/** Build the release Dockerfile's dependency part with the dependency wheels, then drop the image: its layers stay in BuildKit's cache. */
async function buildLayers(c: Context, node: ImageNode, wheels: { name: string; abs: string }[], dockerfile: string, emit: (e: StageEvent) => void): Promise<string> {
  const engine = await c.engine()
  const entries: ContextEntry[] = [...(await listContext(node.dir)).filter((e) => e.name !== 'Dockerfile'), { name: 'Dockerfile', abs: node.dockerfile, content: Buffer.from(dockerfile) }, ...wheels]
  const { id } = await engine.build({
    name: `${imageLabel(c, node)} (dependency layers)`,
    context: await packContext(entries),
    tags: [],
    builder: 'buildkit',
    networkmode: 'none',
    buildargs: declaredBuildArgs(c, node, await releaseBuildArgs(c)),
    labels: labelsFor(c.project.prefix, 'prewarm', c.runId),
    signal: c.signal,
    onStep: (step) => emit({ type: 'build:step', step }),
    onOutput: (line) => emit({ type: 'build:output', line }),
  })
  // Only the cache was wanted: the untagged image goes. Best effort: one left behind is labelled, and `clean` removes it.
  await engine.images.remove(id).catch(() => undefined)
  return id
}

/**
 * The release image's dependency layers as a node, built while the builder image builds, instead
 * of after the wheels: the dependency wheels come from the previous wheelhouse or, on a first
 * build, from `pip download` of the app's declared dependencies in the parent image (no compiler
 * needed for wheels). BuildKit keeps the layers, so the real release build finds them in its cache
 * (when the wheels turn out the same, byte for byte; when not, nothing is lost but the work). Best
 * effort: anything it cannot do is reported and skipped, never a failure of the run.
 */
export function prewarmNode(ctx: Context, graph: ImageGraph, release: string): Node<Context, NodeResult> | undefined {
  const node = graph.get(release)
  if (!node || node.parents.length !== 1) return undefined
  const parent = imageNodeId(node.parents[0])
  return {
    id: PREWARM,
    title: `Release dependencies (ahead of the wheels)`,
    needs: [parent],
    check: (c, deps) => decidePrewarm(c, graph, node, deps[parent]),
    async run(c, deps, emit, planned) {
      // Under --force every node runs, also one whose check found nothing to do.
      const plan = planned as PrewarmPlan | undefined
      if (!plan) return { result: { id: '', inputs: {} }, data: { prewarm: { idle: true } } }
      let staging: string | undefined
      try {
        let wheels = plan.wheels
        if (!wheels) {
          staging = await makeStaging(c.project, 'prewarm', c.runId)
          wheels = await download(c, deps[parent].ref ?? deps[parent].id, staging, plan.requirements, emit)
        }
        const id = await buildLayers(c, node, wheels, plan.dockerfile, emit)
        return { result: { id, inputs: {} }, data: { prewarm: { installed: wheels.length } } }
      } catch (e) {
        if (c.signal.aborted || !isUserError(e)) throw e
        // Best effort: the release build does this work itself.
        return { result: { id: '', inputs: {} }, data: { prewarm: { failed: e.message.split('\n')[0] } } }
      } finally {
        if (staging) await removeStaging(staging)
      }
    },
  }
}

/** `pip download` the declared dependencies (wheels only) in the parent image, as pip settings say. */
async function download(c: Context, image: string, staging: string, requirements: string[], emit: (e: StageEvent) => void) {
  const { project } = c
  const findLinks = findLinksMounts(project)
  const owner = hostOwner()
  const quoted = requirements.map(shellQuote).join(' ')
  const tail: string[] = []
  const code = await (
    await c.engine()
  ).containers.run(
    {
      image,
      cmd: ['sh', '-c', `set -e; pip download --only-binary=:all: --dest /out ${quoted}${owner ? `; chown -R ${owner} /out` : ''}`],
      env: pipEnv(
        project.config.pip,
        findLinks.map((f) => f.mount),
      ),
      uploads: findLinks.map((f) => ({ from: f.host, to: f.mount })),
      downloads: [{ from: '/out', to: staging }],
      ...(project.config.pip.noIndex ? { network: 'none' } : {}),
      labels: labelsFor(project.prefix, 'prewarm', c.runId),
      onOutput: (line) => {
        tail.push(line)
        emit({ type: 'build:output', line })
      },
    },
    c.signal,
  )
  if (code !== 0) {
    throw new UserError(`pip download exited with code ${code}: ${tail.filter((l) => /error/i.test(l)).pop() ?? tail.pop() ?? ''}`)
  }
  // Our own packages were left out of the requirements: every wheel here is a dependency.
  return (await readdir(staging))
    .filter((f) => f.endsWith('.whl'))
    .sort()
    .map((f) => ({ name: `wheels/deps/${f}`, abs: path.join(staging, f) }))
}
