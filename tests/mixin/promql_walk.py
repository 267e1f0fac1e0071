"""Walk a parsed PromQL expression: which metrics it reads, through which functions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import promql_parser

# Grafana's variables, as a value PromQL accepts in their place.
GRAFANA_VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
    "$datasource": "x",
    "$cluster": "x",
    "$namespace": "x",
    "$instance": "x",
}


@dataclass(frozen=True)
class MetricUse:
    """A metric an expression reads, its matchers, and the function over its range (if any)."""

    metric: str
    function: str | None
    matchers: frozenset[str]


def without_grafana_variables(expr: str) -> str:
    """A dashboard query as plain PromQL, for promtool and the parser."""
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def metric_uses(expr: str) -> list[MetricUse]:
    """Every selector of `expr`, with the range function that reads it."""
    return list(_walk(promql_parser.parse(expr), None))


def aggregations(expr: str) -> list[str]:
    """The modifier of every aggregation in `expr`, such as 'by (instance)' or 'without (kind)'."""
    return list(_modifiers(promql_parser.parse(expr)))


# Nodes whose one child is `.expr`.
_WRAPPERS = (
    promql_parser.AggregateExpr,
    promql_parser.ParenExpr,
    promql_parser.SubqueryExpr,
    promql_parser.UnaryExpr,
)


def _children(node: object) -> Iterator[object]:
    if isinstance(node, promql_parser.BinaryExpr):
        yield from (node.lhs, node.rhs)
    elif isinstance(node, promql_parser.Call):
        yield from node.args
    elif isinstance(node, _WRAPPERS):
        yield node.expr
    elif isinstance(node, promql_parser.MatrixSelector):
        yield node.vector_selector


def _walk(node: object, function: str | None) -> Iterator[MetricUse]:
    if isinstance(node, promql_parser.VectorSelector):
        assert node.name, f"a selector without a metric name: {node}"
        matchers = frozenset(str(matcher) for matcher in node.matchers.matchers)
        yield MetricUse(node.name, function, matchers)
        return
    if isinstance(node, promql_parser.Call):
        for argument in node.args:
            inner = node.func.name if isinstance(argument, promql_parser.MatrixSelector) else None
            yield from _walk(argument, inner)
        return
    for child in _children(node):
        yield from _walk(child, None)


def _modifiers(node: object) -> Iterator[str]:
    if isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
        yield str(node.modifier)
    for child in _children(node):
        yield from _modifiers(child)
