import type { Context } from '../context.js'
import { action } from '../graph/action.js'
import type { NodeResult } from '../pipeline/image-graph.js'
import { done } from './outcome.js'
import type { TaskDef } from './types.js'

/** Filled in by the registry: `list` reads the same table as the CLI. */
export function listTask(all: () => TaskDef[]): TaskDef {
  return {
    name: 'list',
    description: 'List every task with a one-line description',
    args: [],
    options: [],
    needsProject: false,
    engine: false,
    lock: false,
    async nodes() {
      return [
        action<Context, NodeResult>({
          id: 'list',
          title: 'List',
          quiet: true,
          describe: async () => ({ do: 'list' }),
          run: async (c) => {
            c.emit({ type: 'tasks', tasks: all().map(({ name, description }) => ({ name, description })) })
            return { result: done() }
          },
        }),
      ]
    },
  }
}
