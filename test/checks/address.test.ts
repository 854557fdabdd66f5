import t from 'tap'
import { check, node } from './node-lab.js'

/** `ip -o link show` of a QEMU node: the NAT NIC, then the lab NIC. */
const LINKS =
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
  '2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\\    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n' +
  '3: ens4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\\    link/ether 52:54:00:a8:38:0a brd ff:ff:ff:ff:ff:ff\n'
const LO = '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n'
const NAT = '2: ens3    inet 10.0.2.15/24 metric 1024 brd 10.0.2.255 scope global dynamic ens3\\       valid_lft 86331sec preferred_lft 86331sec\n'
const lab = (ip: string, flags = '', prefix = 24) =>
  `3: ens4    inet ${ip}/${prefix} brd 192.168.56.255 scope global ${flags}ens4\\       valid_lft ${flags.includes('dynamic') ? '3564sec preferred_lft 3564sec' : 'forever preferred_lft forever'}\n`

const at = (addrs: string, o: { nm?: string; files?: string } = {}) => node({ links: { out: LINKS }, addrs: { out: LO + NAT + addrs }, nm: { out: o.nm ?? '' }, files: { out: o.files ?? '' } })

const NETWORKD = '#file /etc/systemd/network/10-vmlab-lab.network\n# The lab network (written by vmlab-identity)\n[Match]\nMACAddress=52:54:00:a8:38:0a\n\n[Network]\nAddress=192.168.56.10/24\n\n'
const IFUPDOWN_DHCP = '#file /etc/network/interfaces\nsource /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\nallow-hotplug ens3\niface ens3 inet dhcp\n\n'
const IFUPDOWN_STATIC = `${IFUPDOWN_DHCP}#file /etc/network/interfaces.d/ens4\nauto ens4\niface ens4 inet static\n    address 192.168.56.12\n    netmask 255.255.255.0\n\n`
const NM_STATIC = '#connection ens4\nconnection.id:Wired connection 2\nipv4.method:manual\nipv4.addresses:192.168.56.11/24\n#connection ens3\nconnection.id:ens3\nipv4.method:auto\nipv4.addresses:\n'

t.test('address: static in systemd-networkd, NetworkManager or ifupdown', async (t) => {
  const rows = await check('  - address: {}', {
    master: at(lab('192.168.56.10'), { files: IFUPDOWN_DHCP + NETWORKD }),
    node1: at(lab('192.168.56.11', 'noprefixroute '), { nm: NM_STATIC }),
    node2: at(lab('192.168.56.12'), { files: IFUPDOWN_STATIC }),
  })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['master', true, '192.168.56.10/24 on ens4, static in systemd-networkd (/etc/systemd/network/10-vmlab-lab.network)'],
      ['node1', true, "192.168.56.11/24 on ens4, static in NetworkManager connection 'Wired connection 2'"],
      ['node2', true, '192.168.56.12/24 on ens4, static in /etc/network/interfaces.d/ens4'],
    ],
  )
  t.equal(rows[0]!.expected, '192.168.56.10/24 on a NIC, configured statically (kept after a reboot)')
})

t.test('address: EL ifcfg files (network-scripts) and netplan', async (t) => {
  const ifcfg = '#file /etc/sysconfig/network-scripts/ifcfg-ens4\nTYPE=Ethernet\nBOOTPROTO="static"\nNAME=ens4\nDEVICE=ens4\nONBOOT=yes\nIPADDR=192.168.56.10\nNETMASK=255.255.255.0\n\n'
  const netplan = '#file /etc/netplan/01-lab.yaml\nnetwork:\n  version: 2\n  ethernets:\n    ens4:\n      addresses: [192.168.56.11/24]\n\n'
  const rows = await check('  - address: { nodes: [master, node1] }', { master: at(lab('192.168.56.10'), { files: ifcfg }), node1: at(lab('192.168.56.11'), { files: netplan }) })
  t.same(
    rows.map((r) => [r.passed, r.found]),
    [
      [true, '192.168.56.10/24 on ens4, static in /etc/sysconfig/network-scripts/ifcfg-ens4'],
      [true, '192.168.56.11/24 on ens4, static in netplan (/etc/netplan/01-lab.yaml)'],
    ],
  )
  const dhcp = ifcfg.replace('BOOTPROTO="static"', 'BOOTPROTO=dhcp')
  const [row] = await check('  - address: { nodes: [master] }', { master: at(lab('192.168.56.10'), { files: dhcp }) })
  t.same([row!.passed, row!.found], [false, '192.168.56.10/24 on ens4 is set for now only: no network configuration keeps it after a reboot'])
})

t.test('address: DHCP, added by hand only, missing, not applied yet, the wrong prefix', async (t) => {
  const nmDhcp = '#connection ens4\nconnection.id:Wired connection 2\nipv4.method:auto\nipv4.addresses:\n'
  const rows = await check('  - address: {}', {
    master: at(lab('192.168.56.10', 'dynamic noprefixroute '), { nm: nmDhcp }),
    node1: at(lab('192.168.56.11'), { files: IFUPDOWN_DHCP }),
    node2: at('', { files: IFUPDOWN_STATIC }),
  })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['master', false, "192.168.56.10/24 on ens4 comes from DHCP: NetworkManager connection 'Wired connection 2' (ipv4.method auto) does not set it statically"],
      ['node1', false, '192.168.56.11/24 on ens4 is set for now only: no network configuration keeps it after a reboot'],
      ['node2', false, '192.168.56.12 is on no NIC (ens3: 10.0.2.15/24 (DHCP); ens4: no address); /etc/network/interfaces.d/ens4 sets it, but it is not in use yet'],
    ],
  )
  const [wide] = await check('  - address: { nodes: [master] }', { master: at(lab('192.168.56.10', '', 16), { files: NETWORKD }) })
  t.same([wide!.passed, wide!.found], [false, '192.168.56.10/16 on ens4: the lab network is /24'])
  const [dhcp] = await check('  - address: { nodes: [master] }', { master: at(lab('192.168.56.10', 'dynamic '), { files: IFUPDOWN_DHCP }) })
  t.equal(dhcp!.found, '192.168.56.10/24 on ens4 comes from DHCP: no network configuration sets it statically')
  const [noIp] = await check('  - address: { nodes: [master] }', { master: node({ links: { out: '' }, addrs: { out: 'sh: 1: ip: not found\n', code: 127 }, nm: { out: '' }, files: { out: '' } }) })
  const [byHand] = await check('  - address: { nodes: [master] }', { master: at(lab('192.168.56.10'), { nm: nmDhcp }) })
  t.equal(byHand!.found, "192.168.56.10/24 on ens4 was added by hand: NetworkManager connection 'Wired connection 2' (ipv4.method auto) does not set it, so it is gone after a reboot")
  t.equal(noIp!.found, 'the ip command is missing, so the addresses cannot be read')
})
