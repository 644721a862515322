# JupyterHub configuration of kfctl's kubeflow-core (package kubeflow/core, version 2026.12.0).
# JupyterHub 5 (Zero to JupyterHub's k8s-hub image) with KubeSpawner 7; the proxy
# (configurable-http-proxy) runs beside the hub in the same pod and shares a per-pod API token.
# kubeflow-core appends the authenticator and volume settings below this text.
import os

c.JupyterHub.spawner_class = 'kubespawner.KubeSpawner'
c.JupyterHub.hub_ip = '0.0.0.0'
c.JupyterHub.hub_port = 8081
c.JupyterHub.hub_connect_ip = os.environ['POD_IP']
c.JupyterHub.cleanup_servers = False
c.JupyterHub.db_url = 'sqlite:////srv/jupyterhub/jupyterhub.sqlite'
c.JupyterHub.cookie_secret_file = '/srv/jupyterhub/jupyterhub_cookie_secret'

c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:8001'
with open('/var/run/hub-proxy/token') as _token:
    c.ConfigurableHTTPProxy.auth_token = _token.read().strip()

_registry = os.environ.get('REGISTRY', 'quay.io')
_repo = os.environ.get('REPO_NAME', 'jupyter')
_tag = os.environ.get('NOTEBOOK_TAG', '2025-07-07')


def _image(name):
    return '{}/{}/{}:{}'.format(_registry, _repo, name, _tag)


c.KubeSpawner.image = _image('tensorflow-notebook')
c.KubeSpawner.profile_list = [
    {'display_name': 'TensorFlow', 'default': True, 'kubespawner_override': {'image': _image('tensorflow-notebook')}},
    {'display_name': 'PyTorch', 'kubespawner_override': {'image': _image('pytorch-notebook')}},
    {'display_name': 'SciPy', 'kubespawner_override': {'image': _image('scipy-notebook')}},
]
c.KubeSpawner.start_timeout = 60 * 10
c.KubeSpawner.http_timeout = 60 * 2
c.KubeSpawner.cmd = ['jupyterhub-singleuser']
c.KubeSpawner.fs_gid = 100
c.KubeSpawner.uid = 1000
c.KubeSpawner.allow_privilege_escalation = False
c.KubeSpawner.pod_name_template = 'jupyter-{username}{servername}'
c.KubeSpawner.volumes = []
c.KubeSpawner.volume_mounts = []
