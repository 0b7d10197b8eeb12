"""insurance.attest: a policy written alongside credits; it moves no units. Pure.

MISSION.md: cover for a project's excess carbon emission losses, and comprehensive
insurance of the carbon account. The clause text stays off chain; its hash is recorded.
"""

from dataclasses import dataclass

from contracts.accounts import require_account
from contracts.bodies_registry import InsuranceAttestBody
from contracts.body_fields import read_slug
from contracts.context import TxEnv
from contracts.credit_records import Project
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_sender_role
from contracts.state_keys import insurance_key, project_key
from contracts.store import require, require_absent, save
from protocol.codec import field_names
from protocol.encoding import JsonObject
from protocol.fields import expect_object


@dataclass(frozen=True, slots=True, kw_only=True)
class InsurancePolicy:
    """`insurance/<policy id>`: the attested policy and who attested it."""

    body: InsuranceAttestBody
    attested_by: str
    """Institution id of the trading centre or issuer that attested the policy."""

    def to_json(self) -> JsonObject:
        return {**self.body.to_json(), "attested_by": self.attested_by}

    @classmethod
    def from_json(cls, value: object) -> "InsurancePolicy":
        """The body's fields, read by the body's own rules, plus attested_by."""
        obj = expect_object(
            value, "insurance policy", (*field_names(InsuranceAttestBody), "attested_by")
        )
        body = InsuranceAttestBody.from_json({k: v for k, v in obj.items() if k != "attested_by"})
        return cls(body=body, attested_by=read_slug(obj, "attested_by"))


def apply_insurance_attest(env: TxEnv, body: InsuranceAttestBody) -> None:
    institution = require_sender_role(env, Role.TRADING_CENTRE, Role.ISSUER)
    if body.subject_kind == "project":
        key = project_key(body.subject_id)
        require(env.state, key, Project.from_json, RejectReason.UNKNOWN_PROJECT)
    else:
        require_account(env, body.subject_id)
    require_absent(env.state, insurance_key(body.policy_id))
    policy = InsurancePolicy(body=body, attested_by=institution.institution_id)
    save(env.state, insurance_key(body.policy_id), policy)
