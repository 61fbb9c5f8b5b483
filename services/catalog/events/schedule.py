"""The 1-on-1 schedule as an integer programme solved by OR-Tools CP-SAT: which requested pairs meet in which
slot, maximising the total value of the meetings held. Pure: no database, no clock."""

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

# values are scaled to integers for CP-SAT; three decimals of a match score are plenty
SCALE = 1000


@dataclass(frozen=True)
class Pair:
    """A requested meeting between participants `a` and `b` worth `value` (mutual requests weigh more)."""

    a: int
    b: int
    value: float


@dataclass(frozen=True)
class Pin:
    """A meeting the organiser fixed to a slot and table."""

    a: int
    b: int
    slot: int
    table: int


@dataclass(frozen=True)
class Placed:
    """One scheduled meeting."""

    a: int
    b: int
    slot: int
    table: int
    value: float
    pinned: bool


@dataclass
class Solution:
    """The schedule, its total value, whether CP-SAT proved it optimal, and the proven upper bound."""

    meetings: list[Placed] = field(default_factory=list)
    total: float = 0.0
    optimal: bool = True
    bound: float = 0.0
    seconds: float = 0.0


def _key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def solve(*, pairs: list[Pair], available: dict[int, set[int]], slots: int, tables: int,
          pins: list[Pin] | None = None, time_limit: float = 10.0) -> Solution:
    """Place each requested pair in at most one slot where both are free: one meeting per participant per slot,
    at most `tables` per slot, pins kept where they are."""
    pins = pins or []
    values = {_key(p.a, p.b): p.value for p in pairs}
    pinned = {_key(p.a, p.b): p for p in pins}
    model = cp_model.CpModel()
    x: dict[tuple[tuple[int, int], int], cp_model.IntVar] = {}
    for pair, _ in values.items():
        a, b = pair
        pin = pinned.get(pair)
        free = available.get(a, set()) & available.get(b, set())
        for s in range(slots):
            if pin is not None and s != pin.slot:
                continue
            if pin is None and s not in free:
                continue
            x[pair, s] = model.new_bool_var(f"m_{a}_{b}_{s}")
        if pin is not None:
            model.add(x[pair, pin.slot] == 1)
        else:
            model.add_at_most_one(v for (p, _), v in x.items() if p == pair)
    for s in range(slots):
        in_slot = [(p, v) for (p, t), v in x.items() if t == s]
        model.add(sum(v for _, v in in_slot) <= tables)
        people = {who for p, _ in in_slot for who in p}
        for who in people:
            model.add_at_most_one(v for p, v in in_slot if who in p)
    model.maximize(sum(round(values[p] * SCALE) * v for (p, _), v in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1  # deterministic, and the machine is shared
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # only conflicting pins make the model infeasible; the service refuses those before solving
        return Solution(optimal=False, seconds=solver.wall_time)
    chosen = [(p, s) for (p, s), v in x.items() if solver.value(v)]
    return Solution(meetings=_tables(chosen, values, pinned, tables), optimal=status == cp_model.OPTIMAL,
                    total=sum(values[p] for p, _ in chosen), bound=solver.best_objective_bound / SCALE,
                    seconds=solver.wall_time)


def _tables(chosen: list[tuple[tuple[int, int], int]], values: dict[tuple[int, int], float],
            pinned: dict[tuple[int, int], Pin], tables: int) -> list[Placed]:
    # pinned meetings keep their tables; the others take the free ones in order
    taken: dict[int, set[int]] = {}
    placed = []
    for pair, s in chosen:
        if pair in pinned:
            taken.setdefault(s, set()).add(pinned[pair].table)
            placed.append(Placed(pair[0], pair[1], s, pinned[pair].table, values[pair], True))
    for pair, s in sorted(chosen, key=lambda c: (c[1], -values[c[0]], c[0])):
        if pair in pinned:
            continue
        table = next(t for t in range(tables) if t not in taken.setdefault(s, set()))
        taken[s].add(table)
        placed.append(Placed(pair[0], pair[1], s, table, values[pair], False))
    return sorted(placed, key=lambda m: (m.slot, m.table))


def greedy(*, pairs: list[Pair], available: dict[int, set[int]], slots: int, tables: int) -> float:
    """A baseline for comparison: the best pairs first, each in its earliest free slot (not used to schedule)."""
    busy: set[tuple[int, int]] = set()
    load = [0] * slots
    total = 0.0
    for p in sorted(pairs, key=lambda p: -p.value):
        for s in sorted(available.get(p.a, set()) & available.get(p.b, set())):
            if load[s] < tables and (p.a, s) not in busy and (p.b, s) not in busy:
                busy |= {(p.a, s), (p.b, s)}
                load[s] += 1
                total += p.value
                break
    return total
