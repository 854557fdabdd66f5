import t, { type Test } from 'tap'
import { checkKickstart, type KickstartProblem } from '../../src/kickstart/check.js'

type Rhel = 7 | 8 | 9 | 10

const HASH = '$6$salt$3aEJgflnzWuw1O3tr0IYSmhUY0cZ7iBQeBP392T7RXjLP3TKKu3ddIapQaCpbD4p9ioeGaVIjOHaym7HvCuUm0'
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl teacher@lab'

/** A hand-written kickstart that is right for the release; tests change one line of it. */
function base(rhel: Rhel): string[] {
  return [
    '# hand-written',
    rhel === 7 ? 'text' : 'text --non-interactive',
    'cdrom',
    'lang en_US.UTF-8',
    "keyboard --vckeymap=us --xlayouts='us'",
    rhel >= 9 ? 'timezone Etc/UTC --utc' : 'timezone Etc/UTC --utc --ntpservers=0.pool.ntp.org',
    'network --device=link --bootproto=dhcp --hostname=master.localdomain --activate --onboot=yes',
    'network --device=08:00:27:00:00:10 --bootproto=static --ip=192.168.56.10 --netmask=255.255.255.0 --activate --onboot=yes',
    `rootpw --iscrypted ${HASH}`,
    `user --name=student --groups=wheel --iscrypted --password=${HASH}`,
    'selinux --enforcing',
    'firewall --enabled --service=ssh',
    'zerombr',
    'clearpart --all --initlabel',
    'bootloader --location=mbr',
    'autopart --type=lvm --nohome',
    'skipx',
    'firstboot --disabled',
    'poweroff',
    '',
    rhel >= 9 ? '%packages --inst-langs=en_US' : '%packages --instLangs=en_US',
    rhel === 7 ? '@^minimal' : '@^minimal-environment',
    'chrony',
    '%end',
    '',
    '%post --interpreter=/bin/bash --erroronfail',
    'echo "# not a comment for the kickstart parser" > /tmp/x',
    '%end',
    '',
  ]
}

const text = (lines: string[]): string => lines.join('\n')

/** The base kickstart with extra lines inserted before `poweroff` (line 19). */
function withLines(rhel: Rhel, ...extra: string[]): { text: string; line: number } {
  const lines = base(rhel)
  const at = lines.indexOf('poweroff')
  lines.splice(at, 0, ...extra)
  return { text: text(lines), line: at + 1 }
}

function replaced(rhel: Rhel, prefix: string, line: string): { text: string; line: number } {
  const lines = base(rhel)
  const at = lines.findIndex((l) => l.startsWith(prefix))
  if (at < 0) throw new Error(`no line starting with ${prefix}`)
  lines[at] = line
  return { text: text(lines), line: at + 1 }
}

function expectOne(t: Test, problems: KickstartProblem[], line: number, severity: KickstartProblem['severity'], pattern: RegExp): void {
  t.equal(problems.length, 1, `exactly one problem: ${JSON.stringify(problems)}`)
  t.equal(problems[0]?.line, line, 'line')
  t.equal(problems[0]?.severity, severity, 'severity')
  t.match(problems[0]?.message, pattern)
}

t.test('the hand-written base kickstarts are clean', async (t) => {
  for (const rhel of [7, 8, 9, 10] as const) t.same(checkKickstart(text(base(rhel)), rhel), [], `RHEL ${rhel}`)
})

t.test('removed command: install on RHEL 9, upgrade on RHEL 8', async (t) => {
  const nine = withLines(9, 'install')
  expectOne(t, checkKickstart(nine.text, 9), nine.line, 'error', /"install" was removed in RHEL 9/)
  const eight = withLines(8, 'upgrade')
  expectOne(t, checkKickstart(eight.text, 8), eight.line, 'error', /"upgrade" was removed in RHEL 8/)
})

t.test('deprecated command: install on RHEL 8, auth/authconfig on 8 and 9, fine on 7', async (t) => {
  const k = withLines(8, 'install')
  expectOne(t, checkKickstart(k.text, 8), k.line, 'deprecated', /"install" is deprecated in RHEL 8/)
  for (const rhel of [8, 9] as const) {
    const a = withLines(rhel, 'auth --enableshadow --passalgo=sha512')
    expectOne(t, checkKickstart(a.text, rhel), a.line, 'deprecated', /"auth" is deprecated/)
    const b = withLines(rhel, 'authconfig --enableshadow')
    expectOne(t, checkKickstart(b.text, rhel), b.line, 'deprecated', /"authconfig" is deprecated/)
  }
  t.same(checkKickstart(withLines(7, 'install', 'auth --enableshadow --passalgo=sha512').text, 7), [])
})

t.test('command that comes later: sshkey on RHEL 7, timesource on RHEL 8', async (t) => {
  const s = withLines(7, `sshkey --username=root "${KEY}"`)
  expectOne(t, checkKickstart(s.text, 7), s.line, 'error', /"sshkey" does not exist in RHEL 7 .*authorized_keys in %post/)
  t.same(checkKickstart(withLines(8, `sshkey --username=root "${KEY}"`).text, 8), [])
  const ts = withLines(8, 'timesource --ntp-server=ntp.example.com')
  expectOne(t, checkKickstart(ts.text, 8), ts.line, 'error', /"timesource" does not exist in RHEL 8/)
})

t.test('deprecated option: timezone --ntpservers, --isUtc and --nontp on RHEL 9', async (t) => {
  const a = replaced(9, 'timezone', 'timezone Etc/UTC --utc --ntpservers=0.pool.ntp.org')
  expectOne(t, checkKickstart(a.text, 9), a.line, 'deprecated', /timezone --ntpservers is deprecated in RHEL 9: one "timesource/)
  const b = replaced(9, 'timezone', 'timezone Etc/UTC --isUtc')
  expectOne(t, checkKickstart(b.text, 9), b.line, 'deprecated', /--isUtc is deprecated.*--utc/)
  const c = replaced(9, 'timezone', 'timezone Etc/UTC --utc --nontp')
  expectOne(t, checkKickstart(c.text, 9), c.line, 'deprecated', /--nontp is deprecated/)
})

t.test('%packages --instLangs is deprecated on RHEL 9, --inst-langs unknown before', async (t) => {
  const a = replaced(9, '%packages', '%packages --instLangs=en_US')
  expectOne(t, checkKickstart(a.text, 9), a.line, 'deprecated', /%packages --instLangs is deprecated in RHEL 9: --inst-langs=/)
  const b = replaced(8, '%packages', '%packages --inst-langs=en_US')
  expectOne(t, checkKickstart(b.text, 8), b.line, 'error', /%packages --inst-langs does not exist in RHEL 8/)
})

t.test('RHEL 10 (pykickstart RHEL10Handler): what RHEL 9 only warned about is gone', async (t) => {
  const removed: Array<[string, string | undefined, RegExp]> = [
    ['autostep', undefined, /"autostep" was removed in RHEL 10/],
    ['auth --enableshadow', undefined, /"auth" was removed in RHEL 10/],
    ['logging --level=debug', undefined, /logging --level was removed in RHEL 10/],
    ['timezone', 'timezone Etc/UTC --utc --ntpservers=0.pool.ntp.org', /timezone --ntpservers was removed in RHEL 10: one "timesource/],
    ['timezone', 'timezone Etc/UTC --isUtc', /--isUtc was removed in RHEL 10/],
    ['%packages', '%packages --instLangs=en_US', /%packages --instLangs was removed in RHEL 10: --inst-langs=/],
    ['btrfs', undefined, /"btrfs" was removed in RHEL 10/],
    ['repo', undefined, /--ignoregroups was removed in RHEL 10/],
  ]
  for (const [what, line, pattern] of removed) {
    const k =
      line !== undefined
        ? replaced(10, what, line)
        : what === 'btrfs'
          ? withLines(10, 'btrfs / --data=0 btrfs.01')
          : what === 'repo'
            ? withLines(10, 'repo --name=extra --baseurl=http://repo.example/el10/ --ignoregroups=true')
            : withLines(10, what)
    t.match(
      checkKickstart(k.text, 10).find((p) => p.line === k.line),
      { severity: 'error', message: pattern },
      what,
    )
    t.notOk(
      checkKickstart(k.text, 9).some((p) => p.line === k.line && p.severity === 'error'),
      `${what}: only a warning (or fine) on RHEL 9`,
    )
  }
  const vnc = withLines(10, 'vnc')
  expectOne(t, checkKickstart(vnc.text, 10), vnc.line, 'deprecated', /"vnc" is deprecated in RHEL 10: the inst\.rdp boot option/)
  const rdp = withLines(9, 'rdp')
  expectOne(t, checkKickstart(rdp.text, 9), rdp.line, 'error', /"rdp" does not exist in RHEL 9/)
  t.same(checkKickstart(withLines(10, 'rdp', 'timesource --ntp-server=ntp.example.com').text, 10), [], 'rdp and timesource are fine on 10')
})

t.test('unknown option, with a suggestion: network --ipaddr', async (t) => {
  const k = replaced(8, 'network --device=08', 'network --device=08:00:27:00:00:10 --bootproto=static --ipaddr=192.168.56.10 --ip=192.168.56.10 --netmask=255.255.255.0')
  expectOne(t, checkKickstart(k.text, 8), k.line, 'error', /network: unknown option "--ipaddr" \(did you mean --ip\?\)/)
})

t.test('option too new for the release: text --non-interactive and autopart --noswap on RHEL 7', async (t) => {
  const a = replaced(7, 'text', 'text --non-interactive')
  expectOne(t, checkKickstart(a.text, 7), a.line, 'error', /text --non-interactive does not exist in RHEL 7/)
  const b = replaced(7, 'autopart', 'autopart --type=lvm --noswap')
  expectOne(t, checkKickstart(b.text, 7), b.line, 'error', /autopart --noswap does not exist in RHEL 7/)
})

t.test('option value: choices per release, booleans, flags given a value, missing values', async (t) => {
  const a = replaced(8, 'autopart', 'autopart --type=btrfs')
  expectOne(t, checkKickstart(a.text, 8), a.line, 'error', /--type=btrfs is not valid in RHEL 8/)
  t.same(checkKickstart(replaced(7, 'autopart', 'autopart --type=btrfs').text, 7), [])
  const b = replaced(8, 'network --device=link', 'network --device=link --bootproto=dhcp --onboot=maybe')
  expectOne(t, checkKickstart(b.text, 8), b.line, 'error', /--onboot=maybe is not a boolean/)
  const c = replaced(8, 'zerombr', 'clearpart --all=yes --initlabel')
  t.match(
    checkKickstart(c.text, 8).map((p) => p.message),
    [/--all takes no value/],
  )
  const d = replaced(8, 'bootloader', 'bootloader --location')
  expectOne(t, checkKickstart(d.text, 8), d.line, 'error', /--location expects a value/)
})

t.test('"--opt value" form is understood like argparse does', async (t) => {
  const k = replaced(8, 'network --device=link', 'network --device link --bootproto dhcp --hostname master.localdomain')
  t.same(checkKickstart(k.text, 8), [])
})

t.test('unclosed %post, %post cut short by another section, %end alone', async (t) => {
  const lines = base(8)
  lines.splice(lines.lastIndexOf('%end'), 1)
  const problems = checkKickstart(text(lines), 8)
  t.equal(problems.length, 1)
  t.match(problems[0]?.message, /section %post does not end with %end/)
  t.equal(problems[0]?.line, lines.indexOf('%post --interpreter=/bin/bash --erroronfail') + 1)

  const cut = base(8)
  const post = cut.findIndex((l) => l.startsWith('%post'))
  cut.splice(post + 2, 0, '%pre')
  t.match(
    checkKickstart(text(cut), 8).map((p) => p.message),
    [/section %post does not end with %end before %pre on line/],
  )

  const stray = withLines(8, '%end')
  expectOne(t, checkKickstart(stray.text, 8), stray.line, 'error', /%end without an open section/)
})

t.test('a %end line inside a %post heredoc ends the section early', async (t) => {
  const lines = base(8)
  const post = lines.findIndex((l) => l.startsWith('%post'))
  lines.splice(post + 1, 0, "cat > /etc/x <<'EOF'", '%end', 'network --ipaddr=1.2.3.4', 'EOF')
  const problems = checkKickstart(text(lines), 8)
  t.ok(
    problems.some((p) => p.line === post + 4 && /unknown option "--ipaddr"/.test(p.message)),
    JSON.stringify(problems),
  )
})

t.test('CRLF line endings', async (t) => {
  const problems = checkKickstart(text(base(8)).replace(/\n/g, '\r\n'), 8)
  t.equal(problems.length, 1, JSON.stringify(problems))
  t.equal(problems[0]?.line, 1)
  t.match(problems[0]?.message, /CRLF/)
})

t.test('byte-order mark', async (t) => {
  expectOne(t, checkKickstart(`\uFEFF${text(base(9))}`, 9), 1, 'error', /byte-order mark/)
})

t.test('unquoted # inside a value cuts it', async (t) => {
  const k = replaced(8, 'rootpw', 'rootpw --iscrypted $6$salt#rest')
  const problems = checkKickstart(k.text, 8)
  t.match(problems[0]?.message, /unquoted "#" starts a comment: "\$6\$salt#rest" is read as "\$6\$salt"/)
  t.equal(problems[0]?.line, k.line)
  t.same(checkKickstart(replaced(8, 'selinux', 'selinux --enforcing # trailing comment is fine').text, 8), [])
  t.same(
    checkKickstart(withLines(8, 'bootloader --append="console=ttyS0 # kept"').text, 8).filter((p) => /#/.test(p.message)),
    [],
  )
})

t.test('unbalanced quote', async (t) => {
  const k = replaced(8, 'keyboard', "keyboard --vckeymap=us --xlayouts='us")
  expectOne(t, checkKickstart(k.text, 8), k.line, 'error', /No closing quotation/)
})

t.test('HTML entities from an escaping template', async (t) => {
  const k = replaced(8, 'network --device=link', 'network --device&#x3D;link --bootproto=dhcp')
  t.match(
    checkKickstart(k.text, 8).map((p) => p.message),
    [/HTML entity "&#x3D;".*noEscape/, /.*/],
  )
})

t.test('boot options pasted into the kickstart', async (t) => {
  const k = withLines(9, 'inst.ks=hd:LABEL=OEMDRV:/ks.cfg')
  expectOne(t, checkKickstart(k.text, 9), k.line, 'error', /unknown command.*kernel command line/)
  const old = withLines(9, 'ks=cdrom:/ks.cfg')
  expectOne(t, checkKickstart(old.text, 9), old.line, 'error', /unknown command "ks=cdrom:\/ks.cfg".*kernel command line/)
})

t.test('wrong environment group for the release', async (t) => {
  const a = replaced(8, '@^', '@^minimal')
  expectOne(t, checkKickstart(a.text, 8), a.line, 'error', /@\^minimal does not exist in RHEL 8.*@\^minimal-environment/)
  const b = replaced(7, '@^', '@^minimal-environment')
  expectOne(t, checkKickstart(b.text, 7), b.line, 'error', /RHEL 7.*@\^minimal$/)
})

t.test('required commands', async (t) => {
  for (const [prefix, pattern] of [
    ['rootpw', /missing required command rootpw/],
    ['autopart', /missing required command partitioning/],
    ['bootloader', /missing required command bootloader/],
    ['poweroff', /missing required command reboot or poweroff/],
    ['lang', /missing required command lang/],
    ['keyboard', /missing required command keyboard/],
    ['timezone', /missing required command timezone/],
  ] as const) {
    const k = replaced(8, prefix, '# removed')
    expectOne(t, checkKickstart(k.text, 8), 1, 'error', pattern)
  }
  t.same(checkKickstart(replaced(8, 'poweroff', 'reboot --eject').text, 8), [])
  const halt = replaced(8, 'poweroff', 'halt')
  expectOne(t, checkKickstart(halt.text, 8), 1, 'error', /reboot or poweroff/)
})

t.test('autopart with manual partitioning', async (t) => {
  const k = withLines(8, 'part / --size=4096')
  expectOne(t, checkKickstart(k.text, 8), k.line, 'error', /"part" and autopart .* cannot be used together/)
})

t.test('a single-use command given twice', async (t) => {
  const k = withLines(8, 'graphical')
  expectOne(t, checkKickstart(k.text, 8), k.line, 'error', /"graphical" again \(after "text" on line 2\)/)
})

t.test('network values the parser does not check', async (t) => {
  const cases: [string, RegExp][] = [
    ['--ip=192.168.56.300 --netmask=255.255.255.0', /--ip=192.168.56.300 is not an IPv4 address/],
    ['--ip=192.168.56.10 --netmask=255.0.255.0', /--netmask=255.0.255.0 is not a dotted netmask/],
    ['--ip=192.168.56.10 --netmask=255.255.255.0 --gateway=10.0.0.1', /gateway 10.0.0.1 is outside/],
    ['--ip=192.168.56.255 --netmask=255.255.255.0', /network or broadcast address/],
    ['--ip=192.168.56.10 --netmask=255.255.255.0 --nameserver=1.1.1.1,dns.example', /nameserver "dns.example"/],
    ['--ip=192.168.56.10', /--bootproto=static needs --ip and --netmask/],
  ]
  for (const [opts, pattern] of cases) {
    const k = replaced(8, 'network --device=08', `network --device=08:00:27:00:00:10 --bootproto=static ${opts}`)
    expectOne(t, checkKickstart(k.text, 8), k.line, 'error', pattern)
  }
  for (const hostname of ['master', 'bad_name.localdomain', '-x.localdomain', 'host.123']) {
    const k = replaced(8, 'network --device=link', `network --device=link --bootproto=dhcp --hostname=${hostname}`)
    expectOne(t, checkKickstart(k.text, 8), k.line, 'error', /is not a fully qualified name of RFC 1123 labels/)
  }
  const dup = withLines(8, 'network --device=link --bootproto=dhcp')
  expectOne(t, checkKickstart(dup.text, 8), dup.line, 'error', /device link is already configured on line 7/)
})

t.test('password hashes and keys', async (t) => {
  const md5 = replaced(8, 'rootpw', 'rootpw --iscrypted $1$salt$qJH7.N4xYta3aEG/dfqo/0')
  expectOne(t, checkKickstart(md5.text, 8), md5.line, 'error', /rootpw: not a SHA-512-crypt hash/)
  const plain = replaced(8, 'rootpw', 'rootpw --plaintext secret')
  expectOne(t, checkKickstart(plain.text, 8), plain.line, 'error', /plain-text password/)
  const user = replaced(8, 'user', 'user --name=student --password=secret')
  expectOne(t, checkKickstart(user.text, 8), user.line, 'error', /user: plain-text password/)
  const cut = withLines(8, `sshkey --username=root "${KEY.slice(0, 40)}"`)
  expectOne(t, checkKickstart(cut.text, 8), cut.line, 'error', /not an OpenSSH public key/)
  const unquoted = withLines(8, `sshkey --username=root ${KEY}`)
  expectOne(t, checkKickstart(unquoted.text, 8), unquoted.line, 'error', /sshkey takes 1 argument\(s\) besides options, got 3/)
  const noUser = withLines(8, `sshkey "${KEY}"`)
  expectOne(t, checkKickstart(noUser.text, 8), noUser.line, 'error', /sshkey needs --username/)
})

t.test('timesource, url and repo rules', async (t) => {
  const both = withLines(9, 'timesource --ntp-server=a.example --ntp-pool=pool.example')
  expectOne(t, checkKickstart(both.text, 9), both.line, 'error', /exactly one of --ntp-server/)
  const url = replaced(8, 'cdrom', 'url --url=vault.centos.org/7.9.2009/os/x86_64/')
  expectOne(t, checkKickstart(url.text, 8), url.line, 'error', /not an http\(s\), ftp or nfs URL/)
  const twoSources = withLines(8, 'url --url=http://mirror.example/os/')
  expectOne(t, checkKickstart(twoSources.text, 8), twoSources.line, 'error', /"url" again \(after "cdrom"/)
  const repo = withLines(8, 'repo --baseurl=http://mirror.example/updates/')
  expectOne(t, checkKickstart(repo.text, 8), repo.line, 'error', /repo needs --name/)
})

t.test('unknown command and unknown section', async (t) => {
  const c = withLines(8, 'hostname master.localdomain')
  expectOne(t, checkKickstart(c.text, 8), c.line, 'error', /unknown command "hostname"/)
  for (const word of ['constructor', 'toString', '__proto__']) {
    const p = withLines(8, `${word} --x`)
    expectOne(t, checkKickstart(p.text, 8), p.line, 'error', new RegExp(`unknown command "${word}"`))
  }
  const lines = base(8)
  lines.push('%postinstall', 'true', '%end')
  expectOne(t, checkKickstart(text(lines), 8), lines.length - 2, 'error', /unknown section "%postinstall"/)
})
