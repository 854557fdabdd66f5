import t from 'tap'
import { place } from '../../src/class/placement.js'

const demand = (id: string) => ({ id, memory: 4096, cpus: 3 })

t.test('spreads students over equal hosts and respects capacity', async (t) => {
  const hosts = [
    { name: 'a', memory: 16384, cpus: 16 },
    { name: 'b', memory: 16384, cpus: 16 },
  ]
  const p = place(hosts, ['s1', 's2', 's3', 's4', 's5'].map(demand))
  t.same(p.hosts, { s1: 'a', s2: 'b', s3: 'a', s4: 'b', s5: 'a' })
  t.same(p.used.a, { memory: 12288, cpus: 9, instances: 3 })
  t.same(p.unplaced, [])
  const full = place(
    hosts,
    Array.from({ length: 9 }, (_, i) => demand(`s${i}`)),
  )
  t.equal(Object.keys(full.hosts).length, 8, 'four of 4 GiB fit in 16 GiB per host')
  t.same(
    full.unplaced.map((u) => u.id),
    ['s8'],
  )
  t.match(full.unplaced[0]!.reason, /4096 MiB and 3 CPUs/)
})

t.test('CPUs limit too, and the host with the most free memory wins', async (t) => {
  const p = place(
    [
      { name: 'big', memory: 65536, cpus: 3 },
      { name: 'small', memory: 8192, cpus: 16 },
    ],
    [demand('x'), demand('y')],
  )
  t.same(p.hosts, { x: 'big', y: 'small' })
})

t.test('students placed before stay on their host', async (t) => {
  const hosts = [
    { name: 'a', memory: 16384, cpus: 16 },
    { name: 'b', memory: 16384, cpus: 16 },
  ]
  const p = place(hosts, [demand('s1'), demand('s2'), demand('s3')], { s1: 'b', s2: 'b' })
  t.same(p.hosts, { s1: 'b', s2: 'b', s3: 'a' })
  t.same(place(hosts, [demand('s1')], { s1: 'gone' }).hosts, { s1: 'a' }, 'a host no longer in the class file is not kept')
})
