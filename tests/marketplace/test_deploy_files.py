"""The deployment files parse and run the same processes as `make run` (no Docker here)."""

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_runs_web_relay_worker_and_the_migrations_in_order():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]

    assert set(services) == {"migrate", "web", "relay", "worker", "postgres", "redis", "kafka"}
    assert services["relay"]["command"] == ["python", "manage.py", "relay"]
    assert services["worker"]["command"] == ["python", "manage.py", "worker"]
    steps = services["migrate"]["command"]
    assert steps.index("--shared") < steps.index("prepare_shops") < steps.index("--tenant")


def test_kubernetes_manifests_describe_the_three_deployments_and_the_migration_job():
    documents = list(yaml.safe_load_all((DEPLOY / "k8s" / "marketplace.yaml").read_text()))
    kinds = [(document["kind"], document["metadata"]["name"]) for document in documents]

    assert kinds == [
        ("Job", "marketplace-migrate"),
        ("Deployment", "marketplace-web"),
        ("Service", "marketplace-web"),
        ("Deployment", "marketplace-relay"),
        ("Deployment", "marketplace-worker"),
    ]
    web = documents[1]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_the_image_serves_the_asgi_application():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert '"uvicorn", "marketplace.asgi:application"' in dockerfile
    assert "requirements.lock" in dockerfile
