import { createHash } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { HistoryStep, ImageLayout } from '../../../lib/docker/engine.js'
import type { InputChange } from '../../../lib/events.js'
import { appendedConfig, appendedLabels, appendVerdict, onlyAppWheelsChanged, saveTarballFiles, splitAtAppStep } from '../../../lib/pipeline/app-layer.js'

// lib/pipeline/app-layer.ts: when appending applies, where the app step starts in an image's
// history, the appended image's config, and the `docker save` tarball. Pure: no engine.

const APP = 'file:wheelhouse/pollsite-0.1.0-py3-none-any.whl'
const appWheels = new Set([APP, 'file:wheelhouse/speedups-0.1.0-cp311-cp311-linux_x86_64.whl'])
const changed = (input: string, change: InputChange['change'] = 'changed'): InputChange => ({ input, change })

const step = (createdBy: string, size = 0): HistoryStep => ({ createdBy, size, created: 1_700_000_000, comment: 'buildkit.dockerfile.v0' })
/** The release image's history as BuildKit records it (shortened): 5 layers below the app step. */
const HISTORY = [
  step('', 75_000_000),
  step('RUN /bin/sh -c apt-get install python3 # buildkit', 70_000_000),
  step('ENV PATH=/appenv/bin'),
  step('WORKDIR /app'),
  step('COPY wheels/deps/ /tmp/wheels/deps/ # buildkit', 9_000_000),
  step('COPY sbom.py / # buildkit', 6000),
  step('COPY wheels/app/ /tmp/wheels/app/ # buildkit', 21_000),
  step('ARG APP_WHEEL='),
  step('RUN |10 APP_SERVE=wsgi /bin/sh -c set -e; python /install_wheels.py /tmp/wheels/app/*.whl', 2_000_000),
  step('USER app'),
  step('CMD ["/start.sh"]'),
]
const layout = (history = HISTORY, layers = 7): ImageLayout => ({
  diffIds: Array.from({ length: layers }, (_, i) => `sha256:${String(i).repeat(64)}`),
  history,
  config: { User: 'app', Env: ['PATH=/appenv/bin'], Cmd: ['/start.sh'], Entrypoint: ['/entrypoint.sh'], Healthcheck: { Test: ['CMD', 'true'] }, Labels: { a: '1' }, Hostname: '', Volumes: null },
  architecture: 'amd64',
  os: 'linux',
})

const only = suite('onlyAppWheelsChanged')
only('true when every change is an app wheel changed in place; false otherwise', () => {
  const table: [InputChange[], boolean, string][] = [
    [[changed(APP)], true, 'the app wheel alone'],
    [[], false, 'nothing changed'],
    [[changed(APP), changed('file:wheelhouse/django-3.2.25-py3-none-any.whl')], false, 'a dependency too'],
    [[changed(APP), changed('arg:APP_PORT')], false, 'a build arg too'],
    [[changed(APP), changed('parent:base', 'rebuilt')], false, 'the base image too'],
    [[changed(APP), changed('file:docker/release/Dockerfile')], false, 'the Dockerfile too'],
    [[changed(APP, 'added')], false, 'a new app wheel (another name or version)'],
    [[changed(APP, 'removed')], false, 'an app wheel gone'],
  ]
  for (const [changes, want, what] of table) assert.is(onlyAppWheelsChanged(changes, appWheels), want, what)
})
only.run()

const verdict = suite('appendVerdict')
verdict('append when only the app wheels changed on BuildKit with the built-in Dockerfile and a readable history', () => {
  const changes = [changed(APP)]
  const base = { changes, appWheels, builder: 'buildkit' as const, defaultDockerfile: true, split: { below: 5, step: 6 } }
  assert.equal(appendVerdict(base), { is: 'append', changes })
  assert.equal(appendVerdict({ ...base, builder: 'legacy' }), { is: 'no-append', changes, because: 'legacy-builder' })
  assert.equal(appendVerdict({ ...base, defaultDockerfile: false }), { is: 'no-append', changes, because: 'own-dockerfile' })
  assert.equal(appendVerdict({ ...base, split: undefined }), { is: 'no-append', changes, because: 'history' })
  assert.is(appendVerdict({ ...base, changes: [changed(APP), changed('arg:BUILD_ENV')] }), undefined, 'more changed: the usual verdict says what')
})
verdict.run()

const split = suite('splitAtAppStep')
split('the layers below the COPY of the app wheels, read from the history', () => {
  assert.equal(splitAtAppStep(layout()), { below: 5, step: 6 }, 'WORKDIR makes a layer even at 0 B; ENV and ARG do not')
})
split('an image made by appending: its last layer is the appended one', () => {
  const now = new Date('2026-11-30T06:00:00Z')
  const c = appendedConfig(layout(), { below: 5, step: 6 }, `sha256:${'f'.repeat(64)}`, {}, now) as { history: { created_by: string; comment?: string; empty_layer?: boolean }[] }
  const history = c.history.map((h) => ({ createdBy: h.created_by, comment: h.comment ?? '', size: h.empty_layer ? 0 : 1, created: 0 }))
  const appended = { ...layout(history, 6) }
  const at = history.findIndex((h) => h.comment === 'pypackage-tasks: appended app layer')
  assert.equal(splitAtAppStep(appended), { below: 5, step: at }, 'the appended install step starts the app part')
  const again = appendedConfig(appended, splitAtAppStep(appended)!, `sha256:${'e'.repeat(64)}`, {}, now) as { history: unknown[]; rootfs: { diff_ids: string[] } }
  assert.is(again.history.length, history.length, 'appending again keeps the history as long')
  assert.is(again.rootfs.diff_ids.length, 6)
})
split('undefined when the history does not add up or the step is not there once', () => {
  assert.is(splitAtAppStep(layout(HISTORY, 8)), undefined, 'more layers than the history makes')
  assert.is(
    splitAtAppStep(
      layout(
        HISTORY.filter((h) => !h.createdBy.startsWith('COPY wheels/app')),
        6,
      ),
    ),
    undefined,
    'no app step (another Dockerfile)',
  )
  const twice = [...HISTORY.slice(0, 7), HISTORY[6], ...HISTORY.slice(7)]
  assert.is(splitAtAppStep(layout(twice, 8)), undefined, 'the app step twice')
  const extra = [...HISTORY.slice(0, 9), step('RUN echo more # buildkit', 10), ...HISTORY.slice(9)]
  assert.is(splitAtAppStep(layout(extra, 8)), undefined, 'another layer after the install')
})
split.run()

const config = suite('appendedConfig')
config('the previous config and platform, the new labels, the history without the COPY, the layers below plus the new one', () => {
  const now = new Date('2026-11-30T06:00:00Z')
  const c = appendedConfig(layout(), { below: 5, step: 6 }, `sha256:${'f'.repeat(64)}`, { b: '2' }, now) as {
    config: Record<string, unknown>
    history: { created_by: string; empty_layer?: boolean; comment?: string; created: string }[]
    rootfs: { type: string; diff_ids: string[] }
    architecture: string
    os: string
    created: string
  }
  assert.equal(
    c.config,
    { User: 'app', Env: ['PATH=/appenv/bin'], Cmd: ['/start.sh'], Entrypoint: ['/entrypoint.sh'], Healthcheck: { Test: ['CMD', 'true'] }, Labels: { b: '2' } },
    'container config kept (nulls and non-image keys left out), labels replaced',
  )
  assert.equal(c.rootfs, { type: 'layers', diff_ids: [...layout().diffIds.slice(0, 5), `sha256:${'f'.repeat(64)}`] })
  assert.is(
    c.history.some((h) => h.created_by.startsWith('COPY wheels/app')),
    false,
    'the COPY of the wheels is not in the image',
  )
  assert.is(c.history.filter((h) => !h.empty_layer).length, c.rootfs.diff_ids.length, 'one non-empty history step per layer')
  const install = c.history.find((h) => h.created_by.startsWith('RUN |10'))!
  assert.equal([install.created, install.comment], [now.toISOString(), 'pypackage-tasks: appended app layer'])
  assert.equal([c.architecture, c.os, c.created], ['amd64', 'linux', now.toISOString()])
})
config.run()

const labels = suite('appendedLabels')
labels("the previous image's labels, without those a build sets, then the new build's", () => {
  const previous = { 'org.opencontainers.image.revision': 'abc', 'pypackage-tasks.inputs': 'old', 'pypackage-tasks.inputs-detail': '{}', maintainer: 'base' }
  assert.equal(appendedLabels(previous, { 'pypackage-tasks.inputs': 'new', 'org.opencontainers.image.title': 't' }), {
    maintainer: 'base',
    'pypackage-tasks.inputs': 'new',
    'org.opencontainers.image.title': 't',
  })
})
labels.run()

const tarball = suite('saveTarballFiles')
tarball('config named by its hash, the new layer only, a manifest listing every layer in order', () => {
  const c = appendedConfig(layout(), { below: 5, step: 6 }, `sha256:${'f'.repeat(64)}`, {}, new Date(0))
  const { id, files } = saveTarballFiles(c, ['acme/app-release:v1', 'acme/app-release:latest'], Buffer.from('layer'))
  const hex = createHash('sha256').update(JSON.stringify(c)).digest('hex')
  assert.is(id, `sha256:${hex}`, "the image id is the config's sha256, as the engine computes it")
  assert.equal(
    files.map((f) => f.name),
    [`${hex}.json`, `${'f'.repeat(64)}/layer.tar`, 'manifest.json'],
  )
  const manifest = JSON.parse(files[2].body.toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[]
  assert.equal(manifest, [
    {
      Config: `${hex}.json`,
      RepoTags: ['acme/app-release:v1', 'acme/app-release:latest'],
      Layers: [...[0, 1, 2, 3, 4].map((i) => `${String(i).repeat(64)}/layer.tar`), `${'f'.repeat(64)}/layer.tar`],
    },
  ])
  assert.is(files[1].body.toString(), 'layer')
})
tarball.run()
