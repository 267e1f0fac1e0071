"""The audit exporter: holds schedule, stamps and logs against the node's metrics."""
