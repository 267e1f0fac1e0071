"""A simulated Dytallix node that keeps NODE-CONTRACT.md, for tests, demos and rehearsals."""
