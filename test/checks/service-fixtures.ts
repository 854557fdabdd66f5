/** The Engine API's answers about a service as a manager gives them (docker 20.10.24, Debian 12), and as the checks' curl prints them. */
import type { Answer } from '../helpers/fake-guest.js'
import { sections } from '../modules/docker-fixtures.js'

export interface ServiceShape {
  name?: string
  image?: string
  replicas?: number
  global?: boolean
  ports?: Array<{ published: number; target: number; mode?: 'ingress' | 'host' }>
  env?: string[]
  mounts?: Array<{ Type: string; Source?: string; Target: string }>
  updateState?: string
  labels?: Record<string, string>
}

export function inspectJson(s: ServiceShape): string {
  const spec = {
    Name: s.name ?? 'web',
    Labels: s.labels ?? {},
    TaskTemplate: {
      ContainerSpec: {
        Image: s.image ?? 'nginx:latest@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
        ...(s.env ? { Env: s.env } : {}),
        ...(s.mounts ? { Mounts: s.mounts } : {}),
        Init: false,
        StopGracePeriod: 10000000000,
        DNSConfig: {},
        Isolation: 'default',
      },
      Resources: { Limits: {}, Reservations: {} },
      RestartPolicy: { Condition: 'any', Delay: 5000000000, MaxAttempts: 0 },
      Placement: {},
      ForceUpdate: 0,
      Runtime: 'container',
    },
    Mode: s.global ? { Global: {} } : { Replicated: { Replicas: s.replicas ?? 1 } },
    UpdateConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 5000000000, MaxFailureRatio: 0, Order: 'stop-first' },
    EndpointSpec: {
      Mode: 'vip',
      ...(s.ports ? { Ports: s.ports.map((p) => ({ Protocol: 'tcp', TargetPort: p.target, PublishedPort: p.published, PublishMode: p.mode ?? 'ingress' })) } : {}),
    },
  }
  return JSON.stringify(
    {
      ID: 'k8x1d8ubbhxrwbxvw0l6jvdq2',
      Version: { Index: 42 },
      CreatedAt: '2026-12-07T06:00:00.000000000Z',
      UpdatedAt: '2026-12-07T06:01:00.000000000Z',
      Spec: spec,
      ...(s.updateState ? { PreviousSpec: { ...spec, Name: spec.Name }, UpdateStatus: { State: s.updateState, StartedAt: '2026-12-07T06:01:00Z', Message: 'update completed' } } : {}),
      Endpoint: { Spec: spec.EndpointSpec, VirtualIPs: [{ NetworkID: 'ingressid', Addr: '10.0.0.5/24' }] },
    },
    null,
    4,
  )
}

/** GET /tasks?filters={service,desired-state=running}: one task per entry of `nodes` (hostnames), in this state. */
export function tasksJson(nodes: string[], state = 'running'): string {
  return JSON.stringify(nodes.map((n, i) => ({ ID: `task${i}`, NodeID: `id-${n}`, DesiredState: 'running', Status: { State: state, Message: state } })))
}

/** GET /nodes of a three-node lab swarm. */
export function nodesJson(hosts = ['master.localdomain', 'node1.localdomain', 'node2.localdomain']): string {
  return JSON.stringify(hosts.map((h) => ({ ID: `id-${h}`, Description: { Hostname: h }, Status: { State: 'ready' } })))
}

/** What engineGets' curl prints for these answers: each body, then its status line. */
export function apiOut(...answers: Array<{ status: number; body: string }>): string {
  return answers.map((a) => `${a.body}\n#vmlab:http:${a.status}\n`).join('')
}

const NO_SUCH = (name: string) => JSON.stringify({ message: `service ${name} not found` })
export const NOT_MANAGER_MESSAGE = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.'
export const NOT_MANAGER = `Error response from daemon: ${NOT_MANAGER_MESSAGE}\n`
/** The API's answer on a worker, to every swarm read. */
export const NOT_MANAGER_API = { status: 503, body: JSON.stringify({ message: NOT_MANAGER_MESSAGE }) }

/** The manager's answer to readService. */
export function serviceAnswer(s: ServiceShape | undefined, running: string[] = [], name = s?.name ?? 'web'): Answer {
  return {
    match: /#vmlab:begin:service'/,
    stdout: sections({
      service: {
        out: s
          ? apiOut({ status: 200, body: inspectJson(s) }, { status: 200, body: tasksJson(running) }, { status: 200, body: nodesJson() })
          : apiOut({ status: 404, body: NO_SUCH(name) }, { status: 200, body: '[]' }, { status: 200, body: nodesJson() }),
      },
    }),
  }
}

/**
 * GET /services?status=true for services written as `docker service ls` shows them, one per line:
 * "NAME MODE RUNNING/DESIRED IMAGE" (MODE and IMAGE optional: replicated, nginx:latest).
 */
export function serviceListJson(lines: string): string {
  const list = lines
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([name]) => name)
    .map((f) => {
      const [name, a, b, c] = f as [string, string?, string?, string?]
      const [mode, replicas, image] = a?.includes('/') ? ['replicated', a, b] : [a ?? 'replicated', b ?? '1/1', c]
      const [running, desired] = replicas!.split('/').map(Number) as [number, number]
      return {
        ID: `svc-${name}`,
        Spec: { Name: name, Mode: mode === 'global' ? { Global: {} } : { Replicated: { Replicas: desired } }, TaskTemplate: { ContainerSpec: { Image: image ?? 'nginx:latest' } } },
        ServiceStatus: { RunningTasks: running, DesiredTasks: desired },
      }
    })
  return JSON.stringify(list)
}
