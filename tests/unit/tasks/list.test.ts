import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { listTask } from '../../../lib/tasks/list.js'
import { findTask, tasks } from '../../../lib/tasks/registry.js'
import { createFakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

// The list task (lib/tasks/list.ts), as the registry makes it: it reads the same table as the CLI.

const list = findTask('list')!

// The registry's list is listTask over the registry itself: made from any table, it lists that table.
const ofTwo = listTask(() => tasks.slice(0, 2))

// ---------------------------------------------------------------------------------------------
const List = suite('list')
let root: string
List.before.each(() => {
  root = makeTemp('list')
})
List.after.each(() => removeTemp(root))

List('one "tasks" event: every task of the registry, in its order, with its description', async () => {
  const engine = createFakeEngine()
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(list, ctx, args()), 0)
  assert.equal(events, [{ type: 'tasks', tasks: tasks.map((t) => ({ name: t.name, description: t.description })) }])
  const names = events[0].type === 'tasks' ? events[0].tasks.map((t) => t.name) : []
  assert.is(names[0], 'init', 'in the order of the registry')
  assert.is(names.at(-1), 'list', 'list names itself, last')
  assert.is(new Set(names).size, names.length, 'each task once')
  assert.equal(engine.calls, [], 'the engine is not asked anything')
})

List('declares that it needs neither a project, the engine nor the lock', () => {
  assert.equal([list.needsProject, list.engine, list.lock], [false, false, false])
})

List('dry run: says it would list the tasks, lists nothing', async () => {
  const { ctx, events } = taskContext(createFakeEngine(), { root })
  assert.is(await runTask(list, ctx, args(), { dryRun: true }), 0)
  assert.equal(events, [{ type: 'plan', id: 'list', title: 'List', action: 'run', why: { is: 'action', intent: { do: 'list' } } }])
})

List('an aborted run lists nothing', async () => {
  const { ctx, events } = taskContext(createFakeEngine(), { root, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(list, ctx, args()), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(events, [])
})

List('made from another table, it lists that table: the list is data, not a copy', async () => {
  const { ctx, events } = taskContext(createFakeEngine(), { root })
  assert.is(await runTask(ofTwo, ctx, args()), 0)
  assert.equal(events, [{ type: 'tasks', tasks: tasks.slice(0, 2).map(({ name, description }) => ({ name, description })) }])
})

List.run()
