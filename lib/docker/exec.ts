/**
 * Work in a container that keeps running (the warm builder): a command run in it with its output
 * line by line, and folders copied in and out while it runs.
 */
import { interrupted } from '../errors.js'
import type { Docker } from './client.js'
import { ask } from './engine.js'
import { lineSplitter } from './run-container.js'

export interface ExecOptions {
  cmd: string[]
  env?: Record<string, string>
  onOutput: (line: string, stream: 'stdout' | 'stderr') => void
  signal?: AbortSignal
}

/**
 * Run `cmd` in the running container `name`: each output line to onOutput, then its exit code.
 * The Engine API cannot signal an exec's process: on abort the container is removed (forced),
 * which kills it, and the abort is thrown once that is done.
 */
export async function execStreaming(docker: Docker, name: string, opts: ExecOptions): Promise<number> {
  const { cmd, env = {}, onOutput, signal } = opts
  if (signal?.aborted) throw interrupted(signal)
  const what = `run ${cmd[0]} in ${name}`
  const container = docker.getContainer(name)
  const exec = await ask(what, container.exec({ Cmd: cmd, Env: Object.entries(env).map(([k, v]) => `${k}=${v}`), AttachStdout: true, AttachStderr: true }))
  let removing: Promise<unknown> | undefined
  const onAbort = () => (removing ??= container.remove({ force: true, v: true }).catch(() => undefined))
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const stream = await ask(what, exec.start({ hijack: true, stdin: false }))
    if (signal?.aborted) onAbort()
    await drain(docker, stream, onOutput)
    if (signal?.aborted) {
      await removing
      throw interrupted(signal)
    }
    const { ExitCode } = await ask(`inspect ${what}`, exec.inspect())
    return ExitCode ?? -1
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

/** An exec's framed output, split into stdout and stderr lines, until it ends (or breaks: what it said stands). */
async function drain(docker: Docker, stream: NodeJS.ReadableStream, onOutput: ExecOptions['onOutput']): Promise<void> {
  const out = lineSplitter((l) => onOutput(l, 'stdout'))
  const err = lineSplitter((l) => onOutput(l, 'stderr'))
  docker.modem.demuxStream(stream, out, err)
  await new Promise<void>((resolve) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', () => resolve())
  })
  // The splitters flush a last line without a newline when they end: wait for that.
  await Promise.all(
    [out, err].map(
      (pt) =>
        new Promise<void>((resolve) => {
          pt.once('end', () => resolve())
          pt.end()
          pt.resume()
        }),
    ),
  )
}

