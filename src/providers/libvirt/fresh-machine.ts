import type { FreshMachine } from '../cli-runner.js'

/**
 * What `virsh -c qemu:///system` answers on a host with libvirt 9, its `default` pool and nothing of vmlab's
 * (for `lab plan --commands --provider libvirt`): every domain, network and volume asked about is missing,
 * with virsh's own error texts. The only volume a plan reads the size of is an uploaded image: 2 GiB.
 */
export const freshMachine: FreshMachine = (_file, args) => {
  const cmd = args[2]
  const name = args.at(-1) ?? ''
  switch (cmd) {
    case 'version':
      return { stdout: 'Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.0\n' }
    case 'pool-info':
      return {
        stdout: `Name:           ${name}\nUUID:           9b1b1d28-4d3f-4b1b-9d6c-2f0b0c6f1a11\nState:          running\nPersistent:     yes\nAutostart:      yes\nCapacity:       98.30 GiB\nAllocation:     10.12 GiB\nAvailable:      88.18 GiB\n\n`,
      }
    case 'domcapabilities':
      return { stdout: '<domainCapabilities>\n  <domain>kvm</domain>\n</domainCapabilities>\n' }
    case 'domstate':
    case 'dumpxml':
    case 'snapshot-revert':
      return { exitCode: 1, stderr: `error: failed to get domain '${name}'\nerror: Domain not found: no domain with matching name '${name}'\n` }
    case 'net-info':
      return { exitCode: 1, stderr: `error: failed to get network '${name}'\nerror: Network not found: no network with matching name '${name}'\n` }
    case 'vol-info':
      if (args.includes('--bytes')) return { stdout: `Name:           ${name}\nType:           file\nCapacity:       ${2 * 1024 ** 3} bytes\nAllocation:     350000000 bytes\n\n` }
      return { exitCode: 1, stderr: `error: failed to get vol '${name}'\nerror: Storage volume not found: no storage vol with matching path '${name}'\n` }
    case 'vol-path':
      return { stdout: `/var/lib/libvirt/images/${name}\n` }
    case 'list':
    case 'snapshot-list':
      return { stdout: '\n' }
    case 'vol-list':
      return { stdout: ' Name   Path\n-------------\n\n' }
    default:
      return {}
  }
}
