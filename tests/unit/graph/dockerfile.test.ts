import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { declaredArgs, externalRefs, instructions, parseFrom, substitute, type FromLine } from '../../../lib/graph/dockerfile.js'
import type { ImageDir } from '../../../lib/graph/discover.js'
import { resolveGraph } from '../../../lib/graph/resolve.js'
import { thrown, userError } from '../helpers/catch.js'

const lines = (...l: string[]) => l.join('\n')

// ---------------------------------------------------------------------------------------------
const Instructions = suite('instructions')

type Want = { line: number; keyword: string; rest: string; heredocs?: { name: string; body: string }[] }

const instructionCases: { name: string; text: string; want: Want[] }[] = [
  {
    name: 'one instruction per line, keyword upper-cased, rest trimmed',
    text: lines('from debian:12', 'RUN   echo hi   '),
    want: [
      { line: 1, keyword: 'FROM', rest: 'debian:12' },
      { line: 2, keyword: 'RUN', rest: 'echo hi' },
    ],
  },
  {
    name: 'comments and blank lines are dropped, line numbers stay those of the file',
    text: lines('# syntax=docker/dockerfile:1', '', '   # indented comment', 'FROM a', '', 'RUN b'),
    want: [
      { line: 4, keyword: 'FROM', rest: 'a' },
      { line: 6, keyword: 'RUN', rest: 'b' },
    ],
  },
  {
    name: 'continuation lines are joined and numbered by their first line',
    text: lines('RUN apt-get update \\', '    && apt-get install -y gcc \\', '    && rm -rf /var/lib/apt/lists/*', 'USER app'),
    want: [
      // BuildKit joins the lines as they are, only the escape token removed (no space added)
      { line: 1, keyword: 'RUN', rest: 'apt-get update     && apt-get install -y gcc     && rm -rf /var/lib/apt/lists/*' },
      { line: 4, keyword: 'USER', rest: 'app' },
    ],
  },
  {
    name: 'a comment line inside a continuation is skipped, not ending it',
    text: lines('RUN a \\', '  # why b', '  && b', 'CMD c'),
    want: [
      { line: 1, keyword: 'RUN', rest: 'a   && b' },
      { line: 4, keyword: 'CMD', rest: 'c' },
    ],
  },
  {
    name: 'a backslash followed by spaces still continues',
    text: lines('FROM \\  ', '  base AS b'),
    want: [{ line: 1, keyword: 'FROM', rest: 'base AS b' }],
  },
  {
    name: 'CRLF line endings',
    text: 'FROM a\r\nRUN b \\\r\n c\r\n',
    want: [
      { line: 1, keyword: 'FROM', rest: 'a' },
      { line: 2, keyword: 'RUN', rest: 'b  c' },
    ],
  },
  {
    name: 'a # after the keyword is part of the instruction, not a comment',
    text: 'RUN echo "#not a comment"',
    want: [{ line: 1, keyword: 'RUN', rest: 'echo "#not a comment"' }],
  },
  {
    name: 'a continuation joins the words as written: foo\\ + bar is foobar',
    text: lines('RUN echo foo\\', 'bar'),
    want: [{ line: 1, keyword: 'RUN', rest: 'echo foobar' }],
  },
  {
    name: 'empty and blank lines inside a continuation are skipped, not ending it',
    text: lines('RUN a \\', '', '   ', '  b', 'USER c'),
    want: [
      { line: 1, keyword: 'RUN', rest: 'a   b' },
      { line: 5, keyword: 'USER', rest: 'c' },
    ],
  },
  {
    name: 'an escaped escape token at the end of a line is not a continuation',
    text: lines('RUN echo a\\\\', 'USER b'),
    want: [
      { line: 1, keyword: 'RUN', rest: 'echo a\\\\' },
      { line: 2, keyword: 'USER', rest: 'b' },
    ],
  },
  {
    name: 'a comment line ending in a backslash does not continue',
    text: lines('# note \\', 'FROM a'),
    want: [{ line: 2, keyword: 'FROM', rest: 'a' }],
  },
  {
    name: '# escape=` makes the backtick the continuation token, and the backslash a plain character',
    text: lines('# escape=`', 'FROM windows', 'RUN dir c:\\ `', '  && echo done', 'COPY a\\ b\\'),
    want: [
      { line: 2, keyword: 'FROM', rest: 'windows' },
      { line: 3, keyword: 'RUN', rest: 'dir c:\\   && echo done' },
      { line: 5, keyword: 'COPY', rest: 'a\\ b\\' },
    ],
  },
  {
    name: 'a directive is one only before any comment, blank line or instruction',
    text: lines('# a comment', '# escape=`', 'RUN a `', 'USER b'),
    want: [
      { line: 3, keyword: 'RUN', rest: 'a `' },
      { line: 4, keyword: 'USER', rest: 'b' },
    ],
  },
  {
    name: 'a byte-order mark before the first line is not part of the keyword',
    text: '\uFEFFFROM a',
    want: [{ line: 1, keyword: 'FROM', rest: 'a' }],
  },
  {
    name: 'a heredoc: its body is no instruction, the next instruction keeps its line number',
    text: lines('FROM a', 'RUN <<EOF', 'FROM evil', '# not a comment', 'EOF', 'USER app'),
    want: [
      { line: 1, keyword: 'FROM', rest: 'a' },
      { line: 2, keyword: 'RUN', rest: '<<EOF', heredocs: [{ name: 'EOF', body: 'FROM evil\n# not a comment\n' }] },
      { line: 6, keyword: 'USER', rest: 'app' },
    ],
  },
  {
    name: '<<-EOF: the terminator may be indented with tabs',
    text: lines('RUN <<-EOF', '\tFROM evil', '\tEOF', 'USER app'),
    want: [
      { line: 1, keyword: 'RUN', rest: '<<-EOF', heredocs: [{ name: 'EOF', body: '\tFROM evil\n' }] },
      { line: 4, keyword: 'USER', rest: 'app' },
    ],
  },
  {
    name: 'without <<-, a tab-indented terminator does not end the heredoc',
    text: lines('RUN <<EOF', '\tEOF', 'EOF', 'USER app'),
    want: [
      { line: 1, keyword: 'RUN', rest: '<<EOF', heredocs: [{ name: 'EOF', body: '\tEOF\n' }] },
      { line: 4, keyword: 'USER', rest: 'app' },
    ],
  },
  {
    name: 'quoted heredoc words: <<"EOF" and <<\'END\' end at EOF and END',
    text: lines('RUN <<"EOF" bash', 'FROM x', 'EOF', "COPY <<'END' /app/f", 'FROM y', 'END', 'USER app'),
    want: [
      { line: 1, keyword: 'RUN', rest: '<<"EOF" bash', heredocs: [{ name: 'EOF', body: 'FROM x\n' }] },
      { line: 4, keyword: 'COPY', rest: "<<'END' /app/f", heredocs: [{ name: 'END', body: 'FROM y\n' }] },
      { line: 7, keyword: 'USER', rest: 'app' },
    ],
  },
  {
    name: 'two heredocs on one line: their bodies follow one after the other',
    text: lines('COPY <<A <<B /dst/', 'FROM one', 'A', 'FROM two', 'B', 'CMD c'),
    want: [
      {
        line: 1,
        keyword: 'COPY',
        rest: '<<A <<B /dst/',
        heredocs: [
          { name: 'A', body: 'FROM one\n' },
          { name: 'B', body: 'FROM two\n' },
        ],
      },
      { line: 6, keyword: 'CMD', rest: 'c' },
    ],
  },
  {
    name: 'a heredoc after a command and before a redirection, on a continued line',
    text: lines('RUN --mount=type=cache,target=/c python3 <<EOF > /out \\', '  && cat /out', 'print("FROM x")', 'EOF', 'USER app'),
    want: [
      { line: 1, keyword: 'RUN', rest: '--mount=type=cache,target=/c python3 <<EOF > /out   && cat /out', heredocs: [{ name: 'EOF', body: 'print("FROM x")\n' }] },
      { line: 5, keyword: 'USER', rest: 'app' },
    ],
  },
  {
    name: 'ONBUILD RUN <<EOF has a heredoc too',
    text: lines('ONBUILD RUN <<EOF', 'FROM x', 'EOF', 'USER app'),
    want: [
      { line: 1, keyword: 'ONBUILD', rest: 'RUN <<EOF', heredocs: [{ name: 'EOF', body: 'FROM x\n' }] },
      { line: 4, keyword: 'USER', rest: 'app' },
    ],
  },
  {
    name: 'no heredoc: quoted <<, a word that only contains <<, JSON form, instructions that take none',
    text: lines('RUN echo "<<EOF"', 'RUN echo a<<EOF', 'RUN ["sh", "-c", "cat <<EOF"]', 'LABEL x=<<EOF', 'FROM b'),
    want: [
      { line: 1, keyword: 'RUN', rest: 'echo "<<EOF"' },
      { line: 2, keyword: 'RUN', rest: 'echo a<<EOF' },
      { line: 3, keyword: 'RUN', rest: '["sh", "-c", "cat <<EOF"]' },
      { line: 4, keyword: 'LABEL', rest: 'x=<<EOF' },
      { line: 5, keyword: 'FROM', rest: 'b' },
    ],
  },
  { name: 'an empty text', text: '', want: [] },
]
for (const c of instructionCases) {
  Instructions(c.name, () => {
    assert.equal(instructions(c.text), c.want, `instructions should be ${JSON.stringify(c.want)}`)
  })
}

Instructions('an unterminated heredoc is an error naming its line', () => {
  const e = thrown(() => instructions(lines('FROM a', 'RUN <<EOF', 'echo', 'EO')), 'an unterminated heredoc') as Error & { line?: number }
  assert.match(e.message, /unterminated heredoc/, 'the message should say what is wrong')
  assert.is(e.line, 2, 'the error should carry the line of the instruction')
})

Instructions.run()

// ---------------------------------------------------------------------------------------------
const Substitute = suite('substitute')

const vars = { IMAGE_PREFIX: 'acme/app', TAG: '1.2', EMPTY: '' }
const substitutions: [string, string][] = [
  ['$IMAGE_PREFIX-base', 'acme/app-base'],
  ['${IMAGE_PREFIX}-base:${TAG}', 'acme/app-base:1.2'],
  ['$TAG$TAG', '1.21.2'],
  ['${UNSET}x', 'x'],
  ['$UNSET', ''],
  ['${TAG:-latest}', '1.2'],
  ['${UNSET:-latest}', 'latest'],
  ['${EMPTY:-latest}', 'latest'], // :- also replaces an empty value, as in the Dockerfile parser
  ['${TAG:+set}', 'set'],
  ['${UNSET:+set}', ''],
  ['${EMPTY:+set}', ''],
  ['debian:bookworm-slim', 'debian:bookworm-slim'],
  ['a$', 'a$'], // a lone $ is not a variable
  ['$1x', 'x'], // $1 is a (positional, never set) parameter, as in BuildKit's lexer
  ['${UNSET:-${TAG}}', '1.2'], // the default is itself expanded
  ['${EMPTY-dflt}', ''], // without the colon only an unset variable takes the default
  ['${UNSET-dflt}', 'dflt'],
  ['${EMPTY+alt}', 'alt'],
  ['"$TAG"', '1.2'], // double quotes expand and go
  ["'$TAG'", '$TAG'], // single quotes keep the text as written
  ['\\$TAG', '$TAG'], // an escaped dollar is a dollar
  ['a\\ b', 'a b'], // an escaped space is a space
  ['${IMAGE_PREFIX#*/}', 'app'], // shortest prefix removed
  ['${TAG%.*}', '1'], // shortest suffix removed
  ['${IMAGE_PREFIX/app/web}', 'acme/web'],
]
for (const [input, want] of substitutions) {
  Substitute(`${input} → ${JSON.stringify(want)}`, () => {
    assert.is(substitute(input, vars), want, `"${input}" with ${JSON.stringify(vars)} should become "${want}"`)
  })
}

Substitute.run()

// ---------------------------------------------------------------------------------------------
const ParseFrom = suite('parseFrom')

const refs = (froms: FromLine[]) => froms.map((f) => f.ref)

const fromCases: { name: string; text: string; buildArgs?: Record<string, string>; want: FromLine[] }[] = [
  {
    name: 'a plain FROM',
    text: 'FROM debian:bookworm-slim',
    want: [{ ref: 'debian:bookworm-slim', stage: undefined, line: 1 }],
  },
  {
    name: 'an ARG default before FROM',
    text: lines('ARG PYTHON=3.11', 'FROM python:${PYTHON}-slim'),
    want: [{ ref: 'python:3.11-slim', stage: undefined, line: 2 }],
  },
  {
    name: 'a build arg overriding the ARG default',
    text: lines('ARG PYTHON=3.11', 'FROM python:${PYTHON}-slim'),
    buildArgs: { PYTHON: '3.12' },
    want: [{ ref: 'python:3.12-slim', stage: undefined, line: 2 }],
  },
  {
    name: 'a build arg for an ARG without default',
    text: lines('ARG IMAGE_PREFIX', 'FROM ${IMAGE_PREFIX}-base'),
    buildArgs: { IMAGE_PREFIX: 'acme/app' },
    want: [{ ref: 'acme/app-base', stage: undefined, line: 2 }],
  },
  {
    name: 'an ARG whose default references an earlier ARG',
    text: lines('ARG IMAGE_PREFIX=acme/app', 'ARG BASE=${IMAGE_PREFIX}-base:latest', 'FROM $BASE'),
    want: [{ ref: 'acme/app-base:latest', stage: undefined, line: 3 }],
  },
  {
    name: 'an ARG referencing an overridden ARG sees the override',
    text: lines('ARG IMAGE_PREFIX=acme/app', 'ARG BASE=${IMAGE_PREFIX}-base', 'FROM $BASE'),
    buildArgs: { IMAGE_PREFIX: 'other/x' },
    want: [{ ref: 'other/x-base', stage: undefined, line: 3 }],
  },
  {
    name: 'several ARGs on one line and quoted defaults',
    text: lines('ARG A="debian" B=\'12\'', 'FROM ${A}:${B}'),
    want: [{ ref: 'debian:12', stage: undefined, line: 2 }],
  },
  {
    name: '--platform and AS name',
    text: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
    want: [{ ref: 'golang:1.22', stage: 'build', line: 1 }],
  },
  {
    name: 'lower-case from and as',
    text: 'from python:3.11 as deps',
    want: [{ ref: 'python:3.11', stage: 'deps', line: 1 }],
  },
  {
    name: 'multi-stage, with a continuation before the second FROM',
    text: lines('ARG IMAGE_PREFIX=acme/app', 'FROM ${IMAGE_PREFIX}-builder AS wheels', 'RUN pip wheel \\', '  .', 'FROM ${IMAGE_PREFIX}-base', 'COPY --from=wheels /w /w'),
    want: [
      { ref: 'acme/app-builder', stage: 'wheels', line: 2 },
      { ref: 'acme/app-base', stage: undefined, line: 5 },
    ],
  },
  {
    name: 'an ARG declared after the first FROM does not apply to a later FROM',
    text: lines('FROM a AS one', 'ARG NEXT=b', 'FROM ${NEXT:-fallback}'),
    want: [
      { ref: 'a', stage: 'one', line: 1 },
      { ref: 'fallback', stage: undefined, line: 3 },
    ],
  },
  {
    name: 'a build arg for an ARG the Dockerfile does not declare is ignored',
    text: 'FROM ${UNDECLARED:-debian}',
    buildArgs: { UNDECLARED: 'evil' },
    want: [{ ref: 'debian', stage: undefined, line: 1 }],
  },
  {
    name: 'an ARG without default or build arg substitutes to empty',
    text: lines('ARG IMAGE', 'FROM $IMAGE'),
    want: [{ ref: '', stage: undefined, line: 2 }],
  },
  {
    name: 'a FROM inside a heredoc is not a FROM',
    text: lines('FROM debian:12', 'RUN <<EOF', 'FROM evil:1', 'EOF', 'RUN true'),
    want: [{ ref: 'debian:12', stage: undefined, line: 1 }],
  },
  {
    name: 'a FROM inside a <<-EOF heredoc, a quoted <<"EOF" one, and two on one line',
    text: lines('FROM a', 'RUN <<-EOF', '\tFROM evil1', '\tEOF', 'COPY <<"X" <<Y /d/', 'FROM evil2', 'X', 'FROM evil3', 'Y', 'FROM b', 'RUN <<EOF', 'EOF'),
    want: [
      { ref: 'a', stage: undefined, line: 1 },
      { ref: 'b', stage: undefined, line: 10 },
    ],
  },
  {
    name: 'an ARG default in double quotes with a space is one value',
    text: lines('ARG V="1 2" IMAGE=debian', 'FROM ${IMAGE}:${V}'),
    want: [{ ref: 'debian:1 2', stage: undefined, line: 2 }],
  },
  {
    name: 'an ARG default with an escaped quote, and one in single quotes that is not expanded',
    text: lines('ARG A=x', 'ARG B="a\\"b" C=\'$A\' D="$A"', 'FROM $B-$C-$D'),
    want: [{ ref: 'a"b-$A-x', stage: undefined, line: 3 }],
  },
  {
    name: 'a nested default',
    text: lines('ARG REG', 'ARG IMAGE=${REG:-${DEFAULT_REG:-docker.io}}/library/debian', 'FROM $IMAGE AS os'),
    want: [{ ref: 'docker.io/library/debian', stage: 'os', line: 3 }],
  },
  {
    name: 'FROM continued with the backtick of # escape=`',
    text: lines('# escape=`', 'ARG P=c:\\base', 'FROM `', '  ${P} AS b'),
    want: [{ ref: 'c:\\base', stage: 'b', line: 3 }],
  },
  {
    name: 'a quoted image name and a quoted --platform flag',
    text: 'FROM --platform="linux/amd64" "debian:12" AS b',
    want: [{ ref: 'debian:12', stage: 'b', line: 1 }],
  },
  { name: 'no FROM at all', text: lines('ARG X=1', 'RUN true'), want: [] },
]
for (const c of fromCases) {
  ParseFrom(c.name, () => {
    assert.equal(parseFrom(c.text, c.buildArgs), c.want, `FROM lines should be ${JSON.stringify(c.want)}`)
  })
}

ParseFrom('build args default to none', () => {
  assert.equal(refs(parseFrom(lines('ARG T=1', 'FROM x:$T'))), ['x:1'], 'without build args the ARG default should be used')
})

ParseFrom('a quote left open in an ARG is an error naming its line', () => {
  const e2 = thrown(() => parseFrom(lines('ARG X="open', 'FROM a:$X'), {}), 'an open quote before FROM') as Error & { line?: number }
  assert.match(e2.message, /double-quote/, `the message should name the missing quote: ${e2.message}`)
  assert.is(e2.line, 1, 'the error should carry the line of the ARG')
})

ParseFrom.run()

// ---------------------------------------------------------------------------------------------
const Resolve = suite('resolveGraph: Dockerfile syntax errors')

const imageDir = (text: string): ImageDir => ({ name: 'base', dir: 'docker/base', dockerfile: 'docker/base/Dockerfile', text })

Resolve('an unterminated heredoc is a user error at file:line, with a hint', () => {
  const e = userError(() => resolveGraph([imageDir(lines('FROM debian', 'RUN <<EOF', 'echo'))], 'acme/app', {}), 'an unterminated heredoc')
  assert.match(e.message, /^docker\/base\/Dockerfile:2: unterminated heredoc/, e.message)
  assert.ok(e.hint, 'a hint says what to do')
})

Resolve('a FROM inside a heredoc names no parent', () => {
  const g = resolveGraph([imageDir(lines('FROM debian', 'RUN <<EOF', 'FROM acme/app-builder', 'EOF')), { ...imageDir('FROM debian'), name: 'builder' }], 'acme/app', {})
  assert.equal(g.get('base')!.parents, [], "the heredoc's FROM should not make builder a parent")
  assert.equal(g.get('base')!.external, ['debian'])
})

Resolve.run()

// ---------------------------------------------------------------------------------------------
const ExternalRefs = suite('externalRefs')

const externalCases: { name: string; text: string; want: string[] }[] = [
  { name: 'a single external image', text: 'FROM debian:12', want: ['debian:12'] },
  { name: 'scratch is not an image to pull', text: lines('FROM golang AS build', 'FROM scratch'), want: ['golang'] },
  { name: 'an earlier stage is not external', text: lines('FROM python:3.11 AS deps', 'FROM deps', 'FROM deps AS final'), want: ['python:3.11'] },
  { name: 'stage names match case-insensitively', text: lines('FROM python:3.11 AS Deps', 'FROM deps'), want: ['python:3.11'] },
  { name: 'two different external images', text: lines('FROM acme/app-builder AS w', 'FROM acme/app-base'), want: ['acme/app-builder', 'acme/app-base'] },
  { name: 'a name used before a stage of that name is declared is external', text: lines('FROM later', 'FROM debian AS later'), want: ['later', 'debian'] },
]
for (const c of externalCases) {
  ExternalRefs(c.name, () => {
    assert.equal(refs(externalRefs(parseFrom(c.text))), c.want, `external refs should be ${JSON.stringify(c.want)}`)
  })
}

ExternalRefs("keeps each FROM line's number", () => {
  const got = externalRefs(parseFrom(lines('FROM a AS s', 'FROM s', '', 'FROM b')))
  assert.equal(
    got.map((f) => f.line),
    [1, 4],
    'external refs should keep the line of their FROM',
  )
})

ExternalRefs.run()

// ---------------------------------------------------------------------------------------------
const DeclaredArgs = suite('declaredArgs')

const argCases: { name: string; text: string; want: string[] }[] = [
  { name: 'none', text: 'FROM a\nRUN b', want: [] },
  {
    name: 'before and after FROM, with and without defaults',
    text: lines('ARG IMAGE_PREFIX', 'FROM ${IMAGE_PREFIX}-base', 'ARG APP_VERSION=0', 'arg lower=1'),
    want: ['IMAGE_PREFIX', 'APP_VERSION', 'lower'],
  },
  { name: 'several on one line', text: lines('FROM a', 'ARG A=1 B C="x"'), want: ['A', 'B', 'C'] },
  { name: 'in a continuation', text: lines('FROM a', 'ARG A=1 \\', '    B=2'), want: ['A', 'B'] },
  { name: 'repeated in two stages, counted once', text: lines('FROM a', 'ARG X', 'FROM b', 'ARG X'), want: ['X'] },
  { name: 'not in comments or RUN lines', text: lines('FROM a', '# ARG HIDDEN', 'RUN ARG=1 true'), want: [] },
  { name: 'a quoted default with a space is one declaration', text: lines('FROM a', 'ARG X="a b" Y'), want: ['X', 'Y'] },
  { name: 'an escaped space too', text: lines('FROM a', 'ARG X=a\\ b Y'), want: ['X', 'Y'] },
  { name: 'not inside a heredoc', text: lines('FROM a', 'RUN <<EOF', 'ARG HIDDEN=1', 'EOF', 'ARG SEEN'), want: ['SEEN'] },
]
for (const c of argCases) {
  DeclaredArgs(c.name, () => {
    assert.equal([...declaredArgs(c.text)], c.want, `declared ARGs should be ${JSON.stringify(c.want)}`)
  })
}

DeclaredArgs.run()
