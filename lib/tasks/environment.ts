import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { parsePort } from '../args.js'
import type { Context } from '../context.js'
import { LABEL_PROJECT } from '../docker/labels.js'
import { UserError } from '../errors.js'
import { execute } from '../graph/execute.js'
import { withProjectLock } from '../lock.js'
import { environment, ensureInfrastructure, runOnce, startDatabase, startWeb, stopEnvironment } from '../pipeline/environment.js'
import { loadGraph } from '../pipeline/images.js'
import { pipelineNodes } from '../pipeline/plan.js'
import { releaseManifestPath, releaseSbomPath, requireImage } from '../pipeline/release.js'
import { parseConcurrency } from './plan-images.js'
import type { TaskDef } from './types.js'

/** The database image is built like any other of ours when missing (or stale); the app must exist. */
async function prepare(ctx: Context) {
  const env = environment(ctx)
  await requireImage(ctx, env.webImage)
  const database = ctx.project.config.environment.database
  const nodes = await pipelineNodes(ctx, await loadGraph(ctx, [database]), [database], { releaseBuildsWheels: false })
  await withProjectLock(ctx.project.root, 'start', { signal: ctx.signal, onWait: (wait) => ctx.emit({ type: 'lock:wait', ...wait }) }, () =>
    execute(nodes, ctx, { emit: ctx.emit, concurrency: parseConcurrency(undefined) }),
  )
  const { password } = await ensureInfrastructure(await ctx.engine(), env)
  return { env, password }
}

export const start: TaskDef = {
  name: 'start',
  description: 'Start the release environment: PostgreSQL and the app on a private network (DATABASE_URL)',
  args: [],
  options: [{ name: 'port', value: 'N', description: 'host port for the app (default: run.hostPort, 8000; 0 = any free port)' }],
  async run(ctx, args) {
    const { env, password } = await prepare(ctx)
    await startDatabase(ctx, env, password)
    const port = await startWeb(ctx, env, password, parsePort(args.options.port, ctx.project.config.run.hostPort))
    ctx.emit({ type: 'environment:started', db: env.db, web: env.web, url: `http://127.0.0.1:${port}` })
    return 0
  },
}

export const bootstrap: TaskDef = {
  name: 'bootstrap',
  description: 'Wait for the database, migrate, collectstatic, create a superuser from DJANGO_SUPERUSER_* variables',
  args: [],
  options: [],
  notes: 'The superuser comes from DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD in your environment; an existing one is left as it is.',
  async run(ctx) {
    const { env, password } = await prepare(ctx)
    await startDatabase(ctx, env, password)
    const shape = await ctx.project.shape()
    const steps: [string, string[], { user?: string; env?: Record<string, string> }][] = [
      // The release phase: a Procfile release: line, "release.releaseCommand", or Django's migrate.
      ...(shape.releaseCommand ? [[`release phase: ${shape.releaseCommand}`, ['sh', '-c', shape.releaseCommand], {}] as [string, string[], object]] : []),
      // Static files live in the image (collected at build, root-owned): re-collecting checks them.
      ...(shape.settings ? [['collectstatic', ['python', '-m', 'django', 'collectstatic', '--noinput', '-v', '0'], { user: 'root' }] as [string, string[], { user: string }]] : []),
    ]
    const su = ['USERNAME', 'EMAIL', 'PASSWORD'].map((k) => process.env[`DJANGO_SUPERUSER_${k}`])
    if (su.every(Boolean)) {
      const script =
        'import django, os; django.setup(); from django.contrib.auth import get_user_model as g; U = g(); n = os.environ["DJANGO_SUPERUSER_USERNAME"]; U.objects.filter(username=n).exists() or U.objects.create_superuser(n, os.environ["DJANGO_SUPERUSER_EMAIL"], os.environ["DJANGO_SUPERUSER_PASSWORD"]); print("superuser", n)'
      steps.push(['superuser', ['python', '-c', script], { env: { DJANGO_SUPERUSER_USERNAME: su[0]!, DJANGO_SUPERUSER_EMAIL: su[1]!, DJANGO_SUPERUSER_PASSWORD: su[2]! } }])
    } else {
      ctx.emit({ type: 'bootstrap:no-superuser' })
    }
    for (const [name, cmd, opts] of steps) {
      ctx.emit({ type: 'bootstrap:step', step: name })
      const code = await runOnce(ctx, env, password, cmd, opts)
      if (code !== 0) throw new UserError(`bootstrap: ${name} exited with code ${code}`, { hint: 'its output is above' })
    }
    return 0
  },
}

export const manage: TaskDef = {
  name: 'manage',
  rest: { shown: '<options…>', options: true },
  description: "Run a Django management command in the release image against the environment's database",
  args: [{ name: 'command', description: 'e.g. migrate, showmigrations, createsuperuser (options after --)', variadic: true, required: true }],
  options: [],
  notes: "Options for the command go after `--`: `manage -- createsuperuser --noinput`. The exit code is the command's.",
  async run(ctx, args) {
    const argv = [...args.positional, ...args.rest]
    if (!argv.length) throw new UserError('manage needs a management command', { hint: 'e.g. pypackage-tasks manage showmigrations' })
    const { env, password } = await prepare(ctx)
    await startDatabase(ctx, env, password)
    return runOnce(ctx, env, password, ['python', '-m', 'django', ...argv])
  },
}

export const stop: TaskDef = {
  name: 'stop',
  description: "Stop and remove the environment's containers (the database volume stays)",
  args: [],
  options: [],
  async run(ctx) {
    const stopped = await stopEnvironment(await ctx.engine(), environment(ctx))
    ctx.emit({ type: 'environment:stopped', containers: stopped })
    return 0
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
  async run(ctx, args) {
    const env = environment(ctx)
    const service = args.positional[0] ?? 'web'
    if (service !== 'web' && service !== 'db') throw new UserError(`no service "${service}"`, { hint: 'logs web, or logs db' })
    const name = service === 'web' ? env.web : env.db
    const engine = await ctx.engine()
    if (!(await engine.containers.inspect(name))) throw new UserError(`${name} is not running`, { hint: 'start it: pypackage-tasks start' })
    const follow = args.options.follow === true
    const tail = typeof args.options.tail === 'string' ? Number(args.options.tail) : 100
    await engine.containers.streamLogs(name, { tail, follow, signal: ctx.signal, onOutput: (line, stream) => ctx.emit({ type: 'output', stream, line }) })
    return 0
  },
}

export const clean: TaskDef = {
  name: 'clean',
  description: 'Remove what this project created: containers, networks, volumes, images (by label) and the wheelhouse',
  args: [],
  options: [],
  async run(ctx) {
    const engine = await ctx.engine()
    const ours = { [LABEL_PROJECT]: ctx.project.prefix }
    const removed = { containers: 0, networks: 0, volumes: 0, images: 0 }
    for (const c of await engine.containers.list(ours)) {
      await engine.containers.remove(c.id, { volumes: true })
      removed.containers++
    }
    for (const n of await engine.networks.list(ours)) {
      await engine.networks.remove(n.id)
      removed.networks++
    }
    for (const v of await engine.volumes.list(ours)) {
      await engine.volumes.remove(v.name)
      removed.volumes++
    }
    // Newest first: children go before the parents they are built FROM.
    for (const img of (await engine.images.list(ours)).sort((a, b) => b.created - a.created)) {
      // Its names first (the last one takes the image with it), then the image itself if it is still there.
      for (const tag of img.tags) await engine.images.remove(tag)
      await engine.images.remove(img.id, { force: true })
      removed.images++
    }
    const { wheelhouse, root } = ctx.project
    for (const p of [wheelhouse, releaseManifestPath(wheelhouse), releaseSbomPath(wheelhouse)]) if (existsSync(p)) await rm(p, { recursive: true, force: true })
    ctx.emit({ type: 'cleaned', ...removed, wheelhouse: path.relative(root, wheelhouse) })
    return 0
  },
}
