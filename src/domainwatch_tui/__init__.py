"""domainwatch: find the accounts exposed to domain resurrection and act on them."""

__version__ = "0.1.0"
