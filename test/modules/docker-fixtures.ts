/**
 * Real docker output shapes (docker 26.1.4 on EL, 20.10.24 on Debian 12) for the module transcripts, and the
 * framing the batched probe script prints around each command.
 */
import type { Answer } from '../helpers/fake-guest.js'

/** What one probe section printed, framed the way sectionScript's markers frame it. */
export function sections(parts: Record<string, { out?: string; code?: number }>): string {
  return Object.entries(parts)
    .map(([name, p]) => `#vmlab:begin:${name}\n${p.out ?? ''}\n#vmlab:end:${name}:${p.code ?? 0}\n`)
    .join('')
}

export const NOT_MANAGER_WORKER =
  "Error response from daemon: This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.\n"
export const NOT_MANAGER_INACTIVE =
  'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.\n'

export const IDS = {
  master: 'qxz3ksuw2k1u5hsb8x0q1v3yc',
  node1: 'w1fk2l3m4n5o6p7q8r9s0t1u2',
  node2: 'w2ab3cd4ef5gh6ij7kl8mn9op',
  node1old: 'o1zy9xw8vu7ts6rq5po4nm3lk',
} as const

export const SWARM_INACTIVE = '{"NodeID":"","NodeAddr":"","LocalNodeState":"inactive","ControlAvailable":false,"Error":"","RemoteManagers":null}'

export function swarmManager(opts: { dataPathPort?: number; nodes?: number } = {}): string {
  return JSON.stringify({
    NodeID: IDS.master,
    NodeAddr: '192.168.56.10',
    LocalNodeState: 'active',
    ControlAvailable: true,
    Error: '',
    RemoteManagers: [{ NodeID: IDS.master, Addr: '192.168.56.10:2377' }],
    Nodes: opts.nodes ?? 3,
    Managers: 1,
    Cluster: {
      ID: 'mm1x7y4k9w0v1b2c3d4e5f6g7',
      Version: { Index: 31 },
      CreatedAt: '2024-11-20T10:01:02.123456789Z',
      UpdatedAt: '2024-11-20T10:01:02.912345678Z',
      Spec: {
        Name: 'default',
        Labels: {},
        Orchestration: { TaskHistoryRetentionLimit: 5 },
        Raft: { SnapshotInterval: 10000, KeepOldSnapshots: 0, LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1 },
        Dispatcher: { HeartbeatPeriod: 5000000000 },
        CAConfig: { NodeCertExpiry: 7776000000000000 },
        TaskDefaults: {},
        EncryptionConfig: { AutoLockManagers: false },
      },
      TLSInfo: { TrustRoot: '-----BEGIN CERTIFICATE-----\nMIIBajCCARCgAwIBAgIU\n-----END CERTIFICATE-----\n', CertIssuerSubject: 'MBMxETAPBgNVBAMTCHN3YXJtLWNh', CertIssuerPublicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' },
      RootRotationInProgress: false,
      DefaultAddrPool: ['10.0.0.0/8'],
      SubnetSize: 24,
      DataPathPort: opts.dataPathPort ?? 4789,
    },
  })
}

export function swarmWorker(id: string, addr: string, manager = '192.168.56.10:2377', managerId: string = IDS.master): string {
  return JSON.stringify({
    NodeID: id,
    NodeAddr: addr,
    LocalNodeState: 'active',
    ControlAvailable: false,
    Error: '',
    RemoteManagers: [{ NodeID: managerId, Addr: manager }],
  })
}

export const SWARM_PENDING =
  '{"NodeID":"","NodeAddr":"","LocalNodeState":"pending","ControlAvailable":false,"Error":"rpc error: code = DeadlineExceeded desc = context deadline exceeded","RemoteManagers":[{"NodeID":"","Addr":"192.168.56.10:2377"}]}'

export function nodeLine(hostname: string, id: string, status = 'Ready', managerStatus = '', self = false): string {
  return JSON.stringify({
    Availability: 'Active',
    EngineVersion: '26.1.4',
    Hostname: hostname,
    ID: id,
    ManagerStatus: managerStatus,
    Self: self,
    Status: status,
    TLSStatus: 'Ready',
  })
}

export const MASTER_LINE = nodeLine('master.localdomain', IDS.master, 'Ready', 'Leader', true)
export const ALL_READY = [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1), nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n'

/** The answer to readSwarm's batched probe: `docker info` JSON and, on a manager, `docker node ls` lines. */
export function swarmProbe(info: string, nodeLs?: string, once = false): Answer {
  const manager = nodeLs !== undefined
  return {
    match: /#vmlab:begin:swarm/,
    stdout: sections({ swarm: { out: `${info}\n` }, nodes: manager ? { out: nodeLs } : { code: 1 } }),
    stderr: manager ? '' : info.includes('"inactive"') ? NOT_MANAGER_INACTIVE : NOT_MANAGER_WORKER,
    once,
  }
}
