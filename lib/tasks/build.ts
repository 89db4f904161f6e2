import path from 'node:path'
import type { Context } from '../context.js'
import type { ImagePlan } from '../pipeline/images.js'
import { buildWheels } from '../pipeline/wheels.js'
import { assertPythonProject } from '../project.js'
import type { Stage } from '../render/events.js'
import { graphWithRoles, imageStages } from './plan-images.js'
import type { TaskDef } from './types.js'

/** The wheels stage: run the builder image (planned by an earlier stage) over the source. */
export function wheelStage(ctx: Context, plans: Map<string, Promise<ImagePlan>>): Stage<Context> {
  const builder = ctx.project.config.images.builder
  return {
    id: 'wheels',
    title: `Wheels → ${path.relative(ctx.project.root, ctx.project.wheelhouse)}`,
    task: async (c, emit) => buildWheels(c, (await plans.get(builder)!).ref, emit),
  }
}

/** Images the builder needs, the wheels, and with `withRelease` the release image after them. */
export async function wheelPipeline(ctx: Context, withRelease: boolean): Promise<Stage<Context>[]> {
  assertPythonProject(ctx.project)
  const graph = await graphWithRoles(ctx)
  const { builder, release } = ctx.project.config.images
  const plans = new Map<string, Promise<ImagePlan>>()
  const targets = withRelease ? [builder, release] : [builder]
  // The release image is always rebuilt: the engine's layer cache makes an unchanged one cheap.
  const images = await imageStages(ctx, graph, targets, { rebuild: new Set(withRelease ? [release] : []), plans })
  const isRelease = (s: Stage<Context>) => s.id === `image:${release}`
  return [...images.filter((s) => !isRelease(s)), wheelStage(ctx, plans), ...images.filter(isRelease)]
}

export const build: TaskDef = {
  name: 'build',
  description: 'Build wheels for the app and every dependency into the wheelhouse (in the builder image)',
  args: [],
  options: [],
  async stages(ctx) {
    return wheelPipeline(ctx, false)
  },
}
