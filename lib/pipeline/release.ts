import { rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { findImage } from '../docker/client.js'
import { readFileFromImage } from '../docker/files.js'
import { labelsFor } from '../docker/labels.js'
import type { Context } from '../context.js'
import type { ContextEntry } from '../docker/context.js'
import { UserError } from '../errors.js'
import { djangoModules, type Project } from '../project.js'
import { readManifest } from './wheels.js'

/**
 * The wheelhouse as extra build-context entries: dependencies and our own wheels in separate
 * folders, so the release Dockerfile installs them in separate layers (an app change then does
 * not reinstall Django).
 */
export async function wheelEntries(ctx: Context): Promise<ContextEntry[]> {
  const { wheelhouse, root } = ctx.project
  const manifest = await readManifest(wheelhouse)
  if (!manifest) {
    throw new UserError(`the wheelhouse (${path.relative(root, wheelhouse) || '.'}) holds no wheels built by pypackage-tasks`, {
      hint: 'build them first: pypackage-tasks build (release does it for you)',
    })
  }
  return [
    ...manifest.dependencies.map((f) => ({ name: `wheels/deps/${f}`, abs: path.join(wheelhouse, f), hash: manifest.sha256[f] })),
    ...Object.values(manifest.packages).map((f) => ({ name: `wheels/app/${f}`, abs: path.join(wheelhouse, f), hash: manifest.sha256[f] })),
  ]
}

/** Build args the release Dockerfile reads: how to run the app. */
export async function releaseBuildArgs(ctx: Context): Promise<Record<string, string>> {
  const { settings, wsgi } = await djangoModules(ctx.project.source, ctx.project.config.release)
  if (!wsgi) {
    throw new UserError('cannot tell which WSGI application to serve', {
      hint: 'set "release.wsgi" in .pypackagerc.json, e.g. "mysite.wsgi:application"',
    })
  }
  return {
    WSGI_APP: wsgi,
    DJANGO_SETTINGS_MODULE: settings ?? '',
    APP_PORT: String(ctx.project.config.release.port),
  }
}

/** Where the release Dockerfile records what pip installed (read by inspect and copied out). */
export const IMAGE_MANIFEST = '/app/pypackage-manifest.json'

/** `<namespace>/<app>-release`: the repository of the image we ship. */
export function releaseRepo(project: Project): string {
  return `${project.prefix}-${project.config.images.release}`
}

/** An image that must exist (by default the release image's :latest): its id, or an error saying to build it. */
export async function requireImage(ctx: Context, ref = `${releaseRepo(ctx.project)}:latest`): Promise<{ id: string; ref: string }> {
  const found = await findImage(await ctx.docker(), ref)
  if (!found) throw new UserError(`image ${ref} does not exist`, { hint: 'build it first: pypackage-tasks release' })
  return { id: found.id, ref }
}

/** Where the release manifest is written next to the wheelhouse: `<wheelhouse>-manifest.json`. */
export function releaseManifestPath(wheelhouse: string): string {
  return `${wheelhouse}-manifest.json`
}

/** Copy the image's record of what pip installed next to the wheelhouse (written atomically). */
export async function writeReleaseManifest(ctx: Context, imageId: string): Promise<void> {
  const text = await readFileFromImage(await ctx.docker(), imageId, IMAGE_MANIFEST, labelsFor(ctx.project.prefix, 'release', ctx.runId))
  if (text === undefined) return // a release Dockerfile of the user's own that keeps no manifest
  const file = releaseManifestPath(ctx.project.wheelhouse)
  await writeFile(`${file}.tmp`, text)
  await rename(`${file}.tmp`, file)
}
