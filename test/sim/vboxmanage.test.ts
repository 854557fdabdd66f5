import fs from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import { run, type RunResult } from '../../src/util/run.js'

const VBOX = path.join(import.meta.dirname, 'bin', 'VBoxManage')

type Env = Record<string, string | undefined>

interface Host {
  root: string
  /** The default machine folder, `~/VirtualBox VMs` of the simulated user. */
  vms: string
  vbox(args: string[], env?: Env): Promise<RunResult>
}

/** A fresh simulated VirtualBox installation; short timings keep the tests fast. */
function host(t: Test, base: Env = {}): Host {
  const root = t.testdir({ iso: {}, state: {} })
  const env = (extra: Env): Env => ({
    VMLAB_SIM_STATE: path.join(root, 'state'),
    VMLAB_SIM_VBOX_VERSION: undefined,
    VMLAB_SIM_HOST_OS: undefined,
    VMLAB_SIM_KERNEL_MODULE: undefined,
    VMLAB_SIM_NETWORKS_CONF: undefined,
    // Delays are read at every invocation: 0 lets the time pass at once, 60 stops it.
    VMLAB_SIM_INSTALL_SECONDS: '0',
    VMLAB_SIM_LOCK_SECONDS: '0',
    VMLAB_SIM_ACPI_SECONDS: '0',
    VMLAB_SIM_FAIL: undefined,
    // The simulator needs neither tap's process tracker nor extra CA certificates, and each
    // of the ~300 simulator runs in this file would load them.
    NODE_OPTIONS: '',
    NODE_EXTRA_CA_CERTS: undefined,
    ...base,
    ...extra,
  })
  return {
    root,
    vms: path.join(root, 'state', 'home', 'VirtualBox VMs'),
    vbox: (args, extra = {}) => run(VBOX, args, { env: env(extra), reject: false }),
  }
}

/** An ISO 9660 image just big enough to carry a primary volume descriptor with `label`. */
function writeIso(file: string, label: string): string {
  const buf = Buffer.alloc(34816)
  buf[32768] = 1
  buf.write('CD001', 32769, 'latin1')
  buf.write(label.padEnd(32, ' '), 32808, 'latin1')
  fs.writeFileSync(file, buf)
  return file
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Every test has its own simulated installation, so they can run side by side.
t.jobs = 4

async function ok(h: Host, args: string[], env?: Env): Promise<RunResult> {
  const r = await h.vbox(args, env)
  if (r.exitCode !== 0) throw new Error(`VBoxManage ${args.join(' ')} exited ${r.exitCode}:\n${r.stdout}${r.stderr}`)
  return r
}

/** showvminfo --machinereadable parsed the way a provider would: key → unquoted value. */
async function info(h: Host, vm: string, env?: Env): Promise<Map<string, string>> {
  const r = await ok(h, ['showvminfo', vm, '--machinereadable'], env)
  const map = new Map<string, string>()
  for (const line of r.stdout.split('\n')) {
    const m = /^("?)(.+?)\1=(.*)$/.exec(line)
    if (m) map.set(m[2]!, m[3]!.replace(/^"(.*)"$/, '$1'))
  }
  return map
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
}

/** createvm + disk + SATA with the disk and the given DVDs, as the provider builds a base. */
async function baseVm(h: Host, name: string, dvds: string[] = []): Promise<string> {
  await ok(h, ['createvm', '--name', name, '--ostype', 'RedHat_64', '--register'])
  const disk = path.join(h.vms, name, `${name}.vdi`)
  await ok(h, ['createmedium', 'disk', '--filename', disk, '--size', '20480', '--format', 'VDI', '--variant', 'Standard'])
  await ok(h, ['storagectl', name, '--name', 'SATA', '--add', 'sata', '--controller', 'IntelAhci', '--portcount', '3', '--bootable', 'on'])
  await ok(h, ['storageattach', name, '--storagectl', 'SATA', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', disk])
  for (const [i, iso] of dvds.entries()) {
    await ok(h, ['storageattach', name, '--storagectl', 'SATA', '--port', String(i + 1), '--device', '0', '--type', 'dvddrive', '--medium', iso])
  }
  return disk
}

/** A base with an OS installed on its disk (the OEMDRV install has run) and a snapshot. */
async function installedBase(h: Host, name = 'base'): Promise<void> {
  const oem = writeIso(path.join(h.root, 'iso', `${name}-oem.iso`), 'OEMDRV')
  await baseVm(h, name, [oem])
  await ok(h, ['startvm', name, '--type', 'headless'])
  await ok(h, ['storageattach', name, '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', 'none'])
  await ok(h, ['snapshot', name, 'take', 'base-snap'])
}

t.test('a lab from base to linked clones to destroy leaves nothing behind', async (t) => {
  const h = host(t)
  const install = writeIso(path.join(h.root, 'iso', 'CentOS-7-x86_64-Minimal.iso'), 'CentOS 7 x86_64')
  const oem = writeIso(path.join(h.root, 'iso', 'oemdrv.iso'), 'OEMDRV')

  const created = await ok(h, ['createvm', '--name', 'base', '--ostype', 'RedHat_64', '--register', '--groups', '/lab'])
  const cfg = path.join(h.vms, 'lab', 'base', 'base.vbox')
  t.match(created.stdout, new RegExp(`^Virtual machine 'base' is created and registered\\.\\nUUID: [0-9a-f-]{36}\\nSettings file: '${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'\\n$`))
  await ok(h, ['modifyvm', 'base', '--memory', '2048', '--cpus', '2', '--firmware', 'bios', '--boot1', 'dvd', '--boot2', 'disk', '--boot3', 'none', '--boot4', 'none'])
  await ok(h, ['modifyvm', 'base', '--ioapic', 'on', '--rtcuseutc', 'on', '--graphicscontroller', 'vmsvga', '--vram', '16', '--audio-enabled', 'off'])
  await ok(h, ['modifyvm', 'base', '--nic1', 'nat', '--nic2', 'hostonly', '--hostonlyadapter2', 'vboxnet0', '--nic-type2', 'virtio', '--natpf1', 'ssh,tcp,127.0.0.1,2222,,22'])
  const hif = await ok(h, ['hostonlyif', 'create'])
  t.equal(hif.stdout, "Interface 'vboxnet0' was successfully created\n")
  t.equal(hif.stderr, '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n')
  await ok(h, ['hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.56.1', '--netmask', '255.255.255.0'])

  const disk = path.join(h.vms, 'lab', 'base', 'base.vdi')
  const medium = await ok(h, ['createmedium', 'disk', '--filename', disk, '--size', '20480', '--format', 'VDI', '--variant', 'Standard'])
  t.match(medium.stdout, /^Medium created\. UUID: [0-9a-f-]{36}\n$/)
  t.equal(medium.stderr, '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n')
  t.ok(fs.existsSync(disk), 'the disk image is a real file')
  await ok(h, ['storagectl', 'base', '--name', 'SATA', '--add', 'sata', '--controller', 'IntelAhci', '--portcount', '3', '--bootable', 'on'])
  await ok(h, ['storageattach', 'base', '--storagectl', 'SATA', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', disk])
  await ok(h, ['storageattach', 'base', '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', install])
  await ok(h, ['storageattach', 'base', '--storagectl', 'SATA', '--port', '2', '--device', '0', '--type', 'dvddrive', '--medium', oem])

  const installing = { VMLAB_SIM_INSTALL_SECONDS: '60' }
  const started = await ok(h, ['startvm', 'base', '--type', 'headless'], installing)
  t.equal(started.stdout, 'Waiting for VM "base" to power on...\nVM "base" has been successfully started.\n')
  const vm = await info(h, 'base', installing)
  t.equal(vm.get('VMState'), 'running')
  t.equal(vm.get('memory'), '2048')
  t.equal(vm.get('SATA-0-0'), disk)
  t.equal(vm.get('SATA-2-0'), oem)
  t.equal(vm.get('nictype2'), 'virtio')
  t.equal(vm.get('Forwarding(0)'), 'ssh,tcp,127.0.0.1,2222,,22')
  t.match((await ok(h, ['list', 'runningvms'], installing)).stdout, /^"base" \{[0-9a-f-]{36}\}\n$/)

  // The unattended install powers the VM off; its session stays locked a moment.
  const unlocking = { VMLAB_SIM_LOCK_SECONDS: '60' }
  t.equal((await info(h, 'base', unlocking)).get('VMState'), 'poweroff')
  const locked = await h.vbox(['storageattach', 'base', '--storagectl', 'SATA', '--port', '2', '--device', '0', '--type', 'dvddrive', '--medium', 'none'], unlocking)
  t.equal(locked.exitCode, 1)
  t.match(locked.stderr, "VBoxManage: error: The machine 'base' is already locked for a session (or being unlocked)\n")
  for (const port of ['1', '2']) {
    await ok(h, ['storageattach', 'base', '--storagectl', 'SATA', '--port', port, '--device', '0', '--type', 'dvddrive', '--medium', 'none'])
  }
  const snap = await ok(h, ['snapshot', 'base', 'take', 'base-snap', '--description', 'installed'])
  t.match(snap.stdout, /^Snapshot taken\. UUID: [0-9a-f-]{36}\n$/)

  const nodes = ['master', 'node1', 'node2']
  const clones = await Promise.all(nodes.map((n) => h.vbox(['clonevm', 'base', '--snapshot', 'base-snap', '--options', 'link', '--name', n, '--register'])))
  for (const [i, c] of clones.entries()) {
    t.equal(c.exitCode, 0, `clone ${nodes[i]}`)
    t.equal(c.stdout, `Machine has been successfully cloned as "${nodes[i]}"\n`)
  }
  t.same(
    (await ok(h, ['list', 'vms'])).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('"')[1])
      .sort(),
    ['base', 'master', 'node1', 'node2'],
  )
  const baseMac = (await info(h, 'base')).get('macaddress1')
  const macs = new Set<string | undefined>([baseMac])
  for (const n of nodes) {
    const c = await info(h, n)
    macs.add(c.get('macaddress1'))
    t.match(c.get('SATA-0-0'), new RegExp(`^${path.join(h.vms, n, 'Snapshots').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\{[0-9a-f-]{36}\\}\\.vdi$`))
    const none = await h.vbox(['snapshot', n, 'list'])
    t.same([none.exitCode, none.stdout, none.stderr], [1, 'This machine does not have any snapshots\n', ''], `${n} starts without snapshots`)
    await ok(h, ['snapshot', n, 'take', 'clean'])
    await ok(h, ['modifyvm', n, '--macaddress2', `080027AABB0${nodes.indexOf(n) + 1}`])
  }
  t.equal(macs.size, 4, 'every clone got new MACs')

  await ok(h, ['startvm', 'node1', '--type', 'headless'])
  const busy = await h.vbox(['snapshot', 'node1', 'restore', 'clean'])
  t.equal(busy.exitCode, 1)
  t.match(busy.stdout, /^Restoring snapshot 'clean' \([0-9a-f-]{36}\)\n$/)
  t.match(busy.stderr, /^VBoxManage: error: Cannot delete the current state of the running machine \(machine state: Running\)\n/)
  const shuttingDown = { VMLAB_SIM_ACPI_SECONDS: '60' }
  t.equal((await ok(h, ['controlvm', 'node1', 'acpipowerbutton'], shuttingDown)).stdout, '')
  t.equal((await info(h, 'node1', shuttingDown)).get('VMState'), 'running', 'the guest takes its time to shut down')
  t.equal((await info(h, 'node1')).get('VMState'), 'poweroff')
  const restored = await ok(h, ['snapshot', 'node1', 'restore', 'clean'])
  t.match(restored.stdout, /^Restoring snapshot 'clean' \([0-9a-f-]{36}\)\n$/)
  t.equal((await info(h, 'node1')).get('CurrentSnapshotName'), 'clean')

  for (const n of [...nodes, 'base']) {
    const gone = await ok(h, ['unregistervm', n, '--delete'])
    t.equal(gone.stderr, '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n', `destroy ${n}`)
  }
  t.equal((await ok(h, ['list', 'vms'])).stdout, '')
  t.equal((await ok(h, ['list', 'hdds'])).stdout, '')
  t.same(filesUnder(h.vms), [], 'no file is left in the machine folder')
})

t.test('error texts are VirtualBox 7.0 texts', async (t) => {
  const h = host(t)
  await ok(h, ['createvm', '--name', 'vm1', '--ostype', 'RedHat_64', '--register'])

  t.test('unknown machine', async (t) => {
    const r = await h.vbox(['showvminfo', 'ghost', '--machinereadable'])
    t.equal(r.exitCode, 1)
    t.equal(r.stdout, '')
    t.equal(
      r.stderr,
      "VBoxManage: error: Could not find a registered machine named 'ghost'\n" +
        'VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component VirtualBoxWrap, interface IVirtualBox, callee nsISupports\n' +
        'VBoxManage: error: Context: "FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())" at line 3138 of file VBoxManageInfo.cpp\n',
    )
  })

  t.test('name taken', async (t) => {
    const r = await h.vbox(['createvm', '--name', 'vm1', '--ostype', 'RedHat_64', '--register'])
    t.equal(r.exitCode, 1)
    const lines = r.stderr.split('\n')
    t.equal(lines[0], `VBoxManage: error: Machine settings file '${path.join(h.vms, 'vm1', 'vm1.vbox')}' already exists`)
    t.equal(lines[1], 'VBoxManage: error: Details: code VBOX_E_FILE_ERROR (0x80bb0004), component MachineWrap, interface IMachine, callee nsISupports')
    t.match(lines[2], /^VBoxManage: error: Context: "CreateMachine\(bstrSettingsFile\.raw\(\), bstrName\.raw\(\), .*\)" at line \d+ of file VBoxManageMisc\.cpp$/)
  })

  t.test('bad guest OS type', async (t) => {
    const r = await h.vbox(['createvm', '--name', 'vm2', '--ostype', 'redhat_64', '--register'])
    t.equal(r.exitCode, 1)
    t.match(r.stderr, /^VBoxManage: error: Guest OS type 'redhat_64' is invalid\nVBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND \(0x80bb0001\)/)
  })

  t.test('snapshots: none, unknown, restore while running', async (t) => {
    const none = await h.vbox(['snapshot', 'vm1', 'list', '--machinereadable'])
    t.same([none.exitCode, none.stdout, none.stderr], [1, 'This machine does not have any snapshots\n', ''])
    const unknown = await h.vbox(['snapshot', 'vm1', 'restore', 'nope'])
    t.equal(unknown.exitCode, 1)
    t.equal(
      unknown.stderr,
      "VBoxManage: error: Could not find a snapshot named 'nope'\n" +
        'VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component SessionMachine, interface IMachine, callee nsISupports\n' +
        'VBoxManage: error: Context: "FindSnapshot(Bstr(a->argv[2]).raw(), pSnapshot.asOutParam())" at line 597 of file VBoxManageSnapshot.cpp\n',
    )
  })

  t.test('running, locked, not running, invalid state', async (t) => {
    const stopped = await h.vbox(['controlvm', 'vm1', 'poweroff'])
    t.same([stopped.exitCode, stopped.stdout, stopped.stderr], [1, '', "VBoxManage: error: Machine 'vm1' is not currently running.\n"])
    await ok(h, ['startvm', 'vm1', '--type', 'headless'])
    const locked = await h.vbox(['modifyvm', 'vm1', '--memory', '1024'])
    t.equal(locked.exitCode, 1)
    t.equal(
      locked.stderr,
      "VBoxManage: error: The machine 'vm1' is already locked for a session (or being unlocked)\n" +
        'VBoxManage: error: Details: code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007), component MachineWrap, interface IMachine, callee nsISupports\n' +
        'VBoxManage: error: Context: "LockMachine(a->session, LockType_Write)" at line 578 of file VBoxManageModifyVM.cpp\n',
    )
    const again = await h.vbox(['startvm', 'vm1', '--type', 'headless'])
    t.equal(again.exitCode, 1)
    t.equal(again.stdout, '', 'no "Waiting for VM" when the launch is refused')
    t.match(again.stderr, /^VBoxManage: error: The machine 'vm1' is already locked by a session \(or being locked or unlocked\)\n/)
    const unreg = await h.vbox(['unregistervm', 'vm1', '--delete'])
    // Machine::unregister's refusal, as VirtualBox 7 prints it (quoted in Vagrant reports).
    const unregisterLocked =
      "VBoxManage: error: Cannot unregister the machine 'vm1' while it is locked\n" +
      'VBoxManage: error: Details: code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007), component MachineWrap, interface IMachine, callee nsISupports\n' +
      'VBoxManage: error: Context: "Unregister(fDeleteAll ? CleanupMode_DetachAllReturnHardDisksAndVMRemovable :CleanupMode_DetachAllReturnHardDisksOnly, ComSafeArrayAsOutParam(aMedia))" at line 191 of file VBoxManageMisc.cpp\n'
    t.same([unreg.exitCode, unreg.stderr], [1, unregisterLocked])
    t.equal((await ok(h, ['controlvm', 'vm1', 'poweroff'])).stderr, '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n')
    const late = await h.vbox(['controlvm', 'vm1', 'poweroff'], { VMLAB_SIM_LOCK_SECONDS: '60' })
    t.equal(late.exitCode, 1)
    t.equal(
      late.stderr,
      'VBoxManage: error: Invalid machine state: PoweredOff (must be Running, Paused or Stuck)\n' +
        'VBoxManage: error: Details: code VBOX_E_INVALID_VM_STATE (0x80bb0002), component ConsoleWrap, interface IConsole, callee nsISupports\n' +
        'VBoxManage: error: Context: "PowerDown(progress.asOutParam())" at line 496 of file VBoxManageControlVM.cpp\n',
    )
    // The session outlives the power-off (VMLAB_SIM_LOCK_SECONDS): unregistervm is refused the same way.
    const held = await h.vbox(['unregistervm', 'vm1', '--delete'], { VMLAB_SIM_LOCK_SECONDS: '60' })
    t.same([held.exitCode, held.stdout, held.stderr], [1, '', unregisterLocked])
    await ok(h, ['modifyvm', 'vm1', '--memory', '1024'])
  })

  t.test('syntax errors exit 2 with logo, error and usage on stderr', async (t) => {
    const r = await h.vbox(['modifyvm', 'vm1', '--bogus', 'on'])
    t.equal(r.exitCode, 2)
    t.equal(r.stdout, '')
    t.match(
      r.stderr,
      /^Oracle VM VirtualBox Command Line Management Interface Version 7\.0\.14\nCopyright \(C\) 2005-2024 Oracle and\/or its affiliates\n\nVBoxManage: error: Unknown option: --bogus\nUsage - Change settings for a virtual machine:\n/,
    )
    t.match(r.stderr, /\nVBoxManage: error: Unknown option: --bogus\n$/, 'a long usage is followed by the error again')
    const cmd = await h.vbox(['frobnicate', 'x'])
    t.equal(cmd.exitCode, 2)
    t.match(cmd.stderr, "VBoxManage: error: Invalid command 'frobnicate'\n")
    const sub = await h.vbox(['list', 'nothing'])
    t.equal(sub.exitCode, 2)
    t.match(sub.stderr, 'VBoxManage: error: Unknown subcommand "nothing".\n')
    const missing = await h.vbox(['modifyvm', 'vm1', '--macaddress1'])
    t.match(missing.stderr, 'VBoxManage: error: --macaddress: RTGetOpt: Command line option needs argument.\n')
    const mac = await h.vbox(['modifyvm', 'vm1', '--macaddress1', '090027AABB01'])
    t.equal(mac.exitCode, 1)
    t.match(mac.stderr, /^VBoxManage: error: Invalid MAC address format\nVBoxManage: error: Details: code NS_ERROR_INVALID_ARG \(0x80070057\), component NetworkAdapterWrap/)
    const nic = await h.vbox(['modifyvm', 'vm1', '--nic2', 'bogus'])
    t.same([nic.exitCode, nic.stderr], [1, "VBoxManage: error: Invalid type 'bogus' specfied for NIC 2\n"], 'errorArgument then E_FAIL: exit 1')
  })

  t.test('NAT rules: duplicate name, unknown rule', async (t) => {
    await ok(h, ['modifyvm', 'vm1', '--natpf1', 'ssh,tcp,127.0.0.1,2222,,22'])
    const dup = await h.vbox(['modifyvm', 'vm1', '--natpf1', 'ssh,tcp,127.0.0.1,2223,,22'])
    t.match(dup.stderr, /^VBoxManage: error: A NAT rule of this name already exists\n/)
    const gone = await h.vbox(['modifyvm', 'vm1', '--natpf1', 'delete', 'web'])
    t.equal(gone.exitCode, 1)
    t.match(
      gone.stderr,
      /^VBoxManage: error: Code NS_ERROR_INVALID_ARG \(0x80070057\) - Invalid argument value \(extended info not available\)\nVBoxManage: error: Context: "RemoveRedirect\(Bstr\(ValueUnion\.psz\)\.raw\(\)\)"/,
    )
    await ok(h, ['modifyvm', 'vm1', '--natpf1', 'delete', 'ssh'])
    t.notOk((await info(h, 'vm1')).has('Forwarding(0)'))
  })

  t.test('DHCP server already exists, guest property unset', async (t) => {
    const add = ['dhcpserver', 'add', '--interface=vboxnet0', '--server-ip=192.168.56.100', '--netmask=255.255.255.0', '--lower-ip=192.168.56.101', '--upper-ip=192.168.56.200', '--enable']
    await ok(h, add)
    const dup = await h.vbox(add)
    t.same([dup.exitCode, dup.stdout, dup.stderr], [2, '', 'VBoxManage: error: DHCP server already exists\n'])
    await ok(h, ['dhcpserver', 'modify', '--interface=vboxnet0', '--mac-address=080027AABB01', '--fixed-address=192.168.56.11'])
    const list = (await ok(h, ['list', 'dhcpservers'])).stdout
    t.match(list, /^NetworkName:    HostInterfaceNetworking-vboxnet0\nDhcpd IP:       192\.168\.56\.100\n/)
    t.match(list, 'Individual Config:    MAC 08:00:27:aa:bb:01\n    Fixed Address:    192.168.56.11\n')
    const ip = await ok(h, ['guestproperty', 'get', 'vm1', '/VirtualBox/GuestInfo/Net/1/V4/IP'])
    t.equal(ip.stdout, 'No value set!\n')
  })
})

t.test('a linked clone needs a snapshot, and its base cannot go first', async (t) => {
  const h = host(t)
  await installedBase(h)
  const linked = await h.vbox(['clonevm', 'base', '--options', 'link', '--name', 'n1', '--register'])
  t.equal(linked.exitCode, 1)
  t.match(
    linked.stderr,
    /^VBoxManage: error: Linked clone can only be created from a snapshot\nVBoxManage: error: Details: code NS_ERROR_INVALID_ARG \(0x80070057\), component MachineWrap, interface IMachine, callee nsISupports\n/,
  )
  await ok(h, ['clonevm', 'base', '--snapshot', 'base-snap', '--options', 'link', '--name', 'n1', '--register'])

  const merge = await h.vbox(['snapshot', 'base', 'delete', 'base-snap'])
  t.equal(merge.exitCode, 1)
  t.match(merge.stderr, /^0%\.\.\.NS_ERROR_FAILURE\nVBoxManage: error: Snapshot operation failed\nVBoxManage: error: Hard disk '.*\/base\.vdi' has more than one child hard disk \(2\)\n/)

  const early = await h.vbox(['unregistervm', 'base', '--delete'])
  t.equal(early.exitCode, 1)
  t.match(
    early.stderr,
    /VBOX_E_OBJECT_IN_USE\nVBoxManage: error: Machine delete failed\nVBoxManage: error: Cannot close medium '.*\/base\.vdi' because it has 1 child media\nVBoxManage: error: Details: code VBOX_E_OBJECT_IN_USE \(0x80bb000c\), component MediumWrap, interface IMedium\nVBoxManage: error: Context: "RTEXITCODE handleUnregisterVM\(HandlerArg\*\)" at line \d+ of file VBoxManageMisc\.cpp\n$/,
  )
  t.notMatch((await ok(h, ['list', 'vms'])).stdout, '"base"', 'the base is unregistered anyway')
  t.ok(fs.existsSync(path.join(h.vms, 'base', 'base.vdi')), 'its disk stays for the clone')
  await ok(h, ['startvm', 'n1', '--type', 'headless'])
  await ok(h, ['controlvm', 'n1', 'poweroff'])
  await ok(h, ['unregistervm', 'n1', '--delete'])
  t.equal((await ok(h, ['list', 'hdds'])).stdout, '', 'the last clone took the orphaned base image with it')
  t.same(
    filesUnder(h.vms).sort(),
    [path.join(h.vms, 'base', 'Logs', 'VBox.log'), path.join(h.vms, 'base', 'base.nvram'), path.join(h.vms, 'base', 'base.vbox')],
    'only the base settings and log remain',
  )
})

t.test('parallel clonevm calls keep the state consistent', async (t) => {
  const h = host(t)
  await installedBase(h)
  const names = Array.from({ length: 6 }, (_, i) => `n${i + 1}`)
  const results = await Promise.all(names.map((n) => h.vbox(['clonevm', 'base', '--snapshot', 'base-snap', '--options', 'link', '--name', n, '--register'])))
  t.same(
    results.map((r) => r.exitCode),
    names.map(() => 0),
  )
  const vms = (await ok(h, ['list', 'vms'])).stdout.split('\n').filter(Boolean)
  t.equal(vms.length, 7)
  t.equal(new Set(vms.map((l) => l.split(' ')[1])).size, 7, 'seven distinct UUIDs')
  const hdds = (await ok(h, ['list', 'hdds'])).stdout
  const baseUuid = /UUID:\s+(\S+)\nParent UUID:\s+base\n/.exec(hdds)![1]
  t.equal(hdds.split(`Parent UUID:    ${baseUuid}\n`).length - 1, 7, 'the base image has the base current state and six clones as children')
  for (const n of names) t.equal((await info(h, n)).get('VMState'), 'poweroff')
})

t.test('VMLAB_SIM_SNAPSHOT_SECONDS: a snapshot exists only when take returns, and other commands run meanwhile', async (t) => {
  const h = host(t)
  await installedBase(h)
  const started = Date.now()
  const take = h.vbox(['snapshot', 'base', 'take', 'slow'], { VMLAB_SIM_SNAPSHOT_SECONDS: '3' })
  let taken = false
  void take.then(() => {
    taken = true
  })
  await sleep(300)
  const during = await ok(h, ['snapshot', 'base', 'list', '--machinereadable'])
  t.notMatch(during.stdout, /"slow"/, 'not there while it is being taken')
  // Answered while take still runs (not a timing: on a loaded machine both are slower, the order holds).
  t.notOk(taken, 'the state lock is not held while the snapshot is taken')
  t.equal((await take).exitCode, 0)
  t.ok(Date.now() - started >= 3000, 'take took the time set')
  t.match((await ok(h, ['snapshot', 'base', 'list', '--machinereadable'])).stdout, /SnapshotName-1="slow"/)
})

t.test('the unattended install powers the VM off; an install ISO alone waits at its boot menu', async (t) => {
  const h = host(t)
  const install = writeIso(path.join(h.root, 'iso', 'install.iso'), 'CentOS 7 x86_64')
  const oem = writeIso(path.join(h.root, 'iso', 'oem.iso'), 'OEMDRV')
  await baseVm(h, 'auto', [install, oem])
  await baseVm(h, 'manual', [install])
  await baseVm(h, 'timed', [install, oem])
  const installing = { VMLAB_SIM_INSTALL_SECONDS: '60' }
  await ok(h, ['startvm', 'auto', '--type', 'headless'], installing)
  await ok(h, ['startvm', 'manual', '--type', 'headless'], installing)
  t.equal((await info(h, 'auto', installing)).get('VMState'), 'running', 'installing')
  await ok(h, ['controlvm', 'manual', 'acpipowerbutton'])
  t.equal((await info(h, 'auto')).get('VMState'), 'poweroff', 'the install is over')
  t.equal((await info(h, 'manual')).get('VMState'), 'running', 'the boot menu ignores the power button')
  t.equal((await ok(h, ['list', 'runningvms'])).stdout.split('\n').filter(Boolean).length, 1)
  await ok(h, ['controlvm', 'manual', 'poweroff'])
  t.equal((await info(h, 'manual')).get('VMState'), 'poweroff')

  // The same in real time.
  const realTime = { VMLAB_SIM_INSTALL_SECONDS: '3' }
  await ok(h, ['startvm', 'timed', '--type', 'headless'], realTime)
  t.equal((await info(h, 'timed', realTime)).get('VMState'), 'running')
  await sleep(3100)
  const done = await info(h, 'timed', realTime)
  t.equal(done.get('VMState'), 'poweroff')
  t.match(done.get('VMStateChangeTime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000000$/)
})

t.test('Windows hosts: VBoxManage.exe, CRLF, IUnknown, Windows HRESULT names', async (t) => {
  const h = host(t, { VMLAB_SIM_HOST_OS: 'windows' })
  const created = await ok(h, ['createvm', '--name', 'w', '--register'])
  t.match(created.stdout, /^Virtual machine 'w' is created and registered\.\r\nUUID: [0-9a-f-]{36}\r\nSettings file: '.*'\r\n$/)
  const missing = await h.vbox(['showvminfo', 'nope', '--machinereadable'])
  t.match(
    missing.stderr,
    /^VBoxManage\.exe: error: Could not find a registered machine named 'nope'\r\nVBoxManage\.exe: error: Details: code VBOX_E_OBJECT_NOT_FOUND \(0x80bb0001\), component VirtualBoxWrap, interface IVirtualBox, callee IUnknown\r\n/,
  )
  const link = await h.vbox(['clonevm', 'w', '--options', 'link', '--name', 'x'])
  t.match(link.stderr, 'code E_INVALIDARG (0x80070057)')
  t.notMatch((await ok(h, ['showvminfo', 'w', '--machinereadable'])).stdout, /[^\r]\n/, 'every line ends in CRLF')
  t.equal((await ok(h, ['hostonlyif', 'create'])).stdout, "Interface 'VirtualBox Host-Only Ethernet Adapter' was successfully created\r\n")
  await ok(h, ['hostonlyif', 'ipconfig', 'VirtualBox Host-Only Ethernet Adapter', '--ip', '10.10.0.1', '--netmask', '255.255.255.0'])
})

t.test('version, and the kernel module warning before it', async (t) => {
  const h = host(t)
  t.equal((await ok(h, ['--version'])).stdout, '7.0.14r161095\n')
  t.equal((await ok(h, ['--version'], { VMLAB_SIM_VBOX_VERSION: '6.1.50r161033' })).stdout, '6.1.50r161033\n')
  const warned = await ok(h, ['--version'], { VMLAB_SIM_KERNEL_MODULE: 'missing' })
  const lines = warned.stdout.split('\n')
  t.equal(lines[0], 'WARNING: The vboxdrv kernel module is not loaded. Either there is no module')
  t.match(lines[1], /^ {9}available for the current kernel \(.+\) or it failed to$/)
  t.equal(lines[4], '           sudo /sbin/vboxconfig')
  t.equal(lines[6], '         You will not be able to start VMs until this problem is fixed.')
  t.equal(lines[7], '7.0.14r161095')
  await ok(h, ['createvm', '--name', 'k', '--register'])
  const start = await h.vbox(['startvm', 'k', '--type', 'headless'], { VMLAB_SIM_KERNEL_MODULE: 'missing' })
  t.equal(start.exitCode, 1)
  t.match(start.stdout, /You will not be able to start VMs until this problem is fixed\.\nWaiting for VM "k" to power on\.\.\.\n$/)
  t.equal(
    start.stderr,
    "VBoxManage: error: The virtual machine 'k' has terminated unexpectedly during startup with exit code 1 (0x1)\n" +
      'VBoxManage: error: Details: code NS_ERROR_FAILURE (0x80004005), component MachineWrap, interface IMachine\n',
  )
  t.equal((await info(h, 'k')).get('VMState'), 'poweroff')
})

t.test('host-only addresses follow /etc/vbox/networks.conf', async (t) => {
  const h = host(t)
  await ok(h, ['hostonlyif', 'create'])
  await ok(h, ['hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.60.1', '--netmask', '255.255.255.0'])
  const denied = await h.vbox(['hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '10.0.0.1', '--netmask', '255.255.255.0'])
  t.equal(denied.exitCode, 1)
  t.equal(
    denied.stderr,
    'VBoxManage: error: Code E_ACCESSDENIED (0x80070005) - Access denied (extended info not available)\n' +
      'VBoxManage: error: Context: "EnableStaticIPConfig(Bstr(pszIp).raw(), Bstr(pszNetmask).raw())" at line 256 of file VBoxManageHostonly.cpp\n',
  )
  await ok(h, ['hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '10.0.0.1', '--netmask', '255.255.255.0'], { VMLAB_SIM_NETWORKS_CONF: '* 10.0.0.0/8 192.168.0.0/16\n' })
  await ok(h, ['hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '172.16.0.1'], { VMLAB_SIM_VBOX_VERSION: '6.1.26r145957' })
  const list = (await ok(h, ['list', 'hostonlyifs'])).stdout
  t.match(list, /^Name:            vboxnet0\nGUID:            786f6276-656e-4074-8000-0a0027000000\nDHCP:            Disabled\nIPAddress:       172\.16\.0\.1\nNetworkMask:     255\.255\.255\.0\n/)
  t.match(list, 'VBoxNetworkName: HostInterfaceNetworking-vboxnet0\n\n')
  const ghost = await h.vbox(['hostonlyif', 'ipconfig', 'vboxnet7', '--ip', '192.168.56.1'])
  t.match(
    ghost.stderr,
    /^VBoxManage: error: The host network interface named 'vboxnet7' could not be found\nVBoxManage: error: Details: code NS_ERROR_INVALID_ARG \(0x80070057\), component HostWrap, interface IHost/,
  )
})

t.test('macOS with VirtualBox 7 has host-only networks, not interfaces', async (t) => {
  const mac = host(t, { VMLAB_SIM_HOST_OS: 'darwin' })
  const create = await mac.vbox(['hostonlyif', 'create'])
  t.equal(create.exitCode, 1)
  t.equal(
    create.stderr,
    '0%...NS_ERROR_FAILURE\n' +
      'VBoxManage: error: Failed to create the host-only adapter\n' +
      'VBoxManage: error: VBoxNetAdpCtl: Error while adding new interface: failed to open /dev/vboxnetctl: No such file or directory\n' +
      'VBoxManage: error: Details: code NS_ERROR_FAILURE (0x80004005), component HostNetworkInterfaceWrap, interface IHostNetworkInterface\n' +
      'VBoxManage: error: Context: "RTEXITCODE handleCreate(HandlerArg *)" at line 105 of file VBoxManageHostonly.cpp\n',
  )
  await ok(mac, ['hostonlynet', 'add', '--name', 'lab', '--netmask', '255.255.255.0', '--lower-ip', '192.168.56.10', '--upper-ip', '192.168.56.99', '--enable'])
  t.match(
    (await ok(mac, ['list', 'hostonlynets'])).stdout,
    /^Name:            lab\nGUID:            [0-9a-f-]{36}\n\nState:           Enabled\nNetworkMask:     255\.255\.255\.0\nLowerIP:         192\.168\.56\.10\nUpperIP:         192\.168\.56\.99\nVBoxNetworkName: hostonly-lab\n\n$/,
  )
  await ok(mac, ['createvm', '--name', 'm', '--register'])
  await ok(mac, ['modifyvm', 'm', '--nic2', 'hostonlynet', '--host-only-net2', 'lab'])
  const vm = await info(mac, 'm')
  t.same([vm.get('nic2'), vm.get('hostonly-network2')], ['hostonlynetwork', 'lab'])

  const linux = host(t)
  const none = await linux.vbox(['hostonlynet', 'add', '--name', 'lab'])
  t.equal(none.exitCode, 2)
  t.match(none.stderr, "VBoxManage: error: Invalid command 'hostonlynet'\n")
  const mac6 = await mac.vbox(['hostonlyif', 'create'], { VMLAB_SIM_VBOX_VERSION: '6.1.50r161033' })
  t.equal(mac6.stdout, "Interface 'vboxnet0' was successfully created\n", 'macOS with 6.1 still creates interfaces')
})

t.test('showvminfo --machinereadable formats values like VirtualBox', async (t) => {
  const h = host(t)
  await installedBase(h, 'fmt')
  await ok(h, ['storageattach', 'fmt', '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', 'emptydrive'])
  await ok(h, ['modifyvm', 'fmt', '--description', 'say "hi" \\ bye', '--nic2', 'nat', '--natpf1', 'ssh,tcp,,2222,,22', '--natpf1', 'web,tcp,,8080,,80', '--natpf2', ',udp,,5353,,53'])
  const text = (await ok(h, ['showvminfo', 'fmt', '--machinereadable'])).stdout
  const lines = text.split('\n')
  t.equal(lines[0], 'name="fmt"')
  t.equal(lines[1], 'Encryption:     disabled', '7.0 prints this bare line')
  t.ok(lines.includes('memory=128'), 'numbers are unquoted')
  t.ok(lines.includes('description="say \\"hi\\" \\\\ bye"'), 'quotes and backslashes are escaped')
  t.ok(lines.includes('Forwarding(0)="ssh,tcp,,2222,,22"'))
  t.ok(lines.includes('Forwarding(1)="web,tcp,,8080,,80"'))
  t.ok(lines.includes('Forwarding(0)="udp_5353_53,udp,,5353,,53"'), 'the index restarts per NIC; unnamed rules get a name')
  t.ok(lines.includes('"SATA-1-0"="emptydrive"'))
  t.ok(lines.includes('"SATA-IsEjected-1-0"="off"'))
  t.ok(lines.includes('"SATA-2-0"="none"'))
  t.match(text, /\nSnapshotName="base-snap"\nSnapshotUUID="[0-9a-f-]{36}"\nCurrentSnapshotName="base-snap"\nCurrentSnapshotUUID="[0-9a-f-]{36}"\nCurrentSnapshotNode="SnapshotName"\n/)
  t.match(text, /\nVMStateChangeTime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000000"\n/)
  const old = (await ok(h, ['showvminfo', 'fmt', '--machinereadable'], { VMLAB_SIM_VBOX_VERSION: '6.1.50r161033' })).stdout
  t.notMatch(old, 'Encryption:')
  t.match(old, '"SATA-IsEjected"="off"', '6.1 printed the DVD flags without port and device')
})

t.test('VMLAB_SIM_FAIL makes the next N invocations of a command fail', async (t) => {
  const h = host(t)
  await installedBase(h)
  const env = { VMLAB_SIM_FAIL: 'clonevm:1' }
  const first = await h.vbox(['clonevm', 'base', '--snapshot', 'base-snap', '--options', 'link', '--name', 'c', '--register'], env)
  t.equal(first.exitCode, 1)
  t.equal(
    first.stderr,
    'VBoxManage: error: The object is not ready\n' +
      'VBoxManage: error: Details: code E_ACCESSDENIED (0x80070005), component VirtualBoxWrap, interface IVirtualBox, callee nsISupports\n' +
      'VBoxManage: error: Context: "CloneTo(trgMachine, mode, ComSafeArrayAsInParam(options), progress.asOutParam())" at line 697 of file VBoxManageMisc.cpp\n',
  )
  t.notOk(fs.existsSync(path.join(h.vms, 'c')), 'a failed clone leaves nothing')
  await ok(h, ['clonevm', 'base', '--snapshot', 'base-snap', '--options', 'link', '--name', 'c', '--register'], env)
})

t.test('VMLAB_SIM_STATE is required', async (t) => {
  const r = await run(VBOX, ['list', 'vms'], { env: { VMLAB_SIM_STATE: '' }, reject: false })
  t.equal(r.exitCode, 1)
  t.match(r.stderr, 'VMLAB_SIM_STATE is not set')
})

t.test('VMLAB_SIM_HANG: the named command hangs without a word, holding up no other command', async (t) => {
  const h = host(t)
  const env = { VMLAB_SIM_STATE: path.join(h.root, 'state'), NODE_OPTIONS: '' }
  const hung = (args: string[], hang: string, timeoutMs = 1500) => run(VBOX, args, { env: { ...env, VMLAB_SIM_HANG: hang }, timeoutMs }).catch((e: unknown) => e)
  for (const spelling of ['--version', '-V', '-v']) t.match(await hung([spelling], '--version'), { name: 'CommandTimeoutError', stdout: '', stderr: '' }, `${spelling} hangs, silent`)
  const list = hung(['list', 'vms'], 'list,clonevm', 4000)
  const other = await h.vbox(['createvm', '--name', 'other', '--register'], { VMLAB_SIM_HANG: 'list' })
  t.equal(other.exitCode, 0, 'another command answers while one hangs (the state lock is not held)')
  t.match(await list, { name: 'CommandTimeoutError' }, 'list hangs')
  t.match(await hung(['clonevm', 'other', '--name', 'x', '--register'], 'clonevm'), { name: 'CommandTimeoutError' }, 'a sub-command hangs by its name')
  t.notMatch((await h.vbox(['list', 'vms'])).stdout, /"x"/, 'and did nothing')
})

t.test('a snapshot of a running VM keeps its state: restored it is saved, and startvm resumes it without a boot', async (t) => {
  const h = host(t)
  await installedBase(h)
  const boots = () => (JSON.parse(fs.readFileSync(path.join(h.root, 'state', 'vbox-state.json'), 'utf8')) as { machines: Array<{ boots: number }> }).machines[0]!.boots
  const booted = boots()
  await ok(h, ['startvm', 'base', '--type', 'headless'])
  t.equal(boots(), booted + 1, 'a power-on boots the guest')
  await ok(h, ['controlvm', 'base', 'pause'])
  const live = await h.vbox(['snapshot', 'base', 'take', 'ready', '--live'])
  t.equal(live.exitCode, 1, '--live on a paused VM is refused')
  t.match(live.stderr, /Cannot take a live snapshot of a virtual machine unless it is running\.\nVBoxManage: error: Details: code VBOX_E_INVALID_VM_STATE \(0x80bb0002\)/)
  await ok(h, ['snapshot', 'base', 'take', 'ready'])
  t.equal((await info(h, 'base')).get('VMState'), 'paused', 'without --live a paused VM stays paused')
  const again = await h.vbox(['controlvm', 'base', 'pause'])
  t.match(again.stderr, /Invalid machine state: Paused/)
  await ok(h, ['controlvm', 'base', 'resume'])
  const notPaused = await h.vbox(['controlvm', 'base', 'resume'])
  t.equal(notPaused.exitCode, 1)
  t.match(notPaused.stderr, /Cannot resume the machine as it is not paused \(machine state: Running\)\nVBoxManage: error: Details: code VBOX_E_INVALID_VM_STATE/)

  await ok(h, ['controlvm', 'base', 'poweroff'])
  await ok(h, ['snapshot', 'base', 'restore', 'ready'])
  const saved = await info(h, 'base')
  t.equal(saved.get('VMState'), 'saved', 'the snapshot had a state: the VM is saved')
  t.ok(fs.existsSync(saved.get('VMStateFile')!), 'on a state file of its own')
  await ok(h, ['startvm', 'base', '--type', 'headless'])
  t.equal((await info(h, 'base')).get('VMState'), 'running')
  t.equal(boots(), booted + 1, 'resumed, not booted')
  t.notOk(fs.existsSync(saved.get('VMStateFile')!), 'the state file is used up')
  t.match(fs.readFileSync(path.join(h.vms, 'base', 'Logs', 'VBox.log'), 'utf8'), /resumed from its saved state\n$/)

  await ok(h, ['controlvm', 'base', 'poweroff'])
  await ok(h, ['snapshot', 'base', 'restore', 'base-snap'])
  t.equal((await info(h, 'base')).get('VMState'), 'poweroff', 'a snapshot taken powered off has no state')
  await ok(h, ['startvm', 'base', '--type', 'headless'])
  t.equal(boots(), booted + 2, 'that one boots')
  await ok(h, ['controlvm', 'base', 'poweroff'])
  await ok(h, ['snapshot', 'base', 'delete', 'ready'])
  t.same(
    filesUnder(path.join(h.vms, 'base')).filter((f) => f.endsWith('.sav')),
    [],
    "the snapshot's state file goes with it",
  )
})
