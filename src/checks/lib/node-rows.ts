/**
 * One row per node for checks that grade each node on its own. A node that cannot be asked (unreachable,
 * sudo refused, a garbled probe) is that node's failed row with the reason, so the other nodes still get
 * graded and the learner sees which node was not checked.
 */
import type { ResolvedLab, ResolvedNode } from '../../lab/resolve.js'
import type { Facts, Guest } from '../../modules/module.js'
import type { CheckContext, CheckOutcome } from '../check.js'

/** The lab's nodes an option names (`'all'`: every node, in the lab's order). */
export function namedNodes(lab: ResolvedLab, nodes: 'all' | readonly string[]): ResolvedNode[] {
  return nodes === 'all' ? lab.nodes : nodes.map((name) => lab.nodes.find((n) => n.name === name)!)
}

export interface Graded {
  passed: boolean
  found: string
}

export function eachNode<O>(
  ctx: CheckContext<O>,
  nodes: readonly ResolvedNode[],
  expected: (node: ResolvedNode) => string,
  grade: (node: ResolvedNode, guest: Guest, facts: Facts) => Promise<Graded>,
): Promise<CheckOutcome[]> {
  return Promise.all(
    nodes.map(async (node) => {
      try {
        const { guest, facts } = await ctx.guest(node.name)
        return { on: node.name, expected: expected(node), ...(await grade(node, guest, facts)) }
      } catch (err) {
        return { on: node.name, passed: false, expected: expected(node), found: `not checked: ${(err as Error).message.split('\n')[0]}` }
      }
    }),
  )
}
