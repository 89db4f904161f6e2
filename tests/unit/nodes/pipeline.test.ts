import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadGraph } from '../../../lib/pipeline/image-graph.js'
import { pipelineNodes } from '../../../lib/nodes/pipeline.js'
import { detectShape } from '../../../lib/shape/detect.js'
import { createFakeEngine, type FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { config } from '../helpers/config.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// lib/pipeline/plan.ts: which graph nodes a task gets (build, release, image …), in which order,
// and what each awaits; and the checks made before any of them runs. Built from a temp project's
// docker/*/Dockerfile files, against the fake engine; nothing is run.

const FROM_BASE = 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\n'
const PROJECT = {
  'docker/base/Dockerfile': 'FROM debian:bookworm-slim\nRUN true\n',
  'docker/builder/Dockerfile': FROM_BASE + 'RUN apt-get install -y gcc\n',
  'docker/release/Dockerfile': FROM_BASE + 'COPY wheels/deps/ /wheels/deps/\nRUN pip install /wheels/deps/*\n',
  'docker/postgres/Dockerfile': 'FROM debian:bookworm-slim\n',
  'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  'requirements.txt': 'flask==2.2.2\n',
}
const debian = () => createFakeEngine({ images: [{ id: 'sha256:debian', tags: ['debian:bookworm-slim'], labels: {}, created: 1 }] })

let root: string
const Plan = suite('pipelineNodes')
Plan.before.each(() => {
  root = makeTemp('plan')
  writeTree(root, PROJECT)
})
Plan.after.each(() => removeTemp(root))

/** The nodes for `targets`, as `id ← needs` lines, in the order given. */
async function plan(engine: FakeEngine, targets: string[], opts: Parameters<typeof pipelineNodes>[3] = {}, overrides: Record<string, unknown> = {}): Promise<string[]> {
  const { ctx } = taskContext(engine, { root, git: { sha: 'abc1234', dirty: false } })
  ctx.project.config = config(overrides)
  ctx.project.localPackages = (ctx.project.config.localPackages as string[]).map((p) => `${root}/${p}`)
  ctx.project.shape = () => detectShape(root, ctx.project.config)
  const nodes = await pipelineNodes(ctx, await loadGraph(ctx), targets, opts)
  return nodes.map((n) => `${n.id} ← ${n.needs.join(', ') || '-'}`)
}

Plan('release: parents first, the builder and the wheels before the release image, which awaits them', async () => {
  assert.equal(await plan(debian(), ['release']), ['image:base ← -', 'image:builder ← image:base', 'wheels ← image:builder', 'image:release ← image:base, wheels'])
})

Plan('release with room for two builds: the dependency layers (prewarm) beside the builder, after its parent', async () => {
  assert.equal(await plan(debian(), ['release'], { prewarm: true }), [
    'image:base ← -',
    'image:builder ← image:base',
    'prewarm ← image:base',
    'wheels ← image:builder',
    'image:release ← image:base, wheels',
  ])
})

Plan('build: the builder and the wheels, no release image', async () => {
  assert.equal(await plan(debian(), [], { withWheels: true }), ['image:base ← -', 'image:builder ← image:base', 'wheels ← image:builder'])
})

Plan('build with prewarm asked: no prewarm without the release image', async () => {
  assert.equal(await plan(debian(), [], { withWheels: true, prewarm: true }), ['image:base ← -', 'image:builder ← image:base', 'wheels ← image:builder'])
})

Plan('image docker/release: from the wheelhouse as it is, no builder, no wheels', async () => {
  assert.equal(await plan(debian(), ['release'], { releaseBuildsWheels: false }), ['image:base ← -', 'image:release ← image:base'])
})

Plan('image of other folders: each with its parents, once, nothing else', async () => {
  assert.equal(await plan(debian(), ['builder']), ['image:base ← -', 'image:builder ← image:base'])
  assert.equal(await plan(debian(), ['postgres', 'builder']), ['image:postgres ← -', 'image:base ← -', 'image:builder ← image:base'], 'in the order asked, each after its parents')
})

Plan('a FROM image the engine lacks: a UserError before any node, naming the Dockerfile', async () => {
  const e = await rejectedUserError(plan(createFakeEngine(), ['release']), 'no debian image')
  assert.match(e.message, /docker\/base\/Dockerfile is FROM debian:bookworm-slim, which the engine does not have/)
})

Plan('offline (pip.noIndex), every pin missing from the find-links folders is named at once, before any build', async () => {
  writeTree(root, { 'requirements.txt': 'flask==2.2.2\nclick==8.1.3\nitsdangerous==2.1.2\n', 'pyindex/click-8.1.3-py3-none-any.whl': '', 'pyindex/flask-2.3.0-py3-none-any.whl': '' })
  const e = await rejectedUserError(plan(debian(), ['release'], {}, { pip: { noIndex: true, findLinks: ['pyindex'] } }), 'pins missing offline')
  assert.is(e.message, '2 pinned requirements are not in the find-links folder pyindex: flask==2.2.2, itsdangerous==2.1.2')
  assert.equal(e.details, ['requirements.txt:1: flask==2.2.2 (there: 2.3.0)', 'requirements.txt:3: itsdangerous==2.1.2 (there: none)'])
  assert.match(e.hint ?? '', /"pip\.findLinks"/)
})

Plan('offline with every pin there: the plan as usual', async () => {
  writeTree(root, { 'pyindex/Flask-2.2.2-py3-none-any.whl': '' })
  assert.is((await plan(debian(), ['release'], {}, { pip: { noIndex: true, findLinks: ['pyindex'] } })).length, 4)
})

Plan('a local package without packaging metadata: a UserError, also for build', async () => {
  writeTree(root, { 'libs/util/util.py': '' })
  const e = await rejectedUserError(plan(debian(), [], { withWheels: true }, { localPackages: ['libs/util'] }), 'a local package without pyproject.toml')
  assert.is(e.message, 'libs/util has no pyproject.toml or setup.py')
})

Plan('image of a folder without wheels needs no readable Python project', async () => {
  const { ctx } = taskContext(debian(), { root })
  // The shape is never asked: taskContext's rejects when it is.
  const nodes = await pipelineNodes(ctx, await loadGraph(ctx), ['builder'])
  assert.equal(
    nodes.map((n) => n.id),
    ['image:base', 'image:builder'],
  )
})

Plan.run()
