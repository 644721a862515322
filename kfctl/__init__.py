"""kfctl: declarative configuration for machine-learning stacks on Kubernetes.

The library is importable on its own: ``kfctl.app`` (the app on disk), ``kfctl.params``,
``kfctl.render`` (the ``show`` pipeline), ``kfctl.registry``/``kfctl.prototype``, ``kfctl.cluster``
and friends. The ``kfctl`` command (``kfctl.cli``) is a thin layer over them.
"""

__version__ = "0.1.0"
