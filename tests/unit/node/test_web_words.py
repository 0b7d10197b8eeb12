"""Dashboard and checker sentences that read right (stop 57): "up to 1 validators are
offline"; a bad receipt id answered as if only all 64 digits worked."""

from string import Template

from node.web.i18n import Lang, text


def test_the_liveness_sentence_reads_right_for_one_validator() -> None:
    sentence = Template(text(Lang.EN, "dash.liveness_words")).substitute(f_l=1)
    assert sentence == "The registry keeps working with up to 1 of its validators offline."


def test_a_bad_receipt_id_message_says_a_prefix_is_enough() -> None:
    """The served checker takes 8+ leading digits, but its message for a bad id asked for all
    64 (stop 57)."""
    assert "first 8 or more digits are enough" in text(Lang.EN, "checker.receipt_bad")
    assert "前 8 位或更多即可" in text(Lang.ZH, "checker.receipt_bad")
