/**
 * Which host each student's instance runs on: a pure function of the hosts' capacity and the instances'
 * demand, so `lab class plan` can print it and a test can check it without a hypervisor. Students already
 * placed stay where they are (their VMs are there); the others go, in roster order, to the host with the
 * most memory left that still has the CPUs, which spreads a class evenly over equal hosts.
 */
export interface HostCapacity {
  name: string
  /** MiB the host gives to lab VMs. */
  memory: number
  cpus: number
}

export interface Demand {
  id: string
  memory: number
  cpus: number
}

export interface Placement {
  /** Student id → host name. */
  hosts: Record<string, string>
  /** Students that fit nowhere, with why. */
  unplaced: Array<{ id: string; reason: string }>
  /** Per host what is used after placement. */
  used: Record<string, { memory: number; cpus: number; instances: number }>
}

export function place(hosts: readonly HostCapacity[], demands: readonly Demand[], previous: Record<string, string> = {}): Placement {
  const used: Placement['used'] = Object.fromEntries(hosts.map((h) => [h.name, { memory: 0, cpus: 0, instances: 0 }]))
  const result: Placement = { hosts: {}, unplaced: [], used }
  const take = (id: string, host: string, d: Demand) => {
    result.hosts[id] = host
    used[host]!.memory += d.memory
    used[host]!.cpus += d.cpus
    used[host]!.instances++
  }
  const rest: Demand[] = []
  for (const d of demands) {
    const before = previous[d.id]
    if (before !== undefined && used[before] !== undefined) take(d.id, before, d)
    else rest.push(d)
  }
  for (const d of rest) {
    let best: HostCapacity | undefined
    let bestFree = -1
    for (const h of hosts) {
      const u = used[h.name]!
      const freeMemory = h.memory - u.memory
      if (freeMemory < d.memory || h.cpus - u.cpus < d.cpus) continue
      if (freeMemory > bestFree) {
        best = h
        bestFree = freeMemory
      }
    }
    if (best) take(d.id, best.name, d)
    else result.unplaced.push({ id: d.id, reason: `needs ${d.memory} MiB and ${d.cpus} CPUs; no host has that much left` })
  }
  return result
}
