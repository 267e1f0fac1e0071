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
        self._paused = False
        self._pause_lock = threading.Lock()
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
        """Stop the timer's blocks; once this returns, no timer block comes until resume."""
        with self._pause_lock:
            self._paused = True

    def resume(self) -> None:
        with self._pause_lock:
            self._paused = False

    @property
    def paused(self) -> bool:
        with self._pause_lock:
            return self._paused

    def advance(self, blocks: int) -> int:
        """Produce `blocks` blocks now; returns the new height."""
        return self.chain.produce_blocks(blocks, emit=not self.faults.emission_stalled)

    def _run(self) -> None:
        # A fixed wait between blocks: a late block delays the next, as on a busy node.
        while not self._stopped.wait(self.interval_ms / 1000):
            with self._pause_lock:
                if not self._paused:
                    self.advance(1)
