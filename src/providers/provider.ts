/**
 * The one interface every hypervisor implements, in the spirit of docker-machine's Driver: small, one line
 * of doc per method. No hypervisor word leaves its provider folder; paths and endpoints belong to the
 * provider (the hypervisor may one day run on another machine than `lab`).
 */
import type { OsFamily, OsId, OsInfo } from '../lab/os-catalog.js'
import type { MacRange } from '../lab/mac.js'
import type { Arch, ArchSupport } from '../lab/arch.js'
import type { HostPlatform } from '../util/host-platform.js'
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

/** What is wrong with a file the lab names, in the user's terms, with the fix. */
export interface FileProblem {
  message: string
  hint: string
  /** There is no file at all (a base made from it earlier may still be fine: it has its own copy). */
  missing?: true
}

/** How a provider takes the user's cloud images (`install.image`). */
export interface CloudImageSupport {
  /** What is wrong with the file a lab names as its cloud image, or undefined when this hypervisor boots it. Reads its first bytes only. */
  check(path: string): FileProblem | undefined
  /** The provider's copy of a cloud image as `lab plan --commands` shows it (a plan copies nothing). */
  readonly plannedCopy: string
}

/**
 * What lab/, engine/ and the CLI ask about a hypervisor instead of testing its name: static data, one record
 * in each provider folder, read without loading the provider (`capabilitiesOf` in capabilities.ts).
 */
export interface Capabilities {
  /** The product, as messages name it: "VirtualBox". */
  readonly title: string
  /**
   * How a base of each guest family is made: installed from its ISO with a kickstart, or built as an image
   * (`imageSource`). A family that is not listed cannot be a guest.
   */
  readonly guests: Readonly<Partial<Record<OsFamily, 'kickstart' | 'image'>>>
  /**
   * Which guest architectures it runs on the machine `lab` runs on (for a provider whose host may be another
   * machine: on any), each refused one with the reason. Versions are detect()'s to check.
   */
  readonly guestArches: (host: HostPlatform) => Readonly<Record<Arch, ArchSupport>>
  /** Set when createBase takes a `cloud-image` source. */
  readonly cloudImages?: CloudImageSupport
  /** The disk `lab plan --commands` shows for a base built as an image (a plan builds nothing); set with an `image` guest family. */
  readonly plannedImage?: (os: OsId) => string
  /**
   * A snapshot taken while the VM ran keeps its memory, and snapshotRestore works on a running VM: a reset
   * needs no reboot. The VM may be left paused or `saved` (resume() lets it go on), or running.
   */
  readonly liveRestore: boolean
  /**
   * Memory a guest frees goes back to the hypervisor (QEMU's balloon free-page reporting): a guest that drops
   * its caches right before a live snapshot then makes that snapshot hold only the memory in use.
   */
  readonly reclaimsFreedMemory: boolean
  /**
   * The lab file says where this hypervisor runs, in a block named after the provider (`libvirt: { uri, pool }`):
   * a host that may be another machine. Set only for libvirt so far.
   */
  readonly hostBlock?: string
  /**
   * The lab network is also the nodes' way out: the host's address on it routes (NAT) and answers DNS, so a
   * node's seed names it as gateway and DNS server. Set for libvirt (one NAT network, one NIC per node).
   */
  readonly labNetworkIsUplink?: boolean
  /** The MACs derived for the lab NIC, and the ones the hypervisor refuses. */
  readonly macs: MacRange
  /**
   * Set when one lab file may run on several hosts of this hypervisor, each named by a connection string (a
   * class file's `hosts[].connection`): what the string is, and what is wrong with one. Unset: the
   * hypervisor runs where `lab` runs.
   */
  readonly connection?: { readonly example: string; problem(value: string): string | undefined }
}

/**
 * The optional members are the ones some hypervisor has no use for or cannot do; each says which and why.
 * Everything else every provider implements.
 */
export interface Provider {
  readonly name: ProviderName
  /** The same record `capabilitiesOf(name)` gives (a test's stand-in provider may bring its own). */
  readonly capabilities: Capabilities
  /** Locate the binaries, read the version and list what stops this machine from running a lab (each with its fix). */
  detect(): Promise<ProviderInfo>
  /** Create (or find and reuse) the lab's host-only network. */
  ensureNetwork(spec: NetworkSpec): Promise<NetworkHandle>
  /** Remove a network this lab created. */
  removeNetwork(handle: NetworkHandle): Promise<void>
  /**
   * The host's networks of the kind ensureNetwork makes, by id, where the provider cannot name them itself
   * (VirtualBox's vboxnetN): the journal keeps them to tell which one an interrupted run made.
   * Optional: a hypervisor whose networks take the name the lab gives them has nothing to tell apart.
   */
  networkIds?(): Promise<string[]>
  /**
   * Stop what runs for the lab network (QEMU's switch process) when none of `vms` runs, so that a `lab up` that
   * failed half way leaves no process behind; ensureNetwork starts it again. Optional: a hypervisor's own
   * networks are not processes of ours.
   */
  releaseIdleNetwork?(handle: NetworkHandle, vms: string[]): Promise<void>
  /**
   * Remove the logins the provider made for this lab or instance, once its VMs are gone: on Proxmox VE a
   * student's @pve user, ACL and pool. destroy calls it with --purge only, which also removes the saved
   * passwords: without --purge the login stays, and stays usable, for the next up. Optional: the others make none.
   */
  removeAccess?(): Promise<void>
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
   * Optional: a hypervisor that cannot pause has its nodes snapshotted each on its own.
   */
  pause?(vm: string): Promise<void>
  /**
   * Let a VM that pause froze go on; one that a restore left `saved` (a live snapshot's memory, where the
   * hypervisor restores only a VM that is off) is started, which resumes it. Optional: there with pause, or not at all.
   */
  resume?(vm: string): Promise<void>
  /**
   * Save a running VM's memory to disk and power it off (state `saved`); `start` brings it back where it was.
   * `lab halt --suspend` uses it between classes. Optional: VirtualBox and VMware have it; QEMU's nodes are powered off instead.
   */
  suspend?(vm: string): Promise<void>
  /** Current power state; 'missing' when the VM does not exist. */
  state(vm: string): Promise<VmState>
  /** Take a snapshot; `live` keeps a running VM running (and saves its memory where supported). */
  snapshotTake(vm: string, name: string, opts?: { live?: boolean }): Promise<void>
  /** Put the VM back to a snapshot (the VM must be off unless the provider restores live). */
  snapshotRestore(vm: string, name: string): Promise<void>
  /** Snapshot names of a VM, oldest first. */
  snapshotList(vm: string): Promise<string[]>
  /**
   * Bytes of memory state each snapshot keeps, by name (0: a snapshot of the disks only): what a reset
   * without a boot costs on disk. Optional: a provider that cannot tell leaves it out.
   */
  snapshotMemory?(vm: string): Promise<Record<string, number>>
  /** Delete one snapshot. */
  snapshotDelete(vm: string, name: string): Promise<void>
  /** Remove the VM and every disk and file it owns (a base refuses while clones use it). */
  destroy(vm: string): Promise<void>
  /**
   * Forget disc images the lab made (seed and kickstart discs) that the hypervisor still has registered
   * although no VM of the lab is left to hold them (a destroy cut short after a VM went): before they are deleted.
   * Optional: only a hypervisor with a media registry (VirtualBox's) remembers a disc after its VM is gone.
   */
  forgetMedia?(files: readonly string[]): Promise<void>
  /**
   * Every VM this provider knows whose name starts with the prefix, and what a half-made one left behind
   * (its state is then `missing`, and `destroy` removes those files): for clean-up of partial labs.
   */
  list(prefix: string): Promise<string[]>
  /** Where to reach the node's SSH server from this machine. */
  sshEndpoint(vm: string, labIp: string): Promise<Endpoint>
  /**
   * What the VM's own files take on disk (a linked clone: only its differences).
   * Optional: only QEMU measures it so far (its files and its snapshots' memory); `lab status` leaves it out for the others.
   */
  diskUsage?(vm: string): Promise<DiskUsage>
  /**
   * The folder on this machine the VM disks go to: `lab up` checks its free space (engine/host-fit.ts).
   * Optional: a provider whose VMs run on another machine (a remote libvirt, Proxmox VE) leaves it out, and
   * `lab up` checks none of this machine's memory, disk or CPUs for it.
   */
  diskFolder?(): Promise<string | undefined>
  /**
   * The MAC of a node's other (NAT) NIC: cloud-init needs it to tell the NICs apart.
   * Optional: only a provider that fixes that MAC knows it; the others let the hypervisor choose and boot no cloud images.
   */
  uplinkMac?(labMac: string): string
  /**
   * For OSes installed from an image rather than a kickstart (a guest family `image` in the capabilities): build or find that image.
   * Optional: a provider that builds no images installs every guest from its ISO.
   */
  imageSource?(os: OsInfo, opts: { packages: string[]; onProgress?: (message: string) => void }): Promise<BaseSource>
  /**
   * The hypervisor's own way in for the student this instance is (a web console login), as lines for their
   * access sheet; read from what `up` recorded, it asks the hypervisor nothing. Providers without one leave it out.
   */
  consoleAccess?(): Promise<string[]>
}
