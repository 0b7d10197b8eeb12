"""The dashboard's liveness sentence reads right for one validator (stop 57: "up to 1
validators are offline")."""

from string import Template

from node.web.i18n import Lang, text


def test_the_liveness_sentence_reads_right_for_one_validator() -> None:
    sentence = Template(text(Lang.EN, "dash.liveness_words")).substitute(f_l=1)
    assert sentence == "The registry keeps working with up to 1 of its validators offline."
