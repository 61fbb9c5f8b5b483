"""The CP-SAT schedule on its own: a small instance whose optimum is known by hand, pins kept, and random
instances whose every constraint is checked."""

import random

from services.catalog.events.schedule import Pair, Pin, greedy, solve


def test_a_known_instance_reaches_its_optimum_where_greedy_does_not() -> None:
    # one table, two slots; A–B is the single best pair but blocks both others in slot 0 (only A and B free there);
    # C is free in slot 1 only, as are A and B; the optimum puts A–B in slot 0 and the best of the rest in slot 1
    pairs = [Pair(1, 2, 0.9), Pair(1, 3, 0.8), Pair(2, 3, 0.7)]
    available = {1: {0, 1}, 2: {0, 1}, 3: {1}}
    solution = solve(pairs=pairs, available=available, slots=2, tables=1)
    assert solution.optimal
    assert round(solution.total, 4) == 1.7 == round(solution.bound, 4)
    assert {(m.a, m.b, m.slot) for m in solution.meetings} == {(1, 2, 0), (1, 3, 1)}

    # greedy (best pair first, earliest slot) also gets 1.7 here; a case where it loses: two slots, two tables
    pairs = [Pair(1, 2, 1.0), Pair(1, 3, 0.9), Pair(2, 4, 0.9)]
    available = {1: {0}, 2: {0}, 3: {0}, 4: {0}}
    assert greedy(pairs=pairs, available=available, slots=1, tables=2) == 1.0
    best = solve(pairs=pairs, available=available, slots=1, tables=2)
    assert round(best.total, 4) == 1.8 and best.optimal


def test_pins_stay_where_the_organiser_put_them() -> None:
    pairs = [Pair(1, 2, 0.9), Pair(1, 3, 0.5)]
    solution = solve(pairs=pairs, available={1: {0, 1}, 2: {0, 1}, 3: {0, 1}}, slots=2, tables=2,
                     pins=[Pin(1, 3, slot=0, table=1)])
    placed = {(m.a, m.b): m for m in solution.meetings}
    assert (placed[1, 3].slot, placed[1, 3].table, placed[1, 3].pinned) == (0, 1, True)
    assert placed[1, 2].slot == 1 and not placed[1, 2].pinned
    assert round(solution.total, 4) == 1.4


def test_random_instances_respect_every_constraint() -> None:
    rng = random.Random(15)
    for _ in range(20):
        people, slots, tables = rng.randint(4, 30), rng.randint(1, 8), rng.randint(1, 4)
        available = {i: {s for s in range(slots) if rng.random() < 0.7} for i in range(people)}
        pairs = {(a, b): Pair(a, b, round(rng.random(), 3)) for _ in range(people * 2)
                 for a, b in [sorted(rng.sample(range(people), 2))]}
        solution = solve(pairs=list(pairs.values()), available=available, slots=slots, tables=tables)
        seen_pairs, seats, busy = set(), set(), set()
        for m in solution.meetings:
            assert (m.a, m.b) in pairs and (m.a, m.b) not in seen_pairs  # only requested pairs, each at most once
            seen_pairs.add((m.a, m.b))
            assert m.slot in available[m.a] and m.slot in available[m.b]  # both free
            assert (m.a, m.slot) not in busy and (m.b, m.slot) not in busy  # one meeting per person per slot
            busy |= {(m.a, m.slot), (m.b, m.slot)}
            assert 0 <= m.table < tables and (m.slot, m.table) not in seats  # one meeting per table
            seats.add((m.slot, m.table))
        assert solution.optimal
        assert solution.total >= greedy(pairs=list(pairs.values()), available=available, slots=slots,
                                        tables=tables) - 1e-9
