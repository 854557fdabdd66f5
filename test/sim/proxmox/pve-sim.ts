/**
 * A Proxmox VE API stand-in (the part of /api2/json vmlab uses), an HTTP(S) server kept in memory. Shapes follow
 * pve-manager's and qemu-server's API schema: every answer is `{data: …}`; parameter errors are HTTP 400
 * "Parameter verification failed." with `errors: {param: msg}`; die() texts are HTTP 500 with the text as the
 * status line and `message`; a missing privilege is 403 "Permission check failed (PATH, PRIV)"; long calls
 * return a UPID whose task is `running` for `taskMs`, then `stopped` with `exitstatus` OK or the error, and a
 * log. A VM busy in a task carries a lock ("VM is locked (clone)") that other calls on it run into.
 */
import { createServer as createHttp, type IncomingMessage, type ServerResponse, type Server } from 'node:http'
import { createServer as createHttps } from 'node:https'
import { Readable } from 'node:stream'
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { verifyParams } from './schema-check.js'

export interface SimNode {
  node: string
  maxmem: number
  mem: number
  status?: 'online' | 'offline'
}
export interface SimStorage {
  storage: string
  shared: boolean
  content: string[]
  /** Nodes that have it (all when undefined). */
  nodes?: string[]
}
export interface SimOptions {
  tokenId?: string
  secret?: string
  nodes?: SimNode[]
  storages?: SimStorage[]
  bridges?: string[]
  /** How long every task runs. */
  taskMs?: number
  /** A VM started with an OEMDRV disc powers off this long later (the installer's run). */
  installMs?: number
  /** TLS: the server's key and certificate (PEM). */
  tls?: { key: string; cert: string }
}

interface Snapshot {
  name: string
  snaptime: number
  vmstate: number
  parent?: string
  running: boolean
}
export interface SimVm {
  vmid: number
  node: string
  name: string
  config: Record<string, string | number>
  status: 'running' | 'stopped'
  qmpstatus: 'running' | 'stopped' | 'paused'
  lock?: string
  template: boolean
  /** The template a linked clone's disk is based on. */
  base?: number
  pool?: string
  snapshots: Snapshot[]
  parent?: string
}
interface Task {
  upid: string
  node: string
  type: string
  id: string
  done: boolean
  exitstatus?: string
  log: string[]
}

class Fail extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message)
  }
}

const GiB = 2 ** 30
const die = (message: string) => new Fail(500, message)
const paramError = (errors: Record<string, string>) => new Fail(400, 'Parameter verification failed.', errors)

export const ALL_PRIVILEGES = [
  'VM.Allocate',
  'VM.Clone',
  'VM.Audit',
  'VM.PowerMgmt',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
  'VM.Config.Disk',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.Config.HWType',
  'Datastore.Allocate',
  'Datastore.AllocateSpace',
  'Datastore.AllocateTemplate',
  'Datastore.Audit',
  'Sys.Audit',
  'SDN.Use',
  'Pool.Allocate',
  'User.Modify',
  'Realm.AllocateUser',
  'Permissions.Modify',
]

export class PveSim {
  readonly tokenId: string
  readonly secret: string
  readonly nodes: SimNode[]
  readonly storages: SimStorage[]
  readonly bridges: string[]
  readonly vms = new Map<number, SimVm>()
  readonly tasks = new Map<string, Task>()
  /** Volumes on node-local storages by `node/volid`, on shared ones by `*\/volid`. */
  readonly volumes = new Set<string>()
  readonly pools = new Map<string, { comment?: string }>()
  readonly users = new Map<string, { comment?: string; password?: string }>()
  readonly acl: Array<{ path: string; ugid: string; roleid: string; type: 'user'; propagate: number }> = []
  /** Every file uploaded to a storage, with its digest (to prove what arrived). */
  readonly uploads: Array<{ name: string; size: number; sha256: string }> = []
  /** Every call, as `METHOD /path`. */
  readonly calls: string[] = []
  /** Every Authorization header seen (to prove what went over the wire). */
  readonly headers: string[] = []
  privileges = new Set(ALL_PRIVILEGES)
  taskMs: number
  installMs: number
  private pid = 0x1a2b
  private failures: Array<{ type: string; message: string; log: string[] }> = []
  private server: Server | undefined

  constructor(private readonly opts: SimOptions = {}) {
    this.tokenId = opts.tokenId ?? 'vmlab@pve!lab'
    this.secret = opts.secret ?? 'c0ffee00-1111-2222-3333-444455556666'
    this.nodes = opts.nodes ?? [{ node: 'pve1', maxmem: 64 * GiB, mem: 8 * GiB }]
    this.storages = opts.storages ?? [
      { storage: 'local', shared: false, content: ['iso', 'vztmpl', 'import', 'backup'] },
      { storage: 'local-lvm', shared: false, content: ['images', 'rootdir'] },
    ]
    this.bridges = opts.bridges ?? ['vmbr0', 'vmbr1']
    this.taskMs = opts.taskMs ?? 20
    this.installMs = opts.installMs ?? 50
  }

  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res)
    this.server = this.opts.tls ? createHttps({ key: this.opts.tls.key, cert: this.opts.tls.cert }, handler) : createHttp(handler)
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const port = (this.server.address() as AddressInfo).port
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** The next task of this type (qmclone, qmsnapshot, …) ends with `message`, its log ending in these lines. */
  failNextTask(type: string, message: string, log: string[] = []): void {
    this.failures.push({ type, message, log })
  }

  /** Holds a lock on a VM for `ms`, as a backup or another client's task would. */
  lockFor(vmid: number, lock: string, ms: number): void {
    const vm = this.vms.get(vmid)!
    vm.lock = lock
    setTimeout(() => {
      if (vm.lock === lock) delete vm.lock
    }, ms).unref()
  }

  vmByName(name: string): SimVm | undefined {
    return [...this.vms.values()].find((v) => v.name === name)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim')
    const method = req.method ?? 'GET'
    const send = (status: number, statusText: string, body: unknown) => {
      res.writeHead(status, statusText, { 'content-type': 'application/json;charset=UTF-8' })
      res.end(JSON.stringify(body))
    }
    try {
      if (!url.pathname.startsWith('/api2/json/')) throw new Fail(404, 'Not Found')
      const path = url.pathname.slice('/api2/json'.length)
      this.calls.push(`${method} ${decodeURIComponent(path)}`)
      const auth = req.headers.authorization ?? ''
      this.headers.push(auth)
      const m = /^PVEAPIToken=([^=]+)=(.+)$/.exec(auth)
      if (!m) throw new Fail(401, 'No ticket')
      if (m[1] !== this.tokenId || m[2] !== this.secret) throw new Fail(401, 'invalid token value!')
      let params: Record<string, string> = Object.fromEntries(url.searchParams)
      let upload: File | undefined
      if (method === 'POST' || method === 'PUT') {
        const body = Readable.toWeb(req) as ReadableStream
        const type = req.headers['content-type'] ?? ''
        if (type !== '') {
          const form = await new Request('http://sim/', { method, headers: { 'content-type': type }, body, duplex: 'half' } as RequestInit).formData()
          params = {}
          for (const [k, v] of form.entries()) {
            if (typeof v === 'string') params[k] = v
            else upload = v
          }
        }
      }
      const given = upload === undefined ? params : { ...params, filename: upload.name }
      const errors = verifyParams(method, path, given)
      if (Object.keys(errors).length > 0) throw paramError(errors)
      const data = this.route(method, path.split('/').slice(1).map(decodeURIComponent), params, upload)
      if (upload)
        this.uploads.push({
          name: upload.name,
          size: upload.size,
          sha256: createHash('sha256')
            .update(Buffer.from(await upload.arrayBuffer()))
            .digest('hex'),
        })
      send(200, 'OK', { data: data ?? null })
    } catch (e) {
      if (!(e instanceof Fail)) {
        send(500, 'internal error', { data: null, message: `internal error: ${String(e)}\n` })
        return
      }
      // A refused login is answered before any formatter runs: the reason is the status line, the body empty.
      if (e.status === 401) {
        res.writeHead(401, e.message)
        res.end()
        return
      }
      // PVE puts the message in the status line too (first line, as HTTP allows).
      const body: Record<string, unknown> = { data: null, message: `${e.message}\n` }
      if (e.errors) body.errors = e.errors
      send(e.status, e.message.split('\n')[0]!, body)
    }
  }

  private need(path: string, priv: string): void {
    if (!this.privileges.has(priv)) throw new Fail(403, `Permission check failed (${path}, ${priv})`)
  }

  private nodeOf(name: string): SimNode {
    const n = this.nodes.find((x) => x.node === name)
    if (!n) throw die(`hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`)
    if (n.status === 'offline') throw new Fail(595, `no route to host`)
    return n
  }

  private vmAt(node: string, id: string): SimVm {
    const vm = this.vms.get(Number(id))
    if (!vm || vm.node !== node) throw die(`Configuration file 'nodes/${node}/qemu-server/${id}.conf' does not exist`)
    return vm
  }

  private storageAt(node: string, name: string): SimStorage {
    const s = this.storages.find((x) => x.storage === name && (x.nodes === undefined || x.nodes.includes(node)))
    if (!s) throw die(`storage '${name}' does not exist`)
    return s
  }

  private volKey(node: string, volid: string): string {
    const storage = volid.split(':')[0]!
    const s = this.storages.find((x) => x.storage === storage)
    return `${s?.shared ? '*' : node}/${volid}`
  }

  private checkLock(vm: SimVm): void {
    if (vm.lock) throw die(`VM is locked (${vm.lock})`)
  }

  /** Starts a worker: `work` runs when the task ends (its throw is the exitstatus); `lock` is held meanwhile. */
  private task(node: string, type: string, id: string, work: () => string[] | undefined, hold?: { vm: SimVm; lock: string }): string {
    const now = Math.floor(Date.now() / 1000)
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0')
    const upid = `UPID:${node}:${hex(++this.pid)}:${hex(0x00a00000 + this.pid)}:${hex(now)}:${type}:${id}:${this.tokenId}:`
    const t: Task = { upid, node, type, id, done: false, log: [] }
    this.tasks.set(upid, t)
    if (hold) hold.vm.lock = hold.lock
    const failure = this.failures.findIndex((f) => f.type === type)
    const planned = failure >= 0 ? this.failures.splice(failure, 1)[0] : undefined
    setTimeout(() => {
      if (hold && hold.vm.lock === hold.lock) delete hold.vm.lock
      try {
        if (planned) {
          t.log.push(...planned.log)
          throw die(planned.message)
        }
        t.log.push(...(work() ?? []))
        t.exitstatus = 'OK'
        t.log.push('TASK OK')
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e)
        t.exitstatus = message
        t.log.push(`TASK ERROR: ${message}`)
      }
      t.done = true
    }, this.taskMs)
    return upid
  }

  private route(method: string, p: string[], q: Record<string, string>, upload?: File): unknown {
    const wild = (x: string, i: number) => ((p[0] === 'access' ? i === 2 : i % 2 === 1 && p[i - 1] !== 'status' && p[i - 1] !== 'cluster') ? '*' : x)
    const key = `${method} /${p.map(wild).join('/')}`
    const [, n, , id, , sub] = p
    switch (true) {
      case key === 'GET /version':
        return { version: '8.2.4', release: '8.2', repoid: 'faa83925c9641325' }
      case key === 'GET /cluster/nextid': {
        let id = 100
        while (this.vms.has(id)) id++
        return String(id)
      }
      case key === 'GET /cluster/resources':
        return this.resources(q.type)
      case key === 'GET /nodes/*/network':
        this.nodeOf(n!)
        this.need(`/nodes/${n}`, 'Sys.Audit')
        return this.bridges.map((iface) => ({ iface, type: 'bridge', active: 1, autostart: 1, families: ['inet'] }))
      case key === 'GET /nodes/*/storage/*/content': {
        this.nodeOf(n!)
        this.storageAt(n!, id!)
        this.need(`/storage/${id}`, 'Datastore.Audit')
        return [...this.volumes]
          .filter((k) => k.startsWith(`${n}/${id}:`) || k.startsWith(`*/${id}:`))
          .map((k) => k.slice(k.indexOf('/') + 1))
          .filter((volid) => q.content === undefined || volid.split(':')[1]!.startsWith(`${q.content}/`))
          .map((volid) => ({ volid, content: q.content ?? volid.split(':')[1]!.split('/')[0], format: volid.endsWith('.iso') ? 'iso' : 'qcow2', size: 1024 }))
      }
      case key === 'POST /nodes/*/storage/*/upload': {
        this.nodeOf(n!)
        const st = this.storageAt(n!, id!)
        this.need(`/storage/${id}`, 'Datastore.AllocateTemplate')
        const content = q.content ?? ''
        if (!['iso', 'vztmpl', 'import'].includes(content)) throw paramError({ content: `value '${content}' does not have a value in the enumeration 'iso, vztmpl, import'` })
        if (!st.content.includes(content)) throw die(`storage '${id}' does not support '${content}' content`)
        if (!upload) throw paramError({ filename: 'property is missing and it is not optional' })
        if (content === 'iso' && !/\.(iso|img)$/.test(upload.name)) throw die('wrong file extension')
        if (content === 'import' && !/\.(qcow2|raw|vmdk|ova)$/.test(upload.name)) throw die('wrong file extension')
        const volid = `${id}:${content}/${upload.name}`
        return this.task(n!, 'imgcopy', '', () => {
          this.volumes.add(this.volKey(n!, volid))
          return [`starting file import from: /var/tmp/pveupload-${this.pid.toString(16)}`, `target file: /var/lib/vz/template/${content}/${upload.name}`, `file size is: ${upload.size}`]
        })
      }
      case key === 'DELETE /nodes/*/storage/*/content/*': {
        this.nodeOf(n!)
        this.need(`/storage/${id}`, 'Datastore.Allocate')
        const volid = p[5]!
        const k = this.volKey(n!, volid)
        if (!this.volumes.has(k)) throw die(`volume '${volid}' does not exist`)
        // A UPID's fields hold no ':' (pve-common's decode regex); the volume id's is written as '@@' here, unverified against a real node.
        return this.task(n!, 'imgdel', volid.replace(/:/g, '@@'), () => {
          this.volumes.delete(k)
          return []
        })
      }
      case key === 'POST /nodes/*/qemu':
        return this.create(n!, q)
      case key === 'GET /nodes/*/qemu/*/config': {
        const vm = this.vmAt(n!, id!)
        this.need(`/vms/${id}`, 'VM.Audit')
        return { ...vm.config, name: vm.name, ...(vm.template ? { template: 1 } : {}), ...(vm.lock ? { lock: vm.lock } : {}), digest: 'a1b2c3' }
      }
      case key === 'PUT /nodes/*/qemu/*/config':
        return this.configure(this.vmAt(n!, id!), q)
      case key === 'GET /nodes/*/qemu/*/status/current': {
        const vm = this.vmAt(n!, id!)
        this.need(`/vms/${id}`, 'VM.Audit')
        return {
          vmid: vm.vmid,
          name: vm.name,
          status: vm.status,
          qmpstatus: vm.qmpstatus,
          ...(vm.lock ? { lock: vm.lock } : {}),
          ...(vm.template ? { template: 1 } : {}),
          maxmem: Number(vm.config.memory ?? 512) * 2 ** 20,
        }
      }
      case method === 'POST' && key.startsWith('POST /nodes/*/qemu/*/status/'):
        return this.power(this.vmAt(n!, id!), p[5]!)
      case key === 'POST /nodes/*/qemu/*/template': {
        const vm = this.vmAt(n!, id!)
        this.need(`/vms/${id}`, 'VM.Allocate')
        this.checkLock(vm)
        if (vm.status === 'running') throw die("you can't convert a VM to template if VM is running")
        if (vm.template) throw die("you can't convert a template to a template")
        return this.task(
          n!,
          'qmtemplate',
          id!,
          () => {
            vm.template = true
            return []
          },
          { vm, lock: 'create' },
        )
      }
      case key === 'POST /nodes/*/qemu/*/clone':
        return this.clone(this.vmAt(n!, id!), q)
      case key === 'GET /nodes/*/qemu/*/snapshot': {
        const vm = this.vmAt(n!, id!)
        this.need(`/vms/${id}`, 'VM.Audit')
        return [
          ...vm.snapshots.map((s) => ({ name: s.name, snaptime: s.snaptime, vmstate: s.vmstate, description: '', ...(s.parent ? { parent: s.parent } : {}) })),
          { name: 'current', description: 'You are here!', running: vm.status === 'running' ? 1 : 0, ...(vm.parent ? { parent: vm.parent } : {}) },
        ]
      }
      case key === 'POST /nodes/*/qemu/*/snapshot':
        return this.snapshot(this.vmAt(n!, id!), q)
      case key === 'POST /nodes/*/qemu/*/snapshot/*/rollback':
      case key === 'DELETE /nodes/*/qemu/*/snapshot/*':
        return this.snapshotOp(this.vmAt(n!, id!), sub!, method === 'DELETE' ? 'delete' : 'rollback')
      case key === 'DELETE /nodes/*/qemu/*':
        return this.destroy(this.vmAt(n!, id!), q)
      case key === 'GET /nodes/*/tasks/*/status': {
        const t = this.tasks.get(id!)
        if (!t || t.node !== n) throw die(`no such task`)
        const u = t.upid.split(':')
        return {
          upid: t.upid,
          node: t.node,
          pid: Number.parseInt(u[2]!, 16),
          pstart: Number.parseInt(u[3]!, 16),
          starttime: Number.parseInt(u[4]!, 16),
          type: t.type,
          id: t.id,
          user: this.tokenId.split('!')[0],
          tokenid: this.tokenId.split('!')[1],
          status: t.done ? 'stopped' : 'running',
          ...(t.done ? { exitstatus: t.exitstatus } : {}),
        }
      }
      case key === 'GET /nodes/*/tasks/*/log': {
        const t = this.tasks.get(id!)
        if (!t || t.node !== n) throw die(`no such task`)
        const start = Number(q.start ?? 0)
        const limit = Number(q.limit ?? 50)
        return t.log.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }))
      }
      case key === 'GET /pools':
        return [...this.pools].map(([poolid, v]) => ({ poolid, ...v }))
      case key === 'POST /pools': {
        const poolid = q.poolid ?? ''
        if (!/^[A-Za-z0-9._-]+$/.test(poolid)) throw paramError({ poolid: 'value does not match the regex pattern' })
        this.need(`/pool/${poolid}`, 'Pool.Allocate')
        if (this.pools.has(poolid)) throw die(`pool '${poolid}' already exists`)
        this.pools.set(poolid, q.comment === undefined ? {} : { comment: q.comment })
        return null
      }
      case key === 'DELETE /pools/*': {
        const poolid = p[1]!
        this.need(`/pool/${poolid}`, 'Pool.Allocate')
        if (!this.pools.has(poolid)) throw die(`pool '${poolid}' does not exist`)
        if ([...this.vms.values()].some((v) => v.pool === poolid)) throw die('pool is not empty (remove all members first)')
        this.pools.delete(poolid)
        return null
      }
      case key === 'GET /access/users':
        return [...this.users].map(([userid, v]) => ({ userid, enable: 1, expire: 0, ...(v.comment ? { comment: v.comment } : {}) }))
      case key === 'POST /access/users': {
        const userid = q.userid ?? ''
        if (!/^[^\s:/@]+@[A-Za-z][A-Za-z0-9._-]*$/.test(userid)) throw paramError({ userid: 'value does not look like a valid user id' })
        this.need(`/access/realm/${userid.split('@')[1]}`, 'Realm.AllocateUser')
        this.need('/access/groups', 'User.Modify')
        if (this.users.has(userid)) throw die(`create user failed: user '${userid}' already exists`)
        this.users.set(userid, { ...(q.comment ? { comment: q.comment } : {}), ...(q.password ? { password: q.password } : {}) })
        return null
      }
      case key === 'DELETE /access/users/*': {
        const userid = p[2]!
        this.need(`/access/realm/${userid.split('@')[1]}`, 'Realm.AllocateUser')
        if (!this.users.delete(userid)) throw die(`delete user failed: no such user ('${userid}')`)
        for (let i = this.acl.length - 1; i >= 0; i--) if (this.acl[i]!.ugid === userid) this.acl.splice(i, 1)
        return null
      }
      case key === 'GET /access/permissions':
        // One grant on / that propagates: the simulator's privileges are the token's everywhere.
        return { '/': Object.fromEntries([...this.privileges].map((p) => [p, 1])) }
      case key === 'GET /access/acl':
        return this.acl
      case key === 'PUT /access/acl': {
        const path = q.path ?? ''
        this.need(path, 'Permissions.Modify')
        if (q.roles === undefined) throw paramError({ roles: 'property is missing and it is not optional' })
        if (!['PVEVMUser', 'PVEVMAdmin', 'PVEAuditor', 'Administrator', 'PVEPoolUser'].includes(q.roles)) throw die(`role '${q.roles}' does not exist`)
        for (const u of (q.users ?? '').split(',').filter((x) => x !== '')) {
          if (!this.users.has(u)) throw die(`user '${u}' does not exist`)
          if (path.startsWith('/pool/') && !this.pools.has(path.slice(6))) throw die(`invalid ACL path '${path}'`)
          const i = this.acl.findIndex((a) => a.path === path && a.ugid === u && a.roleid === q.roles)
          if (q.delete === '1') {
            if (i >= 0) this.acl.splice(i, 1)
          } else if (i < 0) this.acl.push({ path, ugid: u, roleid: q.roles, type: 'user', propagate: Number(q.propagate ?? 1) })
        }
        return null
      }
      default:
        throw new Fail(501, `Method '${method} /${p.join('/')}' not implemented`)
    }
  }

  private resources(type?: string): unknown[] {
    const out: unknown[] = []
    if (type === undefined || type === 'node')
      for (const n of this.nodes)
        out.push({ id: `node/${n.node}`, type: 'node', node: n.node, status: n.status ?? 'online', maxmem: n.maxmem, mem: n.mem + this.usedOn(n.node), maxcpu: 16, cpu: 0.05 })
    if (type === undefined || type === 'vm')
      for (const v of this.vms.values())
        out.push({
          id: `qemu/${v.vmid}`,
          type: 'qemu',
          vmid: v.vmid,
          name: v.name,
          node: v.node,
          status: v.status,
          template: v.template ? 1 : 0,
          maxmem: Number(v.config.memory ?? 512) * 2 ** 20,
          ...(v.pool ? { pool: v.pool } : {}),
          ...(v.lock ? { lock: v.lock } : {}),
        })
    if (type === undefined || type === 'storage')
      for (const n of this.nodes)
        for (const s of this.storages.filter((x) => x.nodes === undefined || x.nodes.includes(n.node)))
          out.push({
            id: `storage/${n.node}/${s.storage}`,
            type: 'storage',
            storage: s.storage,
            node: n.node,
            shared: s.shared ? 1 : 0,
            content: s.content.join(','),
            status: 'available',
            plugintype: s.shared ? 'rbd' : 'lvmthin',
          })
    return out
  }

  private usedOn(node: string): number {
    return [...this.vms.values()].filter((v) => v.node === node && v.status === 'running').reduce((a, v) => a + Number(v.config.memory ?? 512) * 2 ** 20, 0)
  }

  private create(node: string, q: Record<string, string>): string {
    this.nodeOf(node)
    const vmid = Number(q.vmid)
    if (!Number.isInteger(vmid) || vmid < 100 || vmid > 999999999) throw paramError({ vmid: 'value must have a minimum value of 100' })
    if (q.name !== undefined && !/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(q.name))
      throw paramError({ name: 'value does not look like a valid DNS name' })
    this.need(`/vms/${vmid}`, 'VM.Allocate')
    if (q.pool !== undefined) this.need(`/pool/${q.pool}`, 'VM.Allocate')
    if (q.net0 !== undefined) this.need(`/sdn/zones/localnetwork/${/bridge=([^,]+)/.exec(q.net0)?.[1]}`, 'SDN.Use')
    const existing = this.vms.get(vmid)
    if (existing) throw die(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${existing.node}'`)
    if (q.pool !== undefined && !this.pools.has(q.pool)) throw die(`pool '${q.pool}' does not exist`)
    const bridge = /bridge=([^,]+)/.exec(q.net0 ?? '')?.[1]
    if (bridge && !this.bridges.includes(bridge)) throw die(`bridge '${bridge}' does not exist`)
    const config: Record<string, string | number> = {}
    for (const [k, v] of Object.entries(q)) if (!['vmid', 'name', 'pool'].includes(k)) config[k] = v
    for (const [k, v] of Object.entries(config)) {
      if (!/^(scsi|ide|sata|virtio)\d+$/.test(k)) continue
      const volid = String(v).split(',')[0]!
      const storage = volid.split(':')[0]!
      this.need(`/storage/${storage}`, 'Datastore.AllocateSpace')
      this.storageAt(node, storage)
      const from = /import-from=([^,]+)/.exec(String(v))?.[1]
      if (from && !this.volumes.has(this.volKey(node, from))) throw die(`unable to parse volume ID '${from}' - volume does not exist`)
      if (String(v).includes('media=cdrom') && volid !== 'none' && !this.volumes.has(this.volKey(node, volid))) throw die(`volume '${volid}' does not exist`)
      if (/^[^:]+:\d+/.test(volid)) config[k] = `${storage}:vm-${vmid}-disk-${k.replace(/\D/g, '')},size=${volid.split(':')[1]}G`
    }
    const vm: SimVm = { vmid, node, name: q.name ?? `VM${vmid}`, config, status: 'stopped', qmpstatus: 'stopped', template: false, snapshots: [], ...(q.pool ? { pool: q.pool } : {}), lock: 'create' }
    this.vms.set(vmid, vm)
    return this.task(node, 'qmcreate', String(vmid), () => {
      delete vm.lock
      return [`  Logical volume "vm-${vmid}-disk-0" created.`]
    })
  }

  private configure(vm: SimVm, q: Record<string, string>): null {
    const privOf = (k: string) =>
      k === 'cores' || k === 'sockets' || k === 'cpu'
        ? 'VM.Config.CPU'
        : k === 'memory'
          ? 'VM.Config.Memory'
          : /^net\d/.test(k)
            ? 'VM.Config.Network'
            : /^ide\d/.test(k) && q[k]!.includes('media=cdrom')
              ? 'VM.Config.CDROM'
              : /^(scsi|ide|sata|virtio)\d/.test(k)
                ? 'VM.Config.Disk'
                : 'VM.Config.Options'
    for (const k of Object.keys(q)) if (k !== 'delete' && k !== 'digest') this.need(`/vms/${vm.vmid}`, privOf(k))
    for (const k of (q.delete ?? '').split(',').filter((x) => x !== '')) this.need(`/vms/${vm.vmid}`, /^ide\d/.test(k) ? 'VM.Config.CDROM' : privOf(k))
    this.checkLock(vm)
    if (vm.template && Object.keys(q).some((k) => k !== 'description' && k !== 'name' && k !== 'tags')) throw die("you can't change the configuration of a template") // templates take only options
    for (const [k, v] of Object.entries(q)) {
      if (k === 'delete' || k === 'digest') continue
      if (/^ide\d/.test(k) && v.includes('media=cdrom')) {
        const volid = v.split(',')[0]!
        if (volid !== 'none' && !this.volumes.has(this.volKey(vm.node, volid))) throw die(`volume '${volid}' does not exist`)
      }
      if (k === 'cores' && !/^\d+$/.test(v)) throw paramError({ cores: "type check ('integer') failed - got '" + v + "'" })
      vm.config[k] = v
    }
    for (const k of (q.delete ?? '').split(',').filter((x) => x !== '')) delete vm.config[k]
    return null
  }

  private power(vm: SimVm, action: string): string {
    if (!['start', 'stop', 'shutdown', 'suspend', 'resume', 'reset', 'reboot'].includes(action)) throw new Fail(501, `Method 'POST /nodes/${vm.node}/qemu/${vm.vmid}/status/${action}' not implemented`)
    this.need(`/vms/${vm.vmid}`, 'VM.PowerMgmt')
    this.checkLock(vm)
    return this.task(vm.node, `qm${action}`, String(vm.vmid), () => {
      switch (action) {
        case 'start': {
          if (vm.template) throw new Error(`you can't start a vm if it's a template`)
          if (vm.status === 'running') throw new Error(`VM ${vm.vmid} already running`)
          vm.status = 'running'
          vm.qmpstatus = 'running'
          // The installer powers the VM off when done (the kickstart's `poweroff`).
          if (/oemdrv/i.test(String(vm.config.ide3 ?? '')))
            setTimeout(() => {
              vm.status = 'stopped'
              vm.qmpstatus = 'stopped'
            }, this.installMs)
          return []
        }
        case 'stop':
        case 'shutdown':
          if (vm.status !== 'running') throw new Error(`VM ${vm.vmid} not running`)
          vm.status = 'stopped'
          vm.qmpstatus = 'stopped'
          return []
        case 'suspend':
          if (vm.status !== 'running') throw new Error(`VM ${vm.vmid} not running`)
          vm.qmpstatus = 'paused'
          return []
        case 'resume':
          if (vm.qmpstatus !== 'paused') throw new Error(`VM ${vm.vmid} not paused`)
          vm.qmpstatus = 'running'
          return []
        default:
          return []
      }
    })
  }

  private clone(src: SimVm, q: Record<string, string>): string {
    const newid = Number(q.newid)
    if (!Number.isInteger(newid) || newid < 100) throw paramError({ newid: 'property is missing and it is not optional' })
    this.need(`/vms/${src.vmid}`, 'VM.Clone')
    this.need(`/vms/${newid}`, 'VM.Allocate')
    if (q.pool !== undefined) this.need(`/pool/${q.pool}`, 'VM.Allocate')
    const target = q.target ?? src.node
    this.nodeOf(target)
    const full = q.full === undefined ? !src.template : q.full === '1'
    if (!src.template && !full) throw die("Linked clone feature is not supported for drive 'scsi0'")
    this.checkLock(src)
    if (this.vms.has(newid)) throw die(`unable to create VM ${newid}: config file already exists`)
    if (q.pool !== undefined && !this.pools.has(q.pool)) throw die(`pool '${q.pool}' does not exist`)
    if (target !== src.node) {
      const disk = String(src.config.scsi0 ?? '').split(':')[0]!
      if (!this.storages.find((s) => s.storage === disk)?.shared) throw die(`Can't clone to node '${target}' (VM uses local storage)`)
    }
    if (q.name !== undefined && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(q.name)) throw paramError({ name: 'value does not look like a valid DNS name' })
    const vm: SimVm = {
      vmid: newid,
      node: target,
      name: q.name ?? `Copy-of-VM-${src.name}`,
      config: { ...src.config },
      status: 'stopped',
      qmpstatus: 'stopped',
      template: false,
      snapshots: [],
      ...(q.pool ? { pool: q.pool } : {}),
      lock: 'clone',
    }
    if (!full) vm.base = src.vmid
    delete vm.config.description
    this.vms.set(newid, vm)
    // A VM that is no template is locked while it is copied; a template lends its base disk unlocked.
    return this.task(
      src.node,
      'qmclone',
      String(src.vmid),
      () => {
        delete vm.lock
        return [`create ${full ? 'full' : 'linked'} clone of drive scsi0 (${src.config.scsi0})`]
      },
      src.template ? undefined : { vm: src, lock: 'clone' },
    )
  }

  private snapshot(vm: SimVm, q: Record<string, string>): string {
    const name = q.snapname ?? ''
    if (!/^[a-zA-Z][a-zA-Z0-9_-]{1,39}$/.test(name)) throw paramError({ snapname: `invalid format - invalid configuration ID '${name}'` })
    this.need(`/vms/${vm.vmid}`, 'VM.Snapshot')
    if (vm.template) throw die("you can't take a snapshot if it's a template")
    this.checkLock(vm)
    if (vm.snapshots.some((s) => s.name === name)) throw die(`snapshot name '${name}' already used`)
    const vmstate = q.vmstate === '1' && vm.status === 'running' ? 1 : 0
    return this.task(
      vm.node,
      'qmsnapshot',
      String(vm.vmid),
      () => {
        vm.snapshots.push({ name, snaptime: Math.floor(Date.now() / 1000) + vm.snapshots.length, vmstate, ...(vm.parent ? { parent: vm.parent } : {}), running: vm.status === 'running' })
        vm.parent = name
        return vmstate ? ["saving VM state and RAM using storage 'local-lvm'", 'completed saving the VM state'] : []
      },
      { vm, lock: 'snapshot' },
    )
  }

  private snapshotOp(vm: SimVm, name: string, op: 'rollback' | 'delete'): string {
    this.need(`/vms/${vm.vmid}`, op === 'rollback' ? 'VM.Snapshot.Rollback' : 'VM.Snapshot')
    this.checkLock(vm)
    const s = vm.snapshots.find((x) => x.name === name)
    if (!s) throw die(`snapshot '${name}' does not exist`)
    return this.task(
      vm.node,
      op === 'rollback' ? 'qmrollback' : 'qmdelsnapshot',
      String(vm.vmid),
      () => {
        if (op === 'rollback') {
          // A snapshot with RAM comes back running; one without stops the VM.
          vm.status = s.vmstate ? 'running' : 'stopped'
          vm.qmpstatus = vm.status
          vm.parent = name
        } else {
          vm.snapshots = vm.snapshots.filter((x) => x !== s)
          for (const o of vm.snapshots) if (o.parent === name) o.parent = s.parent as string
          if (vm.parent === name) vm.parent = s.parent as string
        }
        return []
      },
      { vm, lock: op === 'rollback' ? 'rollback' : 'snapshot-delete' },
    )
  }

  private destroy(vm: SimVm, q: Record<string, string>): string {
    this.need(`/vms/${vm.vmid}`, 'VM.Allocate')
    this.checkLock(vm)
    if (vm.status === 'running') throw die(`VM ${vm.vmid} is running - destroy failed`)
    return this.task(
      vm.node,
      'qmdestroy',
      String(vm.vmid),
      () => {
        const clones = [...this.vms.values()].filter((v) => v.base === vm.vmid)
        if (clones.length > 0) throw new Error(`base volume '${String(vm.config.scsi0).split(',')[0]}' is still in use by linked cloned`)
        this.vms.delete(vm.vmid)
        return [`  Logical volume "vm-${vm.vmid}-disk-0" successfully removed.`, ...(q.purge === '1' ? [`purging VM ${vm.vmid} from related configurations..`] : [])]
      },
      { vm, lock: 'destroyed' },
    )
  }
}
