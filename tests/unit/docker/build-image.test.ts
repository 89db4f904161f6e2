import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildImage, chooseBuilder, jsonLines, type BuildRequest } from '../../../lib/docker/build-image.js'
import type { Docker } from '../../../lib/docker/client.js'
import { repoRoot } from '../../helpers/cli.js'
import { rejectedUserError } from '../helpers/catch.js'

// lib/docker/build-image.ts against a stub dockerode whose buildImage answers with a message stream, as
// the engine's 200 response does. The trap dockerode leaves: a failed step arrives INSIDE that
// stream as {error, errorDetail}; the build must fail with the step and its last lines.

/** The engine's answer: one JSON message per line, cut into chunks that split lines (as HTTP chunks do). */
function messageStream(messages: object[], chunk = 13): Readable {
  const text = messages.map((m) => JSON.stringify(m) + '\n').join('')
  const pieces: string[] = []
  for (let at = 0; at < text.length; at += chunk) pieces.push(text.slice(at, at + chunk))
  return Readable.from(pieces.map((p) => Buffer.from(p)))
}

/** A dockerode whose buildImage records the options and answers `answer` (a stream, or a rejection). */
function stubDocker(answer: () => Promise<NodeJS.ReadableStream>) {
  const asked: Record<string, unknown>[] = []
  const docker = {
    async buildImage(_context: unknown, opts: Record<string, unknown>) {
      asked.push(opts)
      return answer()
    },
  }
  return { docker: docker as unknown as Docker, asked }
}

/** A request for docker/web that records its steps and output lines. */
function request(over: Partial<BuildRequest> = {}): { req: BuildRequest; steps: string[]; lines: string[] } {
  const steps: string[] = []
  const lines: string[] = []
  const req: BuildRequest = {
    context: Readable.from([]),
    tags: ['acme/app-web:abc1234', 'acme/app-web:latest'],
    builder: 'legacy',
    name: 'docker/web',
    onStep: (s) => steps.push(s),
    onOutput: (l) => lines.push(l),
    ...over,
  }
  return { req, steps, lines }
}

const step = (n: number, of: number, what: string) => ({ stream: `Step ${n}/${of} : ${what}\n` })

// ---------------------------------------------------------------------------------------------
const Lines = suite('jsonLines')

Lines('messages split across chunks, blank lines, and a last one without a newline', async () => {
  const chunks = ['{"stream":"a"}\n{"str', 'eam":"b"}\n\n  \n', '{"aux":{"ID":"sha256:1"}}']
  const out = []
  for await (const m of jsonLines(Readable.from(chunks))) out.push(m)
  assert.equal(out, [{ stream: 'a' }, { stream: 'b' }, { aux: { ID: 'sha256:1' } }])
})

Lines.run()

// ---------------------------------------------------------------------------------------------
const Legacy = suite('buildImage: the legacy builder (JSON lines)')

Legacy('steps and output lines reach their callbacks; the image id comes from aux', async () => {
  const { docker } = stubDocker(async () =>
    messageStream([
      step(1, 2, 'FROM acme/app-base'),
      { stream: ' ---> 3f2a9c0d1e2b\n' },
      step(2, 2, 'RUN pip install x'),
      { stream: ' ---> Running in 0123abcd\n' },
      { stream: 'Collecting x\r\nInstalling x\n' },
      { stream: 'Removing intermediate container 0123abcd\n' },
      { stream: ' ---> Using cache\n' },
      { aux: { ID: 'sha256:web' } },
      { stream: 'Successfully built 4b5c6d7e8f90\n' },
    ]),
  )
  const { req, steps, lines } = request()
  assert.equal(await buildImage(docker, req), { id: 'sha256:web' }, 'the aux ID, not the short id of the last line')
  assert.equal(steps, ['Step 1/2 : FROM acme/app-base', 'Step 2/2 : RUN pip install x'])
  assert.equal(lines, ['Collecting x', 'Installing x', ' ---> Using cache', 'Successfully built 4b5c6d7e8f90'], "the builder's bookkeeping left out, CRs dropped, Using cache kept")
})

Legacy('what the engine is asked: tags, Dockerfile, args, labels, rm/forcerm; no BuildKit version, no network mode unless set', async () => {
  const { docker, asked } = stubDocker(async () => messageStream([{ aux: { ID: 'sha256:1' } }]))
  const signal = new AbortController().signal
  await buildImage(docker, request({ buildargs: { IMAGE_PREFIX: 'acme/app' }, labels: { l: 'v' }, signal }).req)
  assert.equal(asked[0], { t: ['acme/app-web:abc1234', 'acme/app-web:latest'], dockerfile: 'Dockerfile', buildargs: { IMAGE_PREFIX: 'acme/app' }, labels: { l: 'v' }, rm: true, forcerm: true, abortSignal: signal })
  await buildImage(docker, request({ builder: 'buildkit', networkmode: 'none', dockerfile: 'Dockerfile.release' }).req)
  assert.is(asked[1].version, '2', 'BuildKit: version 2 (progress as protobuf traces)')
  assert.is(asked[1].networkmode, 'none', 'RUN steps without network, when asked')
  assert.is(asked[1].dockerfile, 'Dockerfile.release')
})

Legacy('no aux message: the id from "Successfully built"', async () => {
  const { docker } = stubDocker(async () => messageStream([step(1, 1, 'FROM x'), { stream: 'Successfully built 4b5c6d7e8f90\n' }]))
  assert.equal(await buildImage(docker, request().req), { id: '4b5c6d7e8f90' })
})

Legacy('a stream that ends without any id: a UserError with the last lines', async () => {
  const { docker } = stubDocker(async () => messageStream([step(1, 1, 'FROM x'), { stream: 'something\n' }]))
  const e = await rejectedUserError(buildImage(docker, request().req), 'a build without an id')
  assert.is(e.message, 'building docker/web ended without an image id')
  assert.equal(e.details, ['Step 1/1 : FROM x', 'something'])
})

Legacy('an {error, errorDetail} message in the 200 stream fails the build, at its step, with its last lines', async () => {
  const message = "The command '/bin/sh -c make' returned a non-zero code: 2"
  const { docker } = stubDocker(async () =>
    messageStream([
      step(1, 3, 'FROM acme/app-base'),
      step(2, 3, 'RUN make'),
      { stream: 'cc -c main.c\n' },
      { stream: 'main.c:3: error: expected ;\n' },
      { errorDetail: { code: 2, message }, error: message },
      // After the error: never read as success.
      { aux: { ID: 'sha256:should-not-count' } },
    ]),
  )
  const e = await rejectedUserError(buildImage(docker, request().req), 'a build whose RUN step failed')
  assert.is(e.message, `building docker/web failed at Step 2/3 : RUN make: ${message}`, 'names the image, the step and the engine message')
  assert.equal(e.details, ['Step 1/3 : FROM acme/app-base', 'Step 2/3 : RUN make', 'cc -c main.c', 'main.c:3: error: expected ;'], "the step's last lines, to show under the error")
  assert.match(e.hint ?? '', /the RUN step exited non-zero/, 'the hint is about the RUN step')
})

Legacy('an {error} message without errorDetail fails the build too', async () => {
  const { docker } = stubDocker(async () => messageStream([step(1, 1, 'RUN false'), { error: 'exit 1' }]))
  const e = await rejectedUserError(buildImage(docker, request().req), 'error without errorDetail')
  assert.is(e.message, 'building docker/web failed at Step 1/1 : RUN false: exit 1')
})

Legacy('only the last 25 lines are kept for the error', async () => {
  const many = Array.from({ length: 40 }, (_, i) => ({ stream: `line ${i + 1}\n` }))
  const { docker } = stubDocker(async () => messageStream([step(1, 1, 'RUN noisy'), ...many, { error: 'exit 1' }]))
  const e = await rejectedUserError(buildImage(docker, request().req), 'a noisy failing step')
  assert.is(e.details?.length, 25, 'a bounded tail')
  assert.is(e.details?.[0], 'line 16', 'the oldest kept line')
  assert.is(e.details?.at(-1), 'line 40', 'the last line printed')
})

Legacy('a step of our own Dockerfiles that explains itself: its "pypackage-tasks error:" and hint win', async () => {
  const { docker } = stubDocker(async () =>
    messageStream([
      step(3, 9, 'RUN python /tmp/manifest.py'),
      { stream: 'pypackage-tasks error: no wheel for django==4.2 in /wheels\n' },
      { stream: 'pypackage-tasks hint: run pypackage-tasks build first\n' },
      { error: 'exit 1' },
    ]),
  )
  const e = await rejectedUserError(buildImage(docker, request().req), 'a self-explaining step')
  assert.is(e.message, 'building docker/web failed: no wheel for django==4.2 in /wheels')
  assert.is(e.hint, 'run pypackage-tasks build first')
})

Legacy('hints by kind of failure: a missing FROM image, a COPY source missing from the context, a Dockerfile syntax error, anything else', async () => {
  const cases: [string, object[], RegExp][] = [
    ['missing FROM', [{ error: 'pull access denied for acme/app-base, repository does not exist' }], /a FROM image is missing/],
    [
      'missing FROM (BuildKit)',
      [{ error: 'failed to resolve source metadata for docker.io/acme/app-base:latest: docker.io/acme/app-base:latest: not found' }],
      /a FROM image is missing/,
    ],
    [
      'missing COPY source (legacy)',
      [step(2, 3, 'COPY app.py /app/'), { error: 'COPY failed: file not found in build context or excluded by .dockerignore: stat app.py: file does not exist' }],
      /^a COPY source is not in the build context \(the image's folder\), or \.dockerignore leaves it out/,
    ],
    [
      'missing COPY source (BuildKit)',
      [step(2, 3, 'COPY app.py /app/'), { error: 'failed to compute cache key: failed to calculate checksum of ref 0b1c::xyz: "/app.py": not found' }],
      /^a COPY source is not in the build context \(the image's folder\), or \.dockerignore leaves it out/,
    ],
    ['syntax', [{ error: 'dockerfile parse error line 3: unknown instruction: RUNN' }], /fix the Dockerfile syntax/],
    ['other', [step(1, 1, 'USER app'), { error: 'unable to find user app: no matching entries in passwd file' }], /^fix the Dockerfile and retry$/],
  ]
  for (const [what, messages, hint] of cases) {
    const { docker } = stubDocker(async () => messageStream(messages))
    const e = await rejectedUserError(buildImage(docker, request().req), what)
    assert.match(e.hint ?? '', hint, `${what}: ${e.hint}`)
  }
})

Legacy('the engine refuses to start the build: a UserError naming the image', async () => {
  const { docker } = stubDocker(async () => Promise.reject(new Error('(HTTP code 500) cannot read context')))
  const e = await rejectedUserError(buildImage(docker, request().req), 'a refused build')
  assert.is(e.message, 'the engine refused to build docker/web: (HTTP code 500) cannot read context')
})

Legacy('the stream breaks mid-build: "lost the engine", with the lines so far', async () => {
  const broken = async () =>
    Readable.from(
      (async function* () {
        yield Buffer.from(JSON.stringify(step(1, 2, 'RUN sleep 60')) + '\n')
        throw new Error('socket hang up')
      })(),
    )
  const { docker } = stubDocker(broken)
  const e = await rejectedUserError(buildImage(docker, request().req), 'a lost engine')
  assert.is(e.message, 'lost the engine while building docker/web: socket hang up')
  assert.equal(e.details, ['Step 1/2 : RUN sleep 60'])
  assert.match(e.hint ?? '', /the build tagged nothing/)
})

Legacy('aborted before it starts: interrupted, and the engine is never asked', async () => {
  const { docker, asked } = stubDocker(async () => messageStream([]))
  const stop = new AbortController()
  stop.abort('SIGTERM')
  const e = await rejectedUserError(buildImage(docker, request({ signal: stop.signal }).req), 'an aborted build')
  assert.is(e.message, 'interrupted (SIGTERM)')
  assert.is(e.exitCode, 143, 'SIGTERM exits 143')
  assert.is(asked.length, 0, 'no build was started')
})

Legacy('aborted while the stream runs: interrupted, not "lost the engine"', async () => {
  const stop = new AbortController()
  const aborting = async () =>
    Readable.from(
      (async function* () {
        yield Buffer.from(JSON.stringify(step(1, 1, 'RUN sleep 60')) + '\n')
        stop.abort('SIGINT')
        throw new Error('The operation was aborted')
      })(),
    )
  const e = await rejectedUserError(buildImage(stubDocker(aborting).docker, request({ signal: stop.signal }).req), 'Ctrl-C mid-build')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.is(e.exitCode, 130)
})

Legacy.run()

// ---------------------------------------------------------------------------------------------
const Kit = suite('buildImage: BuildKit (protobuf traces in aux)')

/** Traces recorded from a real BuildKit build whose step 3/3 printed three lines and exited 3. */
const trace = JSON.parse(readFileSync(path.join(repoRoot, 'tests/fixtures/buildkit-trace.json'), 'utf8')) as { aux: string[] }
const FAILED = 'Step 3/3 : RUN printf "line one\\nline two\\npartial" && exit 3'
const ENGINE_ERROR = 'executor failed running [/bin/sh -c printf "line one\\nline two\\npartial" && exit 3]: exit code: 3'

Kit('the traces become steps and output; the failure names the failing step, with its own lines', async () => {
  const messages = [...trace.aux.map((aux) => ({ id: 'moby.buildkit.trace', aux })), { errorDetail: { message: ENGINE_ERROR }, error: ENGINE_ERROR }]
  const { docker } = stubDocker(async () => messageStream(messages, 200))
  const { req, steps, lines } = request({ builder: 'buildkit' })
  const e = await rejectedUserError(buildImage(docker, req), 'a failing BuildKit build')
  assert.equal(steps, ['Step 1/3 : FROM docker.io/library/debian:bookworm-slim', 'Step 2/3 : RUN echo "pptest trace: step one" && echo "to stderr" 1>&2', FAILED], 'each step once, as it started')
  assert.equal(lines, [' ---> Using cache', 'line one', 'line two'], 'the cached FROM step said so; the failing step\'s complete lines went to onOutput')
  assert.is(e.message, `building docker/web failed at ${FAILED}: ${ENGINE_ERROR}`)
  assert.equal(e.details, [FAILED, 'line one', 'line two', 'partial'], 'the failing step and its own lines, the unfinished last one too')
  assert.match(e.hint ?? '', /RUN step exited non-zero/)
})

Kit.run()

// ---------------------------------------------------------------------------------------------
const Choose = suite('chooseBuilder')

/** A dockerode answering version() with `api`, counting the questions. */
function versioned(api: string) {
  const docker = { asked: 0, version: async () => (docker.asked++, { ApiVersion: api }) }
  return docker
}

Choose('a setting other than auto is taken as it is, without asking the engine', async () => {
  const docker = versioned('1.20')
  assert.is(await chooseBuilder(docker as unknown as Docker, 'buildkit', {}), 'buildkit')
  assert.is(await chooseBuilder(docker as unknown as Docker, 'legacy', {}), 'legacy')
  assert.is(docker.asked, 0)
})

Choose('auto: BuildKit from API 1.39 on, compared as numbers', async () => {
  for (const [api, want] of [
    ['1.39', 'buildkit'],
    ['1.41', 'buildkit'],
    ['1.100', 'buildkit'],
    ['2.0', 'buildkit'],
    ['1.38', 'legacy'],
    ['1.4', 'legacy'],
  ]) {
    assert.is(await chooseBuilder(versioned(api) as unknown as Docker, 'auto', {}), want, `API ${api}`)
  }
})

Choose('auto with DOCKER_BUILDKIT=0: legacy, as the docker CLI decides', async () => {
  const docker = versioned('1.45')
  assert.is(await chooseBuilder(docker as unknown as Docker, 'auto', { DOCKER_BUILDKIT: '0' }), 'legacy')
  assert.is(docker.asked, 0, 'the engine was not asked')
})

Choose('auto: the engine is asked once per connection', async () => {
  const docker = versioned('1.41')
  await chooseBuilder(docker as unknown as Docker, 'auto', {})
  await chooseBuilder(docker as unknown as Docker, 'auto', {})
  assert.is(docker.asked, 1)
})

Choose.run()
