/** Which nodes each module and check acts on, and in what role: for the plan and the engine alike. */
import type { ResolvedLab, ResolvedNode } from './resolve.js'
import { InputError } from '../util/errors.js'
import { closest } from './suggest.js'
import type { ModuleStep } from './module-options.js'

export interface Target {
  node: string
  role?: string
}

function pick(lab: ResolvedLab, nodes: 'all' | string[]): string[] {
  return nodes === 'all' ? lab.nodes.map((n) => n.name) : nodes
}

/** The swarm's first manager, where services and stacks are created. */
export function firstManager(lab: ResolvedLab): string {
  for (const m of lab.modules) if (m.module === 'swarm') return m.options.managers[0]!
  return lab.nodes[0]!.name
}

export function moduleTargets(lab: ResolvedLab, step: ModuleStep): Target[] {
  const all = lab.nodes.map((n) => n.name)
  switch (step.module) {
    case 'hosts':
    case 'repos':
    case 'firewall':
      return all.map((node) => ({ node }))
    case 'chrony':
      return all.map((node) => ({ node, role: node === step.options.server ? 'server' : 'client' }))
    case 'docker':
    case 'exec':
    case 'file':
      return pick(lab, step.options.nodes).map((node) => ({ node }))
    case 'swarm': {
      const { managers, workers } = step.options
      const w = workers === 'others' ? all.filter((n) => !managers.includes(n)) : workers
      return [...managers.map((node) => ({ node, role: 'manager' })), ...w.map((node) => ({ node, role: 'worker' }))]
    }
    case 'registry':
      return all.map((node) => ({ node, role: node === step.options.node ? 'registry' : 'client' }))
    case 'harbor':
    case 'compose':
      return [{ node: step.options.node }]
    case 'portainer':
    case 'service':
    case 'overlay':
      return [{ node: firstManager(lab), role: 'manager' }]
  }
}

/** The lab's nodes named by `--only` and the like (all of them when none is named); a wrong name is bad input. */
export function selectNodes(lab: ResolvedLab, names?: readonly string[]): ResolvedNode[] {
  if (!names) return lab.nodes
  const all = lab.nodes.map((n) => n.name)
  for (const name of names) {
    if (all.includes(name)) continue
    const guess = closest(name, all)
    throw new InputError(`no node named '${name}' in this lab`, guess ? `did you mean '${guess}'? (nodes: ${all.join(', ')})` : `nodes: ${all.join(', ')}`)
  }
  return lab.nodes.filter((n) => names.includes(n.name))
}
