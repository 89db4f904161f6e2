/** The public API: what scripts/ and other tools import. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { main } from './cli.js'

export { main } from './cli.js'
export { UserError, formatError } from './errors.js'
export { loadConfig } from './config/load.js'
export { tasks, findTask } from './tasks/registry.js'
export type { TaskDef, TaskArgs } from './tasks/types.js'

/**
 * Run one task from a zx script in scripts/: the script's own arguments follow its path in argv,
 * whether it runs as `npx zx scripts/x.mjs …` or `./scripts/x.mjs …`.
 */
export async function runScript(task: string, scriptUrl: string): Promise<number> {
  const self = fileURLToPath(scriptUrl)
  const at = process.argv.findIndex((a) => path.resolve(a) === self)
  return main([task, ...(at >= 0 ? process.argv.slice(at + 1) : [])])
}
