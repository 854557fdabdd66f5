/**
 * `lab class plan`: every student of the roster with their host and network, computed from the class file,
 * the lab's demand and what an earlier `class up` recorded. Changes nothing.
 */
import type { ResolvedLab } from '../lab/resolve.js'
import { instanceSubnet, poolSize } from '../lab/instance.js'
import { vmName } from '../lab/vm-names.js'
import type { ClassFile } from './class-file.js'
import type { ClassMember, ClassRecord } from './class-record.js'
import { place } from './placement.js'
import type { Student } from './roster.js'

export interface ClassPlan {
  members: ClassMember[]
  unplaced: Array<{ id: string; reason: string }>
  used: Record<string, { memory: number; cpus: number; instances: number }>
}

/** What one instance of the lab asks of its host. */
export function labDemand(lab: Pick<ResolvedLab, 'nodes'>): { memory: number; cpus: number } {
  return lab.nodes.reduce((d, n) => ({ memory: d.memory + n.memory, cpus: d.cpus + n.cpus }), { memory: 0, cpus: 0 })
}

export function planClass(cls: Pick<ClassFile, 'hosts' | 'pool'>, lab: ResolvedLab, students: readonly Student[], record?: ClassRecord): ClassPlan {
  const before = new Map((record?.students ?? []).map((m) => [m.id, m]))
  const demand = labDemand(lab)
  const placement = place(
    cls.hosts,
    students.map((s) => ({ id: s.id, ...demand })),
    Object.fromEntries([...before].map(([id, m]) => [id, m.host])),
  )
  const room = poolSize(cls.pool, lab.network.prefix)
  const taken = new Set<number>()
  for (const s of students) {
    const m = before.get(s.id)
    if (m && placement.hosts[s.id] !== undefined) taken.add(m.index)
  }
  let next = 0
  const members: ClassMember[] = []
  const unplaced = [...placement.unplaced]
  for (const s of students) {
    const host = placement.hosts[s.id]
    if (host === undefined) continue
    let index = before.get(s.id)?.index
    if (index === undefined) {
      while (taken.has(next)) next++
      index = next
      taken.add(index)
    }
    const cidr = index < room ? instanceSubnet(cls.pool, lab.network.prefix, index) : undefined
    if (cidr === undefined) {
      unplaced.push({ id: s.id, reason: `the pool ${cls.pool} holds ${room} networks of /${lab.network.prefix}; give a larger pool` })
      continue
    }
    const m: ClassMember = { ...s, host, index, cidr }
    const score = before.get(s.id)?.score
    if (score) m.score = score
    members.push(m)
  }
  return { members, unplaced, used: placement.used }
}

/** The VM names of one member: what the placement table shows and what `class destroy` must leave gone. */
export function memberVms(lab: ResolvedLab, id: string): string[] {
  return lab.nodes.map((n) => vmName({ name: lab.name, instance: id }, n))
}

/** Forwarded host ports move by this much per subnet index, so instances on one host never collide. */
export function portOffset(index: number): number {
  return (index + 1) * 100
}
