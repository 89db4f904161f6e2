import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT, LABEL_TASK } from '../../../lib/docker/labels.js'
import { IMAGE_MANIFEST, IMAGE_SBOM } from '../../../lib/pipeline/release.js'
import { inspect } from '../../../lib/tasks/inspect.js'
import { createFakeEngine, type FakeState } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { PREFIX, abortedSignal, args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// The inspect task (lib/tasks/inspect.ts) against the fake engine: the files the fake's readFiles
// finds in an image stand for what the release Dockerfile wrote.

const SHA = 'a'.repeat(64)
const manifest = JSON.stringify([
  { name: 'Django', version: '4.2.11', wheel: 'Django-4.2.11-py3-none-any.whl', sha256: SHA },
  { name: 'app', version: '0.1', wheel: 'app-0.1-py3-none-any.whl', sha256: 'b'.repeat(64) },
])
const images = (files: Record<string, string>): FakeState => ({
  images: [
    { id: 'sha256:rel', tags: ['acme/app-release:latest'], labels: { [LABEL_PROJECT]: PREFIX }, created: 200, files },
    { id: 'sha256:old', tags: ['acme/app-release:v1'], labels: { [LABEL_PROJECT]: PREFIX }, created: 100, files },
    { id: 'sha256:plain', tags: ['python:3.11-slim'], labels: {}, created: 50, files: {} },
  ],
  containers: [],
  networks: [],
  volumes: [],
})
const wheels = [
  { name: 'Django', version: '4.2.11', sha256: SHA },
  { name: 'app', version: '0.1', sha256: 'b'.repeat(64) },
]

// ---------------------------------------------------------------------------------------------
const Inspect = suite('inspect')
let root: string
Inspect.before.each(() => {
  root = makeTemp('inspect')
})
Inspect.after.each(() => removeTemp(root))

Inspect("the release image's wheels (name, version, sha256) and its SBOM, with the copy beside the wheelhouse", async () => {
  writeTree(root, { 'wheelhouse-sbom.cdx.json': '{}' })
  const engine = createFakeEngine(images({ [IMAGE_MANIFEST]: manifest, [IMAGE_SBOM]: '{}' }))
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(inspect, ctx, args()), 0)
  assert.equal(events, [
    { type: 'inspect:wheels', image: 'acme/app-release:latest', wheels },
    { type: 'inspect:sbom', image: 'acme/app-release:latest', path: IMAGE_SBOM, copy: 'wheelhouse-sbom.cdx.json' },
  ])
  const read = engine.calls.find((c) => c.method === 'images.readFiles')!
  assert.equal(read.args.slice(0, 2), ['acme/app-release:latest', [IMAGE_MANIFEST, IMAGE_SBOM]], 'one read of both files')
  assert.is((read.args[2] as Record<string, string>)[LABEL_TASK], 'inspect', 'what it creates to read them is labelled, for clean')
})

Inspect('an image named: its wheels; the copy beside the wheelhouse is not its own, so not named', async () => {
  writeTree(root, { 'wheelhouse-sbom.cdx.json': '{}' })
  const engine = createFakeEngine(images({ [IMAGE_MANIFEST]: manifest, [IMAGE_SBOM]: '{}' }))
  const { ctx, events } = taskContext(engine, { root })
  await runTask(inspect, ctx, args('acme/app-release:v1'))
  assert.equal(events, [
    { type: 'inspect:wheels', image: 'acme/app-release:v1', wheels },
    { type: 'inspect:sbom', image: 'acme/app-release:v1', path: IMAGE_SBOM, copy: undefined },
  ])
})

Inspect('no SBOM in the image (an older release Dockerfile): the wheels alone', async () => {
  const engine = createFakeEngine(images({ [IMAGE_MANIFEST]: manifest }))
  const { ctx, events } = taskContext(engine, { root })
  await runTask(inspect, ctx, args())
  assert.equal(
    events.map((e) => e.type),
    ['inspect:wheels'],
  )
})

Inspect('an image without the manifest: a UserError saying it was not built by release', async () => {
  const engine = createFakeEngine(images({ [IMAGE_MANIFEST]: manifest }))
  const { ctx, events } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(inspect, ctx, args('python:3.11-slim')), 'no manifest')
  assert.is(e.message, `python:3.11-slim has no ${IMAGE_MANIFEST}`)
  assert.match(e.hint ?? '', /rebuild it with pypackage-tasks release/)
  assert.equal(events, [])
})

Inspect('a manifest that is not JSON: a UserError naming the file, not a crash', async () => {
  const engine = createFakeEngine(images({ [IMAGE_MANIFEST]: 'not json' }))
  const { ctx } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(inspect, ctx, args()), 'broken manifest')
  assert.match(e.message, new RegExp(`${IMAGE_MANIFEST} is not valid JSON`))
})

Inspect('no such image: the UserError of readFiles, nothing emitted', async () => {
  const engine = createFakeEngine()
  const { ctx, events } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(inspect, ctx, args()), 'no image')
  assert.match(e.message, /acme\/app-release:latest/)
  assert.equal(events, [])
})

Inspect('an aborted run stops before touching the engine', async () => {
  const engine = createFakeEngine(images({ [IMAGE_MANIFEST]: manifest }))
  const { ctx, events } = taskContext(engine, { root, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(inspect, ctx, args()), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Inspect.run()
