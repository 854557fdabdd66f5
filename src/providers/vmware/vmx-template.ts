/** Renders templates/vmware/base.vmx.hbs, the configuration of a new base VM. */
import { readFileSync } from 'node:fs'
import Handlebars from 'handlebars'
import { InputError } from '../../util/errors.js'
import { packagePath } from '../../util/package-root.js'
import { encodeVmxValue } from './vmx.js'

export interface BaseVmxValues {
  name: string
  guestOs: string
  cpus: number
  memoryMiB: number
  /** Disk file, relative to the VM's folder. */
  disk: string
  /** Absolute paths; left out for a base made from a ready disk image. */
  installIso?: string
  oemdrvIso?: string
  /** Custom vmnet (vmnet2…) for the lab NIC; vmnet1 is plain `hostonly`. */
  vnet?: string
  /** Static MAC for the lab NIC; VMware generates one when left out. */
  mac?: string
  /** An aarch64 VM (Fusion on Apple Silicon): UEFI, NVMe, e1000e. */
  arm?: boolean
}

let template: Handlebars.TemplateDelegate | undefined

function compiled(): Handlebars.TemplateDelegate {
  if (!template) {
    const hbs = Handlebars.create()
    hbs.registerHelper('v', (value: unknown) => encodeVmxValue(String(value)))
    const text = readFileSync(packagePath('templates', 'vmware', 'base.vmx.hbs'), 'utf8').replace(/\r\n/g, '\n')
    template = hbs.compile(text, { noEscape: true, strict: true })
  }
  return template
}

/** VMware accepts static MACs only in 00:50:56:00:00:00–00:50:56:3F:FF:FF; anything else stops the power-on. */
export function checkVmwareMac(mac: string): string {
  const m = /^00:50:56:([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(mac)
  if (!m || parseInt(m[1]!, 16) > 0x3f) {
    throw new InputError(
      `MAC address ${mac} is outside the range VMware accepts for static addresses`,
      "use one from 00:50:56:00:00:00 to 00:50:56:3f:ff:ff, or leave the node's mac out so vmlab derives one",
    )
  }
  return mac.toLowerCase()
}

export function renderBaseVmx(values: BaseVmxValues): string {
  const mac = values.mac === undefined ? undefined : checkVmwareMac(values.mac)
  const arm = values.arm === true
  return compiled()({ installIso: undefined, oemdrvIso: undefined, vnet: undefined, ...values, mac, arm, nic: arm ? 'e1000e' : 'e1000' })
}
