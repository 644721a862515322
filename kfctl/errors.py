"""The exception hierarchy. Every error a user can cause is a KfctlError with a one-line message.

``str(err)`` is ``where: message`` (where is a file, file:line:col, or an object), ready to print.
The CLI maps ``exit_code`` to the process exit status; the library never exits or prints.
"""

from __future__ import annotations


class KfctlError(Exception):
    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class AppError(KfctlError):
    """Something about the app on disk: missing, corrupt, or an unknown name."""


class NotAnApp(AppError):
    pass


class AppFileError(AppError):
    pass


class UnknownEnvironment(AppError):
    pass


class UnknownComponent(AppError):
    pass


class InvalidName(AppError):
    pass


class ParamError(AppError):
    pass


class RegistryError(KfctlError):
    pass


class PackageNotFound(RegistryError):
    pass


class UnsafePath(RegistryError):
    pass


class PrototypeError(RegistryError):
    pass


class RenderError(KfctlError):
    pass


class EngineError(RenderError):
    pass


class NotAnObject(RenderError):
    pass


class DuplicateObject(RenderError):
    pass


class ValidationError(KfctlError):
    pass


class ClusterError(KfctlError):
    pass


class Unreachable(ClusterError):
    """The API server cannot be reached (refused, DNS, TLS, timeout, connection lost)."""


class NotKubernetes(ClusterError):
    """The server answered, but not as a Kubernetes API server does (an HTML page, a 404 for /version)."""


class ServerBusy(ClusterError):
    """The API server kept answering 429 (or a 5xx with Retry-After) after kfctl's bounded retries."""


class AuthError(ClusterError):
    """The API server rejected the credentials (401)."""


class Forbidden(ClusterError):
    """The credentials are valid but not allowed to do this (403)."""


class WrongCluster(ClusterError):
    """The environment's server/context does not match the kubeconfig."""


class Rejected(ClusterError):
    """The API server refused an object (invalid, unknown kind, admission)."""


class Conflict(ClusterError):
    """A server-side apply field-manager conflict."""


class NotReady(ClusterError):
    """Objects did not become ready (or gone) within the timeout."""


class OwnershipError(ClusterError):
    """An object belongs to another app or environment."""


class MissingPrerequisite(ClusterError):
    """A rendered kind needs a product (an operator, a mesh) the cluster does not run yet."""
