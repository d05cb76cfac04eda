"""
tv_harvester: the weekly harvest as one Airflow task per step (docs/orchestration.md).

    migrate >> listing >> details >> omdb >> ratings_sites >> publish

Every task runs the project's image (``tv-harvester``) in a pod of its own with the KubernetesPodOperator; each
step task runs ``harvest --run-key KEY --step STEP``, where KEY is the ISO week of the DAG run's logical date
(``2026-W49``), so a retry, a cleared task or a re-run of the DAG run resumes the same harvest run without asking
the upstreams again for what it already has, and a run that succeeded is a no-op (exit 0). The run stays
unpublished (no view shows its facts) until ``publish`` has run the quality expectations.

Exit codes (src/exit-codes.ts): 0 done; 75, 130 and 143 are temporary (upstream or database unreachable, the
harvest lock held, the pod stopped): Airflow's retries with exponential back-off resume the run. 1, 2, 65
(quality) and 66 (step out of order) need a person: a retry fails again within seconds.

Each step's summary JSON (``--summary-json``) is written to /airflow/xcom/return.json, so it is the task's
XCom (``ti.xcom_pull(task_ids="details")["counts"]["seriesLoaded"]``). Each step pushes its metrics to the
Pushgateway with ``step`` in the grouping key (PUSHGATEWAY_URL), so the steps do not replace each other's
group; Prometheus' alert rules and the Grafana boards read them as they read a one-shot harvest.

Configuration (Airflow Variables, read when a task runs, not when the file is parsed):
  tv_harvester_image            the image, e.g. registry.example.com/tv-harvester:0.1.0
  tv_harvester_namespace        the namespace of the pods (default tv-harvester)
  tv_harvester_pushgateway_url  e.g. http://pushgateway.monitoring:9091 (empty: no push)
Secrets: the Kubernetes Secret ``tv-harvester`` (DATABASE_URL, TMDB_API_KEY or TMDB_ACCESS_TOKEN, OMDB_API_KEY),
given to the pods as environment variables by reference; nothing secret is in this file or in Airflow.
Pool: ``tmdb`` (1 slot; airflow_settings.yaml creates it locally): the TMDB steps of this DAG and of any other
DAG that calls TMDB with the same key take its slot, so they never share TMDB's 40 requests a second.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from kubernetes.client import models as k8s

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret

try:  # Airflow 3 (Astro Runtime 3.x)
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

# The harvest of the DAG run's week: the ISO week of its logical date. The same week, the same harvest run.
RUN_KEY = "{{ logical_date.strftime('%G-W%V') }}"
# Where the KubernetesPodOperator's sidecar reads the task's XCom from.
XCOM = "/airflow/xcom/return.json"
IMAGE = "{{ var.value.get('tv_harvester_image', 'tv-harvester:0.1.0') }}"
NAMESPACE = "{{ var.value.get('tv_harvester_namespace', 'tv-harvester') }}"

# Pods: the image runs as the non-root user `node` (uid 1000) on a read-only root file system; Chromium (the
# ratings sites' browser fallback) writes its profile under HOME and needs a /dev/shm larger than 64 MB. (Unlike
# the CronJob, these pods do not share their process namespace: node is PID 1, handles SIGTERM itself, and a pod
# lives for one step, so Chromium's exited processes are not reaped before the pod ends; that is harmless.)
POD_SECURITY = {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000, "seccompProfile": {"type": "RuntimeDefault"}}
CONTAINER_SECURITY = {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
VOLUMES = [
    k8s.V1Volume(name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="512Mi")),
    k8s.V1Volume(name="shm", empty_dir=k8s.V1EmptyDirVolumeSource(medium="Memory", size_limit="256Mi")),
]
VOLUME_MOUNTS = [
    k8s.V1VolumeMount(name="tmp", mount_path="/tmp"),
    k8s.V1VolumeMount(name="shm", mount_path="/dev/shm"),
]
# Peak RSS of a harvest of 10,000 series: 262 MiB (BENCHMARKS.md, start-up floor 84 MiB). Chromium, started
# only by the ratings-sites step for pages that need it, is not part of that figure: that step gets 1 GiB.
RESOURCES = k8s.V1ResourceRequirements(requests={"cpu": "250m", "memory": "320Mi"}, limits={"cpu": "1", "memory": "512Mi"})
RESOURCES_WITH_BROWSER = k8s.V1ResourceRequirements(requests={"cpu": "500m", "memory": "640Mi"}, limits={"cpu": "2", "memory": "1Gi"})

default_args = {
    "owner": "data-platform",
    # Temporary failures (exit 75, a stopped pod) resume the keyed run: 2, 4, 8 minutes apart, at most 30.
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def harvester_pod(task_id: str, arguments: list[str], execution_timeout: timedelta, **kwargs) -> KubernetesPodOperator:
    """A task running the tv-harvester image with `arguments` (the image's entrypoint is `node dist/main.js`)."""
    return KubernetesPodOperator(
        task_id=task_id,
        name=f"tv-harvester-{task_id.replace('_', '-')}",
        namespace=NAMESPACE,
        image=IMAGE,
        arguments=arguments,
        env_vars={
            "PUSHGATEWAY_URL": "{{ var.value.get('tv_harvester_pushgateway_url', '') }}",
            "HOME": "/tmp",
            "LOG_LEVEL": "info",
        },
        secrets=[Secret(deploy_type="env", deploy_target=None, secret="tv-harvester")],
        security_context=POD_SECURITY,
        container_security_context=CONTAINER_SECURITY,
        volumes=VOLUMES,
        volume_mounts=VOLUME_MOUNTS,
        container_resources=kwargs.pop("container_resources", RESOURCES),
        # SIGTERM (a timeout, a cleared task): the harvester stops taking work, finishes its writes within its
        # 10 s shutdown deadline and marks the run interrupted; 60 s before Kubernetes' SIGKILL.
        termination_grace_period=60,
        execution_timeout=execution_timeout,
        get_logs=True,
        on_finish_action="delete_succeeded_pod",
        labels={"app.kubernetes.io/name": "tv-harvester", "app.kubernetes.io/component": task_id.replace("_", "-")},
        **kwargs,
    )


with DAG(
    dag_id="tv_harvester",
    description="Weekly harvest of TMDB's top-rated TV series with IMDb, Rotten Tomatoes and Metacritic ratings",
    schedule="0 3 * * 1",
    start_date=pendulum.datetime(2026, 1, 5, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["tv-harvester"],
    doc_md=__doc__,
) as dag:
    migrate = harvester_pod(
        task_id="migrate",
        arguments=["migrate"],
        execution_timeout=timedelta(minutes=10),
    )
    # Execution timeouts from BENCHMARKS.md: each upstream stage ran at 1.00-1.35 x its bound (requests / rate
    # limit), for about 3,000 listed series at TMDB's 40 req/s, OMDb's 10 req/s (1,000 a day) and 1 req/s per
    # site; plus HTTP_RATE_LIMIT_DEADLINE_SECONDS (15 min) that one request may wait out 429s, and 5 min to
    # start a pod. A timeout stops the pod with SIGTERM; the retry resumes where it stopped.
    listing = harvester_pod(
        # 1 genre list + 150 pages of /tv/top_rated + /tv/changes: about 4 s at 40 req/s.
        task_id="listing",
        arguments=["harvest", "--run-key", RUN_KEY, "--step", "listing", "--summary-json", XCOM],
        execution_timeout=timedelta(minutes=20),
        do_xcom_push=True,
        pool="tmdb",
    )
    details = harvester_pod(
        # A full run's 3,000 details at 40 req/s: 75 s, x 1.35 = 101 s (a weekly incremental run: a seventh of that).
        task_id="details",
        arguments=["harvest", "--run-key", RUN_KEY, "--step", "details", "--summary-json", XCOM],
        execution_timeout=timedelta(minutes=25),
        do_xcom_push=True,
        pool="tmdb",
    )
    omdb = harvester_pod(
        # The day's budget of 1,000 lookups at 10 req/s: 100 s, x 1.35 = 135 s.
        task_id="omdb",
        arguments=["harvest", "--run-key", RUN_KEY, "--step", "omdb", "--summary-json", XCOM],
        execution_timeout=timedelta(minutes=25),
        do_xcom_push=True,
    )
    ratings_sites = harvester_pod(
        # 1 req/s per site, a page and up to 4 season pages per series: a weekly run's ~700 due series about
        # 1 h; a first run's 3,000 series 4.2 h, x 1.35 = 5.6 h.
        task_id="ratings_sites",
        arguments=["harvest", "--run-key", RUN_KEY, "--step", "ratings-sites", "--summary-json", XCOM],
        execution_timeout=timedelta(hours=6),
        do_xcom_push=True,
        container_resources=RESOURCES_WITH_BROWSER,
    )
    publish = harvester_pod(
        # The post-load expectations: 4.5 s at 10,000 series.
        task_id="publish",
        arguments=["harvest", "--run-key", RUN_KEY, "--step", "publish", "--summary-json", XCOM],
        execution_timeout=timedelta(minutes=10),
        do_xcom_push=True,
    )

    migrate >> listing >> details >> omdb >> ratings_sites >> publish
