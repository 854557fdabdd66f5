/** Which nodes each module and check acts on, and in what role: for the plan and the engine alike. */
import type { ResolvedLab } from './resolve.js'
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
