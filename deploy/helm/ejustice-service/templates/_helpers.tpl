{{/*
Service name (filing, gateway, ...); the chart name when unset.
*/}}
{{- define "ejustice-service.name" -}}
{{- default .Chart.Name .Values.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full resource name: fullnameOverride, else the release name when it already
contains the service name, else <release>-<name>.
*/}}
{{- define "ejustice-service.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "ejustice-service.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ejustice-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ejustice-service.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{- define "ejustice-service.image" -}}
{{- $repository := default (printf "ejustice/%s" (include "ejustice-service.name" .)) .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (include "ejustice-service.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{- define "ejustice-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ejustice-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ejustice-service.labels" -}}
helm.sh/chart: {{ include "ejustice-service.chart" . }}
{{ include "ejustice-service.selectorLabels" . }}
app.kubernetes.io/version: {{ include "ejustice-service.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/component: {{ include "ejustice-service.name" . }}
app.kubernetes.io/part-of: ejustice
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "ejustice-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "ejustice-service.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "ejustice-service.servicePort" -}}
{{- default .Values.port (get .Values.service "port") -}}
{{- end -}}

{{/*
Container env: HOST/PORT/ENVIRONMENT, OpenTelemetry, plain `env`, `secretEnv`,
then `extraEnv`.
*/}}
{{- define "ejustice-service.env" -}}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ .Values.port | quote }}
- name: ENVIRONMENT
  value: {{ .Values.environment | quote }}
{{- with .Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ tpl (toString $value) $ | quote }}
{{- end }}
{{- $secretName := .Values.secretEnv.secretName }}
{{- range $name, $key := .Values.secretEnv.vars }}
{{- if $key }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ required "secretEnv.secretName is required" $secretName | quote }}
      key: {{ $key | quote }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
