import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// A name means one concern (README: Architecture, Names): a basename found in more than one folder
// of lib/ must be one concern crossing layers, listed here with the folders it may be in. A new
// one fails until it is listed (the same concern) or renamed (another one).
const CROSSING: Record<string, { concern: string; folders: string[] }> = {
  'dev.ts': { concern: 'the dev loop: the task, its session node', folders: ['tasks', 'nodes'] },
  'environment.ts': { concern: 'the release environment: its tasks, nodes, containers', folders: ['tasks', 'nodes', 'pipeline'] },
  'image.ts': { concern: 'building images: the image task, the image node', folders: ['tasks', 'nodes'] },
  'push.ts': { concern: 'pushing the release: the task, its node, the engine push', folders: ['tasks', 'nodes', 'docker'] },
  'release.ts': { concern: 'the release image: the task, the wheels into its context', folders: ['tasks', 'pipeline'] },
  'smoke.ts': { concern: 'the smoke test: the task, its node, start-GET-remove', folders: ['tasks', 'nodes', 'pipeline'] },
  'tags.ts': { concern: 'release tags: naming them, the tag node', folders: ['.', 'nodes'] },
  'tests.ts': { concern: "the app's tests: what runs them (shape), running them", folders: ['shape', 'pipeline'] },
  'wheels.ts': { concern: 'the wheels: their node, building them', folders: ['nodes', 'pipeline'] },
}

const lib = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../lib')

/** basename → the folders of lib/ (relative, '.' for lib itself) that have a file of that name. */
function basenames(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const entry of readdirSync(lib, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const folder = path.relative(lib, entry.parentPath) || '.'
    found.set(entry.name, [...(found.get(entry.name) ?? []), folder].sort())
  }
  return found
}

const Naming = suite('naming: one name, one concern')

Naming('every basename in more than one folder of lib/ is a listed concern, in its listed folders only', () => {
  const crossing = [...basenames()].filter(([, folders]) => folders.length > 1)
  for (const [name, folders] of crossing) {
    const listed = CROSSING[name]
    assert.ok(listed, `lib/{${folders.join(',')}}/${name}: one name in two folders; rename one (a name says one concern), or list it in tests/unit/naming.test.ts with its concern`)
    assert.equal(folders, [...listed.folders].sort(), `${name} (${listed.concern}) is in ${folders.join(', ')}; listed for ${listed.folders.join(', ')}`)
  }
})

Naming('the list holds no name that no longer crosses layers', () => {
  const found = basenames()
  for (const name of Object.keys(CROSSING)) assert.ok((found.get(name)?.length ?? 0) > 1, `${name} is listed but is in one folder now: remove it from the list`)
})

Naming.run()
