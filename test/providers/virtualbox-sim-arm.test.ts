/**
 * The ARM platform of VirtualBox 7.1 (Apple Silicon) on the VBoxManage simulator: the provider's own calls
 * for an aarch64 base and a linked clone run through 7.1's grammar (createvm --platform-architecture, the
 * ARM guest types, armv8virtual, qemuramfb, virtio-scsi), and the simulator refuses what an ARM VM has not.
 */
import t from 'tap'
import { osFor } from '../../src/lab/os-catalog.js'
import { baseSpec, cloneSpec, LAB_NET, simHost } from './virtualbox-sim-helpers.js'

const MAC_71 = { VMLAB_SIM_VBOX_VERSION: '7.1.4r165100', VMLAB_SIM_HOST_OS: 'darwin' }

t.test('an aarch64 base and clone on 7.1 for macOS: every call is accepted, the VM is an ARM one', async (t) => {
  const h = simHost(t, MAC_71)
  const p = h.provider({ platform: 'darwin', arch: 'arm64', guestArch: 'aarch64' })
  t.same((await p.detect()).problems, [])
  const network = await p.ensureNetwork(LAB_NET)
  await p.createBase({ ...baseSpec(h, network), os: osFor('rocky9', 'aarch64')! })
  await p.cloneLinked(cloneSpec(h, network, 'master', 0))
  t.equal(await p.state('vmlab-demo-master'), 'poweroff')
  const info = (await h.vbox('showvminfo', 'vmlab-demo-master', '--machinereadable')).stdout
  t.match(info, /^ostype="Red Hat \(ARM 64-bit\)"$/m)
  t.match(info, /^"VirtioSCSI-1-0"=".*seed-master\.iso"$/m, 'the seed disc on the virtio-scsi controller')
  t.ok(
    h.calls.some((c) => c.join(' ').startsWith('createvm --name vmlab-base-rocky9-test --platform-architecture arm --ostype RedHat_arm64')),
    'created as an ARM VM',
  )
})

t.test('the simulator holds 7.1 ARM VMs to their platform, and 7.0 to its grammar', async (t) => {
  const h = simHost(t, MAC_71)
  t.equal((await h.vbox('createvm', '--name', 'a', '--platform-architecture', 'arm', '--ostype', 'RedHat_arm64', '--register')).exitCode, 0)
  for (const [args, said] of [
    [['--ioapic', 'on'], /--ioapic is not supported by the ARM platform of VM 'a'/],
    [['--graphicscontroller', 'vmsvga'], /Invalid --graphicscontroller argument 'vmsvga'/],
    [['--chipset', 'ich9'], /Invalid --chipset argument 'ich9'/],
    [['--firmware', 'bios'], /Invalid --firmware argument 'bios'/],
    [['--ostype', 'RedHat_64'], /'RedHat_64' is not a valid Guest OS type/],
  ] as const) {
    const r = await h.vbox('modifyvm', 'a', ...args)
    t.not(r.exitCode, 0, args.join(' '))
    t.match(r.stderr, said)
  }
  t.equal((await h.vbox('modifyvm', 'a', '--firmware', 'efi', '--chipset', 'armv8virtual', '--graphicscontroller', 'qemuramfb')).exitCode, 0)
  const x86Type = await h.vbox('createvm', '--name', 'b', '--platform-architecture', 'arm', '--ostype', 'RedHat_64')
  t.match(x86Type.stderr, /Guest OS type 'RedHat_64' is invalid/, 'an x86 guest type on the ARM platform')
  const old = simHost(t, { VMLAB_SIM_VBOX_VERSION: '7.0.14r161095' })
  const r70 = await old.vbox('createvm', '--name', 'c', '--platform-architecture', 'arm', '--ostype', 'RedHat_64')
  t.not(r70.exitCode, 0, '7.0 knows no --platform-architecture')
})
