import { PassThrough, Readable } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../../lib/docker/client.js'
import { createContainers } from '../../../lib/docker/containers.js'
import { engineError } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { demuxStream, frame } from '../helpers/frames.js'

// lib/docker/containers.ts against a stub of the dockerode calls it makes (getContainer(name)
// .inspect / remove / logs / exec, listContainers, modem.demuxStream): lookups, idempotent
// removal, label filters, log reading and exec. run/start are run-container.ts's (tests/unit/docker/run-container.test.ts).

interface Handle {
  inspect?: () => Promise<unknown>
  logs?: (opts: Record<string, unknown>) => Promise<unknown>
  exec?: (opts: unknown) => Promise<unknown>
}

/** A dockerode with the containers `present` (by name); each one's handle from `handle`. Removal takes it away; a second gets 404. */
function stubDocker(present: string[], handle: Handle = {}, listed: unknown[] = []) {
  const containers = new Set(present)
  const calls: string[] = []
  const docker = {
    getContainer: (name: string) => ({
      async inspect() {
        calls.push(`inspect ${name}`)
        if (!containers.has(name)) throw engineError(404, `No such container: ${name}`)
        return handle.inspect!()
      },
      async remove(opts: unknown) {
        calls.push(`remove ${name} ${JSON.stringify(opts)}`)
        if (!containers.delete(name)) throw engineError(404, `No such container: ${name}`)
      },
      logs: (opts: Record<string, unknown>) => {
        calls.push(`logs ${name} ${JSON.stringify({ ...opts, abortSignal: opts.abortSignal ? 'signal' : undefined })}`)
        return handle.logs!(opts)
      },
      exec: (opts: unknown) => {
        calls.push(`exec ${name} ${JSON.stringify(opts)}`)
        return handle.exec!(opts)
      },
    }),
    async listContainers(opts: unknown) {
      calls.push(`listContainers ${JSON.stringify(opts)}`)
      return listed
    },
    modem: { demuxStream },
  }
  return { containers: createContainers(docker as unknown as Docker, () => ({ sharedDisk: false, publishIp: '127.0.0.1', reachHost: '127.0.0.1' })), calls, present: containers }
}

// ---------------------------------------------------------------------------------------------
const Inspect = suite('containers.inspect')

Inspect('name without the slash, state, labels, and only the TCP ports published on the host', async () => {
  const inspect = async () => ({
    Id: 'c1',
    Name: '/acme-app-web',
    State: { Running: true, ExitCode: 0 },
    Config: { Labels: { 'pypackage-tasks.project': 'acme/app' } },
    NetworkSettings: { Ports: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '49153' }], '5432/tcp': null, '53/udp': [{ HostPort: '5353' }], '9000/tcp': [] } },
  })
  const { containers } = stubDocker(['acme-app-web'], { inspect })
  assert.equal(await containers.inspect('acme-app-web'), { id: 'c1', name: 'acme-app-web', running: true, exitCode: 0, hostPorts: { 8000: 49153 }, host: '127.0.0.1', labels: { 'pypackage-tasks.project': 'acme/app' } })
})

Inspect('a container with no port map at all (never started): no host ports', async () => {
  const inspect = async () => ({ Id: 'c2', Name: '/x', State: { Running: false, ExitCode: 137 }, NetworkSettings: { Ports: null } })
  assert.equal((await stubDocker(['x'], { inspect }).containers.inspect('x'))?.hostPorts, {})
})

Inspect('404: undefined', async () => {
  assert.is(await stubDocker([]).containers.inspect('acme-app-db'), undefined)
})

Inspect('another failure: a UserError naming the container', async () => {
  const { containers } = stubDocker(['acme-app-db'], { inspect: async () => Promise.reject(engineError(500, 'driver failed')) })
  const e = await rejectedUserError(containers.inspect('acme-app-db'), 'inspect on a broken engine')
  assert.is(e.message, 'the engine failed to inspect container acme-app-db: (HTTP code 500) driver failed')
})

Inspect.run()

// ---------------------------------------------------------------------------------------------
const List = suite('containers.list')

List('stopped ones included, every label as a filter; names without the slash, labels never undefined', async () => {
  const { containers, calls } = stubDocker([], {}, [
    { Id: 'c1', Names: ['/acme-app-web'], Labels: { 'pypackage-tasks.project': 'acme/app' } },
    { Id: 'c2', Names: [], Labels: null },
  ])
  const found = await containers.list({ 'pypackage-tasks.project': 'acme/app' })
  assert.equal(calls, ['listContainers {"all":true,"filters":{"label":["pypackage-tasks.project=acme/app"]}}'], 'all: true (stopped ones too), the label filter')
  assert.equal(found, [
    { id: 'c1', name: 'acme-app-web', labels: { 'pypackage-tasks.project': 'acme/app' } },
    { id: 'c2', name: '', labels: {} },
  ])
})

List.run()

// ---------------------------------------------------------------------------------------------
const Remove = suite('containers.remove')

Remove('forced; idempotent: removing what is gone (404) is done', async () => {
  const { containers, calls, present } = stubDocker(['acme-app-web'])
  await containers.remove('acme-app-web', { volumes: true })
  await containers.remove('acme-app-web')
  assert.is(present.size, 0)
  assert.equal(calls, ['remove acme-app-web {"force":true,"v":true}', 'remove acme-app-web {"force":true,"v":false}'], 'forced both times; anonymous volumes only when asked')
})

Remove.run()

// ---------------------------------------------------------------------------------------------
const Logs = suite('containers.logs and streamLogs')

Logs('logs: the last lines of both streams, from the framed log', async () => {
  const logs = async () => Buffer.concat([frame(1, 'listening on :8000\r\n'), frame(2, 'warning: DEBUG is on\n'), frame(1, 'GET / 200\n')])
  const { containers, calls } = stubDocker(['web'], { logs })
  assert.equal(await containers.logs('web', 3), ['listening on :8000', 'warning: DEBUG is on', 'GET / 200'], 'frames joined, CR dropped, in order')
  assert.match(calls[0], /^logs web \{"stdout":true,"stderr":true,"tail":3,"follow":false\}/, 'asked for its tail, both streams, without following')
})

Logs('logs: a failure is a UserError naming whose log', async () => {
  const { containers } = stubDocker(['web'], { logs: async () => Promise.reject(engineError(500, 'log driver none')) })
  const e = await rejectedUserError(containers.logs('web', 10), 'logs on a broken engine')
  assert.is(e.message, 'the engine failed to read the log of web: (HTTP code 500) log driver none')
})

Logs('streamLogs (not following): each line to its own stream, a line split across frames joined, a last line without a newline too', async () => {
  // Each stream's last line has no newline: it reaches onOutput before streamLogs resolves.
  const logs = async () => Buffer.concat([frame(1, 'one\ntw'), frame(1, 'o\n'), frame(2, 'oops'), frame(1, 'last')])
  const seen: string[] = []
  await stubDocker(['web'], { logs }).containers.streamLogs('web', { tail: 5, follow: false, onOutput: (line, stream) => seen.push(`${stream}: ${line}`) })
  // The two streams are split apart: each keeps its own order.
  assert.equal(
    seen.filter((s) => s.startsWith('stdout')),
    ['stdout: one', 'stdout: two', 'stdout: last'],
    'stdout lines, a line split across frames joined',
  )
  assert.equal(
    seen.filter((s) => s.startsWith('stderr')),
    ['stderr: oops'],
    'stderr lines',
  )
})

Logs('streamLogs (following): reads until the stream ends, with the abort signal passed on', async () => {
  const source = new PassThrough()
  const seen: string[] = []
  const { containers, calls } = stubDocker(['web'], { logs: async () => source })
  const done = containers.streamLogs('web', { tail: 0, follow: true, signal: new AbortController().signal, onOutput: (line) => seen.push(line) })
  source.write(frame(1, 'GET / 200\n'))
  source.end(frame(1, 'GET /static/app.css 200'))
  await done
  assert.equal(seen, ['GET / 200', 'GET /static/app.css 200'], 'the last line, without a newline, before it resolves')
  assert.match(calls[0], /"follow":true.*"abortSignal":"signal"/, 'follow: true and the signal, so Ctrl-C ends the request')
})

Logs('streamLogs (following): an abort ends it, keeping what was said', async () => {
  const source = new PassThrough()
  const stop = new AbortController()
  const seen: string[] = []
  const done = stubDocker(['web'], { logs: async () => source }).containers.streamLogs('web', { tail: 0, follow: true, signal: stop.signal, onOutput: (line) => seen.push(line) })
  source.write(frame(1, 'started\n'))
  await new Promise((r) => setImmediate(r))
  stop.abort()
  await done // would hang if the abort were not listened to: the stream never ends
  assert.equal(seen, ['started'])
})

Logs('streamLogs (following): a stream that fails ends it, keeping what was said', async () => {
  const source = new PassThrough()
  const seen: string[] = []
  const done = stubDocker(['web'], { logs: async () => source }).containers.streamLogs('web', { tail: 0, follow: true, onOutput: (line) => seen.push(line) })
  source.write(frame(1, 'started\n'))
  await new Promise((r) => setImmediate(r))
  source.destroy(new Error('socket hang up'))
  await done
  assert.equal(seen, ['started'])
})

Logs('streamLogs: a log that cannot be read is a UserError', async () => {
  const { containers } = stubDocker(['web'], { logs: async () => Promise.reject(engineError(404, 'No such container: web')) })
  const e = await rejectedUserError(containers.streamLogs('web', { tail: 1, follow: false, onOutput: () => {} }), 'streamLogs of a missing container')
  assert.is(e.message, 'the engine failed to read the log of web: (HTTP code 404) No such container: web')
})

Logs.run()

// ---------------------------------------------------------------------------------------------
const Exec = suite('containers.exec')

/** An exec whose output stream ends at once and whose inspect says `ExitCode`. */
const execAnswering = (ExitCode: number | null) => async () => ({
  start: async () => Readable.from(['ignored output']),
  inspect: async () => ({ ExitCode }),
})

Exec("runs the command with both outputs attached, and answers the command's exit code", async () => {
  const { containers, calls } = stubDocker(['db'], { exec: execAnswering(2) })
  assert.is(await containers.exec('db', ['pg_isready', '-q']), 2, 'the exit code, not an error')
  assert.equal(calls, ['exec db {"Cmd":["pg_isready","-q"],"AttachStdout":true,"AttachStderr":true}'])
})

Exec('no exit code from the engine: -1', async () => {
  assert.is(await stubDocker(['db'], { exec: execAnswering(null) }).containers.exec('db', ['true']), -1)
})

Exec('a container that is not running (409): a UserError naming the command and the container', async () => {
  const { containers } = stubDocker(['db'], { exec: async () => Promise.reject(engineError(409, 'Container db is not running')) })
  const e = await rejectedUserError(containers.exec('db', ['pg_isready']), 'exec in a stopped container')
  assert.is(e.message, 'the engine failed to run pg_isready in db: (HTTP code 409) Container db is not running')
})

Exec.run()
