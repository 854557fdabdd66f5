/**
 * verify() for modules whose probe sees everything they change: after an apply, probe again and expect an
 * empty plan. Skipped when nothing was applied, since the probe that planned nothing just said so.
 */
import type { Module, ModuleContext } from '../module.js'
import { LabError } from '../../util/errors.js'

// The engine hands the same context object to probe, plan, apply and verify of one node.
const applied = new WeakSet<object>()

export function markApplied(ctx: object): void {
  applied.add(ctx)
}

export function wasApplied(ctx: object): boolean {
  return applied.has(ctx)
}

export async function expectConverged<O, P>(mod: Module<O, P>, ctx: ModuleContext<O>): Promise<void> {
  if (!applied.has(ctx)) return
  const left = mod.plan(ctx, await mod.probe(ctx))
  if (left.length === 0) return
  throw new LabError(`${ctx.node.name}: ${mod.name} is not in the wanted state after applying its changes; still to do: ${left.map((c) => c.what).join('; ')}`, {
    hint: 'something on the node undoes the change or refused it; run the step again with --check to see the difference',
  })
}
