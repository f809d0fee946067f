import pytest

from pipeline.codebook import load_codebook
from pipeline.errors import SetupError

FIXED_IDS = ["partnerships", "impact_multiplication", "financial_sustainability", "entrepreneurship",
             "diversification", "policy_engagement", "shared_governance", "ecosystem_building",
             "experimentation", "resilience"]


def test_default_codebook_has_the_ten_fixed_theme_ids_in_order(codebook):
    assert codebook.ids == FIXED_IDS
    for theme in codebook.themes:
        assert theme.description and len(theme.examples) >= 3


def test_fingerprint_follows_the_definitions(tmp_path, codebook):
    text = open(codebook.source, encoding="utf-8").read()
    (tmp_path / "same.toml").write_text(text)
    (tmp_path / "edited.toml").write_text(text.replace("Start-ups and new ventures", "New firms"))
    assert load_codebook(tmp_path / "same.toml").fingerprint == codebook.fingerprint
    assert load_codebook(tmp_path / "edited.toml").fingerprint != codebook.fingerprint


@pytest.mark.parametrize("body,message", [
    ("themes = 3", "no [[themes]]"),
    ('[[themes]]\nid = "a"\n[[themes]]\nid = "a"\n', "appears twice"),
    ('[[themes]]\nid = "Bad Id"\n', "lowercase"),
    ("[[themes]\n", "not valid TOML"),
])
def test_broken_codebook_gives_a_clear_error(tmp_path, body, message):
    (tmp_path / "c.toml").write_text(body)
    with pytest.raises(SetupError, match="c.toml") as err:
        load_codebook(tmp_path / "c.toml")
    assert message in str(err.value)
