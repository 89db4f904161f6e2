import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { LABEL_PROJECT, LABEL_TASK, LABEL_WARM } from '../../../lib/docker/labels.js'
import { buildWheels } from '../../../lib/pipeline/wheels.js'
import { wheelInputs } from '../../../lib/pipeline/wheel-inputs.js'
import { sumsOf, warmBuilderName, warmScript } from '../../../lib/pipeline/warm-builder.js'
import { clean } from '../../../lib/tasks/environment.js'
import { sha256 } from '../../../lib/pipeline/inputs.js'
import { MANIFEST } from '../../../lib/pipeline/wheel-manifest.js'
import { createFakeEngine, type FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { PREFIX, args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// The warm builder through buildWheels, over the fake engine: one container per project, made
// once, reused, replaced when the builder image changes, removed by clean. The script it runs in
// the container is the real one; the fake engine plays what it leaves.

const APP = 'app-0-py3-none-any.whl'
const FLASK = 'flask-2.2.2-py3-none-any.whl'
const BUILT = { [`/wheelhouse/local/app/${APP}`]: 'app', [`/wheelhouse/all/${APP}`]: 'app', [`/wheelhouse/all/${FLASK}`]: 'flask' }

let root: string
let engine: FakeEngine

function setUp() {
  root = makeTemp('warm-builder')
  writeTree(root, { 'app.py': 'app = None\n', 'requirements.txt': 'flask\n', '.cache/links/flask-2.2.2-py3-none-any.whl': 'flask' })
  engine = createFakeEngine({
    images: [
      { id: 'sha256:builder', tags: ['acme/app-builder:abc1234'], labels: {}, created: 1 },
      { id: 'sha256:builder2', tags: ['acme/app-builder:def5678'], labels: {}, created: 2 },
    ],
  })
  engine.script = () => ({ exitCode: 0, files: BUILT })
}

/** One build of the wheels with the warm builder (the default), from builder image `id`. */
async function build(id = 'sha256:builder', signal?: AbortSignal) {
  const { ctx } = taskContext(engine, { root, signal, git: { sha: 'abc1234', dirty: false }, shape: 'detect', config: { pip: { findLinks: ['.cache/links'], noIndex: true } } })
  const inputs = await wheelInputs(ctx.project, id)
  const ref = id === 'sha256:builder' ? 'acme/app-builder:abc1234' : 'acme/app-builder:def5678'
  return buildWheels(ctx, ref, inputs, () => {})
}

const NAME = () => warmBuilderName(PREFIX, root)
const builders = () => engine.state.containers.filter((c) => c.name === NAME())
const count = (method: string) => engine.calls.filter((c) => c.method === method).length

// ---------------------------------------------------------------------------------------------
const Warm = suite('buildWheels with the warm builder')
Warm.before.each(setUp)
Warm.after.each(() => removeTemp(root))

Warm('the first build starts it: named for the project, labelled, idling without a network; the build is an exec', async () => {
  const { built } = await build()
  assert.is(built.builder, 'started')
  const [c] = builders()
  assert.ok(c, `a container ${NAME()}`)
  assert.is(c.labels[LABEL_PROJECT], PREFIX, 'clean and the tests find it by the project label')
  assert.is(c.labels[LABEL_TASK], 'builder')
  assert.match(c.labels[LABEL_WARM], /^[0-9a-f]{32}$/, 'the settings hash')
  const start = engine.calls.find((x) => x.method === 'containers.start')!.args[0] as { cmd: string[]; detached: boolean; network: string; uploads: { to: string }[] }
  assert.equal(start.cmd, ['sleep', 'infinity'])
  assert.is(start.detached, true)
  assert.is(start.network, 'none', 'no index: no network, as the fresh container')
  assert.equal(
    start.uploads.map((u) => u.to),
    ['/find-links/0'],
    'the find-links folder is fixed for its life',
  )
  assert.is(count('containers.run'), 0, 'no fresh container')
  assert.is(count('containers.execStreaming'), 1)
  assert.equal(readdirSync(path.join(root, 'wheelhouse')).sort(), [APP, FLASK, MANIFEST].sort())
})

Warm("each build sends only its sources and their lists, into the exec's stdin; /wheelhouse comes out of its stdout", async () => {
  await build()
  const [exec] = engine.calls.filter((x) => x.method === 'containers.execStreaming').map((x) => x.args[1] as { stdin: { to: string }[]; unpack: string; cmd: string[] })
  assert.equal(
    exec.stdin.map((u) => u.to),
    ['/application', '/sources'],
  )
  assert.match(exec.unpack, /\.pypackage\/wheels-/, 'into the staging folder')
  assert.match(exec.cmd[2], /tar -C \/ -cf - wheelhouse >&3$/)
  assert.is(count('containers.copyIn'), 0, 'no archive request')
})

Warm('a second build reuses the same container (same id): no start, one more exec', async () => {
  await build()
  const id = builders()[0].id
  writeTree(root, { 'app.py': 'app = 1\n' })
  const { built } = await build()
  assert.is(built.builder, 'reused')
  assert.equal(
    builders().map((c) => c.id),
    [id],
    'the same container',
  )
  assert.is(count('containers.start'), 1, 'started once')
  assert.is(count('containers.execStreaming'), 2)
})

Warm('another builder image replaces it', async () => {
  await build()
  const id = builders()[0].id
  writeTree(root, { 'app.py': 'app = 1\n' })
  const { built } = await build('sha256:builder2')
  assert.is(built.builder, 'replaced')
  assert.is(builders().length, 1, 'one builder container')
  assert.is.not(builders()[0].id, id, 'a new one')
  assert.is(builders()[0].image, 'sha256:builder2')
})

Warm('a stopped one is replaced', async () => {
  await build()
  builders()[0].running = false
  writeTree(root, { 'app.py': 'app = 1\n' })
  assert.is((await build()).built.builder, 'replaced')
  assert.ok(builders()[0].running)
})

Warm('/previous not the wheelhouse (the script exits 86): emptied, the wheelhouse and its sums copied in, the build run again', async () => {
  await build()
  writeTree(root, { 'app.py': 'app = 1\n' })
  let execs = 0
  engine.script = () => (++execs === 1 ? { exitCode: 86 } : { exitCode: 0, files: BUILT })
  await build()
  assert.is(execs, 2, 'the exec ran again')
  assert.ok(engine.log().includes(`containers.exec ${NAME()}`), 'rm -rf /previous first')
  const copy = engine.uploaded.at(-2)!['/previous']
  assert.equal(copy, [APP, FLASK, '.sums'], 'the wheels, then their sums last')
})

Warm('/previous stale but holding some of the wheels (one was patched outside it): only the others are copied in; its lines are not output', async () => {
  await build()
  writeTree(root, { 'app.py': 'app = 1\n' })
  let execs = 0
  const output: string[] = []
  const held = [`pypackage-previous: ${sha256('flask')}  ${FLASK}`, `pypackage-previous: ${sha256('an older app')}  ${APP}`]
  engine.script = () => (++execs === 1 ? { exitCode: 86, output: held } : { exitCode: 0, files: BUILT })
  const { ctx } = taskContext(engine, { root, git: { sha: 'abc1234', dirty: false }, shape: 'detect', config: { pip: { findLinks: ['.cache/links'], noIndex: true } } })
  await buildWheels(ctx, 'acme/app-builder:abc1234', await wheelInputs(ctx.project, 'sha256:builder'), (e) => e.type === 'build:output' && output.push(e.line))
  assert.is(execs, 2, 'the exec ran again')
  assert.equal(engine.uploaded.at(-2)!['/previous'], [APP, '.sums'], 'only the wheel it holds otherwise, then the sums')
  assert.not.ok(
    output.some((l) => l.startsWith('pypackage-previous:')),
    'what /previous holds is not the build’s output',
  )
})

Warm('wheels the script lists in same.list come from the host wheelhouse, not back out of the container', async () => {
  await build()
  writeTree(root, { 'app.py': 'app = 1\n' })
  engine.script = () => ({ exitCode: 0, files: { [`/wheelhouse/local/app/${APP}`]: 'app1', [`/wheelhouse/all/${APP}`]: 'app1', '/wheelhouse/same.list': `${FLASK}\n` } })
  engine.state.containers[0].files = {}
  await build()
  assert.is(readFileSync(path.join(root, 'wheelhouse', FLASK), 'utf8'), 'flask', 'the host copy')
  assert.is(readFileSync(path.join(root, 'wheelhouse', APP), 'utf8'), 'app1')
  assert.not.ok(existsSync(path.join(root, 'wheelhouse', 'same.list')))
})

Warm('a failed build keeps the builder failure and the wheelhouse', async () => {
  await build()
  const before = readdirSync(path.join(root, 'wheelhouse')).sort()
  writeTree(root, { 'app.py': 'app = 2\n' })
  engine.script = () => ({ exitCode: 1, output: ['ERROR: boom'] })
  const e = await rejectedUserError(build(), 'the builder fails')
  assert.match(e.message, /^building wheels failed/)
  assert.equal(readdirSync(path.join(root, 'wheelhouse')).sort(), before)
  assert.not.ok(existsSync(path.join(root, '.pypackage')), 'no staging folder left')
})

Warm('clean removes it', async () => {
  await build()
  await runTask(clean, taskContext(engine, { root }).ctx, args())
  assert.equal(builders(), [])
})

Warm('engine.warmBuilder false: a fresh container, no warm one', async () => {
  const { ctx } = taskContext(engine, { root, shape: 'detect', config: { pip: { findLinks: ['.cache/links'], noIndex: true }, engine: { warmBuilder: false } } })
  const { built } = await buildWheels(ctx, 'acme/app-builder:abc1234', await wheelInputs(ctx.project, 'sha256:builder'), () => {})
  assert.is(built.builder, 'cold')
  assert.is(count('containers.run'), 1)
  assert.equal(builders(), [])
})

Warm.run()

// ---------------------------------------------------------------------------------------------
const Script = suite('warmScript')

Script('reads all of stdin first (this build’s files), then checks /previous against the expected sums; the builder script; then /previous replaced', () => {
  const s = warmScript('echo BUILD', 'abc')
  const lines = s.split('\n')
  assert.is(lines[2], 'exec 3>&1 1>&2', 'stdout kept for the tar; the output to stderr')
  const check = lines.findIndex((l) => /sha256sum .* != "abc" .*exit 86/.test(l))
  assert.ok(lines.indexOf('tar -C / -xf -') < check, 'stdin unpacked before any exit: an exit before it would break the sender’s pipe')
  assert.ok(check < lines.indexOf('echo BUILD'), 'the check before the build')
  assert.match(lines.at(-2)!, /^rm -rf \/previous && mv \/next \/previous$/)
  assert.is(lines.at(-1), 'tar -C / -cf - wheelhouse >&3')
})

Script('without a previous wheelhouse: /previous goes', () => {
  assert.ok(warmScript('x', '').split('\n').includes('rm -rf /previous'))
})

Script.run()

// ---------------------------------------------------------------------------------------------
const Sums = suite('sumsOf')

Sums('sha256sum lines sorted by name: the hash the script compares', () => {
  const text = sumsOf({ 'b-1-py3-none-any.whl': '22', 'a-1-py3-none-any.whl': '11' })
  assert.is(text, '11  a-1-py3-none-any.whl\n22  b-1-py3-none-any.whl\n')
  assert.is(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'none: the empty hash')
})

Sums.run()

// ---------------------------------------------------------------------------------------------
const Name = suite('warmBuilderName')

Name('Docker-safe, from the project prefix, one per project folder', () => {
  assert.match(warmBuilderName('acme/app', '/src/app'), /^acme-app-builder-[0-9a-f]{8}$/)
  assert.is.not(warmBuilderName('acme/app', '/src/app'), warmBuilderName('acme/app', '/src/app-worktree'), 'two checkouts, two containers')
})

Name.run()
