"""Two sentences of the served pages a new user stumbled on (h57 F13)."""

from node.web.checker_receipt import resolve_receipt_param
from node.web.i18n import Lang
from node.web.layout import Context
from node.web.pages_chain import liveness_words


def test_one_validator_offline_is_singular() -> None:
    english, chinese = Context(lang=Lang.EN), Context(lang=Lang.ZH)
    assert liveness_words(english, 1) == (
        "The registry keeps working while 1 validator is offline."
    )
    assert liveness_words(chinese, 1) == "1 个验证节点离线时，登记簿仍可继续运行。"
    assert "up to 2 validators are offline" in liveness_words(english, 2)


def test_a_bad_receipt_id_is_told_that_a_prefix_works_too() -> None:
    """`?receipt=d8c1910656de885X` said only "64 hexadecimal digits", though the checker
    finds a receipt by its first 8 or more digits."""
    for lang, words in ((Lang.EN, "first 8 or more digits"), (Lang.ZH, "前 8 位或更多位")):
        param = resolve_receipt_param(Context(lang=lang), "d8c1910656de885X", lambda _: [])
        assert param.full_id is None and param.notice is not None
        assert words in param.notice
