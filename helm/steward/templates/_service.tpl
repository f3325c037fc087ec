{{/*
The objects of one stateless service (every service but the gateway). Each template under
templates/<service>/ calls "steward.statelessService" with (list $ "<values key>").
*/}}
{{- define "steward.statelessService" -}}
{{- $root := index . 0 }}
{{- $key := index . 1 }}
{{- $meta := get (include "steward.catalogue" $root | fromYaml) $key }}
{{- $values := get $root.Values $key }}
{{- if $values.enabled }}
{{- $ctx := dict "root" $root "key" $key "name" $meta.name "values" $values "http" (default false $meta.http) "worker" (default false $meta.worker) }}
{{ include "steward.serviceAccount" $ctx }}
{{ include "steward.deployment" $ctx }}
{{ include "steward.kubeService" $ctx }}
{{ include "steward.autoscaler" $ctx }}
{{ include "steward.pdb" $ctx }}
{{ include "steward.networkPolicy" $ctx }}
{{ include "steward.serviceMonitor" $ctx }}
{{- end }}
{{- end }}

{{- define "steward.serviceAccount" -}}
{{- if .root.Values.serviceAccount.create }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "steward.componentName" (list .root .name) }}
  labels:
    {{- include "steward.labels" (list .root .name) | nindent 4 }}
  {{- with .root.Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ .root.Values.serviceAccount.automountToken }}
{{- end }}
{{- end }}

{{- define "steward.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create }}
{{- include "steward.componentName" (list .root .name) }}
{{- else }}
{{- "default" }}
{{- end }}
{{- end }}

{{/* The replica count, unless an autoscaler owns it. */}}
{{- define "steward.scaledByAutoscaler" -}}
{{- if .values.autoscaling.enabled }}true{{ end }}
{{- end }}

{{- define "steward.deployment" -}}
{{- $root := .root }}
{{- $port := "" }}
{{- if .http }}{{ $port = .values.port }}{{ end }}
{{- $portEnv := list }}
{{- if eq .name "admin-api" }}{{ $portEnv = list (dict "name" "ADMIN_PORT" "value" (toString .values.port)) }}{{ end }}
{{- if eq .name "interactions" }}{{ $portEnv = list (dict "name" "INTERACTIONS_PORT" "value" (toString .values.port)) }}{{ end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "steward.componentName" (list $root .name) }}
  labels:
    {{- include "steward.labels" (list $root .name) | nindent 4 }}
spec:
  {{- if not (include "steward.scaledByAutoscaler" .) }}
  replicas: {{ .values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "steward.selectorLabels" (list $root .name) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels:
        {{- include "steward.labels" (list $root .name) | nindent 8 }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- include "steward.podAnnotations" (list $root .values) | nindent 8 }}
    spec:
      serviceAccountName: {{ include "steward.serviceAccountName" . }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountToken }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- include "steward.podSecurity" $root | nindent 6 }}
      # Consumers drain in-flight work on SIGTERM before the pod goes away.
      terminationGracePeriodSeconds: 45
      containers:
        {{- include "steward.container" (dict "root" $root "name" .name "values" .values "port" $port "extraEnv" $portEnv) | nindent 8 }}
      {{- include "steward.volumes" $root | nindent 6 }}
      {{- include "steward.scheduling" (list $root .values) | nindent 6 }}
{{- end }}

{{- define "steward.kubeService" -}}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "steward.componentName" (list .root .name) }}
  labels:
    {{- include "steward.labels" (list .root .name) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "steward.selectorLabels" (list .root .name) | nindent 4 }}
  ports:
    - name: ops
      port: {{ .root.Values.opsPort }}
      targetPort: ops
      protocol: TCP
    {{- if .http }}
    - name: http
      port: {{ .values.port }}
      targetPort: http
      protocol: TCP
    {{- end }}
{{- end }}

{{/* KEDA on JetStream consumer lag for workers when autoscaling.keda.enabled, else a CPU HPA. */}}
{{- define "steward.autoscaler" -}}
{{- $root := .root }}
{{- $name := include "steward.componentName" (list $root .name) }}
{{- if .values.autoscaling.enabled }}
{{- if and .worker $root.Values.autoscaling.keda.enabled }}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ $name }}
  labels:
    {{- include "steward.labels" (list $root .name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicaCount: {{ .values.autoscaling.minReplicas }}
  maxReplicaCount: {{ .values.autoscaling.maxReplicas }}
  pollingInterval: {{ $root.Values.autoscaling.keda.pollingInterval }}
  cooldownPeriod: {{ $root.Values.autoscaling.keda.cooldownPeriod }}
  {{- /* One trigger per durable consumer of the service; KEDA scales on the busiest. */}}
  {{- $autoscaling := .values.autoscaling }}
  triggers:
    {{- range prepend (default list .values.jetstream.additionalConsumers) (dict "stream" .values.jetstream.stream "consumer" .values.jetstream.consumer) }}
    - type: nats-jetstream
      metadata:
        natsServerMonitoringEndpoint: {{ $root.Values.nats.monitoringEndpoint | quote }}
        account: {{ $root.Values.nats.account | quote }}
        stream: {{ .stream | quote }}
        consumer: {{ .consumer | quote }}
        lagThreshold: {{ $autoscaling.lagThreshold | toString | quote }}
        activationLagThreshold: {{ $autoscaling.activationLagThreshold | toString | quote }}
        useHttps: {{ $root.Values.nats.monitoringUseHttps | toString | quote }}
    {{- end }}
{{- else }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels:
    {{- include "steward.labels" (list $root .name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ .values.autoscaling.minReplicas }}
  maxReplicas: {{ .values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}
{{- end }}

{{- define "steward.pdb" -}}
{{- if .values.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "steward.componentName" (list .root .name) }}
  labels:
    {{- include "steward.labels" (list .root .name) | nindent 4 }}
spec:
  maxUnavailable: {{ .values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "steward.selectorLabels" (list .root .name) | nindent 6 }}
{{- end }}
{{- end }}

{{- define "steward.networkPolicy" -}}
{{- $root := .root }}
{{- if $root.Values.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "steward.componentName" (list $root .name) }}
  labels:
    {{- include "steward.labels" (list $root .name) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "steward.selectorLabels" (list $root .name) | nindent 6 }}
  policyTypes:
    - Ingress
    {{- if $root.Values.networkPolicy.egress }}
    - Egress
    {{- end }}
  ingress:
    # /metrics for Prometheus (kubelet probes are not subject to NetworkPolicy).
    - ports:
        - port: ops
          protocol: TCP
      {{- with $root.Values.networkPolicy.metricsFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- if .http }}
    - ports:
        - port: http
          protocol: TCP
      {{- with $root.Values.networkPolicy.httpFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
  {{- with $root.Values.networkPolicy.egress }}
  egress:
    - ports:
        - { port: 53, protocol: UDP }
        - { port: 53, protocol: TCP }
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{- define "steward.serviceMonitor" -}}
{{- $root := .root }}
{{- if $root.Values.metrics.serviceMonitor.enabled }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "steward.componentName" (list $root .name) }}
  labels:
    {{- include "steward.labels" (list $root .name) | nindent 4 }}
    {{- with $root.Values.metrics.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "steward.selectorLabels" (list $root .name) | nindent 6 }}
  endpoints:
    - port: ops
      path: /metrics
      interval: {{ $root.Values.metrics.serviceMonitor.interval }}
      scrapeTimeout: {{ $root.Values.metrics.serviceMonitor.scrapeTimeout }}
{{- end }}
{{- end }}
