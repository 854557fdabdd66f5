/**
 * Kickstart syntax per RHEL release, as pykickstart's RHEL7/RHEL8/RHEL9/RHEL10 handlers define it
 * (pykickstart/handlers/rhel{7,8,9,10}.py map each command to a versioned class in
 * pykickstart/commands/*.py; sections.py defines the %sections). Options are listed for the
 * commands we write and the usual ones; other known commands are checked by name only.
 */

export type Rhel = 7 | 8 | 9 | 10

/** Where something stands in its life: the first release that has it, deprecated, removed. */
export interface Life {
  since?: Rhel
  deprecated?: Rhel
  removed?: Rhel
  /** What to write instead, for the message. */
  instead?: string
}

export interface OptionSpec extends Life {
  /** Takes a value: `--opt=value` or `--opt value`. */
  value?: true
  /** pykickstart's ksboolean: yes/no, on/off, true/false, 1/0. */
  boolean?: true
  choices?: (rhel: Rhel) => readonly string[]
}

export interface CommandSpec extends Life {
  /** Options the command takes; undefined: not modelled, the options are not checked. */
  options?: Record<string, OptionSpec>
  /** How many positional words it takes. */
  args?: readonly [min: number, max: number]
  /** Takes several lines (one data object each: network, user, repo…). */
  repeatable?: true
  /** Options that must be present. */
  required?: readonly string[]
  /** Commands that share one object with this one (text/graphical/cmdline; reboot/poweroff…). */
  group?: string
}

export type Status = 'ok' | 'deprecated' | 'removed' | 'absent'

export function statusIn(life: Life, rhel: Rhel): Status {
  if (life.since !== undefined && rhel < life.since) return 'absent'
  if (life.removed !== undefined && rhel >= life.removed) return 'removed'
  if (life.deprecated !== undefined && rhel >= life.deprecated) return 'deprecated'
  return 'ok'
}

const FLAG: OptionSpec = {}
const VALUE: OptionSpec = { value: true }

const DISPLAY_MODE: CommandSpec = {
  group: 'displaymode',
  // F26_DisplayMode (RHEL8, RHEL9); RHEL7 has FC3_DisplayMode without options
  options: { '--non-interactive': { since: 8 } },
}

const REBOOT: CommandSpec = {
  group: 'reboot',
  // F18_Reboot on RHEL7, F23_Reboot (adds --kexec) on RHEL8/9
  options: { '--eject': FLAG, '--kexec': { since: 8 } },
}

const AUTHCONFIG: CommandSpec = {
  group: 'authconfig',
  // FC3_Authconfig on RHEL7; F28_Authconfig warns on every use from RHEL8 on; F35_Authconfig (RHEL10) is a RemovedCommand
  deprecated: 8,
  removed: 10,
  instead: 'leave it out (the default authselect profile is right) or use authselect',
}

const PARTITION: CommandSpec = { repeatable: true }

const NETWORK_OPTIONS: Record<string, OptionSpec> = {
  '--bootproto': { value: true, choices: () => ['dhcp', 'bootp', 'static', 'query', 'ibft'] },
  '--dhcpclass': VALUE,
  '--device': VALUE,
  '--essid': VALUE,
  '--ethtool': VALUE,
  '--gateway': VALUE,
  '--hostname': VALUE,
  '--ip': VALUE,
  '--mtu': VALUE,
  '--nameserver': VALUE,
  '--netmask': VALUE,
  '--nodns': FLAG,
  '--onboot': { value: true, boolean: true },
  '--wepkey': VALUE,
  '--notksdevice': FLAG,
  '--noipv4': FLAG,
  '--noipv6': FLAG,
  '--ipv6': VALUE,
  '--activate': FLAG,
  '--no-activate': FLAG,
  '--nodefroute': FLAG,
  '--wpakey': VALUE,
  '--bondslaves': VALUE,
  '--bondopts': VALUE,
  '--vlanid': VALUE,
  '--ipv6gateway': VALUE,
  '--teamslaves': VALUE,
  '--teamconfig': VALUE,
  '--interfacename': VALUE,
  '--bridgeslaves': VALUE,
  '--bridgeopts': VALUE,
  '--bindto': { value: true, choices: () => ['mac'] },
  // RHEL9_Network
  '--ipv4-dns-search': { value: true, since: 9 },
  '--ipv6-dns-search': { value: true, since: 9 },
  '--ipv4-ignore-auto-dns': { since: 9 },
  '--ipv6-ignore-auto-dns': { since: 9 },
}
// RHEL10_Network: teamd is gone
NETWORK_OPTIONS['--teamslaves'] = { value: true, deprecated: 10, instead: 'a bond (--bondslaves)' }
NETWORK_OPTIONS['--teamconfig'] = { value: true, deprecated: 10, instead: 'a bond (--bondopts)' }

export const COMMANDS: Record<string, CommandSpec> = {
  auth: AUTHCONFIG,
  authconfig: AUTHCONFIG,
  authselect: { since: 8 },
  autopart: {
    options: {
      '--encrypted': FLAG,
      '--passphrase': VALUE,
      '--escrowcert': VALUE,
      '--backuppassphrase': FLAG,
      '--nolvm': FLAG,
      // RHEL8_AutoPart rejects btrfs ("autopart --type=btrfs is not supported")
      '--type': {
        value: true,
        choices: (rhel) => (rhel >= 8 ? ['lvm', 'plain', 'partition', 'thinp'] : ['lvm', 'btrfs', 'plain', 'partition', 'thinp']),
      },
      '--cipher': VALUE,
      '--fstype': VALUE,
      // RHEL7_AutoPart adds only --nohome; --noboot/--noswap come with F26_AutoPart
      '--nohome': FLAG,
      '--noboot': { since: 8 },
      '--noswap': { since: 8 },
      '--luks-version': { value: true, since: 8 },
      '--pbkdf': { value: true, since: 8 },
      '--pbkdf-memory': { value: true, since: 8 },
      '--pbkdf-time': { value: true, since: 8 },
      '--pbkdf-iterations': { value: true, since: 8 },
    },
  },
  // F34_AutoStep warns; F40_Autostep (RHEL10) is a RemovedCommand
  autostep: { deprecated: 9, removed: 10, instead: 'leave it out' },
  // F43_Bootc: install a bootable container image
  bootc: { since: 10, group: 'method' },
  bootloader: {
    options: {
      '--append': VALUE,
      '--location': { value: true, choices: () => ['mbr', 'partition', 'none', 'boot'] },
      '--password': VALUE,
      '--md5pass': VALUE,
      '--timeout': VALUE,
      '--default': VALUE,
      '--iscrypted': FLAG,
      '--boot-drive': VALUE,
      '--leavebootorder': FLAG,
      '--extlinux': FLAG,
      '--disabled': FLAG,
      '--nombr': FLAG,
      '--driveorder': VALUE,
      // F29_Bootloader marks it deprecated
      '--upgrade': { deprecated: 8, instead: 'leave it out' },
    },
  },
  // RHEL10_BTRFS is a RemovedCommand
  btrfs: { ...PARTITION, removed: 10, instead: 'xfs or ext4 partitions (part, logvol)' },
  cdrom: { group: 'method', options: {} },
  clearpart: {
    options: {
      '--all': FLAG,
      '--drives': VALUE,
      '--initlabel': FLAG,
      '--linux': FLAG,
      '--none': FLAG,
      '--list': VALUE,
      '--disklabel': VALUE,
      '--cdl': FLAG,
    },
  },
  cmdline: DISPLAY_MODE,
  // F24_Device/F24_DmRaid/F24_MultiPath and F29_DeviceProbe are deprecated commands
  device: { repeatable: true, deprecated: 8, instead: 'leave it out' },
  deviceprobe: { deprecated: 8, instead: 'leave it out' },
  dmraid: { repeatable: true, deprecated: 8, instead: 'leave it out' },
  driverdisk: { repeatable: true },
  eula: {},
  fcoe: { repeatable: true },
  firewall: {
    options: {
      '--disable': FLAG,
      '--disabled': FLAG,
      '--enable': FLAG,
      '--enabled': FLAG,
      '--ftp': FLAG,
      '--http': FLAG,
      '--smtp': FLAG,
      '--ssh': FLAG,
      '--port': VALUE,
      '--trust': VALUE,
      '--service': VALUE,
      '--remove-service': VALUE,
      // F28_Firewall
      '--use-system-defaults': { since: 8 },
    },
  },
  firstboot: {
    options: { '--enable': FLAG, '--enabled': FLAG, '--disable': FLAG, '--disabled': FLAG, '--reconfig': FLAG },
  },
  graphical: DISPLAY_MODE,
  group: { repeatable: true },
  halt: REBOOT,
  harddrive: { group: 'method' },
  hmc: {},
  ignoredisk: {
    options: {
      '--drives': VALUE,
      '--only-use': VALUE,
      '--interactive': { deprecated: 8, instead: 'leave it out' },
    },
  },
  // RHEL7 maps it to F11_Upgrade; F29_Install is a deprecated command; the RHEL9 syntax drops it
  install: { options: {}, deprecated: 8, removed: 9, instead: 'leave it out: installing is the default' },
  iscsi: { repeatable: true },
  iscsiname: {},
  keyboard: {
    args: [0, 1],
    options: { '--vckeymap': VALUE, '--xlayouts': VALUE, '--switch': VALUE },
  },
  lang: { args: [1, 1], options: { '--addsupport': VALUE } },
  liveimg: { group: 'method' },
  logging: {
    options: {
      '--host': VALUE,
      '--port': VALUE,
      '--level': {
        value: true,
        choices: () => ['debug', 'info', 'warning', 'error', 'critical'],
        deprecated: 9,
        // F40_Logging
        removed: 10,
        instead: 'leave it out',
      },
    },
  },
  logvol: PARTITION,
  mediacheck: {},
  module: { repeatable: true, since: 8 },
  mount: { ...PARTITION, since: 8 },
  multipath: { repeatable: true, deprecated: 8, instead: 'leave it out' },
  network: { repeatable: true, options: NETWORK_OPTIONS },
  nfs: { group: 'method' },
  // RHEL10_Nvdimm is a RemovedCommand
  nvdimm: { repeatable: true, removed: 10, instead: 'leave it out' },
  ostreesetup: { group: 'method' },
  part: PARTITION,
  partition: PARTITION,
  poweroff: REBOOT,
  raid: PARTITION,
  // F43_RDP: the remote desktop of RHEL10's installer, which replaces VNC
  rdp: { since: 10 },
  realm: {},
  reboot: REBOOT,
  repo: {
    repeatable: true,
    required: ['--name'],
    options: {
      '--name': VALUE,
      '--baseurl': VALUE,
      '--mirrorlist': VALUE,
      '--cost': VALUE,
      '--excludepkgs': VALUE,
      '--includepkgs': VALUE,
      // F33_Repo marks it deprecated
      // F40_Repo (RHEL10) removes it
      '--ignoregroups': { value: true, boolean: true, deprecated: 9, removed: 10, instead: 'leave it out' },
      '--proxy': VALUE,
      '--noverifyssl': FLAG,
      '--install': FLAG,
      // RHEL7_Repo is F21_Repo; --metalink comes with F27, the ssl options with F30
      '--metalink': { value: true, since: 8 },
      '--sslcacert': { value: true, since: 8 },
      '--sslclientcert': { value: true, since: 8 },
      '--sslclientkey': { value: true, since: 8 },
    },
  },
  // F23_ReqPart on every RHEL handler: the platform's partitions (EFI system, PReP, biosboot), /boot with --add-boot.
  reqpart: { options: { '--add-boot': FLAG } },
  rescue: {},
  rhsm: { since: 8 },
  rootpw: {
    args: [0, 1],
    options: {
      '--iscrypted': FLAG,
      '--plaintext': FLAG,
      '--lock': FLAG,
      // RHEL9_RootPw (RHEL 9.1)
      '--allow-ssh': { since: 9 },
    },
  },
  selinux: { options: { '--enforcing': FLAG, '--permissive': FLAG, '--disabled': FLAG } },
  services: { options: { '--disabled': VALUE, '--enabled': VALUE } },
  shutdown: REBOOT,
  skipx: { options: {} },
  snapshot: { repeatable: true },
  // The RHEL7 handler has no sshkey (Anaconda 7.3+ reads it, RHEL7 validators reject it)
  sshkey: {
    since: 8,
    repeatable: true,
    args: [1, 1],
    required: ['--username'],
    options: { '--username': VALUE },
    instead: 'write the key to ~/.ssh/authorized_keys in %post',
  },
  sshpw: { repeatable: true },
  syspurpose: { since: 8 },
  text: DISPLAY_MODE,
  timesource: {
    since: 9,
    repeatable: true,
    options: { '--ntp-server': VALUE, '--ntp-pool': VALUE, '--ntp-disable': FLAG, '--nts': FLAG },
    instead: 'timezone --ntpservers=',
  },
  timezone: {
    args: [0, 1],
    options: {
      '--utc': FLAG,
      // F32/F33_Timezone warn about these three; RHEL10_Timezone removes them
      '--isUtc': { deprecated: 9, removed: 10, instead: '--utc' },
      '--nontp': { deprecated: 9, removed: 10, instead: 'timesource --ntp-disable' },
      '--ntpservers': { value: true, deprecated: 9, removed: 10, instead: 'one "timesource --ntp-server=HOST" line per server' },
    },
  },
  unsupported_hardware: { removed: 8, instead: 'leave it out' },
  updates: {},
  // F20_Upgrade: upgrades by kickstart ended with RHEL7
  upgrade: { deprecated: 7, removed: 8, instead: 'leave it out' },
  url: {
    group: 'method',
    options: {
      '--url': VALUE,
      '--mirrorlist': VALUE,
      '--proxy': VALUE,
      '--noverifyssl': FLAG,
      '--sslcacert': VALUE,
      '--sslclientcert': VALUE,
      '--sslclientkey': VALUE,
      '--metalink': { value: true, since: 8 },
    },
  },
  user: {
    repeatable: true,
    required: ['--name'],
    options: {
      '--name': VALUE,
      '--groups': VALUE,
      '--homedir': VALUE,
      '--iscrypted': FLAG,
      '--password': VALUE,
      '--shell': VALUE,
      '--uid': VALUE,
      '--lock': FLAG,
      '--plaintext': FLAG,
      '--gecos': VALUE,
      '--gid': VALUE,
    },
  },
  // RHEL10_Vnc is a DeprecatedCommand
  vnc: { deprecated: 10, instead: 'the inst.rdp boot option' },
  volgroup: PARTITION,
  xconfig: {},
  // F9_ZeroMbr ignores arguments with a deprecation warning
  zerombr: { options: {} },
  zfcp: { repeatable: true },
  zipl: { since: 8 },
}

export interface SectionSpec extends Life {
  options?: Record<string, OptionSpec>
}

const SCRIPT_OPTIONS: Record<string, OptionSpec> = {
  '--erroronfail': FLAG,
  '--interpreter': VALUE,
  '--log': VALUE,
  '--logfile': VALUE,
}

export const SECTIONS: Record<string, SectionSpec> = {
  '%pre': { options: SCRIPT_OPTIONS },
  '%post': { options: { ...SCRIPT_OPTIONS, '--nochroot': FLAG } },
  '%traceback': { options: SCRIPT_OPTIONS },
  '%onerror': { since: 8, options: SCRIPT_OPTIONS },
  '%pre-install': { since: 8, options: SCRIPT_OPTIONS },
  // add-on sections take add-on specific options
  '%addon': {},
  '%packages': {
    options: {
      '--excludedocs': FLAG,
      '--ignoremissing': FLAG,
      '--default': FLAG,
      // sections.py: F32 adds the dashed aliases and warns about the camel-case names;
      // the parser shipped with EL7/EL8 Anaconda only knows the camel-case ones
      // sections.py: RHEL10 removes the camel-case names
      '--instLangs': { value: true, deprecated: 9, removed: 10, instead: '--inst-langs=' },
      '--inst-langs': { value: true, since: 9 },
      '--nobase': { deprecated: 7, removed: 8, instead: 'leave it out' },
      '--multilib': FLAG,
      '--nocore': FLAG,
      '--timeout': VALUE,
      '--retries': VALUE,
      '--excludeWeakdeps': { since: 8, deprecated: 9, removed: 10, instead: '--exclude-weakdeps' },
      '--exclude-weakdeps': { since: 9 },
      // sections.py: a RHEL handler removes it ("not supported on RHEL")
      '--ignorebroken': { since: 9, removed: 9, instead: 'leave it out: RHEL does not support it' },
    },
  },
}

/** The environment group of a minimal install: its id changed with EL8's comps. */
export function minimalEnvironment(rhel: Rhel): string {
  return rhel === 7 ? 'minimal' : 'minimal-environment'
}
