"""Block production: a timer thread that adds one block per interval, and pause/resume."""

from __future__ import annotations

import threading

from devnode.chain import Chain
from devnode.faults import Faults


class BlockProducer:
    """Produces blocks on the chain every `interval_ms` (0: only when asked, by `advance`).

    Pausing stops the timer's blocks only: `advance` is a test's explicit request and
    always works. The emission-stall fault is honoured here, for both.
    """

    def __init__(self, chain: Chain, faults: Faults, interval_ms: int) -> None:
        self.chain = chain
        self.faults = faults
        self.interval_ms = interval_ms
        self._paused = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="block-timer", daemon=True)

    def start(self) -> None:
        if self.interval_ms > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def advance(self, blocks: int) -> int:
        """Produce `blocks` blocks now; returns the new height."""
        return self.chain.produce_blocks(blocks, emit=not self.faults.emission_stalled)

    def _run(self) -> None:
        # A fixed wait between blocks: a late block delays the next, as on a busy node.
        while not self._stopped.wait(self.interval_ms / 1000):
            if not self.paused:
                self.advance(1)
