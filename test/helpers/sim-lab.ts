/**
 * A lab on the VirtualBox or VMware simulator in a tap test dir, driven through the built `lab` CLI, with
 * what the simulated host holds afterwards (VMs, files, networks) so that tests can demand it is empty.
 */
import { writeFileSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs'
import { join, delimiter } from 'node:path'
import { execFileSync } from 'node:child_process'
import { lab, ROOT, type CliResult } from './cli.js'
import { buildIso } from '../../src/media/iso9660.js'

export const SIM_BIN = join(ROOT, 'test', 'sim', 'bin')

export type SimProvider = 'virtualbox' | 'vmware'

export interface SimLabOptions {
  name: string
  /** A /24 on loopback (127.x.y.0/24), so that SSH to the nodes never leaves this machine. */
  cidr: string
  nodes: string[]
  modules?: string[]
  installSeconds?: number
  /** How long the simulated hypervisor takes a snapshot (0: at once). */
  snapshotSeconds?: number
  /** VirtualBox: how long createvm waits between writing the settings file and registering the VM. */
  createSeconds?: number
  sshTimeoutSeconds?: number
  /** The lab file's `snapshots:` (left out: the default, live). */
  snapshots?: 'live' | 'cold'
}

export interface SimLab {
  dir: string
  env: NodeJS.ProcessEnv
  iso: string
  /** `lab up` gets the provider and the install ISO. */
  upArgs: string[]
  run(args: string[], timeoutMs?: number): Promise<CliResult>
  /** The simulator's own command line tool, as a user would call it. */
  sim(cmd: string, args: string[]): string
  /** Every VM the hypervisor knows (VMware has no registry: every folder that holds a .vmx). */
  vms(): string[]
  /** VMs powered on. */
  running(): string[]
  /** Is the VM powered on, from its files where the hypervisor keeps that (cheap enough to poll). */
  isOn(vm: string): boolean
  /** Networks the hypervisor has that a lab may have made (VMware's vmnets are never made by vmlab). */
  networks(): string[]
  /** Every file under the VMs folder: disks, configurations, logs, snapshot files. */
  files(): string[]
  /** VMware: while on, every `vmrun snapshot` stays in progress (VMLAB_SIM_SNAPSHOT_HOLD). */
  holdSnapshots(on: boolean): void
  /** VirtualBox: the calls (`createmedium`, `hostonlyif create`, …) that wait until released (VMLAB_SIM_HOLD); [] releases them. */
  hold(calls: string[]): void
  /** VirtualBox: the disk and DVD images it has registered. */
  media(): string[]
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
}

function labYaml(o: SimLabOptions): string {
  return [
    `name: ${o.name}`,
    'os: rocky9',
    `network: { cidr: ${o.cidr} }`,
    'defaults: { cpus: 1, memory: 1536, disk: 10 }',
    ...(o.snapshots ? [`snapshots: ${o.snapshots}`] : []),
    `nodes: [${o.nodes.map((n) => `{ name: ${n} }`).join(', ')}]`,
    ...(o.modules?.length ? ['modules:', ...o.modules.map((m) => `  - ${m}`)] : []),
    '',
  ].join('\n')
}

/**
 * The simulated VirtualBox's host-only interfaces, read from its own state file: kill conditions poll this,
 * and starting `VBoxManage list hostonlyifs` takes longer on a busy machine than the moments they look for.
 */
export function vboxHostOnlyIfs(labDir: string): Array<{ name: string; ip: string }> {
  const file = join(labDir, 'state', 'vbox-state.json')
  if (!existsSync(file)) return []
  return (JSON.parse(readFileSync(file, 'utf8')) as { hostonlyifs: Array<{ name: string; ip: string }> }).hostonlyifs
}

/** A folder to lay out: file names to their contents, folder names to what they hold. */
export type DirTree = { [name: string]: string | DirTree }

/** Where a lab's folder is made: tap's `t.testdir`, or mounts.ts's scratch() when the folder must hold tmpfs mounts. */
export interface LabDirs {
  testdir: (tree: DirTree) => string
}

export function simLab(t: LabDirs, provider: SimProvider, o: SimLabOptions): SimLab {
  const dir = t.testdir({ 'lab.yaml': labYaml(o), state: {}, vms: {}, cache: {} })
  const iso = join(dir, 'install.iso')
  writeFileSync(iso, buildIso({ volumeId: 'ROCKY', files: [{ path: 'README', data: 'x\n' }] }))
  const conf = join(dir, 'networks.conf')
  writeFileSync(conf, '* 127.0.0.0/8\n')
  const networking = join(dir, 'networking')
  const subnet = o.cidr.split('/')[0]!
  writeFileSync(networking, `VERSION=1,0\nanswer VNET_1_HOSTONLY_NETMASK 255.255.255.0\nanswer VNET_1_HOSTONLY_SUBNET ${subnet}\nanswer VNET_1_VIRTUAL_ADAPTER yes\n`)
  const vmsDir = join(dir, 'vms')
  const env: NodeJS.ProcessEnv = {
    PATH: `${SIM_BIN}${delimiter}${process.env.PATH}`,
    // tap's process-tracking preload would make every simulator call several times slower.
    NODE_OPTIONS: '',
    VMLAB_SIM_STATE: join(dir, 'state'),
    // The simulated VMs take none of this machine's memory or disk: the host precheck of lab up is told so.
    VMLAB_HOST_FIGURES: JSON.stringify({ freeMemoryMiB: 1 << 20, freeDiskMiB: 1 << 20, cpus: 64 }),
    VMLAB_SIM_INSTALL_SECONDS: String(o.installSeconds ?? 2),
    VMLAB_SIM_ACPI_SECONDS: '0.2',
    VMLAB_SIM_LOCK_SECONDS: '0.2',
    VMLAB_SIM_SNAPSHOT_SECONDS: String(o.snapshotSeconds ?? 0),
    VMLAB_SIM_CREATE_SECONDS: String(o.createSeconds ?? 0),
    VMLAB_SIM_HOLD: join(dir, 'hold'),
    VMLAB_SIM_SNAPSHOT_HOLD: join(dir, 'hold-snapshots'),
    VMLAB_SIM_NETWORKS_CONF: '* 127.0.0.0/8',
    VMLAB_VBOX_NETWORKS_CONF: conf,
    VMLAB_VBOX_VM_FOLDER: vmsDir,
    VMLAB_VMWARE_VMS_DIR: vmsDir,
    VMLAB_VMWARE_NETWORKING: networking,
    VMLAB_CACHE_DIR: join(dir, 'cache'),
    // Warnings told once and the host ports claimed (state/port-claims.ts): this test's own, not the user's.
    VMLAB_STATE_HOME: join(dir, 'user-state'),
    VMLAB_SSH_TIMEOUT: String(o.sshTimeoutSeconds ?? 2),
  }
  const sim = (cmd: string, args: string[]) => execFileSync(join(SIM_BIN, cmd), args, { env: { ...process.env, ...env }, encoding: 'utf8' })
  const lines = (text: string) => text.split(/\r?\n/).filter((l) => l.trim())
  const upArgs = ['--provider', provider, '--iso', iso]
  const vbox = {
    vms: () => lines(sim('VBoxManage', ['list', 'vms'])).map((l) => l.split('"')[1]!),
    running: () => lines(sim('VBoxManage', ['list', 'runningvms'])).map((l) => l.split('"')[1]!),
    networks: () => vboxHostOnlyIfs(dir).map((h) => `Name: ${h.name}`),
    isOn: (vm: string) => vbox.running().includes(vm),
    media: () =>
      ['hdds', 'dvds'].flatMap((kind) =>
        lines(sim('VBoxManage', ['list', kind]))
          .filter((l) => l.startsWith('Location:'))
          .map((l) => `${kind}: ${l.replace(/^Location:\s*/, '')}`),
      ),
  }
  const vmware = {
    vms: () => (existsSync(vmsDir) ? readdirSync(vmsDir).filter((n) => existsSync(join(vmsDir, n, `${n}.vmx`))) : []),
    running: () =>
      lines(sim('vmrun', ['list']))
        .slice(1)
        .map((p) =>
          p
            .split(/[\\/]/)
            .pop()!
            .replace(/\.vmx$/, ''),
        ),
    networks: () => [],
    // A powered-on VMware VM holds its .vmx.lck folder; asking vmrun takes too long on a busy machine.
    isOn: (vm: string) => existsSync(join(vmsDir, vm, `${vm}.vmx.lck`)),
    media: () => [],
  }
  return {
    dir,
    env,
    iso,
    upArgs,
    run: (args, timeoutMs = 240_000) => lab([...args, ...(args[0] === 'up' ? upArgs : [])], { cwd: dir, env, timeoutMs }),
    sim,
    ...(provider === 'virtualbox' ? vbox : vmware),
    files: () => filesUnder(vmsDir),
    holdSnapshots: (on) => (on ? writeFileSync(join(dir, 'hold-snapshots'), '') : rmSync(join(dir, 'hold-snapshots'), { force: true })),
    hold: (calls) => (calls.length ? writeFileSync(join(dir, 'hold'), calls.join('\n') + '\n') : rmSync(join(dir, 'hold'), { force: true })),
  }
}
