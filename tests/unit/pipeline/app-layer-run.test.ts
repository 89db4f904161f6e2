import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ImageLayout } from '../../../lib/docker/engine.js'
import { checkAppend } from '../../../lib/pipeline/app-layer-run.js'
import { builtinDockerDir } from '../../../lib/project.js'
import { createFakeEngine } from '../../helpers/fake-engine.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// lib/pipeline/app-layer-run.ts's checkAppend over the fake engine: the verdict a release gets
// from the changes, the engine's builder, the release Dockerfile and the previous image's history.

const step = (createdBy: string, size = 0) => ({ createdBy, size, created: 0, comment: '' })
const LAYOUT: ImageLayout = {
  diffIds: ['sha256:1', 'sha256:2', 'sha256:3', 'sha256:4'],
  history: [step('', 10), step('COPY sbom.py / # buildkit', 1), step('COPY wheels/app/ /tmp/wheels/app/ # buildkit', 1), step('RUN |10 install', 1), step('USER app')],
  config: { User: 'app' },
  architecture: 'amd64',
  os: 'linux',
}

const Check = suite('checkAppend')
let root: string
Check.before.each(() => {
  root = makeTemp('app-layer')
  writeTree(root, { 'docker/release/Dockerfile': 'FROM x\n# our own\n', 'wheelhouse/app-1-py3-none-any.whl': 'w', 'wheelhouse/django-3-py3-none-any.whl': 'd' })
})
Check.after.each(() => removeTemp(root))

function setup(opts: { layout?: ImageLayout; builder?: 'auto' | 'legacy' } = {}) {
  const engine = createFakeEngine({ images: [{ id: 'sha256:prev', tags: ['acme/app-release:latest'], labels: {}, created: 1, layout: opts.layout ?? LAYOUT }] })
  const { ctx } = taskContext(engine, { root, config: opts.builder ? { builder: opts.builder } : undefined })
  const entries = [
    { name: 'wheels/app/app-1-py3-none-any.whl', abs: path.join(root, 'wheelhouse/app-1-py3-none-any.whl') },
    { name: 'wheels/deps/django-3-py3-none-any.whl', abs: path.join(root, 'wheelhouse/django-3-py3-none-any.whl') },
  ]
  return { ctx, engine, entries }
}
const builtin = path.join(builtinDockerDir, 'release/Dockerfile')
const appChanged = [{ input: 'file:wheelhouse/app-1-py3-none-any.whl', change: 'changed' as const }]

Check('only the app wheel changed, built-in Dockerfile, BuildKit, readable history: append, with the plan', async () => {
  const { ctx, entries } = setup()
  const v = await checkAppend(ctx, { dockerfile: builtin, entries, previousId: 'sha256:prev', changes: appChanged })
  assert.equal(v?.why, { is: 'append', changes: appChanged })
  assert.equal(v?.plan, { previousId: 'sha256:prev', layout: LAYOUT, split: { below: 2, step: 2 } })
})

Check('a dependency changed too: no verdict of its own (the usual "changed" says what), and no engine call', async () => {
  const { ctx, engine, entries } = setup()
  const changes = [...appChanged, { input: 'file:wheelhouse/django-3-py3-none-any.whl', change: 'changed' as const }]
  assert.is(await checkAppend(ctx, { dockerfile: builtin, entries, previousId: 'sha256:prev', changes }), undefined)
  assert.equal(engine.calls, [], 'nothing asked of the engine')
})

Check('why not: a Dockerfile of the project’s own, the legacy builder, a history without the app step', async () => {
  const own = setup()
  const a = await checkAppend(own.ctx, { dockerfile: path.join(root, 'docker/release/Dockerfile'), entries: own.entries, previousId: 'sha256:prev', changes: appChanged })
  assert.equal(a, { why: { is: 'no-append', changes: appChanged, because: 'own-dockerfile' }, plan: undefined })
  const legacy = setup({ builder: 'legacy' })
  const b = await checkAppend(legacy.ctx, { dockerfile: builtin, entries: legacy.entries, previousId: 'sha256:prev', changes: appChanged })
  assert.equal(b?.why, { is: 'no-append', changes: appChanged, because: 'legacy-builder' })
  const odd = setup({ layout: { ...LAYOUT, history: LAYOUT.history.filter((h) => !h.createdBy.startsWith('COPY wheels/app')), diffIds: ['sha256:1', 'sha256:2', 'sha256:3'] } })
  const c = await checkAppend(odd.ctx, { dockerfile: builtin, entries: odd.entries, previousId: 'sha256:prev', changes: appChanged })
  assert.equal(c?.why, { is: 'no-append', changes: appChanged, because: 'history' })
})

Check.run()
