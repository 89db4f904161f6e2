import { rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { labelsFor } from '../docker/labels.js'
import type { Context } from '../context.js'
import type { ContextEntry } from '../docker/build-context.js'
import { UserError } from '../errors.js'
import type { Project } from '../project.js'
import { appPython } from './image-graph.js'
import { assertWheelsFor, projectManifest } from './wheel-manifest.js'

/**
 * The wheelhouse as extra build-context entries: dependencies and our own wheels in separate
 * folders, so the release Dockerfile installs them in separate layers (an app change then does
 * not reinstall Django).
 */
export async function wheelEntries(ctx: Context): Promise<ContextEntry[]> {
  const { wheelhouse, root } = ctx.project
  const manifest = await projectManifest(ctx.project)
  if (!manifest) {
    throw new UserError(`the wheelhouse (${path.relative(root, wheelhouse) || '.'}) holds no wheels built by pypackage-tasks`, {
      hint: 'build them first: pypackage-tasks build (release does it for you)',
    })
  }
  const python = appPython(ctx)
  if (python) assertWheelsFor(manifest, python, path.relative(root, wheelhouse) || '.')
  return [
    ...manifest.dependencies.map((f) => ({ name: `wheels/deps/${f}`, abs: path.join(wheelhouse, f), hash: manifest.sha256[f] })),
    ...Object.values(manifest.packages).map((f) => ({ name: `wheels/app/${f}`, abs: path.join(wheelhouse, f), hash: manifest.sha256[f] })),
  ]
}

/** Build args the release Dockerfile reads: how to serve the app, found from the project's shape. */
export async function releaseBuildArgs(ctx: Context): Promise<Record<string, string>> {
  const { config } = ctx.project
  const shape = await ctx.project.shape()
  // Before the first build there is no wheelhouse yet: the arg is only read by the final step.
  const wheels = await projectManifest(ctx.project)
  const entry = shape.entry
  if (!entry) {
    throw new UserError('cannot tell which app to serve: no Django wsgi.py, Flask app, FastAPI/Starlette app, WSGI application or Procfile found', {
      hint: 'name it in .pypackagerc.json: "release": { "wsgi": "package.module:app" } (or "asgi", or "command"), or add a Procfile with a web: line',
    })
  }
  return {
    APP_SERVE: entry.kind,
    APP_TARGET: entry.target,
    // Dockerfiles scaffolded by earlier versions read WSGI_APP.
    ...(entry.kind === 'wsgi' ? { WSGI_APP: entry.target } : {}),
    // A Django app's server command with the tool's wrapper in place of its app, and that app (start.sh).
    APP_COMMAND: shape.wrapped?.command ?? '',
    APP_CALLABLE: shape.wrapped?.callable ?? '',
    DJANGO_SETTINGS_MODULE: shape.settings ?? '',
    RELEASE_COMMAND: shape.releaseCommand ?? '',
    RELEASE_ON_START: config.release.releaseOnStart ? '1' : '',
    DATA_FILES: shape.sqlite.join(' '),
    APP_LAYOUT: shape.kind,
    BUILD_ENV: JSON.stringify(config.release.env),
    APP_PORT: String(config.release.port),
    APP_WHEEL: wheels?.packages.app ?? '',
  }
}

/** Where the release Dockerfile records what pip installed (read by inspect and copied out). */
export const IMAGE_MANIFEST = '/app/pypackage-manifest.json'
/** The same, and the image's Debian packages, as a CycloneDX 1.5 SBOM (docker/release/sbom.py). */
export const IMAGE_SBOM = '/app/sbom.cdx.json'

/** `<namespace>/<app>-release`: the repository of the image we ship. */
export function releaseRepo(project: Project): string {
  return `${project.prefix}-${project.config.images.release}`
}

/** An image that must exist (by default the release image's :latest): its id, or an error saying to build it. */
export async function requireImage(ctx: Context, ref = `${releaseRepo(ctx.project)}:latest`): Promise<{ id: string; ref: string }> {
  const found = await (await ctx.engine()).images.inspect(ref)
  if (!found) throw new UserError(`image ${ref} does not exist`, { hint: 'build it first: pypackage-tasks release' })
  return { id: found.id, ref }
}

/** The release image (its :latest), which tag, smoke and push act on: its id and repository, or an error saying to build it. */
export async function releaseImage(ctx: Context): Promise<{ id: string; repo: string }> {
  const { id } = await requireImage(ctx)
  return { id, repo: releaseRepo(ctx.project) }
}

/** Where the release manifest is written next to the wheelhouse: `<wheelhouse>-manifest.json`. */
export function releaseManifestPath(wheelhouse: string): string {
  return `${wheelhouse}-manifest.json`
}

/** Where the release SBOM is written next to the wheelhouse: `<wheelhouse>-sbom.cdx.json`. */
export function releaseSbomPath(wheelhouse: string): string {
  return `${wheelhouse}-sbom.cdx.json`
}

/** Copy the image's manifest and SBOM next to the wheelhouse (each written atomically). */
export async function writeReleaseManifest(ctx: Context, imageId: string, known: Record<string, string> = {}): Promise<void> {
  const { wheelhouse } = ctx.project
  const files = [
    { image: IMAGE_MANIFEST, beside: releaseManifestPath(wheelhouse) },
    { image: IMAGE_SBOM, beside: releaseSbomPath(wheelhouse) },
  ]
  // Known already (an appended image: its new layer holds them): no container to read them from.
  const texts = files.every((f) => f.image in known)
    ? files.map((f) => known[f.image])
    : await (
        await ctx.engine()
      ).images.readFiles(
        imageId,
        files.map((f) => f.image),
        labelsFor(ctx.project.prefix, 'release', ctx.runId),
      )
  for (const [i, { beside }] of files.entries()) {
    const text = texts[i]
    if (text === undefined) {
      // A release Dockerfile of the user's own that keeps no such file: an older copy would
      // describe another image.
      await rm(beside, { force: true })
      continue
    }
    await writeFile(`${beside}.tmp`, text)
    await rename(`${beside}.tmp`, beside)
  }
}
