import fs from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import { run } from '../../src/util/run.js'

// Its simulator calls run one after the other: 96 s alone at load 12, past tap's 120 s limit when busier.
t.setTimeout(360_000)

const BIN = path.join(import.meta.dirname, 'bin')
/** Long enough for a couple of vmrun calls to see the installing VM still running. */
const INSTALL_MS = 1000
const VMRUN = path.join(BIN, 'vmrun')
const VDISK = path.join(BIN, 'vmware-vdiskmanager')

type Env = Record<string, string | undefined>

interface Host {
  root: string
  vmrun(args: string[], env?: Env): Promise<{ stdout: string; stderr: string; exitCode: number }>
  vdisk(args: string[], env?: Env): Promise<{ stdout: string; stderr: string; exitCode: number }>
}

/** A fresh simulated host: its own state directory and a folder for VMs. */
function host(t: Test, base: Env = {}): Host {
  const root = t.testdir({ iso: {}, state: {} })
  const env = (extra: Env): Env => ({
    VMLAB_SIM_STATE: path.join(root, 'state'),
    VMLAB_SIM_INSTALL_SECONDS: String(INSTALL_MS / 1000),
    VMLAB_SIM_VMWARE_PRODUCT: undefined,
    VMLAB_SIM_HOST_OS: undefined,
    VMLAB_SIM_VMWARE_TOOLS: undefined,
    VMLAB_SIM_FAIL: undefined,
    ...base,
    ...extra,
  })
  return {
    root,
    vmrun: (args, extra = {}) => run(VMRUN, args, { env: env(extra), reject: false }),
    vdisk: (args, extra = {}) => run(VDISK, args, { env: env(extra), reject: false }),
  }
}

/** An ISO9660 image just big enough to carry a primary volume descriptor with `label`. */
function writeIso(file: string, label: string): void {
  const buf = Buffer.alloc(34816)
  buf[32768] = 1
  buf.write('CD001', 32769, 'latin1')
  buf.write(label.padEnd(32, ' '), 32808, 'latin1')
  fs.writeFileSync(file, buf)
}

/** The minimal 64-bit EL .vmx from reference/vmware.md. */
function vmxText(name: string, isoDir: string, mac = '00:50:56:01:00:0a'): string {
  return `.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "19"
displayName = "${name}"
guestOS = "centos7-64"
firmware = "bios"
numvcpus = "2"
memsize = "2048"
pciBridge0.present = "TRUE"
pciBridge4.present = "TRUE"
pciBridge4.virtualDev = "pcieRootPort"
pciBridge4.functions = "8"
vmci0.present = "TRUE"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "${name}.vmdk"
sata0.present = "TRUE"
sata0:1.present = "TRUE"
sata0:1.deviceType = "cdrom-image"
sata0:1.fileName = "${isoDir}/install.iso"
sata0:2.present = "TRUE"
sata0:2.deviceType = "cdrom-image"
sata0:2.fileName = "${isoDir}/oemdrv.iso"
ethernet0.present = "TRUE"
ethernet0.connectionType = "nat"
ethernet0.virtualDev = "e1000"
ethernet1.present = "TRUE"
ethernet1.connectionType = "hostonly"
ethernet1.virtualDev = "e1000"
ethernet1.addressType = "static"
ethernet1.address = "${mac}"
bios.bootOrder = "hdd,cdrom"
`
}

/** Creates the base VM (disk through vdiskmanager, .vmx by hand, two ISOs); returns its .vmx. */
async function makeBase(t: Test, h: Host, name = 'master', label = 'OEMDRV'): Promise<string> {
  const iso = path.join(h.root, 'iso')
  writeIso(path.join(iso, 'install.iso'), 'Rocky-9-5-x86_64-dvd')
  writeIso(path.join(iso, 'oemdrv.iso'), label)
  const dir = path.join(h.root, name)
  fs.mkdirSync(dir)
  const created = await h.vdisk(['-c', '-s', '20GB', '-a', 'lsilogic', '-t', '0', path.join(dir, `${name}.vmdk`)])
  t.equal(created.exitCode, 0, 'vdiskmanager created the disk')
  const vmx = path.join(dir, `${name}.vmx`)
  fs.writeFileSync(vmx, vmxText(name, iso))
  return vmx
}

function vmxValue(vmx: string, key: string): string | undefined {
  const line = fs
    .readFileSync(vmx, 'utf8')
    .split('\n')
    .find((l) => l.toLowerCase().startsWith(`${key.toLowerCase()} =`))
  return line?.replace(/^[^=]*=\s*"(.*)"\s*$/, '$1')
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits for the simulated unattended install to power the VM off. */
async function waitForInstall(h: Host, vmx: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const listed = await h.vmrun(['-T', 'ws', 'list'])
    if (!listed.stdout.includes(vmx)) return
    await sleep(100)
  }
  throw new Error(`${vmx} never powered itself off`)
}

const USAGE_HEAD = /^vmrun version \d+\.\d+\.\d+ build-\d+\n\nUsage: vmrun \[AUTHENTICATION-FLAGS\] COMMAND \[PARAMETERS\]\n/

t.test('vmrun without arguments prints the usage with exit -1 (255)', async (t) => {
  const h = host(t)
  const r = await h.vmrun([])
  t.match(r.stdout, USAGE_HEAD)
  t.match(r.stdout, /\nclone\s+Path to vmx file\s+Create a copy of the VM\n/)
  t.equal(r.exitCode, 255)
})

t.test('an unknown flag is named before the usage, an unknown command is an error', async (t) => {
  const h = host(t)
  const help = await h.vmrun(['--help'])
  t.match(help.stdout, /^Invalid argument: --help\nvmrun version /)
  t.equal(help.exitCode, 255)
  const bad = await h.vmrun(['-T', 'ws', 'frobnicate', '/x.vmx'])
  t.equal(bad.stdout, 'Error: Unrecognized command: frobnicate\n')
  t.equal(bad.exitCode, 255)
})

t.test('the simulator refuses to run without a state directory', async (t) => {
  const h = host(t)
  const r = await h.vmrun(['list'], { VMLAB_SIM_STATE: undefined })
  t.equal(r.exitCode, 2)
  t.match(r.stderr, /VMLAB_SIM_STATE is not set/)
  t.equal(r.stdout, '')
})

t.test('vmware-vdiskmanager creates disks like the real one', async (t) => {
  const h = host(t)
  const disk = path.join(h.root, 'a.vmdk')
  const made = await h.vdisk(['-c', '-s', '20GB', '-a', 'lsilogic', '-t', '0', disk])
  t.equal(made.stdout, `Creating disk '${disk}'\n  Create: 100% done.\nVirtual disk creation successful.\n`)
  t.equal(made.exitCode, 0)
  const head = fs.readFileSync(disk)
  t.equal(head.subarray(0, 4).toString('latin1'), 'KDMV', 'monolithic sparse extent header')
  const descriptor = head.subarray(512, 512 * 21).toString('utf8')
  t.match(descriptor, /^# Disk DescriptorFile\n/)
  t.match(descriptor, /createType="monolithicSparse"/)
  t.match(descriptor, /RW 41943040 SPARSE "a\.vmdk"/)
  t.match(descriptor, /ddb\.adapterType = "lsilogic"/)

  const before = fs.readFileSync(disk)
  const again = await h.vdisk(['-c', '-s', '1GB', '-a', 'ide', '-t', '0', disk])
  t.equal(again.stdout, `Creating disk '${disk}'\nFailed to create disk: The file already exists (0xc).\n`)
  t.equal(again.exitCode, 1)
  t.same(fs.readFileSync(disk), before, 'the existing disk is untouched')

  const split = path.join(h.root, 'split.vmdk')
  t.equal((await h.vdisk(['-c', '-s', '5GB', '-a', 'lsilogic', '-t', '1', split])).exitCode, 0)
  const text = fs.readFileSync(split, 'utf8')
  t.match(text, /createType="twoGbMaxExtentSparse"/)
  t.match(text, /RW 4192256 SPARSE "split-s001\.vmdk"\nRW 4192256 SPARSE "split-s002\.vmdk"\nRW 2101248 SPARSE "split-s003\.vmdk"\n/)
  for (const n of ['s001', 's002', 's003']) t.ok(fs.existsSync(path.join(h.root, `split-${n}.vmdk`)), `extent ${n}`)

  const flat = path.join(h.root, 'flat.vmdk')
  t.equal((await h.vdisk(['-c', '-s', '64MB', '-a', 'ide', '-t', '2', flat])).exitCode, 0)
  t.match(fs.readFileSync(flat, 'utf8'), /RW 131072 FLAT "flat-flat\.vmdk" 0/)
  t.equal(fs.statSync(path.join(h.root, 'flat-flat.vmdk')).size, 64 * 1024 * 1024)

  t.same((await h.vdisk(['-d', disk])).stdout, '  Defragment: 100% done.\nDefragmentation completed successfully.\n')
  t.same((await h.vdisk(['-k', disk])).stdout, '  Shrink: 100% done.\nShrink completed successfully.\n')
  t.same((await h.vdisk(['-R', split])).stdout, `No errors were found on the virtual disk, '${split}'.\n`)
  const missing = await h.vdisk(['-k', path.join(h.root, 'none.vmdk')])
  t.match(missing.stdout, /^Failed to open the disk '.*none\.vmdk' : A file was not found \(0x4\)\.\n$/)
  t.equal(missing.exitCode, 1)

  for (const bad of [[], ['-c', disk], ['-c', '-s', '1GB', '-a', 'scsi', '-t', '0', 'x.vmdk'], ['-c', '-s', 'big', '-a', 'ide', '-t', '0', 'x.vmdk']]) {
    const r = await h.vdisk(bad)
    t.match(r.stdout, /^VMware Virtual Disk Manager - build \d+\.\nUsage: vmware-vdiskmanager OPTIONS/, `usage for ${bad.join(' ')}`)
    t.equal(r.exitCode, 1)
  }
  const unknown = await h.vdisk(['-Z'])
  t.equal(unknown.stderr, "vmware-vdiskmanager: invalid option -- 'Z'\n")
})

t.test('a lab from install to teardown: snapshots, linked clones, revert, deleteVM', async (t) => {
  const h = host(t)
  const master = await makeBase(t, h)

  t.equal((await h.vmrun(['-T', 'ws', 'start', master, 'nogui'])).exitCode, 0)
  t.equal((await h.vmrun(['-T', 'ws', 'list'])).stdout, `Total running VMs: 1\n${master}\n`)
  t.ok(fs.existsSync(`${master}.lck`), 'VMware locks a running VM')
  t.match(vmxValue(master, 'ethernet0.generatedAddress') ?? '', /^00:0c:29:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/)
  t.equal(vmxValue(master, 'ethernet1.address'), '00:50:56:01:00:0a', 'static MAC kept')

  await waitForInstall(h, master)
  t.equal((await h.vmrun(['-T', 'ws', 'list'])).stdout, 'Total running VMs: 0\n', 'the OEMDRV install powered off')
  t.equal(vmxValue(master, 'cleanShutdown'), 'TRUE')
  t.notOk(fs.existsSync(`${master}.lck`))

  // Installed now: the next boot comes from the disk and stays up although OEMDRV is attached.
  t.equal((await h.vmrun(['-T', 'ws', 'start', master, 'nogui'])).exitCode, 0)
  await sleep(INSTALL_MS + 200)
  t.equal((await h.vmrun(['-T', 'ws', 'list'])).stdout, `Total running VMs: 1\n${master}\n`)
  t.equal((await h.vmrun(['-T', 'ws', 'stop', master, 'hard'])).exitCode, 0)

  t.equal((await h.vmrun(['-T', 'ws', 'listSnapshots', master])).stdout, 'Total snapshots: 0\n')
  t.equal((await h.vmrun(['-T', 'ws', 'snapshot', master, 'base'])).stdout, '')
  t.equal((await h.vmrun(['-T', 'ws', 'listSnapshots', master])).stdout, 'Total snapshots: 1\nbase\n')
  t.equal(vmxValue(master, 'scsi0:0.fileName'), 'master-000001.vmdk', 'VMware writes to a delta after a snapshot')
  t.match(fs.readFileSync(master.replace(/\.vmx$/, '.vmsd'), 'utf8'), /snapshot0\.displayName = "base"/)

  const nodes = ['node1', 'node2'].map((n) => path.join(h.root, n, `${n}.vmx`))
  for (const [i, node] of nodes.entries()) {
    const r = await h.vmrun(['-T', 'ws', 'clone', master, node, 'linked', '-snapshot=base', `-cloneName=node${i + 1}`])
    t.equal(r.stdout, '')
    t.equal(r.exitCode, 0)
    t.equal(vmxValue(node, 'displayName'), `node${i + 1}`)
    t.equal(vmxValue(node, 'scsi0:0.fileName'), 'master-cl1.vmdk')
    t.not(vmxValue(node, 'uuid.bios'), vmxValue(master, 'uuid.bios'), 'a clone gets its own uuid')
    t.equal(vmxValue(node, 'ethernet0.generatedAddress'), undefined, 'generated MACs are regenerated')
    const delta = fs
      .readFileSync(path.join(path.dirname(node), 'master-cl1.vmdk'))
      .subarray(512, 512 * 21)
      .toString()
    t.match(delta, new RegExp(`parentFileNameHint="${path.join(h.root, 'master', 'master.vmdk')}"`))
    t.equal((await h.vmrun(['-T', 'ws', 'listSnapshots', node])).stdout, 'Total snapshots: 0\n')
  }
  t.match(fs.readFileSync(master.replace(/\.vmx$/, '.vmsd'), 'utf8'), /snapshot0\.numClones = "2"/)

  for (const node of nodes) t.equal((await h.vmrun(['-T', 'ws', 'start', node, 'nogui'])).exitCode, 0)
  t.equal((await h.vmrun(['-T', 'ws', 'list'])).stdout, `Total running VMs: 2\n${nodes[0]}\n${nodes[1]}\n`)

  const [node1, node2] = nodes as [string, string]
  t.equal((await h.vmrun(['-T', 'ws', 'snapshot', node1, 'ready'])).exitCode, 0)
  t.equal((await h.vmrun(['-T', 'ws', 'snapshot', node1, 'swarm'])).exitCode, 0)
  t.equal((await h.vmrun(['-T', 'ws', 'listSnapshots', node1, 'showTree'])).stdout, 'Total snapshots: 2\nready\n\tswarm\n')

  // Reverting a running VM switches it off; a memory snapshot leaves it suspended.
  t.equal((await h.vmrun(['-T', 'ws', 'revertToSnapshot', node1, 'ready'])).stdout, '')
  t.equal((await h.vmrun(['-T', 'ws', 'list'])).stdout, `Total running VMs: 1\n${node2}\n`)
  t.ok(fs.existsSync(node1.replace(/\.vmx$/, '.vmss')), 'suspended state file')
  t.equal((await h.vmrun(['-T', 'ws', 'start', node1, 'nogui'])).exitCode, 0)
  t.notOk(fs.existsSync(node1.replace(/\.vmx$/, '.vmss')))

  t.equal((await h.vmrun(['-T', 'ws', 'deleteVM', node1])).stdout, 'Error: The virtual machine should not be powered on. It is already running.\n')
  t.equal((await h.vmrun(['-T', 'ws', 'deleteVM', master])).stdout, 'Error: The file is already in use\n', 'parent of linked clones')
  t.equal((await h.vmrun(['-T', 'ws', 'deleteSnapshot', master, 'base'])).stdout, 'Error: The file is already in use\n')

  for (const node of nodes) t.equal((await h.vmrun(['-T', 'ws', 'stop', node, 'hard'])).exitCode, 0)
  t.equal((await h.vmrun(['-T', 'ws', 'deleteSnapshot', node1, 'ready', 'andDeleteChildren'])).exitCode, 0)
  t.equal((await h.vmrun(['-T', 'ws', 'listSnapshots', node1])).stdout, 'Total snapshots: 0\n')
  t.equal(vmxValue(node1, 'scsi0:0.fileName'), 'master-cl1.vmdk', 'deltas merged back into the clone disk')

  for (const node of nodes) {
    t.equal((await h.vmrun(['-T', 'ws', 'deleteVM', node])).stdout, '')
    t.notOk(fs.existsSync(path.dirname(node)), `${path.basename(node)} and its folder are gone`)
  }
  t.notMatch(fs.readFileSync(master.replace(/\.vmx$/, '.vmsd'), 'utf8'), /numClones/, 'clones struck from the parent')
  t.equal((await h.vmrun(['-T', 'ws', 'deleteSnapshot', master, 'base'])).exitCode, 0)
  t.equal(vmxValue(master, 'scsi0:0.fileName'), 'master.vmdk')
  t.equal((await h.vmrun(['-T', 'ws', 'deleteVM', master])).exitCode, 0)
  t.same(fs.readdirSync(h.root).sort(), ['iso', 'state'], 'no VM and no VM file left')
  t.equal((await h.vmrun(['-T', 'ws', 'list'])).stdout, 'Total running VMs: 0\n')
})

t.test('a VM without an OEMDRV disc keeps running', async (t) => {
  const h = host(t)
  const vmx = await makeBase(t, h, 'plain', 'NOT-A-KS')
  t.equal((await h.vmrun(['start', vmx, 'nogui'])).exitCode, 0)
  await sleep(INSTALL_MS + 200)
  t.equal((await h.vmrun(['list'])).stdout, `Total running VMs: 1\n${vmx}\n`)
})

t.test('error texts and exit codes', async (t) => {
  const h = host(t)
  const vmx = await makeBase(t, h, 'master', 'NO-KICKSTART')
  const missing = path.join(h.root, 'nope', 'nope.vmx')
  const check = async (args: string[], stdout: string, exitCode = 255) => {
    const r = await h.vmrun(['-T', 'ws', ...args])
    t.equal(r.stdout, stdout, args.join(' '))
    t.equal(r.exitCode, exitCode, `exit code of ${args[0]}`)
  }
  await check(['start', missing], `Error: Cannot open VM: ${missing}, The virtual machine cannot be found\n`)
  await check(['start', path.join(h.root, 'disk.vmdk')], `Error: Cannot open VM: ${path.join(h.root, 'disk.vmdk')}, unknown file suffix\n`)
  await check(['stop', vmx, 'hard'], `Error: The virtual machine is not powered on: ${vmx}\n`)
  await check(['getGuestIPAddress', vmx], `Error: The virtual machine is not powered on: ${vmx}\n`)
  await check(['checkToolsState', vmx], 'unknown\n', 254)
  await check(['revertToSnapshot', vmx, 'nothing'], 'Error: The snapshot does not exist\n')
  await check(['deleteSnapshot', vmx, 'nothing'], 'Error: The snapshot does not exist\n')
  await check(['clone', vmx, path.join(h.root, 'c', 'c.vmx'), 'linked', '-snapshot=nothing'], "Error: Invalid snapshot name 'nothing'\n")
  await check(['snapshot', vmx, 'twin'], '', 0)
  await check(['snapshot', vmx, 'twin'], '', 0)
  await check(['listSnapshots', vmx, 'showTree'], 'Total snapshots: 2\ntwin\n\ttwin\n', 0)
  await check(['revertToSnapshot', vmx, 'twin'], 'Error: The name does not uniquely identify one snapshot\n')
  await check(['revertToSnapshot', vmx, 'twin/twin'], '', 0)
  await check(['clone', vmx, vmx, 'full'], 'Error: The file already exists\n')

  await check(['start', vmx, 'nogui'], '', 0)
  await check(['getGuestIPAddress', vmx], `Error: The VMware Tools are not running in the virtual machine: ${vmx}\n`)
  await check(['stop', vmx], `Error: The VMware Tools are not running in the virtual machine: ${vmx}\n`)
  await check(['stop', vmx, 'hard'], '', 0)

  const broken = path.join(h.root, 'broken.vmx')
  fs.writeFileSync(broken, '.encoding = "UTF-8"\ndisplayName = "broken\nscsi0:0.fileName = "broken.vmdk"\n')
  await check(['start', broken], `Error: Cannot open VM: ${broken}, Cannot read the virtual machine configuration file\n`)

  const diskless = path.join(h.root, 'diskless', 'diskless.vmx')
  fs.mkdirSync(path.dirname(diskless))
  fs.writeFileSync(diskless, vmxText('diskless', path.join(h.root, 'iso')))
  await check(['start', diskless, 'nogui'], 'Error: The operation was canceled\n')
  const log = fs.readFileSync(path.join(path.dirname(diskless), 'vmware.log'), 'utf8')
  t.match(log, /\[msg\.disk\.noBackEnd\] Cannot open the disk '.*diskless\.vmdk' or one of the snapshot disks it depends on\./)
  t.equal((await h.vmrun(['list'])).stdout, 'Total running VMs: 0\n', 'the VM did not start')
})

t.test('VMware writes its configuration back when a running VM powers off', async (t) => {
  const h = host(t)
  const vmx = await makeBase(t, h, 'm', 'NO-KICKSTART')
  t.equal((await h.vmrun(['start', vmx, 'nogui'])).exitCode, 0)
  fs.writeFileSync(vmx, fs.readFileSync(vmx, 'utf8').replace('00:50:56:01:00:0a', '00:50:56:01:00:99'))
  t.equal((await h.vmrun(['stop', vmx, 'hard'])).exitCode, 0)
  t.equal(vmxValue(vmx, 'ethernet1.address'), '00:50:56:01:00:0a', 'an edit made while running is lost')
  fs.writeFileSync(vmx, fs.readFileSync(vmx, 'utf8').replace('00:50:56:01:00:0a', '00:50:56:01:00:99'))
  t.equal((await h.vmrun(['start', vmx, 'nogui'])).exitCode, 0)
  t.equal((await h.vmrun(['stop', vmx, 'hard'])).exitCode, 0)
  t.equal(vmxValue(vmx, 'ethernet1.address'), '00:50:56:01:00:99', 'an edit made while off is kept')
})

t.test('VMware Player has no snapshots and no clones', async (t) => {
  const h = host(t, { VMLAB_SIM_VMWARE_PRODUCT: 'player' })
  const vmx = await makeBase(t, h)
  for (const args of [
    ['snapshot', vmx, 's'],
    ['listSnapshots', vmx],
    ['revertToSnapshot', vmx, 's'],
    ['deleteSnapshot', vmx, 's'],
    ['clone', vmx, path.join(h.root, 'c', 'c.vmx'), 'linked', '-snapshot=s'],
  ]) {
    const r = await h.vmrun(['-T', 'player', ...args])
    t.equal(r.stdout, 'Error: The operation is not supported\n', args.join(' '))
    t.equal(r.exitCode, 255)
  }
  const ws = await h.vmrun(['-T', 'ws', 'list'])
  t.equal(ws.stdout, 'Unable to connect to host.\nError: Service type VIX_SERVICEPROVIDER_VMWARE_WORKSTATION was specified, but not installed\n')
  t.equal(ws.exitCode, 255)
  t.equal((await h.vmrun(['-T', 'player', 'start', vmx, 'nogui'])).exitCode, 0)
  t.equal((await h.vmrun(['-T', 'player', 'list'])).stdout, `Total running VMs: 1\n${vmx}\n`)
})

t.test('parallel linked clones of one snapshot', async (t) => {
  const h = host(t)
  const master = await makeBase(t, h, 'master', 'NO-KICKSTART')
  t.equal((await h.vmrun(['snapshot', master, 'base'])).exitCode, 0)
  const clones = Array.from({ length: 6 }, (_, i) => path.join(h.root, `n${i}`, `n${i}.vmx`))
  const results = await Promise.all(clones.map((c, i) => h.vmrun(['-T', 'ws', 'clone', master, c, 'linked', '-snapshot=base', `-cloneName=n${i}`])))
  t.same(
    results.map((r) => [r.exitCode, r.stdout]),
    clones.map(() => [0, '']),
  )
  const vmsd = fs.readFileSync(master.replace(/\.vmx$/, '.vmsd'), 'utf8')
  t.match(vmsd, /snapshot0\.numClones = "6"/)
  for (const c of clones) t.ok(vmsd.includes(`= "${c}"`), `${path.basename(c)} recorded in the parent`)
  const started = await Promise.all(clones.map((c) => h.vmrun(['start', c, 'nogui'])))
  t.same(
    started.map((r) => r.exitCode),
    clones.map(() => 0),
  )
  t.match((await h.vmrun(['list'])).stdout, /^Total running VMs: 6\n/)
})

t.test('a linked clone without -snapshot hangs from a new snapshot named "Clone"', async (t) => {
  const h = host(t)
  const master = await makeBase(t, h)
  const node = path.join(h.root, 'n', 'n.vmx')
  t.equal((await h.vmrun(['clone', master, node, 'linked'])).exitCode, 0)
  t.equal((await h.vmrun(['listSnapshots', master])).stdout, 'Total snapshots: 1\nClone\n')
  t.equal(vmxValue(node, 'displayName'), 'Clone of master')
  const full = path.join(h.root, 'f', 'f.vmx')
  t.equal((await h.vmrun(['clone', master, full, 'full', '-snapshot=Clone'])).exitCode, 0)
  t.notMatch(
    fs
      .readFileSync(path.join(h.root, 'f', 'master-cl1.vmdk'))
      .subarray(512, 10752)
      .toString(),
    /parentFileNameHint/,
  )
})

t.test('VMLAB_SIM_LOCK_SECONDS: the VMware process of a stopped VM holds its files a while', async (t) => {
  const h = host(t)
  const vmx = await makeBase(t, h, 'plain', 'NOT-A-KS')
  const held = { VMLAB_SIM_LOCK_SECONDS: '60' }
  t.equal((await h.vmrun(['start', vmx, 'nogui'], held)).exitCode, 0)
  t.equal((await h.vmrun(['stop', vmx, 'hard'], held)).exitCode, 0)
  t.equal((await h.vmrun(['list'], held)).stdout, 'Total running VMs: 0\n', 'off at once')
  for (const args of [
    ['deleteVM', vmx],
    ['start', vmx, 'nogui'],
    ['snapshot', vmx, 's'],
    ['clone', vmx, `${vmx}-2.vmx`, 'full'],
  ]) {
    const r = await h.vmrun(args, held)
    t.same([r.exitCode, r.stdout], [255, 'Error: The file is already in use\n'], `${args[0]} while the files are held`)
  }
  t.equal((await h.vmrun(['listSnapshots', vmx], held)).stdout, 'Total snapshots: 0\n', 'reading works meanwhile')
  // Time passes (the knob read anew by each call): the files are let go.
  t.equal((await h.vmrun(['deleteVM', vmx], { VMLAB_SIM_LOCK_SECONDS: '0' })).exitCode, 0)
  t.notOk(fs.existsSync(vmx), 'deleted once let go')
})

t.test('VMLAB_SIM_SNAPSHOT_SECONDS: vmrun snapshot takes the time set, and the snapshot exists when it returns', async (t) => {
  const h = host(t)
  const master = await makeBase(t, h)
  const started = Date.now()
  t.equal((await h.vmrun(['snapshot', master, 'slow'], { VMLAB_SIM_SNAPSHOT_SECONDS: '1' })).exitCode, 0)
  t.ok(Date.now() - started >= 1000, 'vmrun snapshot took the time set')
  t.equal((await h.vmrun(['listSnapshots', master])).stdout, 'Total snapshots: 1\nslow\n')
  t.match((await h.vmrun(['snapshot', master, 'x'], { VMLAB_SIM_SNAPSHOT_SECONDS: 'soon' })).stderr, /VMLAB_SIM_SNAPSHOT_SECONDS must be a number of seconds/)
})

t.test('VMLAB_SIM_SNAPSHOT_HOLD: a snapshot is in progress while the file exists, and other commands run meanwhile', async (t) => {
  const h = host(t)
  const master = await makeBase(t, h)
  const hold = path.join(h.root, 'hold')
  fs.writeFileSync(hold, '')
  let done = false
  const take = h.vmrun(['snapshot', master, 'held'], { VMLAB_SIM_SNAPSHOT_HOLD: hold }).then((r) => {
    done = true
    return r
  })
  // However long these take on a busy machine, the snapshot cannot finish before the file goes.
  t.equal((await h.vmrun(['listSnapshots', master])).stdout, 'Total snapshots: 0\n', 'not there while it is held: the host state lock is free meanwhile')
  await new Promise((r) => setTimeout(r, 300))
  t.notOk(done, 'still in progress')
  fs.rmSync(hold)
  t.equal((await take).exitCode, 0)
  t.equal((await h.vmrun(['listSnapshots', master])).stdout, 'Total snapshots: 1\nheld\n')
})

t.test('simulated VMware Tools answer for an installed, running guest', async (t) => {
  const h = host(t, { VMLAB_SIM_VMWARE_TOOLS: '1' })
  const vmx = await makeBase(t, h)
  await h.vmrun(['start', vmx, 'nogui'])
  t.equal((await h.vmrun(['checkToolsState', vmx])).stdout, 'unknown\n', 'the installer has no Tools')
  await waitForInstall(h, vmx)
  await h.vmrun(['start', vmx, 'nogui'])
  t.equal((await h.vmrun(['checkToolsState', vmx])).stdout, 'running\n')
  const mac = (vmxValue(vmx, 'ethernet0.generatedAddress') ?? '').split(':').map((o) => parseInt(o, 16))
  const ip = await h.vmrun(['getGuestIPAddress', vmx, '-wait'])
  t.equal(ip.stdout, `192.168.${mac[4]}.${(mac[5]! % 254) + 1}\n`)
  t.equal((await h.vmrun(['stop', vmx, 'soft'])).exitCode, 0)
  t.equal(vmxValue(vmx, 'softPowerOff'), 'TRUE')
})

t.test('injected failures happen once', async (t) => {
  const h = host(t, { VMLAB_SIM_FAIL: 'start,clone:0=Error: The operation was canceled' })
  const vmx = await makeBase(t, h, 'm', 'NONE')
  const first = await h.vmrun(['start', vmx, 'nogui'])
  t.same([first.exitCode, first.stdout], [255, 'Error: Unknown error\n'])
  t.equal((await h.vmrun(['start', vmx, 'nogui'])).exitCode, 0)
  const clone = await h.vmrun(['clone', vmx, path.join(h.root, 'c', 'c.vmx'), 'full'])
  t.same([clone.exitCode, clone.stdout], [0, 'Error: The operation was canceled\n'], 'an error with exit code 0')
  t.equal((await h.vmrun(['clone', vmx, path.join(h.root, 'c', 'c.vmx'), 'full'])).stdout, '')

  const disk = await h.vdisk(['-c', '-s', '1GB', '-a', 'ide', '-t', '0', path.join(h.root, 'x.vmdk')], {
    VMLAB_SIM_FAIL: 'vdiskmanager',
  })
  t.same([disk.exitCode, disk.stdout], [1, 'Failed to create disk: Unknown error (0x1).\n'])
})

t.test('a Windows host ends lines with CRLF', async (t) => {
  const h = host(t, { VMLAB_SIM_HOST_OS: 'windows' })
  t.equal((await h.vmrun(['list'])).stdout, 'Total running VMs: 0\r\n')
  const r = await h.vmrun(['stop', path.join(h.root, 'x.vmx')])
  t.equal(r.stdout, `Error: Cannot open VM: ${path.join(h.root, 'x.vmx')}, The virtual machine cannot be found\r\n`)
  t.equal(r.exitCode, 255, 'a POSIX process cannot exit with 4294967295; see README-vmware.md')
})

t.test('VMLAB_SIM_HANG: the named vmrun command, vmrun alone (`usage`) or vdiskmanager hangs without a word', async (t) => {
  const h = host(t)
  const env = { VMLAB_SIM_STATE: path.join(h.root, 'state'), NODE_OPTIONS: '' }
  const hung = (file: string, args: string[], hang: string) => run(file, args, { env: { ...env, VMLAB_SIM_HANG: hang }, timeoutMs: 1500 }).catch((e: unknown) => e)
  t.match(await hung(VMRUN, [], 'usage'), { name: 'CommandTimeoutError', stdout: '', stderr: '' }, 'vmrun alone')
  t.match(await hung(VMRUN, ['-T', 'ws', 'list'], 'list'), { name: 'CommandTimeoutError', stdout: '' }, 'vmrun list')
  t.match(await hung(VDISK, ['-c', '-s', '1GB', '-a', 'lsilogic', '-t', '0', path.join(h.root, 'd.vmdk')], 'vdiskmanager'), { name: 'CommandTimeoutError' }, 'vdiskmanager')
  t.notOk(fs.existsSync(path.join(h.root, 'd.vmdk')), 'a hung vdiskmanager made nothing')
  const other = await run(VMRUN, ['-T', 'ws', 'list'], { env: { ...env, VMLAB_SIM_HANG: 'clone' }, reject: false })
  t.equal(other.stdout, 'Total running VMs: 0\n', 'a command not named answers')
})

t.test('pause and unpause; a memory snapshot reverted to leaves the VM suspended, and start resumes it without a boot', async (t) => {
  const h = host(t, { VMLAB_SIM_LOCK_SECONDS: '0' })
  const vmx = await makeBase(t, h, 'plain', 'NOT-A-KS')
  const boots = () => (JSON.parse(fs.readFileSync(path.join(h.root, 'state', 'vmware-host.json'), 'utf8')) as { boots: Record<string, number> }).boots[vmx]
  t.equal((await h.vmrun(['-T', 'ws', 'snapshot', vmx, 'off'])).exitCode, 0)
  t.equal((await h.vmrun(['-T', 'ws', 'pause', vmx])).stdout, `Error: The virtual machine is not powered on: ${vmx}\n`, 'a VM that is off cannot pause')
  await h.vmrun(['-T', 'ws', 'start', vmx, 'nogui'])
  t.equal(boots(), 1, 'a power-on boots the guest')
  t.match(await h.vmrun(['-T', 'ws', 'pause', vmx]), { stdout: '', stderr: '', exitCode: 0 }, 'pause prints nothing')
  t.equal((await h.vmrun(['-T', 'ws', 'list'])).stdout, `Total running VMs: 1\n${vmx}\n`, 'a paused VM is listed')
  t.equal((await h.vmrun(['-T', 'ws', 'snapshot', vmx, 'ready'])).exitCode, 0)
  t.ok(
    fs.readdirSync(path.dirname(vmx)).some((f) => f.endsWith('.vmem')),
    'a paused VM is snapshotted with its memory',
  )
  t.match(await h.vmrun(['-T', 'ws', 'unpause', vmx]), { stdout: '', stderr: '', exitCode: 0 }, 'unpause prints nothing')

  t.equal((await h.vmrun(['-T', 'ws', 'revertToSnapshot', vmx, 'ready'])).stdout, '')
  t.equal((await h.vmrun(['-T', 'ws', 'list'])).stdout, 'Total running VMs: 0\n', 'reverted: not running')
  t.ok(fs.existsSync(vmx.replace(/\.vmx$/, '.vmss')), 'but suspended')
  await h.vmrun(['-T', 'ws', 'start', vmx, 'nogui'])
  t.equal(boots(), 1, 'resumed, not booted')
  t.match(fs.readFileSync(path.join(path.dirname(vmx), 'vmware.log'), 'utf8'), /Guest: resumed from the suspended state/)

  t.equal((await h.vmrun(['-T', 'ws', 'revertToSnapshot', vmx, 'off'])).stdout, '')
  t.notOk(fs.existsSync(vmx.replace(/\.vmx$/, '.vmss')), 'a snapshot taken powered off leaves the VM off')
  await h.vmrun(['-T', 'ws', 'start', vmx, 'nogui'])
  t.equal(boots(), 2, 'that one boots')
})
