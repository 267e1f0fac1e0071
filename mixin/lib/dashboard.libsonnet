// A dashboard of this mixin: its variables (datasource, cluster when several, namespace,
// instance), the selector every query uses, and a layout that places panels in order.
local panels = import 'panels.libsonnet';

local queryVariable(name, label, query) = {
  name: name,
  label: label,
  type: 'query',
  datasource: panels.datasource,
  definition: query,
  query: { query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
  refresh: 2,
  sort: 1,
  multi: true,
  includeAll: true,
  // A label that is absent (no namespace outside Kubernetes) still matches ".*".
  allValue: '.*',
  current: { selected: true, text: ['All'], value: ['$__all'] },
  hide: 0,
  regex: '',
};

// Panels left to right, a new line when the width runs out or a row starts.
local layout(items) =
  local place(state, item) =
    local height = if std.objectHasAll(item, 'height') then item.height
    else if item.type == 'row' then 1
    else if item.type == 'stat' then 4
    else 8;
    local wrap = state.x + item.width > 24;
    local x = if wrap then 0 else state.x;
    local y = if wrap then state.y + state.height else state.y;
    {
      x: x + item.width,
      y: y,
      height: if wrap then height else std.max(state.height, height),
      placed: state.placed + [item {
        id: std.length(state.placed) + 1,
        gridPos: { x: x, y: y, w: item.width, h: height },
      }],
    };
  std.foldl(place, items, { x: 0, y: 0, height: 0, placed: [] }).placed;

{
  // The matchers that limit a query to the chosen cluster, namespace and instances.
  selector(config, jobSelector)::
    std.join(', ', [jobSelector] +
                   (if config.showMultiCluster then ['%s=~"$cluster"' % config.clusterLabel]
                    else []) +
                   ['namespace=~"$namespace"', 'instance=~"$instance"']),

  // A legend that tells series of two instances (and two clusters) apart.
  legend(config, suffix='')::
    (if config.showMultiCluster then '{{%s}}/' % config.clusterLabel else '') +
    '{{instance}}' + (if suffix == '' then '' else ' ' + suffix),

  new(config, title, uidSuffix, description, items, links=[]):: {
    local upSelector = config.exporterSelector,
    local clusterMatcher =
      if config.showMultiCluster then ', %s=~"$cluster"' % config.clusterLabel else '',

    uid: config.dashboardUIDPrefix + uidSuffix,
    title: title,
    description: description,
    tags: config.dashboardTags,
    timezone: config.dashboardTimezone,
    refresh: config.dashboardRefresh,
    time: { from: config.dashboardTimeFrom, to: 'now' },
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    links: [{
      title: 'Emission dashboards',
      type: 'dashboards',
      tags: config.dashboardTags,
      asDropdown: true,
      includeVars: true,
      keepTime: true,
    }] + links,
    annotations: { list: [] },
    templating: {
      list: [{
        name: 'datasource',
        label: 'Data source',
        type: 'datasource',
        query: 'prometheus',
        current: {},
        hide: 0,
        refresh: 1,
        regex: '',
      }] + (
        if config.showMultiCluster then [
          queryVariable(
            'cluster', 'Cluster', 'label_values(up{%s}, %s)' % [upSelector, config.clusterLabel]
          ) { multi: false, includeAll: false, current: {} },
        ] else []
      ) + [
        queryVariable(
          'namespace',
          'Namespace',
          'label_values(up{%s%s}, namespace)' % [upSelector, clusterMatcher],
        ),
        queryVariable(
          'instance',
          'Exporter',
          'label_values(up{%s%s, namespace=~"$namespace"}, instance)'
          % [upSelector, clusterMatcher],
        ),
      ],
    },
    panels: layout(items),
  },
}
