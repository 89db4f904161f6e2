import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (tests run from dist/tests/…). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const bin = path.join(repoRoot, 'bin/pypackage-tasks.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Run the CLI as a user would (a separate process, plain output) and collect its output. */
export function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return runCommand(process.execPath, [bin, ...args], opts)
}

export function runCommand(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, CI: 'true', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${opts.timeoutMs} ms\n${stdout}\n${stderr}`))
    }, opts.timeoutMs ?? 600_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Start the CLI in the background (e.g. `run`), to interact with while it works. */
export function startCli(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): { child: ChildProcess; output: () => string; stdout: () => string; stderr: () => string; done: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env: { ...process.env, CI: 'true', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  // Both streams interleaved as they arrive (what a terminal shows), and each one on its own.
  let out = ''
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => {
    out += d
    stdout += d
  })
  child.stderr!.on('data', (d) => {
    out += d
    stderr += d
  })
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, output: () => out, stdout: () => stdout, stderr: () => stderr, done }
}

/**
 * Make sure a startCli() run is over: `signal` to it if it still runs, SIGKILL if it has not ended
 * 10 s later, then its exit. For `finally` blocks: a run that outlives its test holds the project
 * lock and its containers into the next test. SIGTERM by default: the CLI then removes its
 * containers and its lock itself (SIGKILL would leave both).
 */
export async function stopCli(app: { child: ChildProcess; done: Promise<number | null> }, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const running = () => app.child.exitCode === null && app.child.signalCode === null
  if (running()) app.child.kill(signal)
  const timer = setTimeout(() => running() && app.child.kill('SIGKILL'), 10_000)
  try {
    return await app.done
  } finally {
    clearTimeout(timer)
  }
}
