import { execute } from '../graph/execute.js'
import { withProjectLock } from '../lock.js'
import { pipelineNodes } from '../pipeline/plan.js'
import { runTests } from '../pipeline/tests.js'
import { graphWithRoles, parseConcurrency } from './plan-images.js'
import type { TaskDef } from './types.js'
import { imageNodeId } from '../graph/ids.js'

export const test: TaskDef = {
  name: 'test',
  description: "Run the app's tests in the builder image, with its test extra installed from the wheels (test -- <args>)",
  args: [],
  options: [],
  rest: { shown: '<test args…>', options: true },
  notes: 'Arguments after `--` go to the test command (config "test.command", default python -m pytest), e.g. `test -- -k views -x`. The exit code is the tests\'.',
  async run(ctx, args) {
    const graph = await graphWithRoles(ctx)
    const nodes = await pipelineNodes(ctx, graph, [], { withWheels: true })
    return withProjectLock(ctx.project.root, 'test', { signal: ctx.signal, onWait: (wait) => ctx.emit({ type: 'lock:wait', ...wait }) }, async () => {
      const results = await execute(nodes, ctx, { emit: ctx.emit, concurrency: parseConcurrency(undefined) })
      const builder = results.get(imageNodeId(ctx.project.config.images.builder))!
      return runTests(ctx, builder.ref!, args.rest)
    })
  },
}
