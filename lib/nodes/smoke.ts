import type { Context } from '../context.js'
import { action } from '../graph/action.js'
import type { NodeResult } from '../pipeline/image-graph.js'
import { releaseImage, releaseRepo } from '../pipeline/release.js'
import { smoke, smokePaths } from '../pipeline/smoke.js'
import { done } from '../tasks/outcome.js'

/** Start the release image, GET / and a static file, stop it; `needs`: what must come first (release --smoke). */
export function smokeNode(needs: string[] = []) {
  return action<Context, NodeResult>({
    id: 'smoke',
    title: 'Smoke test',
    needs,
    quiet: true,
    describe: async (c) => {
      if (!needs.length) await releaseImage(c)
      const paths = await smokePaths(c.project.source)
      return { do: 'smoke', image: `${releaseRepo(c.project)}:latest`, paths }
    },
    run: async (c) => {
      const { repo } = await releaseImage(c)
      const results = await smoke(c, `${repo}:latest`, await smokePaths(c.project.source))
      return { result: done(), data: { smoke: results.map(({ path, status }) => ({ path, status })) } }
    },
  })
}
