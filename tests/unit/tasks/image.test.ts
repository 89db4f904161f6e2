import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execute } from '../../../lib/graph/execute.js'
import { image } from '../../../lib/tasks/image.js'
import type { Event } from '../../../lib/events.js'
import { createFakeEngine, type FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, args, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// The image task's nodes (lib/nodes/image.ts, over lib/pipeline/image-graph.ts) run by the executor, as cli.ts runs them, against
// the fake engine: what a dry run asks, what a build leaves, what a second run finds.

const git = { sha: 'abc1234', dirty: false }
const os = () => createFakeEngine({ images: [{ id: 'sha256:debian', tags: ['debian:bookworm-slim'], labels: {}, created: 10 }] })

/** `image docker/web` (and its parent, docker/base), as cli.ts would run it. */
async function runImage(engine: FakeEngine, opts: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<Event[]> {
  const { ctx, events } = taskContext(engine, { root, git, signal: opts.signal })
  const nodes = await image.nodes(ctx, args('docker/web'))
  await execute(nodes, ctx, { emit: ctx.emit, concurrency: 1, dryRun: opts.dryRun })
  return events
}
const plans = (events: Event[]) => events.flatMap((e) => (e.type === 'plan' ? [`${e.id}: ${e.action}`] : []))
const methods = (engine: FakeEngine) => [...new Set(engine.calls.map((c) => c.method))].sort()

// ---------------------------------------------------------------------------------------------
const Image = suite('image')
let root: string
Image.before.each(() => {
  root = makeTemp('image')
  writeTree(root, {
    'docker/base/Dockerfile': 'FROM debian:bookworm-slim\nRUN true\n',
    'docker/web/Dockerfile': 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\n',
  })
})
Image.after.each(() => removeTemp(root))

Image('dry run: says both would be built, and only looks', async () => {
  const engine = os()
  const events = await runImage(engine, { dryRun: true })
  assert.equal(plans(events), ['image:base: run', 'image:web: run'], 'a plan line per image')
  assert.equal(methods(engine), ['images.inspect'], 'lookups only: nothing built, tagged or removed')
  assert.is(engine.state.images.length, 1, 'no image was made')
})

Image('a build tags each image with the commit and :latest, labelled with the project', async () => {
  const engine = os()
  await runImage(engine)
  const built = engine.state.images.filter((i) => i.id !== 'sha256:debian')
  assert.equal(
    built.map((i) => i.tags.sort()),
    [
      ['acme/app-base:abc1234', 'acme/app-base:latest'],
      ['acme/app-web:abc1234', 'acme/app-web:latest'],
    ],
  )
  for (const i of built) assert.is(i.labels['pypackage-tasks.project'], 'acme/app', `${i.tags[0]} carries the project label, for clean`)
  assert.equal(engine.calls.filter((c) => c.method === 'build').length, 2, 'two builds')
})

Image('built already: a dry run plans to skip both, a run builds nothing', async () => {
  const engine = os()
  await runImage(engine)
  engine.calls.length = 0
  assert.equal(plans(await runImage(engine, { dryRun: true })), ['image:base: skip', 'image:web: skip'], 'both up to date')
  await runImage(engine)
  assert.equal(methods(engine), ['images.inspect', 'images.tag'], 'lookups, and re-tagging what it reuses: no build')
})

Image('a FROM image the engine does not have: a UserError naming it, before any build', async () => {
  const engine = createFakeEngine()
  const e = await rejectedUserError(runImage(engine), 'no OS image')
  assert.match(e.message, /docker\/base\/Dockerfile is FROM debian:bookworm-slim, which the engine does not have/)
  assert.match(e.hint ?? '', /docker pull debian:bookworm-slim/)
  assert.equal(methods(engine), ['images.inspect'])
})

Image('an aborted run stops before touching the engine', async () => {
  const engine = os()
  const e = await rejectedUserError(runImage(engine, { signal: abortedSignal() }), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
})

Image.run()
