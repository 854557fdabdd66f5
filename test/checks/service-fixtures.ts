/** `docker service inspect` / `service ps` output as a manager prints it (docker 20.10.24, Debian 12). */
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
    [
      {
        ID: 'k8x1d8ubbhxrwbxvw0l6jvdq2',
        Version: { Index: 42 },
        CreatedAt: '2026-12-07T06:00:00.000000000Z',
        UpdatedAt: '2026-12-07T06:01:00.000000000Z',
        Spec: spec,
        ...(s.updateState ? { PreviousSpec: { ...spec, Name: spec.Name }, UpdateStatus: { State: s.updateState, StartedAt: '2026-12-07T06:01:00Z', Message: 'update completed' } } : {}),
        Endpoint: { Spec: spec.EndpointSpec, VirtualIPs: [{ NetworkID: 'ingressid', Addr: '10.0.0.5/24' }] },
      },
    ],
    null,
    4,
  )
}

/** `service ps --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'` for tasks on these nodes. */
export function tasksOut(nodes: string[], state = 'Running'): string {
  return nodes.map((n) => `${n} ${state} 2 minutes ago`).join('\n') + (nodes.length ? '\n' : '')
}

const NO_SUCH = (name: string) => `[]\nError: no such service: ${name}\n`
export const NOT_MANAGER = 'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.\n'

/** The manager's answer to readService. */
export function serviceAnswer(s: ServiceShape | undefined, running: string[] = [], name = s?.name ?? 'web'): Answer {
  return {
    match: /#vmlab:begin:service'/,
    stdout: sections({
      service: s ? { out: inspectJson(s) } : { out: NO_SUCH(name), code: 1 },
      tasks: s ? { out: tasksOut(running) } : { out: `no such service: ${name}\n`, code: 1 },
    }),
  }
}
