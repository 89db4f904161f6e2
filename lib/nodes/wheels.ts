import path from 'node:path'
import type { Context } from '../context.js'
import type { Node } from '../graph/execute.js'
import { imageNodeId, WHEELS } from '../graph/ids.js'
import { appPython, type NodeResult } from '../pipeline/image-graph.js'
import { diffInputs, hashInputs, type Inputs } from '../pipeline/inputs.js'
import { builtForOther, projectManifest } from '../pipeline/wheel-manifest.js'
import { refuseShadowedDependency, wheelInputs } from '../pipeline/wheel-inputs.js'
import type { RunState } from '../pipeline/state-record.js'

/**
 * The wheels as a graph node: skipped when the sources, the builder image and the pip settings
 * hash as they did for the wheels the wheelhouse still holds. Its plan is those inputs. `state`:
 * the release's state record, whose stat cache hashes the source files.
 */
export function wheelsNode(ctx: Context, state?: RunState): Node<Context, NodeResult> {
  const builder = imageNodeId(ctx.project.config.images.builder)
  return {
    id: WHEELS,
    title: `Wheels → ${path.relative(ctx.project.root, ctx.project.wheelhouse) || '.'}`,
    needs: [builder],
    async check(c, deps) {
      // Wheels already built that way (or a plan) say it too, before the release build's install would.
      refuseShadowedDependency(c.project, await c.project.shape())
      const previous = await projectManifest(c.project)
      // Wheels for another Python are never reused: all are rebuilt (the builder is too, from that Python's base).
      const python = appPython(c)
      const was = python && builtForOther(previous, python)
      if (was) return { run: true, why: { is: 'other-python', was, now: python.version } }
      if (!deps[builder]) return { run: true, why: { is: 'changed', changes: [{ input: 'builder', change: 'rebuilt' }] } }
      const inputs = await wheelInputs(c.project, deps[builder]!.id, state?.hashFile)
      const hash = hashInputs(inputs)
      if (previous && hashInputs(previous.inputs) === hash) {
        return { skip: { id: hash, inputs }, why: { is: 'current-wheels', wheels: Object.keys(previous.packages).length + previous.dependencies.length }, plan: inputs }
      }
      return { run: true, why: diffInputs(previous?.inputs, inputs), plan: inputs }
    },
    async run(c, deps, emit, plan) {
      const b = deps[builder]
      const inputs = (plan as Inputs | undefined) ?? (await wheelInputs(c.project, b.id, state?.hashFile))
      const { built } = await (await import('../pipeline/wheels.js')).buildWheels(c, b.ref!, inputs, emit)
      return { result: { id: hashInputs(inputs), inputs }, data: built }
    },
  }
}
