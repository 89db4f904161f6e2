import { rename, writeFile } from 'node:fs/promises'
import type { Emit, Event } from '../events.js'
import { imageOf } from '../graph/ids.js'

/** What `--metadata-file` records (buildx's idea): what the run built or found, and pushed. */
export interface RunMetadata {
  /** Image node → its image, built or found up to date. */
  images: Record<string, { id: string; ref?: string; built: boolean; size?: number }>
  wheels?: { file: string; sha256: string }[]
  pushed: { ref: string; digest?: string }[]
}

/**
 * Listens to the run's events (image sizes, wheels, pushes) and, given the executor's results,
 * writes the file atomically. Collect with `emit`, finish with `write`.
 */
export function metadataCollector(next: Emit = () => {}) {
  const meta: RunMetadata = { images: {}, pushed: [] }
  const sizes = new Map<string, number>()
  const collect: Emit = (e: Event) => {
    if (e.type === 'task:done' && e.data) {
      if ('image' in e.data && e.data.image.size) sizes.set(e.id, e.data.image.size)
      if ('built' in e.data) meta.wheels = e.data.wheels
    }
    if (e.type === 'pushed') meta.pushed.push({ ref: e.ref, digest: e.digest })
  }
  return {
    /** Records the event, then passes it on. */
    emit: ((e: Event) => {
      collect(e)
      next(e)
    }) as Emit,
    /** Records the event only (beside a view that shows it). */
    collect,
    /** Image results of the executor (node id `image:<name>` → { id, ref, built }). */
    addResults(results: Map<string, { id: string; ref?: string; built?: boolean } | undefined>) {
      for (const [id, r] of results) {
        const image = imageOf(id)
        if (!image || !r?.id) continue
        meta.images[image] = { id: r.id, ref: r.ref, built: Boolean(r.built), ...(sizes.has(id) ? { size: sizes.get(id) } : {}) }
      }
    },
    async write(file: string) {
      await writeFile(`${file}.tmp`, JSON.stringify(meta, null, 2) + '\n')
      await rename(`${file}.tmp`, file)
    },
  }
}
