/**
 * What the service and overlay modules share: a swarm service on the first manager, read with its network
 * in one round trip, changed only where it differs (docker-service.ts), waited for until every replica
 * runs, then tested end to end by the module's own check (the routing mesh, the overlay's pings).
 */
import type { Change, Module, ModuleContext } from '../module.js'
import type { Pace } from './wait-until.js'
import { applySwarmService, networkChanges, readServiceState, requireManager, swarmServiceChanges, waitConverged, type ServiceSpec, type ServiceState, type SwarmServiceKey } from './docker-service.js'

/** The changes every swarm service module plans: its network, then the service. */
export type SwarmServiceModuleKey = 'network' | SwarmServiceKey

export interface SwarmServiceParts<O, P extends ServiceState, K extends string> {
  name: string
  /** The service as the lab's options describe it. */
  spec(options: O): ServiceSpec
  /** Its network must be attachable, which only the network's creation can choose. */
  attachable: boolean
  /** How long the replicas get to run (image pulls included), after apply and in verify. */
  converge: Pace
  /** What the module reads besides the service and its network; without it the probe is their state. */
  probe?(ctx: ModuleContext<O>, state: ServiceState, spec: ServiceSpec): Promise<P>
  /** The module's own changes, planned after (and knowing) the service's. */
  plan?(ctx: ModuleContext<O>, probed: P, spec: ServiceSpec, planned: readonly Change<SwarmServiceModuleKey>[]): Change<K>[]
  /** Carries out the module's own changes, after the service's and before the wait for its replicas. */
  apply?(ctx: ModuleContext<O>, changes: readonly Change<K | SwarmServiceModuleKey>[], spec: ServiceSpec): Promise<void>
  /** What verify tests once every replica runs. */
  check(ctx: ModuleContext<O>, spec: ServiceSpec): Promise<void>
}

export function swarmServiceModule<O, P extends ServiceState = ServiceState, K extends string = never>(parts: SwarmServiceParts<O, P, K>): Module<O, P, K | SwarmServiceModuleKey> {
  return {
    name: parts.name,

    async probe(ctx) {
      const spec = parts.spec(ctx.options)
      const state = await readServiceState(ctx.guest, ctx.node.name, spec.name, spec.network)
      // Without a probe of its own the module's probe is the service state (P defaults to ServiceState).
      return parts.probe ? parts.probe(ctx, state, spec) : (state as P)
    },

    plan(ctx, probed) {
      requireManager(probed, ctx.node.name)
      const spec = parts.spec(ctx.options)
      const planned = [...(spec.network === undefined ? [] : networkChanges(probed, spec.network, ctx.node.name, parts.attachable)), ...swarmServiceChanges(probed, spec)]
      return [...planned, ...(parts.plan?.(ctx, probed, spec, planned) ?? [])]
    },

    async apply(ctx, changes, probed) {
      const spec = parts.spec(ctx.options)
      await applySwarmService(ctx.guest, ctx.node.name, spec, probed, changes)
      await parts.apply?.(ctx, changes, spec)
      await waitConverged(ctx.guest, ctx.node.name, spec, parts.converge)
    },

    async verify(ctx) {
      const spec = parts.spec(ctx.options)
      await waitConverged(ctx.guest, ctx.node.name, spec, parts.converge)
      await parts.check(ctx, spec)
    },
  }
}
