/**
 * docker swarm: the first manager inits (always with --advertise-addr: every VirtualBox NAT NIC is 10.0.2.15),
 * the other nodes join it. A node that is in another swarm, stuck pending or in error, or that the manager
 * does not list Ready, leaves (--force) and joins again; Down entries a rejoin leaves behind are removed.
 * The engine runs every node at once, so a joining node waits for the manager's swarm before it asks for a token.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Change, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import type { ResolvedNode } from '../lab/resolve.js'
import { moduleTargets } from '../lab/targets.js'
import { LabError } from '../util/errors.js'
import { must } from './lib/must.js'
import { changeKeys } from './lib/change-keys.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import { labNodeByHostname, managerAddr, readSwarm, staleEntries, type NodeEntry, type SwarmInfo, type SwarmState } from './lib/docker-swarm.js'

type Options = ModuleOptions<'swarm'>
type Ctx = ModuleContext<Options>
type Key = FirstManagerKey | MemberKey
type FirstManagerKey = 'init' | 'prune'
type MemberKey = 'join' | 'leave' | 'promote' | 'demote'

export interface SwarmProbe {
  self: SwarmState
  /** The first manager's state seen through ctx.peer; absent on the first manager itself. */
  manager?: SwarmState
  /** The first manager's hostname (hostnames must be unique in a swarm). */
  managerHostname?: string
}

export interface SwarmTiming {
  /** How long a joining node waits for the first manager to have a swarm. */
  managerWait: Pace
  /** How long a member listed Down (a node just booted or restored) gets to become Ready before it rejoins. */
  readyGrace: Pace
  /** How long verify waits for every node to be Ready. */
  settle: Pace
}

export const SWARM_TIMING: SwarmTiming = {
  managerWait: { timeoutMs: 180_000, pollMs: 2_000 },
  readyGrace: { timeoutMs: 15_000, pollMs: 1_000 },
  settle: { timeoutMs: 60_000, pollMs: 2_000 },
}

function firstManager(ctx: Ctx): ResolvedNode {
  const name = ctx.options.managers[0]
  const node = ctx.lab.nodes.find((n) => n.name === name)
  if (node === undefined) throw new LabError(`swarm: the first manager ${String(name)} is not a node of this lab`)
  return node
}

const isFirst = (ctx: Ctx): boolean => ctx.node.name === ctx.options.managers[0]
const wantsManager = (ctx: Ctx): boolean => ctx.role === 'manager'

function describeState(info: SwarmInfo): string {
  return `${info.LocalNodeState}${info.Error ? ` (${info.Error})` : ''}`
}

function managersOf(info: SwarmInfo): string {
  return (info.RemoteManagers ?? []).map((m) => m.Addr).join(', ') || 'none'
}

function listing(nodes: NodeEntry[]): string {
  return nodes.map((n) => `${n.Hostname} ${n.Status}${n.ManagerStatus ? ` ${n.ManagerStatus}` : ''}`).join(', ') || 'no nodes'
}

/** Why an active node is not a sound member of the first manager's swarm, or undefined when it is. */
function whyNotMember(ctx: Ctx, probed: SwarmProbe): string | undefined {
  const first = firstManager(ctx)
  const self = probed.self.info
  if (!(self.RemoteManagers ?? []).some((m) => m.Addr === managerAddr(first.ip))) return `it is in another swarm (managers: ${managersOf(self)})`
  const m = probed.manager
  if (m === undefined || m.info.LocalNodeState !== 'active' || !m.info.ControlAvailable) return `${first.name} has no swarm of its own (was it reset?)`
  const entry = m.nodes.find((n) => n.ID === self.NodeID)
  if (entry === undefined) return `${first.name} does not list it`
  if (entry.Status !== 'Ready') return `${first.name} lists it as ${entry.Status}`
  return undefined
}

function planFirstManager(ctx: Ctx, probed: SwarmProbe): Change<FirstManagerKey>[] {
  const { info, nodes } = probed.self
  const name = ctx.node.name
  const port = ctx.options.data_path_port
  switch (info.LocalNodeState) {
    case 'inactive':
      return [
        {
          key: 'init',
          what: `docker swarm init --advertise-addr ${ctx.node.ip}${port === undefined ? '' : ` --data-path-port ${port}`}`,
          why: 'the first manager starts the swarm',
        },
      ]
    case 'active': {
      const leave = `run \`docker swarm leave --force\` on ${name} (and on the nodes of its swarm), then run the swarm module again`
      if (!info.ControlAvailable) {
        throw new LabError(`${name} is a worker in another swarm (managers: ${managersOf(info)}), but the lab wants it to manage its own`, { hint: leave })
      }
      if (info.NodeAddr !== ctx.node.ip) {
        throw new LabError(`${name} manages a swarm that advertises ${info.NodeAddr}, not its lab address ${ctx.node.ip}`, { hint: leave })
      }
      const current = info.Cluster?.DataPathPort
      if (port !== undefined && current !== undefined && current !== port) {
        throw new LabError(`${name}'s swarm uses data path port ${current}, the lab wants ${port}; it is set only when the swarm is created`, { hint: leave })
      }
      const stale = staleEntries(nodes)
      if (stale.length === 0) return []
      return [
        {
          key: 'prune',
          what: `docker node rm ${stale.map((n) => n.ID).join(' ')}`,
          why: `stale Down entries of ${[...new Set(stale.map((n) => n.Hostname))].join(', ')} left by an earlier rejoin`,
        },
      ]
    }
    default:
      throw new LabError(`${name}: swarm state is ${describeState(info)}`, {
        hint: info.LocalNodeState === 'locked' ? `unlock it with \`docker swarm unlock\` on ${name}` : `run \`docker swarm leave --force\` on ${name}, then run the swarm module again`,
      })
  }
}

function planMember(ctx: Ctx, probed: SwarmProbe): Change<MemberKey>[] {
  const first = firstManager(ctx)
  const hostname = ctx.facts.hostname
  if (hostname !== '' && probed.managerHostname !== undefined && hostname.toLowerCase() === probed.managerHostname.toLowerCase()) {
    throw new LabError(`${ctx.node.name} has the same hostname as ${first.name} (${hostname}); swarm nodes need unique hostnames`, {
      hint: 'run the hosts module (or check the node identity seed) so that every node has its own hostname',
    })
  }
  const as = wantsManager(ctx) ? 'manager' : 'worker'
  const join = (why: string): Change<MemberKey> => ({
    key: 'join',
    what: `docker swarm join --advertise-addr ${ctx.node.ip} ${managerAddr(first.ip)} (as ${as})`,
    why,
  })
  const leave = (why: string): Change<MemberKey> => ({ key: 'leave', what: 'docker swarm leave --force', why })
  const self = probed.self.info
  switch (self.LocalNodeState) {
    case 'inactive':
      return [join(`not in a swarm; ${first.name} manages the lab's`)]
    case 'active': {
      const reason = whyNotMember(ctx, probed)
      if (reason !== undefined) return [leave(reason), join(`rejoin ${first.name}'s swarm`)]
      if (wantsManager(ctx) && !self.ControlAvailable) return [{ key: 'promote', what: `docker node promote ${self.NodeID} (on ${first.name})`, why: 'the lab lists it as a manager' }]
      if (!wantsManager(ctx) && self.ControlAvailable) return [{ key: 'demote', what: `docker node demote ${self.NodeID} (on ${first.name})`, why: 'the lab lists it as a worker' }]
      return []
    }
    default:
      return [leave(`its swarm state is ${describeState(self)}`), join(`rejoin ${first.name}'s swarm`)]
  }
}

async function applyFirstManager(ctx: Ctx, changes: Change<Key>[], probed: SwarmProbe): Promise<void> {
  const name = ctx.node.name
  for (const change of changes) {
    if (change.key === 'init') {
      const port = ctx.options.data_path_port
      await must(ctx.guest, name, ['docker', 'swarm', 'init', '--advertise-addr', ctx.node.ip, ...(port === undefined ? [] : ['--data-path-port', String(port)])], {
        timeoutMs: 120_000,
      })
    } else if (change.key === 'prune') {
      await must(ctx.guest, name, ['docker', 'node', 'rm', ...staleEntries(probed.self.nodes).map((n) => n.ID)])
    }
  }
}

async function applyMember(ctx: Ctx, changes: Change<Key>[], probed: SwarmProbe, timing: SwarmTiming): Promise<void> {
  const name = ctx.node.name
  const first = firstManager(ctx)
  const manager = await ctx.peer(first.name)
  const keys = changeKeys(changes)
  if (keys.has('leave')) await must(ctx.guest, name, ['docker', 'swarm', 'leave', '--force'], { timeoutMs: 120_000 })
  if (keys.has('join')) {
    ctx.log(`waiting for ${first.name} to manage a swarm`)
    await waitUntil(
      `${first.name} did not start its swarm`,
      timing.managerWait,
      async () => {
        const { info } = await readSwarm(manager.guest, first.name)
        if (info.LocalNodeState !== 'active' || !info.ControlAvailable) throw new NotYet(`its swarm state is ${describeState(info)}`)
      },
      `the swarm module on ${first.name} reports why; ${name} joins once it manages a swarm`,
    )
    const role = wantsManager(ctx) ? 'manager' : 'worker'
    const token = (await must(manager.guest, first.name, ['docker', 'swarm', 'join-token', '-q', role])).trim()
    await must(ctx.guest, name, ['docker', 'swarm', 'join', '--token', token, '--advertise-addr', ctx.node.ip, managerAddr(first.ip)], {
      secrets: [token],
      timeoutMs: 120_000,
      hint: `the swarm ports must be open between the nodes (2377/tcp to ${first.name}, 7946/tcp+udp, 4789/udp): run the firewall module`,
    })
    await removeOwnStaleEntries(ctx, manager.guest)
  }
  if (keys.has('promote') || keys.has('demote')) {
    await must(manager.guest, first.name, ['docker', 'node', keys.has('promote') ? 'promote' : 'demote', probed.self.info.NodeID])
  }
}

/** After a rejoin the manager still lists this node's old identity as Down: remove it by hostname. */
async function removeOwnStaleEntries(ctx: Ctx, managerGuest: Ctx['guest']): Promise<void> {
  const first = firstManager(ctx)
  const { info } = await readSwarm(ctx.guest, ctx.node.name)
  const { nodes } = await readSwarm(managerGuest, first.name)
  const mine = nodes.find((n) => n.ID === info.NodeID)
  if (mine === undefined) return
  const stale = nodes.filter((n) => n.ID !== mine.ID && n.Hostname === mine.Hostname && n.Status === 'Down' && n.ManagerStatus === '')
  if (stale.length) await must(managerGuest, first.name, ['docker', 'node', 'rm', ...stale.map((n) => n.ID)])
}

/** Why the first manager's view is not a settled swarm of the lab's nodes, or undefined when it is. */
function unsettled(ctx: Ctx, { info, nodes }: SwarmState): string | undefined {
  const name = ctx.node.name
  if (info.LocalNodeState !== 'active' || !info.ControlAvailable) return `${name}'s swarm state is ${describeState(info)}, not an active manager`
  const problems: string[] = []
  const self = nodes.find((n) => n.Self)
  if (!nodes.some((n) => n.ManagerStatus === 'Leader')) problems.push('no manager is Leader')
  else if (self?.ManagerStatus !== 'Leader' && self?.ManagerStatus !== 'Reachable') problems.push(`${name} is ${self?.ManagerStatus || 'not listed'}`)
  for (const t of moduleTargets(ctx.lab, { module: 'swarm', options: ctx.options })) {
    const entries = nodes.filter((n) => labNodeByHostname(ctx.lab, n.Hostname)?.name === t.node)
    const ready = entries.find((n) => n.Status === 'Ready')
    if (ready === undefined) problems.push(entries.length ? `${t.node} is ${entries.map((n) => n.Status).join('/')}` : `${t.node} is not listed`)
    else if (t.role === 'manager' && ready.ManagerStatus === '') problems.push(`${t.node} is a worker, not a manager`)
  }
  return problems.length ? `${problems.join('; ')} (docker node ls: ${listing(nodes)})` : undefined
}

/** Why a member is not a Ready member of the first manager's swarm, or undefined when it is. */
function notReady(ctx: Ctx, info: SwarmInfo, managerNodes: NodeEntry[]): string | undefined {
  const first = firstManager(ctx)
  if (info.LocalNodeState !== 'active') return `its swarm state is ${describeState(info)}`
  if (!(info.RemoteManagers ?? []).some((m) => m.Addr === managerAddr(first.ip))) return `its managers are ${managersOf(info)}`
  if (wantsManager(ctx) !== info.ControlAvailable) return `it is a ${info.ControlAvailable ? 'manager' : 'worker'}`
  const entry = managerNodes.find((n) => n.ID === info.NodeID)
  if (entry?.Status !== 'Ready') return `${first.name} lists it as ${entry?.Status ?? 'absent'} (docker node ls: ${listing(managerNodes)})`
  return undefined
}

async function verifyFirstManager(ctx: Ctx, timing: SwarmTiming): Promise<void> {
  await waitUntil(`${ctx.node.name}: the swarm did not settle`, timing.settle, async () => {
    const problem = unsettled(ctx, await readSwarm(ctx.guest, ctx.node.name))
    if (problem !== undefined) throw new NotYet(problem)
  })
}

async function verifyMember(ctx: Ctx, timing: SwarmTiming): Promise<void> {
  const first = firstManager(ctx)
  const manager = await ctx.peer(first.name)
  await waitUntil(`${ctx.node.name} is not a Ready member of ${first.name}'s swarm`, timing.settle, async () => {
    const { info } = await readSwarm(ctx.guest, ctx.node.name)
    const problem = notReady(ctx, info, info.LocalNodeState === 'active' ? (await readSwarm(manager.guest, first.name)).nodes : [])
    if (problem !== undefined) throw new NotYet(problem)
  })
}

/**
 * A member that was just booted or restored shows Down on the manager for a few seconds: re-read the
 * manager's view until it lists the member Ready again, or the grace ends, before planning a rejoin.
 */
async function graceForReady(read: () => Promise<SwarmState>, first: SwarmState, self: SwarmInfo, pace: Pace): Promise<SwarmState> {
  const deadline = Date.now() + pace.timeoutMs
  const waiting = (state: SwarmState): boolean => {
    const status = state.nodes.find((n) => n.ID === self.NodeID)?.Status
    return self.LocalNodeState === 'active' && status !== undefined && status !== 'Ready'
  }
  let state = first
  while (waiting(state) && Date.now() < deadline) {
    await sleep(pace.pollMs)
    state = await read()
  }
  return state
}

export function swarmModule(timing: SwarmTiming = SWARM_TIMING): Module<Options, SwarmProbe, Key> {
  return {
    name: 'swarm',

    async probe(ctx) {
      if (isFirst(ctx)) return { self: await readSwarm(ctx.guest, ctx.node.name) }
      const first = firstManager(ctx)
      const peer = await ctx.peer(first.name)
      // Both reads at once: the manager's then joins (or shares) the read of its own batched probe.
      const [self, now] = await Promise.all([readSwarm(ctx.guest, ctx.node.name), readSwarm(peer.guest, first.name)])
      const manager = await graceForReady(() => readSwarm(peer.guest, first.name), now, self.info, timing.readyGrace)
      return { self, manager, managerHostname: peer.facts.hostname }
    },

    plan(ctx, probed) {
      return isFirst(ctx) ? planFirstManager(ctx, probed) : planMember(ctx, probed)
    },

    async apply(ctx, changes, probed) {
      if (isFirst(ctx)) await applyFirstManager(ctx, changes, probed)
      else await applyMember(ctx, changes, probed, timing)
    },

    // The probe read what verify waits for: a run that changed nothing is verified by it.
    verified(ctx, probed) {
      if (isFirst(ctx)) return unsettled(ctx, probed.self) === undefined
      return probed.manager !== undefined && notReady(ctx, probed.self.info, probed.manager.nodes) === undefined
    },

    async verify(ctx) {
      if (isFirst(ctx)) await verifyFirstManager(ctx, timing)
      else await verifyMember(ctx, timing)
    },
  }
}

export default swarmModule()
