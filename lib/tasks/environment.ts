import { parsePort } from '../args.js'
import { UserError } from '../errors.js'
import { dryRunOption } from './options.js'
import type { TaskDef } from './types.js'

// The release environment's tasks and clean. Their nodes (lib/nodes/environment.ts) load when one runs.
const nodes = () => import('../nodes/environment.js')

export const start: TaskDef = {
  name: 'start',
  description: 'Start the release environment: PostgreSQL and the app on a private network (DATABASE_URL)',
  args: [],
  options: [{ name: 'port', value: 'N', description: 'host port for the app (default: run.hostPort, 8000; 0 = any free port)' }, dryRunOption],
  async nodes(ctx, args) {
    return (await nodes()).startNodes(ctx, parsePort(args.options.port, ctx.project.config.run.hostPort))
  },
}

export const bootstrap: TaskDef = {
  name: 'bootstrap',
  description: 'Wait for the database, migrate, collectstatic, create a superuser from DJANGO_SUPERUSER_* variables',
  args: [],
  options: [dryRunOption],
  notes: 'The superuser comes from DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD in your environment; an existing one is left as it is.',
  view: 'lines',
  async nodes(ctx) {
    return (await nodes()).bootstrapNodes(ctx)
  },
}

export const manage: TaskDef = {
  name: 'manage',
  rest: { shown: '<options…>', options: true },
  description: "Run a Django management command in the release image against the environment's database",
  args: [{ name: 'command', description: 'e.g. migrate, showmigrations, createsuperuser (options after --)', variadic: true, required: true }],
  options: [dryRunOption],
  notes: "Options for the command go after `--`: `manage -- createsuperuser --noinput`. The exit code is the command's.",
  view: 'lines',
  async nodes(ctx, args) {
    const argv = [...args.positional, ...args.rest]
    if (!argv.length) throw new UserError('manage needs a management command', { hint: 'e.g. pypackage-tasks manage showmigrations' })
    return (await nodes()).manageNodes(ctx, argv)
  },
}

export const stop: TaskDef = {
  name: 'stop',
  description: "Stop and remove the environment's containers (the database volume stays)",
  args: [],
  options: [dryRunOption],
  async nodes(ctx) {
    return [(await nodes()).stopNode(ctx)]
  },
}

export const logs: TaskDef = {
  name: 'logs',
  description: "Print the app's (or the database's: logs db) output; --follow keeps reading",
  args: [{ name: 'service', description: 'web (default) or db' }],
  options: [
    { name: 'follow', description: 'keep printing until Ctrl-C' },
    { name: 'tail', value: 'N', description: 'last N lines (default 100)' },
  ],
  lock: false,
  view: 'lines',
  async nodes(ctx, args) {
    const tail = typeof args.options.tail === 'string' ? Number(args.options.tail) : 100
    return [(await nodes()).logsNode(ctx, args.positional[0] ?? 'web', tail, args.options.follow === true)]
  },
}

export const clean: TaskDef = {
  name: 'clean',
  description: 'Remove what this project created: containers, networks, volumes, images (by label) and the wheelhouse',
  args: [],
  options: [dryRunOption],
  async nodes() {
    return [(await nodes()).cleanNode()]
  },
}
