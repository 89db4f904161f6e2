import { rename, writeFile } from 'node:fs/promises'
import type { Emit, Event } from '../events.js'
import { imageOf } from '../graph/ids.js'

/** What `--metadata-file` records (buildx's idea): what the run built or found, and pushed. */
export interface RunMetadata {
  /**
   * Image node → its image, built or found up to date: `tags`, every name the run left on it
   * (`repo:tag`: the version's, `:latest`, the release tags); `size` in bytes.
   */
  images: Record<string, { id: string; ref?: string; built: boolean; tags: string[]; size?: number }>
  wheels?: { file: string; sha256: string }[]
  pushed: { ref: string; digest?: string }[]
}

/** An image node's result, as the executor gives it (`size`: what the check that found it up to date learned). */
interface ImageResult {
  id: string
  ref?: string
  built?: boolean
  size?: number
}

const repoOf = (ref: string) => ref.slice(0, ref.lastIndexOf(':'))

/**
 * Listens to the run's events (images built with their tags and sizes, release tags, wheels,
 * pushes) and, given the executor's results, writes the file atomically. Collect with `emit`,
 * finish with `write`.
 */
export function metadataCollector(next: Emit = () => {}) {
  const meta: RunMetadata = { images: {}, pushed: [] }
  const built = new Map<string, { tags: string[]; size: number }>()
  /** Repo → the tags a `tagged` event gave it (release v1 stable: the commit, the branch, v1, stable). */
  const tagged = new Map<string, string[]>()
  const collect: Emit = (e: Event) => {
    if (e.type === 'task:done' && e.data) {
      if ('image' in e.data) built.set(e.id, e.data.image)
      if ('built' in e.data) meta.wheels = e.data.wheels
    }
    if (e.type === 'tagged') tagged.set(e.repo, [...(tagged.get(e.repo) ?? []), ...e.tags])
    if (e.type === 'pushed') meta.pushed.push({ ref: e.ref, digest: e.digest })
  }
  /** Every name the run left on the image: a built one's from its event, a reused one's version tag and :latest (which reuse sets), and its release tags. */
  const tagsOf = (id: string, r: ImageResult): string[] => {
    if (!r.ref) return built.get(id)?.tags ?? []
    const repo = repoOf(r.ref)
    const own = built.get(id)?.tags ?? [r.ref, `${repo}:latest`]
    return [...new Set([...own, ...(tagged.get(repo) ?? []).map((t) => `${repo}:${t}`)])]
  }
  return {
    /** Records the event, then passes it on. */
    emit: ((e: Event) => {
      collect(e)
      next(e)
    }) as Emit,
    /** Records the event only (beside a view that shows it). */
    collect,
    /** Image results of the executor (node id `image:<name>` → { id, ref, built, size }). */
    addResults(results: Map<string, ImageResult | undefined>) {
      for (const [id, r] of results) {
        const image = imageOf(id)
        if (!image || !r?.id) continue
        const size = built.get(id)?.size || r.size
        meta.images[image] = { id: r.id, ref: r.ref, built: Boolean(r.built), tags: tagsOf(id, r), ...(size ? { size } : {}) }
      }
    },
    async write(file: string) {
      await writeFile(`${file}.tmp`, JSON.stringify(meta, null, 2) + '\n')
      await rename(`${file}.tmp`, file)
    },
  }
}
