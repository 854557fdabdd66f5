import t from 'tap'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CliRunner } from '../../src/providers/cli-runner.js'
import { findVmwareInstall, parseRegInstallPath, productOf, WINDOWS_INSTALL_KEYS } from '../../src/providers/vmware/install.js'
import { VmFolders } from '../../src/providers/vmware/vm-folders.js'
import { parentFileNameHint } from '../../src/providers/vmware/vmdk.js'
import { copyVmdk, descriptorExtents } from '../../src/providers/vmware/disk-image.js'

const FIX = join(import.meta.dirname, '..', 'fixtures', 'vmware-provider')

function program(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, name)
  writeFileSync(file, '#!/bin/sh\n')
  chmodSync(file, 0o755)
  return file
}

t.test('reg query output', async (t) => {
  const out = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\VMware, Inc.\\VMware Workstation\r\n    InstallPath    REG_SZ    C:\\Program Files (x86)\\VMware\\VMware Workstation\\\r\n\r\n'
  t.equal(parseRegInstallPath(out), 'C:\\Program Files (x86)\\VMware\\VMware Workstation\\')
  t.equal(parseRegInstallPath('ERROR: The system was unable to find the specified registry key or value.'), undefined)
})

t.test('Windows: vmrun from the registry when it is not on PATH or in Program Files', async (t) => {
  const dir = t.testdir({})
  const install = join(dir, 'VMware Workstation')
  const vmrun = program(install, 'vmrun')
  program(install, 'vmware-vdiskmanager')
  program(install, 'vmware')
  const asked: string[][] = []
  const runner: CliRunner = {
    dryRun: false,
    run: async (file, args) => {
      asked.push([file, ...args])
      const found = args[1] === WINDOWS_INSTALL_KEYS[1]
      return {
        command: [file, ...args],
        exitCode: found ? 0 : 1,
        stdout: found ? `\r\n${args[1]}\r\n    InstallPath    REG_SZ    ${install}\r\n\r\n` : '',
        stderr: found ? '' : 'ERROR: The system was unable to find the specified registry key or value.\r\n',
        durationMs: 1,
      }
    },
  }
  const found = await findVmwareInstall({ runner, env: { PATH: '' }, platform: 'win32' })
  t.same(found, { vmrun, vdiskmanager: join(install, 'vmware-vdiskmanager'), product: 'workstation' })
  t.same(
    asked,
    WINDOWS_INSTALL_KEYS.slice(0, 2).map((k) => ['reg', 'query', k, '/v', 'InstallPath']),
  )
  t.equal(await findVmwareInstall({ runner, env: { PATH: '' }, platform: 'linux' }), undefined, 'no registry elsewhere')
})

t.test('product from the programs beside vmrun, as Packer decides', async (t) => {
  const dir = t.testdir({})
  const ws = program(join(dir, 'ws'), 'vmrun')
  program(join(dir, 'ws'), 'vmware')
  program(join(dir, 'ws'), 'vmplayer')
  const player = program(join(dir, 'player'), 'vmrun')
  program(join(dir, 'player'), 'vmplayer')
  const bare = program(join(dir, 'bare'), 'vmrun')
  t.equal(productOf(ws, 'linux', { PATH: '' }), 'workstation')
  t.equal(productOf(player, 'linux', { PATH: '' }), 'player')
  t.equal(productOf(bare, 'linux', { PATH: '' }), 'unknown')
  t.equal(productOf(bare, 'darwin', { PATH: '' }), 'fusion')
})

t.test('.vmx paths compare without case on macOS and Windows only', async (t) => {
  const a = '/Users/Jane/vmlab/vmware/vmlab-swarm-master/vmlab-swarm-master.vmx'
  const b = '/users/jane/VMLAB/vmware/vmlab-swarm-master/./vmlab-swarm-master.vmx'
  t.ok(new VmFolders('/x', 'darwin').samePath(a, b))
  t.ok(new VmFolders('/x', 'win32').samePath(a, b))
  t.notOk(new VmFolders('/x', 'linux').samePath(a, b))
  t.ok(new VmFolders('/x', 'linux').samePath(a, a.replace('/vmlab-swarm-master.vmx', '/../vmlab-swarm-master/vmlab-swarm-master.vmx')))
})

t.test('a linked clone names its parent disk (Windows path with spaces)', async (t) => {
  t.equal(parentFileNameHint(readFileSync(join(FIX, 'linked-clone-windows.vmdk'), 'utf8')), 'C:\\Users\\Jane Doe\\vmlab\\vmware\\vmlab-base-rocky9-1a2b3c4d\\vmlab-base-rocky9-1a2b3c4d-000001.vmdk')
  t.equal(parentFileNameHint(readFileSync(join(FIX, 'split-base.vmdk'), 'utf8')), undefined)
})

t.test('a split disk is copied with its extents', async (t) => {
  const dir = t.testdir({ src: {}, dst: {} })
  const text = readFileSync(join(FIX, 'split-base.vmdk'), 'utf8')
  t.same(descriptorExtents(text), ['split-base-s001.vmdk', 'split-base-s002.vmdk', 'split-base-s003.vmdk'])
  writeFileSync(join(dir, 'src', 'split-base.vmdk'), text)
  for (const e of descriptorExtents(text)) writeFileSync(join(dir, 'src', e), e)
  copyVmdk(join(dir, 'src', 'split-base.vmdk'), join(dir, 'dst', 'split-base.vmdk'))
  t.equal(readFileSync(join(dir, 'dst', 'split-base-s002.vmdk'), 'utf8'), 'split-base-s002.vmdk')
  t.equal(readFileSync(join(dir, 'dst', 'split-base.vmdk'), 'utf8'), text)
  writeFileSync(join(dir, 'src', 'text.vmdk'), 'hello')
  t.throws(() => copyVmdk(join(dir, 'src', 'text.vmdk'), join(dir, 'dst', 'text.vmdk')), { name: 'InputError', message: /is not a VMware virtual disk/ })
})
