import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Context } from '../../../lib/context.js'
import type { Decision } from '../../../lib/graph/execute.js'
import { imageNodeId, PREWARM, WHEELS } from '../../../lib/graph/ids.js'
import { imageNode } from '../../../lib/nodes/image.js'
import { pushNode } from '../../../lib/nodes/push.js'
import { serveNode } from '../../../lib/nodes/serve.js'
import { smokeNode } from '../../../lib/nodes/smoke.js'
import { tagsNode } from '../../../lib/nodes/tags.js'
import { wheelsNode } from '../../../lib/nodes/wheels.js'
import { loadGraph, type NodeResult } from '../../../lib/pipeline/image-graph.js'
import { createFakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// Each node kind on its own: how it is wired (id, needs, whether it draws a row), and for the
// image node the contract of issue 12: check() works out the plan, run() builds exactly that plan.

const Nodes = suite('nodes: wiring and the check → run plan')
let root: string
Nodes.before.each(() => {
  root = makeTemp('nodes')
  writeTree(root, { 'docker/base/Dockerfile': 'FROM debian:bookworm-slim\nARG TAG\nRUN true\n' })
})
Nodes.after.each(() => removeTemp(root))

const osEngine = () => createFakeEngine({ images: [{ id: 'sha256:debian', tags: ['debian:bookworm-slim'], labels: {}, created: 1 }] })
const git = { sha: 'abc1234', dirty: false }

Nodes('action nodes: quiet (they speak through their own events), needing what they are given', () => {
  const built = imageNodeId('release')
  assert.equal([tagsNode(['v1'], [built]).needs, smokeNode([built, 'tags']).needs, tagsNode([]).needs], [[built], [built, 'tags'], []])
  for (const n of [tagsNode([]), smokeNode(), pushNode('reg:5000', []), serveNode(undefined, 0, [])]) assert.ok(n.quiet, `${n.id} is quiet`)
  assert.equal([tagsNode([]).id, smokeNode().id, pushNode('r', []).id, serveNode(undefined, 0, []).id], ['tags', 'smoke', 'push', 'run'])
})

Nodes('an action node describes itself only in a dry run (the words cost engine calls)', async () => {
  const engine = osEngine()
  const { ctx } = taskContext(engine, { root, git })
  const decision = await tagsNode(['v1']).check(ctx, {})
  assert.equal(decision, { run: true }, 'a real run: no verdict, no lookup')
  assert.equal(engine.calls, [], 'no engine call')
})

Nodes('the wheels node needs the builder image', () => {
  const { ctx } = taskContext(osEngine(), { root, git })
  const node = wheelsNode(ctx)
  assert.equal([node.id, node.needs], [WHEELS, [imageNodeId(ctx.project.config.images.builder)]])
  assert.is.not(node.id, PREWARM)
})

Nodes('the wheels node: an application named like one of its requirements is refused at check (a plan too), wheels already built or not, the "app" key named', async () => {
  writeTree(root, { 'app.py': 'app = None\n', 'requirements.txt': 'flask\nApp>=1\n' })
  const engine = osEngine()
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  const e = await rejectedUserError(wheelsNode(ctx).check(ctx, {}), 'the app named like its requirement')
  assert.match(e.message, /the app's own wheel would be named "app", like its requirement App>=1/)
  assert.match(e.hint ?? '', /set "app" in \.pypackagerc\.json \(e\.g\. "app-app"\)/)
  assert.equal(engine.calls, [], 'nothing asked of the engine')
  writeTree(root, { 'requirements.txt': 'flask\n' })
  const { ctx: fine } = taskContext(engine, { root, git, shape: 'detect' })
  assert.ok('run' in (await wheelsNode(fine).check(fine, {})), 'renamed (or the requirement gone): it goes on')
})

Nodes('the image node: check() returns the plan (inputs, tag, build args) and run() builds that plan, tagged as planned', async () => {
  const engine = osEngine()
  const { ctx } = taskContext(engine, { root, git })
  const graph = await loadGraph(ctx as Context)
  const node = imageNode(ctx, graph, 'base')
  const decision = (await node.check(ctx, {})) as Decision<NodeResult> & { plan: { ref: string; hash: string; buildargs: Record<string, string> } }
  assert.ok('run' in decision, `never built: it runs (${JSON.stringify(decision.why)})`)
  assert.match(decision.plan.ref, /^acme\/app-base:abc1234$/, 'the plan names the tag: the commit')
  assert.equal(decision.plan.buildargs, { TAG: 'abc1234' }, 'the declared TAG arg carries the tag')
  const { result } = await node.run(ctx, {}, () => {}, decision.plan)
  const image = engine.state.images.find((i) => i.id === result.id)!
  assert.equal(image.tags.sort(), ['acme/app-base:abc1234', 'acme/app-base:latest'], 'built under the planned tag and :latest')
  assert.is(image.labels['pypackage-tasks.inputs'], decision.plan.hash, 'labelled with the planned inputs hash')
  const again = await node.check(ctx, {})
  assert.ok('skip' in again, `the same inputs next time: skipped (${JSON.stringify(again.why)})`)
})

Nodes.run()
