"""The run's scope apart from the PICS: ``--block`` and ``--profile`` select the cases, the PICS keeps saying
what the charger has."""

from __future__ import annotations

from tests.e2e.runner import SEED_PICS, fast_pics, harness_runner


def test_block_selects_the_cases_of_one_functional_block(tmp_path):
    outcome = harness_runner(tmp_path)(fast_pics(SEED_PICS, tmp_path), "--block", "remote_trigger")
    assert set(outcome.results) == {"TC_054_CS", "TC_055_CS"}, outcome.output[-1500:]
    assert outcome.exit_code == 0


def test_an_unknown_block_is_a_usage_error_that_names_the_known_ones(tmp_path):
    outcome = harness_runner(tmp_path)(fast_pics(SEED_PICS, tmp_path), "--block", "firmware-ish")
    assert outcome.exit_code == 2
    assert "--block firmware-ish: no such block; known: core, firmware, local_auth_list" in outcome.output
    assert not outcome.results
