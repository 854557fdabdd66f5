import t from 'tap'
import { check, node } from './node-lab.js'

/** `firewall-cmd --list-all` as firewalld 1.2 (Rocky 9) prints it. */
const zone = (services: string, ports: string, target = 'default') =>
  `public (active)\n  target: ${target}\n  icmp-block-inversion: no\n  interfaces: enp0s3 enp0s8\n  sources: \n  services: ${services}\n  ports: ${ports}\n  protocols: \n  forward: yes\n  masquerade: no\n  forward-ports: \n  source-ports: \n  icmp-blocks: \n  rich rules: `
const SWARM_XML = '#service docker-swarm\n<port protocol="tcp" port="2377"/>\n<port protocol="tcp" port="7946"/>\n<port protocol="udp" port="7946"/>\n<port protocol="udp" port="4789"/>\n'
const firewalld = (runtime: string, permanent: string, services = '') => node({ filter: { out: `#firewalld\n#runtime\n${runtime}\n#permanent\n${permanent}\n${services}` } })
const SWARM_PORTS = '2377/tcp 7946/tcp 7946/udp 4789/udp'

/** What this Debian 12 machine prints with neither ufw, nft nor iptables installed. */
const NOTHING = '#ufw\n#nft\n#iptables\n'

/** Debian 12 with docker.io: iptables-nft's tables, the FORWARD chain dropping, INPUT accepting. */
const DOCKER_NFT = `table ip nat {
\tchain DOCKER {
\t\tiifname "docker0" counter packets 0 bytes 0 return
\t}
}
table ip filter {
\tchain DOCKER {
\t}
\tchain FORWARD {
\t\ttype filter hook forward priority filter; policy drop;
\t\tcounter packets 0 bytes 0 jump DOCKER-USER
\t}
}`

/** /etc/nftables.conf with a drop policy and two accept rules (nft list ruleset's layout). */
const STRICT_NFT = `table inet filter {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state established,related accept
\t\tiifname "lo" accept
\t\ttcp dport 22 accept
\t\ttcp dport { 2377, 7946 } accept
\t\tudp dport 7946 accept
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t}
}`

t.test('firewall: no filter, docker rules only, firewalld with the ports or the docker-swarm service', async (t) => {
  const rows = await check('  - firewall: {}', {
    master: node({ filter: { out: NOTHING } }),
    node1: node({ filter: { out: `#ufw\n#nft\n${DOCKER_NFT}\n#iptables\n-P INPUT ACCEPT\n` } }),
    node2: firewalld(zone('ssh', SWARM_PORTS), zone('ssh', SWARM_PORTS)),
  })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['master', true, 'no firewall filters incoming traffic'],
      ['node1', true, 'no firewall filters incoming traffic'],
      ['node2', true, 'firewalld (zone public) lets them in'],
    ],
  )
  t.equal(rows[0]!.expected, '2377/tcp, 7946/tcp, 7946/udp, 4789/udp let in, also after a reboot')
  const [service] = await check('  - firewall: { nodes: [master] }', { master: firewalld(zone('docker-swarm ssh', ''), zone('docker-swarm ssh', ''), SWARM_XML) })
  t.same([service!.passed, service!.found], [true, 'firewalld (zone public) lets them in'])
  const [trusted] = await check('  - firewall: { nodes: [master] }', { master: firewalld(zone('', '', 'ACCEPT'), zone('', '', 'ACCEPT')) })
  t.equal(trusted!.passed, true)
})

t.test('firewall: closed ports named per node; open now but not permanently; stopped but back at boot', async (t) => {
  const rows = await check('  - firewall: {}', {
    master: firewalld(zone('cockpit dhcpv6-client ssh', ''), zone('cockpit dhcpv6-client ssh', '')),
    node1: firewalld(zone('ssh', SWARM_PORTS), zone('ssh', '2377/tcp')),
    node2: node({ filter: { out: `#firewalld-at-boot\n#permanent\n${zone('ssh', '2377/tcp')}\n` } }),
  })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['master', false, 'firewalld (zone public) blocks 2377/tcp, 7946/tcp, 7946/udp, 4789/udp'],
      ['node1', false, "7946/tcp, 7946/udp, 4789/udp open now, but not in firewalld's permanent configuration: closed again after a reload or reboot"],
      ['node2', false, 'firewalld is stopped but starts at boot, and its zone public then blocks 7946/tcp, 7946/udp, 4789/udp'],
    ],
  )
})

t.test('firewall: nftables, ufw and iptables filters; ports of the task', async (t) => {
  const rows = await check('  - firewall: {}', {
    master: node({ filter: { out: `#ufw\n#nft\n${STRICT_NFT}\n#iptables\n` } }),
    // ufw 0.36 (Debian 12), the swarm's ports allowed; 4789 only over tcp.
    node1: node({
      filter: {
        out: '#ufw\nStatus: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\nNew profiles: skip\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW IN    Anywhere\n2377/tcp                   ALLOW IN    Anywhere\n7946                       ALLOW IN    Anywhere\n4789/tcp                   ALLOW IN    Anywhere\n22/tcp (v6)                ALLOW IN    Anywhere (v6)\n\n#nft\n#iptables\n',
      },
    }),
    // CentOS 7 with iptables-services: the stock rules.
    node2: node({
      filter: {
        out: '#ufw\n#nft\n#iptables\n-P INPUT ACCEPT\n-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m multiport --dports 2377,7946 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n',
      },
    }),
  })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['master', false, 'nftables chain inet filter input blocks 4789/udp'],
      ['node1', false, 'ufw blocks 4789/udp'],
      ['node2', false, 'iptables chain INPUT blocks 7946/udp, 4789/udp'],
    ],
  )
  const only = await check('  - firewall: { nodes: [master, node2], ports: [2377/tcp, 7946/tcp] }', {
    master: node({ filter: { out: `#ufw\n#nft\n${STRICT_NFT}\n#iptables\n` } }),
  })
  t.same([only[0]!.passed, only[0]!.found], [true, 'nftables chain inet filter input let them in'])
  t.match(only[1], { on: 'node2', passed: false, found: /^not checked: / })
})

t.test('firewall: a rule added after the chain rejects everything is never reached, and opens nothing', async (t) => {
  // `nft add rule` appends: after the final reject of the lab's given nftables.conf, these rules are dead.
  const appended = [
    'table inet filter {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tct state established,related accept',
    '\t\tiif "lo" accept',
    '\t\ttcp dport 22 accept',
    '\t\treject with icmpx admin-prohibited',
    '\t\ttcp dport { 2377, 7946 } accept',
    '\t\tudp dport { 123, 4789, 7946 } accept',
    '\t}',
    '}',
  ].join('\n')
  const inserted = appended.replace('\t\treject with icmpx admin-prohibited\n', '').replace('\t}\n}', '\t\treject with icmpx admin-prohibited\n\t}\n}')
  const rows = await check('  - firewall: { nodes: [master, node1, node2] }', {
    master: node({ filter: { out: `#ufw\n#nft\n${appended}\n#iptables\n` } }),
    node1: node({ filter: { out: `#ufw\n#nft\n${inserted}\n#iptables\n` } }),
    node2: node({
      filter: {
        out: '#ufw\n#nft\n#iptables\n-P INPUT ACCEPT\n-A INPUT -i lo -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n-A INPUT -p tcp -m multiport --dports 2377,7946 -j ACCEPT\n',
      },
    }),
  })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['master', false, 'nftables chain inet filter input blocks 2377/tcp, 7946/tcp, 7946/udp, 4789/udp'],
      ['node1', true, 'nftables chain inet filter input let them in'],
      ['node2', false, 'iptables chain INPUT blocks 2377/tcp, 7946/tcp, 7946/udp, 4789/udp'],
    ],
  )
})
