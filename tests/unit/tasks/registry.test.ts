import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Context } from '../../../lib/context.js'
import { execute } from '../../../lib/graph/execute.js'
import { quietIds, withoutQuiet } from '../../../lib/tasks/outcome.js'
import type { Event } from '../../../lib/events.js'
import { findTask, tasks } from '../../../lib/tasks/registry.js'

// ---------------------------------------------------------------------------------------------
const Tasks = suite('tasks')

Tasks('every task has a unique name', () => {
  const names = tasks.map((t) => t.name)
  assert.is(new Set(names).size, names.length, `task names should be unique, got ${names.join(', ')}`)
})

for (const t of tasks) {
  Tasks(`${t.name}: a description and its nodes (every task is one shape)`, () => {
    assert.ok(t.description.trim().length > 0, `${t.name} should have a description for list and --help`)
    assert.type(t.nodes, 'function', `${t.name} should return its nodes`)
    assert.equal(
      Object.keys(t).filter((k) => ['run', 'graph', 'after'].includes(k)),
      [],
      `${t.name} has no other way to run`,
    )
  })
  if (t.name !== 'plan' && t.name !== 'list' && t.name !== 'logs' && t.name !== 'inspect') {
    Tasks(`${t.name}: takes --dry-run (it changes something)`, () => {
      assert.ok(
        t.options.some((o) => o.name === 'dry-run'),
        `${t.name} should offer --dry-run`,
      )
    })
  }
}

Tasks('list shows every task, itself included, in registry order', async () => {
  const lines: string[] = []
  const list = findTask('list')
  assert.ok(list, 'the registry should have a list task')
  // list needs only emit and a signal from its context.
  const ctx = { signal: new AbortController().signal, emit: (e: Event) => void lines.push(...(e.type === 'tasks' ? e.tasks.map((t) => t.name) : [`unexpected ${e.type}`])) } as unknown as Context
  const nodes = await list!.nodes(ctx, { positional: [], options: {}, rest: [] })
  await execute(nodes, ctx, { emit: withoutQuiet(quietIds(nodes), ctx.emit), concurrency: 1 })
  assert.equal(
    lines.map((l) => l.split(/\s+/)[0]),
    tasks.map((t) => t.name),
    'list should print one line per registry task, in order',
  )
})

Tasks.run()

// ---------------------------------------------------------------------------------------------
const FindTask = suite('findTask')

for (const t of tasks) {
  FindTask(`finds ${t.name}`, () => {
    assert.is(findTask(t.name), t, `findTask("${t.name}") should return the registry entry`)
  })
}

const unknown = ['', 'relase', 'Image', 'image ', 'help']
for (const name of unknown) {
  FindTask(`${JSON.stringify(name)} is not a task`, () => {
    assert.is(findTask(name), undefined, `findTask(${JSON.stringify(name)}) should find nothing`)
  })
}

FindTask.run()

const Scripts = suite('scripts/')
const scriptsDir = fileURLToPath(new URL('../../../../scripts/', import.meta.url))
for (const t of tasks) {
  Scripts(`scripts/${t.name}.mjs runs the ${t.name} task through lib/`, () => {
    const file = `${scriptsDir}${t.name}.mjs`
    assert.ok(existsSync(file), `every task has a zx script: ${file}`)
    assert.match(readFileSync(file, 'utf8'), `runScript('${t.name}', import.meta.url)`, 'it only forwards to lib/')
  })
}
Scripts.run()
