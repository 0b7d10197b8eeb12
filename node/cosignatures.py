"""Witness cosignatures the node collects and serves with its checkpoints (ADR 0021).

A witness POSTs one cosignature line for a checkpoint this node serves. The line is bounded
before it is parsed, must name a witness of genesis, carry a sane timestamp and verify over
that exact checkpoint text before it is kept; per size one line per witness (the newest),
for the newest SIZES_KEPT sizes only. Lines live in memory: after a restart the witnesses'
next round cosigns the newest checkpoint again (docs/OPERATIONS.md "Witnesses").
"""

from collections import OrderedDict

from protocol.cosignature import Cosignature, cosignature_key_id, verify_cosignature
from protocol.errors import NoteError
from protocol.note import NoteSignature, parse_signature_line
from protocol.witnesses import Witness, WitnessSet

SIZES_KEPT = 1024
"""Checkpoint sizes whose cosignatures are kept; a receipt needs only a recent one."""
LINE_BYTES_MAX = 512
"""A cosignature line is about 150 bytes (a 128-byte name at most, 96 base64 characters)."""
FUTURE_SKEW_S = 300
"""A timestamp more than this ahead of our clock is refused (the spec allows refusing any
future time; a little slack keeps a witness with a slightly fast clock useful)."""


class CosignatureRefusedError(Exception):
    """A cosignature line the node does not keep; the message says why (answered as 400)."""


class CheckpointUnknownError(Exception):
    """A cosignature for a size this node holds no signed checkpoint of (answered as 404)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no signed checkpoint of size {size} here")
        self.size = size


class CosignatureBook:
    """Verified cosignatures by checkpoint size, then by witness name."""

    def __init__(self, witnesses: WitnessSet) -> None:
        self.witnesses = witnesses
        self._by_id = {
            (w.name, cosignature_key_id(w.name, w.public_key)): w for w in witnesses.witnesses
        }
        self._lines: OrderedDict[int, dict[str, Cosignature]] = OrderedDict()

    def add(self, *, size: int, text: str, line: bytes, now_s: int) -> str:
        """Verify line as a cosignature of checkpoint text (of size) and keep it.

        Returns the witness name; raises CosignatureRefusedError. Requires text to be the
        body of the checkpoint of size that this node serves."""
        cosignature, witness = self._decode(line)
        if cosignature.timestamp_s > now_s + FUTURE_SKEW_S:
            raise CosignatureRefusedError(f"timestamp {cosignature.timestamp_s} is in the future")
        if not verify_cosignature(text, cosignature, witness):
            raise CosignatureRefusedError(f"cosignature of {witness.name} does not verify")
        by_name = self._lines.setdefault(size, {})
        earlier = by_name.get(witness.name)
        if earlier is None or earlier.timestamp_s < cosignature.timestamp_s:
            by_name[witness.name] = cosignature
        self._lines.move_to_end(size)
        while len(self._lines) > SIZES_KEPT:
            self._lines.popitem(last=False)
        return witness.name

    def lines(self, size: int) -> tuple[NoteSignature, ...]:
        """The kept lines of size, by witness name."""
        # A copy: API threads read while the event loop adds (dict() of a dict is atomic).
        by_name = dict(self._lines.get(size, {}))
        return tuple(by_name[name].note_signature() for name in sorted(by_name))

    def has_quorum(self, size: int) -> bool:
        return len(self._lines.get(size, {})) >= self.witnesses.quorum

    def sizes_with_quorum(self) -> list[int]:
        """Sizes with enough cosignatures, largest first."""
        return sorted((s for s in tuple(self._lines) if self.has_quorum(s)), reverse=True)

    def _decode(self, line: bytes) -> tuple[Cosignature, Witness]:
        if len(line) > LINE_BYTES_MAX:
            raise CosignatureRefusedError(f"a cosignature line has at most {LINE_BYTES_MAX} bytes")
        try:
            parsed = parse_signature_line(line.decode("utf-8"))
            witness = self._by_id.get((parsed.name, parsed.key_id))
            if witness is None:
                raise CosignatureRefusedError(f"{parsed.name[:64]!r} is not a witness of genesis")
            return Cosignature.from_note_signature(parsed), witness
        except (UnicodeDecodeError, NoteError) as error:
            raise CosignatureRefusedError(f"not a cosignature line: {error}") from None
