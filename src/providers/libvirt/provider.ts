/**
 * libvirt through `virsh -c URI`: the host may be this machine (qemu:///system) or a school's server
 * (qemu+ssh://user@host/system), so nothing here assumes a path on the host: disks and discs are volumes of the
 * host's storage pool, uploaded from this machine (`vol-create-as` + `vol-upload`), and the domain XML names
 * them by pool and volume. Images are uploaded once per host (named by what they hold, kept for the next lab);
 * a base's disk is a qcow2 overlay on its image and every node's a qcow2 overlay on the base's. One libvirt
 * network per lab, NAT out. Snapshots are libvirt's internal ones: live (memory included) when the domain runs.
 */
import { stat, mkdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { BaseSource, BaseSpec, CloneSpec, Endpoint, NetworkHandle, NetworkSpec, Provider, ProviderInfo, Preflight, VmState } from '../provider.js'
import type { OsInfo } from '../../lab/os-catalog.js'
import { realRunner, type CliRunner } from '../cli-runner.js'
import { LabError } from '../../util/errors.js'
import { which } from '../../util/which.js'
import { LIBVIRT_CAPABILITIES } from './capabilities.js'
import { LIBVIRT_DEFAULTS, uriProblem, type LibvirtSettings } from './settings.js'
import { Virsh } from './virsh.js'
import { alreadyActive, notFound, notRunning, reason, unsupported } from './virsh-error.js'
import { addressOf, parseDomstate, parseFreeMemoryMiB, parseNames, parseNodeinfo, parseVersion, parseVolList } from './parse.js'
import { networkName, networkXml } from './network-xml.js'
import { baseOf, domainXml, type DomainSpec, type VolumeRef } from './domain-xml.js'

export interface LibvirtProviderOptions {
  runner?: CliRunner
  env?: NodeJS.ProcessEnv
  lab: string
  settings?: Partial<LibvirtSettings>
  /** Where the domain and network XML handed to virsh are written (the lab's state folder). */
  stateDir: string
  pollIntervalMs?: number
  stopTimeoutMs?: number
  /** From the installer's start to typing at its boot menu (ms). */
  bootWaitMs?: number
}

/** Volumes uploaded for any lab on the host: named by what they hold, so a second lab uploads nothing. */
export const IMAGE_PREFIX = 'vmlab-img-'

/**
 * The volumes a VM owns are its name and one of these; an instance's VM names hold a dot of their own
 * (`vmlab-swarm.alice-master`), so a volume's VM is found by its suffix, never by its first dot.
 */
const VM_VOLUME = /^(.+)\.(qcow2|seed\.iso|oemdrv\.iso)$/

function volumeOwner(volume: string): string | undefined {
  return VM_VOLUME.exec(volume)?.[1]
}

function hash(text: string): string {
  let h = 2166136261
  let g = 5381
  for (const c of text) {
    h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
    g = (Math.imul(g, 33) + c.charCodeAt(0)) >>> 0
  }
  return h.toString(16).padStart(8, '0') + g.toString(16).padStart(8, '0')
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class LibvirtProvider implements Provider {
  readonly name = 'libvirt' as const
  readonly capabilities = LIBVIRT_CAPABILITIES
  readonly settings: LibvirtSettings
  private readonly virsh: Virsh
  private readonly env: NodeJS.ProcessEnv
  private domainType = 'qemu'
  /** Base facts the clones repeat (capacity, kernel), read once per base. */
  private readonly bases = new Map<string, { capacity: number; diskPath: string; kernel?: string; initrd?: string; cmdline?: string }>()
  /** In a plan, the domains it defined: the fresh machine that answers the plan's virsh keeps nothing. */
  private readonly planned = new Map<string, string>()

  constructor(private readonly opts: LibvirtProviderOptions) {
    this.env = opts.env ?? process.env
    this.settings = { ...LIBVIRT_DEFAULTS, ...opts.settings }
    const runner = opts.runner ?? realRunner
    const binary = runner.dryRun ? 'virsh' : (which('virsh', [], this.env) ?? 'virsh')
    this.virsh = new Virsh(runner, this.settings.uri, binary, this.env)
    if (this.settings.uri.startsWith('test:')) this.domainType = 'test'
  }

  private get pool(): string {
    return this.settings.pool
  }

  private vol(volume: string): VolumeRef {
    return { pool: this.pool, volume }
  }

  async detect(): Promise<ProviderInfo> {
    const problems: Preflight[] = []
    const bad = uriProblem(this.settings.uri)
    if (bad) throw new LabError(`libvirt.uri ${JSON.stringify(this.settings.uri)} is not a host vmlab can drive`, { hint: bad })
    if (!this.virsh.dryRun && !which('virsh', [], this.env))
      throw new LabError('virsh is not installed: vmlab drives libvirt through it', { hint: 'install it (Debian/Ubuntu: apt install libvirt-clients; Fedora: dnf install libvirt-client)' })
    const v = parseVersion(await this.virsh.run(['version']))
    const pool = await this.virsh.tryRun(['pool-info', this.pool])
    if (pool.exitCode !== 0) {
      problems.push({
        problem: notFound(pool.stderr, 'pool')
          ? `the storage pool ${this.pool} does not exist on ${this.settings.uri}`
          : `the storage pool ${this.pool} on ${this.settings.uri}: ${reason(pool.stderr)}`,
        fix: `virsh -c ${this.settings.uri} pool-define-as ${this.pool} dir --target /var/lib/libvirt/images && virsh -c ${this.settings.uri} pool-start ${this.pool} && virsh -c ${this.settings.uri} pool-autostart ${this.pool}, or name another pool in libvirt.pool`,
        fatal: true,
      })
    } else if (!/^State:\s+running/m.test(pool.stdout)) {
      problems.push({ problem: `the storage pool ${this.pool} on ${this.settings.uri} is not active`, fix: `virsh -c ${this.settings.uri} pool-start ${this.pool}`, fatal: true })
    }
    if (this.domainType !== 'test') {
      // Without KVM on the host, libvirt still runs the guests under QEMU's emulation (TCG): slow but working.
      const kvm = await this.virsh.tryRun(['domcapabilities', '--virttype', 'kvm'])
      this.domainType = kvm.exitCode === 0 ? 'kvm' : 'qemu'
      if (this.domainType === 'qemu')
        problems.push({ problem: `${this.settings.uri} has no KVM: guests run under software emulation`, fix: 'labs work, but boots take about a minute per VM', fatal: false })
    }
    const hv = v.hypervisor ?? 'unknown hypervisor'
    return { name: 'libvirt', binary: this.virsh.binary, version: v.library, product: `libvirt ${v.library} (${hv}, ${this.domainType}) on ${this.settings.uri}`, problems }
  }

  /** What the host holds and has free, for a class's placement. */
  async hostCapacity(): Promise<{ cpus: number; memoryMiB: number; freeMemoryMiB: number }> {
    const node = parseNodeinfo(await this.virsh.run(['nodeinfo']))
    return { ...node, freeMemoryMiB: parseFreeMemoryMiB(await this.virsh.run(['freecell', '--all'])) }
  }

  async ensureNetwork(spec: NetworkSpec): Promise<NetworkHandle> {
    if (this.settings.network) {
      await this.virsh.run(['net-info', this.settings.network])
      return { id: this.settings.network, created: false }
    }
    const name = networkName(spec.lab)
    const info = await this.virsh.tryRun(['net-info', name])
    if (info.exitCode !== 0) {
      if (!notFound(info.stderr, 'network')) throw new LabError(`virsh net-info ${name} on ${this.settings.uri} failed: ${reason(info.stderr)}`)
      await this.virsh.run(['net-define', await this.xmlFile(`network-${name}.xml`, networkXml(spec))])
    }
    if (info.exitCode !== 0 || !/^Active:\s+yes/m.test(info.stdout)) {
      const r = await this.virsh.tryRun(['net-start', name])
      if (r.exitCode !== 0 && !alreadyActive(r.stderr))
        throw new LabError(`the lab network ${name} on ${this.settings.uri} did not start: ${reason(r.stderr)}`, {
          hint: 'another network may use the same subnet (virsh net-list --all; virsh net-dumpxml NAME): change the lab network.cidr',
        })
    }
    return { id: name, created: true }
  }

  async removeNetwork(handle: NetworkHandle): Promise<void> {
    if (!handle.created) return
    for (const cmd of ['net-destroy', 'net-undefine']) {
      const r = await this.virsh.tryRun([cmd, handle.id])
      if (r.exitCode !== 0 && !notFound(r.stderr, 'network') && !/network is not active/.test(r.stderr))
        throw new LabError(`virsh ${cmd} ${handle.id} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
    }
  }

  /** Writes XML for virsh to read (it reads the file here and sends it to the host); nothing is written in a plan. */
  private async xmlFile(name: string, xml: string): Promise<string> {
    const dir = join(this.opts.stateDir, 'libvirt')
    const path = join(dir, name)
    if (this.virsh.dryRun) return path
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await writeFile(path, xml, { mode: 0o600 })
    return path
  }

  private async volumeExists(name: string): Promise<boolean> {
    const r = await this.virsh.tryRun(['vol-info', '--pool', this.pool, name])
    if (r.exitCode === 0) return true
    if (notFound(r.stderr, 'vol')) return false
    throw new LabError(`virsh vol-info ${name} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
  }

  /** A local file as a volume of the pool (the volume is as large as the file; a qcow2 keeps its own virtual size). */
  private async upload(file: string, volume: string, format: 'raw' | 'qcow2'): Promise<void> {
    const size = this.virsh.dryRun ? 0 : (await stat(file)).size
    await this.virsh.run(['vol-create-as', this.pool, volume, String(Math.max(size, 1)), '--format', format])
    const r = await this.virsh.tryRun(['vol-upload', '--pool', this.pool, volume, file])
    if (r.exitCode !== 0) {
      await this.virsh.tryRun(['vol-delete', '--pool', this.pool, volume])
      const why = unsupported(r.stderr) ? `${this.settings.uri} cannot upload volumes` : reason(r.stderr)
      throw new LabError(`uploading ${file} to ${this.pool}/${volume} on ${this.settings.uri} failed: ${why}`, { hint: 'check the pool has room (virsh pool-info) and is writable by libvirt' })
    }
  }

  /** The shared upload of a file that does not change (an image, a kernel, an install ISO): once per host. */
  private async sharedUpload(file: string, ext: string, format: 'raw' | 'qcow2'): Promise<string> {
    const s = this.virsh.dryRun ? { size: 0, mtimeMs: 0 } : await stat(file)
    const volume = `${IMAGE_PREFIX}${basename(file)
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .slice(0, 40)}-${hash(`${file}\0${s.size}\0${s.mtimeMs}`)}.${ext}`
    if (!(await this.volumeExists(volume))) await this.upload(file, volume, format)
    return volume
  }

  private async volPath(volume: string): Promise<string> {
    return (await this.virsh.run(['vol-path', '--pool', this.pool, volume])).trim()
  }

  private async capacityOf(volume: string): Promise<number> {
    const out = await this.virsh.run(['vol-info', '--pool', this.pool, '--bytes', volume])
    return Number(/^Capacity:\s+(\d+) bytes/m.exec(out)?.[1] ?? 0)
  }

  /** A qcow2 overlay on another volume of the pool: a linked clone's disk. */
  private async overlay(volume: string, backing: string, capacity: number, knownPath?: string): Promise<void> {
    const backingPath = knownPath ?? (await this.volPath(backing))
    await this.virsh.run(['vol-create-as', this.pool, volume, String(Math.max(capacity, 1)), '--format', 'qcow2', '--backing-vol', backingPath, '--backing-vol-format', 'qcow2'])
  }

  private async define(spec: DomainSpec): Promise<void> {
    const xml = domainXml(spec)
    await this.virsh.run(['define', await this.xmlFile(`domain-${spec.name}.xml`, xml)])
    if (this.virsh.dryRun) this.planned.set(spec.name, xml)
  }

  private async refuseExisting(vm: string): Promise<void> {
    if ((await this.state(vm)) !== 'missing') throw new LabError(`a libvirt domain named ${vm} exists already on ${this.settings.uri}`, { hint: 'lab destroy removes it' })
    // Volumes without their domain are what an interrupted create leaves: start again.
    await this.deleteVolumes(vm)
  }

  async createBase(spec: BaseSpec): Promise<void> {
    const src = spec.source
    await this.refuseExisting(spec.name)
    const disk = `${spec.name}.qcow2`
    const dom: DomainSpec = { name: spec.name, type: this.domainType, cpus: spec.cpus, memoryMiB: spec.memoryMiB, disk: this.vol(disk), cdroms: [], mac: '52:54:00:00:00:01', network: spec.network.id }
    if (src.kind === 'cloud-image') throw new LabError('cloud images (install.image) are not supported on libvirt yet', { hint: 'use provider: qemu for a lab built from a cloud image' })
    if (src.kind === 'image') {
      const image = await this.sharedUpload(src.disk, 'qcow2', 'qcow2')
      await this.overlay(disk, image, Math.max(await this.capacityOf(image), spec.diskGiB * 1024 ** 3))
      if (src.kernel) dom.kernel = await this.volPath(await this.sharedUpload(src.kernel, 'kernel', 'raw'))
      if (src.initrd) dom.initrd = await this.volPath(await this.sharedUpload(src.initrd, 'initrd', 'raw'))
      if (src.append) dom.cmdline = src.append
      await this.define(dom)
      return
    }
    await this.virsh.run(['vol-create-as', this.pool, disk, `${spec.diskGiB}G`, '--format', 'qcow2'])
    const iso = await this.sharedUpload(src.installIso, 'iso', 'raw')
    // The kickstart disc holds the lab's password hashes: the base's own, deleted after the install.
    const oemdrv = `${spec.name}.oemdrv.iso`
    await this.upload(src.oemdrvIso, oemdrv, 'raw')
    await this.define({ ...dom, cdroms: [this.vol(iso), this.vol(oemdrv)], bootCdrom: true })
    await this.start(spec.name)
    if (!this.virsh.dryRun) await sleep(this.opts.bootWaitMs ?? 10_000)
    // "Install …" above the default "Test this media & install": skips the 60 s wait and the media check.
    await this.virsh.run(['send-key', spec.name, 'KEY_UP', 'KEY_ENTER'])
    await this.waitForPowerOff(spec.name, spec.installTimeoutMs)
    await this.define(dom)
    await this.virsh.run(['vol-delete', '--pool', this.pool, oemdrv])
  }

  private async waitForPowerOff(vm: string, timeoutMs: number): Promise<void> {
    if (this.virsh.dryRun) return
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      if ((await this.state(vm)) === 'poweroff') return
      await sleep(this.opts.pollIntervalMs ?? 5000)
    }
    await this.stop(vm, { force: true })
    throw new LabError(`the installer of ${vm} did not finish within ${Math.round(timeoutMs / 60000)} min`, {
      hint: `watch it with \`virsh -c ${this.settings.uri} console ${vm}\` on the next try (lab up again)`,
    })
  }

  /** What a clone repeats of its base: the disk's size and the kernel it boots. */
  private async baseFacts(base: string) {
    const known = this.bases.get(base)
    if (known) return known
    const xml = await this.dumpxml(base)
    if (xml === undefined) throw new LabError(`no libvirt domain named ${base} on ${this.settings.uri}`, { hint: 'lab up creates it' })
    const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(xml)?.[1]
    const kernel = tag('kernel')
    const initrd = tag('initrd')
    const cmdline = tag('cmdline')
      ?.replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
    const facts = {
      capacity: await this.capacityOf(`${base}.qcow2`),
      diskPath: await this.volPath(`${base}.qcow2`),
      ...(kernel ? { kernel } : {}),
      ...(initrd ? { initrd } : {}),
      ...(cmdline ? { cmdline } : {}),
    }
    this.bases.set(base, facts)
    return facts
  }

  async cloneLinked(spec: CloneSpec): Promise<void> {
    const base = await this.baseFacts(spec.base)
    await this.refuseExisting(spec.name)
    const disk = `${spec.name}.qcow2`
    await this.overlay(disk, `${spec.base}.qcow2`, base.capacity, base.diskPath)
    // The seed carries the node's private host key: its own volume, removed with the domain.
    const seed = `${spec.name}.seed.iso`
    await this.upload(spec.seedIso, seed, 'raw')
    await this.define({
      name: spec.name,
      type: this.domainType,
      cpus: spec.cpus,
      memoryMiB: spec.memoryMiB,
      disk: this.vol(disk),
      cdroms: [this.vol(seed)],
      ...(base.kernel ? { kernel: base.kernel } : {}),
      ...(base.initrd ? { initrd: base.initrd } : {}),
      ...(base.cmdline ? { cmdline: base.cmdline } : {}),
      mac: spec.mac,
      network: spec.network.id,
      base: spec.base,
    })
    await this.snapshotTake(spec.name, spec.initialSnapshot)
  }

  async start(vm: string): Promise<void> {
    const r = await this.virsh.tryRun(['start', vm])
    if (r.exitCode === 0) return
    // A snapshot taken while the lab was paused (to hold one instant) comes back paused: running means resumed.
    if (alreadyActive(r.stderr)) {
      if ((await this.state(vm)) === 'paused') await this.resume(vm)
      return
    }
    if (notFound(r.stderr, 'domain')) throw new LabError(`no libvirt domain named ${vm} on ${this.settings.uri}`, { hint: 'lab up creates it' })
    throw new LabError(`${vm} did not start on ${this.settings.uri}: ${reason(r.stderr)}`, {
      hint: `virsh -c ${this.settings.uri} start ${vm} shows the whole error; the host's log is /var/log/libvirt/qemu/${vm}.log`,
    })
  }

  async stop(vm: string, opts: { timeoutMs?: number; force?: boolean } = {}): Promise<void> {
    if (!opts.force && (await this.state(vm)) === 'running') {
      const r = await this.virsh.tryRun(['shutdown', vm])
      if (r.exitCode !== 0 && !notRunning(r.stderr)) throw new LabError(`virsh shutdown ${vm} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
      const until = Date.now() + (opts.timeoutMs ?? this.opts.stopTimeoutMs ?? 60_000)
      while (!this.virsh.dryRun && Date.now() < until) {
        if ((await this.state(vm)) !== 'running') break
        await sleep(this.opts.pollIntervalMs ?? 1000)
      }
    }
    const state = await this.state(vm)
    if (state === 'missing' || state === 'poweroff') return
    const r = await this.virsh.tryRun(['destroy', vm])
    if (r.exitCode !== 0 && !notRunning(r.stderr) && !notFound(r.stderr, 'domain')) throw new LabError(`virsh destroy ${vm} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
  }

  async pause(vm: string): Promise<void> {
    await this.virsh.run(['suspend', vm])
  }

  async resume(vm: string): Promise<void> {
    const r = await this.virsh.tryRun(['resume', vm])
    // A snapshot taken running, reverted while paused, runs already.
    if (r.exitCode !== 0 && !/domain is already running|domain is not paused/.test(r.stderr)) throw new LabError(`virsh resume ${vm} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
  }

  async state(vm: string): Promise<VmState> {
    if (this.planned.has(vm)) return 'poweroff'
    const r = await this.virsh.tryRun(['domstate', vm])
    if (r.exitCode === 0) return parseDomstate(r.stdout)
    if (notFound(r.stderr, 'domain')) return 'missing'
    throw new LabError(`virsh domstate ${vm} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
  }

  async snapshotTake(vm: string, name: string, _opts: { live?: boolean } = {}): Promise<void> {
    if ((await this.snapshotList(vm)).includes(name)) throw new LabError(`${vm} already has a snapshot named ${name}`, { hint: 'delete it first, or pick another name' })
    // A running domain's internal snapshot holds its memory too: reverting to it needs no boot.
    await this.virsh.run(['snapshot-create-as', vm, name, '--atomic'])
  }

  async snapshotRestore(vm: string, name: string): Promise<void> {
    const r = await this.virsh.tryRun(['snapshot-revert', vm, name])
    if (r.exitCode === 0) return
    if (notFound(r.stderr, 'snapshot')) throw new LabError(`${vm} has no snapshot named ${name}`)
    throw new LabError(`virsh snapshot-revert ${vm} ${name} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
  }

  async snapshotList(vm: string): Promise<string[]> {
    // Parents before children: the order they were taken in along the lab's one line of snapshots.
    const r = await this.virsh.tryRun(['snapshot-list', vm, '--name', '--topological'])
    if (r.exitCode === 0) return parseNames(r.stdout)
    if (notFound(r.stderr, 'domain')) throw new LabError(`no libvirt domain named ${vm} on ${this.settings.uri}`, { hint: 'lab up creates it' })
    throw new LabError(`virsh snapshot-list ${vm} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
  }

  async snapshotDelete(vm: string, name: string): Promise<void> {
    await this.virsh.run(['snapshot-delete', vm, name])
  }

  private async dumpxml(vm: string): Promise<string | undefined> {
    const planned = this.planned.get(vm)
    if (planned !== undefined) return planned
    const r = await this.virsh.tryRun(['dumpxml', vm])
    if (r.exitCode === 0) return r.stdout
    if (notFound(r.stderr, 'domain')) return undefined
    throw new LabError(`virsh dumpxml ${vm} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
  }

  private async domains(): Promise<string[]> {
    return parseNames(await this.virsh.run(['list', '--all', '--name']))
  }

  private async volumes(): Promise<string[]> {
    return parseVolList(await this.virsh.run(['vol-list', this.pool]))
  }

  /** Every volume named after the VM (`VM.qcow2`, `VM.seed.iso`, `VM.oemdrv.iso`). */
  private async deleteVolumes(vm: string): Promise<void> {
    if (this.virsh.dryRun) return
    for (const v of (await this.volumes()).filter((v) => volumeOwner(v) === vm)) {
      const r = await this.virsh.tryRun(['vol-delete', '--pool', this.pool, v])
      if (r.exitCode !== 0 && !notFound(r.stderr, 'vol')) throw new LabError(`virsh vol-delete ${v} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
    }
  }

  async destroy(vm: string): Promise<void> {
    const xml = await this.dumpxml(vm)
    if (xml !== undefined) {
      if (baseOf(xml) === undefined) {
        const users: string[] = []
        for (const other of (await this.domains()).filter((d) => d !== vm)) {
          const x = await this.dumpxml(other)
          if (x !== undefined && baseOf(x) === vm) users.push(other)
        }
        if (users.length) throw new LabError(`${vm} is the base of ${users.join(', ')}`, { hint: 'destroy the lab nodes first (lab destroy does that)' })
      }
      await this.stop(vm, { force: true })
      const r = await this.virsh.tryRun(['undefine', vm, '--remove-all-storage', '--snapshots-metadata'])
      if (r.exitCode !== 0 && !notFound(r.stderr, 'domain')) throw new LabError(`virsh undefine ${vm} on ${this.settings.uri} failed: ${reason(r.stderr)}`)
      this.bases.delete(vm)
    }
    await this.deleteVolumes(vm)
  }

  async list(prefix: string): Promise<string[]> {
    const names = new Set((await this.domains()).filter((d) => d.startsWith(prefix)))
    for (const v of await this.volumes()) {
      const owner = volumeOwner(v)
      if (owner?.startsWith(prefix) && !v.startsWith(IMAGE_PREFIX)) names.add(owner)
    }
    return [...names].sort()
  }

  /**
   * The guest's address on the lab network as libvirt saw it: the domain's own report (the DHCP lease it holds),
   * else the network's lease table; undefined before the guest has one (nodes' lab addresses are static).
   */
  async guestAddress(vm: string, mac: string): Promise<string | undefined> {
    const own = await this.virsh.tryRun(['domifaddr', vm])
    const fromDomain = own.exitCode === 0 ? addressOf(own.stdout, mac) : undefined
    if (fromDomain) return fromDomain
    const net = this.settings.network ?? networkName(this.opts.lab)
    const leases = await this.virsh.tryRun(['net-dhcp-leases', net])
    return leases.exitCode === 0 ? addressOf(leases.stdout, mac) : undefined
  }

  /** The lab network is the host's: reachable here when the host is this machine (qemu:///system). */
  async sshEndpoint(_vm: string, labIp: string): Promise<Endpoint> {
    return { host: labIp, port: 22 }
  }

  async imageSource(os: OsInfo, opts: { packages: string[]; onProgress?: (message: string) => void }): Promise<BaseSource> {
    // libvirt runs QEMU: the image QEMU labs boot is built the same way, here, and uploaded.
    const { QemuProvider } = await import('../qemu/provider.js')
    return new QemuProvider({ lab: this.opts.lab, env: this.env }).imageSource(os, opts)
  }
}
