import type { Docker } from './client.js'
import { ask, engineFailure, ignoreNotFound, notFound, type ImageInfo, type Images } from './engine.js'
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

export function createImages(docker: Docker): Images {
  return {
    inspect: (ref) => inspectImage(docker, ref),
    async list(labels) {
      const found = await ask('list images', docker.listImages({ filters: labelFilters(labels) }))
      return found.map((i) => ({ id: i.Id, tags: realTags(i.RepoTags), created: i.Created }))
    },
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
  }
}
