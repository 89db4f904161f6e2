import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parseArgv } from '../../../lib/args.js'
import { isUserError } from '../../../lib/errors.js'
import type { Event } from '../../../lib/events.js'
import { metadataCollector, type RunMetadata } from '../../../lib/render/metadata.js'
import { resolveProgress } from '../../../lib/render/progress.js'
import { tasks } from '../../../lib/tasks/registry.js'

// ---------------------------------------------------------------------------------------------
const ResolveProgress = suite('resolveProgress')

const modes: { name: string; flag?: string; env: NodeJS.ProcessEnv; tty: boolean; want: string }[] = [
  { name: 'auto on a terminal', env: {}, tty: true, want: 'tty' },
  { name: 'auto in a pipe', env: {}, tty: false, want: 'plain' },
  { name: 'auto in CI', env: { CI: 'true' }, tty: true, want: 'plain' },
  { name: 'auto with CI=false', env: { CI: 'false' }, tty: true, want: 'tty' },
  { name: 'auto on TERM=dumb', env: { TERM: 'dumb' }, tty: true, want: 'plain' },
  { name: 'BUILDKIT_PROGRESS=plain', env: { BUILDKIT_PROGRESS: 'plain' }, tty: true, want: 'plain' },
  { name: 'BUILDKIT_PROGRESS=tty in a pipe', env: { BUILDKIT_PROGRESS: 'tty' }, tty: false, want: 'tty' },
  { name: 'BUILDKIT_PROGRESS=rawjson', env: { BUILDKIT_PROGRESS: 'rawjson' }, tty: true, want: 'json' },
  { name: 'BUILDKIT_PROGRESS=quiet (unknown here): auto', env: { BUILDKIT_PROGRESS: 'quiet' }, tty: false, want: 'plain' },
  { name: '--progress json over BUILDKIT_PROGRESS', flag: 'json', env: { BUILDKIT_PROGRESS: 'plain' }, tty: true, want: 'json' },
  { name: '--progress auto over BUILDKIT_PROGRESS', flag: 'auto', env: { BUILDKIT_PROGRESS: 'plain' }, tty: true, want: 'tty' },
]
for (const c of modes) {
  ResolveProgress(c.name, () => assert.is(resolveProgress(c.flag, c.env, c.tty), c.want, `${c.name} should be ${c.want}`))
}

ResolveProgress.run()

// ---------------------------------------------------------------------------------------------
const ProgressArgs = suite('parseArgv: --progress, --plain, --json, --metadata-file')
const find = (name: string) => tasks.find((t) => t.name === name)

ProgressArgs("--progress takes buildx's modes; --plain and --json are its aliases, the last one wins", () => {
  assert.is(parseArgv(['release', '--progress', 'plain'], find).progress, 'plain')
  assert.is(parseArgv(['release', '--json', '--plain'], find).progress, 'plain', 'the last one given')
  const p = parseArgv(['release', '--progress=json'], find)
  assert.ok(p.json && p.progress === 'json', '--progress json is --json')
  assert.is(parseArgv(['release', '--metadata-file', 'out.json'], find).metadataFile, 'out.json')
})

ProgressArgs('an unknown mode is a usage error that lists the modes', () => {
  try {
    parseArgv(['release', '--progress', 'fancy'], find)
    assert.unreachable('--progress fancy should be refused')
  } catch (e) {
    assert.ok(isUserError(e) && e.exitCode === 2, 'a usage error (exit 2)')
    assert.match((e as Error).message, /--progress must be one of auto, tty, plain, json, got "fancy"/)
  }
})

ProgressArgs.run()

// ---------------------------------------------------------------------------------------------
const Metadata = suite('metadataCollector')

Metadata('records images (with their tags and sizes, built or found), wheels and pushes, passes every event on, writes JSON', async () => {
  const seen: Event[] = []
  const m = metadataCollector((e) => seen.push(e))
  const events: Event[] = [
    { type: 'task:done', id: 'image:release', title: 'Image docker/release', ms: 5, data: { image: { id: 'sha256:r', tags: ['p/a-release:1', 'p/a-release:latest'], size: 123 } } },
    {
      type: 'task:done',
      id: 'wheels',
      title: 'Wheels',
      ms: 5,
      data: { wheels: [{ file: 'a-1-py3-none-any.whl', sha256: 'ab' }], built: ['a-1-py3-none-any.whl'], reused: [], dependencies: 0, folder: 'wheelhouse' },
    },
    { type: 'pushed', ref: 'reg/p/a-release:v1', digest: 'sha256:d', ms: 9 },
    // release v1 stable: the commit, the branch and the extra tags, on the release image.
    { type: 'tagged', repo: 'p/a-release', tags: ['abc1234', 'main', 'v1', 'stable'] },
  ]
  events.forEach(m.emit)
  assert.is(seen.length, events.length, 'every event reaches the renderer')
  m.addResults(
    new Map([
      // Found up to date: its size as the check learned it, its names as reuse leaves them.
      ['image:base', { id: 'sha256:b', ref: 'p/a-base:1', built: false, size: 77 }],
      ['image:release', { id: 'sha256:r', ref: 'p/a-release:1', built: true }],
      ['wheels', { id: 'h' }],
    ]),
  )
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-meta-'))
  try {
    await m.write(path.join(dir, 'm.json'))
    assert.equal(
      JSON.parse(readFileSync(path.join(dir, 'm.json'), 'utf8')),
      {
        images: {
          base: { id: 'sha256:b', ref: 'p/a-base:1', built: false, tags: ['p/a-base:1', 'p/a-base:latest'], size: 77 },
          release: {
            id: 'sha256:r',
            ref: 'p/a-release:1',
            built: true,
            tags: ['p/a-release:1', 'p/a-release:latest', 'p/a-release:abc1234', 'p/a-release:main', 'p/a-release:v1', 'p/a-release:stable'],
            size: 123,
          },
        },
        pushed: [{ ref: 'reg/p/a-release:v1', digest: 'sha256:d' }],
        wheels: [{ file: 'a-1-py3-none-any.whl', sha256: 'ab' }],
      },
      'the file lists what was built, found, tagged and pushed',
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

Metadata('a reused release image gets its release tags too; a registry host`s port is not taken for a tag', async () => {
  const m = metadataCollector()
  m.emit({ type: 'tagged', repo: 'localhost:5000/p/a-release', tags: ['v1'] })
  m.addResults(new Map([['image:release', { id: 'sha256:r', ref: 'localhost:5000/p/a-release:1', built: false, size: 5 }]]))
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-meta-'))
  try {
    await m.write(path.join(dir, 'm.json'))
    const { images } = JSON.parse(readFileSync(path.join(dir, 'm.json'), 'utf8')) as RunMetadata
    assert.equal(images.release?.tags, ['localhost:5000/p/a-release:1', 'localhost:5000/p/a-release:latest', 'localhost:5000/p/a-release:v1'])
    assert.is(images.release?.size, 5, 'its size, as found')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

Metadata.run()
