import type { TestPlan } from './shape/tests.js'
import type { Shape } from './shape/detect.js'
import type { PythonChoice } from './python.js'

/**
 * What lib/ reports while it works: the contract between the work and every view. Each event is
 * data — ids, numbers, names — never a sentence: the words are in render/ (plain lines, the listr2
 * view), and `--json` prints the events as they are, one per line, with `v` (EVENTS_VERSION) and
 * a timestamp. schema/events.schema.json documents them for consumers; a unit test keeps the two
 * in step. Add a kind (or a field) freely; renaming or removing one raises EVENTS_VERSION.
 */
export const EVENTS_VERSION = 2

/** A graph node's id (graph/ids.ts): `image:<name>`, `wheels`, `prewarm`. */
type NodeId = string

export type Event =
  // --- the graph: one row per node ---
  | { type: 'task:start'; id: NodeId; title: string; why?: Reason }
  /** A dry run's verdict for one node: what would happen and why. */
  | { type: 'plan'; id: NodeId; title: string; action: 'run' | 'skip'; why?: Reason }
  | { type: 'task:skip'; id: NodeId; title: string; reason: Reason }
  | { type: 'task:done'; id: NodeId; title: string; ms: number; data?: Done }
  | { type: 'task:fail'; id: NodeId; title: string; message: string; ms: number }
  | { type: 'build:step'; id: NodeId; step: string }
  | { type: 'build:output'; id: NodeId; line: string }
  // --- a container's own output (run, test, manage): printed as is, to the matching stream ---
  | { type: 'output'; stream: 'stdout' | 'stderr'; line: string }
  // --- the project and the run ---
  /** Another run holds the project lock: this one waits (said once). */
  | { type: 'lock:wait'; task: string; holder: { task: string; pid?: number; since?: string }; file: string }
  /** git refuses the checkout (another user owns it): tags fall back to content hashes. */
  | { type: 'git:untrusted'; repo: string; fix: string }
  /** What the tool found in the project (init, plan); `python`: the Python the release runs (absent: the project's Dockerfiles decide it, taking no OS_IMAGE). */
  | { type: 'shape'; shape: Omit<Shape, 'pyproject'>; python?: PythonChoice }
  /** `init` wrote these files; `makefile` says what it did to the project's Makefile (`renamed`: task → make target, where the team's Makefile had the name). */
  | { type: 'init:done'; app: string; files: string[]; makefile: { action: 'written' | 'included' | 'added'; renamed: [task: string, target: string][] } }
  /** What to do after init; `releaseOnStart`: the command the container will run before serving. */
  | { type: 'init:next'; releaseOnStart?: string }
  /** The tasks, for `list`. */
  | { type: 'tasks'; tasks: { name: string; description: string }[] }
  // --- images: tags, pushes, what is inside ---
  | { type: 'tagged'; repo: string; tags: string[] }
  | { type: 'push:auth'; registry: string; from: string }
  /** A line of the engine's push progress (a layer's status). */
  | { type: 'push:output'; ref: string; line: string }
  | { type: 'push:retry'; ref: string; reason: string; attempt: number; attempts: number; delayMs: number }
  /** An image reference pushed to a registry, with the digest the registry gave it. */
  | { type: 'pushed'; ref: string; digest?: string; ms: number }
  | { type: 'inspect:wheels'; image: string; wheels: { name: string; version: string; sha256: string }[] }
  | { type: 'inspect:sbom'; image: string; path: string; copy?: string }
  // --- serving: run, smoke, start ---
  | { type: 'serving'; url: string; image: string }
  /** The hardening got in the app's way: while serving, or as the reason a command failed. */
  | { type: 'hardening:blocked'; cause: string; hint: string; exitCode?: number }
  | { type: 'smoke:ready'; image: string; url: string; ms: number }
  | { type: 'smoke:response'; path: string; status: number; ms: number }
  // --- dev: watch the sources, rebuild, serve the change ---
  /** dev watches `files` files (in `folders` folders): a save rebuilds the release image and restarts the app. */
  | { type: 'dev:watching'; files: number; folders: number }
  /** Saved files changed what the release is made of (paths relative to the project): rebuilding. */
  | { type: 'dev:change'; files: string[] }
  /** The change is served: `ms` from the first save to the new container's first answer (`restarted`: false when the image came out the same). */
  | { type: 'dev:served'; ms: number; url: string; image: string; restarted: boolean }
  /**
   * The rebuild (`stage` build) or the new container (start: it stopped before answering, or
   * answers GET / with a server error where the previous one did not) failed;
   * `url`: where the previous image still serves (absent when it could not be started again).
   */
  | { type: 'dev:failed'; stage: 'build' | 'start'; message: string; hint?: string; details?: string[]; url?: string }
  /** The app's container stopped by itself while serving: the next save starts a new one. */
  | { type: 'dev:exited'; exitCode: number }
  | { type: 'test:start'; command: string[]; tools: TestPlan['tools'] }
  | { type: 'environment:started'; db: string; web: string; url: string }
  | { type: 'environment:stopped'; containers: string[] }
  | { type: 'bootstrap:step'; step: string }
  | { type: 'bootstrap:no-superuser' }
  | { type: 'cleaned'; containers: number; networks: number; volumes: number; images: number; wheelhouse: string }

/**
 * Why a node runs or is skipped (a verdict of the graph; a dry run's plan says it for every node):
 * - `current`: an image with the same inputs exists at `ref` (found through `latest` when the
 *   tag is new); `current-wheels`: the wheelhouse holds `wheels` built from the same inputs;
 *   `other-python`: the wheelhouse was built for Python `was`, the project now runs `now`;
 * - `never-built`; `changed`: the inputs that differ from the last build's (none: the inputs are
 *   the same but no image holds them); `force`: --force;
 * - `prewarm`: the release's dependency layers get built ahead (`parentBuilt`: in this run, or a
 *   dry run's "would be"); `prewarm-idle`: why not (`image`: the folder that is unchanged, or the
 *   Dockerfile that has no dependency part);
 * - `action`: what an action node would do (a dry run's verdict);
 * - `append`: only the app's own wheels changed (`changes`): the release image gets one new app
 *   layer on the previous image's lower layers, no Docker build; `no-append`: only they changed,
 *   but the Docker build runs (`because`).
 */
export type Reason =
  | { is: 'current'; ref: string; latest?: string }
  | { is: 'current-wheels'; wheels: number }
  | { is: 'other-python'; was: string; now: string }
  | { is: 'never-built' }
  | { is: 'changed'; changes: InputChange[] }
  | { is: 'force' }
  | { is: 'prewarm'; parentBuilt: boolean }
  | { is: 'prewarm-idle'; because: 'parent-current' | 'legacy-builder' | 'no-dependency-part' | 'dynamic-dependencies'; image?: string }
  | { is: 'action'; intent: Intent }
  | { is: 'append'; changes: InputChange[] }
  | { is: 'no-append'; changes: InputChange[]; because: NoAppend }

/**
 * Why a release whose only change is the app's wheels is built, not appended: the legacy builder
 * (no layer history to read), a release Dockerfile other than the tool's, or a previous image
 * whose history does not show the app step as the tool's Dockerfile makes it.
 */
export type NoAppend = 'legacy-builder' | 'own-dockerfile' | 'history'

/**
 * One input that differs from the last build (pipeline/inputs.ts keys: `file:<path>`, `arg:<NAME>`,
 * `parent:<name>`, `from:<image>`, `builder`, `pip`, or a node id such as `wheels`); `label`: how
 * the user knows a parent image (its folder).
 */
export type InputChange = { input: string; change: 'added' | 'set' | 'changed' | 'rebuilt' | 'replaced' | 'removed'; label?: string }

/** What an action node would do, for a dry run: the task's own data, never a sentence. */
export type Intent =
  | { do: 'list' }
  | { do: 'init'; app: string; files: string[] }
  | { do: 'inspect'; image: string }
  | { do: 'test'; args: string[] }
  | { do: 'tag'; repo: string; tags: string[] }
  | { do: 'push'; repo: string; tags: string[] }
  | { do: 'smoke'; image: string; paths: string[] }
  | { do: 'serve'; image: string; hostPort: number }
  | { do: 'run'; image: string; command: string[] }
  | { do: 'start'; hostPort: number }
  | { do: 'bootstrap'; steps: string[] }
  | { do: 'manage'; argv: string[] }
  | { do: 'stop'; containers: string[] }
  | { do: 'logs'; container: string; tail: number; follow: boolean }
  | { do: 'clean'; containers: number; networks: number; volumes: number; images: number; wheelhouse: string }

/**
 * What a finished node made, as data (render/ words it; --json gives it as is): an image, the
 * wheels, the release's dependency layers, or an action's result.
 */
export type Done =
  | { image: { id: string; tags: string[]; size: number } }
  | {
      wheels: { file: string; sha256: string }[]
      built: string[]
      /** Wheels made from the previous ones in place of a build (an edit of files they hold verbatim), with the files replaced. */
      patched?: { file: string; files: string[] }[]
      reused: string[]
      dependencies: number
      folder: string
      /** Where they were built: a fresh container (cold), or the warm builder, made for this build (started, replaced) or kept from the last one. */
      builder?: 'cold' | 'started' | 'replaced' | 'reused'
    }
  | { prewarm: { installed: number } | { idle: true } | { failed: string } }
  | { tags: string[] }
  | { smoke: { path: string; status: number }[] }
  | { pushed: string[] }

export type Emit = (event: Event) => void

/** Events a graph node emits about itself; the executor adds the node id. */
export type StageEvent = { type: 'build:step'; step: string } | { type: 'build:output'; line: string }
