"""The package version, in a module of its own so that the build reads it
without importing wscodec (pyproject.toml: ``attr = "wscodec._version.__version__"``)."""

__version__ = "0.1.0"
