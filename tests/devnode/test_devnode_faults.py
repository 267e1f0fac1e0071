"""Faults on request, and the ledger that lets a test count what was really paid."""

from __future__ import annotations

import httpx
import pytest

from devnode.handle import DevnodeFactory, DevnodeHandle

INTERNAL_ERROR = {"error": "InternalError", "message": "internal error"}
NO_FAULTS = {
    "fail_claims": 0,
    "drop_after_apply": 0,
    "claim_delay_ms": 0,
    "metrics_delay_ms": 0,
    "broken_metrics": False,
    "emission_stalled": False,
}


def claim(node: DevnodeHandle, amount: int, timeout: float = 10.0) -> httpx.Response:
    return node.http.post(
        "/emission/claim",
        json={"pool": "staking_rewards", "amount": amount, "to": "alice"},
        timeout=timeout,
    )


def test_fail_claims_answers_500_and_moves_nothing(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    node.faults(fail_claims=2)

    answers = [claim(node, 1) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [500, 500, 200]
    assert answers[0].json() == INTERNAL_ERROR
    assert answers[2].json() == {"pool": "staking_rewards", "remaining": "2499999"}
    assert node.balance("alice") == 1
    assert len(node.claims()) == 1
    assert node.faults()["fail_claims"] == 0


def test_drop_after_apply_pays_and_never_answers(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    node.faults(drop_after_apply=1)

    with pytest.raises(httpx.RemoteProtocolError):
        claim(node, 100)
    answered = claim(node, 200)

    assert answered.json() == {"pool": "staking_rewards", "remaining": "2499700"}
    assert node.balance("alice") == 300
    assert [(entry["amount"], entry["answered"]) for entry in node.claims()] == [
        (100, False),
        (200, True),
    ]


def test_drop_after_apply_waits_for_a_claim_that_applies(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    node.faults(drop_after_apply=1)

    refused = claim(node, 2_500_001)

    assert refused.status_code == 500
    assert node.faults()["drop_after_apply"] == 1


def test_claim_delay_loses_the_answer_of_an_impatient_client(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    node.faults(claim_delay_ms=5000)

    with pytest.raises(httpx.ReadTimeout):
        claim(node, 100, timeout=0.2)

    [entry] = node.claims()
    assert (entry["pool"], entry["amount"], entry["to"]) == ("staking_rewards", 100, "alice")
    assert node.balance("alice") == 100


def test_claim_delay_still_answers_a_patient_client(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    node.faults(claim_delay_ms=50)

    answer = claim(node, 100)

    assert answer.json() == {"pool": "staking_rewards", "remaining": "2499900"}
    assert node.claims()[0]["answered"] is True


def test_ledger_lists_claims_in_order_with_their_height(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    claim(node, 1)
    node.advance(5)
    claim(node, 2)
    claim(node, 10**9)

    ledger = node.claims()

    assert [(entry["amount"], entry["height"]) for entry in ledger] == [(1, 10), (2, 15)]
    assert ledger[0]["time"] <= ledger[1]["time"]
    assert set(ledger[0]) == {"pool", "amount", "to", "height", "time", "answered"}


def test_faults_are_set_read_and_cleared(devnode: DevnodeFactory) -> None:
    node = devnode()

    assert node.http.get("/devnode/faults").json() == NO_FAULTS
    first = node.faults(fail_claims=3, broken_metrics=True)
    second = node.faults(claim_delay_ms=250)

    assert first == NO_FAULTS | {"fail_claims": 3, "broken_metrics": True}
    assert second == first | {"claim_delay_ms": 250}
    assert node.http.get("/devnode/faults").json() == second
    assert node.clear_faults() == NO_FAULTS
    assert node.http.get("/devnode/faults").json() == NO_FAULTS


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"fail_claims": -1}, "faults: fail_claims: expected an integer >= 0, found -1"),
        ({"claim_delay_ms": 1.5}, "faults: claim_delay_ms: expected an integer >= 0, found 1.5"),
        (
            {"drop_after_apply": True},
            "faults: drop_after_apply: expected an integer >= 0, found True",
        ),
        ({"broken_metrics": 1}, "faults: broken_metrics: expected true or false, found 1"),
        (
            {"fail_claim": 1},
            "faults: fail_claim: unknown fault, expected one of fail_claims, drop_after_apply, "
            "claim_delay_ms, metrics_delay_ms, broken_metrics, emission_stalled",
        ),
        ([1], "faults: expected a JSON object of faults, found list"),
    ],
)
def test_bad_faults_are_refused_and_change_nothing(
    devnode: DevnodeFactory, body: object, message: str
) -> None:
    node = devnode()

    response = node.http.post("/devnode/faults", json=body)

    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert node.http.get("/devnode/faults").json() == NO_FAULTS


def test_every_problem_of_a_faults_body_is_reported(devnode: DevnodeFactory) -> None:
    node = devnode()

    response = node.http.post(
        "/devnode/faults", json={"fail_claims": 2, "claim_delay_ms": -5, "broken_metrics": "yes"}
    )

    assert response.json() == {
        "error": "faults: claim_delay_ms: expected an integer >= 0, found -5; "
        "broken_metrics: expected true or false, found 'yes'"
    }
    assert node.http.get("/devnode/faults").json()["fail_claims"] == 0
