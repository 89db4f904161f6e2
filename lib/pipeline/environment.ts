import { appEnv } from '../project.js'
import { randomBytes } from 'node:crypto'
import type { Context } from '../context.js'
import type { Engine } from '../docker/engine.js'
import { LABEL_PROJECT, LABEL_TASK } from '../docker/labels.js'
import { UserError, interrupted } from '../errors.js'
import { hardeningFor, isHardeningSign } from './hardening.js'
import { releaseRepo } from './release.js'
import { exitedError, waitForAnswer } from './serving.js'

/** A release environment: the app and its PostgreSQL on a private network of this project. */
export interface Environment {
  /** Docker-safe stem of every name: `pypackage-pollsite`. */
  stem: string
  network: string
  volume: string
  db: string
  web: string
  dbImage: string
  webImage: string
  labels: Record<string, string>
}

/** Label on the data volume: the database password chosen when the volume was created. */
const LABEL_DB_PASSWORD = 'pypackage-tasks.db-password'
const DB_USER = 'app'
const DB_NAME = 'app'

export function environment(ctx: Context): Environment {
  const stem = ctx.project.prefix.replace(/[^a-zA-Z0-9_.-]+/g, '-')
  const { environment: env } = ctx.project.config
  return {
    stem,
    network: `${stem}-net`,
    volume: `${stem}-pgdata`,
    db: `${stem}-db`,
    web: `${stem}-web`,
    dbImage: `${ctx.project.prefix}-${env.database}:latest`,
    webImage: `${releaseRepo(ctx.project)}:latest`,
    labels: { [LABEL_PROJECT]: ctx.project.prefix, [LABEL_TASK]: 'environment' },
  }
}

/** The data volume (created once, with its password) and the network. */
export async function ensureInfrastructure(engine: Engine, env: Environment): Promise<{ password: string }> {
  if (!(await engine.networks.inspect(env.network))) await engine.networks.create(env.network, env.labels)
  const volume = await engine.volumes.inspect(env.volume)
  if (volume) return { password: volume.labels[LABEL_DB_PASSWORD] ?? '' }
  const password = randomBytes(18).toString('base64url')
  await engine.volumes.create(env.volume, { ...env.labels, [LABEL_DB_PASSWORD]: password })
  return { password }
}

function databaseUrl(env: Environment, password: string): string {
  return `postgres://${DB_USER}:${encodeURIComponent(password)}@${env.db}:5432/${DB_NAME}`
}

/** Start the database container if it is not running, then wait until it accepts connections. */
export async function startDatabase(ctx: Context, env: Environment, password: string, timeoutMs = 90_000): Promise<void> {
  const engine = await ctx.engine()
  if (!(await engine.images.inspect(env.dbImage))) {
    throw new UserError(`image ${env.dbImage} does not exist`, { hint: `build it: pypackage-tasks image docker/${ctx.project.config.environment.database}` })
  }
  const existing = await engine.containers.inspect(env.db)
  if (!existing?.running) {
    if (existing) await engine.containers.remove(env.db)
    await engine.containers.start(
      {
        image: env.dbImage,
        name: env.db,
        env: { POSTGRES_USER: DB_USER, POSTGRES_DB: DB_NAME, POSTGRES_PASSWORD: password },
        labels: { ...env.labels, [LABEL_TASK]: 'environment-db' },
        binds: [`${env.volume}:/var/lib/postgresql/data`],
        network: env.network,
        aliases: ['db'],
        // It outlives this run: `stop` removes it, the volume keeps the data.
        detached: true,
      },
      ctx.signal,
    )
  }
  await waitForDatabase(ctx, env, timeoutMs)
}

/** Poll `pg_isready` inside the database container until it says yes (bounded). */
async function waitForDatabase(ctx: Context, env: Environment, timeoutMs: number): Promise<void> {
  const engine = await ctx.engine()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (ctx.signal.aborted) throw interrupted(ctx.signal)
    const info = await engine.containers.inspect(env.db)
    if (!info?.running) {
      // The log only adds detail: without it (the container is gone) the error still stands.
      const logs = await engine.containers.logs(env.db, 20).catch(() => [])
      throw new UserError('the database container stopped', { details: logs, hint: 'its log is above; `pypackage-tasks clean` starts over from an empty database' })
    }
    if ((await engine.containers.exec(env.db, ['pg_isready', '-q', '-h', '127.0.0.1', '-U', DB_USER, '-d', DB_NAME])) === 0) return
    if (Date.now() > deadline) throw new UserError(`the database did not accept connections within ${timeoutMs / 1000} s`, { hint: 'see `pypackage-tasks logs db`' })
    await new Promise((r) => setTimeout(r, 300))
  }
}

/** Run a one-off command in the release image on the environment's network, with DATABASE_URL. */
export async function runOnce(ctx: Context, env: Environment, password: string, cmd: string[], opts: { user?: string; env?: Record<string, string> } = {}): Promise<number> {
  const engine = await ctx.engine()
  const spec = {
    image: env.webImage,
    cmd,
    user: opts.user,
    env: { ...appEnv(ctx.project.config), ...opts.env, DATABASE_URL: databaseUrl(env, password) },
    labels: { ...env.labels, [LABEL_TASK]: 'manage' },
    network: env.network,
    onOutput: (line: string, stream: 'stdout' | 'stderr') => ctx.emit({ type: 'output', stream, line }),
  }
  return engine.containers.run(spec, ctx.signal)
}

/**
 * Start the app on the network, published on 127.0.0.1:<hostPort>, and wait until it answers
 * HTTP; returns its URL. An app that stops first is an error with its last lines (and the cause,
 * when it is the hardening); its container stays, for `logs`, until the next start or stop.
 */
export async function startWeb(ctx: Context, env: Environment, password: string, hostPort: number, timeoutMs = 90_000): Promise<string> {
  const engine = await ctx.engine()
  const existing = await engine.containers.inspect(env.web)
  if (existing?.running) return `http://${existing.host}:${existing.hostPorts[ctx.project.config.release.port]}`
  // volumes: the data volumes of a hardened container go with it, as its writable layer did.
  if (existing) await engine.containers.remove(env.web, { volumes: true })
  const hardened = hardeningFor(ctx.project.config, 'start')
  const started = await engine.containers.start(
    {
      image: env.webImage,
      name: env.web,
      env: { ...appEnv(ctx.project.config), DATABASE_URL: databaseUrl(env, password) },
      labels: { ...env.labels, [LABEL_TASK]: 'environment-web' },
      network: env.network,
      detached: true,
      publish: { containerPort: ctx.project.config.release.port, hostPort },
      hardened,
    },
    ctx.signal,
  )
  const url = `http://${started.host}:${started.hostPort}`
  const stopped = async () => {
    const info = await engine.containers.inspect(env.web)
    return info?.running ? undefined : (info?.exitCode ?? -1)
  }
  const answer = await waitForAnswer(url, stopped, ctx.signal, timeoutMs)
  if ('exited' in answer) {
    const logs = await started.logs(300).catch(() => [])
    throw exitedError(answer.exited, logs.slice(-30), {
      task: 'start',
      hardened: hardened && { ...hardened, user: started.user, workdir: started.workdir },
      evidence: logs.filter(isHardeningSign).slice(0, 5),
    })
  }
  if ('timedOut' in answer) {
    throw new UserError(`the app did not answer on ${url}/ within ${timeoutMs / 1000} s`, { hint: 'it is still running: `pypackage-tasks logs` shows its output, `pypackage-tasks stop` stops it' })
  }
  return url
}

/** Stop and remove the environment's containers (the data volume stays). */
export async function stopEnvironment(engine: Engine, env: Environment): Promise<string[]> {
  const stopped: string[] = []
  for (const name of [env.web, env.db]) {
    if (await engine.containers.inspect(name)) {
      await engine.containers.remove(name, { volumes: true })
      stopped.push(name)
    }
  }
  return stopped
}
