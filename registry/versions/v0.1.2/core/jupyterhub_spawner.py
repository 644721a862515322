# JupyterHub configuration of kfctl's kubeflow-core (package kubeflow/core).
# kubeflow-core appends the authenticator and volume settings below this text.
import os

from kubespawner.spawner import KubeSpawner
from traitlets import Unicode


class KubeFormSpawner(KubeSpawner):
    """KubeSpawner with a one-field form: the notebook image to start."""

    default_image = Unicode('', config=True)

    def _options_form_default(self):
        return (
            '<label for="image">Image</label>'
            '<input name="image" placeholder="{0}" value="{0}" style="width: 100%"></input>'
        ).format(self.default_image)

    def options_from_form(self, formdata):
        image = formdata.get('image', [''])[0].strip()
        return {'image': image or self.default_image}

    @property
    def singleuser_image_spec(self):
        return self.user_options.get('image') or self.default_image

    @property
    def image(self):
        return self.singleuser_image_spec


c.JupyterHub.ip = '0.0.0.0'
c.JupyterHub.hub_ip = '0.0.0.0'
c.JupyterHub.port = 8000
c.JupyterHub.cleanup_servers = False
c.JupyterHub.spawner_class = KubeFormSpawner

_registry = os.environ.get('REGISTRY', 'gcr.io')
_repo = os.environ.get('REPO_NAME', 'kubeflow-images-public')
c.KubeFormSpawner.default_image = '{}/{}/tensorflow-1.8.0-notebook-cpu:v0.2.1'.format(_registry, _repo)

c.KubeSpawner.start_timeout = 60 * 30
c.KubeSpawner.http_timeout = 60 * 5
c.KubeSpawner.cmd = 'start-singleuser.sh'
c.KubeSpawner.args = ['--allow-root']
c.KubeSpawner.singleuser_fs_gid = 100
c.KubeSpawner.pod_name_template = 'jupyter-{username}{servername}'
c.KubeSpawner.volumes = []
c.KubeSpawner.volume_mounts = []
