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
      ctx.emit({ type: 'tasks', tasks: all().map(({ name, description }) => ({ name, description })) })
      return 0
    },
  }
}
