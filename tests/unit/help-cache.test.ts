import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { HELP_CACHE, renderHelpCache } from '../../lib/help-cache.js'

const bin = fileURLToPath(new URL('../../../bin/pypackage-tasks.js', import.meta.url))
const HelpCache = suite('help cache (dist/help.json)')

HelpCache('holds exactly what the CLI prints for --help, list and every <task> --help', async () => {
  const written = JSON.parse(readFileSync(HELP_CACHE, 'utf8')) as Record<string, string>
  const live = await renderHelpCache()
  assert.equal(written, live, 'the build wrote what the CLI prints now: run `npm run build`')
  for (const key of ['--help', 'list', 'release\0--help', 'run\0-h']) assert.ok(live[key], `${key.replace('\0', ' ')} is answered from the cache`)
})

HelpCache('the bin answers from it, and goes to the CLI for anything else', () => {
  const run = (...argv: string[]) => spawnSync(process.execPath, [bin, ...argv], { cwd: path.dirname(bin), encoding: 'utf8' })
  const cached = run('list')
  assert.is(cached.status, 0)
  assert.ok(cached.stdout.includes('release'), 'list prints the tasks')
  const other = run('list', 'stray')
  assert.is(other.status, 2, 'a word list does not take still reaches the CLI, which refuses it')
  assert.match(other.stderr, /unexpected argument "stray"/)
})

HelpCache.run()
