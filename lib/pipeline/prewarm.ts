import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Context } from '../context.js'
import { listContext, packContext, type ContextEntry } from '../docker/context.js'
import { labelsFor } from '../docker/labels.js'
import { isUserError, UserError } from '../errors.js'
import type { Node } from '../graph/execute.js'
import { instructions } from '../graph/dockerfile.js'
import type { ImageGraph } from '../graph/resolve.js'
import { requires, type Shape } from '../shape/detect.js'
import { normalizeName, readPyproject, requirementName } from '../shape/pyproject.js'
import { formatMs } from '../render/format.js'
import { declaredBuildArgs, imageLabel, type NodeResult } from './images.js'
import { releaseBuildArgs } from './release.js'
import { findLinksMounts, hostOwner, makeStaging, pipEnv, readManifest, removeStaging, shellQuote } from './wheels.js'
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

/**
 * On a build whose release image has a new parent (a first build, a new OS image), the release
 * image's dependency layers — its Dockerfile up to `COPY wheels/app` — are built while the builder
 * image builds, instead of after the wheels: the dependency wheels come from the previous
 * wheelhouse or, on a first build, from `pip download` of the app's declared dependencies in the
 * parent image (no compiler needed for wheels). The image is removed at once; BuildKit keeps its
 * layers in its cache, so the real release build finds them there (when the wheels turn out the
 * same, byte for byte; when not, nothing is lost but the work). Best effort: anything it cannot
 * do is reported and skipped, never a failure of the run.
 */
export function prewarmNode(ctx: Context, graph: ImageGraph, release: string): Node<Context, NodeResult> | undefined {
  const node = graph.get(release)
  if (!node || node.parents.length !== 1) return undefined
  const parent = imageNodeId(node.parents[0])
  let plan: { dockerfile: string; wheels: { name: string; abs: string }[] | undefined; requirements: string[] } | undefined
  return {
    id: PREWARM,
    title: `Release dependencies (ahead of the wheels)`,
    needs: [parent],
    async check(c, deps) {
      const p = deps[parent]
      if (p && !p.built) return { skip: { id: p.id, inputs: {} }, why: `${imageLabel(c, graph.get(node.parents[0])!)} unchanged: the release build finds its dependency layers in the cache` }
      if ((await (await c.engine()).builder(c.project.config.builder)) !== 'buildkit') return { skip: { id: '', inputs: {} }, why: 'needs BuildKit (the legacy builder keeps its cache in images)' }
      const dockerfile = dependencyPart(await readFile(node.dockerfile, 'utf8'))
      if (!dockerfile) return { skip: { id: '', inputs: {} }, why: `${imageLabel(c, node)}/Dockerfile has no single-stage COPY wheels/deps … COPY wheels/app order` }
      const previous = await readManifest(c.project.wheelhouse)
      const wheels = previous?.dependencies.map((f) => ({ name: `wheels/deps/${f}`, abs: path.join(c.project.wheelhouse, f) }))
      const requirements = wheels ? [] : staticDependencies(await c.project.shape(), c.project.localPackages)
      if (!requirements) return { skip: { id: '', inputs: {} }, why: 'the app declares its dependencies dynamically or in requirement files (no [project] dependencies)' }
      plan = { dockerfile, wheels, requirements }
      return { run: true, why: `${p ? 'parent image rebuilt' : 'parent image to be rebuilt'}: dependency layers built while the builder builds` }
    },
    async run(c, deps, emit) {
      // Under --force every node runs, also one whose check found nothing to do.
      if (!plan) return { result: { id: '', inputs: {} }, summary: 'nothing to do ahead of the wheels' }
      const started = Date.now()
      let staging: string | undefined
      try {
        let wheels = plan.wheels
        if (!wheels) {
          staging = await makeStaging(c.project, 'prewarm', c.runId)
          wheels = await download(c, deps[parent].ref ?? deps[parent].id, staging, plan.requirements, emit)
        }
        const engine = await c.engine()
        const entries: ContextEntry[] = [
          ...(await listContext(node.dir)).filter((e) => e.name !== 'Dockerfile'),
          { name: 'Dockerfile', abs: node.dockerfile, content: Buffer.from(plan.dockerfile) },
          ...wheels,
        ]
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
        // Only the cache was wanted: the untagged image goes, its layers stay in BuildKit's cache.
        // Best effort: one left behind is labelled, and `clean` removes it.
        await engine.images.remove(id).catch(() => undefined)
        return { result: { id, inputs: {} }, summary: `${wheels.length} dependency wheels installed into cached layers  ${formatMs(Date.now() - started)}` }
      } catch (e) {
        if (c.signal.aborted || !isUserError(e)) throw e
        // Best effort: the release build does this work itself.
        return { result: { id: '', inputs: {} }, summary: `not done (${e.message.split('\n')[0]}); the release build installs the dependencies itself` }
      } finally {
        if (staging) await removeStaging(staging)
      }
    },
  }
}

/** `pip download` the declared dependencies (wheels only) in the parent image, as pip settings say. */
async function download(c: Context, image: string, staging: string, requirements: string[], emit: Parameters<Node<Context, NodeResult>['run']>[2]) {
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
      binds: [...findLinks.map((f) => `${f.host}:${f.mount}:ro`), `${staging}:/out`],
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
