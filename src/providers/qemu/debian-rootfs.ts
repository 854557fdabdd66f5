import type { GuestFile } from '../../media/identity-agent.js'

/**
 * How the Debian test image's root file system is set up after debootstrap: pure data, so the
 * whole configuration can be read (and tested) in one place. Facts from reference/qemu.md.
 */

/** A file to place in the guest's file system (absolute guest path). */
export type ImageFile = GuestFile

export const DEBIAN12_SUITE = 'bookworm'

/** What debootstrap installs on top of `--variant=minbase`. */
export const BASE_PACKAGES = [
  'systemd-sysv',
  'udev',
  // logind needs the system bus to act on the ACPI power button (QMP system_powerdown),
  // and hostnamectl / timedatectl need it too.
  'dbus',
  'openssh-server',
  'iproute2',
  'iputils-ping',
  // Labs and their checks talk HTTP (the routing mesh, registries, Harbor's health API).
  'curl',
  'linux-image-cloud-amd64',
  'netbase',
] as const

/** Hostname of the base image; each clone's identity seed replaces it. */
export const BASE_HOSTNAME = 'debian12'

/** The root file system is the whole first virtio disk (no partition table). */
export const KERNEL_ARGS = 'root=/dev/vda rw console=ttyS0 net.ifnames=0'

/** Modules the initrd needs to find the root disk; a short list boots ~5 s faster than `most`. */
const INITRD_MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net']

export const ENABLE_UNITS = ['systemd-networkd.service', 'serial-getty@ttyS0.service']

/** Units that only slow a lab node down (or wait for a network that user-mode NAT gives at once). */
export const MASK_UNITS = ['systemd-networkd-wait-online.service', 'e2scrub_all.timer', 'e2scrub_reap.service', 'getty-static.service', 'apt-daily.timer', 'apt-daily-upgrade.timer']

/**
 * Baked packages whose service would start at a clone's first boot with the distribution's defaults, before
 * the lab's module has configured it: they are baked with a configuration that reaches nothing, and left
 * enabled. chrony's default pool is public NTP servers (guests may reach no time server but the lab's);
 * enabling it later costs its module a `systemctl enable`, which on Debian runs update-rc.d (perl) and a
 * daemon-reload: 10 s under software emulation, on every node of every `lab up`.
 */
export const INERT_CONFIGS: Readonly<Record<string, readonly ImageFile[]>> = {
  chrony: [
    {
      path: '/etc/chrony/chrony.conf',
      mode: 0o644,
      content: "# No time source until the lab's chrony module writes this file (vmlab).\ndriftfile /var/lib/chrony/chrony.drift\n",
    },
  ],
}

export function inertConfigs(packages: readonly string[]): ImageFile[] {
  return packages.flatMap((p) => INERT_CONFIGS[p] ?? [])
}

/** Files that must not be shared by every clone of the image. */
export const REMOVE_PATHS = ['/etc/ssh/ssh_host_*', '/var/lib/dbus/machine-id']

const HOST_KEY = '/etc/ssh/ssh_host_ed25519_key'

export function rootfsFiles(o: { guestMirror: string; authorizedKeys?: readonly string[] }): ImageFile[] {
  const files: ImageFile[] = [
    { path: '/etc/hostname', mode: 0o644, content: `${BASE_HOSTNAME}\n` },
    {
      path: '/etc/hosts',
      mode: 0o644,
      content: `127.0.0.1\tlocalhost\n127.0.1.1\t${BASE_HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    },
    { path: '/etc/fstab', mode: 0o644, content: '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t1\n' },
    // DHCP on the user-mode NIC. networkd takes the first matching file by name, so the
    // identity agent's 10-vmlab-lab.network (matched by MAC) claims the lab NIC first and this
    // one gets whichever NIC is left, whatever order the kernel named them in.
    {
      path: '/etc/systemd/network/90-vmlab-uplink.network',
      mode: 0o644,
      content: '[Match]\nName=e*\n\n[Network]\nDHCP=ipv4\n',
    },
    // QEMU user-mode networking answers DNS here; no resolver daemon in the image.
    { path: '/etc/resolv.conf', mode: 0o644, content: 'nameserver 10.0.2.3\n' },
    {
      path: '/etc/apt/sources.list',
      mode: 0o644,
      content: `deb ${o.guestMirror} ${DEBIAN12_SUITE} main\ndeb ${o.guestMirror} ${DEBIAN12_SUITE}-updates main\n`,
    },
    // Empty: systemd makes a fresh one on first boot (the identity agent may set its own).
    { path: '/etc/machine-id', mode: 0o444, content: '' },
    {
      path: '/etc/initramfs-tools/conf.d/vmlab.conf',
      mode: 0o644,
      // minbase has no zstd; no swap, so no resume device to wait for.
      content: 'MODULES=list\nCOMPRESS=gzip\nRESUME=none\n',
    },
    { path: '/etc/initramfs-tools/modules', mode: 0o644, content: `${INITRD_MODULES.join('\n')}\n` },
    // The image carries no host keys: the identity agent installs the ones the tool pinned; a
    // node booted without a seed disc still gets a key of its own.
    { path: '/etc/ssh/sshd_config.d/10-vmlab-hostkey.conf', mode: 0o644, content: `HostKey ${HOST_KEY}\n` },
    {
      path: '/etc/systemd/system/ssh.service.d/10-vmlab-hostkey.conf',
      mode: 0o644,
      content: [
        '[Service]',
        // Reset the list so the key exists before `sshd -t` checks the configuration.
        'ExecStartPre=',
        `ExecStartPre=/bin/sh -c 'test -e ${HOST_KEY} || exec /usr/bin/ssh-keygen -q -t ed25519 -N "" -f ${HOST_KEY}'`,
        'ExecStartPre=/usr/sbin/sshd -t',
        '',
      ].join('\n'),
    },
  ]
  if (o.authorizedKeys !== undefined && o.authorizedKeys.length > 0) {
    files.push({
      path: '/root/.ssh/authorized_keys',
      mode: 0o600,
      content: o.authorizedKeys.map((k) => `${k.trim()}\n`).join(''),
    })
  }
  return files
}
