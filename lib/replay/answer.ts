import { existsSync } from 'node:fs'
import { jsonLine } from '../render/json.js'
import { PROGRESS_MODES, resolveProgress } from '../render/progress.js'
import { replayable, replayKey, replayPath } from './record.js'

// The bin's first try for a command a replay record may answer (record.ts): a release that
// changes nothing, said again after one look, without loading the CLI, its tasks or its graph.

/**
 * The exit code when the record of this very command answered it (0), undefined when there is
 * none, or it no longer holds, or anything failed: then the CLI runs the command in full.
 */
export async function replay(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  try {
    const { key, progress } = replayKey(argv, process.cwd())
    // A mode the CLI refuses is the CLI's to refuse.
    if (progress !== undefined && !(PROGRESS_MODES as readonly string[]).includes(progress)) return undefined
    const file = replayPath(key, env)
    if (!existsSync(file)) return undefined // no record: nothing more to load
    const { connect } = await import('../docker/client.js')
    const record = await replayable(file, (context) => connect({ context, env, ping: false }), env)
    if (!record) return undefined
    // A reader that stops early (`release | head -1`) is not an error.
    process.stdout.on('error', () => undefined)
    const json = resolveProgress(progress, env, Boolean(process.stdout.isTTY)) === 'json'
    process.stdout.write((json ? record.events.map((e) => jsonLine(e)) : record.lines).map((l) => `${l}\n`).join(''))
    return 0
  } catch {
    return undefined
  }
}
