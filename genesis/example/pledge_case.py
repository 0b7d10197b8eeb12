"""A pledge of Huangbi'ao credits to a county bank (ADR 0032), as fixed tx sequences shared by
the contract tests, the worked example and the receipt tests.

After the Xiangshan case's first four steps (the batch issued to the Township account), the
validators admit Xiangshan Rural Commercial Bank as a lender, Ningbo PTC opens the bank's
account, and the Township pledges 100,000 kg to the bank for a loan. PLEDGE_RELEASE ends it
by release, PLEDGE_ENFORCE by enforcement with Ningbo PTC co-signing. The agreement and
loan hashes are illustrative placeholders.
"""

from dataclasses import replace

from genesis.example.parties import document_hash, party_key
from genesis.example.xiangshan_case import (
    BATCH_ID,
    TOWNSHIP_ACCOUNT,
    XIANGSHAN_CASE_STEPS,
    CaseStep,
)

LENDER = "xiangshan-rcb"
LENDER_ACCOUNT = "xiangshan-rcb-account"
PLEDGE_ID = "huangbiao-2024-loan-001"
PLEDGED_KG = 100_000
CASE_STEPS_BEFORE = 4
"""How many Xiangshan case steps run first: up to the issuance to the Township account."""

PLEDGE_SETUP: tuple[CaseStep, ...] = (
    CaseStep(
        label="The validators admit Xiangshan Rural Commercial Bank as a lender",
        tx_type="institution.register",
        sender="xiangshan-county",
        body={
            "institution_id": LENDER,
            "name_zh": "浙江象山农村商业银行",
            "name_en": "Zhejiang Xiangshan Rural Commercial Bank",
            "roles": ["lender"],
            "public_keys": [party_key(LENDER).public_key.hex()],
        },
        cosigners=("ningbo-ptc",),
    ),
    replace(
        XIANGSHAN_CASE_STEPS[0],  # the Township's account.open, for the bank
        label="Ningbo PTC opens the bank's account",
        body=dict(XIANGSHAN_CASE_STEPS[0].body)
        | {"account_id": LENDER_ACCOUNT, "holder_key": party_key(LENDER).public_key.hex()}
        | {"display_name": "浙江象山农村商业银行 Xiangshan Rural Commercial Bank"}
        | {"kind": "enterprise"},
    ),
    CaseStep(
        label="The Township pledges 100,000 kg to the bank; the bank co-signs",
        tx_type="credits.pledge",
        sender=TOWNSHIP_ACCOUNT,
        body={
            "pledge_id": PLEDGE_ID,
            "account_id": TOWNSHIP_ACCOUNT,
            "batch_id": BATCH_ID,
            "quantity_kg": PLEDGED_KG,
            "lender": LENDER,
            "agreement_hash": document_hash("huangbiao blue carbon pledge agreement").hex(),
            "loan_reference_hash": document_hash("huangbiao loan contract 2024-001").hex(),
        },
        cosigners=(LENDER,),
    ),
)
PLEDGE_RELEASE = CaseStep(
    label="The loan is repaid: the bank releases the pledge",
    tx_type="credits.pledge_release",
    sender=LENDER,
    body={"pledge_id": PLEDGE_ID},
)
PLEDGE_ENFORCE = CaseStep(
    label="The loan defaults: the bank enforces the pledge, Ningbo PTC co-signing",
    tx_type="credits.pledge_enforce",
    sender=LENDER,
    body={"pledge_id": PLEDGE_ID, "to_account": LENDER_ACCOUNT, "enforcer": "ningbo-ptc"},
    cosigners=("ningbo-ptc",),
)
