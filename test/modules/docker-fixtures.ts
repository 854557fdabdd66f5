/**
 * Real Docker Engine API and CLI output shapes (docker 26.1.4 on EL, 20.10.24 on Debian 12) for the module transcripts, and the
 * framing the batched probe script prints around each command.
 */
import type { Answer } from '../helpers/fake-guest.js'

/** What one probe section printed, framed the way sectionScript's markers frame it. */
export function sections(parts: Record<string, { out?: string; code?: number }>): string {
  return Object.entries(parts)
    .map(([name, p]) => `#vmlab:begin:${name}\n${p.out ?? ''}\n#vmlab:end:${name}:${p.code ?? 0}\n`)
    .join('')
}

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
      TLSInfo: {
        TrustRoot: '-----BEGIN CERTIFICATE-----\nMIIBajCCARCgAwIBAgIU\n-----END CERTIFICATE-----\n',
        CertIssuerSubject: 'MBMxETAPBgNVBAMTCHN3YXJtLWNh',
        CertIssuerPublicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE',
      },
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

/**
 * GET /info as Docker 26.1.4 answers it, cut to the fields around the ones the modules read (`Swarm` is one of
 * the shapes above; `RegistryConfig` a daemon without registry settings unless given).
 */
export function engineInfo(swarm: string, registryConfig?: string): string {
  return `{"ID":"RSXL:MWUE:6PTX:MBNS:MZ2N:A54T:VPCK:I3OD:D3Q3:CMM3:LCLQ:AJIV","Containers":2,"ContainersRunning":2,"Images":1,"Driver":"overlay2","ServerVersion":"26.1.4","RegistryConfig":${
    registryConfig ??
    '{"AllowNondistributableArtifactsCIDRs":null,"AllowNondistributableArtifactsHostnames":null,"InsecureRegistryCIDRs":["::1/128","127.0.0.0/8"],"IndexConfigs":{"docker.io":{"Name":"docker.io","Mirrors":[],"Secure":true,"Official":true}},"Mirrors":null}'
  },"Swarm":${swarm},"Name":"master.localdomain","Labels":[],"LiveRestoreEnabled":false}`
}

const ADDRS: Record<string, string> = { master: '192.168.56.10', node1: '192.168.56.11', node2: '192.168.56.12' }

/**
 * One node of GET /nodes (the shape recorded from Docker 20.10.24 on the Debian test bed), for the node that
 * `docker node ls` would show as `hostname status managerStatus`. The list marks no node as self: the module
 * compares IDs with its own /info.
 */
export function nodeLine(hostname: string, id: string, status = 'Ready', managerStatus = ''): string {
  const addr = ADDRS[hostname.split('.')[0]!] ?? '192.168.56.99'
  return JSON.stringify({
    ID: id,
    Version: { Index: 330 },
    CreatedAt: '2026-11-22T08:37:59.32232194Z',
    UpdatedAt: '2026-11-22T08:55:26.712566Z',
    Spec: { Labels: {}, Role: managerStatus === '' ? 'worker' : 'manager', Availability: 'active' },
    Description: { Hostname: hostname, Platform: { Architecture: 'x86_64', OS: 'linux' }, Resources: { NanoCPUs: 1000000000, MemoryBytes: 755245056 }, Engine: { EngineVersion: '26.1.4' } },
    Status: status === 'Down' ? { State: 'down', Message: 'heartbeat failure', Addr: addr } : { State: status.toLowerCase(), Addr: addr },
    ...(managerStatus === ''
      ? {}
      : { ManagerStatus: { Leader: managerStatus === 'Leader', Reachability: managerStatus === 'Leader' ? 'reachable' : managerStatus.toLowerCase(), Addr: `${addr}:2377` } }),
  })
}

export const MASTER_LINE = nodeLine('master.localdomain', IDS.master, 'Ready', 'Leader')
export const ALL_READY = [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1), nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n'

/** GET /nodes for the node lines given one per line (as the tests list them). */
export function nodeList(lines: string): string {
  return `[${lines
    .split('\n')
    .filter((l) => l.trim() !== '')
    .join(',')}]`
}

/** GET /nodes on a node that is no manager: HTTP 503 with the Engine's message (curl without -f prints it). */
export const NOT_MANAGER_BODY = '{"message":"This node is not a swarm manager. Use \\"docker swarm init\\" or \\"docker swarm join\\" to connect this node to swarm and try again."}\n'

/**
 * What DOCKER_STATE's one curl prints: each answer, then its status line (`undefined` for a daemon that does
 * not answer: curl prints nothing but the status lines, 000).
 */
export function engineState(answers: { info?: string; nodes?: string; images?: string } | undefined): string {
  if (answers === undefined) return '\n#vmlab:http:000\n\n#vmlab:http:000\n\n#vmlab:http:000\n'
  const nodes = answers.nodes === undefined ? `${NOT_MANAGER_BODY}\n#vmlab:http:503` : `${answers.nodes}\n\n#vmlab:http:200`
  return [`${answers.info}\n\n#vmlab:http:200`, nodes, `${answers.images ?? '[]'}\n\n#vmlab:http:200\n`].join('\n')
}

/** The answer to readSwarm's probe: GET /info and, on a manager, GET /nodes, in the one Engine read. */
export function swarmProbe(info: string, nodeLs?: string, once = false): Answer {
  return {
    match: /#vmlab:begin:engine'/,
    stdout: sections({ engine: { out: engineState({ info: engineInfo(info), ...(nodeLs === undefined ? {} : { nodes: nodeList(nodeLs) }) }) } }),
    once,
  }
}
