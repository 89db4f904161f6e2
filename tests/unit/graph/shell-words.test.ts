import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { processWord, processWords, ShellSyntaxError, type LexOptions } from '../../../lib/graph/shell-words.js'

const vars = { A: 'a', AB: 'x y', EMPTY: '', DECLARED: undefined, PATH: '/usr/local/bin:/usr/bin', FILE: 'archive.tar.gz' }

// ---------------------------------------------------------------------------------------------
const ProcessWord = suite('processWord')

const words: { input: string; want: string; opts?: LexOptions }[] = [
  { input: 'plain', want: 'plain' },
  { input: '$A$A', want: 'aa' },
  { input: '${A}b', want: 'ab' },
  { input: '$Ab', want: '' }, // the name runs on: $Ab is unset
  { input: '$DECLARED|${DECLARED-unset}|${DECLARED:-unset}', want: '|unset|unset' }, // an ARG without a value is unset
  { input: '${EMPTY-d}|${EMPTY:-d}|${EMPTY+s}|${EMPTY:+s}', want: '|d|s|' },
  { input: '${A:+${AB}}', want: 'x y' },
  { input: '"a  b"', want: 'a  b' },
  { input: "'a $A \\'", want: 'a $A \\' }, // nothing is special in single quotes
  { input: '"\\"$A\\$A\\\\\\n"', want: '"a$A\\\\n' }, // in double quotes \ escapes only " $ \
  { input: 'a\\"b', want: 'a"b' },
  { input: 'end\\', want: 'end' }, // a trailing escape token is dropped
  { input: '${PATH#*:}|${PATH##*:}', want: '/usr/bin|/usr/bin' },
  { input: '${PATH#*/}|${PATH##*/}', want: 'usr/local/bin:/usr/bin|bin' },
  { input: '${FILE%.*}|${FILE%%.*}', want: 'archive.tar|archive' },
  { input: '${FILE/a/A}|${FILE//a/A}', want: 'Archive.tar.gz|Archive.tAr.gz' },
  { input: '${FILE#[a}', want: 'archive.tar.gz' }, // regex characters in a pattern are literal
  { input: '$', want: '$' },
  { input: '$$|$@|$9', want: '||' }, // special and positional parameters: never set
  { input: 'c:\\dir `$A', want: 'c:\\dir $A', opts: { escape: '`' } },
  { input: '$UNSET ${UNSET:-x} "$A"', want: '$UNSET ${UNSET:-x} "a"', opts: { skipUnset: true, rawQuotes: true } },
]
for (const c of words) {
  ProcessWord(`${c.input} → ${c.want}`, () => {
    assert.is(processWord(c.input, vars, c.opts), c.want, `${JSON.stringify(c.input)} should become ${JSON.stringify(c.want)}`)
  })
}

const errors: { input: string; message: RegExp }[] = [
  { input: '"open', message: /matching double-quote/ },
  { input: "'open", message: /matching single-quote/ },
  { input: '${A', message: /missing '}'/ },
  { input: '${A:-x', message: /missing '}'/ },
  { input: '${}', message: /bad substitution/ },
  { input: '${A^^}', message: /unsupported modifier \(\^\)/ },
  { input: '${UNSET?must be set}', message: /UNSET: must be set/ },
  { input: '${EMPTY:?}', message: /EMPTY: is not allowed to be empty/ },
]
for (const c of errors) {
  ProcessWord(`${c.input} is an error`, () => {
    try {
      processWord(c.input, vars)
    } catch (e) {
      assert.instance(e, ShellSyntaxError, 'a ShellSyntaxError')
      assert.match((e as Error).message, c.message)
      return
    }
    assert.unreachable(`${c.input} should not be readable`)
  })
}

ProcessWord.run()

// ---------------------------------------------------------------------------------------------
const ProcessWords = suite('processWords')

const splits: { input: string; want: string[]; opts?: LexOptions }[] = [
  { input: '  a   b  ', want: ['a', 'b'] },
  { input: 'a "b c" d\\ e', want: ['a', 'b c', 'd e'] },
  { input: '$AB', want: ['x', 'y'] }, // an expansion is split
  { input: '"$AB"', want: ['x y'] }, // a quoted one is not
  { input: 'cat <<"EOF" >out', want: ['cat', '<<"EOF"', '>out'], opts: { rawQuotes: true, rawEscapes: true } },
  { input: 'echo \\"<<EOF\\"', want: ['echo', '\\"<<EOF\\"'], opts: { rawQuotes: true, rawEscapes: true } },
  { input: '""', want: [] },
]
for (const c of splits) {
  ProcessWords(`${c.input} → ${JSON.stringify(c.want)}`, () => {
    assert.equal(processWords(c.input, vars, c.opts), c.want, `${JSON.stringify(c.input)} should split into ${JSON.stringify(c.want)}`)
  })
}

ProcessWords.run()
