import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import { LABEL_TASK } from '../../../lib/docker/labels.js'
import { MOUNT } from '../../../lib/pipeline/builder-mounts.js'
import type { Event } from '../../../lib/events.js'
import { test } from '../../../lib/tasks/test.js'
import type { TaskArgs } from '../../../lib/tasks/types.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { builtEngine, git, osEngine, writeFlaskProject } from './helpers/project.js'

// The test task (lib/tasks/test.ts, lib/pipeline/tests.ts) on the fake engine: its nodes, its dry
// run, and a run whose builder and wheels are up to date, so only the tests' container runs
// (scripted: the marker line the test script prints once the app is installed, then the tests).

const testArgs = (...rest: string[]): TaskArgs => ({ positional: [], options: {}, rest })
const MARKER = 'pypackage-tasks: running python -m pytest'
const runs = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'containers.run').map((c) => c.args[0] as ContainerSpec)
const outputs = (events: Event[]) => events.flatMap((e) => (e.type === 'output' ? [e.line] : []))

// ---------------------------------------------------------------------------------------------
const Test = suite('test')
let root: string
Test.before.each(() => {
  root = writeFlaskProject(makeTemp('test'))
})
Test.after.each(() => removeTemp(root))

Test('the tests node needs the builder image and the wheels, and comes last', async () => {
  const { ctx } = taskContext(osEngine(), { root, git, shape: 'detect' })
  const nodes = await test.nodes(ctx, testArgs())
  const ids = nodes.map((n) => n.id)
  assert.is(ids.at(-1), 'tests', `the last node, got ${ids.join(', ')}`)
  assert.equal(nodes.at(-1)!.needs, ['image:builder', 'wheels'])
  assert.not.ok(ids.includes('image:release'), 'the release image is not built for the tests')
})

Test("the exit code is the tests'; their output is printed, the preparation's marker is not", async () => {
  const engine = await builtEngine(root)
  engine.script = () => ({ exitCode: 1, output: ['Looking in links: /wheelhouse', MARKER, 'FAILED test_app.py::test_index', '1 failed'] })
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(test, ctx, testArgs('-k', 'index')), 1, "the tests' exit code")
  assert.equal(outputs(events), ['Looking in links: /wheelhouse', 'FAILED test_app.py::test_index', '1 failed'], 'the marker line is not shown')
  assert.equal(
    events.filter((e) => e.type === 'test:start'),
    [{ type: 'test:start', command: ['python', '-m', 'pytest'], tools: { kind: 'requirements', files: ['requirements-test.txt'] } }],
    'one "test:start" naming the command and where the test tools come from',
  )
  const [spec] = runs(engine)
  assert.equal(runs(engine).length, 1, 'one container: the wheels were up to date, no builder run')
  assert.is(spec.image, 'acme/app-builder:abc1234', 'in the builder image, by the tag of this build')
  assert.equal(spec.cmd?.slice(-5), ['python', '-m', 'pytest', '-k', 'index'], 'the command, then the words after --')
  assert.equal(
    spec.uploads?.map((u) => `${u.from} → ${u.to}`),
    [`${root} → ${MOUNT.source}`, `${root}/wheelhouse → ${MOUNT.wheelhouse}`],
    'the source and the wheelhouse, copied in',
  )
  assert.is(spec.labels?.[LABEL_TASK], 'test', 'labelled with the task, for clean')
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Test('tests that pass: exit code 0', async () => {
  const engine = await builtEngine(root)
  engine.script = () => ({ exitCode: 0, output: [MARKER, '3 passed'] })
  assert.is(await runTask(test, taskContext(engine, { root, git, shape: 'detect' }).ctx, testArgs()), 0)
})

Test('the preparation failing (before the marker): one UserError with its output, not an exit code', async () => {
  const engine = await builtEngine(root)
  engine.script = () => ({ exitCode: 1, output: ['ERROR: Could not find a version that satisfies the requirement pytest'] })
  const e = await rejectedUserError(runTask(test, taskContext(engine, { root, git, shape: 'detect' }).ctx, testArgs()), 'preparation fails')
  assert.is(e.message, 'preparing the tests (requirements-test.txt) failed (exit 1)')
  assert.equal(e.details, ['ERROR: Could not find a version that satisfies the requirement pytest'])
})

Test('pytest missing (exit 96 before the marker): says nothing installs it', async () => {
  const engine = await builtEngine(root)
  engine.script = () => ({ exitCode: 96 })
  const e = await rejectedUserError(runTask(test, taskContext(engine, { root, git, shape: 'detect' }).ctx, testArgs()), 'no pytest')
  assert.match(e.message, /^the tests run with pytest, but nothing installs it/)
})

Test('dry run: says the tests would run with the words after --; runs no container', async () => {
  const engine = await builtEngine(root)
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(test, ctx, testArgs('-x'), { dryRun: true }), 0)
  assert.equal(
    events.flatMap((e) => (e.type === 'plan' ? [`${e.id}: ${e.action}`] : [])),
    ['image:base: skip', 'image:builder: skip', 'wheels: skip', 'tests: run'],
  )
  assert.equal(
    events.filter((e) => e.type === 'plan' && e.id === 'tests').map((e) => e.type === 'plan' && e.why),
    [{ is: 'action', intent: { do: 'test', args: ['-x'] } }],
  )
  assert.equal(runs(engine), [], 'no container')
})

Test('an aborted run stops before touching the engine', async () => {
  const engine = osEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect', signal: abortedSignal() })
  const e = await rejectedUserError(runTask(test, ctx, testArgs()), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Test.run()
