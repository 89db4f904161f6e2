import path from 'node:path'
import type { Context } from '../context.js'
import { buildImage } from '../docker/build.js'
import { findImage } from '../docker/client.js'
import { hashContext, listContext, packContext, type ContextEntry } from '../docker/context.js'
import { LABEL_INPUTS, LABEL_PROJECT } from '../docker/labels.js'
import { UserError } from '../errors.js'
import { discoverImages } from '../graph/discover.js'
import { resolveGraph, type ImageGraph, type ImageNode } from '../graph/resolve.js'
import { formatBytes, formatMs, type StageEvent } from '../render/events.js'
import { versionTag } from '../version.js'

/** Build args every image gets: FROM lines use IMAGE_PREFIX to name their parents. */
export function baseBuildArgs(ctx: Context): Record<string, string> {
  return { IMAGE_PREFIX: ctx.project.prefix, ...ctx.project.config.buildArgs }
}

/** Discover docker/*\/Dockerfile and resolve their FROM lines into our image graph. */
export async function loadGraph(ctx: Context): Promise<ImageGraph> {
  const images = await discoverImages(ctx.project.dockerDir)
  if (images.length === 0) {
    const rel = path.relative(ctx.project.root, ctx.project.dockerDir) || '.'
    throw new UserError(`no images found: ${rel}/*/Dockerfile matches nothing`, {
      hint: `create ${rel}/base/Dockerfile, ${rel}/builder/Dockerfile and ${rel}/release/Dockerfile, or set "dockerDir" in .pypackagerc.json`,
    })
  }
  return resolveGraph(images, ctx.project.prefix, baseBuildArgs(ctx))
}

/** What building one image needs: its files, its tags, whether the engine already has it. */
export interface ImagePlan {
  node: ImageNode
  entries: ContextEntry[]
  buildargs: Record<string, string>
  tag: string
  ref: string
  /** sha256 of everything the build reads: context files, build args, the parents' input hashes. */
  inputs: string
  /** The engine has an image at `ref` built from these same inputs. */
  upToDate: boolean
}

/** Names the image folder for a user: "docker/base". */
export function imageLabel(ctx: Context, node: ImageNode): string {
  return path.relative(ctx.project.root, node.dir) || node.name
}

export async function planImage(
  ctx: Context,
  node: ImageNode,
  extra: { entries?: ContextEntry[]; buildargs?: Record<string, string>; parents?: ImagePlan[] } = {},
): Promise<ImagePlan> {
  const entries = [...(await listContext(node.dir)), ...(extra.entries ?? [])]
  const buildargs = { ...baseBuildArgs(ctx), ...extra.buildargs }
  // A parent's inputs are part of ours: a changed base makes every image FROM it out of date.
  const inputs = await hashContext(entries, JSON.stringify([buildargs, (extra.parents ?? []).map((p) => p.inputs)]))
  const tag = versionTag(ctx.project.git, inputs)
  const ref = `${node.repo}:${tag}`
  const docker = await ctx.docker()
  // The tag alone is not enough: an uncommitted edit keeps the `<sha>-dirty` tag.
  const found = await findImage(docker, ref)
  const upToDate = found?.labels[LABEL_INPUTS] === inputs
  // Send only the ARGs the Dockerfile declares: the engine warns about the others.
  const declared = Object.fromEntries(Object.entries({ ...buildargs, TAG: tag }).filter(([k]) => node.args.has(k)))
  return { node, entries, buildargs: declared, tag, ref, inputs, upToDate }
}

/** Make sure every external FROM image is on the engine: there may be no registry to pull from. */
export async function checkExternal(ctx: Context, graph: ImageGraph, names: string[]): Promise<void> {
  const docker = await ctx.docker()
  for (const name of names) {
    const node = graph.get(name)!
    for (const ref of node.external) {
      if (!(await findImage(docker, ref))) {
        throw new UserError(`${imageLabel(ctx, node)}/Dockerfile is FROM ${ref}, which the engine does not have`, {
          hint: `pull it (\`docker pull ${ref}\`) or, with no registry, create it (see .ci/os-image.sh); then retry`,
        })
      }
    }
  }
}

/** Build one planned image, tagged :<version> and :latest, labelled as ours. */
export async function buildPlanned(ctx: Context, plan: ImagePlan, emit: (e: StageEvent) => void): Promise<string> {
  const started = Date.now()
  const docker = await ctx.docker()
  const latest = `${plan.node.repo}:latest`
  const { id } = await buildImage(docker, {
    name: imageLabel(ctx, plan.node),
    context: packContext(plan.entries),
    tags: [plan.ref, latest],
    buildargs: plan.buildargs,
    // Only stable labels on images: a per-run label would change every image id and defeat the cache.
    labels: { [LABEL_PROJECT]: ctx.project.prefix, [LABEL_INPUTS]: plan.inputs },
    signal: ctx.signal,
    onStep: (step) => emit({ type: 'build:step', step }),
    onOutput: (line) => emit({ type: 'build:output', line }),
  })
  const info = await findImage(docker, id)
  return `${plan.ref} (+ :latest)  ${formatBytes(info?.size ?? 0)}  ${formatMs(Date.now() - started)}`
}

