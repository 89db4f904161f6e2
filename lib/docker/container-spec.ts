import type Dockerode from 'dockerode'
import type { Download, Upload } from './transfer.js'

// What the engine is asked to create for a container: the tool's ContainerSpec, where the engine
// is (EngineSite), and the create options they make (binds or archives, ports, the hardening). Pure.

export interface ContainerSpec {
  image: string
  /** A fixed name (environments find their containers by it); otherwise the engine picks one. */
  name?: string
  /** A user-defined network to join (the release environment's). */
  network?: string
  /** Other names it answers to on that network (the database's `db`). */
  aliases?: string[]
  /** Start and let go: no attach, no wait, so this process can exit while the container runs. */
  detached?: boolean
  cmd?: string[]
  entrypoint?: string[]
  env?: Record<string, string>
  /**
   * Named volumes, `volume:container-path`. Never a host path: the engine may not share this
   * machine's disk. Host folders travel as `uploads` and `downloads`.
   */
  binds?: string[]
  /** Folders of this machine the container gets before it starts (it may change its copy; ours stays as it is). */
  uploads?: Upload[]
  /** Container folders copied here after it exited with code 0 (containers.run only). */
  downloads?: Download[]
  labels?: Record<string, string>
  user?: string
  workdir?: string
  /** Publish container port on the engine's 127.0.0.1 (every interface of an engine elsewhere: EngineSite): hostPort 0 lets the engine pick a free one. */
  publish?: { containerPort: number; hostPort: number }
  /** Run without the image's HEALTHCHECK (a container that idles for execs, where the app never starts: it would only report unhealthy). */
  noHealthcheck?: boolean
  /** Called with each output line (stdout and stderr). */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
  /**
   * Run it as a cluster enforcing Kubernetes' "restricted" pod security standard would: every
   * capability dropped, no privilege escalation, a read-only root filesystem. What stays writable:
   * a tmpfs at /tmp, and an anonymous volume at each `writable` folder.
   */
  hardened?: { writable: string[] }
  /**
   * Named volumes (folder → volume) that outlive the container, for folders it writes: dev keeps
   * the app's data across restarts. Hardened, they replace those folders' anonymous volumes.
   */
  keep?: Record<string, string>
}

/**
 * Where the engine is, as its containers need to know: whether it sees this machine's files
 * (`sharedDisk`: uploads are read-only bind mounts and downloads writable ones; otherwise they
 * travel through the Engine API as archives), and where published ports are: bound to its
 * loopback when it runs here, to every interface of another machine (its loopback would be out of
 * reach from here), and reached from here at `reachHost`.
 */
export interface EngineSite {
  sharedDisk: boolean
  /** The HostIp published ports bind to: 127.0.0.1, or '' (every interface). */
  publishIp: string
  reachHost: string
}

/** Without a site (tests): ports on loopback, folders through the API. */
export const LOCAL: EngineSite = { sharedDisk: false, publishIp: '127.0.0.1', reachHost: '127.0.0.1' }

/**
 * The bind mounts for `spec`: its named volumes (unhardened, its kept volumes too; hardened, they
 * are mounts) and, on a shared disk, each upload's folder read-only (the whole folder: the
 * container reads only the files listed, as the builder does) and each download's folder
 * writable. Pure.
 */
export function bindsOf(spec: ContainerSpec, site: EngineSite): string[] | undefined {
  const kept = spec.hardened ? [] : Object.entries(spec.keep ?? {}).map(([folder, volume]) => `${volume}:${folder}`)
  const shared = site.sharedDisk ? [...(spec.uploads ?? []).map((u) => `${u.from}:${u.to}:ro`), ...(spec.downloads ?? []).map((d) => `${d.to}:${d.from}`)] : []
  const binds = [...(spec.binds ?? []), ...kept, ...shared]
  return binds.length ? binds : undefined
}

/** What the engine is asked to create for `spec`. Pure. */
export function createOptions(spec: ContainerSpec, site: EngineSite = LOCAL): Dockerode.ContainerCreateOptions {
  const port = spec.publish ? `${spec.publish.containerPort}/tcp` : undefined
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: spec.cmd,
    Entrypoint: spec.entrypoint,
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    User: spec.user,
    WorkingDir: spec.workdir,
    Healthcheck: spec.noHealthcheck ? { Test: ['NONE'] } : undefined,
    ExposedPorts: port ? { [port]: {} } : undefined,
    NetworkingConfig: spec.network && spec.aliases ? { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } } : undefined,
    HostConfig: {
      // A real init as PID 1: signals reach the app even while a shell script runs first.
      Init: true,
      Binds: bindsOf(spec, site),
      NetworkMode: spec.network,
      PortBindings: port ? { [port]: [{ HostIp: site.publishIp, HostPort: spec.publish!.hostPort ? String(spec.publish!.hostPort) : '' }] } : undefined,
      ...(spec.hardened ? hardenedHostConfig(spec.hardened.writable, spec.labels, spec.keep) : {}),
    },
  }
}

/**
 * The restricted profile. /tmp is a tmpfs as a cluster's emptyDir would be (exec allowed, unlike
 * Docker's default, so nothing fails here that would work there); gunicorn keeps its worker
 * heartbeat files there. The data folders are anonymous volumes, not tmpfs: a new volume starts
 * as a copy of the image's folder, owner included (the Dockerfile's `chown app:app`), where a
 * tmpfs would be root's (this engine ignores `mode=`) unless we knew the image user's uid. They
 * are labelled like the container (so `clean` finds any a hand `docker rm` left) and removed with
 * it (remove() passes `v`); a folder in `keep` gets that named volume instead, which stays.
 */
function hardenedHostConfig(writable: string[], labels: Record<string, string> = {}, keep: Record<string, string> = {}): Dockerode.HostConfig {
  const folders = [...new Set(writable)].filter((f) => f !== '/tmp')
  return {
    ReadonlyRootfs: true,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Tmpfs: { '/tmp': 'rw,nosuid,nodev,exec' },
    // No Source: an anonymous volume, made for this container; NoCopy false: the copy-up above.
    // (dockerode's type wants a DriverConfig too; without one the engine uses the default driver.)
    Mounts: folders.map((Target) => ({
      Type: 'volume' as const,
      Source: keep[Target] ?? '',
      Target,
      VolumeOptions: { NoCopy: false, Labels: labels } as Dockerode.MountSettings['VolumeOptions'],
    })),
  }
}
