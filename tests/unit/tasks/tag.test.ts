import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT } from '../../../lib/docker/labels.js'
import { tag } from '../../../lib/tasks/tag.js'
import { createFakeEngine, engineError, type FakeState } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { PREFIX, abortedSignal, args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

// The tag task against the fake engine. The project folder is no git work tree: no branch tag.

const git = { sha: 'abc1234', dirty: false }
const released = (): FakeState => ({
  images: [
    { id: 'sha256:rel2', tags: ['acme/app-release:latest'], labels: { [LABEL_PROJECT]: PREFIX }, created: 200 },
    { id: 'sha256:rel1', tags: ['acme/app-release:v1'], labels: { [LABEL_PROJECT]: PREFIX }, created: 100 },
  ],
  containers: [],
  networks: [],
  volumes: [],
})
const tagsOf = (state: FakeState, id: string) => state.images.find((i) => i.id === id)?.tags.sort()

// ---------------------------------------------------------------------------------------------
const Tag = suite('tag')
let root: string
Tag.before.each(() => {
  root = makeTemp('tag')
})
Tag.after.each(() => removeTemp(root))

Tag('tags the release image (its :latest) with the commit and the tags given', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(tag, ctx, args('v2', 'stable')), 0)
  assert.equal(tagsOf(engine.state, 'sha256:rel2'), ['acme/app-release:abc1234', 'acme/app-release:latest', 'acme/app-release:stable', 'acme/app-release:v2'])
  assert.equal(events, [{ type: 'tagged', repo: 'acme/app-release', tags: ['abc1234', 'v2', 'stable'] }], 'one event naming the tags')
  assert.equal(engine.log(), ['images.inspect acme/app-release:latest', 'images.tag sha256:rel2', 'images.tag sha256:rel2', 'images.tag sha256:rel2'], 'one lookup, then a tag each, by image id')
})

Tag('dry run: names the tags it would add, after checking the image exists; tags nothing', async () => {
  const engine = createFakeEngine(released())
  const before = structuredClone(engine.state)
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(tag, ctx, args('v2'), { dryRun: true }), 0)
  assert.equal(events, [{ type: 'plan', id: 'tags', title: 'Tag the release image', action: 'run', why: { is: 'action', intent: { do: 'tag', repo: 'acme/app-release', tags: ['abc1234', 'v2'] } } }])
  assert.equal(engine.state, before, 'nothing tagged')
  assert.equal(engine.log(), ['images.inspect acme/app-release:latest'], 'one lookup: the image must exist')
})

Tag('dry run without the release image: the same error as the run', async () => {
  const engine = createFakeEngine({ images: [] })
  const e = await rejectedUserError(runTask(tag, taskContext(engine, { root, git }).ctx, args('v2'), { dryRun: true }), 'no image')
  assert.match(e.message, /acme\/app-release:latest does not exist/)
})

Tag('uncommitted changes: the commit tag says -dirty', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root, git: { ...git, dirty: true } })
  await runTask(tag, ctx, args())
  assert.equal(events, [{ type: 'tagged', repo: 'acme/app-release', tags: ['abc1234-dirty'] }])
})

Tag('a tag an older release had moves to this one', async () => {
  const engine = createFakeEngine(released())
  await runTask(tag, taskContext(engine, { root, git }).ctx, args('v1'))
  assert.ok(tagsOf(engine.state, 'sha256:rel2')!.includes('acme/app-release:v1'), 'v1 names the new release')
  assert.equal(tagsOf(engine.state, 'sha256:rel1'), [], 'and no longer the old one')
})

Tag('no release image: a UserError saying to build it, nothing tagged', async () => {
  const engine = createFakeEngine({ ...released(), images: [] })
  const e = await rejectedUserError(runTask(tag, taskContext(engine, { root, git }).ctx, args('v2')), 'no image')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
  assert.is(e.hint, 'build it first: pypackage-tasks release')
  assert.equal(engine.log(), ['images.inspect acme/app-release:latest'], 'the lookup only')
})

Tag('an invalid tag is refused before the engine is asked anything', async () => {
  const engine = createFakeEngine(released())
  const e = await rejectedUserError(runTask(tag, taskContext(engine, { root, git }).ctx, args('-v2')), 'invalid tag')
  assert.match(e.message, /"-v2" is not a valid image tag/)
  assert.equal(engine.calls, [], 'no engine call')
})

Tag('the engine failing to tag is one UserError; no "tagged" event', async () => {
  const engine = createFakeEngine(released())
  engine.fail('images.tag', engineError(500, 'write /var/lib/docker/image/overlay2/repositories.json: no space left on device'))
  const { ctx, events } = taskContext(engine, { root, git })
  const e = await rejectedUserError(runTask(tag, ctx, args('v2')), 'tag fails')
  assert.match(e.message, /^the engine failed to .*no space left on device$/)
  assert.match(e.hint ?? '', /engine/)
  assert.is(engine.calls.filter((c) => c.method === 'images.tag').length, 1, 'stops at the first failure')
  assert.equal(events, [])
})

Tag('an aborted run stops before touching the engine', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root, git, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(tag, ctx, args('v2')), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Tag.run()
