/**
 * The one interface every hypervisor implements, in the spirit of docker-machine's Driver: small, one line
 * of doc per method. No hypervisor word leaves its provider folder; paths and endpoints belong to the
 * provider (the hypervisor may one day run on another machine than `lab`).
 */
import type { OsInfo } from '../lab/os-catalog.js'
import type { ProviderName } from '../lab/schema.js'
import type { CloudBaseSeed } from '../media/cloud-base-seed.js'

/** The base seed's contents but the MAC of the base's NIC, which is the provider's to choose. */
export type CloudBaseSeedInput = Omit<CloudBaseSeed, 'natMac'>

export interface Preflight {
  /** What is wrong, in the user's terms. */
  problem: string
  /** What to do about it, exactly (a command, a line to add to a file). */
  fix: string
  /** A fatal problem stops `lab up` before anything is created; the rest are warnings. */
  fatal: boolean
}

export interface ProviderInfo {
  name: ProviderName
  binary: string
  version: string
  /** e.g. "VMware Workstation", "VirtualBox 7.0", "QEMU 7.2 (tcg)". */
  product: string
  problems: Preflight[]
}

export interface NetworkSpec {
  lab: string
  cidr: string
  prefix: number
  netmask: string
  /** The host's address on the lab network (first address of the CIDR). */
  hostIp: string
}

/** What a provider returns for the lab network: enough to attach VMs and to remove it later. */
export interface NetworkHandle {
  /** Provider-specific id: vboxnet0, a host-only network name, vmnet1, a vde socket path. */
  id: string
  /** True when this lab created it (and so `destroy` removes it). */
  created: boolean
}

export type BaseSource =
  /** Unattended install: boot the install ISO with the OEMDRV kickstart disc until the installer powers off. */
  | { kind: 'iso'; installIso: string; oemdrvIso: string }
  /** A ready disk image (a cloud image, or one built by `lab image build`), with an optional kernel to boot directly. */
  | { kind: 'image'; disk: string; kernel?: string; initrd?: string; append?: string }
  /**
   * The user's cloud image (never written: the provider keeps its own copy, by `sha256`), booted once through
   * its own boot loader with a seed disc made from `seed`, until cloud-init has finished and powered it off.
   */
  | { kind: 'cloud-image'; image: string; sha256: string; seed: CloudBaseSeedInput }

export interface BaseSpec {
  name: string
  os: OsInfo
  cpus: number
  memoryMiB: number
  diskGiB: number
  source: BaseSource
  network: NetworkHandle
  /** Give up on the installer after this long (the VM's log tail goes into the error). */
  installTimeoutMs: number
}

export interface CloneSpec {
  name: string
  base: string
  /** The base's snapshot the clone links to. */
  baseSnapshot: string
  cpus: number
  memoryMiB: number
  /** The lab NIC's fixed MAC. */
  mac: string
  /** The node's seed disc (ISO9660, label cidata), attached as a second drive. */
  seedIso: string
  network: NetworkHandle
  /** Host ports forwarded to the guest where the host cannot reach the lab network. */
  forwards: Array<{ host: number; guest: number }>
  /** Snapshot taken right after cloning, for `lab reset` to a clean node. */
  initialSnapshot: string
}

export type VmState = 'missing' | 'poweroff' | 'running' | 'paused' | 'saved' | 'aborted' | 'busy'

export interface DiskUsage {
  bytes: number
  /** Of those bytes, the memory images that live snapshots saved (the price of a reset without a boot). */
  snapshotMemoryBytes?: number
}

export interface Endpoint {
  host: string
  port: number
}

export interface Provider {
  readonly name: ProviderName
  /** True when snapshotRestore works on a running VM (memory included), so a reset needs no reboot. */
  readonly liveRestore?: boolean
  /**
   * True when memory a guest frees goes back to the hypervisor (QEMU's balloon free-page reporting): a guest
   * that drops its caches right before a live snapshot then makes that snapshot hold only the memory in use.
   */
  readonly reclaimsFreedMemory?: boolean
  /** True when createBase takes a `cloud-image` source. */
  readonly bootsCloudImages?: boolean
  /** Locate the binaries, read the version and list what stops this machine from running a lab (each with its fix). */
  detect(): Promise<ProviderInfo>
  /** Create (or find and reuse) the lab's host-only network. */
  ensureNetwork(spec: NetworkSpec): Promise<NetworkHandle>
  /** Remove a network this lab created. */
  removeNetwork(handle: NetworkHandle): Promise<void>
  /**
   * The host's networks of the kind ensureNetwork makes, by id, where the provider cannot name them itself
   * (VirtualBox's vboxnetN): the journal keeps them to tell which one an interrupted run made.
   */
  networkIds?(): Promise<string[]>
  /** Create the base VM and install it unattended until it powers off, then detach the install media. */
  createBase(spec: BaseSpec): Promise<void>
  /** Linked clone of a base snapshot with a fixed MAC and the seed disc attached; takes `initialSnapshot`. */
  cloneLinked(spec: CloneSpec): Promise<void>
  /** Power on, headless. */
  start(vm: string): Promise<void>
  /** Power off: ask the guest (ACPI), then force it after `timeoutMs`. */
  stop(vm: string, opts?: { timeoutMs?: number; force?: boolean }): Promise<void>
  /**
   * Freeze a running VM's processors (its memory and devices kept) and let it go on. A lab pauses every
   * node before taking or restoring live snapshots, so that all of them hold the same instant: a swarm
   * whose nodes resume from moments seconds apart finds its connections and heartbeats out of step.
   */
  pause?(vm: string): Promise<void>
  resume?(vm: string): Promise<void>
  /** Current power state; 'missing' when the VM does not exist. */
  state(vm: string): Promise<VmState>
  /** Take a snapshot; `live` keeps a running VM running (and saves its memory where supported). */
  snapshotTake(vm: string, name: string, opts?: { live?: boolean }): Promise<void>
  /** Put the VM back to a snapshot (the VM must be off unless the provider restores live). */
  snapshotRestore(vm: string, name: string): Promise<void>
  /** Snapshot names of a VM, oldest first. */
  snapshotList(vm: string): Promise<string[]>
  /** Delete one snapshot. */
  snapshotDelete(vm: string, name: string): Promise<void>
  /** Remove the VM and every disk and file it owns (a base refuses while clones use it). */
  destroy(vm: string): Promise<void>
  /**
   * Forget disc images the lab made (seed and kickstart discs) that the hypervisor still has registered
   * although no VM of the lab is left to hold them (a destroy cut short after a VM went): before they are deleted.
   */
  forgetMedia?(files: readonly string[]): Promise<void>
  /**
   * Every VM this provider knows whose name starts with the prefix, and what a half-made one left behind
   * (its state is then `missing`, and `destroy` removes those files): for clean-up of partial labs.
   */
  list(prefix: string): Promise<string[]>
  /** Where to reach the node's SSH server from this machine. */
  sshEndpoint(vm: string, labIp: string): Promise<Endpoint>
  /** What the VM's own files take on disk (a linked clone: only its differences), when the provider can tell. */
  diskUsage?(vm: string): Promise<DiskUsage>
  /** The MAC of a node's other (NAT) NIC, when the provider fixes it: cloud-init needs it to tell the NICs apart. */
  uplinkMac?(labMac: string): string
  /** For OSes installed from an image rather than a kickstart (Debian under QEMU): build or find that image. */
  imageSource?(os: OsInfo, opts: { packages: string[]; onProgress?: (message: string) => void }): Promise<BaseSource>
}
