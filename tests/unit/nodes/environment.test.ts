import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanNode, logsNode, stopNode } from '../../../lib/nodes/environment.js'
import { createFakeEngine } from '../../helpers/fake-engine.js'
import { userError } from '../helpers/catch.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

// The environment's nodes on their own (their tasks are tested in tests/unit/tasks/): names,
// what a dry run says, and the service check that comes before any engine call.

const Env = suite('environment nodes')
let root: string
Env.before.each(() => {
  root = makeTemp('env-nodes')
})
Env.after.each(() => removeTemp(root))

Env('logs: a service other than web or db is refused when the node is made, before the engine is asked', () => {
  const engine = createFakeEngine()
  const { ctx } = taskContext(engine, { root })
  const e = userError(() => logsNode(ctx, 'redis', 100, false), 'unknown service')
  assert.is(e.message, 'no service "redis"')
  assert.equal(engine.calls, [])
})

Env('logs of a container that is not there: the dry run already says to start it', async () => {
  const { ctx } = taskContext(createFakeEngine(), { root })
  ctx.dryRun = true
  await logsNode(ctx, 'db', 10, true)
    .check(ctx, {})
    .then(
      () => assert.unreachable('no container: no verdict'),
      (e: Error) => assert.match(e.message, /acme-app-db is not running/),
    )
})

Env('stop and clean: quiet action nodes with the ids the views and --json use', () => {
  const { ctx } = taskContext(createFakeEngine(), { root })
  assert.equal(
    [stopNode(ctx), cleanNode()].map((n) => [n.id, n.quiet, n.needs]),
    [
      ['stop', true, []],
      ['clean', true, []],
    ],
  )
})

Env.run()
