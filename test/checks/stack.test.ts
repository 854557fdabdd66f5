import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { sections } from '../modules/docker-fixtures.js'
import { NOT_MANAGER_API, apiOut, serviceListJson } from './service-fixtures.js'
import { check } from './lab-for-checks.js'

/** The manager's answer to GET /services?status=true&filters={"label":["com.docker.stack.namespace=shop"]}. */
const answering = (answer: { status: number; body: string }) =>
  new FakeGuest([
    {
      match: new RegExp(`#vmlab:begin:services'\\ncurl .*${encodeURIComponent('{"label":["com.docker.stack.namespace=shop"]}').replace(/[%]/g, '%')}`),
      stdout: sections({ services: { out: apiOut(answer) } }),
    },
  ])
const ls = (lines: string) => answering({ status: 200, body: serviceListJson(lines) })

t.test('stack: every service of the namespace at its replicas', async (t) => {
  const g = ls('shop_web 3/3\nshop_redis 1/1\nshop_agent 3/3 (max 1 per node)\n')
  const [row] = await check('  - stack: { name: shop, services: [web, shop_redis] }', { master: g })
  t.match(row, {
    check: 'stack',
    on: 'master',
    passed: true,
    expected: 'stack shop deployed with web, shop_redis, every service at its replicas',
    found: 'shop_web 3/3, shop_redis 1/1, shop_agent 3/3',
  })
  t.equal(g.commands.length, 1)
  const [short] = await check('  - stack: { name: shop, services: [web, db] }', { master: ls('shop_web 1/3\n') })
  t.match(short, { passed: false, found: 'no service db; not all replicas running: shop_web 1/3' })
  const [scaled0] = await check('  - stack: { name: shop }', { master: ls('shop_web 0/0\n') })
  t.equal(scaled0!.passed, false, 'a service scaled to nothing runs nothing')
})

t.test('stack: not deployed, not a manager', async (t) => {
  t.match((await check('  - stack: { name: shop }', { master: ls('') }))[0], { passed: false, found: 'no stack shop' })
  t.match((await check('  - stack: { name: shop }', { master: answering(NOT_MANAGER_API) }))[0], { passed: false, found: /^This node is not a swarm manager/ })
})
