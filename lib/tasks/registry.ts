import { build } from './build.js'
import { dev } from './dev.js'
import { bootstrap, clean, logs, manage, start, stop } from './environment.js'
import { image } from './image.js'
import { init } from './init.js'
import { inspect } from './inspect.js'
import { plan } from './plan.js'
import { listTask } from './list.js'
import { release } from './release.js'
import { push } from './push.js'
import { run } from './run.js'
import { smoke } from './smoke.js'
import { tag } from './tag.js'
import { test } from './test.js'
import type { TaskDef } from './types.js'

/** Every task, in the order `list` shows them. The CLI, scripts/ and the README table read this. */
export const tasks: TaskDef[] = [init, image, build, test, release, plan, run, dev, smoke, start, bootstrap, manage, logs, stop, clean, tag, push, inspect]
tasks.push(listTask(() => tasks))

export function findTask(name: string): TaskDef | undefined {
  return tasks.find((t) => t.name === name)
}
