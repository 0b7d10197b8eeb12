"""batch.link: labels and external registry ids on a batch (ADR 0028). Pure.

Sent by an issuer key of the institution that registered the batch's project. Links only
grow: every label and external id a batch.link names is added to `batch_links/<batch>`,
and each new external id gets its index record `external_id/<registry>/<id>`. An external
id another batch already claims is refused (EXTERNAL_ID_CLAIMED), so no id ever names two
batches. A retired or cancelled batch may still be linked.
"""

from contracts.context import TxEnv
from contracts.credit_records import IssuanceBatch, Project
from contracts.errors import TxRejectedError
from contracts.link_records import BatchLinkBody, BatchLinks, ExternalIdClaim
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_sender_role
from contracts.state_keys import batch_key, batch_links_key, external_id_key, project_key
from contracts.store import load, require, save
from protocol.codec import copy_fields


def apply_batch_link(env: TxEnv, body: BatchLinkBody) -> None:
    issuer = require_sender_role(env, Role.ISSUER)
    key = batch_key(body.batch_id)
    batch = require(env.state, key, IssuanceBatch.from_json, RejectReason.UNKNOWN_BATCH)
    project = load(env.state, project_key(batch.project_id), Project.from_json)
    assert project is not None, batch
    if project.issuer != issuer.institution_id:
        raise TxRejectedError(RejectReason.NOT_PROJECT_ISSUER, project.project_id)
    links_key = batch_links_key(body.batch_id)
    empty = BatchLinks(batch_id=body.batch_id, labels=(), external_ids=())
    old = load(env.state, links_key, BatchLinks.from_json) or empty
    new_ids = [e for e in body.external_ids if e not in old.external_ids]
    for external in new_ids:
        claim_key = external_id_key(external.registry, external.id_)
        claim = load(env.state, claim_key, ExternalIdClaim.from_json)
        if claim is not None:
            raise TxRejectedError(RejectReason.EXTERNAL_ID_CLAIMED, f"{claim_key} {claim.batch_id}")
    merged = BatchLinks(
        batch_id=body.batch_id,
        labels=tuple(sorted({*old.labels, *body.labels})),
        external_ids=tuple(sorted({*old.external_ids, *new_ids}, key=lambda e: e.sort_key)),
    )
    if merged.over_limits:
        detail = f"{len(merged.labels)} labels, {len(merged.external_ids)} external ids"
        raise TxRejectedError(RejectReason.TOO_MANY_LINKS, detail)
    if merged.labels == old.labels and not new_ids:
        raise TxRejectedError(RejectReason.LINKS_UNCHANGED, body.batch_id)
    for external in new_ids:
        claim_key = external_id_key(external.registry, external.id_)
        claim = copy_fields(
            ExternalIdClaim,
            external,
            batch_id=body.batch_id,
            linked_by=env.sender,
            height=env.ctx.height,
        )
        save(env.state, claim_key, claim)
    save(env.state, links_key, merged)
