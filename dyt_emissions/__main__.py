from __future__ import annotations

from dyt_emissions.cli import main

raise SystemExit(main())
