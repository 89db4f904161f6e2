import type { Docker } from './client.js'
import { ask, engineFailure, ignoreNotFound, notFound, unlessNotFound, type ImageBrief, type ImageInfo, type ImageLayout, type Images } from './engine.js'
import { jsonLines } from './build-image.js'
import { labelFilters } from './labels.js'
import { UserError } from '../errors.js'

/** The engine lists a superseded build as `<none>:<none>`, which is no name. */
const realTags = (tags: string[] | undefined): string[] => (tags ?? []).filter((t) => t !== '<none>:<none>')

/** The image, or undefined when the engine does not have it. */
async function inspectImage(docker: Docker, ref: string): Promise<ImageInfo | undefined> {
  try {
    const info = await docker.getImage(ref).inspect()
    return {
      id: info.Id,
      size: info.Size,
      created: info.Created,
      labels: info.Config?.Labels ?? {},
      tags: realTags(info.RepoTags),
      user: info.Config?.User ?? '',
      workdir: info.Config?.WorkingDir ?? '',
    }
  } catch (e) {
    if (notFound(e)) return undefined
    if ((e as { statusCode?: number }).statusCode === 400) {
      throw new UserError(`"${ref}" is not a valid image reference`, { hint: 'use [registry/]name[:tag] in lower case, e.g. myteam/app-release:1.2', cause: e })
    }
    throw engineFailure(`look up ${ref}`, e)
  }
}

/** What a new image on top of `ref`'s layers needs: inspect (layers, config, platform) and history. */
async function imageLayout(docker: Docker, ref: string): Promise<ImageLayout | undefined> {
  const info = await unlessNotFound(`look up ${ref}`, docker.getImage(ref).inspect())
  if (!info) return undefined
  type Step = { CreatedBy: string; Created: number; Comment: string; Size: number }
  const steps = (await ask(`read the history of ${ref}`, docker.getImage(ref).history())) as Step[]
  return {
    diffIds: info.RootFS?.Layers ?? [],
    // The engine answers newest first.
    history: steps.reverse().map((h) => ({ createdBy: h.CreatedBy, created: h.Created, comment: h.Comment, size: h.Size })),
    config: (info.Config ?? {}) as unknown as Record<string, unknown>,
    architecture: info.Architecture,
    os: info.Os,
  }
}

/** POST /images/load: a failure arrives inside the answer's stream, as a build's does. */
async function loadImage(docker: Docker, tarball: Buffer): Promise<void> {
  const { Readable } = await import('node:stream')
  const answer = await ask('load an image', docker.loadImage(Readable.from([tarball]), { quiet: true }) as Promise<NodeJS.ReadableStream>)
  for await (const message of jsonLines(answer as AsyncIterable<Buffer>)) {
    if (message.error) throw new UserError(`the engine refused the appended image: ${message.error}`, { hint: 'run again with --force to build it with Docker instead' })
  }
}

/**
 * One inspect per ref, all side by side: one round of requests. (GET /images/json filtered by
 * reference answers the same in one request, but the engine walks every image it holds for it:
 * ~80 ms on an engine holding 300 images, where an inspect answers in ~1 ms.) Only plain
 * `name[:tag]` refs are asked for; what the engine lacks is absent from the answer.
 */
async function lookImages(docker: Docker, refs: string[]): Promise<Record<string, ImageBrief>> {
  const asked = [...new Set(refs.filter((r) => /^[a-z0-9][a-z0-9._/:-]*$/.test(r)))]
  const found = await Promise.all(asked.map((ref) => unlessNotFound('look up images', docker.getImage(ref).inspect())))
  const brief: Record<string, ImageBrief> = {}
  asked.forEach((ref, i) => {
    if (found[i]) brief[ref] = { id: found[i]!.Id, size: found[i]!.Size }
  })
  return brief
}

export function createImages(docker: Docker): Images {
  return {
    inspect: (ref) => inspectImage(docker, ref),
    async list(labels) {
      const found = await ask('list images', docker.listImages({ filters: labelFilters(labels) }))
      return found.map((i) => ({ id: i.Id, tags: realTags(i.RepoTags), created: i.Created }))
    },
    look: (refs) => lookImages(docker, refs),
    async tag(ref, repo, tag) {
      await ask(`tag ${ref} as ${repo}:${tag}`, docker.getImage(ref).tag({ repo, tag }))
    },
    remove: (ref, { force = false, noprune = false } = {}) => ignoreNotFound(`remove image ${ref}`, docker.getImage(ref).remove({ force, noprune })),
    async removeUnused(ref) {
      try {
        await docker.getImage(ref).remove({ noprune: false })
        return true
      } catch (e) {
        // 409: a container (or a child image) still uses it; 404: someone else removed it first.
        if ((e as { statusCode?: number }).statusCode === 409 || notFound(e)) return false
        throw engineFailure(`remove image ${ref}`, e)
      }
    },
    // tar-stream only for the tasks that read a file out of an image: every other run starts without it.
    readFiles: async (image, files, labels) => (await import('./files.js')).readFilesFromImage(docker, image, files, labels),
    layout: (ref) => imageLayout(docker, ref),
    load: (tarball) => loadImage(docker, tarball),
  }
}
