/**
 * A command run in a container that keeps running (the warm builder), with its output line by
 * line; files can travel with it: a tar of folders of this machine into its stdin, and a tar it
 * writes to its stdout unpacked here. One request each way, and none of the engine's archive
 * endpoints (on some engines each archive request starts a helper process).
 */
import { Readable, Writable } from 'node:stream'
import { interrupted } from '../errors.js'
import type { Docker } from './client.js'
import { ask } from './engine.js'
import { lineSplitter } from './run-container.js'
import { extractInto, packUploads, type Upload } from './transfer.js'

export interface ExecOptions {
  cmd: string[]
  env?: Record<string, string>
  /** Each output line (with `unpack` or `collect`: the stderr lines only). */
  onOutput: (line: string, stream: 'stdout' | 'stderr') => void
  /** Folders packed as one tar (each file under its `to`, from `/`) into the command's stdin. */
  stdin?: Upload[]
  /** Or these bytes, as they are. */
  stdinBytes?: Buffer
  /** The command writes a tar of one folder to its stdout: unpacked into this folder here when it exits 0 (its first path part dropped, as a copy out of the container would). */
  unpack?: string
  /** Or its stdout kept whole and handed here when it exits 0 (a file it wrote there). */
  collect?: (stdout: Buffer) => void
  signal?: AbortSignal
}

/**
 * Run `cmd` in the running container `name`: its exit code. The Engine API cannot signal an
 * exec's process: on abort the container is removed (forced), which kills it, and the abort is
 * thrown once that is done.
 */
export async function execStreaming(docker: Docker, name: string, opts: ExecOptions): Promise<number> {
  const { cmd, env = {}, signal } = opts
  if (signal?.aborted) throw interrupted(signal)
  const what = `run ${cmd[0]} in ${name}`
  const container = docker.getContainer(name)
  const stdin = Boolean(opts.stdin || opts.stdinBytes)
  const exec = await ask(what, container.exec({ Cmd: cmd, Env: Object.entries(env).map(([k, v]) => `${k}=${v}`), AttachStdin: stdin, AttachStdout: true, AttachStderr: true }))
  let removing: Promise<unknown> | undefined
  const onAbort = () => (removing ??= container.remove({ force: true, v: true }).catch(() => undefined))
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const stream = await ask(what, exec.start({ hijack: true, stdin }))
    if (signal?.aborted) onAbort()
    // A command that exits without reading all of its input breaks the pipe: its exit code says why.
    if (stdin) (opts.stdin ? await packUploads(opts.stdin) : Readable.from([opts.stdinBytes!])).on('error', () => undefined).pipe(stream.on('error', () => undefined) as NodeJS.WritableStream)
    const stdout = await drain(docker, stream, opts)
    if (signal?.aborted) {
      await removing
      throw interrupted(signal)
    }
    const { ExitCode } = await ask(`inspect ${what}`, exec.inspect())
    if (ExitCode === 0) opts.collect?.(stdout)
    if (ExitCode === 0 && opts.unpack) await ask(`copy the files ${cmd[0]} wrote out of ${name}`, extractInto(Readable.from([stdout]), opts.unpack))
    return ExitCode ?? -1
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * An exec's framed output until it ends (or breaks: what it said stands): stdout and stderr lines
 * to onOutput; with `unpack` or `collect`, stdout is kept whole and answered.
 */
async function drain(docker: Docker, stream: NodeJS.ReadableStream, opts: ExecOptions): Promise<Buffer> {
  const chunks: Buffer[] = []
  const whole = Boolean(opts.unpack || opts.collect)
  const out = whole
    ? new Writable({
        write: (chunk: Buffer, _enc, done) => {
          chunks.push(chunk)
          done()
        },
      })
    : lineSplitter((l) => opts.onOutput(l, 'stdout'))
  const err = lineSplitter((l) => opts.onOutput(l, 'stderr'))
  docker.modem.demuxStream(stream, out, err)
  await new Promise<void>((resolve) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', () => resolve())
  })
  // The splitters flush a last line without a newline when their readable side ends: wait for that.
  await Promise.all([out, err].map((s) => new Promise<void>((resolve) => (s.once(s === err || !whole ? 'end' : 'finish', () => resolve()), s.end()))))
  return Buffer.concat(chunks)
}
