/** How a run shows its progress: buildx's names. */
export type Progress = 'tty' | 'plain' | 'json'
export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json'] as const

/**
 * The mode, picked once at the edge: `--progress` (or its aliases `--plain`/`--json`), else
 * BUILDKIT_PROGRESS as buildx reads it, else auto — the interactive view only on a terminal
 * that can draw it (not CI, not TERM=dumb). Pure.
 */
export function resolveProgress(flag: string | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): Progress {
  const asked = flag ?? normalize(env.BUILDKIT_PROGRESS)
  if (asked === 'tty' || asked === 'plain' || asked === 'json') return asked
  const ci = Boolean(env.CI) && env.CI!.toLowerCase() !== 'false'
  return isTTY && !ci && env.TERM !== 'dumb' ? 'tty' : 'plain'
}

/** BUILDKIT_PROGRESS also says `rawjson`: the JSON lines here. Anything unknown is auto. */
function normalize(value: string | undefined): string | undefined {
  const v = value?.trim().toLowerCase()
  return v === 'rawjson' ? 'json' : v
}
