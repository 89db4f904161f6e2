import type { Emit, Stage, StageEvent } from './events.js'

/** Run one stage, reporting it through `emit`: the shared core of every renderer. */
export async function runStage<C>(stage: Stage<C>, ctx: C, emit: Emit, onEvent?: (e: StageEvent) => void): Promise<void> {
  const reason = stage.skip ? await stage.skip(ctx) : false
  if (reason) {
    emit({ type: 'task:skip', id: stage.id, title: stage.title, reason })
    return
  }
  const started = Date.now()
  emit({ type: 'task:start', id: stage.id, title: stage.title })
  try {
    const summary = await stage.task(ctx, (e) => {
      onEvent?.(e)
      emit(e.type === 'build:step' ? { type: 'build:step', id: stage.id, step: e.step } : { type: 'build:output', id: stage.id, line: e.line })
    })
    emit({ type: 'task:done', id: stage.id, title: stage.title, summary: summary ?? '', ms: Date.now() - started })
  } catch (e) {
    emit({ type: 'task:fail', id: stage.id, title: stage.title, message: (e as Error).message, ms: Date.now() - started })
    throw e
  }
}

/** Stages one after another: the first failure stops the list (and is rethrown). */
export async function runStages<C>(stages: Stage<C>[], ctx: C, emit: Emit): Promise<void> {
  for (const stage of stages) await runStage(stage, ctx, emit)
}
