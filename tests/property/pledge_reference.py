"""The reference model of credits.pledge, credits.pledge_release and credits.pledge_enforce
(ADR 0032), mixed into ReferenceLedger.

Naive on purpose: a pledge is a list of the indices of its kilograms, which turn status
"pledged"; release turns them "active" again, enforcement "active" in the lender's account.
Shares no code with contracts/ beyond the reason and status strings.
"""

from typing import TYPE_CHECKING, Any

from protocol.signing import PublicKey

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op, Unit

ROLE_LENDER = "lender"
ENFORCER_ROLES = ("trading_centre", "court")


class PledgeReference:
    """Pledged kilograms move only by their lender's release or by enforcement."""

    roles: dict[str, set[str]]
    key_owner: dict[PublicKey, str]
    accounts: dict[str, tuple[PublicKey, str]]
    units: dict[str, list["Unit"]]
    pledges: dict[str, list[Any]]
    """pledge -> [lender, account, batch, kg indices, status]."""
    unpledged: set[tuple[str, int]]
    """(batch, index) of kg released or enforced since the machine last cleared it."""

    def _require(self, condition: bool, reason: str) -> None:
        raise NotImplementedError

    def _account(self, account: str) -> tuple[PublicKey, str]:
        raise NotImplementedError

    def _batch(self, batch: str) -> None:
        raise NotImplementedError

    def _take_active(self, op: "Op", account: str, batch: str, retired_reason: str) -> list[int]:
        raise NotImplementedError

    def _signed_by(self, op: "Op", institution: str, roles: tuple[str, ...], lacks: str) -> None:
        """The institution holds one of roles (else lacks) and an active key of it signed."""
        self._require(any(r in self.roles.get(institution, ()) for r in roles), lacks)
        signed = any(self.key_owner.get(k) == institution for k in op.signers)
        missing = (
            "lender_signature_missing"
            if lacks == "not_a_lender"
            else ("enforcer_signature_missing")
        )
        self._require(signed, missing)

    def _credits_pledge(self, op: "Op") -> None:
        body = op.body
        holder, _ = self._account(body["account_id"])
        self._require(op.sender == holder, "not_account_holder")
        self._signed_by(op, body["lender"], (ROLE_LENDER,), "not_a_lender")
        self._batch(body["batch_id"])
        self._require(body["pledge_id"] not in self.pledges, "pledge_exists")
        picked = self._take_active(op, body["account_id"], body["batch_id"], "units_retired")
        units = self.units[body["batch_id"]]
        for i in picked:
            units[i] = type(units[i])(account=units[i].account, status="pledged")
        self.pledges[body["pledge_id"]] = [
            body["lender"],
            body["account_id"],
            body["batch_id"],
            picked,
            "active",
        ]

    def _active_pledge_of_sender(self, op: "Op") -> list[Any]:
        pledge_id = op.body["pledge_id"]
        self._require(pledge_id in self.pledges, "unknown_pledge")
        pledge = self.pledges[pledge_id]
        self._require(self.key_owner.get(op.sender) == pledge[0], "not_pledge_lender")
        self._require(pledge[4] == "active", "pledge_not_active")
        return pledge

    def _unpledge(self, pledge: list[Any], account: str, status: str) -> None:
        lender, _, batch, indices, _ = pledge
        units = self.units[batch]
        for i in indices:
            assert units[i].status == "pledged", (lender, batch, i)
            units[i] = type(units[i])(account=account, status="active")
            self.unpledged.add((batch, i))
        pledge[4] = status

    def _credits_pledge_release(self, op: "Op") -> None:
        pledge = self._active_pledge_of_sender(op)
        self._unpledge(pledge, pledge[1], "released")

    def _credits_pledge_enforce(self, op: "Op") -> None:
        body = op.body
        pledge = self._active_pledge_of_sender(op)
        self._signed_by(op, pledge[0], (ROLE_LENDER,), "not_a_lender")
        self._signed_by(op, body["enforcer"], ENFORCER_ROLES, "not_an_enforcer")
        holder, _ = self._account(body["to_account"])
        self._require(self.key_owner.get(holder) == pledge[0], "not_lender_account")
        self._require(body["to_account"] != pledge[1], "same_account")
        self._unpledge(pledge, body["to_account"], "enforced")
