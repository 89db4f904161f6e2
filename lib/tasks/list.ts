import type { TaskDef } from './types.js'

/** Filled in by the registry: `list` reads the same table as the CLI. */
export function listTask(all: () => TaskDef[]): TaskDef {
  return {
    name: 'list',
    description: 'List every task with a one-line description',
    args: [],
    options: [],
    needsProject: false,
    async run(ctx) {
      const tasks = all()
      const width = Math.max(...tasks.map((t) => t.name.length))
      for (const t of tasks) ctx.emit({ type: 'info', message: `${t.name.padEnd(width)}  ${t.description}` })
      return 0
    },
  }
}
