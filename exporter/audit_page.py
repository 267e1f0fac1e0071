"""The audit as one self-contained HTML page (`/`): readable without Grafana.

What needs a person comes first: problems beyond single entries, then the
entries in doubt, in conflict, damaged, missed and due, each with what to do,
a link to the section of the docs that explains it and, for an entry in doubt,
in conflict or with a damaged stamp, the exact `dyt-emissions resolve` commands.
Then the totals, the runner and the node. Every value from the files is escaped
(Jinja2 autoescape): a schedule or a log line cannot inject markup. No script, no external asset.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, StrictUndefined

from dyt_emissions import __version__
from exporter.advice import Advisor
from exporter.audit import Audit
from exporter.audit_json import entry_record, problems, summary

# Entries beyond the attention list are not listed on the page (see /audit for all).
MAX_ROWS = 2000

_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; padding: 0 1.5rem;
  max-width: 72rem; color: #1b1f24; }
.card { border: 1px solid #d0d7de; border-left: 4px solid #cf222e; border-radius: 4px;
  padding: .5rem .75rem; margin: .5rem 0; }
.card.entry[data-status="due"] { border-left-color: #9a6700; }
.card > div { margin: .1rem 0; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .4rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, monospace; background: #f6f8fa; padding: 0 .2rem;
  overflow-wrap: anywhere; }
.key { max-width: 22rem; } .muted { color: #57606a; }
.ok { color: #1a7f37; } .bad { color: #cf222e; font-weight: 600; }
.status { font-weight: 600; white-space: nowrap; }
.in_doubt, .conflict, .damaged, .missed { color: #cf222e; } .due { color: #9a6700; }
.problems li { margin-bottom: .4rem; }
pre { margin: .2rem 0; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="muted">Taken {{ s.taken_at }} &middot; height
{% if s.height is none %}unknown{% else %}{{ s.height }} ({{ s.height_source }}){% endif %}
 &middot; grace {{ s.grace_blocks }} blocks &middot; exporter {{ version }}
&middot; <a href="audit">JSON</a> &middot; <a href="metrics">metrics</a></p>

{% if s.needs_attention is none %}
<p class="bad" id="verdict">The entries cannot be judged yet: see the problems below.</p>
{% elif s.needs_attention == 0 and not problems and not mismatches %}
<p class="ok" id="verdict">Nothing needs attention: every due entry is paid.</p>
{% else %}
<p class="bad" id="verdict">Needs attention: {{ count(s.needs_attention, "entry", "entries") }}
{%- if problems %}, {{ count(problems|length, "other problem") }}{% endif %}
{%- if mismatches %}, {{ count(mismatches|length, "ledger mismatch", "ledger mismatches") }}
{%- endif %}.</p>
{% endif %}

{% if problems %}
<h2>Problems</h2>
<ul class="problems" id="problems">
{% for p in problems %}
<li><span class="bad">{{ p.topic }}</span>: {{ p.message }}<br>{{ p.advice.text }}
{% if p.advice.url %}<a href="{{ p.advice.url }}">What to do</a>{% endif %}</li>
{% endfor %}
</ul>
{% endif %}

<h2>Entries that need attention</h2>
{% if attention %}
<div id="attention">
{% for e in attention %}
<div class="card entry" data-key="{{ e.key }}" data-status="{{ e.status }}">
<div><span class="status {{ e.status }}">{{ e.status }}</span>
height {{ e.height }} &middot; {{ e.pool }} &middot; {{ e.amount_udrt }} uDRT</div>
<div>key <code>{{ e.key }}</code></div>
<div>to <code>{{ e.to }}</code></div>
{% if e.reason %}<div>why: {{ e.reason }}</div>{% endif %}
{% if e.advice %}<div>what to do: {{ e.advice }}
{% if e.doc_url %}<a href="{{ e.doc_url }}">How</a>{% endif %}</div>{% endif %}
{% for c in e.commands %}<pre><code>{{ c }}</code></pre>{% endfor %}
</div>
{% endfor %}
</div>
{% if attention_left %}<p class="muted">{{ attention_left }} more: see
<a href="audit">the JSON audit</a>.</p>{% endif %}
{% else %}
<p class="ok">None.</p>
{% endif %}

{% if mismatches %}
<h2>Ledger mismatches</h2>
<div id="mismatches">
{% for m in mismatches %}
<div class="card mismatch" data-key="{{ m.key }}" data-kind="{{ m.kind }}">
<div><span class="status bad">{{ m.kind }}</span> <code>{{ m.key }}</code></div>
<div>{{ m.detail }}</div>
<div>what to do: {{ m.advice.text }} <a href="{{ m.advice.url }}">How</a></div>
{% for c in m.advice.commands %}<pre><code>{{ c }}</code></pre>{% endfor %}
</div>
{% endfor %}
</div>
{% endif %}

<h2>Entries by status</h2>
{% if s.entries is none %}<p class="muted">Not measured.</p>{% else %}
<table id="statuses"><tr>{% for k in s.entries %}<th>{{ k }}</th>{% endfor %}
<th>invalid</th></tr>
<tr>{% for v in s.entries.values() %}<td class="num">{{ v }}</td>{% endfor %}
<td class="num">{{ s.invalid_entries }}</td></tr></table>
{% endif %}

<h2>Pools (uDRT)</h2>
{% if s.pools is none %}<p class="muted">Not measured.</p>{% else %}
<table id="pools"><tr><th>pool</th><th>scheduled</th><th>paid</th><th>due, unpaid</th></tr>
{% for pool, t in s.pools.items() %}
<tr><td>{{ pool }}</td><td class="num">{{ t.scheduled_udrt }}</td>
<td class="num">{{ t.paid_udrt }}</td>
<td class="num">{{ "unknown" if t.due_udrt is none else t.due_udrt }}</td></tr>
{% endfor %}
</table>
<p>Shortfall against the node's pools:
{{ "unknown" if s.shortfall_udrt is none else s.shortfall_udrt }} uDRT.
Oldest unpaid due entry:
{{ "unknown" if s.overdue_blocks is none else s.overdue_blocks }} blocks overdue.</p>
{% endif %}

<h2>Runner</h2>
<table id="runner">
<tr><th>last start</th><td>{{ s.runner.last_start or "never seen" }}</td></tr>
<tr><th>last end</th><td>{{ s.runner.last_end or "never seen" }}</td></tr>
<tr><th>last success</th><td>{{ s.runner.last_success or "never seen" }}</td></tr>
<tr><th>last height seen</th><td>{{ known(s.runner.last_height, "never seen") }}</td></tr>
<tr><th>runs in the logs</th><td>{{ known(s.runner.runs, "logs not read") }}</td></tr>
<tr><th>error lines</th><td>{% if s.runner.errors %}{% for k, v in s.runner.errors.items()
if v %}{{ k }}: {{ v }} {% else %}none{% endfor %}{% endif %}</td></tr>
<tr><th>unparsable log lines</th><td>{{ known(s.logs.parse_errors, "logs not read") }}</td>
</tr>
</table>

<h2>Node</h2>
{% if s.node is none %}<p class="muted">No node metrics URL configured.</p>{% else %}
<table id="node">
<tr><th>metrics</th><td><code>{{ s.node.url }}</code>
{% if s.node.success %}<span class="ok">read</span>{% else %}<span class="bad">not read:
{{ s.node.failure }}</span>{% endif %}</td></tr>
{% set unread = "unknown (node metrics unreachable)" if not s.node.success else "unknown" %}
<tr><th>block height</th><td>{{ known(s.node.block_height, unread) }}</td></tr>
<tr><th>applied height</th><td>{{ known(s.node.applied_height, unread) }}</td></tr>
<tr><th>pending uDRT</th><td>{{ known(s.node.pending_udrt, unread) }}</td></tr>
<tr><th>last apply</th><td>{{ known(s.node.last_apply, unread) }}</td></tr>
</table>
{% endif %}

<h2>Schedule</h2>
<p><code>{{ s.schedule.path }}</code>:
{% if s.schedule.valid %}<span class="ok">valid</span>{% else %}
<span class="bad">invalid</span>{% endif %},
{{ count(s.schedule.entries or 0, "entry", "entries") }} in use,
loaded {{ s.schedule.loaded_at or "never" }}.</p>
</body>
</html>
"""


def count(number: int, singular: str, plural: str | None = None) -> str:
    """`1 entry`, `2 entries`: a number with its noun, as a person writes it."""
    noun = singular if number == 1 else (plural or singular + "s")
    return f"{number} {noun}"


def known(value: object, unknown: str) -> object:
    """The value, or what to say instead of Python's None."""
    return unknown if value is None else value


_environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True)
_environment.globals.update(count=count, known=known)
_template = _environment.from_string(_TEMPLATE)


def render_page(audit: Audit, advisor: Advisor, title: str = "Emission audit") -> str:
    """The HTML page of one audit."""
    attention = [entry_record(state, advisor) for state in audit.entries(attention_only=True)]
    mismatches: list[dict[str, Any]] = [
        {
            "kind": m.kind,
            "key": m.key,
            "detail": m.detail,
            "advice": advisor.for_mismatch(m.kind, m.key),
        }
        for m in audit.mismatch_details
    ]
    return _template.render(
        title=title,
        version=__version__,
        s=summary(audit),
        problems=problems(audit, advisor),
        attention=attention[:MAX_ROWS],
        attention_left=max(0, len(attention) - MAX_ROWS),
        mismatches=mismatches[:MAX_ROWS],
    )
