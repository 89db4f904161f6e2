import { createHash } from 'node:crypto'
import net from 'node:net'
import { PassThrough, type Readable } from 'node:stream'
import Docker from 'dockerode'
import tar from 'tar-stream'
import { LABEL_PROJECT, LABEL_TASK } from '../../lib/docker/labels.js'
import { docker } from './engine.js'
import { poll } from './poll.js'

/**
 * A Docker engine that does not share this machine's disk: Debian's dockerd in a container of the
 * host's engine, with its own storage (a named volume at /var/lib/docker, overlay2 on it: the
 * volume is a plain ext4 folder on the host, so overlay mounts nest), listening on TCP inside the
 * container, published on a free port of 127.0.0.1. The tool publishes its containers' ports on
 * every interface of an engine elsewhere, and reaches them at DOCKER_HOST's host: here 127.0.0.1,
 * so the outer container publishes a small range of ports (127.0.0.1:N → N) and the inner
 * engine picks "any free port" from that range (its net namespace's ip_local_port_range). It also runs Debian's
 * docker-registry on that loopback (127.0.0.1:5000 for the inner engine, which trusts loopback
 * registries without TLS). The image is built once per machine, cached by a tag that is the hash
 * of its files; the container and its volume are removed by `close()`, and leftovers of a killed
 * run by the next start.
 *
 * Not --privileged: this machine's engine cannot give a container every capability (its own
 * bounding set lacks CAP_SYS_RESOURCE, and runc then refuses the container). It gets the others,
 * no seccomp or AppArmor profile and unmasked /proc paths, and makes /sys and its cgroup
 * hierarchies writable itself (ENTRYPOINT) before dockerd starts.
 */
const DOCKERFILE = `FROM debian:bookworm-slim
# docker.io: dockerd, containerd, runc, iptables; curl: GETs on the inner loopback; docker-registry: push.
RUN apt-get update \\
 && apt-get install -y --no-install-recommends docker.io iptables ca-certificates curl docker-registry \\
 && rm -rf /var/lib/apt/lists/*
COPY registry.yml /etc/pptest-registry.yml
COPY start.sh /usr/local/bin/pptest-inner-engine
ENTRYPOINT ["sh", "/usr/local/bin/pptest-inner-engine"]
`
const START_SH = `set -e
mount -o remount,rw /sys
for d in /sys/fs/cgroup/*; do mount -o remount,bind,rw "$d"; done
docker-registry serve /etc/pptest-registry.yml >/var/log/registry.log 2>&1 &
# No TLS: the port is published on the host's loopback only.
exec dockerd --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2375 --tls=false --storage-driver=overlay2 >/var/log/dockerd.log 2>&1
`
const REGISTRY_YML = `version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/pptest-registry
http:
  addr: 127.0.0.1:5000
`
const FILES: Record<string, string> = { Dockerfile: DOCKERFILE, 'start.sh': START_SH, 'registry.yml': REGISTRY_YML }
/** Every capability but CAP_SYS_RESOURCE (see above). */
const CAPS =
  'CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ'.split(
    ' ',
  )
const TASK = 'test-inner-engine'
const IMAGE = `pypackage-tasks-test/inner-engine:${createHash('sha256').update(JSON.stringify(FILES)).digest('hex').slice(0, 12)}`
/** The images the inner engine starts with, exported from the host's (there is no registry to pull from). */
const SEED_IMAGES = ['debian:bookworm-slim']
const labels = (extra: Record<string, string> = {}) => ({ [LABEL_PROJECT]: 'tests', [LABEL_TASK]: TASK, ...extra })

export interface InnerEngine {
  /** `tcp://127.0.0.1:<port>`, for DOCKER_HOST. */
  url: string
  /** The ports its containers are published on, reachable at 127.0.0.1 here. */
  ports: [number, number]
  /** A client of the inner engine, for assertions. */
  docker: Docker
  /** The outer container's id (on this machine's engine). */
  container: string
  /** Run a command in the outer container (the inner engine's machine): exit code and output. */
  exec(cmd: string[]): Promise<{ code: number; output: string }>
  /** Remove the container and its volume. */
  close(): Promise<void>
}

/** Build the image unless the host engine has it (its tag is the Dockerfile's hash). */
async function ensureImage(): Promise<void> {
  if (
    await docker
      .getImage(IMAGE)
      .inspect()
      .then(Boolean, () => false)
  )
    return
  const pack = tar.pack()
  for (const [name, text] of Object.entries(FILES)) pack.entry({ name }, text)
  pack.finalize()
  const stream = await docker.buildImage(pack as unknown as NodeJS.ReadableStream, { t: IMAGE, labels: labels(), forcerm: true })
  const events = await new Promise<{ error?: string; stream?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? reject(err) : resolve(out))),
  )
  const failed = events.find((e) => e.error)
  if (failed) throw new Error(`building ${IMAGE} failed: ${failed.error}\n${events.map((e) => e.stream ?? '').join('')}`)
}

/** How many ports the inner engine may publish on. */
const PORTS = 12

/** Whether `port` is free on 127.0.0.1 (bound, then released). */
const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })

/** `count` consecutive ports free on 127.0.0.1, from a random start (parallel runs rarely meet; a clash fails the container's start, loudly). */
async function freeRange(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20000 + Math.floor(Math.random() * 10000)
    const range = Array.from({ length: count }, (_, i) => start + i)
    if ((await Promise.all(range.map(isFree))).every(Boolean)) return range
  }
  throw new Error(`no ${count} consecutive free ports on 127.0.0.1 between 20000 and 30000`)
}

/** Whether a process of this machine is alive (signal 0 asks without sending). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** What an earlier test run left when it was killed: its inner engine container and volume. */
async function removeLeftovers(): Promise<void> {
  const filters = { label: [`${LABEL_PROJECT}=tests`, `${LABEL_TASK}=${TASK}`] }
  for (const c of await docker.listContainers({ all: true, filters })) {
    if (!alive(Number(c.Labels['pptest.pid']))) await docker.getContainer(c.Id).remove({ force: true, v: true })
  }
  const { Volumes } = await docker.listVolumes({ filters })
  for (const v of Volumes ?? []) {
    if (!alive(Number(v.Labels?.['pptest.pid'])))
      await docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined)
  }
}

async function execIn(container: Docker.Container, cmd: string[]): Promise<{ code: number; output: string }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const chunks: Buffer[] = []
  const sink = new PassThrough()
  sink.on('data', (c: Buffer) => chunks.push(c))
  docker.modem.demuxStream(stream, sink, sink)
  await new Promise((resolve) => stream.on('end', resolve))
  const { ExitCode } = await exec.inspect()
  return { code: ExitCode ?? -1, output: Buffer.concat(chunks).toString() }
}

/** Copy images from the host's engine into the inner one (image get → load). */
async function seed(inner: Docker): Promise<void> {
  for (const ref of SEED_IMAGES) {
    const archive = await docker.getImage(ref).get()
    const answer = (await inner.loadImage(archive as unknown as NodeJS.ReadableStream)) as unknown as Readable
    const text = (await answer.toArray()).map(String).join('')
    if (/"error"/.test(text)) throw new Error(`loading ${ref} into the inner engine failed: ${text}`)
    await inner.getImage(ref).inspect()
  }
}

export async function startInnerEngine(): Promise<InnerEngine> {
  await ensureImage()
  await removeLeftovers()
  const name = `pptest-inner-engine-${process.pid}`
  const range = await freeRange(PORTS)
  const volume = await docker.createVolume({ Name: name, Labels: labels({ 'pptest.pid': String(process.pid) }) })
  const container = await docker
    .createContainer({
      name,
      Image: IMAGE,
      Labels: labels({ 'pptest.pid': String(process.pid) }),
      ExposedPorts: Object.fromEntries(['2375/tcp', ...range.map((p) => `${p}/tcp`)].map((p) => [p, {}])),
      HostConfig: {
        CapAdd: CAPS,
        SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
        // The CLI's --security-opt systempaths=unconfined: nothing of /proc masked or read-only.
        MaskedPaths: [],
        ReadonlyPaths: [],
        Init: true,
        // Its own storage: a named volume, nothing of this machine's folders.
        Binds: [`${volume.name}:/var/lib/docker`],
        PortBindings: {
          '2375/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          ...Object.fromEntries(range.map((p) => [`${p}/tcp`, [{ HostIp: '127.0.0.1', HostPort: String(p) }]])),
        },
        // The inner engine's "any free port" comes from here: the ports published above.
        Sysctls: { 'net.ipv4.ip_local_port_range': `${range[0]} ${range.at(-1)}` },
      },
    })
    .catch(async (e: unknown) => {
      await docker.getVolume(name).remove()
      throw e
    })
  const close = async () => {
    await container.remove({ force: true, v: true }).catch(() => undefined)
    await docker.getVolume(name).remove()
  }
  try {
    await container.start()
    const info = await container.inspect()
    const port = Number(info.NetworkSettings.Ports['2375/tcp']?.[0]?.HostPort)
    const inner = new Docker({ host: '127.0.0.1', port, protocol: 'http' })
    await poll('the inner engine to answer', async () => ((await inner.ping()) ? true : undefined), 60_000, 250)
    await seed(inner)
    return { url: `tcp://127.0.0.1:${port}`, ports: [range[0], range.at(-1)!], docker: inner, container: container.id, exec: (cmd) => execIn(container, cmd), close }
  } catch (e) {
    const log = await execIn(container, ['sh', '-c', 'tail -n 30 /var/log/dockerd.log']).catch(() => ({ output: '' }))
    await close()
    throw new Error(`the inner engine did not start: ${(e as Error).message}\n${log.output}`, { cause: e })
  }
}

interface Watched {
  name: string
  /** Its pypackage-tasks.task label: which task made it. */
  task?: string
  binds: string[]
  /** Removed before it could be inspected. */
  gone?: boolean
}

/** Every bind (HostConfig.Binds and bind Mounts) of each container the inner engine creates while it is watched. */
export async function watchBinds(inner: Docker): Promise<{ seen: () => Watched[]; stop: () => void }> {
  const seen: Watched[] = []
  const events = (await inner.getEvents({ filters: { type: ['container'], event: ['create'] } })) as unknown as Readable
  let buf = ''
  events.on('data', (chunk: Buffer) => {
    buf += chunk.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (!line.trim()) continue
      const { id } = JSON.parse(line) as { id: string }
      // Inspected at once: a builder lives for a second or more; one already gone is recorded as such.
      inner
        .getContainer(id)
        .inspect()
        .then(
          (c) =>
            seen.push({
              name: c.Name,
              task: c.Config.Labels?.[LABEL_TASK],
              binds: [...(c.HostConfig.Binds ?? []), ...(c.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => `${m.Source}:${m.Destination}`)],
            }),
          () => seen.push({ name: id, binds: [], gone: true }),
        )
    }
  })
  events.on('error', () => undefined)
  return { seen: () => seen, stop: () => events.destroy() }
}
