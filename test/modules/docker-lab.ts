/**
 * Shared by the docker, swarm, service and overlay module tests: a three-node lab, facts per family, a
 * ModuleContext over FakeGuests (peers included), and a run that goes probe → plan → apply → verify the way
 * the engine does.
 */
import { parseLab } from '../../src/lab/load.js'
import type { ResolvedLab } from '../../src/lab/resolve.js'
import type { Change, Facts, Family, Module, ModuleContext } from '../../src/modules/module.js'
import type { FakeGuest } from '../helpers/fake-guest.js'
import { converge } from '../../src/engine/provision.js'

export const IPS = { master: '192.168.56.10', node1: '192.168.56.11', node2: '192.168.56.12' } as const
export type NodeName = keyof typeof IPS

const OS: Record<Family, string> = { el7: 'centos7', el8: 'rocky8', el9: 'rocky9', el10: 'rocky10', debian: 'debian12' }

/** The lab: master, node1, node2 on 192.168.56.0/24 with `modules` (YAML flow items) in order. */
export function swarmLab(family: Family, modules: string[]): ResolvedLab {
  const text = [
    'name: t',
    `os: ${OS[family]}`,
    'network: { cidr: 192.168.56.0/24 }',
    'nodes:',
    ...Object.entries(IPS).map(([name, ip]) => `  - { name: ${name}, ip: ${ip} }`),
    'modules:',
    ...modules.map((m) => `  - ${m}`),
  ].join('\n')
  return parseLab(text, 'test lab')
}

export function factsFor(family: Family, hostname: string): Facts {
  const el = family !== 'debian'
  return {
    family,
    id: el ? (family === 'el7' ? 'centos' : 'rocky') : 'debian',
    versionId: { el7: '7', el8: '8.10', el9: '9.4', el10: '10.1', debian: '12' }[family],
    prettyName: family,
    packageManager: family === 'el7' ? 'yum' : el ? 'dnf' : 'apt',
    services: { chrony: el ? 'chronyd' : 'chrony', ssh: el ? 'sshd' : 'ssh' },
    paths: { chronyConf: el ? '/etc/chrony.conf' : '/etc/chrony/chrony.conf' },
    firewalld: false,
    hostname,
  }
}

export interface Nodes {
  lab: ResolvedLab
  family: Family
  guests: Partial<Record<NodeName, FakeGuest>>
  /** Hostnames as the nodes report them (default: the FQDN). */
  hostnames?: Partial<Record<NodeName, string>>
  /** Where the lab file lives (ctx.labFile resolves against it). */
  labDir?: string
}

export function contextFor<O>(nodes: Nodes, node: NodeName, role: string | undefined, options: O, logs: string[] = []): ModuleContext<O> {
  const resolved = nodes.lab.nodes.find((n) => n.name === node)!
  const guest = nodes.guests[node]
  if (guest === undefined) throw new Error(`no FakeGuest for ${node}`)
  const facts = (name: NodeName): Facts => factsFor(nodes.family, nodes.hostnames?.[name] ?? `${name}.localdomain`)
  return {
    lab: nodes.lab,
    node: resolved,
    role,
    options,
    guest,
    facts: facts(node),
    async peer(name) {
      const g = nodes.guests[name as NodeName]
      if (g === undefined) throw new Error(`no FakeGuest for peer ${name}`)
      return { guest: g, facts: facts(name as NodeName) }
    },
    async secret(name) {
      return `secret-${name}`
    },
    labFile: (rel) => `${nodes.labDir ?? '/labs'}/${rel}`,
    log: (line) => logs.push(line),
  }
}

/** The module's options from the lab (with every default applied). */
export function optionsOf<O>(lab: ResolvedLab, module: string): O {
  const step = lab.modules.find((m) => m.module === module)
  if (step === undefined) throw new Error(`the lab has no ${module} module`)
  return step.options as O
}

/** What the engine does for one node (its own converge()); returns the plan. */
export async function runModule<O, P, K extends string>(mod: Module<O, P, K>, ctx: ModuleContext<O>, opts: { check?: boolean } = {}): Promise<Change<K>[]> {
  const probed = await mod.probe(ctx)
  const changes = mod.plan(ctx, probed)
  await converge(mod, ctx, probed, changes, opts)
  return changes
}

/** Commands the guest ran since `from`, without the batched probe scripts (asserted separately). */
export function actions(guest: FakeGuest, from = 0): string[] {
  return guest.commands.slice(from).filter((c) => !c.includes('#vmlab:begin:'))
}
