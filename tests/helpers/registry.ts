import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
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

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/**
 * An htpasswd line for `user`. docker-registry accepts bcrypt only, and Node has none built in:
 * libcrypt's (libxcrypt on Debian 12 and 13) through perl's crypt(), as perl-base is on every
 * Debian machine (Python 3.13 dropped its crypt module; apache2-utils' htpasswd is not installed).
 */
function htpasswdLine(user: string, password: string): string {
  // 22 salt characters; the last carries only 2 bits, so it is one of the four that leave the rest 0.
  const salt = [...randomBytes(21)].map((b) => BCRYPT_ALPHABET[b % 64]).join('') + '.Oeu'[randomBytes(1)[0] % 4]
  const hash = execFileSync('perl', ['-e', 'print crypt($ENV{PPTEST_PW}, $ENV{PPTEST_SALT})'], {
    env: { PATH: process.env.PATH, PPTEST_PW: password, PPTEST_SALT: `$2y$05$${salt}` },
    encoding: 'utf8',
  })
  if (!hash.startsWith('$2y$05$')) throw new Error(`this machine's crypt() has no bcrypt (it gave ${JSON.stringify(hash)}): the auth registry needs a bcrypt htpasswd`)
  return `${user}:${hash}`
}

/**
 * A real registry: Debian's docker-registry on 127.0.0.1 (loopback registries need no TLS), with
 * its storage in a temp folder. With `users`, it requires basic auth (an htpasswd file of them).
 * `stop()` ends it and removes the storage.
 */
export async function startRegistry(opts: { users?: Record<string, string> } = {}): Promise<{ host: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-registry-'))
  const port = await freePort()
  const config = path.join(dir, 'config.yml')
  let auth = ''
  if (opts.users) {
    writeFileSync(
      path.join(dir, 'htpasswd'),
      Object.entries(opts.users)
        .map(([u, p]) => htpasswdLine(u, p))
        .join('\n') + '\n',
    )
    auth = `auth:\n  htpasswd:\n    realm: pptest\n    path: ${dir}/htpasswd\n`
  }
  writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`)
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
  const host = `127.0.0.1:${port}`
  // Up when /v2/ answers: 200 open, 401 with a Basic challenge when it wants credentials.
  const want = opts.users ? 401 : 200
  await poll('the registry to answer', async () => ((await fetch(`http://${host}/v2/`)).status === want ? true : undefined), 20_000)
  return {
    host,
    stop: async () => {
      // A registry that already exited (a bad config) would never send another 'exit'.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
