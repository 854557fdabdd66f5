import t from 'tap'
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { lab, ROOT } from '../helpers/cli.js'
import { checkKickstart } from '../../src/kickstart/check.js'
import { OS_CATALOG } from '../../src/lab/os-catalog.js'

const EL = Object.values(OS_CATALOG).filter((o) => o.family !== 'debian')
const LABS = ['swarm', 'registry', 'harbor', 'compose', 'debian-swarm']

t.test('every shipped lab × every EL OS gives kickstarts that pass the version checker', async (t) => {
  const dir = t.testdir({})
  for (const name of LABS) {
    for (const os of EL) {
      const out = join(dir, `${name}-${os.id}`)
      const r = await lab(['kickstart', join(ROOT, 'labs', `${name}.yaml`), '--os', os.id, '--out', out, '--provider', 'virtualbox'], { cwd: dir })
      t.equal(r.code, 0, `${name}/${os.id}: ${r.stderr}`)
      const files = readdirSync(out).sort()
      t.ok(files.includes('base.cfg'), `${name}/${os.id} has base.cfg`)
      t.equal(r.stdout.trim().split('\n').length, files.length, 'prints one path per file')
      for (const f of files) {
        const text = readFileSync(join(out, f), 'utf8')
        t.same(checkKickstart(text, os.rhel!), [], `${name}/${os.id}/${f} is clean`)
        t.notMatch(text, /&#x|&amp;|&quot;/, 'no HTML escaping')
        t.notMatch(text, /\r/, 'LF only')
      }
    }
  }
})

t.test('node files carry the node identity; passwords only as hashes', async (t) => {
  const dir = t.testdir({
    'lab.yaml': [
      'name: ks',
      'os: alma9',
      'network: { cidr: 10.20.0.0/24, domain: class.test }',
      'install:',
      '  root_password: "pa$$ word#1"',
      '  user: { name: student, password: "s3cret-pass" }',
      'nodes:',
      '  - name: master',
      '    ip: 10.20.0.10',
      '  - name: node1',
      '',
    ].join('\n'),
  })
  const r = await lab(['kickstart', '--provider', 'vmware'], { cwd: dir })
  t.equal(r.code, 0, r.stderr)
  t.same(r.stdout.trim().split('\n'), ['kickstart-ks/base.cfg', 'kickstart-ks/master.cfg', 'kickstart-ks/node1.cfg'])
  const master = readFileSync(join(dir, 'kickstart-ks/master.cfg'), 'utf8')
  t.match(master, /--hostname=master\.class\.test/)
  t.match(master, /network --device=00:50:56:[0-3][0-9a-f]:00:0a --bootproto=static --ip=10\.20\.0\.10 --netmask=255\.255\.255\.0/)
  t.match(master, /^timesource|^timezone Etc\/UTC --utc$/m)
  t.match(master, /^user --name=student --groups=wheel --iscrypted --password=\$6\$/m)
  t.notMatch(master, /pa\$\$ word#1|s3cret-pass/, 'no clear password in the kickstart')
  const secretsPath = join(dir, '.lab/ks/secrets.json')
  t.equal(statSync(secretsPath).mode & 0o777, 0o600)
  const secrets = JSON.parse(readFileSync(secretsPath, 'utf8'))
  t.equal(secrets.rootPassword, 'pa$$ word#1')
  t.match(master, new RegExp(`rootpw --iscrypted ${secrets.rootPasswordHash.replace(/[$.]/g, '\\$&')}\n`))
  t.equal(statSync(join(dir, '.lab/ks/keys/id_ed25519')).mode & 0o777, 0o600)
  const pub = readFileSync(join(dir, '.lab/ks/keys/id_ed25519.pub'), 'utf8').trim()
  t.match(master, `sshkey --username=root "${pub}"`)
  const node1 = readFileSync(join(dir, 'kickstart-ks/node1.cfg'), 'utf8')
  t.match(node1, /--ip=10\.20\.0\.11 /, 'automatic address')

  // A second run keeps the same hashes (stable kickstarts, stable base image key).
  await lab(['kickstart', '--provider', 'vmware'], { cwd: dir })
  t.equal(readFileSync(join(dir, 'kickstart-ks/master.cfg'), 'utf8'), master)
})

t.test('a Debian lab needs --os; bad --os is bad input; an invalid lab writes nothing', async (t) => {
  const dir = t.testdir({})
  const deb = await lab(['kickstart', join(ROOT, 'labs/debian-swarm.yaml')], { cwd: dir })
  t.equal(deb.code, 2)
  t.match(deb.stderr, /debian12 is not installed with a kickstart/)
  const bad = await lab(['kickstart', '--os', 'rocky7'], { cwd: dir })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /unknown OS 'rocky7'\nhint: did you mean 'rocky8'\?/)
  writeFileSync(join(dir, 'broken.yaml'), 'name: x\nos: rocky9\nnetwork: { cidr: 10.0.0.0/24 }\nnodes: [{ name: a, memory: 64 }]\n')
  const inv = await lab(['kickstart', 'broken.yaml'], { cwd: dir })
  t.equal(inv.code, 2)
  t.notOk(existsSync(join(dir, '.lab')), 'no state written')
  t.notOk(existsSync(join(dir, 'kickstart-x')), 'no files written')
})
