import { createHash } from 'node:crypto'
import type { Builder } from '../docker/build-image.js'
import type { HistoryStep, ImageLayout } from '../docker/engine.js'
import type { InputChange, Reason } from '../events.js'

/**
 * A release whose only changed inputs are the app's own wheels gets its new image without a
 * Docker build, as jib and ko make theirs: the previous image's layers below the app step, plus
 * one layer made as that step makes it (app-layer-run.ts), loaded with the previous image's
 * config. This file is the pure part: when that applies, where the app step starts, the config
 * and the `docker save` tarball.
 */

/** The release Dockerfile's step that starts the app's part (BuildKit's history wording): it and all after it are made again. */
const APP_STEP = 'COPY wheels/app/ /tmp/wheels/app/ # buildkit'
/** BuildKit's instructions that make a layer, even an empty one (WORKDIR of an existing folder: 0 B). */
const LAYER_STEP = /^(RUN|COPY|ADD|WORKDIR) /
/** The container config keys an image keeps (what `docker inspect` shows under Config). */
const CONFIG_KEYS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Volumes', 'WorkingDir', 'OnBuild', 'StopSignal', 'StopTimeout', 'Shell', 'Labels']

/**
 * Whether the changes allow appending: undefined when something besides the app's wheels changed
 * (the usual "changed" verdict says what), else append, or why not.
 */
export function appendVerdict(o: { changes: InputChange[]; appWheels: Set<string>; builder: Builder; defaultDockerfile: boolean; split?: AppSplit }): Reason | undefined {
  const { changes } = o
  if (!onlyAppWheelsChanged(changes, o.appWheels)) return undefined
  if (o.builder !== 'buildkit') return { is: 'no-append', changes, because: 'legacy-builder' }
  if (!o.defaultDockerfile) return { is: 'no-append', changes, because: 'own-dockerfile' }
  if (!o.split) return { is: 'no-append', changes, because: 'history' }
  return { is: 'append', changes }
}

/** Only the app's own wheels changed (same names: same distributions and versions), nothing else. */
export function onlyAppWheelsChanged(changes: InputChange[], appWheels: Set<string>): boolean {
  return changes.length > 0 && changes.every((c) => c.change === 'changed' && appWheels.has(c.input))
}

/** The previous image's labels without those a build sets (OCI annotations, ours), then the new build's. */
export function appendedLabels(previous: Record<string, string>, build: Record<string, string>): Record<string, string> {
  const kept = Object.entries(previous).filter(([k]) => !k.startsWith('org.opencontainers.image.') && !k.startsWith('pypackage-tasks.'))
  return { ...Object.fromEntries(kept), ...build }
}

/** Where the app step starts in an image: `below` layers come before it; `step` is its first history index (the COPY of the wheels, or an appended image's install). */
export interface AppSplit {
  below: number
  step: number
}

const makesLayer = (h: HistoryStep) => h.size > 0 || LAYER_STEP.test(h.createdBy)

/** The comment on the install step of an appended image: its app part, for the next append. */
const APPENDED = 'pypackage-tasks: appended app layer'

/**
 * Read from the image's own history (as BuildKit recorded it, or as an append left it) which
 * layers lie below the app step: the COPY of the app wheels must be there once, followed by
 * exactly one more layer (the install); or, in an image made by appending, the last layer is the
 * appended one. The history's layers must add up to the image's. Undefined otherwise: not guessed.
 */
export function splitAtAppStep(layout: ImageLayout): AppSplit | undefined {
  const steps = layout.history
  const layers = steps.filter(makesLayer).length
  if (layers !== layout.diffIds.length) return undefined
  const at = steps.findIndex((h) => h.createdBy === APP_STEP)
  if (at < 0) {
    const last = steps.map(makesLayer).lastIndexOf(true)
    return last >= 0 && steps[last].comment === APPENDED ? { below: layers - 1, step: last } : undefined
  }
  if (steps.filter((h) => h.createdBy === APP_STEP).length !== 1 || !makesLayer(steps[at])) return undefined
  const after = steps.slice(at + 1).filter(makesLayer).length
  return after === 1 ? { below: layers - 2, step: at } : undefined
}

/**
 * The appended image's config: the previous one's platform and container config with `labels`,
 * its history without the app step's COPY, and its layers below the app step plus `diffId`.
 */
export function appendedConfig(layout: ImageLayout, split: AppSplit, diffId: string, labels: Record<string, string>, now: Date): Record<string, unknown> {
  const config: Record<string, unknown> = {}
  for (const key of CONFIG_KEYS) if (layout.config[key] !== undefined && layout.config[key] !== null) config[key] = layout.config[key]
  config.Labels = labels
  const history = layout.history.flatMap((h, i) => {
    if (i === split.step && h.createdBy === APP_STEP) return []
    const appended = i >= split.step && makesLayer(h)
    return [
      {
        created: appended ? now.toISOString() : new Date(h.created * 1000).toISOString(),
        created_by: h.createdBy,
        ...(appended ? { comment: APPENDED } : h.comment ? { comment: h.comment } : {}),
        ...(makesLayer(h) ? {} : { empty_layer: true }),
      },
    ]
  })
  return { architecture: layout.architecture, os: layout.os, created: now.toISOString(), config, history, rootfs: { type: 'layers', diff_ids: [...layout.diffIds.slice(0, split.below), diffId] } }
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A file of a tarball: its name and bytes. */
export type TarFile = { name: string; body: Buffer }

/**
 * A `docker save` tarball of one image: manifest.json, its config and only the new layer's file.
 * The other layers are named but absent: the engine has them (same chain), and its loader does
 * not open the file of a layer whose chain it has (moby image/tarexport/load.go). Its id too.
 */
export function saveTarballFiles(config: Record<string, unknown>, tags: string[], layer: Buffer): { id: string; files: TarFile[] } {
  const text = JSON.stringify(config)
  const id = sha256Hex(text)
  const diffIds = (config.rootfs as { diff_ids: string[] }).diff_ids
  const layers = diffIds.map((d) => `${d.replace(/^sha256:/, '')}/layer.tar`)
  const manifest = [{ Config: `${id}.json`, RepoTags: tags, Layers: layers }]
  return {
    id: `sha256:${id}`,
    files: [
      { name: `${id}.json`, body: Buffer.from(text) },
      { name: layers[layers.length - 1], body: layer },
      { name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)) },
    ],
  }
}
