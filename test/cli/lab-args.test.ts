/** A lab file as an argument (the rules of `lab up FILE`) on the commands that take another word too: which word is which, and the refusals. */
import t from 'tap'
import { fileAndName, labFileFrom, looksLikeLabFile, snapshotAndFile, shippedLabHere } from '../../src/cli/lab-args.js'
import { lab } from '../helpers/cli.js'

t.test('-f and the argument: either, or both when they agree; two different files are refused', async (t) => {
  t.equal(labFileFrom('a.yaml', {}), 'a.yaml')
  t.equal(labFileFrom(undefined, { file: 'b.yaml' }), 'b.yaml')
  t.equal(labFileFrom('a.yaml', { file: 'a.yaml' }), 'a.yaml')
  t.throws(() => labFileFrom('a.yaml', { file: 'b.yaml' }), { message: /two lab files given: a\.yaml \(argument\) and b\.yaml \(-f\)/, exitCode: 2 })
})

t.test('a path is a lab file; a bare word may be a snapshot or a node', async (t) => {
  for (const w of ['labs/swarm.yaml', 'lab.yml', 'C:\\Labs\\x', './x']) t.ok(looksLikeLabFile(w), w)
  for (const w of ['ready', 'master', 'swarm', 'node1,node2']) t.notOk(looksLikeLabFile(w), w)
})

t.test('exec and ssh: FILE NODE before --, or NODE alone; the words after -- are the command', async (t) => {
  const raw = (...w: string[]) => ['node', 'lab', 'exec', ...w]
  t.same(fileAndName('exec', 'U', ['all', 'uptime'], raw('all', '--', 'uptime'), {}), { name: 'all', rest: ['uptime'] })
  t.same(fileAndName('exec', 'U', ['swarm', 'all', 'uptime'], raw('swarm', 'all', '--', 'uptime'), {}), { file: 'swarm', name: 'all', rest: ['uptime'] })
  t.same(fileAndName('exec', 'U', ['all', 'ls', '--', 'x'], raw('all', '--', 'ls', '--', 'x'), { file: 'l.yaml' }), { file: 'l.yaml', name: 'all', rest: ['ls', '--', 'x'] })
  // Without --, a first word that can only be a path is the lab; else the node, as before.
  t.same(fileAndName('ssh', 'U', ['labs/s.yaml', 'master'], raw('labs/s.yaml', 'master'), {}), { file: 'labs/s.yaml', name: 'master', rest: [] })
  t.same(fileAndName('ssh', 'U', ['master', 'uptime'], raw('master', 'uptime'), {}), { name: 'master', rest: ['uptime'] })
  t.throws(() => fileAndName('exec', '[FILE] NODES -- COMMAND', ['a', 'b', 'c', 'x'], raw('a', 'b', 'c', '--', 'x'), {}), {
    message: /takes \[FILE\] NODES -- COMMAND: 3 words before --/,
    exitCode: 2,
  })
  t.throws(() => fileAndName('exec', 'U', ['a.yaml', 'all', 'x'], raw('a.yaml', 'all', '--', 'x'), { file: 'b.yaml' }), { message: /two lab files/ })
})

t.test('reset: SNAPSHOT FILE, a path alone is the lab, a bare word the snapshot, a shipped lab name refused', async (t) => {
  const never = () => false
  t.same(snapshotAndFile(undefined, undefined, {}, never), {})
  t.same(snapshotAndFile('clean', 'swarm', {}, never), { snapshot: 'clean', file: 'swarm' })
  t.same(snapshotAndFile('labs/swarm.yaml', undefined, {}, never), { file: 'labs/swarm.yaml' })
  t.same(snapshotAndFile('clean', undefined, { file: 'x.yaml' }, never), { snapshot: 'clean', file: 'x.yaml' })
  t.throws(() => snapshotAndFile('swarm', undefined, {}, () => true), { message: /'swarm' could be a snapshot or the shipped lab/, hint: /lab reset ready swarm/, exitCode: 2 })
  // With -f the word can only be the snapshot.
  t.same(
    snapshotAndFile('swarm', undefined, { file: 'x.yaml' }, () => true),
    { snapshot: 'swarm', file: 'x.yaml' },
  )
  const dir = t.testdir({})
  t.ok(shippedLabHere('swarm', dir))
  t.notOk(shippedLabHere('ready', dir))
  t.notOk(shippedLabHere('swarm', t.testdir({ 'lab.yaml': 'name: x\n' })), 'a ./lab.yaml is what a bare reset means')
})

t.test('the commands take the lab as an argument', async (t) => {
  const dir = t.testdir({})
  // Each reaches the lab file named in the argument (not found here), not ./lab.yaml.
  for (const argv of [
    ['exec', 'nope/lab.yaml', 'all', '--', 'uptime'],
    ['ssh', 'nope/lab.yaml', 'master'],
    ['reset', 'nope/lab.yaml'],
    ['reset', 'ready', 'nope/lab.yaml'],
    ['snapshot', 'list', 'nope/lab.yaml'],
    ['snapshot', 'save', 'x', 'nope/lab.yaml'],
    ['task', 'ex', 'nope/lab.yaml'],
    ['start', 'ex', 'nope/lab.yaml'],
    ['solve', 'ex', 'nope/lab.yaml'],
    ['submit', 'nope/lab.yaml'],
    ['exercises', 'nope/lab.yaml'],
  ]) {
    const r = await lab(argv, { cwd: dir })
    t.equal(r.code, 2, argv.join(' '))
    t.match(r.stderr, /lab file not found: nope\/lab\.yaml/, argv.join(' '))
  }
  const task = await lab(['task', 'swarm-init', 'course/debian-orchestration', '--json'], { cwd: dir })
  t.equal(task.code, 0, task.stderr)
  t.match(JSON.parse(task.stdout), { id: 'swarm-init', points: Number, task: /^# \d+\. / })
  const two = await lab(['snapshot', 'list', 'swarm', '-f', 'other.yaml'], { cwd: dir })
  t.same([two.code, two.stderr.split('\n')[0]], [2, 'error: two lab files given: swarm (argument) and other.yaml (-f)'])
})
