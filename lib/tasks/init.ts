import { existsSync } from 'node:fs'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { UserError } from '../errors.js'
import { loadConfig } from '../config/load.js'
import { builtinDockerDir } from '../project.js'
import { detectShape } from '../shape/detect.js'
import { describeShape } from '../shape/describe.js'
import { toImageName } from '../version.js'
import type { TaskDef } from './types.js'

const MAKEFILE = `# Every target forwards to pypackage-tasks: make <task> [args…] (ARGS="--option value").
PYPACKAGE_TASKS ?= npx --no-install pypackage-tasks

TASK := $(firstword $(MAKECMDGOALS))
TASK_ARGS := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))

help:
\t@$(PYPACKAGE_TASKS) $(TASK_ARGS) --help

ifneq ($(TASK),)
.PHONY: $(MAKECMDGOALS)
ifneq ($(TASK),help)
$(TASK):
\t@$(PYPACKAGE_TASKS) $(TASK) $(TASK_ARGS) $(ARGS)
endif
ifneq ($(TASK_ARGS),)
$(TASK_ARGS):
\t@:
endif
endif
`

export const init: TaskDef = {
  name: 'init',
  description: 'Scaffold docker/{base,builder,release} (+ postgres for Django), .pypackagerc.json and a Makefile into this Python project, and say what was found',
  args: [],
  options: [
    { name: 'force', description: 'overwrite files that exist' },
    { name: 'find-links', value: 'DIR', description: 'a folder of wheels for pip (written to "pip.findLinks")' },
    { name: 'no-index', description: 'never contact a package index (written to "pip.noIndex"; needs --find-links)' },
  ],
  needsProject: false,
  async run(ctx, args) {
    const root = process.cwd()
    // Any shape will do (a package, or manage.py/requirements.txt alone): what is found is printed.
    const { config: defaults } = await loadConfig({ cwd: root })
    const shape = await detectShape(root, defaults)
    const app = toImageName(shape.pyproject?.name ?? path.basename(root))
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
      ...['base', 'builder', 'release', ...(shape.settings ? ['postgres'] : [])].map((img) => [`docker/${img}`, () => cp(path.join(builtinDockerDir, img), path.join(root, 'docker', img), { recursive: true })] as [string, () => Promise<void>]),
      ['.pypackagerc.json', () => writeFile(path.join(root, '.pypackagerc.json'), JSON.stringify(config, null, 2) + '\n')],
      ['Makefile', () => writeFile(path.join(root, 'Makefile'), MAKEFILE)],
    ]
    const existing = files.map(([f]) => f).filter((f) => existsSync(path.join(root, f)))
    if (existing.length && args.options.force !== true) {
      throw new UserError(`init would overwrite ${existing.join(', ')}`, { hint: 'move them aside, or run init --force to replace them' })
    }
    await mkdir(path.join(root, 'docker'), { recursive: true })
    for (const [, write] of files) await write()
    ctx.emit({ type: 'info', message: `wrote ${files.map(([f]) => f).join(', ')} for ${app}` })
    for (const line of describeShape(shape)) ctx.emit({ type: 'info', message: line })
    if (shape.sqlite.length && shape.releaseCommand) ctx.emit({ type: 'info', message: `"release.releaseOnStart": the container runs "${shape.releaseCommand}" before serving (a single container with its own sqlite database)` })
    ctx.emit({ type: 'info', message: 'next: pypackage-tasks release, then pypackage-tasks run' })
    return 0
  },
}
