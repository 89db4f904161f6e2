import http from 'node:http'
import type net from 'node:net'
import { Readable } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../lib/docker/client.js'
import { pushImage } from '../../lib/docker/push.js'
import { get } from '../../lib/pipeline/serving.js'
import { within } from '../helpers/poll.js'
import { rejectedUserError } from './helpers/catch.js'

// The run's AbortSignal (what Ctrl-C and SIGTERM fire, with the signal's name as the reason) met
// in the middle of a wait: the step stops at once, with the one error the CLI prints for it. The
// real signals, against the real engine, are in tests/integration/signals.test.ts.

const Interrupted = suite('an interrupted wait: "interrupted (SIGINT)", exit code 130, at once')

/** A server that accepts requests and never answers them (an app stuck in a request). */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(() => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve()).closeAllConnections()) }
}

Interrupted('a GET in flight (smoke\'s requests): the abort is "interrupted", not the bare reason fetch rejects with', async () => {
  const server = await silentServer()
  try {
    const controller = new AbortController()
    const request = get(server.url, controller.signal, 60_000)
    setImmediate(() => controller.abort('SIGINT'))
    const e = await within(rejectedUserError(request, 'GET aborted'), 5000, 'the GET to stop')
    assert.is(e.message, 'interrupted (SIGINT)')
    assert.is(e.exitCode, 130)
  } finally {
    await server.close()
  }
})

/** An engine whose every push fails as a registry that is down does (transient: retried), counted. */
function downEngine(): { docker: Docker; pushes: () => number } {
  let pushes = 0
  const push = async () => {
    pushes++
    return Readable.from(['{"error":"Get \\"http://127.0.0.1:1/v2/\\": dial tcp 127.0.0.1:1: connect: connection refused"}\n'])
  }
  return { docker: { getImage: () => ({ push }) } as unknown as Docker, pushes: () => pushes }
}

Interrupted("push's back-off wait: SIGTERM during it stops at once (143), with no further attempt", async () => {
  const engine = downEngine()
  const controller = new AbortController()
  // A minute's wait: only the signal can end it within the test's bound.
  const pushing = pushImage(engine.docker, 'r.example/ns/app', 'v1', {
    signal: controller.signal,
    backoffMs: 60_000,
    onRetry: () => setImmediate(() => controller.abort('SIGTERM')),
  })
  const e = await within(rejectedUserError(pushing, 'push aborted'), 5000, 'the push to stop')
  assert.is(e.message, 'interrupted (SIGTERM)')
  assert.is(e.exitCode, 143)
  assert.is(engine.pushes(), 1, 'no attempt after the signal')
})

Interrupted.run()
