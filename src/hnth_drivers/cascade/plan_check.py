"""Independent check of a plan against its topology (every constraint, recomputed)."""

from __future__ import annotations

from collections import Counter

from .planner import Plan
from .topology import Topology

__all__ = ["violations"]


def violations(topology: Topology, plan: Plan, max_depth: int | None = None) -> list[str]:
    """Every broken constraint, as text; an empty list means the plan is valid.

    Checks: each site served once by an MCU allowed to serve it; one tree under the master
    (every slave in use has one parent in use, no cycle); depths as declared and within
    ``max_depth`` (default: the plan's limit); port counts as declared and within capacity
    less the reserve the topology declares; the standby out of the plan and able to take
    the master's load; links matching the parents.
    """
    limit = plan.depth_limit if max_depth is None else max_depth
    problems: list[str] = []
    if plan.master != topology.master.id:
        problems.append(f"master is {plan.master!r}, topology's is {topology.master.id!r}")
    placed = {m.id: m for m in plan.mcus}
    if len(placed) != len(plan.mcus):
        problems.append("an MCU is placed twice")
    seen = Counter(a.site for a in plan.sites)
    for s in topology.sites:
        if seen[s.id] != 1:
            problems.append(f"site {s.id} is served {seen[s.id]} times")
    site_count: Counter[str] = Counter()
    for a in plan.sites:
        if not topology.has_site(a.site):
            problems.append(f"unknown site {a.site}")
            continue
        if a.mcu not in placed:
            problems.append(f"site {a.site} on MCU {a.mcu} that is not in use")
        elif not topology.in_area(a.site, topology.mcu(a.mcu)):
            problems.append(f"site {a.site} outside the area of MCU {a.mcu}")
        site_count[a.mcu] += 1
    children: Counter[str] = Counter()
    for m in plan.mcus:
        if not topology.has_mcu(m.id):
            problems.append(f"unknown MCU {m.id}")
            continue
        if (m.parent is None) != (m.id == plan.master):
            problems.append(f"MCU {m.id}: only the master has no parent")
        if m.parent is not None:
            if m.parent not in placed:
                problems.append(f"MCU {m.id}: parent {m.parent} not in use")
            children[m.parent] += 1
    for m in plan.mcus:
        depth, current, hops = 0, m, 0
        while current.parent is not None and current.parent in placed and hops <= len(placed):
            current, depth, hops = placed[current.parent], depth + 1, hops + 1
        if current.id != plan.master:
            problems.append(f"MCU {m.id} does not reach the master (cycle or detached)")
        elif depth != m.depth:
            problems.append(f"MCU {m.id}: depth {m.depth} declared, {depth} real")
        if depth > limit:
            problems.append(f"MCU {m.id}: depth {depth} over the limit {limit}")
        ports = site_count[m.id] + children[m.id] + (m.parent is not None)
        if ports != m.ports_used or site_count[m.id] != m.sites or children[m.id] != m.children:
            problems.append(f"MCU {m.id}: ports {m.ports_used} declared, {ports} real")
        if topology.has_mcu(m.id) and ports > topology.mcu(m.id).capacity:
            problems.append(f"MCU {m.id}: {ports} ports over capacity "
                            f"{topology.mcu(m.id).capacity}")
        elif topology.has_mcu(m.id) and ports > topology.mcu(m.id).usable_ports:
            spec = topology.mcu(m.id)
            problems.append(f"MCU {m.id}: {ports} ports eat into its reserve "
                            f"({spec.spare_ports} of {spec.capacity} kept free)")
    standby = topology.standby
    if standby is not None:
        if standby.id in placed:
            problems.append(f"standby {standby.id} is used by the plan")
        if plan.standby != standby.id:
            problems.append(f"plan names standby {plan.standby!r}, topology {standby.id!r}")
        boss = placed.get(plan.master)
        if boss is not None and boss.ports_used > standby.usable_ports:
            problems.append(f"standby {standby.id} cannot take the master's "
                            f"{boss.ports_used} ports ({standby.usable_ports} usable)")
    links = {(k.slave, k.master) for k in plan.links}
    parents = {(m.id, m.parent) for m in plan.mcus if m.parent is not None}
    if links != parents or len(links) != len(plan.links):
        problems.append("links do not match the parents")
    return problems
