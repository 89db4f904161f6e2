import path from 'node:path'
import type { Context } from '../context.js'
import { listContext, packContext, type ContextEntry } from '../docker/build-context.js'
import { LABEL_INPUTS, LABEL_INPUTS_DETAIL, LABEL_PROJECT } from '../docker/labels.js'
import type { InputChange, StageEvent } from '../events.js'
import type { Decision, Node } from '../graph/execute.js'
import { imageNodeId } from '../graph/ids.js'
import type { ImageGraph, ImageNode } from '../graph/resolve.js'
import { appPython, declaredBuildArgs, imageLabel, missingExternal, pythonOf, type NodeResult } from '../pipeline/image-graph.js'
import { diffInputs, hashAll, hashFile, hashInputs, sha256, type Inputs } from '../pipeline/inputs.js'
import { createdTime, readGitDetails } from '../git.js'
import type { AppendPlan } from '../pipeline/app-layer-run.js'
import { ociLabels, pythonLabels } from '../docker/labels.js'
import type { RunState } from '../pipeline/state-record.js'
import type { ImageBrief } from '../docker/engine.js'
import { versionTag } from '../tags.js'

/**
 * Make sure every external FROM image is on the engine: there may be no registry to pull from.
 * Their ids, which the image nodes count among their inputs (one inspect per image per run).
 */
export async function checkExternal(ctx: Context, graph: ImageGraph, names: string[], look: Look = {}): Promise<ExternalIds> {
  const engine = await ctx.engine()
  const ids: ExternalIds = {}
  for (const name of names) {
    const node = graph.get(name)!
    for (const ref of node.external) {
      ids[ref] ??= look[ref]?.id ?? (await engine.images.inspect(ref))?.id ?? ''
      if (!ids[ref]) throw missingExternal(ctx, node, ref)
    }
  }
  return ids
}

/** External FROM image → its id, as checkExternal found them. */
type ExternalIds = Record<string, string>

/** Ref → id and size, for the refs the engine had when asked once at the start of the run (lookOnce). */
export type Look = Record<string, ImageBrief>

/** A look asked before the graph was read (nodes/pipeline.ts lookAhead): the refs it asked, its answer (undefined: it failed). */
export interface EarlyLook {
  refs: string[]
  answer: Promise<Look | undefined>
}

/**
 * When the last release left a record of every image: ONE request for the ids of the external
 * FROM images and of each recorded tag and :latest, which then stand in for an inspect each
 * (checkExternal, decideImage) and for the tagging of a skipped image. No record: no request.
 * `early`: that request made already, if it asked for every one of these refs.
 */
export async function lookOnce(ctx: Context, graph: ImageGraph, names: string[], state: RunState | undefined, early?: EarlyLook): Promise<Look> {
  state?.recordExternal([...new Set(names.flatMap((n) => graph.get(n)!.external))])
  const recorded = names.map((n) => state?.image(n))
  if (!recorded.length || recorded.some((r) => !r)) return {}
  const refs = new Set(names.flatMap((n, i) => [...graph.get(n)!.external, recorded[i]!.ref, `${graph.get(n)!.repo}:latest`]))
  const answer = early && [...refs].every((r) => early.refs.includes(r)) ? await early.answer : undefined
  if (answer) return Object.fromEntries(Object.entries(answer).filter(([ref]) => refs.has(ref)))
  return (await ctx.engine()).images.look([...refs])
}

/** What the run knew before the nodes ran: the external images' ids, the one look's answer, the state record. */
interface Known {
  fromIds: ExternalIds
  look: Look
  state?: RunState
}

async function releaseLabels(c: Context, repo: string): Promise<Record<string, string>> {
  const git = await readGitDetails(c.project.root)
  const oci = ociLabels({
    title: repo,
    version: c.project.version,
    revision: git.revision,
    dirty: c.project.git?.dirty,
    source: git.remote ?? `file://${c.project.root}`,
    created: createdTime(git.time),
  })
  const python = appPython(c)
  return { ...oci, ...(python ? pythonLabels(python) : {}) }
}

/** Extra context and build args for one image (the release image gets the wheelhouse). */
type ImageExtras = (ctx: Context) => Promise<{ entries: ContextEntry[]; buildargs: Record<string, string> }>
/** Run after the image was built (the release image copies its manifest out; `files`: image files already known, path → text, none read again). */
type AfterBuild = (ctx: Context, imageId: string, files?: Record<string, string>) => Promise<void>

interface ImagePlan {
  entries: ContextEntry[]
  buildargs: Record<string, string>
  inputs: Inputs
  hash: string
  ref: string
  /** The image `:latest` named before this build: removed after it, if the build left it untagged. */
  previousId?: string
  /** Only the app's wheels changed: append its layer to the previous image instead of building. */
  append?: AppendPlan
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
 * `appendable`: the release image, which may get its app layer appended (pipeline/app-layer.ts);
 * `done`: after the image was built or reused (the release writes the state record then).
 */
type Extras = { needs: string[]; get: ImageExtras; afterBuild?: AfterBuild; appendable?: boolean; done?: () => Promise<void> }

/** What the image is built from: context files, declared build args, parents' ids, external FROM ids; hashed, and the tag it gets. */
async function planImage(c: Context, node: ImageNode, deps: Record<string, NodeResult | undefined>, extras: Extras | undefined, { fromIds, state }: Known): Promise<ImagePlan> {
  const extra = extras ? await extras.get(c) : { entries: [], buildargs: {} }
  const entries = [...(await listContext(node.dir)), ...extra.entries]
  // Only the ARGs the Dockerfile declares are sent and hashed.
  const buildargs = declaredBuildArgs(c, node, extra.buildargs)
  const inputs: Inputs = {}
  const unknown = entries.filter((e) => e.hash == null)
  const hashes = new Map(
    (
      await hashAll(
        unknown.map((e) => e.abs),
        state?.hashFile ?? hashFile,
      )
    ).map((h, i) => [unknown[i], h]),
  )
  for (const e of entries) inputs[`file:${path.relative(c.project.root, e.abs)}`] = e.hash?.slice(0, 16) ?? hashes.get(e)!
  for (const [k, v] of Object.entries(buildargs)) inputs[`arg:${k}`] = sha256(v).slice(0, 16)
  for (const p of node.parents) inputs[`parent:${p}`] = deps[imageNodeId(p)]!.id
  const engine = await c.engine()
  // An external FROM image (debian:bookworm-slim) counts by id: a re-made OS image means a rebuild.
  for (const ext of node.external) inputs[`from:${ext}`] = fromIds[ext] ?? (await engine.images.inspect(ext))?.id ?? 'missing'
  const hash = hashInputs(inputs)
  const ref = `${node.repo}:${versionTag(c.project.git, hash, pythonOf(c, node))}`
  return { entries, buildargs: node.args.has('TAG') ? { ...buildargs, TAG: ref.split(':').pop()! } : buildargs, inputs, hash, ref }
}

/**
 * Built from these inputs already: as the last release recorded it, and the one look found its tag
 * still on that image (an image's id covers its labels, so its inputs hash too); else at this
 * version's tag, or at :latest (a new commit that did not touch this image) — two inspects. Else why not.
 */
async function decideImage(c: Context, graph: ImageGraph, node: ImageNode, plan: ImagePlan, known: Known, appendable = false): Promise<Decision<NodeResult>> {
  const { ref, hash, inputs } = plan
  const last = known.state?.image(node.name)
  // The size each way comes with the answer that found the image (for --metadata-file): no request of its own.
  const seen = known.look[ref]
  if (last?.hash === hash && last.ref === ref && seen?.id === last.id) return { skip: { id: last.id, ref, inputs, size: seen.size }, why: { is: 'current', ref }, plan }
  const engine = await c.engine()
  const atTag = await engine.images.inspect(ref)
  if (atTag?.labels[LABEL_INPUTS] === hash) return { skip: { id: atTag.id, ref, inputs, size: atTag.size }, why: { is: 'current', ref }, plan }
  const previous = await engine.images.inspect(`${node.repo}:latest`)
  plan.previousId = previous?.id
  if (previous?.labels[LABEL_INPUTS] === hash) return { skip: { id: previous.id, ref, inputs, size: previous.size }, why: { is: 'current', ref, latest: `${node.repo}:latest` }, plan }
  const recorded = previous?.labels[LABEL_INPUTS_DETAIL]
  const why = diffInputs(recorded ? (JSON.parse(recorded) as Inputs) : undefined, inputs, (p) => imageLabel(c, graph.get(p) ?? node))
  if (appendable && previous && why.is === 'changed') {
    // Loaded only when the release has changed: a no-change run never pays for it.
    const { checkAppend } = await import('../pipeline/app-layer-run.js')
    const verdict = await checkAppend(c, { dockerfile: node.dockerfile, entries: plan.entries, previousId: previous.id, changes: why.changes })
    if (verdict) return { run: true, why: verdict.why, plan: { ...plan, append: verdict.plan } }
  }
  return { run: true, why, plan }
}

/** The labels a build of this plan sets (the appended image gets the same). */
async function buildLabels(c: Context, node: ImageNode, p: ImagePlan, release: boolean): Promise<Record<string, string>> {
  // OCI labels on the image we ship: on a parent, a new `created` would change its id and so
  // every child's inputs, and rebuild them for nothing.
  const oci = release ? await releaseLabels(c, node.repo) : {}
  return { ...oci, [LABEL_PROJECT]: c.project.prefix, [LABEL_INPUTS]: p.hash, [LABEL_INPUTS_DETAIL]: JSON.stringify(p.inputs) }
}

/** Build the planned image, tag it (version and :latest), drop the image it superseded. */
async function buildPlanned(c: Context, name: string, node: ImageNode, p: ImagePlan, emit: (e: StageEvent) => void, extras: Extras | undefined) {
  const engine = await c.engine()
  const release = name === c.project.config.images.release
  const labels = await buildLabels(c, node, p, release)
  const tags = [p.ref, `${node.repo}:latest`]
  // Without a check (--force, a parent rebuilt in this run) the image superseded is the one
  // :latest names now: an appended image and its Docker build are different images.
  const previousId = p.previousId ?? (await engine.images.inspect(`${node.repo}:latest`))?.id
  const appended =
    p.append && (await (await import('../pipeline/app-layer-run.js')).appendAppLayer(c, { plan: p.append, entries: p.entries, buildargs: p.buildargs, labels, tags, repo: node.repo }, emit))
  const { id } =
    appended ||
    (await engine.build({
      name: imageLabel(c, node),
      context: await packContext(p.entries),
      tags,
      builder: await engine.builder(c.project.config.builder),
      // The release image installs from its context only: no network, so no index, whatever
      // a Dockerfile asks for; a missing wheel fails the build instead of being fetched.
      ...(release ? { networkmode: 'none' as const } : {}),
      buildargs: p.buildargs,
      // Only stable labels on images: a per-run label would change every image id and defeat the cache.
      labels,
      signal: c.signal,
      onStep: (step) => emit({ type: 'build:step', step }),
      onOutput: (line) => emit({ type: 'build:output', line }),
    }))
  const size = (await engine.images.inspect(id))?.size ?? 0
  await removeSuperseded(c, previousId, id)
  await extras?.afterBuild?.(c, id, appended?.files)
  return {
    result: { id, ref: p.ref, inputs: p.inputs, built: true },
    data: { image: { id, tags: [p.ref, `${node.repo}:latest`], size } },
  }
}

/**
 * One image as a graph node. Its inputs are the context files .dockerignore keeps, the build
 * args it declares and its parents' image ids; an image labelled with the same inputs hash is
 * reused (tagged, no context sent), otherwise it is built and the reason named.
 */
export function imageNode(ctx: Context, graph: ImageGraph, name: string, extras?: Extras, known: Known = { fromIds: {}, look: {} }): Node<Context, NodeResult> {
  const node = graph.get(name)!
  /** The image as this run leaves it, for the state record; then the release's `done`. */
  const leave = async (r: NodeResult, hash: string) => {
    known.state?.record(name, { hash, ref: r.ref!, id: r.id })
    await extras?.done?.()
  }
  return {
    id: imageNodeId(name),
    title: `Image ${imageLabel(ctx, node)}`,
    needs: [...node.parents.map(imageNodeId), ...(extras?.needs ?? [])],
    async check(c, deps) {
      const unknown: InputChange[] = [
        ...node.parents.filter((p) => !deps[imageNodeId(p)]).map((p) => ({ input: `parent:${p}`, change: 'rebuilt' as const, label: imageLabel(c, graph.get(p)!) })),
        ...(extras?.needs ?? []).filter((n) => !deps[n]).map((n) => ({ input: n, change: 'rebuilt' as const })),
      ]
      if (unknown.length) return { run: true, why: { is: 'changed', changes: unknown } }
      return decideImage(c, graph, node, await planImage(c, node, deps, extras, known), known, extras?.appendable)
    },
    async run(c, deps, emit, plan) {
      // A parent rebuilt in this run leaves check without a plan: its inputs are known only now.
      const p = (plan as ImagePlan | undefined) ?? (await planImage(c, node, deps, extras, known))
      const built = await buildPlanned(c, name, node, p, emit, extras)
      await leave(built.result, p.hash)
      return built
    },
    async reuse(c, result) {
      // Same inputs under another tag (a new commit that did not touch this image): tag, don't build.
      // Both names already on it, as the one look found: nothing to tag.
      const [repo, tag] = [node.repo, result.ref!.split(':').pop()!]
      if (known.look[result.ref!]?.id !== result.id || known.look[`${repo}:latest`]?.id !== result.id) {
        const engine = await c.engine()
        for (const t of [tag, 'latest']) await engine.images.tag(result.id, repo, t)
      }
      await leave(result, hashInputs(result.inputs))
    },
  }
}
