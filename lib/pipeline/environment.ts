import { appEnv } from '../project.js'
import { randomBytes } from 'node:crypto'
import type Dockerode from 'dockerode'
import type { Context } from '../context.js'
import type { Docker } from '../docker/client.js'
import { findImage } from '../docker/client.js'
import { LABEL_PROJECT, LABEL_TASK } from '../docker/labels.js'
import { logTail, runContainer, startContainer } from '../docker/run.js'
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
export const DB_USER = 'app'
export const DB_NAME = 'app'

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

async function statusCode<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined
    throw e
  }
}

/** The data volume (created once, with its password) and the network. */
export async function ensureInfrastructure(docker: Docker, env: Environment): Promise<{ password: string }> {
  if (!(await statusCode(docker.getNetwork(env.network).inspect()))) {
    await docker.createNetwork({ Name: env.network, Labels: env.labels, CheckDuplicate: true })
  }
  const volume = await statusCode(docker.getVolume(env.volume).inspect())
  if (volume) return { password: volume.Labels?.[LABEL_DB_PASSWORD] ?? '' }
  const password = randomBytes(18).toString('base64url')
  await docker.createVolume({ Name: env.volume, Labels: { ...env.labels, [LABEL_DB_PASSWORD]: password } })
  return { password }
}

export function databaseUrl(env: Environment, password: string): string {
  return `postgres://${DB_USER}:${encodeURIComponent(password)}@${env.db}:5432/${DB_NAME}`
}

/** A running container by name, or undefined. */
export async function running(docker: Docker, name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
  return statusCode(docker.getContainer(name).inspect())
}

/** Start the database container if it is not running, then wait until it accepts connections. */
export async function startDatabase(ctx: Context, env: Environment, password: string, timeoutMs = 90_000): Promise<void> {
  const docker = await ctx.docker()
  if (!(await findImage(docker, env.dbImage))) {
    throw new UserError(`image ${env.dbImage} does not exist`, { hint: `build it: pypackage-tasks image docker/${ctx.project.config.environment.database}` })
  }
  const existing = await running(docker, env.db)
  if (!existing?.State.Running) {
    if (existing) await docker.getContainer(env.db).remove({ force: true })
    const c = await docker.createContainer({
      name: env.db,
      Image: env.dbImage,
      Env: [`POSTGRES_USER=${DB_USER}`, `POSTGRES_DB=${DB_NAME}`, `POSTGRES_PASSWORD=${password}`],
      Labels: { ...env.labels, [LABEL_TASK]: 'environment-db' },
      HostConfig: { Binds: [`${env.volume}:/var/lib/postgresql/data`], NetworkMode: env.network, Init: true },
      NetworkingConfig: { EndpointsConfig: { [env.network]: { Aliases: ['db'] } } },
    })
    await c.start()
  }
  await waitForDatabase(ctx, env, timeoutMs)
}

/** Poll `pg_isready` inside the database container until it says yes (bounded). */
export async function waitForDatabase(ctx: Context, env: Environment, timeoutMs: number): Promise<void> {
  const docker = await ctx.docker()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (ctx.signal.aborted) throw interrupted(ctx.signal)
    const info = await running(docker, env.db)
    if (!info?.State.Running) {
      const logs = (await docker.getContainer(env.db).logs({ stdout: true, stderr: true, tail: 20 }).catch(() => Buffer.from(''))).toString()
      throw new UserError('the database container stopped', { details: logs.split('\n').filter(Boolean), hint: 'its log is above; `pypackage-tasks clean` starts over from an empty database' })
    }
    const exec = await docker.getContainer(env.db).exec({ Cmd: ['pg_isready', '-q', '-h', '127.0.0.1', '-U', DB_USER, '-d', DB_NAME], AttachStdout: true, AttachStderr: true })
    const stream = await exec.start({ hijack: true, stdin: false })
    stream.resume()
    await new Promise((r) => stream.on('end', r))
    const { ExitCode } = await exec.inspect()
    if (ExitCode === 0) return
    if (Date.now() > deadline) throw new UserError(`the database did not accept connections within ${timeoutMs / 1000} s`, { hint: 'see `pypackage-tasks logs db`' })
    await new Promise((r) => setTimeout(r, 300))
  }
}

/** Run a one-off command in the release image on the environment's network, with DATABASE_URL. */
export async function runOnce(ctx: Context, env: Environment, password: string, cmd: string[], opts: { user?: string; env?: Record<string, string> } = {}): Promise<number> {
  const docker = await ctx.docker()
  const spec = {
    image: env.webImage,
    cmd,
    user: opts.user,
    env: { ...appEnv(ctx.project.config), ...opts.env, DATABASE_URL: databaseUrl(env, password) },
    labels: { ...env.labels, [LABEL_TASK]: 'manage' },
    network: env.network,
    onOutput: (line: string, stream: 'stdout' | 'stderr') => ctx.emit({ type: 'output', stream, line }),
  }
  return runContainer(docker, spec, ctx.signal)
}

/**
 * Start the app on the network, published on 127.0.0.1:<hostPort>, and wait until it answers
 * HTTP; returns the port. An app that stops first is an error with its last lines (and the cause,
 * when it is the hardening); its container stays, for `logs`, until the next start or stop.
 */
export async function startWeb(ctx: Context, env: Environment, password: string, hostPort: number, timeoutMs = 90_000): Promise<number> {
  const docker = await ctx.docker()
  const existing = await running(docker, env.web)
  if (existing?.State.Running) {
    return Number(existing.NetworkSettings.Ports?.[`${ctx.project.config.release.port}/tcp`]?.[0]?.HostPort)
  }
  // v: the data volumes of a hardened container go with it, as its writable layer did.
  if (existing) await docker.getContainer(env.web).remove({ force: true, v: true })
  const hardened = hardeningFor(ctx.project.config, 'start')
  const started = await startContainer(
    docker,
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
  const url = `http://127.0.0.1:${started.hostPort}`
  const stopped = async () => {
    const info = await running(docker, env.web)
    return info?.State.Running ? undefined : (info?.State.ExitCode ?? -1)
  }
  const answer = await waitForAnswer(url, stopped, ctx.signal, timeoutMs)
  if ('exited' in answer) {
    const logs = await logTail(started.container, 300).catch(() => [])
    throw exitedError(answer.exited, logs.slice(-30), {
      task: 'start',
      hardened: hardened && { ...hardened, user: started.user, workdir: started.workdir },
      evidence: logs.filter(isHardeningSign).slice(0, 5),
    })
  }
  if ('timedOut' in answer) {
    throw new UserError(`the app did not answer on ${url}/ within ${timeoutMs / 1000} s`, { hint: 'it is still running: `pypackage-tasks logs` shows its output, `pypackage-tasks stop` stops it' })
  }
  return started.hostPort!
}

/** Stop and remove the environment's containers (the data volume stays). */
export async function stopEnvironment(docker: Docker, env: Environment): Promise<string[]> {
  const stopped: string[] = []
  for (const name of [env.web, env.db]) {
    if (await running(docker, name)) {
      await docker.getContainer(name).remove({ force: true, v: true })
      stopped.push(name)
    }
  }
  return stopped
}
