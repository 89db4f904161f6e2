import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ParsedArgv } from '../../lib/args.js'
import { useListr } from '../../lib/cli.js'

const argv = (plain: boolean, json = false): ParsedArgv => ({ help: false, verbose: false, plain, json, args: { positional: [], options: {}, rest: [] } })

// ---------------------------------------------------------------------------------------------
const UseListr = suite('useListr')

const cases: { name: string; plain: boolean; env: NodeJS.ProcessEnv; tty: boolean; want: boolean }[] = [
  { name: 'a terminal, outside CI, without --plain', plain: false, env: {}, tty: true, want: true },
  { name: 'CI=true', plain: false, env: { CI: 'true' }, tty: true, want: false },
  { name: 'CI=1', plain: false, env: { CI: '1' }, tty: true, want: false },
  { name: 'an empty CI variable', plain: false, env: { CI: '' }, tty: true, want: true },
  { name: 'not a TTY (a pipe or a file)', plain: false, env: {}, tty: false, want: false },
  { name: '--plain on a terminal', plain: true, env: {}, tty: true, want: false },
  { name: 'not a TTY and CI', plain: false, env: { CI: 'true' }, tty: false, want: false },
]
for (const c of cases) {
  UseListr(`${c.name} → ${c.want ? 'listr2' : 'plain'}`, () => {
    assert.is(useListr(argv(c.plain), c.env, c.tty), c.want, `${c.name} should ${c.want ? '' : 'not '}use the interactive view`)
  })
}

UseListr('other environment variables do not matter', () => {
  assert.is(useListr(argv(false), { TERM: 'dumb', NO_COLOR: '1' }, true), true, 'only CI, the TTY and --plain should decide')
})

UseListr.run()

const UseListrJson = suite('useListr with --json')
UseListrJson('--json never draws the interactive view, even on a terminal', () => {
  assert.is(useListr(argv(false, true), {}, true), false)
})
UseListrJson.run()
