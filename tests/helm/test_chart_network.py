"""The network policies: exactly which traffic each pod may send and receive."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import VARIANTS, Render, WriteValues

DNS_RULE = {
    "to": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}
# The default node peer: every pod of the release's own namespace, as the operations doc says.
SAME_NAMESPACE: list[dict[str, Any]] = [{"podSelector": {"matchLabels": {}}}]


def selector(component: str) -> dict[str, Any]:
    return {
        "matchLabels": {
            "app.kubernetes.io/name": "dyt-emissions",
            "app.kubernetes.io/instance": "dytallix",
            "app.kubernetes.io/component": component,
        }
    }


def test_the_runner_may_reach_dns_and_the_nodes_rpc_port_only(render: Render) -> None:
    policy = render().get("NetworkPolicy", "dytallix-emissions-runner")

    assert policy["spec"] == {
        "podSelector": selector("runner"),
        "policyTypes": ["Ingress", "Egress"],
        "egress": [
            DNS_RULE,
            {"to": SAME_NAMESPACE, "ports": [{"protocol": "TCP", "port": 3030}]},
        ],
    }


def test_the_exporter_may_reach_dns_and_node_metrics_and_only_prometheus_may_reach_it(
    render: Render,
) -> None:
    policy = render().get("NetworkPolicy", "dytallix-emissions-exporter")

    assert policy["spec"] == {
        "podSelector": selector("exporter"),
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
                        },
                        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
                    }
                ],
                "ports": [{"protocol": "TCP", "port": 9817}],
            }
        ],
        "egress": [
            DNS_RULE,
            {"to": SAME_NAMESPACE, "ports": [{"protocol": "TCP", "port": 9464}]},
        ],
    }


def test_the_policies_select_the_pods_they_are_for(render: Render) -> None:
    rendered = render()
    runner = rendered.get("CronJob", "dytallix-emissions")["spec"]["jobTemplate"]["spec"]
    exporter = rendered.get("Deployment", "dytallix-emissions-exporter")["spec"]

    pods = {
        "runner": runner["template"]["metadata"]["labels"],
        "exporter": exporter["template"]["metadata"]["labels"],
    }
    for name, labels in pods.items():
        policy = rendered.get("NetworkPolicy", f"dytallix-emissions-{name}")
        other = pods["exporter" if name == "runner" else "runner"]
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
        assert not policy["spec"]["podSelector"]["matchLabels"].items() <= other.items()


def test_node_and_prometheus_peers_and_ports_come_from_values(
    render: Render, write_values: WriteValues
) -> None:
    values = write_values(
        """
emissions:
  cron:
    rpcUrl: http://rpc.chain.svc:8545
  exporter:
    nodeMetricsUrl: http://rpc.chain.svc:9100/metrics
  networkPolicy:
    node:
      namespaceSelector: {kubernetes.io/metadata.name: chain}
      podSelector: {app: dytallix-node}
      rpcPort: 8545
      metricsPort: 9100
    prometheus:
      namespaceSelector: {team: observability}
      podSelector: {prometheus: main}
"""
    )
    rendered = render("--values", str(values))
    node_peer = [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "chain"}},
            "podSelector": {"matchLabels": {"app": "dytallix-node"}},
        }
    ]

    runner = rendered.get("NetworkPolicy", "dytallix-emissions-runner")["spec"]
    exporter = rendered.get("NetworkPolicy", "dytallix-emissions-exporter")["spec"]
    assert runner["egress"][1] == {"to": node_peer, "ports": [{"protocol": "TCP", "port": 8545}]}
    assert exporter["egress"][1] == {"to": node_peer, "ports": [{"protocol": "TCP", "port": 9100}]}
    assert exporter["ingress"][0]["from"] == [
        {
            "namespaceSelector": {
                "matchLabels": {
                    "kubernetes.io/metadata.name": "monitoring",
                    "team": "observability",
                }
            },
            "podSelector": {
                "matchLabels": {"app.kubernetes.io/name": "prometheus", "prometheus": "main"}
            },
        }
    ]


def test_extra_egress_rules_are_appended_as_given(
    render: Render, write_values: WriteValues
) -> None:
    values = write_values(
        """
emissions:
  cron:
    pingUrl: https://hc.example.org/ping/abc
  networkPolicy:
    extraRunnerEgress:
      - to: [{ipBlock: {cidr: 203.0.113.10/32}}]
        ports: [{protocol: TCP, port: 443}]
"""
    )

    runner = render("--values", str(values)).get("NetworkPolicy", "dytallix-emissions-runner")

    assert runner["spec"]["egress"][2] == {
        "to": [{"ipBlock": {"cidr": "203.0.113.10/32"}}],
        "ports": [{"protocol": "TCP", "port": 443}],
    }


@pytest.mark.parametrize("variant", ["network-policy-off"])
def test_no_policy_when_disabled(render: Render, variant: str) -> None:
    assert render(*VARIANTS[variant]).of_kind("NetworkPolicy") == []
