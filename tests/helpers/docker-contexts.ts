import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'

// A Docker context store as `docker context create` leaves it, written by hand so tests need no
// docker CLI: <config>/contexts/meta/<sha256 of the name>/meta.json and, with TLS material,
// <config>/contexts/tls/<sha256 of the name>/docker/{ca,cert,key}.pem. The hash is computed here on
// its own (not with lib's contextId) so a wrong folder name in lib/ cannot pass unnoticed.

/** The meta.json path of context `name` under the Docker config folder `configDir`. */
export function contextMetaFile(configDir: string, name: string): string {
  return path.join(configDir, 'contexts', 'meta', createHash('sha256').update(name, 'utf8').digest('hex'), 'meta.json')
}

/** Store a context whose docker endpoint is `docker` (`{ Host, SkipTLSVerify }`), with TLS files when given. */
export function writeDockerContext(configDir: string, name: string, docker: Record<string, unknown>, tls?: Partial<Record<'ca' | 'cert' | 'key', string>>): string {
  const file = contextMetaFile(configDir, name)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify({ Name: name, Metadata: { Description: `test context ${name}` }, Endpoints: { docker } }))
  if (tls) {
    const dir = path.join(configDir, 'contexts', 'tls', path.basename(path.dirname(file)), 'docker')
    mkdirSync(dir, { recursive: true })
    for (const [key, text] of Object.entries(tls)) writeFileSync(path.join(dir, `${key}.pem`), text)
  }
  return file
}

/** Write <configDir>/config.json (e.g. `{ currentContext: 'remote' }`). */
export function writeDockerConfig(configDir: string, config: Record<string, unknown>): void {
  mkdirSync(configDir, { recursive: true })
  writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(config))
}

/** A loopback port nothing listens on: a DOCKER_HOST or endpoint that refuses at once. */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
