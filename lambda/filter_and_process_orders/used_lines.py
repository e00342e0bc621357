"""Which doubtful values reach an order's numbers (reviews B7-9, B8-6): the warnings of `doubts.USED`
(`negative_amounts`, `amount_may_be_unit_price`, `unreadable_quantities`, `extra_cells`) name only their
lines. Every line of a line-item order and an order's only line count; of an order's history, only the
line whose value the order takes: its last line with a cell in the code's column (amount, quantity; a
line whose cell is empty leaves the order the one before, `grain._gaps`; for `extra_cells` any column
the order takes, `grain.ORDER_FIELDS`: review B12-4); the earlier ones are superseded. An exact
duplicate counts once, named by its first copy's line (`copies.Copies`); for `extra_cells`, whose cells
no column holds, copies can differ: a set is said when any copy is, named by its first copy said
(`_said_copies`, review B12-8).

Phase 1 finds the lines (every line, in chunks); each dedup bucket is looked at as it is sifted
(`evidence.sift`), for both answers, as the grain may not be known yet; the file's grain picks one at
the end. A file without such a line costs one test per bucket; one with m such lines, a binary search
of them per bucket and a look at the lines of their orders (eu 1M, ~6,000 unreadable quantities:
0.017 CPU s over 13 buckets).
Lines of orders rejected whole after the chunks (`grain`: no amount or no date on any line, a sum too
large) are in no order: they are taken out of every doubt's lines (`reject`, bucket by bucket as the
rejects are decided, keeping only those among the doubts' lines; review B9-8), and so are the lines
of the codes of `doubts.HELD` (float-like ids). Of statuses the line an order keeps is its last
line with a status, in every grain (`grain`: "the last non-empty one winning"; review B10-5). A
rejected order names each of its lines by its first copy's (`copies.Copies`), so a held line that is
an exact copy is known by the name of a line of its order that is not dropped (`_alias`): a copy of
a rejected row is in no order either; and a set of copies said of `extra_cells` at a later copy than
its first is taken out when its first copy's line is rejected (`renamed`).
"""

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .arrow_buffers import bool_mask, one_array
from .ascending import among, positions
from .buckets import take_rows
from .copies import Copies
from .doubts import EXAMPLES, SAMPLE_LINES, USED, Doubts
from .duplicates import compared_columns
from .evidence import Sifted
from .grain import ORDER_FIELDS, Orders
from .mapping import names_unit_price


class UsedLines:
    def __init__(self, doubts: Doubts, amount_header: str) -> None:
        """`amount_header`: the file's amount header; `amount_may_be_unit_price`, said only when it
        names a unit price (`reasons`), is not looked for otherwise (eu: 4 lines in 5 have a quantity
        other than 1)."""
        said = {code: lines for code, lines in doubts.every_line.items() if lines}
        if not names_unit_price(amount_header):
            said.pop("amount_may_be_unit_price", None)
        self.found = {code: np.sort(np.concatenate(lines)) for code, lines in said.items()}
        self.every: dict[str, list[np.ndarray]] = {code: [] for code in self.found}  # line items, ids once
        self.last: dict[str, list[np.ndarray]] = {code: [] for code in self.found}  # where the last line wins
        held = {code: np.concatenate(lines) for code, lines in doubts.held.items() if lines}
        self.held = held  # code of doubts.HELD -> the lines a late reject can take
        self.held_lines = np.unique(np.concatenate([*held.values(), np.empty(0, np.int64)]))
        self.watched = np.union1d(np.concatenate([*self.found.values(), np.empty(0, np.int64)]), self.held_lines)
        self.rejected: list[np.ndarray] = []  # the doubts' lines among those rejected after the chunks
        self.aliases: list[tuple[np.ndarray, np.ndarray]] = []  # held lines that are copies, their names
        # Sets of copies said by a later copy than their first (`_said_copies`): (first copies' lines, said).
        self.renamed: list[tuple[np.ndarray, np.ndarray]] = []
        self._seen, self._targets = (0, 0), self.watched  # the lines `reject` keeps: watched, and the names

    def reject(self, orders: Orders) -> None:
        """A bucket's lines rejected after the chunks (`grain.Orders`, on the main thread), and its line
        items' earlier versions (superseded, review B14-2): those that hold a doubt are noted, as lines
        whose values reach no order. Costs nothing when no doubt's line was found."""
        too_large = orders.too_large
        if len(self.watched):
            found = [orders.rejected_lines, orders.undated_lines]
            found += [] if orders.version_lines is None else [np.sort(orders.version_lines)]
            found += [] if too_large is None else [too_large.column("line").to_numpy()]
            with profile.stage("reject.doubts"):  # binary search: us 1M 0.002 CPU s (np.isin 0.02)
                targets = self._names()
                for lines in found:
                    if len(lines):
                        self.rejected.append(lines[among(lines, targets)])

    def _names(self) -> np.ndarray:
        """The watched lines, the names of the held copies and the first lines of the sets of copies said
        by a later copy found so far (a rejected order names a set by its first copy, review B12-8's
        rule names it by a later one: rare, the union is made again only when a bucket found some)."""
        seen = (len(self.aliases), len(self.renamed))
        if seen != self._seen:
            names = [names for _, names in self.aliases[: seen[0]]] + [first for first, _ in self.renamed[: seen[1]]]
            self._seen, self._targets = seen, np.union1d(self.watched, np.concatenate(names))
        return self._targets

    def sift(self, sifted: Sifted) -> None:
        """A bucket's lines whose doubtful value is used, by either answer (from worker threads: only
        appends)."""
        if len(self.held_lines) and sifted.copies is not None:
            self._alias(sifted)
        if self.found and sifted.lines.num_rows:
            with profile.stage("dedup.used lines"):
                line = one_array(sifted.lines.column("line")).to_numpy()
                for code, found in self.found.items():
                    self._sift(code, found, line, sifted)

    def _alias(self, sifted: Sifted) -> None:
        """The held lines among the bucket's exact copies, each with the name of a line of its order
        that is not dropped: the order's rejection names that line (not every copy). Costs a binary
        search of the copies' lines when none is held."""
        copies = sifted.copies
        assert copies is not None
        line = one_array(sifted.lines.column("line")).to_numpy()
        at = np.r_[copies.dropped, copies.kept]
        held = at[among(line[at], self.held_lines)]
        if not len(held):
            return
        with profile.stage("dedup.used lines"):
            ids = one_array(sifted.lines.column("order_id"))
            theirs = ids.take(pa.array(held))
            kept = np.ones(len(line), bool)
            kept[copies.dropped] = False
            mine = np.flatnonzero(kept & bool_mask(pc.is_in(ids, value_set=theirs)))  # their orders' kept lines
            which = pc.index_in(theirs, value_set=ids.take(pa.array(mine))).to_numpy()  # (each has one: its copy)
            self.aliases.append((line[held], copies.named(line[mine], mine)[which]))

    def _sift(self, code: str, found: np.ndarray, line: np.ndarray, sifted: Sifted) -> None:
        hit = np.zeros(len(line), bool)
        hit[positions(found, line)[0]] = True  # a bucket's lines ascend
        if not hit.any():
            return
        copies = sifted.copies
        if copies is not None and USED[code] is None:  # copies may differ in a cell no column holds
            copies, renamed = _said_copies(hit, line, sifted.lines, copies)
            if renamed is not None:
                self.renamed.append(renamed)
        repeated = sifted.repeated
        alone = np.flatnonzero(hit if sifted.single is None else hit & sifted.single)  # ids that come once
        every = last = alone
        if repeated is not None:
            rows, group = repeated.rows, repeated.group  # exact duplicates out: the last copy stays
            every = np.union1d(alone, rows[hit[rows]])
            wanted = np.zeros(int(group.max()) + 1, bool)
            wanted[group[hit[rows]]] = True  # the orders with such a line
            rows, group = rows[wanted[group]], group[wanted[group]]
            last, given = alone, USED[code]
            for name in ORDER_FIELDS if given is None else [given]:
                cell = pc.is_valid(sifted.lines.column(name).take(rows)).to_numpy(zero_copy_only=False)
                if given is not None:
                    cell |= hit[rows]  # an unread quantity is a cell
                taken = np.full(len(wanted), -1, np.int64)
                taken[group[cell]] = rows[cell]  # a scatter in file order leaves each order's last
                taken = taken[taken >= 0]
                last = np.union1d(last, taken[hit[taken]])
        self.every[code].append(_named(line, every, copies))
        self.last[code].append(_named(line, last, copies))

    def _named(self, held: np.ndarray) -> np.ndarray:
        """The `held` lines, each copy's by its name (`_alias`)."""
        if not self.aliases:
            return held
        lines, names = (np.concatenate(part) for part in zip(*self.aliases))
        order = np.argsort(lines)
        lines, names = lines[order], names[order]
        at, found = positions(held, lines)
        named = held.copy()
        named[found] = names[at]
        return named

    def settle(self, doubts: Doubts, grain: str) -> None:
        """The warnings' counts, first lines and first few distinct cells, under the file's `grain`, less
        the lines rejected after the chunks."""
        rejected = np.unique(np.concatenate(self.rejected)) if self.rejected else np.empty(0, np.int64)
        if self.renamed and len(rejected):  # a set of copies rejected by its first line, said by a later one
            first, said = (np.concatenate(part) for part in zip(*self.renamed))
            rejected = np.union1d(rejected, said[np.isin(first, rejected)])
        for code, held in self.held.items():
            out = np.isin(self._named(held), rejected)
            doubts.rows[code] -= int(np.count_nonzero(out))
            doubts.lines[code] = np.sort(held[~out])[:SAMPLE_LINES].tolist()
        if "unknown_statuses" not in self.found:
            doubts.statuses = Counter()  # (none on a line an order keeps)
        for code, all_found in self.found.items():
            # An order's status is its last line's, in every grain; staff's `order`: the last wins.
            every = grain == "line_items" and code != "unknown_statuses"
            found = self.every[code] if every else self.last[code]
            used = np.sort(np.concatenate(found)) if found else np.empty(0, np.int64)
            used = used[~np.isin(used, rejected)] if len(rejected) else used
            doubts.rows[code] = len(used)
            doubts.lines[code] = used[:SAMPLE_LINES].tolist()
            if doubts.cells.get(code) and len(used):
                cells = pa.concat_arrays(doubts.cells[code]).take(np.argsort(np.concatenate(doubts.every_line[code])))
                at = positions(used, all_found)[0]  # (a copy named by a first copy without such a cell: not shown)
                if code == "unknown_statuses":  # the words of the lines an order keeps
                    doubts.statuses = Counter(cells.take(at).to_pylist())
                    continue
                said = pc.unique(cells.take(at))  # in order of first appearance
                doubts.values[code] = said[:EXAMPLES].to_pylist()
            elif code == "unknown_statuses":
                doubts.statuses = Counter()


def _said_copies(
    hit: np.ndarray, line: np.ndarray, lines: pa.Table, copies: Copies
) -> tuple[Copies, tuple[np.ndarray, np.ndarray] | None]:
    """Exact copies (identical in every mapped column) can differ in a cell no column holds
    (`extra_cells`: review B12-8): a set of copies is said when any copy is, at its last copy (the one
    kept: `hit`, the bucket's mask of said lines, is set there in place), named by its first copy said
    (the returned copies' `first_line`), not by its first copy; with the sets so renamed (their first
    copies' lines, the lines said), as an order rejected after the chunks names its lines by their
    first copies. Costs a group-by of the copies only in a bucket where one of them is said."""
    at = np.r_[copies.dropped, copies.kept]
    if not hit[at].any():
        return copies, None
    filled = compared_columns(lines)
    none = np.iinfo(np.int64).max
    rows = take_rows(lines.select(filled), pa.array(at))
    rows = rows.append_column("last", pa.array(line[at])).append_column(
        "said", pa.array(np.where(hit[at], line[at], none))
    )
    sets = rows.group_by(filled, use_threads=False).aggregate([("last", "max"), ("said", "min")])
    last, said = sets.column("last_max").to_numpy(), sets.column("said_min").to_numpy()
    which = np.searchsorted(line[copies.kept], last[said != none])  # (a bucket's lines ascend)
    first = copies.first_line.copy()
    first[which] = said[said != none]
    hit[copies.kept[which]] = True
    moved = first != copies.first_line
    renamed = (copies.first_line[moved], first[moved]) if moved.any() else None
    return Copies(copies.dropped, copies.kept, first), renamed


def _named(line: np.ndarray, rows: np.ndarray, copies) -> np.ndarray:
    """The lines of the bucket's positions `rows` (ascending), a kept copy's named by its first copy's."""
    return line[rows] if copies is None else copies.named(line[rows], rows)
