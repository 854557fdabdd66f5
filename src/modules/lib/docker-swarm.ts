/**
 * Swarm state as the Engine API reports it (/info's Swarm, /nodes), read in one round trip, with the node list
 * in the terms `docker node ls` prints, and the mapping from swarm nodes back to lab nodes.
 */
import { z } from 'zod'
import type { Guest } from '../module.js'
import type { ResolvedLab, ResolvedNode } from '../../lab/resolve.js'
import { moduleTargets } from '../../lab/targets.js'
import { parseDockerJson } from './docker-json.js'
import { readEngine } from './docker-api.js'

export const SwarmInfoSchema = z.object({
  NodeID: z.string().default(''),
  NodeAddr: z.string().default(''),
  /** inactive, pending, active, error or locked. */
  LocalNodeState: z.string(),
  ControlAvailable: z.boolean().default(false),
  Error: z.string().default(''),
  RemoteManagers: z
    .array(z.object({ NodeID: z.string(), Addr: z.string() }))
    .nullable()
    .default(null),
  /** Managers only. */
  Cluster: z.object({ ID: z.string(), DataPathPort: z.number().optional() }).optional(),
})
export type SwarmInfo = z.output<typeof SwarmInfoSchema>

/** A swarm node as `docker node ls` shows it. */
export interface NodeEntry {
  ID: string
  Hostname: string
  /** Ready, Down, Unknown or Disconnected. */
  Status: string
  /** Active, Pause or Drain. */
  Availability: string
  /** Leader, Reachable, Unreachable, or empty for a worker. */
  ManagerStatus: string
  /** The node the list was read on. */
  Self: boolean
}

const ApiNodeSchema = z.object({
  ID: z.string(),
  Spec: z.object({ Availability: z.string().default('') }).default({ Availability: '' }),
  Description: z.object({ Hostname: z.string().default('') }).default({ Hostname: '' }),
  Status: z.object({ State: z.string().default('unknown') }).default({ State: 'unknown' }),
  ManagerStatus: z.object({ Leader: z.boolean().default(false), Reachability: z.string().default('') }).optional(),
})

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

/** The API's node objects in `docker node ls` terms (the CLI capitalizes the API's states the same way). */
export function nodeEntries(out: string, selfId: string, node: string): NodeEntry[] {
  return parseDockerJson(z.array(ApiNodeSchema), out, 'the swarm node list', node).map((n) => ({
    ID: n.ID,
    Hostname: n.Description.Hostname,
    Status: capitalized(n.Status.State),
    Availability: capitalized(n.Spec.Availability),
    ManagerStatus: n.ManagerStatus === undefined ? '' : n.ManagerStatus.Leader ? 'Leader' : capitalized(n.ManagerStatus.Reachability),
    Self: n.ID === selfId,
  }))
}

export interface SwarmState {
  info: SwarmInfo
  /** The node list as this node sees it: empty unless it is a manager that can reach its swarm. */
  nodes: NodeEntry[]
}

/** The swarm part of a /info read. */
export function swarmInfo(infoOut: string, node: string): SwarmInfo {
  return parseDockerJson(z.object({ Swarm: SwarmInfoSchema }), infoOut, 'the docker info', node).Swarm
}

/**
 * Reads a node's swarm state in one round trip (the node list only answers on a manager; elsewhere it is
 * empty). The read is the docker module's too: probed together, they share it.
 */
export async function readSwarm(guest: Guest, node: string): Promise<SwarmState> {
  const state = await readEngine(guest, node)
  const info = swarmInfo(state.info.out, node)
  const nodes = state.nodes.ok ? nodeEntries(state.nodes.out, info.NodeID, node) : []
  return { info, nodes }
}

/** `ip:2377`, how managers appear in RemoteManagers and what workers join. */
export function managerAddr(ip: string): string {
  return `${ip}:2377`
}

/** The lab node a swarm hostname belongs to: its FQDN, its name, or a short hostname equal to its name. */
export function labNodeByHostname(lab: ResolvedLab, hostname: string): ResolvedNode | undefined {
  const h = hostname.toLowerCase()
  return lab.nodes.find((n) => n.fqdn.toLowerCase() === h || n.name.toLowerCase() === h || h.split('.')[0] === n.name.toLowerCase())
}

/** Down workers whose hostname also has an entry that is not Down: left behind by a leave and rejoin. */
export function staleEntries(nodes: NodeEntry[]): NodeEntry[] {
  return nodes.filter((n) => n.Status === 'Down' && n.ManagerStatus === '' && nodes.some((o) => o.ID !== n.ID && o.Hostname === n.Hostname && o.Status !== 'Down'))
}

/** The lab nodes in the swarm (the swarm module's targets), or every node when the lab has no swarm step. */
export function swarmMembers(lab: ResolvedLab): ResolvedNode[] {
  const step = lab.modules.find((m) => m.module === 'swarm')
  if (step === undefined) return lab.nodes
  const names = new Set(moduleTargets(lab, step).map((t) => t.node))
  return lab.nodes.filter((n) => names.has(n.name))
}
