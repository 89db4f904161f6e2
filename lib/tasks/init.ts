import { existsSync } from 'node:fs'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { UserError } from '../errors.js'
import { loadConfig } from '../config/load.js'
import { builtinDockerDir } from '../project.js'
import { makeTargets, makeTasksOf, MK_FILE, MK_HEADER, pypackageMk, targetNames, withInclude } from '../scaffold/makefile.js'
import type { Event } from '../events.js'
import { detectShape, knownRequirements, shapeFacts } from '../shape/detect.js'
import { resolvePython } from '../python.js'
import { toImageName } from '../tags.js'
import { dependencyNamedLike } from '../shape/requirements.js'
import type { Context } from '../context.js'
import { action } from '../graph/action.js'
import type { NodeResult } from '../pipeline/image-graph.js'
import { done } from './outcome.js'
import { dryRunOption } from './options.js'
import type { TaskArgs, TaskDef } from './types.js'

/** pypackage.mk for this project, and its Makefile with the include line (undefined: left as it is). */
async function planMakefile(root: string): Promise<{ mk: string; makefile?: string; foreignMk: boolean; said: Extract<Event, { type: 'init:done' }>['makefile'] }> {
  const { tasks } = await import('./registry.js') // the registry lists init itself
  const makefilePath = path.join(root, 'Makefile')
  const mine = existsSync(makefilePath) ? await readFile(makefilePath, 'utf8') : undefined
  const taken = mine ? makeTargets(mine) : []
  const mkPath = path.join(root, MK_FILE)
  const foreignMk = existsSync(mkPath) && !(await readFile(mkPath, 'utf8')).startsWith(MK_HEADER)
  const makeTasks = makeTasksOf(tasks)
  const names = targetNames([...makeTasks, { name: 'help' }], taken)
  const renamed = [...names].filter(([task, target]) => task !== target)
  const makefile = withInclude(mine)
  const said = { action: mine === undefined ? 'written' : makefile === undefined ? 'included' : 'added', renamed } as const
  return { mk: pypackageMk(makeTasks, taken), makefile, foreignMk, said }
}

export const init: TaskDef = {
  name: 'init',
  description:
    'Scaffold docker/{base,builder,release} (+ postgres for Django), .pypackagerc.json and make targets (pypackage.mk, included by your Makefile) into this Python project, and say what was found',
  args: [],
  options: [
    { name: 'force', description: 'overwrite files that exist' },
    { name: 'find-links', value: 'DIR', description: 'a folder of wheels for pip (written to "pip.findLinks")' },
    { name: 'no-index', description: 'never contact a package index (written to "pip.noIndex"; needs --find-links)' },
    dryRunOption,
  ],
  needsProject: false,
  engine: false,
  lock: false,
  async nodes(_ctx, args) {
    const plan = await planInit(process.cwd(), args)
    return [
      action<Context, NodeResult>({
        id: 'init',
        title: 'Init',
        quiet: true,
        describe: async () => ({ do: 'init', app: plan.app, files: [...plan.files.map(([f]) => f), MK_FILE] }),
        run: async (c) => {
          await writeInit(plan)
          c.emit({ type: 'init:done', app: plan.app, files: [...plan.files.map(([f]) => f), MK_FILE], makefile: plan.make.said })
          c.emit({ type: 'shape', shape: shapeFacts(plan.shape), python: plan.python })
          c.emit({ type: 'init:next', releaseOnStart: plan.shape.sqlite.length && plan.shape.releaseCommand ? plan.shape.releaseCommand : undefined })
          return { result: done() }
        },
      }),
    ]
  },
}

/** What init will write in `root`, or why it will not (a file it would overwrite, --no-index alone). */
async function planInit(root: string, args: TaskArgs) {
  // Any shape will do (a package, or manage.py/requirements.txt alone): what is found is printed.
  const { config: defaults } = await loadConfig({ cwd: root })
  const shape = await detectShape(root, defaults)
  // The Dockerfiles init writes take the Python's OS image: one the project cannot have stops init here.
  const python = resolvePython({ root, source: root, config: defaults })
  // An application named like one of its requirements (a checkout called `starlette`) gets `-app`: its wheel could not be installed beside that requirement.
  const named = toImageName(shape.pyproject?.name ?? path.basename(root))
  const app = shape.kind === 'application' && dependencyNamedLike(named, knownRequirements(shape, root) ?? []) ? `${named}-app` : named
  const findLinks = typeof args.options['find-links'] === 'string' ? [args.options['find-links']] : []
  if (args.options['no-index'] === true && !findLinks.length) {
    throw new UserError('--no-index needs --find-links DIR: pip must find the wheels somewhere', { hint: 'e.g. init --no-index --find-links ./wheels-offline' })
  }
  const config = {
    $schema: './node_modules/pypackage-tasks/schema/pypackagerc.schema.json',
    namespace: 'pypackage',
    app,
    source: '.',
    ...(findLinks.length || args.options['no-index'] ? { pip: { ...(findLinks.length ? { findLinks } : {}), ...(args.options['no-index'] ? { noIndex: true, buildIsolation: false } : {}) } } : {}),
    // Found again on every run, so a moved settings module needs no edit; only choices are written.
    ...(shape.sqlite.length && shape.releaseCommand ? { release: { releaseOnStart: true } } : {}),
  }
  const files: [string, () => Promise<void>][] = [
    // docker/postgres serves the release environment's database: a Django project's, not a Flask demo's.
    ...['base', 'builder', 'release', ...(shape.settings ? ['postgres'] : [])].map(
      (img) => [`docker/${img}`, () => cp(path.join(builtinDockerDir, img), path.join(root, 'docker', img), { recursive: true })] as [string, () => Promise<void>],
    ),
    ['.pypackagerc.json', () => writeFile(path.join(root, '.pypackagerc.json'), JSON.stringify(config, null, 2) + '\n')],
  ]
  const existing = files.map(([f]) => f).filter((f) => existsSync(path.join(root, f)))
  const make = await planMakefile(root)
  if (make.foreignMk) existing.push(MK_FILE)
  if (existing.length && args.options.force !== true) {
    throw new UserError(`init would overwrite ${existing.join(', ')}`, { hint: 'move them aside, or run init --force to replace them' })
  }
  return { root, app, shape, python, files, make }
}

async function writeInit({ root, files, make }: Awaited<ReturnType<typeof planInit>>): Promise<void> {
  await mkdir(path.join(root, 'docker'), { recursive: true })
  for (const [, write] of files) await write()
  // The Makefile is the team's: never rewritten. Our rules live in pypackage.mk, included by one line.
  await writeFile(path.join(root, MK_FILE), make.mk)
  if (make.makefile !== undefined) await writeFile(path.join(root, 'Makefile'), make.makefile)
}
