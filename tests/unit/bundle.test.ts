import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { closedPort } from '../helpers/docker-contexts.js'

// The bundle the bin loads (tools/bundle.mjs, run by `npm run build`): what start-up reads, and
// what stays out of it until used. esbuild marks each bundled file with a `// <path>` comment.
const dir = fileURLToPath(new URL('../../cli/', import.meta.url))
const chunks = readdirSync(dir).filter((f) => f.endsWith('.mjs'))
const text = (f: string) => readFileSync(path.join(dir, f), 'utf8')
const sources = (f: string) => [...text(f).matchAll(/^\/\/ ((?:dist\/lib|node_modules)\/\S+)$/gm)].map((m) => m[1])

/** `entry` (cli.mjs) and the chunks it imports statically: what every run of it loads. */
function startupChunks(entry = 'cli.mjs'): string[] {
  const seen = new Set<string>()
  const visit = (f: string) => {
    if (seen.has(f)) return
    seen.add(f)
    for (const m of text(f).matchAll(/^(?:import|export)\s[^;]*?from\s*"\.\/([^"]+)"|^import\s*"\.\/([^"]+)"/gm)) visit(m[1] ?? m[2])
  }
  visit(entry)
  return [...seen]
}

const Startup = suite('bundle: what start-up loads')

Startup('holds the CLI, and none of the build-only modules: they are chunks of their own, imported when used', () => {
  const atStart = new Set(startupChunks().flatMap(sources))
  const lazy = new Set(chunks.flatMap(sources).filter((s) => !atStart.has(s)))
  for (const f of ['dist/lib/cli.js', 'dist/lib/args.js', 'dist/lib/tasks/registry.js']) assert.ok(atStart.has(f), `${f} loads at start`)
  const buildOnly = ['dist/lib/pipeline/wheels.js', 'dist/lib/pipeline/app-layer-run.js', 'dist/lib/nodes/push.js', 'dist/lib/nodes/serve.js', 'dist/lib/nodes/dev.js']
  const heavy = ['dist/lib/docker/client.js', 'dist/lib/render/listr.js', 'node_modules/dockerode/lib/docker.js', 'node_modules/listr2/dist/index.js', 'node_modules/tar-stream/index.js']
  for (const f of [...buildOnly, ...heavy]) assert.ok(lazy.has(f), `${f} is in the bundle, not loaded at start`)
})

Startup('replay.mjs, the bin’s first try, loads neither the CLI, nor its tasks, nor the graph; the engine client only when it has a record', () => {
  const atStart = new Set(startupChunks('replay.mjs').flatMap(sources))
  assert.ok(atStart.has('dist/lib/replay/answer.js'))
  for (const f of ['dist/lib/cli.js', 'dist/lib/args.js', 'dist/lib/tasks/registry.js', 'dist/lib/graph/execute.js', 'dist/lib/docker/client.js', 'node_modules/dockerode/lib/docker.js']) {
    assert.not.ok(atStart.has(f), `${f} is not loaded by replay.mjs at start`)
  }
})

Startup('leaves out what needs its own files or native code: ssh2, gRPC, protobufjs, TypeScript', () => {
  const all = chunks.flatMap(sources)
  for (const pkg of ['ssh2', '@grpc', 'protobufjs', 'typescript', 'cpu-features']) {
    assert.not.ok(
      all.find((s) => s.startsWith(`node_modules/${pkg}/`)),
      `${pkg} is required from node_modules when used`,
    )
  }
})

Startup.run()

// dockerode's parts that stay out of the bundle: stand-ins that require the installed module on
// their first call. Each is called here as dockerode calls it, against an engine that is not there.
const LazyParts = suite('bundle: dockerode parts loaded on first use')
const require = createRequire(import.meta.url)
const loaded = (pkg: string) => Object.keys(require.cache).some((f) => f.includes(`/node_modules/${pkg}/`))

async function bundledDockerode(): Promise<typeof import('dockerode')> {
  const chunk = chunks.find((f) => sources(f).includes('node_modules/dockerode/lib/docker.js'))
  assert.ok(chunk, 'dockerode is bundled')
  return ((await import(path.join(dir, chunk))) as { default: typeof import('dockerode') }).default
}

LazyParts('not loaded with dockerode', async () => {
  await bundledDockerode()
  for (const pkg of ['ssh2', '@grpc/grpc-js', 'protobufjs']) assert.not.ok(loaded(pkg), `${pkg} not loaded yet`)
})

LazyParts('ssh:// transport: ssh2 loads on the first request, which reaches the (closed) port', async () => {
  const Docker = await bundledDockerode()
  const docker = new Docker({ protocol: 'ssh', host: '127.0.0.1', port: await closedPort(), username: 'nobody' })
  const err = await docker.ping().then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  )
  assert.is(err?.code, 'ECONNREFUSED', `the ssh transport dialled: ${err}`)
  assert.ok(loaded('ssh2'))
})

LazyParts('BuildKit: the session (gRPC) loads for a version 2 build, the progress decoder (protobufjs) when following one', async () => {
  const Docker = await bundledDockerode()
  const docker = new Docker({ socketPath: path.join(dir, 'no-engine.sock') })
  const err = await docker.buildImage(Readable.from([]), { version: '2' }).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  )
  assert.is(err?.code, 'ENOENT', `the session dialled: ${err}`)
  assert.ok(loaded('@grpc/grpc-js'))
  // dockerode 5's own followProgress (BuildKit-aware), not in @types/dockerode yet.
  const follow = (docker as unknown as { followProgress(s: Readable, done: () => void): void }).followProgress
  await new Promise<void>((resolve) => follow.call(docker, Readable.from([]), resolve))
  assert.ok(loaded('protobufjs'))
})

LazyParts.run()

// What the bundle loads only when needed (cosmiconfig, for any config but a plain
// .pypackagerc.json) must work there too: the unit tests run tsc's output, where a CommonJS
// package's exports come through as they do not in the bundle.
const Config = suite('bundle: configurations cosmiconfig reads')
const bin = fileURLToPath(new URL('../../../bin/pypackage-tasks.js', import.meta.url))

/** `plan` through the bin in a fresh folder holding `files`, with no engine to dial (a closed port): its exit code and stderr. */
async function planIn(files: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stderr: string }> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'pptest-bundle-config-'))
  try {
    for (const [f, t] of Object.entries(files)) writeFileSync(path.join(cwd, f), t)
    const r = spawnSync(process.execPath, [bin, 'plan', ...args], { cwd, encoding: 'utf8', env: { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${await closedPort()}` } })
    return { code: r.status, stderr: r.stderr }
  } finally {
    rmSync(cwd, { recursive: true, force: true })
  }
}

Config('a YAML config with a syntax error: the user error, exit 1', async () => {
  const r = await planIn({ 'setup.py': '', '.pypackagerc.yaml': 'namespace: [\n' })
  assert.is(r.code, 1, r.stderr)
  assert.match(r.stderr, /^error: cannot read \.pypackagerc\.yaml/)
})

Config('--config naming a missing file: the user error, exit 1', async () => {
  const r = await planIn({ 'setup.py': '' }, ['--config', 'missing.json'])
  assert.is(r.code, 1, r.stderr)
  assert.match(r.stderr, /^error: config file missing\.json not found/)
})

Config.run()
