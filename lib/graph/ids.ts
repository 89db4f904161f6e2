/**
 * Graph node ids, made and read here only: they key the executor's results, name rows in the
 * views, and are what `--json` consumers and --metadata-file see (`image:<name>`, `wheels`,
 * `prewarm`). An image's name is its folder's image name (`base`, `release`).
 */
export type NodeId = `image:${string}` | 'wheels' | 'prewarm'

export const WHEELS: NodeId = 'wheels'
export const PREWARM: NodeId = 'prewarm'

/** The node that builds the image called `name`. */
export const imageNodeId = (name: string): NodeId => `image:${name}`

/** The image an id's node builds, or undefined when it builds none. */
export function imageOf(id: string): string | undefined {
  return id.startsWith('image:') ? id.slice('image:'.length) : undefined
}
