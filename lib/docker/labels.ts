import { withDirty } from '../git.js'
/** Labels on everything we create, so cleanup and tests select by label, never by a global prune. */
export const LABEL_PROJECT = 'pypackage-tasks.project'
export const LABEL_TASK = 'pypackage-tasks.task'
const LABEL_RUN = 'pypackage-tasks.run'
/** On the warm builder container: the hash of what it was made with (builder image id, network, volumes, find-links); another hash replaces it. */
export const LABEL_WARM = 'pypackage-tasks.builder'
/** On images: sha256 of the build inputs (context, build args, parents' inputs). */
export const LABEL_INPUTS = 'pypackage-tasks.inputs'
/** On images: the inputs themselves (key → short hash), so the next build can say what changed. */
export const LABEL_INPUTS_DETAIL = 'pypackage-tasks.inputs-detail'

/** On the release image: the Python it runs (major.minor) and the OS image that Python came with. */
export const LABEL_PYTHON = 'pypackage-tasks.python'
const LABEL_OS_IMAGE = 'pypackage-tasks.os-image'

/** The labels naming an image's Python. */
export function pythonLabels(python: { version: string; image: string }): Record<string, string> {
  return { [LABEL_PYTHON]: python.version, [LABEL_OS_IMAGE]: python.image }
}

export function labelsFor(project: string, task: string, runId: string): Record<string, string> {
  return { [LABEL_PROJECT]: project, [LABEL_TASK]: task, [LABEL_RUN]: runId }
}

/** The engine's list filter for resources carrying every one of `labels`. */
export function labelFilters(labels: Record<string, string>): { label: string[] } {
  return { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) }
}

/** OCI image annotations (org.opencontainers.image.*) for an image we build. */
export function ociLabels(opts: { title: string; version?: string; revision?: string; dirty?: boolean; source?: string; created: Date }): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': opts.title,
    'org.opencontainers.image.created': opts.created.toISOString(),
  }
  if (opts.source) labels['org.opencontainers.image.source'] = opts.source
  if (opts.revision) labels['org.opencontainers.image.revision'] = withDirty(opts.revision, opts.dirty)
  if (opts.version) labels['org.opencontainers.image.version'] = opts.version
  return labels
}
