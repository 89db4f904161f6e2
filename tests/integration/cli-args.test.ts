import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { repoRoot, runCli } from '../helpers/cli.js'

// The real binary, as a user types it, in a project that holds only an empty pyproject.toml:
// arguments and exit codes reach the shell (process.exitCode), and none of this needs an engine.
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-cli-args-'))
writeFileSync(path.join(dir, 'pyproject.toml'), '')
const cli = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 30_000 })
const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))

const Args = suite('command line: arguments and exit codes')

const cases: { argv: string[]; code: number; stdout?: RegExp | string; stderr?: RegExp }[] = [
  {
    argv: ['plan', '--config', '--json'],
    code: 2,
    stderr: /^error: --config needs a FILE, got --json\nhint: write --config=--json if --json is meant as the FILE\nUsage: pypackage-tasks plan \[folder…\]\n$/,
  },
  { argv: ['-v', 'list'], code: 0, stdout: /^init +Scaffold/ },
  { argv: ['-x', 'list'], code: 2, stderr: /^error: unknown option -x\n/ },
  { argv: ['-V'], code: 0, stdout: `${version}\n` },
  { argv: ['--version'], code: 0, stdout: `${version}\n` },
  { argv: ['list', 'stray'], code: 2, stderr: /^error: unexpected argument "stray": list takes no arguments\nUsage: pypackage-tasks list\n$/ },
  { argv: ['smoke', 'extra'], code: 2, stderr: /^error: unexpected argument "extra": smoke takes no arguments\n/ },
  { argv: ['--no-color', 'list'], code: 0, stdout: /^init +Scaffold/ },
  { argv: ['list', '--color'], code: 0, stdout: /^init +Scaffold/ },
  { argv: ['relase'], code: 2, stderr: /^error: unknown task "relase"\n/ },
  { argv: [], code: 2, stderr: /^Usage: pypackage-tasks <task>/ },
  { argv: ['--help'], code: 0, stdout: /^Usage: pypackage-tasks <task>/ },
  { argv: ['image', '--help'], code: 0, stdout: /^Usage: pypackage-tasks image <folder…> \[options\]\n/ },
  // A failure, not a usage error: the command line is right, the file is missing.
  { argv: ['plan', '--config', 'missing.json'], code: 1, stderr: /^error: config file missing\.json not found\n/ },
]
for (const c of cases) {
  Args(`pypackage-tasks ${c.argv.join(' ')} → exit ${c.code}`, async () => {
    const r = await cli(c.argv)
    assert.is(r.code, c.code, `exit code ${c.code} expected:\n${r.stdout}\n${r.stderr}`)
    if (typeof c.stdout === 'string') assert.is(r.stdout, c.stdout)
    else if (c.stdout) assert.match(r.stdout, c.stdout, `stdout:\n${r.stdout}`)
    if (c.stderr) assert.match(r.stderr, c.stderr, `stderr:\n${r.stderr}`)
  })
}

Args.after(() => rmSync(dir, { recursive: true, force: true }))
Args.run()
