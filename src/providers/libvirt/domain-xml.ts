/**
 * A node's domain XML, made from the lab's node spec: virtio disk and NIC, the seed disc (and at install time the
 * ISOs) as SATA CD-ROMs, a serial console (the Debian image's kernel writes to ttyS0), and which base a clone
 * is linked to in vmlab's own metadata, for destroy to refuse a base that clones still use. Disks are pool
 * volumes, not paths: the same XML works on a host reached over SSH.
 */
import { esc } from './xml.js'

export const METADATA_NS = 'https://vmlab.dev/libvirt/1'

export interface VolumeRef {
  pool: string
  volume: string
}

export interface DomainSpec {
  name: string
  /** kvm, or qemu (TCG) where the host has no KVM; test for libvirt's test driver. */
  type: string
  cpus: number
  memoryMiB: number
  disk: VolumeRef
  /** Read-only discs in this order: the install ISO and the OEMDRV disc, or the node's seed. */
  cdroms: VolumeRef[]
  /** Boot from the first CD-ROM (an installer) instead of the disk. */
  bootCdrom?: boolean
  /** Paths on the host (of pool volumes) of a kernel booted directly. */
  kernel?: string
  initrd?: string
  cmdline?: string
  mac: string
  network: string
  /** The base a linked clone's disk is backed by. */
  base?: string
}

function volumeSource(v: VolumeRef): string {
  return `<source pool='${esc(v.pool)}' volume='${esc(v.volume)}'/>`
}

export function domainXml(d: DomainSpec): string {
  const os = [`    <type arch='x86_64'>hvm</type>`]
  if (d.kernel) os.push(`    <kernel>${esc(d.kernel)}</kernel>`)
  if (d.initrd) os.push(`    <initrd>${esc(d.initrd)}</initrd>`)
  if (d.cmdline) os.push(`    <cmdline>${esc(d.cmdline)}</cmdline>`)
  if (!d.kernel) os.push(d.bootCdrom ? `    <boot dev='cdrom'/>\n    <boot dev='hd'/>` : `    <boot dev='hd'/>`)
  const cdroms = d.cdroms.map((c, i) =>
    [
      `    <disk type='volume' device='cdrom'>`,
      `      <driver name='qemu' type='raw'/>`,
      `      ${volumeSource(c)}`,
      `      <target dev='sd${String.fromCharCode(97 + i)}' bus='sata'/>`,
      '      <readonly/>',
      '    </disk>',
    ].join('\n'),
  )
  return [
    `<domain type='${esc(d.type)}'>`,
    `  <name>${esc(d.name)}</name>`,
    ...(d.base ? ['  <metadata>', `    <vmlab:node xmlns:vmlab='${METADATA_NS}' base='${esc(d.base)}'/>`, '  </metadata>'] : []),
    `  <memory unit='MiB'>${d.memoryMiB}</memory>`,
    `  <vcpu>${d.cpus}</vcpu>`,
    '  <os>',
    ...os,
    '  </os>',
    '  <features><acpi/><apic/></features>',
    `  <on_poweroff>destroy</on_poweroff>`,
    `  <on_reboot>restart</on_reboot>`,
    `  <on_crash>destroy</on_crash>`,
    '  <devices>',
    `    <disk type='volume' device='disk'>`,
    `      <driver name='qemu' type='qcow2'/>`,
    `      ${volumeSource(d.disk)}`,
    `      <target dev='vda' bus='virtio'/>`,
    '    </disk>',
    ...cdroms,
    `    <interface type='network'>`,
    `      <mac address='${esc(d.mac.toLowerCase())}'/>`,
    `      <source network='${esc(d.network)}'/>`,
    `      <model type='virtio'/>`,
    '    </interface>',
    `    <serial type='pty'><target port='0'/></serial>`,
    `    <console type='pty'><target type='serial' port='0'/></console>`,
    `    <memballoon model='virtio'/>`,
    '  </devices>',
    '</domain>',
    '',
  ].join('\n')
}

/** The base a domain's XML says its disk is linked to (vmlab's metadata), if any. */
export function baseOf(xml: string): string | undefined {
  // libvirt prints the attribute back in double quotes (libxml2's way).
  const m = /<(\w+:)?node\b[^>]*\bxmlns(:\w+)?=["']https:\/\/vmlab\.dev\/libvirt\/1["'][^>]*>|<(\w+:)?node\b[^>]*>/.exec(xml)
  if (!m) return undefined
  return /\bbase=["']([^"']*)["']/
    .exec(m[0])?.[1]
    ?.replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
