import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { imageNodeId, WHEELS } from '../../../lib/graph/ids.js'
import { build } from '../../../lib/tasks/build.js'
import { args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { builtEngine, git, osEngine, writeFlaskProject } from './helpers/project.js'

// build: the builder image (and its parents) and the wheels — never the release image.

const Build = suite('build')
let root: string
Build.before.each(() => {
  root = makeTemp('task-build')
  writeFlaskProject(root)
})
Build.after.each(() => removeTemp(root))

Build('its nodes: base, builder, then the wheels; no release image, no tags, no smoke', async () => {
  const { ctx } = taskContext(osEngine(), { root, git, shape: 'detect' })
  const nodes = await build.nodes(ctx, args())
  assert.equal(
    nodes.map((n) => n.id),
    [imageNodeId('base'), imageNodeId('builder'), WHEELS],
  )
  assert.equal(nodes.find((n) => n.id === WHEELS)!.needs, [imageNodeId('builder')], 'the wheels wait for the builder')
})

Build('up to date: a dry run skips all three and changes nothing', async () => {
  const engine = await builtEngine(root)
  const before = structuredClone(engine.state)
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(build, ctx, args(), { dryRun: true }), 0)
  assert.equal(
    events.flatMap((e) => (e.type === 'plan' ? [`${e.id}: ${e.action}`] : [])),
    [`${imageNodeId('base')}: skip`, `${imageNodeId('builder')}: skip`, `${WHEELS}: skip`],
  )
  assert.equal(engine.state, before)
})

Build.run()
