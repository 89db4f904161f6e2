import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// `pypackage-tasks list | head -3`: the reader goes away before the CLI is done writing. A CLI
// stops quietly then; it does not print a Node stack about EPIPE.
const bin = fileURLToPath(new URL('../../../bin/pypackage-tasks.js', import.meta.url))
const Epipe = suite('output into a closed pipe')

async function withClosedReader(argv: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.destroy() // the reader is gone before the first line is written
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise<number | null>((r) => child.on('close', r))
  return { code, stderr }
}

for (const argv of [['list'], ['--help'], ['list', '--verbose'], ['release', '--help', '--verbose']]) {
  Epipe(`${argv.join(' ')}: exit 0, nothing on stderr`, async () => {
    const r = await withClosedReader(argv)
    assert.is(r.stderr, '', `no stack trace:\n${r.stderr}`)
    assert.is(r.code, 0, 'a reader that went away is not a failure')
  })
}

Epipe.run()
