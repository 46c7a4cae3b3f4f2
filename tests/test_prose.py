"""``scripts/check_prose.py``: a number the markdown read off one run is caught; settings and sweep figures pass."""

from __future__ import annotations

import copy

from scripts.check_prose import normalize, prose_numbers, quoted_counts, stale_quotes


def notebook(markdown: list[str], printed: list[str]) -> dict:
    """A notebook of markdown cells and one code cell per printed text."""
    cells = [{"cell_type": "markdown", "source": m, "metadata": {}} for m in markdown]
    cells += [
        {"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "name": "stdout", "text": p}]}
        for p in printed
    ]
    return {"cells": cells}


def test_normalize_spells_each_value_one_way() -> None:
    assert normalize("+1.50") == "1.5"
    assert normalize("−0.120") == "0.12"
    assert normalize("80,000") == "80000"
    assert normalize("200.0") == "200"


def test_a_planted_stale_number_is_caught() -> None:
    """The committed run printed 1.36 and the prose quotes it; on another CPU the run prints 1.29: caught."""
    md = ["GAIL keeps the cart at +1.36, within 0.4 of the expert."]
    committed = notebook(md, ["GAIL's habit +1.36; limit <= 0.4"])
    second = notebook(md, ["GAIL's habit +1.29; limit <= 0.4"])
    quotes = stale_quotes("04_gail", committed, second)
    assert [q.number for q in quotes] == ["1.36"]  # 0.4, a setting printed by both runs, passes
    assert "+1.36" in quotes[0].context and "04_gail" in str(quotes[0])
    assert quoted_counts(committed, second) == (2, 1)


def test_a_number_both_runs_print_passes() -> None:
    md = ["Every episode lasts 200 steps."]
    assert stale_quotes("01", notebook(md, ["return 200.0"]), notebook(md, ["return 200.0"])) == []


def test_sweep_blocks_and_declared_settings_pass() -> None:
    md = [
        "<!-- sweep: habit -->\n| GAIL | 0.03 |\n<!-- /sweep -->\nThe band is 0.25 wide. <!-- setting: 0.25 -->",
    ]
    committed = notebook(md, ["0.03 0.25"])
    second = notebook(md, ["0.05 0.3"])
    assert stale_quotes("04", committed, second) == []
    planted = copy.deepcopy(md)
    planted[0] = planted[0].replace("<!-- setting: 0.25 -->", "")
    assert [q.number for q in stale_quotes("04", notebook(planted, ["0.03 0.25"]), second)] == ["0.25"]


def test_links_titles_and_list_markers_are_not_numbers_of_the_run() -> None:
    text = "# 04 · GAIL\n\n1. See [notebook 03](03_discriminator.ipynb).\n2. Then train."
    assert prose_numbers(text) == []
