import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { declaredArgs, externalRefs, instructions, parseFrom, substitute, type FromLine } from '../../lib/graph/dockerfile.js'

const lines = (...l: string[]) => l.join('\n')

// ---------------------------------------------------------------------------------------------
const Instructions = suite('instructions')

const instructionCases: { name: string; text: string; want: { line: number; keyword: string; rest: string }[] }[] = [
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
      { line: 1, keyword: 'RUN', rest: 'apt-get update      && apt-get install -y gcc      && rm -rf /var/lib/apt/lists/*' },
      { line: 4, keyword: 'USER', rest: 'app' },
    ],
  },
  {
    name: 'a comment line inside a continuation is skipped, not ending it',
    text: lines('RUN a \\', '  # why b', '  && b', 'CMD c'),
    want: [
      { line: 1, keyword: 'RUN', rest: 'a    && b' },
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
      { line: 2, keyword: 'RUN', rest: 'b   c' },
    ],
  },
  {
    name: 'a # after the keyword is part of the instruction, not a comment',
    text: 'RUN echo "#not a comment"',
    want: [{ line: 1, keyword: 'RUN', rest: 'echo "#not a comment"' }],
  },
  { name: 'an empty text', text: '', want: [] },
]
for (const c of instructionCases) {
  Instructions(c.name, () => {
    assert.equal(instructions(c.text), c.want, `instructions should be ${JSON.stringify(c.want)}`)
  })
}

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
  ['$1x', '$1x'], // names cannot start with a digit
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

ParseFrom.run()

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

ExternalRefs('keeps each FROM line\'s number', () => {
  const got = externalRefs(parseFrom(lines('FROM a AS s', 'FROM s', '', 'FROM b')))
  assert.equal(got.map((f) => f.line), [1, 4], 'external refs should keep the line of their FROM')
})

ExternalRefs.run()

// ---------------------------------------------------------------------------------------------
const DeclaredArgs = suite('declaredArgs')

const argCases: { name: string; text: string; want: string[] }[] = [
  { name: 'none', text: 'FROM a\nRUN b', want: [] },
  { name: 'before and after FROM, with and without defaults', text: lines('ARG IMAGE_PREFIX', 'FROM ${IMAGE_PREFIX}-base', 'ARG APP_VERSION=0', 'arg lower=1'), want: ['IMAGE_PREFIX', 'APP_VERSION', 'lower'] },
  { name: 'several on one line', text: lines('FROM a', 'ARG A=1 B C="x"'), want: ['A', 'B', 'C'] },
  { name: 'in a continuation', text: lines('FROM a', 'ARG A=1 \\', '    B=2'), want: ['A', 'B'] },
  { name: 'repeated in two stages, counted once', text: lines('FROM a', 'ARG X', 'FROM b', 'ARG X'), want: ['X'] },
  { name: 'not in comments or RUN lines', text: lines('FROM a', '# ARG HIDDEN', 'RUN ARG=1 true'), want: [] },
]
for (const c of argCases) {
  DeclaredArgs(c.name, () => {
    assert.equal([...declaredArgs(c.text)], c.want, `declared ARGs should be ${JSON.stringify(c.want)}`)
  })
}

DeclaredArgs.run()
