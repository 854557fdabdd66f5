/**
 * A swarm service as the lab wants it, compared with `docker service inspect` so that only what differs is
 * changed: `scale` for replicas, one `update` for image, ports, networks and arguments, `rm` + `create` only
 * for a mode change (swarm cannot change it in place). Everything runs with --detach and the module waits
 * for N/N itself, with a deadline and the tasks' own errors when they do not start.
 */
import { isDeepStrictEqual } from 'node:util'
import { z } from 'zod'
import type { Change, Guest } from '../module.js'
import { LabError } from '../../util/errors.js'
import { must } from './must.js'
import { parseDockerJson, parseDockerJsonLines } from './docker-json.js'
import { sameImage } from './docker-image.js'
import { probeSections } from './probe-script.js'
import { swarmInfo, type SwarmInfo } from './docker-swarm.js'
import { DOCKER_STATE, engineState } from './docker-api.js'
import { NotYet, waitUntil, type Pace } from './wait-until.js'
import { changeKeys } from './change-keys.js'

export interface PortSpec {
  published: number
  target: number
  protocol: 'tcp' | 'udp'
}

export interface ServiceSpec {
  name: string
  image: string
  mode: 'replicated' | 'global'
  replicas: number
  ports: PortSpec[]
  network?: string
  /** Arguments after the image (the image's entrypoint runs them); undefined: whatever the service has. */
  command?: string[]
  /** Take the image as the nodes have it (loaded from a tarball) instead of asking a registry for its digest. */
  noResolveImage: boolean
}

/** "8080:80" or "53:53/udp". */
export function parsePublish(text: string): PortSpec {
  const m = /^(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(text)
  if (!m) throw new LabError(`cannot read the port mapping ${JSON.stringify(text)}`, { hint: 'write it as PUBLISHED:TARGET, e.g. "8080:80"' })
  return { published: Number(m[1]), target: Number(m[2]), protocol: (m[3] ?? 'tcp') as 'tcp' | 'udp' }
}

const PortSchema = z.object({
  Protocol: z.string().default('tcp'),
  TargetPort: z.number(),
  PublishedPort: z.number().default(0),
})

const ServiceSchema = z.object({
  ID: z.string(),
  Spec: z.object({
    Name: z.string(),
    TaskTemplate: z.object({
      ContainerSpec: z.object({ Image: z.string(), Args: z.array(z.string()).optional() }),
      Networks: z.array(z.object({ Target: z.string() })).optional(),
    }),
    Mode: z.object({
      Replicated: z.object({ Replicas: z.number().optional() }).optional(),
      Global: z.object({}).optional(),
    }),
    EndpointSpec: z.object({ Ports: z.array(PortSchema).optional() }).optional(),
  }),
})
export type InspectedService = z.output<typeof ServiceSchema>

const NetworkSchema = z.object({
  Name: z.string(),
  Id: z.string(),
  Driver: z.string(),
  Scope: z.string(),
  Attachable: z.boolean().default(false),
})
export type InspectedNetwork = z.output<typeof NetworkSchema>

export interface ServiceState {
  swarm: SwarmInfo
  service?: InspectedService
  network?: InspectedNetwork
}

/** The manager's swarm state, the service and its network, in one round trip. */
export async function readServiceState(guest: Guest, node: string, name: string, network: string | undefined): Promise<ServiceState> {
  const s = await probeSections(guest, node, {
    engine: DOCKER_STATE,
    service: ['docker', 'service', 'inspect', name],
    network: network === undefined ? 'true' : ['docker', 'network', 'inspect', network],
  })
  const swarm = swarmInfo(engineState(s.engine, node, 'run the docker and swarm modules first').info.out, node)
  // `inspect` of something that does not exist prints `[]` and exits 1.
  const service = s.service.code === 0 ? parseDockerJson(z.array(ServiceSchema), s.service.out, 'docker service inspect', node)[0] : undefined
  const net = network !== undefined && s.network.code === 0 ? parseDockerJson(z.array(NetworkSchema), s.network.out, 'docker network inspect', node)[0] : undefined
  return { swarm, ...(service === undefined ? {} : { service }), ...(net === undefined ? {} : { network: net }) }
}

export function requireManager(state: ServiceState, node: string): void {
  if (state.swarm.LocalNodeState === 'active' && state.swarm.ControlAvailable) return
  throw new LabError(`${node} is not a swarm manager (swarm state ${state.swarm.LocalNodeState}); services are created on one`, {
    hint: 'run the swarm module first (its first manager is where services go)',
  })
}

export function createNetworkCommand(network: string): string[] {
  return ['docker', 'network', 'create', '-d', 'overlay', '--attachable', network]
}

/** Creates the overlay network when it is missing; a network of that name that swarm services cannot use fails. */
export function networkChanges(state: ServiceState, network: string, node: string, needAttachable: boolean): Change<'network'>[] {
  const net = state.network
  if (net === undefined) {
    return [{ key: 'network', what: createNetworkCommand(network).join(' '), why: 'replicas on different nodes talk over an overlay network' }]
  }
  const remove = `remove it on ${node} (\`docker network rm ${network}\`, after the services that use it) and run again`
  if (net.Driver !== 'overlay' || net.Scope !== 'swarm') {
    throw new LabError(`${node}: network ${network} exists with driver ${net.Driver} (scope ${net.Scope}); swarm services need an overlay network`, { hint: remove })
  }
  if (needAttachable && !net.Attachable) {
    throw new LabError(`${node}: overlay network ${network} is not attachable, and that can only be chosen when it is created`, { hint: remove })
  }
  return []
}

function publishFlag(p: PortSpec): string {
  return `published=${p.published},target=${p.target}${p.protocol === 'udp' ? ',protocol=udp' : ''}`
}

export function createServiceCommand(spec: ServiceSpec): string[] {
  return [
    'docker',
    'service',
    'create',
    '--detach',
    '--name',
    spec.name,
    ...(spec.mode === 'global' ? ['--mode', 'global'] : ['--replicas', String(spec.replicas)]),
    ...spec.ports.flatMap((p) => ['--publish', publishFlag(p)]),
    ...(spec.network === undefined ? [] : ['--network', spec.network]),
    ...(spec.noResolveImage ? ['--no-resolve-image'] : []),
    spec.image,
    ...(spec.command ?? []),
  ]
}

const modeOf = (s: InspectedService): 'replicated' | 'global' => (s.Spec.Mode.Global !== undefined ? 'global' : 'replicated')

/** Ports of the service that hold a published port the lab wants for another target: removed before the add. */
function conflictingPorts(s: InspectedService, spec: ServiceSpec): string[] {
  const current = s.Spec.EndpointSpec?.Ports ?? []
  const out = current.filter((c) => spec.ports.some((p) => p.published === c.PublishedPort && p.protocol === c.Protocol && p.target !== c.TargetPort)).map((c) => `${c.TargetPort}/${c.Protocol}`)
  return [...new Set(out)]
}

function missingPorts(s: InspectedService, spec: ServiceSpec): PortSpec[] {
  const current = s.Spec.EndpointSpec?.Ports ?? []
  return spec.ports.filter((p) => !current.some((c) => c.PublishedPort === p.published && c.TargetPort === p.target && c.Protocol === p.protocol))
}

function attached(s: InspectedService, network: InspectedNetwork | undefined, name: string): boolean {
  return (s.Spec.TaskTemplate.Networks ?? []).some((n) => n.Target === network?.Id || n.Target === name)
}

/** Arguments as `docker service update --args` reads them (shell-like words). */
function argsText(args: string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : `"${a.replace(/[\\"]/g, '\\$&')}"`)).join(' ')
}

/** The changes swarmServiceChanges plans. */
export type SwarmServiceKey = 'create' | 'recreate' | 'image' | 'publish' | 'attach' | 'args' | 'scale'

/** What makes the service on the manager into `spec` (nothing when it already is). */
export function swarmServiceChanges(state: ServiceState, spec: ServiceSpec): Change<SwarmServiceKey>[] {
  const s = state.service
  if (s === undefined) return [{ key: 'create', what: createServiceCommand(spec).join(' '), why: `service ${spec.name} does not exist` }]
  if (modeOf(s) !== spec.mode) {
    return [
      { key: 'recreate', what: `docker service rm ${spec.name}; ${createServiceCommand(spec).join(' ')}`, why: `it is ${modeOf(s)}, the lab wants ${spec.mode} (the mode cannot change in place)` },
    ]
  }
  const changes: Change<SwarmServiceKey>[] = []
  const image = s.Spec.TaskTemplate.ContainerSpec.Image
  if (!sameImage(image, spec.image)) changes.push({ key: 'image', what: `docker service update --image ${spec.image} ${spec.name}`, why: `it runs ${image}` })
  const missing = missingPorts(s, spec)
  if (missing.length) {
    const rm = conflictingPorts(s, spec)
    changes.push({
      key: 'publish',
      what: `docker service update ${[...rm.map((p) => `--publish-rm ${p}`), ...missing.map((p) => `--publish-add ${publishFlag(p)}`)].join(' ')} ${spec.name}`,
      why: `port ${missing.map((p) => `${p.published}:${p.target}`).join(', ')} is not published${rm.length ? ` (${rm.join(', ')} holds it now)` : ''}`,
    })
  }
  if (spec.network !== undefined && !attached(s, state.network, spec.network)) {
    changes.push({ key: 'attach', what: `docker service update --network-add ${spec.network} ${spec.name}`, why: `its tasks are not on ${spec.network}` })
  }
  const args = s.Spec.TaskTemplate.ContainerSpec.Args ?? []
  if (spec.command !== undefined && !isDeepStrictEqual(args, spec.command)) {
    changes.push({ key: 'args', what: `docker service update --args '${argsText(spec.command)}' ${spec.name}`, why: `it runs ${args.length ? args.join(' ') : 'the image default'}` })
  }
  const replicas = s.Spec.Mode.Replicated?.Replicas ?? 0
  if (spec.mode === 'replicated' && replicas !== spec.replicas) {
    changes.push({ key: 'scale', what: `docker service scale ${spec.name}=${spec.replicas}`, why: `it has ${replicas} replica${replicas === 1 ? '' : 's'}` })
  }
  return changes
}

/** Carries out the network and service changes: create (or recreate), one update for everything else, scale. */
export async function applySwarmService<K extends string>(
  guest: Guest,
  node: string,
  spec: ServiceSpec,
  state: ServiceState,
  changes: readonly Change<K | 'network' | SwarmServiceKey>[],
): Promise<void> {
  const keys = changeKeys(changes)
  const long = { timeoutMs: 300_000 }
  if (keys.has('network') && spec.network !== undefined) await must(guest, node, createNetworkCommand(spec.network))
  if (keys.has('recreate')) await must(guest, node, ['docker', 'service', 'rm', spec.name])
  if (keys.has('create') || keys.has('recreate')) {
    await must(guest, node, createServiceCommand(spec), long)
    return
  }
  const s = state.service
  if (s === undefined) return
  const flags: string[] = []
  if (keys.has('image')) flags.push('--image', spec.image, ...(spec.noResolveImage ? ['--no-resolve-image'] : []))
  if (keys.has('publish')) {
    for (const p of conflictingPorts(s, spec)) flags.push('--publish-rm', p)
    for (const p of missingPorts(s, spec)) flags.push('--publish-add', publishFlag(p))
  }
  if (keys.has('attach') && spec.network !== undefined) flags.push('--network-add', spec.network)
  if (keys.has('args') && spec.command !== undefined) flags.push('--args', argsText(spec.command))
  if (flags.length) await must(guest, node, ['docker', 'service', 'update', '--detach', ...flags, spec.name], long)
  if (keys.has('scale')) await must(guest, node, ['docker', 'service', 'scale', '--detach', `${spec.name}=${spec.replicas}`], long)
}

const LsSchema = z.object({ Name: z.string(), Replicas: z.string(), Mode: z.string().default('') })
const TaskSchema = z.object({ Name: z.string(), Node: z.string().default(''), CurrentState: z.string().default(''), Error: z.string().default('') })

/** Waits until the service runs all its replicas (`docker service ls` shows N/N); on timeout says what its tasks report. */
export async function waitConverged(guest: Guest, node: string, spec: ServiceSpec, pace: Pace): Promise<void> {
  await waitUntil(
    `${node}: service ${spec.name} did not start its replicas`,
    pace,
    async () => {
      const s = await probeSections(guest, node, {
        ls: ['docker', 'service', 'ls', '--filter', `name=${spec.name}`, '--format', '{{json .}}'],
        ps: ['docker', 'service', 'ps', spec.name, '--no-trunc', '--format', '{{json .}}'],
      })
      const entry = parseDockerJsonLines(LsSchema, s.ls.out, 'docker service ls', node).find((e) => e.Name === spec.name)
      if (entry === undefined) throw new NotYet('it is not listed by docker service ls')
      const m = /^(\d+)\/(\d+)/.exec(entry.Replicas)
      const running = Number(m?.[1] ?? -1)
      const desired = Number(m?.[2] ?? -1)
      const wanted = spec.mode === 'global' ? desired : spec.replicas
      if (running === wanted && desired === wanted && (spec.mode === 'replicated' || desired > 0)) return
      const tasks = s.ps.code === 0 ? parseDockerJsonLines(TaskSchema, s.ps.out, 'docker service ps', node) : []
      const errors = [...new Set(tasks.filter((t) => t.Error !== '').map((t) => `${t.Node || 'no node'}: ${t.Error}`))].slice(0, 3)
      throw new NotYet(`${entry.Replicas} running, ${spec.mode === 'global' ? 'one per node' : wanted} wanted${errors.length ? `; tasks report ${errors.join('; ')}` : ''}`)
    },
    spec.noResolveImage ? `every node needs the image ${spec.image} (docker.images loads it from a tarball)` : `\`docker service ps ${spec.name}\` on ${node} shows why`,
  )
}
