import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { Context } from '../context.js'
import { LABEL_PROJECT } from '../docker/labels.js'
import { UserError } from '../errors.js'
import type { Intent } from '../events.js'
import { action } from '../graph/action.js'
import type { Node } from '../graph/execute.js'
import { imageNodeId } from '../graph/ids.js'
import { environment, ensureInfrastructure, runOnce, startDatabase, startWeb, stopEnvironment, type Environment } from '../pipeline/environment.js'
import { loadGraph, type NodeResult } from '../pipeline/image-graph.js'
import { releaseManifestPath, releaseSbomPath, requireImage } from '../pipeline/release.js'
import { done } from '../tasks/outcome.js'
import { pipelineNodes } from './pipeline.js'

// The release environment's nodes (start, bootstrap, manage, stop, logs) and clean's.

/**
 * The nodes of a task that runs in the environment: the database image, built like any other of
 * ours when missing (or stale), then `step` with the network, the volume and the database password
 * ready. The app's image must exist already.
 */
async function inEnvironment(
  ctx: Context,
  step: { id: string; title: string; describe: Intent | ((c: Context) => Promise<Intent>); run: (c: Context, env: Environment, password: string) => Promise<NodeResult> },
): Promise<Node<Context, NodeResult>[]> {
  const database = ctx.project.config.environment.database
  const nodes = await pipelineNodes(ctx, await loadGraph(ctx, [database]), [database], { releaseBuildsWheels: false })
  const env = environment(ctx)
  const node = action<Context, NodeResult>({
    id: step.id,
    title: step.title,
    needs: [imageNodeId(database)],
    quiet: true,
    describe: async (c) => {
      await requireImage(c, env.webImage)
      return typeof step.describe === 'function' ? step.describe(c) : step.describe
    },
    run: async (c) => {
      await requireImage(c, env.webImage)
      const { password } = await ensureInfrastructure(await c.engine(), env)
      return { result: await step.run(c, env, password) }
    },
  })
  return [...nodes, node]
}

/** start: PostgreSQL, then the app on `hostPort` (0: a free one), on the environment's network. */
export function startNodes(ctx: Context, hostPort: number): Promise<Node<Context, NodeResult>[]> {
  return inEnvironment(ctx, {
    id: 'start',
    title: 'Start the environment',
    describe: { do: 'start', hostPort },
    run: async (c, env, password) => {
      await startDatabase(c, env, password)
      const url = await startWeb(c, env, password, hostPort)
      c.emit({ type: 'environment:started', db: env.db, web: env.web, url })
      return done()
    },
  })
}

/** bootstrap: its steps against the started database; a dry run names them. */
export function bootstrapNodes(ctx: Context): Promise<Node<Context, NodeResult>[]> {
  const describe = async (c: Context) => {
    return { do: 'bootstrap' as const, steps: (await bootstrapSteps(c)).map(([name]) => name) }
  }
  return inEnvironment(ctx, { id: 'bootstrap', title: 'Bootstrap', describe, run: runBootstrap })
}

/** The release phase, collectstatic and the superuser, one container each, against the started database. */
type Step = [name: string, cmd: string[], opts: { user?: string; env?: Record<string, string> }]

/**
 * collectstatic as the release image's build runs it (pypackage_django.py: STATIC_ROOT defaults to
 * the folder the server serves, a missing variable is named); Django's own in an image without it.
 */
const COLLECTSTATIC = ['sh', '-c', 'f=/usr/local/lib/pypackage/pypackage_django.py; if [ -f "$f" ]; then exec python "$f" collectstatic; fi; exec python -m django collectstatic --noinput -v 0']

/** bootstrap's steps for this project: its release phase, collectstatic (Django), the superuser (when DJANGO_SUPERUSER_* are set). */
async function bootstrapSteps(ctx: Context): Promise<Step[]> {
  const shape = await ctx.project.shape()
  const steps: Step[] = [
    // The release phase: a Procfile release: line, "release.releaseCommand", or Django's migrate.
    ...(shape.releaseCommand ? [[`release phase: ${shape.releaseCommand}`, ['sh', '-c', shape.releaseCommand], {}] as [string, string[], object]] : []),
    // Static files live in the image (collected at build, root-owned): re-collecting checks them.
    ...(shape.settings ? [['collectstatic', COLLECTSTATIC, { user: 'root' }] as [string, string[], { user: string }]] : []),
  ]
  const su = ['USERNAME', 'EMAIL', 'PASSWORD'].map((k) => process.env[`DJANGO_SUPERUSER_${k}`])
  if (su.every(Boolean)) {
    const script =
      'import django, os; django.setup(); from django.contrib.auth import get_user_model as g; U = g(); n = os.environ["DJANGO_SUPERUSER_USERNAME"]; U.objects.filter(username=n).exists() or U.objects.create_superuser(n, os.environ["DJANGO_SUPERUSER_EMAIL"], os.environ["DJANGO_SUPERUSER_PASSWORD"]); print("superuser", n)'
    steps.push(['superuser', ['python', '-c', script], { env: { DJANGO_SUPERUSER_USERNAME: su[0]!, DJANGO_SUPERUSER_EMAIL: su[1]!, DJANGO_SUPERUSER_PASSWORD: su[2]! } }])
  }
  return steps
}

async function runBootstrap(ctx: Context, env: Environment, password: string): Promise<NodeResult> {
  await startDatabase(ctx, env, password)
  const steps = await bootstrapSteps(ctx)
  if (!steps.some(([name]) => name === 'superuser')) ctx.emit({ type: 'bootstrap:no-superuser' })
  for (const [name, cmd, opts] of steps) {
    ctx.emit({ type: 'bootstrap:step', step: name })
    const code = await runOnce(ctx, env, password, cmd, opts)
    if (code !== 0) throw new UserError(`bootstrap: ${name} exited with code ${code}`, { hint: 'its output is above' })
  }
  return done()
}

/** manage: `python -m django <argv>` against the started database; its exit code is the task's. */
export function manageNodes(ctx: Context, argv: string[]): Promise<Node<Context, NodeResult>[]> {
  return inEnvironment(ctx, {
    id: 'manage',
    title: 'Management command',
    describe: { do: 'manage', argv },
    run: async (c, env, password) => {
      await startDatabase(c, env, password)
      return done(await runOnce(c, env, password, ['python', '-m', 'django', ...argv]))
    },
  })
}

/** stop: the app's and the database's containers go; the data volume stays. */
export function stopNode(ctx: Context) {
  const env = environment(ctx)
  return action<Context, NodeResult>({
    id: 'stop',
    title: 'Stop the environment',
    quiet: true,
    describe: async () => ({ do: 'stop', containers: [env.web, env.db] }),
    run: async (c) => {
      c.emit({ type: 'environment:stopped', containers: await stopEnvironment(await c.engine(), env) })
      return { result: done() }
    },
  })
}

/** logs: the last `tail` lines of a service's container (`web` or `db`), then more while `follow`. */
export function logsNode(ctx: Context, service: string, tail: number, follow: boolean) {
  const env = environment(ctx)
  if (service !== 'web' && service !== 'db') throw new UserError(`no service "${service}"`, { hint: 'logs web, or logs db' })
  const name = service === 'web' ? env.web : env.db
  const running = async (c: Context) => {
    const engine = await c.engine()
    if (!(await engine.containers.inspect(name))) throw new UserError(`${name} is not running`, { hint: 'start it: pypackage-tasks start' })
    return engine
  }
  return action<Context, NodeResult>({
    id: 'logs',
    title: 'Logs',
    quiet: true,
    describe: async (c) => {
      await running(c)
      return { do: 'logs', container: name, tail, follow }
    },
    run: async (c) => {
      await (await running(c)).containers.streamLogs(name, { tail, follow, signal: c.signal, onOutput: (line, stream) => c.emit({ type: 'output', stream, line }) })
      return { result: done() }
    },
  })
}

/** clean: everything labelled with the project, and the wheelhouse; a dry run counts it. */
export function cleanNode() {
  return action<Context, NodeResult>({
    id: 'clean',
    title: 'Clean',
    quiet: true,
    describe: async (c) => describeClean(c),
    run: async (c) => {
      await removeOurs(c)
      return { result: done() }
    },
  })
}

/** What clean would remove (its dry run): counts by kind, and the wheelhouse. */
async function describeClean(ctx: Context): Promise<Intent> {
  const engine = await ctx.engine()
  const ours = { [LABEL_PROJECT]: ctx.project.prefix }
  const [containers, networks, volumes, images] = await Promise.all([engine.containers.list(ours), engine.networks.list(ours), engine.volumes.list(ours), engine.images.list(ours)])
  return { do: 'clean', containers: containers.length, networks: networks.length, volumes: volumes.length, images: images.length, wheelhouse: path.relative(ctx.project.root, ctx.project.wheelhouse) }
}

/** Everything labelled with the project, children before parents, then the wheelhouse and the files beside it. */
async function removeOurs(ctx: Context): Promise<void> {
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
}
