{{/* The chart's name, cut to the 63 characters of a DNS label. */}}
{{- define "trailhound.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name alone when it already names the chart. */}}
{{- define "trailhound.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels every object of the release carries. */}}
{{- define "trailhound.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "trailhound.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The bot's objects; the component keeps its selectors off the bundled Redis. */}}
{{- define "trailhound.labels" -}}
{{ include "trailhound.commonLabels" . }}
app.kubernetes.io/component: bot
{{- end }}

{{- define "trailhound.redisLabels" -}}
{{ include "trailhound.commonLabels" . }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "trailhound.selectorLabels" -}}
app.kubernetes.io/name: {{ include "trailhound.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: bot
{{- end }}

{{- define "trailhound.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "trailhound.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "trailhound.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "trailhound.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the Slack tokens are read from. */}}
{{- define "trailhound.slackSecretName" -}}
{{- default (include "trailhound.fullname" .) .Values.slack.existingSecret }}
{{- end }}

{{/* Whether the bundled trial Redis runs: only when no other Redis is named. */}}
{{- define "trailhound.bundledRedis" -}}
{{- if and .Values.redis.bundled.enabled (not .Values.redis.url) (not .Values.redis.existingSecret) }}true{{ end }}
{{- end }}

{{/* The chart's own Secret is needed for tokens given as values, or a Redis URL given as a value. */}}
{{- define "trailhound.ownSecret" -}}
{{- if or (not .Values.slack.existingSecret) .Values.redis.url }}true{{ end }}
{{- end }}

{{/* A list value as the comma-separated string the product reads; a string passes as is. */}}
{{- define "trailhound.csv" -}}
{{- if kindIs "slice" . }}{{ join "," . }}{{ else }}{{ . }}{{ end }}
{{- end }}
