import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Context } from '../context.js'
import type { ContextEntry } from '../docker/build-context.js'
import type { Engine, ImageLayout } from '../docker/engine.js'
import { labelsFor } from '../docker/labels.js'
import { UserError } from '../errors.js'
import type { StageEvent } from '../events.js'
import { builtinDockerDir } from '../project.js'
import { APP_LAYER_FILES } from './app-layer-script.js'
import { IMAGE_MANIFEST, IMAGE_SBOM } from './release.js'
import { appenderKeys, REFUSED, runWarmAppend, type StepResult } from './warm-appender.js'
import { appendedConfig, appendedLabels, appendVerdict, onlyAppWheelsChanged, saveTarballFiles, sha256Hex, splitAtAppStep, type AppSplit, type TarFile } from './app-layer.js'
import type { Reason } from '../events.js'

/** What check found for appending: the previous image and where its app step starts. */
export interface AppendPlan {
  previousId: string
  layout: ImageLayout
  split: AppSplit
}

/** Files into a tar (tar-stream, loaded when used). */
async function tarOf(files: TarFile[]): Promise<Buffer> {
  const tar = (await import('tar-stream')).default
  const pack = tar.pack()
  const chunks: Buffer[] = []
  pack.on('data', (c: unknown) => chunks.push(c as Buffer))
  const ended = new Promise<void>((resolve, reject) => pack.on('end', () => resolve()).on('error', reject))
  for (const f of files) pack.entry({ name: f.name, mode: 0o644, uid: 0, gid: 0 }, f.body)
  pack.finalize()
  await ended
  return Buffer.concat(chunks)
}

/**
 * The text of each of `paths` (absolute, as in the image) that the layer tar holds. Read up to the
 * last of them: pack.py sorts the layer, so /app's files come before its static files and
 * site-packages (a cold parse of the whole ~2.6 MB: ~20 ms; up to them: ~3 ms).
 */
async function textsInTar(layer: Buffer, paths: string[]): Promise<Record<string, string>> {
  const tar = (await import('tar-stream')).default
  const extract = tar.extract()
  const texts: Record<string, string> = {}
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve).on('error', reject)
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: unknown) => chunks.push(c as Buffer))
      stream.on('end', () => {
        const at = `/${header.name.replace(/^\.?\//, '')}`
        if (paths.includes(at) && header.type === 'file') texts[at] = Buffer.concat(chunks).toString('utf8')
        if (!paths.every((p) => p in texts)) return next()
        resolve()
        extract.destroy()
      })
    })
  })
  extract.end(layer)
  await done
  return texts
}

/**
 * The verdict for a release whose inputs changed: append (with the plan), why not, or undefined
 * when more than the app's wheels changed. Reads only the previous image's metadata.
 */
export async function checkAppend(
  c: Context,
  o: { dockerfile: string; entries: ContextEntry[]; previousId: string; changes: Extract<Reason, { is: 'changed' }>['changes'] },
): Promise<{ why: Reason; plan?: AppendPlan } | undefined> {
  const appWheels = new Set(o.entries.filter((e) => e.name.startsWith('wheels/app/')).map((e) => `file:${path.relative(c.project.root, e.abs)}`))
  if (!onlyAppWheelsChanged(o.changes, appWheels)) return undefined
  const engine = await c.engine()
  const [builder, ours, builtin, layout] = await Promise.all([
    engine.builder(c.project.config.builder),
    readFile(o.dockerfile, 'utf8'),
    readFile(path.join(builtinDockerDir, 'release/Dockerfile'), 'utf8'),
    engine.images.layout(o.previousId),
  ])
  const split = layout && splitAtAppStep(layout)
  const why = appendVerdict({ changes: o.changes, appWheels, builder, defaultDockerfile: ours === builtin, split })!
  return { why, plan: why.is === 'append' ? { previousId: o.previousId, layout: layout!, split: split! } : undefined }
}

/**
 * Run the app step's scripts in the image's own Python, as root, with no network, `files` under
 * /tmp, and read the layer it packed: in the warm appender (engine.warmBuilder, warm-appender.ts),
 * or a fresh container of `image` (of `repo`).
 */
async function runInImagePython(c: Context, engine: Engine, { plan, repo }: { plan: AppendPlan; repo: string }, files: TarFile[], env: Record<string, string>): Promise<StepResult> {
  const tar = await tarOf(files)
  const image = plan.previousId
  if (c.project.config.engine.warmBuilder) {
    const keys = appenderKeys(plan.layout, plan.split.below)
    return runWarmAppend(engine, { project: c.project.prefix, root: c.project.root, repo, previousId: image, keys, tar, env, signal: c.signal })
  }
  return engine.containers.runCollect(
    { image, user: '0', entrypoint: ['/bin/sh'], cmd: ['/tmp/append/run.sh'], env, network: 'none', labels: labelsFor(c.project.prefix, 'release', c.runId) },
    { dir: '/tmp', tar },
    '/tmp/append/layer.tar',
    c.signal,
  )
}

/**
 * Make the new release image by appending: the app step again in the previous image (its result
 * tarred), then one load. Its id, or undefined when the step refused (the caller builds).
 */
export async function appendAppLayer(
  c: Context,
  p: { plan: AppendPlan; entries: ContextEntry[]; buildargs: Record<string, string>; labels: Record<string, string>; tags: string[]; repo: string },
  emit: (e: StageEvent) => void,
): Promise<{ id: string; files: Record<string, string> } | undefined> {
  const engine = await c.engine()
  const wheels = p.entries.filter((e) => e.name.startsWith('wheels/app/'))
  const files = [
    ...(await Promise.all(wheels.map(async (e) => ({ name: e.name, body: await readFile(e.abs) })))),
    ...Object.entries(APP_LAYER_FILES).map(([name, text]) => ({ name: `append/${name}`, body: Buffer.from(text) })),
  ]
  const { buildargs: a } = p
  const env = { DJANGO_SETTINGS_MODULE: a.DJANGO_SETTINGS_MODULE ?? '', DATA_FILES: a.DATA_FILES ?? '', APP_LAYOUT: a.APP_LAYOUT ?? '', APP_WHEEL: a.APP_WHEEL ?? '' }
  const step = await runInImagePython(c, engine, { plan: p.plan, repo: p.repo }, files, env)
  for (const line of step.output) emit({ type: 'build:output', line })
  if (step.exitCode === REFUSED) return undefined
  if (step.exitCode !== 0 || !step.file) {
    throw new UserError(`the app step failed while appending the app layer (exit ${step.exitCode}): ${step.output.slice(-1)[0] ?? 'no output'}`, {
      hint: 'run again with --force to build the release image with Docker, which names the failing step',
    })
  }
  const config = appendedConfig(
    p.plan.layout,
    p.plan.split,
    `sha256:${sha256Hex(step.file)}`,
    appendedLabels((p.plan.layout.config.Labels as Record<string, string> | null) ?? {}, p.labels),
    new Date(),
  )
  const { id, files: saved } = saveTarballFiles(config, p.tags, step.file)
  await engine.images.load(await tarOf(saved))
  return { id, files: await textsInTar(step.file, [IMAGE_MANIFEST, IMAGE_SBOM]) }
}
