import { imageNodeId, WHEELS } from '../graph/ids.js'
import { action } from '../graph/action.js'
import type { NodeResult } from '../pipeline/image-graph.js'
import { pipelineNodes } from '../nodes/pipeline.js'
import type { Context } from '../context.js'
import { done } from './outcome.js'
import { dryRunOption } from './options.js'
import { graphWithRoles } from '../pipeline/image-graph.js'
import type { TaskDef } from './types.js'

export const test: TaskDef = {
  name: 'test',
  description: "Run the app's tests in the builder image, with its test extra installed from the wheels (test -- <args>)",
  args: [],
  options: [dryRunOption],
  rest: { shown: '<test args…>', options: true },
  view: 'lines',
  notes: 'Arguments after `--` go to the test command (config "test.command", default python -m pytest), e.g. `test -- -k views -x`. The exit code is the tests\'.',
  async nodes(ctx, args) {
    const nodes = await pipelineNodes(ctx, await graphWithRoles(ctx), [], { withWheels: true })
    const builder = imageNodeId(ctx.project.config.images.builder)
    const tests = action<Context, NodeResult>({
      id: 'tests',
      title: 'Tests',
      needs: [builder, WHEELS],
      quiet: true,
      describe: async () => ({ do: 'test', args: args.rest }),
      run: async (c, deps) => ({ result: done(await (await import('../pipeline/tests.js')).runTests(c, deps[builder].ref!, args.rest)) }),
    })
    return [...nodes, tests]
  },
}
