"""A library's drop-in measured on a build other than the installed one.

websockets and aiohttp choose at import between C code and a pure-Python
fallback, and the only trace of that choice on their hot paths is which
function a few module globals hold.  ``ForcedBuild`` binds the fallback's
functions there for the rows of a bench module and stands in for the
integration (``install`` / ``uninstall`` are the drop-in's, over the forced
build); ``finish`` puts the installed build's functions back.
"""

import importlib


class ForcedBuild:
    def __init__(self, integration, bindings):
        """``integration``: module name of the drop-in; ``bindings()``: a list
        of ``(module, name, fallback function)`` to force."""
        self._integration_name = integration
        self._bindings = bindings
        self._built = {}

    @property
    def _integration(self):
        return importlib.import_module(self._integration_name)

    def force(self):
        integration = self._integration
        if not integration.is_installed():
            for module, name, fallback in self._bindings():
                current = getattr(module, name)
                if current is not fallback:
                    self._built.setdefault((module.__name__, name), (module, current))
                    setattr(module, name, fallback)
        return integration

    def install(self, force=False):
        return self.force().install(force=force)

    def uninstall(self):
        self.force().uninstall()

    def installed_version(self):
        return self._integration.installed_version()

    def finish(self):
        self._integration.uninstall()
        for (_, name), (module, built) in self._built.items():
            setattr(module, name, built)
        self._built.clear()
