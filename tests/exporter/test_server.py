"""`dyt-emissions exporter` as a process: endpoints, a failing node, files changing under it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devnode.handle import DevnodeFactory, DevnodeHandle
from exporter.process import ExporterProcess
from tests.exporter.volume import ADDRESSES, Planned, Volume, run_lines

DUE_KEY = "400_ai_module_incentives_dyt1fca4dbb248512504df492901b46ab61453bd203768fc100b_300000"
P = "drt_emission_audit_"

Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Series:
    response = httpx.get(f"{url}/metrics", timeout=30)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(series: Series, name: str, **labels: str) -> float | None:
    return series.get((P + name, tuple(sorted(labels.items()))))


@pytest.fixture
def node(devnode: DevnodeFactory) -> DevnodeHandle:
    return devnode(start_height=420)


@pytest.fixture
def legacy_exporter(shared_cases: Path, node: DevnodeHandle) -> Iterator[ExporterProcess]:
    assert node.metrics_url is not None
    with ExporterProcess(
        schedule=shared_cases / "schedules" / "small.yaml",
        log_dir=shared_cases / "legacy-logdir",
        node_metrics_url=node.metrics_url,
        node_timeout=0.5,
    ) as exporter:
        yield exporter


def test_the_four_endpoints_answer(legacy_exporter: ExporterProcess) -> None:
    url = legacy_exporter.url

    assert httpx.get(f"{url}/healthz").text == "ok\n"
    series = scrape(url)
    assert value(series, "entries", pool="ai_module_incentives", status="due") == 1
    assert value(series, "node_scrape_success") == 1

    audit = httpx.get(f"{url}/audit").json()
    assert audit["summary"]["entries"] == {
        "applied": 4,
        "in_doubt": 0,
        "conflict": 0,
        "damaged": 0,
        "due": 1,
        "missed": 0,
        "future": 3,
    }
    first = audit["entries"][0]
    assert {k: first[k] for k in ("key", "height", "pool", "amount_udrt", "status")} == {
        "key": DUE_KEY,
        "height": 400,
        "pool": "ai_module_incentives",
        "amount_udrt": 300000,
        "status": "due",
    }
    assert [e["status"] for e in audit["entries"]] == ["due"] + ["future"] * 3 + ["applied"] * 4

    page = httpx.get(f"{url}/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert DUE_KEY in page.text
    assert httpx.get(f"{url}/nothing").status_code == 404
    assert httpx.post(f"{url}/metrics").status_code == 405


@pytest.mark.parametrize(
    ("faults", "kind"),
    [({"broken_metrics": True}, "malformed"), ({"metrics_delay_ms": 3000}, "timeout")],
)
def test_a_node_serving_garbage_or_too_slowly_fails_only_its_own_series(
    legacy_exporter: ExporterProcess, node: DevnodeHandle, faults: dict[str, object], kind: str
) -> None:
    assert value(scrape(legacy_exporter.url), "node_scrape_success") == 1
    node.faults(**faults)

    series = scrape(legacy_exporter.url)

    assert value(series, "node_scrape_success") == 0
    assert value(series, "node_block_height") is None
    # The audit goes on at the height last seen: one due entry still.
    assert value(series, "entries", pool="ai_module_incentives", status="due") == 1
    audit = httpx.get(f"{legacy_exporter.url}/audit").json()
    assert audit["summary"]["height_source"] == "node_last_seen"
    assert [p["topic"] for p in audit["problems"]] == ["node_unreachable"]
    assert audit["summary"]["node"]["failure"].startswith(
        {"malformed": "not Prometheus", "timeout": f"{node.metrics_url}/metrics did not answer"}[
            kind
        ]
    )

    node.clear_faults()
    assert value(scrape(legacy_exporter.url), "node_scrape_success") == 1


def test_a_node_that_is_gone_fails_only_its_own_series(
    legacy_exporter: ExporterProcess, node: DevnodeHandle
) -> None:
    assert value(scrape(legacy_exporter.url), "node_scrape_success") == 1
    node.stop()

    series = scrape(legacy_exporter.url)

    assert value(series, "node_scrape_success") == 0
    assert value(series, "runner_runs_total") == 2


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


def test_files_changing_under_a_running_exporter_are_followed_and_never_written(
    tmp_path: Path, shared_cases: Path, node: DevnodeHandle
) -> None:
    log_dir = tmp_path / "logs"
    shutil.copytree(shared_cases / "legacy-logdir", log_dir)
    for path in [log_dir, *log_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    schedule = tmp_path / "schedule.yaml"
    shutil.copyfile(shared_cases / "schedules" / "small.yaml", schedule)
    assert node.metrics_url is not None

    with ExporterProcess(
        schedule=schedule, log_dir=log_dir, node_metrics_url=node.metrics_url
    ) as exporter:
        before = tree(log_dir)
        assert value(scrape(exporter.url), "runner_runs_total") == 2

        # A new day file and a run in it.
        with (log_dir / "20261203.log").open("a") as file:
            file.write(run_lines(421, start=datetime.now(UTC)))
        series = scrape(exporter.url)
        assert value(series, "runner_runs_total") == 3
        assert value(series, "runner_last_height") == 421
        before["20261203.log"] = tree(log_dir)["20261203.log"]

        # The schedule turns invalid: the last valid one stays in use.
        schedule.write_text("entries: 5\n")
        series = scrape(exporter.url)
        assert value(series, "schedule_load_success") == 0
        assert value(series, "entries", pool="staking_rewards", status="applied") == 2

        assert tree(log_dir) == before


def test_a_missing_log_folder_is_reported_then_read_when_it_appears(
    tmp_path: Path, node: DevnodeHandle
) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule([Planned(10, "staking_rewards", ADDRESSES[0], 5)])
    missing = tmp_path / "later"

    with ExporterProcess(schedule=volume.schedule_path, log_dir=missing) as exporter:
        series = scrape(exporter.url)
        assert value(series, "log_read_success") == 0
        assert value(series, "state_read_success") == 0
        assert value(series, "runner_runs_total") is None

        missing.mkdir()
        (missing / "20261203.log").write_text(run_lines(12))
        series = scrape(exporter.url)
        assert value(series, "log_read_success") == 1
        assert value(series, "runner_runs_total") == 1
        assert value(series, "entries", pool="staking_rewards", status="due") == 1


def test_sigterm_stops_it_cleanly(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule([Planned(10, "staking_rewards", ADDRESSES[0], 5)])
    exporter = ExporterProcess(schedule=volume.schedule_path, log_dir=volume.log_dir).start()
    assert exporter.pid is not None

    os.kill(exporter.pid, signal.SIGTERM)

    assert exporter.stop() == 0
    assert "exporter stop signal=SIGTERM" in exporter.stderr()
    exporter.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "nowhere"], "argument --listen: expected HOST:PORT"),
        (
            ["--node-metrics-url", "ftp://x"],
            "argument --node-metrics-url: expected an http(s) URL",
        ),
        (["--missed-grace-blocks", "-1"], "argument --missed-grace-blocks: expected an integer"),
        (["--node-timeout", "0"], "argument --node-timeout: expected seconds in (0, 60]"),
        (
            ["--stamp-recheck-seconds", "0"],
            "argument --stamp-recheck-seconds: expected seconds in (0, 3600]",
        ),
    ],
)
def test_bad_flags_are_a_clear_message_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dyt_emissions", "exporter", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_a_clear_message(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    with ExporterProcess(schedule=volume.schedule_path, log_dir=volume.log_dir) as first:
        taken = first.url.removeprefix("http://")
        result = subprocess.run(
            [sys.executable, "-m", "dyt_emissions", "exporter", "--listen", taken],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"exporter: cannot listen on {taken}: Address already in use" in result.stderr


def test_a_stamp_damaged_in_place_under_a_running_exporter_turns_damaged(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    paid = Planned(100, "block_rewards", ADDRESSES[0], 2_500_000)
    volume.write_schedule([paid])
    volume.stamp(paid)
    volume.append(run_lines(120, start=datetime.now(UTC)))
    stamp = volume.state_dir / f"{paid.key}.stamp"

    with ExporterProcess(
        schedule=volume.schedule_path,
        log_dir=volume.log_dir,
        extra_args=["--stamp-recheck-seconds", "0.2"],
    ) as exporter:
        series = scrape(exporter.url)
        assert value(series, "entries", pool="block_rewards", status="applied") == 1
        folder_mtime = volume.state_dir.stat().st_mtime_ns

        with stamp.open("r+b") as file:  # `: > stamp`: in place, same inode
            file.truncate(0)
        assert volume.state_dir.stat().st_mtime_ns == folder_mtime

        deadline = time.monotonic() + 60
        while value(series, "entries", pool="block_rewards", status="damaged") != 1:
            assert time.monotonic() < deadline, "the damaged stamp was never seen"
            time.sleep(0.1)
            series = scrape(exporter.url)
        assert value(series, "entries", pool="block_rewards", status="applied") == 0
        damaged = httpx.get(f"{exporter.url}/audit").json()["entries"][0]
        assert (damaged["status"], damaged["reason"]) == ("damaged", "empty stamp")
