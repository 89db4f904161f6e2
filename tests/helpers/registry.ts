import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { poll } from './poll.js'

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/**
 * A real registry: Debian's docker-registry on 127.0.0.1 (loopback registries need no TLS), with
 * its storage in a temp folder. `stop()` ends it and removes the storage.
 */
export async function startRegistry(): Promise<{ host: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-registry-'))
  const port = await freePort()
  const config = path.join(dir, 'config.yml')
  writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`)
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
  const host = `127.0.0.1:${port}`
  await poll('the registry to answer', async () => ((await fetch(`http://${host}/v2/`)).ok ? true : undefined), 20_000)
  return {
    host,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
