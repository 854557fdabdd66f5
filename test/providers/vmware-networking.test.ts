import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseNetworkingConfig, parseUnixNetworking, parseWindowsDhcpConf, prefixOfNetmask, vmnetForCidr } from '../../src/providers/vmware/networking.js'
import { checkLabNetwork, networkingConfigPath, readVmnets } from '../../src/providers/vmware/network-check.js'

const FIX = join(import.meta.dirname, '..', 'fixtures', 'vmware-provider')
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8')

t.test('Linux networking file: host-only, NAT, bridged, custom vmnets', async (t) => {
  t.same(parseUnixNetworking(fixture('networking-linux')), [
    { name: 'vmnet0', number: 0, kind: 'bridged' },
    { name: 'vmnet1', number: 1, kind: 'hostonly', cidr: '192.168.181.0/24', hostAdapter: true },
    { name: 'vmnet2', number: 2, kind: 'hostonly', cidr: '10.10.20.0/24', hostAdapter: true },
    { name: 'vmnet3', number: 3, kind: 'hostonly', cidr: '172.20.0.0/16', hostAdapter: false },
    { name: 'vmnet8', number: 8, kind: 'nat', cidr: '192.168.207.0/24', hostAdapter: true },
  ])
})

t.test('Fusion networking file (same format, macOS bridge names)', async (t) => {
  const vmnets = parseNetworkingConfig(fixture('networking-fusion'))
  t.same(
    vmnets.map((v) => [v.name, v.kind, v.cidr]),
    [
      ['vmnet1', 'hostonly', '172.16.212.0/24'],
      ['vmnet2', 'bridged', undefined],
      ['vmnet8', 'nat', '192.168.56.0/24'],
    ],
  )
})

t.test('Windows vmnetdhcp.conf with CRLF, NAT device from vmnetnat.conf', async (t) => {
  const vmnets = parseWindowsDhcpConf(fixture('vmnetdhcp.conf'), fixture('vmnetnat.conf'))
  t.same(vmnets, [
    { name: 'vmnet1', number: 1, kind: 'hostonly', cidr: '192.168.190.0/24' },
    { name: 'vmnet2', number: 2, kind: 'hostonly', cidr: '192.168.56.0/24' },
    { name: 'vmnet8', number: 8, kind: 'nat', cidr: '192.168.136.0/24' },
  ])
  t.same(parseNetworkingConfig(fixture('vmnetdhcp.conf')), vmnets, 'sniffed; vmnet8 is NAT without vmnetnat.conf too')
})

t.test('netmasks', async (t) => {
  t.equal(prefixOfNetmask('255.255.255.0'), 24)
  t.equal(prefixOfNetmask('255.255.0.0'), 16)
  t.equal(prefixOfNetmask('255.255.255.255'), 32)
  t.equal(prefixOfNetmask('255.0.255.0'), undefined)
  t.equal(prefixOfNetmask('x'), undefined)
})

t.test('which vmnet a lab uses', async (t) => {
  const linux = parseUnixNetworking(fixture('networking-linux'))
  t.equal(vmnetForCidr(linux, '192.168.181.0/24')?.name, 'vmnet1')
  t.equal(vmnetForCidr(linux, '10.10.20.0/24')?.name, 'vmnet2', 'a custom host-only vmnet')
  t.equal(vmnetForCidr(linux, '192.168.207.0/24'), undefined, 'never the NAT network')
  t.equal(vmnetForCidr(linux, '192.168.181.0/25'), undefined, 'the prefix must match too')
  const both = [...linux, { name: 'vmnet5', number: 5, kind: 'hostonly' as const, cidr: '192.168.181.0/24' }]
  t.equal(vmnetForCidr(both, '192.168.181.0/24')?.name, 'vmnet1', 'vmnet1 first')
})

t.test("preflight: mismatch names vmnet1's subnet and both fixes", async (t) => {
  const check = checkLabNetwork({
    vmnets: parseUnixNetworking(fixture('networking-linux')),
    source: '/etc/vmware/networking',
    cidr: '192.168.56.0/24',
    platform: 'linux',
  })
  t.equal(check.vmnet, undefined)
  t.equal(check.problems.length, 1)
  const p = check.problems[0]!
  t.equal(p.fatal, true)
  t.equal(p.problem, "VMware's host-only network vmnet1 uses 192.168.181.0/24, but the lab's network is 192.168.56.0/24 (and no other host-only vmnet has that subnet)")
  t.match(p.fix, "change the lab's network.cidr to 192.168.181.0/24, or change vmnet1 to subnet 192.168.56.0 mask 255.255.255.0 in the Virtual Network Editor (sudo vmware-netcfg)")
})

t.test('preflight: a match, a custom vmnet, no host adapter, unreadable config', async (t) => {
  const linux = parseUnixNetworking(fixture('networking-linux'))
  t.same(checkLabNetwork({ vmnets: linux, source: 'f', cidr: '192.168.181.0/24', platform: 'linux' }), { vmnet: 'vmnet1', problems: [] })
  t.same(checkLabNetwork({ vmnets: linux, source: 'f', cidr: '10.10.20.0/24', platform: 'linux' }), { vmnet: 'vmnet2', problems: [] })
  const noAdapter = checkLabNetwork({ vmnets: linux, source: 'f', cidr: '172.20.0.0/16', platform: 'linux' })
  t.equal(noAdapter.vmnet, undefined)
  t.match(noAdapter.problems[0], { fatal: true, fix: /Connect a host virtual adapter to this network" for vmnet3/ })
  const unreadable = checkLabNetwork({ vmnets: undefined, source: '/etc/vmware/networking', cidr: '192.168.56.0/24', platform: 'linux' })
  t.match(unreadable.problems[0], { fatal: true, problem: /cannot read VMware's network configuration at \/etc\/vmware\/networking/, fix: /VMLAB_VMWARE_NETWORKING/ })
  const win = checkLabNetwork({ vmnets: undefined, source: 'C:\\ProgramData\\VMware\\vmnetdhcp.conf', cidr: '192.168.56.0/24', platform: 'win32' })
  t.equal(win.vmnet, 'vmnet1', 'Windows: vmnet1 with a warning')
  t.match(win.problems[0], { fatal: false, fix: /Virtual Network Editor/ })
  const mac = checkLabNetwork({ vmnets: parseNetworkingConfig(fixture('networking-fusion')), source: 'f', cidr: '192.168.56.0/24', platform: 'darwin' })
  t.match(mac.problems[0], { fatal: true, problem: /vmnet1 uses 172\.16\.212\.0\/24/, fix: /VMware Fusion > Settings > Network/ })
})

t.test('where the configuration is read from', async (t) => {
  t.equal(networkingConfigPath('linux', {}), '/etc/vmware/networking')
  t.equal(networkingConfigPath('darwin', {}), '/Library/Preferences/VMware Fusion/networking')
  t.match(networkingConfigPath('win32', { ProgramData: 'D:\\PD' }), /D:\\PD.VMware.vmnetdhcp\.conf$/)
  t.equal(networkingConfigPath('linux', { VMLAB_VMWARE_NETWORKING: '/tmp/n' }), '/tmp/n')
  t.equal(readVmnets(join(FIX, 'missing')), undefined)
  t.equal(readVmnets(join(FIX, 'networking-lab'))?.find((v) => v.number === 1)?.cidr, '192.168.56.0/24')
})
