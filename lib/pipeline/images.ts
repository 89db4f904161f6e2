import path from 'node:path'
import type { Context } from '../context.js'
import { listContext, packContext, type ContextEntry } from '../docker/context.js'
import { LABEL_INPUTS, LABEL_INPUTS_DETAIL, LABEL_PROJECT } from '../docker/labels.js'
import { UserError } from '../errors.js'
import { discoverImages } from '../graph/discover.js'
import type { Node } from '../graph/execute.js'
import { resolveGraph, type ImageGraph, type ImageNode } from '../graph/resolve.js'
import { builtinDockerDir } from '../project.js'
import { formatBytes, formatMs } from '../render/format.js'
import { createdTime, ociLabels, readGitDetails, versionTag } from '../version.js'
import { explainChanges, hashFile, hashInputs, sha256, type Inputs } from './inputs.js'
import { imageNodeId } from '../graph/ids.js'

/** What a graph node hands to the nodes that need it. */
export interface NodeResult {
  /** Image id (images) or builder-independent marker (wheels). */
  id: string
  ref?: string
  inputs: Inputs
  /** Built in this run (not found up to date): what depends on it cannot be cached from before. */
  built?: boolean
}

/** Build args every image gets: FROM lines use IMAGE_PREFIX to name their parents. */
function baseBuildArgs(ctx: Context): Record<string, string> {
  return { IMAGE_PREFIX: ctx.project.prefix, ...ctx.project.config.buildArgs }
}

/** The build args an image gets: the common ones and `extra`, only those its Dockerfile declares (the engine warns about others). */
export function declaredBuildArgs(ctx: Context, node: ImageNode, extra: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries({ ...baseBuildArgs(ctx), ...extra }).filter(([k]) => node.args.has(k)))
}

/**
 * Discover docker/*\/Dockerfile and resolve their FROM lines into our image graph. `builtins`:
 * images a task needs that the project may not have scaffolded (the release environment's
 * database for a project init gave no docker/postgres): then the tool's own Dockerfile is used.
 */
export async function loadGraph(ctx: Context, builtins: string[] = []): Promise<ImageGraph> {
  warnAboutGit(ctx)
  const own = await discoverImages(ctx.project.dockerDir)
  const missing = builtins.filter((name) => !own.some((i) => i.name === name))
  const shipped = missing.length && ctx.project.dockerDir !== builtinDockerDir ? (await discoverImages(builtinDockerDir)).filter((i) => missing.includes(i.name)) : []
  const images = [...own, ...shipped]
  if (images.length === 0) {
    const rel = path.relative(ctx.project.root, ctx.project.dockerDir) || '.'
    throw new UserError(`no images found: ${rel}/*/Dockerfile matches nothing`, {
      hint: `create ${rel}/base/Dockerfile, ${rel}/builder/Dockerfile and ${rel}/release/Dockerfile, or set "dockerDir" in .pypackagerc.json`,
    })
  }
  return resolveGraph(images, ctx.project.prefix, baseBuildArgs(ctx))
}

const toldAboutGit = new WeakSet<Context>()

/**
 * Say, once per run, why a git checkout's images get content tags rather than the commit (git
 * refuses to read a checkout another user owns): before any image is built or tagged, so it is
 * never drawn over by the task view.
 */
export function warnAboutGit(ctx: Context): void {
  if (!ctx.project.gitUntrusted || toldAboutGit.has(ctx)) return
  toldAboutGit.add(ctx)
  ctx.emit({ type: 'git:untrusted', ...ctx.project.gitUntrusted })
}

/** Names the image folder for a user: "docker/base". */
export function imageLabel(ctx: Context, node: ImageNode): string {
  const rel = path.relative(ctx.project.root, node.dir)
  // The tool's own Dockerfiles (a project without docker/) live outside the project.
  return rel.startsWith('..') ? `docker/${node.name} (built-in)` : rel || node.name
}

/** Make sure every external FROM image is on the engine: there may be no registry to pull from. */
export async function checkExternal(ctx: Context, graph: ImageGraph, names: string[]): Promise<void> {
  const engine = await ctx.engine()
  for (const name of names) {
    const node = graph.get(name)!
    for (const ref of node.external) {
      if (!(await engine.images.inspect(ref))) {
        throw new UserError(`${imageLabel(ctx, node)}/Dockerfile is FROM ${ref}, which the engine does not have`, {
          hint: `pull it (\`docker pull ${ref}\`) or, with no registry, create it (see .ci/os-image.sh); then retry`,
        })
      }
    }
  }
}

async function releaseLabels(c: Context, repo: string): Promise<Record<string, string>> {
  const git = await readGitDetails(c.project.root)
  return ociLabels({ title: repo, version: c.project.version, revision: git.revision, dirty: c.project.git?.dirty, source: git.remote ?? `file://${c.project.root}`, created: createdTime(git.time) })
}

/** Extra context and build args for one image (the release image gets the wheelhouse). */
export type ImageExtras = (ctx: Context) => Promise<{ entries: ContextEntry[]; buildargs: Record<string, string> }>
/** Run after the image was built (the release image copies its manifest out). */
export type AfterBuild = (ctx: Context, imageId: string) => Promise<void>

interface ImagePlan {
  entries: ContextEntry[]
  buildargs: Record<string, string>
  inputs: Inputs
  hash: string
  ref: string
  /** The image `:latest` named before this build: removed after it, if the build left it untagged. */
  previousId?: string
}

/**
 * Remove the image this build superseded, when the build left it with no tag (a rebuild under the
 * same tag: `<sha>-dirty`, or --force), as `docker build` users do by hand. Only ours (labelled
 * with the project), never one a container uses (the engine refuses: kept), never a prune.
 */
async function removeSuperseded(c: Context, previousId: string | undefined, newId: string): Promise<void> {
  if (!previousId || previousId === newId) return
  const engine = await c.engine()
  const previous = await engine.images.inspect(previousId)
  if (!previous || previous.labels[LABEL_PROJECT] !== c.project.prefix) return
  if (previous.tags.length) return // still named: someone's
  await engine.images.removeUnused(previousId)
}

/**
 * One image as a graph node. Its inputs are the context files .dockerignore keeps, the build
 * args it declares and its parents' image ids; an image labelled with the same inputs hash is
 * reused (tagged, no context sent), otherwise it is built and the reason named.
 */
export function imageNode(ctx: Context, graph: ImageGraph, name: string, extras?: { needs: string[]; get: ImageExtras; afterBuild?: AfterBuild }): Node<Context, NodeResult> {
  const node = graph.get(name)!
  const label = imageLabel(ctx, node)
  const parentIds = node.parents.map(imageNodeId)
  let plan: ImagePlan | undefined
  return {
    id: imageNodeId(name),
    title: `Image ${label}`,
    needs: [...parentIds, ...(extras?.needs ?? [])],
    async check(c, deps) {
      const unknown = [
        ...node.parents.filter((p) => !deps[imageNodeId(p)]).map((p) => `parent image ${imageLabel(c, graph.get(p)!)} rebuilt`),
        ...(extras?.needs ?? []).filter((n) => !deps[n]).map((n) => `${n} rebuilt`),
      ]
      if (unknown.length) return { run: true, why: unknown.join(', ') }
      const extra = extras ? await extras.get(c) : { entries: [], buildargs: {} }
      const entries = [...(await listContext(node.dir)), ...extra.entries]
      // Only the ARGs the Dockerfile declares are sent and hashed.
      const buildargs = declaredBuildArgs(c, node, extra.buildargs)
      const inputs: Inputs = {}
      for (const e of entries) inputs[`file:${path.relative(c.project.root, e.abs)}`] = e.hash?.slice(0, 16) ?? (await hashFile(e.abs))
      for (const [k, v] of Object.entries(buildargs)) inputs[`arg:${k}`] = sha256(v).slice(0, 16)
      for (const p of node.parents) inputs[`parent:${p}`] = deps[imageNodeId(p)]!.id
      const engine = await c.engine()
      // An external FROM image (debian:bookworm-slim) counts by id: a re-made OS image means a rebuild.
      for (const ext of node.external) inputs[`from:${ext}`] = (await engine.images.inspect(ext))?.id ?? 'missing'
      const hash = hashInputs(inputs)
      const ref = `${node.repo}:${versionTag(c.project.git, hash)}`
      plan = { entries, buildargs: node.args.has('TAG') ? { ...buildargs, TAG: ref.split(':').pop()! } : buildargs, inputs, hash, ref }
      // Built from these inputs already: at this version's tag, or at :latest (a new commit that
      // did not touch this image). Two inspects; no image list, which costs the engine a scan.
      const atTag = await engine.images.inspect(ref)
      if (atTag?.labels[LABEL_INPUTS] === hash) return { skip: { id: atTag.id, ref, inputs }, why: `up to date (${ref})` }
      const previous = await engine.images.inspect(`${node.repo}:latest`)
      plan!.previousId = previous?.id
      if (previous?.labels[LABEL_INPUTS] === hash) return { skip: { id: previous.id, ref, inputs }, why: `up to date (${node.repo}:latest has the same inputs as ${ref})` }
      const recorded = previous?.labels[LABEL_INPUTS_DETAIL]
      const why = explainChanges(recorded ? (JSON.parse(recorded) as Inputs) : undefined, inputs, (p) => imageLabel(c, graph.get(p) ?? node))
      return { run: true, why }
    },
    async run(c, deps, emit) {
      // check() always runs first (also under --force): it made the plan.
      const p = plan!
      const started = Date.now()
      const engine = await c.engine()
      // OCI labels on the image we ship: on a parent, a new `created` would change its id and so
      // every child's inputs, and rebuild them for nothing.
      const oci = name === c.project.config.images.release ? await releaseLabels(c, node.repo) : {}
      const { id } = await engine.build({
        name: label,
        context: await packContext(p.entries),
        tags: [p.ref, `${node.repo}:latest`],
        builder: await engine.builder(c.project.config.builder),
        // The release image installs from its context only: no network, so no index, whatever
        // a Dockerfile asks for; a missing wheel fails the build instead of being fetched.
        ...(name === c.project.config.images.release ? { networkmode: 'none' as const } : {}),
        buildargs: p.buildargs,
        // Only stable labels on images: a per-run label would change every image id and defeat the cache.
        labels: { ...oci, [LABEL_PROJECT]: c.project.prefix, [LABEL_INPUTS]: p.hash, [LABEL_INPUTS_DETAIL]: JSON.stringify(p.inputs) },
        signal: c.signal,
        onStep: (step) => emit({ type: 'build:step', step }),
        onOutput: (line) => emit({ type: 'build:output', line }),
      })
      const info = await engine.images.inspect(id)
      await removeSuperseded(c, p.previousId, id)
      await extras?.afterBuild?.(c, id)
      return {
        result: { id, ref: p.ref, inputs: p.inputs, built: true },
        summary: `${p.ref} (+ :latest)  ${formatBytes(info?.size ?? 0)}  ${formatMs(Date.now() - started)}`,
        data: { image: { id, tags: [p.ref, `${node.repo}:latest`], size: info?.size ?? 0 } },
      }
    },
    async reuse(c, result) {
      // Same inputs under another tag (a new commit that did not touch this image): tag, don't build.
      const engine = await c.engine()
      const [repo, tag] = [node.repo, result.ref!.split(':').pop()!]
      for (const t of [tag, 'latest']) await engine.images.tag(result.id, repo, t)
    },
  }
}
