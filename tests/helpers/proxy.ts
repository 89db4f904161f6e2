import net from 'node:net'

/** A TCP front for the engine's unix socket that a test can cut, to play "the engine went away". */
export interface EngineProxy {
  /** `tcp://127.0.0.1:<port>`, for DOCKER_HOST. */
  url: string
  port: number
  /** Connections accepted so far: proves the client really went through the proxy. */
  accepted(): number
  /** The HTTP requests sent through it so far, as `METHOD /path` (query left out), oldest first. */
  requests(): string[]
  /** Destroy every open connection (both sides) and stop accepting new ones. */
  cut(): void
  /** cut(), then wait until the listening socket is closed. */
  close(): Promise<void>
}

export function startEngineProxy(socketPath = '/var/run/docker.sock'): Promise<EngineProxy> {
  const open = new Set<net.Socket>()
  let accepted = 0
  const requests: string[] = []
  const server = net.createServer((client) => {
    accepted++
    const engine = net.connect({ path: socketPath })
    open.add(client)
    open.add(engine)
    // Either side closing or failing takes the other one down too, like a dropped link.
    const drop = () => {
      for (const s of [client, engine]) {
        s.destroy()
        open.delete(s)
      }
    }
    for (const s of [client, engine]) s.on('error', drop).on('close', drop)
    // A request line starts a chunk (or a line of one): the count a test asserts on.
    client.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(/^(GET|HEAD|POST|PUT|DELETE) (\/[^?\s]*)\S* HTTP\/1\.[01]\r$/gm)) requests.push(`${m[1]} ${m[2]}`)
    })
    client.pipe(engine).pipe(client)
  })
  let closed: Promise<void> | undefined
  const cut = () => {
    // Stop accepting first, so a reconnect attempt is refused instead of reaching the engine.
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()))
    for (const s of open) s.destroy()
    open.clear()
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      resolve({
        url: `tcp://127.0.0.1:${port}`,
        port,
        accepted: () => accepted,
        requests: () => [...requests],
        cut,
        close: async () => {
          cut()
          await closed
        },
      })
    })
  })
}
