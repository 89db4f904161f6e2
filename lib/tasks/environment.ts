import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { parsePort } from '../args.js'
import type { Context } from '../context.js'
import { findImage } from '../docker/client.js'
import { LABEL_PROJECT } from '../docker/labels.js'
import { lineSplitter } from '../docker/run.js'
import { UserError } from '../errors.js'
import { execute } from '../graph/execute.js'
import { withProjectLock } from '../lock.js'
import { environment, ensureInfrastructure, running, runOnce, startDatabase, startWeb, stopEnvironment } from '../pipeline/environment.js'
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
  await withProjectLock(ctx.project.root, 'start', { signal: ctx.signal, onWait: (message) => ctx.emit({ type: 'info', message }) }, () =>
    execute(nodes, ctx, { emit: ctx.emit, concurrency: parseConcurrency(undefined) }),
  )
  const { password } = await ensureInfrastructure(await ctx.docker(), env)
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
    ctx.emit({ type: 'info', message: `started ${env.db} and ${env.web}: http://127.0.0.1:${port}/ (pypackage-tasks stop to stop, logs to read)` })
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
      const script = 'import django, os; django.setup(); from django.contrib.auth import get_user_model as g; U = g(); n = os.environ["DJANGO_SUPERUSER_USERNAME"]; U.objects.filter(username=n).exists() or U.objects.create_superuser(n, os.environ["DJANGO_SUPERUSER_EMAIL"], os.environ["DJANGO_SUPERUSER_PASSWORD"]); print("superuser", n)'
      steps.push(['superuser', ['python', '-c', script], { env: { DJANGO_SUPERUSER_USERNAME: su[0]!, DJANGO_SUPERUSER_EMAIL: su[1]!, DJANGO_SUPERUSER_PASSWORD: su[2]! } }])
    } else {
      ctx.emit({ type: 'info', message: 'bootstrap: no superuser (set DJANGO_SUPERUSER_USERNAME, _EMAIL and _PASSWORD to create one)' })
    }
    for (const [name, cmd, opts] of steps) {
      ctx.emit({ type: 'info', message: `bootstrap: ${name}` })
      const code = await runOnce(ctx, env, password, cmd, opts)
      if (code !== 0) throw new UserError(`bootstrap: ${name} exited with code ${code}`, { hint: 'its output is above' })
    }
    return 0
  },
}

export const manage: TaskDef = {
  name: 'manage',
  rest: { shown: '<options…>', options: true },
  description: 'Run a Django management command in the release image against the environment\'s database',
  args: [{ name: 'command', description: 'e.g. migrate, showmigrations, createsuperuser (options after --)', variadic: true, required: true }],
  options: [],
  notes: 'Options for the command go after `--`: `manage -- createsuperuser --noinput`. The exit code is the command\'s.',
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
  description: 'Stop and remove the environment\'s containers (the database volume stays)',
  args: [],
  options: [],
  async run(ctx) {
    const stopped = await stopEnvironment(await ctx.docker(), environment(ctx))
    ctx.emit({ type: 'info', message: stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running' })
    return 0
  },
}

export const logs: TaskDef = {
  name: 'logs',
  description: 'Print the app\'s (or the database\'s: logs db) output; --follow keeps reading',
  args: [{ name: 'service', description: 'web (default) or db' }],
  options: [{ name: 'follow', description: 'keep printing until Ctrl-C' }, { name: 'tail', value: 'N', description: 'last N lines (default 100)' }],
  async run(ctx, args) {
    const env = environment(ctx)
    const service = args.positional[0] ?? 'web'
    if (service !== 'web' && service !== 'db') throw new UserError(`no service "${service}"`, { hint: 'logs web, or logs db' })
    const name = service === 'web' ? env.web : env.db
    const docker = await ctx.docker()
    if (!(await running(docker, name))) throw new UserError(`${name} is not running`, { hint: 'start it: pypackage-tasks start' })
    const follow = args.options.follow === true
    const tail = typeof args.options.tail === 'string' ? Number(args.options.tail) : 100
    const container = docker.getContainer(name)
    const source = follow
      ? ((await container.logs({ stdout: true, stderr: true, tail, follow: true, abortSignal: ctx.signal } as never)) as unknown as NodeJS.ReadableStream)
      : Readable.from([(await container.logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer])
    // demuxStream writes each stream's chunks to its splitter; lines become output events.
    const out = lineSplitter((line) => ctx.emit({ type: 'output', stream: 'stdout', line }))
    const err = lineSplitter((line) => ctx.emit({ type: 'output', stream: 'stderr', line }))
    docker.modem.demuxStream(source, out, err)
    await new Promise<void>((resolve) => {
      source.on('end', resolve)
      source.on('error', () => resolve())
      ctx.signal.addEventListener('abort', () => resolve(), { once: true })
    })
    out.end()
    err.end()
    return 0
  },
}

export const clean: TaskDef = {
  name: 'clean',
  description: 'Remove what this project created: containers, networks, volumes, images (by label) and the wheelhouse',
  args: [],
  options: [],
  async run(ctx) {
    const docker = await ctx.docker()
    const filters = { label: [`${LABEL_PROJECT}=${ctx.project.prefix}`] }
    const removed = { containers: 0, networks: 0, volumes: 0, images: 0 }
    for (const c of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true })
      removed.containers++
    }
    for (const n of await docker.listNetworks({ filters })) {
      await docker.getNetwork(n.Id).remove()
      removed.networks++
    }
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) {
      await docker.getVolume(v.Name).remove()
      removed.volumes++
    }
    // Newest first: children go before the parents they are built FROM.
    for (const img of (await docker.listImages({ filters })).sort((a, b) => b.Created - a.Created)) {
      // A superseded build is untagged: the engine lists it as <none>:<none>, which is no reference.
      for (const tag of (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>')) {
        await docker.getImage(tag).remove({ noprune: false }).catch((e: { statusCode?: number }) => { if (e.statusCode !== 404) throw e })
      }
      if (await findImage(docker, img.Id)) await docker.getImage(img.Id).remove({ force: true })
      removed.images++
    }
    const { wheelhouse, root } = ctx.project
    for (const p of [wheelhouse, releaseManifestPath(wheelhouse), releaseSbomPath(wheelhouse)]) if (existsSync(p)) await rm(p, { recursive: true, force: true })
    ctx.emit({ type: 'info', message: `removed ${removed.containers} containers, ${removed.networks} networks, ${removed.volumes} volumes, ${removed.images} images and ${path.relative(root, wheelhouse)}` })
    return 0
  },
}
