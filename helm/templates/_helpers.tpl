{{/* Names and labels shared by the templates. */}}

{{- define "dyt-emissions.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
"<release>-emissions", so release "dytallix" gives the CronJob "dytallix-emissions" the
operations doc names. 52 characters at most: a CronJob's Jobs add 11 to its name.
*/}}
{{- define "dyt-emissions.fullname" -}}
{{- $name := .Values.fullnameOverride | default (printf "%s-emissions" .Release.Name) }}
{{- $name | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "dyt-emissions.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dyt-emissions.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "dyt-emissions.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "dyt-emissions.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The runner's pods; the exporter's affinity and network policy select on these. */}}
{{- define "dyt-emissions.runnerSelectorLabels" -}}
{{ include "dyt-emissions.selectorLabels" . }}
app.kubernetes.io/component: runner
{{- end }}

{{/* The exporter's pods; the Service, the runner's affinity and the policies select on these. */}}
{{- define "dyt-emissions.exporterSelectorLabels" -}}
{{ include "dyt-emissions.selectorLabels" . }}
app.kubernetes.io/component: exporter
{{- end }}

{{- define "dyt-emissions.logsClaimName" -}}
{{- .Values.emissions.cron.logPvc.existingClaim | default (printf "%s-logs" (include "dyt-emissions.fullname" .)) }}
{{- end }}

{{- define "dyt-emissions.scheduleConfigMapName" -}}
{{- .Values.emissions.scheduleFile.existingConfigMap | default (printf "%s-schedule" (include "dyt-emissions.fullname" .)) }}
{{- end }}

{{/* An image name without a tag or digest gets the chart's appVersion as its tag. */}}
{{- define "dyt-emissions.imageRef" -}}
{{- $lastSegment := last (splitList "/" .image) }}
{{- if or (contains ":" $lastSegment) (contains "@" $lastSegment) }}
{{- .image }}
{{- else }}
{{- printf "%s:%s" .image .appVersion }}
{{- end }}
{{- end }}

{{/*
A one-item list holding a NetworkPolicyPeer built from two matchLabels maps. Without a
namespaceSelector the peer is in the policy's own namespace; an empty podSelector is every pod.
*/}}
{{- define "dyt-emissions.peer" -}}
{{- $peer := dict "podSelector" (dict "matchLabels" .podSelector) }}
{{- if .namespaceSelector }}
{{- $_ := set $peer "namespaceSelector" (dict "matchLabels" .namespaceSelector) }}
{{- end }}
{{- list $peer | toYaml }}
{{- end }}
