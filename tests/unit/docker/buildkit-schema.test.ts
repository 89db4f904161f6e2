import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeTrace } from '../../../lib/docker/buildkit.js'
import { repoRoot } from '../../helpers/cli.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

// Payloads recorded from a real BuildKit build, with what the old decoder (dockerode's own .proto
// file, read by path) made of each: the schema we ship must decode them the same.
const fixture = JSON.parse(readFileSync(path.join(repoRoot, 'tests/fixtures/buildkit-trace.json'), 'utf8')) as { aux: string[]; decoded: Decoded[] }

interface Decoded {
  vertexes: Record<string, unknown>[]
  logs: Record<string, unknown>[]
}

/** int64 → {int64}, bytes → {base64}: the fixture's JSON form of a decoded message. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return { base64: Buffer.from(v).toString('base64') }
  if (v && typeof v === 'object' && 'low' in v && 'high' in v && 'unsigned' in v) return { int64: String(v) }
  if (Array.isArray(v)) return v.map(plain)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}

/** The part of a StatusResponse that we decode: vertexes (without progressGroup) and logs. */
function ours(d: Decoded): Decoded {
  return { vertexes: d.vertexes.map(({ progressGroup: _, ...v }) => v), logs: d.logs }
}

const Decode = suite("decodeTrace: a recorded trace decodes as with dockerode's .proto")

Decode('the fixture holds the cases the build view needs: a cached step, a log, a failure', () => {
  const all = fixture.decoded
  assert.ok(
    all.some((d) => d.vertexes.some((v) => v.cached === true)),
    'a cached vertex',
  )
  assert.ok(
    all.some((d) => d.logs.length > 0),
    'a log message',
  )
  assert.ok(
    all.some((d) => d.vertexes.some((v) => typeof v.error === 'string' && v.error !== '')),
    'a vertex with an error',
  )
})

fixture.aux.forEach((aux, i) => {
  Decode(`payload ${i + 1}/${fixture.aux.length}: the same vertexes and logs`, () => {
    assert.equal(ours(plain(decodeTrace(aux)) as Decoded), ours(fixture.decoded[i]), `payload ${i + 1} decodes to what the old path gave`)
  })
})

Decode.run()

const Standalone = suite("decodeTrace needs nothing of dockerode's")
let dir: string | undefined

Standalone.after(() => removeTemp(dir))

Standalone('with a dockerode that ships no .proto file (an upgrade that moves it), a trace still decodes', () => {
  // A copy of the compiled lib/ beside a node_modules where dockerode has no proto/ folder.
  dir = makeTemp('buildkit-schema')
  cpSync(path.join(repoRoot, 'dist/lib'), path.join(dir, 'lib'), { recursive: true })
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  const modules = path.join(dir, 'node_modules')
  mkdirSync(path.join(modules, 'dockerode', 'lib'), { recursive: true })
  writeFileSync(path.join(modules, 'dockerode', 'package.json'), JSON.stringify({ name: 'dockerode', version: '99.0.0', main: 'lib/docker.js' }))
  writeFileSync(path.join(modules, 'dockerode', 'lib', 'docker.js'), 'module.exports = function Docker() {}\n')
  for (const name of readdirSync(path.join(repoRoot, 'node_modules'))) {
    if (name !== 'dockerode' && !name.startsWith('.')) symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(modules, name))
  }
  const script = `import { decodeTrace } from './lib/docker/buildkit.js'
const aux = JSON.parse(process.argv[1])
process.stdout.write(JSON.stringify(aux.map((a) => decodeTrace(a).vertexes.map((v) => v.name))))`
  let out: string
  try {
    out = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(fixture.aux)], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    const err = e as { stderr?: string }
    assert.unreachable(`decoding failed without dockerode's .proto file: ${(err.stderr ?? String(e)).split('\n').find((l) => /Error/.test(l)) ?? err.stderr}`)
    return
  }
  assert.equal(
    JSON.parse(out),
    fixture.decoded.map((d) => d.vertexes.map((v) => v.name)),
    'the vertex names of every payload',
  )
})

Standalone.run()
