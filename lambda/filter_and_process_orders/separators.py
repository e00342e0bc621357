"""The decimal separator's votes: which cells of a file only a decimal point reads, only a decimal
comma reads, or both read differently (`1.234`, `959,984`); see `amounts` for the rules and
`decide` for the decision."""

import pyarrow as pa
import pyarrow.compute as pc

from .amounts import number_parts
from .arrow_buffers import cell_bytes
from .digits import folded

# Cells whose vote shows in their shape alone (a property test holds them to `number_parts`): one
# group of 1-2 or 4+ decimals, or thousands groups and decimals; a currency sign and a minus may come
# first.
_VOTE_PREFIX = "^(?:-?[$€£]?|[$€£]-)"
_ONE_WAY = {
    "point": _VOTE_PREFIX + r"(?:[0-9]+\.(?:[0-9]{1,2}|[0-9]{4,})|[1-9][0-9]{0,2}(?:,[0-9]{3})+\.[0-9]+)$",
    "comma": _VOTE_PREFIX + r"(?:[0-9]+,(?:[0-9]{1,2}|[0-9]{4,})|[1-9][0-9]{0,2}(?:\.[0-9]{3})+,[0-9]+)$",
    "ambiguous": _VOTE_PREFIX + r"[1-9][0-9]{0,2}[.,][0-9]{3}$",
}


def separator_votes(text: pa.Array) -> dict[str, int]:
    """Cells that only a decimal point reads, only a decimal comma reads, and both read differently.
    Only cells with a `.` or `,` can vote; most show it in their shape, the rest go through
    `number_parts`.
    A cell has at most one of the shapes, so each pattern runs only on the cells the ones before it left;
    none runs when no byte of the text is a `.` or `,` (a file of whole amounts: `decide.check_late`
    asks of each chunk)."""
    if not _separated(text):
        return dict.fromkeys(_ONE_WAY, 0)
    rest = pc.drop_null(text)
    votes = {}
    for vote, pattern in _ONE_WAY.items():
        found = pc.match_substring_regex(rest, pattern)
        votes[vote] = _count(found)
        rest = pc.filter(rest, pc.invert(found))
    left = pc.filter(rest, pc.match_substring_regex(rest, "[.,]"))
    if len(left):
        shaped = _shape_votes(left)
        votes = {vote: count + shaped[vote] for vote, count in votes.items()}
    return votes


def _separated(text: pa.Array) -> bool:
    """Whether some byte of the cells' text (null cells' included) is a `.` or `,`."""
    if not isinstance(text, pa.Array) or text.type != pa.string():
        return True  # not read here
    raw = cell_bytes(text)
    return bool(((raw == ord(".")) | (raw == ord(","))).any())


def _count(mask: pa.Array) -> int:
    return pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0


def _shape_votes(text: pa.Array) -> dict[str, int]:
    num, _, point, comma = number_parts(folded(text))  # other digit scripts vote as ASCII digits (review B9-3)
    separated = pc.match_substring_regex(pc.fill_null(num, ""), r"[.,]")
    return {
        "point": _count(pc.and_(point, pc.invert(comma))),
        "comma": _count(pc.and_(comma, pc.invert(point))),
        "ambiguous": _count(pc.and_(separated, pc.and_(point, comma))),
    }
