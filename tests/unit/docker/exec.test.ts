import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Duplex } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../../lib/docker/client.js'
import { execStreaming } from '../../../lib/docker/exec.js'
import { rejectedUserError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'
import { demuxStream, frame } from '../helpers/frames.js'

// lib/docker/exec.ts against a stub of the dockerode calls it makes (getContainer(name).exec →
// start (a hijacked duplex: framed output to read, stdin to write) → inspect; remove on abort).

/**
 * A dockerode whose exec answers `frames` then ends (with stdin attached: once its input is
 * closed, as a command reading all of it would; `hang`: only when the container is removed), with `exitCode`.
 */
function stubDocker(opts: { frames: Buffer[]; exitCode?: number; hang?: boolean }) {
  const calls: string[] = []
  const stdin: Buffer[] = []
  let withStdin = false
  const conn = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      stdin.push(chunk)
      done()
    },
    final(done) {
      calls.push('stdin closed')
      if (withStdin && !opts.hang) conn.push(null)
      done()
    },
  })
  const docker = {
    getContainer: (name: string) => ({
      async exec(o: { AttachStdin: boolean }) {
        calls.push(`exec ${name} ${JSON.stringify(o)}`)
        withStdin = o.AttachStdin
        return {
          async start() {
            setImmediate(() => {
              for (const f of opts.frames) conn.push(f)
              if (!opts.hang && !withStdin) conn.push(null)
            })
            return conn
          },
          inspect: async () => ({ ExitCode: opts.exitCode ?? 0 }),
        }
      },
      async remove(o: unknown) {
        calls.push(`remove ${name} ${JSON.stringify(o)}`)
        conn.push(null)
      },
    }),
    modem: { demuxStream },
  }
  return { docker: docker as unknown as Docker, calls, stdin }
}

/** A tar holding `files` (path → text), as `tar -cf -` writes it. */
async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const { default: tar } = await import('tar-stream')
  const pack = tar.pack()
  for (const [name, text] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, text)
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c)
  return Buffer.concat(chunks)
}

// ---------------------------------------------------------------------------------------------
const Exec = suite('execStreaming')
let dir: string
Exec.before.each(() => {
  dir = makeTemp('exec')
})
Exec.after.each(() => removeTemp(dir))

Exec('the command with its environment; each line to its stream; the exit code', async () => {
  const { docker, calls } = stubDocker({ frames: [frame(1, 'one\ntw'), frame(1, 'o\n'), frame(2, 'oops')], exitCode: 3 })
  const seen: string[] = []
  const code = await execStreaming(docker, 'acme-app-builder', { cmd: ['sh', '-c', 'x'], env: { A: '1' }, onOutput: (l, s) => seen.push(`${s}: ${l}`) })
  assert.is(code, 3)
  assert.equal(calls, ['exec acme-app-builder {"Cmd":["sh","-c","x"],"Env":["A=1"],"AttachStdin":false,"AttachStdout":true,"AttachStderr":true}'])
  assert.equal(seen.sort(), ['stderr: oops', 'stdout: one', 'stdout: two'], 'a line split across frames joined, a last line without a newline too')
})

Exec('stdin: the folders as one tar, then the input closed (the command sees its end)', async () => {
  writeTree(dir, { 'app.py': 'print(1)\n', 'skip.txt': 'no' })
  const { docker, calls, stdin } = stubDocker({ frames: [] })
  await execStreaming(docker, 'b', { cmd: ['tar', '-xf', '-'], onOutput: () => {}, stdin: [{ from: dir, to: '/application', files: ['app.py'] }] })
  const sent = Buffer.concat(stdin).toString('latin1')
  assert.ok(sent.includes('application/app.py') && sent.includes('print(1)'), 'the listed file, under its place in the container')
  assert.not.ok(sent.includes('skip.txt'), 'only the listed files')
  assert.ok(calls.includes('stdin closed'))
  assert.match(calls[0], /"AttachStdin":true/)
})

Exec('unpack: stdout is a tar, unpacked here when it exits 0 (first path part dropped); stderr is the output', async () => {
  const tar = await tarOf({ 'wheelhouse/all/app-1-py3-none-any.whl': 'wheel' })
  const seen: string[] = []
  const { docker } = stubDocker({ frames: [frame(2, 'built app\n'), frame(1, tar)] })
  await execStreaming(docker, 'b', { cmd: ['sh'], onOutput: (l) => seen.push(l), unpack: dir })
  assert.is(readFileSync(path.join(dir, 'all/app-1-py3-none-any.whl'), 'utf8'), 'wheel')
  assert.equal(seen, ['built app'], 'the tar is not output')
})

Exec('unpack after a failure: nothing is written', async () => {
  const tar = await tarOf({ 'wheelhouse/all/x.whl': 'x' })
  const { docker } = stubDocker({ frames: [frame(1, tar)], exitCode: 1 })
  assert.is(await execStreaming(docker, 'b', { cmd: ['sh'], onOutput: () => {}, unpack: dir }), 1)
  assert.not.ok(existsSync(path.join(dir, 'all')))
})

Exec('abort while it runs: the container is removed (which kills the command), then the interrupt is thrown', async () => {
  const { docker, calls } = stubDocker({ frames: [frame(2, 'building\n')], hang: true })
  const stop = new AbortController()
  const seen: string[] = []
  const running = execStreaming(docker, 'acme-app-builder', { cmd: ['sh'], onOutput: (l) => seen.push(l), signal: stop.signal })
  await new Promise((r) => setTimeout(r, 10))
  stop.abort('SIGINT')
  const e = await rejectedUserError(running, 'aborted')
  assert.match(e.message, /^interrupted/)
  assert.ok(calls.includes('remove acme-app-builder {"force":true,"v":true}'), 'forced removal')
  assert.equal(seen, ['building'])
})

Exec('already aborted: nothing is asked of the engine', async () => {
  const { docker, calls } = stubDocker({ frames: [] })
  const stop = new AbortController()
  stop.abort('SIGINT')
  await rejectedUserError(execStreaming(docker, 'b', { cmd: ['sh'], onOutput: () => {}, signal: stop.signal }), 'aborted before')
  assert.equal(calls, [])
})

Exec.run()
