/**
 * The seed disc a base built from a user's cloud image boots with, once: cloud-init installs the packages
 * the lab's modules bake in and the lab's passwords, then the image is put back to "never booted" for
 * cloud-init (`cloud-init clean`, no host keys, no machine-id) and powered off, so that every clone runs
 * cloud-init as a new instance with its own node seed. The end is reported on the serial console, where
 * the provider that waits for the power-off reads whether it went well.
 */
import { stringify } from 'yaml'
import { buildIso, writeIsoFile } from './iso9660.js'
import { SEED_VOLUME_ID, UPLINK_NIC } from './seed.js'
import { InputError } from '../util/errors.js'

export const BASE_READY_MARK = 'vmlab-base: ready'
export const BASE_FAILED_MARK = 'vmlab-base: failed'
export const BASE_STATUS_MARK = 'vmlab-base: cloud-init status:'

export interface CloudBaseSeed {
  /** Differs from every node's, so a clone's cloud-init sees a new instance even without the clean. */
  instanceId: string
  packages: readonly string[]
  /** MAC of the base VM's only NIC (NAT, DHCP). */
  natMac: string
  rootPasswordHash: string
  user: { name: string; passwordHash: string; sudo: boolean }
}

const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9+._:-]*$/

/**
 * Runs after cloud-init has finished (it waits for that): a detached unit, because cloud-init's own
 * `runcmd` runs inside the last stage, and cleaning or powering off from there would cut that stage short.
 * Fixed text: nothing of the lab's is in it.
 */
const FINISH = [
  'cloud-init status --wait >/dev/null 2>&1',
  'if cloud-init status --long >/run/vmlab-base-status 2>&1; then r=ok; else r=failed; fi',
  `{ echo "${BASE_STATUS_MARK}"; cat /run/vmlab-base-status; } >/dev/ttyS0 2>&1`,
  'if [ "$r" = ok ]; then',
  '  cloud-init clean --logs',
  '  rm -f /etc/ssh/ssh_host_* /var/lib/dbus/machine-id',
  '  : >/etc/machine-id',
  '  sync',
  `  echo "${BASE_READY_MARK}" >/dev/ttyS0`,
  'else',
  `  echo "${BASE_FAILED_MARK}" >/dev/ttyS0`,
  'fi',
  'systemctl poweroff',
].join('\n')

export function cloudBaseUserData(o: CloudBaseSeed): string {
  for (const p of o.packages) {
    if (!PACKAGE.test(p)) throw new InputError(`"${p}" is not a package name`, 'check the packages the lab asks to bake into the base')
  }
  const doc: Record<string, unknown> = {
    // The image's default user (debian, rocky, cloud-user) is not created: the lab has its own.
    users: [
      {
        name: o.user.name,
        shell: '/bin/bash',
        lock_passwd: false,
        hashed_passwd: o.user.passwordHash,
        ...(o.user.sudo ? { sudo: 'ALL=(ALL) NOPASSWD:ALL' } : {}),
      },
    ],
    chpasswd: { expire: false, users: [{ name: 'root', password: o.rootPasswordHash, type: 'hash' }] },
    // As on the bases installed from an ISO: the lab's passwords work over SSH too.
    ssh_pwauth: true,
    disable_root: false,
    ...(o.packages.length ? { package_update: true, packages: [...o.packages] } : {}),
    runcmd: [['systemd-run', '--no-block', '--unit=vmlab-base-finish', '/bin/sh', '-c', FINISH]],
  }
  return `#cloud-config\n${stringify(doc, { version: '1.1', lineWidth: 0 })}`
}

function networkConfig(natMac: string): string {
  return stringify({ version: 2, ethernets: { uplink: { match: { macaddress: natMac.toLowerCase() }, 'set-name': UPLINK_NIC, dhcp4: true } } }, { version: '1.1', lineWidth: 0 })
}

function files(o: CloudBaseSeed) {
  return [
    { path: 'meta-data', data: stringify({ 'instance-id': o.instanceId }, { version: '1.1' }), mode: 0o644 },
    // Password hashes: readable by root only, as on the node seeds.
    { path: 'user-data', data: cloudBaseUserData(o), mode: 0o600 },
    { path: 'network-config', data: networkConfig(o.natMac), mode: 0o644 },
  ]
}

export function cloudBaseSeedIso(o: CloudBaseSeed): Buffer {
  return buildIso({ volumeId: SEED_VOLUME_ID, files: files(o), date: new Date(0) })
}

export async function writeCloudBaseSeed(path: string, o: CloudBaseSeed): Promise<void> {
  await writeIsoFile(path, { volumeId: SEED_VOLUME_ID, files: files(o), date: new Date(0) })
}
