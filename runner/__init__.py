"""The claim runner: pays each due schedule entry exactly once, and owns the on-disk formats."""
