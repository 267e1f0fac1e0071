"""dyt-emissions: scheduled uDRT emission claims for a Dytallix node, paid once and audited."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dyt-emissions")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
