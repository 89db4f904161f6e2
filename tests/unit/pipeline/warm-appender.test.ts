import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT, LABEL_TASK } from '../../../lib/docker/labels.js'
import { appenderKeys, appenderScript, REFUSED, runWarmAppend, warmAppenderName, type WarmAppend } from '../../../lib/pipeline/warm-appender.js'
import { createFakeEngine, type FakeEngine } from '../../helpers/fake-engine.js'

// The warm appender over the fake engine: made from the image an append starts from, reused while
// its files are that image (the script's marker check plays "stale" as exit 86), replaced when
// they are not, removed when a step fails halfway, kept when prepare.py refuses.

const PROJECT = 'acme/app'
const ROOT = '/work/acme'
const REPO = 'acme/app-release'
const NAME = warmAppenderName(PROJECT, ROOT)
let engine: FakeEngine

const keysOf = (id: string) => ({ previous: `c ${id}-1 ${id}-2`, below: `c ${id}-1` })
const append = (previousId = 'sha256:prev', signal = new AbortController().signal): Promise<Awaited<ReturnType<typeof runWarmAppend>>> =>
  runWarmAppend(engine, { project: PROJECT, root: ROOT, repo: REPO, previousId, keys: keysOf(previousId), tar: Buffer.from('tar'), env: { APP_WHEEL: 'app-1' }, signal } satisfies WarmAppend)
const appenders = () => engine.state.containers.filter((c) => c.name === NAME)
const execs = () => engine.calls.filter((c) => c.method === 'containers.execStreaming')

const W = suite('runWarmAppend')
W.before.each(() => {
  engine = createFakeEngine({
    images: [
      { id: 'sha256:prev', tags: ['acme/app-release:latest'], labels: { [LABEL_PROJECT]: PROJECT }, created: 1 },
      { id: 'sha256:other', tags: [], labels: { [LABEL_PROJECT]: PROJECT }, created: 2 },
    ],
  })
  engine.collected = Buffer.from('layer')
})

W('the first append makes it from the previous image: named for the project folder, labelled, root, no network; the layer is the exec’s stdout', async () => {
  const r = await append()
  assert.equal(r, { exitCode: 0, output: [], file: Buffer.from('layer') })
  const [c] = appenders()
  assert.ok(c?.running, 'left running')
  assert.is(c.image, 'sha256:prev')
  assert.is(c.labels[LABEL_PROJECT], PROJECT, 'clean finds it by the project label')
  assert.is(c.labels[LABEL_TASK], 'appender')
  assert.equal(engine.state.images.find((i) => i.id === 'sha256:prev')?.tags, ['acme/app-release:latest', 'acme/app-release:appender'], 'the image it holds is named for it')
  const start = engine.calls.find((x) => x.method === 'containers.start')!.args[0] as { user: string; network: string; env: Record<string, string>; detached: boolean; noHealthcheck: boolean }
  assert.equal([start.user, start.network, start.env.MADE_FROM, start.detached, start.noHealthcheck], ['0', 'none', 'c sha256:prev-1 sha256:prev-2', true, true])
  const exec = execs()[0].args[1] as { env: Record<string, string>; stdinBytes: Buffer }
  assert.is(exec.env.PREVIOUS, 'c sha256:prev-1 sha256:prev-2', 'the script checks the container’s files against it')
  assert.is(exec.env.BELOW, 'c sha256:prev-1', 'and marks them with the new layer on these')
  assert.is(exec.env.APP_WHEEL, 'app-1')
  assert.equal(exec.stdinBytes, Buffer.from('tar'))
})

W('the next append reuses it: one exec, no container made', async () => {
  await append()
  const id = appenders()[0].id
  engine.calls.length = 0
  await append()
  assert.is(appenders()[0].id, id)
  assert.equal(
    engine.calls.map((c) => c.method),
    ['containers.inspect', 'containers.execStreaming'],
  )
})

W('its files are another image’s (the script exits 86): replaced by one of the previous image, and the step run again', async () => {
  await append('sha256:other')
  const first = appenders()[0].id
  let n = 0
  engine.script = () => ({ exitCode: n++ === 0 ? 86 : 0 })
  const r = await append('sha256:prev')
  assert.is(r.exitCode, 0)
  const [c] = appenders()
  assert.is.not(c.id, first)
  assert.is(c.image, 'sha256:prev')
  assert.is(execs().length, 3)
  assert.not.ok(
    engine.state.images.some((i) => i.id === 'sha256:other'),
    'the image it was made from, named only for it, goes with it',
  )
  assert.equal(engine.state.images.find((i) => i.id === 'sha256:prev')?.tags, ['acme/app-release:latest', 'acme/app-release:appender'], 'the name moved to the image the new one holds')
})

W('prepare.py refuses (3): kept, its files untouched; any other failure: removed', async () => {
  engine.script = () => ({ exitCode: REFUSED, output: ['pypackage-tasks append: a new distribution'] })
  const refused = await append()
  assert.equal([refused.exitCode, refused.file, refused.output], [REFUSED, undefined, ['pypackage-tasks append: a new distribution']])
  assert.is(appenders().length, 1)
  engine.script = () => ({ exitCode: 1 })
  assert.is((await append()).exitCode, 1)
  assert.is(appenders().length, 0, 'halfway: its files are no image’s')
  assert.equal(engine.state.images.find((i) => i.id === 'sha256:prev')?.tags, ['acme/app-release:latest'], 'its name goes; the image stays (:latest names it)')
})

W('an aborted append: the abort thrown, as the exec throws it', async () => {
  const ac = new AbortController()
  ac.abort()
  try {
    await append('sha256:prev', ac.signal)
    assert.unreachable('should have thrown')
  } catch (e) {
    assert.match((e as Error).message, /interrupted/)
  }
})

W.run()

const S = suite('appenderScript')
S('reads stdin, checks the marker (or the image it was made from), marks dirty before prepare, restores it on a refusal, the layer to fd 3', () => {
  const s = appenderScript()
  const at = (text: string) => s.indexOf(text)
  assert.ok(at('tar -C /tmp -xf -') < at('exit 86'), 'stdin read whole before any exit')
  assert.ok(at('exit 86') < at('echo dirty'))
  assert.ok(at('echo dirty') < at('python /tmp/append/step.py'))
  assert.match(s, /if \[ "\$code" -eq 3 \]; then echo "\$PREVIOUS" > \/var\/tmp\/pypackage-image; fi/)
  assert.ok(at('[ "$code" -eq 0 ] || exit') < at('echo "$BELOW sha256:$(cat /tmp/append/layer.tar.sha256)" > /var/tmp/pypackage-image'), 'the new layer’s key only after the step succeeded')
  assert.ok(at('> /var/tmp/pypackage-image\ncat') < at('cat /tmp/append/layer.tar >&3'))
})
S.run()

const K = suite('appenderKeys')
const layout = (env: string[], dir = '/app') => ({ diffIds: ['sha256:a', 'sha256:b', 'sha256:c'], config: { Env: env, WorkingDir: dir } })
K('the image’s layers in order, after a hash of what an exec inherits; below: the layers under its app layer', () => {
  const k = appenderKeys(layout(['A=1']), 2)
  assert.match(k.previous, /^[0-9a-f]{16} sha256:a sha256:b sha256:c$/)
  assert.is(k.below, k.previous.replace(' sha256:c', ''), 'the new key: below, a space, the new layer')
})
K('another environment or working folder: another key, the same layers notwithstanding', () => {
  const k = appenderKeys(layout(['A=1']), 2).previous
  assert.is.not(appenderKeys(layout(['A=2']), 2).previous, k)
  assert.is.not(appenderKeys(layout(['A=1'], '/'), 2).previous, k)
  assert.is(appenderKeys(layout(['A=1']), 1).previous, k, 'below does not change what the image is')
})
K.run()
