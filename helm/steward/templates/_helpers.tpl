{{/* Names ------------------------------------------------------------------------------- */}}

{{- define "steward.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "steward.fullname" -}}
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

{{/* "<fullname>-<component>", e.g. steward-router. Argument: (list $ "router"). */}}
{{- define "steward.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "steward.fullname" $root | trunc 50 | trimSuffix "-") (index . 1) }}
{{- end }}

{{- define "steward.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels. Argument: (list $ "router"). */}}
{{- define "steward.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "steward.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "steward.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ include "steward.chart" $root }}
{{ include "steward.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: steward
{{- end }}

{{/* The image reference: digest wins over tag; tag defaults to appVersion. */}}
{{- define "steward.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "steward.secretName" -}}
{{- default (include "steward.componentName" (list . "secrets")) .Values.secrets.existingSecret }}
{{- end }}

{{- define "steward.natsUrl" -}}
{{- if and .Values.nats.enabled (not .Values.nats.url) }}
{{- printf "nats://%s-nats:4222" .Release.Name }}
{{- else }}
{{- required "nats.url is required: the client URL of a NATS server with JetStream" .Values.nats.url }}
{{- end }}
{{- end }}

{{/*
The services the chart knows: values key, Kubernetes name, HTTP port (name of the values key
holding it), whether it has a JetStream worker KEDA can scale. Keep in step with services/.
*/}}
{{- define "steward.catalogue" -}}
interactions: { name: interactions, http: true, worker: true }
router: { name: router, worker: true }
answer: { name: answer, worker: true }
egress: { name: egress, worker: true }
moderation: { name: moderation, worker: true }
adminApi: { name: admin-api, http: true }
metering: { name: metering }
scheduler: { name: scheduler }
takeover: { name: takeover, worker: true }
{{- end }}

{{/* Pod pieces ---------------------------------------------------------------------------- */}}

{{/* Environment of every service. Argument: (list $ serviceValues). */}}
{{- define "steward.env" -}}
{{- $root := index . 0 -}}
{{- $service := index . 1 }}
{{- $secret := include "steward.secretName" $root }}
{{- range $key, $variable := $root.Values.secrets.keys }}
- name: {{ $variable }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $variable }}
      optional: true
{{- end }}
{{- range $name, $value := $service.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{- define "steward.podSecurity" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* Ops probes. Argument: $. */}}
{{- define "steward.probes" -}}
startupProbe:
  httpGet: { path: /healthz, port: ops }
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: { path: /healthz, port: ops }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: ops }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
{{- end }}

{{/* Scheduling keys: the service's own, else the chart-wide ones. Argument: (list $ serviceValues). */}}
{{- define "steward.scheduling" -}}
{{- $root := index . 0 -}}
{{- $service := index . 1 }}
{{- with (default $root.Values.nodeSelector $service.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $root.Values.tolerations $service.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $root.Values.affinity $service.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Pod annotations: config checksum (pods roll when configuration changes) and extras. Argument: (list $ serviceValues). */}}
{{- define "steward.podAnnotations" -}}
{{- $root := index . 0 -}}
{{- $service := index . 1 }}
checksum/config: {{ include (print $root.Template.BasePath "/config/configmap.yaml") $root | sha256sum }}
{{- if not $root.Values.secrets.existingSecret }}
checksum/secret: {{ include (print $root.Template.BasePath "/config/secret.yaml") $root | sha256sum }}
{{- end }}
{{- with $root.Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- with $service.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The container of a service. Argument: (dict "root" $ "name" "router" "values" $values "port" 8080 "extraEnv" list). */}}
{{- define "steward.container" -}}
{{- $root := .root }}
- name: {{ .name }}
  image: {{ include "steward.image" $root }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  args: ["node", "services/{{ .name }}/src/main.js"]
  envFrom:
    - configMapRef:
        name: {{ include "steward.componentName" (list $root "config") }}
  env:
    {{- with .extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- include "steward.env" (list $root .values) | nindent 4 }}
  ports:
    - name: ops
      containerPort: {{ $root.Values.opsPort }}
      protocol: TCP
    {{- if .port }}
    - name: http
      containerPort: {{ .port }}
      protocol: TCP
    {{- end }}
  {{- include "steward.probes" $root | nindent 2 }}
  resources:
    {{- toYaml .values.resources | nindent 4 }}
  securityContext:
    {{- toYaml $root.Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end }}

{{- define "steward.volumes" -}}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}
