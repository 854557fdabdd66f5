/**
 * Whether the lab's modules, as the lab file states them now, were applied in full and without a failure:
 * then a `lab up` on running nodes has nothing to do (as `vagrant up` skips provisioners that ran), and
 * `lab provision` is how to apply them again.
 */
import { createHash } from 'node:crypto'
import type { ResolvedLab } from '../lab/resolve.js'
import type { ModuleResult } from '../modules/module.js'
import type { LabState } from '../state/state-file.js'

/** Changes when a module, its options, or the nodes it runs on change in the lab file. */
export function modulesKey(lab: ResolvedLab): string {
  const text = JSON.stringify({ os: lab.os.id, modules: lab.modules, nodes: lab.nodes.map((n) => [n.name, n.fqdn, n.ip]) })
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

export function recordApplied(state: LabState, lab: ResolvedLab, results: ModuleResult[], opts: { only?: unknown; check?: boolean }): void {
  if (opts.only || opts.check) return
  if (results.some((r) => r.status === 'failed')) delete state.provisioned
  else state.provisioned = { key: modulesKey(lab), at: new Date().toISOString() }
}

export function appliedAlready(state: LabState, lab: ResolvedLab): string | undefined {
  return state.provisioned?.key === modulesKey(lab) ? state.provisioned.at : undefined
}

/** Records a lab-wide snapshot, and what it holds of the modules. */
export function recordSnapshot(state: LabState, name: string): void {
  state.snapshots = [...state.snapshots.filter((s) => s.name !== name), { name, at: new Date().toISOString(), ...(state.provisioned ? { provisioned: { ...state.provisioned } } : {}) }]
}

/** After a restore, the lab holds what its snapshot held. */
export function restoredFrom(state: LabState, name: string): void {
  const snap = state.snapshots.find((s) => s.name === name)
  if (snap?.provisioned) state.provisioned = { ...snap.provisioned }
  else delete state.provisioned
}
