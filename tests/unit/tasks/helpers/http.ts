import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** A stand-in for a container's published port: an HTTP server on 127.0.0.1 answering by path. */
export interface FakeApp {
  port: number
  /** Every path asked for, in order. */
  requests: string[]
  close(): Promise<void>
}

/**
 * Serve `status(path)` (default 200) on a free loopback port; `onRequest` sees each path first.
 * Close it in the suite's `after.each` hook.
 */
export async function serveApp(status: (path: string) => number = () => 200, onRequest: (path: string) => void = () => {}): Promise<FakeApp> {
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    const p = req.url ?? '/'
    requests.push(p)
    onRequest(p)
    res.writeHead(status(p), { 'content-type': 'text/plain' })
    res.end(`answer for ${p}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A loopback port nothing listens on (it was free a moment ago): a connection there is refused. */
export async function closedPort(): Promise<number> {
  const app = await serveApp()
  await app.close()
  return app.port
}
