/**
 * Proxmox VE over its REST API. The base is a template on one node; nodes are linked clones of it, placed by
 * free memory where its disk is reachable (placement.ts). A node's identity comes from the lab's own seed disc
 * (cidata, the same as on every other hypervisor, host keys included), uploaded to the ISO storage and attached
 * as a CD-ROM: PVE's cloud-init drive would carry hostname, keys and addresses but not the SSH host keys the
 * lab pins, short of a cicustom snippet on a storage with `snippets` content that the API cannot upload to.
 */
import { basename, join } from 'node:path'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { LabError } from '../../util/errors.js'
import { sleep } from '../../util/sleep.js'
import type { BaseSpec, CloneSpec, Endpoint, NetworkHandle, NetworkSpec, Provider, ProviderInfo, VmState, Preflight } from '../provider.js'
import type { CliRunner } from '../cli-runner.js'
import { PROXMOX_CAPABILITIES } from './capabilities.js'
import { PveApi, type ApiOptions } from './api.js'
import { PveApiError } from './api-error.js'
import { httpTransport, recordingTransport, type Transport } from './http.js'
import { grantHint, labNeeds, missing, studentNeeds, tokenPermissions } from './privileges.js'
import { ensureStudentAccess, removeStudentAccess, studentAccess, type StudentAccess } from './students.js'
import { placeVm, type ClusterNode } from './placement.js'
import { readTokenSecret, type ProxmoxSettings } from './settings.js'

interface VmResource {
  vmid: number
  name?: string
  node: string
  status: string
  template?: number
  type: string
}

interface StorageResource {
  storage: string
  node: string
  shared?: number
  type: string
}

/** Where the list of snapshots "taken" on a template is kept: a template itself is the frozen state. */
const TEMPLATE_SNAPSHOTS = /^vmlab-snapshots: (.*)$/m

/** The lab file's block as the provider takes it; a plan needs none (it talks to no cluster). */
export function proxmoxSettings(block: ProxmoxSettings | undefined, plan: boolean): ProxmoxSettings {
  if (block) return block
  if (!plan)
    throw new LabError('provider proxmox needs a `proxmox:` block in the lab file: where the cluster is and what of it to use', {
      hint: 'add e.g.\n  proxmox:\n    url: https://pve1.example.org:8006\n    token: vmlab@pve!lab\n    storage: local-lvm\n    bridge: vmbr1\nand export PVE_TOKEN_SECRET (README "Proxmox VE")',
    })
  return { url: 'https://pve1.example.org:8006', token: 'vmlab@pve!lab', storage: 'local-lvm', isoStorage: 'local', bridge: 'vmbr1' }
}

export interface ProxmoxProviderOptions {
  /** The lab file's `proxmox:` block (a plan needs none). */
  settings: ProxmoxSettings | undefined
  /** A RecordingRunner for `lab plan --commands`; the calls then go to it. */
  runner?: CliRunner
  /** Tests: talk to the simulator through this. */
  transport?: Transport
  env?: NodeJS.ProcessEnv
  api?: ApiOptions
  /** The student this instance of a class is: their VMs go into their own pool, which their @pve user may use. */
  student?: { id: string; stateDir: string }
}

/** The student's PVE login, kept in the instance's state directory (PVE gives no password back). */
const STUDENT_FILE = 'proxmox-user.json'

export class ProxmoxProvider implements Provider {
  readonly name = 'proxmox' as const
  readonly capabilities = PROXMOX_CAPABILITIES
  private apiClient: PveApi | undefined
  private readonly block: ProxmoxSettings | undefined
  private readonly opts: ProxmoxProviderOptions
  /** VMs this run made or found, by name (a plan's VMs exist nowhere else). */
  private readonly known = new Map<string, { node: string; vmid: number }>()
  private readonly placed: Record<string, number> = {}
  private poolReady = false
  private labPoolReady = false
  /** Templates this run made (a plan asks no cluster whether a VM is one). */
  private readonly templates = new Set<string>()
  private readonly installPollMs: number

  constructor(opts: ProxmoxProviderOptions) {
    this.opts = opts
    this.block = opts.settings
    this.installPollMs = opts.api?.pollMs ?? 5000
  }

  /** The lab's `proxmox:` block; asked on first use, so that a provider made only to be asked things needs none. */
  private get s(): ProxmoxSettings {
    return proxmoxSettings(this.block, this.opts.runner?.dryRun === true)
  }

  /** The API client, made on first call: the secret is read then, not when the provider is made. */
  get api(): PveApi {
    if (this.apiClient) return this.apiClient
    const opts = this.opts
    if (opts.runner?.dryRun) {
      this.apiClient = new PveApi(recordingTransport(opts.runner), { ...opts.api, dryRun: true })
    } else {
      const s = this.s
      const secret = readTokenSecret(s, opts.env)
      const transport =
        opts.transport ?? httpTransport(s.url, `PVEAPIToken=${s.token}=${secret}`, { ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}), ...(s.caFile ? { caFile: s.caFile } : {}) })
      this.apiClient = new PveApi(transport, { ...opts.api, secrets: [secret] })
    }
    return this.apiClient
  }

  /** The pool the lab's VMs go into: the student's own in a class. */
  private get pool(): string | undefined {
    return this.opts.student ? studentAccess(this.opts.student.id).pool : this.s.pool
  }

  /** The student's login, made once: PVE keeps only a hash of it. */
  private studentLogin(): StudentAccess & { password: string } {
    const st = this.opts.student!
    const file = join(st.stateDir, STUDENT_FILE)
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StudentAccess & { password: string }
    const login = { ...studentAccess(st.id), password: randomBytes(12).toString('base64url') }
    mkdirSync(st.stateDir, { recursive: true, mode: 0o700 })
    writeFileSync(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 })
    return login
  }

  async consoleAccess(): Promise<string[]> {
    const st = this.opts.student
    if (!st || !existsSync(join(st.stateDir, STUDENT_FILE))) return []
    const login = JSON.parse(readFileSync(join(st.stateDir, STUDENT_FILE), 'utf8')) as StudentAccess & { password: string }
    return [
      `Proxmox VE web console: ${this.s.url.replace(/\/+$/, '')}/`,
      `  user ${login.userid.replace(/@pve$/, '')}, realm "Proxmox VE authentication server" (${login.userid}), password ${login.password}`,
      `  your VMs are in pool ${login.pool}: open their consoles, start and stop them; nothing else on the cluster is yours`,
    ]
  }

  private get isoStorage(): string {
    return this.s.isoStorage ?? 'local'
  }

  async detect(): Promise<ProviderInfo> {
    const v = await this.api.get<{ version: string; release: string }>('/version')
    const problems: Preflight[] = []
    const nodes = await this.clusterNodes()
    if (nodes.length === 0) problems.push({ problem: 'no cluster node the lab may use is online', fix: 'check proxmox.nodes against `pvecm nodes`', fatal: true })
    const storages = await this.api.get<StorageResource[]>('/cluster/resources', { type: 'storage' })
    for (const st of [this.s.storage, this.isoStorage])
      if (!this.api.dryRun && !storages.some((x) => x.storage === st))
        problems.push({
          problem: `storage ${st} does not exist (or the token may not see it)`,
          fix: `pvesm status lists the storages; set proxmox.storage / proxmox.isoStorage, or grant Datastore.AllocateSpace on /storage/${st}`,
          fatal: true,
        })
    if (!this.api.dryRun) {
      const perms = await tokenPermissions(this.api)
      const pools = this.pool === undefined ? [] : await this.api.get<Array<{ poolid: string }>>('/pools')
      const needs = labNeeds({
        storage: this.s.storage,
        isoStorage: this.isoStorage,
        bridge: this.s.bridge,
        ...(this.pool === undefined ? {} : { pool: this.pool }),
        poolExists: pools.some((p) => p.poolid === this.pool),
        nodes: nodes.map((n) => n.node),
      })
      if (this.opts.student) needs.push(...studentNeeds('vmlab-'))
      const lacking = missing(perms, needs)
      if (lacking.length > 0)
        problems.push({
          problem: `the API token ${this.s.token} lacks privileges the lab uses:\n${lacking.map((l) => `      ${l}`).join('\n')}`,
          fix: grantHint(this.s.token, needs, perms),
          fatal: true,
        })
    }
    return { name: 'proxmox', binary: this.s.url, version: v.version, product: `Proxmox VE ${v.release}`, problems }
  }

  private async clusterNodes(): Promise<ClusterNode[]> {
    const all = await this.api.get<ClusterNode[]>('/cluster/resources', { type: 'node' })
    return all.filter((n) => n.status === 'online' && (this.s.nodes === undefined || this.s.nodes.includes(n.node)))
  }

  /** The lab network is a bridge the cluster already has: vmlab checks it and never makes or removes one. */
  async ensureNetwork(_spec: NetworkSpec): Promise<NetworkHandle> {
    const nodes = await this.clusterNodes()
    for (const n of nodes) {
      const nets = await this.api.get<Array<{ iface: string }>>(`/nodes/${n.node}/network`, { type: 'any_bridge' })
      if (!this.api.dryRun && !nets.some((x) => x.iface === this.s.bridge))
        throw new LabError(`proxmox: node ${n.node} has no bridge ${this.s.bridge}`, {
          hint: `add it on every node the lab uses (System → Network → Create → Linux Bridge, or ifupdown2's /etc/network/interfaces), or set proxmox.bridge to one \`GET /nodes/${n.node}/network\` lists`,
        })
    }
    return { id: this.s.bridge, created: false }
  }

  async removeNetwork(_handle: NetworkHandle): Promise<void> {}

  /** The student's user (its ACL goes with it) and pool; PVE removes a pool only once it holds no VM. */
  async removeAccess(): Promise<void> {
    if (this.opts.student) await removeStudentAccess(this.api, studentAccess(this.opts.student.id))
  }

  private async vms(): Promise<VmResource[]> {
    return (await this.api.get<VmResource[]>('/cluster/resources', { type: 'vm' })).filter((r) => r.type === 'qemu')
  }

  private async find(vm: string): Promise<{ node: string; vmid: number } | undefined> {
    if (this.api.dryRun) return this.known.get(vm)
    const r = (await this.vms()).find((x) => x.name === vm)
    return r ? { node: r.node, vmid: r.vmid } : undefined
  }

  private async must(vm: string): Promise<{ node: string; vmid: number }> {
    const f = await this.find(vm)
    if (!f) throw new LabError(`proxmox: there is no VM named ${vm} on the cluster`, { hint: '`lab status` shows what the lab has; `lab up` makes what is missing' })
    return f
  }

  private qemu(at: { node: string; vmid: number }): string {
    return `/nodes/${at.node}/qemu/${at.vmid}`
  }

  private async nextId(): Promise<number> {
    const id = Number(await this.api.get<string | number>('/cluster/nextid'))
    if (!Number.isInteger(id)) throw new LabError(`proxmox: /cluster/nextid gave no VM id (${String(id)})`)
    return id
  }

  /**
   * Runs a create or clone under a fresh VM id. /cluster/nextid reserves nothing (it names the lowest id no
   * config holds yet), so two clones started together, by this run or by another student's, may be handed
   * the same id: the one that comes second is refused and takes the next id.
   */
  private async withNewId(create: (vmid: number) => Promise<unknown>): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const vmid = await this.nextId()
      try {
        await create(vmid)
        return vmid
      } catch (e) {
        const taken = e instanceof PveApiError && e.status === 500 && new RegExp(`VM ${vmid} already exists|unable to create VM ${vmid}: config file already exists`).test(e.pveMessage)
        if (!taken || attempt >= 10) throw e
      }
    }
  }

  /** Uploads a local file to the ISO storage of a node unless a volume of that name is there. */
  private async upload(node: string, file: string, content: 'iso' | 'import', replace: boolean, name = basename(file)): Promise<string> {
    const volid = `${this.isoStorage}:${content}/${name}`
    const have = await this.api.get<Array<{ volid: string }>>(`/nodes/${node}/storage/${this.isoStorage}/content`, { content })
    if (have.some((v) => v.volid === volid)) {
      if (!replace) return volid
      await this.api.run('DELETE', `/nodes/${node}/storage/${this.isoStorage}/content/${encodeURIComponent(volid)}`)
    }
    await this.api.run('POST', `/nodes/${node}/storage/${this.isoStorage}/upload`, { content }, `upload of ${name} to ${this.isoStorage} on ${node}`, { file, name })
    return volid
  }

  private place(memoryMiB: number, template?: { node: string; sharedStorage: boolean }) {
    return async (): Promise<string> => {
      const nodes = await this.clusterNodes()
      const bytes = memoryMiB * 2 ** 20
      const p = placeVm({ nodes, ...(this.s.nodes ? { allowed: this.s.nodes } : {}), ...(template ? { template } : {}), placed: this.placed, memoryBytes: bytes })
      if ('problem' in p)
        throw new LabError(`proxmox: cannot place a VM: ${p.problem}`, { hint: "free memory on the cluster, lower the nodes' memory, or put the template's storage on shared storage" })
      this.placed[p.node] = (this.placed[p.node] ?? 0) + bytes
      return p.node
    }
  }

  /** The lab's pool, made on first use: PVE refuses a VM into a pool that does not exist. */
  /** The lab file's pool (the base's), made on first use: PVE refuses a VM into a pool that does not exist. */
  private async ensureLabPool(): Promise<void> {
    if (this.s.pool === undefined || this.labPoolReady) return
    const pools = await this.api.get<Array<{ poolid: string }>>('/pools')
    if (!pools.some((p) => p.poolid === this.s.pool)) await this.api.call('POST', '/pools', { poolid: this.s.pool, comment: 'vmlab' })
    this.labPoolReady = true
  }

  /** The nodes' pool: in a class the student's own, with their user and ACL. */
  private async ensurePool(): Promise<void> {
    if (!this.opts.student) return this.ensureLabPool()
    if (this.poolReady || this.api.dryRun) return
    await ensureStudentAccess(this.api, this.studentLogin())
    this.poolReady = true
  }

  async createBase(spec: BaseSpec): Promise<void> {
    // The base is the lab's, shared by every student: never in one student's pool.
    await this.ensureLabPool()
    const node = await this.place(spec.memoryMiB)()
    const common = {
      name: spec.name,
      pool: this.s.pool,
      cores: spec.cpus,
      memory: spec.memoryMiB,
      ostype: 'l26',
      scsihw: 'virtio-scsi-single',
      net0: `virtio,bridge=${this.s.bridge}`,
      serial0: 'socket',
    }
    let at: { node: string; vmid: number }
    if (spec.source.kind === 'iso') {
      const iso = await this.upload(node, spec.source.installIso, 'iso', false)
      const oemdrv = await this.upload(node, spec.source.oemdrvIso, 'iso', true, `${spec.name}-oemdrv.iso`)
      const vmid = await this.withNewId((id) =>
        this.api.run(
          'POST',
          `/nodes/${node}/qemu`,
          { vmid: id, ...common, scsi0: `${this.s.storage}:${spec.diskGiB}`, ide2: `${iso},media=cdrom`, ide3: `${oemdrv},media=cdrom`, boot: 'order=scsi0;ide2' },
          `creating ${spec.name}`,
        ),
      )
      at = { node, vmid }
      this.known.set(spec.name, at)
      await this.api.run('POST', `${this.qemu(at)}/status/start`, {}, `starting the installer of ${spec.name}`)
      await this.waitPowerOff(at, spec.name, spec.installTimeoutMs)
      await this.api.call('PUT', `${this.qemu(at)}/config`, { delete: 'ide2,ide3', boot: 'order=scsi0' })
      await this.api.run('DELETE', `/nodes/${node}/storage/${this.isoStorage}/content/${encodeURIComponent(oemdrv)}`)
    } else if (spec.source.kind === 'image') {
      const disk = await this.upload(node, spec.source.disk, 'import', true, `${spec.name}.qcow2`)
      const vmid = await this.withNewId((id) =>
        this.api.run('POST', `/nodes/${node}/qemu`, { vmid: id, ...common, scsi0: `${this.s.storage}:0,import-from=${disk}`, boot: 'order=scsi0' }, `creating ${spec.name}`),
      )
      at = { node, vmid }
      this.known.set(spec.name, at)
    } else {
      throw new LabError('proxmox: a base from a cloud image (install.image) is not supported yet', { hint: 'leave install.image out: the base is installed from the ISO' })
    }
    await this.api.run('POST', `${this.qemu(at)}/template`, {}, `making ${spec.name} a template`)
    this.templates.add(spec.name)
  }

  private async waitPowerOff(at: { node: string; vmid: number }, name: string, timeoutMs: number): Promise<void> {
    if (this.api.dryRun) return
    const deadline = Date.now() + timeoutMs
    while ((await this.api.get<{ status: string }>(`${this.qemu(at)}/status/current`)).status !== 'stopped') {
      if (Date.now() > deadline)
        throw new LabError(`proxmox: the installer of ${name} did not power off within ${Math.round(timeoutMs / 60_000)} min`, {
          hint: `look at its console in the web UI (VM ${at.vmid} on ${at.node})`,
        })
      await sleep(this.installPollMs)
    }
  }

  async cloneLinked(spec: CloneSpec): Promise<void> {
    await this.ensurePool()
    const tmpl = await this.must(spec.base)
    const storages = this.api.dryRun ? [] : await this.api.get<StorageResource[]>('/cluster/resources', { type: 'storage' })
    const shared = storages.some((x) => x.storage === this.s.storage && x.shared === 1)
    const node = await this.place(spec.memoryMiB, { node: tmpl.node, sharedStorage: shared })()
    const vmid = await this.withNewId((newid) =>
      this.api.run('POST', `${this.qemu(tmpl)}/clone`, { newid, name: spec.name, pool: this.pool, target: node, full: 0 }, `linked clone ${spec.name} of ${spec.base}`),
    )
    const at = { node, vmid }
    this.known.set(spec.name, at)
    // Named after the VM: an ISO storage is one folder for every lab of the cluster.
    const seed = await this.upload(node, spec.seedIso, 'iso', true, `${spec.name}-seed.iso`)
    await this.api.call('PUT', `${this.qemu(at)}/config`, { cores: spec.cpus, memory: spec.memoryMiB, net0: `virtio=${spec.mac.toUpperCase()},bridge=${this.s.bridge}`, ide3: `${seed},media=cdrom` })
    await this.snapshotTake(spec.name, spec.initialSnapshot)
  }

  async start(vm: string): Promise<void> {
    await this.api.run('POST', `${this.qemu(await this.must(vm))}/status/start`, {}, `starting ${vm}`)
  }

  async stop(vm: string, opts: { timeoutMs?: number; force?: boolean } = {}): Promise<void> {
    const at = await this.must(vm)
    // PVE's stop and shutdown fail on a VM that is not running ("VM 101 not running").
    if (!this.api.dryRun && (await this.state(vm)) === 'poweroff') return
    if (opts.force) await this.api.run('POST', `${this.qemu(at)}/status/stop`, {}, `stopping ${vm}`)
    else await this.api.run('POST', `${this.qemu(at)}/status/shutdown`, { timeout: Math.ceil((opts.timeoutMs ?? 60_000) / 1000), forceStop: 1 }, `shutting ${vm} down`)
  }

  async pause(vm: string): Promise<void> {
    await this.api.run('POST', `${this.qemu(await this.must(vm))}/status/suspend`, {}, `pausing ${vm}`)
  }

  async resume(vm: string): Promise<void> {
    await this.api.run('POST', `${this.qemu(await this.must(vm))}/status/resume`, {}, `resuming ${vm}`)
  }

  async state(vm: string): Promise<VmState> {
    const at = await this.find(vm)
    if (!at) return 'missing'
    const s = await this.api.get<{ status: string; qmpstatus?: string; lock?: string } | null>(`${this.qemu(at)}/status/current`)
    if (!s) return 'poweroff'
    if (s.lock !== undefined && s.lock !== 'suspended') return 'busy'
    if (s.status === 'running') return s.qmpstatus === 'paused' ? 'paused' : 'running'
    return 'poweroff'
  }

  private async isTemplate(at: { node: string; vmid: number }): Promise<{ template: boolean; description: string }> {
    const c = (await this.api.get<{ template?: number; description?: string } | null>(`${this.qemu(at)}/config`)) ?? {}
    return { template: c.template === 1, description: c.description ?? '' }
  }

  async snapshotTake(vm: string, name: string, opts: { live?: boolean } = {}): Promise<void> {
    const at = await this.must(vm)
    // A template takes no snapshots and needs none: its disks no longer change. The name is kept on it so
    // that the lab finds the base's snapshot as on the other hypervisors.
    const t = this.api.dryRun ? { template: this.templates.has(vm), description: '' } : await this.isTemplate(at)
    if (t.template) {
      const names = [...this.templateSnapshots(t.description).filter((n) => n !== name), name]
      const description = TEMPLATE_SNAPSHOTS.test(t.description)
        ? t.description.replace(TEMPLATE_SNAPSHOTS, `vmlab-snapshots: ${names.join(' ')}`)
        : `${t.description}${t.description ? '\n' : ''}vmlab-snapshots: ${names.join(' ')}`
      await this.api.call('PUT', `${this.qemu(at)}/config`, { description })
      return
    }
    const running = this.api.dryRun ? opts.live === true : (await this.state(vm)) === 'running'
    await this.api.run('POST', `${this.qemu(at)}/snapshot`, { snapname: name, vmstate: opts.live && running ? 1 : 0 }, `snapshot ${name} of ${vm}`)
  }

  private templateSnapshots(description: string): string[] {
    return (
      TEMPLATE_SNAPSHOTS.exec(description)?.[1]
        ?.split(' ')
        .filter((x) => x !== '') ?? []
    )
  }

  async snapshotRestore(vm: string, name: string): Promise<void> {
    await this.api.run('POST', `${this.qemu(await this.must(vm))}/snapshot/${encodeURIComponent(name)}/rollback`, {}, `rollback of ${vm} to ${name}`)
  }

  async snapshotList(vm: string): Promise<string[]> {
    const at = await this.must(vm)
    const t = await this.isTemplate(at)
    if (t.template) return this.templateSnapshots(t.description)
    const list = await this.api.get<Array<{ name: string; snaptime?: number }>>(`${this.qemu(at)}/snapshot`)
    return list
      .filter((x) => x.name !== 'current')
      .sort((a, b) => (a.snaptime ?? 0) - (b.snaptime ?? 0))
      .map((x) => x.name)
  }

  async snapshotDelete(vm: string, name: string): Promise<void> {
    await this.api.run('DELETE', `${this.qemu(await this.must(vm))}/snapshot/${encodeURIComponent(name)}`, {}, `deleting snapshot ${name} of ${vm}`)
  }

  async destroy(vm: string): Promise<void> {
    const at = await this.find(vm)
    if (!at) return
    if ((await this.state(vm)) === 'running') await this.api.run('POST', `${this.qemu(at)}/status/stop`, {}, `stopping ${vm}`)
    const cfg = (await this.api.get<Record<string, string | number> | null>(`${this.qemu(at)}/config`)) ?? {}
    await this.api.run('DELETE', this.qemu(at), { purge: 1, 'destroy-unreferenced-disks': 1 }, `destroying ${vm}`)
    this.known.delete(vm)
    // The seed disc uploaded for the clone is the lab's too.
    const seed = /^([^,]+\.iso),media=cdrom/.exec(String(cfg.ide3 ?? ''))?.[1]
    if (seed?.startsWith(`${this.isoStorage}:iso/`) && seed.includes('-seed'))
      await this.api.run('DELETE', `/nodes/${at.node}/storage/${this.isoStorage}/content/${encodeURIComponent(seed)}`).catch((e: unknown) => {
        if (!(e instanceof PveApiError && e.status === 500)) throw e
      })
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.vms()).map((r) => r.name ?? '').filter((n) => n.startsWith(prefix))
  }

  /** The lab bridge must be routed to this machine (or this machine be on it): nodes are reached directly. */
  async sshEndpoint(_vm: string, labIp: string): Promise<Endpoint> {
    return { host: labIp, port: 22 }
  }
}
